#include "backends/host_compiler.h"

#include <dlfcn.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/interrupt.h"

extern char** environ;

namespace modelc::backends {

namespace fs = std::filesystem;

uint64_t fnv1a64(std::string_view data, uint64_t h) {
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

// The directory of the binary that holds this code: libmodelc.so, or an executable linking the
// compiler statically.
static fs::path own_binary_dir() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&own_binary_dir), &info) == 0 || info.dli_fname == nullptr) return {};
  std::error_code ec;
  fs::path p = fs::canonical(info.dli_fname, ec);
  return ec ? fs::path() : p.parent_path();
}

// An installed tree (`cmake --install`): the headers generated modules include lie in
// <libdir>/MODELC_DATA_RELATIVE (share/modelc), the support libraries beside this binary. Found
// relative to the binary, so an installed modelc needs no source tree and no environment.
static const fs::path& installed_data_dir() {
  static const fs::path dir = [] {
#ifdef MODELC_DATA_RELATIVE
    fs::path lib = own_binary_dir();
    std::error_code ec;
    fs::path data = (lib / MODELC_DATA_RELATIVE).lexically_normal();
    if (!lib.empty() && fs::exists(data / "abi/modelc_abi.h", ec) &&
        fs::exists(lib / "libmodelc_cpu_support.so", ec))
      return data;
#endif
    return fs::path();
  }();
  return dir;
}

fs::path source_root() {
  if (const char* v = std::getenv("MODELC_SOURCE_ROOT"); v && *v) return v;
  if (!installed_data_dir().empty()) return installed_data_dir();
#ifdef MODELC_SOURCE_ROOT
  return MODELC_SOURCE_ROOT;
#else
  return {};
#endif
}

fs::path support_lib_dir() {
  if (const char* v = std::getenv("MODELC_SUPPORT_LIB_DIR"); v && *v) return v;
  if (!installed_data_dir().empty()) return own_binary_dir();
#ifdef MODELC_SUPPORT_LIB_DIR
  return MODELC_SUPPORT_LIB_DIR;
#else
  return {};
#endif
}

std::string join_command(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    bool quote = a.empty() || a.find_first_of(" \t\"'\\$") != std::string::npos;
    if (!quote) {
      s += a;
      continue;
    }
    s += '\'';
    for (char c : a) s += c == '\'' ? std::string("'\\''") : std::string(1, c);
    s += '\'';
  }
  return s;
}

int run_process(const std::vector<std::string>& argv, const fs::path& log_file, std::string& error) {
  if (argv.empty()) {
    error = "empty command";
    return -1;
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  // Its own process group, so that an interrupt stops the whole compiler (driver, cc1plus, as, ld)
  // and not only the driver.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    error = "cannot start '" + argv[0] + "': " + std::strerror(rc);
    return -1;
  }
  int status = 0;
  bool killed = false;
  auto killed_at = std::chrono::steady_clock::now();
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) {
      error = std::string("waitpid failed: ") + std::strerror(errno);
      return -1;
    }
    if (support::interrupt_requested()) {
      if (!killed) {
        ::kill(-pid, SIGTERM);
        killed = true;
        killed_at = std::chrono::steady_clock::now();
      } else if (std::chrono::steady_clock::now() - killed_at > std::chrono::milliseconds(500)) {
        ::kill(-pid, SIGKILL);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (killed) {
    error = "interrupted";
    return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  error = "'" + argv[0] + "' was killed by signal " + std::to_string(WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return -1;
}

static std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

static bool is_executable_in_path(const std::string& name) {
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':'))
    if (!dir.empty() && access((fs::path(dir) / name).c_str(), X_OK) == 0) return true;
  return false;
}

static fs::path unique_temp(const fs::path& dir, const std::string& stem) {
  static std::atomic<unsigned> counter{0};
  return dir / (stem + "." + std::to_string(getpid()) + "." + std::to_string(counter++));
}

bool HostCompiler::detect(DiagnosticEngine& diags) {
  command_.clear();
  if (const char* cxx = std::getenv("CXX"); cxx && *cxx) {
    std::stringstream ss(cxx);
    for (std::string w; ss >> w;) command_.push_back(w);
  } else if (is_executable_in_path("g++")) {
    // g++ first: with glibc's libmvec it vectorises the update loops' exp/log/expm1 without
    // -ffast-math (COBAHH N=4000, 300 ms: 3.87 s -> 0.62 s, docs/passes.md); clang++ 14 does not
    // vectorise those loops even with `declare simd` declarations. clang++ stays the fallback.
    command_ = {"g++"};
  } else if (is_executable_in_path("clang++")) {
    command_ = {"clang++"};
  }
  if (command_.empty()) {
    diags.error("no C++ compiler found for the cpu backend", "",
                "install clang++ or g++, or set CXX to the compiler to use");
    return false;
  }
  std::vector<std::string> argv = command_;
  argv.push_back("--version");
  fs::path log = unique_temp(fs::temp_directory_path(), "modelc-cxx-version");
  std::string error;
  int rc = run_process(argv, log, error);
  identity_ = read_file(log);
  std::error_code ec;
  fs::remove(log, ec);
  if (rc != 0) {
    diags.error("the C++ compiler '" + join_command(command_) + "' does not run: " +
                    (error.empty() ? "exit status " + std::to_string(rc) + "\n" + identity_ : error),
                "", "set CXX to a working C++17 compiler");
    return false;
  }
  libmvec_ = detect_libmvec();
  return true;
}

bool HostCompiler::is_gcc() const {
  // clang's --version never mentions the FSF; GCC's (any wrapper around it) does.
  return identity_.find("Free Software Foundation") != std::string::npos && identity_.find("clang") == std::string::npos;
}

bool HostCompiler::detect_libmvec() const {
#if defined(__x86_64__) && defined(__linux__)
  if (const char* v = std::getenv("MODELC_LIBMVEC"); v && std::string(v) == "0") return false;
  if (!is_gcc() || generated_sanitize()) return false;
  // -print-file-name answers the bare name when the library is not in the compiler's search path.
  std::vector<std::string> argv = command_;
  argv.push_back("-print-file-name=libmvec.so");
  fs::path log = unique_temp(fs::temp_directory_path(), "modelc-cxx-libmvec");
  std::string error;
  int rc = run_process(argv, log, error);
  std::string out = read_file(log);
  std::error_code ec;
  fs::remove(log, ec);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return rc == 0 && out != "libmvec.so" && fs::exists(out, ec);
#else
  return false;
#endif
}

std::vector<std::string> HostCompiler::module_compile_flags(bool debug) const {
  std::vector<std::string> f = {"-std=c++17"};
  if (debug) {
    f.insert(f.end(), {"-O0", "-g"});
  } else {
    f.insert(f.end(), {"-O3", "-march=native"});
  }
  // -fno-math-errno lets sqrt & co. inline and vectorise; -ffp-contract=off keeps the arithmetic
  // order (no FMA fusion) identical to the other backends; deliberately no -ffast-math.
  f.insert(f.end(), {"-fno-math-errno", "-ffp-contract=off", "-fopenmp", "-fPIC", "-shared",
                     "-I" + source_root().string()});
  // Declares libmvec's SIMD variants of exp & co. (backends/cpu/support/cpu_support.h).
  if (libmvec_ && !debug) f.push_back("-DMC_LIBMVEC=1");
  // The sanitizer build (CMake preset "asan") sets MODELC_GENERATED_SANITIZE=1 so generated modules
  // are checked too. Only for a modelc built with the same sanitizers and compiler: the module takes
  // the sanitizer runtime from the host process.
  if (generated_sanitize())
    f.insert(f.end(), {"-fsanitize=address,undefined", "-fno-sanitize-recover=undefined", "-fno-omit-frame-pointer", "-g"});
  return f;
}

bool generated_sanitize() {
  const char* v = std::getenv("MODELC_GENERATED_SANITIZE");
  return v != nullptr && std::string(v) == "1";
}

std::vector<std::string> HostCompiler::module_link_flags() const {
  std::string lib = support_lib_dir().string();
  // -z nodelete: the OpenMP runtime keeps its worker threads parked inside its own code after a
  // parallel region; if dlclose unloaded the module and with it libgomp, those threads would run
  // unmapped code and crash the host process.
  std::vector<std::string> f = {"-L" + lib, "-lmodelc_cpu_support", "-Wl,-rpath," + lib, "-Wl,-z,nodelete"};
  if (libmvec_) f.insert(f.end(), {"-lmvec", "-lm"});
  return f;
}

bool HostCompiler::build_shared(const CompileJob& job, CompileOutcome& out, DiagnosticEngine& diags) const {
  out = CompileOutcome{};
  uint64_t key = fnv1a64(job.source);
  for (const auto& f : job.compile_flags) key = fnv1a64(f + '\0', key);
  for (const auto& f : job.link_flags) key = fnv1a64(f + '\0', key);
  key = fnv1a64(join_command(command_) + '\0' + identity_, key);
  // The TU includes these headers: a change to them must invalidate cached modules.
  for (const auto& f : job.key_files) key = fnv1a64(read_file(f), key);
  for (const auto& k : job.key_strings) key = fnv1a64(k + '\0', key);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(key));

  std::error_code ec;
  fs::path dir = job.cache_dir.empty() ? job.out_dir : job.cache_dir / hex;
  fs::create_directories(dir, ec);
  if (ec) {
    diags.error("cannot create build directory '" + dir.string() + "': " + ec.message(), "");
    return false;
  }
  out.artefact = dir / "model.so";
  if (!job.cache_dir.empty() && fs::exists(out.artefact, ec)) {
    out.cache_hit = true;
    return true;
  }

  fs::path tmp = unique_temp(dir, "model.so.tmp");
  std::vector<std::string> argv = command_;
  argv.insert(argv.end(), job.compile_flags.begin(), job.compile_flags.end());
  argv.insert(argv.end(), {"-o", tmp.string(), job.source_path.string()});
  argv.insert(argv.end(), job.link_flags.begin(), job.link_flags.end());
  out.command = join_command(argv);
  if (job.verbose) std::fprintf(stderr, "%s\n", out.command.c_str());

  fs::path log = unique_temp(dir, "compile.log");
  auto t0 = std::chrono::steady_clock::now();
  std::string error;
  int rc = run_process(argv, log, error);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::string output = read_file(log);
  fs::remove(log, ec);
  if (rc != 0) {
    fs::remove(tmp, ec);
    if (support::interrupt_requested()) {
      diags.error("compilation stopped by signal " + std::to_string(support::interrupt_signal()), "");
      return false;
    }
    constexpr size_t kMax = 16000;
    if (output.size() > kMax) output = output.substr(0, kMax) + "\n[... compiler output truncated]";
    diags.error("C++ compiler failed" + (rc > 0 ? " with exit status " + std::to_string(rc) : ": " + error) +
                    "\ncommand: " + out.command + "\n" + output,
                "", "this is a bug in modelc's generated code unless the compiler setup is broken; "
                    "set CXX to pick another compiler");
    return false;
  }
  // Rename is atomic: concurrent builds of the same key never expose a half-written module.
  fs::rename(tmp, out.artefact, ec);
  if (ec) {
    fs::remove(tmp, ec);
    diags.error("cannot move the built module to '" + out.artefact.string() + "': " + ec.message(), "");
    return false;
  }
  return true;
}

}  // namespace modelc::backends
