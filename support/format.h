// Literals of generated C, C++ and OpenCL C source: every layer that writes code (codegen/, the
// backends) formats numbers and strings through these, so a value prints the same way everywhere.
#pragma once

#include <cstdint>
#include <string>

namespace modelc::support {

// A quoted, escaped C string literal: quotes and backslashes escaped, other bytes outside printable
// ASCII as octal escapes (hex escapes would swallow the digits that follow).
std::string c_string(const std::string& s);
// An integer literal valid for int64_t: values beyond 32 bits get `long_suffix` ("LL" in C and
// C++, "L" in OpenCL C, where long is 64 bits).
std::string int_text(int64_t v, const char* long_suffix = "LL");
// A double literal that round-trips (%.17g, always with a '.' or exponent; negative values in
// parentheses). NaN and infinities print as the macros MC_NAN, MC_INF that generated code defines.
std::string double_text(double v);

}  // namespace modelc::support
