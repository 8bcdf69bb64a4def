#include "frontend/npy_reader.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <new>
#include <fstream>
#include <sstream>

#include "support/interrupt.h"

namespace modelc::frontend {

namespace {

// The value of `key` in the header's Python dict literal, as raw text ("'<f8'", "False", "(3, 4)").
std::string dict_value(const std::string& header, const std::string& key) {
  auto k = header.find("'" + key + "'");
  if (k == std::string::npos) return {};
  auto colon = header.find(':', k);
  if (colon == std::string::npos) return {};
  size_t p = colon + 1;
  while (p < header.size() && header[p] == ' ') ++p;
  if (p >= header.size()) return {};
  size_t e = p;
  if (header[p] == '(') e = header.find(')', p) + 1;
  else if (header[p] == '\'') e = header.find('\'', p + 1) + 1;
  else
    while (e < header.size() && header[e] != ',' && header[e] != '}') ++e;
  if (e == std::string::npos || e == 0) return {};
  return header.substr(p, e - p);
}

template <class T>
void convert(const char* raw, size_t n, double* out) {
  for (size_t k = 0; k < n; ++k) {
    T v;
    std::memcpy(&v, raw + k * sizeof(T), sizeof(T));
    out[k] = static_cast<double>(v);
  }
}

std::string describe_size(double bytes) {
  char b[64];
  if (bytes >= 1024.0 * 1024 * 1024) std::snprintf(b, sizeof b, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
  else if (bytes >= 1024.0 * 1024) std::snprintf(b, sizeof b, "%.1f MiB", bytes / (1024.0 * 1024));
  else std::snprintf(b, sizeof b, "%.0f bytes", bytes);
  return b;
}

const char* file_kind(std::filesystem::file_type t) {
  using T = std::filesystem::file_type;
  switch (t) {
    case T::directory: return "a directory";
    case T::fifo: return "a FIFO (named pipe)";
    case T::socket: return "a socket";
    case T::block: return "a block device";
    case T::character: return "a character device";
    default: return "not a regular file";
  }
}

}  // namespace

std::optional<NpyArray> read_npy(const std::filesystem::path& path, std::string& error) {
  // A FIFO or a device would block or never end: only regular files (symlinks to them too).
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (status.type() == std::filesystem::file_type::not_found) {
    error = "cannot open '" + path.string() + "': no such file";
    return std::nullopt;
  }
  if (status.type() != std::filesystem::file_type::regular) {
    error = "'" + path.string() + "' is " + file_kind(status.type()) + ", not a regular .npy file";
    return std::nullopt;
  }
  const uintmax_t file_size = std::filesystem::file_size(path, ec);
  if (ec) {
    error = "cannot read the size of '" + path.string() + "': " + ec.message();
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open '" + path.string() + "'";
    return std::nullopt;
  }
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) {
    error = "'" + path.string() + "' is not a NumPy .npy file (bad magic)";
    return std::nullopt;
  }
  uint32_t header_len = 0;
  if (magic[6] == 1) {
    unsigned char b[2];
    if (!in.read(reinterpret_cast<char*>(b), 2)) { error = "truncated .npy header"; return std::nullopt; }
    header_len = b[0] | (b[1] << 8);
  } else if (magic[6] == 2 || magic[6] == 3) {
    unsigned char b[4];
    if (!in.read(reinterpret_cast<char*>(b), 4)) { error = "truncated .npy header"; return std::nullopt; }
    header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
  } else {
    error = "unsupported .npy format version " + std::to_string(static_cast<int>(magic[6]));
    return std::nullopt;
  }
  if (header_len > (1u << 20)) { error = "implausible .npy header length"; return std::nullopt; }
  std::string header(header_len, '\0');
  if (!in.read(header.data(), header_len)) { error = "truncated .npy header"; return std::nullopt; }
  NpyArray a;
  std::string descr = dict_value(header, "descr");
  if (descr.size() >= 2 && descr.front() == '\'') descr = descr.substr(1, descr.size() - 2);
  a.descr = descr;
  if (dict_value(header, "fortran_order") != "False") {
    error = "'" + path.string() + "' is in Fortran order; save it with C order (np.ascontiguousarray)";
    return std::nullopt;
  }
  std::string shape = dict_value(header, "shape");
  if (shape.size() < 2 || shape.front() != '(') { error = "malformed shape in .npy header"; return std::nullopt; }
  {
    std::stringstream ss(shape.substr(1, shape.size() - 2));
    std::string part;
    while (std::getline(ss, part, ',')) {
      if (part.find_first_not_of(' ') == std::string::npos) continue;
      try {
        long long v = std::stoll(part);
        if (v < 0) throw std::out_of_range("negative");
        a.shape.push_back(v);
      } catch (...) {
        error = "malformed shape " + shape + " in .npy header";
        return std::nullopt;
      }
    }
  }
  size_t n = 1;
  for (int64_t d : a.shape) {
    if (d > 0 && n > (size_t(1) << 40) / static_cast<size_t>(d)) {
      error = "'" + path.string() + "' declares the shape " + shape + ", more than 2^40 elements";
      return std::nullopt;
    }
    n *= static_cast<size_t>(d);
  }
  if (a.shape.empty()) a.shape.push_back(1);
  size_t elem = descr == "<f8" || descr == "<i8" ? 8 : descr == "<f4" || descr == "<i4" || descr == "<u4" ? 4 : descr == "|b1" || descr == "|u1" ? 1 : 0;
  if (elem == 0) {
    error = "unsupported .npy dtype '" + descr + "'; use float64 (<f8), float32, int64, int32, uint32 or bool";
    return std::nullopt;
  }
  // The header's shape is checked against the bytes the file really holds before anything is
  // allocated: a hostile header must not turn into a huge allocation.
  const uintmax_t data_start = static_cast<uintmax_t>(in.tellg());
  const uintmax_t available = file_size > data_start ? file_size - data_start : 0;
  if (static_cast<double>(n) * static_cast<double>(elem) > static_cast<double>(available)) {
    error = "'" + path.string() + "' is truncated or its header is wrong: the shape " + shape + " needs " +
            describe_size(static_cast<double>(n) * elem) + " of data but the file holds " +
            describe_size(static_cast<double>(available));
    return std::nullopt;
  }
  try {
    a.values.resize(n);
  } catch (const std::bad_alloc&) {
    error = "out of memory allocating " + describe_size(static_cast<double>(n) * sizeof(double)) + " for the " +
            std::to_string(n) + " values of '" + path.string() + "'";
    return std::nullopt;
  }
  // In pieces, so a large file neither needs a second full-size buffer nor delays a signal.
  constexpr size_t kPiece = size_t(8) << 20;  // elements
  std::vector<char> raw(std::min(n, kPiece) * elem);
  for (size_t done = 0; done < n;) {
    if (support::interrupt_requested()) {
      error = "interrupted while reading '" + path.string() + "'";
      return std::nullopt;
    }
    const size_t count = std::min(kPiece, n - done);
    if (!in.read(raw.data(), static_cast<std::streamsize>(count * elem))) {
      error = "'" + path.string() + "' is truncated: expected " + std::to_string(n) + " elements";
      return std::nullopt;
    }
    double* out = a.values.data() + done;
    if (descr == "<f8") convert<double>(raw.data(), count, out);
    else if (descr == "<f4") convert<float>(raw.data(), count, out);
    else if (descr == "<i8") convert<int64_t>(raw.data(), count, out);
    else if (descr == "<i4") convert<int32_t>(raw.data(), count, out);
    else if (descr == "<u4") convert<uint32_t>(raw.data(), count, out);
    else convert<uint8_t>(raw.data(), count, out);
    done += count;
  }
  return a;
}

std::optional<std::filesystem::path> resolve_sidecar(const std::string& model_file, const std::string& relative,
                                                     std::string& error) {
  namespace fs = std::filesystem;
  fs::path rel(relative);
  if (relative.empty() || rel.is_absolute()) {
    error = "the .npy path '" + relative + "' must be relative to the model file";
    return std::nullopt;
  }
  fs::path base = fs::path(model_file).parent_path();
  if (base.empty()) base = ".";
  std::error_code ec;
  fs::path root = fs::weakly_canonical(base, ec);
  fs::path full = fs::weakly_canonical(base / rel, ec);
  if (ec) {
    error = "cannot resolve '" + relative + "': " + ec.message();
    return std::nullopt;
  }
  auto r = root.begin(), f = full.begin();
  for (; r != root.end(); ++r, ++f)
    if (f == full.end() || *r != *f) {
      error = "the .npy path '" + relative + "' leaves the model's directory";
      return std::nullopt;
    }
  return full;
}

}  // namespace modelc::frontend
