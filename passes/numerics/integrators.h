// State-update methods: turn a system of ODEs into Brian2-style abstract code for one time step.
//
// Pure functions over the expression AST; StateUpdateLoweringPass wraps them. Every method emits the
// same shape of code as Brian2 2.5: temporaries (names beginning with '_') computed from the OLD
// values of all variables, then one `var = _var_new` assignment per variable, so no update sees
// another variable's new value. Variables flagged `(unless refractory)` are assigned
// `var = _select(not_refractory, _var_new, var)`, which is Brian2's conditional write.
//
// Temporaries are named `_<var>_new`, `_k_<i>_<var>` (explicit stages) and `_BA_<var>` (B/A of the
// conditionally linear form). Since user names may not begin with '_', they cannot collide with
// user variables; they could only collide among themselves for pathological variable names such as
// `x` and `k_1_x_new`, which the pass may reject up front if it cares.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "support/diagnostics.h"
#include "ir/expr.h"
#include "ir/model.h"

namespace modelc::passes::numerics {

struct OdeSystem {
  std::vector<std::string> vars;        // ODE state variables, in equation order
  std::vector<ir::ExprPtr> rhs;         // dvar/dt; subexpressions inlined, named constants folded to
                                        // SI literals. May use other variables (per-neuron
                                        // parameters), the built-ins t, dt, i, and functions.
  std::vector<bool> unless_refractory;  // per var: frozen while refractory
  std::vector<SourceLoc> locs;          // per var: the equation, for diagnostics
};

// --- methods ---------------------------------------------------------------------------------------
// Each returns the abstract code of one step, or nullopt after reporting an error into `diags`.

// x_new = x + dt*f(x, t).
std::optional<std::vector<ir::Stmt>> euler(const OdeSystem& sys, DiagnosticEngine& diags);
// Midpoint: k = dt*f(x, t); x_new = x + dt*f(x + k/2, t + dt/2).
std::optional<std::vector<ir::Stmt>> rk2(const OdeSystem& sys, DiagnosticEngine& diags);
// Classic fourth-order Runge-Kutta, stages at t, t + dt/2, t + dt/2, t + dt.
std::optional<std::vector<ir::Stmt>> rk4(const OdeSystem& sys, DiagnosticEngine& diags);
// Per variable, dx/dt = A*x + B with A, B free of x (they may use the other variables), integrated
// as if A and B were constant over the step. Errors if some rhs is not linear in its own variable.
std::optional<std::vector<ir::Stmt>> exponential_euler(const OdeSystem& sys, DiagnosticEngine& diags);
// Exact solution of dX/dt = M X + c with M and c constant over the step (`c` may use per-neuron
// parameters). Coupled groups of equations need numeric coefficients (exp(M*dt) is computed here, at
// compile time, for `dt_value`); an equation coupled to no other may have symbolic coefficients
// (per-neuron tau) and gets the closed form. Errors on nonlinearity, t-dependence, random numbers
// and symbolic coefficients in coupled equations.
std::optional<std::vector<ir::Stmt>> exact(const OdeSystem& sys, double dt_value, DiagnosticEngine& diags);

// IR v2 (stochastic_integrators.cpp): systems with white noise xi / xi_<name>.
bool has_noise(const OdeSystem& sys);
// Euler-Maruyama: x_new = x + dt*f + g*dW, dW = sqrt(dt)*randn() per noise term (Brian2's euler).
std::optional<std::vector<ir::Stmt>> stochastic_euler(const OdeSystem& sys, DiagnosticEngine& diags);
// Brian2's heun (Stratonovich); without noise it is x + dt*f, as Brian2's description gives.
std::optional<std::vector<ir::Stmt>> heun(const OdeSystem& sys, DiagnosticEngine& diags);

// True when `exact` can integrate the system; the pass uses it to pick 'exact' like Brian2 does.
// Unlike Brian2 (which solves symbolic systems with sympy) coupled equations with non-numeric
// coefficients are reported as not integrable exactly, so the pass falls back to another method.
bool is_linear_with_constant_coefficients(const OdeSystem& sys);

// Dispatches on the method; stochastic systems take euler (Euler-Maruyama) or heun only. Auto and
// None are reported (the passes resolve Auto before calling).
std::optional<std::vector<ir::Stmt>> integrate(ir::Method method, const OdeSystem& sys, double dt,
                                               DiagnosticEngine& diags);

// --- helpers, exposed for the pass and the tests ---------------------------------------------------

// Expression builders that fold numeric operands and drop neutral elements (0*x, 1*x, x+0, --x), so
// generated code stays readable. Folding 0*x to 0 ignores x = inf/nan, as sympy does for Brian2.
namespace build {
ir::ExprPtr num(double v);
ir::ExprPtr name(const std::string& n);
ir::ExprPtr neg(const ir::ExprPtr& a);
ir::ExprPtr add(const ir::ExprPtr& a, const ir::ExprPtr& b);
ir::ExprPtr sub(const ir::ExprPtr& a, const ir::ExprPtr& b);
ir::ExprPtr mul(const ir::ExprPtr& a, const ir::ExprPtr& b);
ir::ExprPtr div(const ir::ExprPtr& a, const ir::ExprPtr& b);
ir::ExprPtr call(const std::string& fn, std::vector<ir::ExprPtr> args);
// Folds a whole tree bottom-up with the rules above (numeric subtrees, neutral elements).
ir::ExprPtr fold(const ir::ExprPtr& e);
}  // namespace build

// True (and the value in *v) when `e` is a numeric literal, possibly negated.
bool is_number(const ir::ExprPtr& e, double* v = nullptr);

// e = sum_k coeffs[k]*vars[k] + rest, with coeffs and rest free of `vars`. Coefficients that are
// zero are numeric literals 0.
struct LinearForm {
  std::vector<ir::ExprPtr> coeffs;
  ir::ExprPtr rest;
};
// Decomposes `e` on the AST: sums, differences, negation, products with one side free of `vars`,
// division by an expression free of `vars`; any other node must be free of `vars`. On failure
// returns nullopt and sets *offending to the smallest subterm that makes `e` nonlinear.
std::optional<LinearForm> linear_decompose(const ir::ExprPtr& e, const std::vector<std::string>& vars,
                                           ir::ExprPtr* offending = nullptr);

// dv/dt = a*v + b for one variable `v`, with a and b free of v, plus b/a simplified by cancelling the
// divisors common to a and b: (E_L - v)/tau gives b/a = -E_L rather than E_L/tau/(-1.0/tau).
struct OwnLinearForm {
  ir::ExprPtr a, b, b_over_a;
};
std::optional<OwnLinearForm> decompose_own(const ir::ExprPtr& rhs, const std::string& var,
                                           ir::ExprPtr* offending = nullptr);

// exp(A) for a dense row-major n x n matrix, by scaling and squaring with a Taylor approximant
// (accurate to a few ulps for the small, well-scaled matrices of neuron models).
std::vector<double> matrix_exponential(const std::vector<double>& a, int n);

// Shared by the method implementations.
namespace detail {
// Reports a malformed system (mismatched lengths, missing rhs); the pass builds these, so this only
// guards against internal errors.
bool check_system(const OdeSystem& sys, DiagnosticEngine& diags);
ir::Stmt assign(std::string target, ir::ExprPtr value, const SourceLoc& loc);
// Appends `var = _var_new` (or the `_select` form for unless-refractory variables) for every var.
void append_assignments(const OdeSystem& sys, std::vector<ir::Stmt>& code);
// The location of `term` when it lies in the equation's own text (inlined subexpressions point
// elsewhere), else the whole equation.
SourceLoc blame(const ir::ExprPtr& term, const SourceLoc& equation);
std::string new_name(const std::string& var);  // "_<var>_new"
// `_BA_v = b/a; _v_new = (_BA_v + v)*exp(a*dt) - _BA_v` (or v*exp(a*dt) when b = 0), a != 0.
void append_exponential_step(const std::string& v, const OwnLinearForm& form, const SourceLoc& loc,
                             std::vector<ir::Stmt>& code);
}  // namespace detail

}  // namespace modelc::passes::numerics
