// What the host-code emitters shared by the backends (codegen/host) read and write: the kernel-IR
// program, its diagnostics, the C++ printer and the module text. A backend's own emitter context
// derives from it (cpu::detail::EmitContext) or makes one next to its own (the GPU host module, codegen/simt),
// so connectivity construction, the model description and the static tables are written once.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "codegen/cpp_printer.h"
#include "codegen/program_context.h"
#include "ir/kernel_ir.h"
#include "support/diagnostics.h"
#include "support/format.h"

namespace modelc::codegen::host {

struct HostContext : ProgramContext {
  HostContext(const kir::Program& program, DiagnosticEngine& diagnostics, std::string backend_name)
      : ProgramContext(program, diagnostics, std::move(backend_name)) {}
  HostContext(const HostContext&) = delete;
  HostContext& operator=(const HostContext&) = delete;

  CppPrinter printer;
  std::string out;
  // connect<g> of a synapse group whose connectivity is not a stored CSR (kir::Connectivity:
  // dense, bitmask, procedural): only backends that offer those storages set it.
  std::function<void(int g)> emit_connect_unstored;
  // The backend runs distributed (docs/distributed.md): connect<g> of split groups also has a
  // per-rank build (m->syn<g>_gid, m->syn<g>_total), and synaptic initial values are indexed by
  // the synapse's global index.
  bool partitioned = false;
};

// A buffer with one element per synapse: its size is the synapse count, known after connect.
bool per_synapse(const kir::Buffer& b);
// The ABI type code of a buffer type (MC_BOOL .. MC_DOUBLE, abi/modelc_abi.h), as a number and by name.
int32_t abi_type_code(kir::Type t);
const char* abi_type_name(kir::Type t);
// The arrays of a monitor's recording (mc_monitor_read fields): spikes: indices, steps, then one
// per recorded variable; rate: rates; state: steps, then one per variable.
int monitor_arrays(const kir::Monitor& m);
// The recorded indices: state monitors with none listed record the whole slice.
std::vector<int64_t> monitor_indices(const kir::Monitor& m);
// "#define MC_DT <dt>\n": the time step every host module's code refers to.
std::string dt_define(double dt);

}  // namespace modelc::codegen::host
