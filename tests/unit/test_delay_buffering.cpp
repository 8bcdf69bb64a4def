// The choose-delay-buffering pass and the CPU dendritic delay ring (docs/passes.md, "Delay
// buffering"): queues and ring give the same spikes where the arithmetic is exact, statistically
// equal rates where it is not, the Brian2 golden stays exact with the ring forced, the refractory
// guard holds under both, and the pass's choices and override errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "frontend/model_reader.h"
#include "passes/pass_manager.h"
#include "driver/driver.h"
#include "driver/resource_estimate.h"
#include "test_model_util.h"

namespace modelc::testing {
namespace {

using Buffering = kir::SynapseGroup::Pathway::Buffering;

// Integer-valued, leak-free v: every sum is exact in double, so reassociation changes nothing.
// Poisson input with per-synapse integer weights and deterministic delays, recurrent inhibition
// with random delays, and a refractory period (v is `(unless refractory)`).
std::string exact_model(const std::string& mode, const std::string& v_type = "1") {
  return R"J({"modelc_ir": 2, "name": "delay_exact",
 "simulation": {"dt": "0.1 ms", "duration": "200 ms", "seed": 7},
 "neuron_groups": [
  {"name": "P", "kind": "poisson", "size": 100, "rates": "60*Hz"},
  {"name": "G", "size": 200, "equations": ["dv/dt = 0*Hz : )J" + v_type + R"J( (unless refractory)"],
   "threshold": "v >= 20", "reset": "v = 0", "refractory": "2 ms", "method": "euler"}],
 "synapses": [
  {"name": "In", "source": "P", "target": "G", "equations": ["w : 1 (constant)"], "on_pre": "v += w",
   "connect": {"p": 0.2}, "initial": {"w": "1 + (i + j) % 3"}, "delay": "((3*i + 7*j) % 23) * 0.1*ms",
   "delay_buffering": ")J" + mode + R"J("},
  {"name": "Rec", "source": "G", "target": "G", "on_pre": "v -= 2", "connect": {"p": 0.1},
   "delay": "rand() * 3*ms", "delay_buffering": ")J" + mode + R"J("}],
 "monitors": [{"name": "spikes", "kind": "spikes", "source": "G"},
              {"name": "v", "kind": "state", "source": "G", "variables": ["v"], "indices": [0, 1, 2, 3, 4, 5, 6, 7]}]})J";
}

Buffering buffering_of(const driver::CompiledModel& c, const std::string& group) {
  const kir::SynapseGroup* g = c.unit.program->find_synapse_group(group);
  return g ? g->pathways.at(0).buffering : Buffering::SpikeHistory;
}

std::string decision(const passes::CompilationUnit& unit, const std::string& group) {
  for (const auto& [what, why] : unit.decisions)
    if (what.starts_with("delay buffering of " + group)) return what + " | " + why;
  return "";
}

TEST(DelayBuffering, DendriticRingGivesTheSameSpikesAsQueuesWhenSumsAreExact) {
  std::string err;
  auto q = run_v2("db_exact_q", exact_model("queues"), err);
  ASSERT_TRUE(q) << err;
  auto d = run_v2("db_exact_d", exact_model("dendritic"), err);
  ASSERT_TRUE(d) << err;
  EXPECT_EQ(buffering_of(q->compiled, "In"), Buffering::Queues);
  EXPECT_EQ(buffering_of(d->compiled, "In"), Buffering::Dendritic);
  EXPECT_EQ(buffering_of(d->compiled, "Rec"), Buffering::Dendritic);
  const auto* sq = find_monitor(q->results, "spikes");
  const auto* sd = find_monitor(d->results, "spikes");
  ASSERT_TRUE(sq && sd);
  EXPECT_GT(sq->steps.size(), 1000u) << "too few spikes to compare";
  EXPECT_EQ(sq->steps, sd->steps);
  EXPECT_EQ(sq->spike_indices, sd->spike_indices);
  EXPECT_EQ(find_monitor(q->results, "v")->values, find_monitor(d->results, "v")->values);
}

// An integer target variable: the ring has the target's integer type (auto picks it at -O2 where it
// is cheaper; forced here on a small group).
TEST(DelayBuffering, IntegerTargetsGiveTheSameSpikes) {
  auto model = [](const std::string& mode) {
    return R"J({"modelc_ir": 2, "name": "delay_int", "simulation": {"dt": "0.1 ms", "duration": "200 ms", "seed": 3},
 "neuron_groups": [{"name": "P", "kind": "poisson", "size": 200, "rates": "50*Hz"},
   {"name": "G", "size": 100, "equations": ["v : integer"], "threshold": "v >= 10", "reset": "v = 0"}],
 "synapses": [
   {"name": "In", "source": "P", "target": "G", "on_pre": "v += 1 + i % 2", "connect": {"p": 0.2},
    "delay": "rand() * 3*ms", "delay_buffering": ")J" + mode + R"J("},
   {"name": "Rec", "source": "G", "target": "G", "on_pre": "v -= 1", "connect": {"p": 0.2},
    "delay": "rand() * 2*ms", "delay_buffering": ")J" + mode + R"J("}],
 "monitors": [{"name": "spikes", "kind": "spikes", "source": "G"}]})J";
  };
  std::string err;
  auto q = run_v2("db_int_q", model("queues"), err);
  ASSERT_TRUE(q) << err;
  auto d = run_v2("db_int_d", model("dendritic"), err);
  ASSERT_TRUE(d) << err;
  EXPECT_EQ(buffering_of(d->compiled, "In"), Buffering::Dendritic);
  const auto* sq = find_monitor(q->results, "spikes");
  const auto* sd = find_monitor(d->results, "spikes");
  EXPECT_GT(sq->steps.size(), 1000u);
  EXPECT_EQ(sq->steps, sd->steps);
  EXPECT_EQ(sq->spike_indices, sd->spike_indices);
}

// A target `(unless refractory)` variable takes no input while refractory, under both strategies:
// after each spike (reset to 0) v stays 0 for the refractory steps, although input keeps arriving.
TEST(DelayBuffering, RefractoryTargetsReceiveNothingUnderBothStrategies) {
  for (const std::string mode : {"queues", "dendritic"}) {
    std::string err;
    auto out = run_v2("db_refr_" + mode, exact_model(mode), err);
    ASSERT_TRUE(out) << err;
    const auto* spikes = find_monitor(out->results, "spikes");
    const auto* v = find_monitor(out->results, "v");
    ASSERT_TRUE(spikes && v);
    const size_t n = v->indices.size();
    size_t windows = 0;
    for (size_t k = 0; k < spikes->steps.size(); ++k) {
      const int64_t neuron = spikes->spike_indices[k], s = spikes->steps[k];
      if (neuron >= static_cast<int64_t>(n)) continue;
      // 2 ms = 20 steps; samples s+1 .. s+19 hold the state after refractory steps.
      for (int64_t t = s + 1; t < s + 20 && t < static_cast<int64_t>(v->steps.size()); ++t)
        ASSERT_EQ(v->values[0][static_cast<size_t>(t) * n + static_cast<size_t>(neuron)], 0.0)
            << mode << ": neuron " << neuron << " changed at step " << t << " while refractory after its spike at " << s;
      ++windows;
    }
    EXPECT_GT(windows, 20u) << mode;
    // The ring drains under the same guard: the drain kernel tests not_refractory.
    if (mode == "dendritic") {
      bool guarded = false;
      for (const auto& k : out->compiled.unit.program->kernels)
        if (k.domain.kind == kir::Domain::Kind::DendriticDrain && !k.body.empty())
          guarded |= std::any_of(k.body.begin(), k.body.end(), [](const kir::Stmt& s) { return s.kind == kir::Stmt::Kind::If; });
      EXPECT_TRUE(guarded);
    }
  }
}

// Floating-point weights: the ring reassociates sums, spike trains diverge (the network is
// chaotic), rates must not. Tolerance 10 %: seed-to-seed spread of this network at N = 2000 over
// 300 ms is a few per cent.
TEST(DelayBuffering, BrunelHakimHeteroRatesAgreeBetweenQueuesAndRing) {
  nlohmann::json m = read_json("examples/brunel_hakim_hetero.json");
  m["parameters"]["N"] = 2000;
  m["simulation"]["duration"] = "300 ms";
  double rate[2] = {0, 0};
  int k = 0;
  for (const std::string mode : {"queues", "dendritic"}) {
    m["synapses"][0]["delay_buffering"] = mode;
    std::string err;
    auto out = run_v2("db_brunel_" + mode, m.dump(), err);
    ASSERT_TRUE(out) << err;
    EXPECT_EQ(buffering_of(out->compiled, "conn"), mode == "queues" ? Buffering::Queues : Buffering::Dendritic);
    rate[k++] = static_cast<double>(find_monitor(out->results, "spikes")->steps.size()) / 2000 / 0.3;
  }
  std::printf("brunel_hakim_hetero N=2000: queues %.3f Hz, dendritic %.3f Hz\n", rate[0], rate[1]);
  EXPECT_GT(rate[0], 2.0);
  EXPECT_NEAR(rate[1], rate[0], 0.1 * rate[0]) << "queues " << rate[0] << " Hz, dendritic " << rate[1] << " Hz";
}

// The Brian2 golden with per-synapse delays stays spike-exact with the ring forced (its weights
// are not integers: this checks that the reassociation does not move a threshold crossing here).
TEST(DelayBuffering, DelaysHeteroGoldenMatchesBrian2WithTheRingForced) {
  nlohmann::json m = read_json("tests/golden/models/delays_hetero.json");
  m["synapses"][0]["delay_buffering"] = "dendritic";
  nlohmann::json expected = read_json("tests/golden/expected/delays_hetero.json");
  std::string err;
  auto out = run_v2("db_golden", m.dump(), err);
  ASSERT_TRUE(out) << err;
  EXPECT_EQ(buffering_of(out->compiled, "S_het"), Buffering::Dendritic);
  for (const auto& [name, ref] : expected["spikes"].items()) {
    const auto* mon = find_monitor(out->results, name);
    ASSERT_NE(mon, nullptr);
    std::vector<std::pair<int64_t, int64_t>> got, want;
    for (size_t k = 0; k < mon->steps.size(); ++k) got.emplace_back(mon->steps[k], mon->spike_indices[k]);
    auto st = ref["step"].get<std::vector<int64_t>>(), ix = ref["i"].get<std::vector<int64_t>>();
    for (size_t k = 0; k < st.size(); ++k) want.emplace_back(st[k], ix[k]);
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    EXPECT_FALSE(want.empty());
    EXPECT_EQ(got, want) << name;
  }
}

struct Lowered {
  passes::CompilationUnit unit;
  std::vector<support::Diagnostic> diags;
};

Lowered lower(const std::string& tag, const std::string& text, int opt = 2, const std::string& backend = "cpu") {
  Lowered l;
  DiagnosticEngine diags;
  driver::PhaseTimings timings;
  driver::PipelineOptions options;
  options.passes = passes::pipeline_for_opt_level(opt);
  options.backend = backend;
  driver::lower_model(write_v2_model(tag, text).string(), options, l.unit, timings, diags);
  l.diags = diags.diagnostics();
  return l;
}

// A group big enough that the ring is cheaper (5e5 synapses, 1000 targets).
std::string big_model(const std::string& v_type, const std::string& extra = "") {
  return R"J({"modelc_ir": 2, "name": "delay_big", "simulation": {"dt": "0.1 ms", "duration": "1 ms"},
 "neuron_groups": [{"name": "G", "size": 1000, "equations": ["v : )J" + v_type + R"J("],
   "threshold": "v >= 20", "reset": "v = 0"}],
 "synapses": [{"name": "S", "source": "G", "target": "G", "on_pre": "v += 1", "connect": {"p": 0.5},
   "delay": "rand() * 2*ms")J" + extra + R"J(}]})J";
}

TEST(DelayBuffering, AutoChoosesByCostExactnessAndBackend) {
  // Integer target: exact sums, cheaper ring: dendritic at -O2.
  auto a = lower("db_auto_int", big_model("integer"));
  ASSERT_TRUE(first_error(a.diags).message.empty()) << first_error(a.diags).message;
  EXPECT_EQ(a.unit.program->find_synapse_group("S")->pathways[0].buffering, Buffering::Dendritic);
  std::string d = decision(a.unit, "S");
  EXPECT_NE(d.find("dendritic ring"), std::string::npos) << d;
  EXPECT_NE(d.find("5e+05 synapses"), std::string::npos) << d;
  EXPECT_NE(d.find("21 x 1e+03"), std::string::npos) << d;  // D = 1 + 20 steps, from the delay's bound
  // The memory estimate counts the ring at its compile-time depth bound.
  const kir::Buffer* ring = a.unit.program->find_buffer(a.unit.program->find_synapse_group("S")->pathways[0].ring_buffer);
  ASSERT_NE(ring, nullptr);
  const double elem = ring->type == kir::Type::Int32 ? 4 : 8;
  EXPECT_DOUBLE_EQ(driver::estimate_memory(*a.unit.program).spike_bytes, 1 * (1000 * 4.0 + 8) + 21 * 1000 * elem);
  // Unbounded delays (a normal draw): the depth is unknown until init, and the estimate says so.
  std::string unbounded = big_model("integer", R"J(, "delay_buffering": "dendritic")J");
  unbounded.replace(unbounded.find("rand() * 2*ms"), 13, "abs(randn()) * ms");
  auto u = lower("db_unbounded", unbounded);
  ASSERT_TRUE(first_error(u.diags).message.empty()) << first_error(u.diags).message;
  EXPECT_EQ(u.unit.program->find_synapse_group("S")->pathways[0].max_delay_steps_estimate, -1);
  EXPECT_NE(decision(u.unit, "S").find("unknown before init"), std::string::npos) << decision(u.unit, "S");
  auto unknowns = driver::estimate_memory(*u.unit.program).unknowns;
  EXPECT_TRUE(std::any_of(unknowns.begin(), unknowns.end(), [](const std::string& x) { return x.starts_with("delay ring"); }));
  // Floating target: queues at -O2 (the ring would reassociate), the ring at -O3.
  auto f = lower("db_auto_float", big_model("1"));
  EXPECT_EQ(f.unit.program->find_synapse_group("S")->pathways[0].buffering, Buffering::Queues);
  EXPECT_NE(decision(f.unit, "S").find("-O3"), std::string::npos) << decision(f.unit, "S");
  auto f3 = lower("db_auto_float3", big_model("1"), 3);
  EXPECT_EQ(f3.unit.program->find_synapse_group("S")->pathways[0].buffering, Buffering::Dendritic);
  // Tiny groups: the drain costs more than the queues save.
  auto g = lower("db_auto_golden", read_json("tests/golden/models/delays_hetero.json").dump(), 3);
  EXPECT_EQ(g.unit.program->find_synapse_group("S_het")->pathways[0].buffering, Buffering::Queues);
  EXPECT_NE(decision(g.unit, "S_het").find("queues are cheaper"), std::string::npos) << decision(g.unit, "S_het");
  // Homogeneous delays: the spike history, with its size.
  EXPECT_NE(decision(g.unit, "S_hom").find("presynaptic spike ring"), std::string::npos) << decision(g.unit, "S_hom");
  EXPECT_NE(decision(g.unit, "S_hom").find("16 steps"), std::string::npos) << decision(g.unit, "S_hom");
}

// The GPU backends implement the ring (codegen/simt: a block per event adds into the ring, a thread
// per target drains it) and so choose it as the CPU does, and accept it when forced.
TEST(DelayBuffering, GpuBackendsChooseTheRingAsTheCpu) {
  if (!backends::BackendRegistry::instance().create("opencl")) GTEST_SKIP() << "OpenCL backend not built";
  auto a = lower("db_ocl_auto", big_model("integer"), 3, "opencl");
  ASSERT_TRUE(a.unit.program);
  EXPECT_EQ(a.unit.program->find_synapse_group("S")->pathways[0].buffering, Buffering::Dendritic) << decision(a.unit, "S");
  auto e = lower("db_ocl_forced", big_model("integer", R"J(, "delay_buffering": "dendritic")J"), 2, "opencl");
  for (const auto& d : e.diags) EXPECT_NE(d.severity, support::Severity::Error) << d.message;
  ASSERT_TRUE(e.unit.program);
  EXPECT_EQ(e.unit.program->find_synapse_group("S")->pathways[0].buffering, Buffering::Dendritic);
}

// At -O0 the pass does not run: a request stays unapplied (queues) and a warning says so.
TEST(DelayBuffering, RequestNotAppliedAtO0IsAWarning) {
  auto l = lower("db_o0", big_model("integer", R"J(, "delay_buffering": "dendritic")J"), 0);
  ASSERT_TRUE(l.unit.program);
  EXPECT_EQ(l.unit.program->find_synapse_group("S")->pathways[0].buffering, Buffering::Queues);
  ASSERT_FALSE(l.diags.empty());
  EXPECT_EQ(l.diags[0].severity, support::Severity::Warning);
  EXPECT_EQ(l.diags[0].json_pointer, "/synapses/0/delay_buffering");
  EXPECT_NE(l.diags[0].message.find("does not run choose-delay-buffering"), std::string::npos) << l.diags[0].message;
}

void expect_refused(const std::string& tag, const std::string& on_pre, const std::string& equations, const std::string& why) {
  std::string text = R"J({"modelc_ir": 2, "name": "delay_err", "simulation": {"dt": "0.1 ms", "duration": "1 ms"},
 "neuron_groups": [{"name": "G", "size": 10, "equations": ["dv/dt = -v/(10*ms) : 1"], "threshold": "v > 1",
   "reset": "v = 0", "method": "exact"}],
 "synapses": [{"name": "S", "source": "G", "target": "G", "equations": [)J" + equations + R"J(],
   "on_pre": ")J" + on_pre + R"J(", "connect": {"p": 0.5}, "delay": "rand() * 2*ms", "delay_buffering": "dendritic"}]})J";
  auto l = lower(tag, text);
  support::Diagnostic err = first_error(l.diags);
  EXPECT_NE(err.message.find(why), std::string::npos) << on_pre << ": " << err.message;
  EXPECT_NE(err.message.find("pathway 'pre' of 'S' cannot use a dendritic delay ring"), std::string::npos) << err.message;
  EXPECT_EQ(err.json_pointer, "/synapses/0/delay_buffering") << on_pre;
  EXPECT_NE(err.hint.find("queues"), std::string::npos) << err.hint;
}

TEST(DelayBuffering, IllegalRequestsAreErrorsSayingWhy) {
  expect_refused("db_err_w", "v += w; w += 0.1", R"("w : 1")",
                 "on_pre writes the synaptic variable w, so its effect cannot be summed ahead of delivery");
  expect_refused("db_err_rand", "v += rand()", "", "draws random numbers");
  expect_refused("db_err_state", "v += 0.1*v_post", "", "reads G.v, which changes during the run");
  expect_refused("db_err_t", "v += t/second", "", "uses t");
  expect_refused("db_err_mul", "v *= 0.5", "", "multiplies or divides v");
  expect_refused("db_err_pre", "v_pre += 1", "", "presynaptic variable");
  expect_refused("db_err_assign", "v = 0", "", "assigns (=) v");
}

TEST(DelayBuffering, RequestsOnHomogeneousGroupsAndUnknownValuesAreErrors) {
  auto h = lower("db_err_homog", R"J({"modelc_ir": 2, "name": "h", "simulation": {"dt": "0.1 ms", "duration": "1 ms"},
 "neuron_groups": [{"name": "G", "size": 10, "equations": ["dv/dt = -v/(10*ms) : 1"], "threshold": "v > 1", "reset": "v = 0"}],
 "synapses": [{"name": "S", "source": "G", "target": "G", "on_pre": "v += 1", "connect": {"p": 0.5},
   "delay": "2 ms", "delay_buffering": "queues"}]})J");
  support::Diagnostic e = first_error(h.diags);
  EXPECT_NE(e.message.find("none of its pathways has heterogeneous delays"), std::string::npos) << e.message;
  EXPECT_EQ(e.json_pointer, "/synapses/0/delay_buffering");
  auto u = lower("db_err_value", big_model("1", R"J(, "delay_buffering": "ring")J"));
  support::Diagnostic ue = first_error(u.diags);
  EXPECT_NE(ue.message.find("unknown delay buffering \"ring\""), std::string::npos) << ue.message;
  EXPECT_EQ(ue.json_pointer, "/synapses/0/delay_buffering");
}

}  // namespace
}  // namespace modelc::testing
