// IR v2: stochastic state updaters, as Brian2's descriptions in brian2/stateupdaters/explicit.py.
// The right-hand side is split into f + sum_k g_k * xi_k (linear in the noise terms); each noise
// term gets one increment per neuron and step, dW_k = sqrt(dt) * randn(), shared by every equation
// that uses it.
//   euler (Euler-Maruyama):  x_new = x + dt*f(x, t) + g(x, t)*dW
//   heun (Stratonovich):     x_support = x + g(x, t)*dW
//                            g_support = g(x_support, t + dt)
//                            x_new = x + dt*f(x, t) + 0.5*dW*(g(x, t) + g_support)
// With several noise terms heun's support point uses all of them. Without noise both reduce to
// x + dt*f(x, t): that is what Brian2's heun description does for deterministic equations too.
#include <algorithm>
#include <set>

#include "passes/numerics/integrators.h"

namespace modelc::passes::numerics {

using ir::ExprPtr;
using ir::Stmt;
namespace b = build;

namespace {

bool is_noise(const std::string& n) { return n == "xi" || (n.size() > 3 && n.compare(0, 3, "xi_") == 0); }

std::vector<std::string> noise_terms(const OdeSystem& sys) {
  std::vector<std::string> out;
  for (const auto& rhs : sys.rhs) {
    std::vector<std::string> names;
    ir::collect_names(rhs, names);
    for (const auto& n : names)
      if (is_noise(n) && std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  }
  return out;
}

struct Split {
  std::vector<ExprPtr> f;                // per equation
  std::vector<std::vector<ExprPtr>> g;   // per equation, per noise term
};

std::optional<Split> split(const OdeSystem& sys, const std::vector<std::string>& noise, DiagnosticEngine& diags) {
  Split s;
  bool ok = true;
  for (size_t j = 0; j < sys.vars.size(); ++j) {
    ExprPtr bad;
    auto form = linear_decompose(sys.rhs[j], noise, &bad);
    if (!form) {
      diags.error_at(detail::blame(bad, sys.locs[j]),
                     "the equation for '" + sys.vars[j] + "' is not linear in its noise terms ('" + ir::to_string(bad) + "')",
                     "write the noise as g(x)*xi: a stochastic term multiplies xi");
      ok = false;
      continue;
    }
    s.f.push_back(form->rest ? form->rest : b::num(0));
    s.g.push_back(form->coeffs);
  }
  if (!ok) return std::nullopt;
  return s;
}

std::string dw_name(const std::string& xi) { return "_dW_" + xi; }

void append_increments(const std::vector<std::string>& noise, const OdeSystem& sys, std::vector<Stmt>& code) {
  SourceLoc loc = sys.locs.empty() ? SourceLoc{} : sys.locs[0];
  for (const auto& xi : noise)
    code.push_back(detail::assign(dw_name(xi), b::mul(b::call("sqrt", {b::name("dt")}), b::call("randn", {})), loc));
}

ExprPtr noise_sum(const std::vector<ExprPtr>& g, const std::vector<std::string>& noise) {
  ExprPtr sum = b::num(0);
  for (size_t k = 0; k < noise.size(); ++k) sum = b::add(sum, b::mul(g[k], b::name(dw_name(noise[k]))));
  return sum;
}

}  // namespace

bool has_noise(const OdeSystem& sys) { return !noise_terms(sys).empty(); }

std::optional<std::vector<Stmt>> stochastic_euler(const OdeSystem& sys, DiagnosticEngine& diags) {
  if (!detail::check_system(sys, diags)) return std::nullopt;
  auto noise = noise_terms(sys);
  auto s = split(sys, noise, diags);
  if (!s) return std::nullopt;
  std::vector<Stmt> code;
  append_increments(noise, sys, code);
  for (size_t j = 0; j < sys.vars.size(); ++j) {
    ExprPtr value = b::add(b::add(b::name(sys.vars[j]), b::mul(b::name("dt"), s->f[j])), noise_sum(s->g[j], noise));
    code.push_back(detail::assign(detail::new_name(sys.vars[j]), value, sys.locs[j]));
  }
  detail::append_assignments(sys, code);
  return code;
}

std::optional<std::vector<Stmt>> heun(const OdeSystem& sys, DiagnosticEngine& diags) {
  if (!detail::check_system(sys, diags)) return std::nullopt;
  auto noise = noise_terms(sys);
  auto s = split(sys, noise, diags);
  if (!s) return std::nullopt;
  std::vector<Stmt> code;
  append_increments(noise, sys, code);
  if (!noise.empty())
    for (size_t j = 0; j < sys.vars.size(); ++j)
      code.push_back(detail::assign("_" + sys.vars[j] + "_support",
                                    b::add(b::name(sys.vars[j]), noise_sum(s->g[j], noise)), sys.locs[j]));
  auto at_support = [&](const ExprPtr& e) {
    return ir::substitute(e, [&](const std::string& n) -> ExprPtr {
      if (n == "t") return b::add(b::name("t"), b::name("dt"));
      for (const auto& v : sys.vars)
        if (n == v) return b::name("_" + v + "_support");
      return nullptr;
    });
  };
  for (size_t j = 0; j < sys.vars.size(); ++j) {
    ExprPtr value = b::add(b::name(sys.vars[j]), b::mul(b::name("dt"), s->f[j]));
    for (size_t k = 0; k < noise.size(); ++k)
      value = b::add(value, b::mul(b::mul(b::num(0.5), b::name(dw_name(noise[k]))), b::add(s->g[j][k], at_support(s->g[j][k]))));
    code.push_back(detail::assign(detail::new_name(sys.vars[j]), value, sys.locs[j]));
  }
  detail::append_assignments(sys, code);
  return code;
}

}  // namespace modelc::passes::numerics
