// Tests of the expression, statement and equation parsers (frontend/parser.h).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "frontend/parser.h"
#include "ir/quantity_eval.h"

namespace modelc::frontend {
namespace {

using ir::Expr;
using ir::ExprPtr;

// S-expression with the exact tree shape, so precedence and associativity are asserted directly.
std::string sexpr(const ExprPtr& e) {
  if (!e) return "<null>";
  switch (e->kind) {
    case Expr::Kind::Number: {
      std::string s = ir::to_string(e);
      return e->is_integer ? s : s + "f";
    }
    case Expr::Kind::Boolean: return e->boolean ? "True" : "False";
    case Expr::Kind::Name: return e->name;
    case Expr::Kind::Unary: {
      const char* op = e->op == ir::Op::Neg ? "neg" : e->op == ir::Op::Pos ? "pos" : "not";
      return std::string("(") + op + " " + sexpr(e->args[0]) + ")";
    }
    case Expr::Kind::Binary:
      return std::string("(") + ir::op_spelling(e->op) + " " + sexpr(e->args[0]) + " " + sexpr(e->args[1]) + ")";
    case Expr::Kind::Call: {
      std::string s = "(" + e->name;
      for (const auto& a : e->args) s += " " + sexpr(a);
      return s + ")";
    }
  }
  return "?";
}

bool same_tree(const ExprPtr& a, const ExprPtr& b) {
  if (!a || !b) return a == b;
  if (a->kind != b->kind || a->number != b->number || a->is_integer != b->is_integer || a->boolean != b->boolean ||
      a->name != b->name || a->args.size() != b->args.size())
    return false;
  if ((a->kind == Expr::Kind::Unary || a->kind == Expr::Kind::Binary) && a->op != b->op) return false;
  for (size_t k = 0; k < a->args.size(); ++k)
    if (!same_tree(a->args[k], b->args[k])) return false;
  return true;
}

ExprPtr parse(const std::string& text, DiagnosticEngine& diags) {
  return parse_expression(support::make_source(text, "/neuron_groups/0/threshold"), diags);
}

std::string tree(const std::string& text) {
  DiagnosticEngine diags;
  auto e = parse(text, diags);
  if (diags.has_errors()) return "error: " + diags.diagnostics()[0].message;
  return sexpr(e);
}

// The first diagnostic of parsing `text` as an expression.
support::Diagnostic first_error(const std::string& text) {
  DiagnosticEngine diags;
  auto e = parse(text, diags);
  EXPECT_EQ(e, nullptr) << text;
  if (diags.diagnostics().empty()) return {};
  return diags.diagnostics()[0];
}

TEST(Parser, PrecedenceAndAssociativity) {
  EXPECT_EQ(tree("-2**2"), "(neg (** 2 2))");
  EXPECT_EQ(tree("2**-1"), "(** 2 (neg 1))");
  EXPECT_EQ(tree("2**3**2"), "(** 2 (** 3 2))");
  EXPECT_EQ(tree("(-2)**2"), "(** (neg 2) 2)");
  EXPECT_EQ(tree("a - b - c"), "(- (- a b) c)");
  EXPECT_EQ(tree("a / b / c"), "(/ (/ a b) c)");
  EXPECT_EQ(tree("a // b % c * d"), "(* (% (// a b) c) d)");
  EXPECT_EQ(tree("a + b * c"), "(+ a (* b c))");
  EXPECT_EQ(tree("a * b + c"), "(+ (* a b) c)");
  EXPECT_EQ(tree("-a * b"), "(* (neg a) b)");
  EXPECT_EQ(tree("a * -b"), "(* a (neg b))");
  EXPECT_EQ(tree("+a - -b"), "(- (pos a) (neg b))");
  EXPECT_EQ(tree("a + b < c * d"), "(< (+ a b) (* c d))");
  EXPECT_EQ(tree("not a and b"), "(and (not a) b)");
  EXPECT_EQ(tree("not a < b"), "(not (< a b))");
  EXPECT_EQ(tree("a or b and c"), "(or a (and b c))");
  EXPECT_EQ(tree("a and b or c and d"), "(or (and a b) (and c d))");
  EXPECT_EQ(tree("a or b or c"), "(or (or a b) c)");
  EXPECT_EQ(tree("not not a"), "(not (not a))");
  EXPECT_EQ(tree("(a + b) * c"), "(* (+ a b) c)");
  EXPECT_EQ(tree("a <= b"), "(<= a b)");
  EXPECT_EQ(tree("a >= b"), "(>= a b)");
  EXPECT_EQ(tree("a > b"), "(> a b)");
  EXPECT_EQ(tree("a == b or c != d"), "(or (== a b) (!= c d))");
  EXPECT_EQ(tree("True and False"), "(and True False)");
}

TEST(Parser, CallsAndLiterals) {
  EXPECT_EQ(tree("f(a, b + 1)"), "(f a (+ b 1))");
  EXPECT_EQ(tree("rand()"), "(rand)");
  EXPECT_EQ(tree("clip(v, 0, 1,)"), "(clip v 0 1)");
  EXPECT_EQ(tree("exp(-(v - El)/(4*mV))"), "(exp (/ (neg (- v El)) (* 4 mV)))");
  DiagnosticEngine diags;
  auto n = parse("42", diags);
  ASSERT_TRUE(n);
  EXPECT_TRUE(n->is_integer);
  EXPECT_EQ(n->number, 42);
  for (auto [text, value] : {std::pair{"1e-3", 1e-3}, {".5", 0.5}, {"1.", 1.0}, {"1E+2", 100.0}, {"2.5e1", 25.0},
                             {"1.e3", 1000.0}, {".5e-1", 0.05}}) {
    auto f = parse(text, diags);
    ASSERT_TRUE(f) << text;
    EXPECT_FALSE(f->is_integer) << text;
    EXPECT_DOUBLE_EQ(f->number, value) << text;
  }
  EXPECT_EQ(parse("1e-400", diags)->number, 0.0);  // underflow is harmless
  EXPECT_FALSE(diags.has_errors());
}

TEST(Parser, ImplicitMultiplication) {
  EXPECT_EQ(tree("10 ms"), "(* 10 ms)");
  EXPECT_EQ(tree("13mV"), "(* 13 mV)");
  EXPECT_EQ(tree("1.5e-3 second"), "(* 0.0015f second)");
  EXPECT_EQ(tree("-49 mV"), "(neg (* 49 mV))");
  EXPECT_EQ(tree("1/10 ms"), "(/ 1 (* 10 ms))");
  EXPECT_EQ(tree("2 um**2"), "(* 2 (** um 2))");
  EXPECT_EQ(tree("10 ms * 2"), "(* (* 10 ms) 2)");
  EXPECT_EQ(tree("(60 * 0.27 / 10) * mV"), "(* (/ (* 60 0.27f) 10) mV)");
  EXPECT_EQ(tree("2e"), "(* 2 e)");                // an exponent needs digits
  EXPECT_EQ(tree("5 and x"), "(and 5 x)");         // keywords are not units
  DiagnosticEngine diags;
  auto e = parse("  13mV", diags);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->loc.offset, 2);
  EXPECT_EQ(e->loc.length, 4);
  EXPECT_EQ(e->args[1]->loc.offset, 4);
  EXPECT_EQ(e->args[1]->loc.length, 2);
}

TEST(Parser, RoundTripThroughToString) {
  const char* cases[] = {
      "-2**2", "2**-1", "(-2)**2", "2**3**2", "(2**3)**2", "a - (b - c)", "a - b - c", "a / (b * c)",
      "not a and b", "not (a and b)", "(a or b) and c", "-(a + b)", "(a < b) and (c > d) or x", "10 ms", "-49 mV",
      "1/10 ms", "exp(-(v - El)/(4*mV))", "clip(v, 0*mV, 1 + x**2)", "1.5e-3 second", "True or not False",
      "0.32*4/exprel((13*mV - v + VT)/(4*mV))/ms", "(gl*(El - v) + ge*(Ee - v) - g_na*(m*m*m)*h*(v - ENa))/Cm",
      "a // b % c", "- - a", "1e300 * 1e-300", "0.1 + 0.2", "--a**-b**c", "(a < b) == c", "a == (b < c)",
  };
  for (const char* text : cases) {
    DiagnosticEngine diags;
    auto first = parse(text, diags);
    ASSERT_TRUE(first) << text;
    std::string printed = ir::to_string(first);
    auto second = parse(printed, diags);
    ASSERT_TRUE(second) << text << " printed as " << printed;
    EXPECT_TRUE(same_tree(first, second)) << text << ": " << sexpr(first) << " vs " << sexpr(second);
  }
}

TEST(Parser, SpansCoverEachNode) {
  DiagnosticEngine diags;
  auto e = parse("(a + b) * exp(c)", diags);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->loc.offset, 0);  // the product includes the parenthesis
  EXPECT_EQ(e->loc.length, 16);
  const auto& sum = e->args[0];
  EXPECT_EQ(sum->loc.offset, 1);  // a node's own span excludes its parentheses
  EXPECT_EQ(sum->loc.length, 5);
  EXPECT_EQ(sum->args[1]->loc.offset, 5);
  EXPECT_EQ(e->args[1]->loc.offset, 10);
  EXPECT_EQ(e->args[1]->loc.length, 6);
  EXPECT_EQ(e->args[1]->args[0]->loc.offset, 14);
  EXPECT_EQ(e->loc.source->json_pointer, "/neuron_groups/0/threshold");
}

TEST(Parser, ErrorCaretIsRenderedUnderTheToken) {
  support::Diagnostic d = first_error("v > 10*mV = 3");
  EXPECT_EQ(d.message, "unexpected token '='; did you mean '=='?");
  EXPECT_EQ(d.loc.offset, 10);
  EXPECT_EQ(d.loc.length, 1);
  EXPECT_EQ(support::render_diagnostic(d, "model.json"),
            "model.json:/neuron_groups/0/threshold: error: unexpected token '='; did you mean '=='?\n"
            "    v > 10*mV = 3\n"
            "              ^\n"
            "  hint: '=' assigns in statements; '==' compares\n");
  support::Diagnostic open = first_error("exp((v - El) / mV");
  EXPECT_EQ(open.message, "expected ')' to close the argument list of 'exp' opened here");
  EXPECT_EQ(open.loc.offset, 3);
}

TEST(Parser, MalformedExpressions) {
  struct Case {
    const char* text;
    const char* message;
    int offset;
  };
  const Case cases[] = {
      {"", "empty expression", 0},
      {"   ", "empty expression", 3},
      {"(a + b", "expected ')' to close '(' opened here", 0},
      {"a = b", "unexpected token '='; did you mean '=='?", 2},
      {"a +", "expected an expression after '+', found end of input", 3},
      {"a b", "unexpected 'b' after 'a'", 2},
      {"a)", "unmatched ')'", 1},
      {"f(a b)", "expected ',' or ')' in the argument list of 'f', found 'b'", 4},
      {"a < b < c", "chained comparisons are not supported", 6},
      {"a && b", "unexpected character '&'", 2},
      {"a ^ 2", "unexpected character '^'", 2},
      {"x[0]", "unexpected character '['", 1},
      {"0x10", "hexadecimal, octal and binary literals are not supported", 0},
      {"1e999 * mV", "number '1e999' is too large", 0},
      {"a $ b", "unexpected character '$'", 2},
      {"a \xff b", "unexpected character '\\xFF'", 2},
      {"and b", "expected an expression, found keyword 'and'", 0},
      {"* a", "expected an expression, found '*'", 0},
      {"a += 1", "unexpected token '+='", 2},
      {"( )", "expected an expression after '(', found ')'", 2},
      {"1_000", "digit separators ('_') are not supported in numbers", 0},
      {"a if b else c", "unexpected 'if' after 'a'", 2},
      {"not", "expected an expression after 'not', found end of input", 3},
  };
  for (const auto& c : cases) {
    support::Diagnostic d = first_error(c.text);
    EXPECT_EQ(d.message, c.message) << "input: " << c.text;
    EXPECT_EQ(d.loc.offset, c.offset) << "input: " << c.text;
  }
  EXPECT_EQ(first_error("a && b").hint, "use 'and' for a logical and");
  EXPECT_EQ(first_error("a ^ 2").hint, "use '**' for a power");
  EXPECT_EQ(first_error("a b").hint, "missing operator? write '*' for a product");
  EXPECT_EQ(first_error("2 \xc2\xb5" "F").hint, "write micro as 'u', e.g. 'uF' or 'umetre'");
}

TEST(Parser, NestingIsBounded) {
  std::string ok = std::string(150, '(') + "x" + std::string(150, ')');
  DiagnosticEngine diags;
  EXPECT_TRUE(parse(ok, diags));
  std::string deep = std::string(200, '(') + "x" + std::string(200, ')');
  EXPECT_EQ(first_error(deep).message, "expression nested too deeply");
  EXPECT_EQ(first_error(std::string(100000, '(')).message, "expression nested too deeply");
  EXPECT_EQ(first_error(std::string(100000, '-') + "x").message, "expression nested too deeply");
  std::string nots;
  for (int k = 0; k < 5000; ++k) nots += "not ";
  EXPECT_EQ(first_error(nots + "x").message, "expression nested too deeply");
  std::string chain = "a";
  for (int k = 0; k < 5000; ++k) chain += " + a";
  EXPECT_EQ(first_error(chain).message, "expression nested too deeply");
  std::string pow_chain = "a";
  for (int k = 0; k < 5000; ++k) pow_chain += "**a";
  EXPECT_EQ(first_error(pow_chain).message, "expression nested too deeply");
}

TEST(Parser, StatementsWithAllOperators) {
  DiagnosticEngine diags;
  auto src = support::make_source("v = 0*mV; ge += we\n  gi -= wi  # inhibitory\n\nx *= 2 ;; y /= (a +\n b)\n", "/reset");
  auto stmts = parse_statements(src, diags);
  ASSERT_FALSE(diags.has_errors()) << diags.render("m.json");
  ASSERT_EQ(stmts.size(), 5u);
  const char* targets[] = {"v", "ge", "gi", "x", "y"};
  const char* ops[] = {"=", "+=", "-=", "*=", "/="};
  for (int k = 0; k < 5; ++k) {
    EXPECT_EQ(stmts[k].target, targets[k]);
    EXPECT_EQ(stmts[k].op, ops[k]);
  }
  EXPECT_EQ(sexpr(stmts[4].value), "(+ a b)");
  EXPECT_EQ(stmts[1].target_loc.offset, 10);
  EXPECT_EQ(stmts[1].target_loc.length, 2);
  EXPECT_EQ(stmts[1].loc.offset, 10);
  EXPECT_EQ(stmts[1].loc.length, 8);
  EXPECT_EQ(ir::to_string(stmts[0]), "v = 0 * mV");
  EXPECT_TRUE(parse_statements(support::make_source("  # nothing\n;\n", "/x"), diags).empty());
  EXPECT_FALSE(diags.has_errors());
}

TEST(Parser, MalformedStatements) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"v == 0", "expected an assignment, found '=='"},
      {"v **= 2", "unsupported assignment operator '**='"},
      {"3 = v", "expected a statement such as 'v = 0', found '3'"},
      {"v = ", "expected an expression after '=', found end of input"},
      {"v = a b", "unexpected 'b' after 'a'"},
      {"v", "expected an assignment operator ('=', '+=', '-=', '*=' or '/=') after 'v', found end of input"},
      {"v = (a + b\n", "expected ')' to close '(' opened here"},
  };
  for (const auto& c : cases) {
    DiagnosticEngine diags;
    auto stmts = parse_statements(support::make_source(c.text, "/reset"), diags);
    EXPECT_TRUE(stmts.empty()) << c.text;
    ASSERT_TRUE(diags.has_errors()) << c.text;
    EXPECT_EQ(diags.diagnostics()[0].message, c.message) << c.text;
  }
  // Every bad statement is reported, not just the first.
  DiagnosticEngine diags;
  EXPECT_TRUE(parse_statements(support::make_source("v = =\nw = 1\nx == 2", "/reset"), diags).empty());
  EXPECT_EQ(diags.error_count(), 2);
  EXPECT_EQ(diags.diagnostics()[1].loc.offset, 14);
}

std::optional<ir::Equation> equation(const std::string& text, DiagnosticEngine& diags) {
  return parse_equation(support::make_source(text, "/neuron_groups/0/equations/0"), diags);
}

TEST(Parser, DifferentialEquation) {
  DiagnosticEngine diags;
  auto eq = equation("dv/dt = (ge + gi - (v - El))/taum : volt (unless refractory)", diags);
  ASSERT_TRUE(eq) << diags.render("m.json");
  EXPECT_EQ(eq->kind, ir::Equation::Kind::Differential);
  EXPECT_EQ(eq->name, "v");
  EXPECT_EQ(eq->name_loc.offset, 1);
  EXPECT_EQ(eq->name_loc.length, 1);
  EXPECT_EQ(ir::to_string(eq->expr), "(ge + gi - (v - El)) / taum");
  EXPECT_EQ(eq->expr->loc.offset, 8);
  EXPECT_EQ(eq->unit_text, "volt");
  EXPECT_EQ(eq->unit_loc.offset, 36);
  EXPECT_EQ(eq->unit_loc.length, 4);
  EXPECT_EQ(eq->dim, support::lookup_unit("volt")->dim);
  EXPECT_EQ(eq->type, ir::ValueType::Float);
  EXPECT_EQ(eq->flags, std::vector<ir::EquationFlag>{ir::EquationFlag::UnlessRefractory});
  EXPECT_EQ(eq->flags_loc.offset, 41);
  EXPECT_EQ(eq->flags_loc.length, 19);
  EXPECT_EQ(eq->loc.offset, 0);
  EXPECT_EQ(eq->loc.length, 60);

  auto spaced = equation("  d g /  dt = -g/tau : siemens/meter**2  # leak", diags);
  ASSERT_TRUE(spaced);
  EXPECT_EQ(spaced->name, "g");
  EXPECT_EQ(spaced->name_loc.offset, 4);
  EXPECT_EQ(spaced->unit_text, "siemens/meter**2");
  EXPECT_EQ(spaced->dim, support::lookup_unit("siemens")->dim / support::lookup_unit("metre2")->dim);
  EXPECT_TRUE(spaced->flags.empty());
  EXPECT_FALSE(spaced->flags_loc.valid());
  EXPECT_FALSE(diags.has_errors());
}

TEST(Parser, SubexpressionAndParameters) {
  DiagnosticEngine diags;
  auto sub = equation("I_syn = g*(E - v) : amp (shared, constant over dt)", diags);
  ASSERT_TRUE(sub) << diags.render("m.json");
  EXPECT_EQ(sub->kind, ir::Equation::Kind::Subexpression);
  EXPECT_EQ(sub->name, "I_syn");
  EXPECT_EQ(sub->name_loc.length, 5);
  EXPECT_EQ(sub->dim, support::lookup_unit("amp")->dim);
  EXPECT_EQ(sub->flags, (std::vector<ir::EquationFlag>{ir::EquationFlag::Shared, ir::EquationFlag::ConstantOverDt}));

  auto param = equation("tau : second (constant,  shared)", diags);
  ASSERT_TRUE(param);
  EXPECT_EQ(param->kind, ir::Equation::Kind::Parameter);
  EXPECT_EQ(param->expr, nullptr);
  EXPECT_EQ(param->dim, support::lookup_unit("second")->dim);
  EXPECT_EQ(param->flags, (std::vector<ir::EquationFlag>{ir::EquationFlag::Constant, ir::EquationFlag::Shared}));

  auto flag = equation("spiked : boolean", diags);
  ASSERT_TRUE(flag);
  EXPECT_EQ(flag->type, ir::ValueType::Boolean);
  EXPECT_TRUE(flag->dim.is_dimensionless());
  auto count = equation("count = 2 : integer", diags);
  ASSERT_TRUE(count);
  EXPECT_EQ(count->type, ir::ValueType::Integer);
  auto ratio = equation("dm/dt = alpha_m*(1 - m) - beta_m*m : 1", diags);
  ASSERT_TRUE(ratio);
  EXPECT_TRUE(ratio->dim.is_dimensionless());
  EXPECT_EQ(ratio->unit_text, "1");
  auto noise = equation("dx/dt = -x/tau + xi*tau**-0.5 : 1 (clock-driven)", diags);
  ASSERT_TRUE(noise);
  EXPECT_EQ(noise->flags, std::vector<ir::EquationFlag>{ir::EquationFlag::ClockDriven});
  EXPECT_FALSE(diags.has_errors());
}

TEST(Parser, MalformedEquations) {
  struct Case {
    const char* text;
    const char* message;
    const char* hint;  // nullptr: not checked
  };
  const Case cases[] = {
      {"dv/dt = -v/tau", "expected ':' followed by the unit of the variable", nullptr},
      {"dv/dt = -v/tau :", "expected a unit after ':'", nullptr},
      {"dv/dt = -v/tau : volt (unless refractry)", "unknown flag 'unless refractry'", "did you mean 'unless refractory'?"},
      {"x : 1 (constnt)", "unknown flag 'constnt'", "did you mean 'constant'?"},
      {"x : 1 (constant", "expected ')' to close the flag list opened here", nullptr},
      {"x : 1 (constant) extra", "unexpected text after the flags", nullptr},
      {"x : 1 (constant,)", "empty flag", nullptr},
      {"x : 1 (shared, shared)", "flag 'shared' is given twice", nullptr},
      {"dv/dt = 1 : boolean", "differential equations can only define floating-point variables", nullptr},
      {"3 = x : 1", "expected a variable name at the start of the equation, found '3'", nullptr},
      {"x == 3 : 1", "expected '=' or ':' after 'x', found '=='", "use a single '=' to define a variable"},
      {"dv/dt -v : volt", "expected '=' after 'dv/dt', found '-'", nullptr},
      {"v : volts", "unknown unit 'volts'", "did you mean 'volt'?"},
      {"v : volt + mV", "a unit may only combine unit names with '*', '/' and '**'", nullptr},
      {"x = (1 + : 1", "expected an expression after '+', found end of input", nullptr},
      {"", "empty equation", nullptr},
      {"and : 1", "'and' is a keyword and cannot be a variable name", nullptr},
      {"g : siemens/(metre**2)", "a unit cannot contain parentheses; '(' starts the flags", nullptr},
  };
  for (const auto& c : cases) {
    DiagnosticEngine diags;
    EXPECT_FALSE(equation(c.text, diags)) << c.text;
    ASSERT_TRUE(diags.has_errors()) << c.text;
    EXPECT_EQ(diags.diagnostics()[0].message, c.message) << c.text;
    if (c.hint) {
      EXPECT_EQ(diags.diagnostics()[0].hint, c.hint) << c.text;
    }
  }
  DiagnosticEngine diags;
  equation("v : volts (constant)", diags);
  ASSERT_EQ(diags.diagnostics().size(), 1u);
  EXPECT_EQ(support::render_diagnostic(diags.diagnostics()[0], "m.json"),
            "m.json:/neuron_groups/0/equations/0: error: unknown unit 'volts'\n"
            "    v : volts (constant)\n"
            "        ^~~~~\n"
            "  hint: did you mean 'volt'?\n");
}

TEST(Parser, EquationBlocks) {
  DiagnosticEngine diags;
  auto src = support::make_source(
      "# COBA\n"
      "dv/dt = (gl*(El - v) + ge*(Ee - v)\n"
      "         + gi*(Ei - v))/Cm : volt (unless refractory)\n"
      "\n"
      "dge/dt = -ge/taue : siemens  # excitatory\n"
      "dgi/dt = -gi/taui\n"
      "         : siemens\n"
      "I = ge*(Ee - v)\n"
      "  + gi*(Ei - v) : amp\n"
      "tau : second (constant)\n",
      "/neuron_groups/0/equations");
  auto eqs = parse_equations(src, diags);
  ASSERT_FALSE(diags.has_errors()) << diags.render("m.json");
  ASSERT_EQ(eqs.size(), 5u);
  EXPECT_EQ(eqs[0].name, "v");
  EXPECT_EQ(sexpr(eqs[0].expr), "(/ (+ (+ (* gl (- El v)) (* ge (- Ee v))) (* gi (- Ei v))) Cm)");
  EXPECT_EQ(eqs[0].flags, std::vector<ir::EquationFlag>{ir::EquationFlag::UnlessRefractory});
  EXPECT_EQ(eqs[1].name, "ge");
  EXPECT_EQ(eqs[1].name_loc.offset, static_cast<int>(src->text.find("dge")) + 1);
  EXPECT_EQ(eqs[2].name, "gi");
  EXPECT_EQ(eqs[3].name, "I");
  EXPECT_EQ(eqs[3].kind, ir::Equation::Kind::Subexpression);
  EXPECT_EQ(eqs[4].kind, ir::Equation::Kind::Parameter);

  // A line missing its unit is reported on its own, and the next equation still parses.
  DiagnosticEngine errs;
  auto some = parse_equations(support::make_source("dv/dt = -v/tau\ndw/dt = -w/tau : 1\n", "/e"), errs);
  ASSERT_EQ(errs.error_count(), 1);
  EXPECT_EQ(errs.diagnostics()[0].message, "expected ':' followed by the unit of the variable");
  EXPECT_EQ(errs.diagnostics()[0].loc.offset, 14);
  ASSERT_EQ(some.size(), 1u);
  EXPECT_EQ(some[0].name, "w");
  EXPECT_TRUE(parse_equations(support::make_source("\n  # only a comment\n\n", "/e"), errs).empty());
  EXPECT_EQ(errs.error_count(), 1);
}

// Deterministic random inputs built from the characters that matter to the grammar: nothing may
// crash, and whatever parses must print and re-parse to the same tree.
TEST(Parser, SurvivesRandomInput) {
  const std::string alphabet = "()+-*/%<>=!,:;#\n .0123456789eEdtvxmV_ andornot\xff\xc2";
  uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  int parsed = 0;
  for (int k = 0; k < 3000; ++k) {
    std::string text;
    int len = static_cast<int>(next() % 40);
    for (int c = 0; c < len; ++c) text += alphabet[next() % alphabet.size()];
    DiagnosticEngine diags;
    auto src = support::make_source(text, "/fuzz");
    if (auto e = parse_expression(src, diags)) {
      ++parsed;
      auto again = parse(ir::to_string(e), diags);
      EXPECT_TRUE(same_tree(e, again)) << text;
      (void)ir::infer_dimension(e, ir::DimensionLookup{}, ir::QuantityLookup{}, diags);
      (void)ir::evaluate_constant(e, ir::QuantityLookup{}, diags);
    }
    parse_statements(src, diags);
    parse_equations(src, diags);
    for (const auto& d : diags.diagnostics()) (void)support::render_diagnostic(d, "f.json");
  }
  EXPECT_GT(parsed, 10);
}

}  // namespace
}  // namespace modelc::frontend
