// The generic traversal of the model IR's code trees (ir::Expr and abstract code statements), the
// smaller sibling of ir/kernel_ir_traversal.h: a read-only walk (pre- or post-order, skipping
// children, early stop) and a bottom-up rewriter that rebuilds only the nodes whose operands changed.
#pragma once

#include <functional>
#include <vector>

#include "ir/expr.h"

namespace modelc::ir {

// What a pre-order visitor tells the walk: go on into the node's children, skip its children
// (continue with its next sibling), or stop the whole walk. Shared with the kernel IR's walks.
enum class WalkResult { Advance, Skip, Stop };
enum class WalkOrder { Pre, Post };

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
