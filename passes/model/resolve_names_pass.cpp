// Name resolution and unit checking: every identifier in every code string must mean something in
// its scope, every equation must be dimensionally consistent, and every assignment must write a
// writable variable with a value of the right dimension. This is where most user mistakes surface,
// so every error points at the offending token and suggests a fix.
#include <cmath>
#include <map>
#include <functional>
#include <set>

#include "ir/expr_traversal.h"
#include "passes/model/constant_folding.h"
#include "passes/model/constant_value_check.h"
#include "passes/passes.h"
#include "passes/model/resolve_names.h"
#include "passes/model/symbols.h"

namespace modelc::passes::model {

const std::set<std::string> kFunctions = {"exp", "log", "log10", "sqrt", "abs", "sin", "cos", "tan", "sinh",
                                          "cosh", "tanh", "arcsin", "arccos", "arctan", "floor", "ceil", "clip",
                                          "sign", "int", "exprel", "rand", "randn", "expm1", "log1p"};

bool ResolveNamesPass::check_names(const ir::ExprPtr& e, const SymbolTable& scope, const std::set<std::string>& extra) {
  bool ok = true;
  ir::walk(e, [&](const ir::Expr& x) {
    if (x.kind == ir::Expr::Kind::Name && !scope.find(x.name) && !extra.count(x.name) && !support::lookup_unit(x.name) &&
        x.name != "pi" && x.name != "e" && x.name != "inf") {
      auto candidates = scope.names();
      auto close = support::closest_match(x.name, candidates);
      diags_->error_at(x.loc, "unknown identifier '" + x.name + "'",
                       close ? "did you mean '" + *close + "'?"
                             : "define it as a variable in 'equations' or as an entry of 'constants'");
      ok = false;
    }
    if (x.kind == ir::Expr::Kind::Call && !kFunctions.count(x.name) && x.name != "_select" && x.name != "timestep" &&
        !(model_ && model_->find_timed_array(x.name))) {
      std::vector<std::string> fns(kFunctions.begin(), kFunctions.end());
      auto close = support::closest_match(x.name, fns);
      diags_->error_at(x.loc, "unknown function '" + x.name + "'",
                       close ? "did you mean '" + *close + "'?" : "docs/ir.md lists the available functions");
      ok = false;
    }
    return ir::WalkResult::Advance;
  });
  return ok;
}

std::optional<Dimension> ResolveNamesPass::dim(const ir::ExprPtr& e, const SymbolTable& scope) {
  if (!check_names(e, scope)) return std::nullopt;
  return ir::infer_dimension(e, scope.dimension_lookup(), scope.constant_lookup(), *diags_);
}

void ResolveNamesPass::check_equations(const std::vector<ir::Equation>& eqs, const SymbolTable& scope) {
  const Dimension second = Dimension::base(2);
  for (const auto& eq : eqs) {
    if (eq.kind == ir::Equation::Kind::Parameter) continue;
    auto d = dim(eq.expr, scope);
    if (!d) continue;
    Dimension expected = eq.kind == ir::Equation::Kind::Differential ? eq.dim / second : eq.dim;
    if (!(*d == expected)) {
      std::string lhs = eq.kind == ir::Equation::Kind::Differential ? "d" + eq.name + "/dt" : eq.name;
      diags_->error_at(eq.expr->loc,
                       "the right-hand side has units of " + d->to_string() + ", but " + lhs + " needs " +
                           expected.to_string(),
                       eq.kind == ir::Equation::Kind::Differential
                           ? "an ODE's right-hand side needs the variable's unit per second: divide by a time constant"
                           : "fix the declared unit after ':' or the expression");
    }
    if (eq.type == ir::ValueType::Boolean && eq.kind == ir::Equation::Kind::Differential)
      diags_->error_at(eq.unit_loc, "a differential equation cannot be boolean", "use a unit such as volt or 1");
  }
  check_subexpression_cycles(eqs);
}

void ResolveNamesPass::check_subexpression_cycles(const std::vector<ir::Equation>& eqs) {
  std::map<std::string, const ir::Equation*> subs;
  for (const auto& eq : eqs)
    if (eq.kind == ir::Equation::Kind::Subexpression) subs[eq.name] = &eq;
  std::map<std::string, int> state;  // 0 new, 1 visiting, 2 done
  std::vector<std::string> path;
  std::function<bool(const std::string&)> visit = [&](const std::string& n) -> bool {
    if (state[n] == 2) return true;
    if (state[n] == 1) {
      std::string cycle;
      bool in = false;
      for (const auto& p : path) {
        if (p == n) in = true;
        if (in) cycle += p + " -> ";
      }
      diags_->error_at(subs[n]->loc, "subexpressions depend on each other in a cycle: " + cycle + n,
                       "break the cycle: a subexpression cannot depend on itself");
      return false;
    }
    state[n] = 1;
    path.push_back(n);
    std::vector<std::string> used;
    ir::collect_names(subs[n]->expr, used);
    for (const auto& u : used)
      if (subs.count(u) && !visit(u)) return false;
    path.pop_back();
    state[n] = 2;
    return true;
  };
  for (const auto& [n, eq] : subs)
    if (!visit(n)) return;
}

void ResolveNamesPass::check_boolean(const ir::ExprPtr& e, const SymbolTable& scope, const std::string& what) {
  if (!e) return;
  auto d = dim(e, scope);
  if (!d) return;
  if (!is_boolean_expression(e, scope))
    diags_->error_at(e->loc, what + " must be a boolean expression", "write a comparison such as 'v > Vt'");
}

void ResolveNamesPass::check_statements(const std::vector<ir::Stmt>& stmts, const SymbolTable& scope,
                                        const std::string& what) {
  std::set<std::string> locals;  // Brian2 abstract code may introduce temporaries: `x = ...` to a new name
  std::map<std::string, Dimension> local_dims;
  auto lookup = [&](const std::string& n) -> std::optional<Dimension> {
    if (auto it = local_dims.find(n); it != local_dims.end()) return it->second;
    if (const Symbol* sym = scope.find(n)) return sym->dim;
    return scope.dimension_lookup()(n);  // IR v2: TimedArray functions ("name()")
  };
  for (const auto& s : stmts) {
    const Symbol* target = scope.find(s.target);
    if (!check_names(s.value, scope, locals)) continue;
    // IR v2: a new name starting with '_' assigned with '=' is a temporary of the code block (as in
    // Brian2's abstract code; other unknown names stay errors, since they are most often typos).
    if (!target && !locals.count(s.target) && s.op == "=" && s.target.starts_with("_") && model_ &&
        model_->ir_version >= 2) {
      locals.insert(s.target);
      if (auto d = ir::infer_dimension(s.value, lookup, scope.constant_lookup(), *diags_)) local_dims[s.target] = *d;
      continue;
    }
    if (!target) {
      if (locals.count(s.target)) continue;
      auto close = support::closest_match(s.target, scope.names());
      diags_->error_at(s.target_loc, what + " assigns to unknown variable '" + s.target + "'",
                       close ? "did you mean '" + *close + "'?" : "declare it in 'equations'");
      continue;
    }
    if (target->read_only || target->kind == Symbol::Kind::Constant || target->kind == Symbol::Kind::Builtin) {
      std::string kind = target->kind == Symbol::Kind::Constant   ? "a constant"
                         : target->kind == Symbol::Kind::Builtin  ? "a built-in"
                         : target->kind == Symbol::Kind::Subexpression ? "a subexpression"
                         : target->link                                 ? "a (linked) variable"
                         : target->equation && target->equation->kind == ir::Equation::Kind::Subexpression
                             ? "a (constant over dt) subexpression"
                             : "a (constant) parameter";
      diags_->error_at(s.target_loc, "'" + s.target + "' is " + kind + " and cannot be assigned in " + what,
                       "assign a state variable or a non-constant parameter instead");
      continue;
    }
    // Dimension of the value, with the target's own dimension known for `x = x * 2`-style code.
    auto d = ir::infer_dimension(s.value, lookup, scope.constant_lookup(), *diags_);
    if (!d) continue;
    Dimension expected = target->dim;
    if (s.op == "*=" || s.op == "/=") expected = Dimension::dimensionless();
    if (target->type == ir::ValueType::Boolean) {
      if (s.op != "=" || !is_boolean_expression(s.value, scope))
        diags_->error_at(s.loc, "'" + s.target + "' is boolean and can only be assigned a boolean expression");
      continue;
    }
    if (!(*d == expected))
      diags_->error_at(s.value->loc,
                       "the value has units of " + d->to_string() + ", but '" + s.target + "' " +
                           (s.op == "=" || s.op == "+=" || s.op == "-=" ? "has units of " : "can only be scaled by ") +
                           expected.to_string(),
                       "multiply by the right unit (e.g. mV) or fix the variable's declared unit");
  }
}

void ResolveNamesPass::check_initial(const std::vector<ir::NamedExpr>& init, const SymbolTable& scope, bool synapses) {
  for (const auto& ie : init) {
    const Symbol* target = scope.find(ie.name);
    bool ok = target && (target->kind == Symbol::Kind::Variable) && !(target->equation &&
              target->equation->kind == ir::Equation::Kind::Subexpression);
    if (!ok) {
      std::vector<std::string> vars;
      for (const auto& n : scope.names())
        if (const Symbol* s = scope.find(n); s->kind == Symbol::Kind::Variable) vars.push_back(n);
      auto close = support::closest_match(ie.name, vars);
      diags_->error(std::string("initial value for '") + ie.name + "', which is not a " +
                        (synapses ? "synaptic" : "neuron") + " variable of this group",
                    ie.json_pointer, close ? "did you mean '" + *close + "'?" : "declare it in 'equations'");
      continue;
    }
    if (target->link) {  // IR v2: the value lives in the linked group
      diags_->error("'" + ie.name + "' is (linked) to '" + target->owner + "." + target->variable + "' and has no initial value of its own",
                    ie.json_pointer, "set the initial value of '" + target->variable + "' in group '" + target->owner + "'");
      continue;
    }
    if (!ie.expr) continue;  // IR v2 array: SI values, one per element
    auto d = dim(ie.expr, scope);
    if (!d || ie.si_number) continue;
    if (target->type == ir::ValueType::Boolean) {
      if (!is_boolean_expression(ie.expr, scope))
        diags_->error_at(ie.expr->loc, "'" + ie.name + "' is boolean; its initial value must be a boolean expression");
    } else if (!(*d == target->dim)) {
      diags_->error_at(ie.expr->loc,
                       "initial value of '" + ie.name + "' has units of " + d->to_string() + ", but the variable has " +
                           target->dim.to_string(),
                       "multiply by a unit, e.g. \"-60 * mV\"");
    }
  }
}

bool ResolveNamesPass::run(CompilationUnit& unit, DiagnosticEngine& diags) {
  diags_ = &diags;
  model_ = &unit.model;
  int before = diags.error_count();
  ir::Model& m = unit.model;
  const Dimension second = Dimension::base(2);
  for (auto& g : m.neuron_groups) {
    SymbolTable scope = neuron_scope(m, g);
    for (const auto& eq : g.equations)
      if (eq.has_flag(ir::EquationFlag::UnlessRefractory) && g.refractory.kind == ir::Refractory::Kind::None)
        diags.warning_at(eq.flags_loc, "'unless refractory' has no effect: group '" + g.name + "' has no refractory period",
                         "add \"refractory\": \"5 ms\" to the group or remove the flag");
    // Refractoriness first: it decides whether lastspike / not_refractory exist.
    if (g.refractory.kind != ir::Refractory::Kind::None) {
      auto d = dim(g.refractory.expr, scope);
      if (d) {
        if (*d == second) g.refractory.kind = ir::Refractory::Kind::Time;
        else if (d->is_dimensionless() && is_boolean_expression(g.refractory.expr, scope))
          g.refractory.kind = ir::Refractory::Kind::Condition;
        else
          diags.error_at(g.refractory.expr->loc,
                         "refractory must be a time (e.g. 5*ms) or a boolean condition, but has units of " + d->to_string(),
                         "write e.g. \"5 ms\" or \"v > -20*mV\"");
      }
      if (g.refractory.kind == ir::Refractory::Kind::Time)
        check_constant_value(fold_constants(g.refractory.expr, scope), "the refractory period of '" + g.name + "'",
                             ValueRange::FiniteNonNegative, g.json_pointer + "/refractory", diags);
      if (!g.threshold)
        diags.warning("group '" + g.name + "' has a refractory period but no threshold: it never becomes refractory",
                      g.json_pointer + "/refractory");
    }
    // A constant negative rate never fires (rand() < rates*dt): surely a mistake, not a silent group.
    if (g.rates && dim(g.rates, scope))
      check_constant_value(fold_constants(g.rates, scope), "the rate of poisson group '" + g.name + "'",
                           ValueRange::FiniteNonNegative, g.json_pointer + "/rates", diags);
    check_equations(g.equations, scope);
    check_boolean(g.threshold, scope, "the threshold");
    check_statements(g.reset, scope, "the reset");
    check_initial(g.initial, scope, false);
    check_neuron_group_v2(m, g, scope);
  }
  for (auto& s : m.synapses) {
    SymbolTable scope = synapse_scope(m, s);
    check_equations(s.equations, scope);
    for (const auto& eq : s.equations)
      if (eq.kind != ir::Equation::Kind::Parameter && m.ir_version < 2)
        diags.error_at(eq.loc, "synaptic ODEs and subexpressions are not supported in IR v1",
                       "declare per-synapse parameters only (e.g. 'w : volt'), or set \"modelc_ir\": 2 (docs/ir-v2.md)");
    for (const auto& pw : s.pathways) check_statements(pw.code, scope, pw.post ? "on_post" : "on_pre");
    check_synapses_v2(m, s, scope);
    check_initial(s.initial, scope, true);
    if (s.connect.kind == ir::ConnectSpec::Kind::Probability) {
      if (s.connect.p) {
        if (auto d = dim(s.connect.p, scope); d && !d->is_dimensionless())
          diags.error_at(s.connect.p->loc, "the connection probability must be dimensionless, but has units of " + d->to_string());
      }
      check_boolean(s.connect.condition, scope, "the connection condition");
    }
    for (const auto& pw : s.pathways)
      if (pw.delay) {
        double steps = pw.delay->value / m.dt;
        if (std::fabs(steps - std::round(steps)) > 1e-6)
          diags.warning("delay " + std::to_string(pw.delay->value) + " s is not a multiple of dt; it is rounded to " +
                            std::to_string(static_cast<int64_t>(steps + 0.5)) + " steps as Brian2 does",
                        pw.delay_pointer);
      }
  }
  check_model_v2(m);
  for (auto& mon : m.monitors) {
    check_monitor_v2(m, mon);
    const ir::NeuronGroup* g = m.find_group(mon.source.group);
    if (!g || mon.synapses) continue;
    SymbolTable scope = neuron_scope(m, *g);
    for (size_t k = 0; k < mon.variables.size(); ++k) {
      const Symbol* s = scope.find(mon.variables[k]);
      std::string ptr = mon.json_pointer + "/variables/" + std::to_string(k);
      if (s && s->link) {
        diags.error("'" + mon.variables[k] + "' is a (linked) variable of '" + g->name + "' and cannot be recorded here", ptr,
                    "record '" + s->variable + "' of group '" + s->owner + "' instead");
        continue;
      }
      if (!s || s->kind != Symbol::Kind::Variable) {
        std::vector<std::string> vars;
        for (const auto& n : scope.names())
          if (scope.find(n)->kind == Symbol::Kind::Variable) vars.push_back(n);
        auto close = support::closest_match(mon.variables[k], vars);
        diags.error(s && s->kind == Symbol::Kind::Subexpression
                        ? "recording the subexpression '" + mon.variables[k] + "' is not supported in IR v1"
                        : "group '" + g->name + "' has no variable '" + mon.variables[k] + "' to record",
                    ptr, close ? "did you mean '" + *close + "'?" : "record a state variable or parameter");
      }
    }
    if (mon.kind != ir::Monitor::Kind::State && !g->threshold)
      diags.warning("monitor '" + mon.name + "' records spikes of '" + g->name + "', which has no threshold",
                    mon.json_pointer);
  }
  // Two arrays with one file name would otherwise be found only when the results are written,
  // after the whole simulation.
  std::map<std::string, std::pair<const ir::Monitor*, std::string>> files;
  for (const auto& mon : m.monitors) {
    const auto fields = ir::monitor_fields(mon.kind, mon.variables);
    const size_t fixed = fields.size() - mon.variables.size();  // the variables come last
    for (size_t k = 0; k < fields.size(); ++k) {
      const ir::MonitorField& f = fields[k];
      const std::string file = ir::monitor_file(mon.name, f.field);
      auto [it, fresh] = files.try_emplace(file, &mon, f.what);
      if (fresh) continue;
      const bool same = it->second.first == &mon;
      diags.error("results file " + file + " would hold both the " + it->second.second + " of monitor '" +
                      it->second.first->name + "' and the " + f.what + (same ? " of the same monitor" : " of monitor '" + mon.name + "'"),
                  k >= fixed ? mon.json_pointer + "/variables/" + std::to_string(k - fixed) : mon.json_pointer,
                  same ? "a monitor's arrays are <monitor>_t, _i/_indices/_rate and one per variable: record the variable with another monitor"
                       : "rename one of the monitors (results are written as <monitor>_<array>.npy)");
    }
  }
  return diags.error_count() == before;
}


std::unique_ptr<Pass> create_resolve_names_pass() { return std::make_unique<ResolveNamesPass>(); }

}  // namespace modelc::passes::model
