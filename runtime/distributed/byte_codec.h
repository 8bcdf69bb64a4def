// A flat little-endian byte encoding for what ranks ship to each other (results, fingerprints,
// lists of strings): fixed-width integers and doubles, and length-prefixed strings and arrays.
// The ranks of a job run the same build on the same kind of machine, so the layout is the
// machine's own; the reader checks every length against what is left, so a truncated or corrupt
// message is an error, never a read past the end.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

namespace modelc::runtime::distributed {

class ByteWriter {
 public:
  template <typename T>
    requires std::is_arithmetic_v<T>
  void put(T value) {
    const auto* p = reinterpret_cast<const char*>(&value);
    out_.append(p, sizeof value);
  }
  void put_string(const std::string& s) {
    put<uint64_t>(s.size());
    out_.append(s);
  }
  template <typename T>
    requires std::is_arithmetic_v<T>
  void put_array(const std::vector<T>& v) {
    put<uint64_t>(v.size());
    if (!v.empty()) out_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class ByteReader {
 public:
  explicit ByteReader(const std::string& data) : data_(data) {}

  template <typename T>
    requires std::is_arithmetic_v<T>
  bool get(T& value) {
    if (data_.size() - pos_ < sizeof value) return fail();
    std::memcpy(&value, data_.data() + pos_, sizeof value);
    pos_ += sizeof value;
    return true;
  }
  bool get_string(std::string& s) {
    uint64_t n = 0;
    if (!get(n) || n > data_.size() - pos_) return fail();
    s.assign(data_, pos_, n);
    pos_ += n;
    return true;
  }
  template <typename T>
    requires std::is_arithmetic_v<T>
  bool get_array(std::vector<T>& v) {
    uint64_t n = 0;
    if (!get(n) || n > (data_.size() - pos_) / sizeof(T)) return fail();
    v.resize(n);
    if (n > 0) std::memcpy(v.data(), data_.data() + pos_, n * sizeof(T));
    pos_ += n * sizeof(T);
    return true;
  }
  bool at_end() const { return ok_ && pos_ == data_.size(); }
  bool ok() const { return ok_; }

 private:
  bool fail() {
    ok_ = false;
    return false;
  }
  const std::string& data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace modelc::runtime::distributed
