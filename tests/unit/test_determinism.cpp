// Same model, seed and backend give bit-identical results, run after run and whatever the thread
// count. Checked through the modelc binary on every .npy file of the results directory.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "backends/host_compiler.h"
#include "tests/unit/model_runner.h"

namespace fs = std::filesystem;
using namespace modelc;

namespace {

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class DeterminismTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("modelc-determinism-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // CUBA, shortened. N = 8000 puts the population above the CPU backend's parallel threshold
    // (1024), so --threads 2 really splits the neuron loops.
    nlohmann::json m = modelc::testing::read_json("examples/cuba.json");
    m["simulation"]["duration"] = "0.2 second";
    m["parameters"]["N"] = 8000;
    model_ = dir_ / "cuba_short.json";
    std::ofstream(model_) << m.dump(2);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Runs the model and returns file name -> bytes of every .npy of the results.
  std::map<std::string, std::string> run(const std::string& tag, int threads) {
    fs::path out = dir_ / tag;
    std::string error;
    int rc = modelc::backends::run_process({MODELC_BINARY, "run", model_.string(), "-o", out.string(), "-q", "--threads",
                               std::to_string(threads)},
                              dir_ / (tag + ".log"), error);
    EXPECT_EQ(rc, 0) << error << read_bytes(dir_ / (tag + ".log"));
    std::map<std::string, std::string> files;
    if (rc != 0) return files;
    for (const auto& e : fs::directory_iterator(out))
      if (e.path().extension() == ".npy") files[e.path().filename().string()] = read_bytes(e.path());
    return files;
  }

  static void expect_identical(const std::map<std::string, std::string>& a,
                               const std::map<std::string, std::string>& b) {
    ASSERT_FALSE(a.empty());
    ASSERT_EQ(a.size(), b.size());
    for (const auto& [name, bytes] : a) {
      auto it = b.find(name);
      ASSERT_NE(it, b.end()) << name;
      EXPECT_TRUE(bytes == it->second) << name << " differs (" << bytes.size() << " vs " << it->second.size()
                                        << " bytes)";
    }
  }

  fs::path dir_, model_;
};

}  // namespace

TEST_F(DeterminismTest, SameSeedTwiceIsBitIdentical) {
  auto first = run("a", 1);
  auto second = run("b", 1);
  expect_identical(first, second);
  // A run with spikes, so the comparison is not between two empty recordings.
  ASSERT_TRUE(first.count("spikes_i.npy"));
  EXPECT_GT(first["spikes_i.npy"].size(), 10000u);
}

// The neuron loops run in parallel with OpenMP static schedules, but every neuron's update only
// reads its own state and its own Philox counter (seed, stream, step, neuron), synaptic events are
// applied serially in spike order, and spike lists are built serially in ascending order: no
// result depends on how the loop is split.
TEST_F(DeterminismTest, ThreadCountDoesNotChangeResults) {
  auto one = run("t1", 1);
  auto two = run("t2", 2);
  expect_identical(one, two);
}
