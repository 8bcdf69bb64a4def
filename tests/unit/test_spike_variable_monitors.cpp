// IR v2 monitors and delivery timing: spike monitors recording variables at each spike (Brian2's
// SpikeMonitor(G, variables=...), `<monitor>_<variable>.npy`), and the one delay rounding rule
// shared by homogeneous and heterogeneous delays (Brian2's C++ spike queue, int(delay/dt + 0.5)).
#include <filesystem>

#include "test_model_util.h"

namespace modelc::testing {
namespace {

// A neuron spikes every 1 ms with `v` crossing 1; the monitor records v (before the reset), a
// shared counter and a per-neuron parameter at each spike.
TEST(V2Monitors, SpikeMonitorRecordsVariablesAtEachSpike) {
  std::string err;
  auto out = run_v2("spike_vars", R"J({
    "modelc_ir": 2, "name": "spike_vars",
    "simulation": {"dt": "0.1 ms", "duration": "3.05 ms"},
    "neuron_groups": [{"name": "G", "size": 3, "method": "euler",
      "equations": ["dv/dt = (1 + 0.5*i)/ms : 1", "w : 1", "c : 1 (shared)"],
      "threshold": "v > 0.95", "reset": "v = 0",
      "initial": {"w": "10 + i"},
      "run_regularly": [{"code": "c += 1"}]}],
    "monitors": [{"name": "sp", "kind": "spikes", "source": "G", "variables": ["v", "w", "c"]},
                 {"name": "plain", "kind": "spikes", "source": "G"}]
  })J", err);
  ASSERT_TRUE(out) << err;
  const auto* sp = find_monitor(out->results, "sp");
  const auto* plain = find_monitor(out->results, "plain");
  ASSERT_TRUE(sp && plain);
  ASSERT_EQ(sp->variables, (std::vector<std::string>{"v", "w", "c"}));
  ASSERT_EQ(sp->values.size(), 3u);
  ASSERT_FALSE(sp->steps.empty());
  EXPECT_EQ(sp->steps, plain->steps);
  EXPECT_EQ(sp->spike_indices, plain->spike_indices);
  for (size_t e = 0; e < sp->steps.size(); ++e) {
    EXPECT_GT(sp->values[0][e], 0.95) << "v is recorded after the threshold, before the reset";
    EXPECT_EQ(sp->values[1][e], 10.0 + sp->spike_indices[e]);
    EXPECT_EQ(sp->values[2][e], static_cast<double>(sp->steps[e] + 1)) << "shared: one value";
  }
  EXPECT_TRUE(plain->variables.empty());
  // Results files: <monitor>_<variable>.npy beside _i and _t.
  auto dir = v2_model_dir("spike_vars_out") / "results";
  std::filesystem::remove_all(dir);
  std::string werr;
  ASSERT_TRUE(runtime::write_results(dir, out->results, runtime::ManifestExtras{}, werr)) << werr;
  for (const char* f : {"sp_i.npy", "sp_t.npy", "sp_v.npy", "sp_w.npy", "sp_c.npy"})
    EXPECT_TRUE(std::filesystem::exists(dir / f)) << f;
  EXPECT_FALSE(std::filesystem::exists(dir / "plain_v.npy"));
}

TEST(V2Monitors, SpikeMonitorVariablesMustExist) {
  auto d = first_error(v2_diagnostics(R"J({
    "modelc_ir": 2, "name": "e", "simulation": {"duration": "1 ms"},
    "neuron_groups": [{"name": "G", "size": 2, "equations": ["dv/dt = 1/ms : 1"], "threshold": "v > 1"}],
    "monitors": [{"name": "sp", "kind": "spikes", "source": "G", "variables": ["vv"]}]
  })J"));
  EXPECT_NE(d.message.find("has no variable 'vv'"), std::string::npos) << d.message;
  EXPECT_NE(d.hint.find("did you mean 'v'"), std::string::npos) << d.hint;
}

// The tie case: with dt = 0.25 ms, a delay of 0.625 ms is exactly 2.5 steps (all three numbers are
// exact in binary). Brian2's C++ spike queue rounds it up to 3 steps; the numpy queue's np.round
// would give 2. modelc uses the C++ rule for homogeneous and heterogeneous delays alike.
TEST(V2Monitors, DelayTiesRoundUpForHomogeneousAndHeterogeneousDelays) {
  std::string err;
  auto out = run_v2("delay_tie", R"J({
    "modelc_ir": 2, "name": "delay_tie",
    "simulation": {"dt": "0.25 ms", "duration": "5 ms"},
    "neuron_groups": [
      {"name": "G", "kind": "spike_generator", "size": 1, "indices": [0], "times": ["1 ms"]},
      {"name": "T", "size": 3, "equations": ["c : 1"]}
    ],
    "synapses": [
      {"name": "Hom", "source": "G", "target": "T[0:1]", "on_pre": "c_post += 1", "connect": {"rule": "all_to_all"},
       "delay": "0.625 ms"},
      {"name": "Het", "source": "G", "target": "T[1:3]", "on_pre": "c_post += 1", "connect": {"i": [0, 0], "j": [0, 1]},
       "delay": ["0.625 ms", "0.375 ms"]}
    ],
    "monitors": [{"name": "c", "kind": "state", "source": "T", "variables": ["c"]}]
  })J", err);
  ASSERT_TRUE(out) << err;
  const auto* mon = find_monitor(out->results, "c");
  ASSERT_NE(mon, nullptr);
  auto first = [&](size_t k) -> int64_t {
    for (size_t s = 0; s < mon->steps.size(); ++s)
      if (state_at(*mon, s, k) >= 1) return mon->steps[s];
    return -1;
  };
  // Spike at step 4; delivered in step 4 + 3; seen by the monitor at the start of the next step.
  EXPECT_EQ(first(0), 4 + 3 + 1);  // homogeneous 2.5 steps -> 3
  EXPECT_EQ(first(1), 4 + 3 + 1);  // heterogeneous 2.5 steps -> 3
  EXPECT_EQ(first(2), 4 + 2 + 1);  // 1.5 steps -> 2 (half up, not to even)
}

}  // namespace
}  // namespace modelc::testing
