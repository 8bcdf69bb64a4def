// The .npy writer (checked byte by byte, and by numpy when it is installed) and the atomic
// results directory writer.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "runtime/npy_writer.h"
#include "runtime/results_writer.h"

namespace fs = std::filesystem;
using namespace modelc::runtime;

namespace {

class TempDir {
 public:
  explicit TempDir(const std::string& tag)
      : path_(fs::temp_directory_path() /
              ("modelc-" + tag + "-" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string expected_dict(const std::string& descr, const std::string& shape) {
  return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
}

// Checks magic, version, header length, dict text, padding and returns the data bytes.
std::string check_npy_layout(const std::string& bytes, const std::string& dict) {
  EXPECT_GE(bytes.size(), 64u);
  EXPECT_EQ(bytes.substr(0, 6), std::string("\x93NUMPY", 6));
  EXPECT_EQ(bytes[6], 1);  // major version
  EXPECT_EQ(bytes[7], 0);  // minor version
  size_t header_len = static_cast<unsigned char>(bytes[8]) |
                      (static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8);
  size_t data_offset = 10 + header_len;
  EXPECT_EQ(data_offset % 64, 0u);
  EXPECT_LE(data_offset, bytes.size());
  std::string header = bytes.substr(10, header_len);
  EXPECT_EQ(header.substr(0, dict.size()), dict);
  EXPECT_EQ(header.back(), '\n');
  for (size_t k = dict.size(); k + 1 < header.size(); ++k) EXPECT_EQ(header[k], ' ') << k;
  return bytes.substr(data_offset);
}

bool numpy_available() {
  return std::system("/usr/bin/python3 -c 'import numpy' > /dev/null 2>&1") == 0;
}

TEST(NpyWriter, HeaderText) {
  EXPECT_EQ(npy_header(NpyDtype::Float64, {3}).size() % 64, 0u);
  std::string h = npy_header(NpyDtype::Float64, {3});
  EXPECT_NE(h.find(expected_dict("<f8", "(3,)")), std::string::npos);
  EXPECT_NE(npy_header(NpyDtype::Int32, {2, 5}).find(expected_dict("<i4", "(2, 5)")),
            std::string::npos);
  EXPECT_NE(npy_header(NpyDtype::Bool, {0}).find(expected_dict("|b1", "(0,)")), std::string::npos);
  EXPECT_NE(npy_header(NpyDtype::Int64, {}).find(expected_dict("<i8", "()")), std::string::npos);
  EXPECT_NE(npy_header(NpyDtype::Float32, {1}).find("'<f4'"), std::string::npos);
}

TEST(NpyWriter, DoubleVectorBytes) {
  TempDir dir("npy-f8");
  std::vector<double> v = {1.5, -2.25, 1e300};
  std::string error;
  ASSERT_TRUE(write_npy(dir.path() / "a.npy", npy_view(v), error)) << error;
  std::string data = check_npy_layout(read_bytes(dir.path() / "a.npy"),
                                      expected_dict("<f8", "(3,)"));
  ASSERT_EQ(data.size(), v.size() * sizeof(double));
  EXPECT_EQ(std::memcmp(data.data(), v.data(), data.size()), 0);
}

TEST(NpyWriter, AllDtypesAndTwoDimensions) {
  TempDir dir("npy-all");
  std::string error;
  std::vector<int32_t> i4 = {1, -2, 3};
  std::vector<int64_t> i8 = {int64_t(1) << 40, -7};
  std::vector<float> f4 = {0.5f, 0.25f};
  std::vector<double> f8 = {1, 2, 3, 4, 5, 6};
  std::vector<uint8_t> b1 = {1, 0, 1, 1};
  ASSERT_TRUE(write_npy(dir.path() / "i4.npy", npy_view(i4), error)) << error;
  ASSERT_TRUE(write_npy(dir.path() / "i8.npy", npy_view(i8), error)) << error;
  ASSERT_TRUE(write_npy(dir.path() / "f4.npy", npy_view(f4), error)) << error;
  ASSERT_TRUE(write_npy(dir.path() / "f8.npy", npy_view_2d(f8, 2, 3), error)) << error;
  ASSERT_TRUE(write_npy(dir.path() / "b1.npy", NpyView{NpyDtype::Bool, {2, 2}, b1.data()}, error))
      << error;

  auto check = [&](const char* file, const std::string& dict, const void* raw, size_t size) {
    std::string data = check_npy_layout(read_bytes(dir.path() / file), dict);
    ASSERT_EQ(data.size(), size) << file;
    EXPECT_EQ(std::memcmp(data.data(), raw, size), 0) << file;
  };
  check("i4.npy", expected_dict("<i4", "(3,)"), i4.data(), 12);
  check("i8.npy", expected_dict("<i8", "(2,)"), i8.data(), 16);
  check("f4.npy", expected_dict("<f4", "(2,)"), f4.data(), 8);
  check("f8.npy", expected_dict("<f8", "(2, 3)"), f8.data(), 48);
  check("b1.npy", expected_dict("|b1", "(2, 2)"), b1.data(), 4);

  if (!numpy_available()) GTEST_SKIP() << "numpy not installed: byte checks only";
  std::string script =
      "import numpy as np, sys; d = sys.argv[1]\n"
      "assert np.load(d + '/i4.npy').tolist() == [1, -2, 3]\n"
      "assert np.load(d + '/i8.npy').tolist() == [1 << 40, -7]\n"
      "assert np.load(d + '/f4.npy').dtype == np.float32\n"
      "a = np.load(d + '/f8.npy'); assert a.shape == (2, 3) and a[1, 2] == 6.0\n"
      "assert np.load(d + '/b1.npy').tolist() == [[True, False], [True, True]]\n";
  std::ofstream(dir.path() / "check.py") << script;
  std::string cmd = "/usr/bin/python3 " + (dir.path() / "check.py").string() + " " +
                    dir.path().string();
  EXPECT_EQ(std::system(cmd.c_str()), 0);
}

TEST(NpyWriter, EmptyArrayAndErrors) {
  TempDir dir("npy-err");
  std::string error;
  std::vector<double> empty;
  ASSERT_TRUE(write_npy(dir.path() / "e.npy", npy_view(empty), error)) << error;
  EXPECT_TRUE(check_npy_layout(read_bytes(dir.path() / "e.npy"), expected_dict("<f8", "(0,)"))
                  .empty());
  EXPECT_FALSE(write_npy(dir.path() / "missing" / "x.npy", npy_view(empty), error));
  EXPECT_NE(error.find("missing"), std::string::npos);
  EXPECT_FALSE(write_npy(dir.path() / "3d.npy", NpyView{NpyDtype::Float64, {1, 1, 1}, &error},
                         error));
}

// --- ResultsWriter ------------------------------------------------------------------------------

bool no_siblings_except(const fs::path& parent, const std::string& keep) {
  for (const auto& entry : fs::directory_iterator(parent))
    if (entry.path().filename() != keep) return false;
  return true;
}

TEST(ResultsWriter, CommitWritesArraysAndManifest) {
  TempDir root("results-ok");
  fs::path out = root.path() / "run";
  std::vector<double> t = {0.0, 0.001};
  std::string error;
  {
    ResultsWriter writer(out);
    ASSERT_TRUE(writer.add_array("m_t.npy", npy_view(t), {{"unit", "second"}, {"monitor", "m"}},
                                 error))
        << error;
    writer.set_manifest({{"model", "x"}});
    ASSERT_TRUE(writer.commit(error)) << error;
  }
  EXPECT_TRUE(fs::exists(out / "m_t.npy"));
  nlohmann::json manifest = nlohmann::json::parse(read_bytes(out / "manifest.json"));
  EXPECT_EQ(manifest["model"], "x");
  EXPECT_EQ(manifest["arrays"]["m_t.npy"]["dtype"], "float64");
  EXPECT_EQ(manifest["arrays"]["m_t.npy"]["shape"], nlohmann::json::array({2}));
  EXPECT_EQ(manifest["arrays"]["m_t.npy"]["unit"], "second");
  EXPECT_TRUE(no_siblings_except(root.path(), "run"));
}

TEST(ResultsWriter, ReplacesOldResultsCompletely) {
  TempDir root("results-replace");
  fs::path out = root.path() / "run";
  std::vector<int32_t> i = {1};
  std::string error;
  {
    ResultsWriter old(out);
    ASSERT_TRUE(old.add_array("stale.npy", npy_view(i), {}, error)) << error;
    ASSERT_TRUE(old.commit(error)) << error;
  }
  EXPECT_EQ(inspect_results_target(out).state, ResultsTarget::State::Replaceable);
  ResultsWriter writer(out.string() + "/");  // a trailing slash names the same directory
  ASSERT_TRUE(writer.add_array("new.npy", npy_view(i), {}, error)) << error;
  ASSERT_TRUE(writer.commit(error)) << error;
  EXPECT_TRUE(fs::exists(out / "new.npy"));
  EXPECT_FALSE(fs::exists(out / "stale.npy"));
  EXPECT_TRUE(writer.moved_aside().empty());
  EXPECT_TRUE(no_siblings_except(root.path(), "run"));
}

// What modelc did not write is never deleted: a user's folder, a modelc directory with a user's
// file added, a regular file and a symbolic link are Foreign, and commit() moves them aside.
TEST(ResultsWriter, NeverDeletesWhatItDidNotWrite) {
  TempDir root("results-foreign");
  std::vector<int32_t> i = {1};
  std::string error;
  fs::path user = root.path() / "mydata";
  fs::create_directories(user);
  std::ofstream(user / "thesis.tex") << "chapter 1";
  ResultsTarget t = inspect_results_target(user);
  EXPECT_EQ(t.state, ResultsTarget::State::Foreign);
  EXPECT_NE(t.reason.find("manifest.json"), std::string::npos) << t.reason;

  fs::path mixed = root.path() / "mixed";
  {
    ResultsWriter w(mixed);
    ASSERT_TRUE(w.add_array("a.npy", npy_view(i), {}, error)) << error;
    ASSERT_TRUE(w.commit(error)) << error;
  }
  std::ofstream(mixed / "notes.txt") << "mine";
  t = inspect_results_target(mixed);
  EXPECT_EQ(t.state, ResultsTarget::State::Foreign);
  EXPECT_NE(t.reason.find("notes.txt"), std::string::npos) << t.reason;
  EXPECT_FALSE(remove_results_dir(mixed));
  EXPECT_TRUE(fs::exists(mixed / "notes.txt"));

  fs::path file = root.path() / "notes.txt";
  std::ofstream(file) << "notes";
  EXPECT_EQ(inspect_results_target(file).state, ResultsTarget::State::Foreign);
  fs::path link = root.path() / "link";
  fs::create_directory_symlink(user, link);
  EXPECT_EQ(inspect_results_target(link).state, ResultsTarget::State::Foreign);
  fs::create_directories(root.path() / "empty");
  EXPECT_EQ(inspect_results_target(root.path() / "empty").state, ResultsTarget::State::Replaceable);

  ResultsWriter over(user);
  ASSERT_TRUE(over.add_array("new.npy", npy_view(i), {}, error)) << error;
  ASSERT_TRUE(over.commit(error)) << error;
  ASSERT_FALSE(over.moved_aside().empty());
  EXPECT_EQ(read_bytes(over.moved_aside() / "thesis.tex"), "chapter 1");
  EXPECT_TRUE(fs::exists(user / "new.npy"));
  EXPECT_EQ(inspect_results_target(user).state, ResultsTarget::State::Replaceable);
}

TEST(ResultsWriter, FailedWriteKeepsOldResultsAndLeavesNoTempDir) {
  TempDir root("results-fail");
  fs::path out = root.path() / "run";
  fs::create_directories(out);
  std::ofstream(out / "old.npy") << "old";
  std::vector<double> v = {1.0};
  std::string error;
  {
    ResultsWriter writer(out);
    ASSERT_TRUE(writer.add_array("good.npy", npy_view(v), {}, error)) << error;
    EXPECT_TRUE(fs::exists(writer.temp_dir()));
    EXPECT_FALSE(writer.add_array("bad/name.npy", npy_view(v), {}, error));
    EXPECT_NE(error.find("bad/name.npy"), std::string::npos);
    // Later calls fail too: a partial result set must never be committed.
    EXPECT_FALSE(writer.add_array("other.npy", npy_view(v), {}, error));
    EXPECT_FALSE(writer.commit(error));
    EXPECT_FALSE(fs::exists(writer.temp_dir()));
  }
  EXPECT_EQ(read_bytes(out / "old.npy"), "old");
  EXPECT_FALSE(fs::exists(out / "good.npy"));
  EXPECT_TRUE(no_siblings_except(root.path(), "run"));
}

TEST(ResultsWriter, DuplicateAndReservedNamesFail) {
  TempDir root("results-dup");
  std::vector<double> v = {1.0};
  std::string error;
  ResultsWriter dup(root.path() / "a");
  ASSERT_TRUE(dup.add_array("x.npy", npy_view(v), {}, error));
  EXPECT_FALSE(dup.add_array("x.npy", npy_view(v), {}, error));
  ResultsWriter reserved(root.path() / "b");
  EXPECT_FALSE(reserved.add_array("manifest.json", npy_view(v), {}, error));
}

TEST(ResultsWriter, UncommittedWriterCleansUp) {
  TempDir root("results-abandon");
  std::vector<double> v = {1.0};
  std::string error;
  fs::path temp;
  {
    ResultsWriter writer(root.path() / "run");
    ASSERT_TRUE(writer.add_array("x.npy", npy_view(v), {}, error));
    temp = writer.temp_dir();
    EXPECT_TRUE(fs::exists(temp));
  }
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_FALSE(fs::exists(root.path() / "run"));
}

TEST(ResultsWriter, UnwritableLocationReportsError) {
  TempDir root("results-unwritable");
  std::ofstream(root.path() / "file") << "not a directory";
  std::vector<double> v = {1.0};
  std::string error;
  ResultsWriter writer(root.path() / "file" / "run");
  EXPECT_FALSE(writer.add_array("x.npy", npy_view(v), {}, error));
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(writer.commit(error));
  EXPECT_TRUE(no_siblings_except(root.path(), "file"));
}

}  // namespace
