// Shared helpers for the libFuzzer targets. Every target renders its diagnostics, because the
// caret renderer indexes into user strings with offsets computed elsewhere and is a likely place
// for out-of-range reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "support/diagnostics.h"

namespace modelc::fuzz {

inline std::string as_string(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// Renders with and without colour; the result is consumed so the work cannot be optimised away.
inline void render_all(const DiagnosticEngine& diags) {
  volatile size_t sink = diags.render("fuzz.json", false).size() + diags.render("fuzz.json", true).size();
  (void)sink;
}

}  // namespace modelc::fuzz
