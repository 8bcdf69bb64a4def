// Name resolution and unit checks for the IR v2 constructs (docs/ir-v2.md): pathways and their
// delays, event-driven / clock-driven synaptic ODEs, (summed) variables, custom events,
// run_regularly, PoissonInputs and v2 monitors. Same style as resolve_names_pass.cpp: every error
// points at the offending token or JSON pointer and says how to fix it.
#include <cmath>
#include <map>
#include <set>

#include "passes/model/resolve_names.h"

namespace modelc::passes::model {

namespace {
const Dimension kSecond = Dimension::base(2);

bool is_event_driven(const ir::Equation& eq) { return eq.has_flag(ir::EquationFlag::EventDriven); }
}  // namespace

void ResolveNamesPass::check_connect_v2(const ir::SynapseGroup& s, const SymbolTable& scope) {
  const ir::ConnectSpec& cs = s.connect;
  const std::string var = cs.kind == ir::ConnectSpec::Kind::Generator ? cs.generator.variable : "";
  // Synaptic variables and the degrees exist only once the synapses do.
  auto check_not_synaptic = [&](const ir::ExprPtr& e, const std::string& role, const std::set<std::string>& extra = {}) {
    if (!e) return true;
    std::vector<std::string> names;
    ir::collect_names(e, names);
    for (const auto& n : names) {
      const Symbol* sym = extra.count(n) ? nullptr : scope.find(n);
      if (sym && (sym->kind == Symbol::Kind::Variable || n == "lastupdate" || is_degree_builtin(n))) {
        diags_->error_at(e->loc, role + " uses the synaptic variable '" + n + "', which does not exist before the synapses are created",
                         "connection rules may use i, j, N_pre, N_post, constants and pre/post neuron variables (v_pre, x_post)");
        return false;
      }
    }
    return true;
  };
  // `role`: what the expression is; `no_j`: it is evaluated once per presynaptic neuron.
  auto check = [&](const ir::ExprPtr& e, const std::string& role, bool no_j, bool allow_var, bool boolean) {
    if (!e) return;
    std::set<std::string> extra;
    if (allow_var && !var.empty()) extra.insert(var);
    if (!check_names(e, scope, extra)) return;
    if (!check_not_synaptic(e, role, extra)) return;
    std::vector<std::string> names;
    ir::collect_names(e, names);
    for (const auto& n : names) {
      const Symbol* sym = extra.count(n) ? nullptr : scope.find(n);
      bool post = n == "j" || (sym && sym->kind == Symbol::Kind::PostVariable);
      if (no_j && (post || (!var.empty() && n == var && !allow_var))) {
        diags_->error_at(e->loc, role + " is evaluated once per presynaptic neuron and cannot use '" + n + "'",
                         "use i, N_pre, N_post, constants and presynaptic variables (x_pre) here");
        return;
      }
    }
    auto d = ir::infer_dimension(
        e,
        [&](const std::string& n) -> std::optional<Dimension> {
          if (extra.count(n)) return Dimension::dimensionless();
          return scope.dimension_lookup()(n);
        },
        scope.constant_lookup(), *diags_);
    if (!d) return;
    if (!d->is_dimensionless())
      diags_->error_at(e->loc, role + " must be dimensionless, but has units of " + d->to_string(), "divide by the unit");
    else if (boolean && !is_boolean_expression(e, scope))
      diags_->error_at(e->loc, role + " must be a boolean expression", "write a comparison such as 'k != i'");
  };
  if (cs.kind == ir::ConnectSpec::Kind::Generator) {
    const auto& g = cs.generator;
    check(g.low, "the lower bound of the generator", true, false, false);
    check(g.high, "the upper bound of the generator", true, false, false);
    check(g.step, "the step of the generator", true, false, false);
    check(g.p, "the sampling probability", true, false, false);
    check(g.size, "the sample size", true, false, false);
    check(g.element, "the generator's element (the target index)", true, true, false);
    check(g.condition, "the generator's condition", false, true, true);
  }
  if (cs.kind == ir::ConnectSpec::Kind::Probability) {
    // Units and booleanness: resolve_names_pass.cpp; here only what does not exist yet.
    check_not_synaptic(cs.p, "the connection probability");
    check_not_synaptic(cs.condition, "the connection condition");
  }
  check(cs.n, "the number of synapses per pair 'n'", false, false, false);
}

void ResolveNamesPass::check_synapses_v2(const ir::Model& m, const ir::SynapseGroup& s, const SymbolTable& scope) {
  check_connect_v2(s, scope);
  for (const auto& eq : s.equations)
    if (eq.kind == ir::Equation::Kind::Differential && eq.has_flag(ir::EquationFlag::Shared))
      diags_->error_at(eq.flags_loc, "a differential equation cannot be (shared)",
                       "Brian2 allows (shared) only on parameters and subexpressions");
  for (const auto& pw : s.pathways) check_shared_writes(pw.code, scope, pw.post ? "on_post code" : "on_pre code", false);
  for (const auto& rr : s.run_regularly) {
    check_statements(rr.code, scope, "run_regularly code");
    check_shared_writes(rr.code, scope, "run_regularly code", true);
  }
  for (const auto& pw : s.pathways) {
    if (!pw.delay_expr) continue;
    auto d = dim(pw.delay_expr, scope);
    if (d && !(*d == kSecond))
      diags_->error_at(pw.delay_expr->loc, "the delay of pathway '" + pw.name + "' has units of " + d->to_string() +
                                               ", but a delay must be a time",
                       "multiply by a time unit, e.g. \"4*ms*rand()\"");
  }
  const ir::NeuronGroup* target = m.find_group(s.target.group);
  for (const auto& eq : s.equations) {
    if (eq.kind == ir::Equation::Kind::Differential) {
      if (eq.has_flag(ir::EquationFlag::EventDriven) && eq.has_flag(ir::EquationFlag::ClockDriven))
        diags_->error_at(eq.flags_loc, "an equation cannot be both event-driven and clock-driven", "keep one flag");
      if (!is_event_driven(eq)) continue;
      std::vector<std::string> names;
      ir::collect_names(eq.expr, names);
      for (const auto& n : names) {
        const Symbol* sym = scope.find(n);
        if (!sym) continue;
        bool neuron_var = sym->kind == Symbol::Kind::PreVariable || sym->kind == Symbol::Kind::PostVariable;
        bool clock_var = sym->kind == Symbol::Kind::Variable && sym->is_ode && sym->equation && !is_event_driven(*sym->equation);
        if (neuron_var || clock_var || n == "t" || is_noise_name(n))
          diags_->error_at(eq.expr->loc,
                           "the event-driven equation for '" + eq.name + "' depends on " +
                               (neuron_var ? "the neuron variable '" + n + "'"
                                : clock_var ? "the clock-driven variable '" + n + "'"
                                            : "'" + n + "'"),
                           "event-driven equations are solved exactly between events and may only use event-driven "
                           "variables, synaptic parameters and constants; make it (clock-driven)");
      }
      continue;
    }
    if (eq.kind != ir::Equation::Kind::Subexpression || !eq.has_flag(ir::EquationFlag::Summed)) continue;
    // `g_post = expr : unit (summed)`: the target variable g of the postsynaptic group.
    std::string var = eq.name;
    const bool post_suffix = var.size() > 5 && var.compare(var.size() - 5, 5, "_post") == 0;
    if (!post_suffix) {
      const bool pre_suffix = var.size() > 4 && var.compare(var.size() - 4, 4, "_pre") == 0;
      const std::string base = pre_suffix ? var.substr(0, var.size() - 4) : var;
      diags_->error_at(eq.name_loc,
                       pre_suffix ? "the summed variable '" + var + "' sums onto the presynaptic group, which modelc does not support"
                                  : "the summed variable '" + var + "' does not say which group it sums onto",
                       pre_suffix ? "write it as a synapse group from the target to the source (the connections reversed, _pre and "
                                    "_post exchanged in the expression) with '" + base + "_post = ... (summed)'"
                                  : "name it '" + base + "_post' to sum onto the target's variable '" + base + "'");
      continue;
    }
    var = var.substr(0, var.size() - 5);
    const ir::Equation* tv = target ? target->find_equation(var) : nullptr;
    if (!tv) {
      std::vector<std::string> names;
      if (target)
        for (const auto& e : target->equations) names.push_back(e.name + "_post");
      auto close = support::closest_match(eq.name, names);
      diags_->error_at(eq.name_loc, "the summed variable '" + eq.name + "' targets '" + var + "', which group '" +
                                        s.target.group + "' does not have",
                       close ? "did you mean '" + *close + "'?" : "declare '" + var + " : <unit>' in the target's equations");
      continue;
    }
    if (tv->kind != ir::Equation::Kind::Parameter || tv->has_flag(ir::EquationFlag::Constant)) {
      diags_->error_at(eq.name_loc,
                       "the summed variable '" + eq.name + "' targets '" + var + "', which is " +
                           (tv->kind == ir::Equation::Kind::Differential   ? "a differential equation variable"
                            : tv->kind == ir::Equation::Kind::Subexpression ? "a subexpression"
                                                                            : "a constant parameter"),
                       "a summed variable must write a non-constant parameter of the target: declare '" + var + " : " +
                           tv->unit_text + "' and use it in the target's equations");
      continue;
    }
    if (!(tv->dim == eq.dim))
      diags_->error_at(eq.unit_loc, "the summed variable '" + eq.name + "' has units of " + eq.dim.to_string() +
                                        ", but the target variable '" + var + "' has " + tv->dim.to_string(),
                       "use the target variable's unit");
  }
}

void ResolveNamesPass::check_shared_writes(const std::vector<ir::Stmt>& stmts, const SymbolTable& scope,
                                           const std::string& what, bool allowed) {
  std::set<std::string> scalar_locals;
  bool vector_written = false;
  for (const auto& st : stmts) {
    const Symbol* target = scope.find(st.target);
    bool temporary = !target || st.target.starts_with("_");
    if (temporary) {
      if (is_scalar_expression(st.value, scope, scalar_locals)) scalar_locals.insert(st.target);
      continue;
    }
    if (!target->shared) {
      vector_written = true;
      continue;
    }
    if (!allowed) {
      diags_->error_at(st.target_loc, "'" + st.target + "' is (shared) and cannot be written by " + what,
                       "Brian2 allows writes to shared variables only in run_regularly code and equations: "
                       "move the update into a run_regularly operation or drop the (shared) flag");
      continue;
    }
    if (vector_written)
      diags_->error_at(st.target_loc, "the (shared) variable '" + st.target + "' is written after a per-neuron variable in " + what,
                       "Brian2 runs writes to shared variables once, before the per-neuron statements: move this "
                       "statement before the first per-neuron write");
    if (!is_scalar_expression(st.value, scope, scalar_locals))
      diags_->error_at(st.value->loc, "the (shared) variable '" + st.target + "' is assigned a value that differs per neuron",
                       "a shared variable has one value for the group: use only shared variables, constants and t "
                       "(no i, no per-neuron variables, no rand())");
  }
}

void ResolveNamesPass::check_links(const ir::Model& m, ir::NeuronGroup& g, const SymbolTable& scope) {
  for (const auto& eq : g.equations) {
    if (!eq.has_flag(ir::EquationFlag::Linked)) continue;
    bool found = false;
    for (const auto& l : g.links) found |= l.variable == eq.name;
    if (eq.kind != ir::Equation::Kind::Parameter)
      diags_->error_at(eq.flags_loc, "only parameters can be (linked), but '" + eq.name + "' has an equation",
                       "declare it as '" + eq.name + " : " + eq.unit_text + " (linked)'");
    else if (!found)
      diags_->error_at(eq.flags_loc, "'" + eq.name + "' is (linked) but the group's \"links\" do not link it",
                       "add \"links\": {\"" + eq.name + "\": {\"group\": ..., \"variable\": ...}}");
  }
  for (auto& l : g.links) {
    const ir::Equation* eq = g.find_equation(l.variable);
    if (!eq || !eq->has_flag(ir::EquationFlag::Linked)) {
      diags_->error("the link '" + l.variable + "' names no (linked) parameter of group '" + g.name + "'", l.json_pointer,
                    "declare '" + l.variable + " : <unit> (linked)' in the group's equations");
      continue;
    }
    const ir::NeuronGroup* src = m.find_group(l.group);
    const ir::Equation* se = src ? src->find_equation(l.source_variable) : nullptr;
    if (!src || !se || se->kind == ir::Equation::Kind::Subexpression || se->has_flag(ir::EquationFlag::Linked)) {
      std::vector<std::string> names;
      if (src)
        for (const auto& e : src->equations) names.push_back(e.name);
      auto close = support::closest_match(l.source_variable, names);
      diags_->error("group '" + l.group + "' has no state variable or parameter '" + l.source_variable + "' to link to",
                    l.json_pointer + "/variable", close ? "did you mean '" + *close + "'?" : "link a stored variable");
      continue;
    }
    if (!(se->dim == eq->dim) || se->type != eq->type)
      diags_->error("the linked variable '" + l.variable + "' has units of " + eq->dim.to_string() + ", but '" + l.group +
                        "." + l.source_variable + "' has " + se->dim.to_string(),
                    l.json_pointer, "declare '" + l.variable + "' with the unit of its source (" + se->unit_text + ")");
    if (se->has_flag(ir::EquationFlag::Shared)) continue;  // one value: every neuron reads it
    // Evaluate an index expression of i once per neuron: Brian2 computes link indices at creation.
    if (l.index) {
      std::vector<int64_t> idx;
      for (int64_t i = 0; i < g.size; ++i) {
        DiagnosticEngine probe;
        auto q = ir::evaluate_constant(
            l.index,
            [&](const std::string& n) -> std::optional<Quantity> {
              if (n == "i") return Quantity{static_cast<double>(i), Dimension::dimensionless()};
              if (n == "N") return Quantity{static_cast<double>(g.size), Dimension::dimensionless()};
              return scope.constant_lookup()(n);
            },
            probe);
        if (!q || !q->dim.is_dimensionless() || std::fabs(q->value - std::round(q->value)) > 1e-9) {
          diags_->error_at(l.index->loc, "the link index must be an integer expression of i, N and constants",
                           "e.g. \"i // 10\" or an array of indices");
          idx.clear();
          break;
        }
        idx.push_back(static_cast<int64_t>(std::llround(q->value)));
      }
      if (idx.empty() && g.size > 0) continue;
      l.indices = std::move(idx);
      l.index = nullptr;
    }
    if (l.indices) {
      for (size_t k = 0; k < l.indices->size(); ++k)
        if ((*l.indices)[k] < 0 || (*l.indices)[k] >= src->size) {
          diags_->error("the link index of neuron " + std::to_string(k) + " is " + std::to_string((*l.indices)[k]) +
                            ", outside group '" + src->name + "' (size " + std::to_string(src->size) + ")",
                        l.json_pointer + "/index", "link indices must lie in [0, " + std::to_string(src->size) + ")");
          break;
        }
    } else if (src->size != g.size) {
      diags_->error("linking '" + l.variable + "' without an index needs groups of equal size ('" + g.name + "': " +
                        std::to_string(g.size) + ", '" + src->name + "': " + std::to_string(src->size) + ")",
                    l.json_pointer, "give \"index\": an expression of i or an array of source indices");
    }
  }
}

void ResolveNamesPass::check_neuron_group_v2(const ir::Model& m, ir::NeuronGroup& g, const SymbolTable& scope) {
  for (const auto& eq : g.equations)
    if (eq.kind == ir::Equation::Kind::Differential && eq.has_flag(ir::EquationFlag::Shared))  // Brian2's check_flags
      diags_->error_at(eq.flags_loc, "a differential equation cannot be (shared)",
                       "Brian2 allows (shared) only on parameters and subexpressions: declare '" + eq.name + " : " +
                           eq.unit_text + " (shared)' and update it in run_regularly code");
  check_shared_writes(g.reset, scope, "the reset", false);
  for (const auto& ev : g.events) {
    check_boolean(ev.condition, scope, "the condition of event '" + ev.name + "'");
    check_statements(ev.code, scope, "the code of event '" + ev.name + "'");
    check_shared_writes(ev.code, scope, "the code of event '" + ev.name + "'", false);
  }
  for (const auto& rr : g.run_regularly) {
    check_statements(rr.code, scope, "run_regularly code");
    check_shared_writes(rr.code, scope, "run_regularly code", true);
  }
  check_links(m, g, scope);
  for (const auto& eq : g.equations)
    if (eq.kind != ir::Equation::Kind::Differential) {
      std::vector<std::string> names;
      ir::collect_names(eq.expr, names);
      for (const auto& n : names)
        if (is_noise_name(n))
          diags_->error_at(eq.loc, "noise ('" + n + "') may only appear in differential equations",
                           "move the noise term into the ODE");
    }
}

void ResolveNamesPass::check_model_v2(const ir::Model& m) {
  // A target variable may be summed by only one synapse group (Brian2 raises the same error).
  std::map<std::pair<std::string, std::string>, std::string> summed_by;
  for (const auto& s : m.synapses)
    for (const auto& eq : s.equations) {
      if (eq.kind != ir::Equation::Kind::Subexpression || !eq.has_flag(ir::EquationFlag::Summed)) continue;
      std::string var = eq.name;
      if (var.size() > 5 && var.compare(var.size() - 5, 5, "_post") == 0) var = var.substr(0, var.size() - 5);
      auto [it, fresh] = summed_by.emplace(std::make_pair(s.target.group, var), s.name);
      if (!fresh)
        diags_->error_at(eq.name_loc,
                         "the variable '" + var + "' of '" + s.target.group + "' is summed by two synapse groups ('" +
                             it->second + "' and '" + s.name + "')",
                         "sum into two different variables (e.g. " + var + "1, " + var + "2) and add them in the target");
    }
  for (const auto& pi : m.poisson_inputs) {
    const ir::NeuronGroup* g = m.find_group(pi.target.group);
    if (!g) continue;
    SymbolTable scope = neuron_scope(m, *g);
    const Symbol* tv = scope.find(pi.variable);
    if (!tv || tv->kind != Symbol::Kind::Variable || tv->read_only) {
      diags_->error("PoissonInput '" + pi.name + "' targets '" + pi.variable + "', which is not a writable variable of '" +
                        g->name + "'",
                    pi.json_pointer + "/variable", "name a state variable or parameter of the target group");
      continue;
    }
    auto d = dim(pi.weight, scope);
    if (d && !(*d == tv->dim))
      diags_->error_at(pi.weight->loc,
                       "the weight has units of " + d->to_string() + ", but '" + pi.variable + "' has " + tv->dim.to_string(),
                       "multiply by the right unit");
  }
}

void ResolveNamesPass::check_monitor_v2(const ir::Model& m, const ir::Monitor& mon) {
  if (mon.synapses) {
    const ir::SynapseGroup* s = m.find_synapses(mon.synapse_group);
    if (!s) return;
    for (size_t k = 0; k < mon.variables.size(); ++k) {
      const ir::Equation* eq = s->find_equation(mon.variables[k]);
      bool ok = (eq && eq->kind != ir::Equation::Kind::Subexpression) || mon.variables[k] == "lastupdate";
      if (!ok) {
        std::vector<std::string> vars;
        for (const auto& e : s->equations) vars.push_back(e.name);
        auto close = support::closest_match(mon.variables[k], vars);
        diags_->error("synapse group '" + s->name + "' has no variable '" + mon.variables[k] + "' to record",
                      mon.json_pointer + "/variables/" + std::to_string(k),
                      close ? "did you mean '" + *close + "'?" : "record a synaptic variable");
      }
    }
  }
}

}  // namespace modelc::passes::model
