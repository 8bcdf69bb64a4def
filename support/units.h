// Physical dimensions, quantities and the table of Brian2 unit names. Units vanish in generated code (everything is SI), but every
// expression is dimension-checked, as Brian2 does.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>


namespace modelc::support {

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

}  // namespace modelc::support

// Dimension and Quantity are the model's vocabulary (IR fields, most passes, the frontend): reachable
// as modelc::X; the lookups are spelled support::X.
namespace modelc {
using support::Dimension;
using support::Quantity;
}  // namespace modelc
