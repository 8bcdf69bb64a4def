// Theoretical occupancy of a CUDA kernel on one SM, from the per-architecture limits of the CUDA
// C++ Programming Guide ("Compute Capabilities", technical specifications per compute capability)
// and the allocation rules of NVIDIA's occupancy calculator (the toolkit's cuda_occupancy.h, which
// tests/unit/test_cuda_report.cpp checks this against): registers are allocated per warp in units
// of 256, warps of a block are counted in multiples of the SM's 4 sub-partitions for the per-block
// register check, shared memory in units of 256 (7.x) or 128 bytes (8.0+) plus 1 KB the driver
// reserves per block from 8.0 on. The host module opts into no larger shared memory, so a block
// may use 48 KB (+ the reserved KB), and the carveout is the default (all shared memory the SM
// has). Needs no GPU: `modelc compile --backend cuda --report` prints it for --cuda-arch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace modelc::backends::cuda {

struct SmLimits {
  int arch = 0;                      // 80 for sm_80
  int max_warps = 0;                 // resident warps per SM
  int max_blocks = 0;                // resident blocks per SM
  int registers = 65536;             // 32-bit registers per SM
  int registers_per_block = 65536;
  int registers_per_thread = 255;
  int register_unit = 256;           // registers are allocated per warp in multiples of this
  int sub_partitions = 4;            // warp schedulers: a block's warps are rounded up to these for the block check
  int64_t shared_per_sm = 0;         // bytes, the largest carveout
  int64_t shared_per_block = 48 * 1024;  // without the opt-in attribute (the host module sets none)
  int64_t shared_unit = 0;           // allocation granularity, bytes
  int64_t shared_reserved = 0;       // bytes the driver reserves per block (8.0 and later)
  int max_threads_per_block = 1024;
  int warp_size = 32;
};

// sm_70, sm_75, sm_80, sm_86, sm_89, sm_90.
const std::vector<SmLimits>& sm_limits_table();
// The table's row of `arch` (80 for sm_80), or null.
const SmLimits* sm_limits(int arch);

// The largest block (whole warps) whose registers fit one block's register file: what the driver's
// CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK answers for a kernel without __launch_bounds__.
int max_threads_per_block(const SmLimits& sm, int registers_per_thread);

struct Occupancy {
  int blocks = 0;  // resident blocks per SM
  int warps = 0;   // resident warps per SM
  double fraction = 0.0;  // warps / sm.max_warps
  std::string limiter;    // the binding limit: "warps", "blocks", "registers", "shared memory"
};

// Blocks of `block_size` threads, `registers` per thread, `shared_bytes` of shared memory per block
// (static + dynamic). A block that cannot launch at all has 0 blocks and its limiter.
Occupancy occupancy(const SmLimits& sm, int registers, int block_size, int64_t shared_bytes);

}  // namespace modelc::backends::cuda
