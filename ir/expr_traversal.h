// The generic traversal of the model IR's code trees (ir::Expr and abstract code statements), the
// smaller sibling of ir/kernel_ir_traversal.h: a read-only walk (pre- or post-order, skipping
// children, early stop) and a bottom-up rewriter that rebuilds only the nodes whose operands changed.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "ir/expr.h"

namespace modelc::ir {

// What a pre-order visitor tells the walk: go on into the node's children, skip its children
// (continue with its next sibling), or stop the whole walk. Shared with the kernel IR's walks.
enum class WalkResult { Advance, Skip, Stop };
enum class WalkOrder { Pre, Post };

// The walk of an expression tree of either IR (a node type with `args`, held by shared_ptr); the
// typed walk() functions of ir:: and kir:: are this.
template <class E, class F>
bool walk_tree(const std::shared_ptr<const E>& e, const F& f, WalkOrder order) {
  if (!e) return true;
  if (order == WalkOrder::Pre) {
    WalkResult r = f(*e);
    if (r == WalkResult::Stop) return false;
    if (r == WalkResult::Skip) return true;
    for (const auto& a : e->args)
      if (!walk_tree(a, f, order)) return false;
    return true;
  }
  for (const auto& a : e->args)
    if (!walk_tree(a, f, order)) return false;
  return f(*e) != WalkResult::Stop;
}

// `e` and its operands, in order. Pre-order: a node before its operands, Skip does not enter them.
// Post-order: operands first (Skip is then meaningless and ignored). Returns false when a visitor
// answered Stop. Null expressions are not visited.
bool walk(const ExprPtr& e, const std::function<WalkResult(const Expr&)>& f, WalkOrder order = WalkOrder::Pre);
// Every expression node of the statements' values, statement by statement.
bool walk_exprs(const std::vector<Stmt>& code, const std::function<WalkResult(const Expr&)>& f,
                WalkOrder order = WalkOrder::Pre);

// The first node (pre-order) satisfying `pred`, or nullptr.
const Expr* find_expr(const ExprPtr& e, const std::function<bool(const Expr&)>& pred);

// Rewrites `e` bottom-up: operands first, then `f` on the node with its rewritten operands; `f`
// returns the replacement or its argument. A node whose operands did not change reaches `f` as the
// original pointer, so untouched subtrees stay shared. Replacements are not walked again.
ExprPtr rewrite(const ExprPtr& e, const std::function<ExprPtr(const ExprPtr&)>& f);
// rewrite() on every statement's value.
void rewrite_exprs(std::vector<Stmt>& code, const std::function<ExprPtr(const ExprPtr&)>& f);

}  // namespace modelc::ir
