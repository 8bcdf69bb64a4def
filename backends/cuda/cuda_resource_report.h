// The per-kernel resource report of a CUDA device program (`modelc compile --backend cuda
// --report`): ptxas's verbose info from the NVRTC build (registers, spills, stack frame, shared and
// constant memory), each kernel's launch as the generated host module makes it (its block size cap
// and dynamic shared memory), and the theoretical occupancy that follows for the architecture
// (occupancy.h). docs/cuda.md, "Resource report".
#pragma once

#include <string>
#include <vector>

#include "backends/device_code_report.h"
#include "ir/kernel_ir.h"

namespace modelc::backends::cuda {

// How the host module launches a kernel of the device program (codegen/simt/gpu_host_*.cpp):
// mc_kernel_local_size(kernel, cap) threads per block and, for the spike compaction, an int of
// dynamic shared memory per thread. tests/unit/test_cuda_report.cpp checks these against the host
// module the emitter writes, so a change there that this misses fails there.
struct LaunchShape {
  std::string what;
  int block_size_cap = 256;
  int dynamic_shared_per_thread = 0;  // bytes
};

// `kernel` is a symbol of the device program of `program`: "k<index>" or one of the emitter's
// helper kernels (mc_compact_spikes, mc_record_spikes, mc_copy_events, mc_rec_state<N>,
// mc_rec_spikevars<N>).
LaunchShape launch_shape(const kir::Program& program, const std::string& kernel);

// Every kernel of `device_source` that `ptxas_log` (NVRTC's log with -Xptxas -v for `arch`, e.g. 80)
// describes, in the order of the source; constant memory from `cubin`'s sections (cubin_sections.h),
// ptxas's figure where the CUBIN has none. Kernels the log lacks are named in the note.
DeviceCodeReport resource_report(const kir::Program& program, const std::string& device_source,
                                 const std::string& ptxas_log, const std::vector<char>& cubin, int arch,
                                 const std::string& compiler);

}  // namespace modelc::backends::cuda
