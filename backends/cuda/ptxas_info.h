// ptxas's resource usage lines (`-Xptxas -v`, which NVRTC and nvcc print in their logs) read into
// one record per function. The format is ptxas's documented verbose output:
//   ptxas info    : Compiling entry function 'k0' for 'sm_80'
//   ptxas info    : Function properties for k0
//   ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
//   ptxas info    : Used 18 registers, used 0 barriers, 16 bytes smem, 416 bytes cmem[0], 16 bytes cmem[2]
// Items a "Used" line lacks are 0 (ptxas leaves out smem and lmem when there is none); items it
// does not know are ignored, so a newer ptxas that adds some still reads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace modelc::backends::cuda {

struct PtxasFunction {
  std::string name;
  std::string arch;    // "sm_80" (entry functions)
  bool entry = false;  // a kernel ("Compiling entry function"); else a device function with properties
  bool has_usage = false;  // a "Used ..." line was read
  int registers = 0, barriers = 0;
  int64_t stack_frame = 0, spill_stores = 0, spill_loads = 0;
  int64_t shared = 0;    // "bytes smem": static shared memory
  int64_t local = 0;     // "bytes lmem" (older ptxas; the stack frame otherwise)
  int64_t constant = 0;  // the sum of every "bytes cmem[k]"
};

// Every function the log describes, in the log's order.
std::vector<PtxasFunction> parse_ptxas_info(const std::string& log);

}  // namespace modelc::backends::cuda
