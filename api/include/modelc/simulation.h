// One running instance of a compiled model: run steps or a duration in chunks with progress and
// cancellation, read and write state variables through typed views, read monitors, write results.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "modelc/module.h"
#include "modelc/result.h"

namespace modelc::api {

// A typed array: `size` elements of `type` at `data`, laid out C-contiguous with `shape` (its
// product is `size`). For state variables the memory is the Simulation's host copy of the module's
// buffer (the ABI copies state in and out, mc_read_var / mc_write_var): it stays valid, and is
// refreshed in place, until the Simulation is destroyed.
struct ArrayView {
  void* data = nullptr;
  ElementType type = ElementType::Double;
  int64_t size = 0;
  std::vector<int64_t> shape;
  std::string unit;

  // The elements as T; an empty span when T is not the element type.
  template <typename T>
  std::span<T> as() const {
    if (!matches<T>()) return {};
    return {static_cast<T*>(data), static_cast<size_t>(size)};
  }
  template <typename T>
  bool matches() const {
    using U = std::remove_const_t<T>;
    switch (type) {
      case ElementType::Bool: return std::is_same_v<U, bool> || std::is_same_v<U, uint8_t>;
      case ElementType::Int32: return std::is_same_v<U, int32_t>;
      case ElementType::Int64: return std::is_same_v<U, int64_t>;
      case ElementType::Float: return std::is_same_v<U, float>;
      case ElementType::Double: return std::is_same_v<U, double>;
    }
    return false;
  }
};

// What a monitor recorded, owned by the value (moved out of the Simulation, not copied).
struct MonitorData {
  MonitorInfo info;
  std::vector<int64_t> steps;  // per event (spikes), sample (state) or recorded step (rate)
  std::vector<double> t;       // steps * dt, seconds
  std::vector<int32_t> i;      // spikes: neuron index relative to the monitored slice
  // State: the recorded columns (neurons or synapses); values[k] is variable k as
  // [samples, indices.size()] row-major. Spikes with variables (IR v2): values[k][event].
  std::vector<int64_t> indices;
  std::vector<std::vector<double>> values;
  std::vector<double> rate;    // rate monitors: Hz per step

  // values[k] as an ArrayView with its shape and unit.
  ArrayView variable(size_t k);
};

struct Results {
  int64_t steps = 0;
  double dt = 0.0;
  uint64_t seed = 0;
  std::vector<PopulationInfo> populations;
  std::vector<int64_t> spikes;            // per population
  std::vector<int64_t> synapses;          // per synapse group
  std::vector<MonitorData> monitors;
  double construct_seconds = 0.0, simulate_seconds = 0.0, realtime_factor = 0.0;
  MonitorData* monitor(const std::string& name);  // null when there is none of that name
};

struct Progress {
  int64_t step = 0, last_step = 0;        // reached and to reach, as absolute steps
  double simulated_s = 0.0, total_s = 0.0;
  double realtime_factor = 0.0, eta_s = 0.0;
};
// Called after every chunk; returning false cancels the run there (ErrorCode::Cancelled, the
// simulation stays usable and at the step reached).
using ProgressCallback = std::function<bool(const Progress&)>;

class Simulation {
 public:
  Simulation(Simulation&&) noexcept;
  Simulation& operator=(Simulation&&) noexcept;
  ~Simulation();

  const ModuleInfo& info() const;
  int64_t current_step() const;
  double time() const;  // current_step * dt, seconds

  // Advances `steps` steps in chunks of about a quarter of a second of wall time, reporting after
  // each. Fails with Cancelled when `progress` returns false or cancel() was called (at the step
  // reached), with Interrupted on a signal under an InterruptGuard.
  Status run(int64_t steps, const ProgressCallback& progress = {});
  Status run_for(double seconds, const ProgressCallback& progress = {});
  Status run_for(const std::string& duration, const ProgressCallback& progress = {});  // "1 s"
  Status run_to_end(const ProgressCallback& progress = {});  // the model's duration, from step 0
  // Thread-safe: stops the run in progress at the next chunk boundary.
  void cancel();

  // State variables by owner (population or synapse group) and name. read_state copies the
  // module's buffer into this simulation's host copy and returns a view of it; write the view's
  // memory (or other memory of the same type and size) back with write_state.
  Result<VariableInfo> variable(const std::string& owner, const std::string& name) const;
  Result<ArrayView> read_state(const std::string& owner, const std::string& name);
  Status write_state(const std::string& owner, const std::string& name);  // the host copy
  Status write_state(const std::string& owner, const std::string& name, const void* data,
                     ElementType type, int64_t size);
  template <typename T>
  Status write_state(const std::string& owner, const std::string& name, std::span<const T> values);
  Status fill_state(const std::string& owner, const std::string& name, double value);

  // Synapses of a group: presynaptic and postsynaptic index (relative to source/target slices).
  struct Connectivity {
    std::vector<int32_t> pre, post;
  };
  Result<Connectivity> connectivity(const std::string& synapse_group);
  Result<int64_t> spike_count(const std::string& population) const;

  // Everything recorded so far (every monitor, spike and synapse counts).
  Result<Results> results();
  Result<MonitorData> monitor(const std::string& name);
  // Writes a results directory (npy arrays + manifest.json, atomically; docs/results.md). A path
  // modelc did not write is refused unless `force` (then moved aside, never deleted).
  Status write_results(const std::filesystem::path& dir, bool force = false);
  // The table `modelc run` prints.
  Result<std::string> summary();

  struct Impl;
  explicit Simulation(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

template <typename T>
constexpr ElementType element_type_of() {
  using U = std::remove_const_t<T>;
  if constexpr (std::is_same_v<U, bool> || std::is_same_v<U, uint8_t>) return ElementType::Bool;
  else if constexpr (std::is_same_v<U, int32_t>) return ElementType::Int32;
  else if constexpr (std::is_same_v<U, int64_t>) return ElementType::Int64;
  else if constexpr (std::is_same_v<U, float>) return ElementType::Float;
  else {
    static_assert(std::is_same_v<U, double>, "state variables are bool, int32, int64, float or double");
    return ElementType::Double;
  }
}

template <typename T>
Status Simulation::write_state(const std::string& owner, const std::string& name,
                               std::span<const T> values) {
  return write_state(owner, name, values.data(), element_type_of<T>(), static_cast<int64_t>(values.size()));
}

}  // namespace modelc::api
