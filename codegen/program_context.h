// What every code generator of a kernel-IR program reads: the program, where errors go, and the
// backend whose name prefixes them, with the lookups by name that the program's cross references
// (kernels naming populations, groups and buffers) need. The host emitters (codegen/host) and the
// GPU launch plan (codegen/simt) both derive from it.
#pragma once

#include <string>

#include "ir/kernel_ir.h"
#include "support/diagnostics.h"

namespace modelc::codegen {

struct ProgramContext {
  ProgramContext(const kir::Program& program, DiagnosticEngine& diagnostics, std::string backend_name)
      : p(program), diags(diagnostics), backend(std::move(backend_name)) {}

  const kir::Program& p;
  DiagnosticEngine& diags;
  std::string backend;  // "cpu", "opencl": mc_model_info.backend and the prefix of errors

  // Indices into the program's tables; -1 when there is no such name.
  int population_index(const std::string& name) const;
  int group_index(const std::string& name) const;
  int buffer_index(const std::string& name) const;
  // Reports an error about the program (json pointer empty: kernel IR has no source position).
  void error(const std::string& message, const std::string& hint = {});
};

}  // namespace modelc::codegen
