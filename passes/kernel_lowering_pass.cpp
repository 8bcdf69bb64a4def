// Lowers the model IR to the kernel IR: one buffer per stored variable, one kernel per code object
// of Brian2's schedule (init, state update, threshold, synaptic propagation, reset), and the step
// schedule. Types are decided here: Brian2's Python semantics (true division, int/float promotion)
// become explicit casts, so every backend prints the same arithmetic.
#include <cmath>
#include <set>

#include "passes/constant_folding.h"
#include "passes/passes.h"
#include "passes/symbols.h"

namespace modelc {
namespace {

using kir::Type;

int rank(Type t) {
  switch (t) {
    case Type::Bool: return 0;
    case Type::Int32: return 1;
    case Type::Int64: return 2;
    case Type::Float: return 3;
    case Type::Double: return 4;
  }
  return 4;
}
Type promote(Type a, Type b) { return rank(a) >= rank(b) ? a : b; }
kir::ExprP convert(kir::ExprP e, Type t) { return e->type == t ? e : kir::cast(std::move(e), t); }

const std::map<std::string, std::string> kFunctionNames = {
    {"exp", "exp"},     {"log", "log"},       {"log10", "log10"}, {"sqrt", "sqrt"},   {"abs", "fabs"},
    {"sin", "sin"},     {"cos", "cos"},       {"tan", "tan"},     {"sinh", "sinh"},   {"cosh", "cosh"},
    {"tanh", "tanh"},   {"arcsin", "asin"},   {"arccos", "acos"}, {"arctan", "atan"}, {"floor", "floor"},
    {"ceil", "ceil"},   {"expm1", "expm1"},   {"log1p", "log1p"}, {"exprel", "exprel"}, {"sign", "sign"},
    {"clip", "clip"}};

struct CodeContext {
  const SymbolTable* scope = nullptr;
  const ir::NeuronGroup* group = nullptr;   // neuron code
  const ir::SynapseGroup* syn = nullptr;    // synapse code
  std::map<std::string, Type> locals;
  bool double_literals = false;  // inside timestep(): time arithmetic stays in double
};

class Lowerer {
 public:
  Lowerer(const ir::Model& m, DiagnosticEngine& diags, std::vector<std::pair<std::string, std::string>>& decisions)
      : m_(m), diags_(diags), decisions_(decisions) {
    scalar_ = m.precision == ir::Precision::Float ? Type::Float : Type::Double;
  }
  std::optional<kir::Program> lower();

 private:
  const ir::Model& m_;
  DiagnosticEngine& diags_;
  std::vector<std::pair<std::string, std::string>>& decisions_;
  Type scalar_;
  kir::Program prog_;
  uint32_t next_stream_ = 1;
  std::map<std::pair<std::string, std::string>, std::string> buffer_of_;  // (owner, variable) -> buffer
  std::set<std::string> used_names_;

  std::string unique_name(const std::string& base);
  Type type_of(ir::ValueType t) const {
    return t == ir::ValueType::Float ? scalar_ : t == ir::ValueType::Integer ? Type::Int32 : Type::Bool;
  }
  void add_buffer(const std::string& owner, const std::string& var, Type t, kir::BufferRole role, int64_t size,
                  const std::string& unit);
  std::string buffer(const std::string& owner, const std::string& var) const {
    auto it = buffer_of_.find({owner, var});
    return it == buffer_of_.end() ? std::string() : it->second;
  }

  kir::ExprP expr(const ir::ExprPtr& e, CodeContext& c);
  kir::ExprP variable(const std::string& n, const SourceLoc& loc, CodeContext& c);
  kir::ExprP var_index(const Symbol& s, CodeContext& c);
  kir::ExprP call(const ir::Expr& e, CodeContext& c);
  kir::ExprP binary(const ir::Expr& e, CodeContext& c);
  void statement(const ir::Stmt& s, CodeContext& c, kir::Block& out);
  void statements(const std::vector<ir::Stmt>& ss, CodeContext& c, kir::Block& out) {
    for (const auto& s : ss) statement(s, c, out);
  }
  size_t add_kernel(kir::Kernel k) {
    prog_.kernels.push_back(std::move(k));
    return prog_.kernels.size() - 1;
  }
};

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

kir::ExprP Lowerer::var_index(const Symbol& s, CodeContext& c) {
  bool shared = s.equation && s.equation->has_flag("shared");
  if (shared) return kir::lit_int(0);
  auto i = kir::builtin("i", Type::Int64);
  auto j = kir::builtin("j", Type::Int64);
  auto plus = [](kir::ExprP a, int64_t off) {
    return off == 0 ? a : kir::binary(ir::Op::Add, a, kir::lit_int(off), Type::Int64);
  };
  if (c.group) return i;
  switch (s.kind) {
    case Symbol::Kind::PreVariable: return plus(i, c.syn->source.start);
    case Symbol::Kind::PostVariable: return plus(j, c.syn->target.start);
    default: return kir::builtin("syn", Type::Int64);
  }
}

kir::ExprP Lowerer::variable(const std::string& n, const SourceLoc& loc, CodeContext& c) {
  if (auto it = c.locals.find(n); it != c.locals.end()) return kir::local(n, it->second);
  const Symbol* s = c.scope->find(n);
  if (!s) {
    diags_.error_at(loc, "internal: unresolved name '" + n + "' reached lowering", "please report this as a bug");
    return kir::lit(0, scalar_);
  }
  switch (s->kind) {
    case Symbol::Kind::Constant: return kir::lit(s->value, scalar_);
    case Symbol::Kind::Builtin:
      if (n == "t") return kir::builtin("t", Type::Double);
      if (n == "dt") return kir::lit(s->value, c.double_literals ? Type::Double : scalar_);
      if (n == "i" || n == "j") return kir::builtin(n, Type::Int64);
      return kir::lit_int(static_cast<int64_t>(s->value));
    case Symbol::Kind::Subexpression:
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
  const Symbol* sym = c.locals.count(s.target) ? nullptr : c.scope->find(s.target);
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
  } else if (c.syn && sym->kind == Symbol::Kind::PostVariable) {
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
  out.push_back(std::move(st));
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
      if (eq.kind == ir::Equation::Kind::Subexpression) continue;
      add_buffer(g.name, eq.name, type_of(eq.type), kir::BufferRole::NeuronState, eq.has_flag("shared") ? 1 : g.size,
                 eq.type == ir::ValueType::Float ? eq.dim.to_string() : "1");
    }
    if (g.refractory.kind != ir::Refractory::Kind::None) {
      add_buffer(g.name, "lastspike", Type::Double, kir::BufferRole::Internal, g.size, "second");
      add_buffer(g.name, "not_refractory", Type::Bool, kir::BufferRole::Internal, g.size, "1");
    }
  }
  for (const auto& s : m_.synapses)
    for (const auto& eq : s.equations)
      if (eq.kind == ir::Equation::Kind::Parameter)
        add_buffer(s.name, eq.name, type_of(eq.type), kir::BufferRole::SynapseState, 0,
                   eq.type == ir::ValueType::Float ? eq.dim.to_string() : "1");

  std::vector<size_t> updates, thresholds, propagations, resets;
  std::map<std::string, size_t> threshold_of;
  for (const auto& g : m_.neuron_groups) {
    SymbolTable scope = neuron_scope(m_, g);
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
      for (const auto& b : prog_.buffers) {
        if (b.owner != g.name || b.role == kir::BufferRole::SynapseState) continue;
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
        ir::Stmt s;
        s.target = ie.name;
        s.value = fold_constants(ie.expr, scope);
        s.loc = ie.expr->loc;
        statement(s, c, k.body);
      }
      prog_.init_kernels.push_back(add_kernel(std::move(k)));
    }
    if (!g.state_update.empty()) {
      kir::Kernel k;
      k.name = unique_name(g.name + "_update");
      k.domain = {kir::Domain::Kind::Neurons, g.name, ""};
      CodeContext c = ctx();
      std::vector<ir::Stmt> code = g.state_update;
      for (auto& s : code) s.value = fold_constants(s.value, scope);
      statements(code, c, k.body);
      updates.push_back(add_kernel(std::move(k)));
    }
    if (g.threshold) {
      kir::Kernel k;
      k.name = unique_name(g.name + "_threshold");
      k.domain = {kir::Domain::Kind::Neurons, g.name, ""};
      k.emits_spikes = true;
      CodeContext c = ctx();
      auto cond = convert(expr(fold_constants(g.threshold, scope), c), Type::Bool);
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
      threshold_of[g.name] = add_kernel(std::move(k));
      thresholds.push_back(threshold_of[g.name]);
      if (!g.reset.empty()) {
        kir::Kernel r;
        r.name = unique_name(g.name + "_reset");
        r.domain = {kir::Domain::Kind::Spikes, g.name, ""};
        CodeContext rc = ctx();
        std::vector<ir::Stmt> code = g.reset;
        for (auto& s : code) s.value = fold_constants(s.value, scope);
        statements(code, rc, r.body);
        resets.push_back(add_kernel(std::move(r)));
      }
    } else if (!g.reset.empty()) {
      diags_.warning("group '" + g.name + "' has a reset but no threshold: the reset never runs", g.json_pointer + "/reset");
    }
  }

  for (const auto& s : m_.synapses) {
    SymbolTable scope = synapse_scope(m_, s);
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
    sg.delay_steps = s.delay ? std::llround(s.delay->value / m_.dt) : 0;
    switch (s.connect.kind) {
      case ir::ConnectSpec::Kind::Probability: {
        sg.connect.kind = kir::ConnectRule::Kind::Probability;
        auto p = s.connect.p ? fold_constants(s.connect.p, scope) : nullptr;
        auto cond = s.connect.condition ? fold_constants(s.connect.condition, scope) : nullptr;
        sg.connect.depends_on_j = (p && ir::uses_name(p, "j")) || (cond && ir::uses_name(cond, "j"));
        if (p) sg.connect.p = convert(expr(p, c), Type::Double);
        if (cond) sg.connect.condition = convert(expr(cond, c), Type::Bool);
        sg.connect.stream = next_stream_++;
        if (p && p->kind == ir::Expr::Kind::Number && (p->number < 0 || p->number > 1))
          diags_.warning("connection probability " + std::to_string(p->number) + " is outside [0, 1]; it is clipped",
                         s.connect.json_pointer + "/p");
        break;
      }
      case ir::ConnectSpec::Kind::OneToOne: sg.connect.kind = kir::ConnectRule::Kind::OneToOne; break;
      case ir::ConnectSpec::Kind::AllToAll: sg.connect.kind = kir::ConnectRule::Kind::AllToAll; break;
      case ir::ConnectSpec::Kind::Explicit:
        sg.connect.kind = kir::ConnectRule::Kind::Explicit;
        sg.connect.explicit_i = s.connect.i;
        sg.connect.explicit_j = s.connect.j;
        break;
    }
    for (auto& pop : prog_.populations)
      if (pop.name == sg.source) pop.history = std::max<int64_t>(pop.history, sg.delay_steps + 1);
    decisions_.emplace_back("connectivity of " + s.name + ": CSR, presynaptic push",
                            "the only strategy in this version; chosen by cost model in later versions");
    if (sg.delay_steps > 0)
      decisions_.emplace_back("delay of " + s.name + ": " + std::to_string(sg.delay_steps) + " steps",
                              "homogeneous delay: spikes are read from the source's spike history ring");
    prog_.synapse_groups.push_back(sg);

    bool has_vars = false;
    for (const auto& b : prog_.buffers) has_vars |= b.owner == s.name;
    if (has_vars) {
      kir::Kernel k;
      k.name = unique_name(s.name + "_init");
      k.domain = {kir::Domain::Kind::Synapses, "", s.name};
      for (const auto& ie : s.initial) {
        ir::Stmt st;
        st.target = ie.name;
        st.value = fold_constants(ie.expr, scope);
        statement(st, c, k.body);
      }
      if (!k.body.empty()) prog_.init_kernels.push_back(add_kernel(std::move(k)));
    }
    c.locals.clear();
    kir::Kernel k;
    k.name = unique_name(s.name + "_pre");
    k.domain = {kir::Domain::Kind::SynapticEvents, "", s.name};
    std::vector<ir::Stmt> code = s.on_pre;
    for (auto& st : code) st.value = fold_constants(st.value, scope);
    statements(code, c, k.body);
    propagations.push_back(add_kernel(std::move(k)));
  }

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
    prog_.monitors.push_back(km);
  }

  // The schedule of one step: start, groups, thresholds, synapses, resets.
  for (size_t k = 0; k < prog_.monitors.size(); ++k)
    if (prog_.monitors[k].kind == kir::Monitor::Kind::State) prog_.step_tasks.push_back({kir::Task::Kind::RecordState, k});
  for (size_t k : updates) prog_.step_tasks.push_back({kir::Task::Kind::RunKernel, k});
  for (const auto& g : m_.neuron_groups) {
    if (threshold_of.count(g.name)) prog_.step_tasks.push_back({kir::Task::Kind::RunKernel, threshold_of[g.name]});
    for (size_t k = 0; k < prog_.monitors.size(); ++k)
      if (prog_.monitors[k].kind != kir::Monitor::Kind::State && prog_.monitors[k].population == g.name)
        prog_.step_tasks.push_back({kir::Task::Kind::RecordSpikes, k});
  }
  for (size_t k : propagations) prog_.step_tasks.push_back({kir::Task::Kind::RunKernel, k});
  for (size_t k : resets) prog_.step_tasks.push_back({kir::Task::Kind::RunKernel, k});
  (void)thresholds;
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

}  // namespace

std::unique_ptr<Pass> create_kernel_lowering_pass() { return std::make_unique<KernelLoweringPass>(); }

}  // namespace modelc
