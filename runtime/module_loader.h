// Loads a generated model module (a shared object implementing abi/modelc_abi.h) and resolves
// its C ABI into a function table. Every backend's artefact is driven through this one table, so
// the host side never links against generated code.
#pragma once

#include <filesystem>
#include <string>

#include "abi/modelc_abi.h"

namespace modelc::runtime {

// One pointer per function of modelc_abi.h, named after it without the "mc_" prefix.
struct ModuleFunctions {
  decltype(&::mc_get_info) get_info = nullptr;
  decltype(&::mc_create) create = nullptr;
  decltype(&::mc_init) init = nullptr;
  decltype(&::mc_run) run = nullptr;
  decltype(&::mc_current_step) current_step = nullptr;
  decltype(&::mc_var_size) var_size = nullptr;
  decltype(&::mc_read_var) read_var = nullptr;
  decltype(&::mc_write_var) write_var = nullptr;
  decltype(&::mc_synapse_count) synapse_count = nullptr;
  decltype(&::mc_read_synapses) read_synapses = nullptr;
  decltype(&::mc_spike_count) spike_count = nullptr;
  decltype(&::mc_monitor_length) monitor_length = nullptr;
  decltype(&::mc_monitor_read) monitor_read = nullptr;
  decltype(&::mc_last_error) last_error = nullptr;
  decltype(&::mc_destroy) destroy = nullptr;
  // Optional (added without an ABI bump): null for modules that do not export it.
  decltype(&::mc_launch_count) launch_count = nullptr;
  // Distributed runs (docs/distributed.md): null for modules that run in one process only.
  decltype(&::mc_local_neurons) local_neurons = nullptr;
  decltype(&::mc_read_synapse_ids) read_synapse_ids = nullptr;
  decltype(&::mc_monitor_held) monitor_held = nullptr;
  decltype(&::mc_read_phases) read_phases = nullptr;  // per-phase timers
};

class LoadedModule {
 public:
  LoadedModule() = default;
  ~LoadedModule();  // dlclose; every mc_module created from it must be destroyed first
  LoadedModule(LoadedModule&& other) noexcept;
  LoadedModule& operator=(LoadedModule&& other) noexcept;
  LoadedModule(const LoadedModule&) = delete;
  LoadedModule& operator=(const LoadedModule&) = delete;

  // dlopens `path` (RTLD_NOW | RTLD_LOCAL), resolves every mc_* function and checks the ABI
  // version. On failure returns false with `error` saying which step failed (the dlerror text, the
  // missing symbol, or both ABI versions) and leaves this object unloaded.
  bool load(const std::filesystem::path& path, std::string& error);
  void unload();

  bool loaded() const { return handle_ != nullptr; }
  const ModuleFunctions& fn() const { return fn_; }
  const mc_model_info* info() const { return info_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  void* handle_ = nullptr;
  ModuleFunctions fn_;
  const mc_model_info* info_ = nullptr;
  std::filesystem::path path_;
};

}  // namespace modelc::runtime
