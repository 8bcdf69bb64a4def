#include "codegen/c_printer.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace modelc::codegen {

namespace {

// The shortest decimal text that reads back as exactly `v` (in double or float precision).
std::string shortest(double v, bool as_float) {
  char buf[48];
  for (int prec = as_float ? 6 : 15; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    bool ok = as_float ? std::strtof(buf, nullptr) == static_cast<float>(v) : std::strtod(buf, nullptr) == v;
    if (ok) break;
  }
  std::string s = buf;
  // "1" would be an int literal in C: force a floating literal.
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

bool is_int(kir::Type t) { return t == kir::Type::Int32 || t == kir::Type::Int64; }

}  // namespace

const char* CStylePrinter::helper_suffix(kir::Type t) {
  switch (t) {
    case kir::Type::Float: return "f";
    case kir::Type::Int32: return "_i32";
    case kir::Type::Int64: return "_i64";
    case kir::Type::Bool: return "_i32";
    case kir::Type::Double: return "";
  }
  return "";
}

std::string CStylePrinter::type_name(kir::Type t) const {
  switch (t) {
    case kir::Type::Bool: return "bool";
    case kir::Type::Int32: return "int32_t";
    case kir::Type::Int64: return "int64_t";
    case kir::Type::Float: return "float";
    case kir::Type::Double: return "double";
  }
  return "void";
}

std::string CStylePrinter::buffer_pointer(kir::Type t, const std::string& name, bool read_only) const {
  return (read_only ? "const " : "") + storage_type_name(t) + "* __restrict " + name;
}

std::string CStylePrinter::float_literal(double v, kir::Type t) const {
  bool f = t == kir::Type::Float;
  if (std::isnan(v)) return f ? "MC_NANF" : "MC_NAN";
  if (std::isinf(v)) return std::string(v < 0 ? "(-" : "(") + (f ? "MC_INFF" : "MC_INF") + ")";
  std::string s = shortest(f ? static_cast<double>(static_cast<float>(v)) : v, f);
  if (f) s += "f";
  // Parenthesised so that `a - -1.0` can never print as `a--1.0`.
  return v < 0 || (v == 0 && std::signbit(v)) ? "(" + s + ")" : s;
}

std::string CStylePrinter::int_literal(int64_t v, kir::Type t) const {
  if (v == std::numeric_limits<int64_t>::min()) return "(-9223372036854775807LL - 1)";
  std::string s = std::to_string(v);
  // Plain literals are `int`: values beyond int32 need the suffix to stay 64-bit.
  if (t == kir::Type::Int64 && (v > std::numeric_limits<int32_t>::max() || v < std::numeric_limits<int32_t>::min()))
    s += "LL";
  return v < 0 ? "(" + s + ")" : s;
}

std::string CStylePrinter::literal(const kir::Expr& e) const {
  switch (e.type) {
    case kir::Type::Bool: return bool_literal(e.b);
    case kir::Type::Int32:
    case kir::Type::Int64: return int_literal(e.i, e.type);
    case kir::Type::Float:
    case kir::Type::Double: return float_literal(e.f, e.type);
  }
  return "0";
}

std::string CStylePrinter::function_name(const std::string& fn, kir::Type t) const {
  if (fn == "exprel" || fn == "sign" || fn == "clip" || fn == "timestep")
    return "mc_" + fn + helper_suffix(t);
  std::string name = fn == "abs" ? "fabs" : fn;
  if (is_int(t) && (name == "fabs" || name == "fmin" || name == "fmax")) return "mc_" + name + helper_suffix(t);
  if (t == kir::Type::Float) return name + "f";
  return name;
}

std::string CStylePrinter::buffer_access(const std::string& buffer, const std::string& index) const {
  return buffer + "[" + index + "]";
}

std::string CStylePrinter::select(const std::string& c, const std::string& a, const std::string& b, kir::Type) const {
  return "(" + c + " ? " + a + " : " + b + ")";
}

std::string CStylePrinter::cast(const std::string& a, kir::Type, kir::Type to) const {
  return "((" + type_name(to) + ")" + a + ")";
}

bool tabulable_binomial(const kir::Expr& e, int64_t& n, double& p) {
  if (e.kind != kir::Expr::Kind::Random || e.name != "binomial" || e.args.size() != 2) return false;
  if (!e.args[0] || e.args[0]->kind != kir::Expr::Kind::Literal || !e.args[1] ||
      e.args[1]->kind != kir::Expr::Kind::Literal)
    return false;
  const std::optional<double> nv = kir::constant_number(e.args[0]), pv = kir::constant_number(e.args[1]);
  if (!nv || !pv || *nv != static_cast<double>(static_cast<int64_t>(*nv))) return false;
  n = static_cast<int64_t>(*nv);
  p = *pv;
  // The conditions of mc_binomial_double, in the same double arithmetic.
  if (n <= 0 || !(p > 0.0) || p >= 1.0) return false;
  return !(static_cast<double>(n) * p > 5.0 && static_cast<double>(n) * (1.0 - p) > 5.0);
}

std::string CStylePrinter::random(const kir::Expr& e) const {
  int64_t n = 0;
  double p = 0.0;
  if (keys_.binomial_tables.count(e.stream) && tabulable_binomial(e, n, p))
    return std::string(e.type == kir::Type::Float ? "(float)" : "") + "mc_binomial_lockstep(&_mc_bino" +
           std::to_string(e.stream) + ", " + keys_.seed + ", " + std::to_string(e.stream) + "u, (uint64_t)(" +
           keys_.element + "), (uint64_t)(" + keys_.step + "))";
  if (e.name == "binomial" && e.args.size() == 2) {  // IR v2
    std::string fn = std::string("mc_binomial") + (e.type == kir::Type::Float ? "_float" : "_double");
    return fn + "(" + keys_.seed + ", " + std::to_string(e.stream) + "u, (uint64_t)(" + keys_.element +
           "), (uint64_t)(" + keys_.step + "), (int64_t)(" + expr(e.args[0]) + "), (double)(" + expr(e.args[1]) + "))";
  }
  std::string fn = std::string("mc_") + (e.name == "normal" ? "normal" : "uniform") +
                   (e.type == kir::Type::Float ? "_float" : "_double");
  return fn + "(" + keys_.seed + ", " + std::to_string(e.stream) + "u, (uint64_t)(" + keys_.element +
         "), (uint64_t)(" + keys_.step + "))";
}

std::string CStylePrinter::accumulate(const kir::Stmt& s, const std::string& target_index,
                                      const std::string& value) const {
  return target_index + " " + ir::op_spelling(s.op) + "= " + value + ";";
}

std::string CStylePrinter::emit_spike(const kir::Stmt&, const std::string& index) const {
  // Dialects bind this to their spike list; a macro keeps the printer independent of that layout.
  return "MC_EMIT_SPIKE(" + index + ");";
}

std::string CStylePrinter::expr(const kir::ExprP& e) const { return e ? expr(*e) : "/*null*/0"; }

std::string CStylePrinter::expr(const kir::Expr& e) const {
  auto a = [&](size_t k) { return expr(k < e.args.size() ? e.args[k] : nullptr); };
  switch (e.kind) {
    case kir::Expr::Kind::Literal: return literal(e);
    case kir::Expr::Kind::Local: return e.name;
    case kir::Expr::Kind::Builtin: return builtin(e.name, e.type);
    case kir::Expr::Kind::Load: return buffer_access(e.name, a(0));
    case kir::Expr::Kind::Unary:
      switch (e.op) {
        case ir::Op::Not: return "(!" + a(0) + ")";
        case ir::Op::Pos: return a(0);
        default: return "(-" + a(0) + ")";
      }
    case kir::Expr::Kind::Binary: {
      switch (e.op) {
        case ir::Op::FloorDiv:
        case ir::Op::Mod: {
          const char* fn = e.op == ir::Op::FloorDiv ? "mc_floordiv" : "mc_mod";
          return fn + std::string(helper_suffix(e.type)) + "(" + a(0) + ", " + a(1) + ")";
        }
        case ir::Op::Pow:  // lowering removes Pow; print a call rather than C's xor if one slips through
          return function_name("pow", e.type) + "(" + a(0) + ", " + a(1) + ")";
        case ir::Op::And: return "(" + a(0) + " && " + a(1) + ")";
        case ir::Op::Or: return "(" + a(0) + " || " + a(1) + ")";
        default: return "(" + a(0) + " " + ir::op_spelling(e.op) + " " + a(1) + ")";
      }
    }
    case kir::Expr::Kind::Call: {
      // timestep() returns an integer but computes in the type of its arguments.
      kir::Type t = e.name == "timestep" && !e.args.empty() && e.args[0] ? e.args[0]->type : e.type;
      std::string s = function_name(e.name, t) + "(";
      for (size_t k = 0; k < e.args.size(); ++k) s += (k ? ", " : "") + a(k);
      return s + ")";
    }
    case kir::Expr::Kind::Select: return select(a(0), a(1), a(2), e.type);
    case kir::Expr::Kind::Cast: return cast(a(0), e.args.empty() || !e.args[0] ? e.type : e.args[0]->type, e.type);
    case kir::Expr::Kind::Random: return random(e);
  }
  return "0";
}

std::string CStylePrinter::stmt(const kir::Stmt& s, int indent) const {
  std::string out;
  block(kir::Block{s}, indent, out);
  return out;
}

std::string CStylePrinter::block(const kir::Block& b, int indent) const {
  std::string out;
  block(b, indent, out);
  return out;
}

void CStylePrinter::block(const kir::Block& b, int indent, std::string& out) const {
  const std::string ind(2 * indent, ' ');
  for (const kir::Stmt& s : b) {
    switch (s.kind) {
      case kir::Stmt::Kind::Declare:
        out += ind + type_name(s.type) + " " + s.name;
        if (s.value) out += " = " + expr(s.value);
        out += ";\n";
        break;
      case kir::Stmt::Kind::Assign: out += ind + s.name + " = " + expr(s.value) + ";\n"; break;
      case kir::Stmt::Kind::Store:
        out += ind + buffer_access(s.name, expr(s.index)) + " = " + expr(s.value) + ";\n";
        break;
      case kir::Stmt::Kind::Accumulate:
        out += ind + accumulate(s, buffer_access(s.name, expr(s.index)), expr(s.value)) + "\n";
        break;
      case kir::Stmt::Kind::If:
        out += ind + "if (" + expr(s.value) + ") {\n";
        block(s.then_body, indent + 1, out);
        if (!s.else_body.empty()) {
          out += ind + "} else {\n";
          block(s.else_body, indent + 1, out);
        }
        out += ind + "}\n";
        break;
      case kir::Stmt::Kind::EmitSpike: out += ind + emit_spike(s, expr(s.index)) + "\n"; break;
    }
  }
}

}  // namespace modelc::codegen
