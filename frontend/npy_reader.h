// Reads NumPy .npy files (format 1.0/2.0/3.0 header; little-endian <f8 <f4 <i8 <i4 <u4 and |b1;
// C order), the sidecar arrays of IR v2 model files. Values come back as doubles.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace modelc::frontend {

struct NpyArray {
  std::vector<int64_t> shape;  // () is returned as {1}
  std::vector<double> values;  // C order
  std::string descr;           // as in the header, e.g. "<f8"
};

// On failure returns nullopt and says why in `error` (file missing, not an .npy file, unsupported
// dtype, Fortran order, truncated data).
std::optional<NpyArray> read_npy(const std::filesystem::path& path, std::string& error);

// Resolves `relative` against the directory of the model file `model_file`; fails (nullopt, `error`)
// when the result leaves that directory tree or the path is absolute.
std::optional<std::filesystem::path> resolve_sidecar(const std::string& model_file, const std::string& relative,
                                                     std::string& error);

}  // namespace modelc::frontend
