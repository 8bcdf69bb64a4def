// Lowering of Brian2's one-value-per-group constructs (IR v2): the scalar/vector split of abstract
// code with (shared) variables, (constant over dt) subexpressions and (linked) variables.
#include <functional>
#include <set>

#include "passes/model/constant_folding.h"
#include "passes/lowering/kernel_lowering.h"

namespace modelc::passes::lowering {


void Lowerer::add_split_kernels(const std::string& name, const kir::Domain& domain, int64_t every_steps,
                                const std::vector<ir::Stmt>& code, const CodeContext& c, std::vector<size_t>& out) {
  model::ScalarSplit split = model::split_scalar_statements(code, *c.scope);
  // Without a write to a shared variable the scalar temporaries may as well be recomputed per
  // element (same values): one kernel, as before IR v2, and the code keeps its order.
  bool shared_write = false;
  for (const auto& st : split.scalar) shared_write |= !split.scalar_locals.count(st.target);
  if (!shared_write) {
    split.vector = code;
    split.scalar.clear();
  }
  CodeContext vc = c;
  kir::Block prologue;
  if (!split.scalar.empty()) {
    // One element of the owning population: Brian2 runs scalar code once per code object.
    kir::Kernel k;
    k.name = unique_name(name + "_scalar");
    k.every_steps = every_steps;
    k.domain.kind = kir::Domain::Kind::Neurons;
    if (domain.kind == kir::Domain::Kind::Neurons) {
      k.domain.population = domain.population;
      k.domain.offset = domain.offset;
    } else {  // a synapse group's scalar code: run it on the first neuron of its source slice
      k.domain.population = c.syn->source.group;
      k.domain.offset = c.syn->source.start;
    }
    k.domain.size = 1;
    CodeContext sc = c;
    statements(split.scalar, sc, k.body);
    // Scalar temporaries read by the vector statements are handed over through one-element buffers.
    std::set<std::string> used;
    for (const auto& st : split.vector) {
      std::vector<std::string> names;
      ir::collect_names(st.value, names);
      used.insert(names.begin(), names.end());
    }
    const std::string owner = domain.kind == kir::Domain::Kind::Neurons ? domain.population : c.syn->name;
    for (const auto& local : split.scalar_locals) {
      if (!used.count(local) || !sc.locals.count(local)) continue;
      Type t = sc.locals[local];
      add_buffer(owner, "_scalar" + local + "_" + k.name, t, kir::BufferRole::Internal, 1, "1");
      std::string buf = prog_.buffers.back().name;
      kir::Stmt st;
      st.kind = kir::Stmt::Kind::Store;
      st.name = buf;
      st.type = t;
      st.index = kir::lit_int(0);
      st.value = kir::local(local, t);
      k.body.push_back(st);
      kir::Stmt decl;
      decl.kind = kir::Stmt::Kind::Declare;
      decl.name = local;
      decl.type = t;
      decl.value = kir::load(buf, t, kir::lit_int(0));
      prologue.push_back(decl);
      vc.locals[local] = t;
    }
    out.push_back(add_kernel(std::move(k)));
  }
  if (split.vector.empty()) return;
  kir::Kernel k;
  k.name = unique_name(name);
  k.domain = domain;
  k.every_steps = every_steps;
  k.body = std::move(prologue);
  statements(split.vector, vc, k.body);
  out.push_back(add_kernel(std::move(k)));
}

// `name = expr` for each (constant over dt) subexpression of `eqs`, dependencies first.
static std::vector<ir::Stmt> constant_over_dt_code(const std::vector<ir::Equation>& eqs, const model::SymbolTable& scope) {
  std::vector<const ir::Equation*> todo, ordered;
  for (const auto& eq : eqs)
    if (eq.kind == ir::Equation::Kind::Subexpression && eq.has_flag(ir::EquationFlag::ConstantOverDt)) todo.push_back(&eq);
  std::set<std::string> done;
  std::function<void(const ir::Equation*, int)> visit = [&](const ir::Equation* eq, int depth) {
    if (done.count(eq->name) || depth > 256) return;  // cycles were rejected by resolve-names
    std::vector<std::string> names;
    ir::collect_names(eq->expr, names);
    for (const auto& n : names)
      for (const ir::Equation* other : todo)
        if (other->name == n && other != eq) visit(other, depth + 1);
    if (done.insert(eq->name).second) ordered.push_back(eq);
  };
  for (const ir::Equation* eq : todo) visit(eq, 0);
  std::vector<ir::Stmt> code;
  for (const ir::Equation* eq : ordered) {
    ir::Stmt st;
    st.target = eq->name;
    st.op = "=";
    st.value = model::fold_constants(eq->expr, scope);
    st.loc = eq->loc;
    st.target_loc = eq->name_loc;
    code.push_back(st);
  }
  return code;
}

void Lowerer::lower_constant_over_dt(const ir::NeuronGroup& g, const model::SymbolTable& scope) {
  // Brian2's SubexpressionUpdater: `name = expr` for each such subexpression, dependencies first,
  // in the before_start slot (golden decision 3).
  std::vector<ir::Stmt> code = constant_over_dt_code(g.equations, scope);
  if (code.empty()) return;
  CodeContext c;
  c.scope = &scope;
  c.group = &g;
  c.conditional_writes = false;
  std::vector<size_t> kernels;
  add_split_kernels(g.name + "_subexpressions", {kir::Domain::Kind::Neurons, g.name, ""}, 1, code, c, kernels);
  schedule(g.constant_over_dt_schedule, "before_start", g.order, g.name + "_subexpression_update", kernels);
  decisions_.emplace_back("(constant over dt) subexpressions of " + g.name,
                          "stored and evaluated once per step before the state monitors (Brian2's before_start "
                          "SubexpressionUpdater), not at integrator substeps");
}

void Lowerer::lower_constant_over_dt(const ir::SynapseGroup& s, const model::SymbolTable& scope) {
  // The same for synapses: one value per synapse, updated in before_start at the synapses' order.
  std::vector<ir::Stmt> code = constant_over_dt_code(s.equations, scope);
  if (code.empty()) return;
  CodeContext c;
  c.scope = &scope;
  c.syn = &s;
  c.conditional_writes = false;
  std::vector<size_t> kernels;
  add_split_kernels(s.name + "_subexpressions", {kir::Domain::Kind::Synapses, "", s.name}, 1, code, c, kernels);
  schedule(ir::Scheduling{}, "before_start", s.order, s.name + "_subexpression_update", kernels);
  decisions_.emplace_back("(constant over dt) subexpressions of " + s.name,
                          "stored per synapse and evaluated once per step in before_start (Brian2's "
                          "SubexpressionUpdater of the synapses)");
}

kir::ExprP Lowerer::linked_index(const model::Symbol& s, kir::ExprP base) {
  if (s.shared) return kir::lit_int(0);
  // resolve-names evaluated every index expression into `indices` (range-checked there).
  if (!s.link->indices) return base;
  auto it = link_tables_.find(s.link);
  if (it == link_tables_.end()) {
    diags_.error("internal: no index table for the link of '" + s.link->variable + "'", s.link->json_pointer,
                 "please report this as a bug");
    return base;
  }
  return kir::load(it->second, Type::Int64, base);
}

}  // namespace modelc::passes::lowering
