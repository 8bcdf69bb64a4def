// fold-kernel-constants: evaluates, at compile time, every kernel-IR expression whose operands are
// all literals, so per-step invariants such as exp(-dt/tau) or timestep(3 ms, dt) become literals
// instead of being recomputed for every neuron and step.
//
// Why it is exact: each node is evaluated with the same C semantics and the same scalar libm the
// generated module uses (doubles in double, floats in float, Python // and % through the CPU
// prelude's own helpers, timestep() through mc_timestep), so the folded literal is bit-identical to
// what the scalar code would compute at run time. Things whose C meaning is undefined or
// implementation-defined (signed overflow, out-of-range float -> int conversion, integer division by
// zero through `/`) are left alone. The model-IR pass "fold-constants" already folds what it can
// before lowering; this pass catches what lowering itself introduces (explicit casts of integer
// literals, timestep() of a literal refractory period, exponential-Euler coefficients).
#include <cmath>
#include <cstdint>
#include <optional>

#include "abi/builtin_functions.h"
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

bool is_int(Type t) { return t == Type::Int32 || t == Type::Int64; }

// A scalar libm function of one argument, in double or float.
std::optional<double> call1(const std::string& fn, double x, bool f32) {
  float y = static_cast<float>(x);
#define MC_FN(name, cfn)                                                \
  if (fn == name) return f32 ? static_cast<double>(cfn##f(y)) : cfn(x);
  MC_FN("exp", ::exp) MC_FN("log", ::log) MC_FN("log10", ::log10) MC_FN("sqrt", ::sqrt) MC_FN("fabs", ::fabs)
  MC_FN("sin", ::sin) MC_FN("cos", ::cos) MC_FN("tan", ::tan) MC_FN("sinh", ::sinh) MC_FN("cosh", ::cosh)
  MC_FN("tanh", ::tanh) MC_FN("asin", ::asin) MC_FN("acos", ::acos) MC_FN("atan", ::atan) MC_FN("floor", ::floor)
  MC_FN("ceil", ::ceil) MC_FN("expm1", ::expm1) MC_FN("log1p", ::log1p)
#undef MC_FN
  if (fn == "exprel") return f32 ? static_cast<double>(mc_exprelf(y)) : mc_exprel(x);
  if (fn == "sign") return f32 ? static_cast<double>(mc_signf(y)) : mc_sign(x);
  return std::nullopt;
}

// Folds one node whose arguments are all literals; nullptr when it must stay as it is.
ExprP fold_node(const Expr& e) {
  auto v = [&](size_t k) { return literal_value(*e.args[k]); };
  auto iv = [&](size_t k) { return e.args[k]->i; };
  const bool f32 = e.type == Type::Float;
  auto flit = [&](double x) { return kir::lit(f32 ? static_cast<double>(static_cast<float>(x)) : x, e.type); };
  switch (e.kind) {
    case K::Unary:
      if (e.op == Op::Not && e.type == Type::Bool) return kir::lit_bool(!e.args[0]->b);
      if (e.op == Op::Pos) return e.args[0];
      if (e.op == Op::Neg && kir::is_floating(e.type)) return flit(-v(0));
      if (e.op == Op::Neg && is_int(e.type) && iv(0) != INT64_MIN) return kir::lit_int(-iv(0), e.type);
      return nullptr;
    case K::Binary: {
      const Type ta = e.args[0]->type, tb = e.args[1]->type;
      if (ir::is_logical(e.op)) {
        if (ta != Type::Bool || tb != Type::Bool) return nullptr;
        return kir::lit_bool(e.op == Op::And ? (e.args[0]->b && e.args[1]->b) : (e.args[0]->b || e.args[1]->b));
      }
      if (ir::is_comparison(e.op)) {
        // Same-kind operands only: mixed int/float comparisons convert in ways not worth mirroring.
        if (is_int(ta) != is_int(tb) || ta == Type::Bool || tb == Type::Bool) return nullptr;
        auto cmp = [&](auto a, auto b) {
          switch (e.op) {
            case Op::Lt: return a < b;
            case Op::Le: return a <= b;
            case Op::Gt: return a > b;
            case Op::Ge: return a >= b;
            case Op::Eq: return a == b;
            default: return a != b;
          }
        };
        return kir::lit_bool(is_int(ta) ? cmp(iv(0), iv(1)) : cmp(v(0), v(1)));
      }
      if (kir::is_floating(e.type)) {
        if (ta != e.type || tb != e.type) return nullptr;  // lowering casts explicitly; be safe
        double a = v(0), b = v(1);
        if (f32) {
          float x = static_cast<float>(a), y = static_cast<float>(b);
          switch (e.op) {
            case Op::Add: return flit(x + y);
            case Op::Sub: return flit(x - y);
            case Op::Mul: return flit(x * y);
            case Op::Div: return flit(x / y);
            case Op::FloorDiv: return flit(mc_floordivf(x, y));
            case Op::Mod: return flit(mc_modf(x, y));
            case Op::Pow: return flit(::powf(x, y));
            default: return nullptr;
          }
        }
        switch (e.op) {
          case Op::Add: return flit(a + b);
          case Op::Sub: return flit(a - b);
          case Op::Mul: return flit(a * b);
          case Op::Div: return flit(a / b);
          case Op::FloorDiv: return flit(mc_floordiv(a, b));
          case Op::Mod: return flit(mc_mod(a, b));
          case Op::Pow: return flit(::pow(a, b));
          default: return nullptr;
        }
      }
      if (is_int(e.type) && ta == e.type && tb == e.type) {
        int64_t a = iv(0), b = iv(1), r = 0;
        const bool i32 = e.type == Type::Int32;
        switch (e.op) {
          case Op::Add: if (__builtin_add_overflow(a, b, &r)) return nullptr; break;
          case Op::Sub: if (__builtin_sub_overflow(a, b, &r)) return nullptr; break;
          case Op::Mul: if (__builtin_mul_overflow(a, b, &r)) return nullptr; break;
          case Op::FloorDiv: r = i32 ? mc_floordiv_i32((int32_t)a, (int32_t)b) : mc_floordiv_i64(a, b); break;
          case Op::Mod: r = i32 ? mc_mod_i32((int32_t)a, (int32_t)b) : mc_mod_i64(a, b); break;
          default: return nullptr;
        }
        if (i32 && (r < INT32_MIN || r > INT32_MAX)) return nullptr;
        return kir::lit_int(r, e.type);
      }
      return nullptr;
    }
    case K::Call: {
      if (e.name == "timestep" && e.args.size() == 2 && e.type == Type::Int64) {
        // mc_timestep's (int64) conversion is undefined out of range: fold only sane step counts.
        double x = (v(0) + 1e-3 * v(1)) / v(1);
        if (!(std::fabs(x) < 9e15)) return nullptr;
        return kir::lit_int(e.args[0]->type == Type::Float
                                ? mc_timestepf(static_cast<float>(v(0)), static_cast<float>(v(1)))
                                : mc_timestep(v(0), v(1)),
                            Type::Int64);
      }
      if (!kir::is_floating(e.type)) return nullptr;  // integer helpers: rare, not worth mirroring
      for (const auto& a : e.args)
        if (a->type != e.type) return nullptr;
      if (e.args.size() == 1) {
        auto r = call1(e.name, v(0), f32);
        return r ? flit(*r) : nullptr;
      }
      if (e.args.size() == 2) {
        if (e.name == "pow") return flit(f32 ? ::powf((float)v(0), (float)v(1)) : ::pow(v(0), v(1)));
        if (e.name == "fmin") return flit(f32 ? ::fminf((float)v(0), (float)v(1)) : ::fmin(v(0), v(1)));
        if (e.name == "fmax") return flit(f32 ? ::fmaxf((float)v(0), (float)v(1)) : ::fmax(v(0), v(1)));
      }
      if (e.args.size() == 3 && e.name == "clip")
        return flit(f32 ? mc_clipf((float)v(0), (float)v(1), (float)v(2)) : mc_clip(v(0), v(1), v(2)));
      return nullptr;
    }
    case K::Cast: {
      const Expr& a = *e.args[0];
      if (e.type == Type::Bool) return kir::lit_bool(literal_value(a) != 0.0);
      if (kir::is_floating(e.type)) {
        if (a.type == Type::Float && e.type == Type::Double) return kir::lit(a.f, e.type);
        if (is_int(a.type)) return flit(f32 ? static_cast<double>(static_cast<float>(a.i)) : static_cast<double>(a.i));
        return flit(literal_value(a));
      }
      if (is_int(e.type)) {
        if (is_int(a.type) || a.type == Type::Bool) {
          int64_t x = a.type == Type::Bool ? (a.b ? 1 : 0) : a.i;
          if (e.type == Type::Int32 && (x < INT32_MIN || x > INT32_MAX)) return nullptr;
          return kir::lit_int(x, e.type);
        }
        double x = a.f;
        double lim = e.type == Type::Int32 ? 2147483647.0 : 9.2e18;
        if (!(std::fabs(x) < lim)) return nullptr;
        return kir::lit_int(static_cast<int64_t>(x), e.type);
      }
      return nullptr;
    }
    default: return nullptr;
  }
}

ExprP fold(const ExprP& e, size_t& folded) {
  if (!e) return e;
  if (e->kind == K::Select && is_literal(e->args[0]) && e->args[0]->type == Type::Bool) {
    ++folded;
    return e->args[0]->b ? e->args[1] : e->args[2];
  }
  if (e->args.empty() || e->kind == K::Random || e->kind == K::Load || e->kind == K::Select) return e;
  for (const auto& a : e->args)
    if (!is_literal(a)) return e;
  ExprP r = fold_node(*e);
  if (!r) return e;
  ++folded;
  return r;
}

class KernelConstantFoldingPass : public Pass {
 public:
  std::string name() const override { return "fold-kernel-constants"; }
  std::string description() const override {
    return "kernel IR: evaluate literal-only expressions at compile time (per-step invariants such as exp(-dt/tau))";
  }
  bool run(CompilationUnit& unit, DiagnosticEngine&) override {
    if (!unit.program) return true;
    size_t total = 0;
    for (auto& k : unit.program->kernels) {
      size_t folded = 0;
      kir::rewrite_exprs(k.body, [&](const ExprP& n) { return fold(n, folded); });
      total += folded;
    }
    if (total) unit.decisions.emplace_back("fold-kernel-constants", std::to_string(total) + " literal-only expressions folded");
    return true;
  }
};

}  // namespace

std::unique_ptr<Pass> create_kernel_constant_folding_pass() { return std::make_unique<KernelConstantFoldingPass>(); }

}  // namespace modelc::passes::kernel
