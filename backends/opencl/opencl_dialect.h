// OpenCL C 1.2 as a GPU dialect of the SIMT kernel emitter (codegen/simt/gpu_dialect.h). With the
// prelude files (support/opencl_prelude.cl, abi/philox.h, support/opencl_helpers.cl) it is all the
// OpenCL-specific device code generation there is.
#pragma once

#include "codegen/simt/gpu_dialect.h"

namespace modelc::opencl {

const codegen::simt::GpuDialect& opencl_dialect();

}  // namespace modelc::opencl
