// The loop of a spike-emitting neurons kernel, typically a fused update + threshold (+ reset)
// kernel (passes/kernel/neuron_kernel_fusion_pass.cpp): blocks of kFusedBlock neurons. Where the
// body is an elementwise prefix (the update, possibly empty) followed by one `if (cond) { emit;
// reset }` whose condition is exact in vector form (no libm call, no normal draw), one `omp simd`
// loop per block runs the prefix and writes the condition into a byte mask, and a scan of the mask
// (eight bytes at a time, zero words skipped) appends the firing neurons in ascending order and
// runs the reset for them only. Otherwise the prefix is vectorised and a serial loop runs the rest
// (threshold, emit, reset) for every neuron. With threads, every thread takes a contiguous range
// of whole blocks, writes its spikes at its range's start in the ring slot and the ranges are then
// moved together in thread order: the list is the same ascending list whatever the thread count.
#include <set>

#include "backends/cpu/cpu_emit_context.h"
#include "ir/kernel_ir_traversal.h"

namespace modelc::backends::cpu {

namespace {

using kir::Block;
using kir::Expr;
using kir::ExprP;
using kir::Stmt;

bool stmt_emits(const Stmt& s) {
  auto emit = [](const Stmt& t) { return t.kind == Stmt::Kind::EmitSpike; };
  return emit(s) || kir::any_stmt(s.then_body, emit) || kir::any_stmt(s.else_body, emit);
}

// The threshold condition may move into the vectorised loop when it computes the same bits there:
// no function call (libmvec's vector variants may differ from libm in the last bit) and no normal
// draw (Box-Muller: log, sqrt, cos); uniform draws are integer arithmetic and exact conversions.
bool exact_in_vector_form(const ExprP& e) {
  if (!e) return true;
  if (e->kind == Expr::Kind::Call) return false;
  if (e->kind == Expr::Kind::Random && e->name != "uniform") return false;
  for (const ExprP& a : e->args)
    if (!exact_in_vector_form(a)) return false;
  return true;
}

// Integer division or modulo anywhere below: evaluating it where `&&` would not could trap.
bool has_integer_division(const ExprP& e) {
  if (!e) return false;
  if (e->kind == Expr::Kind::Binary && (e->op == ir::Op::Div || e->op == ir::Op::FloorDiv || e->op == ir::Op::Mod) &&
      e->type != kir::Type::Double && e->type != kir::Type::Float)
    return true;
  for (const ExprP& a : e->args)
    if (has_integer_division(a)) return true;
  return false;
}

// The mask condition: `and` / `or` of conditions whose operands are safe to evaluate on every lane
// print as `&` / `|`, so the vectoriser sees no control flow (short-circuit `&&` is a branch).
std::string mask_condition(const EmitContext& c, const ExprP& e, bool eager) {
  if (eager && e->kind == Expr::Kind::Binary && (e->op == ir::Op::And || e->op == ir::Op::Or))
    return "((bool)" + mask_condition(c, e->args[0], eager) + (e->op == ir::Op::And ? " & " : " | ") + "(bool)" +
           mask_condition(c, e->args[1], eager) + ")";
  return c.printer.expr(e);
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
  s.history = int_text(ring_depth(c, pk, k.event));
  s.spikes = event_field(c, pk, k.event, "spikes");
  s.count = event_field(c, pk, k.event, "count");
  s.total = event_field(c, pk, k.event, "total");
  s.parallel_code = pop.size >= c.options.parallel_min_size;
  s.begin = local_begin(pk);
  s.end = local_end(c, pk, false);
  if (!emit_split_emitting_loop(c, k.body, s, checks)) return false;
  // Each thread its blocks, then the compaction between two barriers of its own.
  if (s.parallel_code) c.mark_sharing(KernelSharing::Kind::OwnNeurons, pk, true);
  return true;
}

bool emit_split_emitting_loop(EmitContext& c, const kir::Block& body, const NeuronLoopShape& shape, const SplitLoopChecks& checks) {
  const kir::Block& kbody = body;
  size_t split = 0;
  while (split < kbody.size() && !stmt_emits(kbody[split])) ++split;
  if (split == kbody.size()) return false;
  const Block prefix(kbody.begin(), kbody.begin() + static_cast<std::ptrdiff_t>(split));
  const Block suffix(kbody.begin() + static_cast<std::ptrdiff_t>(split), kbody.end());
  if (!checks.elementwise(prefix) || !checks.elementwise(suffix)) return false;
  // The mask form: the suffix is one `if` without else whose condition is exact on vector lanes.
  const Stmt* fire = suffix.size() == 1 && suffix[0].kind == Stmt::Kind::If && suffix[0].else_body.empty() &&
                             exact_in_vector_form(suffix[0].value)
                         ? &suffix[0]
                         : nullptr;
  // The vector loop runs over the padding lanes when the prefix may (so that every neuron takes
  // the same vector path of libm whatever the thread count); the condition then must read in
  // bounds there too, or the old form is kept.
  const bool pad = checks.pad_safe(prefix);
  bool cond_pad = false;
  if (fire) {
    Block probe(1);
    probe[0].kind = Stmt::Kind::If;
    probe[0].value = fire->value;
    cond_pad = checks.pad_safe(probe);
    if (pad && !cond_pad) fire = nullptr;
  }
  if (!fire && split == 0) return false;  // nothing to vectorise
  // `&` instead of `&&` where every operand reads in bounds on every lane and cannot trap.
  const bool eager = fire && cond_pad && !has_integer_division(fire->value);
  const Block& late = fire ? fire->then_body : suffix;  // what runs per neuron after the vector loop

  // Locals of the prefix the late part uses travel through a per-block array (top-level
  // declarations only: anything declared deeper is out of the suffix's scope anyway).
  std::set<std::string> used;
  locals_used(late, used);
  std::vector<const Stmt*> carried;
  for (const Stmt& s : prefix)
    if (s.kind == Stmt::Kind::Declare && used.count(s.name)) carried.push_back(&s);

  const bool parallel = shape.parallel_code;
  const std::string N = shape.n, P = pad ? shape.padded : shape.n, B = int_text(kFusedBlock);
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
    // A team kernel (mc_run's team shares it; outside a team one thread runs every block). Where
    // parallel_if does not hold, thread 0 takes every block.
    c.mark_team();
    o += "  {\n";
    o += "    const int _mc_t = mc_team_rank(), _mc_tn = mc_team_size() < " + std::to_string(kMaxTeam) +
         " ? mc_team_size() : " + std::to_string(kMaxTeam) + ";\n";
    o += "    const int _mc_tp = " + (shape.parallel_if.empty() ? "" : "!(" + shape.parallel_if + ") ? 1 : ") + "_mc_tn;\n";
    o += "    int64_t _mc_b0, _mc_b1;\n    mc_own_blocks(_mc_nblocks, _mc_t, _mc_tp, &_mc_b0, &_mc_b1);\n";
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
  if (fire) o += ind + "  unsigned char _mc_fire[" + B + "];\n";
  o += "#pragma omp simd\n";
  o += ind + "  for (int64_t i = _mc_lo; i < _mc_vhi; ++i) {\n";
  const int depth = parallel ? 4 : 3;
  c.printer.block(prefix, depth, o);
  for (const Stmt* s : carried) o += ind + "    _mc_carry_" + s->name + "[i - _mc_lo] = " + s->name + ";\n";
  if (fire) o += ind + "    _mc_fire[i - _mc_lo] = (unsigned char)" + mask_condition(c, fire->value, eager) + ";\n";
  o += ind + "  }\n";
  auto bind_carried = [&](const std::string& in) {
    for (const Stmt* s : carried)
      o += in + c.printer.type_name(s->type) + " " + s->name + " = _mc_carry_" + s->name + "[i - _mc_lo]; (void)" + s->name + ";\n";
  };
  if (fire) {
    // The mask up to a whole word is defined (bytes past the vector loop zeroed); lanes past _mc_hi
    // (padding) are skipped by the bound of the inner loop.
    o += ind + "  for (int64_t _mc_z = _mc_vhi - _mc_lo; _mc_z & 7; ++_mc_z) _mc_fire[_mc_z] = 0;\n";
    o += ind + "  for (int64_t _mc_w = 0; _mc_w < _mc_hi - _mc_lo; _mc_w += 8) {\n";
    o += ind + "    uint64_t _mc_word;\n";
    o += ind + "    memcpy(&_mc_word, _mc_fire + _mc_w, 8);\n";
    o += ind + "    if (_mc_word == 0) continue;\n";
    o += ind + "    const int64_t _mc_wend = _mc_w + 8 < _mc_hi - _mc_lo ? _mc_w + 8 : _mc_hi - _mc_lo;\n";
    o += ind + "    for (int64_t _mc_f = _mc_w; _mc_f < _mc_wend; ++_mc_f) {\n";
    o += ind + "      if (!_mc_fire[_mc_f]) continue;\n";
    o += ind + "      const int64_t i = _mc_lo + _mc_f;\n";
    bind_carried(ind + "      ");
    c.printer.block(late, depth + 1, o);
    o += ind + "    }\n" + ind + "  }\n" + ind + "}\n";
  } else {
    o += ind + "  for (int64_t i = _mc_lo; i < _mc_hi; ++i) {\n";
    bind_carried(ind + "    ");
    c.printer.block(suffix, depth, o);
    o += ind + "  }\n" + ind + "}\n";
  }
  if (parallel) {
    o += "    if (_mc_t < " + std::to_string(kMaxTeam) + ") m->tspikes[_mc_t] = _mc_nspk;\n";
    // Ranges in thread order, moved together by thread 0 once every range is done; each
    // destination lies at or before its source (a range's spikes never outnumber the neurons
    // before it), so memmove in order is safe.
    o += "    mc_barrier(m);\n";
    o += "    if (_mc_t == 0) {\n";
    o += "      int64_t _mc_n = 0;\n";
    o += "      for (int _mc_u = 0; _mc_u < _mc_tn; ++_mc_u) {\n";
    o += "        int64_t _mc_ub0, _mc_ub1;\n        mc_own_blocks(_mc_nblocks, _mc_u, _mc_tp, &_mc_ub0, &_mc_ub1);\n        (void)_mc_ub1;\n";
    o += "        const int64_t _mc_from = _mc_ub0 * " + B + ";\n";
    o += "        if (m->tspikes[_mc_u] > 0 && _mc_from != _mc_n)\n";
    o += "          memmove(_mc_spk_all + _mc_n, _mc_spk_all + _mc_from, (size_t)m->tspikes[_mc_u] * sizeof(int32_t));\n";
    o += "        _mc_n += m->tspikes[_mc_u];\n      }\n";
    o += "      " + count + "[_mc_slot] = _mc_n;\n";
    o += "      " + total + " += _mc_n;\n    }\n";
    o += "    mc_barrier(m);\n  }\n";
    return true;
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
  o += "  const int64_t _mc_slot = _mc_src_step % " + int_text(ring_depth(c, pk, event)) + ";\n";
  o += "  const int32_t* __restrict _mc_spikes = " + event_field(c, pk, event, "spikes") + " + _mc_slot * " +
       int_text(c.p.populations[pk].size) + ";\n";
  o += "  const int64_t _mc_nspikes = " + event_field(c, pk, event, "count") + "[_mc_slot];\n";
  // A team kernel when every group's rows split by target (docs/performance.md): each thread
  // delivers into its own range of every group's targets.
  bool team = true;
  for (size_t b = 0; b < groups.size(); ++b)
    team = team && row_visit_splits(c, groups[b]) && c.p.synapse_groups[groups[b]].target_size >= kTeamMinTargets &&
           target_owned(k.dispatch[b].body);
  if (team) {
    c.mark_team();
    c.mark_sharing(KernelSharing::Kind::OwnTargets);
    for (int g : groups) emit_owned_target_range(c, g);
  }
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
    emit_row_visit(c, groups[b], k.dispatch[b].body, team ? std::to_string(groups[b]) : "");
    o += "    }\n";
  }
  o += "  }\n";
}

}  // namespace modelc::backends::cpu
