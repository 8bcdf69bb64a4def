// What a name means inside a piece of code: the scope of a neuron group's or a synapse group's code
// strings. Shared by name resolution, constant folding, subexpression inlining and lowering so that
// all of them agree on Brian2's rules (group constants shadow model constants shadow parameters;
// in synapse code bare names are synaptic variables first, then postsynaptic ones).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ir/model.h"
#include "ir/quantity_eval.h"

namespace modelc::passes::model {

struct Symbol {
  enum class Kind {
    Variable,       // a state variable or parameter of the code's own group (or a synaptic variable)
    Subexpression,  // inlined at use sites
    Constant,       // a named constant or parameter: folded to a literal
    Builtin,        // t, dt, i, j, N
    PreVariable,    // synapse code: a variable of the presynaptic group (x_pre)
    PostVariable,   // synapse code: a variable of the postsynaptic group (x_post or bare x)
    Function,       // IR v2: a TimedArray, called as name(t) or name(t, i); `dim` is its result's
  };
  Kind kind = Kind::Variable;
  Dimension dim;
  ir::ValueType type = ir::ValueType::Float;
  std::string owner;     // group that stores it (Variable, Pre/PostVariable)
  std::string variable;  // its name in the owner
  double value = 0.0;    // Constant / Builtin N
  const ir::Equation* equation = nullptr;  // defining equation, when there is one
  bool is_ode = false;
  bool read_only = false;  // constants, built-ins, subexpressions, (constant) parameters
  // IR v2: one value for the whole group (Brian2 `(shared)`); for linked variables, whether the
  // linked source is shared.
  bool shared = false;
  // IR v2: a `(linked)` parameter: `owner`/`variable` name the source, read through this link.
  const ir::Link* link = nullptr;
};

class SymbolTable {
 public:
  void add(const std::string& name, Symbol s) { symbols_[name] = std::move(s); }
  const Symbol* find(const std::string& name) const;
  std::vector<std::string> names() const;
  ir::DimensionLookup dimension_lookup() const;
  ir::QuantityLookup constant_lookup() const;

 private:
  std::map<std::string, Symbol> symbols_;
};

SymbolTable neuron_scope(const ir::Model& model, const ir::NeuronGroup& group);
SymbolTable synapse_scope(const ir::Model& model, const ir::SynapseGroup& syn);

// IR v2: `xi` or `xi_<name>`, white noise in stochastic equations.
bool is_noise_name(const std::string& name);

// Synapse code: `N_incoming` or `N_outgoing`, the in-degree of the synapse's target and the
// out-degree of its source within the group (one value per synapse, not per group).
bool is_degree_builtin(const std::string& name);

// IR v2, Brian2's scalar/vector split (brian2/codegen/translation.py make_statements): an expression
// is scalar when it only reads shared variables, constants, t, dt, N and scalar temporaries (no i/j,
// no per-neuron variable, no rand()/randn()). A statement is scalar when it writes a shared variable,
// or declares a temporary with a scalar value; scalar statements run once per code object.
bool is_scalar_expression(const ir::ExprPtr& e, const SymbolTable& scope, const std::set<std::string>& scalar_locals);
struct ScalarSplit {
  std::vector<ir::Stmt> scalar, vector;
  std::set<std::string> scalar_locals;  // temporaries declared by scalar statements
};
ScalarSplit split_scalar_statements(const std::vector<ir::Stmt>& code, const SymbolTable& scope);

// True when `e` evaluates to a boolean (comparison, and/or/not, True/False, boolean variable).
bool is_boolean_expression(const ir::ExprPtr& e, const SymbolTable& scope);

}  // namespace modelc::passes::model
