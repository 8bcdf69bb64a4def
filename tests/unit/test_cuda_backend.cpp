// The CUDA backend without a GPU: the dialect's spellings; every example and golden model, in
// double and float, built through `--backend cuda` (device program with NVRTC for sm_80, host
// module with the host compiler, linked to libmodelc_cuda_runtime.so); the runtime library's
// answer where no driver is usable. What runs on a device is in docs/cuda.md. The NVRTC tests are
// skipped where libnvrtc cannot be loaded (MODELC_NVRTC names the library).
#include <gtest/gtest.h>

#include <cctype>

#ifdef MODELC_HAVE_CUDA  // the cuda backend is built (CUDA toolkit headers found)

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "backends/cuda/cuda_devices.h"
#include "backends/cuda/cuda_target.h"
#include "backends/cuda/support/cuda_host.h"
#include "backends/host_compiler.h"
#include "codegen/simt/gpu_printer.h"
#include "codegen/simt/simt_kernel_emitter.h"
#include "driver/driver.h"
#include "model_runner.h"
#include "storage_variants.h"

namespace modelc::testing {
namespace {

namespace fs = std::filesystem;
namespace simt = codegen::simt;
using kir::Type;

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(CudaBackend, DialectSpellings) {
  simt::GpuPrinter p(backends::cuda::cuda_dialect());
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
  // The scratch is dynamic shared memory, after the declared parameters (the runtime's set_local).
  EXPECT_NE(support.find("  extern __shared__ int scratch[];\n"), std::string::npos) << support;
  EXPECT_NE(support.find("__syncthreads();"), std::string::npos) << support;
}

// True when `text` spells the OpenCL word `word` as a word of its own (CUDA's __global__ is not
// OpenCL's __global, the CPU module's mc_barrier( is not OpenCL's barrier().
bool spells(const std::string& text, const std::string& word) {
  auto ident = [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'; };
  for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    if (at > 0 && ident(text[at - 1])) continue;
    if (!(word == "__global" && text.compare(at, 10, "__global__") == 0)) return true;
  }
  return false;
}

// The OpenCL spellings live in the OpenCL dialect only: every other backend and codegen source asks
// a GpuDialect (the prelude .cl files are OpenCL C and may spell them).
TEST(SimtDialects, OpenCLSpellingsOnlyInTheOpenCLDialect) {
  for (const char* dir : {"backends", "codegen"})
    for (const auto& e : fs::recursive_directory_iterator(backends::source_root() / dir)) {
      const std::string ext = e.path().extension().string();
      if (ext != ".cpp" && ext != ".h" && ext != ".cuh") continue;
      if (e.path().filename() == "opencl_target.cpp") continue;
      const std::string text = read_text(e.path());
      for (const char* word : {"__kernel", "__global", "get_global_id", "get_local_id", "barrier(", "__local"})
        EXPECT_FALSE(spells(text, word)) << e.path().string() << " spells " << word;
    }
}

// The helpers both dialects share are one file, pasted by both backends.
TEST(CudaBackend, PreludesShareTheSimtHelpers) {
  const std::string shared = read_text(backends::source_root() / "abi/simt_helpers.h");
  EXPECT_NE(shared.find("mc_binomial_double"), std::string::npos);
  EXPECT_NE(shared.find("mc_floordiv_i64"), std::string::npos);
  for (const char* f : {"backends/cuda/cuda_backend.cpp", "backends/opencl/opencl_backend.cpp"})
    EXPECT_NE(read_text(backends::source_root() / f).find("\"abi/simt_helpers.h\""), std::string::npos) << f;
  EXPECT_FALSE(fs::exists(backends::source_root() / "backends/opencl/support/opencl_helpers.cl"));
}

// A copy of `model` with another precision.
fs::path variant(const fs::path& model, const std::string& precision, const fs::path& dir) {
  std::ifstream in(model);
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(in);
  j["simulation"]["precision"] = precision;
  fs::path out = dir / (model.stem().string() + "_" + precision + ".json");
  std::ofstream(out) << j.dump(1);
  return out;
}

class CudaBuild : public ::testing::TestWithParam<std::string> {};

// `modelc compile --backend cuda` as a library call: kernels.cu and model.cpp written, the host
// module built and linked, the device program compiled by NVRTC for sm_80 and its CUBIN left
// next to the module under the name the runtime looks for.
TEST_P(CudaBuild, CompilesWithNvrtcAndTheHostCompiler) {
  if (const auto& nv = mc_cuda::nvrtc(); !nv.problem.empty()) GTEST_SKIP() << nv.problem;
  const fs::path dir = fs::temp_directory_path() / ("modelc-cuda-build-" + std::to_string(getpid()));
  fs::create_directories(dir);
  for (const char* precision : {"double", "float"}) {
    driver::PipelineOptions options;
    options.backend = "cuda";
    options.build.out_dir = dir / precision;
    options.build.cache_dir = test_cache_dir();
    driver::CompiledModel cm;
    DiagnosticEngine diags;
    const fs::path model = variant(backends::source_root() / GetParam(), precision, dir);
    const auto t0 = std::chrono::steady_clock::now();
    const bool ok = driver::compile_model(model.string(), options, cm, diags);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const std::string rendered = diags.render(model.string());
    ASSERT_TRUE(ok) << GetParam() << " (" << precision << "):\n" << rendered;
    const std::string device = read_text(options.build.out_dir / "kernels.cu");
    EXPECT_NE(device.find("extern \"C\" __global__ void"), std::string::npos);
    const std::string host = read_text(options.build.out_dir / "model.cpp");
    EXPECT_NE(host.find("mc_program_build"), std::string::npos);
    // Every step is bracketed for the runtime's step graphs (docs/cuda.md, "Step graphs").
    EXPECT_NE(host.find("MC_DEV(mc_step_graph_begin(m->dev)"), std::string::npos);
    EXPECT_NE(host.find("MC_DEV(mc_step_graph_end(m->dev)"), std::string::npos);
    EXPECT_TRUE(fs::is_regular_file(cm.build.module_path));
    const uint64_t key = mc_cuda::program_key(device, backends::cuda::cuda_target().build_options, 80, mc_cuda::nvrtc());
    EXPECT_TRUE(fs::is_regular_file(mc_cuda::cubin_path(cm.build.module_path.parent_path().string(), key)))
        << "no sm_80 CUBIN beside " << cm.build.module_path;
    std::printf("[ cuda     ] %s (%s): %zu bytes of CUDA C++, built in %.2f s%s\n", GetParam().c_str(), precision,
                device.size(), seconds, cm.build.cache_hit ? " (host module from the cache)" : "");
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

// Every example and golden model (CUBA, heterogeneous per-synapse delays in delays_hetero,
// summed variables in summed_gap and summed_target_slice among them).
std::vector<std::string> all_models() {
  std::vector<std::string> out;
  for (const char* dir : {"examples", "tests/golden/models"})
    for (const auto& e : fs::directory_iterator(backends::source_root() / dir))
      if (e.path().extension() == ".json") out.push_back(std::string(dir) + "/" + e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

INSTANTIATE_TEST_SUITE_P(Models, CudaBuild, ::testing::ValuesIn(all_models()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return (info.param.rfind("examples/", 0) == 0 ? "example_" : "golden_") +
                                  fs::path(info.param).stem().string();
                         });

// The forced connectivity storages (storage_variants.h: dense, bitmask, procedural, with syn-keyed
// draws and procedural one-to-one / all-to-all rows) through NVRTC for sm_80, in double and float
// and with the float-on-device options: the kernels the equivalence suite runs on OpenCL.
class CudaStorageBuild : public ::testing::TestWithParam<StorageVariant> {};

TEST_P(CudaStorageBuild, CompilesWithNvrtc) {
  if (const auto& nv = mc_cuda::nvrtc(); !nv.problem.empty()) GTEST_SKIP() << nv.problem;
  const fs::path dir = fs::temp_directory_path() / ("modelc-cuda-storage-" + std::to_string(getpid()));
  const fs::path base = write_storage_variant(GetParam(), dir);
  for (const char* precision : {"double", "float"}) {
    driver::PipelineOptions options;
    options.backend = "cuda";
    options.build.out_dir = dir / (GetParam().name + precision);
    options.build.cache_dir = test_cache_dir();
    driver::CompiledModel cm;
    DiagnosticEngine diags;
    const fs::path model = variant(base, precision, dir);
    ASSERT_TRUE(driver::compile_model(model.string(), options, cm, diags)) << diags.render(model.string());
    for (const auto& g : cm.unit.program->synapse_groups)
      EXPECT_STREQ(kir::storage_name(g.connectivity.storage), GetParam().storage.c_str()) << g.name;
    const std::string device = read_text(options.build.out_dir / "kernels.cu");
    const char* marker = GetParam().storage == "dense" ? "_mc_dense" : GetParam().storage == "bitmask" ? "_mc_bits" : "_mc_last";
    if (!GetParam().rules || GetParam().storage != "procedural") {
      EXPECT_NE(device.find(marker), std::string::npos) << marker;
    }
    std::string error;
    std::vector<char> cubin;
    EXPECT_TRUE(mc_cuda::compile_program(mc_cuda::nvrtc(), device, backends::cuda::cuda_target().build_options_no_fp64, 80,
                                         cubin, error))
        << error;
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

INSTANTIATE_TEST_SUITE_P(ForcedStorages, CudaStorageBuild, ::testing::ValuesIn(storage_variants()),
                         [](const ::testing::TestParamInfo<StorageVariant>& info) { return info.param.name; });

// The float path of a double-capable device (MODELC_CUDA_FORCE_NO_FP64): the module's second set
// of build options compiles too.
TEST(CudaBackend, NoFp64OptionsCompile) {
  const auto& nv = mc_cuda::nvrtc();
  if (!nv.problem.empty()) GTEST_SKIP() << nv.problem;
  driver::PipelineOptions options;
  options.backend = "cuda";
  options.build.out_dir = fs::temp_directory_path() / ("modelc-cuda-nofp64-" + std::to_string(getpid()));
  options.build.cache_dir = test_cache_dir();
  driver::CompiledModel cm;
  DiagnosticEngine diags;
  const fs::path model = variant(backends::source_root() / "examples/cuba.json", "float", fs::temp_directory_path());
  ASSERT_TRUE(driver::compile_model(model.string(), options, cm, diags)) << diags.render(model.string());
  std::vector<char> cubin;
  std::string error;
  EXPECT_TRUE(mc_cuda::compile_program(nv, read_text(options.build.out_dir / "kernels.cu"),
                                       backends::cuda::cuda_target().build_options_no_fp64, 80, cubin, error))
      << error;
  std::error_code ec;
  fs::remove_all(options.build.out_dir, ec);
}

TEST(CudaBackend, RejectsAnUnknownArchitecture) {
  if (const auto& nv = mc_cuda::nvrtc(); !nv.problem.empty()) GTEST_SKIP() << nv.problem;
  for (const char* arch : {"sm_8", "80", "sm_20"}) {
    driver::PipelineOptions options;
    options.backend = "cuda";
    options.build.out_dir = fs::temp_directory_path() / ("modelc-cuda-arch-" + std::to_string(getpid()));
    options.build.cuda_arch = arch;
    driver::CompiledModel cm;
    DiagnosticEngine diags;
    EXPECT_FALSE(driver::compile_model((backends::source_root() / "examples/lif.json").string(), options, cm, diags)) << arch;
    const std::string r = diags.render("lif.json");
    EXPECT_NE(r.find(std::string("--cuda-arch ") + arch), std::string::npos) << r;
    EXPECT_NE(r.find("compiles for sm_"), std::string::npos) << r;
  }
}

// `modelc devices`' CUDA section: the driver and its devices, or one line saying what was found.
TEST(CudaDevices, DescribesTheDriverOrWhyNot) {
  const std::string s = backends::cuda::describe_cuda_devices();
  ASSERT_EQ(s.rfind("CUDA: ", 0), 0u) << s;
  if (!mc_cuda::driver().problem.empty())
    EXPECT_EQ(s.substr(0, s.find('\n')), "CUDA: " + mc_cuda::driver().problem) << s;
  else
    EXPECT_NE(s.find("compute capability"), std::string::npos) << s;
  EXPECT_NE(s.find("NVRTC"), std::string::npos) << s;
}

// The runtime library as a generated module calls it, loaded privately (the unit tests link the
// OpenCL runtime, which defines the same symbols). With no usable driver it lists no device and
// says why in one line; with one, the index check.
TEST(CudaRuntime, NoUsableDeviceIsOneLine) {
  const fs::path lib = backends::support_lib_dir() / "libmodelc_cuda_runtime.so";
  void* h = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(h, nullptr) << dlerror();
  using Count = int32_t (*)();
  using Open = void* (*)(int32_t, char*, size_t);
  auto count = reinterpret_cast<Count>(dlsym(h, "mc_device_count"));
  auto open = reinterpret_cast<Open>(dlsym(h, "mc_device_open"));
  ASSERT_TRUE(count && open);
  // The step-graph bracket the host modules call (abi/device_runtime.h); NULL is a failure.
  using Bracket = int (*)(void*);
  auto begin = reinterpret_cast<Bracket>(dlsym(h, "mc_step_graph_begin"));
  auto end = reinterpret_cast<Bracket>(dlsym(h, "mc_step_graph_end"));
  ASSERT_TRUE(begin && end);
  EXPECT_EQ(begin(nullptr), 1);
  EXPECT_EQ(end(nullptr), 1);
  const int n = count();
  char error[1024] = "";
  const int index = n == 0 ? 0 : n;  // with devices present, one past the last
  EXPECT_EQ(open(index, error, sizeof error), nullptr);
  const std::string e = error;
  EXPECT_FALSE(e.empty());
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  EXPECT_NE(e.find("CUDA"), std::string::npos) << e;
  if (n == 0 && !mc_cuda::driver().problem.empty()) {
    EXPECT_EQ(e, mc_cuda::driver().problem);
  }
  std::printf("[ cuda     ] %d device(s): %s\n", n, error);
  dlclose(h);
}

}  // namespace
}  // namespace modelc::testing

#endif  // MODELC_HAVE_CUDA
