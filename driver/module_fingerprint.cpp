#include "driver/module_fingerprint.h"

#include <cstdint>
#include <cstdio>
#include <fstream>

#include "driver/driver.h"

namespace modelc::driver {

std::string module_fingerprint(const std::filesystem::path& module, std::string& error) {
  std::ifstream in(module, std::ios::binary);
  if (!in) {
    error = "cannot read " + module.string();
    return {};
  }
  // FNV-1a: a fingerprint against accidents (stale caches, other versions), not an adversary.
  uint64_t h = 0xcbf29ce484222325ull;
  uint64_t bytes = 0;
  char buf[1 << 16];
  while (in) {
    in.read(buf, sizeof buf);
    const std::streamsize n = in.gcount();
    for (std::streamsize k = 0; k < n; ++k) {
      h ^= static_cast<unsigned char>(buf[k]);
      h *= 0x100000001b3ull;
    }
    bytes += static_cast<uint64_t>(n);
  }
  if (in.bad()) {
    error = "reading " + module.string() + " failed";
    return {};
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return "modelc " + modelc_version() + ", module " + hex + ", " + std::to_string(bytes) + " bytes";
}

}  // namespace modelc::driver
