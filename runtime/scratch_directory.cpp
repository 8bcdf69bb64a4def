#include "runtime/scratch_directory.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

namespace modelc::runtime {

namespace fs = std::filesystem;

namespace {

fs::path default_parent() {
  std::error_code ec;
  fs::path p = fs::temp_directory_path(ec);
  return ec ? fs::path("/tmp") : p;
}

bool process_alive(long pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

// The pid recorded in the marker, or -1 when the directory has no (readable) marker.
long marker_pid(const fs::path& dir) {
  std::ifstream in(dir / ScratchDirectory::kMarker);
  long pid = -1;
  if (!(in >> pid)) return -1;
  return pid;
}

}  // namespace

int ScratchDirectory::sweep_stale(const fs::path& parent) {
  int removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(kPrefix, 0) != 0) continue;
    std::error_code sec;
    if (!fs::is_directory(fs::symlink_status(it->path(), sec))) continue;
    long pid = marker_pid(it->path());
    if (pid < 0 || process_alive(pid)) continue;
    fs::remove_all(it->path(), sec);
    if (!sec) ++removed;
  }
  return removed;
}

ScratchDirectory::ScratchDirectory(fs::path parent) {
  if (parent.empty()) parent = default_parent();
  sweep_stale(parent);
  const std::string pid = std::to_string(::getpid());
  std::error_code ec;
  for (int k = 0; k < 1000; ++k) {
    fs::path p = parent / (kPrefix + pid + (k ? "-" + std::to_string(k) : std::string()));
    if (!fs::create_directory(p, ec)) {
      if (ec) break;
      continue;  // exists (not ours to delete): try the next name
    }
    std::ofstream marker(p / kMarker);
    marker << pid << "\n";
    marker.close();
    if (!marker) {
      fs::remove_all(p, ec);
      error_ = "cannot write to the temporary build directory " + p.string();
      return;
    }
    path_ = p;
    return;
  }
  error_ = "cannot create a temporary build directory under " + parent.string() +
           (ec ? ": " + ec.message() : std::string());
}

ScratchDirectory::~ScratchDirectory() {
  if (path_.empty()) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

}  // namespace modelc::runtime
