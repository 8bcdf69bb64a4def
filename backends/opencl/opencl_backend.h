// The OpenCL backend: the kernel IR becomes an OpenCL C 1.2 program (kernels.cl, built by the
// platform compiler when the module is created, binaries cached on disk) and a C++ host module
// (model.cpp, built by the CPU backend's HostCompiler and linked with -lOpenCL) that implements
// abi/modelc_abi.h around it. Design notes: docs/opencl.md.
#pragma once

#include "backends/backend.h"

namespace modelc::backends::opencl {

class OpenCLBackend : public backends::Backend {
 public:
  std::string name() const override { return "opencl"; }
  std::string description() const override;
  backends::BackendCapabilities capabilities() const override;
  // Files: "model.cpp" (host module) and "kernels.cl" (the OpenCL C program, also embedded in
  // model.cpp; written out for inspection and offline syntax checks).
  backends::GeneratedSources emit(const kir::Program& program, const backends::BuildOptions& options,
                        DiagnosticEngine& diags) override;
  bool build(const kir::Program& program, const backends::BuildOptions& options, backends::BuildResult& result,
             DiagnosticEngine& diags) override;
};

}  // namespace modelc::backends::opencl
