#include "support/format.h"

#include <cmath>
#include <cstdio>

namespace modelc::support {

std::string c_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += static_cast<char>(ch);
    } else if (ch < 0x20 || ch >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", ch);
      out += buf;
    } else {
      out += static_cast<char>(ch);
    }
  }
  return out + "\"";
}

std::string int_text(int64_t v, const char* long_suffix) {
  if (v == INT64_MIN) return "(-9223372036854775807" + std::string(long_suffix) + " - 1)";
  return std::to_string(v) + (v > 2147483647 || v < -2147483647 ? long_suffix : "");
}

std::string double_text(double v) {
  if (std::isnan(v)) return "MC_NAN";
  if (std::isinf(v)) return v > 0 ? "MC_INF" : "(-MC_INF)";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return v < 0 ? "(" + s + ")" : s;
}

}  // namespace modelc::support
