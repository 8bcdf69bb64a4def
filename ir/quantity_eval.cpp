// evaluate_constant() and infer_dimension(): one tree walk in two modes, so that constants and
// per-neuron code follow the same dimension rules, which are those of Brian2's
// parse_expression_dimensions (brian2/parsing/expressions.py) and DEFAULT_FUNCTIONS.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "ir/quantity_eval.h"

namespace modelc::ir {
namespace {

using ir::Expr;
using ir::ExprPtr;
using ir::Op;

// Trees from the parser are at most ~1000 deep; hand-built ones are bounded here.
constexpr int kMaxDepth = 1500;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

enum class FnKind { Dimensionless, Sqrt, KeepUnit, Sign, Int, Clip, Random, Timestep, Select, MinMax };
struct FnSpec {
  const char* name;
  int arity;
  FnKind kind;
};
constexpr FnSpec kFunctions[] = {
    {"exp", 1, FnKind::Dimensionless},    {"log", 1, FnKind::Dimensionless},   {"log10", 1, FnKind::Dimensionless},
    {"expm1", 1, FnKind::Dimensionless},  {"log1p", 1, FnKind::Dimensionless}, {"exprel", 1, FnKind::Dimensionless},
    {"sin", 1, FnKind::Dimensionless},    {"cos", 1, FnKind::Dimensionless},   {"tan", 1, FnKind::Dimensionless},
    {"sinh", 1, FnKind::Dimensionless},   {"cosh", 1, FnKind::Dimensionless},  {"tanh", 1, FnKind::Dimensionless},
    {"arcsin", 1, FnKind::Dimensionless}, {"arccos", 1, FnKind::Dimensionless}, {"arctan", 1, FnKind::Dimensionless},
    {"sqrt", 1, FnKind::Sqrt},            {"abs", 1, FnKind::KeepUnit},        {"floor", 1, FnKind::KeepUnit},
    {"ceil", 1, FnKind::KeepUnit},        {"sign", 1, FnKind::Sign},           {"int", 1, FnKind::Int},
    {"clip", 3, FnKind::Clip},            {"rand", 0, FnKind::Random},         {"randn", 0, FnKind::Random},
    {"timestep", 2, FnKind::Timestep},    {"_select", 3, FnKind::Select},      {"min", 2, FnKind::MinMax},
    {"max", 2, FnKind::MinMax},
};

const FnSpec* find_function(const std::string& name) {
  for (const auto& f : kFunctions)
    if (name == f.name) return &f;
  return nullptr;
}

double apply_dimensionless(const std::string& f, double x) {
  if (f == "exp") return std::exp(x);
  if (f == "log") return std::log(x);
  if (f == "log10") return std::log10(x);
  if (f == "expm1") return std::expm1(x);
  if (f == "log1p") return std::log1p(x);
  if (f == "exprel") return x == 0.0 ? 1.0 : std::expm1(x) / x;
  if (f == "sin") return std::sin(x);
  if (f == "cos") return std::cos(x);
  if (f == "tan") return std::tan(x);
  if (f == "sinh") return std::sinh(x);
  if (f == "cosh") return std::cosh(x);
  if (f == "tanh") return std::tanh(x);
  if (f == "arcsin") return std::asin(x);
  if (f == "arccos") return std::acos(x);
  return std::atan(x);
}

std::string describe(const Dimension& d) { return d.is_dimensionless() ? "a dimensionless value" : d.to_string(); }

// The operator between a binary node's operands, for a caret under just the operator.
SourceLoc operator_loc(const Expr& e) {
  if (e.args.size() == 2 && e.args[0] && e.args[1]) {
    const SourceLoc& a = e.args[0]->loc;
    const SourceLoc& b = e.args[1]->loc;
    if (a.valid() && b.valid() && a.source == b.source) {
      std::string_view spelled = ir::op_spelling(e.op);
      size_t from = static_cast<size_t>(a.offset + a.length);
      size_t p = a.source->text.find(spelled, from);
      if (p != std::string::npos && p + spelled.size() <= static_cast<size_t>(b.offset))
        return SourceLoc{a.source, static_cast<int>(p), static_cast<int>(spelled.size())};
    }
  }
  return e.loc;
}

class Evaluator {
 public:
  enum class Mode { Value, Dimension };
  Evaluator(Mode mode, DiagnosticEngine& diags) : mode_(mode), diags_(diags) {}

  const QuantityLookup* quantity_lookup = nullptr;    // Value mode
  const DimensionLookup* dimension_lookup = nullptr;  // Dimension mode
  const QuantityLookup* constant_lookup = nullptr;    // Dimension mode: values of '**' exponents
  const std::vector<std::string>* known_names = nullptr;

  std::optional<Quantity> eval(const ExprPtr& e, int depth = 0) {
    if (!e) {
      diags_.error("internal error: missing expression", "");
      return std::nullopt;
    }
    if (depth > kMaxDepth) {
      diags_.error_at(e->loc, "expression nested too deeply");
      return std::nullopt;
    }
    switch (e->kind) {
      case Expr::Kind::Number: return Quantity{e->number, {}};
      case Expr::Kind::Boolean: return Quantity{e->boolean ? 1.0 : 0.0, {}};
      case Expr::Kind::Name: return name(*e);
      case Expr::Kind::Unary: return unary(*e, depth);
      case Expr::Kind::Binary: return binary(*e, depth);
      case Expr::Kind::Call: return call(*e, depth);
    }
    return std::nullopt;
  }

 private:
  bool values() const { return mode_ == Mode::Value; }
  void error(const SourceLoc& loc, std::string msg, std::string hint = {}) {
    diags_.error_at(loc, std::move(msg), std::move(hint));
  }

  std::optional<Quantity> name(const Expr& e) {
    if (values() && quantity_lookup && *quantity_lookup)
      if (auto q = (*quantity_lookup)(e.name)) return q;
    if (!values() && dimension_lookup && *dimension_lookup)
      if (auto d = (*dimension_lookup)(e.name)) return Quantity{kNaN, *d};
    if (e.name == "pi") return Quantity{std::numbers::pi, {}};
    if (e.name == "e") return Quantity{std::numbers::e, {}};
    if (e.name == "inf") return Quantity{std::numeric_limits<double>::infinity(), {}};
    if (auto u = support::lookup_unit(e.name)) return u;
    if (find_function(e.name)) {
      error(e.loc, "'" + e.name + "' is a function, not a value", "call it, e.g. '" + e.name + "(x)'");
      return std::nullopt;
    }
    std::optional<std::string> close;
    if (known_names) close = support::closest_match(e.name, *known_names);
    if (!close) close = support::closest_unit_name(e.name);
    error(e.loc, "unknown identifier '" + e.name + "'",
          close ? "did you mean '" + *close + "'?"
                : values() ? "constants may use numbers, units, parameters and constants defined before them"
                           : "define it in the equations, as a constant or as a parameter");
    return std::nullopt;
  }

  std::optional<Quantity> unary(const Expr& e, int depth) {
    if (e.args.empty()) return std::nullopt;
    auto a = eval(e.args[0], depth + 1);
    if (!a) return std::nullopt;
    switch (e.op) {
      case Op::Neg: return Quantity{-a->value, a->dim};
      case Op::Pos: return a;
      case Op::Not:
        if (!a->dim.is_dimensionless()) {
          error(e.args[0]->loc, "the operand of 'not' must be boolean, got " + describe(a->dim));
          return std::nullopt;
        }
        return Quantity{a->value == 0.0 ? 1.0 : 0.0, {}};
      default: return std::nullopt;
    }
  }

  void mismatch(const Expr& e, const Quantity& a, const Quantity& b) {
    std::string l = describe(a.dim), r = describe(b.dim);
    std::string msg;
    switch (e.op) {
      case Op::Add: msg = "cannot add " + l + " and " + r; break;
      case Op::Sub: msg = "cannot subtract " + r + " from " + l; break;
      case Op::Mod: msg = "'%' needs operands with the same units, got " + l + " and " + r; break;
      default: msg = "cannot compare " + l + " with " + r; break;
    }
    // "v > 0" is the classic: Brian2 gives a bare number no unit, so suggest writing one.
    std::string hint = "both sides must have the same units";
    const Expr* lit = e.args[1]->kind == Expr::Kind::Number ? e.args[1].get()
                      : e.args[0]->kind == Expr::Kind::Number ? e.args[0].get() : nullptr;
    const Dimension& other = lit == e.args[1].get() ? a.dim : b.dim;
    std::string unit = other.to_string();
    if (lit && lit->loc.valid() && unit.find(' ') == std::string::npos && other != Dimension{})
      hint = "give the number a unit, e.g. '" +
             lit->loc.source->text.substr(lit->loc.offset, lit->loc.length) + "*" + unit + "'";
    error(operator_loc(e), msg, hint);
  }

  std::optional<Quantity> binary(const Expr& e, int depth) {
    if (e.args.size() < 2) return std::nullopt;
    auto a = eval(e.args[0], depth + 1);
    if (!a) return std::nullopt;
    if (e.op == Op::Pow) return power(e, *a, depth);
    auto b = eval(e.args[1], depth + 1);
    if (!b) return std::nullopt;
    const double x = a->value, y = b->value;
    auto division_by_zero = [&] {
      error(e.args[1]->loc, "division by zero");
      return std::nullopt;
    };
    switch (e.op) {
      case Op::Add: case Op::Sub: case Op::Mod:
      case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge: case Op::Eq: case Op::Ne:
        if (a->dim != b->dim) {
          mismatch(e, *a, *b);
          return std::nullopt;
        }
        break;
      case Op::And: case Op::Or:
        for (const auto* q : {&*a, &*b}) {
          if (!q->dim.is_dimensionless()) {
            error(e.args[q == &*a ? 0 : 1]->loc,
                  std::string("the operands of '") + ir::op_spelling(e.op) + "' must be boolean, got " + describe(q->dim));
            return std::nullopt;
          }
        }
        break;
      case Op::FloorDiv:
        if (!a->dim.is_dimensionless() || !b->dim.is_dimensionless()) {
          error(operator_loc(e), "floor division '//' needs dimensionless operands, got " + describe(a->dim) +
                                     " and " + describe(b->dim));
          return std::nullopt;
        }
        break;
      default: break;
    }
    switch (e.op) {
      case Op::Add: return Quantity{x + y, a->dim};
      case Op::Sub: return Quantity{x - y, a->dim};
      case Op::Mul:
      case Op::Div: {
        auto d = combine(a->dim, b->dim, e.op == Op::Mul ? 1 : -1);
        if (!d) {
          error(operator_loc(e), "dimension exponent out of range");
          return std::nullopt;
        }
        if (e.op == Op::Div && values() && y == 0.0) return division_by_zero();
        return Quantity{e.op == Op::Mul ? x * y : x / y, *d};
      }
      case Op::FloorDiv:
        if (values() && y == 0.0) return division_by_zero();
        return Quantity{std::floor(x / y), {}};
      case Op::Mod: {
        if (values() && y == 0.0) return division_by_zero();
        double r = std::fmod(x, y);
        if (r != 0.0 && ((r < 0) != (y < 0))) r += y;  // Python: the result has the divisor's sign
        return Quantity{r, a->dim};
      }
      case Op::Lt: return Quantity{x < y ? 1.0 : 0.0, {}};
      case Op::Le: return Quantity{x <= y ? 1.0 : 0.0, {}};
      case Op::Gt: return Quantity{x > y ? 1.0 : 0.0, {}};
      case Op::Ge: return Quantity{x >= y ? 1.0 : 0.0, {}};
      case Op::Eq: return Quantity{x == y ? 1.0 : 0.0, {}};
      case Op::Ne: return Quantity{x != y ? 1.0 : 0.0, {}};
      case Op::And: return Quantity{(x != 0.0 && y != 0.0) ? 1.0 : 0.0, {}};
      case Op::Or: return Quantity{(x != 0.0 || y != 0.0) ? 1.0 : 0.0, {}};
      default: return std::nullopt;
    }
  }

  static std::optional<Dimension> combine(const Dimension& a, const Dimension& b, int sign) {
    Dimension r;
    for (int i = 0; i < 7; ++i) {
      int v = a.twice[i] + sign * b.twice[i];
      if (std::abs(v) > 120) return std::nullopt;
      r.twice[i] = static_cast<int8_t>(v);
    }
    return r;
  }

  // Brian2: a ** b needs a dimensionless b; if a has units, b must be a constant number.
  std::optional<Quantity> power(const Expr& e, const Quantity& base, int depth) {
    const ExprPtr& rhs = e.args[1];
    auto ex = eval(rhs, depth + 1);
    if (!ex) return std::nullopt;
    if (!ex->dim.is_dimensionless()) {
      error(rhs->loc, "the exponent of '**' must be dimensionless, got " + ex->dim.to_string());
      return std::nullopt;
    }
    if (base.dim.is_dimensionless()) return Quantity{std::pow(base.value, ex->value), {}};
    double p = ex->value;
    if (!values()) {
      DiagnosticEngine scratch;
      Evaluator constant(Mode::Value, scratch);
      constant.quantity_lookup = constant_lookup;
      auto c = constant.eval(rhs, depth + 1);
      if (!c) {
        error(rhs->loc, "the exponent of a quantity with units must be a constant",
              "'" + base.dim.to_string() + "' is raised to a power that is only known at run time");
        return std::nullopt;
      }
      p = c->value;
    }
    auto d = base.dim.pow(p);
    if (!d) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", p);
      error(operator_loc(e), "cannot raise " + base.dim.to_string() + " to the power " + buf,
            "the exponents of the units must stay multiples of 1/2");
      return std::nullopt;
    }
    return Quantity{std::pow(base.value, p), *d};
  }

  bool expect_dim(const Expr& call, size_t k, const Quantity& q, const Dimension& want, const char* what) {
    if (q.dim == want) return true;
    error(call.args[k]->loc,
          call.name + "() needs " + what + ", got " + describe(q.dim),
          want.is_dimensionless() ? "divide by a unit to make it dimensionless, e.g. '" + call.name + "(v/mV)'" : "");
    return false;
  }

  std::optional<Quantity> call(const Expr& e, int depth) {
    const FnSpec* fn = find_function(e.name);
    if (fn && fn->kind == FnKind::MinMax && !values()) fn = nullptr;  // constants only
    // IR v2: user functions (TimedArrays) are known to the dimension lookup as "name()" with their
    // result's dimension; their arguments are a time and optionally a dimensionless index.
    if (!fn && !values() && dimension_lookup && *dimension_lookup)
      if (auto d = (*dimension_lookup)(e.name + "()")) {
        for (size_t k = 0; k < e.args.size(); ++k) {
          auto a = eval(e.args[k], depth + 1);
          if (!a) return std::nullopt;
          Dimension want = k == 0 ? Dimension::base(2) : Dimension::dimensionless();
          if (!(a->dim == want)) {
            error(e.args[k]->loc, e.name + "() needs " + (k == 0 ? "a time" : "a dimensionless index") + ", got " + describe(a->dim),
                  k == 0 ? "call it as " + e.name + "(t)" : "call it as " + e.name + "(t, i)");
            return std::nullopt;
          }
        }
        if (e.args.empty() || e.args.size() > 2) {
          error(e.loc, e.name + "() takes (t) or (t, i)", "call it as " + e.name + "(t)");
          return std::nullopt;
        }
        return Quantity{kNaN, *d};
      }
    if (!fn) {
      auto close = support::closest_match(e.name, builtin_function_names());
      std::string all;
      for (const auto& f : builtin_function_names()) all += (all.empty() ? "" : " ") + f;
      error(e.loc, "unknown function '" + e.name + "'",
            close ? "did you mean '" + *close + "'?" : "available functions: " + all);
      return std::nullopt;
    }
    if (static_cast<int>(e.args.size()) != fn->arity) {
      error(e.loc, e.name + "() takes " + std::to_string(fn->arity) + (fn->arity == 1 ? " argument" : " arguments") +
                       ", got " + std::to_string(e.args.size()));
      return std::nullopt;
    }
    if (fn->kind == FnKind::Random && values()) {
      error(e.loc, e.name + "() is not a constant; initial values may use it, constants may not");
      return std::nullopt;
    }
    std::vector<Quantity> args;
    for (const auto& a : e.args) {
      auto q = eval(a, depth + 1);
      if (!q) return std::nullopt;
      args.push_back(*q);
    }
    const Dimension none;
    switch (fn->kind) {
      case FnKind::Dimensionless:
        if (!expect_dim(e, 0, args[0], none, "a dimensionless argument")) return std::nullopt;
        return Quantity{apply_dimensionless(e.name, args[0].value), none};
      case FnKind::Sqrt: {
        auto d = args[0].dim.pow(0.5);
        if (!d) {
          error(e.args[0]->loc, "cannot take the square root of " + args[0].dim.to_string(),
                "the exponents of the units must stay multiples of 1/2");
          return std::nullopt;
        }
        return Quantity{std::sqrt(args[0].value), *d};
      }
      case FnKind::KeepUnit: {
        double x = args[0].value;
        double v = e.name == "abs" ? std::fabs(x) : e.name == "floor" ? std::floor(x) : std::ceil(x);
        return Quantity{v, args[0].dim};
      }
      case FnKind::Sign: {
        double x = args[0].value;
        return Quantity{std::isnan(x) ? x : static_cast<double>((x > 0) - (x < 0)), none};
      }
      case FnKind::Int:
        if (!expect_dim(e, 0, args[0], none, "a dimensionless argument")) return std::nullopt;
        return Quantity{std::trunc(args[0].value), none};
      case FnKind::Clip:
        for (size_t k = 1; k < 3; ++k) {
          if (args[k].dim != args[0].dim) {
            error(e.args[k]->loc, "the bounds of clip() must have the same units as its first argument (" +
                                      describe(args[0].dim) + "), got " + describe(args[k].dim));
            return std::nullopt;
          }
        }
        return Quantity{std::min(std::max(args[0].value, args[1].value), args[2].value), args[0].dim};
      case FnKind::Random: return Quantity{kNaN, none};
      case FnKind::Timestep: {
        const Dimension second = Dimension::base(2);
        if (!expect_dim(e, 0, args[0], second, "a time") || !expect_dim(e, 1, args[1], second, "a time"))
          return std::nullopt;
        if (values() && args[1].value == 0.0) {
          error(e.args[1]->loc, "division by zero");
          return std::nullopt;
        }
        // Brian2's timestep(): int((t + 1e-3*dt)/dt), truncating like a cast to int64.
        return Quantity{std::trunc((args[0].value + 1e-3 * args[1].value) / args[1].value), none};
      }
      case FnKind::Select:
        if (!expect_dim(e, 0, args[0], none, "a boolean condition")) return std::nullopt;
        if (args[1].dim != args[2].dim) {
          error(e.args[2]->loc, "both branches of _select() must have the same units, got " +
                                    describe(args[1].dim) + " and " + describe(args[2].dim));
          return std::nullopt;
        }
        return args[0].value != 0.0 ? args[1] : args[2];
      case FnKind::MinMax:
        if (args[0].dim != args[1].dim) {
          error(e.args[1]->loc, e.name + "() needs arguments with the same units, got " + describe(args[0].dim) +
                                    " and " + describe(args[1].dim));
          return std::nullopt;
        }
        return Quantity{e.name == "min" ? std::min(args[0].value, args[1].value)
                                        : std::max(args[0].value, args[1].value),
                        args[0].dim};
    }
    return std::nullopt;
  }

  Mode mode_;
  DiagnosticEngine& diags_;
};

}  // namespace

const std::vector<std::string>& builtin_function_names() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const auto& f : kFunctions)
      if (f.name[0] != '_' && f.kind != FnKind::MinMax) names.push_back(f.name);
    return names;
  }();
  return kNames;
}

std::optional<Quantity> evaluate_constant(const ir::ExprPtr& e, const QuantityLookup& lookup,
                                          DiagnosticEngine& diags, const std::vector<std::string>& known_names) {
  Evaluator ev(Evaluator::Mode::Value, diags);
  ev.quantity_lookup = &lookup;
  ev.known_names = &known_names;
  return ev.eval(e);
}

std::optional<Quantity> evaluate_constant(const ir::ExprPtr& e, const QuantityLookup& lookup,
                                          DiagnosticEngine& diags) {
  return evaluate_constant(e, lookup, diags, {});
}

std::optional<Dimension> infer_dimension(const ir::ExprPtr& e, const DimensionLookup& lookup,
                                         const QuantityLookup& constant_lookup, DiagnosticEngine& diags,
                                         const std::vector<std::string>& known_names) {
  Evaluator ev(Evaluator::Mode::Dimension, diags);
  ev.dimension_lookup = &lookup;
  ev.constant_lookup = &constant_lookup;
  ev.known_names = &known_names;
  auto q = ev.eval(e);
  if (!q) return std::nullopt;
  return q->dim;
}

std::optional<Dimension> infer_dimension(const ir::ExprPtr& e, const DimensionLookup& lookup,
                                         const QuantityLookup& constant_lookup, DiagnosticEngine& diags) {
  return infer_dimension(e, lookup, constant_lookup, diags, {});
}

}  // namespace modelc::ir
