// fuse-neuron-kernels and launch counting: exact kernel launches per step of the reference models
// with and without fusion, bit-identical monitors fused vs unfused and for 1 vs 2 threads, and the
// pass refusing to move a reset past synapses that read or write what the reset touches.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "backends/cpu/cpu_module_emitter.h"
#include "passes/pass_manager.h"
#include "passes/passes.h"
#include "tests/unit/model_runner.h"
#include "tests/unit/test_kir_util.h"
#ifdef MODELC_HAVE_OPENCL
#include "backends/opencl/support/opencl_host.h"
#endif

namespace modelc::testing {
namespace {

namespace fs = std::filesystem;

fs::path scratch() {
  static fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("modelc-fusion-" + std::to_string(getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

// A copy of an example with a shorter duration (and optionally an edited synapse group).
fs::path shortened(const std::string& example, const std::string& duration,
                   const std::function<void(nlohmann::ordered_json&)>& edit = {}) {
  std::ifstream in(source_root() / "examples" / (example + ".json"));
  nlohmann::ordered_json m = nlohmann::ordered_json::parse(in);  // constants may use earlier ones: keep order
  m["simulation"]["duration"] = duration;
  if (edit) edit(m);
  static int counter = 0;
  fs::path out = scratch() / (example + "_" + std::to_string(counter++) + ".json");
  std::ofstream(out) << m.dump(2);
  return out;
}

struct Variant {
  bool fuse = true;
  int opt_level = 2;
  int threads = 1;
  int64_t n = 0;  // 0: the example's N
  std::string backend = "cpu";
  bool fuse_synapses = true;  // with `fuse`: fuse-synaptic-propagation too
};

RunOutput run(const fs::path& model, const Variant& v) {
  driver::PipelineOptions o;
  o.passes = passes::pipeline_for_opt_level(v.opt_level);
  if (!v.fuse) o.disabled_passes = {"fuse-neuron-kernels", "fuse-synaptic-propagation"};
  if (!v.fuse_synapses) o.disabled_passes.insert("fuse-synaptic-propagation");
  if (v.n > 0) o.read.parameter_overrides.push_back({"N", std::to_string(v.n)});
  o.backend = v.backend;
  std::string error;
  auto out = compile_and_run(model, error, o, v.threads);
  EXPECT_TRUE(out.has_value()) << error;
  return out ? std::move(*out) : RunOutput{};
}

double launches_per_step(const RunOutput& r) {
  EXPECT_GT(r.results.steps, 0);
  EXPECT_GE(r.results.kernel_launches, 0) << "the module reports no launch count";
  return r.results.launches_per_step();
}

bool has_decision(const RunOutput& r, const std::string& what_prefix, const std::string& why_part) {
  for (const auto& [what, why] : r.compiled.unit.decisions)
    if (what.rfind(what_prefix, 0) == 0 && why.find(why_part) != std::string::npos) return true;
  return false;
}

// Every monitor's recordings, compared exactly (spike trains, state traces, rates).
void expect_same_monitors(const RunOutput& a, const RunOutput& b, const std::string& what) {
  ASSERT_EQ(a.results.monitors.size(), b.results.monitors.size()) << what;
  int64_t spikes = 0;
  for (size_t k = 0; k < a.results.monitors.size(); ++k) {
    const auto& x = a.results.monitors[k];
    const auto& y = b.results.monitors[k];
    EXPECT_EQ(x.steps, y.steps) << what << ": monitor " << x.name;
    EXPECT_EQ(x.spike_indices, y.spike_indices) << what << ": monitor " << x.name;
    EXPECT_EQ(x.values, y.values) << what << ": monitor " << x.name;
    EXPECT_EQ(x.rates, y.rates) << what << ": monitor " << x.name;
    spikes += static_cast<int64_t>(x.spike_indices.size());
  }
  EXPECT_GT(spikes, 0) << what << ": no spikes recorded, the comparison would be vacuous";
  for (size_t p = 0; p < a.results.populations.size() && p < b.results.populations.size(); ++p)
    EXPECT_EQ(a.results.populations[p].spikes, b.results.populations[p].spikes) << what;
}

// --- schedule legality on hand-built programs (no compiler) ------------------------------------

kir::ExprP at_i(const std::string& buffer) {
  return kir::load(buffer, kir::Type::Double, kir::builtin("i", kir::Type::Int64));
}

// Populations A and B; A_update writes A_v; B_update writes `b_writes` from `b_reads`; A_threshold
// is `if (A_v > A_g) emit_spike(i)`.
passes::CompilationUnit two_populations(const std::string& b_writes, const std::string& b_reads) {
  passes::CompilationUnit u;
  u.target.features = {"fusion:neuron-kernels"};
  kir::Program& p = u.program.emplace();
  for (const char* b : {"A_v", "A_g", "B_v"}) {
    kir::Buffer buf;
    buf.name = b;
    buf.size = 8;
    p.buffers.push_back(buf);
  }
  for (const char* n : {"A", "B"}) {
    kir::Population pop;
    pop.name = n;
    pop.size = 8;
    p.populations.push_back(pop);
  }
  auto kernel = [&](const std::string& name, const std::string& pop, kir::Block body) {
    kir::Kernel k;
    k.name = name;
    k.domain.population = pop;
    k.body = std::move(body);
    p.kernels.push_back(std::move(k));
    p.step_tasks.push_back({kir::Task::Kind::RunKernel, p.kernels.size() - 1});
  };
  kernel("A_update", "A", {store("A_v", kir::binary(ir::Op::Mul, at_i("A_v"), kir::lit(0.5, kir::Type::Double), kir::Type::Double))});
  kernel("B_update", "B", {store(b_writes, at_i(b_reads))});
  kir::Stmt emit;
  emit.kind = kir::Stmt::Kind::EmitSpike;
  emit.index = kir::builtin("i", kir::Type::Int64);
  kir::Stmt iff;
  iff.kind = kir::Stmt::Kind::If;
  iff.value = kir::binary(ir::Op::Gt, at_i("A_v"), at_i("A_g"), kir::Type::Bool);
  iff.then_body = {emit};
  kernel("A_threshold", "A", {iff});
  p.kernels.back().emits_spikes = true;
  return u;
}

std::string schedule_after_fusion(passes::CompilationUnit& u) {
  DiagnosticEngine diags;
  EXPECT_TRUE(passes::kernel::create_neuron_kernel_fusion_pass()->run(u, diags));
  std::string s;
  for (const auto& t : u.program->step_tasks) s += (s.empty() ? "" : " ") + u.program->kernels[t.index].name;
  return s;
}

TEST(KernelFusionSchedule, ThresholdMovesUpWhenNothingInBetweenDependsOnIt) {
  passes::CompilationUnit u = two_populations("B_v", "B_v");
  EXPECT_EQ(schedule_after_fusion(u), "A_update_threshold B_update");
}

TEST(KernelFusionSchedule, UpdateMovesDownWhenTheThresholdReadsWhatATaskInBetweenWrites) {
  // B_update writes A_g (think: a summed variable into A), which A_threshold reads: the threshold
  // cannot run before it, but A_update (which does not touch A_g) can run after it.
  passes::CompilationUnit u = two_populations("A_g", "B_v");
  EXPECT_EQ(schedule_after_fusion(u), "B_update A_update_threshold");
  bool said = false;
  for (const auto& [what, why] : u.decisions)
    said |= what == "fuse-neuron-kernels A" && why.find("update moved down") != std::string::npos &&
            why.find("kernel B_update writes A_g, which A_threshold reads") != std::string::npos;
  EXPECT_TRUE(said);
}

TEST(KernelFusionSchedule, NoFusionWhenNeitherKernelCanMove) {
  // B_update reads A_v (written by A_update) and writes A_g (read by A_threshold).
  passes::CompilationUnit u = two_populations("A_g", "A_v");
  EXPECT_EQ(schedule_after_fusion(u), "A_update B_update A_threshold");
  bool said = false;
  for (const auto& [what, why] : u.decisions) said |= what == "fuse-neuron-kernels A" && why.rfind("not fused: ", 0) == 0;
  EXPECT_TRUE(said);
}

TEST(KernelFusionSchedule, NotAppliedWithoutTheBackendFeature) {
  passes::CompilationUnit u = two_populations("B_v", "B_v");
  u.target.features.clear();
  EXPECT_EQ(schedule_after_fusion(u), "A_update B_update A_threshold");
}

// The CPU code of a fused kernel: one `omp simd` loop per block runs the update and writes the
// threshold condition into a byte mask (`&`, no short-circuit branch); the scan of the mask emits
// the spikes and runs the reset for the firing neurons only; from 1024 neurons on the blocks go to
// threads.
std::string kernel_text(const std::string& example, const std::string& kernel, int64_t n,
                        const std::function<void(nlohmann::ordered_json&)>& edit = {}) {
  driver::PipelineOptions o;
  if (n > 0) o.read.parameter_overrides.push_back({"N", std::to_string(n)});
  passes::CompilationUnit unit;
  driver::PhaseTimings timings;
  DiagnosticEngine diags;
  fs::path model = shortened(example, "10 ms", edit);
  EXPECT_TRUE(driver::lower_model(model.string(), o, unit, timings, diags));
  if (!unit.program) return "";
  std::string src = backends::cpu::emit_cpu_module(*unit.program, {}, diags);
  size_t k = src.find("// kernel " + kernel + "\n");
  EXPECT_NE(k, std::string::npos) << "no kernel " << kernel;
  return k == std::string::npos ? "" : src.substr(k, src.find("\n}\n", k) - k);
}

TEST(KernelFusionCodegen, CpuVectorisesUpdateAndThresholdIntoAMask) {
  for (int64_t n : {1000, 8000}) {
    std::string body = kernel_text("cuba", "P_update_threshold_reset", n);
    size_t simd = body.find("#pragma omp simd"), update = body.find("_v_new ="),
           mask = body.find("_mc_fire[i - _mc_lo] = (unsigned char)((bool)(v_P_v[i] > (-0.05)) & (bool)v_P_not_refractory[i]);"),
           scan = body.find("if (!_mc_fire[_mc_f]) continue;"), reset = body.find("v_P_v[i] = (-0.06);");
    ASSERT_NE(simd, std::string::npos);
    ASSERT_NE(mask, std::string::npos) << body;
    ASSERT_NE(scan, std::string::npos);
    EXPECT_LT(simd, update);
    EXPECT_LT(update, mask);
    EXPECT_LT(mask, scan);
    EXPECT_LT(scan, reset);
    EXPECT_EQ(body.find("#pragma omp simd", simd + 1), std::string::npos) << "one vector loop per block";
    EXPECT_EQ(body.find("if (((v_P_v[i] >"), std::string::npos) << "no per-neuron threshold branch";
    // Split among mc_run's team above the parallel size (a team kernel), never forking a team itself.
    EXPECT_EQ(body.find("mc_team_rank()") != std::string::npos, n >= 1024) << "N = " << n;
    EXPECT_EQ(body.find("#pragma omp parallel"), std::string::npos) << "N = " << n;
  }
}

// A threshold kernel with nothing before its `if` (the Poisson input of the STDP network: one
// uniform draw per neuron) takes the mask form too: the Philox draws run in the vector loop.
TEST(KernelFusionCodegen, CpuVectorisesPoissonDrawsIntoAMask) {
  std::string body = kernel_text("stdp_network", "input_threshold", 0);
  size_t simd = body.find("#pragma omp simd"), draw = body.find("_mc_fire[i - _mc_lo] = (unsigned char)(mc_uniform_double(");
  ASSERT_NE(simd, std::string::npos) << body;
  ASSERT_NE(draw, std::string::npos) << body;
  EXPECT_LT(simd, draw);
}

// A condition calling libm keeps the serial threshold: the vector variant of sin may differ from
// the scalar one in the last bit, and the threshold must compare the same value as before.
TEST(KernelFusionCodegen, CpuKeepsAThresholdCallingLibmSerial) {
  std::string body = kernel_text("cuba", "P_update_threshold_reset", 1000, [](nlohmann::ordered_json& m) {
    m["neuron_groups"][0]["threshold"] = "v > Vt + 0.001 * mV * sin(v / mV)";
  });
  size_t simd = body.find("#pragma omp simd"), update = body.find("_v_new ="), cond = body.find("sin((");
  ASSERT_NE(simd, std::string::npos);
  ASSERT_NE(cond, std::string::npos) << body;
  EXPECT_LT(update, cond);
  EXPECT_LT(body.find("for (int64_t i = _mc_lo; i < _mc_hi; ++i)"), cond) << "the condition runs in the serial loop";
  EXPECT_EQ(body.find("_mc_fire"), std::string::npos);
}

// --- compiled models ------------------------------------------------------------------------------

TEST(KernelFusion, CubaLaunchesPerStep) {
  fs::path model = shortened("cuba", "50 ms");
  // update + threshold + reset fused (Ce, Ci touch ge/gi, the reset v) + one propagation kernel
  // for Ce and Ci (same source P, delay 0, disjoint targets ge / gi).
  RunOutput fused = run(model, {true, 2, 1, 1000});
  EXPECT_EQ(launches_per_step(fused), 2.0);
  EXPECT_TRUE(has_decision(fused, "fuse-neuron-kernels P", "P_update + P_threshold + P_reset -> P_update_threshold_reset"));
  EXPECT_TRUE(has_decision(fused, "fuse-synaptic-propagation P", "Ce_pre + Ci_pre -> P_propagate"));
  Variant neurons_only{true, 2, 1, 1000};
  neurons_only.fuse_synapses = false;
  EXPECT_EQ(launches_per_step(run(model, neurons_only)), 3.0);
  // Unfused: update, threshold, Ce, Ci, reset.
  EXPECT_EQ(launches_per_step(run(model, {false, 2, 1, 1000})), 5.0);
  EXPECT_EQ(launches_per_step(run(model, {true, 0, 1, 1000})), 5.0);
}

TEST(KernelFusion, CobahhLaunchesPerStep) {
  fs::path model = shortened("cobahh", "30 ms");
  // No reset: update + threshold fused; Ce and Ci merged (ge / gi).
  EXPECT_EQ(launches_per_step(run(model, {true, 2, 1, 1000})), 2.0);
  EXPECT_EQ(launches_per_step(run(model, {false, 2, 1, 1000})), 4.0);
}

TEST(KernelFusion, BrunelHakimKeepsResetBecauseSynapsesWriteV) {
  fs::path model = shortened("brunel_hakim", "50 ms");
  RunOutput fused = run(model, {true, 2, 1, 1000});
  // conn adds -J to V between threshold and reset, the reset writes V: the reset must stay after it.
  EXPECT_EQ(launches_per_step(fused), 3.0);
  EXPECT_TRUE(has_decision(fused, "fuse-neuron-kernels group", "kept as its own kernel: kernel conn"));
  RunOutput unfused = run(model, {false, 2, 1, 1000});
  EXPECT_EQ(launches_per_step(unfused), 4.0);
  expect_same_monitors(fused, unfused, "brunel_hakim fused vs unfused");
}

// Ce and Ci both adding into ge: one pass per spike would interleave their additions into ge[j]
// (Ce of spike 1, Ci of spike 1, Ce of spike 2, ...), which changes floating-point sums. The pass
// must keep the two kernels, and results must match the unfused program exactly.
TEST(KernelFusion, SynapticGroupsWritingTheSameVariableAreNotMerged) {
  fs::path model = shortened("cuba", "100 ms", [](nlohmann::ordered_json& m) { m["synapses"][1]["on_pre"] = "ge += wi"; });
  RunOutput fused = run(model, {true, 2, 1, 1000});
  EXPECT_TRUE(has_decision(fused, "fuse-synaptic-propagation P -> Ci", "not merged: Ci_pre and Ce_pre both touch v_P_ge"));
  EXPECT_EQ(launches_per_step(fused), 3.0);
  expect_same_monitors(fused, run(model, {false, 2, 1, 1000}), "ge-only cuba fused vs unfused");
}

TEST(KernelFusion, FusedEqualsUnfusedCuba) {
  fs::path model = shortened("cuba", "100 ms");
  expect_same_monitors(run(model, {true, 2, 1, 2000}), run(model, {false, 2, 1, 2000}), "cuba fused vs unfused");
}

TEST(KernelFusion, FusedEqualsUnfusedCobahh) {
  fs::path model = shortened("cobahh", "50 ms");
  expect_same_monitors(run(model, {true, 2, 1, 1000}), run(model, {false, 2, 1, 1000}), "cobahh fused vs unfused");
}

TEST(KernelFusion, FusedEqualsUnfusedLifWithRefractoriness) {
  fs::path model = shortened("lif", "100 ms");
  RunOutput fused = run(model, {true, 2, 1, 0});
  EXPECT_EQ(launches_per_step(fused), 1.0);  // G: update + threshold + reset, no synapses
  expect_same_monitors(fused, run(model, {false, 2, 1, 0}), "lif fused vs unfused");
}

// IR v2 custom events (dendritic spikes): the reset moves past the event kernels of other lists.
TEST(KernelFusion, FusedEqualsUnfusedWithCustomEvents) {
  fs::path model = shortened("dendrify_neuron", "100 ms");
  RunOutput fused = run(model, {true, 2, 1, 0});
  EXPECT_TRUE(has_decision(fused, "fuse-neuron-kernels cells", "cells_update + cells_threshold + cells_reset"));
  expect_same_monitors(fused, run(model, {false, 2, 1, 0}), "dendrify fused vs unfused");
}

// Synapses that read the presynaptic v: moving the reset before them would hand them Vr instead
// of the value that crossed the threshold. The pass must keep the reset and results must not move.
TEST(KernelFusion, ResetNotFusedWhenSynapsesReadPresynapticV) {
  fs::path model = shortened("cuba", "100 ms", [](nlohmann::ordered_json& m) {
    m["synapses"][0]["on_pre"] = "ge += we * (v_pre - Vr) / (Vt - Vr)";
  });
  RunOutput fused = run(model, {true, 2, 1, 1000});
  EXPECT_TRUE(has_decision(fused, "fuse-neuron-kernels P", "P_reset kept as its own kernel: kernel Ce")) ;
  EXPECT_EQ(launches_per_step(fused), 3.0);  // fused update + threshold, Ce + Ci merged, reset
  expect_same_monitors(fused, run(model, {false, 2, 1, 1000}), "v_pre model fused vs unfused");
}

// Above the CPU backend's parallel threshold (1024 neurons) the fused kernel splits the blocks
// between threads: results must not depend on the thread count, nor on fusion.
TEST(KernelFusion, ThreadsOneAndTwoIdentical) {
  fs::path model = shortened("cuba", "100 ms");
  RunOutput one = run(model, {true, 2, 1, 8000});
  RunOutput two = run(model, {true, 2, 2, 8000});
  expect_same_monitors(one, two, "cuba N=8000 fused, 1 vs 2 threads");
  expect_same_monitors(one, run(model, {false, 2, 2, 8000}), "cuba N=8000 fused 1 thread vs unfused 2 threads");
  // COBAHH calls exp in the update (vectorised libm): N = 4100 is not a multiple of the fused
  // kernel's block, so the last block is short; 1 and 2 threads, fused and unfused, must agree.
  fs::path hh = shortened("cobahh", "30 ms");
  RunOutput hh_one = run(hh, {true, 2, 1, 4100});
  expect_same_monitors(hh_one, run(hh, {true, 2, 2, 4100}), "cobahh N=4100 fused, 1 vs 2 threads");
  expect_same_monitors(hh_one, run(hh, {false, 2, 2, 4100}), "cobahh N=4100 fused 1 thread vs unfused 2 threads");
}

// The Poisson input's mask kernel runs in thread ranges above 1024 neurons (it was serial before):
// the spike list must come out the same, ascending, whatever the thread count.
TEST(KernelFusion, PoissonMaskThreadsOneAndTwoIdentical) {
  fs::path model = shortened("stdp_network", "100 ms", [](nlohmann::ordered_json& m) {
    m["monitors"].push_back({{"name", "input_spikes"}, {"kind", "spikes"}, {"source", "input"}});
  });
  RunOutput one = run(model, {true, 2, 1, 10000});
  expect_same_monitors(one, run(model, {true, 2, 2, 10000}), "stdp_network N=10000, 1 vs 2 threads");
}

TEST(KernelFusion, ManifestReportsLaunches) {
  fs::path model = shortened("lif", "10 ms");
  RunOutput r = run(model, {true, 2, 1, 0});
  nlohmann::json m = runtime::make_manifest(r.results, {});
  ASSERT_TRUE(m.contains("kernel_launches"));
  EXPECT_EQ(m["kernel_launches"]["total"].get<int64_t>(), r.results.steps);
  EXPECT_NE(runtime::format_summary(r.results, {}).find("kernel launches per step 1 "), std::string::npos);
}

#ifdef MODELC_HAVE_OPENCL
// OpenCL counts every enqueue of mc_run (compaction and monitor kernels too): fusing LIF's update,
// threshold and reset saves exactly two launches per step, and the spike trains stay identical.
TEST(KernelFusion, OpenCLLaunchesAndSpikes) {
  cl_platform_id platforms[4];
  cl_device_id devices[4];
  if (mc_cl_list_devices(platforms, devices, 4) <= 0) GTEST_SKIP() << "no OpenCL device (install pocl-opencl-icd)";
  fs::path model = shortened("lif", "20 ms");
  Variant fused_v{true, 2, 1, 0, "opencl"}, unfused_v{false, 2, 1, 0, "opencl"};
  RunOutput fused = run(model, fused_v), unfused = run(model, unfused_v);
  // (Totals: state monitor kernels run once per mc_run, so per-step averages are not integers.)
  EXPECT_EQ(unfused.results.kernel_launches - fused.results.kernel_launches, 2 * fused.results.steps);
  EXPECT_GT(fused.results.kernel_launches, fused.results.steps);
  expect_same_monitors(fused, unfused, "lif on opencl fused vs unfused");
  expect_same_monitors(fused, run(model, {true, 2, 1, 0}), "lif fused opencl vs cpu");
}
#endif

}  // namespace
}  // namespace modelc::testing
