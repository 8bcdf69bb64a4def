#include "backends/cpu/cpu_backend.h"

#include <chrono>
#include <fstream>

#include "backends/cpu/cpu_module_emitter.h"
#include "backends/cpu/host_compiler.h"

namespace modelc::cpu {

namespace fs = std::filesystem;

static constexpr const char* kSourceName = "model.cpp";

std::string CpuBackend::description() const {
  return "C++ with OpenMP, compiled by the host compiler (clang++ or g++, or $CXX)";
}

BackendCapabilities CpuBackend::capabilities() const {
  BackendCapabilities c;
  c.atomics_float_add = false;  // synaptic events run serially on the CPU: no atomics needed
  c.parallel_neurons = true;
  // Fused update + threshold (+ reset) kernels: blocks of an omp-simd prefix and a serial suffix
  // (backends/cpu/cpu_fused_emitter.cpp).
  c.features.insert("fusion:neuron-kernels");
  // Merged SynapticEvents kernels (Kernel::dispatch): one spike-list pass, per-group row visits.
  c.features.insert("fusion:synaptic-propagation");
  // Merged neuron groups (Kernel::merged): one function, a member table (cpu_merged_emitter.cpp).
  c.features.insert("fusion:merged-groups");
  // Heterogeneous delays through a postsynaptic ring (backends/cpu/cpu_delay_emitter.cpp).
  c.features.insert("delay:dendritic");
  // Connectivity storages (backends/cpu/cpu_connectivity_emitter.cpp, choose-connectivity).
  for (const char* f : {"connectivity:sparse-u16", "connectivity:drop-pre", "connectivity:dense",
                        "connectivity:bitmask", "connectivity:procedural"})
    c.features.insert(f);
  return c;
}

GeneratedSources CpuBackend::emit(const kir::Program& program, const BuildOptions& options,
                                  DiagnosticEngine& diags) {
  CpuEmitOptions eo;
  eo.default_threads = options.num_threads;
  GeneratedSources out;
  std::string src = emit_cpu_module(program, eo, diags);
  if (!src.empty()) out.files[kSourceName] = std::move(src);
  return out;
}

bool CpuBackend::build(const kir::Program& program, const BuildOptions& options, BuildResult& result,
                       DiagnosticEngine& diags) {
  result = BuildResult{};
  auto t0 = std::chrono::steady_clock::now();
  GeneratedSources sources = emit(program, options, diags);
  result.codegen_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto it = sources.files.find(kSourceName);
  if (diags.has_errors() || it == sources.files.end()) return false;

  if (!write_sources(sources, options.out_dir, diags)) return false;
  std::error_code ec;

  fs::path root = source_root(), lib = support_lib_dir();
  if (root.empty() || !fs::exists(root / "abi/modelc_abi.h", ec)) {
    diags.error("cannot find the modelc runtime headers (looked in '" + root.string() + "')", "",
                "set MODELC_SOURCE_ROOT to the directory that holds runtime/ and backends/");
    return false;
  }
  if (lib.empty() || !fs::exists(lib / "libmodelc_cpu_support.so", ec)) {
    diags.error("cannot find libmodelc_cpu_support.so (looked in '" + lib.string() + "')", "",
                "set MODELC_SUPPORT_LIB_DIR to the directory that holds it");
    return false;
  }

  HostCompiler cxx;
  if (!cxx.detect(diags)) return false;
  CompileJob job;
  job.source = it->second;
  job.source_path = fs::absolute(options.out_dir / kSourceName, ec);
  job.compile_flags = cxx.module_compile_flags(options.debug);
  job.link_flags = cxx.module_link_flags();
  job.out_dir = options.out_dir;
  job.cache_dir = options.cache_dir;
  job.key_files = {root / "abi/modelc_abi.h", root / "abi/philox.h",
                   root / "backends/cpu/support/cpu_support.h", lib / "libmodelc_cpu_support.so"};
  job.verbose = options.verbose;
  CompileOutcome outcome;
  if (!cxx.build_shared(job, outcome, diags)) return false;
  result.module_path = outcome.artefact;
  result.cache_hit = outcome.cache_hit;
  result.compile_seconds = outcome.seconds;
  result.compiler_command = outcome.command;
  return true;
}

MODELC_REGISTER_BACKEND("cpu", CpuBackend);

}  // namespace modelc::cpu
