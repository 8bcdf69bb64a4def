// Kernel and monitor functions of the CPU module: how each launch domain becomes a loop.
#include <map>
#include <set>
#include <string_view>

#include "backends/cpu/cpu_emit_context.h"
#include "ir/kernel_ir_traversal.h"

namespace modelc::backends::cpu {

using kir::Block;
using kir::Domain;
using kir::Expr;
using kir::ExprP;
using kir::Stmt;
using kir::WalkResult;

bool is_index(const ExprP& e, const char* var) {
  if (!e) return false;
  if (e->kind == Expr::Kind::Builtin) return e->name == var;
  if (e->kind == Expr::Kind::Cast && e->args.size() == 1) return is_index(e->args[0], var);
  return false;
}

namespace {

// True when every iteration touches only element `var` of the buffers it writes (and reads those
// buffers only there): then iterations are independent and the loop may run in parallel / SIMD.
bool block_elementwise(const Block& b, const std::set<std::string>& written, const char* var) {
  bool ok = kir::walk(b, [&](const Stmt& s) {
    bool store = s.kind == Stmt::Kind::Store || s.kind == Stmt::Kind::Accumulate;
    return store && !is_index(s.index, var) ? WalkResult::Stop : WalkResult::Advance;
  });
  return ok && kir::walk_exprs(b, [&](const Expr& e) {
    bool foreign = e.kind == Expr::Kind::Load && written.count(e.name) &&
                   !is_index(e.args.empty() ? nullptr : e.args[0], var);
    return foreign ? WalkResult::Stop : WalkResult::Advance;
  });
}

// True when the elementwise body can also run on the padding lanes [size, simd_padded(size)):
// every access is at index i (or a literal) of a buffer at least as large as the population, and
// every store hits a buffer of exactly the population's size (its padding is its own).
bool block_pad_safe(const EmitContext& c, const Block& b, int64_t n) {
  bool ok = kir::walk(b, [&](const Stmt& s) {
    if (s.kind == Stmt::Kind::EmitSpike) return WalkResult::Stop;
    if (s.kind == Stmt::Kind::Store || s.kind == Stmt::Kind::Accumulate) {
      int bi = c.buffer_index(s.name);
      if (bi < 0 || c.p.buffers[bi].size != n || !is_index(s.index, "i")) return WalkResult::Stop;
    }
    return WalkResult::Advance;
  });
  return ok && kir::walk_exprs(b, [&](const Expr& e) {
    if (e.kind != Expr::Kind::Load) return WalkResult::Advance;
    int bi = c.buffer_index(e.name);
    const ExprP& ix = e.args.empty() ? nullptr : e.args[0];
    bool literal = ix && ix->kind == Expr::Kind::Literal;
    bool safe = bi >= 0 && c.p.buffers[bi].size != 0 && (literal || (is_index(ix, "i") && c.p.buffers[bi].size >= n));
    return safe ? WalkResult::Advance : WalkResult::Stop;
  });
}

// The owner of an element a synapse-domain body indexes: 'j' for the target j (j, j + literal,
// ring_slot + j), 's' for the synapse, 0 for anything else.
char index_owner(const ExprP& e) {
  if (is_index(e, "syn")) return 's';
  if (is_index(e, "j")) return 'j';
  if (e && e->kind == Expr::Kind::Binary && e->op == ir::Op::Add && e->args.size() == 2) {
    for (int a = 0; a < 2; ++a) {
      const ExprP& other = e->args[1 - a];
      const bool fixed = other && (other->kind == Expr::Kind::Literal || is_index(other, "ring_slot"));
      if (is_index(e->args[a], "j") && fixed) return 'j';
    }
  }
  return 0;
}

std::string syn_field(int g, const char* what) { return "m->syn" + std::to_string(g) + "_" + what; }

// The spike list of population `k` for the step held in the C variable `step_var`.
// IR v2: `event` selects a custom event list instead (empty or "spike": the spikes).
void bind_spike_slot(EmitContext& c, int k, const std::string& step_var, const std::string& event = "") {
  const kir::Population& pop = c.p.populations[k];
  c.out += "  const int64_t _mc_slot = " + step_var + " % " + int_text(ring_depth(c, k, event)) + ";\n";
  c.out += "  const int32_t* __restrict _mc_spikes = " + event_field(c, k, event, "spikes") + " + _mc_slot * " +
           int_text(pop.size) + ";\n";
  c.out += "  const int64_t _mc_nspikes = " + event_field(c, k, event, "count") + "[_mc_slot];\n";
}

// IR v2: records per-synapse buffers at the listed synapse indices (checked against the synapse
// count built at run time).
void emit_synapse_state_recorder(EmitContext& c, size_t k) {
  const kir::Monitor& mon = c.p.monitors[k];
  const std::string ks = std::to_string(k), arr = "m->mon" + ks;
  int g = c.group_index(mon.synapses);
  if (g < 0 || mon.kind != kir::Monitor::Kind::State) {
    c.error("monitor '" + mon.name + "' records unknown synapse group '" + mon.synapses + "'");
    c.out += "  return 0;\n}\n\n";
    return;
  }
  const std::string oom = "return mc_fail(m, \"out of memory recording monitor " + mon.name + "\");";
  c.out += "  if (step % " + int_text(mon.every < 1 ? 1 : mon.every) + " != 0) return 0;\n";
  const std::string nidx = mon.all_synapses ? syn_field(g, "n") : "_mc_mon" + ks + "_nidx";
  // Chosen synapses are whole-CSR positions (mon<k>_at); in a distributed run mon<k>_loc holds
  // each one's local index, -1 where another rank holds it (recorded as 0, merged from the holder).
  const std::string at = mon.all_synapses ? "_mc_k" : "_mc_mon" + ks + "_at(_mc_k)";
  const std::string loc = mon.all_synapses ? at : "(m->mon" + ks + "_loc ? m->mon" + ks + "_loc[_mc_k] : " + at + ")";
  c.out += "  int64_t* _mc_s = (int64_t*)mc_array_grow(" + arr + "[0], 1);\n";
  c.out += "  if (!_mc_s) " + oom + "\n  *_mc_s = step;\n";
  for (size_t v = 0; v < mon.buffers.size(); ++v) {
    int bi = c.buffer_index(mon.buffers[v]);
    if (bi < 0) {
      c.error("monitor '" + mon.name + "' records unknown buffer '" + mon.buffers[v] + "'");
      continue;
    }
    const kir::Buffer& b = c.p.buffers[bi];
    c.out += "  {\n    double* _mc_d = (double*)mc_array_grow(" + arr + "[" + std::to_string(v + 1) + "], (size_t)" + nidx +
             ");\n    if (!_mc_d) " + oom + "\n";
    c.out += "    const " + c.printer.storage_type_name(b.type) + "* __restrict _mc_b = m->b_" + b.name + ";\n";
    c.out += "    for (int64_t _mc_k = 0; _mc_k < " + nidx + "; ++_mc_k) {\n      const int64_t _mc_l = " + loc + ";\n";
    c.out += "      _mc_d[_mc_k] = _mc_l >= 0 ? (double)_mc_b[_mc_l] : 0.0;\n    }\n  }\n";
  }
  c.out += "  return 0;\n}\n\n";
}

// File scope, before the recorders: the chosen synapses of a synapse state monitor as whole-CSR
// positions (Brian2's synapse indices map to CSR positions: a table of their own), and mon<k>_map,
// run at the end of mc_init: checks them against the synapse count and, in a distributed run,
// finds each one's local index.
void emit_synapse_monitor_tables(EmitContext& c) {
  for (size_t k = 0; k < c.p.monitors.size(); ++k) {
    const kir::Monitor& mon = c.p.monitors[k];
    const int g = mon.synapses.empty() ? -1 : c.group_index(mon.synapses);
    if (g < 0 || mon.all_synapses || mon.kind != kir::Monitor::Kind::State) continue;
    const std::string ks = std::to_string(k);
    c.out += "static const int64_t _mc_mon" + ks + "_sidx[] = {";
    for (size_t n = 0; n < mon.storage_indices.size(); ++n) c.out += (n ? ", " : "") + int_text(mon.storage_indices[n]);
    c.out += mon.storage_indices.empty() ? "0};\n" : "};\n";
    c.out += "static inline int64_t _mc_mon" + ks + "_at(int64_t k) { return " +
             (mon.storage_indices.empty() ? "_mc_mon" + ks + "_idx[k]" : "_mc_mon" + ks + "_sidx[k]") + "; }\n";
    c.out += "static int mon" + ks + "_map(mc_module* m) {\n";
    c.out += "  for (int64_t _mc_k = 0; _mc_k < _mc_mon" + ks + "_nidx; ++_mc_k)\n";
    c.out += "    if (_mc_mon" + ks + "_at(_mc_k) >= " + syn_field(g, "total") + ") { snprintf(m->error, sizeof m->error, \"monitor " +
             mon.name + " records synapse %lld, but only %lld synapses exist\", (long long)_mc_mon" + ks +
             "_idx[_mc_k], (long long)" + syn_field(g, "total") + "); m->failed = 1; return 1; }\n";
    c.out += "  const int64_t* __restrict _mc_gid = " + syn_field(g, "gid") + ";\n  if (!_mc_gid) return 0;\n";
    c.out += "  m->mon" + ks + "_loc = (int64_t*)mc_alloc(mc_bytes(_mc_mon" + ks + "_nidx, sizeof(int64_t)), " +
             c_string("the local synapses of monitor " + mon.name) + ", m->error, sizeof m->error);\n";
    c.out += "  if (!m->mon" + ks + "_loc) { m->failed = 1; return 1; }\n";
    c.out += "  for (int64_t _mc_k = 0; _mc_k < _mc_mon" + ks + "_nidx; ++_mc_k) {\n";
    c.out += "    const int64_t _mc_want = _mc_mon" + ks + "_at(_mc_k);\n";
    // Global indices ascend in local order (rows ascending, each row's synapses in CSR order).
    c.out += "    int64_t _mc_a = 0, _mc_b = " + syn_field(g, "n") + ";\n";
    c.out += "    while (_mc_a < _mc_b) { const int64_t _mc_mid = (_mc_a + _mc_b) / 2; if (_mc_gid[_mc_mid] < _mc_want) _mc_a = _mc_mid + 1; else _mc_b = _mc_mid; }\n";
    c.out += "    m->mon" + ks + "_loc[_mc_k] = _mc_a < " + syn_field(g, "n") + " && _mc_gid[_mc_a] == _mc_want ? _mc_a : -1;\n  }\n";
    c.out += "  return 0;\n}\n\n";
  }
}

// Loop bounds of a neuron kernel over [first, n) of population pk: init kernels run over whole
// populations on every rank (so connect-time reads and init-only state are valid everywhere),
// step kernels over this rank's part.
std::string range_begin(const std::string& first, int pk, bool init) {
  if (init) return first;
  return first == "0" ? local_begin(pk) : "(" + first + " > " + local_begin(pk) + " ? " + first + " : " + local_begin(pk) + ")";
}
std::string range_end(const EmitContext& c, const std::string& n, int pk, bool init, bool padded) {
  const int64_t size = c.p.populations[pk].size;
  if (init) return padded ? int_text(simd_padded(size)) : n;
  if (n == int_text(size)) return local_end(c, pk, padded);
  const std::string end = local_end(c, pk, false);
  return "(" + n + " < " + end + " ? " + n + " : " + end + ")";
}

// PoissonInput's draws (binomial with literal n and p, inversion branch): their pmf table, once per
// call, for the lock-step draw the printer then uses (mc_binomial_lockstep in cpu_support.h).
void emit_binomial_tables(EmitContext& c, const kir::Kernel& k, codegen::RandomKeys& keys) {
  kir::walk_exprs(k.body, [&](const kir::Expr& e) {
    int64_t n = 0;
    double p = 0.0;
    if (codegen::tabulable_binomial(e, n, p) && keys.binomial_tables.insert(e.stream).second) {
      const std::string t = "_mc_bino" + std::to_string(e.stream);
      c.out += "  mc_binomial_table " + t + ";\n  mc_binomial_table_init(&" + t + ", (int64_t)(" +
               c.printer.expr(e.args[0]) + "), (double)(" + c.printer.expr(e.args[1]) + "));\n";
    }
    return kir::WalkResult::Advance;
  });
}

void emit_kernel(EmitContext& c, size_t idx, bool init) {
  const kir::Kernel& k = c.p.kernels[idx];
  kir::BufferAccesses acc;
  kir::collect_accesses(k.body, acc);
  for (const auto& br : k.dispatch) kir::collect_accesses(br.body, acc);  // fused propagation
  const std::set<std::string>& reads = acc.loads;
  const std::set<std::string>& writes = acc.stores;
  const bool emits = k.emits_spikes || acc.emits;
  for (const auto& names : {reads, writes})
    for (const auto& n : names)
      if (c.buffer_index(n) < 0) c.error("kernel '" + k.name + "' uses unknown buffer '" + n + "'");

  c.out += "// kernel " + k.name + "\n";
  c.out += "MC_KERNEL void k" + std::to_string(idx) + "(mc_module* __restrict m, int64_t step) {\n";
  c.out += "  const uint64_t seed = m->seed; (void)seed;\n";
  c.out += "  const double t = (double)step * MC_DT; (void)t;\n";
  // A merged kernel binds its buffers per member (cpu_merged_emitter.cpp).
  for (const auto& n : reads)
    if (k.merged.empty() && !writes.count(n) && c.buffer_index(n) >= 0) {
      const kir::Buffer& b = c.p.buffers[c.buffer_index(n)];
      c.out += "  " + c.printer.buffer_pointer(b.type, n, true) + " = m->b_" + n + "; (void)" + n + ";\n";
    }
  for (const auto& n : writes)
    if (k.merged.empty() && c.buffer_index(n) >= 0) {
      const kir::Buffer& b = c.p.buffers[c.buffer_index(n)];
      c.out += "  " + c.printer.buffer_pointer(b.type, n, false) + " = m->b_" + n + ";\n";
    }

  const Domain& d = k.domain;
  bool neuron_domain = d.kind == Domain::Kind::Neurons || d.kind == Domain::Kind::Spikes;
  codegen::RandomKeys keys;
  // Synapse draws are keyed by the global synapse index: the same numbers whatever the rank count.
  const int key_group = neuron_domain ? -1 : c.group_index(d.synapses);
  keys.element = neuron_domain ? "i" : key_group >= 0 ? synapse_gid(key_group, "syn") : "syn";
  if (neuron_domain && k.merged.empty()) emit_binomial_tables(c, k, keys);
  c.printer.set_random_keys(keys);
  if (k.every_steps > 1) c.out += "  if (step % " + int_text(k.every_steps) + " != 0) return;\n";  // run_regularly
  if (emit_delivery_domain(c, k)) return;

  if (neuron_domain) {
    int pk = c.population_index(d.population);
    if (pk < 0) {
      c.error("kernel '" + k.name + "' runs over unknown population '" + d.population + "'");
      c.out += "}\n\n";
      return;
    }
    const kir::Population& pop = c.p.populations[pk];
    std::string n = int_text(pop.size);
    bool padded = false;  // the loop may run to simd_padded(size) on the last rank
    // IR v2: a Neurons domain may cover a range of the population.
    std::string first = "0";
    if (d.kind == Domain::Kind::Neurons && d.size > 0) {
      if (d.offset < 0 || d.offset + d.size > pop.size) c.error("kernel '" + k.name + "' covers a range outside its population");
      first = int_text(d.offset);
      n = int_text(d.offset + d.size);
    }
    const std::string& ev = d.kind == Domain::Kind::Spikes ? d.event : k.event;
    if (!check_event(c, pk, ev, "kernel '" + k.name + "'")) {
      c.out += "}\n\n";
      return;
    }
    SplitLoopChecks split{[&](const Block& b) { return block_elementwise(b, writes, "i"); },
                          [&](const Block& b) { return block_pad_safe(c, b, pop.size); }};
    if (!k.merged.empty()) {  // merge-neuron-groups
      if (d.kind != Domain::Kind::Neurons || d.size != 0) c.error("kernel '" + k.name + "' merges a domain other than whole populations");
      else emit_merged_neurons(c, k, reads, writes, split);
      if (d.kind != Domain::Kind::Neurons || d.size != 0) c.out += "}\n\n";
      return;
    }
    if (d.kind == Domain::Kind::Neurons && emits && first == "0" && emit_split_emitting_loop(c, k, pk, split)) {
      // fused update + threshold: vectorised prefix, serial suffix (cpu_fused_emitter.cpp)
    } else if (d.kind == Domain::Kind::Neurons && emits) {
      // Serial so that the spike list comes out in ascending order, as the IR promises.
      c.out += "  const int64_t _mc_slot = step % " + int_text(ring_depth(c, pk, k.event)) + ";\n";
      c.out += "  int32_t* __restrict _mc_spk = " + event_field(c, pk, k.event, "spikes") + " + _mc_slot * " +
               int_text(pop.size) + ";\n";
      c.out += "  int64_t _mc_nspk = 0;\n";
      c.out += "  for (int64_t i = " + range_begin(first, pk, init) + "; i < " + range_end(c, n, pk, init, false) + "; ++i) {\n";
      c.printer.block(k.body, 2, c.out);
      c.out += "  }\n";
      c.out += "  " + event_field(c, pk, k.event, "count") + "[_mc_slot] = _mc_nspk;\n";
      c.out += "  " + event_field(c, pk, k.event, "total") + " += _mc_nspk;\n";
    } else if (d.kind == Domain::Kind::Neurons) {
      if (block_elementwise(k.body, writes, "i")) {
        // Whole vectors only (padding lanes are computed and never read), and simd:static chunks
        // (multiples of the vector length): each neuron takes the same vector or scalar path of
        // libm whatever the thread count, so results do not depend on it.
        if (first == "0" && d.size == 0 && block_pad_safe(c, k.body, pop.size)) padded = true;
        if (pop.size >= c.options.parallel_min_size) {
          // Thread chunks of whole blocks of kSimdPad iterations: every chunk starts at the same
          // alignment and, but for the last, has no remainder, so no iteration ever falls into
          // a peeled prologue or a (possibly narrower-ISA) vectorised epilogue because of the
          // thread count. Measured necessary: with schedule(simd:static) GCC's AVX2 epilogue
          // (_ZGVdN4v_exp) computed the chunk ends while AVX-512 (_ZGVeN8v_exp) did the rest.
          c.out += "  const int64_t _mc_i0 = " + range_begin(first, pk, init) + ", _mc_i1 = " + range_end(c, n, pk, init, padded) + ";\n";
          c.out += "  const int64_t _mc_len = _mc_i1 - _mc_i0;\n";
          c.out += "  const int64_t _mc_blocks = (_mc_len + " + int_text(kSimdPad) + " - 1) / " + int_text(kSimdPad) + ";\n";
          // A team kernel: the loop is shared by mc_run's team (or runs whole outside one).
          c.out += "  int64_t _mc_chunk = (_mc_blocks + mc_team_size() - 1) / mc_team_size() * " + int_text(kSimdPad) + ";\n";
          c.out += "  if (_mc_chunk < " + int_text(kSimdPad) + ") _mc_chunk = " + int_text(kSimdPad) + ";\n";
          c.out += "#pragma omp for simd schedule(static, _mc_chunk) nowait\n";
          c.mark_team();
        } else {
          c.out += "#pragma omp simd\n";
        }
      }
      if (pop.size >= c.options.parallel_min_size && block_elementwise(k.body, writes, "i"))
        c.out += "  for (int64_t i = _mc_i0; i < _mc_i1; ++i) {\n";
      else
        c.out += "  for (int64_t i = " + range_begin(first, pk, init) + "; i < " + range_end(c, n, pk, init, padded) + "; ++i) {\n";
      c.printer.block(k.body, 2, c.out);
      c.out += "  }\n";
      if (c.team[c.kernel]) c.out += "  mc_barrier(m);\n";
    } else {
      if (emits) c.error("kernel '" + k.name + "' emits spikes from a spikes domain", "emit spikes from a neurons-domain threshold kernel");
      bind_spike_slot(c, pk, "step", d.event);
      // Large populations: every thread takes the events of its own blocks (mc_own_targets), so the
      // kernel needs no barrier against the update and deliveries, which split the same way.
      const bool split = pop.size >= c.options.parallel_min_size && block_elementwise(k.body, writes, "i");
      if (split) {
        c.mark_team();
        c.mark_sharing(KernelSharing::Kind::OwnNeurons, pk);
        c.out += "  int64_t _mc_o0, _mc_o1;\n  mc_own_targets(" + local_begin(pk) + ", " + local_end(c, pk, false) + ", 0, " + int_text(pop.size) +
                 ", mc_team_rank(), mc_team_size(), &_mc_o0, &_mc_o1);\n";
      }
      c.out += "  for (int64_t _mc_k = 0; _mc_k < _mc_nspikes; ++_mc_k) {\n";
      c.out += "    const int64_t i = _mc_spikes[_mc_k];\n";
      // After an exchange the list holds every rank's events; each rank runs its own.
      c.out += "    if (i < " + local_begin(pk) + " || i >= " + local_end(c, pk, false) + ") continue;\n";
      if (split) c.out += "    if (i < _mc_o0 || i >= _mc_o1) continue;\n";
      c.printer.block(k.body, 2, c.out);
      c.out += "  }\n";
    }
    c.out += "}\n\n";
    return;
  }

  if (!k.dispatch.empty()) {  // fuse-synaptic-propagation: cpu_fused_emitter.cpp
    emit_synaptic_dispatch(c, k);
    c.out += "}\n\n";
    return;
  }
  int g = c.group_index(d.synapses);
  if (g < 0) {
    c.error("kernel '" + k.name + "' runs over unknown synapse group '" + d.synapses + "'");
    c.out += "}\n\n";
    return;
  }
  if (emits) c.error("kernel '" + k.name + "' emits spikes from a synapse domain");
  const kir::SynapseGroup& sg = c.p.synapse_groups[g];
  emit_synapse_bindings(c, g);  // per storage: cpu_connectivity_emitter.cpp
  if (d.kind == Domain::Kind::SynapticEvents) {
    int pk = c.population_index(sg.source);
    if (pk < 0) {
      c.error("synapse group '" + sg.name + "' has unknown source population '" + sg.source + "'");
      c.out += "}\n\n";
      return;
    }
    // IR v2: the pathway names its delay and triggering event (v1 programs: sg.delay_steps, spikes).
    const kir::SynapseGroup::Pathway* pw = d.pathway.empty() ? nullptr : sg.find_pathway(d.pathway);
    const int64_t delay = pw ? pw->delay_steps : sg.delay_steps;
    const std::string event = pw ? pw->event : d.event;
    if (!check_event(c, pk, event, "kernel '" + k.name + "'")) {
      c.out += "}\n\n";
      return;
    }
    if (delay >= event_history(c, pk, event))
      c.error("synapse group '" + sg.name + "' has a delay of " + std::to_string(delay) +
              " steps but population '" + sg.source + "' keeps only " +
              std::to_string(event_history(c, pk, event)) + " steps of spikes");
    std::string off = int_text(sg.source_offset), end = int_text(sg.source_offset + sg.source_size);
    const bool team = row_visit_splits(c, g) && sg.target_size >= kTeamMinTargets && target_owned(k.body);
    c.out += "  const int64_t _mc_src_step = step - " + int_text(delay) + ";\n";
    c.out += "  if (_mc_src_step < 0) return;\n";
    bind_spike_slot(c, pk, "_mc_src_step", event);
    if (team) {
      // Every thread walks every spike's row and delivers only into its own targets (docs/performance.md).
      c.mark_team();
      c.mark_sharing(KernelSharing::Kind::OwnTargets);
      emit_owned_target_range(c, g);
    }
    // Spikes are ascending, so rows are visited in memory order; the prefetch hides the latency of
    // jumping to the next spiking neuron's row.
    c.out += "  for (int64_t _mc_k = 0; _mc_k < _mc_nspikes; ++_mc_k) {\n";
    c.out += "    const int64_t _mc_idx = _mc_spikes[_mc_k];\n";
    c.out += "    if (_mc_idx < " + off + " || _mc_idx >= " + end + ") continue;\n";
    c.out += "    const int64_t i = _mc_idx - " + off + "; (void)i;\n";
    emit_row_visit(c, g, k.body, team ? std::to_string(g) : "");  // the row's synapses, per storage (with prefetch)
    c.out += "  }\n";
    c.out += "}\n\n";
    return;
  }
  // Synapses domain: every synapse, i from the pre array.
  c.out += "  const int32_t* __restrict _mc_pre = " + syn_field(g, "pre") + ";\n";
  c.out += "  const int64_t _mc_n = " + syn_field(g, "n") + ";\n";
  if (block_elementwise(k.body, writes, "syn")) {
    // Shared by the team from parallel_min_size synapses on; below, thread 0 takes them all.
    c.out += "  const int64_t _mc_chunk = _mc_n >= " + int_text(c.options.parallel_min_size) +
             " ? (_mc_n + mc_team_size() - 1) / mc_team_size() : (_mc_n > 0 ? _mc_n : 1);\n";
    c.out += "#pragma omp for schedule(static, _mc_chunk) nowait\n";
    c.mark_team();
  }
  c.out += "  for (int64_t syn = 0; syn < _mc_n; ++syn) {\n";
  c.out += "    const int64_t i = _mc_pre[syn]; (void)i;\n";
  c.out += "    const int64_t j = _mc_post[syn]; (void)j;\n";
  c.printer.block(k.body, 2, c.out);
  c.out += "  }\n";
  if (block_elementwise(k.body, writes, "syn")) c.out += "  mc_barrier(m);\n";
  c.out += "}\n\n";
}

}  // namespace

bool target_owned(const Block& body) {
  std::map<std::string, char> owner;  // written buffer -> the owner of the elements written
  bool ok = kir::walk(body, [&](const Stmt& s) {
    if (s.kind == Stmt::Kind::EmitSpike) return WalkResult::Stop;
    if (s.kind != Stmt::Kind::Store && s.kind != Stmt::Kind::Accumulate) return WalkResult::Advance;
    const char o = index_owner(s.index);
    auto [it, fresh] = owner.emplace(s.name, o);
    return o == 0 || (!fresh && it->second != o) ? WalkResult::Stop : WalkResult::Advance;
  });
  return ok && kir::walk_exprs(body, [&](const Expr& e) {
    if (e.kind != Expr::Kind::Load) return WalkResult::Advance;
    auto it = owner.find(e.name);
    if (it == owner.end()) return WalkResult::Advance;
    return index_owner(e.args.empty() ? nullptr : e.args[0]) == it->second ? WalkResult::Advance : WalkResult::Stop;
  });
}

void emit_kernels(EmitContext& c) {
  emit_connectivity_prototypes(c);
  const std::set<size_t> init(c.p.init_kernels.begin(), c.p.init_kernels.end());
  c.team.assign(c.p.kernels.size(), 0);
  c.sharing.assign(c.p.kernels.size(), KernelSharing{});
  for (size_t k = 0; k < c.p.kernels.size(); ++k) {
    c.kernel = k;
    const size_t start = c.out.size();
    emit_kernel(c, k, init.count(k) > 0);
    if (c.sharing[k].kind != KernelSharing::Kind::Opaque) continue;
    const kir::Kernel& kr = c.p.kernels[k];
    const std::string_view text = std::string_view(c.out).substr(start);
    if (c.team[k]) {
      // Synchronised when its last statement is an unconditional barrier at function scope and its
      // only early returns skip the whole step before any work (run_regularly, a delay's first
      // steps): on those steps it touches nothing, and being opaque it had a barrier before it.
      const std::string_view tail = "\n  mc_barrier(m);\n}\n\n";
      bool early_only = true;
      for (size_t at = text.find("return;"); at != std::string_view::npos; at = text.find("return;", at + 1)) {
        const std::string_view line = text.substr(0, at).substr(text.rfind('\n', at) + 1);
        early_only = early_only && (line == "  if (_mc_src_step < 0) " || (line.starts_with("  if (step % ") && line.ends_with(" != 0) ")));
      }
      c.sharing[k].synchronised = text.ends_with(tail) && early_only;
    } else if (kr.merged.empty() && (kr.domain.kind == Domain::Kind::Neurons || kr.domain.kind == Domain::Kind::Spikes)) {
      c.sharing[k].kind = KernelSharing::Kind::Solo;
    }
  }
}

void emit_monitor_recorders(EmitContext& c) {
  emit_synapse_monitor_tables(c);
  for (size_t k = 0; k < c.p.monitors.size(); ++k) {
    const kir::Monitor& mon = c.p.monitors[k];
    const std::string ks = std::to_string(k), arr = "m->mon" + ks;
    c.out += "// monitor " + mon.name + "\n";
    c.out += "static int rec" + ks + "(mc_module* __restrict m, int64_t step) {\n";
    if (!mon.synapses.empty()) {  // IR v2: a state monitor of a synapse group
      emit_synapse_state_recorder(c, k);
      continue;
    }
    int pk = c.population_index(mon.population);
    if (pk < 0) {
      c.error("monitor '" + mon.name + "' records unknown population '" + mon.population + "'");
      c.out += "  return 0;\n}\n\n";
      continue;
    }
    const kir::Population& pop = c.p.populations[pk];
    if (mon.offset < 0 || mon.size < 0 || mon.offset + mon.size > pop.size)
      c.error("monitor '" + mon.name + "' slice [" + std::to_string(mon.offset) + ":" +
              std::to_string(mon.offset + mon.size) + "] is outside population '" + pop.name + "'");
    for (int64_t ix : mon.indices)
      if (ix < 0 || ix >= mon.size)
        c.error("monitor '" + mon.name + "' records index " + std::to_string(ix) + " outside its slice of " +
                std::to_string(mon.size) + " neurons");
    const std::string off = int_text(mon.offset), end = int_text(mon.offset + mon.size);
    const std::string oom = "return mc_fail(m, \"out of memory recording monitor " + mon.name + "\");";
    switch (mon.kind) {
      case kir::Monitor::Kind::State: {
        c.out += "  if (step % " + int_text(mon.every < 1 ? 1 : mon.every) + " != 0) return 0;\n";
        c.out += "  int64_t* _mc_s = (int64_t*)mc_array_grow(" + arr + "[0], 1);\n";
        c.out += "  if (!_mc_s) " + oom + "\n  *_mc_s = step;\n";
        for (size_t v = 0; v < mon.buffers.size(); ++v) {
          int bi = c.buffer_index(mon.buffers[v]);
          if (bi < 0) {
            c.error("monitor '" + mon.name + "' records unknown buffer '" + mon.buffers[v] + "'");
            continue;
          }
          const kir::Buffer& b = c.p.buffers[bi];
          // Shared (size 1) variables are recorded once per recorded neuron, like Brian2 does.
          std::string at = b.size == 1 && pop.size != 1 ? "0" : off + " + _mc_mon" + ks + "_idx[_mc_k]";
          c.out += "  {\n    double* _mc_d = (double*)mc_array_grow(" + arr + "[" + std::to_string(v + 1) +
                   "], (size_t)_mc_mon" + ks + "_nidx);\n";
          c.out += "    if (!_mc_d) " + oom + "\n";
          c.out += "    const " + c.printer.storage_type_name(b.type) + "* __restrict _mc_b = m->b_" + b.name + ";\n";
          c.out += "    for (int64_t _mc_k = 0; _mc_k < _mc_mon" + ks + "_nidx; ++_mc_k) _mc_d[_mc_k] = (double)_mc_b[" + at + "];\n";
          c.out += "  }\n";
        }
        break;
      }
      case kir::Monitor::Kind::Spikes: {
        if (!check_event(c, pk, mon.event, "monitor '" + mon.name + "'")) break;
        bind_spike_slot(c, pk, "step", mon.event);
        // Each rank records its own neurons' events (the list may hold every rank's after an exchange).
        std::string keep = "_mc_idx >= " + off + " && _mc_idx < " + end + " && _mc_idx >= " + local_begin(pk) +
                           " && _mc_idx < " + local_end(c, pk, false);
        if (!mon.indices.empty()) keep += " && m->mon" + ks + "_mask[_mc_idx - " + off + "]";
        // Two passes (count, then fill) so each array grows once per step.
        c.out += "  int64_t _mc_c = 0;\n";
        c.out += "  for (int64_t _mc_k = 0; _mc_k < _mc_nspikes; ++_mc_k) {\n";
        c.out += "    const int64_t _mc_idx = _mc_spikes[_mc_k];\n";
        c.out += "    if (" + keep + ") ++_mc_c;\n  }\n";
        c.out += "  if (_mc_c == 0) return 0;\n";
        c.out += "  int32_t* _mc_ix = (int32_t*)mc_array_grow(" + arr + "[0], (size_t)_mc_c);\n";
        c.out += "  if (!_mc_ix) " + oom + "\n";
        c.out += "  int64_t* _mc_st = (int64_t*)mc_array_grow(" + arr + "[1], (size_t)_mc_c);\n";
        c.out += "  if (!_mc_st) " + oom + "\n";
        // IR v2: recorded variables, one double per event (fields 2 + v).
        std::string store_vars;
        for (size_t v = 0; v < mon.buffers.size(); ++v) {
          int bi = c.buffer_index(mon.buffers[v]);
          if (bi < 0) {
            c.error("monitor '" + mon.name + "' records unknown buffer '" + mon.buffers[v] + "'");
            continue;
          }
          const kir::Buffer& b = c.p.buffers[bi];
          std::string vs = std::to_string(v);
          c.out += "  double* _mc_v" + vs + " = (double*)mc_array_grow(" + arr + "[" + std::to_string(v + 2) +
                   "], (size_t)_mc_c);\n  if (!_mc_v" + vs + ") " + oom + "\n";
          c.out += "  const " + c.printer.storage_type_name(b.type) + "* __restrict _mc_b" + vs + " = m->b_" + b.name + ";\n";
          store_vars += " _mc_v" + vs + "[_mc_c] = (double)_mc_b" + vs + "[" + (b.size == 1 && pop.size != 1 ? "0" : "_mc_idx") + "];";
        }
        c.out += "  _mc_c = 0;\n";
        c.out += "  for (int64_t _mc_k = 0; _mc_k < _mc_nspikes; ++_mc_k) {\n";
        c.out += "    const int64_t _mc_idx = _mc_spikes[_mc_k];\n";
        c.out += "    if (" + keep + ") { _mc_ix[_mc_c] = (int32_t)(_mc_idx - " + off + "); _mc_st[_mc_c] = step;" + store_vars +
                 " ++_mc_c; }\n  }\n";
        break;
      }
      case kir::Monitor::Kind::Rate: {
        bind_spike_slot(c, pk, "step");
        c.out += "  int64_t _mc_c = 0;\n";
        c.out += "  for (int64_t _mc_k = 0; _mc_k < _mc_nspikes; ++_mc_k) {\n";
        c.out += "    const int64_t _mc_idx = _mc_spikes[_mc_k];\n";
        c.out += "    _mc_c += (_mc_idx >= " + off + " && _mc_idx < " + end + " && _mc_idx >= " + local_begin(pk) +
                 " && _mc_idx < " + local_end(c, pk, false) + ");\n  }\n";
        c.out += "  double* _mc_r = (double*)mc_array_grow(" + arr + "[0], 1);\n";
        c.out += "  if (!_mc_r) " + oom + "\n";
        c.out += "  *_mc_r = (double)_mc_c / (" + double_text(static_cast<double>(mon.size > 0 ? mon.size : 1)) +
                 " * MC_DT);\n";
        break;
      }
    }
    c.out += "  return 0;\n}\n\n";
  }
}

}  // namespace modelc::backends::cpu
