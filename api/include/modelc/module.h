// A compiled, loaded model (Model::compile): what it holds (populations, synapse groups, state
// variables, monitors) and a factory of independent simulations.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "modelc/model.h"
#include "modelc/result.h"

namespace modelc::api {

class Simulation;

// The element types of state variables (the values of abi/modelc_abi.h's mc_type).
enum class ElementType { Bool = 0, Int32 = 1, Int64 = 2, Float = 3, Double = 4 };
const char* element_type_name(ElementType type);  // "bool", "int32", "int64", "float32", "float64"
size_t element_size(ElementType type);            // bytes

// One state variable of a population or synapse group.
struct VariableInfo {
  std::string owner;     // population or synapse group
  std::string name;      // model variable, e.g. "v"
  std::string unit;      // e.g. "volt", "1"
  ElementType type = ElementType::Double;
  bool per_synapse = false;  // one value per synapse (its size is known once the network is built)
  int64_t size = 0;          // elements; per_synapse: 0 (ask Simulation::variable)
};

enum class MonitorKind { Spikes = 0, State = 1, Rate = 2 };

struct MonitorInfo {
  std::string name;
  std::string population;  // or synapse group (state monitors of synapses)
  MonitorKind kind = MonitorKind::Spikes;
  std::vector<std::string> variables, units;
  std::vector<int64_t> indices;  // state monitors: the recorded neurons (empty: all / every synapse)
  int64_t every = 1;             // state monitors: record every `every` steps
};

struct ModuleInfo {
  std::string model_name, backend;
  double dt = 0.0;
  int64_t steps = 0;  // the model's duration in steps
  uint64_t seed = 0;
  std::string precision;
  std::vector<PopulationInfo> populations;
  std::vector<SynapseGroupInfo> synapse_groups;
  std::vector<VariableInfo> variables;
  std::vector<MonitorInfo> monitors;
};

struct SimulationOptions {
  std::optional<uint64_t> seed;  // unset: the model's
  int threads = 0;               // CPU: OpenMP threads (0: the compiled-in default)
  int device = 0;                // accelerator backends: device index
};

class Module {
 public:
  const ModuleInfo& info() const;
  const std::filesystem::path& path() const;  // the loaded shared object (in the build cache)
  const std::filesystem::path& copied_to() const;  // CompileOptions::out_dir: its copy there, else empty
  bool cache_hit() const;                     // the host compiler was skipped
  const std::map<std::string, double>& timings() const;  // parse, passes, codegen, compile (s)
  const std::vector<std::pair<std::string, std::string>>& decisions() const;  // (what, why)
  const std::vector<Diagnostic>& warnings() const;
  // The compiler command recorded in manifests.
  const std::string& compiler_command() const;

  // A new, independent instance of the network, built (mc_create + mc_init): simulations of one
  // module share nothing but the loaded code.
  Result<Simulation> simulation(const SimulationOptions& options = {}) const;
  Result<Simulation> simulation(uint64_t seed) const;

  struct Impl;
  explicit Module(std::shared_ptr<const Impl> impl);
  const std::shared_ptr<const Impl>& impl() const { return impl_; }

 private:
  std::shared_ptr<const Impl> impl_;
};

}  // namespace modelc::api
