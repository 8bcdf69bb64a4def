#include "passes/model/symbols.h"

#include "ir/expr_traversal.h"

namespace modelc::passes::model {

const Symbol* SymbolTable::find(const std::string& name) const {
  auto it = symbols_.find(name);
  return it == symbols_.end() ? nullptr : &it->second;
}

std::vector<std::string> SymbolTable::names() const {
  std::vector<std::string> out;
  for (const auto& [n, s] : symbols_) out.push_back(n);
  return out;
}

ir::DimensionLookup SymbolTable::dimension_lookup() const {
  return [this](const std::string& n) -> std::optional<Dimension> {
    if (const Symbol* s = find(n)) return s->dim;
    if (n.size() > 2 && n.compare(n.size() - 2, 2, "()") == 0)  // IR v2: TimedArray functions
      if (const Symbol* s = find(n.substr(0, n.size() - 2)); s && s->kind == Symbol::Kind::Function) return s->dim;
    return std::nullopt;
  };
}

ir::QuantityLookup SymbolTable::constant_lookup() const {
  return [this](const std::string& n) -> std::optional<Quantity> {
    if (const Symbol* s = find(n); s && s->kind == Symbol::Kind::Constant) return Quantity{s->value, s->dim};
    return std::nullopt;
  };
}

static void add_constants(SymbolTable& t, const std::map<std::string, Quantity>& values) {
  for (const auto& [n, q] : values) {
    Symbol s;
    s.kind = Symbol::Kind::Constant;
    s.dim = q.dim;
    s.value = q.value;
    s.read_only = true;
    t.add(n, s);
  }
}

static void add_group_variables(SymbolTable& t, const ir::Model& model, const ir::NeuronGroup& g, Symbol::Kind kind,
                                const std::string& suffix) {
  const Dimension second = Dimension::base(2);
  for (const auto& eq : g.equations) {
    Symbol s;
    // IR v2: a (constant over dt) subexpression is stored (computed once per step), so it is read
    // like a read-only variable rather than inlined.
    bool stored_sub = eq.kind == ir::Equation::Kind::Subexpression && eq.has_flag(ir::EquationFlag::ConstantOverDt);
    s.kind = eq.kind == ir::Equation::Kind::Subexpression && !stored_sub && kind == Symbol::Kind::Variable
                 ? Symbol::Kind::Subexpression
                 : kind;
    s.dim = eq.dim;
    s.type = eq.type;
    s.owner = g.name;
    s.variable = eq.name;
    s.equation = &eq;
    s.is_ode = eq.kind == ir::Equation::Kind::Differential;
    s.read_only = eq.kind == ir::Equation::Kind::Subexpression || eq.has_flag(ir::EquationFlag::Constant);
    s.shared = eq.has_flag(ir::EquationFlag::Shared);
    if (eq.has_flag(ir::EquationFlag::Linked)) {
      // IR v2: read through the link; Brian2's linked variables are read-only.
      s.read_only = true;
      for (const auto& l : g.links)
        if (l.variable == eq.name) s.link = &l;
      if (s.link) {
        s.owner = s.link->group;
        s.variable = s.link->source_variable;
        const ir::NeuronGroup* src = model.find_group(s.link->group);
        const ir::Equation* se = src ? src->find_equation(s.link->source_variable) : nullptr;
        s.shared = se && se->has_flag(ir::EquationFlag::Shared);
      }
    }
    t.add(eq.name + suffix, s);
  }
  if (g.refractory.kind != ir::Refractory::Kind::None) {
    Symbol ls{kind, second, ir::ValueType::Float, g.name, "lastspike"};
    t.add("lastspike" + suffix, ls);
    Symbol nr{kind, Dimension::dimensionless(), ir::ValueType::Boolean, g.name, "not_refractory"};
    t.add("not_refractory" + suffix, nr);
  }
}

static Symbol builtin(Dimension d, ir::ValueType type, double value = 0.0) {
  Symbol s;
  s.kind = Symbol::Kind::Builtin;
  s.dim = d;
  s.type = type;
  s.value = value;
  s.read_only = true;
  return s;
}

// IR v2: white noise `xi` / `xi_<name>` (unit second**-0.5) used in equations.
static void add_noise_symbols(SymbolTable& t, const std::vector<ir::Equation>& eqs) {
  Dimension d;
  d.twice[2] = -1;
  for (const auto& eq : eqs) {
    std::vector<std::string> names;
    ir::collect_names(eq.expr, names);
    for (const auto& n : names)
      if (is_noise_name(n) && !t.find(n)) {
        Symbol s = builtin(d, ir::ValueType::Float);
        t.add(n, s);
      }
  }
}

bool is_noise_name(const std::string& n) { return n == "xi" || (n.size() > 3 && n.compare(0, 3, "xi_") == 0); }

// IR v2: TimedArrays are functions of t (and i).
static void add_timed_arrays(SymbolTable& t, const ir::Model& model) {
  for (const auto& ta : model.timed_arrays) {
    Symbol s;
    s.kind = Symbol::Kind::Function;
    s.dim = ta.dim;
    s.read_only = true;
    s.variable = ta.name;
    t.add(ta.name, s);
  }
}

SymbolTable neuron_scope(const ir::Model& model, const ir::NeuronGroup& group) {
  SymbolTable t;
  add_timed_arrays(t, model);
  add_constants(t, model.parameters);
  add_constants(t, model.constants);
  add_constants(t, group.constants);
  add_group_variables(t, model, group, Symbol::Kind::Variable, "");
  const Dimension second = Dimension::base(2);
  t.add("t", builtin(second, ir::ValueType::Float));
  t.add("dt", builtin(second, ir::ValueType::Float, model.dt));
  t.add("i", builtin(Dimension::dimensionless(), ir::ValueType::Integer));
  t.add("N", builtin(Dimension::dimensionless(), ir::ValueType::Integer, static_cast<double>(group.size)));
  add_noise_symbols(t, group.equations);
  return t;
}

SymbolTable synapse_scope(const ir::Model& model, const ir::SynapseGroup& syn) {
  SymbolTable t;
  add_timed_arrays(t, model);
  add_constants(t, model.parameters);
  add_constants(t, model.constants);
  add_constants(t, syn.constants);
  const ir::NeuronGroup* pre = model.find_group(syn.source.group);
  const ir::NeuronGroup* post = model.find_group(syn.target.group);
  if (post) {
    add_group_variables(t, model, *post, Symbol::Kind::PostVariable, "");  // bare names: postsynaptic...
    add_group_variables(t, model, *post, Symbol::Kind::PostVariable, "_post");
  }
  if (pre) add_group_variables(t, model, *pre, Symbol::Kind::PreVariable, "_pre");
  for (const auto& eq : syn.equations) {  // ...unless a synaptic variable has the same name
    if (eq.has_flag(ir::EquationFlag::Summed)) continue;  // `g_post = ... (summed)` names the target's variable
    Symbol s;
    // IR v2: (constant over dt) subexpressions are stored per synapse, read like variables.
    bool stored_sub = eq.kind == ir::Equation::Kind::Subexpression && eq.has_flag(ir::EquationFlag::ConstantOverDt);
    s.kind = eq.kind == ir::Equation::Kind::Subexpression && !stored_sub ? Symbol::Kind::Subexpression : Symbol::Kind::Variable;
    s.dim = eq.dim;
    s.type = eq.type;
    s.owner = syn.name;
    s.variable = eq.name;
    s.equation = &eq;
    s.is_ode = eq.kind == ir::Equation::Kind::Differential;
    s.read_only = eq.kind == ir::Equation::Kind::Subexpression || eq.has_flag(ir::EquationFlag::Constant);
    s.shared = eq.has_flag(ir::EquationFlag::Shared);
    t.add(eq.name, s);
  }
  const Dimension second = Dimension::base(2);
  t.add("t", builtin(second, ir::ValueType::Float));
  t.add("dt", builtin(second, ir::ValueType::Float, model.dt));
  t.add("i", builtin(Dimension::dimensionless(), ir::ValueType::Integer));
  t.add("j", builtin(Dimension::dimensionless(), ir::ValueType::Integer));
  // IR v2: event-driven variables keep the time of their last update per synapse.
  bool event_driven = false;
  for (const auto& eq : syn.equations) event_driven |= eq.has_flag(ir::EquationFlag::EventDriven);
  if (event_driven) {
    Symbol lu{Symbol::Kind::Variable, second, ir::ValueType::Float, syn.name, "lastupdate"};
    lu.read_only = true;
    t.add("lastupdate", lu);
  }
  add_noise_symbols(t, syn.equations);
  if (pre) t.add("N_pre", builtin(Dimension::dimensionless(), ir::ValueType::Integer, static_cast<double>(syn.source.stop - syn.source.start)));
  if (post) t.add("N_post", builtin(Dimension::dimensionless(), ir::ValueType::Integer, static_cast<double>(syn.target.stop - syn.target.start)));
  // Brian2's N_incoming / N_outgoing: per synapse, how many synapses of this group end on its
  // target / start at its source. Known only once the synapses exist (lowering reads them from
  // per-neuron counts an init kernel makes), so connection rules cannot use them.
  if (pre && post)
    for (const char* n : {"N_incoming", "N_outgoing"}) t.add(n, builtin(Dimension::dimensionless(), ir::ValueType::Integer));
  return t;
}

bool is_degree_builtin(const std::string& n) { return n == "N_incoming" || n == "N_outgoing"; }

// Whether one name has the same value for every element.
static bool is_scalar_name(const std::string& n, const SymbolTable& scope, const std::set<std::string>& scalar_locals) {
  if (scalar_locals.count(n)) return true;
  const Symbol* s = scope.find(n);
  if (!s) return n == "pi" || n == "e" || n == "inf" || support::lookup_unit(n).has_value();
  switch (s->kind) {
    case Symbol::Kind::Constant: return true;
    case Symbol::Kind::Builtin: return n != "i" && n != "j" && !is_degree_builtin(n) && !is_noise_name(n);
    case Symbol::Kind::Function: return true;
    default: return s->shared;
  }
}

bool is_scalar_expression(const ir::ExprPtr& e, const SymbolTable& scope, const std::set<std::string>& scalar_locals) {
  return ir::walk(e, [&](const ir::Expr& x) {
    const bool scalar = x.kind == ir::Expr::Kind::Name ? is_scalar_name(x.name, scope, scalar_locals)
                        // rand()/randn() are vectorised in Brian2 (one draw per element) even without arguments.
                        : !(x.kind == ir::Expr::Kind::Call && (x.name == "rand" || x.name == "randn"));
    return scalar ? ir::WalkResult::Advance : ir::WalkResult::Stop;
  });
}

ScalarSplit split_scalar_statements(const std::vector<ir::Stmt>& code, const SymbolTable& scope) {
  ScalarSplit out;
  std::set<std::string> vector_locals;
  for (const auto& st : code) {
    const Symbol* target = scope.find(st.target);
    bool scalar;
    if (target && !st.target.starts_with("_")) {
      scalar = target->shared;
    } else if (out.scalar_locals.count(st.target)) {
      scalar = true;  // a temporary keeps the kind of its first definition, as in Brian2
    } else if (vector_locals.count(st.target)) {
      scalar = false;
    } else {
      scalar = is_scalar_expression(st.value, scope, out.scalar_locals);
      (scalar ? out.scalar_locals : vector_locals).insert(st.target);
    }
    (scalar ? out.scalar : out.vector).push_back(st);
  }
  return out;
}

bool is_boolean_expression(const ir::ExprPtr& e, const SymbolTable& scope) {
  using K = ir::Expr::Kind;
  if (!e) return false;
  switch (e->kind) {
    case K::Boolean: return true;
    case K::Name: {
      const Symbol* s = scope.find(e->name);
      return s && s->type == ir::ValueType::Boolean;
    }
    case K::Unary: return e->op == ir::Op::Not;
    case K::Binary: return ir::is_comparison(e->op) || e->op == ir::Op::And || e->op == ir::Op::Or;
    case K::Call: return e->name == "_select" && e->args.size() == 3 && is_boolean_expression(e->args[1], scope);
    default: return false;
  }
}

}  // namespace modelc::passes::model
