// Golden tests of the IR version 2 features (docs/ir-v2.md) against Brian2 2.5.1. Reference files
// come from tests/golden/generate_golden.py (see tests/golden/README.md, which also gives the
// reasons for every tolerance used here).
//
// GoldenV2Exact: deterministic models (spike generators, explicit connectivity and delays,
// deterministic initial values): the same spikes and custom events, (neuron, step) for
// (neuron, step), and state traces to round-off. GoldenV2ExactOpenCL: the same for the summed and
// slice goldens on the OpenCL backend.
// GoldenV2Stats: random models: statistics within the seed-to-seed spread of Brian2.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <utility>

#include "model_runner.h"
#include "spike_stats.h"
#ifdef MODELC_HAVE_OPENCL
#include "backends/opencl/support/opencl_host.h"
#endif

namespace modelc::testing {
namespace {

// (step, neuron) pairs sorted: the order of spikes within one step carries no meaning.
std::vector<std::pair<int64_t, int64_t>> sorted_events(const std::vector<int64_t>& steps,
                                                      const std::vector<int64_t>& neurons) {
  std::vector<std::pair<int64_t, int64_t>> out;
  for (size_t k = 0; k < steps.size(); ++k) out.emplace_back(steps[k], neurons[k]);
  std::sort(out.begin(), out.end());
  return out;
}

void expect_same_events(const std::string& name, const std::string& mon_name, const runtime::MonitorResult& mon,
                        const nlohmann::json& ref) {
  auto expected = sorted_events(ref["step"].get<std::vector<int64_t>>(), ref["i"].get<std::vector<int64_t>>());
  ASSERT_GT(expected.size(), 0u) << "a golden file without events tests nothing";
  std::vector<int64_t> got_i(mon.spike_indices.begin(), mon.spike_indices.end());
  ASSERT_EQ(got_i.size(), mon.steps.size()) << name << "/" << mon_name << ": malformed monitor";
  auto got = sorted_events(mon.steps, got_i);
  ASSERT_EQ(got.size(), expected.size()) << name << "/" << mon_name << ": event count differs from Brian2";
  for (size_t k = 0; k < expected.size(); ++k)
    ASSERT_EQ(got[k], expected[k]) << name << "/" << mon_name << ": event " << k << " (step, neuron) differs";
}

// Runs golden `name` on `backend` and compares it with Brian2's expected file.
void expect_matches_brian2(const std::string& name, const std::filesystem::path& model, const std::string& backend) {
  nlohmann::json expected = read_json("tests/golden/expected/" + name + ".json");
  std::string err;
  driver::PipelineOptions options;
  options.backend = backend;
  auto out = compile_and_run(model, err, options);
  ASSERT_TRUE(out) << err;
  ASSERT_EQ(out->results.steps, expected["steps"].get<int64_t>());

  for (const char* section : {"spikes", "events"}) {
    if (!expected.contains(section)) continue;
    for (const auto& [mon_name, ref] : expected[section].items()) {
      const runtime::MonitorResult* mon = find_monitor(out->results, mon_name);
      ASSERT_NE(mon, nullptr) << name << ": no monitor " << mon_name;
      expect_same_events(name, mon_name, *mon, ref);
    }
  }
  for (const auto& [mon_name, ref] : expected["state"].items()) {
    const runtime::MonitorResult* mon = find_monitor(out->results, mon_name);
    ASSERT_NE(mon, nullptr) << name << ": no monitor " << mon_name;
    std::vector<int64_t> ref_steps = ref["step"].get<std::vector<int64_t>>();
    ASSERT_EQ(mon->steps, ref_steps) << name << "/" << mon_name << ": sample steps differ";
    ASSERT_EQ(mon->indices, ref["indices"].get<std::vector<int64_t>>()) << name << "/" << mon_name;
    const size_t n_idx = mon->indices.size();
    for (const auto& [var, ref_vals] : ref["values"].items()) {  // [index][sample]
      auto it = std::find(mon->variables.begin(), mon->variables.end(), var);
      ASSERT_NE(it, mon->variables.end()) << name << "/" << mon_name << ": variable " << var << " not recorded";
      const auto& vals = mon->values[static_cast<size_t>(it - mon->variables.begin())];
      ASSERT_EQ(ref_vals.size(), n_idx);
      ASSERT_EQ(vals.size(), n_idx * ref_steps.size()) << name << "/" << mon_name << "/" << var;
      double max_abs = 0, max_err = 0;
      size_t worst_k = 0, worst_s = 0;
      for (size_t k = 0; k < n_idx; ++k)
        for (size_t s = 0; s < ref_steps.size(); ++s) {
          double a = vals[s * n_idx + k], b = ref_vals[k][s].get<double>();
          max_abs = std::max(max_abs, std::fabs(b));
          if (std::fabs(a - b) > max_err) {
            max_err = std::fabs(a - b);
            worst_k = k;
            worst_s = s;
          }
        }
      // Same method, same double arithmetic up to operation order: agreement to round-off,
      // relative to the variable's own scale (the units differ: volts, amperes, siemens, 1).
      EXPECT_LE(max_err, 1e-9 * max_abs)
          << name << "/" << mon_name << ": " << var << " differs from Brian2 by up to " << max_err << " (scale "
          << max_abs << "), largest at index " << mon->indices[worst_k] << ", step " << ref_steps[worst_s];
    }
  }
}

class GoldenV2Exact : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenV2Exact, SpikesEventsAndTracesMatchBrian2) {
  expect_matches_brian2(GetParam(), "tests/golden/models/" + GetParam() + ".json", "cpu");
}

INSTANTIATE_TEST_SUITE_P(GoldenV2, GoldenV2Exact,
                         ::testing::Values("delays_hetero", "stdp_pairs", "summed_gap", "timed_input",
                                           "custom_events_dendrite", "run_regularly_shared", "summed_target_slice",
                                           "slices_pathways", "slices_plasticity", "slices_events_connect",
                                           "schedule_groups", "schedule_thresholds", "schedule_resets", "schedule_order",
                                           "schedule_slots", "synapse_degrees"));

#ifdef MODELC_HAVE_OPENCL
// The slice goldens against Brian2 on the OpenCL backend too (the other goldens are compared with
// the cpu backend in test_gpu_equivalence.cpp): slice offsets are applied by each backend's own
// index code. OpenCL has no dendritic delay buffering; the hint only chooses how delays wait, not
// the result, so the OpenCL run drops it.
class GoldenV2ExactOpenCL : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenV2ExactOpenCL, SpikesEventsAndTracesMatchBrian2) {
  cl_platform_id platforms[4];
  cl_device_id devices[4];
  if (mc_cl_list_devices(platforms, devices, 4) <= 0) GTEST_SKIP() << "no OpenCL device (install pocl-opencl-icd)";
  const std::string name = GetParam();
  nlohmann::ordered_json model;
  std::ifstream(source_root() / ("tests/golden/models/" + name + ".json")) >> model;
  for (auto& s : model["synapses"]) s.erase("delay_buffering");
  const auto copy = std::filesystem::temp_directory_path() /
                    ("modelc-golden-opencl-" + std::to_string(getpid()) + "-" + name + ".json");
  std::ofstream(copy) << model.dump(1);
  expect_matches_brian2(name, copy, "opencl");
  std::filesystem::remove(copy);
}

INSTANTIATE_TEST_SUITE_P(GoldenV2, GoldenV2ExactOpenCL,
                         ::testing::Values("summed_gap", "summed_target_slice", "slices_pathways", "slices_plasticity",
                                           "slices_events_connect", "synapse_degrees"));
#endif

// ---------------------------------------------------------------------------------------------
// Statistics. Definitions are those of the generator ("definitions" in each expected file).

// |value - brian2 mean| <= max(k * brian2 std, floor): see tests/golden/README.md.
void expect_close(const std::string& golden, const std::string& what, double value, const nlohmann::json& summary,
                  double k, double floor) {
  ASSERT_TRUE(summary.contains(what)) << golden << ": no statistic " << what << " in the expected file";
  double mean = summary[what]["mean"].get<double>();
  double std = summary[what]["std"].get<double>();
  double tol = std::max(k * std, floor);
  EXPECT_LE(std::fabs(value - mean), tol) << golden << ": " << what << ": modelc " << value << ", Brian2 " << mean
                                          << " ± " << std << " (tolerance " << tol << ")";
}

double mean_of(const nlohmann::json& summary, const std::string& what) { return summary[what]["mean"].get<double>(); }

// The last sample of every recorded element of a state monitor (the "final" values).
std::vector<double> final_values(const runtime::MonitorResult& mon, const std::string& var) {
  auto it = std::find(mon.variables.begin(), mon.variables.end(), var);
  if (it == mon.variables.end() || mon.steps.empty()) return {};
  const auto& vals = mon.values[static_cast<size_t>(it - mon.variables.begin())];
  const size_t n = mon.indices.size();
  return std::vector<double>(vals.end() - static_cast<std::ptrdiff_t>(n), vals.end());
}

double percentile(std::vector<double> x, double q) {  // numpy's default ("linear")
  std::sort(x.begin(), x.end());
  double pos = q / 100.0 * static_cast<double>(x.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(pos));
  size_t hi = std::min(lo + 1, x.size() - 1);
  return x[lo] + (pos - static_cast<double>(lo)) * (x[hi] - x[lo]);
}

// Weight-distribution statistics in units of w_max, as weight_stats() in the generator.
void expect_weight_stats(const std::string& golden, const std::vector<double>& weights, double w_max,
                         const nlohmann::json& sum, bool check_histogram) {
  ASSERT_FALSE(weights.empty()) << golden << ": no final weights";
  std::vector<double> x;
  for (double w : weights) x.push_back(w / w_max);
  double n = static_cast<double>(x.size());
  double mean = std::accumulate(x.begin(), x.end(), 0.0) / n;
  double low = std::count_if(x.begin(), x.end(), [](double v) { return v < 0.1; }) / n;
  double high = std::count_if(x.begin(), x.end(), [](double v) { return v > 0.9; }) / n;
  expect_close(golden, "w_mean", mean, sum, 3.0, 0.03);
  expect_close(golden, "w_frac_low", low, sum, 3.0, 0.05);
  expect_close(golden, "w_frac_high", high, sum, 3.0, 0.05);
  expect_close(golden, "w_p10", percentile(x, 10), sum, 3.0, 0.05);
  expect_close(golden, "w_p50", percentile(x, 50), sum, 3.0, 0.05);
  expect_close(golden, "w_p90", percentile(x, 90), sum, 3.0, 0.05);
  if (!check_histogram) return;
  std::vector<double> hist(10, 0.0);
  for (double v : x) {
    double c = std::clamp(v, 0.0, 1.0);
    hist[std::min<size_t>(static_cast<size_t>(c * 10.0), 9)] += 1.0 / n;
  }
  for (int k = 0; k < 10; ++k) expect_close(golden, "w_hist_" + std::to_string(k), hist[k], sum, 3.0, 0.05);
}

struct StatsRun {
  nlohmann::json expected;
  std::optional<RunOutput> out;
};

StatsRun run_stats_golden(const std::string& name, std::string& err) {
  StatsRun r;
  r.expected = read_json("tests/golden/expected/" + name + ".json");
  r.out = compile_and_run("tests/golden/models/" + name + ".json", err);
  return r;
}

void check_network_stats(const std::string& name, int64_t n) {
  std::string err;
  StatsRun r = run_stats_golden(name, err);
  ASSERT_TRUE(r.out) << err;
  const auto* spikes = find_monitor(r.out->results, "spikes");
  ASSERT_NE(spikes, nullptr);
  SpikeStats s = spike_stats(*spikes, n, r.out->results.duration(), r.out->results.dt);
  const auto& sum = r.expected["summary"];
  expect_close(name, "rate_hz", s.rate_hz, sum, 3.0, 0.05 * mean_of(sum, "rate_hz"));
  expect_close(name, "cv_isi", s.cv_isi, sum, 3.0, 0.05);
  expect_close(name, "fraction_fired", s.fraction_fired, sum, 3.0, 0.03);
  expect_close(name, "rate_std_1ms_hz", s.rate_std_1ms_hz, sum, 3.0, 0.1 * mean_of(sum, "rate_std_1ms_hz"));
}

TEST(GoldenV2Stats, BrunelHakimHomogeneousDelay) { check_network_stats("brunel_hakim_homog", 5000); }

TEST(GoldenV2Stats, BrunelHakimHeterogeneousDelays) { check_network_stats("brunel_hakim_hetero", 5000); }

TEST(GoldenV2Stats, PoissonInputRateAndMembranePotential) {
  const std::string name = "poisson_input";
  std::string err;
  StatsRun r = run_stats_golden(name, err);
  ASSERT_TRUE(r.out) << err;
  const auto* spikes = find_monitor(r.out->results, "spikes");
  const auto* trace = find_monitor(r.out->results, "v_trace");
  ASSERT_NE(spikes, nullptr);
  ASSERT_NE(trace, nullptr);
  ASSERT_EQ(trace->variables.size(), 1u);
  SpikeStats s = spike_stats(*spikes, 500, r.out->results.duration(), r.out->results.dt);
  const auto& v = trace->values[0];
  double mean = std::accumulate(v.begin(), v.end(), 0.0) / v.size(), var = 0;
  for (double x : v) var += (x - mean) * (x - mean);
  double sd = std::sqrt(var / v.size());
  const auto& sum = r.expected["summary"];
  expect_close(name, "rate_hz", s.rate_hz, sum, 3.0, 0.05 * mean_of(sum, "rate_hz"));
  expect_close(name, "cv_isi", s.cv_isi, sum, 3.0, 0.05);
  expect_close(name, "v_mean", mean, sum, 3.0, 0.01 * std::fabs(mean_of(sum, "v_mean")));
  expect_close(name, "v_std", sd, sum, 3.0, 0.03 * mean_of(sum, "v_std"));
}

TEST(GoldenV2Stats, StdpSongFinalWeightDistribution) {
  const std::string name = "stdp_song";
  std::string err;
  StatsRun r = run_stats_golden(name, err);
  ASSERT_TRUE(r.out) << err;
  const auto* post = find_monitor(r.out->results, "post_spikes");
  const auto* weights = find_monitor(r.out->results, "weights");
  ASSERT_NE(post, nullptr);
  ASSERT_NE(weights, nullptr);
  const auto& sum = r.expected["summary"];
  double rate = static_cast<double>(post->spike_indices.size()) / r.out->results.duration();
  expect_close(name, "post_rate_hz", rate, sum, 3.0, 0.15 * mean_of(sum, "post_rate_hz"));
  expect_weight_stats(name, final_values(*weights, "w"), 0.01, sum, true);
}

TEST(GoldenV2Stats, MushroomBodySmall) {
  const std::string name = "mushroom_body_small";
  std::string err;
  StatsRun r = run_stats_golden(name, err);
  ASSERT_TRUE(r.out) << err;
  const auto* ikc = find_monitor(r.out->results, "iKC_spikes");
  const auto* ekc = find_monitor(r.out->results, "eKC_spikes");
  const auto* weights = find_monitor(r.out->results, "weights");
  ASSERT_NE(ikc, nullptr);
  ASSERT_NE(ekc, nullptr);
  ASSERT_NE(weights, nullptr);
  const double duration = r.out->results.duration(), dt = r.out->results.dt;
  SpikeStats si = spike_stats(*ikc, 2500, duration, dt), se = spike_stats(*ekc, 100, duration, dt);
  const auto& sum = r.expected["summary"];
  expect_close(name, "iKC_rate_hz", si.rate_hz, sum, 3.0, 0.05 * mean_of(sum, "iKC_rate_hz"));
  expect_close(name, "eKC_rate_hz", se.rate_hz, sum, 3.0, 0.10 * mean_of(sum, "eKC_rate_hz"));
  expect_close(name, "iKC_fraction_fired", si.fraction_fired, sum, 3.0, 0.03);
  expect_close(name, "eKC_fraction_fired", se.fraction_fired, sum, 3.0, 0.05);
  expect_weight_stats(name, final_values(*weights, "g_raw"), 3.75e-9, sum, false);
}

}  // namespace
}  // namespace modelc::testing
