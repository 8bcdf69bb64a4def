// Lowering of synapse groups (v1 and IR v2): storage, connectivity rule, initial values, one kernel
// per pathway (homogeneous delays read the spike history; heterogeneous delays use the per-pathway
// delivery queue; on_post pathways use the transposed index), (summed) variables and clock-driven
// synaptic state updates.
#include <algorithm>
#include <cmath>

#include "abi/delay_rounding.h"
#include "passes/model/constant_folding.h"
#include "passes/lowering/kernel_lowering.h"

namespace modelc::passes::lowering {

namespace {
// The rounding generated modules apply to heterogeneous delays (docs/ir-v2.md "Delay rounding").
int64_t delay_steps(double delay, double dt) { return mc_delay_steps(delay, dt); }
std::string delay_variable(const ir::Pathway& pw) { return pw.name == "pre" ? "delay" : "delay_" + pw.name; }
std::string summed_target(const ir::Equation& eq) {
  std::string var = eq.name;
  if (var.size() > 5 && var.compare(var.size() - 5, 5, "_post") == 0) var = var.substr(0, var.size() - 5);
  return var;
}
}  // namespace

std::vector<size_t> Lowerer::creation_to_csr(const ir::SynapseGroup& s) const {
  if (s.connect.kind != ir::ConnectSpec::Kind::Explicit) return {};
  // mc_csr_from_pairs is a stable counting sort by i: reproduce its positions.
  const int64_t ns = s.source.stop - s.source.start;
  std::vector<size_t> start(static_cast<size_t>(ns) + 1, 0), perm(s.connect.i.size());
  for (int64_t i : s.connect.i) ++start[static_cast<size_t>(i) + 1];
  for (size_t k = 1; k < start.size(); ++k) start[k] += start[k - 1];
  for (size_t k = 0; k < s.connect.i.size(); ++k) perm[k] = start[static_cast<size_t>(s.connect.i[k])]++;
  return perm;
}

void Lowerer::add_initial_arrays(const std::string& owner, const std::vector<ir::NamedExpr>& init,
                                 const std::vector<size_t>* perm) {
  for (const auto& ie : init) {
    if (!ie.values) continue;
    std::string b = buffer(owner, ie.name);
    for (auto& buf : prog_.buffers) {
      if (buf.name != b) continue;
      buf.init_values = *ie.values;
      if (perm && perm->size() == ie.values->size())
        for (size_t k = 0; k < perm->size(); ++k) buf.init_values[(*perm)[k]] = (*ie.values)[k];
    }
  }
}

void Lowerer::add_synapse_storage(const ir::SynapseGroup& s) {
  bool event_driven = false;
  for (const auto& eq : s.equations) {
    event_driven |= eq.has_flag(ir::EquationFlag::EventDriven);
    // (constant over dt) subexpressions are stored, one value per synapse (IR v2).
    if (eq.kind == ir::Equation::Kind::Parameter || eq.kind == ir::Equation::Kind::Differential ||
        (eq.kind == ir::Equation::Kind::Subexpression && eq.has_flag(ir::EquationFlag::ConstantOverDt)))
      add_buffer(s.name, eq.name, type_of(eq.type), kir::BufferRole::SynapseState, eq.has_flag(ir::EquationFlag::Shared) ? 1 : 0,
                 eq.type == ir::ValueType::Float ? eq.dim.to_string() : "1");
  }
  if (event_driven) add_buffer(s.name, "lastupdate", Type::Double, kir::BufferRole::SynapseState, 0, "second");
  std::vector<size_t> perm = creation_to_csr(s);
  int64_t known = s.connect.kind == ir::ConnectSpec::Kind::Explicit ? static_cast<int64_t>(s.connect.i.size()) : -1;
  auto check_size = [&](size_t n, const std::string& what, const std::string& ptr) {
    if (known >= 0 && static_cast<int64_t>(n) != known)
      diags_.error(what + " has " + std::to_string(n) + " values, but the group has " + std::to_string(known) + " synapses",
                   ptr, "give one value per synapse, in the order of the connections");
  };
  for (const auto& pw : s.pathways) {
    if (!pw.heterogeneous_delay()) continue;
    add_buffer(s.name, delay_variable(pw), Type::Double, kir::BufferRole::SynapseState, 0, "second");
    if (pw.delay_values) {
      check_size(pw.delay_values->size(), "the delay array of pathway '" + pw.name + "'", pw.delay_pointer);
      ir::NamedExpr ne;
      ne.name = delay_variable(pw);
      ne.values = pw.delay_values;
      add_initial_arrays(s.name, {ne}, &perm);
    }
  }
  for (const auto& ie : s.initial)
    if (ie.values) check_size(ie.values->size(), "the initial array of '" + ie.name + "'", ie.json_pointer);
  add_initial_arrays(s.name, s.initial, &perm);
}

void Lowerer::lower_synapse_group(const ir::SynapseGroup& s) {
  model::SymbolTable scope = model::synapse_scope(m_, s);
  CodeContext c;
  c.scope = &scope;
  c.syn = &s;
  kir::SynapseGroup sg;
  sg.name = s.name;
  sg.source = s.source.group;
  sg.source_offset = s.source.start;
  sg.source_size = s.source.stop - s.source.start;
  sg.target = s.target.group;
  sg.target_offset = s.target.start;
  sg.target_size = s.target.stop - s.target.start;
  const ir::Pathway* pre = s.find_pathway("pre");
  sg.delay_steps = pre && !pre->post && pre->delay ? delay_steps(pre->delay->value, m_.dt) : 0;
  sg.connect = lower_connect(s, c);
  decisions_.emplace_back("connectivity of " + s.name + ": sparse u32, pre kept, presynaptic push",
                          "the default storage (CSR); choose-connectivity (-O1 and above) chooses by a cost model");
  if (sg.delay_steps > 0 && pre && !pre->heterogeneous_delay())
    decisions_.emplace_back("delay of " + s.name + ": " + std::to_string(sg.delay_steps) + " steps",
                            "homogeneous delay: spikes are read from the source's spike history ring");

  // Initial values (and heterogeneous delay expressions, which may use them).
  kir::Block init_body;
  for (const auto& ie : s.initial) {
    if (!ie.expr) continue;  // arrays: Buffer::init_values
    ir::Stmt st;
    st.target = ie.name;
    st.value = model::fold_constants(ie.expr, scope);
    statement(st, c, init_body);
  }
  prog_.synapse_groups.push_back(sg);
  const size_t sg_index = prog_.synapse_groups.size() - 1;
  for (const auto& pw : s.pathways) lower_pathway(s, pw, prog_.synapse_groups[sg_index], c, init_body);
  if (!init_body.empty()) {
    kir::Kernel k;
    k.name = unique_name(s.name + "_init");
    k.domain = {kir::Domain::Kind::Synapses, "", s.name};
    k.body = std::move(init_body);
    prog_.init_kernels.push_back(add_kernel(std::move(k)));
  }

  // (summed) variables: zero the target slice, then add every synapse's value. Brian2's
  // SummedVariableUpdater runs in the groups slot at the target's order - 1, before its state update.
  const ir::NeuronGroup* target = m_.find_group(s.target.group);
  const int64_t summed_order = (target ? target->order : 0) - 1;
  for (const auto& eq : s.equations) {
    if (eq.kind != ir::Equation::Kind::Subexpression || !eq.has_flag(ir::EquationFlag::Summed)) continue;
    std::string target_buf = buffer(s.target.group, summed_target(eq));
    const kir::Buffer* tb = prog_.find_buffer(target_buf);
    if (!tb) continue;  // reported by resolve-names
    kir::Kernel zero;
    zero.name = unique_name(s.name + "_summed_" + eq.name + "_zero");
    zero.domain = {kir::Domain::Kind::Neurons, s.target.group, ""};
    zero.domain.offset = s.target.start;
    zero.domain.size = s.target.stop - s.target.start;
    kir::Stmt z;
    z.kind = kir::Stmt::Kind::Store;
    z.name = target_buf;
    z.type = tb->type;
    z.index = kir::builtin("i", Type::Int64);
    z.value = is_floating(tb->type) ? kir::lit(0, tb->type) : kir::lit_int(0, tb->type);
    zero.body.push_back(z);
    const size_t zero_kernel = add_kernel(std::move(zero));
    kir::Kernel sum;
    sum.name = unique_name(s.name + "_summed_" + eq.name);
    sum.domain = {kir::Domain::Kind::Synapses, "", s.name};
    c.locals.clear();
    kir::Stmt acc;
    acc.kind = kir::Stmt::Kind::Accumulate;
    acc.op = ir::Op::Add;
    acc.conflicting = true;
    acc.name = target_buf;
    acc.type = tb->type;
    acc.index = s.target.start == 0 ? kir::builtin("j", Type::Int64)
                                    : kir::binary(ir::Op::Add, kir::builtin("j", Type::Int64), kir::lit_int(s.target.start), Type::Int64);
    acc.value = convert(expr(model::fold_constants(eq.expr, scope), c), tb->type);
    sum.body.push_back(acc);
    auto it = s.summed_schedule.find(eq.name);
    schedule(it == s.summed_schedule.end() ? ir::Scheduling{} : it->second, "groups", summed_order,
             s.name + "_summed_variable_" + eq.name, {zero_kernel, add_kernel(std::move(sum))});
    decisions_.emplace_back("summed variable " + eq.name + " of " + s.name,
                            "zeroed and re-summed over all synapses every step (by default in the groups slot, before the "
                            "target's state update)");
  }
  c.locals.clear();
  lower_constant_over_dt(s, scope);
  // Clock-driven synaptic ODEs.
  if (!s.state_update.empty()) {
    c.locals.clear();
    std::vector<ir::Stmt> code = s.state_update;
    for (auto& st : code) st.value = model::fold_constants(st.value, scope);
    std::vector<size_t> kernels;
    add_split_kernels(s.name + "_update", {kir::Domain::Kind::Synapses, "", s.name}, 1, code, c, kernels);
    schedule(s.state_update_schedule, "groups", s.order, s.name + "_stateupdater", kernels);
  }
  // run_regularly over every synapse: as for neuron groups (kernel_lowering_events_inputs.cpp),
  // Brian2's names and order, and the start slot before the state monitors.
  for (size_t n = 0; n < s.run_regularly.size(); ++n) {
    const ir::RunRegularly& rr = s.run_regularly[n];
    c.locals.clear();
    std::vector<ir::Stmt> code = rr.code;
    for (auto& st : code) st.value = model::fold_constants(st.value, scope);
    std::vector<size_t> kernels;
    add_split_kernels(s.name + "_run_regularly", {kir::Domain::Kind::Synapses, "", s.name}, rr.every_steps, code, c, kernels);
    const std::string when = rr.schedule.when.value_or("start");
    schedule(rr.schedule, when, when == "start" ? -1 : 0,
             s.name + "_run_regularly" + (n ? "_" + std::to_string(n) : std::string()), kernels);
  }
}

void Lowerer::lower_pathway(const ir::SynapseGroup& s, const ir::Pathway& pw, kir::SynapseGroup& sg, CodeContext& c,
                            kir::Block& init_body) {
  model::SymbolTable scope = model::synapse_scope(m_, s);
  kir::SynapseGroup::Pathway kp;
  kp.name = pw.name;
  kp.post = pw.post;
  kp.event = pw.event;
  kp.delay_steps = pw.delay ? delay_steps(pw.delay->value, m_.dt) : 0;
  if (pw.heterogeneous_delay()) {
    kp.delay_buffer = buffer(s.name, delay_variable(pw));
    kp.buffering = kir::SynapseGroup::Pathway::Buffering::Queues;  // choose-delay-buffering may change it
    if (pw.delay_expr) {
      c.locals.clear();
      kir::Stmt st;
      st.kind = kir::Stmt::Kind::Store;
      st.name = kp.delay_buffer;
      st.type = Type::Double;
      st.index = kir::builtin("syn", Type::Int64);
      st.value = convert(expr(model::fold_constants(pw.delay_expr, scope), c), Type::Double);
      init_body.push_back(st);
    }
    decisions_.emplace_back("delay of " + s.name + "." + pw.name + ": heterogeneous",
                            "per-synapse delays rounded to steps at init (int(delay/dt + 0.5), as Brian2's C++ spike queue); events are "
                            "delivered through a ring of per-step synapse lists");
  }
  if (pw.post) sg.needs_transpose = true;
  sg.pathways.push_back(kp);
  // The triggering population keeps enough history for a homogeneous delay.
  const std::string& pop_name = pw.post ? s.target.group : s.source.group;
  for (auto& pop : prog_.populations) {
    if (pop.name != pop_name) continue;
    int64_t depth = kp.delay_buffer.empty() ? kp.delay_steps + 1 : 1;
    if (pw.event == "spike") pop.history = std::max(pop.history, depth);
    for (auto& ev : pop.events)
      if (ev.name == pw.event) ev.history = std::max(ev.history, depth);
  }

  kir::Kernel k;
  k.name = unique_name(s.name + "_" + pw.name);
  k.domain.kind = !kp.delay_buffer.empty() ? kir::Domain::Kind::QueuedEvents
                  : pw.post                ? kir::Domain::Kind::PostSynapticEvents
                                           : kir::Domain::Kind::SynapticEvents;
  k.domain.synapses = s.name;
  k.domain.pathway = pw.name;
  k.domain.event = pw.event;
  c.locals.clear();
  std::vector<ir::Stmt> code = pw.event_driven_update;
  code.insert(code.end(), pw.code.begin(), pw.code.end());
  for (auto& st : code) st.value = model::fold_constants(st.value, scope);
  statements(code, c, k.body);
  if (!pw.event_driven_update.empty()) {
    kir::Stmt lu;
    lu.kind = kir::Stmt::Kind::Store;
    lu.name = buffer(s.name, "lastupdate");
    lu.type = Type::Double;
    lu.index = kir::builtin("syn", Type::Int64);
    lu.value = kir::builtin("t", Type::Double);
    k.body.push_back(lu);
  }
  // Brian2's SynapticPathway: order -1 for pre pathways, 1 for post pathways.
  schedule(pw.schedule, "synapses", pw.post ? 1 : -1, s.name + "_" + pw.name, {add_kernel(std::move(k))});
}

kir::ExprP Lowerer::synapse_degree(const std::string& name, const ir::SynapseGroup& s) {
  const bool incoming = name == "N_incoming";
  if (buffer(s.name, name).empty()) {
    add_buffer(s.name, name, Type::Int32, kir::BufferRole::Internal,
               incoming ? s.target.stop - s.target.start : s.source.stop - s.source.start, "1");
    if (std::find(degree_groups_.begin(), degree_groups_.end(), s.name) == degree_groups_.end())
      degree_groups_.push_back(s.name);
  }
  // Slice-relative, like i and j in synapse code.
  return kir::load(buffer(s.name, name), Type::Int32, kir::builtin(incoming ? "j" : "i", Type::Int64));
}

// One init kernel per group that reads a degree: every synapse adds one to its target's and its
// source's count (zero-filled at creation). Integer sums are exact in any order, so backends may
// add concurrently. It runs before every synaptic initialiser, which may read the counts.
void Lowerer::add_degree_kernels() {
  for (const std::string& g : degree_groups_) {
    kir::Kernel k;
    k.name = unique_name(g + "_degrees");
    k.domain = {kir::Domain::Kind::Synapses, "", g};
    for (const auto& [var, index] : {std::pair{"N_incoming", "j"}, std::pair{"N_outgoing", "i"}}) {
      std::string b = buffer(g, var);
      if (b.empty()) continue;
      kir::Stmt acc;
      acc.kind = kir::Stmt::Kind::Accumulate;
      acc.op = ir::Op::Add;
      acc.conflicting = true;
      acc.name = b;
      acc.type = Type::Int32;
      acc.index = kir::builtin(index, Type::Int64);
      acc.value = kir::lit_int(1, Type::Int32);
      k.body.push_back(acc);
    }
    auto first_synaptic = std::find_if(prog_.init_kernels.begin(), prog_.init_kernels.end(),
                                       [&](size_t ki) { return !prog_.kernels[ki].domain.synapses.empty(); });
    const auto at = first_synaptic - prog_.init_kernels.begin();
    prog_.init_kernels.insert(prog_.init_kernels.begin() + at, add_kernel(std::move(k)));
    decisions_.emplace_back("N_incoming / N_outgoing of " + g,
                            "counted once at init, after the synapses are built and before their initialisers");
  }
}

}  // namespace modelc::passes::lowering
