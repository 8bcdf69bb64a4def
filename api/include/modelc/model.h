// A model document loaded into the library: from a file, a string or an nlohmann::json, with
// parameter overrides (the CLI's --set NAME=VALUE), checked on load. Compiling it gives a Module
// (modelc/module.h); Model::run is the whole `modelc run` (checks, compile, run, results).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "modelc/distributed.h"
#include "modelc/result.h"

namespace modelc::api {

class Module;

// NAME=VALUE overrides of the document's "parameters"; VALUE is a quantity expression as in the
// file ("40000", "0.1 ms", "80 / N").
using Overrides = std::vector<std::pair<std::string, std::string>>;

// How to compile. Defaults are the CLI's.
struct CompileOptions {
  std::string backend = "cpu";       // `modelc backends`; see backends()
  int opt_level = 2;                 // 0 none, 1-2 result-preserving, 3 also last-bit-changing rewrites
  std::vector<std::string> passes;   // non-empty: this pipeline instead of the opt level's
  std::vector<std::string> disabled_passes;
  std::vector<std::string> print_after;  // pass names or "all": dump the IR to dump_stream
  std::ostream* dump_stream = nullptr;   // null: std::cout
  std::optional<bool> verify_each;   // unset: on in debug builds or with MODELC_VERIFY_EACH=1
  int threads = 0;                   // CPU: the threads compiled in as default (0: all cores)
  std::filesystem::path cache_dir;   // empty: $MODELC_CACHE_DIR, else ~/.cache/modelc
  // Where the generated sources go, with a copy of the built module (`modelc compile -o`); empty:
  // a private scratch directory, removed again (the module itself stays in the build cache).
  std::filesystem::path out_dir;
  bool check_memory = true;          // refuse, before code generation, a network this machine cannot hold
  bool verbose = false;              // the compiler command lines go to stderr
  std::string cuda_arch;             // cuda: the GPU architecture the build checks the device program for (empty: sm_80)
};

struct PopulationInfo {
  std::string name;
  int64_t size = 0;
};

struct SynapseGroupInfo {
  std::string name, source, target;
};

// What the document says, read on load (before any pass runs).
struct ModelSummary {
  std::string name;
  double dt = 0.0;        // seconds
  double duration = 0.0;  // seconds
  int64_t steps = 0;      // duration / dt
  uint64_t seed = 0;
  std::string precision;  // "double" or "float"
  std::vector<PopulationInfo> populations;
  std::vector<SynapseGroupInfo> synapse_groups;
  std::vector<std::string> monitors;
};

// `modelc check` / `modelc explain`: the model through the pass pipeline, without code generation.
struct CheckReport {
  ModelSummary model;
  int64_t neurons = 0;
  int64_t kernels = 0, step_kernels = 0, buffers = 0;  // what the backend will generate
  uint64_t memory_bytes = 0;       // estimated network memory
  bool memory_is_lower_bound = false;
  double expected_synapses = 0.0;
  std::vector<std::pair<std::string, std::string>> decisions;  // (what the compiler decided, why)
  std::vector<Diagnostic> warnings;
  std::string summary;  // the lines `modelc check` prints after "<file>: "
};

// What Model::run reports while it works (none of these is required).
struct RunCallbacks {
  enum class Kind { Status, Warning, Error, Stopped };
  // A line for the user (Status lines are what --verbose shows).
  std::function<void(Kind, const std::string&)> message;
  // After the compiler ran, before anything else: its diagnostics, warnings included.
  std::function<void(const std::vector<Diagnostic>&)> diagnostics;
  // Simulated and total seconds, realtime factor, estimated seconds left; then the end of progress.
  std::function<void(double, double, double, double)> progress;
  std::function<void()> progress_end;
};

// The progress line `modelc run` shows on a terminal:
// "[  42%] t = 0.420 s / 1.000 s   realtime x3.1   ETA 0.2 s"
std::string format_progress(double simulated_s, double total_s, double realtime_factor, double eta_s);

// `modelc run`: where the results go and how to run.
struct RunOptions {
  CompileOptions compile;  // out_dir is ignored: a private scratch directory is used
  std::filesystem::path results_dir = "results";
  int device = 0;          // accelerator backends: the device index
  int64_t seed = -1;       // < 0: the model's seed
  // Non-empty ("200 ms", "1 s"): simulate this long instead of the model's duration. Unlike
  // Model::with_duration, the build is the model's own, so changing it does not recompile.
  std::string duration;
  int64_t flush_every = 0; // > 0: write <results>.partial every this many steps
  bool force = false;      // move aside (never delete) an output path modelc did not write
  bool strict = false;     // non-finite state is an error instead of a warning
  // Set: this process is one rank of a distributed run, and every rank calls run with the same
  // options (modelc/distributed.h, docs/distributed.md). Rank 0 writes the results; only rank 0
  // reports status, warnings and progress through the callbacks.
  std::optional<Communicator> communicator;
};

struct RunReport {
  std::filesystem::path results_dir;
  std::filesystem::path moved_aside;  // force: where a foreign output went
  std::vector<PopulationInfo> populations;
  std::vector<int64_t> spikes;         // per population
  int64_t steps = 0;
  double simulate_seconds = 0.0, realtime_factor = 0.0;
  std::string summary;                 // the table `modelc run` prints
  // Distributed runs: this rank and their number. Only rank 0's report has results (merged over
  // the ranks); the others' are empty.
  int rank = 0, ranks = 1;
};

class Model {
 public:
  // Reads and checks a model file. Errors (unreadable file, malformed JSON, a structural error,
  // a bad override) come back with their diagnostics.
  static Result<Model> from_file(const std::filesystem::path& path, const Overrides& overrides = {});
  // The same for a document in memory; `name` is what diagnostics cite instead of a file name, and
  // relative .npy sidecar paths are taken relative to its directory.
  static Result<Model> from_string(std::string text, const Overrides& overrides = {},
                                   std::string name = "<string>");
  // nlohmann::json keeps object keys sorted, which can put a constant before one it uses:
  // ordered_json keeps the document's order, as the file reader does.
  static Result<Model> from_json(const nlohmann::ordered_json& document, const Overrides& overrides = {},
                                 std::string name = "<json>");
  static Result<Model> from_json(const nlohmann::json& document, const Overrides& overrides = {},
                                 std::string name = "<json>");

  // A copy with another override (NAME=VALUE), re-checked.
  Result<Model> with_parameter(const std::string& name, const std::string& value) const;
  // A copy with /simulation/duration replaced ("200 ms", "1 s", "200ms"; see parse_duration), re-checked.
  Result<Model> with_duration(const std::string& duration) const;
  // A copy with /simulation/precision replaced ("double" or "float"), re-checked.
  Result<Model> with_precision(const std::string& precision) const;

  const ModelSummary& summary() const;
  const std::string& source_name() const;        // the file name or the name given
  const Overrides& overrides() const;
  const std::vector<Diagnostic>& warnings() const;  // the load's warnings
  std::string document() const;                  // the document text as compiled (overrides apart)

  // Through the passes, no code generation (`modelc check`, `modelc explain`).
  Result<CheckReport> check(const CompileOptions& options = {}) const;
  // Through the passes and the backend into a loaded module (the build cache is used).
  Result<Module> compile(const CompileOptions& options = {}) const;
  // The whole `modelc run`: output checks, memory estimate, compile, simulate in chunks, results
  // written atomically, non-finite state reported, interrupts honoured (InterruptGuard).
  Result<RunReport> run(const RunOptions& options, const RunCallbacks& callbacks = {}) const;

  struct Impl;
  explicit Model(std::shared_ptr<const Impl> impl);

 private:
  Result<RunReport> run_model_with(const RunOptions& options, const RunCallbacks& callbacks) const;
  std::shared_ptr<const Impl> impl_;
};

// The library's passes, backends and devices (`modelc passes`, `backends`, `devices`).
struct PassInfo {
  std::string name, description;
};
std::vector<PassInfo> passes();
std::vector<std::string> default_pipeline();
struct BackendInfo {
  std::string name, description;
};
std::vector<BackendInfo> backends();
std::string describe_devices();  // compute devices, one line each

// Parses a duration ("1 s", "200 ms", "200ms", "0.5*second": Brian2's units, and "s" for second)
// into seconds.
Result<double> parse_duration(const std::string& text);

std::string version();  // "0.1.0"

// Where this library finds what generated modules are built with: the headers (an installed tree's
// share/modelc, or the source tree) and the prebuilt support libraries.
struct Installation {
  std::filesystem::path data_dir;
  std::filesystem::path library_dir;
};
Installation installation();

// While one exists, SIGINT and SIGTERM stop whatever this library is doing (compiling included,
// within about a second) instead of killing the process; the interrupted call fails with
// ErrorCode::Interrupted. Process-wide: create one, in the program that owns the signals.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
  static int exit_code(int signal);  // 128 + signal, what a shell expects

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace modelc::api
