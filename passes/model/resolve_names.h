// Internal to passes/: the name resolution pass class, implemented in resolve_names_pass.cpp (v1
// constructs) and resolve_names_v2.cpp (IR v2 constructs: pathways, delays, synaptic ODEs, summed
// variables, events, run_regularly, inputs, TimedArrays, v2 monitors).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "passes/pass.h"
#include "passes/model/symbols.h"

namespace modelc::passes::model {

class ResolveNamesPass : public Pass {
 public:
  std::string name() const override { return "resolve-names"; }
  std::string description() const override {
    return "resolve every identifier and check the physical dimensions of equations, thresholds, resets, "
           "synaptic code and initial values";
  }
  bool run(CompilationUnit& unit, DiagnosticEngine& diags) override;

 private:
  DiagnosticEngine* diags_ = nullptr;
  const ir::Model* model_ = nullptr;
  bool check_names(const ir::ExprPtr& e, const SymbolTable& scope, const std::set<std::string>& extra = {});
  std::optional<Dimension> dim(const ir::ExprPtr& e, const SymbolTable& scope);
  void check_equations(const std::vector<ir::Equation>& eqs, const SymbolTable& scope);
  void check_subexpression_cycles(const std::vector<ir::Equation>& eqs);
  void check_statements(const std::vector<ir::Stmt>& stmts, const SymbolTable& scope, const std::string& what);
  void check_boolean(const ir::ExprPtr& e, const SymbolTable& scope, const std::string& what);
  void check_initial(const std::vector<ir::NamedExpr>& init, const SymbolTable& scope, bool synapses);

  // IR v2 (resolve_names_v2.cpp).
  void check_neuron_group_v2(const ir::Model& m, ir::NeuronGroup& g, const SymbolTable& scope);
  void check_synapses_v2(const ir::Model& m, const ir::SynapseGroup& s, const SymbolTable& scope);
  void check_model_v2(const ir::Model& m);
  void check_monitor_v2(const ir::Model& m, const ir::Monitor& mon);
  // (shared) writes: allowed in run_regularly (scalar values, before any per-neuron write), an
  // error elsewhere, as in Brian2 (`allows_scalar_write` is only set for its state-update template).
  void check_shared_writes(const std::vector<ir::Stmt>& stmts, const SymbolTable& scope, const std::string& what,
                           bool allowed);
  void check_connect_v2(const ir::SynapseGroup& s, const SymbolTable& scope);
  void check_links(const ir::Model& m, ir::NeuronGroup& g, const SymbolTable& scope);
};


}  // namespace modelc::passes::model
