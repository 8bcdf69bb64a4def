// What a GPU backend's device compiler allocated for each kernel of a device program, and the
// theoretical occupancy that follows at the block size the generated host module launches with
// (`modelc compile --backend cuda --report`, docs/cuda.md "Resource report"). Filled by the cuda
// backend's build; a backend without such a report leaves BuildResult::device_report empty.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace modelc::backends {

struct DeviceKernelResources {
  std::string name;  // the symbol in the device program ("k3", "mc_compact_spikes")
  std::string what;  // what it is ("kernel P_stateupdate", "spike compaction")
  int registers = 0;                 // per thread
  int barriers = 0;                  // named barriers used
  int64_t spill_stores = 0, spill_loads = 0;  // bytes per thread
  int64_t stack_frame = 0;           // bytes of local memory per thread (the stack frame, spills included)
  int64_t shared_static = 0;         // bytes per block declared in the kernel
  int64_t shared_dynamic = 0;        // bytes per block the host module gives it at the block size below
  int64_t constant = 0;              // bytes of constant banks (cmem[0]: parameters; others: compiler constants)
  int max_threads_per_block = 0;     // what CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK will say (from the registers)
  int block_size_cap = 0;            // the host module's upper bound for this kernel
  int block_size = 0;                // the launch's threads per block: min(cap, max threads), whole warps
  // At that block size, per SM; 0 when the architecture has no occupancy table.
  int active_blocks = 0, active_warps = 0;
  double occupancy = 0.0;            // active warps / the SM's maximum warps
  std::string limiter;               // "warps", "blocks", "registers" or "shared memory"
};

struct DeviceCodeReport {
  std::string arch;      // "sm_80"
  std::string compiler;  // "NVRTC 13.0 (ptxas info)"
  int max_warps_per_sm = 0;  // of `arch`; 0 when it has no occupancy table (the note says so)
  int64_t module_constant = 0;  // bytes of constant banks the module's kernels share (in no kernel's figure)
  std::vector<DeviceKernelResources> kernels;  // in the order the device compiler lists them
  std::string note;      // empty, or why some column is missing
};

}  // namespace modelc::backends
