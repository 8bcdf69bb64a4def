#include <cmath>

#include "passes/model/constant_folding.h"
#include "passes/passes.h"

namespace modelc::passes::model {

namespace {

bool is_num(const ir::ExprPtr& e) { return e && e->kind == ir::Expr::Kind::Number; }

// Evaluates a pure function of literal arguments; nullopt when it must stay a call.
std::optional<double> eval_call(const std::string& fn, const std::vector<double>& a) {
  if (a.size() == 1) {
    double x = a[0];
    if (fn == "exp") return std::exp(x);
    if (fn == "log" && x > 0) return std::log(x);
    if (fn == "log10" && x > 0) return std::log10(x);
    if (fn == "sqrt" && x >= 0) return std::sqrt(x);
    if (fn == "abs") return std::fabs(x);
    if (fn == "sin") return std::sin(x);
    if (fn == "cos") return std::cos(x);
    if (fn == "tan") return std::tan(x);
    if (fn == "sinh") return std::sinh(x);
    if (fn == "cosh") return std::cosh(x);
    if (fn == "tanh") return std::tanh(x);
    if (fn == "arcsin" && std::fabs(x) <= 1) return std::asin(x);
    if (fn == "arccos" && std::fabs(x) <= 1) return std::acos(x);
    if (fn == "arctan") return std::atan(x);
    if (fn == "floor") return std::floor(x);
    if (fn == "ceil") return std::ceil(x);
    if (fn == "sign") return static_cast<double>((x > 0) - (x < 0));
    if (fn == "expm1") return std::expm1(x);
    if (fn == "log1p" && x > -1) return std::log1p(x);
    if (fn == "exprel") return x == 0 ? 1.0 : std::expm1(x) / x;
  }
  if (a.size() == 3 && fn == "clip") return std::fmin(std::fmax(a[0], a[1]), a[2]);
  return std::nullopt;
}

}  // namespace

ir::ExprPtr fold_constants(const ir::ExprPtr& e, const SymbolTable& scope) {
  using K = ir::Expr::Kind;
  if (!e) return e;
  switch (e->kind) {
    case K::Number:
    case K::Boolean: return e;
    case K::Name: {
      if (const Symbol* s = scope.find(e->name)) {
        if (s->kind == Symbol::Kind::Constant) return ir::Expr::number_lit(s->value, false, e->loc);
        if (s->kind == Symbol::Kind::Builtin && (e->name == "dt"))
          return ir::Expr::number_lit(s->value, false, e->loc);
        if (s->kind == Symbol::Kind::Builtin && (e->name == "N" || e->name == "N_pre" || e->name == "N_post"))
          return ir::Expr::number_lit(s->value, true, e->loc);
        return e;
      }
      if (e->name == "pi") return ir::Expr::number_lit(M_PI, false, e->loc);
      if (e->name == "e") return ir::Expr::number_lit(M_E, false, e->loc);
      if (e->name == "inf") return ir::Expr::number_lit(INFINITY, false, e->loc);
      if (auto u = support::lookup_unit(e->name)) return ir::Expr::number_lit(u->value, false, e->loc);
      return e;
    }
    default: break;
  }
  std::vector<ir::ExprPtr> args;
  bool all_num = true;
  for (const auto& a : e->args) {
    args.push_back(fold_constants(a, scope));
    all_num &= is_num(args.back());
  }
  auto rebuilt = [&]() {
    auto c = std::make_shared<ir::Expr>(*e);
    c->args = args;
    return ir::ExprPtr(c);
  };
  if (!all_num || args.empty()) {
    // int(x) of a literal and comparisons of literals are handled below only when all args are numbers.
    return rebuilt();
  }
  const bool ints = std::all_of(args.begin(), args.end(), [](const ir::ExprPtr& a) { return a->is_integer; });
  if (e->kind == K::Unary) {
    double x = args[0]->number;
    if (e->op == ir::Op::Neg) return ir::Expr::number_lit(-x, args[0]->is_integer, e->loc);
    if (e->op == ir::Op::Pos) return args[0];
    return rebuilt();
  }
  if (e->kind == K::Binary) {
    double a = args[0]->number, b = args[1]->number;
    switch (e->op) {
      case ir::Op::Add: return ir::Expr::number_lit(a + b, ints, e->loc);
      case ir::Op::Sub: return ir::Expr::number_lit(a - b, ints, e->loc);
      case ir::Op::Mul: return ir::Expr::number_lit(a * b, ints, e->loc);
      case ir::Op::Div: if (b != 0) return ir::Expr::number_lit(a / b, false, e->loc); break;
      case ir::Op::FloorDiv: if (b != 0) return ir::Expr::number_lit(std::floor(a / b), ints, e->loc); break;
      case ir::Op::Mod: if (b != 0) return ir::Expr::number_lit(a - b * std::floor(a / b), ints, e->loc); break;
      case ir::Op::Pow: {
        double r = std::pow(a, b);
        if (std::isfinite(r)) return ir::Expr::number_lit(r, ints && b >= 0, e->loc);
        break;
      }
      case ir::Op::Lt: return ir::Expr::bool_lit(a < b, e->loc);
      case ir::Op::Le: return ir::Expr::bool_lit(a <= b, e->loc);
      case ir::Op::Gt: return ir::Expr::bool_lit(a > b, e->loc);
      case ir::Op::Ge: return ir::Expr::bool_lit(a >= b, e->loc);
      case ir::Op::Eq: return ir::Expr::bool_lit(a == b, e->loc);
      case ir::Op::Ne: return ir::Expr::bool_lit(a != b, e->loc);
      default: break;
    }
    return rebuilt();
  }
  if (e->kind == K::Call) {
    if (e->name == "int") return ir::Expr::number_lit(std::trunc(args[0]->number), true, e->loc);
    std::vector<double> vals;
    for (const auto& a : args) vals.push_back(a->number);
    if (auto r = eval_call(e->name, vals); r && std::isfinite(*r)) return ir::Expr::number_lit(*r, false, e->loc);
  }
  return rebuilt();
}

namespace {

class ConstantFoldingPass : public Pass {
 public:
  std::string name() const override { return "fold-constants"; }
  std::string description() const override {
    return "replace constants, parameters and units by SI literals and evaluate literal arithmetic";
  }
  bool run(CompilationUnit& unit, DiagnosticEngine&) override {
    ir::Model& m = unit.model;
    for (auto& g : m.neuron_groups) {
      SymbolTable scope = neuron_scope(m, g);
      auto f = [&](ir::ExprPtr& e) { e = fold_constants(e, scope); };
      for (auto& eq : g.equations) f(eq.expr);
      f(g.threshold);
      for (auto& s : g.reset) f(s.value);
      f(g.refractory.expr);
      for (auto& ie : g.initial) f(ie.expr);
      for (auto& s : g.state_update) f(s.value);
      for (auto& ev : g.events) {  // IR v2
        f(ev.condition);
        for (auto& st : ev.code) f(st.value);
      }
      for (auto& rr : g.run_regularly)
        for (auto& st : rr.code) f(st.value);
    }
    for (auto& s : m.synapses) {
      SymbolTable scope = synapse_scope(m, s);
      auto f = [&](ir::ExprPtr& e) { e = fold_constants(e, scope); };
      for (auto& eq : s.equations) f(eq.expr);
      for (auto& st : s.on_pre) f(st.value);
      for (auto& ie : s.initial) f(ie.expr);
      f(s.connect.p);
      f(s.connect.condition);
      for (auto& pw : s.pathways) {  // IR v2
        for (auto& st : pw.code) f(st.value);
        for (auto& st : pw.event_driven_update) f(st.value);
        f(pw.delay_expr);
      }
      for (auto& st : s.state_update) f(st.value);
      for (auto& rr : s.run_regularly)
        for (auto& st : rr.code) f(st.value);
    }
    for (auto& pi : m.poisson_inputs)
      if (const ir::NeuronGroup* g = m.find_group(pi.target.group)) pi.weight = fold_constants(pi.weight, neuron_scope(m, *g));
    return true;
  }
};

}  // namespace

std::unique_ptr<Pass> create_constant_folding_pass() { return std::make_unique<ConstantFoldingPass>(); }

}  // namespace modelc::passes::model
