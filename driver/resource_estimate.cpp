#include "driver/resource_estimate.h"

#include <sys/sysinfo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace modelc::driver {

namespace {

double type_bytes(kir::Type t) {
  switch (t) {
    case kir::Type::Bool: return 1;
    case kir::Type::Int32: return 4;
    case kir::Type::Int64: return 8;
    case kir::Type::Float: return 4;
    case kir::Type::Double: return 8;
  }
  return 8;
}

// The probability of a connect rule when it is a plain literal (constant folding has run), else
// nullopt: p = exp(-d(i,j)) or a condition cannot be sized without running it.
std::optional<double> constant_probability(const kir::ConnectRule& r) {
  if (r.condition) {
    std::optional<double> c = kir::constant_number(r.condition);
    if (!c) return std::nullopt;
    if (*c == 0.0) return 0.0;
  }
  if (!r.p) return 1.0;
  std::optional<double> pv = kir::constant_number(r.p);
  if (!pv) return std::nullopt;
  double p = *pv;
  if (!std::isfinite(p)) return 1.0;
  return std::clamp(p, 0.0, 1.0);
}

std::optional<double> read_number_file(const char* path) {
  std::ifstream in(path);
  std::string word;
  if (!(in >> word) || word == "max") return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(word.c_str(), &end);
  if (end == word.c_str() || !std::isfinite(v) || v <= 0) return std::nullopt;
  return v;
}

}  // namespace

MemoryEstimate estimate_memory(const kir::Program& p, std::optional<int64_t> run_steps) {
  MemoryEstimate e;
  const double steps = static_cast<double>(std::max<int64_t>(run_steps.value_or(p.steps), 0));
  std::vector<double> synapses_of(p.synapse_groups.size(), 0.0);
  for (size_t g = 0; g < p.synapse_groups.size(); ++g) {
    const kir::SynapseGroup& sg = p.synapse_groups[g];
    const double pre = static_cast<double>(sg.source_size), post = static_cast<double>(sg.target_size);
    double n = 0;
    switch (sg.connect.kind) {
      case kir::ConnectRule::Kind::OneToOne: n = std::min(pre, post); break;
      case kir::ConnectRule::Kind::AllToAll: n = pre * post; break;
      case kir::ConnectRule::Kind::Explicit: n = static_cast<double>(sg.connect.explicit_i.size()); break;
      case kir::ConnectRule::Kind::Probability:
        if (auto prob = constant_probability(sg.connect)) n = *prob * pre * post;
        else e.unknowns.push_back("synapses " + sg.name + " (connection probability depends on i/j)");
        break;
      case kir::ConnectRule::Kind::Generator:
        e.unknowns.push_back("synapses " + sg.name + " (generator syntax: the count is known only once connected)");
        break;
    }
    synapses_of[g] = n;
    e.expected_synapses += n;
    // The chosen storage (kir::Connectivity, docs/passes.md "Connectivity strategy"): int64 row
    // pointers, plus per synapse the post index (2 or 4 bytes) and the int32 pre index if kept;
    // dense one byte and bitmask one bit per pair; procedural only a row buffer of post indices.
    const kir::Connectivity& cn = sg.connectivity;
    switch (cn.storage) {
      case kir::Connectivity::Storage::Sparse:
        e.synapse_bytes += (pre + 1) * 8 + n * (cn.index_bits / 8.0 + (cn.keep_pre ? 4.0 : 0.0));
        break;
      case kir::Connectivity::Storage::Dense: e.synapse_bytes += (pre + 1) * 8 + pre * post; break;
      case kir::Connectivity::Storage::Bitmask: e.synapse_bytes += (pre + 1) * 8 + pre * std::ceil(post / 64.0) * 8; break;
      case kir::Connectivity::Storage::Procedural:
        if (sg.connect.kind == kir::ConnectRule::Kind::Probability) e.synapse_bytes += post * 4;
        break;
    }
  }
  for (const kir::Buffer& b : p.buffers) {
    if (b.role == kir::BufferRole::DelayRing) {
      // Dendritic delay ring: depth x target slice, depth = 1 + the largest delay (set at init;
      // choose-delay-buffering bounds it at compile time when it can).
      int64_t max_delay = -1;
      for (const kir::SynapseGroup& sg : p.synapse_groups)
        for (const auto& pw : sg.pathways)
          if (pw.ring_buffer == b.name) max_delay = pw.max_delay_steps_estimate;
      if (max_delay >= 0) e.spike_bytes += static_cast<double>(max_delay + 1) * static_cast<double>(b.size) * type_bytes(b.type);
      else e.unknowns.push_back("delay ring " + b.name + " (its depth, 1 + the largest delay, is known only at init)");
      continue;
    }
    if (b.role == kir::BufferRole::SynapseState && b.size == 0) {
      for (size_t g = 0; g < p.synapse_groups.size(); ++g)
        if (p.synapse_groups[g].name == b.owner) e.synapse_bytes += synapses_of[g] * type_bytes(b.type);
    } else {
      e.neuron_bytes += static_cast<double>(b.size) * type_bytes(b.type);
    }
  }
  for (const kir::Population& pop : p.populations)
    e.spike_bytes += static_cast<double>(std::max<int64_t>(pop.history, 1)) * (pop.size * 4.0 + 8.0);
  for (const kir::Monitor& m : p.monitors) {
    // Recordings live in the module and again in the host's RunResults while they are written.
    switch (m.kind) {
      case kir::Monitor::Kind::State: {
        double samples = std::floor(steps / static_cast<double>(std::max<int64_t>(m.every, 1))) + 1;
        double columns = static_cast<double>(m.indices.size());
        e.monitor_bytes += 2 * samples * (8 + 8 + columns * 8.0 * static_cast<double>(m.buffers.size()));
        break;
      }
      case kir::Monitor::Kind::Rate: e.monitor_bytes += 2 * steps * 16; break;
      case kir::Monitor::Kind::Spikes:
        e.unknowns.push_back("spike monitor " + m.name + " (grows with the number of spikes)");
        break;
    }
  }
  return e;
}

std::optional<double> available_memory_bytes() {
  std::optional<double> avail;
  {
    std::ifstream in("/proc/meminfo");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("MemAvailable:", 0) != 0) continue;
      std::istringstream ss(line.substr(13));
      double kib = 0;
      if (ss >> kib) avail = kib * 1024.0;
    }
  }
  if (!avail) {
    struct sysinfo si {};
    if (::sysinfo(&si) == 0) avail = (static_cast<double>(si.freeram) + si.bufferram) * si.mem_unit;
  }
  // A container's limit is what the OOM killer enforces, whatever the host has free.
  std::optional<double> limit = read_number_file("/sys/fs/cgroup/memory.max");
  std::optional<double> usage = read_number_file("/sys/fs/cgroup/memory.current");
  if (!limit) {
    limit = read_number_file("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    usage = read_number_file("/sys/fs/cgroup/memory/memory.usage_in_bytes");
    if (limit && *limit > 1e18) limit.reset();  // v1 reports "unlimited" as a huge number
  }
  if (limit) {
    double room = *limit - usage.value_or(0.0);
    avail = avail ? std::min(*avail, room) : room;
  }
  return avail;
}

std::string format_bytes(double bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024.0 && u < 4) {
    bytes /= 1024.0;
    ++u;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, bytes < 10 ? "%.2g %s" : bytes < 1e6 ? "%.0f %s" : "%.3g %s", bytes, kUnits[u]);
  return buf;
}

std::string check_memory(const kir::Program& program, std::optional<double> available, std::optional<int64_t> steps) {
  if (const char* skip = std::getenv("MODELC_SKIP_MEMORY_CHECK"); skip && std::string(skip) == "1") return {};
  if (!available) return {};
  MemoryEstimate e = estimate_memory(program, steps);
  // Headroom for the process itself, the loaded module and the results being written.
  constexpr double kFraction = 0.9;
  if (e.total() <= *available * kFraction) return {};
  std::string msg = "the model needs about " + format_bytes(e.total()) + " of memory but only " +
                    format_bytes(*available) + " is available (neurons " + format_bytes(e.neuron_bytes) +
                    ", synapses " + format_bytes(e.synapse_bytes);
  if (e.expected_synapses > 0) {
    char n[32];
    std::snprintf(n, sizeof n, "%.3g", e.expected_synapses);
    msg += std::string(" for ~") + n + " synapses";
  }
  msg += ", spike buffers " + format_bytes(e.spike_bytes) + ", monitors " + format_bytes(e.monitor_bytes) + ")";
  if (!e.unknowns.empty()) {
    msg += "; not counted:";
    for (const auto& u : e.unknowns) msg += " " + u + ";";
    msg.pop_back();
  }
  return msg;
}

}  // namespace modelc::driver
