// OpenCL C bodies of the launch domains only IR v2 produces (kernel_ir.h), after the common
// kernel header (signature, `t`) written by opencl_kernel_emitter.cpp:
//   SpikeGenerator      one work-group: every work-item binary-searches the sorted table for this
//                       step's range (cheap, and no barrier needed), then they copy it strided; the
//                       table is sorted by (step, index), so the list comes out ascending as on the CPU.
//   PostSynapticEvents  SynapticEvents over the transposed index: one work-group per event of the
//                       target slice, work-items stride over its column (ascending synapse order).
//   QueuedEvents        heterogeneous delays without a queue: the host sorts every row (column for
//                       post pathways) by delay once at mc_init, giving per (row, delay) segments.
//                       The pathway keeps its own ring of the last `depth` steps' events (copied from
//                       the event list every step, mc_copy_events); at step T the synapses due are
//                       exactly, for every d < depth, the segment (row, d) of each event of step
//                       T - d. One work-group per (d, event) pair, work-items stride over the
//                       segment. No atomic appends, no per-slot sort, memory O(rows * depth +
//                       synapses), and the set delivered per step is the CPU queue's slot; only the
//                       order of conflicting accumulations differs (atomics, as everywhere).
#include "backends/opencl/opencl_emit_context.h"

namespace modelc::opencl::detail {

namespace {

std::string int_text(int64_t v) { return std::to_string(v) + (v > 2147483647 || v < -2147483647 ? "L" : ""); }

void run_body(EmitContext& c, const kir::Kernel& k, int indent, std::string& o) {
  const std::string ind(2 * indent, ' ');
  o += ind + "const long i = _mc_pre[syn];\n" + ind + "const long j = _mc_post[syn];\n";
  c.printer.block(k.body, indent, o);
}

}  // namespace

bool emit_v2_kernel_body(EmitContext& c, const KernelPlan& plan, std::string& o) {
  const kir::Kernel& k = *plan.kernel;
  using DK = kir::Domain::Kind;
  const DK dk = k.domain.kind;
  if (dk == DK::SpikeGenerator) {
    const kir::Population& pop = c.p.populations[plan.population];
    const auto& t = *pop.generator;
    const std::string n = int_text(static_cast<int64_t>(t.steps.size()));
    o += "  const long _mc_s = " + (t.period_steps > 0 ? "step % " + int_text(t.period_steps) : std::string("step")) + ";\n";
    o += "  long _mc_lo = 0, _mc_hi = " + n + ";\n";
    o += "  while (_mc_lo < _mc_hi) { const long _mc_mid = (_mc_lo + _mc_hi) / 2; if (_mc_gsteps[_mc_mid] < _mc_s) _mc_lo = _mc_mid + 1; else _mc_hi = _mc_mid; }\n";
    o += "  long _mc_end = _mc_lo;\n  while (_mc_end < " + n + " && _mc_gsteps[_mc_end] == _mc_s) ++_mc_end;\n";
    o += "  __global int* restrict _mc_out = _mc_spikes + _mc_slot * " + int_text(pop.size) + ";\n";
    o += "  for (long _mc_k = _mc_lo + (long)get_local_id(0); _mc_k < _mc_end; _mc_k += (long)get_local_size(0))\n";
    o += "    _mc_out[_mc_k - _mc_lo] = _mc_gidx[_mc_k];\n";
    o += "  if (get_local_id(0) == 0) {\n    _mc_counts[_mc_slot] = (int)(_mc_end - _mc_lo);\n";
    o += "    _mc_totals[" + std::to_string(plan.list) + "] += _mc_end - _mc_lo;\n  }\n";
    return true;
  }
  if (dk != DK::PostSynapticEvents && dk != DK::QueuedEvents) return false;
  const kir::SynapseGroup& sg = c.p.synapse_groups[plan.group];
  const bool post = sg.pathways[plan.pathway].post;
  const int64_t n = c.p.populations[plan.population].size;
  const std::string off = int_text(post ? sg.target_offset : sg.source_offset);
  const std::string end = int_text(post ? sg.target_offset + sg.target_size : sg.source_offset + sg.source_size);
  if (dk == DK::PostSynapticEvents) {
    o += "  const long _mc_nev = _mc_counts[_mc_slot];\n";
    o += "  __global const int* restrict _mc_ev = _mc_spikes + _mc_slot * " + int_text(n) + ";\n";
    o += "  for (long _mc_k = (long)get_group_id(0); _mc_k < _mc_nev; _mc_k += (long)get_num_groups(0)) {\n";
    o += "    const long _mc_idx = _mc_ev[_mc_k];\n";
    o += "    if (_mc_idx < " + off + " || _mc_idx >= " + end + ") continue;\n";
    o += "    const long _mc_j = _mc_idx - " + off + ";\n";
    o += "    const long _mc_cend = _mc_col[_mc_j + 1];\n";
    o += "    for (long _mc_c = _mc_col[_mc_j] + (long)get_local_id(0); _mc_c < _mc_cend; _mc_c += (long)get_local_size(0)) {\n";
    o += "      const long syn = _mc_colsyn[_mc_c];\n";
    run_body(c, k, 3, o);
    o += "    }\n  }\n";
    return true;
  }
  // QueuedEvents: _mc_spikes/_mc_counts are the pathway's own ring of `depth` slots, _mc_slot the
  // slot of this step.
  const int64_t rows = post ? sg.target_size : sg.source_size;
  o += "  long _mc_base = 0;\n";
  o += "  for (long _mc_d = _mc_depth - 1; _mc_d >= 0; --_mc_d) {\n";
  o += "    if (step - _mc_d < 0) continue;\n";
  o += "    const long _mc_es = (_mc_slot - _mc_d + _mc_depth) % _mc_depth;\n";
  o += "    const long _mc_nev = _mc_counts[_mc_es];\n";
  o += "    __global const int* restrict _mc_ev = _mc_spikes + _mc_es * " + int_text(n) + ";\n";
  // Pairs (d, event) are numbered across d so that the work-groups share the work of all delays.
  o += "    long _mc_k = ((long)get_group_id(0) - _mc_base % (long)get_num_groups(0) + (long)get_num_groups(0)) % (long)get_num_groups(0);\n";
  o += "    for (; _mc_k < _mc_nev; _mc_k += (long)get_num_groups(0)) {\n";
  o += "      const long _mc_idx = _mc_ev[_mc_k];\n";
  o += "      if (_mc_idx < " + off + " || _mc_idx >= " + end + ") continue;\n";
  o += "      const long _mc_r = (_mc_idx - " + off + ") * _mc_depth + _mc_d;\n";
  o += "      const long _mc_send = _mc_seg[_mc_r + 1];\n";
  o += "      for (long _mc_q = _mc_seg[_mc_r] + (long)get_local_id(0); _mc_q < _mc_send; _mc_q += (long)get_local_size(0)) {\n";
  o += "        const long syn = _mc_perm[_mc_q];\n";
  run_body(c, k, 4, o);
  o += "      }\n    }\n    _mc_base += _mc_nev;\n  }\n";
  (void)rows;
  return true;
}

}  // namespace modelc::opencl::detail
