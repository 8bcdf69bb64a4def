#include "passes/model/constant_value_check.h"

#include <cmath>

namespace modelc::passes::model {

namespace {

// True when the expression is made of literals only: folding left it alone because its value is
// not a finite number (0/0, sqrt(-1), log(0), a pow that overflows).
bool literal_only(const ir::Expr& e) {
  if (e.kind == ir::Expr::Kind::Name) return false;
  for (const auto& a : e.args)
    if (!a || !literal_only(*a)) return false;
  return true;
}

}  // namespace

bool check_constant_value(const ir::ExprPtr& folded, const std::string& what, ValueRange range,
                          const std::string& pointer, DiagnosticEngine& diags) {
  if (!folded || !literal_only(*folded) || folded->kind == ir::Expr::Kind::Boolean) return true;
  auto report = [&](const std::string& message, const std::string& hint) {
    if (folded->loc.valid()) diags.error_at(folded->loc, message, hint);
    else diags.error(message, pointer, hint);
    return false;
  };
  if (folded->kind != ir::Expr::Kind::Number)
    return report(what + " is not a finite number: " + ir::to_string(folded) + " evaluates to NaN or infinity",
                  "check for a division by zero, or sqrt/log of a value outside its domain");
  const double v = folded->number;
  if (std::isnan(v)) return report(what + " is NaN", "give a number");
  if (std::isinf(v)) return report(what + " is infinite (" + std::string(v > 0 ? "+" : "-") + "inf)",
                                   "give a finite number; an overflow (such as 1e308*10) also gives infinity");
  if (range == ValueRange::FiniteNonNegative && v < 0)
    return report(what + " must not be negative (it is " + ir::to_string(folded) + " in SI units)", "give a value >= 0");
  return true;
}

}  // namespace modelc::passes::model
