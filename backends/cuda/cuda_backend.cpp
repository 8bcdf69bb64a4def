#include "backends/cuda/cuda_backend.h"

#include <chrono>
#include <fstream>
#include <future>
#include <sstream>

#include "backends/cuda/cuda_resource_report.h"
#include "backends/cuda/cuda_target.h"
#include "backends/cuda/support/cuda_host.h"
#include "backends/device_prelude.h"
#include "backends/host_compiler.h"
#include "backends/host_module_build.h"
#include "codegen/simt/gpu_module.h"

namespace modelc::backends::cuda {

namespace fs = std::filesystem;

static constexpr const char* kHostName = "model.cpp";
static constexpr const char* kDeviceName = "kernels.cu";

// Files pasted into every CUDA program, in order (relative to the source root).
static const char* const kPreludeFiles[] = {"backends/cuda/support/cuda_prelude.cuh", "abi/philox.h",
                                            "abi/simt_helpers.h"};

std::string CudaBackend::description() const {
  return "CUDA C++ kernels compiled in-process by NVRTC, driven by a C++ host module through the CUDA driver API "
         "(NVIDIA GPUs, sm_75 and later)";
}

BackendCapabilities CudaBackend::capabilities() const {
  // The strategies are the SIMT emitter's, as for OpenCL: the kernel IR is the one the OpenCL
  // backend runs (and tests against the CPU) on PoCL.
  BackendCapabilities c;
  c.float64 = true;
  c.atomics_float_add = true;  // atomicAdd on float and double (sm_60+)
  c.parallel_neurons = true;
  c.preferred_block_size = 256;  // an upper bound; the module asks the driver per kernel
  // What the SIMT emitter implements (codegen/simt/launch_plan.h): the same for every GPU target.
  for (const std::string& f : codegen::simt::simt_features()) c.features.insert(f);
  return c;
}

GeneratedSources CudaBackend::emit(const kir::Program& program, const BuildOptions& options,
                                   DiagnosticEngine& diags) {
  if (emitted_for_ == &program) return emitted_;
  GeneratedSources out;
  const int errors_before = diags.error_count();
  const std::optional<std::string> prelude = read_device_prelude(kPreludeFiles, "cuda", diags);
  if (!prelude) return out;
  codegen::simt::GpuSources gpu =
      codegen::simt::emit_gpu_module(program, cuda_target(), *prelude, options.num_threads, diags);
  if (diags.error_count() > errors_before) return out;
  out.files[kDeviceName] = std::move(gpu.device);
  out.files[kHostName] = std::move(gpu.host);
  return out;
}

namespace {

struct DeviceCheck {
  bool ok = false;
  std::string error;
  std::vector<char> cubin;
  std::string ptxas;  // ptxas's resource lines of the log
};

// ptxas's verbose lines of an NVRTC log (the rest is warnings about the prelude's unused helpers).
std::string ptxas_lines(const std::string& log) {
  std::string out;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("ptxas", 0) == 0) out += line + "\n";
  return out;
}

}  // namespace

bool CudaBackend::build(const kir::Program& program, const BuildOptions& options, BuildResult& result,
                        DiagnosticEngine& diags) {
  const std::string arch_text = options.cuda_arch.empty() ? kDefaultCudaArch : options.cuda_arch;
  const mc_cuda::Nvrtc& nv = mc_cuda::nvrtc();
  if (!nv.problem.empty()) {
    diags.error("cuda backend: " + nv.problem, "",
                "the device program is compiled by NVRTC, part of the CUDA toolkit (not of the driver)");
    return false;
  }
  const int arch = mc_cuda::parse_arch(arch_text);
  if (arch == 0 || !nv.supports(arch)) {
    diags.error("--cuda-arch " + arch_text + (arch == 0 ? " is not of the form sm_XY" : " is not supported by NVRTC " + nv.version_text()),
                "", "NVRTC " + nv.version_text() + " compiles for " + nv.arch_range() + ", e.g. --cuda-arch sm_80");
    return false;
  }

  const auto t0 = std::chrono::steady_clock::now();
  emitted_for_ = nullptr;
  emitted_ = emit(program, options, diags);
  const double codegen_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto device = emitted_.files.find(kDeviceName);
  if (diags.has_errors() || device == emitted_.files.end()) return false;
  emitted_for_ = &program;

  // The CUBIN of this exact program, options, architecture and NVRTC, and ptxas's resource usage
  // of its kernels: compiled while the host compiler runs, unless an earlier build left both in the
  // cache. ptxas's -v changes no code (the CUBIN is the one the runtime builds with the plain
  // options, under the same key), only what the log says.
  const std::string& source = device->second;
  const std::string& build_options = cuda_target().build_options;
  const uint64_t key = mc_cuda::program_key(source, build_options, arch, nv);
  const fs::path cubin_dir = options.cache_dir.empty() ? options.out_dir : options.cache_dir / "cuda";
  const std::string cached = mc_cuda::cubin_path(cubin_dir.string(), key);
  const std::string cached_ptxas = cached.substr(0, cached.size() - 6) + ".ptxas.txt";
  std::error_code ec;
  std::future<DeviceCheck> check;
  std::vector<char> ptxas_text;
  if (!fs::exists(cached, ec) || !mc_cuda::read_binary(cached_ptxas, ptxas_text)) {
    check = std::async(std::launch::async, [&source, &build_options, arch, &nv] {
      DeviceCheck c;
      std::string log;
      c.ok = mc_cuda::compile_program(nv, source, build_options + " --ptxas-options=-v", arch, c.cubin, c.error, &log);
      c.ptxas = ptxas_lines(log);
      return c;
    });
  }

  HostModuleSpec spec;
  spec.source_name = kHostName;
  // The CUDA program is embedded in the source, so the prelude files are covered by the source. The
  // device runtime loads the driver and NVRTC at run time: it links neither.
  spec.libraries = {"modelc_cuda_runtime"};
  spec.key_strings = {"cuda-arch " + arch_text, "nvrtc " + nv.version_text()};
  const bool host_ok = build_host_module(*this, program, options, spec, result, diags);
  emitted_for_ = nullptr;
  result.codegen_seconds = codegen_seconds;
  if (check.valid()) {
    DeviceCheck c = check.get();
    if (!c.ok) {
      diags.error("cuda backend: " + c.error, "",
                  "the program is " + (options.out_dir / kDeviceName).string() + "; please report this with the model file");
      return false;
    }
    fs::create_directories(cubin_dir, ec);
    mc_cuda::write_binary(cached, c.cubin);
    ptxas_text.assign(c.ptxas.begin(), c.ptxas.end());
    mc_cuda::write_binary(cached_ptxas, ptxas_text);
  }
  if (!host_ok) return false;
  std::vector<char> cubin;
  const bool have_cubin = mc_cuda::read_binary(cached, cubin);
  result.device_report = resource_report(program, source, std::string(ptxas_text.begin(), ptxas_text.end()), cubin,
                                         arch, "NVRTC " + nv.version_text());
  // Next to the module, under the name its runtime looks for (mc_program_build's cache_dir).
  const std::string beside = mc_cuda::cubin_path(result.module_path.parent_path().string(), key);
  if (!fs::exists(beside, ec) && have_cubin) mc_cuda::write_binary(beside, cubin);
  return true;
}

MODELC_REGISTER_BACKEND("cuda", CudaBackend);

}  // namespace modelc::backends::cuda
