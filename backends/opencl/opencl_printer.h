// The kernel printer of the OpenCL backend: the GPU printer (codegen/simt/gpu_printer.h) in the
// OpenCL C dialect (opencl_target.h).
#pragma once

#include "backends/opencl/opencl_target.h"
#include "codegen/simt/gpu_printer.h"

namespace modelc::backends::opencl {

class OpenCLPrinter : public codegen::simt::GpuPrinter {
 public:
  OpenCLPrinter() : GpuPrinter(opencl_dialect()) {}
};

}  // namespace modelc::backends::opencl
