// Explicit Runge-Kutta methods, exponential Euler, and the method dispatcher. The exact (linear)
// integrator lives in exact_integrator.cpp.
#include "passes/numerics/integrators.h"

#include <algorithm>

namespace modelc::passes::numerics {

using ir::ExprPtr;
using ir::Stmt;
namespace b = build;

namespace detail {

bool check_system(const OdeSystem& sys, DiagnosticEngine& diags) {
  size_t n = sys.vars.size();
  bool ok = sys.rhs.size() == n && sys.unless_refractory.size() == n && sys.locs.size() == n &&
            std::all_of(sys.rhs.begin(), sys.rhs.end(), [](const ExprPtr& e) { return e != nullptr; });
  if (!ok) diags.error("internal error: malformed ODE system passed to the state updater", "");
  return ok;
}

Stmt assign(std::string target, ExprPtr value, const SourceLoc& loc) {
  Stmt s;
  s.target = std::move(target);
  s.value = std::move(value);
  s.loc = loc;
  return s;
}

std::string new_name(const std::string& var) { return "_" + var + "_new"; }

void append_assignments(const OdeSystem& sys, std::vector<Stmt>& code) {
  for (size_t j = 0; j < sys.vars.size(); ++j) {
    const std::string& v = sys.vars[j];
    ExprPtr value = b::name(new_name(v));
    // Brian2 makes these variables conditionally written on not_refractory; a select keeps the
    // generated loop branch-free.
    if (sys.unless_refractory[j]) value = b::call("_select", {b::name("not_refractory"), value, b::name(v)});
    code.push_back(assign(v, value, sys.locs[j]));
  }
}

void append_exponential_step(const std::string& v, const OwnLinearForm& form, const SourceLoc& loc,
                             std::vector<Stmt>& code) {
  ExprPtr growth = b::call("exp", {b::mul(form.a, b::name("dt"))});
  double bv = 1;
  if (is_number(form.b, &bv) && bv == 0) {
    code.push_back(assign(new_name(v), b::mul(b::name(v), growth), loc));
    return;
  }
  std::string ba = "_BA_" + v;
  code.push_back(assign(ba, form.b_over_a, loc));
  code.push_back(assign(new_name(v), b::sub(b::mul(b::add(b::name(ba), b::name(v)), growth), b::name(ba)), loc));
}

SourceLoc blame(const ExprPtr& term, const SourceLoc& equation) {
  if (term && term->loc.valid() && term->loc.source == equation.source) return term->loc;
  return equation;
}

}  // namespace detail

namespace {

using detail::assign;

std::string stage_name(int stage, const std::string& var) { return "_k_" + std::to_string(stage) + "_" + var; }

// f_j evaluated at X + k_prev*frac (frac 0: at X) and t + dt*t_frac, as in Brian2's explicit
// state updater descriptions (`f(x + k/2, t + dt/2)`).
ExprPtr stage_rhs(const OdeSystem& sys, size_t j, int prev_stage, bool half, bool shift_t) {
  ExprPtr t_shifted = shift_t ? b::add(b::name("t"), half ? b::div(b::name("dt"), b::num(2)) : b::name("dt")) : nullptr;
  return ir::substitute(sys.rhs[j], [&](const std::string& n) -> ExprPtr {
    if (n == "t") return t_shifted;
    if (prev_stage == 0) return nullptr;
    auto it = std::find(sys.vars.begin(), sys.vars.end(), n);
    if (it == sys.vars.end()) return nullptr;
    ExprPtr k = b::name(stage_name(prev_stage, n));
    return b::add(b::name(n), half ? b::div(k, b::num(2)) : k);
  });
}

// Brian2 freezes an (unless refractory) variable by multiplying its derivative by not_refractory,
// so while refractory its stage increments are zero when other variables' stages read it. Selecting
// only the final value would let a non-frozen variable see a moving value in rk2/rk4 stages, so the
// increments of frozen variables read by non-frozen ones are gated.
std::vector<bool> gated_increments(const OdeSystem& sys) {
  std::vector<bool> gated(sys.vars.size(), false);
  for (size_t v = 0; v < sys.vars.size(); ++v) {
    if (!sys.unless_refractory[v]) continue;
    for (size_t w = 0; w < sys.vars.size(); ++w)
      if (w != v && !sys.unless_refractory[w] && ir::uses_name(sys.rhs[w], sys.vars[v])) gated[v] = true;
  }
  return gated;
}

void append_stage(const OdeSystem& sys, const std::vector<bool>& gated, int stage, int prev, bool half,
                  std::vector<Stmt>& code) {
  for (size_t j = 0; j < sys.vars.size(); ++j) {
    ExprPtr k = b::mul(b::name("dt"), stage_rhs(sys, j, prev, half, prev != 0));
    if (gated[j]) k = b::call("_select", {b::name("not_refractory"), k, b::num(0)});
    code.push_back(assign(stage_name(stage, sys.vars[j]), k, sys.locs[j]));
  }
}

// Stages copy the rhs several times, so fold it once (`v - -0.049` -> `v + 0.049`).
OdeSystem folded(const OdeSystem& sys) {
  OdeSystem out = sys;
  for (auto& e : out.rhs) e = b::fold(e);
  return out;
}

}  // namespace

std::optional<std::vector<Stmt>> euler(const OdeSystem& input, DiagnosticEngine& diags) {
  if (!detail::check_system(input, diags)) return std::nullopt;
  OdeSystem sys = folded(input);
  std::vector<Stmt> code;
  for (size_t j = 0; j < sys.vars.size(); ++j) {
    ExprPtr value = b::add(b::name(sys.vars[j]), b::mul(b::name("dt"), sys.rhs[j]));
    code.push_back(assign(detail::new_name(sys.vars[j]), value, sys.locs[j]));
  }
  detail::append_assignments(sys, code);
  return code;
}

std::optional<std::vector<Stmt>> rk2(const OdeSystem& input, DiagnosticEngine& diags) {
  if (!detail::check_system(input, diags)) return std::nullopt;
  OdeSystem sys = folded(input);
  std::vector<Stmt> code;
  append_stage(sys, gated_increments(sys), 1, 0, false, code);
  for (size_t j = 0; j < sys.vars.size(); ++j) {
    ExprPtr value = b::add(b::name(sys.vars[j]), b::mul(b::name("dt"), stage_rhs(sys, j, 1, true, true)));
    code.push_back(assign(detail::new_name(sys.vars[j]), value, sys.locs[j]));
  }
  detail::append_assignments(sys, code);
  return code;
}

std::optional<std::vector<Stmt>> rk4(const OdeSystem& input, DiagnosticEngine& diags) {
  if (!detail::check_system(input, diags)) return std::nullopt;
  OdeSystem sys = folded(input);
  std::vector<Stmt> code;
  auto gated = gated_increments(sys);
  append_stage(sys, gated, 1, 0, false, code);
  append_stage(sys, gated, 2, 1, true, code);
  append_stage(sys, gated, 3, 2, true, code);
  append_stage(sys, gated, 4, 3, false, code);
  for (size_t j = 0; j < sys.vars.size(); ++j) {
    const std::string& v = sys.vars[j];
    auto k = [&](int s) { return b::name(stage_name(s, v)); };
    ExprPtr sum = b::add(b::add(b::add(k(1), b::mul(b::num(2), k(2))), b::mul(b::num(2), k(3))), k(4));
    code.push_back(assign(detail::new_name(v), b::add(b::name(v), b::div(sum, b::num(6))), sys.locs[j]));
  }
  detail::append_assignments(sys, code);
  return code;
}

std::optional<std::vector<Stmt>> exponential_euler(const OdeSystem& sys, DiagnosticEngine& diags) {
  if (!detail::check_system(sys, diags)) return std::nullopt;
  std::vector<Stmt> code;
  bool ok = true;
  for (size_t j = 0; j < sys.vars.size(); ++j) {
    const std::string& v = sys.vars[j];
    ExprPtr bad;
    auto form = decompose_own(sys.rhs[j], v, &bad);
    if (!form) {
      diags.error_at(detail::blame(bad, sys.locs[j]),
                     "the 'exponential_euler' method needs each equation to be linear in its own variable, "
                     "but the equation for '" + v + "' contains the term '" + ir::to_string(bad) +
                         "', which is not linear in '" + v + "'",
                     "use method='euler' or method='rk4', which integrate any right-hand side");
      ok = false;
      continue;
    }
    // dv/dt = A*v + B, A and B taken as constant over the step (they are evaluated with the old
    // values of all variables), solved exactly. Same three cases and code shape as Brian2.
    double av = 1;
    if (is_number(form->a, &av) && av == 0) {
      code.push_back(assign(detail::new_name(v), b::add(b::name(v), b::mul(b::name("dt"), form->b)), sys.locs[j]));
    } else {
      detail::append_exponential_step(v, *form, sys.locs[j], code);
    }
  }
  if (!ok) return std::nullopt;
  detail::append_assignments(sys, code);
  return code;
}

std::optional<std::vector<Stmt>> integrate(ir::Method method, const OdeSystem& sys, double dt,
                                           DiagnosticEngine& diags) {
  using ir::Method;
  if (method == Method::Heun) return heun(sys, diags);
  if (has_noise(sys)) {
    if (method == Method::Euler) return stochastic_euler(sys, diags);
    std::string pointer = !sys.locs.empty() && sys.locs[0].source ? sys.locs[0].source->json_pointer : "";
    if (auto at = pointer.rfind("/equations"); at != std::string::npos) pointer = pointer.substr(0, at) + "/method";
    diags.error("the method '" + std::string(ir::name(method)) + "' cannot integrate stochastic equations (they use xi)", pointer,
                "use \"euler\" (Euler-Maruyama, Brian2's default for stochastic equations) or \"heun\"");
    return std::nullopt;
  }
  switch (method) {
    case Method::Euler: return euler(sys, diags);
    case Method::Rk2: return rk2(sys, diags);
    case Method::Rk4: return rk4(sys, diags);
    case Method::ExponentialEuler: return exponential_euler(sys, diags);
    case Method::Exact: return exact(sys, dt, diags);
    case Method::Auto:
    case Method::None:
    case Method::Heun: break;
  }
  // The equations' pointers are ".../equations/<k>"; the method sits next to them.
  std::string pointer = !sys.locs.empty() && sys.locs[0].source ? sys.locs[0].source->json_pointer : "";
  if (auto at = pointer.rfind("/equations"); at != std::string::npos) pointer = pointer.substr(0, at) + "/method";
  diags.error("no integration method chosen for these equations ('" + std::string(ir::name(method)) + "')", pointer,
              "use one of 'exact', 'euler', 'rk2', 'rk4', 'exponential_euler', 'heun'");
  return std::nullopt;
}

}  // namespace modelc::passes::numerics
