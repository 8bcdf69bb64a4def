// The library API frontends use (the CLI, later the Brian2 device and Python): model file ->
// model IR -> passes -> kernel IR -> backend build. Running the built module is runtime/simulation.h.
#pragma once

#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "frontend/model_reader.h"
#include "passes/pass.h"

namespace modelc::driver {

// Whether the IR verifiers run after every pass unless PipelineOptions says otherwise: on in debug
// builds (NDEBUG not defined), off in release builds; MODELC_VERIFY_EACH=1 or =0 in the environment
// overrides both (the test suite sets 1).
bool default_verify_each();

struct PipelineOptions {
  frontend::ReadOptions read;
  std::vector<std::string> passes;          // empty: default_pipeline()
  std::set<std::string> disabled_passes;
  std::set<std::string> print_after;        // pass names or "all"
  std::ostream* dump_stream = nullptr;      // where --print-after goes
  // Run the model / kernel IR verifiers after every pass (PassManager::set_verify_each); a broken
  // invariant is an internal compiler error naming the pass.
  bool verify_each = default_verify_each();
  std::string backend = "cpu";
  // Compiling for a run over several ranks (docs/distributed.md): connectivity storages that do not
  // split by target neuron (dense, bitmask, procedural) are taken out of the backend's features,
  // so every split group gets sparse storage. The results are the same either way.
  bool distributed = false;
  backends::BuildOptions build;
  // Called by compile_model after lowering, before code generation and the host compiler; returning
  // false (after reporting) stops the build. `modelc run` checks the memory estimate here.
  std::function<bool(const kir::Program&, DiagnosticEngine&)> before_build;
};

// Phase timings in seconds: "parse", "passes", "codegen", "compile".
using PhaseTimings = std::map<std::string, double>;

// What the passes may assume about a backend (its capabilities and implemented strategies).
passes::TargetInfo target_info(const backends::Backend& backend);

// The model document a compilation reads: the file `name`, or, when `text` is set, that text
// (a model built in memory; `name` is then only what diagnostics cite).
struct ModelInput {
  std::string name;
  std::optional<std::string> text;
  ModelInput(std::string path) : name(std::move(path)) {}  // NOLINT: a path is the common case
  ModelInput(const char* path) : name(path) {}             // NOLINT
  ModelInput(std::string name_, std::string text_) : name(std::move(name_)), text(std::move(text_)) {}
};

// Reads and validates a model and runs the pass pipeline (no code generation).
bool lower_model(const ModelInput& input, const PipelineOptions& options, passes::CompilationUnit& unit,
                 PhaseTimings& timings, DiagnosticEngine& diags);

struct CompiledModel {
  passes::CompilationUnit unit;
  backends::BuildResult build;
  PhaseTimings timings;
  std::string backend;
};

// lower_model + emit + build with the chosen backend.
bool compile_model(const ModelInput& input, const PipelineOptions& options, CompiledModel& out,
                   DiagnosticEngine& diags);

std::string modelc_version();

}  // namespace modelc::driver
