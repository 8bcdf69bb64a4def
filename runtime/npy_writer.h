// NumPy .npy (format version 1.0) writer for simulation results, so that `numpy.load` reads every
// array modelc produces without any modelc-specific reader.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace modelc::runtime {

enum class NpyDtype { Bool, Int32, Int64, Float32, Float64 };

const char* npy_descr(NpyDtype dtype);   // "|b1", "<i4", "<i8", "<f4", "<f8"
size_t npy_item_size(NpyDtype dtype);    // bytes per element
const char* npy_dtype_name(NpyDtype dtype);  // numpy names for manifests: "bool", "int32", ...

// A borrowed view of C-order data to write; `data` must hold product(shape) elements of `dtype`.
// Bool data is one byte per element (0 or 1), as numpy stores it.
struct NpyView {
  NpyDtype dtype = NpyDtype::Float64;
  std::vector<int64_t> shape;  // 1-D or 2-D (0-D, a scalar, also works)
  const void* data = nullptr;

  int64_t num_elements() const;
};

NpyView npy_view(const std::vector<int32_t>& v);
NpyView npy_view(const std::vector<int64_t>& v);
NpyView npy_view(const std::vector<float>& v);
NpyView npy_view(const std::vector<double>& v);
// 2-D [rows, cols] view of row-major data; v.size() must equal rows * cols.
NpyView npy_view_2d(const std::vector<double>& v, int64_t rows, int64_t cols);

// The full header (magic, version, length, dict, padding, '\n'); its size is a multiple of 64 so
// the data that follows is aligned the way numpy itself aligns it.
std::string npy_header(NpyDtype dtype, const std::vector<int64_t>& shape);

// Writes `view` to `path` (replacing any existing file). Returns false and sets `error` on failure.
// `interruptible`: stop (and fail) between 64 MiB pieces once SIGINT/SIGTERM was received
// (support/interrupt.h).
bool write_npy(const std::filesystem::path& path, const NpyView& view, std::string& error,
               bool interruptible = false);

}  // namespace modelc::runtime
