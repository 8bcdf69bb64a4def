#include "runtime/npy_writer.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "support/interrupt.h"

namespace modelc::runtime {

// The data is written straight from memory and labelled little-endian.
static_assert(std::endian::native == std::endian::little,
              "npy_writer assumes a little-endian host");

const char* npy_descr(NpyDtype dtype) {
  switch (dtype) {
    case NpyDtype::Bool: return "|b1";
    case NpyDtype::Int32: return "<i4";
    case NpyDtype::Int64: return "<i8";
    case NpyDtype::Float32: return "<f4";
    case NpyDtype::Float64: return "<f8";
  }
  return "<f8";
}

size_t npy_item_size(NpyDtype dtype) {
  switch (dtype) {
    case NpyDtype::Bool: return 1;
    case NpyDtype::Int32: return 4;
    case NpyDtype::Int64: return 8;
    case NpyDtype::Float32: return 4;
    case NpyDtype::Float64: return 8;
  }
  return 8;
}

const char* npy_dtype_name(NpyDtype dtype) {
  switch (dtype) {
    case NpyDtype::Bool: return "bool";
    case NpyDtype::Int32: return "int32";
    case NpyDtype::Int64: return "int64";
    case NpyDtype::Float32: return "float32";
    case NpyDtype::Float64: return "float64";
  }
  return "float64";
}

int64_t NpyView::num_elements() const {
  int64_t n = 1;
  for (int64_t extent : shape) n *= extent;
  return n;
}

NpyView npy_view(const std::vector<int32_t>& v) {
  return {NpyDtype::Int32, {static_cast<int64_t>(v.size())}, v.data()};
}
NpyView npy_view(const std::vector<int64_t>& v) {
  return {NpyDtype::Int64, {static_cast<int64_t>(v.size())}, v.data()};
}
NpyView npy_view(const std::vector<float>& v) {
  return {NpyDtype::Float32, {static_cast<int64_t>(v.size())}, v.data()};
}
NpyView npy_view(const std::vector<double>& v) {
  return {NpyDtype::Float64, {static_cast<int64_t>(v.size())}, v.data()};
}
NpyView npy_view_2d(const std::vector<double>& v, int64_t rows, int64_t cols) {
  return {NpyDtype::Float64, {rows, cols}, v.data()};
}

std::string npy_header(NpyDtype dtype, const std::vector<int64_t>& shape) {
  // Python's tuple repr: "()", "(3,)", "(2, 3)".
  std::string shape_text = "(";
  for (size_t k = 0; k < shape.size(); ++k) {
    if (k > 0) shape_text += ", ";
    shape_text += std::to_string(shape[k]);
  }
  if (shape.size() == 1) shape_text += ",";
  shape_text += ")";

  std::string dict = "{'descr': '";
  dict += npy_descr(dtype);
  dict += "', 'fortran_order': False, 'shape': ";
  dict += shape_text;
  dict += ", }";

  // magic (6) + version (2) + header length (2) + dict + padding + '\n' = multiple of 64.
  constexpr size_t kPreamble = 10;
  size_t total = kPreamble + dict.size() + 1;
  size_t padded = (total + 63) / 64 * 64;
  dict.append(padded - total, ' ');
  dict += '\n';

  size_t dict_len = dict.size();
  std::string header("\x93NUMPY\x01\x00", 8);
  header += static_cast<char>(dict_len & 0xff);
  header += static_cast<char>((dict_len >> 8) & 0xff);
  header += dict;
  return header;
}

bool write_npy(const std::filesystem::path& path, const NpyView& view, std::string& error, bool interruptible) {
  if (view.shape.size() > 2) {
    error = "npy writer: only 0-D, 1-D and 2-D arrays are supported (" + path.string() + ")";
    return false;
  }
  for (int64_t extent : view.shape) {
    if (extent < 0) {
      error = "npy writer: negative extent in the shape of " + path.string();
      return false;
    }
  }
  int64_t count = view.num_elements();
  if (count > 0 && view.data == nullptr) {
    error = "npy writer: no data for " + path.string();
    return false;
  }
  std::string header = npy_header(view.dtype, view.shape);
  if (header.size() - 10 > 0xffff) {
    error = "npy writer: header too long for format 1.0 (" + path.string() + ")";
    return false;
  }

  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    error = "cannot create " + path.string() + ": " + std::strerror(errno);
    return false;
  }
  size_t bytes = static_cast<size_t>(count) * npy_item_size(view.dtype);
  bool ok = std::fwrite(header.data(), 1, header.size(), file) == header.size();
  // In pieces, so that an interrupt stops the writing of a multi-gigabyte monitor within moments.
  constexpr size_t kPiece = size_t{64} << 20;
  const char* data = static_cast<const char*>(view.data);
  bool interrupted = false;
  for (size_t done = 0; ok && done < bytes; done += kPiece) {
    if (interruptible && support::interrupt_requested()) {
      interrupted = true;
      break;
    }
    size_t n = std::min(kPiece, bytes - done);
    ok = std::fwrite(data + done, 1, n, file) == n;
  }
  int write_errno = errno;
  // fclose flushes: its failure (e.g. a full disk) is a write failure too.
  if (std::fclose(file) != 0 && ok) {
    ok = false;
    write_errno = errno;
  }
  if (interrupted) {
    error = "interrupted while writing " + path.string();
    return false;
  }
  if (!ok) {
    error = "cannot write " + path.string() + ": " + std::strerror(write_errno);
    return false;
  }
  return true;
}

}  // namespace modelc::runtime
