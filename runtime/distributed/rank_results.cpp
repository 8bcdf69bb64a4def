#include "runtime/distributed/rank_results.h"

#include "runtime/distributed/byte_codec.h"

namespace modelc::runtime::distributed {

namespace {

// Bumped with any change of the layout below; ranks of one job run the same build, so a mismatch
// means a corrupt message.
constexpr uint32_t kMagic = 0x6d635231;  // "mcR1"

void put_strings(ByteWriter& w, const std::vector<std::string>& v) {
  w.put<uint64_t>(v.size());
  for (const auto& s : v) w.put_string(s);
}

bool get_strings(ByteReader& r, std::vector<std::string>& v) {
  uint64_t n = 0;
  if (!r.get(n)) return false;
  v.clear();
  for (uint64_t k = 0; k < n; ++k)
    if (!r.get_string(v.emplace_back())) return false;
  return true;
}

void put_monitor(ByteWriter& w, const MonitorResult& m) {
  w.put_string(m.name);
  w.put_string(m.population);
  w.put<int32_t>(m.kind);
  w.put_array(m.steps);
  w.put_array(m.times);
  w.put_array(m.spike_indices);
  w.put_array(m.indices);
  put_strings(w, m.variables);
  put_strings(w, m.units);
  w.put<uint64_t>(m.values.size());
  for (const auto& v : m.values) w.put_array(v);
  w.put_array(m.rates);
}

bool get_monitor(ByteReader& r, MonitorResult& m) {
  int32_t kind = 0;
  uint64_t nv = 0;
  if (!r.get_string(m.name) || !r.get_string(m.population) || !r.get(kind) || !r.get_array(m.steps) ||
      !r.get_array(m.times) || !r.get_array(m.spike_indices) || !r.get_array(m.indices) || !get_strings(r, m.variables) ||
      !get_strings(r, m.units) || !r.get(nv))
    return false;
  m.kind = static_cast<mc_monitor_kind>(kind);
  m.values.clear();
  for (uint64_t k = 0; k < nv; ++k)
    if (!r.get_array(m.values.emplace_back())) return false;
  return r.get_array(m.rates);
}

}  // namespace

bool collect_rank_results(Simulation& sim, int rank, RankResults& out, std::string& error) {
  RankResults rr;
  rr.rank = rank;
  if (!sim.collect(rr.results, error)) return false;
  const mc_model_info& info = sim.info();
  const ModuleFunctions& fn = sim.module().fn();
  auto failed = [&](const std::string& what) {
    const char* text = fn.last_error(sim.handle());
    error = what + " failed" + (text != nullptr && *text != '\0' ? ": " + std::string(text) : std::string());
    return false;
  };
  for (int32_t p = 0; p < info.num_populations; ++p) {
    int64_t b = 0, e = info.populations[p].size;
    if (fn.local_neurons && fn.local_neurons(sim.handle(), p, &b, &e) != 0)
      return failed(std::string("reading the local neurons of ") + info.populations[p].name);
    rr.neuron_ranges.emplace_back(b, e);
  }
  rr.synapse_ids.resize(static_cast<size_t>(info.num_synapse_groups));
  for (int32_t k = 0; k < info.num_monitors; ++k) {
    const mc_monitor_info& mon = info.monitors[k];
    std::vector<uint8_t>& held = rr.held.emplace_back();
    if (mon.kind != MC_MON_STATE) continue;
    const MonitorResult& recorded = rr.results.monitors[k];
    held.assign(recorded.indices.size(), 1);
    if (fn.monitor_held && !held.empty() && fn.monitor_held(sim.handle(), k, held.data()) != 0)
      return failed(std::string("reading which columns of monitor ") + mon.name + " this rank computes");
    if (mon.num_indices >= 0) continue;
    for (int32_t g = 0; g < info.num_synapse_groups; ++g) {
      if (mon.population == nullptr || info.synapse_groups[g].name == nullptr ||
          std::string(mon.population) != info.synapse_groups[g].name || !rr.synapse_ids[g].empty())
        continue;
      std::vector<int64_t>& ids = rr.synapse_ids[g];
      ids.resize(static_cast<size_t>(fn.synapse_count(sim.handle(), g)));
      if (!fn.read_synapse_ids) {
        for (size_t s = 0; s < ids.size(); ++s) ids[s] = static_cast<int64_t>(s);
      } else if (!ids.empty() && fn.read_synapse_ids(sim.handle(), g, ids.data()) != 0) {
        return failed(std::string("reading the synapse indices of ") + info.synapse_groups[g].name);
      }
    }
  }
  out = std::move(rr);
  return true;
}

std::string encode_rank_results(const RankResults& rr) {
  ByteWriter w;
  w.put<uint32_t>(kMagic);
  w.put<int32_t>(rr.rank);
  const RunResults& r = rr.results;
  w.put_string(r.model_name);
  w.put_string(r.backend);
  w.put(r.dt);
  w.put(r.steps);
  w.put(r.seed);
  w.put_string(r.precision);
  w.put<uint64_t>(r.populations.size());
  for (const auto& p : r.populations) {
    w.put_string(p.name);
    w.put(p.size);
    w.put(p.spikes);
    w.put(p.mean_rate_hz);
  }
  w.put<uint64_t>(r.synapse_groups.size());
  for (const auto& g : r.synapse_groups) {
    w.put_string(g.name);
    w.put_string(g.source);
    w.put_string(g.target);
    w.put(g.synapses);
  }
  w.put<uint64_t>(r.monitors.size());
  for (const auto& m : r.monitors) put_monitor(w, m);
  w.put(r.construct_seconds);
  w.put(r.simulate_seconds);
  w.put(r.realtime_factor);
  w.put(r.kernel_launches);
  w.put<uint64_t>(r.phases.size());
  for (const auto& [name, seconds] : r.phases) {
    w.put_string(name);
    w.put(seconds);
  }
  w.put<uint64_t>(rr.neuron_ranges.size());
  for (const auto& [b, e] : rr.neuron_ranges) {
    w.put(b);
    w.put(e);
  }
  w.put<uint64_t>(rr.synapse_ids.size());
  for (const auto& ids : rr.synapse_ids) w.put_array(ids);
  w.put<uint64_t>(rr.held.size());
  for (const auto& h : rr.held) w.put_array(h);
  w.put(rr.exchange.windows);
  w.put(rr.exchange.bytes_sent);
  w.put(rr.exchange.bytes_received);
  w.put(rr.exchange.seconds);
  w.put_string(rr.notes);
  return w.take();
}

bool decode_rank_results(const std::string& bytes, RankResults& out, std::string& error) {
  ByteReader rd(bytes);
  RankResults rr;
  RunResults& r = rr.results;
  uint32_t magic = 0;
  uint64_t n = 0;
  auto bad = [&] {
    error = "the results of a rank arrived corrupted (" + std::to_string(bytes.size()) + " bytes)";
    return false;
  };
  if (!rd.get(magic) || magic != kMagic || !rd.get(rr.rank) || !rd.get_string(r.model_name) || !rd.get_string(r.backend) ||
      !rd.get(r.dt) || !rd.get(r.steps) || !rd.get(r.seed) || !rd.get_string(r.precision) || !rd.get(n))
    return bad();
  for (uint64_t k = 0; k < n; ++k) {
    PopulationResult& p = r.populations.emplace_back();
    if (!rd.get_string(p.name) || !rd.get(p.size) || !rd.get(p.spikes) || !rd.get(p.mean_rate_hz)) return bad();
  }
  if (!rd.get(n)) return bad();
  for (uint64_t k = 0; k < n; ++k) {
    SynapseGroupResult& g = r.synapse_groups.emplace_back();
    if (!rd.get_string(g.name) || !rd.get_string(g.source) || !rd.get_string(g.target) || !rd.get(g.synapses)) return bad();
  }
  if (!rd.get(n)) return bad();
  for (uint64_t k = 0; k < n; ++k)
    if (!get_monitor(rd, r.monitors.emplace_back())) return bad();
  if (!rd.get(r.construct_seconds) || !rd.get(r.simulate_seconds) || !rd.get(r.realtime_factor) ||
      !rd.get(r.kernel_launches) || !rd.get(n))
    return bad();
  for (uint64_t k = 0; k < n; ++k) {
    auto& phase = r.phases.emplace_back();
    if (!rd.get_string(phase.first) || !rd.get(phase.second)) return bad();
  }
  if (!rd.get(n)) return bad();
  for (uint64_t k = 0; k < n; ++k) {
    auto& range = rr.neuron_ranges.emplace_back();
    if (!rd.get(range.first) || !rd.get(range.second)) return bad();
  }
  if (!rd.get(n)) return bad();
  for (uint64_t k = 0; k < n; ++k)
    if (!rd.get_array(rr.synapse_ids.emplace_back())) return bad();
  if (!rd.get(n)) return bad();
  for (uint64_t k = 0; k < n; ++k)
    if (!rd.get_array(rr.held.emplace_back())) return bad();
  if (!rd.get(rr.exchange.windows) || !rd.get(rr.exchange.bytes_sent) || !rd.get(rr.exchange.bytes_received) ||
      !rd.get(rr.exchange.seconds) || !rd.get_string(rr.notes) || !rd.at_end())
    return bad();
  out = std::move(rr);
  return true;
}

}  // namespace modelc::runtime::distributed
