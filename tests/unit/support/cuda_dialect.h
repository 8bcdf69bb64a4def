// CUDA as a GPU dialect of the SIMT kernel emitter: only what differs from the defaults of
// codegen/simt/gpu_dialect.h. A test fixture until the CUDA backend exists (test_simt_cuda.cpp).
#pragma once

#include "codegen/simt/gpu_dialect.h"

namespace modelc::testing {

inline codegen::simt::GpuDialect cuda_dialect() {
  codegen::simt::GpuDialect d;
  d.name = "cuda";
  d.kernel = "extern \"C\" __global__ void";
  d.constant = "__constant__";
  d.restrict_ = "__restrict__";
  d.int64 = "long long";
  d.uint32 = "unsigned int";
  d.uint64 = "unsigned long long";
  d.uint8 = "unsigned char";
  d.int64_suffix = "LL";
  d.global_id = "(blockIdx.x * blockDim.x + threadIdx.x)";
  d.thread_id = "threadIdx.x";
  d.block_id = "blockIdx.x";
  d.block_size = "blockDim.x";
  d.grid_blocks = "gridDim.x";
  d.barrier_shared = "__syncthreads()";
  d.barrier_global = "__syncthreads()";
  d.shared_decl = "extern __shared__ $t $n[];";
  d.atomic_add_int32 = "atomicAdd($p, $v)";
  d.atomic_add_int64 = "atomicAdd((unsigned long long*)$p, (unsigned long long)($v))";
  d.atomic_add_float = "atomicAdd($p, $v)";
  d.atomic_add_double = "atomicAdd($p, $v)";  // sm_60 and later
  return d;
}

}  // namespace modelc::testing
