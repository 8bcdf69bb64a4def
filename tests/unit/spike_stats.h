// Test helper: the spike statistics the golden files record (definitions in the expected files'
// "definitions" and in tests/golden/generate_golden.py), computed from a spike monitor.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

#include "runtime/simulation.h"

namespace modelc::testing {

struct SpikeStats {
  double rate_hz = 0, cv_isi = 0, fraction_fired = 0, rate_std_1ms_hz = 0;
};

inline SpikeStats spike_stats(const runtime::MonitorResult& spikes, int64_t n, double duration, double dt) {
  SpikeStats s;
  std::vector<std::vector<int64_t>> per_neuron(n);
  for (size_t k = 0; k < spikes.spike_indices.size(); ++k) per_neuron[spikes.spike_indices[k]].push_back(spikes.steps[k]);
  s.rate_hz = static_cast<double>(spikes.spike_indices.size()) / (static_cast<double>(n) * duration);
  double cv_sum = 0;
  int cv_count = 0, fired = 0;
  for (auto& st : per_neuron) {
    fired += !st.empty();
    if (st.size() < 3) continue;
    std::sort(st.begin(), st.end());
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

}  // namespace modelc::testing
