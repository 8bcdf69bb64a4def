// How a results directory names a monitor's arrays: shared by the compile-time check that no two
// monitors write the same file (ir::monitor_fields, resolve-names) and the results writer.
#pragma once

#include <string>

namespace modelc::support {

inline std::string monitor_file(const std::string& monitor, const std::string& field) {
  return monitor + "_" + field + ".npy";
}

}  // namespace modelc::support
