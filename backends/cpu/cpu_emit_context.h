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
// Per-neuron buffers are allocated rounded up to whole blocks of 64 elements (any vector length x
// unroll the host compiler picks divides it), so elementwise update loops run whole vectors only:
// with libmvec, vector and scalar exp (and the AVX2 and AVX-512 variants) may differ in the last
// bit, and every neuron must take the same path whatever the thread count (docs/passes.md).
constexpr int64_t kSimdPad = 64;
inline int64_t simd_padded(int64_t n) { return n <= 0 ? n : (n + kSimdPad - 1) / kSimdPad * kSimdPad; }
std::string double_text(double v);            // a C double literal that round-trips

// Functions `static void k<idx>(mc_module* m, int64_t step)` for every kernel, and
// `static int rec<idx>(mc_module* m, int64_t step)` (0 = ok) for every monitor.
void emit_kernels(EmitContext& c);
void emit_monitor_recorders(EmitContext& c);
// `mc_get_info()` and the static tables behind it; `backend_name` is what mc_model_info.backend says.
// Both backends record variables at spikes (IR v2; monitor fields 2 + k, see modelc_abi.h).
void emit_info(EmitContext& c, const std::string& backend_name = "cpu");
// `static int connect<g>(mc_module* m)` for every synapse group: builds the CSR (0 = ok).
void emit_connect(EmitContext& c);

// IR v2 (cpu_v2_emitter.cpp): custom event lists, init_values tables, spike generators, the
// transposed index and heterogeneous-delay queues. Each hooks into one place of the module layout.
std::string event_field(const EmitContext& c, int pk, const std::string& event, const char* what);
int64_t event_history(const EmitContext& c, int pk, const std::string& event);
bool check_event(EmitContext& c, int pk, const std::string& event, const std::string& who);
void emit_v2_module_fields(EmitContext& c);  // inside struct mc_module
void emit_v2_tables(EmitContext& c);         // static data, before the kernels
void emit_v2_create(EmitContext& c);         // in mc_create, where MC_ALLOC is defined
void emit_v2_destroy(EmitContext& c);        // in mc_destroy
void emit_v2_init_synapses(EmitContext& c);  // in mc_init, once per-synapse buffers exist
void emit_v2_init_delivery(EmitContext& c);  // in mc_init, after the synapse init kernels
// The loop of a kernel whose domain only IR v2 produces; false when `k` has another domain.
bool emit_v2_domain(EmitContext& c, const kir::Kernel& k);

}  // namespace modelc::cpu::detail
