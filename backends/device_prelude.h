// The device prelude of a GPU backend: files of the source tree (the backend's support/ folder and
// abi/), pasted in order before the kernels, each under a comment naming it. Read at code
// generation, so an installed modelc finds them under its share/modelc (backends::source_root).
#pragma once

#include <optional>
#include <span>
#include <string>

#include "support/diagnostics.h"

namespace modelc::backends {

// The files' text; nullopt, with an error naming the file and how to point modelc at its sources,
// when one cannot be read.
std::optional<std::string> read_device_prelude(std::span<const char* const> files, const std::string& backend,
                                               DiagnosticEngine& diags);

}  // namespace modelc::backends
