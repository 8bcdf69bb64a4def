// Physical dimensions and quantities. Units vanish in generated code (everything is SI), but every
// expression is dimension-checked, as Brian2 does.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

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

// Looks up a unit name as Brian2 spells it: base and derived SI units (metre/meter, kilogram, gram,
// second, amp/ampere, kelvin, mole, candela, volt, siemens, farad, ohm, hertz, coulomb, newton,
// joule, watt, pascal, weber, tesla, henry, katal, becquerel, gray, sievert, lumen, lux, radian,
// steradian, liter/litre, molar), their SI-prefixed forms (y z a f p n u m c d da h k M G T P E Z Y:
// mV, nS, pF, uA, ms, kHz, um, cm, mM, ...), the short symbols (m, kg, g, s, A, K, mol, cd, V, S, F,
// Hz, C, N, J, W, Pa, ohm, l, L, M), and powers written as suffixes like Brian2's (metre2 = metre**2,
// um2, cm2, ms3 are NOT special: Brian2 has umetre2 etc.; support `<unit>2` and `<unit>3`).
// Returns nullopt for unknown names.
std::optional<Quantity> lookup_unit(const std::string& name);

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
// unit names resolved via lookup_unit()). Rules follow Brian2: + - and comparisons need equal
// dimensions (a literal 0 is compatible with anything? no: Brian2 requires matching units, except
// that dimensionless literals may not be added to dimensioned values); * / multiply dimensions;
// ** needs a dimensionless, constant exponent (evaluated with `constant_lookup` when the base has a
// dimension); functions: exp/log/sin/... need dimensionless arguments and return dimensionless,
// sqrt halves, abs/clip/floor/ceil/sign keep/return as Brian2, rand()/randn() dimensionless,
// int() dimensionless, exprel dimensionless; and/or/not need booleans (dimensionless).
// Reports errors at the offending node; returns nullopt on error.
std::optional<Dimension> infer_dimension(const ir::ExprPtr& e, const DimensionLookup& lookup,
                                         const QuantityLookup& constant_lookup, DiagnosticEngine& diags);

}  // namespace modelc
