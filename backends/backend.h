// The backend plugin interface (GeNN-style: small). A backend turns a kernel IR Program into sources,
// builds them into a loadable module implementing abi/modelc_abi.h, and reports what it can do.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "backends/device_code_report.h"
#include "support/diagnostics.h"
#include "ir/kernel_ir.h"

namespace modelc::backends {

struct BackendCapabilities {
  bool float32 = true;
  bool float64 = true;
  bool atomics_float_add = true;   // native atomic add on floating-point buffers
  bool parallel_neurons = true;    // neuron kernels run in parallel
  int preferred_block_size = 0;    // accelerators: threads per block / work-group size
  bool accelerator = false;        // kernel launches cost; thousands of threads
  // Strategies the backend implements, by name (passes/pass.h TargetInfo lists them): the strategy
  // passes choose only among these.
  std::set<std::string> features;
};

struct BuildOptions {
  std::filesystem::path out_dir;    // where sources and the artefact go
  std::filesystem::path cache_dir;  // build cache (keyed by hash of sources + flags)
  int num_threads = 0;              // CPU: OpenMP threads compiled in as default (0 = runtime choice)
  bool debug = false;               // -O0 -g instead of optimised
  bool verbose = false;             // print compiler command lines
  std::string cuda_arch;            // cuda: the architecture the build checks the device program for ("sm_80" if empty)
};

struct GeneratedSources {
  // file name (relative to out_dir) -> contents
  std::map<std::string, std::string> files;
};

struct BuildResult {
  std::filesystem::path module_path;  // the loadable module (shared object)
  bool cache_hit = false;
  double codegen_seconds = 0.0;
  double compile_seconds = 0.0;
  std::string compiler_command;       // for the manifest
  // GPU backends that compile the device program at build time (cuda): what each kernel uses.
  std::optional<DeviceCodeReport> device_report;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;  // "cpu", "opencl", "cuda"
  virtual std::string description() const = 0;
  virtual BackendCapabilities capabilities() const = 0;
  // Emits the sources for a program. Reports unsupported constructs to `diags`.
  virtual GeneratedSources emit(const kir::Program& program, const BuildOptions& options,
                                DiagnosticEngine& diags) = 0;
  // Writes the sources to options.out_dir and builds the module (or reuses a cached build).
  // Returns false after reporting the compiler's errors to `diags`.
  virtual bool build(const kir::Program& program, const BuildOptions& options, BuildResult& result,
                     DiagnosticEngine& diags) = 0;
};

// Writes every generated file into `out_dir` (created if needed). Shared by the backends' build().
bool write_sources(const GeneratedSources& sources, const std::filesystem::path& out_dir, DiagnosticEngine& diags);

// Registry of backends by name. A backend registers itself with one line in its own folder,
// `MODELC_REGISTER_BACKEND(name, Class)`, at namespace scope of one of its .cpp files; the
// backends' library is linked whole (CMake WHOLE_ARCHIVE) so no registration is dropped.
class BackendRegistry {
 public:
  using Factory = std::function<std::unique_ptr<Backend>()>;
  static BackendRegistry& instance();
  void add(const std::string& name, Factory factory);
  std::unique_ptr<Backend> create(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, Factory> factories_;
};

struct BackendRegistration {
  BackendRegistration(const char* name, BackendRegistry::Factory factory) {
    BackendRegistry::instance().add(name, std::move(factory));
  }
};

#define MODELC_REGISTER_BACKEND(name, Class) \
  static const ::modelc::backends::BackendRegistration modelc_backend_registration_##Class{ \
      name, [] { return std::unique_ptr<::modelc::backends::Backend>(std::make_unique<Class>()); }}

}  // namespace modelc::backends
