// The section table of a CUBIN (an ELF64 file): what ptxas's info does not say for every
// architecture. From sm_90 on ptxas prints no "bytes cmem[k]"; the CUBIN still has one
// `.nv.constant<bank>.<kernel>` section per constant bank a kernel uses (bank 0: the parameters and
// the driver's launch constants; 2: the compiler's constants) and `.nv.constant<bank>` sections the
// whole module shares (ptxas counts those for no kernel). For sm_80 the per-kernel sizes are exactly ptxas's cmem figures
// (tests/unit/test_cuda_report.cpp).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace modelc::backends::cuda {

struct ElfSection {
  uint64_t offset = 0, size = 0;  // in the file (NOBITS sections such as .nv.shared.* occupy none)
};

// Section name -> where it is; empty if `elf` is not a little-endian ELF64 file.
std::map<std::string, ElfSection> elf_sections(const std::vector<char>& elf);

// The constant banks of `kernel` (what ptxas's "bytes cmem[k]" add up to).
int64_t kernel_constant_bytes(const std::map<std::string, ElfSection>& sections, const std::string& kernel);
// The banks the whole module shares (`.nv.constant<bank>` without a kernel: __constant__ data, the
// addresses of device globals).
int64_t module_constant_bytes(const std::map<std::string, ElfSection>& sections);

}  // namespace modelc::backends::cuda
