// Physical dimensions and quantities. Units vanish in generated code (everything is SI), but every
// expression is dimension-checked, as Brian2 does.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "frontend/diagnostics.h"
#include "ir/expr.h"

namespace modelc {

// Exponents of the 7 SI base dimensions (m, kg, s, A, K, mol, cd), stored doubled so that square
// roots (sqrt(tau) next to xi, whose unit is s^-1/2) stay exact.
struct Dimension {
  std::array<int8_t, 7> twice{};  // twice the exponent

  static Dimension dimensionless() { return {}; }
  static Dimension base(int index, int exponent = 1);  // index 0..6 in the order above
  bool is_dimensionless() const;
  Dimension operator*(const Dimension& o) const;
  Dimension operator/(const Dimension& o) const;
  // Raise to a rational power p = num/den (den 1 or 2). Returns nullopt when an exponent would
  // not be a multiple of 1/2.
  std::optional<Dimension> pow(double p) const;
  bool operator==(const Dimension& o) const = default;

  // Human-readable, using derived SI names where an exact match exists: "volt", "siemens", "second",
  // "hertz", "amp", "farad", "ohm", "metre ** 2", "1" for dimensionless, otherwise products of base
  // units like "kg * m ** 2 * s ** -3 * A ** -1".
  std::string to_string() const;
};

struct Quantity {
  double value = 0.0;  // in SI base units
  Dimension dim;
};

// Looks up a unit name as Brian2 spells it, i.e. exactly the names of Brian2's default unit
// namespace (brian2/units/allunits.py and stdunits.py): base and derived SI units (metre/meter,
// kilogram, gram, second, amp/ampere, kelvin, mole/mol, candle, volt, siemens, farad, ohm, hertz,
// coulomb, newton, joule, watt, pascal, weber, tesla, henry, katal, becquerel, gray, sievert, lumen,
// lux, radian, steradian, liter/litre, molar), their SI-prefixed forms (y z a f p n u m c d da h k M
// G T P E Z Y: mvolt, nsiemens, msecond, khertz, umetre, Mohm, mmolar, ...; not for kilogram and
// kelvin), powers written as suffixes (metre2, umetre3, cmetre2; not for litres), and Brian2's
// short names (mV mA uA nA pA pF uF nF nS uS mS ms us Hz kHz MHz cm cm2 cm3 mm mm2 mm3 um um2 um3
// mM uM nM). Single-letter SI symbols (V, S, A, N, ...) are deliberately not units, as in Brian2,
// so that they stay free for model variables. Returns nullopt for unknown names.
std::optional<Quantity> lookup_unit(const std::string& name);

// The unit name closest to `name` (for "did you mean" hints), preferring everyday units.
std::optional<std::string> closest_unit_name(const std::string& name);

// Parses a unit expression from an equation's unit part: "volt", "1", "siemens/metre**2", "mV",
// "uF/cm**2", "amp*second", "Hz", "second**-0.5", "boolean" and "integer" are handled by the
// equation parser, not here. Errors go to `diags` with locations relative to `loc`.
std::optional<Quantity> parse_unit(const std::string& text, const SourceLoc& loc, DiagnosticEngine& diags);

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

}  // namespace modelc
