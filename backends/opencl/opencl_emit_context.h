// State shared by the two halves of the OpenCL backend's code generation: the OpenCL C program
// (opencl_device_source.cpp) and the C++ host module that drives it (opencl_host_emitter.cpp and
// opencl_host_monitors.cpp). Both derive kernel signatures from the same KernelPlan, so the host
// sets exactly the arguments the device code declares. Internal to backends/opencl.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "backends/opencl/opencl_printer.h"
#include "codegen/simt/launch_plan.h"
#include "support/diagnostics.h"
#include "ir/kernel_ir.h"

namespace modelc::opencl::detail {

using codegen::simt::EventListInfo;
using codegen::simt::KernelParam;
using codegen::simt::KernelPlan;
using codegen::simt::needs_int64_atomics;

// The launch plan (codegen/simt/launch_plan.h) plus the OpenCL C printer.
struct EmitContext : codegen::simt::LaunchPlan {
  EmitContext(const kir::Program& program, DiagnosticEngine& diagnostics)
      : LaunchPlan(program, diagnostics, "opencl") {}
  OpenCLPrinter printer;
};

// codegen::simt::plan_kernels, and the printer's buffer types (atomics are typed by their buffer).
void plan_kernels(EmitContext& c);

// The OpenCL C program (opencl_device_source.cpp): `prelude` (opencl_prelude.cl + abi/philox.h +
// opencl_helpers.cl), then the kernels of codegen/simt/simt_kernel_emitter.h.
std::string emit_device_source(EmitContext& c, const std::string& prelude);

// The C++ host module implementing abi/modelc_abi.h around `device_source`.
std::string emit_host_module(EmitContext& c, const std::string& device_source, int default_threads);

// The parts of the host module: opencl_host_parts.h.

}  // namespace modelc::opencl::detail
