// Name resolution and unit checks for the IR v2 constructs (docs/ir-v2.md): pathways and their
// delays, event-driven / clock-driven synaptic ODEs, (summed) variables, custom events,
// run_regularly, PoissonInputs and v2 monitors. Same style as resolve_names_pass.cpp: every error
// points at the offending token or JSON pointer and says how to fix it.
#include <map>
#include <set>

#include "passes/resolve_names.h"

namespace modelc::detail {

namespace {
const Dimension kSecond = Dimension::base(2);

bool is_event_driven(const ir::Equation& eq) { return eq.has_flag("event-driven"); }
}  // namespace

void ResolveNamesPass::check_synapses_v2(const ir::Model& m, const ir::SynapseGroup& s, const SymbolTable& scope) {
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
      if (eq.has_flag("event-driven") && eq.has_flag("clock-driven"))
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
    if (eq.kind != ir::Equation::Kind::Subexpression || !eq.has_flag("summed")) continue;
    // `g_post = expr : unit (summed)`: the target variable g of the postsynaptic group.
    std::string var = eq.name;
    if (var.size() > 5 && var.compare(var.size() - 5, 5, "_post") == 0) var = var.substr(0, var.size() - 5);
    const ir::Equation* tv = target ? target->find_equation(var) : nullptr;
    if (!tv) {
      std::vector<std::string> names;
      if (target)
        for (const auto& e : target->equations) names.push_back(e.name + "_post");
      auto close = closest_match(eq.name, names);
      diags_->error_at(eq.name_loc, "the summed variable '" + eq.name + "' targets '" + var + "', which group '" +
                                        s.target.group + "' does not have",
                       close ? "did you mean '" + *close + "'?" : "declare '" + var + " : <unit>' in the target's equations");
      continue;
    }
    if (tv->kind != ir::Equation::Kind::Parameter || tv->has_flag("constant")) {
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

void ResolveNamesPass::check_neuron_group_v2(const ir::Model& m, ir::NeuronGroup& g, const SymbolTable& scope) {
  for (const auto& ev : g.events) {
    check_boolean(ev.condition, scope, "the condition of event '" + ev.name + "'");
    check_statements(ev.code, scope, "the code of event '" + ev.name + "'");
  }
  for (const auto& rr : g.run_regularly) check_statements(rr.code, scope, "run_regularly code");
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
      if (eq.kind != ir::Equation::Kind::Subexpression || !eq.has_flag("summed")) continue;
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
        auto close = closest_match(mon.variables[k], vars);
        diags_->error("synapse group '" + s->name + "' has no variable '" + mon.variables[k] + "' to record",
                      mon.json_pointer + "/variables/" + std::to_string(k),
                      close ? "did you mean '" + *close + "'?" : "record a synaptic variable");
      }
    }
  }
}

}  // namespace modelc::detail
