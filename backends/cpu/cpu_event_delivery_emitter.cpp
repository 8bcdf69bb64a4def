// Event delivery of the CPU module beyond spikes along CSR rows: custom event lists, spike
// generators, the transposed (post-major) index of on_post pathways, and the delivery queues of
// heterogeneous delays (docs/ir-v2.md; kernel IR: Domain::Kind::PostSynapticEvents / QueuedEvents /
// SpikeGenerator).
#include "backends/cpu/cpu_emit_context.h"

namespace modelc::backends::cpu {

namespace {

std::string syn_field(int g, const std::string& what) { return "m->syn" + std::to_string(g) + "_" + what; }

int event_index(const kir::Population& pop, const std::string& event) {
  for (size_t e = 0; e < pop.events.size(); ++e)
    if (pop.events[e].name == event) return static_cast<int>(e);
  return -1;
}

}  // namespace

std::string event_field(const EmitContext& c, int pk, const std::string& event, const char* what) {
  const kir::Population& pop = c.p.populations[pk];
  int e = event.empty() || event == "spike" ? -1 : event_index(pop, event);
  return "m->pop" + std::to_string(pk) + (e < 0 ? "" : "_ev" + std::to_string(e)) + "_" + what;
}

int64_t event_history(const EmitContext& c, int pk, const std::string& event) {
  const kir::Population& pop = c.p.populations[pk];
  int e = event.empty() || event == "spike" ? -1 : event_index(pop, event);
  int64_t h = e < 0 ? pop.history : pop.events[e].history;
  return h < 1 ? 1 : h;
}

// One slot more than the history: a thread may write the next step's events while another still
// delivers the oldest ones, with no barrier between (cpu_step_schedule.h).
int64_t ring_depth(const EmitContext& c, int pk, const std::string& event) { return event_history(c, pk, event) + 1; }

bool check_event(EmitContext& c, int pk, const std::string& event, const std::string& who) {
  if (event.empty() || event == "spike" || event_index(c.p.populations[pk], event) >= 0) return true;
  c.error(who + " uses event '" + event + "', which population '" + c.p.populations[pk].name + "' does not have");
  return false;
}

void emit_delivery_fields(EmitContext& c) {
  const kir::Program& p = c.p;
  for (size_t k = 0; k < p.populations.size(); ++k)
    for (size_t e = 0; e < p.populations[k].events.size(); ++e) {
      std::string f = "pop" + std::to_string(k) + "_ev" + std::to_string(e);
      c.out += "  int32_t* " + f + "_spikes;  // event " + p.populations[k].events[e].name + "\n";
      c.out += "  int64_t* " + f + "_count;\n  int64_t " + f + "_total;\n";
    }
  for (size_t g = 0; g < p.synapse_groups.size(); ++g) {
    const kir::SynapseGroup& sg = p.synapse_groups[g];
    std::string gs = std::to_string(g);
    if (sg.needs_transpose) c.out += "  int64_t* syn" + gs + "_col;\n  int32_t* syn" + gs + "_colsyn;\n";
    for (size_t w = 0; w < sg.pathways.size(); ++w)
      if (!sg.pathways[w].delay_buffer.empty())
        c.out += "  int32_t* syn" + gs + "_dl" + std::to_string(w) + ";\n" +
                 (is_dendritic(sg.pathways[w]) ? "  int64_t syn" + gs + "_rd" + std::to_string(w) + ";  // ring depth\n"
                                               : "  mc_queue* syn" + gs + "_q" + std::to_string(w) + "[" + std::to_string(kMaxTeam) +
                                                     "];  // per thread of the team (syn" + gs + "_nq" + std::to_string(w) +
                                                     "), each for its range of targets\n  int32_t syn" + gs + "_nq" +
                                                     std::to_string(w) + ";\n");
  }
}

void emit_event_lists_create(EmitContext& c) {
  const kir::Program& p = c.p;
  for (size_t k = 0; k < p.populations.size(); ++k)
    for (size_t e = 0; e < p.populations[k].events.size(); ++e) {
      const kir::Population& pop = p.populations[k];
      std::string f = "m->pop" + std::to_string(k) + "_ev" + std::to_string(e);
      std::string h = int_text(ring_depth(c, static_cast<int>(k), pop.events[e].name));
      c.out += "  MC_ALLOC(" + f + "_spikes, int32_t, " + h + " * " + int_text(pop.size) + ", " +
               c_string("the " + pop.events[e].name + " event buffer of " + pop.name) + ")\n";
      c.out += "  MC_ALLOC(" + f + "_count, int64_t, " + h + ", " + c_string("the event counts of " + pop.name) + ")\n";
    }
}

void emit_delivery_destroy(EmitContext& c) {
  const kir::Program& p = c.p;
  for (size_t k = 0; k < p.populations.size(); ++k)
    for (size_t e = 0; e < p.populations[k].events.size(); ++e) {
      std::string f = "m->pop" + std::to_string(k) + "_ev" + std::to_string(e);
      c.out += "  mc_free(" + f + "_spikes);\n  mc_free(" + f + "_count);\n";
    }
  for (size_t g = 0; g < p.synapse_groups.size(); ++g) {
    const kir::SynapseGroup& sg = p.synapse_groups[g];
    if (sg.needs_transpose) c.out += "  mc_free(" + syn_field(g, "col") + ");\n  mc_free(" + syn_field(g, "colsyn") + ");\n";
    for (size_t w = 0; w < sg.pathways.size(); ++w)
      if (!sg.pathways[w].delay_buffer.empty())
        c.out += "  mc_free(" + syn_field(g, "dl" + std::to_string(w)) + ");\n" +
                 (is_dendritic(sg.pathways[w]) ? std::string()  // the ring is a buffer, freed with them
                                               : "  for (int _q = 0; _q < " + syn_field(g, "nq" + std::to_string(w)) +
                                                     "; ++_q) mc_queue_free(" + syn_field(g, "q" + std::to_string(w)) + "[_q]);\n");
  }
}

void emit_delay_queues_init(EmitContext& c) {
  const kir::Program& p = c.p;
  const std::string fail = "{ m->failed = 1; return 1; }";
  for (size_t g = 0; g < p.synapse_groups.size(); ++g) {
    const kir::SynapseGroup& sg = p.synapse_groups[g];
    std::string gs = std::to_string(g), T = int_text(sg.target_size);
    if (sg.needs_transpose) {
      // Counting sort of the synapses by post index: stable, so each column is in ascending order.
      c.out += "  {\n    const int64_t _n = " + syn_field(g, "n") + ";\n";
      c.out += "    if (!(" + syn_field(g, "col") + " = (int64_t*)mc_alloc(mc_bytes(" + T + " + 1, sizeof(int64_t)), " +
               c_string("the transposed index of " + sg.name) + ", m->error, sizeof m->error))) " + fail + "\n";
      c.out += "    if (!(" + syn_field(g, "colsyn") + " = (int32_t*)mc_alloc(mc_bytes(_n, sizeof(int32_t)), " +
               c_string("the transposed index of " + sg.name) + ", m->error, sizeof m->error))) " + fail + "\n";
      c.out += "    int64_t* _col = " + syn_field(g, "col") + ";\n    const int32_t* _post = " + syn_field(g, "post") + ";\n";
      c.out += "    for (int64_t s = 0; s < _n; ++s) ++_col[_post[s] + 1];\n";
      c.out += "    for (int64_t j = 0; j < " + T + "; ++j) _col[j + 1] += _col[j];\n";
      c.out += "    int64_t* _fill = (int64_t*)mc_alloc(mc_bytes(" + T + ", sizeof(int64_t)), \"scratch\", m->error, sizeof m->error);\n";
      c.out += "    if (!_fill) " + fail + "\n";
      c.out += "    for (int64_t j = 0; j < " + T + "; ++j) _fill[j] = _col[j];\n";
      c.out += "    for (int64_t s = 0; s < _n; ++s) " + syn_field(g, "colsyn") + "[_fill[_post[s]]++] = (int32_t)s;\n";
      c.out += "    mc_free(_fill);\n  }\n";
    }
    for (size_t w = 0; w < sg.pathways.size(); ++w) {
      const auto& pw = sg.pathways[w];
      if (pw.delay_buffer.empty()) continue;
      int bi = c.buffer_index(pw.delay_buffer);
      if (bi < 0) {
        c.error("pathway '" + pw.name + "' of '" + sg.name + "' uses unknown delay buffer '" + pw.delay_buffer + "'");
        continue;
      }
      std::string ws = std::to_string(w), dl = syn_field(g, "dl" + ws);
      c.out += "  {\n    const int64_t _n = " + syn_field(g, "n") + ";\n";
      c.out += "    if (!(" + dl + " = (int32_t*)mc_alloc(mc_bytes(_n, sizeof(int32_t)), " +
               c_string("the delays of " + sg.name + "." + pw.name) + ", m->error, sizeof m->error))) " + fail + "\n";
      // Parallel (it is a pass over every synapse of the network at mc_init); the first invalid
      // synapse is reported whatever the thread count.
      c.out += "    int64_t _max = 0, _bad = INT64_MAX;\n";
      c.out += "    int32_t* __restrict _dl = " + dl + ";\n";
      c.out += "    const auto* __restrict _dv = m->b_" + pw.delay_buffer + ";\n";
      c.out += "#pragma omp parallel for schedule(static) reduction(max : _max) reduction(min : _bad) if (_n >= 65536) "
               "num_threads(mc_threads(m))\n";
      c.out += "    for (int64_t s = 0; s < _n; ++s) {\n";
      c.out += "      const double _d = mc_delay_steps_real((double)_dv[s], MC_DT);\n";
      c.out += "      if (!(_d >= 0.0) || _d > 1.0e9) { if (s < _bad) _bad = s; continue; }\n";
      c.out += "      _dl[s] = (int32_t)_d;\n      if (_d > _max) _max = (int64_t)_d;\n    }\n";
      c.out += "    if (_bad != INT64_MAX) { snprintf(m->error, sizeof m->error, \"synapse %lld of " + sg.name +
               " has the invalid delay %g s (pathway " + pw.name + ")\", (long long)_bad, (double)_dv[_bad]); m->failed = 1; return 1; }\n";
      if (is_dendritic(pw))
        c.out += emit_dendritic_ring_alloc(c, static_cast<int>(g), w, "_max") + "  }\n";
      else
      {
        // One queue per thread of mc_run's team where the kernel is a team kernel: the number is
        // fixed here, and so is each queue's target range (docs/performance.md).
        const std::string nq = syn_field(g, "nq" + ws);
        if (c.team_queues.count({static_cast<int>(g), w}))
          c.out += "    " + nq + " = mc_threads(m) < 1 ? 1 : mc_threads(m) > " + std::to_string(kMaxTeam) + " ? " +
                   std::to_string(kMaxTeam) + " : mc_threads(m);\n";
        else
          c.out += "    " + nq + " = 1;\n";
        c.out += "    for (int _q = 0; _q < " + nq + "; ++_q)\n";
        c.out += "      if (!(" + syn_field(g, "q" + ws) + "[_q] = mc_queue_new(_max + 1))) return mc_fail(m, " +
                 c_string("out of memory creating the delivery queue of " + sg.name + "." + pw.name) + ");\n  }\n";
      }
    }
  }
}

// Domains only IR v2 produces. Returns false when `k` is none of them.
bool emit_delivery_domain(EmitContext& c, const kir::Kernel& k) {
  if (emit_dendritic_domain(c, k)) return true;
  const kir::Domain& d = k.domain;
  if (d.kind == kir::Domain::Kind::SpikeGenerator) {
    int pk = c.population_index(d.population);
    if (pk < 0 || !c.p.populations[pk].generator) {
      c.error("spike generator kernel '" + k.name + "' runs over a population without a generator table");
      c.out += "}\n\n";
      return true;
    }
    const kir::Population& pop = c.p.populations[pk];
    const auto& t = *pop.generator;
    std::string ks = std::to_string(pk), n = int_text(static_cast<int64_t>(t.steps.size()));
    c.out += "  const int64_t _mc_slot = step % " + int_text(ring_depth(c, pk, "")) + ";\n";
    c.out += "  int32_t* __restrict _mc_spk = m->pop" + ks + "_spikes + _mc_slot * " + int_text(pop.size) + ";\n";
    c.out += "  int64_t _mc_nspk = 0;\n";
    c.out += "  const int64_t _mc_s = " + (t.period_steps > 0 ? "step % " + int_text(t.period_steps) : std::string("step")) + ";\n";
    // First entry with steps >= _mc_s (binary search), then all entries of that step.
    c.out += "  int64_t _mc_lo = 0, _mc_hi = " + n + ";\n";
    c.out += "  while (_mc_lo < _mc_hi) { int64_t _mc_mid = (_mc_lo + _mc_hi) / 2; if (_mc_gen" + ks +
             "_steps[_mc_mid] < _mc_s) _mc_lo = _mc_mid + 1; else _mc_hi = _mc_mid; }\n";
    // Each rank emits its own neurons' entries (docs/distributed.md).
    c.out += "  for (; _mc_lo < " + n + " && _mc_gen" + ks + "_steps[_mc_lo] == _mc_s; ++_mc_lo) {\n";
    c.out += "    const int64_t _mc_i = _mc_gen" + ks + "_idx[_mc_lo];\n";
    c.out += "    if (_mc_i >= " + local_begin(pk) + " && _mc_i < " + local_end(c, pk, false) + ") _mc_spk[_mc_nspk++] = (int32_t)_mc_i;\n  }\n";
    c.out += "  m->pop" + ks + "_count[_mc_slot] = _mc_nspk;\n  m->pop" + ks + "_total += _mc_nspk;\n}\n\n";
    return true;
  }
  if (d.kind != kir::Domain::Kind::PostSynapticEvents && d.kind != kir::Domain::Kind::QueuedEvents) return false;
  int g = c.group_index(d.synapses);
  const kir::SynapseGroup* sg = g >= 0 ? &c.p.synapse_groups[g] : nullptr;
  const kir::SynapseGroup::Pathway* pw = sg ? sg->find_pathway(d.pathway) : nullptr;
  int pw_index = -1;
  if (pw) pw_index = static_cast<int>(pw - sg->pathways.data());
  if (!pw) {
    c.error("kernel '" + k.name + "' serves unknown pathway '" + d.pathway + "' of synapse group '" + d.synapses + "'");
    c.out += "}\n\n";
    return true;
  }
  const bool post = pw->post;
  int pk = c.population_index(post ? sg->target : sg->source);
  if (pk < 0 || !check_event(c, pk, pw->event, "pathway '" + pw->name + "' of '" + sg->name + "'")) {
    c.out += "}\n\n";
    return true;
  }
  if (post && !sg->needs_transpose) c.error("synapse group '" + sg->name + "' has a post pathway but no transposed index");
  const std::string off = int_text(post ? sg->target_offset : sg->source_offset);
  const std::string end = int_text(post ? sg->target_offset + sg->target_size : sg->source_offset + sg->source_size);
  const std::string spikes = event_field(c, pk, pw->event, "spikes"), count = event_field(c, pk, pw->event, "count");
  const int64_t history = event_history(c, pk, pw->event);
  const std::string size = int_text(c.p.populations[pk].size);
  c.out += "  const int64_t* __restrict _mc_row = " + syn_field(g, "row") + "; (void)_mc_row;\n";
  c.out += "  const int32_t* __restrict _mc_post = " + syn_field(g, "post") + ";\n";
  c.out += "  const int32_t* __restrict _mc_pre = " + syn_field(g, "pre") + ";\n";
  if (post) {
    c.out += "  const int64_t* __restrict _mc_col = " + syn_field(g, "col") + ";\n";
    c.out += "  const int32_t* __restrict _mc_colsyn = " + syn_field(g, "colsyn") + ";\n";
  }
  // The synapses of event neuron _mc_idx: its row (pre) or column (post).
  auto for_each_synapse = [&](const std::string& body, int indent) {
    std::string ind(2 * indent, ' ');
    std::string o;
    if (post) {
      o += ind + "const int64_t _mc_j = _mc_idx - " + off + ";\n";
      o += ind + "for (int64_t _mc_c = _mc_col[_mc_j]; _mc_c < _mc_col[_mc_j + 1]; ++_mc_c) {\n";
      o += ind + "  const int64_t syn = _mc_colsyn[_mc_c];\n";
    } else {
      o += ind + "const int64_t _mc_i = _mc_idx - " + off + ";\n";
      o += ind + "for (int64_t syn = _mc_row[_mc_i]; syn < _mc_row[_mc_i + 1]; ++syn) {\n";
    }
    o += body + ind + "}\n";
    return o;
  };
  auto bind_events = [&](const std::string& step_var) {
    c.out += "  const int64_t _mc_eslot = " + step_var + " % " + int_text(ring_depth(c, pk, pw->event)) + ";\n";
    c.out += "  const int32_t* __restrict _mc_ev = " + spikes + " + _mc_eslot * " + size + ";\n";
    c.out += "  const int64_t _mc_nev = " + count + "[_mc_eslot];\n";
  };
  auto run_body = [&](int indent) {
    std::string ind(2 * indent, ' ');
    c.out += ind + "const int64_t i = _mc_pre[syn]; (void)i;\n";
    c.out += ind + "const int64_t j = _mc_post[syn]; (void)j;\n";
    c.printer.block(k.body, indent, c.out);
  };
  if (d.kind == kir::Domain::Kind::PostSynapticEvents) {
    if (pw->delay_steps >= history)
      c.error("pathway '" + pw->name + "' of '" + sg->name + "' has a delay of " + std::to_string(pw->delay_steps) +
              " steps but the event history keeps only " + std::to_string(history));
    c.out += "  const int64_t _mc_src_step = step - " + int_text(pw->delay_steps) + ";\n";
    c.out += "  if (_mc_src_step < 0) return;\n";
    bind_events("_mc_src_step");
    // Every synapse is in one row or column and every neuron once in an event list, so a body that
    // writes only its synapse's and its target's elements touches each element at most once per
    // call: any split of the events among the team gives the serial result.
    if (target_owned(k.body)) {
      c.mark_team();
      c.out += "#pragma omp for schedule(static) nowait\n";
    }
    c.out += "  for (int64_t _mc_k = 0; _mc_k < _mc_nev; ++_mc_k) {\n";
    c.out += "    const int64_t _mc_idx = _mc_ev[_mc_k];\n";
    c.out += "    if (_mc_idx < " + off + " || _mc_idx >= " + end + ") continue;\n";
    std::string saved;
    std::swap(saved, c.out);
    run_body(3);
    std::string body;
    std::swap(body, c.out);
    c.out = std::move(saved);
    c.out += for_each_synapse(body, 2);
    c.out += "  }\n";
    if (target_owned(k.body)) c.out += "  mc_barrier(m);\n";
    c.out += "}\n\n";
    return true;
  }
  // QueuedEvents: insert this step's events, then deliver the due slot. Pre pathways of a
  // target-owned body are team kernels: queue q holds the events of thread q's targets (its blocks
  // of the target population, mc_own_targets, for the queue count fixed in mc_init), filled and
  // delivered by thread q in the serial order (event, then row order), so every target sees its
  // events in the serial order; a team of another size than the queue count leaves every queue, in
  // order, to thread 0, between two barriers of its own.
  std::string ws = std::to_string(pw_index);
  const bool team = !post && rows_ascending(c, g) && sg->target_size >= kTeamMinTargets && target_owned(k.body);
  if (team) {
    c.mark_team();
    c.mark_sharing(KernelSharing::Kind::OwnTargets);
    c.team_queues.insert({g, static_cast<size_t>(pw_index)});
  }
  const std::string T = int_text(sg->target_size);
  c.out += "  const int32_t* __restrict _mc_dl = " + syn_field(g, "dl" + ws) + ";\n";
  c.out += "  const int _mc_nq = " + syn_field(g, "nq" + ws) + ";\n";
  c.out += std::string("  const int _mc_t = ") + (team ? "mc_team_rank(), _mc_tn = mc_team_size()" : "0, _mc_tn = 1") + ";\n";
  c.out += "  const int _mc_own = _mc_tn == _mc_nq;\n  int _mc_oom = 0;\n";
  bind_events("step");
  if (team) c.out += "  if (!_mc_own) mc_barrier(m);\n";
  c.out += "  if (_mc_own || _mc_t == 0)\n";
  c.out += "  for (int _mc_qi = _mc_own ? _mc_t : 0; _mc_qi < (_mc_own ? _mc_t + 1 : _mc_nq) && !_mc_oom; ++_mc_qi) {\n";
  c.out += "  mc_queue* _mc_q = " + syn_field(g, "q" + ws) + "[_mc_qi];\n";
  const int tpk = c.population_index(sg->target);
  c.out += "  int64_t _mc_j0, _mc_j1;\n";
  c.out += "  mc_own_targets(" + local_begin(tpk) + ", " + local_end(c, tpk, false) + ", " + int_text(sg->target_offset) + ", " + T +
           ", _mc_qi, _mc_nq, &_mc_j0, &_mc_j1);\n";
  c.out += "  for (int64_t _mc_k = 0; _mc_k < _mc_nev && !_mc_oom; ++_mc_k) {\n";
  c.out += "    const int64_t _mc_idx = _mc_ev[_mc_k];\n";
  c.out += "    if (_mc_idx < " + off + " || _mc_idx >= " + end + ") continue;\n";
  const std::string push = "      if (mc_queue_push(_mc_q, (step + _mc_dl[syn]) % _mc_q->depth, (int32_t)syn)) { _mc_oom = 1; break; }\n";
  if (post) {
    c.out += for_each_synapse(push, 2);
  } else {
    // The row's synapses with targets in [_mc_j0, _mc_j1): rows ascend in j.
    c.out += "    const int64_t _mc_i = _mc_idx - " + off + ";\n";
    c.out += "    int64_t _mc_s0 = _mc_row[_mc_i], _mc_s1 = _mc_row[_mc_i + 1];\n";
    c.out += "    if (_mc_j0 > 0) MC_LOWER_BOUND(_mc_post, _mc_s0, _mc_s1, _mc_j0, _mc_s0);\n";
    c.out += "    if (_mc_j1 < " + T + ") MC_LOWER_BOUND(_mc_post, _mc_s0, _mc_s1, _mc_j1, _mc_s1);\n";
    c.out += "    for (int64_t syn = _mc_s0; syn < _mc_s1; ++syn) {\n" + push + "    }\n";
  }
  c.out += "  }\n";
  c.out += "  mc_queue_slot* _mc_due = &_mc_q->slots[step % _mc_q->depth];\n";
  c.out += "  for (int64_t _mc_k = 0; _mc_k < _mc_due->size; ++_mc_k) {\n";
  c.out += "    const int64_t syn = _mc_due->data[_mc_k];\n";
  run_body(2);
  c.out += "  }\n  _mc_due->size = 0;\n  }\n";
  c.out += "  if (_mc_oom) {\n#pragma omp critical(mc_queue_fail)\n    mc_fail(m, " +
           c_string("out of memory in the delivery queue of " + sg->name) + ");\n  }\n";
  if (team) c.out += "  if (!_mc_own) mc_barrier(m);\n";
  c.out += "}\n\n";
  return true;
}

}  // namespace modelc::backends::cpu
