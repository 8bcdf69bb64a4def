// Turns each group's ODEs into Brian2-style abstract code for one time step, choosing the method as
// Brian2 does when the model does not name one ('exact' when the system is linear, else 'euler'),
// and prepends the refractoriness bookkeeping Brian2 generates.
#include "passes/numerics/integrators.h"
#include "passes/passes.h"
#include "passes/model/symbols.h"

namespace modelc::passes::model {
namespace {

ir::ExprPtr ref(const std::string& n) { return ir::Expr::name_ref(n); }
ir::ExprPtr call(const std::string& f, std::vector<ir::ExprPtr> a) { return ir::Expr::call(f, std::move(a)); }

class StateUpdatePass : public Pass {
 public:
  std::string name() const override { return "state-update"; }
  std::string description() const override {
    return "integrate ODEs (exact, euler, rk2, rk4, exponential_euler) into per-step update code, with refractoriness";
  }
  bool run(CompilationUnit& unit, DiagnosticEngine& diags) override {
    bool ok = true;
    for (auto& g : unit.model.neuron_groups) ok &= lower(unit, g, diags);
    return ok;
  }

 private:
  bool lower(CompilationUnit& unit, ir::NeuronGroup& g, DiagnosticEngine& diags) {
    g.state_update.clear();
    // Brian2: not_refractory is recomputed at the start of the state update.
    if (g.refractory.kind == ir::Refractory::Kind::Time) {
      ir::Stmt s;
      s.target = "not_refractory";
      s.value = ir::Expr::binary(ir::Op::Ge, call("timestep", {ir::Expr::binary(ir::Op::Sub, ref("t"), ref("lastspike")), ref("dt")}),
                                 call("timestep", {g.refractory.expr, ref("dt")}));
      g.state_update.push_back(s);
    } else if (g.refractory.kind == ir::Refractory::Kind::Condition) {
      ir::Stmt s;
      s.target = "not_refractory";
      s.value = ir::Expr::binary(ir::Op::Or, ref("not_refractory"), ir::Expr::unary(ir::Op::Not, g.refractory.expr));
      g.state_update.push_back(s);
    }
    numerics::OdeSystem sys;
    for (const auto& eq : g.equations) {
      if (eq.kind != ir::Equation::Kind::Differential) continue;
      sys.vars.push_back(eq.name);
      sys.rhs.push_back(eq.expr);
      sys.unless_refractory.push_back(eq.has_flag(ir::EquationFlag::UnlessRefractory) && g.refractory.kind != ir::Refractory::Kind::None);
      sys.locs.push_back(eq.loc);
    }
    if (sys.vars.empty()) {
      g.chosen_method = ir::Method::None;
      return true;
    }
    ir::Method method = g.method;
    std::string why;
    if (method == ir::Method::Auto && numerics::has_noise(sys)) {
      method = ir::Method::Euler;
      why = "no method given; the equations are stochastic, so Euler-Maruyama ('euler') is used as in Brian2";
    } else if (method == ir::Method::Auto) {
      // Brian2 tries 'exact' first; it fails on non-linear systems, then 'euler' is used.
      DiagnosticEngine probe;
      if (numerics::integrate(ir::Method::Exact, sys, unit.model.dt, probe)) {
        method = ir::Method::Exact;
        why = "no method given; the equations are linear, so they are solved exactly (Brian2's first choice)";
      } else {
        method = ir::Method::Euler;
        why = "no method given; the equations are not linear with constant coefficients, so 'euler' is used as in Brian2";
      }
    } else if (why.empty()) {
      why = "requested in the model";
    }
    auto code = numerics::integrate(method, sys, unit.model.dt, diags);
    if (!code) return false;
    g.chosen_method = method;
    g.state_update.insert(g.state_update.end(), code->begin(), code->end());
    unit.decisions.emplace_back("integration of " + g.name + ": " + std::string(ir::name(method)), why);
    return true;
  }
};

}  // namespace

std::unique_ptr<Pass> create_state_update_pass() { return std::make_unique<StateUpdatePass>(); }

}  // namespace modelc::passes::model
