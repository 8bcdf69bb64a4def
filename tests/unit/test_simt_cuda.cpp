// The SIMT kernel emitter's dialect hooks are enough for CUDA: the device source of real models,
// emitted through the CUDA dialect fixture (support/cuda_dialect.h) and a minimal CUDA prelude
// (support/cuda_prelude.cuh), compiles with NVRTC for sm_80. Needs no GPU; skipped where
// libnvrtc cannot be loaded (MODELC_NVRTC names the library, else libnvrtc.so from the loader
// path or /usr/local/cuda/lib64).
#include <gtest/gtest.h>

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "codegen/simt/simt_kernel_emitter.h"
#include "driver/driver.h"
#include "model_runner.h"
#include "support/cuda_dialect.h"

namespace modelc::testing {
namespace {

namespace fs = std::filesystem;
namespace simt = codegen::simt;
using kir::Type;

// The part of the NVRTC C API the test calls (nvrtc.h is not needed to build the test).
struct Nvrtc {
  using Program = void*;
  int (*create)(Program*, const char*, const char*, int, const char* const*, const char* const*) = nullptr;
  int (*compile)(Program, int, const char* const*) = nullptr;
  int (*log_size)(Program, size_t*) = nullptr;
  int (*log)(Program, char*) = nullptr;
  int (*cubin_size)(Program, size_t*) = nullptr;
  int (*destroy)(Program*) = nullptr;

  static const Nvrtc* get() {
    static const Nvrtc* loaded = load();
    return loaded;
  }

 private:
  static const Nvrtc* load() {
    std::vector<std::string> names;
    if (const char* env = std::getenv("MODELC_NVRTC"); env && *env) names.push_back(env);
    for (const char* n : {"libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12", "/usr/local/cuda/lib64/libnvrtc.so"})
      names.push_back(n);
    for (const auto& n : names) {
      void* lib = dlopen(n.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!lib) continue;
      auto* r = new Nvrtc;
      r->create = reinterpret_cast<decltype(r->create)>(dlsym(lib, "nvrtcCreateProgram"));
      r->compile = reinterpret_cast<decltype(r->compile)>(dlsym(lib, "nvrtcCompileProgram"));
      r->log_size = reinterpret_cast<decltype(r->log_size)>(dlsym(lib, "nvrtcGetProgramLogSize"));
      r->log = reinterpret_cast<decltype(r->log)>(dlsym(lib, "nvrtcGetProgramLog"));
      r->cubin_size = reinterpret_cast<decltype(r->cubin_size)>(dlsym(lib, "nvrtcGetCUBINSize"));
      r->destroy = reinterpret_cast<decltype(r->destroy)>(dlsym(lib, "nvrtcDestroyProgram"));
      if (r->create && r->compile && r->log_size && r->log && r->cubin_size && r->destroy) return r;
      delete r;
    }
    return nullptr;
  }
};

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The dialect-neutral helpers of opencl_helpers.cl: everything but its OpenCL atomics section.
std::string portable_helpers() {
  const std::string s = read_text(source_root() / "backends/opencl/support/opencl_helpers.cl");
  const size_t atomics = s.find("/* --- atomics"), binomial = s.find("/* --- IR v2: binomial");
  if (atomics == std::string::npos || binomial == std::string::npos || binomial < atomics) return {};
  return s.substr(0, atomics) + s.substr(binomial);
}

std::string cuda_prelude() {
  return read_text(source_root() / "tests/unit/support/cuda_prelude.cuh") + read_text(source_root() / "abi/philox.h") +
         portable_helpers();
}

// The CUDA device source of `model`, lowered for the strategies the SIMT emitter implements.
std::string cuda_device_source(const fs::path& model, std::string& error) {
  driver::PipelineOptions options;
  options.backend = "opencl";
  passes::CompilationUnit unit;
  driver::PhaseTimings timings;
  DiagnosticEngine diags;
  if (!driver::lower_model(model.string(), options, unit, timings, diags) || !unit.program) {
    error = diags.render(model.string());
    return {};
  }
  simt::LaunchPlan plan(*unit.program, diags, "cuda");
  simt::plan_kernels(plan);
  if (diags.has_errors()) {
    error = diags.render(model.string());
    return {};
  }
  simt::GpuPrinter printer(cuda_dialect());
  printer.set_buffer_types(*unit.program);
  return simt::emit_device_program(plan, printer, "// modelc SIMT test: CUDA\n", cuda_prelude());
}

TEST(SimtCuda, DialectSpellings) {
  simt::GpuPrinter p(cuda_dialect());
  EXPECT_EQ(p.type_name(Type::Int64), "long long");
  EXPECT_EQ(p.storage_type_name(Type::Bool), "unsigned char");
  EXPECT_EQ(p.buffer_pointer(Type::Float, "v", true), "const float* __restrict__ v");
  EXPECT_EQ(p.expr(kir::call("exp", {kir::lit(1.0, Type::Float)}, Type::Float)), "expf(1.0f)");
  EXPECT_EQ(p.expr(kir::lit_int(int64_t{1} << 40)), "1099511627776LL");
  kir::Stmt s;
  s.kind = kir::Stmt::Kind::Accumulate;
  s.name = "ge";
  s.index = kir::builtin("j", Type::Int64);
  s.value = kir::lit(1.5, Type::Double);
  s.op = ir::Op::Add;
  s.conflicting = true;
  EXPECT_EQ(p.stmt(s), "atomicAdd(&ge[j], ((mc_f64)1.5));\n");
  s.op = ir::Op::Mul;
  EXPECT_EQ(p.stmt(s), "mc_atomic_mul_double(&ge[j], ((mc_f64)1.5));\n");
  const std::string support = simt::emit_support_kernels(p);
  EXPECT_NE(support.find("extern \"C\" __global__ void mc_compact_spikes("), std::string::npos) << support;
  EXPECT_NE(support.find("  extern __shared__ int scratch[];\n"), std::string::npos) << support;
  EXPECT_NE(support.find("__syncthreads();"), std::string::npos) << support;
  EXPECT_EQ(support.find("__global"), support.find("__global__"));  // no OpenCL address space
}

// Compiles `src` for sm_80; a failure reports NVRTC's log and keeps the source.
void compile(const Nvrtc& nv, const std::string& src, const std::string& what);

// A copy of `model` with another precision.
fs::path variant(const fs::path& model, const std::string& precision, const fs::path& dir) {
  std::ifstream in(model);
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(in);
  j["simulation"]["precision"] = precision;
  fs::path out = dir / (model.stem().string() + "_" + precision + ".json");
  std::ofstream(out) << j.dump(1);
  return out;
}

// What the SIMT emitter does not implement, as in test_opencl_codegen.cpp.
const std::map<std::string, std::string> kUnsupported = {
    {"tests/golden/models/slices_pathways.json", "does not implement dendritic delay buffering"},
};

// The OpenCL spellings live in the OpenCL dialect only: every other backend and codegen source asks
// a GpuDialect (the prelude .cl files are OpenCL C and may spell them).
TEST(SimtDialects, OpenCLSpellingsOnlyInTheOpenCLDialect) {
  for (const char* dir : {"backends", "codegen"})
    for (const auto& e : fs::recursive_directory_iterator(source_root() / dir)) {
      const std::string ext = e.path().extension().string();
      if (ext != ".cpp" && ext != ".h") continue;
      if (e.path().filename() == "opencl_target.cpp") continue;
      const std::string text = read_text(e.path());
      for (const char* word : {"__kernel", "__global", "get_global_id", "get_local_id", "barrier(", "__local"})
        EXPECT_EQ(text.find(word), std::string::npos) << e.path().string() << " spells " << word;
    }
}

class SimtCudaNvrtc : public ::testing::TestWithParam<std::string> {};

TEST_P(SimtCudaNvrtc, DeviceSourceCompilesForSm80) {
  const Nvrtc* nv = Nvrtc::get();
  if (!nv) GTEST_SKIP() << "libnvrtc not found (set MODELC_NVRTC)";
  ASSERT_NE(portable_helpers(), "") << "opencl_helpers.cl lost its section markers";
  const fs::path dir = fs::temp_directory_path() / ("modelc-simt-cuda-" + std::to_string(getpid()));
  fs::create_directories(dir);
  for (const char* precision : {"double", "float"}) {
    std::string error;
    const std::string src = cuda_device_source(variant(source_root() / GetParam(), precision, dir), error);
    if (const auto u = kUnsupported.find(GetParam()); u != kUnsupported.end()) {
      EXPECT_NE(error.find(u->second), std::string::npos) << GetParam() << " is listed as unsupported:\n" << error;
      continue;
    }
    ASSERT_FALSE(src.empty()) << error;
    compile(*nv, src, GetParam() + " (" + precision + ")");
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

void compile(const Nvrtc& nv, const std::string& src, const std::string& what) {
  // philox.h includes them; NVRTC brings its own math built-ins and needs only the integer types.
  const char* headers[] = {
      "typedef signed char int8_t; typedef short int16_t; typedef int int32_t; typedef long long int64_t;\n"
      "typedef unsigned char uint8_t; typedef unsigned short uint16_t; typedef unsigned int uint32_t;\n"
      "typedef unsigned long long uint64_t;\n",
      "\n"};
  const char* include_names[] = {"stdint.h", "math.h"};
  const char* opts[] = {"--gpu-architecture=sm_80", "-default-device", "--fmad=false", "-std=c++17"};
  const auto t0 = std::chrono::steady_clock::now();
  Nvrtc::Program prog = nullptr;
  ASSERT_EQ(nv.create(&prog, src.c_str(), "model.cu", 2, headers, include_names), 0);
  const int rc = nv.compile(prog, 4, opts);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  size_t n = 0;
  nv.log_size(prog, &n);
  std::string log(n, '\0');
  if (n) nv.log(prog, log.data());
  size_t cubin = 0;
  if (rc == 0) nv.cubin_size(prog, &cubin);
  nv.destroy(&prog);
  if (rc != 0) {
    const fs::path dump = fs::temp_directory_path() / "modelc-simt-cuda-failed.cu";
    std::ofstream(dump) << src;
    ADD_FAILURE() << what << ": NVRTC error " << rc << " (source in " << dump.string() << ")\n" << log;
    return;
  }
  EXPECT_GT(cubin, 0u);
  std::printf("[ nvrtc    ] %s: %zu bytes of CUDA C++, %zu bytes of sm_80 CUBIN, %.2f s\n", what.c_str(), src.size(),
              cubin, seconds);
}

// Every example and golden model (CUBA, heterogeneous per-synapse delays in delays_hetero,
// summed variables in summed_gap and summed_target_slice among them), in double and float.
std::vector<std::string> all_models() {
  std::vector<std::string> out;
  for (const char* dir : {"examples", "tests/golden/models"})
    for (const auto& e : fs::directory_iterator(source_root() / dir))
      if (e.path().extension() == ".json") out.push_back(std::string(dir) + "/" + e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

INSTANTIATE_TEST_SUITE_P(Models, SimtCudaNvrtc, ::testing::ValuesIn(all_models()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = (info.param.rfind("examples/", 0) == 0 ? "example_" : "golden_") +
                                              fs::path(info.param).stem().string();
                           return name;
                         });

}  // namespace
}  // namespace modelc::testing
