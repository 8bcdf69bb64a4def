// The section table of a CUBIN (an ELF64 file): what ptxas's info does not say for every
// architecture. From sm_90 on ptxas prints no "bytes cmem[k]"; the CUBIN still has one
// `.nv.constant<bank>.<kernel>` section per constant bank a kernel uses (bank 0: the parameters and
// the driver's launch constants; 2: the compiler's constants) and `.nv.constant<bank>` sections the
// whole module shares. For sm_80 the per-kernel sizes are exactly ptxas's cmem figures
// (tests/unit/test_cuda_report.cpp).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace modelc::backends::cuda {

// Section name -> size in bytes; empty if `elf` is not a little-endian ELF64 file.
std::map<std::string, uint64_t> elf_section_sizes(const std::vector<char>& elf);

// The constant memory `kernel` can read: its own banks and the module's shared ones.
int64_t kernel_constant_bytes(const std::map<std::string, uint64_t>& sections, const std::string& kernel);

}  // namespace modelc::backends::cuda
