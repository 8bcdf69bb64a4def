// IR v2: synaptic ODEs. Clock-driven equations become per-step update code for every synapse (the
// neuron integrators, method chosen like Brian2). Event-driven equations are solved exactly between
// events and applied lazily, as Brian2 does: before each pathway's code every event-driven variable
// is advanced from `lastupdate` to `t` (x = x*exp(-(t - lastupdate)/tau) for a decay), then the
// pathway sets lastupdate = t.
#include "passes/numerics/integrators.h"
#include "passes/passes.h"
#include "passes/model/symbols.h"

namespace modelc::passes::model {
namespace {

namespace b = numerics::build;

class SynapticEquationsPass : public Pass {
 public:
  std::string name() const override { return "synaptic-equations"; }
  std::string description() const override {
    return "integrate clock-driven synaptic ODEs every step and solve event-driven ones lazily at pathway events";
  }
  bool run(CompilationUnit& unit, DiagnosticEngine& diags) override {
    bool ok = true;
    for (auto& s : unit.model.synapses) ok &= lower(unit, s, diags);
    return ok;
  }

 private:
  bool lower(CompilationUnit& unit, ir::SynapseGroup& s, DiagnosticEngine& diags) {
    numerics::OdeSystem clock, event;
    for (const auto& eq : s.equations) {
      if (eq.kind != ir::Equation::Kind::Differential) continue;
      auto& sys = eq.has_flag(ir::EquationFlag::EventDriven) ? event : clock;
      sys.vars.push_back(eq.name);
      sys.rhs.push_back(eq.expr);
      sys.unless_refractory.push_back(false);
      sys.locs.push_back(eq.loc);
    }
    bool ok = true;
    s.state_update.clear();
    if (!clock.vars.empty()) {
      ir::Method method = s.method;
      std::string why = "requested in the model";
      if (method == ir::Method::Auto) {
        DiagnosticEngine probe;
        method = numerics::integrate(ir::Method::Exact, clock, unit.model.dt, probe) ? ir::Method::Exact : ir::Method::Euler;
        why = method == ir::Method::Exact ? "no method given; the clock-driven equations are linear (Brian2's first choice)"
                                : "no method given; the clock-driven equations are not linear, so 'euler' as in Brian2";
      }
      auto code = numerics::integrate(method, clock, unit.model.dt, diags);
      if (!code) return false;
      s.chosen_method = method;
      s.state_update = std::move(*code);
      unit.decisions.emplace_back("integration of synapses " + s.name + ": " + std::string(ir::name(method)), why);
    }
    if (event.vars.empty()) return ok;
    // Closed form per equation over the elapsed time t - lastupdate.
    std::vector<ir::Stmt> lazy;
    for (size_t k = 0; k < event.vars.size(); ++k) {
      const std::string& v = event.vars[k];
      ir::ExprPtr bad;
      auto form = numerics::decompose_own(event.rhs[k], v, &bad);
      bool coupled = false;
      if (form)
        for (const auto& other : event.vars)
          if (other != v && (ir::uses_name(form->a, other) || ir::uses_name(form->b, other))) coupled = true;
      if (!form || coupled) {
        diags.error_at(numerics::detail::blame(bad, event.locs[k]),
                       "the event-driven equation for '" + v + "' is not of the form dx/dt = a*x + b with a, b free of "
                       "other variables, so it cannot be solved exactly between events",
                       "make it (clock-driven), or write an uncoupled linear equation such as dx/dt = -x/tau");
        ok = false;
        continue;
      }
      double av = 1;
      if (numerics::is_number(form->a, &av) && av == 0)
        lazy.push_back(numerics::detail::assign(numerics::detail::new_name(v),
                                                   b::add(b::name(v), b::mul(b::name("dt"), form->b)), event.locs[k]));
      else
        numerics::detail::append_exponential_step(v, *form, event.locs[k], lazy);
    }
    if (!ok) return false;
    numerics::detail::append_assignments(event, lazy);
    // `dt` of the closed form is the time since the last update of this synapse.
    ir::ExprPtr elapsed = ir::Expr::binary(ir::Op::Sub, b::name("t"), b::name("lastupdate"));
    for (auto& st : lazy)
      st.value = ir::substitute(st.value, [&](const std::string& n) -> ir::ExprPtr { return n == "dt" ? elapsed : nullptr; });
    for (auto& pw : s.pathways) pw.event_driven_update = lazy;
    unit.decisions.emplace_back("event-driven variables of " + s.name,
                                "solved exactly and updated at each pathway's events from lastupdate, as Brian2 does");
    return ok;
  }
};

}  // namespace

std::unique_ptr<Pass> create_synaptic_equations_pass() { return std::make_unique<SynapticEquationsPass>(); }

}  // namespace modelc::passes::model
