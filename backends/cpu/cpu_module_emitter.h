// Emits the one C++ translation unit of a CPU model module: it implements every function of
// abi/modelc_abi.h for a kernel IR Program. Layout of the generated module (struct mc_module):
//   - every Buffer as a 64-byte aligned SoA array `b_<name>`;
//   - per population k a spike ring `pop<k>_spikes[history][size]`, `pop<k>_count[history]`
//     (slot = step % history) and a running total;
//   - per synapse group g a CSR: `syn<g>_row[source_size + 1]`, `syn<g>_post`, `syn<g>_pre`, or
//     another storage of kir::Connectivity (cpu_connectivity_emitter.cpp);
//   - monitors as growable arrays from the prebuilt support library (cpu_support.h).
// The TU includes only C headers, the support prelude and abi/philox.h, so it compiles fast.
#pragma once

#include <string>

#include "support/diagnostics.h"
#include "ir/kernel_ir.h"

namespace modelc::backends::cpu {

struct CpuEmitOptions {
  int default_threads = 0;           // OpenMP threads when mc_options.num_threads is 0 (0 = OpenMP's)
  // Loops shorter than this stay on one thread. Measured (docs/performance.md, "Threads"): at
  // 4,000 neurons two threads gain 1.8x on COBAHH with 1,024 and lose with 4,096.
  int64_t parallel_min_size = 1024;
};

// Returns the module source, or an empty string after reporting unsupported or inconsistent
// programs (unknown buffers, bad domains, mismatched one-to-one slices) to `diags`.
std::string emit_cpu_module(const kir::Program& program, const CpuEmitOptions& options,
                            DiagnosticEngine& diags);

}  // namespace modelc::backends::cpu
