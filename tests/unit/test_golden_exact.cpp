// Golden tests against Brian2: models whose arithmetic is deterministic (no random numbers) must
// give the very same spikes (neuron and step) as Brian2 2.5.1 with the same method, and state
// traces that agree to floating-point round-off. Reference files come from
// tests/golden/generate_golden.py (see tests/golden/README.md).
#include <gtest/gtest.h>

#include <cmath>

#include "model_runner.h"

namespace modelc::testing {
namespace {

class GoldenExact : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenExact, SpikesAndTracesMatchBrian2) {
  const std::string name = GetParam();
  nlohmann::json expected = read_json("tests/golden/expected/" + name + ".json");
  std::string err;
  auto out = compile_and_run("tests/golden/models/" + name + ".json", err);
  ASSERT_TRUE(out) << err;

  for (const auto& [mon_name, ref] : expected["spikes"].items()) {
    const runtime::MonitorResult* mon = find_monitor(out->results, mon_name);
    ASSERT_NE(mon, nullptr) << "no monitor " << mon_name;
    std::vector<int64_t> ref_i = ref["i"].get<std::vector<int64_t>>();
    std::vector<int64_t> ref_step = ref["step"].get<std::vector<int64_t>>();
    ASSERT_GT(ref_i.size(), 0u) << "a golden file without spikes tests nothing";
    // Within a step Brian2 and modelc both list spikes in ascending neuron order.
    ASSERT_EQ(mon->spike_indices.size(), ref_i.size()) << name << ": spike count differs from Brian2";
    for (size_t k = 0; k < ref_i.size(); ++k) {
      ASSERT_EQ(mon->steps[k], ref_step[k]) << name << ": spike " << k << " at a different step";
      ASSERT_EQ(mon->spike_indices[k], ref_i[k]) << name << ": spike " << k << " of a different neuron";
    }
  }
  if (!expected.contains("state")) return;
  for (const auto& [mon_name, ref] : expected["state"].items()) {
    const runtime::MonitorResult* mon = find_monitor(out->results, mon_name);
    ASSERT_NE(mon, nullptr) << "no monitor " << mon_name;
    std::vector<int64_t> ref_steps = ref["step"].get<std::vector<int64_t>>();
    ASSERT_EQ(mon->steps, ref_steps);
    const size_t n_idx = mon->indices.size();
    for (size_t v = 0; v < mon->variables.size(); ++v) {
      const auto& ref_vals = ref["values"][mon->variables[v]];  // [index][sample]
      ASSERT_EQ(ref_vals.size(), n_idx);
      double max_abs = 0, max_err = 0;
      for (size_t k = 0; k < n_idx; ++k)
        for (size_t s = 0; s < ref_steps.size(); ++s) {
          double a = mon->values[v][s * n_idx + k], b = ref_vals[k][s].get<double>();
          max_abs = std::max(max_abs, std::fabs(b));
          max_err = std::max(max_err, std::fabs(a - b));
        }
      // Same method, same double arithmetic up to operation order: agreement to round-off.
      EXPECT_LE(max_err, 1e-9 * std::max(1.0, max_abs) + 1e-12)
          << name << ": " << mon->variables[v] << " differs from Brian2 by up to " << max_err;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Brian2, GoldenExact,
                         ::testing::Values("lif_current", "lif_current_euler", "lif_current_rk4", "hh_current", "hh_coupled"));

}  // namespace
}  // namespace modelc::testing
