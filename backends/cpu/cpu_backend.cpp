#include "backends/cpu/cpu_backend.h"

#include <cstdlib>

#include "backends/cpu/cpu_module_emitter.h"
#include "backends/host_module_build.h"

namespace modelc::backends::cpu {

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
  c.features.insert("partition:ranks");  // distributed runs (plan-partition, docs/distributed.md)
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
  // A tuning knob for benchmarks (docs/performance.md, "Threads"): the population size from which
  // loops split among the threads. Part of the generated source, so of the build cache's key.
  if (const char* v = std::getenv("MODELC_CPU_PARALLEL_MIN_SIZE")) {
    char* end = nullptr;
    const long long n = std::strtoll(v, &end, 10);
    if (end != v && *end == '\0' && n >= 1) eo.parallel_min_size = n;
    else diags.warning("MODELC_CPU_PARALLEL_MIN_SIZE='" + std::string(v) + "' is not a positive integer; using " +
                       std::to_string(eo.parallel_min_size), "");
  }
  GeneratedSources out;
  std::string src = emit_cpu_module(program, eo, diags);
  if (!src.empty()) out.files[kSourceName] = std::move(src);
  return out;
}

bool CpuBackend::build(const kir::Program& program, const BuildOptions& options, BuildResult& result,
                       DiagnosticEngine& diags) {
  HostModuleSpec spec;
  spec.source_name = kSourceName;
  return build_host_module(*this, program, options, spec, result, diags);
}

MODELC_REGISTER_BACKEND("cpu", CpuBackend);

}  // namespace modelc::backends::cpu
