// Small helpers shared by the kernel-IR optimisation passes (fold-kernel-constants, kernel-cse,
// strength-reduce): bottom-up rewriting of expression trees and walking every expression slot of a
// kernel body. Expressions are immutable and shared, so rewriting builds new nodes only where a
// child changed.
#pragma once

#include <functional>
#include <set>
#include <string>

#include "ir/kernel_ir.h"

namespace modelc::kir_opt {

// Rewrites `e` bottom-up: children first, then `f` on the node with its rewritten children.
// `f` returns the replacement (or its argument unchanged).
kir::ExprP rewrite_bottom_up(const kir::ExprP& e, const std::function<kir::ExprP(const kir::ExprP&)>& f);

// Applies `f` to every expression slot (index, value) of every statement in `b`, nested bodies
// included, replacing each slot by the result.
void rewrite_block(kir::Block& b, const std::function<kir::ExprP(const kir::ExprP&)>& f);

// Number of expression nodes in the kernel's body (for the decisions log and the tests).
size_t count_nodes(const kir::Block& b);

// Names of the locals declared anywhere in `b` (to pick fresh names).
void collect_locals(const kir::Block& b, std::set<std::string>& out);

// A node with a copy of `e`'s fields and new arguments.
kir::ExprP with_args(const kir::Expr& e, std::vector<kir::ExprP> args);

inline bool is_literal(const kir::ExprP& e) { return e && e->kind == kir::Expr::Kind::Literal; }
// The literal's value as a double (Bool/Int literals converted).
double literal_value(const kir::Expr& e);

}  // namespace modelc::kir_opt
