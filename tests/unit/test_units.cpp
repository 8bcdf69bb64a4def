// Tests of dimensions, unit names, constant evaluation and dimension inference (support/units.h, ir/quantity_eval.h).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "frontend/parser.h"
#include "frontend/unit_expression.h"
#include "ir/quantity_eval.h"

namespace modelc {
namespace {

Dimension dim(const char* unit) { return support::lookup_unit(unit).value().dim; }

std::optional<Quantity> eval(const std::string& text, DiagnosticEngine& diags,
                             const std::map<std::string, Quantity>& table = {},
                             const std::vector<std::string>& known = {}) {
  auto e = frontend::parse_expression(support::make_source(text, "/constants/x"), diags);
  if (!e) return std::nullopt;
  return ir::evaluate_constant(
      e,
      [&](const std::string& n) -> std::optional<Quantity> {
        auto it = table.find(n);
        if (it == table.end()) return std::nullopt;
        return it->second;
      },
      diags, known);
}

double value(const std::string& text, const std::map<std::string, Quantity>& table = {}) {
  DiagnosticEngine diags;
  auto q = eval(text, diags, table);
  EXPECT_TRUE(q) << text << "\n" << diags.render("m.json");
  return q ? q->value : std::nan("");
}

support::Diagnostic eval_error(const std::string& text, const std::vector<std::string>& known = {}) {
  DiagnosticEngine diags;
  EXPECT_FALSE(eval(text, diags, {}, known)) << text;
  if (diags.diagnostics().empty()) return {};
  return diags.diagnostics()[0];
}

TEST(Units, DimensionArithmetic) {
  Dimension volt = dim("volt");
  EXPECT_EQ(volt, Dimension::base(0, 2) * Dimension::base(1) * Dimension::base(2, -3) / Dimension::base(3));
  EXPECT_TRUE((volt / volt).is_dimensionless());
  EXPECT_FALSE(volt.is_dimensionless());
  EXPECT_EQ(volt.twice[0], 4);  // m ** 2, doubled
  EXPECT_EQ(dim("ohm"), volt / dim("amp"));
  EXPECT_EQ(dim("siemens") * dim("ohm"), Dimension::dimensionless());
  EXPECT_EQ(dim("farad") * dim("volt"), dim("coulomb"));
  EXPECT_EQ(dim("hertz") * dim("second"), Dimension::dimensionless());
}

TEST(Units, PowerWithHalves) {
  Dimension s = dim("second");
  auto root = s.pow(0.5);
  ASSERT_TRUE(root);
  EXPECT_EQ(root->twice[2], 1);
  EXPECT_EQ(root->pow(2), s);
  EXPECT_EQ(s.pow(-0.5).value() * root.value(), Dimension::dimensionless());
  EXPECT_FALSE(root->pow(0.5));  // s ** 0.25 is not representable
  EXPECT_FALSE(s.pow(1.0 / 3));
  EXPECT_FALSE(s.pow(std::nan("")));
  EXPECT_FALSE(s.pow(1000));  // out of range, not wrapped around
  EXPECT_EQ(dim("metre").pow(3), dim("liter"));
  EXPECT_EQ(dim("volt").pow(0), Dimension::dimensionless());
  EXPECT_EQ(Dimension::dimensionless().pow(0.123), Dimension::dimensionless());
}

TEST(Units, ToStringUsesDerivedNames) {
  const char* names[] = {"volt",  "siemens", "farad",  "ohm",    "amp",   "second", "hertz",
                         "metre", "kilogram", "coulomb", "joule", "watt", "newton", "pascal",
                         "henry", "tesla",   "weber",  "mole",   "molar", "kelvin"};
  for (const char* n : names) EXPECT_EQ(dim(n).to_string(), n);
  EXPECT_EQ(Dimension::dimensionless().to_string(), "1");
  EXPECT_EQ(dim("metre2").to_string(), "metre ** 2");
  EXPECT_EQ(dim("second").pow(-0.5)->to_string(), "second ** -0.5");
  EXPECT_EQ(dim("volt").pow(2)->to_string(), "volt ** 2");
  EXPECT_EQ((dim("siemens") / dim("metre2")).to_string(), "siemens / metre ** 2");
  EXPECT_EQ((dim("volt") / dim("second")).to_string(), "volt / second");
  EXPECT_EQ((dim("farad") / dim("cm2")).to_string(), "farad / metre ** 2");
  Dimension odd = dim("metre") * dim("kilogram") * dim("second") * dim("kelvin") * dim("mole");
  EXPECT_EQ(odd.to_string(), "kg * m * s * K * mol");
  Dimension odder = dim("kilogram").pow(2).value() * dim("second").pow(0.5).value() * dim("candle") * dim("mole");
  EXPECT_EQ(odder.to_string(), "kg ** 2 * s ** 0.5 * mol * cd");
}

TEST(Units, LookupFollowsBrian2Names) {
  struct Case {
    const char* name;
    double scale;
    const char* same_dim_as;
  };
  const Case cases[] = {
      {"mV", 1e-3, "volt"},      {"mvolt", 1e-3, "volt"},   {"nS", 1e-9, "siemens"}, {"nsiemens", 1e-9, "siemens"},
      {"ms", 1e-3, "second"},    {"msecond", 1e-3, "second"}, {"Hz", 1, "hertz"},    {"kHz", 1e3, "hertz"},
      {"um", 1e-6, "metre"},     {"umetre", 1e-6, "metre"}, {"umeter", 1e-6, "metre"}, {"cm", 1e-2, "metre"},
      {"cmetre", 1e-2, "metre"}, {"uF", 1e-6, "farad"},     {"ufarad", 1e-6, "farad"}, {"pA", 1e-12, "amp"},
      {"namp", 1e-9, "amp"},     {"nampere", 1e-9, "amp"},  {"mM", 1, "molar"},      {"mmolar", 1, "molar"},
      {"ohm", 1, "ohm"},         {"Mohm", 1e6, "ohm"},      {"kohm", 1e3, "ohm"},    {"liter", 1e-3, "metre3"},
      {"mlitre", 1e-6, "metre3"}, {"umetre2", 1e-12, "metre2"}, {"um2", 1e-12, "metre2"}, {"cm2", 1e-4, "metre2"},
      {"metre3", 1, "metre3"},   {"meter2", 1, "metre2"},   {"dametre", 10, "metre"}, {"ymetre", 1e-24, "metre"},
      {"Ymetre", 1e24, "metre"}, {"kgram", 1, "kilogram"},  {"gram", 1e-3, "kilogram"}, {"kilogram2", 1, "kilogram2"},
      {"molar", 1e3, "molar"},   {"mmol", 1e-3, "mole"},    {"MHz", 1e6, "hertz"},   {"usecond", 1e-6, "second"},
      {"radian", 1, "steradian"}, {"ksecond3", 1e9, "second3"},
  };
  for (const auto& c : cases) {
    auto q = support::lookup_unit(c.name);
    ASSERT_TRUE(q) << c.name;
    EXPECT_NEAR(q->value / c.scale, 1.0, 1e-12) << c.name;
    EXPECT_EQ(q->dim, dim(c.same_dim_as)) << c.name;
  }
  EXPECT_TRUE(dim("radian").is_dimensionless());
  // Not units in Brian2: single-letter symbols, prefixed kilogram/kelvin, powers of litres.
  for (const char* n : {"V", "N", "S", "A", "kg", "kkilogram", "mkelvin", "liter2", "volts", "mv", "", "Volt"})
    EXPECT_FALSE(support::lookup_unit(n)) << n;
  EXPECT_EQ(support::closest_unit_name("volts"), "volt");
  EXPECT_EQ(support::closest_unit_name("mv"), "mV");
}

TEST(Units, ParseUnit) {
  DiagnosticEngine diags;
  auto unit = [&](const std::string& text) { return frontend::parse_unit(text, SourceLoc{}, diags); };
  EXPECT_EQ(unit("volt")->dim, dim("volt"));
  EXPECT_TRUE(unit("1")->dim.is_dimensionless());
  EXPECT_EQ(unit("siemens/metre**2")->dim, dim("siemens") / dim("metre2"));
  auto capacitance = unit("uF/cm**2");
  EXPECT_EQ(capacitance->dim, dim("farad") / dim("metre2"));
  EXPECT_NEAR(capacitance->value, 1e-2, 1e-15);
  EXPECT_EQ(unit("amp*second")->dim, dim("coulomb"));
  EXPECT_EQ(unit("Hz")->dim, dim("hertz"));
  EXPECT_EQ(unit("second**-0.5")->dim, dim("second").pow(-0.5));
  EXPECT_EQ(unit(" mV ")->value, 1e-3);
  EXPECT_FALSE(diags.has_errors()) << diags.render("m.json");

  EXPECT_FALSE(unit("volts"));
  EXPECT_EQ(diags.diagnostics().back().message, "unknown unit 'volts'");
  EXPECT_EQ(diags.diagnostics().back().hint, "did you mean 'volt'?");
  EXPECT_FALSE(unit("volt + volt"));
  EXPECT_EQ(diags.diagnostics().back().message, "a unit may only combine unit names with '*', '/' and '**'");
  EXPECT_FALSE(unit("sqrt(volt)"));
  EXPECT_FALSE(unit("volt**0.25"));
  EXPECT_EQ(diags.diagnostics().back().message, "cannot raise volt to the power 0.25");
  EXPECT_FALSE(unit(""));
  EXPECT_EQ(diags.diagnostics().back().message, "missing unit");

  // In place: the caret lands in the equation the unit came from.
  auto src = support::make_source("g : nS/cm2x", "/eq");
  DiagnosticEngine located;
  EXPECT_FALSE(frontend::parse_unit("nS/cm2x", SourceLoc{src, 4, 7}, located));
  ASSERT_EQ(located.error_count(), 1);
  EXPECT_EQ(located.diagnostics()[0].loc.offset, 7);
  EXPECT_EQ(located.diagnostics()[0].loc.length, 4);
  EXPECT_EQ(located.diagnostics()[0].hint, "did you mean 'cm2'?");
}

TEST(Units, EvaluateConstants) {
  DiagnosticEngine diags;
  auto q = eval("(60 * 0.27 / 10) * mV", diags);
  ASSERT_TRUE(q);
  EXPECT_NEAR(q->value, 1.62e-3, 1e-15);
  EXPECT_EQ(q->dim, dim("volt"));
  std::map<std::string, Quantity> table = {{"N", {4000, {}}}, {"area", {2e-8, dim("metre2")}}};
  EXPECT_DOUBLE_EQ(value("10 ms"), 0.01);
  EXPECT_DOUBLE_EQ(value("-60 mV"), -0.06);
  EXPECT_DOUBLE_EQ(value("80 / N", table), 0.02);
  EXPECT_DOUBLE_EQ(value("int(0.8*N)", table), 3200);
  EXPECT_NEAR(value("20000 * umetre**2"), 2e-8, 1e-22);
  auto cm = eval("(1 * ufarad * cm**-2) * area", diags, table);
  ASSERT_TRUE(cm);
  EXPECT_NEAR(cm->value, 2e-10, 1e-24);
  EXPECT_EQ(cm->dim, dim("farad"));
  EXPECT_DOUBLE_EQ(value("2**-1"), 0.5);
  EXPECT_DOUBLE_EQ(value("-2**2"), -4);
  EXPECT_DOUBLE_EQ(value("7 // 2"), 3);
  EXPECT_DOUBLE_EQ(value("-7 // 2"), -4);
  EXPECT_DOUBLE_EQ(value("-7 % 3"), 2);  // Python semantics
  EXPECT_DOUBLE_EQ(value("sqrt(4*metre**2) / metre"), 2);
  EXPECT_DOUBLE_EQ(value("abs(-3 mV)"), 3e-3);
  EXPECT_DOUBLE_EQ(value("clip(5 mV, 0 mV, 2 mV)"), 2e-3);
  EXPECT_DOUBLE_EQ(value("exprel(0)"), 1);
  EXPECT_DOUBLE_EQ(value("pi"), M_PI);
  EXPECT_DOUBLE_EQ(value("e"), M_E);
  EXPECT_TRUE(std::isinf(value("inf")));
  EXPECT_DOUBLE_EQ(value("timestep(1 ms, 0.1 ms)"), 10);
  EXPECT_DOUBLE_EQ(value("3 > 2 and not False"), 1);
  EXPECT_DOUBLE_EQ(value("1 == 2 or 2 <= 1"), 0);
  EXPECT_DOUBLE_EQ(value("max(1 ms, 2 ms)"), 2e-3);
  EXPECT_DOUBLE_EQ(value("sign(-3 mV)"), -1);
  EXPECT_DOUBLE_EQ(value("floor(2.5) + ceil(2.5)"), 5);
  EXPECT_DOUBLE_EQ(value("_select(1 > 2, 1 mV, 2 mV)"), 2e-3);
  EXPECT_FALSE(diags.has_errors()) << diags.render("m.json");
}

TEST(Units, EvaluateConstantErrors) {
  support::Diagnostic add = eval_error("10 mV + 3 ms");
  EXPECT_EQ(add.message, "cannot add volt and second");
  EXPECT_EQ(add.loc.offset, 6);  // the caret is on the operator
  EXPECT_EQ(add.loc.length, 1);
  EXPECT_EQ(support::render_diagnostic(add, "model.json"),
            "model.json:/constants/x: error: cannot add volt and second\n"
            "    10 mV + 3 ms\n"
            "          ^\n"
            "  hint: both sides must have the same units\n");
  EXPECT_EQ(eval_error("5 mV - 1").message, "cannot subtract a dimensionless value from volt");
  EXPECT_EQ(eval_error("5 mV - 1").hint, "give the number a unit, e.g. '1*volt'");
  EXPECT_EQ(eval_error("rand()").message, "rand() is not a constant; initial values may use it, constants may not");
  EXPECT_EQ(eval_error("2 * randn()").message, "randn() is not a constant; initial values may use it, constants may not");
  support::Diagnostic unknown = eval_error("2 * tau_m", {"taum", "taue"});
  EXPECT_EQ(unknown.message, "unknown identifier 'tau_m'");
  EXPECT_EQ(unknown.hint, "did you mean 'taum'?");
  EXPECT_EQ(unknown.loc.offset, 4);
  EXPECT_EQ(unknown.loc.length, 5);
  EXPECT_EQ(eval_error("3 mvolts").hint, "did you mean 'mvolt'?");
  support::Diagnostic fn = eval_error("expp(1)");
  EXPECT_EQ(fn.message, "unknown function 'expp'");
  EXPECT_EQ(fn.hint, "did you mean 'exp'?");
  EXPECT_EQ(eval_error("exp(1 mV)").message, "exp() needs a dimensionless argument, got volt");
  EXPECT_EQ(eval_error("exp(1 mV)").loc.offset, 4);
  EXPECT_EQ(eval_error("exp(1, 2)").message, "exp() takes 1 argument, got 2");
  EXPECT_EQ(eval_error("int(3 mV)").message, "int() needs a dimensionless argument, got volt");
  EXPECT_EQ(eval_error("1/0").message, "division by zero");
  EXPECT_EQ(eval_error("1 % (2 - 2)").message, "division by zero");
  EXPECT_EQ(eval_error("mV**0.25").message, "cannot raise volt to the power 0.25");
  EXPECT_EQ(eval_error("mV**ms").message, "the exponent of '**' must be dimensionless, got second");
  EXPECT_EQ(eval_error("exp").message, "'exp' is a function, not a value");
  EXPECT_EQ(eval_error("clip(1 mV, 0 ms, 1 mV)").message,
            "the bounds of clip() must have the same units as its first argument (volt), got second");
  EXPECT_EQ(eval_error("timestep(1 mV, 1 ms)").message, "timestep() needs a time, got volt");
  EXPECT_EQ(eval_error("ms // ms").message,
            "floor division '//' needs dimensionless operands, got second and second");
  EXPECT_EQ(eval_error("not mV").message, "the operand of 'not' must be boolean, got volt");
  EXPECT_EQ(eval_error("3 mV > 2 ms").message, "cannot compare volt with second");
  // Exponents that overflow the representation are errors, not wrapped around.
  std::string huge = "metre";
  for (int k = 0; k < 70; ++k) huge += "*metre";
  EXPECT_EQ(eval_error(huge).message, "dimension exponent out of range");
}

// Variables of Brian2's CUBA and COBAHH examples, resolved the way the passes do it: dimensions
// from the equations and constants, values for constants only.
struct Table {
  std::map<std::string, Quantity> constants;
  std::map<std::string, Dimension> dims;

  ir::DimensionLookup dimension_lookup() const {
    return [this](const std::string& n) -> std::optional<Dimension> {
      if (auto it = dims.find(n); it != dims.end()) return it->second;
      if (auto it = constants.find(n); it != constants.end()) return it->second.dim;
      return std::nullopt;
    };
  }
  ir::QuantityLookup constant_lookup() const {
    return [this](const std::string& n) -> std::optional<Quantity> {
      if (auto it = constants.find(n); it != constants.end()) return it->second;
      return std::nullopt;
    };
  }

  // Parses every equation, then checks that each right-hand side has the dimension it must have.
  void check_equations(const std::vector<std::string>& lines) {
    std::vector<ir::Equation> eqs;
    for (const auto& line : lines) {
      DiagnosticEngine diags;
      auto eq = frontend::parse_equation(support::make_source(line, "/eq"), diags);
      ASSERT_TRUE(eq) << diags.render("m.json");
      dims[eq->name] = eq->dim;
      eqs.push_back(*eq);
    }
    for (const auto& eq : eqs) {
      DiagnosticEngine diags;
      auto d = ir::infer_dimension(eq.expr, dimension_lookup(), constant_lookup(), diags);
      ASSERT_TRUE(d) << eq.expr->loc.source->text << "\n" << diags.render("m.json");
      Dimension want = eq.kind == ir::Equation::Kind::Differential ? eq.dim / dim("second") : eq.dim;
      EXPECT_EQ(*d, want) << eq.expr->loc.source->text << ": got " << d->to_string();
    }
  }

  void add_constant(const std::string& name, const std::string& text) {
    DiagnosticEngine diags;
    auto q = eval(text, diags, constants);
    ASSERT_TRUE(q) << name << ": " << diags.render("m.json");
    constants[name] = *q;
  }
};

TEST(Units, InferDimensionOfCuba) {
  Table t;
  for (auto [n, v] : {std::pair{"taum", "20 ms"}, {"taue", "5 ms"}, {"taui", "10 ms"}, {"Vt", "-50 mV"},
                      {"Vr", "-60 mV"}, {"El", "-49 mV"}})
    t.add_constant(n, v);
  t.check_equations({"dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)",
                     "dge/dt = -ge / taue : volt", "dgi/dt = -gi / taui : volt"});
}

TEST(Units, InferDimensionOfCobahh) {
  Table t;
  for (auto [n, v] : {std::pair{"area", "20000 * umetre**2"}, {"Cm", "(1 * ufarad * cm**-2) * area"},
                      {"gl", "(5e-5 * siemens * cm**-2) * area"}, {"El", "-60 mV"}, {"EK", "-90 mV"},
                      {"ENa", "50 mV"}, {"g_na", "(100 * msiemens * cm**-2) * area"},
                      {"g_kd", "(30 * msiemens * cm**-2) * area"}, {"VT", "-63 mV"}, {"taue", "5 ms"},
                      {"taui", "10 ms"}, {"Ee", "0 mV"}, {"Ei", "-80 mV"}})
    t.add_constant(n, v);
  t.check_equations({
      "dv/dt = (gl*(El - v) + ge*(Ee - v) + gi*(Ei - v) - g_na*(m*m*m)*h*(v - ENa) - g_kd*(n*n*n*n)*(v - EK))/Cm : volt",
      "dm/dt = alpha_m*(1 - m) - beta_m*m : 1",
      "dn/dt = alpha_n*(1 - n) - beta_n*n : 1",
      "dh/dt = alpha_h*(1 - h) - beta_h*h : 1",
      "dge/dt = -ge*(1./taue) : siemens",
      "dgi/dt = -gi*(1./taui) : siemens",
      "alpha_m = 0.32*(mV**-1)*4*mV/exprel((13*mV - v + VT)/(4*mV))/ms : Hz",
      "beta_m = 0.28*(mV**-1)*5*mV/exprel((v - VT - 40*mV)/(5*mV))/ms : Hz",
      "alpha_h = 0.128*exp((17*mV - v + VT)/(18*mV))/ms : Hz",
      "beta_h = 4./(1 + exp((40*mV - v + VT)/(5*mV)))/ms : Hz",
      "alpha_n = 0.032*(mV**-1)*5*mV/exprel((15*mV - v + VT)/(5*mV))/ms : Hz",
      "beta_n = .5*exp((10*mV - v + VT)/(40*mV))/ms : Hz",
  });
}

TEST(Units, InferDimensionRules) {
  Table t;
  t.add_constant("tau", "10 ms");
  t.add_constant("k", "2");
  t.dims = {{"v", dim("volt")}, {"x", Dimension{}}, {"t", dim("second")}, {"dt", dim("second")},
            {"xi", dim("second").pow(-0.5).value()}};
  auto infer = [&](const std::string& text, DiagnosticEngine& diags) -> std::optional<Dimension> {
    auto e = frontend::parse_expression(support::make_source(text, "/eq"), diags);
    if (!e) return std::nullopt;
    return ir::infer_dimension(e, t.dimension_lookup(), t.constant_lookup(), diags, {"v", "x", "tau", "k"});
  };
  auto ok = [&](const std::string& text) {
    DiagnosticEngine diags;
    auto d = infer(text, diags);
    EXPECT_TRUE(d) << text << "\n" << diags.render("m.json");
    return d.value_or(Dimension::base(6, 9));
  };
  auto fail = [&](const std::string& text) {
    DiagnosticEngine diags;
    EXPECT_FALSE(infer(text, diags)) << text;
    return diags.diagnostics().empty() ? support::Diagnostic{} : diags.diagnostics()[0];
  };
  EXPECT_EQ(ok("sqrt(tau)"), dim("second").pow(0.5));
  EXPECT_TRUE(ok("xi*sqrt(tau)").is_dimensionless());
  EXPECT_EQ(ok("v**k"), dim("volt").pow(2));        // a named constant exponent
  EXPECT_TRUE(ok("x**x").is_dimensionless());       // dimensionless base: any exponent
  EXPECT_TRUE(ok("rand() + randn()").is_dimensionless());
  EXPECT_TRUE(ok("timestep(t, dt)").is_dimensionless());
  EXPECT_EQ(ok("_select(v > 0*mV, v, 2*mV)"), dim("volt"));
  EXPECT_EQ(ok("abs(v) + floor(v) + ceil(v) + clip(v, -v, v)"), dim("volt"));
  EXPECT_TRUE(ok("sign(v)").is_dimensionless());
  EXPECT_TRUE(ok("v > 1*mV and not (x < 2) or True").is_dimensionless());

  support::Diagnostic runtime_exponent = fail("v**x");
  EXPECT_EQ(runtime_exponent.message, "the exponent of a quantity with units must be a constant");
  EXPECT_EQ(runtime_exponent.loc.offset, 3);
  support::Diagnostic zero = fail("v > 0");  // a literal 0 is not special, as in Brian2
  EXPECT_EQ(zero.message, "cannot compare volt with a dimensionless value");
  EXPECT_EQ(zero.hint, "give the number a unit, e.g. '0*volt'");
  EXPECT_EQ(zero.loc.offset, 2);
  EXPECT_EQ(fail("v + tau").message, "cannot add volt and second");
  EXPECT_EQ(fail("_select(x, v, t)").message,
            "both branches of _select() must have the same units, got volt and second");
  EXPECT_EQ(fail("min(v, v)").message, "unknown function 'min'");  // constants only
  EXPECT_EQ(fail("v and x").message, "the operands of 'and' must be boolean, got volt");
  EXPECT_EQ(fail("vv * 2").hint, "did you mean 'v'?");
  EXPECT_EQ(fail("exp(v)").message, "exp() needs a dimensionless argument, got volt");
  EXPECT_EQ(fail("sqrt(xi)").message, "cannot take the square root of second ** -0.5");
  // Lookups may be empty functions.
  DiagnosticEngine diags;
  auto e = frontend::parse_expression(support::make_source("2 * mV", "/x"), diags);
  EXPECT_EQ(ir::infer_dimension(e, ir::DimensionLookup{}, ir::QuantityLookup{}, diags), dim("volt"));
  EXPECT_FALSE(ir::infer_dimension(nullptr, ir::DimensionLookup{}, ir::QuantityLookup{}, diags));
}

}  // namespace
}  // namespace modelc
