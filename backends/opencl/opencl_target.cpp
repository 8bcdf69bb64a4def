#include "backends/opencl/opencl_target.h"

namespace modelc::backends::opencl {

namespace {

codegen::simt::GpuDialect make_opencl_dialect() {
  codegen::simt::GpuDialect d;
  d.name = "opencl";
  d.kernel = "__kernel void";
  d.global = "__global";
  d.constant = "__constant";
  d.restrict_ = "restrict";
  d.int64 = "long";  // OpenCL C has no `long long`; its long is 64-bit everywhere
  d.uint32 = "uint";
  d.uint64 = "ulong";
  d.uint16 = "ushort";
  d.uint8 = "uchar";  // OpenCL C 1.2 forbids bool in global memory
  d.int64_suffix = "L";
  d.global_id = "get_global_id(0)";
  d.thread_id = "get_local_id(0)";
  d.block_id = "get_group_id(0)";
  d.block_size = "get_local_size(0)";
  d.grid_blocks = "get_num_groups(0)";
  d.barrier_shared = "barrier(CLK_LOCAL_MEM_FENCE)";
  d.barrier_global = "barrier(CLK_GLOBAL_MEM_FENCE)";
  // The host sets the scratch size as a __local kernel argument (clSetKernelArg with NULL).
  d.shared_param = "__local $t* restrict $n";
  d.shared_array = "__local $t $n;";
  // OpenCL C 1.2 has popcount but no ctz (2.0): the trailing zeros are the set bits below the lowest.
  d.popcount64 = "(int)popcount($v)";
  d.ctz64 = "(int)popcount(($v & (~$v + 1UL)) - 1UL)";
  // OpenCL 1.2 has integer atomics only: floating point (and the int64 forms, through
  // cl_khr_int64_base_atomics) are compare-and-swap loops in opencl_atomics.cl.
  d.atomic_add_int32 = "mc_atomic_add_int($p, $v)";
  d.atomic_add_int64 = "mc_atomic_add_long($p, $v)";
  d.atomic_add_float = "mc_atomic_add_float($p, $v)";
  d.atomic_add_double = "mc_atomic_add_double($p, $v)";
  d.overloaded_math = true;
  return d;
}

codegen::simt::GpuTarget make_opencl_target() {
  codegen::simt::GpuTarget t;
  t.dialect = make_opencl_dialect();
  t.backend = "opencl";
  t.api = "OpenCL";
  t.env_prefix = "MODELC_OPENCL";
  t.fp64_feature = "cl_khr_fp64";
  t.int64_atomics_feature = "cl_khr_int64_base_atomics";
  t.build_options = "-cl-std=CL1.2";
  // The prelude then defines mc_f64 as float: float models keep double-typed time values running.
  t.build_options_no_fp64 = "-cl-std=CL1.2 -DMC_FORCE_NO_FP64";
  return t;
}

}  // namespace

const codegen::simt::GpuTarget& opencl_target() {
  static const codegen::simt::GpuTarget t = make_opencl_target();
  return t;
}

const codegen::simt::GpuDialect& opencl_dialect() { return opencl_target().dialect; }

}  // namespace modelc::backends::opencl
