#include "runtime/module_loader.h"

#include <dlfcn.h>

#include <utility>

namespace modelc::runtime {

LoadedModule::~LoadedModule() { unload(); }

LoadedModule::LoadedModule(LoadedModule&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)),
      fn_(std::exchange(other.fn_, {})),
      info_(std::exchange(other.info_, nullptr)),
      path_(std::move(other.path_)) {}

LoadedModule& LoadedModule::operator=(LoadedModule&& other) noexcept {
  if (this != &other) {
    unload();
    handle_ = std::exchange(other.handle_, nullptr);
    fn_ = std::exchange(other.fn_, {});
    info_ = std::exchange(other.info_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

void LoadedModule::unload() {
  if (handle_ != nullptr) dlclose(handle_);
  handle_ = nullptr;
  fn_ = {};
  info_ = nullptr;
  path_.clear();
}

namespace {

// Resolves `name` into `slot`; the cast from void* is how POSIX dlsym is meant to be used.
template <typename Fn>
bool resolve(void* handle, const char* name, Fn& slot, std::string& missing) {
  dlerror();  // clear any stale error so a null result is attributed correctly
  void* symbol = dlsym(handle, name);
  if (symbol == nullptr) {
    if (!missing.empty()) missing += ", ";
    missing += name;
    return false;
  }
  slot = reinterpret_cast<Fn>(symbol);
  return true;
}

}  // namespace

bool LoadedModule::load(const std::filesystem::path& path, std::string& error) {
  unload();
  dlerror();
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* reason = dlerror();
    error = "cannot load model module " + path.string() + ": " +
            (reason != nullptr ? reason : "unknown dlopen error");
    return false;
  }

  ModuleFunctions fn;
  std::string missing;
  // Collect every missing name before failing: a stale or foreign module usually lacks several.
  resolve(handle, "mc_get_info", fn.get_info, missing);
  resolve(handle, "mc_create", fn.create, missing);
  resolve(handle, "mc_init", fn.init, missing);
  resolve(handle, "mc_run", fn.run, missing);
  resolve(handle, "mc_current_step", fn.current_step, missing);
  resolve(handle, "mc_var_size", fn.var_size, missing);
  resolve(handle, "mc_read_var", fn.read_var, missing);
  resolve(handle, "mc_write_var", fn.write_var, missing);
  resolve(handle, "mc_synapse_count", fn.synapse_count, missing);
  resolve(handle, "mc_read_synapses", fn.read_synapses, missing);
  resolve(handle, "mc_spike_count", fn.spike_count, missing);
  resolve(handle, "mc_monitor_length", fn.monitor_length, missing);
  resolve(handle, "mc_monitor_read", fn.monitor_read, missing);
  resolve(handle, "mc_last_error", fn.last_error, missing);
  resolve(handle, "mc_destroy", fn.destroy, missing);
  std::string optional_missing;
  resolve(handle, "mc_launch_count", fn.launch_count, optional_missing);
  resolve(handle, "mc_local_neurons", fn.local_neurons, optional_missing);
  resolve(handle, "mc_read_synapse_ids", fn.read_synapse_ids, optional_missing);
  resolve(handle, "mc_monitor_held", fn.monitor_held, optional_missing);
  resolve(handle, "mc_read_phases", fn.read_phases, optional_missing);
  if (!missing.empty()) {
    error = "model module " + path.string() + " does not implement the modelc ABI: missing " +
            missing;
    dlclose(handle);
    return false;
  }

  const mc_model_info* info = fn.get_info();
  if (info == nullptr) {
    error = "model module " + path.string() + ": mc_get_info() returned null";
    dlclose(handle);
    return false;
  }
  if (info->abi_version != MC_ABI_VERSION) {
    error = "model module " + path.string() + " was built for modelc ABI version " +
            std::to_string(info->abi_version) + ", this runtime implements version " +
            std::to_string(MC_ABI_VERSION) + "; recompile the model";
    dlclose(handle);
    return false;
  }

  handle_ = handle;
  fn_ = fn;
  info_ = info;
  path_ = path;
  return true;
}

}  // namespace modelc::runtime
