// Code generation of a whole GPU module, for any GpuTarget: the device program (the SIMT kernel
// emitter's kernels after the target's prelude) and the C++ host module that drives it through
// abi/device_runtime.h. Both halves derive kernel signatures from the same KernelPlan, so the host
// sets exactly the arguments the device code declares. A GPU backend calls emit_gpu_module and
// builds the host module (backends/host_module_build.h) linked to its device runtime library.
#pragma once

#include <string>

#include "codegen/simt/gpu_printer.h"
#include "codegen/simt/gpu_target.h"
#include "codegen/simt/launch_plan.h"
#include "ir/kernel_ir.h"
#include "support/diagnostics.h"

namespace modelc::codegen::simt {

struct GpuSources {
  std::string device;  // the device program, in the target's dialect
  std::string host;    // the C++ host module implementing abi/modelc_abi.h, embedding `device`
};

// `prelude` is pasted before the kernels (the target's helpers, then abi/philox.h). Errors go to
// `diags`; the sources are then incomplete and must not be built.
GpuSources emit_gpu_module(const kir::Program& program, const GpuTarget& target, const std::string& prelude,
                           int default_threads, DiagnosticEngine& diags);

// The launch plan plus the target and its printer: what every part of the generation reads.
struct GpuModuleContext : LaunchPlan {
  GpuModuleContext(const kir::Program& program, DiagnosticEngine& diagnostics, const GpuTarget& gpu_target)
      : LaunchPlan(program, diagnostics, gpu_target.backend), target(gpu_target), printer(gpu_target.dialect) {}
  const GpuTarget& target;
  GpuPrinter printer;
};

// plan_kernels, and the printer's buffer types (atomics are typed by their buffer).
void plan_module(GpuModuleContext& c);
// The device program (gpu_device_source.cpp).
std::string emit_device_source(GpuModuleContext& c, const std::string& prelude);
// The host module around `device_source` (gpu_host_module.cpp; its parts: gpu_host_parts.h).
std::string emit_host_module(GpuModuleContext& c, const std::string& device_source, int default_threads);

}  // namespace modelc::codegen::simt
