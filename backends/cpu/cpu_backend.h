// The CPU backend: one C++ translation unit per model (cpu_module_emitter.h), compiled by the host
// compiler with OpenMP into a shared object that links the prebuilt libmodelc_cpu_support.
#pragma once

#include "backends/backend.h"

namespace modelc::backends::cpu {

class CpuBackend : public Backend {
 public:
  std::string name() const override { return "cpu"; }
  std::string description() const override;
  BackendCapabilities capabilities() const override;
  GeneratedSources emit(const kir::Program& program, const BuildOptions& options,
                        DiagnosticEngine& diags) override;
  bool build(const kir::Program& program, const BuildOptions& options, BuildResult& result,
             DiagnosticEngine& diags) override;
};

}  // namespace modelc::backends::cpu
