// The model IR: what the JSON model file says, parsed and with every quantity evaluated to SI, but
// still at Brian2's level (equations, abstract code statements). Passes refine it (resolved names,
// chosen integration method, abstract state-update code) before it is lowered to the kernel IR.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "frontend/units.h"
#include "ir/expr.h"

namespace modelc::ir {

constexpr int kIrVersion = 1;

enum class ValueType { Float, Integer, Boolean };
const char* value_type_name(ValueType t);

// One line of Brian2's equation language.
struct Equation {
  enum class Kind { Differential, Subexpression, Parameter };
  Kind kind = Kind::Parameter;
  std::string name;
  ExprPtr expr;                    // right-hand side; null for parameters
  Dimension dim;                   // of the variable (for ODEs: of the variable, not the derivative)
  ValueType type = ValueType::Float;
  std::string unit_text;           // as written: "volt", "1", "boolean", "siemens/meter**2"
  std::vector<std::string> flags;  // "constant", "shared", "unless refractory", "constant over dt", ...
  SourceLoc loc;                   // whole equation
  SourceLoc name_loc, unit_loc, flags_loc;

  bool has_flag(const std::string& f) const;
};
std::string to_string(const Equation& eq);

struct NamedExpr {  // "initial" entries and similar name -> expression maps, in file order
  std::string name;
  ExprPtr expr;
  std::string json_pointer;
  bool si_number = false;  // written as a bare JSON number: a value in SI units, not dimension-checked
};

struct GroupSlice {  // "P" or "P[0:3200]"
  std::string group;
  int64_t start = 0;
  int64_t stop = -1;  // -1 until resolved (whole group)
  std::string json_pointer;
};

struct Refractory {
  enum class Kind { None, Time, Condition };
  Kind kind = Kind::None;
  ExprPtr expr;  // a duration (constant or per-neuron expression) or a boolean condition
};

struct NeuronGroup {
  std::string name;
  int64_t size = 0;
  std::vector<Equation> equations;
  std::map<std::string, Quantity> constants;  // group-local named constants, evaluated
  ExprPtr threshold;                          // null: the group never spikes
  std::vector<Stmt> reset;
  Refractory refractory;
  std::string method;                         // as requested ("" = choose like Brian2)
  std::vector<NamedExpr> initial;
  std::string json_pointer;                   // "/neuron_groups/0"

  // Filled in by StateUpdateLoweringPass: the method used and Brian2-style abstract code for one
  // step (temporaries begin with '_'; may call the internal functions `_select(c, a, b)` and
  // `timestep(t, dt)`). Runs for every neuron in the 'groups' slot.
  std::string chosen_method;
  std::vector<Stmt> state_update;

  const Equation* find_equation(const std::string& name) const;
};

struct ConnectSpec {
  enum class Kind { Probability, OneToOne, AllToAll, Explicit };
  Kind kind = Kind::AllToAll;
  ExprPtr p;          // Probability: may use i, j (null = 1)
  ExprPtr condition;  // Probability: boolean on i, j (null = true)
  std::vector<int64_t> i, j;
  std::string json_pointer;
};

struct SynapseGroup {
  std::string name;
  GroupSlice source, target;
  std::vector<Equation> equations;            // per-synapse variables (w : volt, ...)
  std::map<std::string, Quantity> constants;  // group-local named constants
  std::vector<Stmt> on_pre;
  std::optional<Quantity> delay;              // homogeneous delay (time); none = 0
  ConnectSpec connect;
  std::vector<NamedExpr> initial;
  std::string json_pointer;                   // "/synapses/0"

  const Equation* find_equation(const std::string& name) const;
};

struct Monitor {
  enum class Kind { Spikes, State, Rate };
  Kind kind = Kind::Spikes;
  std::string name;
  GroupSlice source;
  std::vector<std::string> variables;         // State
  std::optional<std::vector<int64_t>> indices;  // nullopt = all neurons of the slice
  int64_t every = 1;                          // State: record every k steps
  std::string json_pointer;
};

enum class Precision { Double, Float };

struct Model {
  int ir_version = kIrVersion;
  std::string name;
  double dt = 1e-4;        // seconds
  double duration = 0.0;   // seconds
  uint64_t seed = 0;
  Precision precision = Precision::Double;
  std::map<std::string, Quantity> parameters;  // evaluated, after --set overrides
  std::map<std::string, Quantity> constants;   // model-wide named constants, evaluated
  std::vector<NeuronGroup> neuron_groups;
  std::vector<SynapseGroup> synapses;
  std::vector<Monitor> monitors;
  std::string file_name;   // for diagnostics and the manifest

  int64_t steps() const;   // round(duration / dt)
  NeuronGroup* find_group(const std::string& name);
  const NeuronGroup* find_group(const std::string& name) const;
};

// Readable dump of the whole model IR (for --print-after and golden tests).
std::string to_string(const Model& m);

}  // namespace modelc::ir
