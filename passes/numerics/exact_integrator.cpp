// The 'exact' state updater (Brian2's `linear`): dX/dt = M X + c with M and c constant over a step.
//
// Brian2 solves the system symbolically with sympy. Here the equations are split into groups coupled
// through M. A group whose coefficients are all numeric literals is solved at compile time: with c
// written as c = C p + c0 over the state-free terms p (per-neuron parameters like `I`, or products
// like `I*R`), exp([[M, C, c0], [0, 0, 0]] * dt) = [[E, F, g], [0, I, ...]] gives the update
// X_new = E X + F p + g, all coefficients literals. A single uncoupled equation with a symbolic
// coefficient (per-neuron tau) gets the closed form (x + b/a)*exp(a*dt) - b/a. That form divides by
// a, so it requires a != 0 at run time; for the usual a = -1/tau this holds for every finite tau, and
// an equation whose coefficient folds to 0 never gets here (it is numeric).
#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

#include "ir/expr_traversal.h"
#include "passes/numerics/integrators.h"

namespace modelc::passes::numerics {

using ir::Expr;
using ir::ExprPtr;
using ir::Op;
using ir::Stmt;
namespace b = build;

namespace {

constexpr const char* kAlternatives = "use method='exponential_euler', 'rk4' or 'euler' instead";

SourceLoc blame_node(const Expr* node, const SourceLoc& equation) {
  if (node && node->loc.valid() && node->loc.source == equation.source) return node->loc;
  return equation;
}

struct Analysis {
  std::vector<LinearForm> rows;
  std::vector<std::vector<size_t>> groups;  // equations coupled through M, in equation order
};

bool is_zero(const ExprPtr& e) {
  double v = 1;
  return is_number(e, &v) && v == 0;
}

// Checks that the system is linear with coefficients constant over a step and splits it into coupled
// groups; reports every offending equation.
std::optional<Analysis> analyze(const OdeSystem& sys, DiagnosticEngine& diags) {
  size_t n = sys.vars.size();
  Analysis an;
  bool ok = true;
  for (size_t j = 0; j < n; ++j) {
    const std::string& v = sys.vars[j];
    const ExprPtr& rhs = sys.rhs[j];
    if (auto* r = ir::find_expr(rhs, [](const Expr& e) {
          return e.kind == Expr::Kind::Call && (e.name == "rand" || e.name == "randn");
        })) {
      diags.error_at(blame_node(r, sys.locs[j]),
                     "the equation for '" + v + "' draws random numbers ('" + r->name +
                         "()'), so the 'exact' method cannot integrate it",
                     kAlternatives);
      ok = false;
      continue;
    }
    if (auto* t = ir::find_expr(rhs, [](const Expr& e) { return e.kind == Expr::Kind::Name && e.name == "t"; })) {
      diags.error_at(blame_node(t, sys.locs[j]),
                     "the equation for '" + v +
                         "' depends on the time 't'; the 'exact' method needs coefficients that are "
                         "constant over a time step",
                     kAlternatives);
      ok = false;
      continue;
    }
    ExprPtr bad;
    auto form = linear_decompose(rhs, sys.vars, &bad);
    if (!form) {
      diags.error_at(detail::blame(bad, sys.locs[j]),
                     "the 'exact' method needs equations that are linear in the state variables, but the "
                     "equation for '" + v + "' contains the nonlinear term '" + ir::to_string(bad) + "'",
                     kAlternatives);
      ok = false;
      continue;
    }
    an.rows.push_back(std::move(*form));
  }
  if (!ok) return std::nullopt;

  // Groups: connected components of the coupling graph (a nonzero off-diagonal coefficient).
  std::vector<size_t> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  std::function<size_t(size_t)> root = [&](size_t x) { return parent[x] == x ? x : parent[x] = root(parent[x]); };
  for (size_t r = 0; r < n; ++r)
    for (size_t c = 0; c < n; ++c)
      if (r != c && !is_zero(an.rows[r].coeffs[c])) parent[root(r)] = root(c);
  std::vector<int> group_of(n, -1);
  for (size_t j = 0; j < n; ++j) {
    size_t rt = root(j);
    if (group_of[rt] < 0) {
      group_of[rt] = static_cast<int>(an.groups.size());
      an.groups.emplace_back();
    }
    an.groups[group_of[rt]].push_back(j);
  }

  for (const auto& g : an.groups) {
    if (g.size() == 1) continue;  // symbolic coefficients are fine: closed form
    for (size_t r : g)
      for (size_t c : g)
        if (!is_number(an.rows[r].coeffs[c])) {
          std::string names;
          for (size_t q : g) names += (names.empty() ? "'" : ", '") + sys.vars[q] + "'";
          diags.error_at(sys.locs[r],
                         "the coefficient of '" + sys.vars[c] + "' in the equation for '" + sys.vars[r] + "' is '" +
                             ir::to_string(an.rows[r].coeffs[c]) +
                             "', not a constant number; the 'exact' method can only solve coupled linear "
                             "equations (here " + names + ") whose coefficients are numbers",
                         "make the coefficient a constant, or " + std::string(kAlternatives));
          return std::nullopt;
        }
  }
  return an;
}

// c = sum_k coef[k] * terms[k] + constant, with numeric coef, splitting sums and numeric scalings.
struct Affine {
  std::vector<ExprPtr> terms;
  std::vector<std::string> keys;                 // to_string of terms, to merge repeated terms
  std::vector<std::vector<double>> coef;         // [row][term]
  std::vector<double> constant;                  // [row]

  void split(size_t row, const ExprPtr& e, double c) {
    double v = 0;
    if (is_number(e, &v)) { constant[row] += c * v; return; }
    if (e->kind == Expr::Kind::Unary && e->op == Op::Neg) return split(row, e->args[0], -c);
    if (e->kind == Expr::Kind::Unary && e->op == Op::Pos) return split(row, e->args[0], c);
    if (e->kind == Expr::Kind::Binary) {
      const ExprPtr &l = e->args[0], &r = e->args[1];
      switch (e->op) {
        case Op::Add: split(row, l, c); split(row, r, c); return;
        case Op::Sub: split(row, l, c); split(row, r, -c); return;
        case Op::Mul:
          if (is_number(l, &v)) return split(row, r, c * v);
          if (is_number(r, &v)) return split(row, l, c * v);
          break;
        case Op::Div:
          if (is_number(r, &v) && v != 0) return split(row, l, c / v);
          break;
        default: break;
      }
    }
    std::string key = ir::to_string(e);
    size_t k = std::find(keys.begin(), keys.end(), key) - keys.begin();
    if (k == keys.size()) {
      keys.push_back(key);
      terms.push_back(e);
      for (auto& row_coef : coef) row_coef.push_back(0.0);
    }
    coef[row][k] += c;
  }
};

// Adds coef*x to acc, writing negative coefficients as subtractions.
ExprPtr accumulate(ExprPtr acc, double coef, const ExprPtr& x) {
  if (coef == 0) return acc;
  if (coef < 0) return b::sub(acc, b::mul(b::num(-coef), x));
  return b::add(acc, b::mul(b::num(coef), x));
}

// reach[r][c]: row r's solution depends on variable c (reflexive, transitive closure of adj).
std::vector<std::vector<bool>> closure(std::vector<std::vector<bool>> reach) {
  size_t m = reach.size();
  for (size_t r = 0; r < m; ++r) reach[r][r] = true;
  for (size_t k = 0; k < m; ++k)
    for (size_t r = 0; r < m; ++r)
      for (size_t c = 0; c < m; ++c)
        if (reach[r][k] && reach[k][c]) reach[r][c] = true;
  return reach;
}

// The update expressions of one numerically solved group, for the dynamics M (rows of `frozen`
// members zeroed, which is Brian2's not_refractory factor while refractory).
std::optional<std::vector<ExprPtr>> solve_numeric(const OdeSystem& sys, const std::vector<size_t>& g,
                                                  const std::vector<std::vector<double>>& M, const Affine& aff,
                                                  const std::vector<bool>& frozen, double dt) {
  size_t m = g.size(), K = aff.terms.size(), N = m + K + 1;
  std::vector<double> A(N * N, 0.0);
  for (size_t r = 0; r < m; ++r) {
    if (frozen[r]) continue;
    for (size_t c = 0; c < m; ++c) A[r * N + c] = M[r][c] * dt;
    for (size_t k = 0; k < K; ++k) A[r * N + m + k] = aff.coef[r][k] * dt;
    A[r * N + m + K] = aff.constant[r] * dt;
  }
  // The inhomogeneous columns enter the result linearly (F = phi1(M dt) C dt), so they are rescaled to
  // the size of M: otherwise a large input scale (R = 100 MOhm) would force needless squarings and
  // cost accuracy in E.
  double norm_m = 0;
  for (size_t c = 0; c < m; ++c) {
    double col = 0;
    for (size_t r = 0; r < m; ++r) col += std::fabs(A[r * N + c]);
    norm_m = std::max(norm_m, col);
  }
  std::vector<double> col_scale(N, 1.0);
  for (size_t c = m; c < N; ++c) {
    double col = 0;
    for (size_t r = 0; r < m; ++r) col += std::fabs(A[r * N + c]);
    if (col > 0) col_scale[c] = col / std::max(norm_m, 0.5);
    for (size_t r = 0; r < m; ++r) A[r * N + c] /= col_scale[c];
  }
  std::vector<double> E = matrix_exponential(A, static_cast<int>(N));
  for (size_t r = 0; r < m; ++r)
    for (size_t c = m; c < N; ++c) E[r * N + c] *= col_scale[c];
  for (double x : E)
    if (!std::isfinite(x)) return std::nullopt;

  // Entries that are structurally zero (a variable not influenced by another) are dropped outright
  // rather than trusting the rounding of the series to produce exact zeros.
  std::vector<std::vector<bool>> adj(m, std::vector<bool>(m));
  for (size_t r = 0; r < m; ++r)
    for (size_t c = 0; c < m; ++c) adj[r][c] = A[r * N + c] != 0;
  auto reach = closure(adj);

  std::vector<ExprPtr> out;
  for (size_t r = 0; r < m; ++r) {
    ExprPtr acc = b::num(0);
    for (size_t c = 0; c < m; ++c)
      if (reach[r][c]) acc = accumulate(acc, E[r * N + c], b::name(sys.vars[g[c]]));
    for (size_t col = m; col < N; ++col) {
      bool fed = false;
      for (size_t q = 0; q < m; ++q) fed |= reach[r][q] && A[q * N + col] != 0;
      if (!fed) continue;
      acc = col < m + K ? accumulate(acc, E[r * N + col], aff.terms[col - m]) : b::add(acc, b::num(E[r * N + col]));
    }
    out.push_back(acc);
  }
  return out;
}

bool emit_numeric_group(const OdeSystem& sys, const Analysis& an, const std::vector<size_t>& g, double dt,
                        std::vector<Stmt>& code, DiagnosticEngine& diags) {
  size_t m = g.size();
  std::vector<std::vector<double>> M(m, std::vector<double>(m, 0.0));
  Affine aff;
  aff.coef.assign(m, {});
  aff.constant.assign(m, 0.0);
  for (size_t r = 0; r < m; ++r) {
    for (size_t c = 0; c < m; ++c) is_number(an.rows[g[r]].coeffs[g[c]], &M[r][c]);
    aff.split(r, an.rows[g[r]].rest, 1.0);
  }
  std::vector<bool> none(m, false), frozen(m, false);
  for (size_t r = 0; r < m; ++r) frozen[r] = sys.unless_refractory[g[r]];
  // While refractory the frozen variables keep their values; a free variable influenced by them must
  // then see them constant, so it gets a second solution with their rows zeroed.
  std::vector<std::vector<bool>> adj(m, std::vector<bool>(m));
  for (size_t r = 0; r < m; ++r)
    for (size_t c = 0; c < m; ++c) adj[r][c] = M[r][c] != 0;
  auto reach = closure(adj);
  std::vector<bool> needs_alt(m, false);
  bool any_alt = false;
  for (size_t r = 0; r < m; ++r)
    for (size_t c = 0; c < m; ++c)
      if (!frozen[r] && frozen[c] && reach[r][c]) any_alt = needs_alt[r] = true;

  auto normal = solve_numeric(sys, g, M, aff, none, dt);
  std::optional<std::vector<ExprPtr>> refractory;
  if (any_alt) refractory = solve_numeric(sys, g, M, aff, frozen, dt);
  if (!normal || (any_alt && !refractory)) {
    diags.error_at(sys.locs[g[0]],
                   "the exact solution of the equation for '" + sys.vars[g[0]] +
                       "' overflows over one time step (the system grows too fast for this dt)",
                   "use a smaller dt, or " + std::string(kAlternatives));
    return false;
  }
  for (size_t r = 0; r < m; ++r) {
    ExprPtr value = (*normal)[r];
    if (needs_alt[r]) value = b::call("_select", {b::name("not_refractory"), value, (*refractory)[r]});
    code.push_back(detail::assign(detail::new_name(sys.vars[g[r]]), value, sys.locs[g[r]]));
  }
  return true;
}

}  // namespace

bool is_linear_with_constant_coefficients(const OdeSystem& sys) {
  DiagnosticEngine scratch;
  return detail::check_system(sys, scratch) && analyze(sys, scratch).has_value();
}

std::optional<std::vector<Stmt>> exact(const OdeSystem& sys, double dt_value, DiagnosticEngine& diags) {
  if (!detail::check_system(sys, diags)) return std::nullopt;
  if (!(dt_value > 0) || !std::isfinite(dt_value)) {
    diags.error("internal error: the 'exact' method needs a positive time step", "");
    return std::nullopt;
  }
  auto an = analyze(sys, diags);
  if (!an) return std::nullopt;

  // Temporaries of each group, then the assignments in equation order.
  std::vector<Stmt> code;
  for (const auto& g : an->groups) {
    if (g.size() == 1 && !is_number(an->rows[g[0]].coeffs[g[0]])) {
      // The row's other coefficients are zero (the group has one member), so this is the same form.
      auto own = decompose_own(sys.rhs[g[0]], sys.vars[g[0]]);
      if (!own) {
        diags.error("internal error: inconsistent linear analysis", "");
        return std::nullopt;
      }
      detail::append_exponential_step(sys.vars[g[0]], *own, sys.locs[g[0]], code);
    } else if (!emit_numeric_group(sys, *an, g, dt_value, code, diags)) {
      return std::nullopt;
    }
  }
  detail::append_assignments(sys, code);
  return code;
}

}  // namespace modelc::passes::numerics
