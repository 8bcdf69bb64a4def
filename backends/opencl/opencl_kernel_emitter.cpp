// The OpenCL C side of the OpenCL backend: one __kernel per kernel IR kernel. How each launch
// domain maps onto an NDRange (the host emitter launches them accordingly):
//   Neurons         one work-item per neuron (of the domain's range), global size rounded up to the
//                   work-group size, so every kernel starts with a bounds check.
//   Neurons+emit    the same; EmitSpike sets the neuron's flag, and mc_compact_spikes (prelude)
//                   then ranks the flags with a prefix-sum scan into the ascending list (spikes or
//                   the kernel's custom event). Chosen over "atomic append + sort": the scan is
//                   deterministic by construction, needs no atomics and no sort of a list of
//                   unknown length.
//   Spikes          one work-item per possible event (the count lives on the device, the host
//                   never waits for it); items past this step's count return at once.
//   SynapticEvents  one work-group per event (grid-stride over the events), its work-items stride
//                   over the event's CSR row, so consecutive work-items read consecutive `post`
//                   entries (coalesced on GPUs). Conflicting Accumulates are atomics.
//   Synapses        one work-item per synapse.
// IR v2 domains (PostSynapticEvents, QueuedEvents, SpikeGenerator) are in opencl_v2_kernels.cpp.
#include <map>

#include "backends/cpu/cpu_emit_context.h"
#include "backends/opencl/opencl_emit_context.h"

namespace modelc::opencl::detail {

namespace {

using kir::Block;
using kir::Domain;
using kir::Expr;
using kir::ExprP;
using kir::Stmt;
using Kind = KernelParam::Kind;

std::string int_text(int64_t v) { return std::to_string(v) + (v > 2147483647 || v < -2147483647 ? "L" : ""); }

std::string param_decl(const EmitContext& c, const KernelParam& prm) {
  switch (prm.kind) {
    case Kind::Buffer: {
      const kir::Buffer& b = c.p.buffers[c.buffer_index(prm.name)];
      return c.printer.buffer_pointer(b.type, prm.name, prm.read_only);
    }
    case Kind::Flags: return "__global uchar* restrict _mc_flags";
    case Kind::Spikes: return std::string("__global ") + (prm.read_only ? "const " : "") + "int* restrict _mc_spikes";
    case Kind::Counts: return std::string("__global ") + (prm.read_only ? "const " : "") + "int* restrict _mc_counts";
    case Kind::Totals: return "__global long* restrict _mc_totals";
    case Kind::GenSteps: return "__global const long* restrict _mc_gsteps";
    case Kind::GenIdx: return "__global const int* restrict _mc_gidx";
    case Kind::Col: return "__global const long* restrict _mc_col";
    case Kind::ColSyn: return "__global const int* restrict _mc_colsyn";
    case Kind::Seg: return "__global const long* restrict _mc_seg";
    case Kind::Perm: return "__global const int* restrict _mc_perm";
    case Kind::Depth: return "const long _mc_depth";
    case Kind::Row: return "__global const long* restrict _mc_row";
    case Kind::Post: return "__global const int* restrict _mc_post";
    case Kind::Pre: return "__global const int* restrict _mc_pre";
    case Kind::SynCount: return "const long _mc_n";
    case Kind::Seed: return "const ulong seed";
    case Kind::Step: return "const long step";
    case Kind::Slot: return "const long _mc_slot";
  }
  return "";
}

}  // namespace

std::string kernel_param_decl(const EmitContext& c, const KernelParam& prm) { return param_decl(c, prm); }

namespace {

void emit_kernel(EmitContext& c, const KernelPlan& plan, std::string& o) {
  const kir::Kernel& k = *plan.kernel;
  o += "/* kernel " + k.name + " */\n__kernel void k" + std::to_string(plan.index) + "(";
  for (size_t a = 0; a < plan.params.size(); ++a) o += (a ? ",\n    " : "") + param_decl(c, plan.params[a]);
  o += ") {\n";
  o += "  const mc_f64 t = (mc_f64)step * MC_DT;\n";
  const Domain& d = k.domain;
  kir::RandomKeys keys;
  keys.element = d.kind == Domain::Kind::Neurons || d.kind == Domain::Kind::Spikes ? "i" : "syn";
  c.printer.set_random_keys(keys);
  if (emit_v2_kernel_body(c, plan, o)) {
    o += "}\n\n";
    return;
  }
  switch (d.kind) {
    case Domain::Kind::Neurons: {
      // IR v2: a range [offset, offset + size) of the population; "i" stays the population index.
      const int64_t first = d.size > 0 ? d.offset : 0;
      const int64_t n = d.size > 0 ? d.offset + d.size : c.p.populations[plan.population].size;
      o += "  const long i = (long)get_global_id(0) + " + int_text(first) + ";\n  if (i >= " + int_text(n) + ") return;\n";
      c.printer.block(k.body, 1, o);
      break;
    }
    case Domain::Kind::Spikes: {
      const int64_t n = c.p.populations[plan.population].size;
      o += "  const long _mc_k = (long)get_global_id(0);\n";
      o += "  if (_mc_k >= (long)_mc_counts[_mc_slot]) return;\n";
      o += "  const long i = _mc_spikes[_mc_slot * " + int_text(n) + " + _mc_k];\n";
      c.printer.block(k.body, 1, o);
      break;
    }
    case Domain::Kind::SynapticEvents: {  // the slot of step - delay is set by the host
      const kir::SynapseGroup& sg = c.p.synapse_groups[plan.group];
      const int64_t n = c.p.populations[plan.population].size;
      const std::string off = int_text(sg.source_offset), end = int_text(sg.source_offset + sg.source_size);
      o += "  const long _mc_nspikes = _mc_counts[_mc_slot];\n";
      o += "  __global const int* restrict _mc_spk = _mc_spikes + _mc_slot * " + int_text(n) + ";\n";
      o += "  for (long _mc_k = (long)get_group_id(0); _mc_k < _mc_nspikes; _mc_k += (long)get_num_groups(0)) {\n";
      o += "    const long _mc_idx = _mc_spk[_mc_k];\n";
      o += "    if (_mc_idx < " + off + " || _mc_idx >= " + end + ") continue;\n";
      o += "    const long i = _mc_idx - " + off + ";\n";
      o += "    const long _mc_end = _mc_row[i + 1];\n";
      o += "    for (long syn = _mc_row[i] + (long)get_local_id(0); syn < _mc_end; syn += (long)get_local_size(0)) {\n";
      o += "      const long j = _mc_post[syn];\n";
      c.printer.block(k.body, 3, o);
      o += "    }\n  }\n";
      break;
    }
    case Domain::Kind::Synapses:
      if (plan.gather) {
        const kir::SynapseGroup& sg = c.p.synapse_groups[plan.group];
        o += "  const long j = (long)get_global_id(0);\n  if (j >= " + int_text(sg.target_size) + ") return;\n";
        o += "  const long _mc_cend = _mc_col[j + 1];\n";
        o += "  for (long _mc_c = _mc_col[j]; _mc_c < _mc_cend; ++_mc_c) {\n";
        o += "    const long syn = _mc_colsyn[_mc_c];\n    const long i = _mc_pre[syn];\n";
        c.printer.block(codegen::simt::without_conflicts(k.body), 2, o);
        o += "  }\n";
        break;
      }
      o += "  const long syn = (long)get_global_id(0);\n  if (syn >= _mc_n) return;\n";
      o += "  const long i = _mc_pre[syn];\n  const long j = _mc_post[syn];\n";
      c.printer.block(k.body, 1, o);
      break;
    default: break;  // IR v2 domains: emit_v2_kernel_body
  }
  o += "}\n\n";
}

// Copies the recorded neurons' values of one sample into the monitor's device buffers (slot
// `sample` of the current recording chunk); the host converts to double when it pulls them.
void emit_state_recorder(EmitContext& c, size_t mi, std::string& o) {
  const kir::Monitor& mon = c.p.monitors[mi];
  const int pk = c.population_index(mon.population);
  const bool synapses = !mon.synapses.empty();  // IR v2: `_mc_idx` holds CSR positions
  if (pk < 0 && !synapses) return;  // reported by the host emitter
  const int64_t pop_size = synapses ? 0 : c.p.populations[pk].size;
  o += "/* monitor " + mon.name + " */\n__kernel void mc_rec_state" + std::to_string(mi) +
       "(__global const long* restrict _mc_idx, const long _mc_nidx, const long _mc_sample";
  for (size_t v = 0; v < mon.buffers.size(); ++v) {
    int bi = c.buffer_index(mon.buffers[v]);
    if (bi < 0) continue;
    const std::string t = c.printer.storage_type_name(c.p.buffers[bi].type);
    o += ",\n    __global const " + t + "* restrict _mc_b" + std::to_string(v) + ", __global " + t +
         "* restrict _mc_o" + std::to_string(v);
  }
  o += ") {\n  const long k = (long)get_global_id(0);\n  if (k >= _mc_nidx) return;\n";
  for (size_t v = 0; v < mon.buffers.size(); ++v) {
    int bi = c.buffer_index(mon.buffers[v]);
    if (bi < 0) continue;
    const kir::Buffer& b = c.p.buffers[bi];
    // Shared (size 1) variables are recorded once per recorded neuron, as on the CPU.
    std::string at = synapses ? "_mc_idx[k]" : b.size == 1 && pop_size != 1 ? "0" : int_text(mon.offset) + " + _mc_idx[k]";
    o += "  _mc_o" + std::to_string(v) + "[_mc_sample * _mc_nidx + k] = _mc_b" + std::to_string(v) + "[" + at + "];\n";
  }
  o += "}\n\n";
}

}  // namespace

void plan_kernels(EmitContext& c) {
  std::map<std::string, kir::Type> types;
  for (const auto& b : c.p.buffers) types[b.name] = b.type;
  c.printer.set_buffer_types(std::move(types));
  codegen::simt::plan_kernels(c);
}

std::string emit_device_source(EmitContext& c, const std::string& prelude) {
  // Escaped and in a line comment: a newline or "*/" in the free-text model name cannot inject code.
  std::string o = "// Generated by modelc (opencl backend) for model " + modelc::cpu::detail::c_string(c.p.model_name) +
                  ". Do not edit.\n";
  o += prelude;
  char dt[40];
  std::snprintf(dt, sizeof dt, "%.17g", c.p.dt);
  std::string dts = dt;
  if (dts.find_first_of(".e") == std::string::npos) dts += ".0";
  o += "\n/* --- model kernels --- */\n#define MC_DT ((mc_f64)" + dts + ")\n\n";
  for (const auto& plan : c.plans)
    if (plan.kernel) emit_kernel(c, plan, o);
  for (size_t mi = 0; mi < c.p.monitors.size(); ++mi)
    if (c.p.monitors[mi].kind == kir::Monitor::Kind::State) emit_state_recorder(c, mi, o);
    else emit_spike_variable_recorder(c, mi, o);
  return o;
}

}  // namespace modelc::opencl::detail
