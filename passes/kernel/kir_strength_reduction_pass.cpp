// strength-reduce / strength-reduce-fast: replaces expensive kernel-IR operations by cheaper ones.
//
// "strength-reduce" (default pipeline) does only rewrites that give bit-identical results:
//   - pow(x, 2) -> x*x, pow(x, 1) -> x, pow(x, 0) -> 1, pow(x, -1) -> 1/x: what GCC already does to
//     a pow call with these literal exponents even without -ffast-math, so modules built by either
//     host compiler compute the same bits;
//   - timestep(a, dt) CMP k (k an integer literal, usually timestep(refractory, dt) after
//     fold-kernel-constants) -> ((a + 1e-3*dt) / dt) CMP' k' in double. timestep() truncates to
//     int64; for an integer k, trunc(x) >= k <=> x >= k when k >= 1 and x > k - 1 when k <= 0, so
//     the comparison is unchanged, while the double -> int64 conversion (no AVX2 instruction) that
//     stopped the update loop from vectorising disappears. 1e-3*dt is computed here exactly as
//     mc_timestep computes it. Then, because (a + 1e-3*dt) / dt is monotone in a, the comparison
//     becomes a CMP a0 with a0 the first double that satisfies it (found by bisection, exact for
//     every a): no division left in the refractoriness check of every neuron every step.
// "strength-reduce-fast" (only at -O3, or named in --passes) adds rewrites that change the last
// bits of the result, measured to move spikes of the Brian2 goldens or not guaranteed not to:
//   - pow(x, 3) -> (x*x)*x and pow(x, 4) -> (x*x)*(x*x) (two roundings instead of one);
//   - pow(exp(a), c) -> exp(a*c) (Brian2's HH formulations; the rounding of exp(a) is amplified
//     by c).
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

#include "ir/kernel_ir_traversal.h"
#include "passes/kernel/kir_utils.h"
#include "passes/passes.h"

namespace modelc::passes::kernel {

namespace {

using kir::Expr;
using kir::ExprP;
using kir::Type;
using K = kir::Expr::Kind;
using ir::Op;

bool is_pow(const Expr& e) {
  return (e.kind == K::Call && e.name == "pow" && e.args.size() == 2) || (e.kind == K::Binary && e.op == Op::Pow);
}

bool literal_equals(const ExprP& e, double v) {
  return is_literal(e) && kir::is_floating(e->type) ? e->f == v
         : is_literal(e) && (e->type == Type::Int32 || e->type == Type::Int64) ? static_cast<double>(e->i) == v
                                                                                        : false;
}

ExprP mul(const ExprP& a, const ExprP& b, Type t) { return kir::binary(Op::Mul, a, b, t); }

class StrengthReducer {
 public:
  explicit StrengthReducer(bool fast) : fast_(fast) {}
  size_t rewrites = 0;

  ExprP operator()(const ExprP& e) {
    ExprP r = reduce(e);
    if (r != e) ++rewrites;
    return r;
  }

 private:
  ExprP reduce(const ExprP& e) {
    if (is_pow(*e) && kir::is_floating(e->type) && e->args[0]->type == e->type) return reduce_pow(e);
    if (e->kind == K::Binary && ir::is_comparison(e->op)) return reduce_timestep_compare(e);
    return e;
  }

  ExprP reduce_pow(const ExprP& e) {
    const ExprP& x = e->args[0];
    const ExprP& c = e->args[1];
    const Type t = e->type;
    if (literal_equals(c, 2.0)) return mul(x, x, t);
    if (literal_equals(c, 1.0)) return x;
    if (literal_equals(c, 0.0)) return kir::lit(1.0, t);
    if (literal_equals(c, -1.0)) return kir::binary(Op::Div, kir::lit(1.0, t), x, t);
    if (!fast_) return e;
    if (literal_equals(c, 3.0)) return mul(mul(x, x, t), x, t);
    if (literal_equals(c, 4.0)) {
      ExprP sq = mul(x, x, t);  // kernel-cse shares the square
      return mul(sq, sq, t);
    }
    if (x->kind == K::Call && x->name == "exp" && x->args.size() == 1 && c->type == t)
      return kir::call("exp", {mul(x->args[0], c, t)}, t);
    return e;
  }

  // timestep(a, dt) CMP k, either side, with k an Int64 literal and dt a Double literal.
  ExprP reduce_timestep_compare(const ExprP& e) {
    Op op = e->op;
    ExprP ts = e->args[0], k = e->args[1];
    if (!is_timestep(ts)) {
      std::swap(ts, k);
      switch (op) {  // k CMP timestep  <=>  timestep CMP' k
        case Op::Lt: op = Op::Gt; break;
        case Op::Le: op = Op::Ge; break;
        case Op::Gt: op = Op::Lt; break;
        case Op::Ge: op = Op::Le; break;
        default: break;
      }
    }
    if (!is_timestep(ts) || !is_literal(k) || k->type != Type::Int64) return e;
    if (op == Op::Eq || op == Op::Ne) return e;
    int64_t kv = k->i;
    if (kv > (int64_t(1) << 52) || kv < -(int64_t(1) << 52)) return e;  // k +- 1 exact as a double
    // Everything as trunc(x) >= m, possibly negated.
    bool negate = false;
    int64_t m = kv;
    switch (op) {
      case Op::Ge: break;
      case Op::Gt: m = kv + 1; break;
      case Op::Lt: negate = true; break;
      case Op::Le: negate = true; m = kv + 1; break;
      default: return e;
    }
    const double dt = ts->args[1]->f;
    // Better still: the whole left side f(a) = (a + 1e-3*dt) / dt is monotone in a, so f(a) >= y
    // holds exactly for a from some double a0 on; compare a with a0 and skip the division.
    const bool strict = m <= 0;  // x > m - 1, below
    if (auto a0 = first_satisfying(1e-3 * dt, dt, static_cast<double>(m >= 1 ? m : m - 1), strict))
      return kir::binary(negate ? Op::Lt : Op::Ge, ts->args[0], kir::lit(*a0, Type::Double), Type::Bool);
    ExprP x = kir::binary(Op::Div, kir::binary(Op::Add, ts->args[0], kir::lit(1e-3 * dt, Type::Double), Type::Double),
                          kir::lit(dt, Type::Double), Type::Double);
    // trunc(x) >= m  <=>  x >= m (m >= 1)  or  x > m - 1 (m <= 0); negated: the complement, which
    // for NaN x stays what the int64 comparison gave on x86 (conversion yields INT64_MIN).
    ExprP r = m >= 1 ? kir::binary(negate ? Op::Lt : Op::Ge, x, kir::lit(static_cast<double>(m), Type::Double), Type::Bool)
                     : kir::binary(negate ? Op::Le : Op::Gt, x, kir::lit(static_cast<double>(m - 1), Type::Double), Type::Bool);
    return r;
  }

  // The smallest double a with (a + c) / d >= y (> y when strict), evaluated in IEEE double as the
  // module evaluates it (round to nearest, no contraction): both operations are monotone
  // non-decreasing in a, so the a that satisfy it are exactly [a0, +inf], found by bisection over
  // the doubles in order. For every non-NaN a the comparison then gives the same answer (NaN
  // compares as the double comparison it replaces did). nullopt when no double or every double
  // satisfies it (left unchanged).
  static std::optional<double> first_satisfying(double c, double d, double y, bool strict) {
    auto holds = [&](double a) {
      volatile double sum = a + c;  // volatile: one rounding per operation, whatever the host
      const double q = sum / d;
      return strict ? q > y : q >= y;
    };
    constexpr uint64_t kSign = uint64_t(1) << 63;
    auto key = [](double v) {  // order-preserving map of the doubles onto uint64 (-0 and +0 alike)
      uint64_t b;
      std::memcpy(&b, &v, sizeof b);
      return b & kSign ? kSign - (b & ~kSign) : kSign + b;
    };
    auto value = [](uint64_t k) {
      const uint64_t b = k >= kSign ? k - kSign : (kSign - k) | kSign;
      double v;
      std::memcpy(&v, &b, sizeof v);
      return v;
    };
    const double inf = std::numeric_limits<double>::infinity();
    if (!holds(inf) || holds(-inf)) return std::nullopt;
    uint64_t lo = key(-inf), hi = key(inf);  // holds(value(hi)), !holds(value(lo))
    while (hi - lo > 1) {
      const uint64_t mid = lo + (hi - lo) / 2;
      (holds(value(mid)) ? hi : lo) = mid;
    }
    const double a0 = value(hi);
    if (!std::isfinite(a0)) return std::nullopt;
    return a0;
  }

  static bool is_timestep(const ExprP& e) {
    return e->kind == K::Call && e->name == "timestep" && e->args.size() == 2 && e->args[0]->type == Type::Double &&
           is_literal(e->args[1]) && e->args[1]->type == Type::Double && e->args[1]->f > 0;
  }

  bool fast_;
};

class StrengthReductionPass : public Pass {
 public:
  explicit StrengthReductionPass(bool fast) : fast_(fast) {}
  std::string name() const override { return fast_ ? "strength-reduce-fast" : "strength-reduce"; }
  std::string description() const override {
    return fast_ ? "kernel IR: strength reduction that may change the last bits (pow(x,3|4), pow(exp(a),c)); -O3 only"
                 : "kernel IR: exact strength reduction (pow(x,2) -> x*x, timestep comparisons in double)";
  }
  bool run(CompilationUnit& unit, DiagnosticEngine&) override {
    if (!unit.program) return true;
    StrengthReducer r(fast_);
    for (auto& k : unit.program->kernels)
      kir::rewrite_exprs(k.body, [&](const ExprP& n) { return r(n); });
    if (r.rewrites) unit.decisions.emplace_back(name(), std::to_string(r.rewrites) + " operations reduced");
    return true;
  }

 private:
  bool fast_;
};

}  // namespace

std::unique_ptr<Pass> create_strength_reduction_pass() { return std::make_unique<StrengthReductionPass>(false); }
std::unique_ptr<Pass> create_fast_strength_reduction_pass() { return std::make_unique<StrengthReductionPass>(true); }

}  // namespace modelc::passes::kernel
