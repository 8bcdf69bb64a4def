#include "backends/cuda/cubin_sections.h"

#include <cstring>

namespace modelc::backends::cuda {

namespace {

template <typename T>
bool read_at(const std::vector<char>& b, uint64_t offset, T& out) {
  if (offset > b.size() || b.size() - offset < sizeof(T)) return false;
  std::memcpy(&out, b.data() + offset, sizeof(T));  // CUBINs and this host are little-endian (checked)
  return true;
}

}  // namespace

std::map<std::string, ElfSection> elf_sections(const std::vector<char>& elf) {
  std::map<std::string, ElfSection> out;
  // e_ident: magic, ELFCLASS64 (2), ELFDATA2LSB (1).
  if (elf.size() < 64 || std::memcmp(elf.data(), "\x7f" "ELF", 4) != 0 || elf[4] != 2 || elf[5] != 1) return out;
  uint16_t probe = 1;
  unsigned char first = 0;
  std::memcpy(&first, &probe, 1);
  if (first != 1) return out;  // a big-endian host would need byte swaps
  uint64_t shoff = 0;
  uint16_t shentsize = 0, shnum = 0, shstrndx = 0;
  if (!read_at(elf, 0x28, shoff) || !read_at(elf, 0x3a, shentsize) || !read_at(elf, 0x3c, shnum) ||
      !read_at(elf, 0x3e, shstrndx) || shentsize < 64 || shstrndx >= shnum)
    return out;
  // Section header: sh_name (u32) at 0, sh_offset (u64) at 24, sh_size (u64) at 32.
  auto header = [&](uint16_t k, uint32_t& name, uint64_t& offset, uint64_t& size) {
    const uint64_t at = shoff + static_cast<uint64_t>(k) * shentsize;
    return read_at(elf, at, name) && read_at(elf, at + 24, offset) && read_at(elf, at + 32, size);
  };
  uint32_t unused = 0;
  uint64_t strtab = 0, strsize = 0;
  if (!header(shstrndx, unused, strtab, strsize) || strtab > elf.size() || elf.size() - strtab < strsize) return out;
  for (uint16_t k = 0; k < shnum; ++k) {
    uint32_t name = 0;
    uint64_t offset = 0, size = 0;
    if (!header(k, name, offset, size) || name >= strsize) continue;
    const char* s = elf.data() + strtab + name;
    out[std::string(s, strnlen(s, strsize - name))] = ElfSection{offset, size};
  }
  return out;
}

namespace {

// Whether `name` is a constant bank; `kernel` is then its kernel (".nv.constant0.k3"), or empty for
// a bank of the module (".nv.constant4").
bool constant_bank(const std::string& name, std::string& kernel) {
  if (name.rfind(".nv.constant", 0) != 0) return false;
  const size_t dot = name.find('.', 12);  // after ".nv.constant<bank>"
  kernel = dot == std::string::npos ? std::string() : name.substr(dot + 1);
  return true;
}

}  // namespace

int64_t kernel_constant_bytes(const std::map<std::string, ElfSection>& sections, const std::string& kernel) {
  int64_t total = 0;
  std::string owner;
  for (const auto& [name, section] : sections)
    if (constant_bank(name, owner) && owner == kernel) total += static_cast<int64_t>(section.size);
  return total;
}

int64_t module_constant_bytes(const std::map<std::string, ElfSection>& sections) { return kernel_constant_bytes(sections, ""); }

}  // namespace modelc::backends::cuda
