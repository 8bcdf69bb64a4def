// Subexpressions (`I = g*(E - v) : amp`) have no storage: like Brian2, modelc substitutes them at
// every use, after inlining the subexpressions they depend on (ResolveNamesPass rejected cycles).
// In synapse code a postsynaptic subexpression is renamed into the synapse scope (v -> v_post,
// i -> j) before it is substituted.
#include <map>

#include "passes/passes.h"
#include "passes/model/symbols.h"

namespace modelc::passes::model {
namespace {

using SubMap = std::map<std::string, ir::ExprPtr>;

// Fully inlined subexpressions of a group's equations.
SubMap inlined_subexpressions(const std::vector<ir::Equation>& eqs) {
  SubMap raw, done;
  for (const auto& eq : eqs)
    // (summed) subexpressions are not substituted: their name is the target's variable (g_post).
    // IR v2: (constant over dt) ones are stored and read like variables (computed once per step).
    if (eq.kind == ir::Equation::Kind::Subexpression && !eq.has_flag(ir::EquationFlag::Summed) && !eq.has_flag(ir::EquationFlag::ConstantOverDt))
      raw[eq.name] = eq.expr;
  std::function<ir::ExprPtr(const std::string&, int)> resolve = [&](const std::string& n, int depth) -> ir::ExprPtr {
    if (auto it = done.find(n); it != done.end()) return it->second;
    if (depth > 256) return raw[n];  // cycles were rejected earlier; this only bounds the recursion
    ir::ExprPtr e = ir::substitute(raw[n], [&](const std::string& name) -> ir::ExprPtr {
      return raw.count(name) ? resolve(name, depth + 1) : nullptr;
    });
    done[n] = e;
    return e;
  };
  for (const auto& [n, e] : raw) resolve(n, 0);
  return done;
}

ir::ExprPtr inline_in(const ir::ExprPtr& e, const SubMap& subs) {
  return ir::substitute(e, [&](const std::string& n) -> ir::ExprPtr {
    auto it = subs.find(n);
    return it == subs.end() ? nullptr : it->second;
  });
}

// Renames a neuron group's variables into a synapse scope: x -> x_post (or x_pre), i -> j for post.
ir::ExprPtr rename_into_synapse_scope(const ir::ExprPtr& e, const ir::NeuronGroup& g, bool post) {
  const std::string suffix = post ? "_post" : "_pre";
  return ir::substitute(e, [&](const std::string& n) -> ir::ExprPtr {
    if (g.find_equation(n) || n == "lastspike" || n == "not_refractory") return ir::Expr::name_ref(n + suffix);
    if (n == "i") return ir::Expr::name_ref(post ? "j" : "i");
    if (n == "N") return ir::Expr::name_ref(post ? "N_post" : "N_pre");
    return nullptr;
  });
}

class InlineSubexpressionsPass : public Pass {
 public:
  std::string name() const override { return "inline-subexpressions"; }
  std::string description() const override {
    return "substitute subexpressions at their use sites (they have no storage), as Brian2 does";
  }
  bool run(CompilationUnit& unit, DiagnosticEngine&) override {
    ir::Model& m = unit.model;
    for (auto& g : m.neuron_groups) {
      SubMap subs = inlined_subexpressions(g.equations);
      if (subs.empty()) continue;
      for (auto& eq : g.equations)
        if (eq.kind == ir::Equation::Kind::Differential || eq.has_flag(ir::EquationFlag::ConstantOverDt)) eq.expr = inline_in(eq.expr, subs);
      g.threshold = inline_in(g.threshold, subs);
      for (auto& s : g.reset) s.value = inline_in(s.value, subs);
      if (g.refractory.expr) g.refractory.expr = inline_in(g.refractory.expr, subs);
      for (auto& ie : g.initial) ie.expr = inline_in(ie.expr, subs);
      // IR v2 code strings.
      for (auto& ev : g.events) {
        ev.condition = inline_in(ev.condition, subs);
        for (auto& st : ev.code) st.value = inline_in(st.value, subs);
      }
      for (auto& rr : g.run_regularly)
        for (auto& st : rr.code) st.value = inline_in(st.value, subs);
    }
    for (auto& s : m.synapses) {
      SubMap subs = inlined_subexpressions(s.equations);
      const ir::NeuronGroup* post = m.find_group(s.target.group);
      const ir::NeuronGroup* pre = m.find_group(s.source.group);
      auto add_group = [&](const ir::NeuronGroup* g, bool is_post) {
        if (!g) return;
        for (const auto& [n, e] : inlined_subexpressions(g->equations)) {
          ir::ExprPtr renamed = rename_into_synapse_scope(e, *g, is_post);
          subs.emplace(n + (is_post ? "_post" : "_pre"), renamed);
          if (is_post && !s.find_equation(n)) subs.emplace(n, renamed);  // bare names mean postsynaptic
        }
      };
      add_group(post, true);
      add_group(pre, false);
      if (subs.empty()) continue;
      for (auto& st : s.on_pre) st.value = inline_in(st.value, subs);
      for (auto& ie : s.initial) ie.expr = inline_in(ie.expr, subs);
      // IR v2: pathways, delays, synaptic ODEs and summed variables.
      for (auto& pw : s.pathways) {
        for (auto& st : pw.code) st.value = inline_in(st.value, subs);
        pw.delay_expr = inline_in(pw.delay_expr, subs);
      }
      for (auto& rr : s.run_regularly)
        for (auto& st : rr.code) st.value = inline_in(st.value, subs);
      for (auto& eq : s.equations)
        if (eq.kind == ir::Equation::Kind::Differential || eq.has_flag(ir::EquationFlag::Summed) ||
            eq.has_flag(ir::EquationFlag::ConstantOverDt))
          eq.expr = inline_in(eq.expr, subs);
      if (s.connect.p) s.connect.p = inline_in(s.connect.p, subs);
      if (s.connect.condition) s.connect.condition = inline_in(s.connect.condition, subs);
    }
    return true;
  }
};

}  // namespace

std::unique_ptr<Pass> create_inline_subexpressions_pass() { return std::make_unique<InlineSubexpressionsPass>(); }

}  // namespace modelc::passes::model
