// The Brian2-level expression and statement AST shared by the frontend, the model IR and the passes.
// Nodes are immutable and shared (ExprPtr), so passes rewrite by building new trees.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "support/diagnostics.h"

namespace modelc::ir {

enum class Op {
  // unary
  Neg, Pos, Not,
  // binary arithmetic
  Add, Sub, Mul, Div, FloorDiv, Mod, Pow,
  // comparison
  Lt, Le, Gt, Ge, Eq, Ne,
  // logical
  And, Or,
};

const char* op_spelling(Op op);  // "+", "and", "**", ...
bool is_comparison(Op op);
bool is_logical(Op op);

struct Expr;
using ExprPtr = std::shared_ptr<const Expr>;

struct Expr {
  enum class Kind {
    Number,   // numeric literal; `is_integer` for literals written without '.', 'e'
    Boolean,  // True / False
    Name,     // identifier: variable, constant, unit name (mV), built-in (t, dt, i, N)
    Unary,    // op args[0]
    Binary,   // args[0] op args[1]
    Call,     // name(args...)
  };
  Kind kind = Kind::Number;
  double number = 0.0;
  bool is_integer = false;
  bool boolean = false;
  std::string name;           // Name and Call
  Op op = Op::Add;            // Unary and Binary
  std::vector<ExprPtr> args;  // operands / call arguments
  SourceLoc loc;              // span in the source string (whole node)

  static ExprPtr number_lit(double v, bool is_integer = false, SourceLoc loc = {});
  static ExprPtr bool_lit(bool v, SourceLoc loc = {});
  static ExprPtr name_ref(std::string name, SourceLoc loc = {});
  static ExprPtr unary(Op op, ExprPtr a, SourceLoc loc = {});
  static ExprPtr binary(Op op, ExprPtr a, ExprPtr b, SourceLoc loc = {});
  static ExprPtr call(std::string fn, std::vector<ExprPtr> args, SourceLoc loc = {});
};

// Brian2-syntax text of an expression, minimal parentheses; round-trips through the parser.
std::string to_string(const ExprPtr& e);

// Collects identifier names used by `e` (not function names), in first-use order, without duplicates.
void collect_names(const ExprPtr& e, std::vector<std::string>& out);
bool uses_name(const ExprPtr& e, const std::string& name);

// Replaces identifiers by expressions (used to inline subexpressions and integrator stages).
// `lookup` returns nullptr for names that stay unchanged.
ExprPtr substitute(const ExprPtr& e, const std::function<ExprPtr(const std::string&)>& lookup);

// Abstract code statement: `target op value`, op one of "=", "+=", "-=", "*=", "/=".
struct Stmt {
  std::string target;
  std::string op = "=";
  ExprPtr value;
  SourceLoc loc{};         // whole statement
  SourceLoc target_loc{};  // just the target identifier
};
std::string to_string(const Stmt& s);

}  // namespace modelc::ir
