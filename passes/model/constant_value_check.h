// Model settings that are numbers whenever they do not depend on the state (refractory periods,
// connection probabilities, rates): a value that can only be a mistake (NaN, infinity, a negative
// period or rate) is an error where it is written, not a silently wrong simulation. Values Brian2
// accepts and gives a meaning to (a probability above 1) are left to the caller to warn about.
#pragma once

#include <string>

#include "support/diagnostics.h"
#include "ir/expr.h"

namespace modelc::passes::model {

enum class ValueRange {
  Finite,             // any finite number
  FiniteNonNegative,  // periods, rates
};

// `folded` is the setting after fold_constants. A setting that still depends on names (i, j, a
// state variable, t) is checked at run time if at all, and passes here. Reports at the expression's
// location (with a caret) or, without one, at `pointer`. Returns false after reporting an error.
bool check_constant_value(const ir::ExprPtr& folded, const std::string& what, ValueRange range,
                          const std::string& pointer, DiagnosticEngine& diags);

}  // namespace modelc::passes::model
