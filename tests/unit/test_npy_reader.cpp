// The .npy sidecar reader against hostile files: special files must not block, a header's shape
// must not become an allocation the file cannot back, and large valid files read exactly.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "frontend/npy_reader.h"

namespace fs = std::filesystem;
using modelc::frontend::read_npy;

namespace {

class NpyReader : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("modelc-npy-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A v1.0 .npy file with the given header shape text and `data_bytes` bytes of data.
  fs::path write(const std::string& name, const std::string& descr, const std::string& shape, const std::string& data) {
    std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    while ((10 + header.size() + 1) % 64) header += ' ';
    header += '\n';
    fs::path p = dir_ / name;
    std::ofstream out(p, std::ios::binary);
    out.write("\x93NUMPY\x01\x00", 8);
    uint16_t len = static_cast<uint16_t>(header.size());
    out.write(reinterpret_cast<const char*>(&len), 2);
    out << header << data;
    return p;
  }
  fs::path dir_;
};

}  // namespace

TEST_F(NpyReader, FifoIsRefusedWithoutBlocking) {
  fs::path fifo = dir_ / "pipe.npy";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::string err;
  EXPECT_FALSE(read_npy(fifo, err));  // opening a FIFO for reading would block until a writer comes
  EXPECT_NE(err.find("a FIFO"), std::string::npos) << err;
  EXPECT_NE(err.find("not a regular .npy file"), std::string::npos) << err;
}

TEST_F(NpyReader, DirectoryAndMissingFile) {
  fs::create_directories(dir_ / "d.npy");
  std::string err;
  EXPECT_FALSE(read_npy(dir_ / "d.npy", err));
  EXPECT_NE(err.find("a directory"), std::string::npos) << err;
  EXPECT_FALSE(read_npy(dir_ / "absent.npy", err));
  EXPECT_NE(err.find("cannot open"), std::string::npos) << err;
}

TEST_F(NpyReader, HugeShapeIsCheckedAgainstTheFileSizeBeforeAllocating) {
  // 1e12 doubles (8 TB) declared, 16 bytes present: an error naming both sizes, no bad_alloc.
  fs::path p = write("huge.npy", "<f8", "(1000000, 1000000)", std::string(16, '\0'));
  std::string err;
  EXPECT_FALSE(read_npy(p, err));
  EXPECT_NE(err.find("(1000000, 1000000)"), std::string::npos) << err;
  EXPECT_NE(err.find("7450.6 GiB"), std::string::npos) << err;
  EXPECT_NE(err.find("holds 16 bytes"), std::string::npos) << err;
  // Past 2^40 elements the shape alone is refused.
  p = write("absurd.npy", "<f8", "(4000000000000000,)", "");
  EXPECT_FALSE(read_npy(p, err));
  EXPECT_NE(err.find("more than 2^40 elements"), std::string::npos) << err;
}

TEST_F(NpyReader, TruncatedByOneElement) {
  double v[2] = {1.0, 2.0};
  fs::path p = write("short.npy", "<f8", "(3,)", std::string(reinterpret_cast<const char*>(v), sizeof v));
  std::string err;
  EXPECT_FALSE(read_npy(p, err));
  EXPECT_NE(err.find("truncated"), std::string::npos) << err;
}

TEST_F(NpyReader, LargeFileReadsExactlyAcrossPieces) {
  // More elements than one read piece (8 Mi), with a value pattern that exposes a misplaced piece.
  const size_t n = (size_t(8) << 20) + 12345;
  std::string data(n * 4, '\0');
  for (size_t k = 0; k < n; ++k) {
    int32_t v = static_cast<int32_t>(k % 1000003) - 500000;
    std::memcpy(data.data() + 4 * k, &v, 4);
  }
  fs::path p = write("big.npy", "<i4", "(" + std::to_string(n) + ",)", data);
  std::string err;
  auto a = read_npy(p, err);
  ASSERT_TRUE(a) << err;
  ASSERT_EQ(a->values.size(), n);
  EXPECT_EQ(a->shape, std::vector<int64_t>{static_cast<int64_t>(n)});
  for (size_t k : {size_t(0), (size_t(8) << 20) - 1, size_t(8) << 20, n - 1})
    EXPECT_EQ(a->values[k], static_cast<double>(static_cast<int32_t>(k % 1000003) - 500000)) << k;
}
