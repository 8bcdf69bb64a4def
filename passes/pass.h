// Passes in the LLVM style: small classes with a name and a description, run in order by a
// PassManager over a CompilationUnit that carries the model IR and, once lowered, the kernel IR.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "frontend/diagnostics.h"
#include "ir/kernel_ir.h"
#include "ir/model.h"

namespace modelc {

// What the passes work on: the model IR and, after KernelLoweringPass, the kernel IR. Passes record
// the decisions they take in `decisions` (shown by `modelc explain`, written to the manifest).
struct CompilationUnit {
  ir::Model model;
  std::optional<kir::Program> program;
  std::vector<std::pair<std::string, std::string>> decisions;  // (what, why)
};

std::string dump(const CompilationUnit& unit);  // model IR, then kernel IR if lowered

class Pass {
 public:
  virtual ~Pass() = default;
  virtual std::string name() const = 0;         // command-line name, e.g. "state-update"
  virtual std::string description() const = 0;  // one line for `modelc passes`
  // Returns false after reporting at least one error to `diags`.
  virtual bool run(CompilationUnit& unit, DiagnosticEngine& diags) = 0;
};

}  // namespace modelc
