// Golden tests against Brian2 for models with random initial values and connectivity. Brian2 draws
// from a different generator (MT19937) than modelc (Philox), so single spikes cannot match; the
// network statistics must. Reference values and their seed-to-seed spread come from
// tests/golden/generate_golden.py; tolerances and their reasons are in tests/golden/README.md.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "model_runner.h"

namespace modelc::testing {
namespace {

struct Stats {
  double rate_hz = 0, cv_isi = 0, fraction_fired = 0, rate_std_1ms_hz = 0;
};

// Same definitions as the generator (see "definitions" in the expected files).
Stats compute_stats(const runtime::MonitorResult& spikes, int64_t n, double duration, double dt) {
  Stats s;
  std::vector<std::vector<int64_t>> per_neuron(n);
  for (size_t k = 0; k < spikes.spike_indices.size(); ++k) per_neuron[spikes.spike_indices[k]].push_back(spikes.steps[k]);
  s.rate_hz = static_cast<double>(spikes.spike_indices.size()) / (static_cast<double>(n) * duration);
  double cv_sum = 0;
  int cv_count = 0, fired = 0;
  for (const auto& st : per_neuron) {
    fired += !st.empty();
    if (st.size() < 3) continue;
    std::vector<double> isi;
    for (size_t k = 1; k < st.size(); ++k) isi.push_back(static_cast<double>(st[k] - st[k - 1]) * dt);
    double mean = std::accumulate(isi.begin(), isi.end(), 0.0) / isi.size();
    double var = 0;
    for (double x : isi) var += (x - mean) * (x - mean);
    var /= isi.size();
    cv_sum += std::sqrt(var) / mean;
    ++cv_count;
  }
  s.cv_isi = cv_count ? cv_sum / cv_count : 0;
  s.fraction_fired = static_cast<double>(fired) / n;
  const int64_t bin = std::llround(1e-3 / dt);
  const int64_t nbins = std::llround(duration / dt) / bin;
  std::vector<double> rate(nbins, 0.0);
  for (int64_t st : spikes.steps)
    if (st / bin < nbins) rate[st / bin] += 1.0 / (static_cast<double>(n) * 1e-3);
  double mean = std::accumulate(rate.begin(), rate.end(), 0.0) / nbins, var = 0;
  for (double r : rate) var += (r - mean) * (r - mean);
  s.rate_std_1ms_hz = std::sqrt(var / nbins);
  return s;
}

// |value - brian2 mean| <= max(k * brian2 std, floor): see tests/golden/README.md.
void expect_close(const std::string& what, double value, const nlohmann::json& summary, double k, double floor) {
  double mean = summary[what]["mean"].get<double>();
  double std = summary[what]["std"].get<double>();
  double tol = std::max(k * std, floor);
  EXPECT_LE(std::fabs(value - mean), tol) << what << ": modelc " << value << ", Brian2 " << mean << " ± " << std
                                          << " (tolerance " << tol << ")";
}

TEST(GoldenStats, CubaMatchesBrian2Statistics) {
  nlohmann::json expected = read_json("tests/golden/expected/cuba_stats.json");
  std::string err;
  auto out = compile_and_run("tests/golden/models/cuba_stats.json", err);
  ASSERT_TRUE(out) << err;
  const auto* spikes = find_monitor(out->results, "spikes");
  ASSERT_NE(spikes, nullptr);
  Stats s = compute_stats(*spikes, 4000, out->results.duration(), out->results.dt);
  const auto& sum = expected["summary"];
  double rate = sum["rate_hz"]["mean"].get<double>();
  expect_close("rate_hz", s.rate_hz, sum, 3.0, 0.05 * rate);
  expect_close("cv_isi", s.cv_isi, sum, 3.0, 0.05);
  expect_close("fraction_fired", s.fraction_fired, sum, 3.0, 0.03);
  expect_close("rate_std_1ms_hz", s.rate_std_1ms_hz, sum, 3.0, 0.1 * sum["rate_std_1ms_hz"]["mean"].get<double>());
}

}  // namespace
}  // namespace modelc::testing

namespace modelc::testing {
namespace {

// COBAHH's rate is dominated by a few bursting neurons, so it varies a lot between random
// realisations: over 10 Brian2 seeds 36.2 ± 3.2 Hz (31.2 to 41.6). Given the same realisation,
// Brian2 and modelc agree spike for spike (checked by feeding modelc's connectivity and initial
// values to Brian2: 154322 spikes in both), so only the realisation spread is tolerated here.
TEST(GoldenStats, CobahhMatchesBrian2Statistics) {
  nlohmann::json expected = read_json("tests/golden/expected/cobahh_stats.json");
  std::string err;
  auto out = compile_and_run("tests/golden/models/cobahh_stats.json", err, {}, 2);
  ASSERT_TRUE(out) << err;
  const auto* spikes = find_monitor(out->results, "spikes");
  ASSERT_NE(spikes, nullptr);
  Stats s = compute_stats(*spikes, 4000, out->results.duration(), out->results.dt);
  const auto& sum = expected["summary"];
  ASSERT_GE(expected["per_seed"].size(), 5u) << "too few Brian2 seeds to know the realisation spread";
  expect_close("rate_hz", s.rate_hz, sum, 3.0, 0.05 * sum["rate_hz"]["mean"].get<double>());
  expect_close("cv_isi", s.cv_isi, sum, 3.0, 0.05);
  expect_close("fraction_fired", s.fraction_fired, sum, 3.0, 0.03);
  expect_close("rate_std_1ms_hz", s.rate_std_1ms_hz, sum, 3.0, 0.1 * sum["rate_std_1ms_hz"]["mean"].get<double>());
}

}  // namespace
}  // namespace modelc::testing
