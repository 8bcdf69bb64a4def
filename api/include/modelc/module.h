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

// One kernel of a GPU module's device program, as its device compiler allocated it (cuda: NVRTC's
// ptxas info for CompileOptions::cuda_arch), and the theoretical occupancy at the block size the
// module launches it with (docs/cuda.md, "Resource report"). Bytes are per thread (spills, stack)
// or per block (shared memory).
struct KernelResources {
  std::string name;  // the symbol in the device program ("k3", "mc_compact_spikes")
  std::string what;  // "kernel P_stateupdate", "spike compaction", ...
  int registers = 0;
  int barriers = 0;
  int64_t spill_stores = 0, spill_loads = 0;
  int64_t stack_frame = 0;     // local memory per thread
  int64_t shared_static = 0;   // declared in the kernel
  int64_t shared_dynamic = 0;  // given at launch, at block_size
  int64_t constant = 0;        // every constant bank (cmem[0]: the parameters)
  int max_threads_per_block = 0;  // as the driver will report it, from the registers (0: no table for the arch)
  int block_size_cap = 0;         // the module's upper bound for this kernel
  int block_size = 0;             // min(cap, max threads), whole warps
  int active_blocks = 0, active_warps = 0;  // per SM at block_size
  double occupancy = 0.0;         // active warps / the SM's maximum
  std::string limiter;            // "warps", "blocks", "registers", "shared memory"
};

struct DeviceCodeReport {
  std::string arch;      // "sm_80"
  std::string compiler;  // "NVRTC 13.0"
  int max_warps_per_sm = 0;  // 0: no occupancy table for `arch` (see note)
  int64_t module_constant = 0;  // bytes of constant banks all kernels share (__constant__ data, global addresses)
  std::vector<KernelResources> kernels;  // in the order of the device program
  std::string note;      // empty, or what is missing and why
};

// The table `modelc compile --report` prints: a heading line, one row per kernel, the note.
std::string format_device_code_report(const DeviceCodeReport& report);

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
  // GPU backends that compile the device program when the module is built (cuda): the resources
  // of every kernel. Empty for cpu and opencl.
  std::optional<DeviceCodeReport> device_code;
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
