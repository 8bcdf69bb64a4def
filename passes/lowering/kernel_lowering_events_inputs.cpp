// Lowering of the IR v2 neuron-level constructs: spike generators, custom events, run_regularly,
// PoissonInputs, TimedArray lookups, and the v2 monitor forms.
#include <algorithm>
#include <cmath>

#include "passes/model/constant_folding.h"
#include "passes/lowering/kernel_lowering.h"

namespace modelc::passes::lowering {

void Lowerer::add_timed_array_buffers() {
  for (const auto& ta : m_.timed_arrays) {
    add_buffer("_timed_arrays", ta.name, scalar_, kir::BufferRole::Table, static_cast<int64_t>(ta.values.size()),
               ta.dim.to_string());
    prog_.buffers.back().init_values = ta.values;
  }
}

// Brian2's TimedArray lookup (brian2/input/timedarray.py): with K = max(2^ceil(log2(8*dt_ta/dt)), 1)
// and epsilon = dt_ta/K, row = int((t/epsilon + 0.5)/K), clamped to [0, rows - 1]; 2-D arrays are
// indexed [row, i].
kir::ExprP Lowerer::timed_array_call(const ir::Expr& e, CodeContext& c) {
  const ir::TimedArray* ta = m_.find_timed_array(e.name);
  size_t want = ta->two_d ? 2 : 1;
  if (e.args.size() != want) {
    diags_.error_at(e.loc, "the TimedArray '" + e.name + "' takes " + (ta->two_d ? "(t, i)" : "(t)") + ", but is called with " +
                               std::to_string(e.args.size()) + " arguments",
                    ta->two_d ? "2-D TimedArrays are called as name(t, i)" : "1-D TimedArrays are called as name(t)");
    return kir::lit(0, scalar_);
  }
  double K = std::max(std::pow(2.0, std::ceil(std::log2(8.0 / m_.dt * ta->dt))), 1.0);
  double epsilon = ta->dt / K;
  bool saved = c.double_literals;
  c.double_literals = true;
  auto t = convert(expr(e.args[0], c), Type::Double);
  c.double_literals = saved;
  auto scaled = kir::binary(ir::Op::Add, kir::binary(ir::Op::Div, t, kir::lit(epsilon, Type::Double), Type::Double),
                            kir::lit(0.5, Type::Double), Type::Double);
  auto row = kir::cast(kir::binary(ir::Op::Div, scaled, kir::lit(K, Type::Double), Type::Double), Type::Int64);
  row = kir::call("clip", {row, kir::lit_int(0), kir::lit_int(ta->rows - 1)}, Type::Int64);
  kir::ExprP index = row;
  if (ta->two_d) {
    auto i = convert(expr(e.args[1], c), Type::Int64);
    index = kir::binary(ir::Op::Add, kir::binary(ir::Op::Mul, row, kir::lit_int(ta->columns), Type::Int64),
                        kir::call("clip", {i, kir::lit_int(0), kir::lit_int(ta->columns - 1)}, Type::Int64), Type::Int64);
  }
  return kir::load(buffer("_timed_arrays", ta->name), scalar_, index);
}

void Lowerer::lower_neuron_group_v2(const ir::NeuronGroup& g, const model::SymbolTable& scope) {
  kir::Population* pop = nullptr;
  for (auto& p : prog_.populations)
    if (p.name == g.name) pop = &p;
  if (!pop) return;
  auto ctx = [&]() {
    CodeContext c;
    c.scope = &scope;
    c.group = &g;
    return c;
  };
  if (g.kind == ir::NeuronGroup::Kind::SpikeGenerator) {
    kir::SpikeGeneratorTable table;
    std::vector<std::pair<int64_t, int64_t>> spikes;
    for (size_t k = 0; k < g.generator_indices.size(); ++k)
      spikes.emplace_back(std::llround(g.generator_times[k] / m_.dt), g.generator_indices[k]);
    std::sort(spikes.begin(), spikes.end());
    for (const auto& [st, ix] : spikes) {
      table.steps.push_back(st);
      table.indices.push_back(ix);
    }
    table.period_steps = g.generator_period > 0 ? std::llround(g.generator_period / m_.dt) : 0;
    pop->generator = std::move(table);
    kir::Kernel k;
    k.name = unique_name(g.name + "_generator");
    k.domain = {kir::Domain::Kind::SpikeGenerator, g.name, ""};
    k.emits_spikes = true;
    // Brian2's SpikeGeneratorGroup is itself the operation (thresholds slot).
    emitted_at_[{g.name, "spike"}] = schedule(g.threshold_schedule, "thresholds", g.order, g.name, {add_kernel(std::move(k))});
  }
  for (const auto& ev : g.events) {
    pop->events.push_back({ev.name, 1});
    CodeContext c = ctx();
    kir::Kernel k;
    k.name = unique_name(g.name + "_event_" + ev.name);
    k.domain = {kir::Domain::Kind::Neurons, g.name, ""};
    k.emits_spikes = true;
    k.event = ev.name;
    auto cond = convert(expr(model::fold_constants(ev.condition, scope), c), Type::Bool);
    if (ev.refractory && g.refractory.kind != ir::Refractory::Kind::None)
      cond = kir::binary(ir::Op::And, cond,
                         kir::load(buffer(g.name, "not_refractory"), Type::Bool, kir::builtin("i", Type::Int64)), Type::Bool);
    kir::Stmt iff;
    iff.kind = kir::Stmt::Kind::If;
    iff.value = cond;
    kir::Stmt emit;
    emit.kind = kir::Stmt::Kind::EmitSpike;
    emit.index = kir::builtin("i", Type::Int64);
    iff.then_body.push_back(emit);
    k.body.push_back(iff);
    // Brian2 checks custom events in after_thresholds, after every spike threshold.
    emitted_at_[{g.name, ev.name}] = schedule(ev.condition_schedule, "after_thresholds", g.order,
                                              g.name + "_" + ev.name + "_thresholder", {add_kernel(std::move(k))});
    if (!ev.code.empty()) {
      CodeContext rc = ctx();
      kir::Kernel r;
      r.name = unique_name(g.name + "_event_" + ev.name + "_code");
      r.domain = {kir::Domain::Kind::Spikes, g.name, ""};
      r.domain.event = ev.name;
      std::vector<ir::Stmt> code = ev.code;
      for (auto& st : code) st.value = model::fold_constants(st.value, scope);
      statements(code, rc, r.body);
      // run_on_event's default slot: after every reset.
      schedule(ev.code_schedule, "after_resets", g.order, g.name + "_" + ev.name + "_resetter", {add_kernel(std::move(r))});
    }
  }
  for (size_t n = 0; n < g.run_regularly.size(); ++n) {
    const ir::RunRegularly& rr = g.run_regularly[n];
    std::vector<ir::Stmt> code = rr.code;
    for (auto& st : code) st.value = model::fold_constants(st.value, scope);
    // Writes to (shared) variables run once per operation (golden decision 7), before the rest.
    std::vector<size_t> kernels;
    add_split_kernels(g.name + "_run_regularly", {kir::Domain::Kind::Neurons, g.name, ""}, rr.every_steps, code, ctx(),
                      kernels);
    // Brian2's default names (G_run_regularly, G_run_regularly_1, ...) and order 0, except in the start
    // slot, where modelc runs them before the state monitors record (golden decision 1).
    const std::string when = rr.schedule.when.value_or("start");
    schedule(rr.schedule, when, when == "start" ? -1 : 0,
             g.name + "_run_regularly" + (n ? "_" + std::to_string(n) : std::string()), kernels);
  }
}

// PoissonInput: `variable += binomial(N, rate*dt) * weight` for every neuron of the target slice,
// in the synapses slot, as Brian2's PoissonInput code object.
void Lowerer::lower_poisson_inputs() {
  for (size_t n = 0; n < m_.poisson_inputs.size(); ++n) {
    const ir::PoissonInput& pi = m_.poisson_inputs[n];
    const ir::NeuronGroup* g = m_.find_group(pi.target.group);
    if (!g) continue;
    model::SymbolTable scope = model::neuron_scope(m_, *g);
    CodeContext c;
    c.scope = &scope;
    c.group = g;
    std::string buf = buffer(g->name, pi.variable);
    const kir::Buffer* b = prog_.find_buffer(buf);
    if (!b) continue;
    kir::Kernel k;
    k.name = unique_name(pi.name);
    k.domain = {kir::Domain::Kind::Neurons, g->name, ""};
    k.domain.offset = pi.target.start;
    k.domain.size = pi.target.stop - pi.target.start;
    auto draw = std::make_shared<kir::Expr>();
    draw->kind = kir::Expr::Kind::Random;
    draw->type = scalar_;
    draw->name = "binomial";
    draw->stream = next_stream_++;
    draw->args = {kir::lit_int(pi.n), kir::lit(pi.rate * m_.dt, Type::Double)};
    auto w = expr(model::fold_constants(pi.weight, scope), c);
    Type t = promote(promote(w->type, scalar_), b->type);
    kir::Stmt st;
    st.kind = kir::Stmt::Kind::Store;
    st.name = buf;
    st.type = b->type;
    st.index = kir::builtin("i", Type::Int64);
    st.value = convert(kir::binary(ir::Op::Add, convert(kir::load(buf, b->type, st.index), t),
                                   kir::binary(ir::Op::Mul, convert(draw, t), convert(w, t), t), t),
                       b->type);
    k.body.push_back(guard_conditional_write(std::move(st), g->name, pi.variable, c));
    // Brian2's PoissonInput takes no name: its objects are poissoninput, poissoninput_1, ...
    schedule(pi.schedule, "synapses", 0, "poissoninput" + (n ? "_" + std::to_string(n) : std::string()),
             {add_kernel(std::move(k))});
    bool normal = pi.n * pi.rate * m_.dt > 5 && pi.n * (1 - pi.rate * m_.dt) > 5;
    decisions_.emplace_back("PoissonInput " + pi.name + ": " + (normal ? "normal approximation" : "binomial inversion"),
                            "as Brian2's BinomialFunction: normal approximation when N p > 5 and N (1 - p) > 5");
  }
}

void Lowerer::lower_monitor_v2(const ir::Monitor& mon, kir::Monitor& km) {
  if (mon.kind == ir::Monitor::Kind::Spikes && mon.event != "spike") km.event = mon.event;
  if (mon.synapses) {
    km.synapses = mon.synapse_group;
    km.population.clear();
    km.offset = 0;
    km.size = 0;
    // Indices are Brian2's synapse indices (creation order); storage is CSR order.
    const ir::SynapseGroup* sg = m_.find_synapses(mon.synapse_group);
    std::vector<size_t> perm = sg ? creation_to_csr(*sg) : std::vector<size_t>{};
    km.indices.clear();
    km.storage_indices.clear();
    if (mon.indices) {
      for (int64_t x : *mon.indices) {
        if (!perm.empty() && x >= static_cast<int64_t>(perm.size())) {
          diags_.error("synapse index " + std::to_string(x) + " is outside the " + std::to_string(perm.size()) +
                           " synapses of '" + mon.synapse_group + "'",
                       mon.json_pointer + "/indices", "synapse indices start at 0 in connection order");
          continue;
        }
        km.indices.push_back(x);
        km.storage_indices.push_back(perm.empty() ? x : static_cast<int64_t>(perm[static_cast<size_t>(x)]));
      }
    } else if (!perm.empty()) {
      for (size_t k = 0; k < perm.size(); ++k) {
        km.indices.push_back(static_cast<int64_t>(k));
        km.storage_indices.push_back(static_cast<int64_t>(perm[k]));
      }
    } else {
      km.indices.clear();  // all synapses: resolved at run time (mc_monitor_info.num_indices = -1)
      km.all_synapses = true;
    }
  }
}

}  // namespace modelc::passes::lowering
