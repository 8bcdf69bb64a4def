// What a public Module holds: the loaded shared object and what the compiler knew about it.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "backends/device_code_report.h"
#include "modelc/module.h"
#include "runtime/module_loader.h"

namespace modelc::api {

struct Module::Impl {
  runtime::LoadedModule loaded;
  std::filesystem::path module_path;  // in the build cache
  std::filesystem::path copy_path;    // CompileOptions::out_dir: the copy there
  ModuleInfo info;
  bool cache_hit = false;
  std::map<std::string, double> timings;
  std::vector<std::pair<std::string, std::string>> decisions;
  std::vector<Diagnostic> warnings;
  std::string compiler_command, model_file, backend;

  // Fills `info` from the module's mc_model_info.
  void describe();
  // The index of variable `name` of `owner` in mc_model_info::vars, or -1.
  int32_t variable_index(const std::string& owner, const std::string& name) const;
};

}  // namespace modelc::api

namespace modelc::api_impl {

// The backend's report as the public type.
api::DeviceCodeReport convert(const backends::DeviceCodeReport& report);

}  // namespace modelc::api_impl
