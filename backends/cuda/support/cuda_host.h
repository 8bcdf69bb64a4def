// Host-side CUDA helpers of the device runtime (libmodelc_cuda_runtime.so), `modelc devices` and the
// backend's compile-time check: the driver API and NVRTC, both loaded with dlopen at run time, and
// the program build (NVRTC to CUBIN) with its cache key. Header-only (static functions), like
// opencl_host.h.
//
// Nothing links libcuda: a modelc or a module built here runs, and reports in one line, on a
// machine without the NVIDIA driver. The driver's entry points are resolved through
// cuGetProcAddress for the CUDA version of the headers compiled against (CUDA_VERSION), so the
// pointer types below (decltype of the header's declarations, which name the versioned symbols,
// cuMemAlloc -> cuMemAlloc_v2) are those of the entry points returned. NVRTC is loaded by dlopen too
// (MODELC_NVRTC names the library; else the toolkit's soname, then the toolkit directory found at
// build time): the compiler and the CPU backend never need it, only CUDA builds do, and a missing
// NVRTC is a clear error instead of a loader failure.
#pragma once

#include <cuda.h>
#include <dlfcn.h>
#include <nvrtc.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace mc_cuda {

// Driver entry points every use needs; cuFuncGetParamInfo (12.4+) and the graph functions (the
// runtime's step graphs; without them every step is launched plainly) are optional.
#define MC_CUDA_DRIVER_FUNCTIONS(X)                                                                       \
  X(cuDeviceGetCount) X(cuDeviceGet) X(cuDeviceGetName) X(cuDeviceGetAttribute) X(cuDeviceTotalMem)     \
  X(cuDevicePrimaryCtxRetain) X(cuDevicePrimaryCtxRelease) X(cuCtxSetCurrent) X(cuStreamCreate)         \
  X(cuStreamDestroy) X(cuStreamSynchronize) X(cuMemAlloc) X(cuMemFree) X(cuMemsetD8Async)               \
  X(cuMemcpyHtoDAsync) X(cuMemcpyDtoHAsync) X(cuModuleLoadData) X(cuModuleUnload) X(cuModuleGetFunction) \
  X(cuFuncGetAttribute) X(cuLaunchKernel) X(cuGetErrorName) X(cuGetErrorString)

#define MC_CUDA_GRAPH_FUNCTIONS(X)                                                                     \
  X(cuGraphCreate) X(cuGraphAddKernelNode) X(cuGraphInstantiateWithFlags) X(cuGraphLaunch)                 \
  X(cuGraphExecKernelNodeSetParams) X(cuGraphExecDestroy) X(cuGraphDestroy)

struct Driver {
  std::string problem;  // empty: usable; else one line saying what was found
  int version = 0;      // cuDriverGetVersion: 13000 is CUDA 13.0
  int device_count = 0;
#define MC_CUDA_DECLARE(name) decltype(&::name) name = nullptr;
  MC_CUDA_DRIVER_FUNCTIONS(MC_CUDA_DECLARE)
  MC_CUDA_DECLARE(cuFuncGetParamInfo)
  MC_CUDA_GRAPH_FUNCTIONS(MC_CUDA_DECLARE)
#undef MC_CUDA_DECLARE
  bool has_graphs() const { return cuGraphCreate && cuGraphAddKernelNode && cuGraphInstantiateWithFlags && cuGraphLaunch &&
                                   cuGraphExecKernelNodeSetParams && cuGraphExecDestroy && cuGraphDestroy; }
};

static inline std::string version_text(int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); }

// "CUDA_ERROR_OUT_OF_MEMORY (2): out of memory".
static inline std::string error_text(const Driver& d, CUresult e) {
  const char* name = nullptr;
  const char* text = nullptr;
  if (d.cuGetErrorName) d.cuGetErrorName(e, &name);
  if (d.cuGetErrorString) d.cuGetErrorString(e, &text);
  return std::string(name ? name : "CUDA error") + " (" + std::to_string(static_cast<int>(e)) + ")" +
         (text ? std::string(": ") + text : std::string());
}

static inline Driver load_driver() {
  Driver d;
  // MODELC_CUDA_DRIVER replaces libcuda.so.1 (tests use stand-ins that report old versions or no device).
  const char* env = std::getenv("MODELC_CUDA_DRIVER");
  const std::string lib_name = env && *env ? env : "libcuda.so.1";
  void* lib = dlopen(lib_name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    d.problem = "no CUDA driver (" + lib_name + " not found): install the NVIDIA driver, or use --backend cpu";
    return d;
  }
  using GetVersion = CUresult (*)(int*);
  using Init = CUresult (*)(unsigned int);
  auto get_version = reinterpret_cast<GetVersion>(dlsym(lib, "cuDriverGetVersion"));
  auto init = reinterpret_cast<Init>(dlsym(lib, "cuInit"));
  auto get_proc = reinterpret_cast<decltype(&::cuGetProcAddress)>(dlsym(lib, "cuGetProcAddress_v2"));
  const std::string needed = version_text(CUDA_VERSION / 1000 * 1000);
  const std::string too_old = " is too old for this modelc (built with the CUDA " + version_text(CUDA_VERSION) +
                              " toolkit): install an NVIDIA driver for CUDA " + needed + " or newer";
  if (!get_version || get_version(&d.version) != CUDA_SUCCESS || !get_proc) {
    d.problem = "the CUDA driver " + lib_name + (d.version ? " " + version_text(d.version) : std::string()) + too_old;
    return d;
  }
  // A CUBIN from NVRTC N.x needs a driver of CUDA N or later (minor-version compatibility).
  if (d.version < CUDA_VERSION / 1000 * 1000) {
    d.problem = "the CUDA driver (CUDA " + version_text(d.version) + ")" + too_old;
    return d;
  }
  std::string missing;
// cuGetProcAddress takes the unversioned name ("cuMemAlloc"): it is stringified where the X-macro
// passes it, before cuda.h's #define turns the token into cuMemAlloc_v2 (the member's name then).
#define MC_CUDA_RESOLVE_INTO(member, symbol, first_missing)                                            \
  {                                                                                                      \
    void* fn = nullptr;                                                                                  \
    CUdriverProcAddressQueryResult found = CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND;                         \
    if (get_proc(symbol, &fn, CUDA_VERSION, CU_GET_PROC_ADDRESS_DEFAULT, &found) == CUDA_SUCCESS && fn)  \
      d.member = reinterpret_cast<decltype(d.member)>(fn);                                               \
    else if (first_missing.empty())                                                                      \
      first_missing = symbol;                                                                            \
  }
#define MC_CUDA_RESOLVE(name) MC_CUDA_RESOLVE_INTO(name, #name, missing)
  MC_CUDA_DRIVER_FUNCTIONS(MC_CUDA_RESOLVE)
  std::string optional_missing;  // older drivers: the runtime then skips its argument checks
  MC_CUDA_RESOLVE_INTO(cuFuncGetParamInfo, "cuFuncGetParamInfo", optional_missing)
#define MC_CUDA_RESOLVE_OPTIONAL(name) MC_CUDA_RESOLVE_INTO(name, #name, optional_missing)
  MC_CUDA_GRAPH_FUNCTIONS(MC_CUDA_RESOLVE_OPTIONAL)
#undef MC_CUDA_RESOLVE_OPTIONAL
#undef MC_CUDA_RESOLVE
#undef MC_CUDA_RESOLVE_INTO
  if (!missing.empty() || !init) {
    d.problem = "the CUDA driver (CUDA " + version_text(d.version) + ") lacks " + (init ? missing : "cuInit") +
                ": reinstall the NVIDIA driver";
    return d;
  }
  if (CUresult e = init(0); e != CUDA_SUCCESS) {
    d.problem = e == CUDA_ERROR_NO_DEVICE
                    ? "CUDA driver " + version_text(d.version) + " found, but no CUDA device"
                    : "CUDA driver " + version_text(d.version) + " found, but cuInit failed: " + error_text(d, e) +
                          " (no usable CUDA device)";
    return d;
  }
  if (d.cuDeviceGetCount(&d.device_count) != CUDA_SUCCESS || d.device_count <= 0) {
    d.device_count = 0;
    d.problem = "CUDA driver " + version_text(d.version) + " found, but no CUDA device";
  }
  return d;
}

// Loaded once per process (the handle stays open: the driver is never unloaded).
static inline const Driver& driver() {
  static const Driver d = load_driver();
  return d;
}

// What one device is, for `modelc devices`, the runtime's checks and mc_device_info.
struct DeviceFacts {
  CUdevice dev = 0;
  std::string name;
  int sm_count = 0, cc_major = 0, cc_minor = 0;
  size_t memory = 0;
  int arch() const { return cc_major * 10 + cc_minor; }  // 80 for sm_80
};

static inline bool device_facts(const Driver& d, int index, DeviceFacts& out, std::string& error) {
  CUresult e = d.cuDeviceGet(&out.dev, index);
  char name[256] = "";
  if (e == CUDA_SUCCESS) e = d.cuDeviceGetName(name, sizeof name, out.dev);
  if (e == CUDA_SUCCESS)
    e = d.cuDeviceGetAttribute(&out.sm_count, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, out.dev);
  if (e == CUDA_SUCCESS)
    e = d.cuDeviceGetAttribute(&out.cc_major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, out.dev);
  if (e == CUDA_SUCCESS)
    e = d.cuDeviceGetAttribute(&out.cc_minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, out.dev);
  if (e == CUDA_SUCCESS) e = d.cuDeviceTotalMem(&out.memory, out.dev);
  name[sizeof name - 1] = 0;
  out.name = name;
  if (e != CUDA_SUCCESS) error = "querying CUDA device " + std::to_string(index) + ": " + error_text(d, e);
  return e == CUDA_SUCCESS;
}

struct Nvrtc {
  std::string problem;  // empty: usable
  std::string path;     // the library loaded
  int major = 0, minor = 0;
  std::vector<int> archs;  // what it compiles for: 75, 80, ...
  decltype(&::nvrtcGetErrorString) GetErrorString = nullptr;
  decltype(&::nvrtcVersion) Version = nullptr;
  decltype(&::nvrtcGetNumSupportedArchs) GetNumSupportedArchs = nullptr;
  decltype(&::nvrtcGetSupportedArchs) GetSupportedArchs = nullptr;
  decltype(&::nvrtcCreateProgram) CreateProgram = nullptr;
  decltype(&::nvrtcDestroyProgram) DestroyProgram = nullptr;
  decltype(&::nvrtcCompileProgram) CompileProgram = nullptr;
  decltype(&::nvrtcGetCUBINSize) GetCUBINSize = nullptr;
  decltype(&::nvrtcGetCUBIN) GetCUBIN = nullptr;
  decltype(&::nvrtcGetProgramLogSize) GetProgramLogSize = nullptr;
  decltype(&::nvrtcGetProgramLog) GetProgramLog = nullptr;

  std::string version_text() const { return std::to_string(major) + "." + std::to_string(minor); }
  bool supports(int arch) const {
    for (int a : archs)
      if (a == arch) return true;
    return false;
  }
  std::string arch_range() const {
    return archs.empty() ? std::string("none")
                         : "sm_" + std::to_string(archs.front()) + " to sm_" + std::to_string(archs.back());
  }
};

static inline Nvrtc load_nvrtc() {
  Nvrtc n;
  std::vector<std::string> names;
  if (const char* env = std::getenv("MODELC_NVRTC"); env && *env) names.push_back(env);
  const std::string soname = "libnvrtc.so." + std::to_string(CUDA_VERSION / 1000);
  names.push_back(soname);
#ifdef MODELC_CUDA_TOOLKIT_LIB_DIR
  names.push_back(std::string(MODELC_CUDA_TOOLKIT_LIB_DIR) + "/" + soname);
#endif
  names.push_back("/usr/local/cuda/lib64/" + soname);
  void* lib = nullptr;
  for (const auto& name : names)
    if ((lib = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL))) {
      n.path = name;
      break;
    }
  if (!lib) {
    n.problem = "NVRTC not found (" + soname + ", from the CUDA " + mc_cuda::version_text(CUDA_VERSION) +
                " toolkit): install it, or set MODELC_NVRTC to the library's path";
    return n;
  }
#define MC_NVRTC_RESOLVE(field) \
  n.field = reinterpret_cast<decltype(n.field)>(dlsym(lib, "nvrtc" #field));
  MC_NVRTC_RESOLVE(GetErrorString) MC_NVRTC_RESOLVE(Version) MC_NVRTC_RESOLVE(GetNumSupportedArchs)
  MC_NVRTC_RESOLVE(GetSupportedArchs) MC_NVRTC_RESOLVE(CreateProgram) MC_NVRTC_RESOLVE(DestroyProgram)
  MC_NVRTC_RESOLVE(CompileProgram) MC_NVRTC_RESOLVE(GetCUBINSize) MC_NVRTC_RESOLVE(GetCUBIN)
  MC_NVRTC_RESOLVE(GetProgramLogSize) MC_NVRTC_RESOLVE(GetProgramLog)
#undef MC_NVRTC_RESOLVE
  if (!n.GetErrorString || !n.Version || !n.GetNumSupportedArchs || !n.GetSupportedArchs || !n.CreateProgram ||
      !n.DestroyProgram || !n.CompileProgram || !n.GetCUBINSize || !n.GetCUBIN || !n.GetProgramLogSize ||
      !n.GetProgramLog) {
    n.problem = n.path + " is not a usable NVRTC (CUDA 11.1 or newer needed for CUBIN output)";
    return n;
  }
  n.Version(&n.major, &n.minor);
  int count = 0;
  if (n.GetNumSupportedArchs(&count) == NVRTC_SUCCESS && count > 0) {
    n.archs.resize(static_cast<size_t>(count));
    if (n.GetSupportedArchs(n.archs.data()) != NVRTC_SUCCESS) n.archs.clear();
  }
  return n;
}

static inline const Nvrtc& nvrtc() {
  static const Nvrtc n = load_nvrtc();
  return n;
}

// "sm_80" -> 80; 0 if `text` is not sm_<digits>.
static inline int parse_arch(const std::string& text) {
  if (text.size() < 4 || text.compare(0, 3, "sm_") != 0) return 0;
  int v = 0;
  for (size_t k = 3; k < text.size(); ++k) {
    if (text[k] < '0' || text[k] > '9' || v > 10000) return 0;
    v = v * 10 + (text[k] - '0');
  }
  return v;
}

static inline uint64_t fnv1a(const void* data, size_t n, uint64_t h) {
  const unsigned char* p = static_cast<const unsigned char*>(data);
  for (size_t k = 0; k < n; ++k) {
    h ^= p[k];
    h *= 0x100000001b3ull;
  }
  return h;
}

// The CUBIN cache key: the program source, the build options, the architecture and the NVRTC
// version (a CUBIN is valid for one architecture; another NVRTC may generate other code).
static inline uint64_t program_key(const std::string& source, const std::string& options, int arch,
                                   const Nvrtc& nv) {
  uint64_t h = fnv1a(source.data(), source.size(), 0xcbf29ce484222325ull);
  h = fnv1a(options.c_str(), options.size() + 1, h);
  const std::string tail = "sm_" + std::to_string(arch) + " nvrtc " + nv.version_text();
  return fnv1a(tail.c_str(), tail.size() + 1, h);
}

// <dir>/cuda-<key>.cubin: where the runtime looks, and where `modelc compile` leaves the CUBIN it
// checked (next to the module), so a run on a device of that architecture starts without NVRTC work.
static inline std::string cubin_path(const std::string& dir, uint64_t key) {
  char name[64];
  std::snprintf(name, sizeof name, "/cuda-%016llx.cubin", static_cast<unsigned long long>(key));
  return dir + name;
}

// Compiles `source` with `options` (space-separated) for sm_<arch> into `cubin`. On failure returns
// false with `error` holding NVRTC's log (a rejected program is a modelc bug). `log`, when given,
// receives NVRTC's log of a successful compile too (warnings; ptxas's info with --ptxas-options=-v).
static inline bool compile_program(const Nvrtc& nv, const std::string& source, const std::string& options, int arch,
                                   std::vector<char>& cubin, std::string& error, std::string* log = nullptr) {
  // abi/philox.h includes these: NVRTC has its own math built-ins and needs only the integer types.
  const char* headers[] = {
      "typedef signed char int8_t; typedef short int16_t; typedef int int32_t; typedef long long int64_t;\n"
      "typedef unsigned char uint8_t; typedef unsigned short uint16_t; typedef unsigned int uint32_t;\n"
      "typedef unsigned long long uint64_t;\n",
      "\n"};
  const char* include_names[] = {"stdint.h", "math.h"};
  std::vector<std::string> args;
  for (size_t k = 0; k < options.size();) {
    const size_t end = options.find(' ', k);
    const std::string word = options.substr(k, end == std::string::npos ? std::string::npos : end - k);
    if (!word.empty()) args.push_back(word);
    if (end == std::string::npos) break;
    k = end + 1;
  }
  args.push_back("--gpu-architecture=sm_" + std::to_string(arch));
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  nvrtcProgram prog = nullptr;
  nvrtcResult r = nv.CreateProgram(&prog, source.c_str(), "kernels.cu", 2, headers, include_names);
  if (r != NVRTC_SUCCESS) {
    error = std::string("nvrtcCreateProgram failed: ") + nv.GetErrorString(r);
    return false;
  }
  r = nv.CompileProgram(prog, static_cast<int>(argv.size()), argv.data());
  if (r != NVRTC_SUCCESS) {
    size_t n = 0;
    nv.GetProgramLogSize(prog, &n);
    std::string log(n, '\0');
    if (n) nv.GetProgramLog(prog, log.data());
    while (!log.empty() && (log.back() == '\0' || log.back() == '\n')) log.pop_back();
    error = "NVRTC " + nv.version_text() + " rejected the generated CUDA program for sm_" + std::to_string(arch) +
            " (a modelc bug): " + nv.GetErrorString(r) + "\n" + log;
    nv.DestroyProgram(&prog);
    return false;
  }
  if (log) {
    size_t n = 0;
    nv.GetProgramLogSize(prog, &n);
    log->assign(n, '\0');
    if (n) nv.GetProgramLog(prog, log->data());
    while (!log->empty() && log->back() == '\0') log->pop_back();
  }
  size_t size = 0;
  r = nv.GetCUBINSize(prog, &size);
  cubin.assign(size, 0);
  if (r == NVRTC_SUCCESS) r = nv.GetCUBIN(prog, cubin.data());
  nv.DestroyProgram(&prog);
  if (r != NVRTC_SUCCESS || size == 0) {
    error = std::string("nvrtcGetCUBIN failed: ") + nv.GetErrorString(r);
    return false;
  }
  return true;
}

static inline bool read_binary(const std::string& path, std::vector<char>& out) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  std::fseek(f, 0, SEEK_END);
  const long n = std::ftell(f);
  std::fseek(f, 0, SEEK_SET);
  bool ok = n > 0;
  if (ok) {
    out.resize(static_cast<size_t>(n));
    ok = std::fread(out.data(), 1, out.size(), f) == out.size();
  }
  std::fclose(f);
  return ok;
}

// Write then rename: concurrent runs never read a half-written binary. Failure is not an error
// (the cache is an optimisation).
static inline void write_binary(const std::string& path, const std::vector<char>& data) {
  const std::string tmp = path + ".tmp." + std::to_string(static_cast<long>(getpid()));
  FILE* w = std::fopen(tmp.c_str(), "wb");
  if (!w) return;
  bool ok = std::fwrite(data.data(), 1, data.size(), w) == data.size();
  ok = std::fclose(w) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) std::remove(tmp.c_str());
}

// True when MODELC_CUDA_NO_CACHE is set (to anything but 0): every build compiles from source.
static inline bool cache_disabled() {
  const char* v = std::getenv("MODELC_CUDA_NO_CACHE");
  return v && *v && std::strcmp(v, "0") != 0;
}

}  // namespace mc_cuda
