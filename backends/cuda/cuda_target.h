// CUDA C++ (compiled by NVRTC) as a GpuTarget (codegen/simt/gpu_target.h): the dialect of the SIMT
// kernel emitter and the host module's few API facts. With the prelude (support/cuda_prelude.cuh,
// then abi/philox.h and abi/simt_helpers.h) and the device runtime (runtime/) it is all the
// CUDA-specific code generation there is.
#pragma once

#include <string>

#include "codegen/simt/gpu_target.h"

namespace modelc::backends::cuda {

const codegen::simt::GpuTarget& cuda_target();
const codegen::simt::GpuDialect& cuda_dialect();  // cuda_target().dialect

// The architecture `modelc compile` checks the device program for when --cuda-arch is not given
// (Ampere, the reference; NVRTC 13 compiles for sm_75 and later). `modelc run` builds for
// the device's own compute capability.
inline constexpr const char* kDefaultCudaArch = "sm_80";

}  // namespace modelc::backends::cuda
