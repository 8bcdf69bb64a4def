#include "support/units.h"

#include "support/diagnostics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_map>
#include <vector>


namespace modelc::support {

// --- Dimension ------------------------------------------------------------------------------------

namespace {

// Dimension exponents beyond this are not physics; refusing them keeps int8 arithmetic exact.
constexpr int kMaxTwiceExponent = 120;

constexpr Dimension dim_of(std::initializer_list<int> exponents) {
  Dimension d;
  int i = 0;
  for (int e : exponents) d.twice[i++] = static_cast<int8_t>(2 * e);
  return d;
}

//                                    m  kg  s  A  K mol cd
constexpr Dimension kMetre = dim_of({1, 0, 0, 0, 0, 0, 0});
constexpr Dimension kKilogram = dim_of({0, 1, 0, 0, 0, 0, 0});
constexpr Dimension kSecond = dim_of({0, 0, 1, 0, 0, 0, 0});
constexpr Dimension kAmp = dim_of({0, 0, 0, 1, 0, 0, 0});
constexpr Dimension kKelvin = dim_of({0, 0, 0, 0, 1, 0, 0});
constexpr Dimension kMole = dim_of({0, 0, 0, 0, 0, 1, 0});
constexpr Dimension kCandle = dim_of({0, 0, 0, 0, 0, 0, 1});
constexpr Dimension kVolt = dim_of({2, 1, -3, -1, 0, 0, 0});
constexpr Dimension kSiemens = dim_of({-2, -1, 3, 2, 0, 0, 0});
constexpr Dimension kFarad = dim_of({-2, -1, 4, 2, 0, 0, 0});
constexpr Dimension kOhm = dim_of({2, 1, -3, -2, 0, 0, 0});
constexpr Dimension kHertz = dim_of({0, 0, -1, 0, 0, 0, 0});
constexpr Dimension kCoulomb = dim_of({0, 0, 1, 1, 0, 0, 0});
constexpr Dimension kJoule = dim_of({2, 1, -2, 0, 0, 0, 0});
constexpr Dimension kWatt = dim_of({2, 1, -3, 0, 0, 0, 0});
constexpr Dimension kNewton = dim_of({1, 1, -2, 0, 0, 0, 0});
constexpr Dimension kPascal = dim_of({-1, 1, -2, 0, 0, 0, 0});
constexpr Dimension kHenry = dim_of({2, 1, -2, -2, 0, 0, 0});
constexpr Dimension kTesla = dim_of({0, 1, -2, -1, 0, 0, 0});
constexpr Dimension kWeber = dim_of({2, 1, -2, -1, 0, 0, 0});
constexpr Dimension kMolar = dim_of({-3, 0, 0, 0, 0, 1, 0});
constexpr Dimension kLux = dim_of({-2, 0, 0, 0, 0, 0, 1});
constexpr Dimension kKatal = dim_of({0, 0, -1, 0, 0, 1, 0});
constexpr Dimension kGray = dim_of({2, 0, -2, 0, 0, 0, 0});

struct NamedDimension {
  const char* name;
  Dimension dim;
};

// Names used when printing a dimension; base units first so that s ** -0.5 prints as
// "second ** -0.5", not "hertz ** 0.5". Ambiguous derived units (becquerel, gray, ...) are left out.
const std::vector<NamedDimension>& display_names() {
  static const std::vector<NamedDimension> kNames = {
      {"metre", kMetre},     {"kilogram", kKilogram}, {"second", kSecond}, {"amp", kAmp},
      {"kelvin", kKelvin},   {"mole", kMole},         {"candle", kCandle}, {"volt", kVolt},
      {"siemens", kSiemens}, {"farad", kFarad},       {"ohm", kOhm},       {"hertz", kHertz},
      {"coulomb", kCoulomb}, {"joule", kJoule},       {"watt", kWatt},     {"newton", kNewton},
      {"pascal", kPascal},   {"henry", kHenry},       {"tesla", kTesla},   {"weber", kWeber},
      {"molar", kMolar}};
  return kNames;
}

std::string exponent_text(int twice) {
  if (twice % 2 == 0) return std::to_string(twice / 2);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%g", twice / 2.0);
  return buf;
}

}  // namespace

Dimension Dimension::base(int index, int exponent) {
  Dimension d;
  if (index >= 0 && index < 7) d.twice[index] = static_cast<int8_t>(std::clamp(2 * exponent, -kMaxTwiceExponent, kMaxTwiceExponent));
  return d;
}

bool Dimension::is_dimensionless() const {
  return std::all_of(twice.begin(), twice.end(), [](int8_t t) { return t == 0; });
}

Dimension Dimension::operator*(const Dimension& o) const {
  Dimension r;
  for (int i = 0; i < 7; ++i) r.twice[i] = static_cast<int8_t>(twice[i] + o.twice[i]);
  return r;
}

Dimension Dimension::operator/(const Dimension& o) const {
  Dimension r;
  for (int i = 0; i < 7; ++i) r.twice[i] = static_cast<int8_t>(twice[i] - o.twice[i]);
  return r;
}

std::optional<Dimension> Dimension::pow(double p) const {
  if (is_dimensionless()) return *this;
  if (!std::isfinite(p)) return std::nullopt;
  Dimension r;
  for (int i = 0; i < 7; ++i) {
    double v = twice[i] * p;
    double rounded = std::round(v);
    if (std::fabs(v - rounded) > 1e-9 || std::fabs(rounded) > kMaxTwiceExponent) return std::nullopt;
    r.twice[i] = static_cast<int8_t>(rounded);
  }
  return r;
}

std::string Dimension::to_string() const {
  if (is_dimensionless()) return "1";
  const auto& names = display_names();
  for (const auto& n : names)
    if (n.dim == *this) return n.name;
  // A power of one named unit: "metre ** 2", "second ** -0.5", "volt ** 2".
  static const double kPowers[] = {2, 3, -1, -2, -3, 0.5, -0.5, 1.5, -1.5};
  for (const auto& n : names)
    for (double p : kPowers)
      if (auto d = n.dim.pow(p); d && *d == *this) return std::string(n.name) + " ** " + exponent_text(static_cast<int>(2 * p));
  // A named unit times or over a power of a base unit: "siemens / metre ** 2", "volt / second".
  for (size_t k = 7; k < names.size(); ++k) {
    for (int base = 0; base < 7; ++base) {
      for (int e = 1; e <= 3; ++e) {
        Dimension b = Dimension::base(base, e);
        std::string pw = e == 1 ? "" : " ** " + std::to_string(e);
        if (names[k].dim * b == *this) return std::string(names[k].name) + " * " + names[base].name + pw;
        if (names[k].dim / b == *this) return std::string(names[k].name) + " / " + names[base].name + pw;
      }
    }
  }
  // Otherwise a product of base symbols, mass first as in "kg * m ** 2 * s ** -3 * A ** -1".
  static const char* kSymbols[7] = {"m", "kg", "s", "A", "K", "mol", "cd"};
  static const int kOrder[7] = {1, 0, 2, 3, 4, 5, 6};
  std::string out;
  for (int i : kOrder) {
    if (twice[i] == 0) continue;
    if (!out.empty()) out += " * ";
    out += kSymbols[i];
    if (twice[i] != 2) out += " ** " + exponent_text(twice[i]);
  }
  return out;
}

// --- unit names ------------------------------------------------------------------------------------

namespace {

struct BaseUnit {
  const char* name;
  double scale;
  Dimension dim;
  bool prefixes;  // Brian2 defines SI-prefixed forms
  bool powers;    // Brian2 defines <name>2 and <name>3
};

// Exactly the names of brian2/units/allunits.py (celsius excepted) and brian2/units/stdunits.py.
const std::unordered_map<std::string, Quantity>& unit_table() {
  static const std::unordered_map<std::string, Quantity> kTable = [] {
    const Dimension none;
    const BaseUnit bases[] = {
        {"metre", 1, kMetre, true, true},         {"meter", 1, kMetre, true, true},
        {"kilogram", 1, kKilogram, false, true},  {"kilogramme", 1, kKilogram, false, true},
        {"gram", 1e-3, kKilogram, true, true},    {"gramme", 1e-3, kKilogram, true, true},
        {"second", 1, kSecond, true, true},       {"amp", 1, kAmp, true, true},
        {"ampere", 1, kAmp, true, true},          {"kelvin", 1, kKelvin, false, true},
        {"mole", 1, kMole, true, true},           {"mol", 1, kMole, true, true},
        {"molar", 1e3, kMolar, true, true},       {"candle", 1, kCandle, true, true},
        {"radian", 1, none, true, true},          {"steradian", 1, none, true, true},
        {"hertz", 1, kHertz, true, true},         {"newton", 1, kNewton, true, true},
        {"pascal", 1, kPascal, true, true},       {"joule", 1, kJoule, true, true},
        {"watt", 1, kWatt, true, true},           {"coulomb", 1, kCoulomb, true, true},
        {"volt", 1, kVolt, true, true},           {"farad", 1, kFarad, true, true},
        {"ohm", 1, kOhm, true, true},             {"siemens", 1, kSiemens, true, true},
        {"weber", 1, kWeber, true, true},         {"tesla", 1, kTesla, true, true},
        {"henry", 1, kHenry, true, true},         {"lumen", 1, kCandle, true, true},
        {"lux", 1, kLux, true, true},             {"becquerel", 1, kHertz, true, true},
        {"gray", 1, kGray, true, true},           {"sievert", 1, kGray, true, true},
        {"katal", 1, kKatal, true, true},         {"liter", 1e-3, kMetre.pow(3).value(), true, false},
        {"litre", 1e-3, kMetre.pow(3).value(), true, false},
    };
    const std::pair<const char*, double> prefixes[] = {
        {"", 1},      {"y", 1e-24}, {"z", 1e-21}, {"a", 1e-18}, {"f", 1e-15}, {"p", 1e-12}, {"n", 1e-9},
        {"u", 1e-6},  {"m", 1e-3},  {"c", 1e-2},  {"d", 1e-1},  {"da", 1e1},  {"h", 1e2},   {"k", 1e3},
        {"M", 1e6},   {"G", 1e9},   {"T", 1e12},  {"P", 1e15},  {"E", 1e18},  {"Z", 1e21},  {"Y", 1e24}};
    std::unordered_map<std::string, Quantity> table;
    for (const auto& b : bases) {
      for (const auto& [prefix, factor] : prefixes) {
        if (!b.prefixes && *prefix) continue;
        std::string name = std::string(prefix) + b.name;
        double scale = factor * b.scale;
        table.emplace(name, Quantity{scale, b.dim});
        if (b.powers) {
          table.emplace(name + "2", Quantity{scale * scale, b.dim * b.dim});
          table.emplace(name + "3", Quantity{scale * scale * scale, b.dim * b.dim * b.dim});
        }
      }
    }
    const std::pair<const char*, const char*> short_names[] = {
        {"mV", "mvolt"},   {"mA", "mamp"},     {"uA", "uamp"},       {"nA", "namp"},      {"pA", "pamp"},
        {"pF", "pfarad"},  {"uF", "ufarad"},   {"nF", "nfarad"},     {"nS", "nsiemens"},  {"uS", "usiemens"},
        {"mS", "msiemens"}, {"ms", "msecond"}, {"us", "usecond"},    {"Hz", "hertz"},     {"kHz", "khertz"},
        {"MHz", "Mhertz"}, {"cm", "cmetre"},   {"cm2", "cmetre2"},   {"cm3", "cmetre3"},  {"mm", "mmetre"},
        {"mm2", "mmetre2"}, {"mm3", "mmetre3"}, {"um", "umetre"},    {"um2", "umetre2"},  {"um3", "umetre3"},
        {"mM", "mmolar"},  {"uM", "umolar"},   {"nM", "nmolar"}};
    for (const auto& [alias, target] : short_names) table.emplace(alias, table.at(target));
    return table;
  }();
  return kTable;
}

// Unit names for "did you mean" hints: the everyday ones first, so they win ties.
const std::vector<std::string>& unit_hint_names() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> common = {"volt", "mV", "second", "ms", "siemens", "nS", "amp", "pA", "nA",
                                       "farad", "pF", "uF", "hertz", "Hz", "metre", "meter", "um", "cm",
                                       "ohm", "Mohm", "molar", "mM", "kilogram", "gram", "mole", "kelvin"};
    std::vector<std::string> rest;
    for (const auto& [name, q] : unit_table())
      if (std::find(common.begin(), common.end(), name) == common.end()) rest.push_back(name);
    std::sort(rest.begin(), rest.end());
    common.insert(common.end(), rest.begin(), rest.end());
    return common;
  }();
  return kNames;
}

}  // namespace

std::optional<Quantity> lookup_unit(const std::string& name) {
  const auto& table = unit_table();
  auto it = table.find(name);
  if (it == table.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> closest_unit_name(const std::string& name) {
  return closest_match(name, unit_hint_names());
}

}  // namespace modelc::support
