// Helpers of the IR v2 tests: write a model (JSON text) to a fresh directory, compile and run it,
// and read monitors.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "frontend/model_reader.h"
#include "driver/driver.h"
#include "model_runner.h"

namespace modelc::testing {

inline std::filesystem::path v2_model_dir(const std::string& tag) {
  auto dir = std::filesystem::temp_directory_path() / ("modelc-v2-" + std::to_string(getpid()) + "-" + tag);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::filesystem::path write_v2_model(const std::string& tag, const std::string& text) {
  auto path = v2_model_dir(tag) / "model.json";
  std::ofstream(path) << text;
  return path;
}

inline std::optional<RunOutput> run_v2(const std::string& tag, const std::string& text, std::string& error) {
  return compile_and_run(write_v2_model(tag, text), error);
}

// The value of state monitor `mon`'s first variable at sample `s`, column `k`.
inline double state_at(const runtime::MonitorResult& mon, size_t s, size_t k, size_t var = 0) {
  return mon.values[var][s * mon.indices.size() + k];
}

// Reads `text` and runs the pass pipeline (no code generation); returns the diagnostics.
inline std::vector<support::Diagnostic> v2_diagnostics(const std::string& text, const std::string& tag = "errors") {
  DiagnosticEngine diags;
  passes::CompilationUnit unit;
  driver::PhaseTimings timings;
  driver::lower_model(write_v2_model(tag, text).string(), driver::PipelineOptions{}, unit, timings, diags);
  return diags.diagnostics();
}

// The first error, or a Diagnostic with an empty message when there is none.
inline support::Diagnostic first_error(const std::vector<support::Diagnostic>& ds) {
  for (const auto& d : ds)
    if (d.severity == support::Severity::Error) return d;
  return {};
}

}  // namespace modelc::testing
