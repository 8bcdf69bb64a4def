// The loop of a spike-emitting neurons kernel with an elementwise prefix, typically a fused
// update + threshold (+ reset) kernel (passes/kernel/neuron_kernel_fusion_pass.cpp): blocks of
// kFusedBlock neurons; per block an `omp simd` loop runs the prefix (the update) and a serial loop
// the rest (threshold, emit, reset), so the update stays vectorised while spikes are appended in
// ascending order. With threads, every thread takes a contiguous range of whole blocks, writes its
// spikes at its range's start in the ring slot and the ranges are then moved together in thread
// order: the list is the same ascending list whatever the thread count.
#include <set>

#include "backends/cpu/cpu_emit_context.h"
#include "ir/kernel_ir_traversal.h"

namespace modelc::backends::cpu {

namespace {

using kir::Block;
using kir::Expr;
using kir::ExprP;
using kir::Stmt;

// A multiple of kSimdPad, so every block but the last starts and ends on a padding boundary and
// the vectoriser sees the same whole vectors as in an unfused update loop.
constexpr int64_t kFusedBlock = 4 * kSimdPad;
constexpr int kMaxThreads = 256;

bool stmt_emits(const Stmt& s) {
  auto emit = [](const Stmt& t) { return t.kind == Stmt::Kind::EmitSpike; };
  return emit(s) || kir::any_stmt(s.then_body, emit) || kir::any_stmt(s.else_body, emit);
}

void locals_used(const Block& b, std::set<std::string>& out) {
  kir::walk_exprs(b, [&](const Expr& e) {
    if (e.kind == Expr::Kind::Local) out.insert(e.name);
    return kir::WalkResult::Advance;
  });
  kir::walk(b, [&](const Stmt& s) {
    if (s.kind == Stmt::Kind::Assign) out.insert(s.name);
    return kir::WalkResult::Advance;
  });
}

}  // namespace

bool emit_split_emitting_loop(EmitContext& c, const kir::Kernel& k, int pk, const SplitLoopChecks& checks) {
  const kir::Population& pop = c.p.populations[pk];
  if (k.domain.size != 0 || k.domain.offset != 0) return false;
  NeuronLoopShape s;
  s.n = int_text(pop.size);
  s.padded = int_text(simd_padded(pop.size));
  s.history = int_text(event_history(c, pk, k.event));
  s.spikes = event_field(c, pk, k.event, "spikes");
  s.count = event_field(c, pk, k.event, "count");
  s.total = event_field(c, pk, k.event, "total");
  s.parallel_code = pop.size >= c.options.parallel_min_size;
  s.begin = local_begin(pk);
  s.end = local_end(c, pk, false);
  return emit_split_emitting_loop(c, k.body, s, checks);
}

bool emit_split_emitting_loop(EmitContext& c, const kir::Block& body, const NeuronLoopShape& shape, const SplitLoopChecks& checks) {
  const kir::Block& kbody = body;
  size_t split = 0;
  while (split < kbody.size() && !stmt_emits(kbody[split])) ++split;
  if (split == 0 || split == kbody.size()) return false;
  const Block prefix(kbody.begin(), kbody.begin() + static_cast<std::ptrdiff_t>(split));
  const Block suffix(kbody.begin() + static_cast<std::ptrdiff_t>(split), kbody.end());
  if (!checks.elementwise(prefix) || !checks.elementwise(suffix)) return false;

  // Locals of the prefix the suffix uses travel through a per-block array (top-level declarations
  // only: anything declared deeper is out of the suffix's scope anyway).
  std::set<std::string> used;
  locals_used(suffix, used);
  std::vector<const Stmt*> carried;
  for (const Stmt& s : prefix)
    if (s.kind == Stmt::Kind::Declare && used.count(s.name)) carried.push_back(&s);

  const bool parallel = shape.parallel_code;
  const std::string N = shape.n, P = checks.pad_safe(prefix) ? shape.padded : shape.n, B = int_text(kFusedBlock);
  const std::string count = shape.count, total = shape.total;
  std::string& o = c.out;
  o += "  const int64_t _mc_slot = step % " + shape.history + ";\n";
  o += "  int32_t* __restrict _mc_spk_all = " + shape.spikes + " + _mc_slot * " + N + ";\n";
  // This rank's neurons [begin, end): whole blocks, since ranks split populations at multiples of
  // MC_PARTITION_BLOCK (abi/partition.h), a multiple of the block; so are the thread ranges.
  o += "  const int64_t _mc_end = " + shape.end + ", _mc_bfirst = (" + shape.begin + ") / " + B + ";\n";
  o += "  const int64_t _mc_vend = _mc_end == " + N + " ? " + P + " : _mc_end;\n";
  o += "  const int64_t _mc_nblocks = (_mc_end + " + B + " - 1) / " + B + " - _mc_bfirst;\n";
  std::string ind = "  ";
  if (parallel) {
    o += "  int64_t _mc_tcount[" + std::to_string(kMaxThreads) + "];\n";
    o += "  int _mc_nt = mc_threads(m) < " + std::to_string(kMaxThreads) + " ? mc_threads(m) : " + std::to_string(kMaxThreads) + ";\n";
    o += "  if (_mc_nt < 1) _mc_nt = 1;\n";
    o += "#pragma omp parallel num_threads(_mc_nt)" + (shape.parallel_if.empty() ? "" : " if(" + shape.parallel_if + ")") + "\n  {\n";
    o += "#ifdef _OPENMP\n    const int _mc_t = omp_get_thread_num(), _mc_tn = omp_get_num_threads();\n"
         "#else\n    const int _mc_t = 0, _mc_tn = 1;\n#endif\n";
    o += "    if (_mc_t == 0) _mc_nt = _mc_tn;\n";
    o += "    const int64_t _mc_per = (_mc_nblocks + _mc_tn - 1) / _mc_tn;\n";
    o += "    const int64_t _mc_b0 = (int64_t)_mc_t * _mc_per < _mc_nblocks ? (int64_t)_mc_t * _mc_per : _mc_nblocks;\n";
    o += "    const int64_t _mc_b1 = _mc_b0 + _mc_per < _mc_nblocks ? _mc_b0 + _mc_per : _mc_nblocks;\n";
    ind = "    ";
  } else {
    o += "  const int64_t _mc_b0 = 0, _mc_b1 = _mc_nblocks;\n";
  }
  // Each range writes its spikes from its first neuron on: a range never has more spikes than neurons.
  o += ind + "int32_t* __restrict _mc_spk = _mc_spk_all + (_mc_b0 < _mc_nblocks ? _mc_b0 * " + B + " : 0);\n";
  o += ind + "int64_t _mc_nspk = 0;\n";
  o += ind + "for (int64_t _mc_blk = _mc_b0; _mc_blk < _mc_b1; ++_mc_blk) {\n";
  o += ind + "  const int64_t _mc_lo = (_mc_bfirst + _mc_blk) * " + B + ";\n";
  o += ind + "  const int64_t _mc_hi = _mc_lo + " + B + " < _mc_end ? _mc_lo + " + B + " : _mc_end;\n";
  o += ind + "  const int64_t _mc_vhi = _mc_lo + " + B + " < _mc_vend ? _mc_lo + " + B + " : _mc_vend;\n";
  o += ind + "  (void)_mc_vhi;\n";
  for (const Stmt* s : carried) o += ind + "  " + c.printer.type_name(s->type) + " _mc_carry_" + s->name + "[" + B + "];\n";
  o += "#pragma omp simd\n";
  o += ind + "  for (int64_t i = _mc_lo; i < _mc_vhi; ++i) {\n";
  const int depth = parallel ? 4 : 3;
  c.printer.block(prefix, depth, o);
  for (const Stmt* s : carried) o += ind + "    _mc_carry_" + s->name + "[i - _mc_lo] = " + s->name + ";\n";
  o += ind + "  }\n";
  o += ind + "  for (int64_t i = _mc_lo; i < _mc_hi; ++i) {\n";
  for (const Stmt* s : carried)
    o += ind + "    " + c.printer.type_name(s->type) + " " + s->name + " = _mc_carry_" + s->name + "[i - _mc_lo]; (void)" + s->name + ";\n";
  c.printer.block(suffix, depth, o);
  o += ind + "  }\n" + ind + "}\n";
  if (parallel) {
    o += "    _mc_tcount[_mc_t] = _mc_nspk;\n  }\n";
    // Ranges in thread order; each destination lies at or before its source (a range's spikes
    // never outnumber the neurons before it), so memmove in order is safe.
    o += "  int64_t _mc_nspk = 0;\n";
    o += "  for (int _mc_t = 0; _mc_t < _mc_nt; ++_mc_t) {\n";
    o += "    const int64_t _mc_per = (_mc_nblocks + _mc_nt - 1) / _mc_nt;\n";
    o += "    const int64_t _mc_b0 = (int64_t)_mc_t * _mc_per < _mc_nblocks ? (int64_t)_mc_t * _mc_per : _mc_nblocks;\n";
    o += "    const int64_t _mc_from = _mc_b0 * " + B + ";\n";
    o += "    if (_mc_tcount[_mc_t] > 0 && _mc_from != _mc_nspk)\n";
    o += "      memmove(_mc_spk_all + _mc_nspk, _mc_spk_all + _mc_from, (size_t)_mc_tcount[_mc_t] * sizeof(int32_t));\n";
    o += "    _mc_nspk += _mc_tcount[_mc_t];\n  }\n";
  }
  o += "  " + count + "[_mc_slot] = _mc_nspk;\n";
  o += "  " + total + " += _mc_nspk;\n";
  return true;
}

void emit_synaptic_dispatch(EmitContext& c, const kir::Kernel& k) {
  std::string& o = c.out;
  int pk = -1;
  int64_t delay = 0;
  std::string event;
  std::vector<int> groups;
  for (const auto& br : k.dispatch) {
    int g = c.group_index(br.synapses);
    if (g < 0) {
      c.error("kernel '" + k.name + "' dispatches to unknown synapse group '" + br.synapses + "'");
      return;
    }
    const kir::SynapseGroup& sg = c.p.synapse_groups[g];
    const kir::SynapseGroup::Pathway* pw = k.domain.pathway.empty() ? nullptr : sg.find_pathway(k.domain.pathway);
    const int64_t d = pw ? pw->delay_steps : sg.delay_steps;
    const std::string ev = pw ? pw->event : k.domain.event;
    const int p = c.population_index(sg.source);
    if (groups.empty()) {
      pk = p;
      delay = d;
      event = ev;
    } else if (p != pk || d != delay || (ev.empty() ? "spike" : ev) != (event.empty() ? "spike" : event)) {
      c.error("kernel '" + k.name + "' dispatches to groups with different sources, events or delays");
      return;
    }
    groups.push_back(g);
  }
  if (pk < 0) {
    c.error("kernel '" + k.name + "' dispatches from an unknown source population");
    return;
  }
  if (!check_event(c, pk, event, "kernel '" + k.name + "'")) return;
  if (delay >= event_history(c, pk, event))
    c.error("kernel '" + k.name + "' has a delay of " + std::to_string(delay) + " steps but population '" +
            c.p.populations[pk].name + "' keeps only " + std::to_string(event_history(c, pk, event)) + " steps of spikes");
  o += "  const int64_t _mc_src_step = step - " + int_text(delay) + ";\n";
  o += "  if (_mc_src_step < 0) return;\n";
  o += "  const int64_t _mc_slot = _mc_src_step % " + int_text(event_history(c, pk, event)) + ";\n";
  o += "  const int32_t* __restrict _mc_spikes = " + event_field(c, pk, event, "spikes") + " + _mc_slot * " +
       int_text(c.p.populations[pk].size) + ";\n";
  o += "  const int64_t _mc_nspikes = " + event_field(c, pk, event, "count") + "[_mc_slot];\n";
  o += "  for (int64_t _mc_k = 0; _mc_k < _mc_nspikes; ++_mc_k) {\n";
  o += "    const int64_t _mc_idx = _mc_spikes[_mc_k];\n";
  for (size_t b = 0; b < groups.size(); ++b) {
    const kir::SynapseGroup& sg = c.p.synapse_groups[groups[b]];
    const std::string off = int_text(sg.source_offset), end = int_text(sg.source_offset + sg.source_size);
    // Each group in its own scope: the storage bindings use the same local names for every group.
    o += "    if (_mc_idx >= " + off + " && _mc_idx < " + end + ") {  // " + sg.name + " (was " + k.dispatch[b].kernel + ")\n";
    emit_synapse_bindings(c, groups[b]);
    codegen::RandomKeys keys;
    keys.element = synapse_gid(groups[b], "syn");
    c.printer.set_random_keys(keys);
    o += "    const int64_t i = _mc_idx - " + off + "; (void)i;\n";
    emit_row_visit(c, groups[b], k.dispatch[b].body);
    o += "    }\n";
  }
  o += "  }\n";
}

}  // namespace modelc::backends::cpu
