#include "backends/device_prelude.h"

#include <fstream>
#include <sstream>

#include "backends/host_compiler.h"

namespace modelc::backends {

std::optional<std::string> read_device_prelude(std::span<const char* const> files, const std::string& backend,
                                               DiagnosticEngine& diags) {
  const std::filesystem::path root = source_root();
  std::string prelude;
  for (const char* f : files) {
    std::ifstream in(root / f, std::ios::binary);
    if (!in) {
      diags.error(backend + " backend: cannot read '" + (root / f).string() + "'", "",
                  "set MODELC_SOURCE_ROOT to the directory that holds abi/ and backends/");
      return std::nullopt;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    prelude += "\n/* ---- " + std::string(f) + " ---- */\n" + ss.str();
  }
  return prelude;
}

}  // namespace modelc::backends
