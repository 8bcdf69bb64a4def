// Runs the host C++ compiler on a generated module, without a shell (argv vector, posix_spawn), and
// caches builds by content: key = FNV-1a 64 of (source, flags, compiler identity, the runtime
// headers the source includes); artefact at <cache_dir>/<key hex>/model.so. A hit skips the
// compiler entirely.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "support/diagnostics.h"

namespace modelc::backends {

// 64-bit FNV-1a, chainable through `h`. Stable across runs and platforms (unlike std::hash).
uint64_t fnv1a64(std::string_view data, uint64_t h = 0xcbf29ce484222325ull);

// Where generated modules find the runtime headers / the prebuilt support library: the env vars
// MODELC_SOURCE_ROOT / MODELC_SUPPORT_LIB_DIR, else an installed tree around the binary holding
// this code (<libdir>/../share/modelc and <libdir>), else the build-tree paths compiled in (CMake
// definitions of the same names), else empty.
std::filesystem::path source_root();
std::filesystem::path support_lib_dir();

// Runs argv[0] (looked up in PATH) with stdout and stderr both going to `log_file`. Returns the exit
// status, or -1 with `error` set when the process could not be started or did not exit normally.
int run_process(const std::vector<std::string>& argv, const std::filesystem::path& log_file, std::string& error);

std::string join_command(const std::vector<std::string>& argv);  // for messages and manifests

// True when MODELC_GENERATED_SANITIZE=1: generated modules are built with ASan + UBSan.
bool generated_sanitize();

struct CompileJob {
  std::string source;                     // the translation unit text
  std::filesystem::path source_path;      // where it has been written (passed to the compiler)
  std::vector<std::string> compile_flags; // before the source
  std::vector<std::string> link_flags;    // after the source (libraries)
  std::filesystem::path out_dir;          // used when cache_dir is empty
  std::filesystem::path cache_dir;
  std::vector<std::filesystem::path> key_files;  // headers whose contents join the cache key
  std::vector<std::string> key_strings;          // other facts that join the cache key
  bool verbose = false;
};

struct CompileOutcome {
  std::filesystem::path artefact;
  bool cache_hit = false;
  double seconds = 0.0;  // compiler wall time (0 on a hit)
  std::string command;
};

class HostCompiler {
 public:
  // Picks $CXX (may hold a wrapper and arguments, e.g. "ccache g++"), else g++, else clang++, and
  // records its `--version` output as identity. g++ is preferred because, with glibc's libmvec, it
  // vectorises exp/log in the update loops without -ffast-math (docs/passes.md). Returns false
  // after reporting.
  bool detect(DiagnosticEngine& diags);
  const std::vector<std::string>& command() const { return command_; }
  const std::string& identity() const { return identity_; }
  bool is_gcc() const;
  // Modules call libmvec's vector exp/log/expm1/pow (GCC on x86-64 Linux with libmvec.so found;
  // MODELC_LIBMVEC=0 turns it off, e.g. to measure it).
  bool uses_libmvec() const { return libmvec_; }

  // Flags for a generated CPU module (see host_compiler.cpp for why each is there).
  std::vector<std::string> module_compile_flags(bool debug) const;
  std::vector<std::string> module_link_flags() const;

  // Compiles job.source_path into a shared object (or reuses the cached one). Returns false after
  // reporting the compiler's output and command line to `diags`.
  bool build_shared(const CompileJob& job, CompileOutcome& out, DiagnosticEngine& diags) const;

 private:
  bool detect_libmvec() const;
  std::vector<std::string> command_;
  std::string identity_;
  bool libmvec_ = false;
};

}  // namespace modelc::backends
