#include "ir/expr.h"

#include "ir/expr_traversal.h"

#include <algorithm>
#include <cmath>
#include <charconv>
#include <cstdio>

namespace modelc::ir {

const char* op_spelling(Op op) {
  switch (op) {
    case Op::Neg: return "-";
    case Op::Pos: return "+";
    case Op::Not: return "not";
    case Op::Add: return "+";
    case Op::Sub: return "-";
    case Op::Mul: return "*";
    case Op::Div: return "/";
    case Op::FloorDiv: return "//";
    case Op::Mod: return "%";
    case Op::Pow: return "**";
    case Op::Lt: return "<";
    case Op::Le: return "<=";
    case Op::Gt: return ">";
    case Op::Ge: return ">=";
    case Op::Eq: return "==";
    case Op::Ne: return "!=";
    case Op::And: return "and";
    case Op::Or: return "or";
  }
  return "?";
}

bool is_comparison(Op op) { return op >= Op::Lt && op <= Op::Ne; }
bool is_logical(Op op) { return op == Op::And || op == Op::Or || op == Op::Not; }

ExprPtr Expr::number_lit(double v, bool is_integer, SourceLoc loc) {
  auto e = std::make_shared<Expr>();
  e->kind = Kind::Number;
  e->number = v;
  e->is_integer = is_integer;
  e->loc = std::move(loc);
  return e;
}
ExprPtr Expr::bool_lit(bool v, SourceLoc loc) {
  auto e = std::make_shared<Expr>();
  e->kind = Kind::Boolean;
  e->boolean = v;
  e->loc = std::move(loc);
  return e;
}
ExprPtr Expr::name_ref(std::string name, SourceLoc loc) {
  auto e = std::make_shared<Expr>();
  e->kind = Kind::Name;
  e->name = std::move(name);
  e->loc = std::move(loc);
  return e;
}
ExprPtr Expr::unary(Op op, ExprPtr a, SourceLoc loc) {
  auto e = std::make_shared<Expr>();
  e->kind = Kind::Unary;
  e->op = op;
  e->args = {std::move(a)};
  e->loc = std::move(loc);
  return e;
}
ExprPtr Expr::binary(Op op, ExprPtr a, ExprPtr b, SourceLoc loc) {
  auto e = std::make_shared<Expr>();
  e->kind = Kind::Binary;
  e->op = op;
  e->args = {std::move(a), std::move(b)};
  e->loc = std::move(loc);
  return e;
}
ExprPtr Expr::call(std::string fn, std::vector<ExprPtr> args, SourceLoc loc) {
  auto e = std::make_shared<Expr>();
  e->kind = Kind::Call;
  e->name = std::move(fn);
  e->args = std::move(args);
  e->loc = std::move(loc);
  return e;
}

// Python precedence, higher binds tighter.
static int precedence(const Expr& e) {
  switch (e.kind) {
    case Expr::Kind::Unary:
      return e.op == Op::Not ? 3 : 7;
    case Expr::Kind::Binary:
      switch (e.op) {
        case Op::Or: return 1;
        case Op::And: return 2;
        case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge: case Op::Eq: case Op::Ne: return 4;
        case Op::Add: case Op::Sub: return 5;
        case Op::Mul: case Op::Div: case Op::FloorDiv: case Op::Mod: return 6;
        case Op::Pow: return 8;
        default: return 9;
      }
    default: return 10;
  }
}

static std::string number_text(double v, bool is_integer) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (is_integer && std::fabs(v) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
    return buf;
  }
  // Shortest text that round-trips (to_chars), so dumps read "-50.0" and "0.0001", not "-5e+01".
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, res.ptr);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

static std::string render(const ExprPtr& e, int parent_prec, bool right_operand) {
  if (!e) return "<null>";
  std::string s;
  int prec = precedence(*e);
  switch (e->kind) {
    case Expr::Kind::Number: s = number_text(e->number, e->is_integer); if (e->number < 0) prec = 7; break;
    case Expr::Kind::Boolean: s = e->boolean ? "True" : "False"; break;
    case Expr::Kind::Name: s = e->name; break;
    case Expr::Kind::Call: {
      s = e->name + "(";
      for (size_t k = 0; k < e->args.size(); ++k) {
        if (k) s += ", ";
        s += render(e->args[k], 0, false);
      }
      s += ")";
      break;
    }
    case Expr::Kind::Unary:
      s = std::string(op_spelling(e->op)) + (e->op == Op::Not ? " " : "") + render(e->args[0], prec, true);
      break;
    case Expr::Kind::Binary: {
      // ** is right-associative; the others left-associative.
      // Comparisons do not associate (Python would chain them), so both sides need parentheses.
      bool right_assoc = e->op == Op::Pow;
      bool non_assoc = is_comparison(e->op);
      std::string lhs = render(e->args[0], right_assoc || non_assoc ? prec + 1 : prec, false);
      std::string rhs = render(e->args[1], right_assoc ? prec : prec + 1, true);
      const char* sp = e->op == Op::Pow ? "" : " ";
      s = lhs + sp + op_spelling(e->op) + sp + rhs;
      break;
    }
  }
  (void)right_operand;
  if (prec < parent_prec) return "(" + s + ")";
  return s;
}

std::string to_string(const ExprPtr& e) { return render(e, 0, false); }

void collect_names(const ExprPtr& e, std::vector<std::string>& out) {
  walk(e, [&](const Expr& x) {
    if (x.kind == Expr::Kind::Name && std::find(out.begin(), out.end(), x.name) == out.end()) out.push_back(x.name);
    return WalkResult::Advance;
  });
}

bool uses_name(const ExprPtr& e, const std::string& name) {
  return find_expr(e, [&](const Expr& x) { return x.kind == Expr::Kind::Name && x.name == name; }) != nullptr;
}

ExprPtr substitute(const ExprPtr& e, const std::function<ExprPtr(const std::string&)>& lookup) {
  return rewrite(e, [&](const ExprPtr& x) -> ExprPtr {
    if (x->kind != Expr::Kind::Name) return x;
    ExprPtr r = lookup(x->name);
    return r ? r : x;
  });
}

std::string to_string(const Stmt& s) { return s.target + " " + s.op + " " + to_string(s.value); }

}  // namespace modelc::ir
