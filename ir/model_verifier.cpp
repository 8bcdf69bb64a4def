#include "ir/model_verifier.h"

#include <algorithm>
#include <set>

#include "ir/expr_traversal.h"

namespace modelc::ir {
namespace {

std::string q(const std::string& s) { return "'" + s + "'"; }

bool is_noise_name(const std::string& n) { return n == "xi" || n.rfind("xi_", 0) == 0; }

class Verifier {
 public:
  Verifier(const Model& m, const ModelVerifyStage& stage, size_t max) : m_(m), stage_(stage), max_(max) {}

  std::vector<std::string> run() {
    std::set<std::string> groups;
    for (const auto& g : m_.neuron_groups)
      if (!groups.insert(g.name).second) problem("two groups are named " + q(g.name));
    for (const auto& s : m_.synapses)
      if (!groups.insert(s.name).second) problem("two groups are named " + q(s.name));
    for (const auto& g : m_.neuron_groups) neuron_group(g);
    for (const auto& s : m_.synapses) synapse_group(s);
    if (stage_.names_resolved) {
      for (const auto& mon : m_.monitors) monitor(mon);
      for (const auto& pi : m_.poisson_inputs) poisson_input(pi);
    }
    return std::move(problems_);
  }

 private:
  void problem(std::string s) {
    if (problems_.size() < max_) problems_.push_back(std::move(s));
  }

  void equations(const std::string& w, const std::vector<Equation>& eqs) {
    std::set<std::string> seen;
    for (const auto& eq : eqs) {
      if (!seen.insert(eq.name).second) problem(w + " defines " + q(eq.name) + " twice");
      if (eq.kind != Equation::Kind::Parameter && !eq.expr) problem(w + ": equation of " + q(eq.name) + " has no right-hand side");
    }
  }

  void code(const std::string& w, const std::vector<Stmt>& c) {
    static const std::set<std::string> ops = {"=", "+=", "-=", "*=", "/="};
    for (const auto& s : c) {
      if (s.target.empty()) problem(w + " has a statement without a target");
      if (!ops.count(s.op)) problem(w + " has a statement with operator " + q(s.op));
      if (!s.value) problem(w + " has a statement without a value (target " + q(s.target) + ")");
    }
  }

  // The names a neuron group's code may use (passes/model/symbols.cpp neuron_scope), besides units.
  std::set<std::string> neuron_scope(const NeuronGroup& g) const {
    std::set<std::string> s = {"t", "dt", "i", "N", "lastspike", "not_refractory", "pi", "e", "inf"};
    for (const auto& eq : g.equations) s.insert(eq.name);
    for (const auto* c : {&m_.parameters, &m_.constants, &g.constants})
      for (const auto& [n, v] : *c) s.insert(n);
    for (const auto& ta : m_.timed_arrays) s.insert(ta.name);
    return s;
  }

  // The names a synapse group's code may use (passes/model/symbols.cpp synapse_scope), besides
  // units: its own variables, the target's bare and with _post, the source's with _pre.
  std::set<std::string> synapse_scope(const SynapseGroup& syn) const {
    std::set<std::string> s = {"t", "dt", "i", "j", "pi", "e", "inf", "N_pre", "N_post", "N_incoming", "N_outgoing"};
    auto add_group = [&](const std::string& group, const char* suffix, bool bare) {
      const NeuronGroup* g = m_.find_group(group);
      if (!g) return;
      std::vector<std::string> vars = {"lastspike", "not_refractory"};
      for (const auto& eq : g->equations) vars.push_back(eq.name);
      for (const auto& v : vars) {
        s.insert(v + suffix);
        if (bare) s.insert(v);
      }
    };
    add_group(syn.target.group, "_post", true);
    add_group(syn.source.group, "_pre", false);
    for (const auto& eq : syn.equations) {
      s.insert(eq.name);
      if (eq.has_flag(EquationFlag::EventDriven)) s.insert("lastupdate");
    }
    for (const auto* c : {&m_.parameters, &m_.constants, &syn.constants})
      for (const auto& [n, v] : *c) s.insert(n);
    for (const auto& ta : m_.timed_arrays) s.insert(ta.name);
    return s;
  }

  // Every identifier of `e` is in `scope`, a unit or white noise; function names are not checked.
  void names(const std::string& w, const ExprPtr& e, const std::set<std::string>& scope) {
    walk(e, [&](const Expr& x) {
      if (x.kind == Expr::Kind::Name && !scope.count(x.name) && !is_noise_name(x.name) && !support::lookup_unit(x.name))
        problem(w + " uses unresolved identifier " + q(x.name));
      return WalkResult::Advance;
    });
  }
  // Statements may introduce temporaries, visible to the statements after them.
  void names(const std::string& w, const std::vector<Stmt>& c, std::set<std::string> scope) {
    for (const auto& s : c) {
      names(w, s.value, scope);
      scope.insert(s.target);
    }
  }

  bool has_event(const NeuronGroup& g, const std::string& event) const {
    if (event.empty() || event == "spike") return true;
    return std::any_of(g.events.begin(), g.events.end(), [&](const CustomEvent& ev) { return ev.name == event; });
  }

  void neuron_group(const NeuronGroup& g) {
    const std::string w = "group " + q(g.name);
    if (g.size < 0) problem(w + " has negative size " + std::to_string(g.size));
    equations(w, g.equations);
    code(w + " reset", g.reset);
    code(w + " state update", g.state_update);
    for (const auto& ev : g.events) code(w + " event " + q(ev.name), ev.code);
    for (const auto& rr : g.run_regularly) code(w + " run_regularly", rr.code);
    if (stage_.names_resolved) {
      const auto scope = neuron_scope(g);
      for (const auto& eq : g.equations) names(w + " equation of " + q(eq.name), eq.expr, scope);
      names(w + " threshold", g.threshold, scope);
      names(w + " reset", g.reset, scope);
      for (const auto& ev : g.events) {
        names(w + " event " + q(ev.name) + " condition", ev.condition, scope);
        names(w + " event " + q(ev.name), ev.code, scope);
      }
      for (const auto& rr : g.run_regularly) names(w + " run_regularly", rr.code, scope);
      for (const auto& l : g.links) {
        const NeuronGroup* src = m_.find_group(l.group);
        if (!src) problem(w + " links " + q(l.variable) + " to unknown group " + q(l.group));
        else if (!src->find_equation(l.source_variable))
          problem(w + " links " + q(l.variable) + " to unknown variable " + q(l.source_variable) + " of " + q(l.group));
      }
    }
    if (stage_.state_updated) {
      if (g.chosen_method == Method::Auto) problem(w + " has no integration method after state-update");
      std::set<std::string> assigned;
      for (const auto& s : g.state_update) {
        assigned.insert(s.target);
        if (s.target.rfind('_', 0) != 0 && s.target != "not_refractory" && !g.find_equation(s.target))
          problem(w + " state update assigns " + q(s.target) + ", neither a variable of the group nor a '_' temporary");
      }
      if (g.chosen_method != Method::None)
        for (const auto& eq : g.equations)
          if (eq.kind == Equation::Kind::Differential && !assigned.count(eq.name))
            problem(w + " state update (" + std::string(name(g.chosen_method)) + ") never assigns " + q(eq.name));
      if (stage_.names_resolved) names(w + " state update", g.state_update, neuron_scope(g));
    }
  }

  void slice(const std::string& w, const GroupSlice& s) {
    const NeuronGroup* g = m_.find_group(s.group);
    if (!g) return problem(w + " names unknown group " + q(s.group));
    if (s.start < 0 || s.stop < s.start || s.stop > g->size)
      problem(w + " slices [" + std::to_string(s.start) + ", " + std::to_string(s.stop) + ") of " + q(g->name) +
              " of size " + std::to_string(g->size));
  }

  void synapse_group(const SynapseGroup& s) {
    const std::string w = "synapse group " + q(s.name);
    equations(w, s.equations);
    code(w + " on_pre", s.on_pre);
    code(w + " state update", s.state_update);
    for (const auto& rr : s.run_regularly) code(w + " run_regularly", rr.code);
    std::set<std::string> seen;
    for (const auto& pw : s.pathways) {
      const std::string pws = w + " pathway " + q(pw.name);
      if (!seen.insert(pw.name).second) problem(w + " has two pathways named " + q(pw.name));
      code(pws, pw.code);
      code(pws + " event-driven update", pw.event_driven_update);
      if (!stage_.names_resolved) continue;
      const NeuronGroup* trigger = m_.find_group(pw.post ? s.target.group : s.source.group);
      if (trigger && !has_event(*trigger, pw.event))
        problem(pws + " is triggered by unknown event " + q(pw.event) + " of " + q(trigger->name));
    }
    if (stage_.names_resolved) {
      slice(w + " source", s.source);
      slice(w + " target", s.target);
      const auto scope = synapse_scope(s);
      for (const auto& eq : s.equations) names(w + " equation of " + q(eq.name), eq.expr, scope);
      for (const auto& pw : s.pathways) {
        names(w + " pathway " + q(pw.name), pw.code, scope);
        names(w + " pathway " + q(pw.name) + " event-driven update", pw.event_driven_update, scope);
      }
      if (stage_.state_updated) names(w + " state update", s.state_update, scope);
      for (const auto& rr : s.run_regularly) names(w + " run_regularly", rr.code, scope);
    }
  }

  void monitor(const Monitor& mon) {
    const std::string w = "monitor " + q(mon.name);
    if (mon.synapses) {
      const SynapseGroup* s = m_.find_synapses(mon.synapse_group);
      if (!s) return problem(w + " names unknown synapse group " + q(mon.synapse_group));
      for (const auto& v : mon.variables)
        if (!s->find_equation(v) && v != "lastupdate") problem(w + " records unknown variable " + q(v) + " of " + q(s->name));
      return;
    }
    slice(w, mon.source);
    const NeuronGroup* g = m_.find_group(mon.source.group);
    if (!g) return;
    if (mon.kind == Monitor::Kind::Spikes && !has_event(*g, mon.event))
      problem(w + " records unknown event " + q(mon.event) + " of " + q(g->name));
    for (const auto& v : mon.variables)
      if (!g->find_equation(v) && v != "lastspike" && v != "not_refractory")
        problem(w + " records unknown variable " + q(v) + " of " + q(g->name));
  }

  void poisson_input(const PoissonInput& pi) {
    const std::string w = "Poisson input " + q(pi.name);
    slice(w, pi.target);
    if (const NeuronGroup* g = m_.find_group(pi.target.group); g && !g->find_equation(pi.variable))
      problem(w + " targets unknown variable " + q(pi.variable) + " of " + q(g->name));
  }

  const Model& m_;
  ModelVerifyStage stage_;
  size_t max_;
  std::vector<std::string> problems_;
};

}  // namespace

std::vector<std::string> verify(const Model& m, const ModelVerifyStage& stage, size_t max_problems) {
  return Verifier(m, stage, max_problems).run();
}

}  // namespace modelc::ir
