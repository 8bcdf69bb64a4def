#include "backends/opencl/opencl_backend.h"


#include "backends/device_prelude.h"
#include "backends/host_compiler.h"
#include "backends/host_module_build.h"
#include "backends/opencl/opencl_target.h"
#include "codegen/simt/gpu_module.h"

namespace modelc::backends::opencl {

static constexpr const char* kHostName = "model.cpp";
static constexpr const char* kDeviceName = "kernels.cl";

// Files pasted into every OpenCL program, in order (relative to the source root).
static const char* const kPreludeFiles[] = {"backends/opencl/support/opencl_prelude.cl", "abi/philox.h",
                                            "abi/simt_helpers.h", "backends/opencl/support/opencl_atomics.cl"};

std::string OpenCLBackend::description() const {
  return "OpenCL C 1.2 kernels driven by a C++ host module through the OpenCL ICD loader (any platform: PoCL, NVIDIA, AMD, Intel)";
}

backends::BackendCapabilities OpenCLBackend::capabilities() const {
  backends::BackendCapabilities c;
  c.float64 = true;             // checked per device at mc_create (cl_khr_fp64)
  c.atomics_float_add = false;  // OpenCL 1.2: compare-and-swap loops
  c.parallel_neurons = true;
  c.preferred_block_size = 256;  // an upper bound; the module asks the device per kernel
  // What the SIMT emitter implements (codegen/simt/launch_plan.h): the same for every GPU target.
  for (const std::string& f : codegen::simt::simt_features()) c.features.insert(f);
  return c;
}

backends::GeneratedSources OpenCLBackend::emit(const kir::Program& program, const backends::BuildOptions& options,
                                     DiagnosticEngine& diags) {
  backends::GeneratedSources out;
  const int errors_before = diags.error_count();
  const std::optional<std::string> prelude = read_device_prelude(kPreludeFiles, "opencl", diags);
  if (!prelude) return out;
  codegen::simt::GpuSources gpu =
      codegen::simt::emit_gpu_module(program, opencl_target(), *prelude, options.num_threads, diags);
  if (diags.error_count() > errors_before) return out;
  out.files[kDeviceName] = std::move(gpu.device);
  out.files[kHostName] = std::move(gpu.host);
  return out;
}

bool OpenCLBackend::build(const kir::Program& program, const backends::BuildOptions& options, backends::BuildResult& result,
                          DiagnosticEngine& diags) {
  backends::HostModuleSpec spec;
  spec.source_name = kHostName;
  // The OpenCL program is embedded in the source, so the prelude files are covered by the source.
  // The device runtime (abi/device_runtime.h) links the ICD loader, which finds the drivers at run time.
  spec.libraries = {"modelc_opencl_runtime"};
  return backends::build_host_module(*this, program, options, spec, result, diags);
}

MODELC_REGISTER_BACKEND("opencl", OpenCLBackend);

}  // namespace modelc::backends::opencl
