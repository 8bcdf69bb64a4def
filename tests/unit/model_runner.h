// Test helper: compile a model file with the library API and run it to completion in-process.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "driver/driver.h"
#include "runtime/simulation.h"

namespace modelc::testing {

inline std::filesystem::path source_root() {
#ifdef MODELC_SOURCE_ROOT
  return MODELC_SOURCE_ROOT;
#else
  return "/work/main";
#endif
}

inline std::filesystem::path test_cache_dir() {
  return std::filesystem::temp_directory_path() / "modelc-test-cache";
}

struct RunOutput {
  driver::CompiledModel compiled;
  runtime::RunResults results;
};

// Compiles and runs `model` (a path relative to the source root or absolute). On failure returns
// nullopt and puts the rendered diagnostics or the runtime error into `error`.
inline std::optional<RunOutput> compile_and_run(const std::filesystem::path& model, std::string& error,
                                                driver::PipelineOptions options = {}, int threads = 1) {
  std::filesystem::path path = model.is_absolute() ? model : source_root() / model;
  static int counter = 0;
  options.build.out_dir = std::filesystem::temp_directory_path() /
                          ("modelc-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
  if (options.build.cache_dir.empty()) options.build.cache_dir = test_cache_dir();
  RunOutput out;
  DiagnosticEngine diags;
  if (!driver::compile_model(path.string(), options, out.compiled, diags)) {
    error = diags.render(path.string());
    return std::nullopt;
  }
  runtime::LoadedModule module;
  if (!module.load(out.compiled.build.module_path, error)) return std::nullopt;
  mc_options mo = runtime::Simulation::default_options(module);
  mo.num_threads = threads;
  runtime::Simulation sim(module, mo);
  if (!sim.init(error)) return std::nullopt;
  if (!sim.run(out.compiled.unit.program->steps, {}, error)) return std::nullopt;
  if (!sim.collect(out.results, error)) return std::nullopt;
  std::error_code ec;
  std::filesystem::remove_all(options.build.out_dir, ec);
  return out;
}

inline nlohmann::json read_json(const std::filesystem::path& p) {
  std::ifstream in(p.is_absolute() ? p : source_root() / p);
  return nlohmann::json::parse(in);
}

// A model file as an ordered document: constants may refer to earlier ones, so a copy written
// back must keep the file's key order (plain nlohmann::json sorts keys).
inline nlohmann::ordered_json read_ordered(const std::filesystem::path& p) {
  std::ifstream in(p.is_absolute() ? p : source_root() / p);
  return nlohmann::ordered_json::parse(in);
}

inline const runtime::MonitorResult* find_monitor(const runtime::RunResults& r, const std::string& name) {
  for (const auto& m : r.monitors)
    if (m.name == name) return &m;
  return nullptr;
}

}  // namespace modelc::testing
