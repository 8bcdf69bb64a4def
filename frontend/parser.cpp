#include "frontend/parser.h"

#include <algorithm>

#include "frontend/lexer.h"

namespace modelc::frontend {
namespace {

using ir::Expr;
using ir::ExprPtr;
using ir::Op;

// Parentheses, unary operators and '**' chains recurse; beyond this the input is not a model.
constexpr int kMaxNesting = 200;
// Long operator chains ("a+a+...") build deep trees without nesting; later passes recurse over
// trees, so their depth is bounded too.
constexpr int kMaxTreeDepth = 1000;

// A parsed subexpression with its full span, parentheses included (the node's own loc excludes
// them, as in Python's AST), and its tree depth.
struct Node {
  ExprPtr e;
  int begin = 0;
  int end = 0;
  int depth = 1;
  explicit operator bool() const { return e != nullptr; }
};

std::optional<Op> binary_op(const Token& t) {
  static constexpr std::pair<std::string_view, Op> kOps[] = {
      {"+", Op::Add}, {"-", Op::Sub}, {"*", Op::Mul}, {"/", Op::Div}, {"//", Op::FloorDiv}, {"%", Op::Mod},
      {"**", Op::Pow}, {"<", Op::Lt}, {"<=", Op::Le}, {">", Op::Gt}, {">=", Op::Ge}, {"==", Op::Eq},
      {"!=", Op::Ne}};
  if (t.kind == Token::Kind::Name) {
    if (t.text == "and") return Op::And;
    if (t.text == "or") return Op::Or;
    return std::nullopt;
  }
  if (t.kind != Token::Kind::Punct) return std::nullopt;
  for (const auto& [s, op] : kOps)
    if (t.text == s) return op;
  return std::nullopt;
}

bool is_assignment_op(const Token& t) {
  return t.is("=") || t.is("+=") || t.is("-=") || t.is("*=") || t.is("/=");
}

bool is_operand_token(const Token& t) {
  return t.kind == Token::Kind::Number || (t.kind == Token::Kind::Name && !is_keyword(t.text)) || t.is(")");
}

class Parser {
 public:
  Parser(support::SourceTextPtr src, std::vector<Token> tokens, DiagnosticEngine& diags)
      : src_(std::move(src)), toks_(std::move(tokens)), diags_(diags) {}

  ExprPtr parse_whole_expression() {
    if (peek().kind == Token::Kind::End) {
      error_at(peek().offset, 0, "empty expression", "write an expression such as 'v > 10*mV'");
      return nullptr;
    }
    Node n = parse_or();
    if (!n) return nullptr;
    if (peek().kind != Token::Kind::End) {
      report_trailing(peek());
      return nullptr;
    }
    return n.e;
  }

  // Parses statements until End; returns false if any failed (all errors are reported).
  bool parse_statements(std::vector<ir::Stmt>& out) {
    bool all_ok = true;
    while (true) {
      while (is_separator(peek()) && peek().kind != Token::Kind::End) ++pos_;
      if (peek().kind == Token::Kind::End) break;
      failed_ = false;
      nesting_ = 0;
      if (auto s = parse_statement()) {
        out.push_back(std::move(*s));
      } else {
        all_ok = false;
        while (!is_separator(peek())) ++pos_;  // resynchronise at the next statement
      }
    }
    return all_ok;
  }

 private:
  const Token& peek(int k = 0) const {
    size_t i = std::min(toks_.size() - 1, pos_ + static_cast<size_t>(k));
    return toks_[i];
  }
  const Token& advance() {
    const Token& t = toks_[pos_];
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }
  static bool is_separator(const Token& t) {
    return t.kind == Token::Kind::End || t.kind == Token::Kind::Newline || t.is(";");
  }
  SourceLoc loc(int begin, int end) const { return SourceLoc{src_, begin, end - begin}; }

  void error_at(int offset, int length, std::string msg, std::string hint = {}) {
    if (failed_) return;  // one error per expression; later ones are usually consequences
    failed_ = true;
    diags_.error_at(SourceLoc{src_, offset, length}, std::move(msg), std::move(hint));
  }
  void error_at(const Token& t, std::string msg, std::string hint = {}) {
    error_at(t.offset, t.length, std::move(msg), std::move(hint));
  }

  // RAII nesting counter for the recursive productions.
  struct Nest {
    Parser& p;
    explicit Nest(Parser& parser) : p(parser) {
      if (++p.nesting_ > kMaxNesting)
        p.error_at(p.peek(), "expression nested too deeply",
                   "at most " + std::to_string(kMaxNesting) + " levels of parentheses and unary operators");
    }
    ~Nest() { --p.nesting_; }
  };

  Node make_binary(Op op, Node a, Node b) {
    if (!a || !b) return {};
    Node n;
    n.begin = a.begin;
    n.end = b.end;
    n.depth = 1 + std::max(a.depth, b.depth);
    if (n.depth > kMaxTreeDepth) {
      error_at(a.begin, b.end - a.begin, "expression nested too deeply",
               "split the expression; at most " + std::to_string(kMaxTreeDepth) + " chained operators");
      return {};
    }
    n.e = Expr::binary(op, a.e, b.e, loc(n.begin, n.end));
    return n;
  }

  Node make_unary(Op op, const Token& op_tok, Node a) {
    if (!a) return {};
    Node n;
    n.begin = op_tok.offset;
    n.end = a.end;
    n.depth = a.depth + 1;
    n.e = Expr::unary(op, a.e, loc(n.begin, n.end));
    return n;
  }

  void report_trailing(const Token& t) {
    const Token& prev = pos_ > 0 ? toks_[pos_ - 1] : t;
    if (t.is("="))
      error_at(t, "unexpected token '='; did you mean '=='?", "'=' assigns in statements; '==' compares");
    else if (t.is(")"))
      error_at(t, "unmatched ')'", "remove it or add the matching '('");
    else if (t.is("+=") || t.is("-=") || t.is("*=") || t.is("/=") || t.is("%=") || t.is("**=") || t.is("//="))
      error_at(t, "unexpected token " + describe_token(t), "assignments are statements, not expressions");
    else if (is_operand_token(prev) && (t.kind == Token::Kind::Name || t.kind == Token::Kind::Number || t.is("(")))
      error_at(t, "unexpected " + describe_token(t) + " after " + describe_token(prev),
               "missing operator? write '*' for a product");
    else
      error_at(t, "unexpected token " + describe_token(t));
  }

  Node parse_or() {
    Node lhs = parse_and();
    while (lhs && peek().is_name("or")) {
      advance();
      lhs = make_binary(Op::Or, lhs, parse_and());
    }
    return lhs;
  }

  Node parse_and() {
    Node lhs = parse_not();
    while (lhs && peek().is_name("and")) {
      advance();
      lhs = make_binary(Op::And, lhs, parse_not());
    }
    return lhs;
  }

  Node parse_not() {
    if (!peek().is_name("not")) return parse_comparison();
    Nest nest(*this);
    if (failed_) return {};
    const Token& op = advance();
    return make_unary(Op::Not, op, parse_not());
  }

  Node parse_comparison() {
    Node lhs = parse_arith();
    if (!lhs) return {};
    auto op = binary_op(peek());
    if (!op || !ir::is_comparison(*op)) return lhs;
    advance();
    Node n = make_binary(*op, lhs, parse_arith());
    if (!n) return {};
    auto next = binary_op(peek());
    if (next && ir::is_comparison(*next)) {
      error_at(peek(), "chained comparisons are not supported",
               "combine two comparisons with 'and', e.g. '(a < b) and (b < c)'");
      return {};
    }
    return n;
  }

  Node parse_arith() {
    Node lhs = parse_term();
    while (lhs) {
      auto op = binary_op(peek());
      if (!op || (*op != Op::Add && *op != Op::Sub)) break;
      advance();
      lhs = make_binary(*op, lhs, parse_term());
    }
    return lhs;
  }

  Node parse_term() {
    Node lhs = parse_factor();
    while (lhs) {
      auto op = binary_op(peek());
      if (!op || (*op != Op::Mul && *op != Op::Div && *op != Op::FloorDiv && *op != Op::Mod)) break;
      advance();
      lhs = make_binary(*op, lhs, parse_factor());
    }
    return lhs;
  }

  Node parse_factor() {
    Nest nest(*this);
    if (failed_) return {};
    if (peek().is("-") || peek().is("+")) {
      const Token& op = advance();
      return make_unary(op.is("-") ? Op::Neg : Op::Pos, op, parse_factor());
    }
    return parse_power();
  }

  Node parse_power() {
    bool starts_with_number = peek().kind == Token::Kind::Number;
    size_t atom_pos = pos_;
    Node base = parse_atom();
    if (!base) return {};
    // "10 ms", "13mV", "2 um**2": a number directly followed by a unit name is a product that binds
    // tighter than any operator, so "1/10 ms" is 1/(10*ms) as the reader expects.
    if (starts_with_number && pos_ == atom_pos + 1 && peek().kind == Token::Kind::Name && !is_keyword(peek().text) &&
        !peek(1).is("(")) {
      const Token& name = advance();
      Node unit{Expr::name_ref(std::string(name.text), loc(name.offset, name.offset + name.length)), name.offset,
                name.offset + name.length, 1};
      if (peek().is("**")) {
        advance();
        unit = make_binary(Op::Pow, unit, parse_factor());
      }
      return make_binary(Op::Mul, base, unit);
    }
    if (!peek().is("**")) return base;
    advance();
    return make_binary(Op::Pow, base, parse_factor());
  }

  Node parse_atom() {
    const Token& t = peek();
    switch (t.kind) {
      case Token::Kind::Number: {
        advance();
        return {Expr::number_lit(t.number, t.is_integer, loc(t.offset, t.offset + t.length)), t.offset,
                t.offset + t.length, 1};
      }
      case Token::Kind::Name: {
        if (t.text == "True" || t.text == "False") {
          advance();
          return {Expr::bool_lit(t.text == "True", loc(t.offset, t.offset + t.length)), t.offset,
                  t.offset + t.length, 1};
        }
        if (is_keyword(t.text)) {
          error_at(t, "expected an expression, found keyword " + describe_token(t),
                   t.text == "and" || t.text == "or" ? "an operand is missing before it"
                                                     : "Brian2 expressions do not support this keyword");
          return {};
        }
        advance();
        if (peek().is("(")) return parse_call(t);
        return {Expr::name_ref(std::string(t.text), loc(t.offset, t.offset + t.length)), t.offset,
                t.offset + t.length, 1};
      }
      case Token::Kind::Punct:
        if (t.is("(")) {
          advance();
          Node inner = parse_or();
          if (!inner) return {};
          if (!peek().is(")")) {
            report_unclosed(t, "'('");
            return {};
          }
          const Token& close = advance();
          inner.begin = t.offset;
          inner.end = close.offset + close.length;
          return inner;
        }
        break;
      default:
        break;
    }
    const Token* prev = pos_ > 0 ? &toks_[pos_ - 1] : nullptr;
    if (prev && (binary_op(*prev) || prev->is_name("not")))
      error_at(t, "expected an expression after " + describe_token(*prev) + ", found " + describe_token(t));
    else if (prev && prev->is("("))
      error_at(t, "expected an expression after '(', found " + describe_token(t));
    else
      error_at(t, "expected an expression, found " + describe_token(t));
    return {};
  }

  void report_unclosed(const Token& open, const std::string& what) {
    const Token& found = peek();
    if (is_separator(found) || found.is(":"))
      error_at(open, "expected ')' to close " + what + " opened here", "the input ends before the ')'");
    else if (found.is("="))
      error_at(found, "unexpected token '='; did you mean '=='?", "'=' assigns in statements; '==' compares");
    else if (is_operand_token(toks_[pos_ - 1]) && (found.kind == Token::Kind::Name || found.kind == Token::Kind::Number))
      error_at(found, "expected ')' or an operator, found " + describe_token(found),
               "missing operator? write '*' for a product");
    else
      error_at(found, "expected ')' to close " + what + ", found " + describe_token(found));
  }

  Node parse_call(const Token& name) {
    const Token& open = advance();
    std::vector<ExprPtr> args;
    int depth = 1;
    while (!peek().is(")")) {
      Node a = parse_or();
      if (!a) return {};
      depth = std::max(depth, a.depth + 1);
      args.push_back(a.e);
      if (peek().is(",")) {
        advance();
        continue;
      }
      if (!peek().is(")")) {
        if (is_separator(peek()))
          report_unclosed(open, "the argument list of '" + std::string(name.text) + "'");
        else
          error_at(peek(), "expected ',' or ')' in the argument list of '" + std::string(name.text) + "', found " +
                               describe_token(peek()));
        return {};
      }
    }
    const Token& close = advance();
    int end = close.offset + close.length;
    if (depth > kMaxTreeDepth) {
      error_at(name.offset, end - name.offset, "expression nested too deeply");
      return {};
    }
    return {Expr::call(std::string(name.text), std::move(args), loc(name.offset, end)), name.offset, end, depth};
  }

  std::optional<ir::Stmt> parse_statement() {
    const Token& target = peek();
    if (target.kind != Token::Kind::Name || is_keyword(target.text)) {
      error_at(target, "expected a statement such as 'v = 0', found " + describe_token(target),
               "statements are assignments: x = e, x += e, x -= e, x *= e, x /= e");
      return std::nullopt;
    }
    advance();
    const Token& op = peek();
    if (!is_assignment_op(op)) {
      if (op.is("=="))
        error_at(op, "expected an assignment, found '=='", "did you mean '='?");
      else if (op.is("**=") || op.is("//=") || op.is("%="))
        error_at(op, "unsupported assignment operator " + describe_token(op),
                 "write it out, e.g. '" + std::string(target.text) + " = " + std::string(target.text) + " " +
                     std::string(op.text.substr(0, op.text.size() - 1)) + " ...'");
      else
        error_at(op, "expected an assignment operator ('=', '+=', '-=', '*=' or '/=') after '" +
                         std::string(target.text) + "', found " + describe_token(op));
      return std::nullopt;
    }
    advance();
    if (is_separator(peek())) {
      error_at(peek(), "expected an expression after " + describe_token(op) + ", found " + describe_token(peek()));
      return std::nullopt;
    }
    Node value = parse_or();
    if (!value) return std::nullopt;
    if (!is_separator(peek())) {
      report_trailing(peek());
      return std::nullopt;
    }
    ir::Stmt s;
    s.target = std::string(target.text);
    s.op = std::string(op.text);
    s.value = value.e;
    s.loc = loc(target.offset, value.end);
    s.target_loc = loc(target.offset, target.offset + target.length);
    return s;
  }

  support::SourceTextPtr src_;
  std::vector<Token> toks_;
  DiagnosticEngine& diags_;
  size_t pos_ = 0;
  int nesting_ = 0;
  bool failed_ = false;
};

}  // namespace

ir::ExprPtr parse_expression(const support::SourceTextPtr& src, int begin, int end, DiagnosticEngine& diags) {
  if (!src) return nullptr;
  bool ok = false;
  auto tokens = tokenize(src, begin, end, LexOptions{}, diags, ok);
  if (!ok) return nullptr;
  return Parser(src, std::move(tokens), diags).parse_whole_expression();
}

ir::ExprPtr parse_expression(const support::SourceTextPtr& src, DiagnosticEngine& diags) {
  if (!src) return nullptr;
  return parse_expression(src, 0, static_cast<int>(src->text.size()), diags);
}

std::vector<ir::Stmt> parse_statements(const support::SourceTextPtr& src, DiagnosticEngine& diags) {
  if (!src) return {};
  bool ok = false;
  auto tokens = tokenize(src, 0, static_cast<int>(src->text.size()), LexOptions{.newline_tokens = true}, diags, ok);
  if (!ok) return {};
  std::vector<ir::Stmt> out;
  if (!Parser(src, std::move(tokens), diags).parse_statements(out)) return {};
  return out;
}

}  // namespace modelc::frontend
