#include "runtime/distributed/results_merge.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace modelc::runtime::distributed {

namespace {

std::string at(const std::string& what, int rank) { return what + " on rank " + std::to_string(rank); }

bool merge_spikes(std::vector<RankResults>& ranks, size_t k, MonitorResult& out, std::string& error) {
  // (rank, event) stably sorted by step: equal steps keep rank order, and within a rank the
  // module's own order.
  std::vector<std::pair<int, size_t>> order;
  for (size_t r = 0; r < ranks.size(); ++r) {
    const MonitorResult& m = ranks[r].results.monitors[k];
    if (m.spike_indices.size() != m.steps.size() || m.times.size() != m.steps.size() ||
        m.values.size() != ranks[0].results.monitors[k].values.size()) {
      error = at("spike monitor " + m.name + " has fields of different lengths", static_cast<int>(r));
      return false;
    }
    for (const auto& v : m.values)
      if (v.size() != m.steps.size()) {
        error = at("spike monitor " + m.name + " has a variable of the wrong length", static_cast<int>(r));
        return false;
      }
    for (size_t e = 0; e < m.steps.size(); ++e) order.emplace_back(static_cast<int>(r), e);
  }
  std::stable_sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    return ranks[a.first].results.monitors[k].steps[a.second] < ranks[b.first].results.monitors[k].steps[b.second];
  });
  const MonitorResult& first = ranks[0].results.monitors[k];
  out.name = first.name;
  out.population = first.population;
  out.kind = first.kind;
  out.variables = first.variables;
  out.units = first.units;
  out.values.assign(first.values.size(), {});
  for (auto& v : out.values) v.reserve(order.size());
  out.steps.reserve(order.size());
  out.times.reserve(order.size());
  out.spike_indices.reserve(order.size());
  for (const auto& [r, e] : order) {
    const MonitorResult& m = ranks[r].results.monitors[k];
    out.steps.push_back(m.steps[e]);
    out.times.push_back(m.times[e]);
    out.spike_indices.push_back(m.spike_indices[e]);
    for (size_t v = 0; v < m.values.size(); ++v) out.values[v].push_back(m.values[v][e]);
  }
  return true;
}

bool same_samples(const std::vector<RankResults>& ranks, size_t k, std::string& error) {
  const MonitorResult& first = ranks[0].results.monitors[k];
  for (size_t r = 1; r < ranks.size(); ++r) {
    const MonitorResult& m = ranks[r].results.monitors[k];
    if (m.steps != first.steps || m.values.size() != first.values.size()) {
      error = at("state monitor " + m.name + " recorded other samples or variables than on rank 0", static_cast<int>(r));
      return false;
    }
  }
  return true;
}

// Neurons or chosen synapses: every rank records every column, the holder's is the valid one.
bool merge_state_columns(std::vector<RankResults>& ranks, size_t k, MonitorResult& out, std::string& error) {
  if (!same_samples(ranks, k, error)) return false;
  const size_t columns = ranks[0].results.monitors[k].indices.size();
  const size_t samples = ranks[0].results.monitors[k].steps.size();
  for (size_t r = 0; r < ranks.size(); ++r) {
    const MonitorResult& m = ranks[r].results.monitors[k];
    if (m.indices != ranks[0].results.monitors[k].indices || ranks[r].held.size() <= k || ranks[r].held[k].size() != columns) {
      error = at("state monitor " + m.name + " reports other columns than on rank 0", static_cast<int>(r));
      return false;
    }
    for (const auto& v : m.values)
      if (v.size() != samples * columns) {
        error = at("state monitor " + m.name + " has a variable of the wrong length", static_cast<int>(r));
        return false;
      }
  }
  std::vector<int> holder(columns, -1);
  for (size_t c = 0; c < columns; ++c) {
    for (size_t r = 0; r < ranks.size() && holder[c] < 0; ++r)
      if (ranks[r].held[k][c]) holder[c] = static_cast<int>(r);
    if (holder[c] < 0) {
      error = "state monitor " + ranks[0].results.monitors[k].name + ": no rank computes column " + std::to_string(c) +
              " (index " + std::to_string(ranks[0].results.monitors[k].indices[c]) + ")";
      return false;
    }
  }
  out = std::move(ranks[0].results.monitors[k]);
  for (size_t c = 0; c < columns; ++c) {
    if (holder[c] == 0) continue;
    const MonitorResult& src = ranks[holder[c]].results.monitors[k];
    for (size_t v = 0; v < out.values.size(); ++v)
      for (size_t t = 0; t < samples; ++t) out.values[v][t * columns + c] = src.values[v][t * columns + c];
  }
  return true;
}

// Every synapse of a split group: each rank's own synapses, placed at their one-process index.
bool merge_all_synapses(std::vector<RankResults>& ranks, size_t k, int32_t group, MonitorResult& out, std::string& error) {
  if (!same_samples(ranks, k, error)) return false;
  const MonitorResult& first = ranks[0].results.monitors[k];
  const size_t samples = first.steps.size();
  size_t total = 0;
  for (size_t r = 0; r < ranks.size(); ++r) {
    const size_t n = ranks[r].results.monitors[k].indices.size();
    if (static_cast<size_t>(group) >= ranks[r].synapse_ids.size() || ranks[r].synapse_ids[group].size() != n) {
      error = at("state monitor " + first.name + " lacks the synapse indices of its columns", static_cast<int>(r));
      return false;
    }
    for (const auto& v : ranks[r].results.monitors[k].values)
      if (v.size() != samples * n) {
        error = at("state monitor " + first.name + " has a variable of the wrong length", static_cast<int>(r));
        return false;
      }
    total += n;
  }
  std::vector<uint8_t> seen(total, 0);
  out.name = first.name;
  out.population = first.population;
  out.kind = first.kind;
  out.steps = first.steps;
  out.times = first.times;
  out.variables = first.variables;
  out.units = first.units;
  out.indices.resize(total);
  std::iota(out.indices.begin(), out.indices.end(), int64_t{0});
  out.values.assign(first.values.size(), std::vector<double>(samples * total));
  for (size_t r = 0; r < ranks.size(); ++r) {
    const MonitorResult& m = ranks[r].results.monitors[k];
    const std::vector<int64_t>& ids = ranks[r].synapse_ids[group];
    const size_t n = ids.size();
    for (size_t c = 0; c < n; ++c) {
      if (ids[c] < 0 || static_cast<size_t>(ids[c]) >= total || seen[ids[c]]) {
        error = at("state monitor " + first.name + ": synapse index " + std::to_string(ids[c]) +
                       (ids[c] >= 0 && static_cast<size_t>(ids[c]) < total ? " is held by two ranks" : " is out of range"),
                   static_cast<int>(r));
        return false;
      }
      seen[ids[c]] = 1;
      for (size_t v = 0; v < out.values.size(); ++v)
        for (size_t t = 0; t < samples; ++t) out.values[v][t * total + ids[c]] = m.values[v][t * n + c];
    }
  }
  return true;
}

bool merge_rates(std::vector<RankResults>& ranks, size_t k, int64_t slice_size, double dt, MonitorResult& out,
                 std::string& error) {
  const size_t length = ranks[0].results.monitors[k].rates.size();
  for (size_t r = 1; r < ranks.size(); ++r)
    if (ranks[r].results.monitors[k].rates.size() != length) {
      error = at("rate monitor " + ranks[r].results.monitors[k].name + " recorded another number of steps than rank 0",
                 static_cast<int>(r));
      return false;
    }
  // The module's rate is (double)count / (slice * dt) (an empty slice divides by 1).
  const double per_count = static_cast<double>(slice_size > 0 ? slice_size : 1) * dt;
  out = std::move(ranks[0].results.monitors[k]);
  for (size_t s = 0; s < length; ++s) {
    int64_t count = std::llround(out.rates[s] * per_count);
    for (size_t r = 1; r < ranks.size(); ++r) count += std::llround(ranks[r].results.monitors[k].rates[s] * per_count);
    out.rates[s] = static_cast<double>(count) / per_count;
  }
  return true;
}

}  // namespace

PartitionLayout partition_layout(const mc_model_info& info) {
  PartitionLayout l;
  l.dt = info.dt;
  for (int32_t p = 0; p < info.num_populations; ++p) l.population_replicated.push_back(info.populations[p].replicated != 0);
  for (int32_t g = 0; g < info.num_synapse_groups; ++g) l.group_replicated.push_back(info.synapse_groups[g].replicated != 0);
  auto named = [](const char* a, const char* b) { return a != nullptr && b != nullptr && std::string(a) == b; };
  for (int32_t k = 0; k < info.num_monitors; ++k) {
    const mc_monitor_info& mi = info.monitors[k];
    PartitionLayout::Monitor m;
    m.kind = static_cast<mc_monitor_kind>(mi.kind);
    m.slice_size = mi.slice_size;
    for (int32_t p = 0; p < info.num_populations; ++p)
      if (named(info.populations[p].name, mi.population)) m.replicated = info.populations[p].replicated != 0;
    for (int32_t g = 0; g < info.num_synapse_groups; ++g)
      if (named(info.synapse_groups[g].name, mi.population)) {
        m.replicated = info.synapse_groups[g].replicated != 0;
        if (mi.kind == MC_MON_STATE && mi.num_indices < 0) m.all_synapses = g;
      }
    l.monitors.push_back(m);
  }
  return l;
}

bool merge_rank_results(const PartitionLayout& layout, std::vector<RankResults>& ranks, RunResults& out,
                        std::string& error) {
  if (ranks.empty()) {
    error = "no rank's results to merge";
    return false;
  }
  for (size_t r = 0; r < ranks.size(); ++r) {
    const RunResults& x = ranks[r].results;
    if (ranks[r].rank != static_cast<int>(r)) {
      error = "the results of rank " + std::to_string(ranks[r].rank) + " arrived in place of rank " + std::to_string(r) + "'s";
      return false;
    }
    if (x.populations.size() != layout.population_replicated.size() ||
        x.synapse_groups.size() != layout.group_replicated.size() || x.monitors.size() != layout.monitors.size() ||
        x.model_name != ranks[0].results.model_name) {
      error = at("the results are of another model than rank 0's", static_cast<int>(r));
      return false;
    }
    if (x.steps != ranks[0].results.steps) {
      error = at("the run ended at step " + std::to_string(x.steps) + ", rank 0's at step " +
                     std::to_string(ranks[0].results.steps),
                 static_cast<int>(r));
      return false;
    }
    for (size_t k = 0; k < x.monitors.size(); ++k)
      if (x.monitors[k].kind != layout.monitors[k].kind) {
        error = at("monitor " + x.monitors[k].name + " is of another kind than the model says", static_cast<int>(r));
        return false;
      }
  }
  RunResults m;
  const RunResults& first = ranks[0].results;
  m.model_name = first.model_name;
  m.backend = first.backend;
  m.dt = first.dt;
  m.steps = first.steps;
  m.seed = first.seed;
  m.precision = first.precision;
  m.kernel_launches = first.kernel_launches;
  m.phases = first.phases;  // rank 0's own split of its simulate time
  // The job takes as long as its slowest rank.
  for (const auto& r : ranks) {
    m.construct_seconds = std::max(m.construct_seconds, r.results.construct_seconds);
    m.simulate_seconds = std::max(m.simulate_seconds, r.results.simulate_seconds);
  }
  m.realtime_factor = m.simulate_seconds > 0.0 ? m.duration() / m.simulate_seconds : 0.0;

  for (size_t p = 0; p < first.populations.size(); ++p) {
    PopulationResult pop = first.populations[p];
    if (!layout.population_replicated[p])
      for (size_t r = 1; r < ranks.size(); ++r) pop.spikes += ranks[r].results.populations[p].spikes;
    // Simulation::collect's arithmetic, so the one-process value exactly.
    double neuron_seconds = static_cast<double>(pop.size) * m.duration();
    pop.mean_rate_hz = neuron_seconds > 0.0 ? pop.spikes / neuron_seconds : 0.0;
    m.populations.push_back(std::move(pop));
  }
  for (size_t g = 0; g < first.synapse_groups.size(); ++g) {
    SynapseGroupResult group = first.synapse_groups[g];
    if (!layout.group_replicated[g])
      for (size_t r = 1; r < ranks.size(); ++r) group.synapses += ranks[r].results.synapse_groups[g].synapses;
    m.synapse_groups.push_back(std::move(group));
  }
  for (size_t k = 0; k < layout.monitors.size(); ++k) {
    const PartitionLayout::Monitor& lm = layout.monitors[k];
    MonitorResult& mon = m.monitors.emplace_back();
    bool ok = true;
    if (lm.replicated && lm.kind != MC_MON_STATE) {
      mon = std::move(ranks[0].results.monitors[k]);
    } else if (lm.kind == MC_MON_SPIKES) {
      ok = merge_spikes(ranks, k, mon, error);
    } else if (lm.kind == MC_MON_RATE) {
      ok = merge_rates(ranks, k, lm.slice_size, layout.dt, mon, error);
    } else if (lm.all_synapses >= 0 && !lm.replicated) {
      ok = merge_all_synapses(ranks, k, lm.all_synapses, mon, error);
    } else if (lm.all_synapses >= 0) {
      mon = std::move(ranks[0].results.monitors[k]);
    } else {
      ok = merge_state_columns(ranks, k, mon, error);
    }
    if (!ok) return false;
  }
  out = std::move(m);
  return true;
}

}  // namespace modelc::runtime::distributed
