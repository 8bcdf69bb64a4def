// The CUDA resource report without a GPU (docs/cuda.md, "Resource report", "Compile checks"):
//   - the occupancy rules (backends/cuda/occupancy.h) against NVIDIA's own calculator, the toolkit's
//     cuda_occupancy.h, for every architecture of the table, register count, block size and shared
//     memory size a kernel can have;
//   - ptxas's verbose format, including the items our kernels do not produce (smem, lmem, device
//     functions);
//   - the launch shapes the report assumes against the host module the SIMT emitter writes;
//   - every example and golden model's device program compiled by NVRTC for sm_75, sm_80 and sm_90
//     (CUDA 13 compiles for nothing older than sm_75): every kernel reported with plausible
//     numbers, and no kernel spilling registers at sm_80.
#include <gtest/gtest.h>

#ifdef MODELC_HAVE_CUDA

#include <cuda_occupancy.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>

#include "backends/cuda/cubin_sections.h"
#include "backends/cuda/cuda_backend.h"
#include "backends/cuda/cuda_resource_report.h"
#include "backends/cuda/cuda_target.h"
#include "backends/cuda/occupancy.h"
#include "backends/cuda/ptxas_info.h"
#include "backends/cuda/support/cuda_host.h"
#include "backends/host_compiler.h"
#include "driver/driver.h"

namespace modelc::testing {
namespace {

namespace fs = std::filesystem;
namespace cuda = backends::cuda;

// The toolkit calculator's description of a device of `sm` (the fields it reads).
cudaOccDeviceProp toolkit_props(const cuda::SmLimits& sm) {
  cudaOccDeviceProp p;
  p.computeMajor = sm.arch / 10;
  p.computeMinor = sm.arch % 10;
  p.maxThreadsPerBlock = sm.max_threads_per_block;
  p.maxThreadsPerMultiprocessor = sm.max_warps * sm.warp_size;
  p.regsPerBlock = sm.registers_per_block;
  p.regsPerMultiprocessor = sm.registers;
  p.warpSize = sm.warp_size;
  p.sharedMemPerBlock = static_cast<size_t>(sm.shared_per_block);
  p.sharedMemPerMultiprocessor = static_cast<size_t>(sm.shared_per_sm);
  p.numSms = 1;
  p.sharedMemPerBlockOptin = static_cast<size_t>(sm.shared_per_sm - sm.shared_reserved);
  p.reservedSharedMemPerBlock = static_cast<size_t>(sm.shared_reserved);
  return p;
}

int toolkit_blocks(const cuda::SmLimits& sm, int registers, int block, int64_t shared) {
  const cudaOccDeviceProp p = toolkit_props(sm);
  cudaOccFuncAttributes a;
  a.maxThreadsPerBlock = 1024;
  a.numRegs = registers;
  a.sharedSizeBytes = static_cast<size_t>(shared);  // all of it static: the same total per block
  cudaOccDeviceState s;
  cudaOccResult r{};
  EXPECT_EQ(cudaOccMaxActiveBlocksPerMultiprocessor(&r, &p, &a, &s, block, 0), CUDA_OCC_SUCCESS)
      << "sm_" << sm.arch << " regs " << registers << " block " << block << " smem " << shared;
  return r.activeBlocksPerMultiprocessor;
}

TEST(CudaOccupancy, MatchesTheToolkitsCalculator) {
  int compared = 0;
  for (const cuda::SmLimits& sm : cuda::sm_limits_table()) {
    for (int registers : {1, 8, 16, 24, 30, 32, 40, 48, 56, 64, 72, 80, 96, 128, 168, 200, 232, 255}) {
      for (int block = 32; block <= 1024; block += 32) {
        for (int64_t shared : {0, 1, 256, 1024, 3000, 8192, 20000, 40000, 48 * 1024, 48 * 1024 + 1}) {
          const cuda::Occupancy o = cuda::occupancy(sm, registers, block, shared);
          ASSERT_EQ(o.blocks, toolkit_blocks(sm, registers, block, shared))
              << "sm_" << sm.arch << " regs " << registers << " block " << block << " smem " << shared;
          ASSERT_EQ(o.warps, o.blocks * block / 32);
          ASSERT_FALSE(o.limiter.empty());
          ++compared;
        }
      }
    }
    // The largest block that launches is the largest the calculator gives a resident block.
    for (int registers = 1; registers <= 255; ++registers) {
      const int max = cuda::max_threads_per_block(sm, registers);
      ASSERT_GE(max, 32);
      ASSERT_EQ(max % 32, 0);
      ASSERT_GT(toolkit_blocks(sm, registers, max, 0), 0) << "sm_" << sm.arch << " regs " << registers;
      if (max < 1024) {
        ASSERT_EQ(toolkit_blocks(sm, registers, max + 32, 0), 0) << "sm_" << sm.arch << " regs " << registers;
      }
    }
  }
  std::printf("[ cuda     ] %d configurations agree with cuda_occupancy.h\n", compared);
  // Documented figures: 64 registers at 256 threads fill an A100 SM (64 warps), 255 registers allow 256 threads.
  const cuda::SmLimits& a100 = *cuda::sm_limits(80);
  EXPECT_DOUBLE_EQ(cuda::occupancy(a100, 32, 256, 0).fraction, 1.0);
  EXPECT_EQ(cuda::occupancy(a100, 64, 256, 0).warps, 32);
  EXPECT_EQ(cuda::occupancy(a100, 64, 256, 0).limiter, "registers");
  EXPECT_EQ(cuda::max_threads_per_block(a100, 255), 256);
  EXPECT_EQ(cuda::occupancy(*cuda::sm_limits(75), 32, 256, 0).warps, 32);  // Turing: 32 warps per SM
  EXPECT_EQ(cuda::sm_limits(100), nullptr);
}

TEST(CudaPtxasInfo, ReadsTheVerboseFormat) {
  const std::string log =
      "kernels.cu(12): warning #177-D: variable \"t\" was declared but never referenced\n"
      "ptxas info    : 16 bytes gmem\n"
      "ptxas info    : Function properties for _Z6helperv\n"
      "ptxas         .     24 bytes stack frame, 8 bytes spill stores, 12 bytes spill loads\n"
      "ptxas info    : Compiling entry function 'k7' for 'sm_86'\n"
      "ptxas info    : Function properties for k7\n"
      "ptxas         .     40 bytes stack frame, 16 bytes spill stores, 20 bytes spill loads\n"
      "ptxas warning : Registers are spilled to local memory in function 'k7', 16 bytes spill stores\n"
      "ptxas info    : Used 255 registers, used 1 barriers, 2048 bytes smem, 400 bytes cmem[0], 8 bytes cmem[2]\n"
      "ptxas info    : Compile time = 3.1 ms\n"
      "ptxas info    : Compiling entry function 'mc_old' for 'sm_75'\n"
      "ptxas info    : Used 10 registers, 32 bytes lmem, 360 bytes cmem[0], 2 textures\n"
      "ptxas info    : Compiling entry function 'k8' for 'sm_90'\n"
      "ptxas info    : Function properties for k8\n"
      "ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads\n"
      "ptxas info    : Used 28 registers, used 0 barriers\n";
  const auto f = cuda::parse_ptxas_info(log);
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[0].name, "_Z6helperv");
  EXPECT_FALSE(f[0].entry);
  EXPECT_EQ(f[0].stack_frame, 24);
  EXPECT_EQ(f[1].name, "k7");
  EXPECT_TRUE(f[1].entry && f[1].has_usage);
  EXPECT_EQ(f[1].arch, "sm_86");
  EXPECT_EQ(f[1].registers, 255);
  EXPECT_EQ(f[1].barriers, 1);
  EXPECT_EQ(f[1].stack_frame, 40);
  EXPECT_EQ(f[1].spill_stores, 16);
  EXPECT_EQ(f[1].spill_loads, 20);
  EXPECT_EQ(f[1].shared, 2048);
  EXPECT_EQ(f[1].constant, 408);
  EXPECT_EQ(f[2].name, "mc_old");
  EXPECT_EQ(f[2].local, 32);
  EXPECT_EQ(f[2].registers, 10);
  EXPECT_EQ(f[3].registers, 28);
  EXPECT_EQ(f[3].constant, 0);
  EXPECT_TRUE(cuda::parse_ptxas_info("no ptxas here\n").empty());
}

std::vector<std::string> all_models() {
  std::vector<std::string> out;
  for (const char* dir : {"examples", "tests/golden/models"})
    for (const auto& e : fs::directory_iterator(backends::source_root() / dir))
      if (e.path().extension() == ".json") out.push_back(std::string(dir) + "/" + e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

struct Emitted {
  passes::CompilationUnit unit;
  std::string device, host;
};

// The model through the passes for the cuda backend and its two sources, without building.
bool emit_cuda(const std::string& model, Emitted& out, std::string& error) {
  driver::PipelineOptions options;
  options.backend = "cuda";
  driver::PhaseTimings timings;
  DiagnosticEngine diags;
  const std::string path = (backends::source_root() / model).string();
  if (!driver::lower_model(path, options, out.unit, timings, diags) || !out.unit.program) {
    error = diags.render(path);
    return false;
  }
  cuda::CudaBackend backend;
  backends::BuildOptions build;
  backends::GeneratedSources s = backend.emit(*out.unit.program, build, diags);
  if (diags.has_errors()) {
    error = diags.render(path);
    return false;
  }
  out.device = s.files["kernels.cu"];
  out.host = s.files["model.cpp"];
  return true;
}

std::vector<std::string> global_kernels(const std::string& device) {
  std::vector<std::string> out;
  const std::regex def(R"(__global__ void (\w+)\()");
  for (auto it = std::sregex_iterator(device.begin(), device.end(), def); it != std::sregex_iterator(); ++it)
    out.push_back((*it)[1]);
  return out;
}

class CudaReport : public ::testing::TestWithParam<std::string> {};

// The block size caps and dynamic shared memory launch_shape assumes are the ones in the host
// module: the mc_kernels_ table (k<N>), mc_kernel_local_size(kernel, cap) for the helpers and
// mc_kernel_set_local for the scan scratch.
TEST_P(CudaReport, LaunchShapesMatchTheHostModule) {
  Emitted e;
  std::string error;
  const bool ok = emit_cuda(GetParam(), e, error);
  ASSERT_TRUE(ok) << error;
  std::map<std::string, int> caps, dynamic;
  const std::regex row(R"re(\{"(k\d+)", "kernel \w+", mc_args\d+_, \d+, MC_GRID_\w+, (\d+),)re");
  for (auto it = std::sregex_iterator(e.host.begin(), e.host.end(), row); it != std::sregex_iterator(); ++it)
    caps[(*it)[1]] = std::stoi((*it)[2]);
  const std::regex get(R"re((m->\w+) = mc_kernel_get\(m->prog, "(\w+)"\))re");
  for (auto it = std::sregex_iterator(e.host.begin(), e.host.end(), get); it != std::sregex_iterator(); ++it) {
    const std::string var = (*it)[1], name = (*it)[2];
    const std::regex local("mc_kernel_local_size\\(" + var + ", (\\d+)\\)");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(e.host, m, local)) << "no block size for " << name << " (" << var << ")";
    caps[name] = std::stoi(m[1]);
    const std::regex scratch("mc_kernel_set_local\\(" + var +
                             ", \\d+, \\S+ \\* sizeof\\(int32_t\\)\\)");
    if (std::regex_search(e.host, scratch)) dynamic[name] = 4;
  }
  const std::vector<std::string> kernels = global_kernels(e.device);
  ASSERT_FALSE(kernels.empty());
  for (const std::string& k : kernels) {
    const cuda::LaunchShape s = cuda::launch_shape(*e.unit.program, k);
    const auto cap = caps.find(k);
    // The support kernels are in every program; the host module launches those the model needs.
    if (cap == caps.end() && k.rfind("mc_", 0) == 0) continue;
    ASSERT_NE(cap, caps.end()) << "the host module launches no kernel " << k << " (or this test cannot read it)";
    EXPECT_EQ(s.block_size_cap, cap->second) << k;
    EXPECT_EQ(s.dynamic_shared_per_thread, dynamic.count(k) ? dynamic[k] : 0) << k;
    EXPECT_NE(s.what, "device kernel") << k << " is a kernel launch_shape does not know";
  }
}

// Every model's device program through NVRTC for three architectures: what the report says is
// there for every kernel, plausible, and at sm_80 (the reference architecture) spill-free.
TEST_P(CudaReport, NvrtcForSm75Sm80Sm90WithoutSpillsAtSm80) {
  const auto& nv = mc_cuda::nvrtc();
  if (!nv.problem.empty()) GTEST_SKIP() << nv.problem;
  Emitted e;
  std::string error;
  const bool ok = emit_cuda(GetParam(), e, error);
  ASSERT_TRUE(ok) << error;
  const std::vector<std::string> kernels = global_kernels(e.device);
  const std::string options = cuda::cuda_target().build_options + " --ptxas-options=-v";
  std::string timing;
  for (int arch : {75, 80, 90}) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<char> cubin;
    std::string log;
    ASSERT_TRUE(mc_cuda::compile_program(nv, e.device, options, arch, cubin, error, &log)) << error;
    char t[48];
    std::snprintf(t, sizeof t, " sm_%d %.2f s", arch,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    timing += t;
    const backends::DeviceCodeReport r = cuda::resource_report(*e.unit.program, e.device, log, cubin, arch, "NVRTC");
    EXPECT_EQ(r.note, "") << "sm_" << arch;
    ASSERT_EQ(r.kernels.size(), kernels.size()) << "sm_" << arch << ": not every kernel is in the report";
    const auto ptxas = cuda::parse_ptxas_info(log);
    const auto sections = cuda::elf_sections(cubin);
    ASSERT_FALSE(sections.empty()) << "the CUBIN's sections could not be read";
    for (const auto& k : r.kernels) {
      const std::string at = k.name + " (" + k.what + ") at sm_" + std::to_string(arch);
      EXPECT_NE(std::find(kernels.begin(), kernels.end(), k.name), kernels.end()) << at;
      EXPECT_GT(k.registers, 0) << at;
      EXPECT_LE(k.registers, 255) << at;
      EXPECT_GT(k.constant, 0) << at << ": the parameters are in constant bank 0";
      EXPECT_GE(k.max_threads_per_block, k.block_size) << at;
      EXPECT_EQ(k.block_size % 32, 0) << at;
      EXPECT_LE(k.block_size, k.block_size_cap) << at;
      EXPECT_GT(k.occupancy, 0.0) << at;
      EXPECT_LE(k.occupancy, 1.0) << at;
      EXPECT_EQ(k.active_warps, k.active_blocks * k.block_size / 32) << at;
      if (arch == 80) {
        // The reference architecture: no kernel spills (a spill is a register-pressure bug of the
        // emitter to fix, not to hide); the stack frame says how much local memory it costs.
        EXPECT_EQ(k.spill_stores, 0) << at << " spills: " << k.registers << " registers, stack frame "
                                     << k.stack_frame << " bytes";
        EXPECT_EQ(k.spill_loads, 0) << at;
        // ptxas prints the constant banks up to sm_8x: the CUBIN's sections say the same.
        const auto f = std::find_if(ptxas.begin(), ptxas.end(), [&](const auto& p) { return p.name == k.name; });
        ASSERT_NE(f, ptxas.end());
        EXPECT_EQ(cuda::kernel_constant_bytes(sections, k.name), f->constant) << at;
      }
    }
  }
  std::printf("[ cuda     ] %s: %zu kernels, NVRTC%s\n", GetParam().c_str(), kernels.size(), timing.c_str());
}

INSTANTIATE_TEST_SUITE_P(Models, CudaReport, ::testing::ValuesIn(all_models()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return (info.param.rfind("examples/", 0) == 0 ? "example_" : "golden_") +
                                  fs::path(info.param).stem().string();
                         });

// ptxas's -v changes what the log says, not the code: the backend's CUBIN (compiled with it) differs
// from the one the runtime builds with the plain options under the same cache key only in the tool
// note that records ptxas's command line.
TEST(CudaReport, VerbosePtxasChangesOnlyTheToolNote) {
  const auto& nv = mc_cuda::nvrtc();
  if (!nv.problem.empty()) GTEST_SKIP() << nv.problem;
  Emitted e;
  std::string error;
  ASSERT_TRUE(emit_cuda("examples/cuba.json", e, error)) << error;
  std::vector<char> plain, verbose;
  const std::string& options = cuda::cuda_target().build_options;
  ASSERT_TRUE(mc_cuda::compile_program(nv, e.device, options, 80, plain, error)) << error;
  ASSERT_TRUE(mc_cuda::compile_program(nv, e.device, options + " --ptxas-options=-v", 80, verbose, error)) << error;
  const auto a = cuda::elf_sections(plain), b = cuda::elf_sections(verbose);
  ASSERT_GT(a.size(), 10u);
  ASSERT_EQ(a.size(), b.size());
  int texts = 0;
  for (const auto& [name, s] : a) {
    ASSERT_TRUE(b.count(name)) << name;
    if (name == ".note.nv.tkinfo") continue;
    const auto& t = b.at(name);
    ASSERT_EQ(s.size, t.size) << name;
    if (name.rfind(".nv.shared", 0) == 0 || s.size == 0) continue;  // NOBITS: no bytes in the file
    ASSERT_LE(s.offset + s.size, plain.size());
    ASSERT_LE(t.offset + t.size, verbose.size());
    EXPECT_TRUE(std::equal(plain.begin() + static_cast<long>(s.offset), plain.begin() + static_cast<long>(s.offset + s.size),
                           verbose.begin() + static_cast<long>(t.offset)))
        << name << " differs";
    texts += name.rfind(".text.", 0) == 0;
  }
  EXPECT_GE(texts, 4) << "the kernels' code sections were not compared";
}

}  // namespace
}  // namespace modelc::testing

#endif  // MODELC_HAVE_CUDA
