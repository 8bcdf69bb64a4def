// Lowers the model IR to the kernel IR: one buffer per stored variable, one kernel per code object
// of Brian2's schedule (init, state update, threshold, synaptic propagation, reset), and the step
// schedule. Types are decided here: Brian2's Python semantics (true division, int/float promotion)
// become explicit casts, so every backend prints the same arithmetic.
#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

#include "passes/model/constant_folding.h"
#include "passes/lowering/kernel_lowering.h"
#include "passes/passes.h"
#include "passes/model/symbols.h"

namespace modelc::passes::lowering {
namespace {
const std::map<std::string, std::string> kFunctionNames = {
    {"exp", "exp"},     {"log", "log"},       {"log10", "log10"}, {"sqrt", "sqrt"},   {"abs", "fabs"},
    {"sin", "sin"},     {"cos", "cos"},       {"tan", "tan"},     {"sinh", "sinh"},   {"cosh", "cosh"},
    {"tanh", "tanh"},   {"arcsin", "asin"},   {"arccos", "acos"}, {"arctan", "atan"}, {"floor", "floor"},
    {"ceil", "ceil"},   {"expm1", "expm1"},   {"log1p", "log1p"}, {"exprel", "exprel"}, {"sign", "sign"},
    {"clip", "clip"}};

}  // namespace

std::pair<int, int64_t> Lowerer::schedule(const ir::Scheduling& s, const std::string& when, int64_t order,
                                          const std::string& name, const std::vector<size_t>& kernels) {
  std::vector<kir::Task> tasks;
  for (size_t k : kernels) tasks.push_back({kir::Task::Kind::RunKernel, k});
  schedule_tasks(s, when, order, name, std::move(tasks));
  return {operations_.back().slot, operations_.back().order};
}

void Lowerer::schedule_tasks(const ir::Scheduling& s, const std::string& when, int64_t order, const std::string& name,
                             std::vector<kir::Task> tasks) {
  Operation op;
  op.slot = ir::slot_index(s.when.value_or(when));  // the reader checked given slots
  op.order = s.order.value_or(order);
  op.name = name;
  op.tasks = std::move(tasks);
  operations_.push_back(std::move(op));
}

std::string Lowerer::unique_name(const std::string& base) {
  std::string n = base;
  for (int k = 2; used_names_.count(n); ++k) n = base + "_" + std::to_string(k);
  used_names_.insert(n);
  return n;
}

void Lowerer::add_buffer(const std::string& owner, const std::string& var, Type t, kir::BufferRole role, int64_t size,
                         const std::string& unit) {
  kir::Buffer b;
  // The "v_" prefix keeps user names from colliding with C keywords or generated identifiers.
  b.name = unique_name("v_" + owner + "_" + var);
  b.type = t;
  b.role = role;
  b.owner = owner;
  b.variable = var;
  b.unit = unit;
  b.size = size;
  buffer_of_[{owner, var}] = b.name;
  prog_.buffers.push_back(std::move(b));
}

kir::ExprP Lowerer::var_index(const model::Symbol& s, CodeContext& c) {
  if (s.shared) return kir::lit_int(0);
  auto i = kir::builtin("i", Type::Int64);
  auto j = kir::builtin("j", Type::Int64);
  auto plus = [](kir::ExprP a, int64_t off) {
    return off == 0 ? a : kir::binary(ir::Op::Add, a, kir::lit_int(off), Type::Int64);
  };
  kir::ExprP base;
  if (c.group) base = i;
  else if (s.kind == model::Symbol::Kind::PreVariable) base = plus(i, c.syn->source.start);
  else if (s.kind == model::Symbol::Kind::PostVariable) base = plus(j, c.syn->target.start);
  else return kir::builtin("syn", Type::Int64);
  return s.link ? linked_index(s, base) : base;  // IR v2: (linked) variables read their source
}

kir::ExprP Lowerer::variable(const std::string& n, const SourceLoc& loc, CodeContext& c) {
  if (auto it = c.locals.find(n); it != c.locals.end()) return kir::local(n, it->second);
  const model::Symbol* s = c.scope->find(n);
  if (!s) {
    diags_.error_at(loc, "internal: unresolved name '" + n + "' reached lowering", "please report this as a bug");
    return kir::lit(0, scalar_);
  }
  switch (s->kind) {
    case model::Symbol::Kind::Constant: return kir::lit(s->value, scalar_);
    case model::Symbol::Kind::Builtin:
      if (n == "t") return kir::builtin("t", Type::Double);
      if (n == "dt") return kir::lit(s->value, c.double_literals ? Type::Double : scalar_);
      if (n == "i" || n == "j") return kir::builtin(n, Type::Int64);
      if (model::is_degree_builtin(n) && c.syn) return synapse_degree(n, *c.syn);
      return kir::lit_int(static_cast<int64_t>(s->value));
    case model::Symbol::Kind::Subexpression:
      diags_.error_at(loc, "internal: subexpression '" + n + "' was not inlined", "run the inline-subexpressions pass");
      return kir::lit(0, scalar_);
    default: break;
  }
  std::string buf = buffer(s->owner, s->variable);
  const kir::Buffer* b = prog_.find_buffer(buf);
  if (!b) {
    diags_.error_at(loc, "internal: no storage for '" + n + "'", "please report this as a bug");
    return kir::lit(0, scalar_);
  }
  return kir::load(buf, b->type, var_index(*s, c));
}

kir::ExprP Lowerer::call(const ir::Expr& e, CodeContext& c) {
  const std::string& f = e.name;
  if (m_.find_timed_array(f)) return timed_array_call(e, c);
  if (f == "rand" || f == "randn") return kir::random(f == "rand" ? "uniform" : "normal", next_stream_++, scalar_);
  if (f == "_select" && e.args.size() == 3) {
    auto cond = convert(expr(e.args[0], c), Type::Bool);
    auto a = expr(e.args[1], c);
    auto b = expr(e.args[2], c);
    Type t = promote(a->type, b->type);
    return kir::select(cond, convert(a, t), convert(b, t), t);
  }
  if (f == "timestep" && e.args.size() == 2) {
    bool saved = c.double_literals;
    c.double_literals = true;
    auto a = convert(expr(e.args[0], c), Type::Double);
    auto b = convert(expr(e.args[1], c), Type::Double);
    c.double_literals = saved;
    return kir::call("timestep", {a, b}, Type::Int64);
  }
  if (f == "int" && e.args.size() == 1) {
    auto a = expr(e.args[0], c);
    return kir::cast(a, Type::Int64);
  }
  auto it = kFunctionNames.find(f);
  if (it == kFunctionNames.end()) {
    diags_.error_at(e.loc, "the function '" + f + "' is not supported by the code generator");
    return kir::lit(0, scalar_);
  }
  std::vector<kir::ExprP> args;
  Type t = scalar_;
  for (const auto& a : e.args) {
    args.push_back(expr(a, c));
    if (is_floating(args.back()->type)) t = promote(t, args.back()->type);
  }
  for (auto& a : args) a = convert(a, t);
  return kir::call(it->second, std::move(args), t);
}

kir::ExprP Lowerer::binary(const ir::Expr& e, CodeContext& c) {
  auto a = expr(e.args[0], c);
  auto b = expr(e.args[1], c);
  using ir::Op;
  switch (e.op) {
    case Op::And:
    case Op::Or: return kir::binary(e.op, convert(a, Type::Bool), convert(b, Type::Bool), Type::Bool);
    case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge: case Op::Eq: case Op::Ne: {
      Type t = promote(a->type, b->type);
      return kir::binary(e.op, convert(a, t), convert(b, t), Type::Bool);
    }
    case Op::Div: {  // Python 3 true division
      Type t = promote(promote(a->type, b->type), scalar_);
      if (!is_floating(promote(a->type, b->type))) t = scalar_;
      return kir::binary(Op::Div, convert(a, t), convert(b, t), t);
    }
    case Op::Pow: {
      Type t = promote(promote(a->type, b->type), scalar_);
      if (!is_floating(promote(a->type, b->type))) t = scalar_;
      return kir::call("pow", {convert(a, t), convert(b, t)}, t);
    }
    default: {
      Type t = promote(promote(a->type, b->type), Type::Int32);
      return kir::binary(e.op, convert(a, t), convert(b, t), t);
    }
  }
}

kir::ExprP Lowerer::expr(const ir::ExprPtr& e, CodeContext& c) {
  using K = ir::Expr::Kind;
  switch (e->kind) {
    case K::Number:
      if (e->is_integer && std::fabs(e->number) < 9.0e15) return kir::lit_int(static_cast<int64_t>(e->number));
      return kir::lit(e->number, c.double_literals ? Type::Double : scalar_);
    case K::Boolean: return kir::lit_bool(e->boolean);
    case K::Name: return variable(e->name, e->loc, c);
    case K::Call: return call(*e, c);
    case K::Binary: return binary(*e, c);
    case K::Unary: {
      auto a = expr(e->args[0], c);
      if (e->op == ir::Op::Not) return kir::unary(ir::Op::Not, convert(a, Type::Bool), Type::Bool);
      if (e->op == ir::Op::Pos) return a;
      Type t = promote(a->type, Type::Int32);
      return kir::unary(ir::Op::Neg, convert(a, t), t);
    }
  }
  return kir::lit(0, scalar_);
}

void Lowerer::statement(const ir::Stmt& s, CodeContext& c, kir::Block& out) {
  ir::Op op = s.op == "+=" ? ir::Op::Add : s.op == "-=" ? ir::Op::Sub : s.op == "*=" ? ir::Op::Mul : ir::Op::Div;
  const model::Symbol* sym = c.locals.count(s.target) ? nullptr : c.scope->find(s.target);
  if (!sym || s.target.starts_with("_")) {
    // A temporary of the abstract code.
    auto v = expr(s.value, c);
    kir::Stmt st;
    st.name = s.target;
    if (!c.locals.count(s.target)) {
      if (s.op != "=") {
        diags_.error_at(s.target_loc, "'" + s.target + "' is used before it is assigned");
        return;
      }
      st.kind = kir::Stmt::Kind::Declare;
      st.type = v->type;
      st.value = v;
      c.locals[s.target] = v->type;
    } else {
      Type t = c.locals[s.target];
      st.kind = kir::Stmt::Kind::Assign;
      st.type = t;
      st.value = s.op == "=" ? convert(v, t) : kir::binary(op, kir::local(s.target, t), convert(v, t), t);
    }
    out.push_back(std::move(st));
    return;
  }
  std::string buf = buffer(sym->owner, sym->variable);
  const kir::Buffer* b = prog_.find_buffer(buf);
  if (!b) {
    diags_.error_at(s.target_loc, "internal: no storage for '" + s.target + "'", "please report this as a bug");
    return;
  }
  kir::Stmt st;
  st.name = buf;
  st.type = b->type;
  st.index = var_index(*sym, c);
  auto v = expr(s.value, c);
  if (s.op == "=") {
    st.kind = kir::Stmt::Kind::Store;
    st.value = convert(v, b->type);
  } else if (c.syn && sym->kind == model::Symbol::Kind::PostVariable) {
    // Several synapses of one spike (or several spikes) may target the same neuron.
    st.kind = kir::Stmt::Kind::Accumulate;
    st.op = op;
    st.conflicting = true;
    st.value = convert(v, b->type);
  } else {
    st.kind = kir::Stmt::Kind::Store;
    Type t = op == ir::Op::Div ? promote(promote(b->type, v->type), scalar_) : promote(promote(b->type, v->type), Type::Int32);
    st.value = convert(kir::binary(op, convert(kir::load(buf, b->type, st.index), t), convert(v, t), t), b->type);
  }
  out.push_back(guard_conditional_write(std::move(st), sym->owner, sym->variable, c));
}

kir::Stmt Lowerer::guard_conditional_write(kir::Stmt st, const std::string& owner, const std::string& variable,
                                           const CodeContext& c) const {
  if (!c.conditional_writes) return st;
  const ir::NeuronGroup* g = m_.find_group(owner);
  if (!g || g->refractory.kind == ir::Refractory::Kind::None) return st;
  const ir::Equation* eq = g->find_equation(variable);
  if (!eq || eq->kind != ir::Equation::Kind::Differential || !eq->has_flag(ir::EquationFlag::UnlessRefractory)) return st;
  kir::Stmt guarded;
  guarded.kind = kir::Stmt::Kind::If;
  guarded.value = kir::load(buffer(owner, "not_refractory"), Type::Bool, st.index);
  guarded.then_body.push_back(std::move(st));
  return guarded;
}

std::optional<kir::Program> Lowerer::lower() {
  prog_.model_name = m_.name;
  prog_.scalar = scalar_;
  prog_.dt = m_.dt;
  prog_.steps = m_.steps();
  prog_.seed = m_.seed;

  // Storage.
  for (const auto& g : m_.neuron_groups) {
    kir::Population pop;
    pop.name = g.name;
    pop.size = g.size;
    prog_.populations.push_back(pop);
    for (const auto& eq : g.equations) {
      // Subexpressions are inlined, except (constant over dt) ones (IR v2), which are stored;
      // (linked) variables are read from their source group.
      if (eq.kind == ir::Equation::Kind::Subexpression && !eq.has_flag(ir::EquationFlag::ConstantOverDt)) continue;
      if (eq.has_flag(ir::EquationFlag::Linked)) continue;
      add_buffer(g.name, eq.name, type_of(eq.type), kir::BufferRole::NeuronState, eq.has_flag(ir::EquationFlag::Shared) ? 1 : g.size,
                 eq.type == ir::ValueType::Float ? eq.dim.to_string() : "1");
    }
    if (g.refractory.kind != ir::Refractory::Kind::None) {
      add_buffer(g.name, "lastspike", Type::Double, kir::BufferRole::Internal, g.size, "second");
      add_buffer(g.name, "not_refractory", Type::Bool, kir::BufferRole::Internal, g.size, "1");
    }
  }
  for (const auto& g : m_.neuron_groups) add_initial_arrays(g.name, g.initial, nullptr);
  for (const auto& g : m_.neuron_groups)  // IR v2: link index arrays
    for (const auto& l : g.links) {
      if (!l.indices) continue;
      add_buffer(g.name, "_link_" + l.variable, Type::Int64, kir::BufferRole::Table, static_cast<int64_t>(l.indices->size()), "1");
      prog_.buffers.back().init_values.assign(l.indices->begin(), l.indices->end());
      link_tables_[&l] = prog_.buffers.back().name;
    }
  for (const auto& s : m_.synapses) add_synapse_storage(s);
  add_timed_array_buffers();

  for (const auto& g : m_.neuron_groups) {
    model::SymbolTable scope = model::neuron_scope(m_, g);
    auto ctx = [&]() {
      CodeContext c;
      c.scope = &scope;
      c.group = &g;
      return c;
    };
    // Initial values: defaults first (Brian2: 0, lastspike = -1e4 s, not_refractory = True).
    {
      kir::Kernel k;
      k.name = unique_name(g.name + "_init");
      k.domain = {kir::Domain::Kind::Neurons, g.name, ""};
      CodeContext c = ctx();
      c.conditional_writes = false;  // every neuron starts non-refractory
      for (const auto& b : prog_.buffers) {
        if (b.owner != g.name || b.role == kir::BufferRole::SynapseState || !b.init_values.empty()) continue;
        kir::Stmt st;
        st.kind = kir::Stmt::Kind::Store;
        st.name = b.name;
        st.type = b.type;
        st.index = b.size == 1 && g.size != 1 ? kir::lit_int(0) : kir::builtin("i", Type::Int64);
        st.value = b.variable == "lastspike" ? kir::lit(-1e4, Type::Double)
                   : b.variable == "not_refractory" ? kir::lit_bool(true)
                   : b.type == Type::Bool ? kir::lit_bool(false)
                   : is_floating(b.type) ? kir::lit(0, b.type) : kir::lit_int(0, b.type);
        k.body.push_back(st);
      }
      for (const auto& ie : g.initial) {
        if (!ie.expr) continue;  // IR v2 array: Buffer::init_values
        ir::Stmt s;
        s.target = ie.name;
        s.value = model::fold_constants(ie.expr, scope);
        s.loc = ie.expr->loc;
        statement(s, c, k.body);
      }
      prog_.init_kernels.push_back(add_kernel(std::move(k)));
    }
    if (!g.state_update.empty()) {
      CodeContext c = ctx();
      c.conditional_writes = false;
      std::vector<ir::Stmt> code = g.state_update;
      for (auto& s : code) s.value = model::fold_constants(s.value, scope);
      // (shared) ODE variables are integrated once per step, not once per neuron.
      std::vector<size_t> kernels;
      add_split_kernels(g.name + "_update", {kir::Domain::Kind::Neurons, g.name, ""}, 1, code, c, kernels);
      schedule(g.state_update_schedule, "groups", g.order, g.name + "_stateupdater", kernels);
    }
    lower_constant_over_dt(g, scope);
    if (g.threshold) {
      kir::Kernel k;
      k.name = unique_name(g.name + "_threshold");
      k.domain = {kir::Domain::Kind::Neurons, g.name, ""};
      k.emits_spikes = true;
      CodeContext c = ctx();
      auto cond = convert(expr(model::fold_constants(g.threshold, scope), c), Type::Bool);
      bool refractory = g.refractory.kind != ir::Refractory::Kind::None;
      if (refractory)
        cond = kir::binary(ir::Op::And, cond, kir::load(buffer(g.name, "not_refractory"), Type::Bool, kir::builtin("i", Type::Int64)),
                           Type::Bool);
      kir::Stmt iff;
      iff.kind = kir::Stmt::Kind::If;
      iff.value = cond;
      kir::Stmt emit;
      emit.kind = kir::Stmt::Kind::EmitSpike;
      emit.index = kir::builtin("i", Type::Int64);
      iff.then_body.push_back(emit);
      if (refractory) {
        kir::Stmt ls;
        ls.kind = kir::Stmt::Kind::Store;
        ls.name = buffer(g.name, "lastspike");
        ls.type = Type::Double;
        ls.index = kir::builtin("i", Type::Int64);
        ls.value = kir::builtin("t", Type::Double);
        kir::Stmt nr = ls;
        nr.name = buffer(g.name, "not_refractory");
        nr.type = Type::Bool;
        nr.value = kir::lit_bool(false);
        iff.then_body.push_back(ls);
        iff.then_body.push_back(nr);
      }
      k.body.push_back(iff);
      emitted_at_[{g.name, "spike"}] =
          schedule(g.threshold_schedule, "thresholds", g.order, g.name + "_spike_thresholder", {add_kernel(std::move(k))});
      if (!g.reset.empty()) {
        kir::Kernel r;
        r.name = unique_name(g.name + "_reset");
        r.domain = {kir::Domain::Kind::Spikes, g.name, ""};
        CodeContext rc = ctx();
        rc.conditional_writes = false;
        std::vector<ir::Stmt> code = g.reset;
        for (auto& s : code) s.value = model::fold_constants(s.value, scope);
        statements(code, rc, r.body);
        schedule(g.reset_schedule, "resets", g.order, g.name + "_spike_resetter", {add_kernel(std::move(r))});
      }
    } else if (!g.reset.empty()) {
      diags_.warning("group '" + g.name + "' has a reset but no threshold: the reset never runs", g.json_pointer + "/reset");
    }
    lower_neuron_group_v2(g, scope);
  }

  for (const auto& s : m_.synapses) lower_synapse_group(s);
  add_degree_kernels();
  lower_poisson_inputs();

  // Monitors.
  for (const auto& mon : m_.monitors) {
    kir::Monitor km;
    km.name = mon.name;
    km.population = mon.source.group;
    km.offset = mon.source.start;
    km.size = mon.source.stop - mon.source.start;
    km.every = mon.every;
    km.kind = mon.kind == ir::Monitor::Kind::Spikes ? kir::Monitor::Kind::Spikes
              : mon.kind == ir::Monitor::Kind::State ? kir::Monitor::Kind::State
                                                     : kir::Monitor::Kind::Rate;
    if (mon.indices) km.indices = *mon.indices;
    else if (km.kind == kir::Monitor::Kind::State)
      for (int64_t k = 0; k < km.size; ++k) km.indices.push_back(k);
    for (const auto& v : mon.variables) {
      std::string b = buffer(mon.source.group, v);
      km.buffers.push_back(b);
      km.variables.push_back(v);
      const kir::Buffer* buf = prog_.find_buffer(b);
      km.units.push_back(buf ? buf->unit : "1");
    }
    lower_monitor_v2(mon, km);
    prog_.monitors.push_back(km);
    const size_t index = prog_.monitors.size() - 1;
    if (km.kind == kir::Monitor::Kind::State) {
      schedule_tasks(mon.schedule, "start", 0, mon.name, {{kir::Task::Kind::RecordState, index}});
    } else if (km.kind == kir::Monitor::Kind::Rate) {
      schedule_tasks(mon.schedule, "end", 0, mon.name, {{kir::Task::Kind::RecordSpikes, index}});
    } else {
      // Brian2's EventMonitor: right after the operation that emits the event (its slot, order + 1).
      const ir::NeuronGroup* g = m_.find_group(mon.source.group);
      std::pair<int, int64_t> at{ir::slot_index(mon.event == "spike" ? "thresholds" : "after_thresholds"), g ? g->order : 0};
      if (auto it = emitted_at_.find({mon.source.group, mon.event}); it != emitted_at_.end()) at = it->second;
      // With "when" given, order defaults to 0 (the reader requires "when" for "order", as Brian2).
      schedule_tasks(mon.schedule, ir::schedule_slots()[static_cast<size_t>(at.first)], mon.schedule.when ? 0 : at.second + 1,
                     mon.name, {{kir::Task::Kind::RecordSpikes, index}});
    }
  }

  // The schedule of one step: Brian2's order (slot, order, name); operations of equal place keep the
  // order in which they were lowered.
  std::stable_sort(operations_.begin(), operations_.end(), [](const Operation& a, const Operation& b) {
    return std::tie(a.slot, a.order, a.name) < std::tie(b.slot, b.order, b.name);
  });
  for (const Operation& op : operations_) prog_.step_tasks.insert(prog_.step_tasks.end(), op.tasks.begin(), op.tasks.end());
  if (diags_.has_errors()) return std::nullopt;
  return std::move(prog_);
}

class KernelLoweringPass : public Pass {
 public:
  std::string name() const override { return "lower-to-kernels"; }
  std::string description() const override {
    return "lower the model IR to the kernel IR: buffers, typed kernels per launch domain, and the step schedule";
  }
  bool run(CompilationUnit& unit, DiagnosticEngine& diags) override {
    Lowerer l(unit.model, diags, unit.decisions);
    auto p = l.lower();
    if (!p) return false;
    unit.program = std::move(*p);
    return true;
  }
};


std::unique_ptr<Pass> create_kernel_lowering_pass() { return std::make_unique<KernelLoweringPass>(); }

}  // namespace modelc::passes::lowering
