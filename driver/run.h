// A whole run as a library call: model file -> checked, compiled module -> network -> simulation in
// chunks -> results directory, with every safety the CLI has (the output target checked before any
// work, the memory estimate before code generation, a scratch build directory removed on every
// path, interrupts honoured in every phase, non-finite state detected, partial results flushed,
// results written atomically). `modelc run` is a thin client of run_model; so are the frontends.
//
// Nothing is printed: every line meant for the user goes to RunEvents::message, diagnostics stay in
// the caller's DiagnosticEngine, and the outcome says how the run ended.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "driver/driver.h"
#include "runtime/distributed/communicator.h"
#include "runtime/simulation.h"

namespace modelc::driver {

struct RunRequest {
  std::string model_path;
  std::optional<std::string> model_text;  // set: the model document itself; model_path only names it
  PipelineOptions pipeline;  // build.out_dir is ignored: a private scratch directory is used
  std::filesystem::path results_dir;
  int threads = 0;            // 0: all cores (CPU backend)
  int device = 0;             // accelerator backends: the device index
  int64_t seed = -1;          // < 0: the model's seed
  // Set: simulate this many seconds instead of the model's duration. The module is built for the
  // model's own duration (its default run length is compiled in), so another --duration comes from
  // the build cache instead of recompiling.
  std::optional<double> duration;
  int64_t flush_every = 0;    // > 0: write <results>.partial every this many steps
  bool force = false;         // move aside (never delete) an output path modelc did not write
  bool strict = false;        // non-finite state ends the run with an error instead of a warning
  bool check_memory = true;   // refuse a network the machine cannot hold, before code generation
  // Set: this process is one rank of a distributed run (docs/distributed.md) and every rank calls
  // run_model with the same request. Rank 0 compiles first, then the others (from the build
  // cache); the ranks check they run the same build; the network is split over the ranks; rank 0
  // gathers the ranks' results and writes the one results directory, the others write nothing.
  // Only rank 0 reports status, warnings and progress. A failure on any rank once the network is
  // being built ends every rank through Communicator::abort ("modelc: rank r of R failed: ...").
  // The module is compiled for distributed runs (PipelineOptions::distributed) whatever the size.
  // Null: one process, as before.
  runtime::distributed::Communicator* communicator = nullptr;
};

struct RunEvents {
  enum class Kind {
    Status,   // what the run is doing now (the CLI shows these with --verbose)
    Warning,
    Error,    // the run fails; the text says what and how to fix it
    Stopped,  // a signal ended the run; the text says what was and was not written
  };
  std::function<void(Kind, const std::string&)> message;
  // After the compiler has run (successfully or not), before anything else is reported: the caller
  // renders the diagnostics here so that they come first. Not called when a signal stopped it.
  std::function<void(const DiagnosticEngine&)> compiled;
  // The simulation's progress (simulated and total seconds, realtime factor, estimated seconds
  // left), and its end (called before any message that follows progress).
  std::function<void(double, double, double, double)> progress;
  std::function<void()> progress_end;
};

struct RunOutcome {
  enum class Status { Completed, Failed, Stopped };
  Status status = Status::Failed;
  int signal = 0;  // Stopped: the signal
  runtime::RunResults results;      // Completed
  runtime::ManifestExtras extras;   // Completed: what the manifest recorded
  std::filesystem::path moved_aside;  // Completed with force: where a foreign output went
  // Distributed runs: this rank and the number of ranks. Only rank 0 has results (the merged ones).
  int rank = 0, ranks = 1;
  // The process exit status a command-line client should use: 0, 1, or 128 + signal.
  int exit_code() const;
};

RunOutcome run_model(const RunRequest& request, DiagnosticEngine& diags, const RunEvents& events = {});

// The memory estimate of `program` against what this machine has: an error in `diags`, before
// code is generated or anything allocated, for a network that cannot be built. `steps`: the run's
// length where it is not the compiled duration.
bool fits_in_memory(const kir::Program& program, DiagnosticEngine& diags, std::optional<int64_t> steps = std::nullopt);

// Where periodic partial results of `results_dir` go: "<results_dir>.partial".
std::filesystem::path partial_results_dir(const std::filesystem::path& results_dir);

// The build cache: $MODELC_CACHE_DIR, else $XDG_CACHE_HOME/modelc, else ~/.cache/modelc.
std::filesystem::path default_cache_dir();

}  // namespace modelc::driver
