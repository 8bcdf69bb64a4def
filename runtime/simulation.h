// The host-side driver every backend shares: creates and initialises a model instance through the
// C ABI, runs it in chunks with progress reports, collects monitors and counts, and writes the
// results directory (npy arrays + manifest.json) and the summary table the CLI prints.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/module_loader.h"

namespace modelc::runtime {

// Called after every chunk of steps: model time reached, model time at the end of this run
// (both seconds), realtime factor so far (simulated / wall seconds) and the estimated wall seconds
// left.
using ProgressCallback =
    std::function<void(double simulated_s, double total_s, double realtime_factor, double eta_s)>;

struct PopulationResult {
  std::string name;
  int64_t size = 0;
  int64_t spikes = 0;
  double mean_rate_hz = 0.0;  // spikes / size / simulated seconds
};

struct SynapseGroupResult {
  std::string name, source, target;
  int64_t synapses = 0;
};

// One monitor's recordings; which members are filled depends on `kind`.
struct MonitorResult {
  std::string name;
  std::string population;
  mc_monitor_kind kind = MC_MON_SPIKES;
  // All kinds: the step of each event (spikes), sample (state) or entry (rate), and step * dt.
  std::vector<int64_t> steps;
  std::vector<double> times;
  // Spikes: neuron index (relative to the monitored slice) of each event.
  std::vector<int32_t> spike_indices;
  // State: recorded neurons, variables, and per variable the values [samples * indices],
  // sample-major. IR v2, spikes with variables: `variables`/`units`, and per variable one value
  // per event (`values[k][event]`).
  std::vector<int64_t> indices;
  std::vector<std::string> variables;
  std::vector<std::string> units;
  std::vector<std::vector<double>> values;
  // Rate: population rate in Hz for each recorded step.
  std::vector<double> rates;
};

struct RunResults {
  std::string model_name;
  std::string backend;
  double dt = 0.0;
  int64_t steps = 0;  // steps simulated (the module's current step)
  uint64_t seed = 0;
  std::string precision;  // "double" or "float"
  std::vector<PopulationResult> populations;
  std::vector<SynapseGroupResult> synapse_groups;
  std::vector<MonitorResult> monitors;
  double construct_seconds = 0.0;
  double simulate_seconds = 0.0;
  double realtime_factor = 0.0;  // steps * dt / simulate_seconds
  // Kernel launches made while running (mc_launch_count); -1 when the module does not report them.
  int64_t kernel_launches = -1;
  // Where the simulate time went, per phase of the module's own timers (mc_read_phases: neurons,
  // propagation, delays, synapses, monitors, exchange), in the module's order; empty when the
  // module has no timers.
  std::vector<std::pair<std::string, double>> phases;
  double launches_per_step() const {
    return kernel_launches >= 0 && steps > 0 ? static_cast<double>(kernel_launches) / static_cast<double>(steps) : 0.0;
  }

  double duration() const { return static_cast<double>(steps) * dt; }
};

// What the compiler side knows and the module does not. Empty strings fall back to RunResults.
struct ManifestExtras {
  std::string model_name;
  std::string backend;
  std::string modelc_version;
  std::string precision;
  // parse, passes, codegen, compile, ...: seconds. construct and simulate are taken from
  // RunResults when absent here.
  std::map<std::string, double> timings;
  bool compile_cached = false;
  std::vector<std::pair<std::string, std::string>> decisions;  // (what, why)
  nlohmann::json extra = nlohmann::json::object();  // merged into the manifest's top level
};

class Simulation {
 public:
  // `module` must stay loaded for the lifetime of this object.
  Simulation(const LoadedModule& module, const mc_options& options);
  ~Simulation();  // mc_destroy
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // Options with the compiled seed and backend defaults.
  static mc_options default_options(const LoadedModule& module);

  // mc_create + mc_init (network construction), timed as construct_seconds().
  bool init(std::string& error);
  // Advances `steps` steps. With a callback, runs in chunks sized to take about 0.25 s of wall
  // time each and reports after each; without one, runs in a single mc_run call.
  bool run(int64_t steps, const ProgressCallback& progress, std::string& error);
  // Reads every monitor, the spike counts per population and the synapse counts.
  bool collect(RunResults& results, std::string& error);
  // Reads monitor `index` (of mc_model_info::monitors) alone.
  bool collect_monitor(int32_t index, MonitorResult& out, std::string& error);

  mc_module* handle() { return module_; }
  const LoadedModule& module() const { return loaded_; }
  const mc_model_info& info() const { return *loaded_.info(); }
  const mc_options& options() const { return options_; }
  int64_t current_step() const;
  double construct_seconds() const { return construct_seconds_; }
  double simulate_seconds() const { return simulate_seconds_; }

 private:
  std::string module_error(const char* what) const;
  bool run_chunk(int64_t steps, std::string& error);

  const LoadedModule& loaded_;
  mc_options options_;
  mc_module* module_ = nullptr;
  double construct_seconds_ = 0.0;
  double simulate_seconds_ = 0.0;
};

// Writes `dir` atomically (see ResultsWriter): per spike monitor <name>_i.npy (int32) and
// <name>_t.npy (float64 seconds), IR v2: and <name>_<var>.npy (float64, one per event) for each
// recorded variable; per state monitor <name>_t.npy, <name>_indices.npy (int64) and
// <name>_<var>.npy (float64 [samples, indices]); per rate monitor <name>_t.npy and <name>_rate.npy
// (Hz); and manifest.json. Whatever was at `dir` and was not written by modelc is moved aside, never
// deleted (ResultsWriter); `moved_aside` then receives where it went.
bool write_results(const std::filesystem::path& dir, const RunResults& results,
                   const ManifestExtras& extras, std::string& error,
                   std::filesystem::path* moved_aside = nullptr, bool interruptible = true);

// The manifest write_results() writes, without the "arrays" index.
nlohmann::json make_manifest(const RunResults& results, const ManifestExtras& extras);

// The human summary the CLI prints after a run (populations, synapse groups, timings).
std::string format_summary(const RunResults& results, const ManifestExtras& extras);

// A single self-updating progress line on stderr, shown only when stderr is a terminal so logs
// and pipes stay clean.
class ProgressLine {
 public:
  ProgressLine();  // enabled iff stderr is a TTY
  explicit ProgressLine(bool enabled) : enabled_(enabled) {}
  ~ProgressLine() { finish(); }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  void update(double simulated_s, double total_s, double realtime_factor, double eta_s);
  void finish();  // clears the line if one is shown
  ProgressCallback callback();  // forwards to update(); valid while this object lives
  bool enabled() const { return enabled_; }

  // "[  42%] t = 0.420 s / 1.000 s   realtime x3.1   ETA 0.2 s"
  static std::string format(double simulated_s, double total_s, double realtime_factor,
                            double eta_s);

 private:
  bool enabled_ = false;
  bool shown_ = false;
};

}  // namespace modelc::runtime
