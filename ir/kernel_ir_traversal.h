// The one generic traversal of the kernel IR, in the style of MLIR's walk / rewriter: a read-only
// walk over statements and expressions (pre- or post-order, with skipping of children and early
// stop) and bottom-up rewriters that rebuild only what changed. Passes and analyses use these
// instead of recursing over then_body / else_body / args by hand, so a new statement or expression
// slot is handled in one place.
#pragma once

#include <functional>
#include <optional>

#include "ir/expr_traversal.h"  // WalkResult, WalkOrder
#include "ir/kernel_ir.h"

namespace modelc::kir {

using ir::WalkOrder;
using ir::WalkResult;

// --- read-only walks -----------------------------------------------------------------------------
// Each returns false when a visitor answered Stop. Null expressions are not visited.

// `e` and its operands (args, in order). Pre-order: a node before its operands; Skip does not enter
// the operands. Post-order: operands first; the visitor's Skip is ignored (the operands are done).
bool walk(const ExprP& e, const std::function<WalkResult(const Expr&)>& f, WalkOrder order = WalkOrder::Pre);

// Every statement of `b` and of its nested bodies (then_body, then else_body). Pre-order: an If
// before its bodies, Skip does not enter them. Post-order: the bodies first.
bool walk(const Block& b, const std::function<WalkResult(const Stmt&)>& f, WalkOrder order = WalkOrder::Pre);
// The same over mutable statements, for in-place edits that keep the tree's shape (renaming).
bool walk(Block& b, const std::function<WalkResult(Stmt&)>& f, WalkOrder order = WalkOrder::Pre);

// Every expression node of every statement of `b` (nested bodies included), statement by statement
// in pre-order, within a statement index before value; each expression walked in `order`.
bool walk_exprs(const Block& b, const std::function<WalkResult(const Expr&)>& f, WalkOrder order = WalkOrder::Pre);

// Every block of a kernel: its body, then the bodies of its dispatch branches (fused propagation).
void for_each_block(const Kernel& k, const std::function<void(const Block&)>& f);
void for_each_block(Kernel& k, const std::function<void(Block&)>& f);

// Convenience: whether any statement of `b` (nested included) satisfies `pred`.
bool any_stmt(const Block& b, const std::function<bool(const Stmt&)>& pred);
// Number of expression nodes in `b`'s statements.
size_t count_expr_nodes(const Block& b);

// --- rewriters -----------------------------------------------------------------------------------

// A node with `e`'s fields and new operands.
ExprP with_args(const Expr& e, std::vector<ExprP> args);

// Rewrites `e` bottom-up: operands first, then `f` on the node with its rewritten operands; `f`
// returns the replacement or its argument. A node whose operands did not change is passed to `f`
// as the original pointer, so untouched subtrees stay shared.
ExprP rewrite(const ExprP& e, const std::function<ExprP(const ExprP&)>& f);

// Rewrites every expression slot (index, value) of every statement of `b`, nested bodies included,
// with rewrite(slot, f).
void rewrite_exprs(Block& b, const std::function<ExprP(const ExprP&)>& f);

// Rewrites the statements of `b` bottom-up: a statement's nested bodies first, then `f` on it.
// `f` returns nullopt to keep the statement, or the statements that replace it (empty: delete it).
void rewrite_stmts(Block& b, const std::function<std::optional<Block>(const Stmt&)>& f);

// `j`, or `j` plus a literal (a target slice's offset), possibly cast: an index of synapse code
// that addresses the synapse's own target.
bool is_target_index(const ExprP& e);

}  // namespace modelc::kir
