// Folding expression builders and the decomposition of right-hand sides into linear forms, shared by
// the exponential Euler and exact integrators.
#include <algorithm>
#include <cmath>

#include "passes/numerics/integrators.h"

namespace modelc::passes::numerics {

using ir::Expr;
using ir::ExprPtr;
using ir::Op;

bool is_number(const ExprPtr& e, double* v) {
  if (!e) return false;
  if (e->kind == Expr::Kind::Number) {
    if (v) *v = e->number;
    return true;
  }
  if (e->kind == Expr::Kind::Unary && (e->op == Op::Neg || e->op == Op::Pos)) {
    double inner = 0;
    if (!is_number(e->args[0], &inner)) return false;
    if (v) *v = e->op == Op::Neg ? -inner : inner;
    return true;
  }
  return false;
}

namespace {

bool is_negative_number(const ExprPtr& e, double* v) {
  // Only plain literals: rewriting `a + -b` as `a - b` must not drop a user's unary minus twice.
  return e && e->kind == Expr::Kind::Number && e->number < 0 && (*v = e->number, true);
}

bool is_neg(const ExprPtr& e) { return e && e->kind == Expr::Kind::Unary && e->op == Op::Neg; }

bool both_integer(const ExprPtr& a, const ExprPtr& b) {
  return a->kind == Expr::Kind::Number && b->kind == Expr::Kind::Number && a->is_integer && b->is_integer;
}

ExprPtr folded_number(double v, bool integer) {
  // Integer flag only while exact, so the backends keep Brian2's integer semantics for literals.
  bool keep = integer && std::fabs(v) < 1e15 && v == std::floor(v);
  return Expr::number_lit(v, keep);
}

}  // namespace

namespace build {

ExprPtr num(double v) { return Expr::number_lit(v, false); }
ExprPtr name(const std::string& n) { return Expr::name_ref(n); }

ExprPtr neg(const ExprPtr& a) {
  double v = 0;
  if (a->kind == Expr::Kind::Number) return folded_number(-a->number, a->is_integer);
  if (is_number(a, &v)) return num(-v);
  if (is_neg(a)) return a->args[0];
  return Expr::unary(Op::Neg, a);
}

ExprPtr add(const ExprPtr& a, const ExprPtr& b) {
  double va = 0, vb = 0;
  bool na = is_number(a, &va), nb = is_number(b, &vb);
  if (na && nb) return folded_number(va + vb, both_integer(a, b));
  if (na && va == 0) return b;
  if (nb && vb == 0) return a;
  if (is_neg(b)) return sub(a, b->args[0]);
  if (is_negative_number(b, &vb)) return sub(a, folded_number(-vb, b->is_integer));
  if (is_neg(a)) return sub(b, a->args[0]);
  return Expr::binary(Op::Add, a, b);
}

ExprPtr sub(const ExprPtr& a, const ExprPtr& b) {
  double va = 0, vb = 0;
  bool na = is_number(a, &va), nb = is_number(b, &vb);
  if (na && nb) return folded_number(va - vb, both_integer(a, b));
  if (nb && vb == 0) return a;
  if (na && va == 0) return neg(b);
  if (is_neg(b)) return add(a, b->args[0]);
  if (is_negative_number(b, &vb)) return add(a, folded_number(-vb, b->is_integer));
  return Expr::binary(Op::Sub, a, b);
}

ExprPtr mul(const ExprPtr& a, const ExprPtr& b) {
  double va = 0, vb = 0;
  bool na = is_number(a, &va), nb = is_number(b, &vb);
  if (na && nb) return folded_number(va * vb, both_integer(a, b));
  if ((na && va == 0) || (nb && vb == 0)) return num(0);
  if (na && va == 1) return b;
  if (nb && vb == 1) return a;
  if (na && va == -1) return neg(b);
  if (nb && vb == -1) return neg(a);
  // Pull negations outward (exact in IEEE arithmetic) so sums can turn them into subtractions.
  if (is_neg(a)) return neg(mul(a->args[0], b));
  if (is_neg(b)) return neg(mul(a, b->args[0]));
  return Expr::binary(Op::Mul, a, b);
}

ExprPtr div(const ExprPtr& a, const ExprPtr& b) {
  double va = 0, vb = 0;
  bool na = is_number(a, &va), nb = is_number(b, &vb);
  if (na && nb && vb != 0) return num(va / vb);  // true division, as in Brian2
  if (na && va == 0) return num(0);
  if (nb && vb == 1) return a;
  if (nb && vb == -1) return neg(a);
  if (is_neg(a)) return neg(div(a->args[0], b));
  if (is_neg(b)) return neg(div(a, b->args[0]));
  return Expr::binary(Op::Div, a, b);
}

ExprPtr call(const std::string& fn, std::vector<ExprPtr> args) {
  double v = 0;
  if (args.size() == 1 && is_number(args[0], &v)) {
    double r = NAN;
    if (fn == "exp") r = std::exp(v);
    else if (fn == "log" && v > 0) r = std::log(v);
    else if (fn == "sqrt" && v >= 0) r = std::sqrt(v);
    else if (fn == "abs") r = std::fabs(v);
    if (std::isfinite(r)) return num(r);
  }
  return Expr::call(fn, std::move(args));
}

ExprPtr fold(const ExprPtr& e) {
  if (!e || e->args.empty()) return e;
  std::vector<ExprPtr> args;
  for (const auto& a : e->args) args.push_back(fold(a));
  if (e->kind == Expr::Kind::Unary) {
    if (e->op == Op::Neg) return neg(args[0]);
    if (e->op == Op::Pos) return args[0];
  }
  if (e->kind == Expr::Kind::Binary) {
    switch (e->op) {
      case Op::Add: return add(args[0], args[1]);
      case Op::Sub: return sub(args[0], args[1]);
      case Op::Mul: return mul(args[0], args[1]);
      case Op::Div: return div(args[0], args[1]);
      case Op::Pow: {
        double a = 0, b = 0;
        if (is_number(args[0], &a) && is_number(args[1], &b) && std::isfinite(std::pow(a, b)))
          return num(std::pow(a, b));
        break;
      }
      default: break;
    }
  }
  if (e->kind == Expr::Kind::Call) return call(e->name, std::move(args));
  bool changed = false;
  for (size_t k = 0; k < args.size(); ++k) changed |= args[k] != e->args[k];
  if (!changed) return e;
  auto copy = std::make_shared<Expr>(*e);
  copy->args = std::move(args);
  return copy;
}

}  // namespace build

namespace {

class Decomposer {
 public:
  explicit Decomposer(const std::vector<std::string>& vars) : vars_(vars) {}

  bool depends(const ExprPtr& e) const {
    return std::any_of(vars_.begin(), vars_.end(), [&](const std::string& v) { return ir::uses_name(e, v); });
  }

  std::optional<LinearForm> run(const ExprPtr& e) {
    if (!depends(e)) return constant(build::fold(e));
    switch (e->kind) {
      case Expr::Kind::Name: {
        LinearForm f = zero();
        auto it = std::find(vars_.begin(), vars_.end(), e->name);
        f.coeffs[it - vars_.begin()] = build::num(1);
        return f;
      }
      case Expr::Kind::Unary:
        if (e->op == Op::Pos) return run(e->args[0]);
        if (e->op == Op::Neg) {
          auto f = run(e->args[0]);
          if (f) map(*f, [](const ExprPtr& c) { return build::neg(c); });
          return f;
        }
        break;
      case Expr::Kind::Binary:
        switch (e->op) {
          case Op::Add:
          case Op::Sub: {
            auto a = run(e->args[0]);
            if (!a) return a;
            auto b = run(e->args[1]);
            if (!b) return b;
            auto combine = e->op == Op::Add ? build::add : build::sub;
            for (size_t k = 0; k < vars_.size(); ++k) a->coeffs[k] = combine(a->coeffs[k], b->coeffs[k]);
            a->rest = combine(a->rest, b->rest);
            return a;
          }
          case Op::Mul: {
            const ExprPtr &l = e->args[0], &r = e->args[1];
            if (!depends(l)) return scaled(r, [f = build::fold(l)](const ExprPtr& c) { return build::mul(f, c); });
            if (!depends(r)) return scaled(l, [f = build::fold(r)](const ExprPtr& c) { return build::mul(c, f); });
            // Both factors depend on the variables: blame a nonlinear factor if there is one, so the
            // message points at e.g. `exp(v)` rather than at the whole product.
            if (!run(l) || !run(r)) return std::nullopt;
            break;
          }
          case Op::Div:
            if (!depends(e->args[1]))
              return scaled(e->args[0], [d = build::fold(e->args[1])](const ExprPtr& c) { return build::div(c, d); });
            if (!run(e->args[0])) return std::nullopt;
            break;
          default: break;
        }
        break;
      default: break;
    }
    offending = e;
    return std::nullopt;
  }

  ExprPtr offending;

 private:
  LinearForm zero() const { return LinearForm{std::vector<ExprPtr>(vars_.size(), build::num(0)), build::num(0)}; }
  LinearForm constant(ExprPtr e) const {
    LinearForm f = zero();
    f.rest = std::move(e);
    return f;
  }
  template <class F>
  static void map(LinearForm& f, F&& fn) {
    for (auto& c : f.coeffs) c = fn(c);
    f.rest = fn(f.rest);
  }
  template <class F>
  std::optional<LinearForm> scaled(const ExprPtr& e, F&& fn) {
    auto f = run(e);
    if (f) map(*f, fn);
    return f;
  }

  const std::vector<std::string>& vars_;
};

}  // namespace

std::optional<LinearForm> linear_decompose(const ExprPtr& e, const std::vector<std::string>& vars,
                                           ExprPtr* offending) {
  Decomposer d(vars);
  auto f = d.run(e);
  if (!f && offending) *offending = d.offending;
  return f;
}

std::optional<OwnLinearForm> decompose_own(const ExprPtr& rhs, const std::string& var, ExprPtr* offending) {
  // Peel the divisors free of `var` off the top (rhs = inner/d1/d2...): they divide a and b alike, so
  // they cancel in b/a.
  std::vector<ExprPtr> divisors;
  ExprPtr inner = rhs;
  while (inner->kind == Expr::Kind::Binary && inner->op == Op::Div && !ir::uses_name(inner->args[1], var)) {
    divisors.push_back(build::fold(inner->args[1]));
    inner = inner->args[0];
  }
  auto form = linear_decompose(inner, {var}, offending);
  if (!form) return std::nullopt;
  OwnLinearForm out{form->coeffs[0], form->rest, build::div(form->rest, form->coeffs[0])};
  for (auto it = divisors.rbegin(); it != divisors.rend(); ++it) {
    out.a = build::div(out.a, *it);
    out.b = build::div(out.b, *it);
  }
  return out;
}

}  // namespace modelc::passes::numerics
