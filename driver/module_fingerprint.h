// What identifies the build a rank of a distributed run is about to run: the module file's bytes
// and the modelc that loads it. Ranks compare fingerprints before the first collective, because
// ranks running different modules (a stale build cache on one node, another modelc) would exchange
// events of different networks and either hang or give wrong results silently.
#pragma once

#include <filesystem>
#include <string>

namespace modelc::driver {

// "modelc 0.1.0, module 1f2e...(16 hex digits), 123456 bytes"; empty with `error` when the file
// cannot be read.
std::string module_fingerprint(const std::filesystem::path& module, std::string& error);

}  // namespace modelc::driver
