#include "backends/opencl/opencl_backend.h"

#include <chrono>
#include <fstream>
#include <sstream>

#include "backends/cpu/host_compiler.h"
#include "backends/opencl/opencl_emit_context.h"

namespace modelc::opencl {

namespace fs = std::filesystem;

static constexpr const char* kHostName = "model.cpp";
static constexpr const char* kDeviceName = "kernels.cl";

// Files pasted into every OpenCL program, in order (relative to the source root).
static const char* const kPreludeFiles[] = {"backends/opencl/support/opencl_prelude.cl", "abi/philox.h",
                                            "backends/opencl/support/opencl_helpers.cl"};

std::string OpenCLBackend::description() const {
  return "OpenCL C 1.2 kernels driven by a C++ host module through the OpenCL ICD loader (any platform: PoCL, NVIDIA, AMD, Intel)";
}

BackendCapabilities OpenCLBackend::capabilities() const {
  BackendCapabilities c;
  c.float64 = true;             // checked per device at mc_create (cl_khr_fp64)
  c.atomics_float_add = false;  // OpenCL 1.2: compare-and-swap loops
  c.parallel_neurons = true;
  c.preferred_block_size = 256;  // an upper bound; the module asks the device per kernel
  // Fused update + threshold (+ reset): one work-item per neuron runs the whole body, EmitSpike sets
  // its flag as in any threshold kernel; spike-identical to the CPU in test_opencl_equivalence.
  c.features.insert("fusion:neuron-kernels");
  return c;
}

GeneratedSources OpenCLBackend::emit(const kir::Program& program, const BuildOptions& options,
                                     DiagnosticEngine& diags) {
  GeneratedSources out;
  const int errors_before = diags.error_count();
  std::string prelude;
  const fs::path root = cpu::source_root();
  for (const char* f : kPreludeFiles) {
    std::ifstream in(root / f, std::ios::binary);
    if (!in) {
      diags.error("opencl backend: cannot read '" + (root / f).string() + "'", "",
                  "set MODELC_SOURCE_ROOT to the directory that holds runtime/ and backends/");
      return out;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    prelude += "\n/* ---- " + std::string(f) + " ---- */\n" + ss.str();
  }
  detail::EmitContext c{program, diags};
  detail::plan_kernels(c);
  if (diags.error_count() > errors_before) return out;
  std::string device = detail::emit_device_source(c, prelude);
  std::string host = detail::emit_host_module(c, device, options.num_threads);
  if (diags.error_count() > errors_before) return out;
  out.files[kDeviceName] = std::move(device);
  out.files[kHostName] = std::move(host);
  return out;
}

bool OpenCLBackend::build(const kir::Program& program, const BuildOptions& options, BuildResult& result,
                          DiagnosticEngine& diags) {
  result = BuildResult{};
  auto t0 = std::chrono::steady_clock::now();
  GeneratedSources sources = emit(program, options, diags);
  result.codegen_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto it = sources.files.find(kHostName);
  if (diags.has_errors() || it == sources.files.end()) return false;

  if (!write_sources(sources, options.out_dir, diags)) return false;
  std::error_code ec;
  fs::path root = cpu::source_root(), lib = cpu::support_lib_dir();
  if (lib.empty() || !fs::exists(lib / "libmodelc_cpu_support.so", ec)) {
    diags.error("cannot find libmodelc_cpu_support.so (looked in '" + lib.string() + "')", "",
                "set MODELC_SUPPORT_LIB_DIR to the directory that holds it");
    return false;
  }
  cpu::HostCompiler cxx;
  if (!cxx.detect(diags)) return false;
  cpu::CompileJob job;
  job.source = it->second;
  job.source_path = fs::absolute(options.out_dir / kHostName, ec);
  job.compile_flags = cxx.module_compile_flags(options.debug);
  // The host module links the ICD loader, which finds the platform drivers at run time.
  job.link_flags = cxx.module_link_flags();
  job.link_flags.push_back("-lOpenCL");
  job.out_dir = options.out_dir;
  job.cache_dir = options.cache_dir;
  // The OpenCL program is embedded in the source, so the prelude files are covered by the source.
  job.key_files = {root / "abi/modelc_abi.h", root / "backends/cpu/support/cpu_support.h",
                   root / "backends/opencl/support/opencl_host.h", lib / "libmodelc_cpu_support.so"};
  job.verbose = options.verbose;
  cpu::CompileOutcome outcome;
  if (!cxx.build_shared(job, outcome, diags)) return false;
  result.module_path = outcome.artefact;
  result.cache_hit = outcome.cache_hit;
  result.compile_seconds = outcome.seconds;
  result.compiler_command = outcome.command;
  return true;
}

MODELC_REGISTER_BACKEND("opencl", OpenCLBackend);

}  // namespace modelc::opencl
