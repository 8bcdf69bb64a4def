// Quantities of expressions: evaluating constant expressions and
// inferring the dimension of code, with Brian2's rules. Units vanish in generated code (everything
// is SI), but every expression is dimension-checked, as Brian2 does.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ir/expr.h"
#include "support/diagnostics.h"
#include "support/units.h"

namespace modelc::ir {

// Symbol table used when evaluating or dimension-checking expressions. Returns nullopt for unknown
// names. Unit names (mV, ms, ...) are resolved by the evaluator itself via lookup_unit() when the
// table does not know them, so a table only needs model variables and constants.
using QuantityLookup = std::function<std::optional<Quantity>(const std::string& name)>;
using DimensionLookup = std::function<std::optional<Dimension>(const std::string& name)>;

// Evaluates a constant expression (numbers, names from `lookup`, unit names, + - * / ** // % unary,
// comparisons, and/or/not, and the functions exp log log10 sqrt abs sin cos tan sinh cosh tanh
// arcsin arccos arctan floor ceil clip sign int exprel min max) to a quantity, checking dimensions.
// Errors (unknown name with "did you mean", dimension mismatch showing both dimensions, non-constant
// function like rand()) are reported at the offending node's location. Returns nullopt on error.
std::optional<Quantity> evaluate_constant(const ir::ExprPtr& e, const QuantityLookup& lookup,
                                          DiagnosticEngine& diags);

// Infers the dimension of an expression whose names are resolved by `lookup` (model variables;
// unit names resolved via lookup_unit()). Rules follow Brian2's parse_expression_dimensions:
// + - % and comparisons need equal dimensions (a literal 0 is not special: `v > 0` is an error for
// a voltage v); * / multiply dimensions; // needs dimensionless operands; ** needs a dimensionless
// exponent, which must be a constant (evaluated with `constant_lookup`) when the base has a
// dimension; exp/log/log10/expm1/log1p/exprel/trig and int() need dimensionless arguments; sqrt
// halves; abs/floor/ceil keep the unit; clip(x, lo, hi) needs lo, hi in x's unit; sign() returns
// dimensionless; rand()/randn() are dimensionless; timestep(t, dt) needs times; the internal
// _select(c, a, b) needs a and b in the same unit; and/or/not need dimensionless (boolean) operands.
// Reports errors at the offending node (binary operators: at the operator); returns nullopt on error.
std::optional<Dimension> infer_dimension(const ir::ExprPtr& e, const DimensionLookup& lookup,
                                         const QuantityLookup& constant_lookup, DiagnosticEngine& diags);

// As above; `known_names` (the names the lookup knows) are offered in "did you mean" hints for
// unknown identifiers.
std::optional<Quantity> evaluate_constant(const ir::ExprPtr& e, const QuantityLookup& lookup,
                                          DiagnosticEngine& diags, const std::vector<std::string>& known_names);
std::optional<Dimension> infer_dimension(const ir::ExprPtr& e, const DimensionLookup& lookup,
                                         const QuantityLookup& constant_lookup, DiagnosticEngine& diags,
                                         const std::vector<std::string>& known_names);

// Functions code may call (Brian2's DEFAULT_FUNCTIONS that modelc supports), without the internal
// ones (`_select`) and without min/max, which only constant expressions accept.
const std::vector<std::string>& builtin_function_names();

}  // namespace modelc::ir
