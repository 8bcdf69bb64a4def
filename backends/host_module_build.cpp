#include "backends/host_module_build.h"

#include <algorithm>
#include <chrono>

#include "backends/host_compiler.h"

namespace modelc::backends {

namespace fs = std::filesystem;

bool build_host_module(Backend& backend, const kir::Program& program, const BuildOptions& options,
                       const HostModuleSpec& spec, BuildResult& result, DiagnosticEngine& diags) {
  result = BuildResult{};
  auto t0 = std::chrono::steady_clock::now();
  GeneratedSources sources = backend.emit(program, options, diags);
  result.codegen_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto it = sources.files.find(spec.source_name);
  if (diags.has_errors() || it == sources.files.end()) return false;

  if (!write_sources(sources, options.out_dir, diags)) return false;
  std::error_code ec;
  fs::path root = source_root(), lib = support_lib_dir();
  if (root.empty() || !fs::exists(root / "abi/modelc_abi.h", ec)) {
    diags.error("cannot find the modelc runtime headers (looked in '" + root.string() + "')", "",
                "set MODELC_SOURCE_ROOT to the directory that holds runtime/ and backends/");
    return false;
  }
  std::vector<std::string> libraries = {"modelc_cpu_support"};
  libraries.insert(libraries.end(), spec.libraries.begin(), spec.libraries.end());
  for (const auto& name : libraries)
    if (lib.empty() || !fs::exists(lib / ("lib" + name + ".so"), ec)) {
      diags.error("cannot find lib" + name + ".so (looked in '" + lib.string() + "')", "",
                  "set MODELC_SUPPORT_LIB_DIR to the directory that holds it");
      return false;
    }

  HostCompiler cxx;
  if (!cxx.detect(diags)) return false;
  CompileJob job;
  job.source = it->second;
  job.source_path = fs::absolute(options.out_dir / spec.source_name, ec);
  job.compile_flags = cxx.module_compile_flags(options.debug);
  job.link_flags = cxx.module_link_flags();  // links modelc_cpu_support
  for (const auto& name : spec.libraries) job.link_flags.push_back("-l" + name);
  job.out_dir = options.out_dir;
  job.cache_dir = options.cache_dir;
  // The module includes these: a change to them must invalidate cached modules. Every module
  // includes the contract (abi/, all of it, so a new header cannot be forgotten) and the prelude of
  // the support library it links.
  std::vector<fs::path> contract;
  for (const auto& e : fs::directory_iterator(root / "abi", ec))
    if (e.path().extension() == ".h") contract.push_back(e.path());
  std::sort(contract.begin(), contract.end());
  job.key_files = contract;
  job.key_files.push_back(root / "backends/cpu/support/cpu_support.h");
  for (const auto& h : spec.headers) job.key_files.push_back(root / h);
  for (const auto& name : libraries) job.key_files.push_back(lib / ("lib" + name + ".so"));
  job.key_strings = spec.key_strings;
  job.verbose = options.verbose;
  CompileOutcome outcome;
  if (!cxx.build_shared(job, outcome, diags)) return false;
  result.module_path = outcome.artefact;
  result.cache_hit = outcome.cache_hit;
  result.compile_seconds = outcome.seconds;
  result.compiler_command = outcome.command;
  return true;
}

}  // namespace modelc::backends
