// State-update methods: the generated abstract code is executed by a small evaluator below and
// compared with analytic solutions, convergence orders and Brian2's semantics.
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <functional>
#include <map>
#include <numbers>

#include "passes/numerics/integrators.h"

namespace modelc::passes::numerics {
namespace {

using ir::Expr;
using ir::ExprPtr;
using ir::Op;
using ir::Stmt;
using Env = std::map<std::string, double>;
constexpr double kPi = std::numbers::pi;

// --- a tiny Brian2-expression reader for the tests (numbers, names, calls, + - * / **) ------------
class MiniParser {
 public:
  explicit MiniParser(support::SourceTextPtr src) : src_(std::move(src)), s_(src_->text) {}
  ExprPtr parse() {
    ExprPtr e = sum();
    skip();
    EXPECT_EQ(pos_, s_.size()) << "trailing text in " << s_;
    return e;
  }

 private:
  void skip() { while (pos_ < s_.size() && s_[pos_] == ' ') ++pos_; }
  bool eat(const std::string& tok) {
    skip();
    if (s_.compare(pos_, tok.size(), tok) != 0) return false;
    if (tok == "*" && s_.compare(pos_, 2, "**") == 0) return false;
    pos_ += tok.size();
    return true;
  }
  SourceLoc loc(size_t start) const { return SourceLoc{src_, static_cast<int>(start), static_cast<int>(pos_ - start)}; }
  ExprPtr sum() {
    size_t start = (skip(), pos_);
    ExprPtr e = product();
    for (;;) {
      Op op = eat("+") ? Op::Add : eat("-") ? Op::Sub : Op::Not;
      if (op == Op::Not) return e;
      ExprPtr rhs = product();  // before loc(): the span ends after the operand
      e = Expr::binary(op, e, rhs, loc(start));
    }
  }
  ExprPtr product() {
    size_t start = (skip(), pos_);
    ExprPtr e = unary();
    for (;;) {
      Op op = eat("*") ? Op::Mul : eat("/") ? Op::Div : Op::Not;
      if (op == Op::Not) return e;
      ExprPtr rhs = unary();
      e = Expr::binary(op, e, rhs, loc(start));
    }
  }
  ExprPtr unary() {
    size_t start = (skip(), pos_);
    if (eat("-")) { ExprPtr a = unary(); return Expr::unary(Op::Neg, a, loc(start)); }
    ExprPtr e = atom();
    if (eat("**")) { ExprPtr x = unary(); e = Expr::binary(Op::Pow, e, x, loc(start)); }
    return e;
  }
  ExprPtr atom() {
    size_t start = (skip(), pos_);
    if (eat("(")) { ExprPtr e = sum(); EXPECT_TRUE(eat(")")); return e; }
    if (std::isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '.') {
      char* end = nullptr;
      double v = std::strtod(s_.c_str() + pos_, &end);
      const char* begin = s_.c_str() + pos_;
      bool integer = std::string(begin, static_cast<const char*>(end)).find_first_of(".eE") == std::string::npos;
      pos_ = end - s_.c_str();
      return Expr::number_lit(v, integer, loc(start));
    }
    while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) ++pos_;
    std::string name = s_.substr(start, pos_ - start);
    EXPECT_FALSE(name.empty()) << "unexpected character in " << s_;
    if (!eat("(")) return Expr::name_ref(name, loc(start));
    std::vector<ExprPtr> args;
    if (!eat(")")) {
      do args.push_back(sum()); while (eat(","));
      EXPECT_TRUE(eat(")"));
    }
    return Expr::call(name, std::move(args), loc(start));
  }

  support::SourceTextPtr src_;
  const std::string& s_;
  size_t pos_ = 0;
};

struct Eq {
  std::string var, rhs;
  bool unless_refractory = false;
};

// Builds the system the pass would: each rhs parsed from its own source text, named constants
// replaced by literals.
OdeSystem make_system(const std::vector<Eq>& eqs, const Env& constants = {}) {
  OdeSystem sys;
  for (size_t k = 0; k < eqs.size(); ++k) {
    auto src = support::make_source(eqs[k].rhs, "/neuron_groups/0/equations/" + std::to_string(k));
    ExprPtr e = MiniParser(src).parse();
    e = ir::substitute(e, [&](const std::string& n) -> ExprPtr {
      auto it = constants.find(n);
      return it == constants.end() ? nullptr : Expr::number_lit(it->second);
    });
    sys.vars.push_back(eqs[k].var);
    sys.rhs.push_back(e);
    sys.unless_refractory.push_back(eqs[k].unless_refractory);
    sys.locs.push_back(SourceLoc{src, 0, static_cast<int>(eqs[k].rhs.size())});
  }
  return sys;
}

// --- evaluator for the emitted code ----------------------------------------------------------------
double eval(const ExprPtr& e, const Env& env) {
  switch (e->kind) {
    case Expr::Kind::Number: return e->number;
    case Expr::Kind::Boolean: return e->boolean ? 1 : 0;
    case Expr::Kind::Name: {
      if (e->name == "pi") return kPi;
      auto it = env.find(e->name);
      if (it == env.end()) {
        ADD_FAILURE() << "unbound name " << e->name;
        return NAN;
      }
      return it->second;
    }
    case Expr::Kind::Unary: {
      double a = eval(e->args[0], env);
      return e->op == Op::Neg ? -a : e->op == Op::Not ? (a == 0) : a;
    }
    case Expr::Kind::Binary: {
      double a = eval(e->args[0], env), b = eval(e->args[1], env);
      switch (e->op) {
        case Op::Add: return a + b;
        case Op::Sub: return a - b;
        case Op::Mul: return a * b;
        case Op::Div: return a / b;
        case Op::Pow: return std::pow(a, b);
        case Op::Lt: return a < b;
        case Op::Gt: return a > b;
        default: ADD_FAILURE() << "unsupported operator " << op_spelling(e->op); return NAN;
      }
    }
    case Expr::Kind::Call: {
      if (e->name == "_select") return eval(e->args[0], env) != 0 ? eval(e->args[1], env) : eval(e->args[2], env);
      double a = eval(e->args[0], env);
      if (e->name == "exp") return std::exp(a);
      if (e->name == "sin") return std::sin(a);
      if (e->name == "cos") return std::cos(a);
      if (e->name == "sqrt") return std::sqrt(a);
      if (e->name == "abs") return std::fabs(a);
      ADD_FAILURE() << "unsupported function " << e->name;
      return NAN;
    }
  }
  return NAN;
}

// One step: statements in order (temporaries into env, like a generated loop body), then t += dt.
void step(const std::vector<Stmt>& code, Env& env) {
  for (const auto& s : code) {
    ASSERT_EQ(s.op, "=");
    env[s.target] = eval(s.value, env);
  }
  env["t"] += env.at("dt");
}

std::vector<Stmt> generate(const std::string& method, const OdeSystem& sys, double dt) {
  DiagnosticEngine diags;
  auto m = ir::parse_method(method);
  EXPECT_TRUE(m.has_value()) << method;
  auto code = integrate(m.value_or(ir::Method::Auto), sys, dt, diags);
  EXPECT_TRUE(code.has_value()) << method << ": " << diags.render("model.json");
  return code.value_or(std::vector<Stmt>{});
}

Env simulate(const std::string& method, const OdeSystem& sys, Env env, double dt, int steps) {
  auto code = generate(method, sys, dt);
  env["dt"] = dt;
  env["t"] = 0;
  for (int k = 0; k < steps; ++k) step(code, env);
  return env;
}

std::string text(const std::vector<Stmt>& code) {
  std::string out;
  for (const auto& s : code) out += ir::to_string(s) + "\n";
  return out;
}

// --- exact -----------------------------------------------------------------------------------------
TEST(Integrators, ExactExponentialDecayMatchesAnalyticSolution) {
  auto sys = make_system({{"x", "-x/tau"}}, {{"tau", 0.01}});
  auto code = generate("exact", sys, 1e-4);
  ASSERT_EQ(code.size(), 2u) << text(code);
  EXPECT_EQ(text(code).find("exp("), std::string::npos) << "numeric case must be folded:\n" << text(code);
  EXPECT_EQ(ir::to_string(code[1]), "x = _x_new");
  Env env{{"x", 1.0}, {"dt", 1e-4}, {"t", 0}};
  for (int k = 1; k <= 1000; ++k) {
    step(code, env);
    double want = std::exp(-k * 1e-4 / 0.01);
    ASSERT_NEAR(env["x"], want, 1e-12 * want) << "step " << k;
  }
}

// CUBA (Brian2's example): v coupled to two decaying currents, all coefficients numeric.
const std::vector<Eq> kCuba = {{"v", "(ge + gi - (v - El))/taum", true}, {"ge", "-ge/taue"}, {"gi", "-gi/taui"}};
const Env kCubaConstants = {{"taum", 20e-3}, {"taue", 5e-3}, {"taui", 10e-3}, {"El", -0.049}};

TEST(Integrators, ExactCubaAgreesWithFineRk4AndAnalyticSolution) {
  auto sys = make_system(kCuba, kCubaConstants);
  Env init{{"v", -0.06}, {"ge", 0.0016}, {"gi", -0.009}, {"not_refractory", 1}};
  Env ex = simulate("exact", sys, init, 1e-4, 1000);
  Env ref = simulate("rk4", sys, init, 1e-5, 10000);
  for (const char* v : {"v", "ge", "gi"}) EXPECT_NEAR(ex[v], ref[v], 1e-10) << v;
  // v - El = (v0 - El - Ke - Ki) e^{-t/taum} + Ke e^{-t/taue} + Ki e^{-t/taui}, K = g0*tau/(tau - taum).
  double T = 0.1, taum = 20e-3, taue = 5e-3, taui = 10e-3, El = -0.049;
  double Ke = 0.0016 * taue / (taue - taum), Ki = -0.009 * taui / (taui - taum);
  double v = El + (-0.06 - El - Ke - Ki) * std::exp(-T / taum) + Ke * std::exp(-T / taue) + Ki * std::exp(-T / taui);
  EXPECT_NEAR(ex["v"], v, 1e-12);
  EXPECT_NEAR(ex["ge"], 0.0016 * std::exp(-T / taue), 1e-15);
}

TEST(Integrators, ExactKeepsPerNeuronParametersInTheInhomogeneousTerm) {
  for (bool named_r : {false, true}) {
    Env consts{{"tau", 0.01}};
    if (!named_r) consts["R"] = 1e8;
    auto sys = make_system({{"v", "(I*R - v)/tau"}}, consts);
    auto code = generate("exact", sys, 1e-4);
    std::string t = text(code);
    EXPECT_EQ(t.find("exp("), std::string::npos) << t;
    EXPECT_NE(t.find(named_r ? "* (I * R)" : "* I"), std::string::npos) << t;
    for (double I : {2e-10, -5e-10}) {
      Env env{{"v", -0.01}, {"I", I}, {"R", 1e8}, {"dt", 1e-4}, {"t", 0}};
      for (int k = 0; k < 500; ++k) step(code, env);
      double vinf = I * 1e8, want = vinf + (-0.01 - vinf) * std::exp(-500 * 1e-4 / 0.01);
      EXPECT_NEAR(env["v"], want, 1e-14) << t;
    }
  }
}

TEST(Integrators, ExactSymbolicCoefficientUsesClosedForm) {
  auto sys = make_system({{"v", "(El - v)/tau"}}, {{"El", -0.07}});
  EXPECT_TRUE(is_linear_with_constant_coefficients(sys));
  auto code = generate("exact", sys, 1e-4);
  std::string t = text(code);
  EXPECT_NE(t.find("exp("), std::string::npos) << t;
  EXPECT_NE(t.find("tau"), std::string::npos) << t;
  for (double tau : {0.01, 0.03}) {
    Env env{{"v", 0.0}, {"tau", tau}, {"dt", 1e-4}, {"t", 0}};
    for (int k = 0; k < 1000; ++k) step(code, env);
    EXPECT_NEAR(env["v"], -0.07 + 0.07 * std::exp(-0.1 / tau), 1e-13) << tau;
  }
}

TEST(Integrators, ExactHandlesSingularMatrixAndDecoupledSymbolicGroups) {
  // dx/dt = I has M = 0, which Brian2's solve of M b = -c cannot do but the augmented exponential can.
  auto sys = make_system({{"x", "I"}, {"y", "(x - y)/tau"}, {"z", "-z/tauz"}}, {{"tau", 0.02}});
  Env env = simulate("exact", sys, {{"x", 0}, {"y", 0}, {"z", 1}, {"I", 3}, {"tauz", 0.01}}, 1e-4, 1000);
  double T = 0.1, tau = 0.02;
  EXPECT_NEAR(env["x"], 3 * T, 1e-13);
  EXPECT_NEAR(env["y"], 3 * (T - tau + tau * std::exp(-T / tau)), 1e-13);  // ramp through a low-pass
  EXPECT_NEAR(env["z"], std::exp(-T / 0.01), 1e-13);
}

// --- explicit methods ------------------------------------------------------------------------------
double observed_order(const std::string& method, const OdeSystem& sys, const Env& init, double T,
                      const std::function<double(const Env&)>& error_of, double h) {
  double e1 = error_of(simulate(method, sys, init, h, static_cast<int>(std::lround(T / h))));
  double e2 = error_of(simulate(method, sys, init, h / 2, static_cast<int>(std::lround(2 * T / h))));
  return std::log2(e1 / e2);
}

TEST(Integrators, ExplicitMethodsConvergeWithTheirOrderOnLinearSystem) {
  // x' = -x + y, y' = -2y: x = (x0 + y0) e^{-t} - y0 e^{-2t}.
  auto sys = make_system({{"x", "-x/tau + y"}, {"y", "-2*y"}}, {{"tau", 1.0}});
  Env init{{"x", 1.0}, {"y", 1.0}};
  auto err = [](const Env& e) { return std::fabs(e.at("x") - (2 * std::exp(-1.0) - std::exp(-2.0))); };
  EXPECT_NEAR(observed_order("euler", sys, init, 1.0, err, 0.01), 1.0, 0.1);
  EXPECT_NEAR(observed_order("rk2", sys, init, 1.0, err, 0.01), 2.0, 0.1);
  EXPECT_NEAR(observed_order("rk4", sys, init, 1.0, err, 0.02), 4.0, 0.1);
}

TEST(Integrators, HarmonicOscillatorOrdersErrorBoundAndEnergy) {
  const double w = 2 * kPi;
  auto sys = make_system({{"x", "v"}, {"v", "-w2*x"}}, {{"w2", w * w}});
  Env init{{"x", 1.0}, {"v", 0.0}};
  auto err = [&](const Env& e) { return std::hypot(e.at("x") - 1.0, e.at("v")); };  // t = 1: one period
  EXPECT_NEAR(observed_order("euler", sys, init, 1.0, err, 0.0005), 1.0, 0.1);
  EXPECT_NEAR(observed_order("rk2", sys, init, 1.0, err, 0.005), 2.0, 0.1);
  EXPECT_NEAR(observed_order("rk4", sys, init, 1.0, err, 0.02), 4.0, 0.1);

  // RK4's per-step error on the rotation is |R(i w h) - e^{i w h}| ~ (w h)^5/120, so the global error
  // after T is at most T w^5 h^4 / 120 (to leading order).
  const double h = 0.01;
  Env rk = simulate("rk4", sys, init, h, 100);
  EXPECT_LT(std::hypot(rk["x"] - 1.0, rk["v"] / w), 1.05 * std::pow(w, 5) * std::pow(h, 4) / 120);
  auto energy = [&](const Env& e) { return 0.5 * e.at("v") * e.at("v") + 0.5 * w * w * e.at("x") * e.at("x"); };
  double e0 = energy(init);
  EXPECT_LT(std::fabs(energy(rk) - e0) / e0, 1e-6);  // |R|^2 = 1 - (wh)^6/72: drift ~1e-7
  // Forward Euler's amplification |1 + i w h| > 1 makes the energy grow: (1 + (wh)^2)^100 ~ 1.48.
  EXPECT_NEAR(energy(simulate("euler", sys, init, h, 100)) / e0, std::pow(1 + w * w * h * h, 100), 1e-9);
}

TEST(Integrators, ExplicitStagesShiftTime) {
  // RK4 is exact for x' = t**3 (Simpson's rule), midpoint for x' = t; both need the t + dt/2 stages.
  auto cubic = make_system({{"x", "t**3"}});
  EXPECT_NEAR(simulate("rk4", cubic, {{"x", 0}}, 0.1, 10)["x"], 0.25, 1e-14);
  auto line = make_system({{"x", "t"}});
  EXPECT_NEAR(simulate("rk2", line, {{"x", 0}}, 0.1, 10)["x"], 0.5, 1e-14);
  EXPECT_NEAR(simulate("euler", line, {{"x", 0}}, 0.1, 10)["x"], 0.45, 1e-14);
}

// --- exponential Euler -----------------------------------------------------------------------------
TEST(Integrators, ExponentialEulerIsExactForSingleLinearEquation) {
  auto sys = make_system({{"x", "(E_L - x)/tau"}});
  auto code = generate("exponential_euler", sys, 1e-4);
  std::string t = text(code);
  EXPECT_NE(t.find("_BA_x = -E_L\n"), std::string::npos) << t;  // divisors cancelled as sympy would
  EXPECT_NE(t.find("_x_new = (_BA_x + x) * exp(-1.0 / tau * dt) - _BA_x\n"), std::string::npos) << t;
  Env env{{"x", 0.0}, {"E_L", -0.07}, {"tau", 0.02}, {"dt", 1e-4}, {"t", 0}};
  for (int k = 1; k <= 1000; ++k) {
    step(code, env);
    double want = -0.07 + 0.07 * std::exp(-k * 1e-4 / 0.02);
    ASSERT_NEAR(env["x"], want, 1e-12 * std::fabs(want)) << k;
  }
}

TEST(Integrators, ExponentialEulerUsesOldValuesAndPlainEulerWhenLinearPartVanishes) {
  auto sys = make_system({{"x", "y"}, {"y", "-x/tau"}});
  auto code = generate("exponential_euler", sys, 0.1);
  EXPECT_EQ(text(code), "_x_new = x + dt * y\n_y_new = y - dt * (x / tau)\nx = _x_new\ny = _y_new\n");
  Env env = simulate("exponential_euler", sys, {{"x", 1}, {"y", 2}, {"tau", 0.5}}, 0.1, 1);
  EXPECT_DOUBLE_EQ(env["x"], 1.2);
  EXPECT_DOUBLE_EQ(env["y"], 2 - 0.1 * 1 / 0.5);  // from the old x
}

TEST(Integrators, ExponentialEulerOnHodgkinHuxleyStaysFiniteAndSpikes) {
  const Env c = {{"Cm", 2e-10}, {"gl", 1e-8}, {"El", -0.06}, {"EK", -0.09}, {"ENa", 0.05},
                 {"g_na", 2e-5}, {"g_kd", 6e-6}, {"VT", -0.063}, {"mV", 1e-3}, {"ms", 1e-3}};
  auto sys = make_system(
      {{"v", "(gl*(El - v) - g_na*(m*m*m)*h*(v - ENa) - g_kd*(n*n*n*n)*(v - EK) + I)/Cm"},
       {"m", "0.32*mV*(13*mV - v + VT)/(exp((13*mV - v + VT)/(4*mV)) - 1)/ms*(1 - m) - "
             "0.28*mV*(v - VT - 40*mV)/(exp((v - VT - 40*mV)/(5*mV)) - 1)/ms*m"},
       {"n", "0.032*mV*(15*mV - v + VT)/(exp((15*mV - v + VT)/(5*mV)) - 1)/ms*(1 - n) - "
             "0.5*exp((10*mV - v + VT)/(40*mV))/ms*n"},
       {"h", "0.128*exp((17*mV - v + VT)/(18*mV))/ms*(1 - h) - 4/(1 + exp((40*mV - v + VT)/(5*mV)))/ms*h"}},
      c);
  EXPECT_FALSE(is_linear_with_constant_coefficients(sys));
  auto code = generate("exponential_euler", sys, 1e-5);
  Env env{{"v", -0.065}, {"m", 0.05}, {"n", 0.3}, {"h", 0.6}, {"I", 1e-9}, {"dt", 1e-5}, {"t", 0}};
  double vmax = -1;
  for (int k = 0; k < 5000; ++k) {
    step(code, env);
    for (const char* g : {"m", "n", "h"}) ASSERT_TRUE(env[g] >= 0 && env[g] <= 1) << g << " at step " << k;
    ASSERT_TRUE(std::isfinite(env["v"])) << k;
    vmax = std::max(vmax, env["v"]);
  }
  EXPECT_GT(vmax, 0.0) << "1 nA must make the HH neuron spike";
}

// --- refractoriness --------------------------------------------------------------------------------
TEST(Integrators, UnlessRefractoryFreezesFlaggedVariablesInEveryMethod) {
  auto sys = make_system({{"v", "(ge - v)/tau", true}, {"ge", "-ge/taue"}}, {{"tau", 0.02}, {"taue", 0.005}});
  for (const char* method : {"euler", "rk2", "rk4", "exponential_euler", "exact"}) {
    auto code = generate(method, sys, 1e-4);
    ASSERT_GE(code.size(), 2u);
    EXPECT_EQ(ir::to_string(code[code.size() - 2]), "v = _select(not_refractory, _v_new, v)") << method;
    EXPECT_EQ(ir::to_string(code.back()), "ge = _ge_new") << method;
    Env init{{"v", -0.05}, {"ge", 0.01}, {"dt", 1e-4}, {"t", 0}};
    Env frozen = init, free = init;
    frozen["not_refractory"] = 0;
    free["not_refractory"] = 1;
    step(code, frozen);
    step(code, free);
    EXPECT_EQ(frozen["v"], -0.05) << method;
    EXPECT_NE(free["v"], -0.05) << method;
    EXPECT_EQ(frozen["ge"], free["ge"]) << method;  // ge does not depend on v
  }
}

TEST(Integrators, FreeVariableSeesFrozenVariableConstantLikeBrian2) {
  // Brian2 multiplies dv/dt by not_refractory, so while refractory w relaxes towards a constant v.
  auto sys = make_system({{"v", "-v/tau", true}, {"w", "(v - w)/tauw"}}, {{"tau", 0.01}, {"tauw", 0.05}});
  const double dt = 1e-3, v = -0.05, w = 0.02, tauw = 0.05;
  Env init{{"v", v}, {"w", w}, {"not_refractory", 0}};
  Env ex = simulate("exact", sys, init, dt, 1);
  EXPECT_NEAR(ex["w"], v + (w - v) * std::exp(-dt / tauw), 1e-16);
  Env r2 = simulate("rk2", sys, init, dt, 1);
  double k1 = dt * (v - w) / tauw;
  EXPECT_NEAR(r2["w"], w + dt * (v - (w + k1 / 2)) / tauw, 1e-16);
  EXPECT_EQ(ex["v"], v);
  // Not refractory: v decays and w feels it, so w differs from the frozen-v solution.
  init["not_refractory"] = 1;
  Env moving = simulate("exact", sys, init, dt, 1);
  EXPECT_GT(std::fabs(moving["w"] - ex["w"]), 1e-9);
}

// --- errors and method choice ----------------------------------------------------------------------
const support::Diagnostic& only_error(const DiagnosticEngine& diags) {
  EXPECT_EQ(diags.error_count(), 1) << diags.render("model.json");
  return diags.diagnostics().front();
}

std::string caret_text(const support::Diagnostic& d) {
  return d.loc.valid() ? d.loc.source->text.substr(d.loc.offset, d.loc.length) : "<no location>";
}

TEST(Integrators, ExactRejectsNonlinearEquation) {
  auto sys = make_system({{"x", "-x/tau"}, {"v", "(1 - v**2)/tau"}}, {{"tau", 0.01}});
  EXPECT_FALSE(is_linear_with_constant_coefficients(sys));
  DiagnosticEngine diags;
  EXPECT_FALSE(exact(sys, 1e-4, diags).has_value());
  const auto& d = only_error(diags);
  EXPECT_NE(d.message.find("equation for 'v' contains the nonlinear term 'v**2'"), std::string::npos) << d.message;
  EXPECT_NE(d.hint.find("exponential_euler"), std::string::npos) << d.hint;
  EXPECT_EQ(caret_text(d), "v**2");
  EXPECT_EQ(d.json_pointer, "/neuron_groups/0/equations/1");
}

TEST(Integrators, ExactRejectsTimeDependenceAndRandomNumbers) {
  DiagnosticEngine diags;
  EXPECT_FALSE(exact(make_system({{"v", "(sin(2*pi*t) - v)/tau"}}, {{"tau", 0.01}}), 1e-4, diags));
  const auto& d = only_error(diags);
  EXPECT_NE(d.message.find("depends on the time 't'"), std::string::npos) << d.message;
  EXPECT_EQ(caret_text(d), "t");
  EXPECT_NE(d.hint.find("rk4"), std::string::npos);
  diags.clear();
  EXPECT_FALSE(exact(make_system({{"v", "(rand() - v)/tau"}}, {{"tau", 0.01}}), 1e-4, diags));
  EXPECT_NE(only_error(diags).message.find("random numbers ('rand()')"), std::string::npos);
}

TEST(Integrators, ExactRejectsCoupledSymbolicCoefficients) {
  Env consts = kCubaConstants;
  consts.erase("taum");  // per-neuron membrane time constant
  auto sys = make_system(kCuba, consts);
  EXPECT_FALSE(is_linear_with_constant_coefficients(sys));
  EXPECT_TRUE(is_linear_with_constant_coefficients(make_system(kCuba, kCubaConstants)));
  DiagnosticEngine diags;
  EXPECT_FALSE(exact(sys, 1e-4, diags));
  const auto& d = only_error(diags);
  EXPECT_NE(d.message.find("coefficient of 'v' in the equation for 'v' is '-1.0 / taum', not a constant number"), std::string::npos) << d.message;
  EXPECT_NE(d.message.find("'v', 'ge', 'gi'"), std::string::npos) << d.message;
}

TEST(Integrators, ExponentialEulerRejectsTermsNonlinearInOwnVariable) {
  struct Case { std::string rhs, term; };
  for (const Case& c : {Case{"exp(v) - v", "exp(v)"}, Case{"1 - v*v/tau", "v*v"}, Case{"m*(1 + v**3)", "v**3"}}) {
    DiagnosticEngine diags;
    EXPECT_FALSE(exponential_euler(make_system({{"v", c.rhs}}), diags)) << c.rhs;
    const auto& d = only_error(diags);
    std::string rendered = ir::to_string(MiniParser(support::make_source(c.term, "")).parse());
    EXPECT_NE(d.message.find("contains the term '" + rendered + "', which is not linear in 'v'"), std::string::npos)
        << d.message;
    EXPECT_EQ(caret_text(d), c.term);
    EXPECT_NE(d.hint.find("'euler'"), std::string::npos);
    EXPECT_NE(d.hint.find("'rk4'"), std::string::npos);
  }
}

TEST(Integrators, IntegrateDispatchesAndRejectsUnknownMethod) {
  auto sys = make_system({{"x", "-x/tau"}}, {{"tau", 0.01}});
  DiagnosticEngine diags;
  ASSERT_EQ(ir::parse_method("linear"), ir::Method::Exact);
  auto linear = integrate(ir::Method::Exact, sys, 1e-4, diags);
  ASSERT_TRUE(linear);
  EXPECT_EQ(text(*linear), text(*exact(sys, 1e-4, diags)));
  // IR v2 added 'heun'; 'midpoint' is still unknown, and "auto"/"none" are not names a model may give.
  EXPECT_EQ(ir::parse_method("heun"), ir::Method::Heun);
  EXPECT_FALSE(ir::parse_method("midpoint"));
  EXPECT_FALSE(ir::parse_method("auto"));
  EXPECT_FALSE(ir::parse_method("none"));
  // A method left unresolved by the passes is reported where the method belongs.
  EXPECT_FALSE(integrate(ir::Method::Auto, sys, 1e-4, diags));
  const auto& d = only_error(diags);
  EXPECT_NE(d.message.find("no integration method chosen"), std::string::npos);
  EXPECT_EQ(d.json_pointer, "/neuron_groups/0/method");
  auto empty = integrate(ir::Method::Exact, OdeSystem{}, 1e-4, diags);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(Integrators, LinearDecompositionAndFolding) {
  auto sys = make_system({{"v", "-(v - El)/taum + 2*ge*R/taum"}}, {{"taum", 0.02}});
  auto form = linear_decompose(sys.rhs[0], {"v", "ge"});
  ASSERT_TRUE(form);
  double c = 0;
  EXPECT_TRUE(is_number(form->coeffs[0], &c));
  EXPECT_EQ(c, -50.0);
  EXPECT_EQ(ir::to_string(form->coeffs[1]), "2.0 * R / 0.02");
  EXPECT_EQ(ir::to_string(form->rest), "El / 0.02");
  ExprPtr x = build::name("x");
  EXPECT_EQ(ir::to_string(build::add(build::mul(build::num(1), x), build::num(0))), "x");
  EXPECT_EQ(ir::to_string(build::mul(build::num(0), x)), "0.0");
  EXPECT_EQ(ir::to_string(build::add(x, build::neg(build::name("y")))), "x - y");
  EXPECT_EQ(ir::to_string(build::sub(build::num(3), build::num(5))), "-2.0");
  ExprPtr bad;
  EXPECT_FALSE(linear_decompose(sys.rhs[0], {"v", "ge", "R"}, &bad));
  EXPECT_EQ(ir::to_string(bad), "2 * ge * R");
}

TEST(Integrators, MatrixExponentialOfRotationAndLargeNorm) {
  auto rot = matrix_exponential({0, -kPi / 3, kPi / 3, 0}, 2);
  EXPECT_NEAR(rot[0], 0.5, 1e-15);
  EXPECT_NEAR(rot[2], std::sin(kPi / 3), 1e-15);
  auto big = matrix_exponential({-30, 0, 0, 5}, 2);  // needs scaling and squaring
  EXPECT_NEAR(big[0] / std::exp(-30), 1, 1e-13);
  EXPECT_NEAR(big[3] / std::exp(5), 1, 1e-13);
  EXPECT_EQ(big[1], 0);
}

}  // namespace
}  // namespace modelc::passes::numerics

// Brian2 evaluates exp(-dt/tau) at run time, correctly rounded; the exact integrator's decay factors
// of variables on no cycle (CUBA's v, ge, gi) must be the same double, not the series' neighbour.
TEST(Integrators, MatrixExponentialDiagonalIsCorrectlyRounded) {
  const double dt = 1e-4, taum = 0.02, taue = 0.005, taui = 0.01;
  std::vector<double> a = {-dt / taum, dt / taum, dt / taum, 0, -dt / taue, 0, 0, 0, -dt / taui};
  auto e = modelc::passes::numerics::matrix_exponential(a, 3);
  EXPECT_EQ(e[0], std::exp(-dt / taum));
  EXPECT_EQ(e[4], std::exp(-dt / taue));
  EXPECT_EQ(e[8], std::exp(-dt / taui));
  EXPECT_NEAR(e[1], taum / (taum - taue) * (std::exp(-dt / taum) - std::exp(-dt / taue)) * (1 / taum) * taue, 1e-15);
}
