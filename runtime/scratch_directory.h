// The per-run temporary build directory (`<tmp>/modelc-build-<pid>`): created with a marker file,
// removed on destruction, and, because a process killed outright (SIGKILL, a second Ctrl-C, a crash
// inside a model module) cannot clean up after itself, swept at the next start: directories whose
// marker names a process that no longer exists are removed. Only directories carrying the marker
// are ever deleted.
#pragma once

#include <filesystem>
#include <string>

namespace modelc::runtime {

class ScratchDirectory {
 public:
  // Creates a fresh directory under `parent` (default: the system temp directory). Check ok().
  explicit ScratchDirectory(std::filesystem::path parent = {});
  ~ScratchDirectory();
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;

  bool ok() const { return !path_.empty(); }
  const std::filesystem::path& path() const { return path_; }
  const std::string& error() const { return error_; }

  // Removes the marked directories under `parent` whose owning process is gone; returns how many.
  static int sweep_stale(const std::filesystem::path& parent);

  static constexpr const char* kPrefix = "modelc-build-";
  static constexpr const char* kMarker = ".modelc-scratch";

 private:
  std::filesystem::path path_;
  std::string error_;
};

}  // namespace modelc::runtime
