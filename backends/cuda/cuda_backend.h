// The CUDA backend: the kernel IR becomes a CUDA C++ program (kernels.cu, compiled in-process by
// NVRTC to a CUBIN for the device's architecture when the module is created, binaries cached on
// disk) and a C++ host module (model.cpp, built by the shared HostCompiler and linked with
// libmodelc_cuda_runtime.so) that implements abi/modelc_abi.h around it. The kernels and the host
// module are the SIMT emitter's, the same as OpenCL's. Design notes: docs/cuda.md.
#pragma once

#include <string>

#include "backends/backend.h"

namespace modelc::backends::cuda {

class CudaBackend : public Backend {
 public:
  std::string name() const override { return "cuda"; }
  std::string description() const override;
  BackendCapabilities capabilities() const override;
  // Files: "model.cpp" (host module) and "kernels.cu" (the CUDA program, also embedded in
  // model.cpp; written out for inspection and offline checks).
  GeneratedSources emit(const kir::Program& program, const BuildOptions& options,
                        DiagnosticEngine& diags) override;
  // Builds the host module and, in parallel, checks the device program with NVRTC for
  // options.cuda_arch (sm_80 when empty); the CUBIN is kept next to the module, where the runtime
  // finds it on a device of that architecture. Needs no GPU.
  bool build(const kir::Program& program, const BuildOptions& options, BuildResult& result,
             DiagnosticEngine& diags) override;

 private:
  // build() emits once and hands the same sources to the host-module build.
  const kir::Program* emitted_for_ = nullptr;
  GeneratedSources emitted_;
};

}  // namespace modelc::backends::cuda
