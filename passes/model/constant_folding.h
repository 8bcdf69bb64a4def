// Replaces named constants, parameters, unit names, `dt` and `N` by SI literals and evaluates
// operations whose operands are all literals. Used by ConstantFoldingPass and by the lowering.
#pragma once

#include "ir/expr.h"
#include "passes/model/symbols.h"

namespace modelc::passes::model {

ir::ExprPtr fold_constants(const ir::ExprPtr& e, const SymbolTable& scope);

}  // namespace modelc::passes::model
