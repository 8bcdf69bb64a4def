// IR v2 synapses: heterogeneous delays (explicit arrays with Brian2's rounding, expressions),
// per-pathway delays, on_post through the transposed index, event-driven variables, summed
// variables and clock-driven synaptic ODEs. Each test states the Brian2 behaviour it checks.
#include <cmath>

#include "test_model_util.h"

namespace modelc::testing {
namespace {

// First sample index at which column k of the state monitor reaches `value` (or -1).
int64_t first_step_reaching(const runtime::MonitorResult& mon, size_t k, double value) {
  for (size_t s = 0; s < mon.steps.size(); ++s)
    if (state_at(mon, s, k) >= value - 1e-12) return mon.steps[s];
  return -1;
}

// A spike generator drives three synapses with explicit per-synapse delays. Each event must arrive
// at exactly step + int(delay/dt + 0.5), Brian2's C++ spike queue (the one rounding rule for every
// delay, docs/ir-v2.md): 0.3 ms -> 3 steps, 1.25 ms -> 13 steps (1.25e-3/1e-4 is exactly 12.5 in
// double: the tie rounds up), 0 ms -> same step. A state monitor records at the start of a step, so
// a delivery in step s shows at sample s + 1.
TEST(V2Synapses, HeterogeneousArrayDelaysDeliverAtRoundedSteps) {
  std::string err;
  auto out = run_v2("hetero_array", R"J({
    "modelc_ir": 2, "name": "hetero_array",
    "simulation": {"dt": "0.1 ms", "duration": "5 ms"},
    "neuron_groups": [
      {"name": "G", "kind": "spike_generator", "size": 2, "indices": [0, 1], "times": ["1 ms", "2 ms"]},
      {"name": "T", "size": 3, "equations": ["c : 1"]}
    ],
    "synapses": [{"name": "S", "source": "G", "target": "T", "on_pre": "c_post += 1",
                  "connect": {"i": [1, 0, 0], "j": [2, 1, 0]},
                  "delay": ["0 ms", "1.25 ms", "0.3 ms"]}],
    "monitors": [{"name": "c", "kind": "state", "source": "T", "variables": ["c"]}]
  })J", err);
  ASSERT_TRUE(out) << err;
  const auto* mon = find_monitor(out->results, "c");
  ASSERT_NE(mon, nullptr);
  EXPECT_EQ(first_step_reaching(*mon, 0, 1), 10 + 3 + 1);   // synapse (0, 0): 0.3 ms
  EXPECT_EQ(first_step_reaching(*mon, 1, 1), 10 + 13 + 1);  // synapse (0, 1): 1.25 ms, tie rounds up
  EXPECT_EQ(first_step_reaching(*mon, 2, 1), 20 + 0 + 1);   // synapse (1, 2): no delay
  EXPECT_EQ(state_at(*mon, mon->steps.size() - 1, 0), 1.0);  // each event delivered exactly once
}

// Per-synapse delays from an expression of i and j, and several spikes of one neuron in flight at
// once (delays longer than the spike interval): every spike arrives once per synapse.
TEST(V2Synapses, HeterogeneousExpressionDelaysWithManyEventsInFlight) {
  std::string err;
  auto out = run_v2("hetero_expr", R"J({
    "modelc_ir": 2, "name": "hetero_expr",
    "simulation": {"dt": "0.1 ms", "duration": "6 ms"},
    "neuron_groups": [
      {"name": "G", "kind": "spike_generator", "size": 1, "indices": [0, 0, 0], "times": ["0 ms", "0.1 ms", "0.2 ms"]},
      {"name": "T", "size": 4, "equations": ["c : 1", "first : second"], "initial": {"first": "-1*second"}}
    ],
    "synapses": [{"name": "S", "source": "G", "target": "T",
                  "on_pre": "c_post += 1\nfirst_post = first_post*int(first_post >= 0*second) + t*int(first_post < 0*second)",
                  "connect": {"rule": "all_to_all"}, "delay": "(1 + j) * ms"}],
    "monitors": [{"name": "c", "kind": "state", "source": "T", "variables": ["c", "first"]}]
  })J", err);
  ASSERT_TRUE(out) << err;
  const auto* mon = find_monitor(out->results, "c");
  ASSERT_NE(mon, nullptr);
  size_t last = mon->steps.size() - 1;
  for (size_t j = 0; j < 4; ++j) {
    EXPECT_EQ(state_at(*mon, last, j, 0), 3.0) << "target " << j;
    EXPECT_NEAR(state_at(*mon, last, j, 1), (1.0 + j) * 1e-3, 1e-12) << "target " << j;
  }
}

// on_post runs for the synapses of each postsynaptic spike, found through the transposed index:
// source A (2 neurons) -> generator B (3 neurons, 1 spikes at step 5, 2 at step 7), all to all.
// `a_pre += j + 1` gives every A neuron +2 at step 5 and +3 at step 7; with a 2 ms post delay the
// second pathway adds the same 20 steps later.
TEST(V2Synapses, OnPostUsesTransposedIndexAndPostDelay) {
  std::string err;
  auto out = run_v2("on_post", R"J({
    "modelc_ir": 2, "name": "on_post",
    "simulation": {"dt": "0.1 ms", "duration": "4 ms"},
    "neuron_groups": [
      {"name": "A", "size": 2, "equations": ["a : 1", "b : 1"]},
      {"name": "B", "kind": "spike_generator", "size": 3, "indices": [1, 2], "times": ["0.5 ms", "0.7 ms"]}
    ],
    "synapses": [{"name": "S", "source": "A", "target": "B", "on_pre": "a_pre += 1000",
                  "on_post": {"post": "a_pre += j + 1", "late": "b_pre += j + 1"},
                  "delay": {"late": "2 ms"}, "connect": {"rule": "all_to_all"}}],
    "monitors": [{"name": "m", "kind": "state", "source": "A", "variables": ["a", "b"]}]
  })J", err);
  ASSERT_TRUE(out) << err;
  const auto* mon = find_monitor(out->results, "m");
  ASSERT_NE(mon, nullptr);
  for (size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(state_at(*mon, 6, k, 0), 2.0);
    EXPECT_EQ(state_at(*mon, 5, k, 0), 0.0);
    EXPECT_EQ(state_at(*mon, 8, k, 0), 5.0);
    EXPECT_EQ(state_at(*mon, 25, k, 1), 0.0);
    EXPECT_EQ(state_at(*mon, 26, k, 1), 2.0);
    EXPECT_EQ(state_at(*mon, 28, k, 1), 5.0);
  }
}

// Event-driven traces are brought up to date lazily: at a postsynaptic spike 10 ms after the only
// presynaptic spike, Apre = exp(-10 ms / 20 ms), the closed form (Brian2: exact solution from
// lastupdate). A second pre spike 5 ms later sees Apre = exp(-15/20) + 1 before adding.
TEST(V2Synapses, EventDrivenTraceEqualsClosedFormAtEvents) {
  std::string err;
  auto out = run_v2("event_driven", R"J({
    "modelc_ir": 2, "name": "event_driven",
    "simulation": {"dt": "0.1 ms", "duration": "20 ms"},
    "constants": {"taupre": "20 ms"},
    "neuron_groups": [
      {"name": "P", "kind": "spike_generator", "size": 1, "indices": [0, 0], "times": ["1 ms", "16 ms"]},
      {"name": "Q", "kind": "spike_generator", "size": 1, "indices": [0], "times": ["11 ms"]},
      {"name": "R", "size": 1, "equations": ["at_post : 1", "at_pre : 1"]}
    ],
    "synapses": [
      {"name": "S", "source": "P", "target": "Q",
       "equations": ["dApre/dt = -Apre / taupre : 1 (event-driven)", "seen : 1"],
       "on_pre": "seen = Apre\nApre += 1", "on_post": "seen = Apre", "connect": {"rule": "one_to_one"}},
      {"name": "Copy", "source": "Q", "target": "R", "on_pre": "at_post_post = 1", "connect": {"rule": "one_to_one"}}
    ],
    "monitors": [{"name": "w", "kind": "state", "source": "S", "variables": ["seen", "Apre", "lastupdate"], "indices": [0]}]
  })J", err);
  ASSERT_TRUE(out) << err;
  const auto* mon = find_monitor(out->results, "w");
  ASSERT_NE(mon, nullptr);
  EXPECT_NEAR(state_at(*mon, 111, 0, 0), std::exp(-0.5), 1e-12);              // at the post spike
  EXPECT_NEAR(state_at(*mon, 111, 0, 2), 11e-3, 1e-12);                       // lastupdate = t
  EXPECT_NEAR(state_at(*mon, 161, 0, 0), std::exp(-0.75), 1e-12);             // second pre spike
  EXPECT_NEAR(state_at(*mon, 161, 0, 1), std::exp(-0.75) + 1.0, 1e-12);
  EXPECT_NEAR(state_at(*mon, 150, 0, 1), std::exp(-0.5), 1e-12);  // lazily: unchanged between events
}

// (summed): every step the target variable is the sum over its synapses (Brian2's summed variable
// updater, before the state update). y_pre = i + 1, w = j + 1: tot[j] = (j + 1) * (1 + 2 + 3).
// A clock-driven synaptic ODE dz/dt = -z/tau feeds a second summed variable: zsum = 3 exp(-t/tau).
TEST(V2Synapses, SummedVariableEqualsSumAndClockDrivenDecays) {
  std::string err;
  auto out = run_v2("summed", R"J({
    "modelc_ir": 2, "name": "summed",
    "simulation": {"dt": "0.1 ms", "duration": "2 ms"},
    "constants": {"tau": "1 ms"},
    "neuron_groups": [
      {"name": "A", "size": 3, "equations": ["y : 1"], "initial": {"y": "i + 1"}},
      {"name": "B", "size": 2, "equations": ["tot : 1", "zsum : 1"]}
    ],
    "synapses": [{"name": "S", "source": "A", "target": "B",
                  "equations": ["w : 1", "tot_post = y_pre * w : 1 (summed)", "dz/dt = -z / tau : 1 (clock-driven)",
                                "zsum_post = z : 1 (summed)"],
                  "on_pre": "w += 0", "connect": {"rule": "all_to_all"}, "initial": {"w": "j + 1", "z": "1"}}],
    "monitors": [{"name": "m", "kind": "state", "source": "B", "variables": ["tot", "zsum"]}]
  })J", err);
  ASSERT_TRUE(out) << err;
  const auto* mon = find_monitor(out->results, "m");
  ASSERT_NE(mon, nullptr);
  EXPECT_EQ(state_at(*mon, 1, 0), 6.0);
  EXPECT_EQ(state_at(*mon, 1, 1), 12.0);
  // Summed before the synaptic update of the same step: sample s + 1 holds 3*exp(-s*dt/tau).
  for (size_t s : {1u, 5u, 15u})
    EXPECT_NEAR(state_at(*mon, s, 0, 1), 3.0 * std::exp(-(static_cast<double>(s) - 1) * 0.1), 1e-12) << "sample " << s;
}

// examples/stdp.json (Song, Miller & Abbott 2000) compiles and runs: weights stay in [0, gmax] and
// plasticity moves them (Brian2's STDP example drives them towards 0 and gmax).
TEST(V2Synapses, StdpExampleRuns) {
  std::ifstream in(source_root() / "examples/stdp.json");
  auto model = nlohmann::ordered_json::parse(in);  // constants refer to earlier ones: keep the order
  model["parameters"]["duration"] = "2 * second";
  model["monitors"].push_back({{"name", "w"}, {"kind", "state"}, {"source", "S"}, {"variables", {"w"}},
                               {"indices", {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"every", "1 second"}});
  std::string err;
  auto out = run_v2("stdp", model.dump(), err);
  ASSERT_TRUE(out) << err;
  const auto* w = find_monitor(out->results, "w");
  ASSERT_NE(w, nullptr);
  int changed = 0;
  for (size_t k = 0; k < 10; ++k) {
    double last = state_at(*w, w->steps.size() - 1, k);
    EXPECT_GE(last, 0.0);
    EXPECT_LE(last, 0.01);
    changed += last != state_at(*w, 0, k);
  }
  EXPECT_GT(changed, 5);
  EXPECT_GT(out->results.populations[1].spikes, 0);
}

// run_regularly on synapses (Brian2's S.run_regularly): the shared statement runs once per
// operation, before the per-synapse ones, every `dt` from step 0; in the start slot it runs before
// the state monitor records. After k runs: c = k, w_k = w_(k-1)/2 + 0.001*j*k from w_0 = 0.01*i.
TEST(V2Synapses, RunRegularlyOnSynapsesUpdatesEverySynapse) {
  std::string err;
  auto out = run_v2("synapse_run_regularly", R"J({
    "modelc_ir": 2, "name": "synapse_run_regularly",
    "simulation": {"dt": "0.1 ms", "duration": "10 ms"},
    "neuron_groups": [{"name": "P", "size": 10, "equations": ["v : 1"]}],
    "synapses": [{"name": "S", "source": "P", "target": "P", "equations": ["w : 1", "c : 1 (shared)", "si : 1", "sj : 1"],
                  "connect": {"condition": "i != j"}, "initial": {"w": "0.01*i", "si": "i", "sj": "j"},
                  "run_regularly": [{"code": "c = c + 1\nw = w*0.5 + 0.001*j*c", "dt": "2 ms"},
                                    {"code": "v_post += 1", "dt": "5 ms", "when": "end"}]}],
    "monitors": [{"name": "m", "kind": "state", "source": "S", "variables": ["w", "si", "sj"], "indices": [0, 5, 20, 89],
                  "every": "1 ms"},
                 {"name": "v", "kind": "state", "source": "P", "variables": ["v"], "indices": [0, 9], "every": "6 ms", "when": "end"}]})J",
                    err);
  ASSERT_TRUE(out) << err;
  const auto* m = find_monitor(out->results, "m");
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->steps.size(), 10u);
  for (size_t k = 0; k < 4; ++k) {
    const double i = state_at(*m, 0, k, 1), j = state_at(*m, 0, k, 2);
    for (size_t s = 0; s < m->steps.size(); ++s) {
      const int64_t runs = m->steps[s] / 20 + 1;
      double w = 0.01 * i;
      for (int64_t r = 1; r <= runs; ++r) w = w * 0.5 + 0.001 * j * static_cast<double>(r);
      EXPECT_NEAR(state_at(*m, s, k, 0), w, 1e-15) << "synapse " << m->indices[k] << " at step " << m->steps[s];
    }
  }
  // The second operation adds 1 per synapse onto its target (9 each) at steps 0 and 50; the
  // monitor records at the end of steps 0 and 60.
  const auto* v = find_monitor(out->results, "v");
  ASSERT_NE(v, nullptr);
  ASSERT_EQ(v->steps.size(), 2u);
  for (size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(state_at(*v, 0, k), 9.0);
    EXPECT_EQ(state_at(*v, 1, k), 18.0);
  }
}

}  // namespace
}  // namespace modelc::testing
