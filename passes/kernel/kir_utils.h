// Small helpers shared by the kernel-IR optimisation passes (fold-kernel-constants, kernel-cse,
// strength-reduce). Walking and rewriting are ir/kernel_ir_traversal.h.
#pragma once

#include <set>
#include <string>

#include "ir/kernel_ir.h"

namespace modelc::passes::kernel {

// Names of the locals declared anywhere in `b` (to pick fresh names).
void collect_locals(const kir::Block& b, std::set<std::string>& out);

inline bool is_literal(const kir::ExprP& e) { return e && e->kind == kir::Expr::Kind::Literal; }
// The literal's value as a double (Bool/Int literals converted).
double literal_value(const kir::Expr& e);

}  // namespace modelc::passes::kernel
