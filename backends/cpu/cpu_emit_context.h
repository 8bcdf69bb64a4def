// State shared by the parts of the CPU module emitter (module layout + ABI in
// cpu_module_emitter.cpp, kernels + monitors in cpu_kernel_emitter.cpp, connectivity in
// cpu_connect_emitter.cpp). Internal to backends/cpu.
#pragma once

#include <string>

#include "backends/cpu/cpp_printer.h"
#include "backends/cpu/cpu_module_emitter.h"

namespace modelc::cpu::detail {

struct EmitContext {
  const kir::Program& p;
  const CpuEmitOptions& options;
  DiagnosticEngine& diags;
  CppPrinter printer;
  std::string out;

  int population_index(const std::string& name) const;
  int group_index(const std::string& name) const;
  int buffer_index(const std::string& name) const;
  // Reports an error about the program (json pointer empty: kernel IR has no source position).
  void error(const std::string& message, const std::string& hint = {});
};

std::string c_string(const std::string& s);  // a quoted, escaped C string literal
std::string int_text(int64_t v);              // a C integer literal valid for int64_t
std::string double_text(double v);            // a C double literal that round-trips

// Functions `static void k<idx>(mc_module* m, int64_t step)` for every kernel, and
// `static int rec<idx>(mc_module* m, int64_t step)` (0 = ok) for every monitor.
void emit_kernels(EmitContext& c);
void emit_monitor_recorders(EmitContext& c);
// `static int connect<g>(mc_module* m)` for every synapse group: builds the CSR (0 = ok).
void emit_connect(EmitContext& c);

}  // namespace modelc::cpu::detail
