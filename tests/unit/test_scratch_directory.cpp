// The per-run build directory: removed on exit, and directories left by killed runs swept at the
// next start — but only directories that carry modelc's marker and whose process is gone.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "runtime/scratch_directory.h"

namespace fs = std::filesystem;
using modelc::runtime::ScratchDirectory;

namespace {

fs::path fresh_parent(const char* name) {
  fs::path p = fs::temp_directory_path() / (std::string("modelc-scratch-test-") + name + "-" + std::to_string(getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

// A pid that certainly names no process: a child that has exited and been reaped.
long dead_pid() {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  waitpid(pid, nullptr, 0);
  return pid;
}

fs::path make_dir(const fs::path& parent, const std::string& name, const std::string* marker) {
  fs::path d = parent / name;
  fs::create_directories(d);
  std::ofstream(d / "module.cpp") << "// generated\n";
  if (marker) std::ofstream(d / ScratchDirectory::kMarker) << *marker << "\n";
  return d;
}

}  // namespace

TEST(ScratchDirectory, CreatedMarkedAndRemoved) {
  fs::path parent = fresh_parent("life");
  fs::path path;
  {
    ScratchDirectory s(parent);
    ASSERT_TRUE(s.ok()) << s.error();
    path = s.path();
    EXPECT_EQ(path.parent_path(), parent);
    EXPECT_EQ(path.filename().string().rfind(ScratchDirectory::kPrefix, 0), 0u);
    EXPECT_TRUE(fs::is_regular_file(path / ScratchDirectory::kMarker));
    std::ofstream(path / "big.o") << "object";
  }
  EXPECT_FALSE(fs::exists(path));
  fs::remove_all(parent);
}

TEST(ScratchDirectory, SweepsOnlyMarkedDirectoriesOfDeadProcesses) {
  fs::path parent = fresh_parent("sweep");
  const std::string dead = std::to_string(dead_pid());
  const std::string alive = std::to_string(getppid());
  const std::string garbage = "not-a-pid";
  fs::path stale = make_dir(parent, std::string(ScratchDirectory::kPrefix) + dead, &dead);
  fs::path running = make_dir(parent, std::string(ScratchDirectory::kPrefix) + alive, &alive);
  fs::path unmarked = make_dir(parent, std::string(ScratchDirectory::kPrefix) + "12345", nullptr);
  fs::path unreadable = make_dir(parent, std::string(ScratchDirectory::kPrefix) + "777", &garbage);
  fs::path users = make_dir(parent, "my-build", &dead);  // right marker, not our name: not ours

  EXPECT_EQ(ScratchDirectory::sweep_stale(parent), 1);
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(running / "module.cpp"));
  EXPECT_TRUE(fs::exists(unmarked / "module.cpp"));
  EXPECT_TRUE(fs::exists(unreadable / "module.cpp"));
  EXPECT_TRUE(fs::exists(users / "module.cpp"));

  // A new scratch directory sweeps on creation.
  fs::path stale2 = make_dir(parent, std::string(ScratchDirectory::kPrefix) + dead + "-1", &dead);
  {
    ScratchDirectory s(parent);
    ASSERT_TRUE(s.ok()) << s.error();
    EXPECT_FALSE(fs::exists(stale2));
  }
  fs::remove_all(parent);
}

TEST(ScratchDirectory, UnwritableParentIsAnErrorNotACrash) {
  ScratchDirectory s("/proc/modelc-no-such-place");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.error().find("/proc/modelc-no-such-place"), std::string::npos) << s.error();
}
