#include "runtime/simulation.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>

#include "support/results_naming.h"
#include "runtime/results_writer.h"
#include "support/interrupt.h"

namespace modelc::runtime {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Wall time each progress chunk aims for: often enough to look live, rare enough that the
// per-call overhead (a device sync on accelerators) stays negligible.
constexpr double kChunkTargetSeconds = 0.25;
constexpr int64_t kFirstChunkSteps = 10;
constexpr double kMaxChunkGrowth = 8.0;  // a noisy fast chunk must not cause a minute-long one

const char* str_or(const char* s, const char* fallback) { return s != nullptr ? s : fallback; }

std::string precision_name(int32_t scalar_type) {
  return scalar_type == MC_FLOAT ? "float" : "double";
}

}  // namespace

Simulation::Simulation(const LoadedModule& module, const mc_options& options)
    : loaded_(module), options_(options) {}

Simulation::~Simulation() {
  if (module_ != nullptr && loaded_.loaded()) loaded_.fn().destroy(module_);
}

mc_options Simulation::default_options(const LoadedModule& module) {
  mc_options options{};
  if (module.info() != nullptr) options.seed = module.info()->seed;
  // Construction and long chunks stop once the process got SIGINT/SIGTERM (support/interrupt.h);
  // without an InterruptGuard the flag is never raised.
  options.cancel = support::interrupt_flag();
  return options;
}

std::string Simulation::module_error(const char* what) const {
  const char* text = module_ != nullptr ? loaded_.fn().last_error(module_) : nullptr;
  std::string message = std::string(what) + " failed";
  if (text != nullptr && *text != '\0') message += ": " + std::string(text);
  return message;
}

int64_t Simulation::current_step() const {
  return module_ != nullptr ? loaded_.fn().current_step(module_) : 0;
}

bool Simulation::init(std::string& error) {
  if (!loaded_.loaded()) {
    error = "no model module loaded";
    return false;
  }
  if (module_ != nullptr) {
    error = "the simulation is already initialised";
    return false;
  }
  support::PhaseScope phase("building the network");
  auto start = Clock::now();
  char create_error[1024] = {0};
  module_ = loaded_.fn().create(&options_, create_error, sizeof create_error);
  if (module_ == nullptr) {
    create_error[sizeof create_error - 1] = '\0';
    error = "creating the model instance failed";
    if (create_error[0] != '\0') error += std::string(": ") + create_error;
    return false;
  }
  if (loaded_.fn().init(module_) != 0) {
    error = support::interrupt_requested() ? "network construction stopped by signal " +
                                                 std::to_string(support::interrupt_signal())
                                           : module_error("network construction (mc_init)");
    return false;
  }
  construct_seconds_ = seconds_since(start);
  return true;
}

bool Simulation::run_chunk(int64_t steps, std::string& error) {
  if (loaded_.fn().run(module_, steps) != 0) {
    error = module_error("simulation (mc_run)");
    return false;
  }
  return true;
}

bool Simulation::run(int64_t steps, const ProgressCallback& progress, std::string& error) {
  if (module_ == nullptr) {
    error = "the simulation is not initialised";
    return false;
  }
  if (steps < 0) {
    error = "cannot run a negative number of steps";
    return false;
  }
  if (steps == 0) return true;
  const double dt = info().dt;
  const int64_t first_step = current_step();
  const int64_t last_step = first_step + steps;
  auto start = Clock::now();

  if (!progress) {
    bool ok = run_chunk(steps, error);
    simulate_seconds_ += seconds_since(start);
    return ok;
  }

  int64_t done = 0;
  int64_t chunk = std::min(steps, kFirstChunkSteps);
  while (done < steps) {
    auto chunk_start = Clock::now();
    if (!run_chunk(chunk, error)) {
      simulate_seconds_ += seconds_since(start);
      return false;
    }
    done += chunk;
    double chunk_wall = seconds_since(chunk_start);
    double wall = seconds_since(start);
    double steps_per_second = wall > 0.0 ? done / wall : 0.0;
    double realtime = wall > 0.0 ? done * dt / wall : 0.0;
    double eta = steps_per_second > 0.0 ? (steps - done) / steps_per_second : 0.0;
    progress((first_step + done) * dt, last_step * dt, realtime, eta);

    // Size the next chunk from this chunk's speed to take about kChunkTargetSeconds.
    double wanted = chunk_wall > 0.0 ? chunk * (kChunkTargetSeconds / chunk_wall)
                                     : chunk * kMaxChunkGrowth;
    wanted = std::clamp(wanted, 1.0, chunk * kMaxChunkGrowth);
    chunk = std::min(steps - done, static_cast<int64_t>(wanted));
  }
  simulate_seconds_ += seconds_since(start);
  return true;
}

bool Simulation::collect_monitor(int32_t index, MonitorResult& out, std::string& error) {
  const ModuleFunctions& fn = loaded_.fn();
  const mc_monitor_info& mon = info().monitors[index];
  const double dt = info().dt;
  out.name = str_or(mon.name, "");
  out.population = str_or(mon.population, "");
  out.kind = static_cast<mc_monitor_kind>(mon.kind);

  int64_t length = fn.monitor_length(module_, index);
  if (length < 0) {
    error = module_error(("reading the length of monitor " + out.name).c_str());
    return false;
  }
  auto read = [&](int32_t field, void* dst, int64_t elements) {
    // Nothing to copy: skip the call so no null destination reaches the module.
    if (elements == 0) return true;
    if (fn.monitor_read(module_, index, field, dst) == 0) return true;
    std::string what = "reading monitor " + out.name + " field " + std::to_string(field);
    error = module_error(what.c_str());
    return false;
  };

  switch (mon.kind) {
    case MC_MON_SPIKES:
      out.spike_indices.resize(length);
      out.steps.resize(length);
      if (!read(0, out.spike_indices.data(), length) || !read(1, out.steps.data(), length))
        return false;
      // IR v2: variables recorded at each event, fields 2 + k (older modules report none).
      for (int32_t k = 0; k < mon.num_variables; ++k) {
        out.variables.push_back(str_or(mon.variables[k], ""));
        out.units.push_back(mon.units != nullptr ? str_or(mon.units[k], "1") : "1");
        std::vector<double>& values = out.values.emplace_back(length);
        if (!read(2 + k, values.data(), length)) return false;
      }
      break;
    case MC_MON_STATE: {
      out.indices.assign(mon.indices, mon.indices + std::max<int64_t>(mon.num_indices, 0));
      if (mon.num_indices < 0) {
        // IR v2: a state monitor of every synapse of the synapse group named in `population`.
        for (int32_t g = 0; g < info().num_synapse_groups; ++g)
          if (std::string(str_or(info().synapse_groups[g].name, "")) == out.population) {
            int64_t n = fn.synapse_count(module_, g);
            for (int64_t k = 0; k < n; ++k) out.indices.push_back(k);
          }
      }
      if (mon.num_indices > 0 && length > std::numeric_limits<int64_t>::max() / mon.num_indices) {
        error = "monitor " + out.name + " reports an impossible length";
        return false;
      }
      out.steps.resize(length);
      if (!read(0, out.steps.data(), length)) return false;
      for (int32_t k = 0; k < mon.num_variables; ++k) {
        out.variables.push_back(str_or(mon.variables[k], ""));
        out.units.push_back(mon.units != nullptr ? str_or(mon.units[k], "1") : "1");
        std::vector<double>& values = out.values.emplace_back(length * out.indices.size());
        if (!read(1 + k, values.data(), static_cast<int64_t>(values.size()))) return false;
      }
      break;
    }
    case MC_MON_RATE:
      out.rates.resize(length);
      if (!read(0, out.rates.data(), length)) return false;
      // The rate monitor records every step from step 0 on.
      out.steps.resize(length);
      for (int64_t k = 0; k < length; ++k) out.steps[k] = k;
      break;
    default:
      error = "monitor " + out.name + " has unknown kind " + std::to_string(mon.kind);
      return false;
  }
  out.times.resize(out.steps.size());
  for (size_t k = 0; k < out.steps.size(); ++k) out.times[k] = out.steps[k] * dt;
  return true;
}

bool Simulation::collect(RunResults& results, std::string& error) {
  if (module_ == nullptr) {
    error = "the simulation is not initialised";
    return false;
  }
  const mc_model_info& mi = info();
  const ModuleFunctions& fn = loaded_.fn();
  RunResults r;
  r.model_name = str_or(mi.model_name, "");
  r.backend = str_or(mi.backend, "");
  r.dt = mi.dt;
  r.steps = current_step();
  r.seed = options_.seed;
  r.precision = precision_name(mi.scalar_type);
  r.construct_seconds = construct_seconds_;
  r.simulate_seconds = simulate_seconds_;
  r.realtime_factor = simulate_seconds_ > 0.0 ? r.duration() / simulate_seconds_ : 0.0;
  if (fn.launch_count) r.kernel_launches = fn.launch_count(module_);
  if (fn.read_phases) {
    const int32_t n = fn.read_phases(module_, nullptr, nullptr, 0);
    std::vector<const char*> names(std::max<int32_t>(n, 0));
    std::vector<double> seconds(names.size());
    if (n > 0 && fn.read_phases(module_, names.data(), seconds.data(), n) == n)
      for (int32_t k = 0; k < n; ++k) r.phases.emplace_back(str_or(names[k], "?"), seconds[k]);
  }

  for (int32_t p = 0; p < mi.num_populations; ++p) {
    PopulationResult pop;
    pop.name = str_or(mi.populations[p].name, "");
    pop.size = mi.populations[p].size;
    pop.spikes = fn.spike_count(module_, p);
    if (pop.spikes < 0) {
      error = module_error(("reading the spike count of " + pop.name).c_str());
      return false;
    }
    double neuron_seconds = static_cast<double>(pop.size) * r.duration();
    pop.mean_rate_hz = neuron_seconds > 0.0 ? pop.spikes / neuron_seconds : 0.0;
    r.populations.push_back(std::move(pop));
  }
  for (int32_t s = 0; s < mi.num_synapse_groups; ++s) {
    SynapseGroupResult group;
    group.name = str_or(mi.synapse_groups[s].name, "");
    group.source = str_or(mi.synapse_groups[s].source, "");
    group.target = str_or(mi.synapse_groups[s].target, "");
    group.synapses = fn.synapse_count(module_, s);
    if (group.synapses < 0) {
      error = module_error(("reading the synapse count of " + group.name).c_str());
      return false;
    }
    r.synapse_groups.push_back(std::move(group));
  }
  for (int32_t m = 0; m < mi.num_monitors; ++m) {
    if (!collect_monitor(m, r.monitors.emplace_back(), error)) return false;
  }
  results = std::move(r);
  return true;
}

// --- results directory --------------------------------------------------------------------------

namespace {

nlohmann::json array_meta(const std::string& monitor, const std::string& field,
                          const std::string& unit, const std::string& description) {
  return {{"monitor", monitor}, {"field", field}, {"unit", unit}, {"description", description}};
}

// IR v2: `<monitor>_<variable>.npy`, one value per recorded event (spike monitors with variables).
bool write_event_variables(ResultsWriter& writer, const MonitorResult& mon, std::string& error) {
  for (size_t k = 0; k < mon.variables.size() && k < mon.values.size(); ++k) {
    const std::string& var = mon.variables[k];
    if (!writer.add_array(support::monitor_file(mon.name, var), npy_view(mon.values[k]),
                          array_meta(mon.name, var, k < mon.units.size() ? mon.units[k] : "1",
                                     var + " of " + mon.population + " at each event"),
                          error))
      return false;
  }
  return true;
}

bool write_monitor(ResultsWriter& writer, const MonitorResult& mon, std::string& error) {
  const std::string& n = mon.name;
  switch (mon.kind) {
    case MC_MON_SPIKES:
      return writer.add_array(support::monitor_file(n, "i"), npy_view(mon.spike_indices),
                              array_meta(n, "i", "1",
                                         "index of the spiking neuron in " + mon.population +
                                             " (relative to the monitored slice)"),
                              error) &&
             writer.add_array(support::monitor_file(n, "t"), npy_view(mon.times),
                              array_meta(n, "t", "second", "time of each spike"), error) &&
             write_event_variables(writer, mon, error);
    case MC_MON_STATE: {
      if (!writer.add_array(support::monitor_file(n, "t"), npy_view(mon.times),
                            array_meta(n, "t", "second", "time of each sample"), error) ||
          !writer.add_array(support::monitor_file(n, "indices"), npy_view(mon.indices),
                            array_meta(n, "indices", "1",
                                       "recorded neurons of " + mon.population +
                                           " (the columns of the variable arrays)"),
                            error))
        return false;
      const auto samples = static_cast<int64_t>(mon.times.size());
      const auto columns = static_cast<int64_t>(mon.indices.size());
      for (size_t k = 0; k < mon.variables.size(); ++k) {
        const std::string& var = mon.variables[k];
        if (!writer.add_array(support::monitor_file(n, var), npy_view_2d(mon.values[k], samples, columns),
                              array_meta(n, var, k < mon.units.size() ? mon.units[k] : "1",
                                         var + " of " + mon.population + " [sample, neuron]"),
                              error))
          return false;
      }
      return true;
    }
    case MC_MON_RATE:
      return writer.add_array(support::monitor_file(n, "t"), npy_view(mon.times),
                              array_meta(n, "t", "second", "time of each step"), error) &&
             writer.add_array(support::monitor_file(n, "rate"), npy_view(mon.rates),
                              array_meta(n, "rate", "Hz",
                                         "population rate of " + mon.population + " per step"),
                              error);
  }
  error = "monitor " + n + " has an unknown kind";
  return false;
}

std::map<std::string, double> all_timings(const RunResults& results, const ManifestExtras& extras) {
  std::map<std::string, double> timings = extras.timings;
  timings.try_emplace("construct", results.construct_seconds);
  timings.try_emplace("simulate", results.simulate_seconds);
  return timings;
}

}  // namespace

nlohmann::json make_manifest(const RunResults& results, const ManifestExtras& extras) {
  nlohmann::json m = nlohmann::json::object();
  m["model"] = extras.model_name.empty() ? results.model_name : extras.model_name;
  m["backend"] = extras.backend.empty() ? results.backend : extras.backend;
  m["versions"] = {{"modelc", extras.modelc_version}, {"abi", MC_ABI_VERSION}};
  m["dt"] = results.dt;
  m["duration"] = results.duration();
  m["steps"] = results.steps;
  m["seed"] = results.seed;
  m["precision"] = extras.precision.empty() ? results.precision : extras.precision;
  m["timings"] = all_timings(results, extras);
  m["compile_cached"] = extras.compile_cached;
  m["realtime_factor"] = results.realtime_factor;
  if (results.kernel_launches >= 0)
    m["kernel_launches"] = {{"total", results.kernel_launches}, {"per_step", results.launches_per_step()}};
  if (!results.phases.empty()) {
    nlohmann::json ph = nlohmann::json::object();
    for (const auto& [name, seconds] : results.phases) ph[name] = seconds;
    m["phases"] = std::move(ph);
  }
  nlohmann::json pops = nlohmann::json::array();
  for (const PopulationResult& p : results.populations)
    pops.push_back({{"name", p.name}, {"size", p.size}, {"spikes", p.spikes},
                    {"mean_rate_hz", p.mean_rate_hz}});
  m["populations"] = std::move(pops);
  nlohmann::json groups = nlohmann::json::array();
  for (const SynapseGroupResult& s : results.synapse_groups)
    groups.push_back({{"name", s.name}, {"source", s.source}, {"target", s.target},
                      {"synapses", s.synapses}});
  m["synapse_groups"] = std::move(groups);
  nlohmann::json decisions = nlohmann::json::array();
  for (const auto& [what, why] : extras.decisions)
    decisions.push_back({{"what", what}, {"why", why}});
  m["decisions"] = std::move(decisions);
  if (extras.extra.is_object()) {
    for (const auto& [key, value] : extras.extra.items())
      if (!m.contains(key)) m[key] = value;  // extras never override the measured facts
  }
  return m;
}

bool write_results(const std::filesystem::path& dir, const RunResults& results,
                   const ManifestExtras& extras, std::string& error, std::filesystem::path* moved_aside,
                   bool interruptible) {
  support::PhaseScope phase("writing results");
  ResultsWriter writer(dir);
  writer.set_interruptible(interruptible);
  for (const MonitorResult& mon : results.monitors) {
    if (!write_monitor(writer, mon, error)) return false;  // the writer cleans up on destruction
  }
  writer.set_manifest(make_manifest(results, extras));
  if (!writer.commit(error)) return false;
  if (moved_aside) *moved_aside = writer.moved_aside();
  return true;
}

// --- human output -------------------------------------------------------------------------------

namespace {

template <typename... Args>
std::string format_line(const char* format, Args... args) {
  char buffer[512];
  int n = std::snprintf(buffer, sizeof buffer, format, args...);
  if (n < 0) return {};
  return std::string(buffer, std::min<size_t>(static_cast<size_t>(n), sizeof buffer - 1));
}

// "x3.1" in the usual range, "x0.012" for slow runs, "x40700" (not an exponent) for fast ones.
std::string format_factor(double factor) {
  return factor < 10.0 ? format_line("x%.2g", factor) : format_line("x%.0f", factor);
}

}  // namespace

std::string format_summary(const RunResults& results, const ManifestExtras& extras) {
  const std::string model = extras.model_name.empty() ? results.model_name : extras.model_name;
  const std::string backend = extras.backend.empty() ? results.backend : extras.backend;
  const std::string precision = extras.precision.empty() ? results.precision : extras.precision;
  std::string out =
      format_line("%s: %.6g s simulated (%lld steps of %.6g s), backend %s, %s precision\n",
                  model.c_str(), results.duration(), static_cast<long long>(results.steps),
                  results.dt, backend.c_str(), precision.c_str());

  size_t name_width = 10;
  for (const auto& p : results.populations) name_width = std::max(name_width, p.name.size());
  for (const auto& s : results.synapse_groups) name_width = std::max(name_width, s.name.size());
  const int w = static_cast<int>(name_width);

  if (!results.populations.empty()) {
    out += format_line("\n  %-*s %12s %14s %14s\n", w, "population", "neurons", "spikes",
                       "mean rate");
    for (const auto& p : results.populations)
      out += format_line("  %-*s %12lld %14lld %11.3f Hz\n", w, p.name.c_str(),
                         static_cast<long long>(p.size), static_cast<long long>(p.spikes),
                         p.mean_rate_hz);
  }
  if (!results.synapse_groups.empty()) {
    out += format_line("\n  %-*s %12s   %s\n", w, "synapses", "count", "source -> target");
    for (const auto& s : results.synapse_groups)
      out += format_line("  %-*s %12lld   %s -> %s\n", w, s.name.c_str(),
                         static_cast<long long>(s.synapses), s.source.c_str(), s.target.c_str());
  }

  if (results.kernel_launches >= 0)
    out += format_line("\n  kernel launches per step %.6g (%lld in %lld steps)\n", results.launches_per_step(),
                       static_cast<long long>(results.kernel_launches), static_cast<long long>(results.steps));

  std::map<std::string, double> timings = all_timings(results, extras);
  static const char* const kOrder[] = {"parse", "passes", "codegen", "compile", "construct",
                                       "simulate"};
  out += "\n  timings\n";
  auto timing_line = [&](const std::string& name, double seconds) {
    std::string note;
    if (name == "compile") note = extras.compile_cached ? "  (cached)" : "  (not cached)";
    if (name == "simulate") note = "  (realtime " + format_factor(results.realtime_factor) + ")";
    out += format_line("    %-10s %10.3f s%s\n", name.c_str(), seconds, note.c_str());
  };
  for (const char* name : kOrder) {
    auto it = timings.find(name);
    if (it != timings.end()) timing_line(it->first, it->second);
  }
  for (const auto& timing : timings) {
    if (std::find_if(std::begin(kOrder), std::end(kOrder), [&](const char* known) {
          return timing.first == known;
        }) == std::end(kOrder))
      timing_line(timing.first, timing.second);
  }
  // The module's own split of simulate, as shares of the phases' sum (the rest of simulate is the
  // host's chunking and checks).
  double phase_sum = 0;
  for (const auto& ph : results.phases) phase_sum += ph.second;
  if (phase_sum > 0) {
    out += "    simulate by phase:";
    for (const auto& [name, seconds] : results.phases)
      if (seconds >= 0.005 * phase_sum) out += format_line(" %s %.0f%%", name.c_str(), 100.0 * seconds / phase_sum);
    out += "\n";
  }
  return out;
}

ProgressLine::ProgressLine() : enabled_(::isatty(STDERR_FILENO) != 0) {}

std::string ProgressLine::format(double simulated_s, double total_s, double realtime_factor,
                                 double eta_s) {
  double percent = total_s > 0.0 ? 100.0 * simulated_s / total_s : 100.0;
  percent = std::clamp(percent, 0.0, 100.0);
  return format_line("[%4.0f%%] t = %.3f s / %.3f s   realtime %s   ETA %.1f s", percent,
                     simulated_s, total_s, format_factor(realtime_factor).c_str(), eta_s);
}

void ProgressLine::update(double simulated_s, double total_s, double realtime_factor,
                          double eta_s) {
  if (!enabled_) return;
  // \r + erase-to-end-of-line keeps a shorter line from leaving the tail of a longer one behind.
  std::string line = "\r\033[K" + format(simulated_s, total_s, realtime_factor, eta_s);
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  shown_ = true;
}

void ProgressLine::finish() {
  if (!shown_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  shown_ = false;
}

ProgressCallback ProgressLine::callback() {
  return [this](double simulated_s, double total_s, double realtime_factor, double eta_s) {
    update(simulated_s, total_s, realtime_factor, eta_s);
  };
}

}  // namespace modelc::runtime
