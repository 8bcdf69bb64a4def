// The choose-connectivity pass and the CPU connectivity storages (docs/passes.md, "Connectivity
// strategy"): every storage gives the same spikes and synapses as the CSR, the cost model's choices
// for reference cases, the override's errors and warnings, and a 10^9-synapse procedural network
// that runs with memory for its neurons only.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "backends/cpu/cpu_backend.h"
#ifdef MODELC_HAVE_OPENCL
#include "backends/opencl/opencl_backend.h"
#endif
#include "frontend/model_reader.h"
#include "passes/pass_manager.h"
#include "passes/passes.h"
#include "driver/resource_estimate.h"
#include "test_model_util.h"

namespace modelc::testing {
namespace {

// A CUBA-like network: P (N neurons) with excitatory/inhibitory probability groups, plus an
// all-to-all and a one-to-one group (shared weights). `conn` goes into every synapses object.
std::string cuba_like(int n, const std::string& p, const std::string& duration, const std::string& conn,
                      const std::string& extra_synapses = "") {
  std::string c = conn.empty() ? "" : ", \"connectivity\": \"" + conn + "\"";
  return R"J({"modelc_ir": 1, "name": "conn",
  "parameters": {"N": )J" + std::to_string(n) + R"J(, "p": )J" + p + R"J(},
  "simulation": {"dt": "0.1 ms", "duration": ")J" + duration + R"J(", "seed": 3},
  "constants": {"taum": "20 ms", "taue": "5 ms", "taui": "10 ms", "Vt": "-50 mV", "Vr": "-60 mV", "El": "-49 mV"},
  "neuron_groups": [{"name": "P", "size": "N",
    "equations": ["dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)", "dge/dt = -ge / taue : volt",
                  "dgi/dt = -gi / taui : volt"],
    "threshold": "v > Vt", "reset": "v = Vr", "refractory": "5 ms", "method": "exact",
    "initial": {"v": "Vr + rand() * (Vt - Vr)", "ge": "0 mV", "gi": "0 mV"}}],
  "synapses": [
    {"name": "Ce", "source": "P[0:int(0.8*N)]", "target": "P", "on_pre": "ge += 1.62*mV", "connect": {"p": "p"})J" + c + R"J(},
    {"name": "Ci", "source": "P[int(0.8*N):N]", "target": "P", "on_pre": "gi += -9*mV", "connect": {"p": "p"})J" + c + R"J(})J" +
         extra_synapses + R"J(],
  "monitors": [{"name": "spikes", "kind": "spikes", "source": "P"}]})J";
}

std::string small_rules(const std::string& conn) {
  std::string c = conn.empty() ? "" : ", \"connectivity\": \"" + conn + "\"";
  return R"J(,
    {"name": "All", "source": "P[0:20]", "target": "P[10:90]", "on_pre": "ge += 0.01*mV", "connect": {"rule": "all_to_all"})J" + c + R"J(},
    {"name": "One", "source": "P[0:50]", "target": "P[50:100]", "on_pre": "ge += 0.2*mV", "connect": {"rule": "one_to_one"})J" + c + R"J(})J";
}

struct StorageRun {
  std::vector<int32_t> spike_i;
  std::vector<int64_t> spike_step;
  std::vector<std::vector<int32_t>> pre, post;  // per synapse group, from mc_read_synapses
};

std::optional<StorageRun> run_storage(const std::string& tag, const std::string& text, const std::string& opt,
                                      std::string& error, int threads = 2) {
  driver::PipelineOptions options;
  if (opt == "-O0") options.passes = passes::pipeline_for_opt_level(0);
  options.build.out_dir = v2_model_dir(tag) / "build";
  options.build.cache_dir = test_cache_dir();
  driver::CompiledModel compiled;
  DiagnosticEngine diags;
  auto path = write_v2_model(tag, text);
  if (!driver::compile_model(path.string(), options, compiled, diags)) {
    error = diags.render(path.string());
    return std::nullopt;
  }
  runtime::LoadedModule module;
  if (!module.load(compiled.build.module_path, error)) return std::nullopt;
  mc_options mo = runtime::Simulation::default_options(module);
  mo.num_threads = threads;
  runtime::Simulation sim(module, mo);
  if (!sim.init(error) || !sim.run(compiled.unit.program->steps, {}, error)) return std::nullopt;
  runtime::RunResults results;
  if (!sim.collect(results, error)) return std::nullopt;
  StorageRun out;
  const auto* spikes = find_monitor(results, "spikes");
  if (!spikes) {
    error = "no spike monitor";
    return std::nullopt;
  }
  out.spike_i = spikes->spike_indices;
  out.spike_step = spikes->steps;
  for (int32_t g = 0; g < module.info()->num_synapse_groups; ++g) {
    int64_t n = module.fn().synapse_count(sim.handle(), g);
    auto& pre = out.pre.emplace_back(static_cast<size_t>(n));
    auto& post = out.post.emplace_back(static_cast<size_t>(n));
    if (module.fn().read_synapses(sim.handle(), g, pre.data(), post.data()) != 0) {
      error = module.fn().last_error(sim.handle());
      return std::nullopt;
    }
  }
  return out;
}

TEST(Connectivity, EveryStorageGivesTheCsrSpikesAndSynapses) {
  std::string error;
  auto reference = run_storage("conn-ref", cuba_like(1000, "0.05", "200 ms", "", small_rules("")), "-O0", error);
  ASSERT_TRUE(reference) << error;
  ASSERT_GT(reference->spike_i.size(), 500u) << "the network must be active for the comparison to mean something";
  ASSERT_EQ(reference->pre.size(), 4u);
  EXPECT_EQ(reference->pre[2].size(), 20u * 80u);
  for (const std::string storage : {"sparse", "dense", "bitmask", "procedural", "auto"}) {
    SCOPED_TRACE(storage);
    auto run = run_storage("conn-" + storage, cuba_like(1000, "0.05", "200 ms", storage, small_rules(storage)), "-O2", error);
    ASSERT_TRUE(run) << error;
    EXPECT_EQ(run->spike_i, reference->spike_i);
    EXPECT_EQ(run->spike_step, reference->spike_step);
    EXPECT_EQ(run->pre, reference->pre);
    EXPECT_EQ(run->post, reference->post);
  }
}

// Sparse probability rules build each row once, into per-block buffers (connect_emitter.cpp,
// emit_rows_once); procedural storage regenerates every row when read and dense storage counts,
// then regenerates. Rows as full as the target (p = 1), half full (the buffers grow) and nearly
// empty must be the same synapses in the same order whatever the thread count.
TEST(Connectivity, RowsBuiltOnceAreTheRegeneratedRows) {
  const std::string rules = R"J(,
    {"name": "Half", "source": "P[0:300]", "target": "P", "on_pre": "ge += 0.01*mV", "connect": {"p": "0.5"}},
    {"name": "Full", "source": "P[0:40]", "target": "P[100:400]", "on_pre": "ge += 0.01*mV", "connect": {"p": "1.0"}},
    {"name": "Sparse", "source": "P", "target": "P", "on_pre": "ge += 0.01*mV", "connect": {"p": "0.002"}})J";
  auto with = [&](const std::string& storage) {
    std::string r = rules;
    if (!storage.empty())
      for (size_t pos = 0; (pos = r.find("\"on_pre\"", pos)) != std::string::npos; pos += 40)
        r.insert(pos, "\"connectivity\": \"" + storage + "\", ");
    return cuba_like(1000, "0.05", "20 ms", storage, r);
  };
  std::string error;
  auto reference = run_storage("rows-once-proc", with("procedural"), "-O2", error, 1);
  ASSERT_TRUE(reference) << error;
  ASSERT_EQ(reference->post.size(), 5u);
  EXPECT_EQ(reference->post[3].size(), 40u * 300u);
  EXPECT_NEAR(static_cast<double>(reference->post[2].size()), 0.5 * 300 * 1000, 3000.0);
  for (const std::string storage : {"sparse", "dense"})
    for (int threads : {1, 2}) {
      SCOPED_TRACE(storage + " with " + std::to_string(threads) + " threads");
      auto run = run_storage("rows-once-" + storage, with(storage), "-O2", error, threads);
      ASSERT_TRUE(run) << error;
      EXPECT_EQ(run->pre, reference->pre);
      EXPECT_EQ(run->post, reference->post);
      EXPECT_EQ(run->spike_i, reference->spike_i);
    }
}

// The pass over a model with a chosen target (features and memory), as lower_model runs it.
struct Lowered {
  passes::CompilationUnit unit;
  std::vector<support::Diagnostic> diags;
  bool ok = false;
  const kir::Connectivity& of(const std::string& g) const { return unit.program->find_synapse_group(g)->connectivity; }
  std::string decision(const std::string& g) const {
    for (const auto& [what, why] : unit.decisions)
      if (what.rfind("connectivity of " + g + ":", 0) == 0) return what + " | " + why;
    return "";
  }
};

// `backend`: "cpu" (its features), "opencl" (its features, where it is built) or "bare" (an
// accelerator target with no connectivity feature).
Lowered lower(const std::string& tag, const std::string& text, double memory = 64.0 * (1ull << 30),
              const std::string& backend = "cpu") {
  passes::register_builtin_passes();
  Lowered out;
  DiagnosticEngine diags;
  auto model = frontend::read_model_file(write_v2_model(tag, text).string(), frontend::ReadOptions{}, diags);
  if (model) {
    out.unit.model = std::move(*model);
    out.unit.target.backend = backend;
    if (backend == "cpu") {
      out.unit.target.features = backends::cpu::CpuBackend().capabilities().features;
    } else {
      out.unit.target.accelerator = true;
#ifdef MODELC_HAVE_OPENCL
      if (backend == "opencl") out.unit.target.features = backends::opencl::OpenCLBackend().capabilities().features;
#endif
    }
    out.unit.target.host_memory_bytes = memory;
    passes::PassManager pm;
    out.ok = pm.add_pipeline(passes::default_pipeline(), {}, diags) && pm.run(out.unit, diags);
  }
  out.diags = diags.diagnostics();
  return out;
}

using Storage = kir::Connectivity::Storage;

TEST(Connectivity, CostModelChoices) {
  // cuba: T = 4000 fits u16 indices; nothing reads pre.
  auto cuba = lower("choice-cuba", cuba_like(4000, "\"80 / N\"", "10 ms", ""));
  ASSERT_TRUE(cuba.ok);
  EXPECT_EQ(cuba.of("Ce").storage, Storage::Sparse);
  EXPECT_EQ(cuba.of("Ce").index_bits, 16);
  EXPECT_FALSE(cuba.of("Ce").keep_pre);
  EXPECT_NE(cuba.decision("Ce").find("sparse-u16 525 KiB cost/spike 100"), std::string::npos) << cuba.decision("Ce");
  // p = 1: the rows need no draws, so regenerating them is free.
  auto full = lower("choice-p1", cuba_like(500, "1", "10 ms", ""));
  ASSERT_TRUE(full.ok);
  EXPECT_EQ(full.of("Ce").storage, Storage::Procedural);
  // p = 0.5 with T = 500: a bitmask row (8 words) costs about what the u16 indices cost, in a
  // sixteenth of the memory.
  auto half = lower("choice-half", cuba_like(500, "0.5", "10 ms", ""));
  ASSERT_TRUE(half.ok);
  EXPECT_EQ(half.of("Ce").storage, Storage::Bitmask) << half.decision("Ce");
  // 10^5 neurons, p = 0.1 (10^9 synapses) on a 4 GiB machine: nothing stored fits in 1 GiB.
  auto big = lower("choice-big", cuba_like(100000, "0.1", "10 ms", ""), 4.0 * (1ull << 30));
  ASSERT_TRUE(big.ok);
  EXPECT_EQ(big.of("Ce").storage, Storage::Procedural) << big.decision("Ce");
  EXPECT_EQ(big.of("Ce").index_bits, 32);
  EXPECT_NE(big.decision("Ce").find("connectivity of Ce: procedural, presynaptic push | no stored storage fits in 819 MiB"),
            std::string::npos) << big.decision("Ce");
  EXPECT_NE(big.decision("Ce").find("S=80000 T=100000 synapses~8e+08 row~1e+04; sparse-u32 3.0 GiB"), std::string::npos)
      << big.decision("Ce");
  // ... and on a 64 GiB machine the bitmask (1 GiB for Ce) fits and is cheaper per spike.
  auto big64 = lower("choice-big64", cuba_like(100000, "0.1", "10 ms", ""));
  EXPECT_EQ(big64.of("Ce").storage, Storage::Bitmask) << big64.decision("Ce");
  // Per-synapse plastic weights: only sparse indexes them; an initialiser needs the pre array.
  std::string plastic = cuba_like(1000, "0.5", "10 ms", "",
                                  R"J(, {"name": "Pl", "source": "P", "target": "P", "equations": ["w : volt"],
                                     "on_pre": "ge += w\nw = w * 0.99", "connect": {"p": "p"}, "initial": {"w": "rand() * mV"}})J");
  auto pl = lower("choice-plastic", plastic);
  ASSERT_TRUE(pl.ok);
  EXPECT_EQ(pl.of("Pl").storage, Storage::Sparse);
  EXPECT_EQ(pl.of("Pl").index_bits, 16);
  EXPECT_TRUE(pl.of("Pl").keep_pre);
  // A target without connectivity features: the CSR stays as it was (u32, pre kept).
  auto bare = lower("choice-bare", cuba_like(4000, "\"80 / N\"", "10 ms", ""), 64.0 * (1ull << 30), "bare");
  ASSERT_TRUE(bare.ok);
  for (const char* g : {"Ce", "Ci"}) {
    EXPECT_EQ(bare.of(g).storage, Storage::Sparse);
    EXPECT_EQ(bare.of(g).index_bits, 32);
    EXPECT_TRUE(bare.of(g).keep_pre);
  }
#ifdef MODELC_HAVE_OPENCL
  // The GPU backends offer every storage the CPU does (the SIMT emitter): the pass chooses as for
  // the CPU, narrow indices without pre included.
  auto ocl_half = lower("choice-ocl-half", cuba_like(500, "0.5", "10 ms", ""), 64.0 * (1ull << 30), "opencl");
  ASSERT_TRUE(ocl_half.ok);
  EXPECT_EQ(ocl_half.of("Ce").storage, Storage::Bitmask) << ocl_half.decision("Ce");
  auto ocl_full = lower("choice-ocl-p1", cuba_like(500, "1", "10 ms", ""), 64.0 * (1ull << 30), "opencl");
  ASSERT_TRUE(ocl_full.ok);
  EXPECT_EQ(ocl_full.of("Ce").storage, Storage::Procedural) << ocl_full.decision("Ce");
  auto ocl_cuba = lower("choice-ocl-cuba", cuba_like(4000, "\"80 / N\"", "10 ms", ""), 64.0 * (1ull << 30), "opencl");
  ASSERT_TRUE(ocl_cuba.ok);
  for (const char* g : {"Ce", "Ci"}) {
    EXPECT_EQ(ocl_cuba.of(g).storage, Storage::Sparse) << ocl_cuba.decision(g);
    EXPECT_EQ(ocl_cuba.of(g).index_bits, 16) << ocl_cuba.decision(g);
    EXPECT_FALSE(ocl_cuba.of(g).keep_pre) << ocl_cuba.decision(g);
  }
#endif
}

TEST(Connectivity, DefaultsAtO0) {
  passes::register_builtin_passes();
  passes::CompilationUnit unit;
  driver::PhaseTimings timings;
  DiagnosticEngine diags;
  driver::PipelineOptions options;
  options.passes = passes::pipeline_for_opt_level(0);
  ASSERT_TRUE(driver::lower_model(write_v2_model("o0", cuba_like(4000, "\"80 / N\"", "10 ms", "")).string(), options, unit, timings, diags));
  const auto& c = unit.program->find_synapse_group("Ce")->connectivity;
  EXPECT_EQ(c.storage, Storage::Sparse);
  EXPECT_EQ(c.index_bits, 32);
  EXPECT_TRUE(c.keep_pre);
  EXPECT_EQ(std::find(options.passes.begin(), options.passes.end(), "choose-connectivity"), options.passes.end());
  // A request the -O0 pipeline cannot apply is a warning at its pointer.
  DiagnosticEngine d2;
  passes::CompilationUnit u2;
  ASSERT_TRUE(driver::lower_model(write_v2_model("o0-dense", cuba_like(400, "0.1", "10 ms", "dense")).string(), options, u2,
                          timings, d2));
  ASSERT_FALSE(d2.diagnostics().empty());
  EXPECT_EQ(d2.diagnostics()[0].json_pointer, "/synapses/0/connectivity");
  EXPECT_NE(d2.diagnostics()[0].message.find("does not run choose-connectivity"), std::string::npos);
  EXPECT_EQ(u2.program->find_synapse_group("Ce")->connectivity.storage, Storage::Sparse);
  auto o1 = passes::pipeline_for_opt_level(1);
  EXPECT_NE(std::find(o1.begin(), o1.end(), "choose-connectivity"), o1.end());
}

support::Diagnostic first_of(const std::vector<support::Diagnostic>& ds, support::Severity s) {
  for (const auto& d : ds)
    if (d.severity == s) return d;
  return {};
}

// GPU propagation (passes/analysis/propagation_cost.cpp): a block per spike unless a thread per
// target looping over the spikes costs less than 90% of it; requests are checked.
std::string propagation_of(const Lowered& l, const std::string& g) {
  for (const auto& [what, why] : l.unit.decisions)
    if (what.rfind("propagation of " + g + ":", 0) == 0) return what + " | " + why;
  return "";
}

TEST(Connectivity, CpuIgnoresPropagationRequestsWithAWarning) {
  std::string text = cuba_like(1000, "0.1", "10 ms", "");
  text.replace(text.find("\"on_pre\": \"ge"), 0, "\"propagation\": \"postsynaptic\", ");
  auto r = lower("prop-cpu", text);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.of("Ce").propagation, "push");
  EXPECT_EQ(propagation_of(r, "Ce"), "");
  support::Diagnostic w = first_of(r.diags, support::Severity::Warning);
  EXPECT_EQ(w.json_pointer, "/synapses/0/propagation");
  EXPECT_NE(w.message.find("only GPU backends choose: the cpu backend pushes spikes serially"), std::string::npos) << w.message;
  // An unknown name is a reader error at the pointer.
  std::string typo = cuba_like(1000, "0.1", "10 ms", "");
  typo.replace(typo.find("\"on_pre\": \"ge"), 0, "\"propagation\": \"post\", ");
  auto t = lower("prop-typo", typo);
  EXPECT_FALSE(t.ok);
  EXPECT_EQ(first_of(t.diags, support::Severity::Error).json_pointer, "/synapses/0/propagation");
}

#ifdef MODELC_HAVE_OPENCL
TEST(Connectivity, GpuPropagationChoices) {
  const double mem = 64.0 * (1ull << 30);
  // CUBA: rows of 80, ~3 spikes a step: a block per spike (2 passes of 64 threads) beats 4000
  // threads each binary-searching its column for every spike.
  auto cuba = lower("prop-cuba", cuba_like(4000, "\"80 / N\"", "10 ms", ""), mem, "opencl");
  ASSERT_TRUE(cuba.ok);
  for (const char* g : {"Ce", "Ci"}) {
    EXPECT_EQ(cuba.of(g).propagation, "presynaptic") << propagation_of(cuba, g);
    EXPECT_NE(propagation_of(cuba, g).find("presynaptic-parallel (a block per spike walks its row"), std::string::npos);
  }
  EXPECT_NE(propagation_of(cuba, "Ce").find("~3.2 spikes/step at 10 Hz): presynaptic 4.5, postsynaptic 25.7"), std::string::npos)
      << propagation_of(cuba, "Ce");
  EXPECT_NE(cuba.decision("Ce").find("connectivity of Ce: sparse u16, pre dropped, presynaptic-parallel"), std::string::npos)
      << cuba.decision("Ce");
  // p = 0.5: bitmask rows with 250 synapses; a block per spike adds them with atomics, a thread
  // per target tests one bit per spike.
  auto half = lower("prop-half", cuba_like(500, "0.5", "10 ms", ""), mem, "opencl");
  ASSERT_TRUE(half.ok);
  EXPECT_EQ(half.of("Ce").storage, Storage::Bitmask);
  EXPECT_EQ(half.of("Ce").propagation, "postsynaptic") << propagation_of(half, "Ce");
  EXPECT_NE(propagation_of(half, "Ce").find("a thread per target looping over the spikes costs less"), std::string::npos);
  // The fusion pass leaves postsynaptic groups alone (no row walk to share).
  for (const auto& k : half.unit.program->kernels) EXPECT_TRUE(k.dispatch.empty()) << k.name;
  // All-to-all rows (procedural, no draws): postsynaptic; one-to-one: too.
  auto rules = lower("prop-rules", cuba_like(1000, "\"80 / N\"", "10 ms", "", small_rules("")), mem, "opencl");
  ASSERT_TRUE(rules.ok);
  EXPECT_EQ(rules.of("All").propagation, "postsynaptic") << propagation_of(rules, "All");
  // Procedural probability rows cannot be searched by a thread per target.
  auto big = lower("prop-proc", cuba_like(100000, "0.1", "10 ms", "procedural"), mem, "opencl");
  ASSERT_TRUE(big.ok);
  EXPECT_EQ(big.of("Ce").propagation, "presynaptic");
  EXPECT_NE(propagation_of(big, "Ce").find("postsynaptic is not possible: procedural probability rows"), std::string::npos)
      << propagation_of(big, "Ce");
  // Forced: presynaptic where post would win, postsynaptic where pre would.
  std::string forced = cuba_like(500, "0.5", "10 ms", "");
  forced.replace(forced.find("\"on_pre\": \"ge"), 0, "\"propagation\": \"presynaptic\", ");
  forced.replace(forced.find("\"on_pre\": \"gi"), 0, "\"propagation\": \"postsynaptic\", ");
  auto f = lower("prop-forced", forced, mem, "opencl");
  ASSERT_TRUE(f.ok);
  EXPECT_EQ(f.of("Ce").propagation, "presynaptic");
  EXPECT_EQ(f.of("Ci").propagation, "postsynaptic");
  EXPECT_NE(propagation_of(f, "Ce").find("| requested in the model"), std::string::npos) << propagation_of(f, "Ce");
  // Illegal requests are errors at the pointer saying why: a draw keyed by syn on dense rows, a
  // write to the presynaptic neuron.
  std::string drawn = cuba_like(1000, "0.1", "10 ms", "",
                                R"J(, {"name": "Dr", "source": "P", "target": "P", "on_pre": "ge += rand() * mV",
                                   "connect": {"p": "p"}, "connectivity": "dense", "propagation": "postsynaptic"})J");
  auto d = lower("prop-drawn", drawn, mem, "opencl");
  EXPECT_FALSE(d.ok);
  support::Diagnostic e = first_of(d.diags, support::Severity::Error);
  EXPECT_EQ(e.json_pointer, "/synapses/2/propagation");
  EXPECT_NE(e.message.find("synapses Dr cannot use postsynaptic propagation: a kernel reads the synapse index"), std::string::npos)
      << e.message;
  std::string pre_write = cuba_like(1000, "0.1", "10 ms", "",
                                    R"J(, {"name": "Pw", "source": "P", "target": "P", "on_pre": "ge += 0.1*mV\nv_pre -= 0.1*mV",
                                       "connect": {"p": "p"}, "propagation": "postsynaptic"})J");
  auto pw = lower("prop-prewrite", pre_write, mem, "opencl");
  EXPECT_FALSE(pw.ok);
  e = first_of(pw.diags, support::Severity::Error);
  EXPECT_EQ(e.json_pointer, "/synapses/2/propagation");
  EXPECT_NE(e.message.find("cannot run a thread per target: it writes"), std::string::npos) << e.message;
}
#endif

TEST(Connectivity, IllegalOverrideIsAnErrorAtThePointer) {
  std::string text = cuba_like(1000, "0.1", "10 ms", "",
                               R"J(, {"name": "Pl", "source": "P", "target": "P", "equations": ["w : volt"],
                                  "on_pre": "ge += w", "connect": {"p": "p"}, "connectivity": "bitmask"})J");
  auto r = lower("err-bitmask", text);
  EXPECT_FALSE(r.ok);
  support::Diagnostic e = first_of(r.diags, support::Severity::Error);
  EXPECT_EQ(e.json_pointer, "/synapses/2/connectivity");
  EXPECT_NE(e.message.find("synapses Pl cannot use bitmask connectivity: the group has per-synapse variables"),
            std::string::npos) << e.message;
  // Procedural needs rows that do not depend on the draw keyed by syn.
  std::string noisy = cuba_like(1000, "0.1", "10 ms", "",
                                R"J(, {"name": "Nz", "source": "P", "target": "P", "on_pre": "ge += rand() * mV",
                                   "connect": {"p": "p"}, "connectivity": "procedural"})J");
  auto n = lower("err-proc", noisy);
  e = first_of(n.diags, support::Severity::Error);
  EXPECT_EQ(e.json_pointer, "/synapses/2/connectivity");
  EXPECT_NE(e.message.find("uses the synapse index"), std::string::npos) << e.message;
  // A storage the backend does not implement names the backend.
  auto bare = lower("err-bare", cuba_like(1000, "0.1", "10 ms", "dense"), 64.0 * (1ull << 30), "bare");
  EXPECT_FALSE(bare.ok);
  e = first_of(bare.diags, support::Severity::Error);
  EXPECT_EQ(e.json_pointer, "/synapses/0/connectivity");
  EXPECT_NE(e.message.find("the bare backend does not implement dense connectivity"), std::string::npos) << e.message;
  // The reader rejects unknown names with a suggestion.
  auto typo = lower("err-typo", cuba_like(1000, "0.1", "10 ms", "dens"));
  e = first_of(typo.diags, support::Severity::Error);
  EXPECT_EQ(e.json_pointer, "/synapses/0/connectivity");
  EXPECT_NE(e.hint.find("did you mean \"dense\""), std::string::npos) << e.hint;
}

TEST(Connectivity, BadButLegalOverrideWarnsWithTheMemory) {
  auto r = lower("warn-dense", cuba_like(100000, "0.001", "10 ms", "dense"));
  EXPECT_TRUE(r.ok);
  support::Diagnostic w = first_of(r.diags, support::Severity::Warning);
  EXPECT_EQ(w.json_pointer, "/synapses/0/connectivity");
  EXPECT_NE(w.message.find("synapses Ce: dense needs 7.5 GiB where sparse needs 31 MiB"), std::string::npos) << w.message;
  EXPECT_EQ(r.of("Ce").storage, Storage::Dense);
}

// 10^5 neurons, p = 0.1: 10^9 synapses, none stored. The estimate counts neurons only, and the
// network is created, initialised and run (spikes regenerate their rows) in well under the time a
// CSR build alone would take.
TEST(Connectivity, ProceduralBillionSynapses) {
  std::string text = cuba_like(100000, "0.1", "3 ms", "procedural");
  driver::PipelineOptions options;
  options.build.out_dir = v2_model_dir("big") / "build";
  options.build.cache_dir = test_cache_dir();
  driver::CompiledModel compiled;
  DiagnosticEngine diags;
  auto path = write_v2_model("big", text);
  ASSERT_TRUE(driver::compile_model(path.string(), options, compiled, diags)) << diags.render(path.string());
  auto est = driver::estimate_memory(*compiled.unit.program);
  EXPECT_GT(est.expected_synapses, 0.99e9);
  EXPECT_LT(est.synapse_bytes, 1e6);
  EXPECT_LT(est.total(), 100e6);
  runtime::LoadedModule module;
  std::string error;
  ASSERT_TRUE(module.load(compiled.build.module_path, error)) << error;
  mc_options mo = runtime::Simulation::default_options(module);
  mo.num_threads = 2;
  runtime::Simulation sim(module, mo);
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(sim.init(error)) << error;
  ASSERT_TRUE(sim.run(compiled.unit.program->steps, {}, error)) << error;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(secs, 5.0);
  EXPECT_EQ(module.fn().current_step(sim.handle()), 30);
  EXPECT_GT(module.fn().spike_count(sim.handle(), 0), 0) << "no spike: no row was regenerated";
}

}  // namespace
}  // namespace modelc::testing
