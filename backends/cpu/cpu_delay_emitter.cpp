// Dendritic delay rings in the CPU module (feature "delay:dendritic"; kernel IR:
// Pathway::Buffering::Dendritic, BufferRole::DelayRing, Domain::Kind::DendriticEvents /
// DendriticDrain; passes/kernel/delay_buffering_pass.cpp). The ring is the pathway's DelayRing buffer,
// allocated at the end of mc_init once the delays (and so the depth D) are known; the depth lives in
// m->syn<g>_rd<w>.
#include "backends/cpu/cpu_emit_context.h"

namespace modelc::backends::cpu {

namespace {
std::string syn_field(int g, const std::string& what) { return "m->syn" + std::to_string(g) + "_" + what; }
}  // namespace

bool is_dendritic(const kir::SynapseGroup::Pathway& pw) {
  return pw.buffering == kir::SynapseGroup::Pathway::Buffering::Dendritic;
}

std::string emit_dendritic_ring_alloc(EmitContext& c, int g, size_t w, const std::string& max_steps) {
  const kir::SynapseGroup& sg = c.p.synapse_groups[g];
  const kir::SynapseGroup::Pathway& pw = sg.pathways[w];
  const kir::Buffer* ring = c.p.find_buffer(pw.ring_buffer);
  if (!ring || ring->role != kir::BufferRole::DelayRing) {
    c.error("pathway '" + pw.name + "' of '" + sg.name + "' has no dendritic ring buffer '" + pw.ring_buffer + "'");
    return {};
  }
  const std::string depth = syn_field(g, "rd" + std::to_string(w)), type = c.printer.storage_type_name(ring->type);
  std::string o = "    " + depth + " = " + max_steps + " + 1;\n";
  o += "    if (!(m->b_" + ring->name + " = (" + type + "*)mc_alloc(mc_bytes(" + depth + " * " + int_text(ring->size) +
       ", sizeof(" + type + ")), " + c_string("the dendritic delay ring of " + sg.name + "." + pw.name) +
       ", m->error, sizeof m->error))) { m->failed = 1; return 1; }\n";
  return o;
}

bool emit_dendritic_domain(EmitContext& c, const kir::Kernel& k) {
  const kir::Domain& d = k.domain;
  if (d.kind != kir::Domain::Kind::DendriticEvents && d.kind != kir::Domain::Kind::DendriticDrain) return false;
  int g = c.group_index(d.synapses);
  const kir::SynapseGroup* sg = g >= 0 ? &c.p.synapse_groups[g] : nullptr;
  const kir::SynapseGroup::Pathway* pw = sg ? sg->find_pathway(d.pathway) : nullptr;
  if (!pw || !is_dendritic(*pw) || pw->post) {
    c.error("kernel '" + k.name + "' serves pathway '" + d.pathway + "' of '" + d.synapses +
            "', which is not a pre pathway with a dendritic delay ring");
    c.out += "}\n\n";
    return true;
  }
  // choose-connectivity keeps heterogeneous-delay groups in CSR with 32-bit post indices (per-synapse
  // delays); the ring's event loop reads that layout.
  if (sg->connectivity.storage != kir::Connectivity::Storage::Sparse || sg->connectivity.index_bits != 32) {
    c.error("kernel '" + k.name + "': the dendritic delay ring of '" + sg->name + "' needs CSR storage with 32-bit post indices");
    c.out += "}\n\n";
    return true;
  }
  const size_t w = static_cast<size_t>(pw - sg->pathways.data());
  const std::string T = int_text(sg->target_size);
  c.out += "  const int64_t _mc_depth = " + syn_field(g, "rd" + std::to_string(w)) + ";\n";
  if (d.kind == kir::Domain::Kind::DendriticDrain) {
    // Elementwise over the target slice: the due row is read, added (under the guard) and zeroed.
    c.out += "  const int64_t ring_slot = (step % _mc_depth) * " + T + ";\n";
    if (sg->target_size >= c.options.parallel_min_size) {
      // A team kernel: whole blocks of kSimdPad targets per thread, as the neuron loops.
      c.mark_team();
      c.out += "  int64_t _mc_chunk = ((" + T + " + " + int_text(kSimdPad) + " - 1) / " + int_text(kSimdPad) +
               " + mc_team_size() - 1) / mc_team_size() * " + int_text(kSimdPad) + ";\n";
      c.out += "#pragma omp for simd schedule(static, _mc_chunk) nowait\n";
    } else {
      c.out += "#pragma omp simd\n";
    }
    c.out += "  for (int64_t j = 0; j < " + T + "; ++j) {\n";
    c.out += "    const int64_t i = j + " + int_text(sg->target_offset) + ";\n";
    c.printer.block(k.body, 2, c.out);
    c.out += "  }\n";
    if (sg->target_size >= c.options.parallel_min_size) c.out += "  mc_barrier(m);\n";
    c.out += "}\n\n";
    return true;
  }
  int pk = c.population_index(sg->source);
  if (pk < 0 || !check_event(c, pk, pw->event, "pathway '" + pw->name + "' of '" + sg->name + "'")) {
    c.out += "}\n\n";
    return true;
  }
  const std::string off = int_text(sg->source_offset), end = int_text(sg->source_offset + sg->source_size);
  const std::string size = int_text(c.p.populations[pk].size);
  c.out += "  const int64_t* __restrict _mc_row = " + syn_field(g, "row") + ";\n";
  c.out += "  const int32_t* __restrict _mc_post = " + syn_field(g, "post") + ";\n";
  c.out += "  const int32_t* __restrict _mc_dl = " + syn_field(g, "dl" + std::to_string(w)) + ";\n";
  c.out += "  const int64_t _mc_now = step % _mc_depth;\n";
  c.out += "  const int64_t _mc_eslot = step % " + int_text(ring_depth(c, pk, pw->event)) + ";\n";
  c.out += "  const int32_t* __restrict _mc_ev = " + event_field(c, pk, pw->event, "spikes") + " + _mc_eslot * " + size + ";\n";
  c.out += "  const int64_t _mc_nev = " + event_field(c, pk, pw->event, "count") + "[_mc_eslot];\n";
  // A team kernel where the body is target-owned: each thread adds only into its targets' ring
  // columns, in the serial order (docs/performance.md).
  const bool team = rows_ascending(c, g) && sg->target_size >= kTeamMinTargets && target_owned(k.body);
  if (team) {
    c.mark_team();
    emit_target_range(c, "", T);
  }
  c.out += "  for (int64_t _mc_k = 0; _mc_k < _mc_nev; ++_mc_k) {\n";
  c.out += "    const int64_t _mc_idx = _mc_ev[_mc_k];\n";
  c.out += "    if (_mc_idx < " + off + " || _mc_idx >= " + end + ") continue;\n";
  c.out += "    const int64_t i = _mc_idx - " + off + "; (void)i;\n";
  c.out += "    int64_t _mc_s0 = _mc_row[i], _mc_s1 = _mc_row[i + 1];\n";
  if (team) {
    c.out += "    if (_mc_j0 > 0) MC_LOWER_BOUND(_mc_post, _mc_s0, _mc_s1, _mc_j0, _mc_s0);\n";
    c.out += "    if (_mc_j1 < " + T + ") MC_LOWER_BOUND(_mc_post, _mc_s0, _mc_s1, _mc_j1, _mc_s1);\n";
  }
  c.out += "    for (int64_t syn = _mc_s0; syn < _mc_s1; ++syn) {\n";
  c.out += "      const int64_t j = _mc_post[syn];\n";
  // Delays are below the depth, so one subtraction wraps the row.
  c.out += "      int64_t _mc_r = _mc_now + _mc_dl[syn];\n      if (_mc_r >= _mc_depth) _mc_r -= _mc_depth;\n";
  c.out += "      const int64_t ring_slot = _mc_r * " + T + ";\n";
  c.printer.block(k.body, 3, c.out);
  c.out += "    }\n  }\n";
  if (team) c.out += "  mc_barrier(m);\n";
  c.out += "}\n\n";
  return true;
}

}  // namespace modelc::backends::cpu
