// End-to-end tests of the CPU backend: hand-built kernel IR programs are emitted, compiled with the
// real host compiler, dlopened and run; results are checked analytically.
#include <gtest/gtest.h>
#include <dlfcn.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <vector>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/cpu_module_emitter.h"
#include "backends/host_compiler.h"
#include "abi/modelc_abi.h"
#include "abi/philox.h"

using namespace modelc;
using namespace modelc::kir;
using ir::Op;
namespace fs = std::filesystem;

namespace {

// --- IR construction shorthands ---------------------------------------------------------------
ExprP d(double v) { return lit(v, Type::Double); }
ExprP I() { return builtin("i", Type::Int64); }
ExprP J() { return builtin("j", Type::Int64); }
ExprP SYN() { return builtin("syn", Type::Int64); }
ExprP ld(const std::string& b, ExprP idx = I()) { return load(b, Type::Double, std::move(idx)); }
ExprP add(ExprP a, ExprP b) { return binary(Op::Add, std::move(a), std::move(b), Type::Double); }
ExprP mul(ExprP a, ExprP b) { return binary(Op::Mul, std::move(a), std::move(b), Type::Double); }

Stmt store(const std::string& b, ExprP idx, ExprP v) {
  Stmt s;
  s.kind = Stmt::Kind::Store;
  s.name = b;
  s.index = std::move(idx);
  s.value = std::move(v);
  return s;
}
Stmt accumulate(const std::string& b, ExprP idx, ExprP v) {
  Stmt s = store(b, std::move(idx), std::move(v));
  s.kind = Stmt::Kind::Accumulate;
  s.op = Op::Add;
  s.conflicting = true;
  return s;
}
Stmt if_spike(ExprP cond) {
  Stmt spike;
  spike.kind = Stmt::Kind::EmitSpike;
  spike.index = I();
  Stmt s;
  s.kind = Stmt::Kind::If;
  s.value = std::move(cond);
  s.then_body.push_back(spike);
  return s;
}
Buffer buf(const std::string& name, const std::string& owner, int64_t size, BufferRole role = BufferRole::NeuronState,
           Type t = Type::Double) {
  return Buffer{name, t, role, owner, name.substr(name.find('_') + 1), "1", size};
}
size_t add_kernel(Program& p, const std::string& name, Domain::Kind kind, const std::string& over, Block body,
                  bool emits = false) {
  Kernel k;
  k.name = name;
  k.domain.kind = kind;
  (kind == Domain::Kind::Neurons || kind == Domain::Kind::Spikes ? k.domain.population : k.domain.synapses) = over;
  k.body = std::move(body);
  k.emits_spikes = emits;
  p.kernels.push_back(std::move(k));
  return p.kernels.size() - 1;
}
void run_task(Program& p, size_t k) { p.step_tasks.push_back({Task::Kind::RunKernel, k}); }

// --- module loading ---------------------------------------------------------------------------
struct Module {
  void* handle = nullptr;
  decltype(&mc_get_info) get_info;
  decltype(&mc_create) create;
  decltype(&mc_init) init;
  decltype(&mc_run) run;
  decltype(&mc_current_step) current_step;
  decltype(&mc_var_size) var_size;
  decltype(&mc_read_var) read_var;
  decltype(&mc_write_var) write_var;
  decltype(&mc_synapse_count) synapse_count;
  decltype(&mc_read_synapses) read_synapses;
  decltype(&mc_spike_count) spike_count;
  decltype(&mc_monitor_length) monitor_length;
  decltype(&mc_monitor_read) monitor_read;
  decltype(&mc_last_error) last_error;
  decltype(&mc_destroy) destroy;

  explicit Module(const fs::path& so) {
    handle = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      ADD_FAILURE() << dlerror();
      return;
    }
#define SYM(n) n = reinterpret_cast<decltype(n)>(dlsym(handle, "mc_" #n)); EXPECT_NE(n, nullptr) << #n
    SYM(get_info); SYM(create); SYM(init); SYM(run); SYM(current_step); SYM(var_size); SYM(read_var);
    SYM(write_var); SYM(synapse_count); SYM(read_synapses); SYM(spike_count); SYM(monitor_length);
    SYM(monitor_read); SYM(last_error); SYM(destroy);
#undef SYM
  }
  ~Module() {
    if (handle) dlclose(handle);
  }
  int var(const std::string& name) const {
    const mc_model_info* info = get_info();
    for (int k = 0; k < info->num_vars; ++k)
      if (name == info->vars[k].name) return k;
    ADD_FAILURE() << "no variable " << name;
    return -1;
  }
  std::vector<double> read(mc_module* m, const std::string& name) const {
    int v = var(name);
    std::vector<double> out(static_cast<size_t>(var_size(m, v)));
    EXPECT_EQ(read_var(m, v, out.data()), 0) << last_error(m);
    return out;
  }
  std::pair<std::vector<int32_t>, std::vector<int32_t>> synapses(mc_module* m, int g) const {
    int64_t n = synapse_count(m, g);
    std::vector<int32_t> pre(static_cast<size_t>(n)), post(static_cast<size_t>(n));
    EXPECT_EQ(read_synapses(m, g, pre.data(), post.data()), 0) << last_error(m);
    return {pre, post};
  }
};

// Builds the support library itself when the build tree's copy is not where the engine expects it
// (standalone test builds).
class CpuBackendTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("modelc-cpu-test-" + std::to_string(getpid()));
    fs::create_directories(dir_);
#ifdef MODELC_SOURCE_ROOT
    if (!std::getenv("MODELC_SOURCE_ROOT")) setenv("MODELC_SOURCE_ROOT", MODELC_SOURCE_ROOT, 1);
#endif
    if (!fs::exists(modelc::backends::support_lib_dir() / "libmodelc_cpu_support.so")) {
      fs::path root = modelc::backends::source_root();
      std::vector<std::string> argv = {"c++", "-std=c++17", "-O2", "-fPIC", "-shared", "-I" + root.string(),
                                       (root / "backends/cpu/support/cpu_support.cpp").string(), "-o",
                                       (dir_ / "libmodelc_cpu_support.so").string()};
      std::string error;
      ASSERT_EQ(modelc::backends::run_process(argv, dir_ / "support.log", error), 0) << error;
      setenv("MODELC_SUPPORT_LIB_DIR", dir_.c_str(), 1);
    }
  }
  static void TearDownTestSuite() {
    if (std::getenv("MODELC_KEEP_TEST_DIR")) return;  // to inspect the generated sources
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Builds `p` and returns the module path ("" on failure, with the diagnostics in diags_).
  fs::path build(const Program& p, const std::string& tag, backends::BuildResult* out = nullptr, bool use_cache = true) {
    backends::cpu::CpuBackend backend;
    backends::BuildOptions o;
    o.out_dir = dir_ / tag;
    o.cache_dir = use_cache ? dir_ / "cache" : fs::path();
    backends::BuildResult r;
    diags_.clear();
    if (!backend.build(p, o, r, diags_)) return {};
    if (out) *out = r;
    return r.module_path;
  }
  std::string diag_text() const { return diags_.render("test"); }

  static inline fs::path dir_;
  DiagnosticEngine diags_;
};

// 10 neurons: x decays by 0.99 per step; v counts steps and neuron i spikes when v >= i + 2, then
// resets, so neuron i spikes at every step s with (s + 1) % (i + 2) == 0.
Program counting_network() {
  Program p;
  p.model_name = "counting";
  p.dt = 1e-4;
  p.steps = 100;
  p.populations.push_back({"P", 10, 1});
  p.buffers = {buf("P_v", "P", 10), buf("P_x", "P", 10)};
  size_t init = add_kernel(p, "P_init", Domain::Kind::Neurons, "P",
                           {store("P_v", I(), d(0)), store("P_x", I(), add(d(1), cast(I(), Type::Double)))});
  size_t upd = add_kernel(p, "P_update", Domain::Kind::Neurons, "P",
                          {store("P_x", I(), mul(ld("P_x"), d(0.99))), store("P_v", I(), add(ld("P_v"), d(1)))});
  size_t thr = add_kernel(p, "P_threshold", Domain::Kind::Neurons, "P",
                          {if_spike(binary(Op::Ge, ld("P_v"), cast(add(cast(I(), Type::Double), d(2)), Type::Double),
                                           Type::Bool))},
                          true);
  size_t reset = add_kernel(p, "P_reset", Domain::Kind::Spikes, "P", {store("P_v", I(), d(0))});
  p.init_kernels = {init};
  Monitor spikes;
  spikes.kind = Monitor::Kind::Spikes;
  spikes.name = "M";
  spikes.population = "P";
  spikes.size = 10;
  Monitor state;
  state.kind = Monitor::Kind::State;
  state.name = "S";
  state.population = "P";
  state.offset = 2;
  state.size = 4;
  state.indices = {0, 3};
  state.buffers = {"P_x", "P_v"};
  state.variables = {"x", "v"};
  state.units = {"1", "1"};
  state.every = 2;
  Monitor rate;
  rate.kind = Monitor::Kind::Rate;
  rate.name = "R";
  rate.population = "P";
  rate.size = 5;
  Monitor filtered = spikes;
  filtered.name = "F";
  filtered.offset = 4;
  filtered.size = 6;
  filtered.indices = {1, 5};  // neurons 5 and 9
  p.monitors = {spikes, state, rate, filtered};
  p.step_tasks.push_back({Task::Kind::RecordState, 1});
  run_task(p, upd);
  run_task(p, thr);
  p.step_tasks.push_back({Task::Kind::RecordSpikes, 0});
  p.step_tasks.push_back({Task::Kind::RecordSpikes, 2});
  p.step_tasks.push_back({Task::Kind::RecordSpikes, 3});
  run_task(p, reset);
  return p;
}

}  // namespace

TEST_F(CpuBackendTest, DecayThresholdResetAndMonitors) {
  fs::path so = build(counting_network(), "counting");
  ASSERT_FALSE(so.empty()) << diag_text();
  Module mod(so);
  ASSERT_NE(mod.handle, nullptr);
  const mc_model_info* info = mod.get_info();
  EXPECT_EQ(info->abi_version, MC_ABI_VERSION);
  EXPECT_STREQ(info->backend, "cpu");
  EXPECT_STREQ(info->model_name, "counting");
  ASSERT_EQ(info->num_vars, 2);
  EXPECT_STREQ(info->vars[1].name, "P_x");
  EXPECT_EQ(info->vars[1].size, 10);
  ASSERT_EQ(info->num_monitors, 4);
  EXPECT_EQ(info->monitors[1].num_variables, 2);
  EXPECT_EQ(info->monitors[1].every, 2);

  char err[256] = {0};
  mc_module* m = mod.create(nullptr, err, sizeof err);
  ASSERT_NE(m, nullptr) << err;
  EXPECT_NE(mod.run(m, 1), 0);  // before init
  EXPECT_NE(std::string(mod.last_error(m)).find("mc_init"), std::string::npos);
  mod.destroy(m);
  m = mod.create(nullptr, err, sizeof err);
  ASSERT_EQ(mod.init(m), 0) << mod.last_error(m);
  ASSERT_EQ(mod.run(m, 60), 0) << mod.last_error(m);
  ASSERT_EQ(mod.run(m, 40), 0) << mod.last_error(m);
  EXPECT_EQ(mod.current_step(m), 100);

  std::vector<double> x = mod.read(m, "P_x");
  for (int i = 0; i < 10; ++i) EXPECT_NEAR(x[i] / ((1.0 + i) * std::pow(0.99, 100)), 1.0, 1e-12) << i;

  // Spikes, in (step, index) order.
  std::vector<std::pair<int64_t, int32_t>> expected;
  int64_t total = 0;
  for (int64_t s = 0; s < 100; ++s)
    for (int32_t i = 0; i < 10; ++i)
      if ((s + 1) % (i + 2) == 0) expected.push_back({s, i});
  total = static_cast<int64_t>(expected.size());
  ASSERT_EQ(mod.monitor_length(m, 0), total);
  std::vector<int32_t> idx(total);
  std::vector<int64_t> st(total);
  ASSERT_EQ(mod.monitor_read(m, 0, 0, idx.data()), 0);
  ASSERT_EQ(mod.monitor_read(m, 0, 1, st.data()), 0);
  for (int64_t k = 0; k < total; ++k) {
    EXPECT_EQ(st[k], expected[k].first) << k;
    EXPECT_EQ(idx[k], expected[k].second) << k;
  }
  EXPECT_EQ(mod.spike_count(m, 0), total);

  // State monitor: neurons 2 and 5 at the start of every second step.
  ASSERT_EQ(mod.monitor_length(m, 1), 50);
  std::vector<int64_t> steps(50);
  std::vector<double> xs(100), vs(100);
  ASSERT_EQ(mod.monitor_read(m, 1, 0, steps.data()), 0);
  ASSERT_EQ(mod.monitor_read(m, 1, 1, xs.data()), 0);
  ASSERT_EQ(mod.monitor_read(m, 1, 2, vs.data()), 0);
  for (int k = 0; k < 50; ++k) {
    int64_t s = 2 * k;
    EXPECT_EQ(steps[k], s);
    EXPECT_NEAR(xs[2 * k] / (3.0 * std::pow(0.99, s)), 1.0, 1e-12);
    EXPECT_NEAR(xs[2 * k + 1] / (6.0 * std::pow(0.99, s)), 1.0, 1e-12);
    EXPECT_EQ(vs[2 * k], static_cast<double>(s % 4));
    EXPECT_EQ(vs[2 * k + 1], static_cast<double>(s % 7));
  }

  // Rate over neurons 0..4.
  ASSERT_EQ(mod.monitor_length(m, 2), 100);
  std::vector<double> rate(100);
  ASSERT_EQ(mod.monitor_read(m, 2, 0, rate.data()), 0);
  for (int64_t s = 0; s < 100; ++s) {
    int n = 0;
    for (int i = 0; i < 5; ++i) n += (s + 1) % (i + 2) == 0;
    EXPECT_DOUBLE_EQ(rate[s], n / (5 * 1e-4)) << s;
  }

  // Filtered spike monitor on P[4:10], indices {1, 5}: neurons 5 and 9, slice-relative.
  int64_t nf = mod.monitor_length(m, 3);
  std::vector<int32_t> fi(nf);
  ASSERT_EQ(mod.monitor_read(m, 3, 0, fi.data()), 0);
  EXPECT_EQ(nf, 100 / 7 + 100 / 11);
  for (int32_t v : fi) EXPECT_TRUE(v == 1 || v == 5) << v;

  // Raw write / read round trip.
  std::vector<double> ones(10, 1.5);
  ASSERT_EQ(mod.write_var(m, mod.var("P_x"), ones.data()), 0);
  EXPECT_EQ(mod.read(m, "P_x"), ones);
  EXPECT_NE(mod.read_var(m, 99, ones.data()), 0);
  mod.destroy(m);
}

namespace {

// Source S (200 neurons, neuron i spikes at step i) -> target T (300 neurons):
//   A: all-to-all S[0:20] -> T[5:30], delay 3, T_a[j + 5] += 1
//   B: p = 0.1 (geometric sampling), w = i * 1000 + j, T_b[j] += B_w[syn]
//   C: p = 0.1 per pair with condition i != j, no synaptic variables
// plus random draws on T every step.
Program network(uint64_t seed = 7) {
  Program p;
  p.model_name = "network";
  p.seed = seed;
  p.steps = 50;
  p.populations = {{"S", 200, 4}, {"T", 300, 1}};
  p.buffers = {buf("T_a", "T", 300), buf("T_b", "T", 300), buf("T_r", "T", 300), buf("T_n", "T", 300),
               buf("B_w", "B", 0, BufferRole::SynapseState)};
  SynapseGroup a;
  a.name = "A";
  a.source = "S";
  a.source_size = 20;
  a.target = "T";
  a.target_offset = 5;
  a.target_size = 25;
  a.connect.kind = ConnectRule::Kind::AllToAll;
  a.delay_steps = 3;
  SynapseGroup b;
  b.name = "B";
  b.source = "S";
  b.source_size = 200;
  b.target = "T";
  b.target_size = 300;
  b.connect.kind = ConnectRule::Kind::Probability;
  b.connect.p = d(0.1);
  b.connect.depends_on_j = false;
  b.connect.stream = 11;
  SynapseGroup c = b;
  c.name = "C";
  c.connect.depends_on_j = true;
  c.connect.condition = binary(Op::Ne, I(), J(), Type::Bool);
  c.connect.stream = 12;
  p.synapse_groups = {a, b, c};

  size_t spike = add_kernel(p, "S_threshold", Domain::Kind::Neurons, "S",
                            {if_spike(binary(Op::Eq, builtin("step", Type::Int64), I(), Type::Bool))}, true);
  size_t rnd = add_kernel(p, "T_random", Domain::Kind::Neurons, "T",
                          {store("T_r", I(), random("uniform", 5, Type::Double)),
                           store("T_n", I(), random("normal", 6, Type::Double))});
  size_t pa = add_kernel(p, "A_pre", Domain::Kind::SynapticEvents, "A",
                         {accumulate("T_a", binary(Op::Add, J(), lit_int(5), Type::Int64), d(1))});
  size_t pb = add_kernel(p, "B_pre", Domain::Kind::SynapticEvents, "B", {accumulate("T_b", J(), ld("B_w", SYN()))});
  size_t wi = add_kernel(p, "B_init", Domain::Kind::Synapses, "B",
                         {store("B_w", SYN(), add(mul(cast(I(), Type::Double), d(1000)), cast(J(), Type::Double)))});
  p.init_kernels = {wi};
  run_task(p, rnd);
  run_task(p, spike);
  run_task(p, pa);
  run_task(p, pb);
  return p;
}

}  // namespace

TEST_F(CpuBackendTest, SynapsesDelaysAndRandomDraws) {
  fs::path so = build(network(), "network");
  ASSERT_FALSE(so.empty()) << diag_text();
  Module mod(so);
  ASSERT_NE(mod.handle, nullptr);
  char err[256];
  mc_module* m = mod.create(nullptr, err, sizeof err);
  ASSERT_NE(m, nullptr) << err;
  ASSERT_EQ(mod.init(m), 0) << mod.last_error(m);

  EXPECT_EQ(mod.synapse_count(m, 0), 20 * 25);
  auto [apre, apost] = mod.synapses(m, 0);
  for (size_t s = 0; s < apre.size(); ++s) {
    EXPECT_EQ(apre[s], static_cast<int32_t>(s / 25));
    EXPECT_EQ(apost[s], static_cast<int32_t>(s % 25));
  }
  // Binomial(60000, 0.1): mean 6000, sd 73.5; 6 sd bounds.
  for (int g : {1, 2}) {
    int64_t n = mod.synapse_count(m, g);
    double candidates = g == 1 ? 200.0 * 300 : 200.0 * 300 - 200;
    EXPECT_NEAR(static_cast<double>(n), 0.1 * candidates, 6 * std::sqrt(candidates * 0.09)) << g;
    auto [pre, post] = mod.synapses(m, g);
    for (size_t s = 1; s < pre.size(); ++s) {
      ASSERT_LE(pre[s - 1], pre[s]);
      if (pre[s - 1] == pre[s]) {
        ASSERT_LT(post[s - 1], post[s]);
      }
    }
    for (size_t s = 0; s < pre.size(); ++s) {
      ASSERT_TRUE(post[s] >= 0 && post[s] < 300);
      if (g == 2) {
        ASSERT_NE(pre[s], post[s]);
      }
    }
  }
  auto [bpre, bpost] = mod.synapses(m, 1);
  std::vector<double> w = mod.read(m, "B_w");
  ASSERT_EQ(w.size(), bpre.size());
  for (size_t s = 0; s < w.size(); ++s) EXPECT_EQ(w[s], bpre[s] * 1000.0 + bpost[s]);

  // Step by step: neuron i of S spikes at step i; A delivers it at step i + 3 to T[5:30].
  for (int64_t s = 0; s < 30; ++s) {
    ASSERT_EQ(mod.run(m, 1), 0) << mod.last_error(m);
    std::vector<double> ta = mod.read(m, "T_a");
    double delivered = s < 3 ? 0.0 : static_cast<double>(std::min<int64_t>(s - 2, 20));
    for (int j = 0; j < 300; ++j) ASSERT_EQ(ta[j], j >= 5 && j < 30 ? delivered : 0.0) << "step " << s << " j " << j;
    // Random draws are the counter-based ones keyed by (seed, stream, i, step). Uniforms are exact;
    // normals go through log and cos, which the module may take from libmvec (vectorised, a few
    // ulp from the scalar libm this test calls).
    std::vector<double> r = mod.read(m, "T_r"), nrm = mod.read(m, "T_n");
    for (int i = 0; i < 300; i += 37) {
      EXPECT_EQ(r[i], mc_uniform_double(7, 5, i, s));
      const double ref = mc_normal_double(7, 6, i, s);
      EXPECT_NEAR(nrm[i], ref, 1e-14 * std::max(1.0, std::fabs(ref)));
    }
  }
  // B delivered the spikes of neurons 0..29 without delay.
  std::vector<double> tb = mod.read(m, "T_b"), expect(300, 0.0);
  for (size_t s = 0; s < bpre.size(); ++s)
    if (bpre[s] < 30) expect[bpost[s]] += w[s];
  EXPECT_EQ(tb, expect);
  mod.destroy(m);
}

TEST_F(CpuBackendTest, ConnectivityIsReproducibleAcrossBuildsThreadsAndSeeds) {
  backends::BuildResult first, second;
  fs::path so1 = build(network(), "repro1", &first);
  ASSERT_FALSE(so1.empty()) << diag_text();
  fs::path so2 = build(network(), "repro2", &second);
  ASSERT_FALSE(so2.empty()) << diag_text();
  EXPECT_TRUE(second.cache_hit);
  EXPECT_EQ(so1, so2);
  fs::path so3 = build(network(), "repro3", nullptr, /*use_cache=*/false);  // a fresh compile
  ASSERT_FALSE(so3.empty()) << diag_text();

  auto csr = [](const fs::path& so, int threads, uint64_t seed) {
    Module mod(so);
    mc_options o{threads, 0, seed, nullptr, nullptr};
    char err[256];
    mc_module* m = mod.create(&o, err, sizeof err);
    EXPECT_EQ(mod.init(m), 0);
    auto b = mod.synapses(m, 1), c = mod.synapses(m, 2);
    mod.destroy(m);
    return std::make_pair(b, c);
  };
  auto ref = csr(so1, 1, 0);
  EXPECT_EQ(csr(so3, 2, 0), ref);
  EXPECT_EQ(csr(so1, 4, 0), ref);
  EXPECT_EQ(csr(so1, 1, 7), ref);  // 7 is the compiled seed
  EXPECT_NE(csr(so1, 1, 8), ref);
}

TEST_F(CpuBackendTest, FloatArithmeticAndPythonSemanticsHelpers) {
  Program p;
  p.model_name = "helpers";
  p.scalar = Type::Float;
  p.populations = {{"P", 10, 1}};
  p.buffers = {buf("P_f", "P", 10, BufferRole::NeuronState, Type::Float),
               buf("P_fd", "P", 10, BufferRole::NeuronState, Type::Int64), buf("P_md", "P", 10),
               buf("P_ex", "P", 10), buf("P_ts", "P", 10, BufferRole::NeuronState, Type::Int64)};
  ExprP im5 = binary(Op::Sub, I(), lit_int(5), Type::Int64);
  ExprP dm5 = cast(im5, Type::Double);
  size_t init = add_kernel(p, "P_init", Domain::Kind::Neurons, "P",
                           {store("P_f", I(), lit(1.0, Type::Float)),
                            store("P_fd", I(), binary(Op::FloorDiv, im5, lit_int(3), Type::Int64)),
                            store("P_md", I(), binary(Op::Mod, dm5, d(3), Type::Double)),
                            store("P_ex", I(), call("exprel", {dm5}, Type::Double)),
                            store("P_ts", I(), call("timestep", {mul(cast(I(), Type::Double), d(3e-4)), d(1e-4)},
                                                    Type::Int64))});
  size_t upd = add_kernel(p, "P_update", Domain::Kind::Neurons, "P",
                          {store("P_f", I(), binary(Op::Mul, load("P_f", Type::Float, I()), lit(0.9, Type::Float),
                                                    Type::Float))});
  p.init_kernels = {init};
  run_task(p, upd);
  fs::path so = build(p, "helpers");
  ASSERT_FALSE(so.empty()) << diag_text();
  Module mod(so);
  char err[256];
  mc_module* m = mod.create(nullptr, err, sizeof err);
  ASSERT_EQ(mod.init(m), 0) << mod.last_error(m);
  ASSERT_EQ(mod.run(m, 30), 0);
  std::vector<float> f(10);
  std::vector<int64_t> fd(10), ts(10);
  ASSERT_EQ(mod.read_var(m, 0, f.data()), 0);
  ASSERT_EQ(mod.read_var(m, 1, fd.data()), 0);
  ASSERT_EQ(mod.read_var(m, 4, ts.data()), 0);
  std::vector<double> md = mod.read(m, "P_md"), ex = mod.read(m, "P_ex");
  float ref = 1.0f;
  for (int s = 0; s < 30; ++s) ref = ref * 0.9f;  // float arithmetic, no contraction: bit-identical
  // Python: (i - 5) // 3 and float (i - 5) % 3.0
  const int64_t py_fd[] = {-2, -2, -1, -1, -1, 0, 0, 0, 1, 1};
  const double py_md[] = {1, 2, 0, 1, 2, 0, 1, 2, 0, 1};
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(f[i], ref);
    EXPECT_EQ(fd[i], py_fd[i]) << i;
    EXPECT_EQ(md[i], py_md[i]) << i;
    EXPECT_EQ(ts[i], 3 * i) << i;  // robust against i * 3e-4 / 1e-4 landing a hair below 3i
    double x = i - 5.0;
    EXPECT_DOUBLE_EQ(ex[i], x == 0 ? 1.0 : std::expm1(x) / x) << i;
  }
  EXPECT_EQ(mod.get_info()->scalar_type, MC_FLOAT);
  mod.destroy(m);
}

TEST_F(CpuBackendTest, ExplicitAndOneToOneConnections) {
  Program p;
  p.model_name = "explicit";
  p.populations = {{"P", 8, 1}};
  SynapseGroup e;
  e.name = "E";
  e.source = e.target = "P";
  e.source_size = e.target_size = 8;
  e.connect.kind = ConnectRule::Kind::Explicit;
  e.connect.explicit_i = {3, 1, 3, 0};
  e.connect.explicit_j = {7, 2, 1, 5};
  SynapseGroup o = e;
  o.name = "O";
  o.connect.kind = ConnectRule::Kind::OneToOne;
  p.synapse_groups = {e, o};
  fs::path so = build(p, "explicit");
  ASSERT_FALSE(so.empty()) << diag_text();
  Module mod(so);
  char err[256];
  mc_module* m = mod.create(nullptr, err, sizeof err);
  ASSERT_EQ(mod.init(m), 0) << mod.last_error(m);
  auto [pre, post] = mod.synapses(m, 0);
  EXPECT_EQ(pre, (std::vector<int32_t>{0, 1, 3, 3}));
  EXPECT_EQ(post, (std::vector<int32_t>{5, 2, 7, 1}));  // order within a row kept
  auto [opre, opost] = mod.synapses(m, 1);
  EXPECT_EQ(opre, (std::vector<int32_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(opost, opre);
  mod.destroy(m);

  p.synapse_groups[0].connect.explicit_j[2] = 8;  // out of range: reported at init
  so = build(p, "explicit_bad");
  ASSERT_FALSE(so.empty()) << diag_text();
  Module bad(so);
  m = bad.create(nullptr, err, sizeof err);
  EXPECT_NE(bad.init(m), 0);
  EXPECT_NE(std::string(bad.last_error(m)).find("out of range"), std::string::npos) << bad.last_error(m);
  bad.destroy(m);
}

TEST_F(CpuBackendTest, CompilerErrorsAreReportedWithCommandLine) {
  Program p = counting_network();
  p.model_name = "broken";
  p.kernels[1].body.push_back(store("P_x", I(), call("no_such_function", {d(1)}, Type::Double)));
  EXPECT_TRUE(build(p, "broken").empty());
  std::string text = diag_text();
  EXPECT_NE(text.find("C++ compiler failed"), std::string::npos) << text;
  EXPECT_NE(text.find("no_such_function"), std::string::npos) << text;
  EXPECT_NE(text.find("command:"), std::string::npos) << text;
}

TEST_F(CpuBackendTest, InconsistentProgramsAreDiagnosedBeforeCompiling) {
  Program p = counting_network();
  p.kernels[1].body.push_back(store("P_missing", I(), d(1)));
  DiagnosticEngine diags;
  EXPECT_TRUE(backends::cpu::emit_cpu_module(p, {}, diags).empty());
  EXPECT_NE(diags.render("t").find("unknown buffer 'P_missing'"), std::string::npos) << diags.render("t");

  Program q = network();
  q.synapse_groups[0].delay_steps = 4;  // S keeps 4 steps of history: delay 4 needs 5
  diags.clear();
  EXPECT_TRUE(backends::cpu::emit_cpu_module(q, {}, diags).empty());
  EXPECT_NE(diags.render("t").find("delay"), std::string::npos);
}

TEST_F(CpuBackendTest, SmallModelCompilesQuickly) {
  Program p = counting_network();
  p.model_name = "timing";
  backends::BuildResult r;
  fs::path so = build(p, "timing", &r, /*use_cache=*/false);
  ASSERT_FALSE(so.empty()) << diag_text();
  EXPECT_FALSE(r.cache_hit);
  std::printf("[ timing ] codegen %.4f s, host compile %.3f s: %s\n", r.codegen_seconds, r.compile_seconds,
              r.compiler_command.c_str());
  // The target is well under a second; the bound leaves room for loaded CI machines.
  EXPECT_LT(r.compile_seconds, 5.0);
}

TEST(HostCompiler, Fnv1aIsStable) {
  EXPECT_EQ(modelc::backends::fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(modelc::backends::fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(modelc::backends::fnv1a64("foobar"), 0x85944171f73967e8ull);
}
