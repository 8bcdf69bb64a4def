// Passes in the LLVM style: small classes with a name and a description, run in order by a
// PassManager over a CompilationUnit that carries the model IR and, once lowered, the kernel IR.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>

#include "support/diagnostics.h"
#include "ir/kernel_ir.h"
#include "ir/model.h"

namespace modelc::passes {

// What the passes work on: the model IR and, after KernelLoweringPass, the kernel IR. Passes record
// the decisions they take in `decisions` (shown by `modelc explain`, written to the manifest).
// What the passes may assume about the backend the kernel IR is for (filled from the backend's
// BackendCapabilities before the pipeline runs; the default is the CPU backend's). Strategy passes
// (connectivity, delay buffering, fusion) only choose what the target lists in `features`, so a
// backend that does not implement a strategy yet is never handed it.
struct TargetInfo {
  std::string backend = "cpu";
  bool accelerator = false;        // many threads, kernel launches cost: GPUs, OpenCL devices
  bool atomics_float_add = false;  // native float atomics (else compare-and-swap loops or serial)
  // Feature names (see docs/passes.md): "connectivity:sparse-u16", "connectivity:drop-pre", "connectivity:dense",
  // "connectivity:bitmask", "connectivity:procedural", "delay:dendritic", "fusion:neuron-kernels",
  // "fusion:synaptic-propagation".
  std::set<std::string> features;
  // Memory of the machine that will run the model, for strategies that trade memory for time
  // (choose-connectivity); 0 = this machine's physical memory (sysconf). Tests set it.
  double host_memory_bytes = 0;
  bool has(const std::string& feature) const { return features.count(feature) != 0; }
};

struct CompilationUnit {
  ir::Model model;
  TargetInfo target;
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

}  // namespace modelc::passes
