// No lost or half-written results: a run interrupted by SIGINT/SIGTERM stops between chunks, leaves
// no results directory (or, with --flush-every, a complete <dir>.partial), removes its temporary
// directories and exits 128 + signal. Tested on the real modelc binary.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "backends/host_compiler.h"
#include "support/interrupt.h"
#include "tests/unit/model_runner.h"

namespace fs = std::filesystem;
using namespace modelc;
using namespace std::chrono_literals;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The modelc binary running in the background with stdout+stderr in a log file.
class Child {
 public:
  Child(const std::vector<std::string>& args, const fs::path& log) : log_(log) {
    std::vector<std::string> argv = {MODELC_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = fork();
    if (pid_ == 0) {
      int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      std::vector<char*> a;
      for (auto& s : argv) a.push_back(s.data());
      a.push_back(nullptr);
      execv(a[0], a.data());
      _exit(127);
    }
  }
  ~Child() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }
  // Exit status, or 1000 + signal when killed by a signal, or -1 on timeout.
  int wait(std::chrono::seconds timeout) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  }
  bool running() {
    int status = 0;
    if (reaped_) return false;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      reaped_ = true;
      return false;
    }
    return true;
  }
  std::string log() const { return read_text(log_); }

 private:
  fs::path log_;
  pid_t pid_ = -1;
  bool reaped_ = false;
};

// Polls `ready` until it holds, the child exits, or two minutes pass (a cold compile under load).
template <typename F>
bool wait_for(Child& child, F ready) {
  auto end = std::chrono::steady_clock::now() + 120s;
  while (std::chrono::steady_clock::now() < end) {
    if (ready()) return true;
    if (!child.running()) return false;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

class InterruptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("modelc-interrupt-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // CUBA for 1000 simulated seconds: far longer than any test waits.
    nlohmann::json m = modelc::testing::read_json("examples/cuba.json");
    m["simulation"]["duration"] = "1000 second";
    std::ofstream(dir_ / "long.json") << m.dump(2);
    m["simulation"]["duration"] = "50 ms";
    std::ofstream(dir_ / "short.json") << m.dump(2);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  // Entries of the scratch dir other than the models and logs: what a run left behind.
  std::vector<std::string> leftovers() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) {
      std::string n = e.path().filename().string();
      if (n.ends_with(".json") || n.ends_with(".log")) continue;
      out.push_back(n);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  static fs::path build_dir_of(pid_t pid) {
    return fs::temp_directory_path() / ("modelc-build-" + std::to_string(pid));
  }
  fs::path dir_;
};

// Reads a .npy header's shape, e.g. "(42,)" -> {42}.
std::vector<int64_t> npy_shape(const fs::path& p) {
  std::string bytes = read_text(p);
  auto open = bytes.find("'shape': (");
  auto close = bytes.find(')', open);
  std::vector<int64_t> shape;
  if (open == std::string::npos || close == std::string::npos) return shape;
  std::stringstream ss(bytes.substr(open + 10, close - open - 10));
  for (std::string part; std::getline(ss, part, ',');)
    if (part.find_first_of("0123456789") != std::string::npos) shape.push_back(std::stoll(part));
  return shape;
}

}  // namespace

TEST(Interrupt, FlagAndExitCode) {
  support::clear_interrupt();
  EXPECT_FALSE(support::interrupt_requested());
  support::request_interrupt(SIGTERM);
  support::request_interrupt(SIGINT);  // the first signal wins
  EXPECT_TRUE(support::interrupt_requested());
  EXPECT_EQ(support::interrupt_signal(), SIGTERM);
  EXPECT_EQ(support::interrupt_exit_code(SIGINT), 130);
  EXPECT_EQ(support::interrupt_exit_code(SIGTERM), 143);
  support::clear_interrupt();
  {
    support::InterruptGuard guard;
    raise(SIGINT);  // handled: the process survives and the flag is set
    EXPECT_EQ(support::interrupt_signal(), SIGINT);
  }
  support::clear_interrupt();
}

TEST_F(InterruptTest, SigintWithoutFlushLeavesNothing) {
  fs::path results = dir_ / "results";
  Child child({"run", (dir_ / "long.json").string(), "-o", results.string(), "-v", "--threads", "1"},
              dir_ / "run.log");
  ASSERT_TRUE(wait_for(child, [&] { return child.log().find("modelc: simulating") != std::string::npos; }))
      << child.log();
  std::this_thread::sleep_for(300ms);  // well inside the simulation loop
  kill(child.pid(), SIGINT);
  EXPECT_EQ(child.wait(60s), 130) << child.log();
  EXPECT_NE(child.log().find("no results written to"), std::string::npos) << child.log();
  EXPECT_EQ(leftovers(), std::vector<std::string>{}) << child.log();
  EXPECT_FALSE(fs::exists(build_dir_of(child.pid())));
}

TEST_F(InterruptTest, SigtermWithFlushKeepsCompletePartialResults) {
  fs::path results = dir_ / "results";
  fs::path partial = dir_ / "results.partial";
  Child child({"run", (dir_ / "long.json").string(), "-o", results.string(), "-q", "--threads", "1",
               "--flush-every", "200"},
              dir_ / "run.log");
  ASSERT_TRUE(wait_for(child, [&] { return fs::exists(partial / "manifest.json"); })) << child.log();
  kill(child.pid(), SIGTERM);
  EXPECT_EQ(child.wait(60s), 128 + SIGTERM) << child.log();
  EXPECT_EQ(leftovers(), std::vector<std::string>{"results.partial"}) << child.log();
  EXPECT_FALSE(fs::exists(build_dir_of(child.pid())));

  // The partial directory is a complete, self-consistent results directory.
  nlohmann::json manifest = nlohmann::json::parse(read_text(partial / "manifest.json"));
  EXPECT_EQ(manifest["partial"], true);
  EXPECT_EQ(manifest["steps_total"], 10000000);
  int64_t steps = manifest["steps"];
  EXPECT_GT(steps, 0);
  EXPECT_LT(steps, 10000000);
  ASSERT_TRUE(manifest["arrays"].is_object());
  for (const auto& [file, meta] : manifest["arrays"].items()) {
    SCOPED_TRACE(file);
    ASSERT_TRUE(fs::exists(partial / file));
    EXPECT_EQ(nlohmann::json(npy_shape(partial / file)), meta["shape"]);
  }
  EXPECT_EQ(npy_shape(partial / "rate_rate.npy"), std::vector<int64_t>{steps});
  EXPECT_EQ(npy_shape(partial / "spikes_i.npy"), npy_shape(partial / "spikes_t.npy"));
}

// A run that completes with --flush-every ends with the same results as one without, and removes
// its partial directory.
TEST_F(InterruptTest, FlushEveryCompletesToIdenticalResults) {
  std::string error;
  for (const char* tag : {"plain", "flushed"}) {
    std::vector<std::string> argv = {MODELC_BINARY, "run", (dir_ / "short.json").string(), "-o",
                                     (dir_ / tag).string(), "-q", "--threads", "1"};
    if (std::string(tag) == "flushed") argv.insert(argv.end(), {"--flush-every", "7"});
    ASSERT_EQ(modelc::backends::run_process(argv, dir_ / (std::string(tag) + ".log"), error), 0)
        << error << read_text(dir_ / (std::string(tag) + ".log"));
  }
  EXPECT_EQ(leftovers(), (std::vector<std::string>{"flushed", "plain"}));
  size_t compared = 0;
  for (const auto& e : fs::directory_iterator(dir_ / "plain")) {
    if (e.path().extension() != ".npy") continue;
    EXPECT_TRUE(read_text(e.path()) == read_text(dir_ / "flushed" / e.path().filename())) << e.path();
    ++compared;
  }
  EXPECT_GE(compared, 5u);
}
