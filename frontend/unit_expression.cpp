#include "frontend/unit_expression.h"

#include "frontend/parser.h"
#include "ir/quantity_eval.h"

namespace modelc::frontend {

// --- parse_unit ------------------------------------------------------------------------------------

namespace {

// A unit expression is built from unit names and numbers with '*', '/', '**' (and signs in
// exponents). Anything else is reported here, before evaluation, with a specific message.
bool check_unit_expression(const ir::ExprPtr& e, bool in_exponent, DiagnosticEngine& diags) {
  if (!e) return false;
  switch (e->kind) {
    case ir::Expr::Kind::Number: return true;
    case ir::Expr::Kind::Name: {
      if (in_exponent || support::lookup_unit(e->name)) return true;
      auto close = support::closest_unit_name(e->name);
      diags.error_at(e->loc, "unknown unit '" + e->name + "'",
                     close ? "did you mean '" + *close + "'?" : "units are SI names such as volt, mV, nS, ms, uF/cm**2");
      return false;
    }
    case ir::Expr::Kind::Unary:
      if (e->op == ir::Op::Not) break;
      return check_unit_expression(e->args[0], in_exponent, diags);
    case ir::Expr::Kind::Binary:
      if (e->op == ir::Op::Mul || e->op == ir::Op::Div)
        return check_unit_expression(e->args[0], in_exponent, diags) &&
               check_unit_expression(e->args[1], in_exponent, diags);
      if (e->op == ir::Op::Pow)
        return check_unit_expression(e->args[0], in_exponent, diags) && check_unit_expression(e->args[1], true, diags);
      break;
    default: break;
  }
  diags.error_at(e->loc, "a unit may only combine unit names with '*', '/' and '**'",
                 "write e.g. 'siemens/metre**2', 'mV' or '1'");
  return false;
}

}  // namespace

std::optional<Quantity> parse_unit(const std::string& text, const SourceLoc& loc, DiagnosticEngine& diags) {
  // Parse in place when `loc` covers `text`, so carets land in the equation the unit came from.
  support::SourceTextPtr src;
  int begin = 0;
  if (loc.valid() && loc.offset + text.size() <= loc.source->text.size() &&
      loc.source->text.compare(loc.offset, text.size(), text) == 0) {
    src = loc.source;
    begin = loc.offset;
  } else {
    src = support::make_source(text, loc.source ? loc.source->json_pointer : "");
  }
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    diags.error_at(SourceLoc{src, begin, static_cast<int>(text.size())}, "missing unit",
                   "write the unit, e.g. 'volt', or '1' if dimensionless");
    return std::nullopt;
  }
  auto e = frontend::parse_expression(src, begin, begin + static_cast<int>(text.size()), diags);
  if (!e || !check_unit_expression(e, false, diags)) return std::nullopt;
  return ir::evaluate_constant(e, ir::QuantityLookup{}, diags);
}

}  // namespace modelc::frontend
