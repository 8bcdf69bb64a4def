#include "backends/cuda/cuda_target.h"

namespace modelc::backends::cuda {

namespace {

// Only what differs from the defaults of codegen/simt/gpu_dialect.h.
codegen::simt::GpuDialect make_cuda_dialect() {
  codegen::simt::GpuDialect d;
  d.name = "cuda";
  // extern "C": the runtime looks kernels up by their plain names (cuModuleGetFunction).
  d.kernel = "extern \"C\" __global__ void";
  d.constant = "__constant__";
  d.restrict_ = "__restrict__";
  d.int64 = "long long";
  d.uint32 = "unsigned int";
  d.uint64 = "unsigned long long";
  d.uint16 = "unsigned short";
  d.uint8 = "unsigned char";
  d.int64_suffix = "LL";
  d.global_id = "(blockIdx.x * blockDim.x + threadIdx.x)";
  d.thread_id = "threadIdx.x";
  d.block_id = "blockIdx.x";
  d.block_size = "blockDim.x";
  d.grid_blocks = "gridDim.x";
  d.barrier_shared = "__syncthreads()";
  d.barrier_global = "__syncthreads()";
  // Dynamic shared memory: the host's mc_kernel_set_local gives its size at launch (the runtime
  // passes it as cuLaunchKernel's sharedMemBytes, not as an argument).
  d.shared_decl = "extern __shared__ $t $n[];";
  d.shared_array = "__shared__ $t $n;";
  d.popcount64 = "__popcll($v)";
  d.ctz64 = "(__ffsll((long long)($v)) - 1)";
  d.atomic_add_int32 = "atomicAdd($p, $v)";
  d.atomic_add_int64 = "atomicAdd((unsigned long long*)$p, (unsigned long long)($v))";
  d.atomic_add_float = "atomicAdd($p, $v)";
  d.atomic_add_double = "atomicAdd($p, $v)";  // native from sm_60
  return d;
}

codegen::simt::GpuTarget make_cuda_target() {
  codegen::simt::GpuTarget t;
  t.dialect = make_cuda_dialect();
  t.backend = "cuda";
  t.api = "CUDA";
  t.env_prefix = "MODELC_CUDA";
  // Every CUDA device has both; the names only appear if a device ever reports otherwise.
  t.fp64_feature = "fp64";
  t.int64_atomics_feature = "64-bit atomicCAS";
  // NVRTC options; the runtime appends --gpu-architecture=sm_XY for the device it builds for.
  // --fmad=false: no contraction, as the CPU's -ffp-contract=off. -default-device: the prelude's
  // plain `static inline` helpers are device functions.
  t.build_options = "--fmad=false -default-device -std=c++17";
  t.build_options_no_fp64 = "--fmad=false -default-device -std=c++17 -DMC_FORCE_NO_FP64";
  t.step_graphs = true;  // runtime/cuda_device_runtime.cpp: a CUDA Graph per repeating step
  return t;
}

}  // namespace

const codegen::simt::GpuTarget& cuda_target() {
  static const codegen::simt::GpuTarget t = make_cuda_target();
  return t;
}

const codegen::simt::GpuDialect& cuda_dialect() { return cuda_target().dialect; }

}  // namespace modelc::backends::cuda
