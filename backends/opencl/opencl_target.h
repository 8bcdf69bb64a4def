// OpenCL C 1.2 as a GpuTarget (codegen/simt/gpu_target.h): the dialect of the SIMT kernel emitter
// and the host module's few API facts. With the prelude files (support/opencl_prelude.cl,
// abi/philox.h, abi/simt_helpers.h, support/opencl_atomics.cl) and the device runtime (runtime/) it is all the
// OpenCL-specific code generation there is.
#pragma once

#include "codegen/simt/gpu_target.h"

namespace modelc::backends::opencl {

const codegen::simt::GpuTarget& opencl_target();
const codegen::simt::GpuDialect& opencl_dialect();  // opencl_target().dialect

}  // namespace modelc::backends::opencl
