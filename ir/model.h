// The model IR: what the JSON model file says, parsed and with every quantity evaluated to SI, but
// still at Brian2's level (equations, abstract code statements). Passes refine it (resolved names,
// chosen integration method, abstract state-update code) before it is lowered to the kernel IR.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/results_naming.h"
#include "support/units.h"
#include "ir/expr.h"
#include "ir/schedule.h"

namespace modelc::ir {

constexpr int kIrVersion = 2;     // the newest version modelc reads (docs/ir-v2.md)
constexpr int kMinIrVersion = 1;  // the oldest; v1 files keep their meaning under v2

enum class ValueType { Float, Integer, Boolean };
const char* value_type_name(ValueType t);

// The closed sets of choices the model IR records. Each has the names of the JSON form (docs/ir.md),
// read by parse_* (nullopt for an unknown name) and written by name().

// Integration methods, Brian2's names ("linear" is read as Exact). Auto: choose like Brian2 (as
// requested) / not chosen yet (as chosen); None: the group has no differential equations.
enum class Method { Auto, None, Exact, Euler, Rk2, Rk4, ExponentialEuler, Heun };
std::string_view name(Method m);
std::optional<Method> parse_method(std::string_view text);

// The connectivity storage a synapse group asks for; Auto: choose-connectivity decides.
enum class ConnectivityRequest { Auto, Sparse, Dense, Bitmask, Procedural };
std::string_view name(ConnectivityRequest c);
std::optional<ConnectivityRequest> parse_connectivity_request(std::string_view text);

// How a synapse group asks its heterogeneous delays to be buffered; Auto: choose-delay-buffering
// decides.
enum class DelayBufferingRequest { Auto, Queues, Dendritic };
std::string_view name(DelayBufferingRequest d);
std::optional<DelayBufferingRequest> parse_delay_buffering_request(std::string_view text);

// How a synapse group asks its spikes to be propagated on GPU backends; Auto: choose-connectivity
// decides by its GPU cost model. Presynaptic: a block per spike walks its row (atomics into the
// targets); Postsynaptic: a thread per target loops over the step's spikes (no atomics, the CPU's
// order). CPU backends push serially whatever is asked.
enum class PropagationRequest { Auto, Presynaptic, Postsynaptic };
std::string_view name(PropagationRequest p);
std::optional<PropagationRequest> parse_propagation_request(std::string_view text);

// Brian2's equation flags.
enum class EquationFlag { Constant, Shared, Linked, UnlessRefractory, ConstantOverDt, EventDriven, ClockDriven, Summed };
std::string_view name(EquationFlag f);
std::optional<EquationFlag> parse_equation_flag(std::string_view text);
const std::vector<EquationFlag>& all_equation_flags();

// One line of Brian2's equation language.
struct Equation {
  enum class Kind { Differential, Subexpression, Parameter };
  Kind kind = Kind::Parameter;
  std::string name;
  ExprPtr expr;                    // right-hand side; null for parameters
  Dimension dim;                   // of the variable (for ODEs: of the variable, not the derivative)
  ValueType type = ValueType::Float;
  std::string unit_text;           // as written: "volt", "1", "boolean", "siemens/meter**2"
  std::vector<EquationFlag> flags;  // in the order written
  SourceLoc loc;                   // whole equation
  SourceLoc name_loc, unit_loc, flags_loc;

  bool has_flag(EquationFlag f) const;
};
std::string to_string(const Equation& eq);

struct NamedExpr {  // "initial" entries and similar name -> expression maps, in file order
  std::string name;
  ExprPtr expr;
  std::string json_pointer;
  bool si_number = false;  // written as a bare JSON number: a value in SI units, not dimension-checked
  // IR v2: an array (inline or .npy) instead of an expression: one SI value per neuron / synapse
  // (synapses: in creation order). `expr` is null then.
  std::optional<std::vector<double>> values;
};

// IR v2: a custom event of a neuron group (Brian2's `events={'name': 'cond'}` + `run_on_event`).
struct CustomEvent {
  std::string name;
  ExprPtr condition;
  std::vector<Stmt> code;        // run in the `resets` slot for each neuron with the event
  bool refractory = false;       // true: the event cannot happen while the neuron is refractory
  std::string json_pointer;
  // Brian2's `<group>_<event>_thresholder` (default after_thresholds) and `_resetter` (the
  // run_on_event code, default after_resets); both default to the group's order.
  Scheduling condition_schedule, code_schedule;
};

// IR v2: `G.run_regularly(code, dt=, when=)`.
struct RunRegularly {
  std::vector<Stmt> code;
  int64_t every_steps = 1;
  Scheduling schedule;  // default: start (order -1, before the state monitors, golden decision 1), else order 0
  std::string json_pointer;
};

// IR v2: `linked_var(G, 'v', index=...)` for a parameter flagged (linked).
struct Link {
  std::string variable;  // the (linked) parameter of this group
  std::string group, source_variable;
  ExprPtr index;                                // of i; null = i
  std::optional<std::vector<int64_t>> indices;  // explicit index array
  std::string json_pointer;
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
  enum class Kind { Neurons, Poisson, SpikeGenerator };  // IR v2 `kind`
  Kind kind = Kind::Neurons;
  std::string name;
  int64_t size = 0;
  std::vector<Equation> equations;
  std::map<std::string, Quantity> constants;  // group-local named constants, evaluated
  ExprPtr threshold;                          // null: the group never spikes
  std::vector<Stmt> reset;
  Refractory refractory;
  Method method = Method::Auto;               // as requested
  std::vector<NamedExpr> initial;
  std::string json_pointer;                   // "/neuron_groups/0"

  // IR v2.
  ExprPtr rates;                              // Poisson: Hz, may use t, i and TimedArrays
  std::vector<int64_t> generator_indices;     // SpikeGenerator: spikes (index, time in s)
  std::vector<double> generator_times;
  double generator_period = 0.0;              // s; 0 = no repetition
  std::vector<CustomEvent> events;            // custom events (the spike event is not listed)
  std::vector<RunRegularly> run_regularly;
  std::vector<Link> links;
  // Brian2's NeuronGroup(order=): the default order of the group's own operations, below.
  int64_t order = 0;
  Scheduling state_update_schedule, threshold_schedule, reset_schedule, constant_over_dt_schedule;

  // Filled in by StateUpdateLoweringPass: the method used and Brian2-style abstract code for one
  // step (temporaries begin with '_'; may call the internal functions `_select(c, a, b)` and
  // `timestep(t, dt)`). Runs for every neuron in the 'groups' slot.
  Method chosen_method = Method::Auto;
  std::vector<Stmt> state_update;

  const Equation* find_equation(const std::string& name) const;
};

// IR v2: one synaptic pathway (`on_pre={'pre': ...}`, `on_post`): code run for every synapse of an
// event of the source (pre pathways) or target (post pathways), after the pathway's delay.
struct Pathway {
  std::string name;                 // "pre", "post", "pre2", ...
  bool post = false;                // an on_post pathway: triggered by the target's events
  std::string event = "spike";      // the triggering event (`on_event`)
  std::vector<Stmt> code;
  std::optional<Quantity> delay;    // homogeneous delay (time); none = 0 unless one of the next two
  ExprPtr delay_expr;               // heterogeneous: per-synapse expression (may use i, j, rand())
  std::optional<std::vector<double>> delay_values;  // heterogeneous: per-synapse seconds, creation order
  std::string json_pointer;         // of the code
  std::string delay_pointer;        // of the delay entry, "" when none
  Scheduling schedule;              // Brian2's `<synapses>_<name>`: synapses, order -1 (pre) / 1 (post)
  // Filled in by SynapticEquationsPass: brings the event-driven variables up to date (before `code`).
  std::vector<Stmt> event_driven_update;

  bool heterogeneous_delay() const { return delay_expr || delay_values; }
};

// IR v2: `connect(j='ELEMENT for VAR in range(...)|sample(...) if COND')` (Brian2's generator syntax).
struct ConnectGenerator {
  enum class Iterator { None, Range, SampleP, SampleSize };  // None: `j` is a plain expression of i
  Iterator iterator = Iterator::None;
  std::string variable;      // the inner variable (k)
  ExprPtr low, high, step;   // range / sample bounds (low defaults to 0, step to 1); may use i
  ExprPtr p, size;           // SampleP / SampleSize; may use i
  ExprPtr element;           // the postsynaptic index, of the inner variable and i
  ExprPtr condition;         // `if` part (null = True); may use the inner variable, i, j, pre/post variables
  SourceLoc loc;             // the whole string
};

struct ConnectSpec {
  enum class Kind { Probability, OneToOne, AllToAll, Explicit, Generator };
  Kind kind = Kind::AllToAll;
  ExprPtr p;          // Probability: may use i, j (null = 1)
  ExprPtr condition;  // Probability: boolean on i, j (null = true)
  std::vector<int64_t> i, j;
  std::string json_pointer;
  // IR v2.
  ExprPtr n;                     // synapses per connected pair, of i, j (null = 1); all generated kinds
  bool skip_if_invalid = false;  // Generator: silently skip targets outside the target group
  ConnectGenerator generator;    // Generator
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
  // "connectivity": the storage the user asks for (docs/ir.md).
  ConnectivityRequest connectivity = ConnectivityRequest::Auto;
  // "propagation": how spikes reach the targets on GPU backends (docs/ir.md).
  PropagationRequest propagation = PropagationRequest::Auto;

  // IR v2. `pathways` is the source of truth for synaptic code; `on_pre` and `delay` above mirror
  // the pathway named "pre" for code written against IR v1.
  std::vector<Pathway> pathways;
  Method method = Method::Auto;               // of clock-driven ODEs
  // How heterogeneous delays are buffered (passes/kernel/delay_buffering_pass.cpp); a request the
  // pass cannot honour is an error at `delay_buffering_pointer`.
  DelayBufferingRequest delay_buffering = DelayBufferingRequest::Auto;
  std::string delay_buffering_pointer;
  // Brian2's Synapses(order=) (the default order of the clock-driven state update) and the places of
  // the state update and of each summed variable (by its name, `g_post`).
  int64_t order = 0;
  Scheduling state_update_schedule;
  std::map<std::string, Scheduling> summed_schedule;
  // IR v2: `S.run_regularly(code, dt=, when=)`: code over every synapse (scalar statements once).
  std::vector<RunRegularly> run_regularly;
  // Filled in by SynapticEquationsPass: clock-driven state update (every synapse, every step).
  Method chosen_method = Method::Auto;
  std::vector<Stmt> state_update;

  const Pathway* find_pathway(const std::string& name) const;
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
  // IR v2.
  std::string event = "spike";                // Spikes: the recorded event ("events" monitors)
  bool synapses = false;                      // State: `source` names a synapse group
  std::string synapse_group;                  // ... that one (source.group is then empty)
  Scheduling schedule;
};

// The arrays a monitor's results consist of, as (field, what) pairs; each is written to
// `<monitor>_<field>.npy` (docs/ir.md, "Monitor"). The one list the results writer and the
// file-name collision check in resolve-names both use.
struct MonitorField {
  std::string field;
  std::string what;  // "spike times", "variable v", ...
};
std::vector<MonitorField> monitor_fields(Monitor::Kind kind, const std::vector<std::string>& variables);
using support::monitor_file;  // support/results_naming.h

// IR v2: `TimedArray` declared at top level: a function name(t) (1-D) or name(t, i) (2-D).
struct TimedArray {
  std::string name;
  std::vector<double> values;  // SI, row-major [steps][columns]
  int64_t rows = 0, columns = 1;  // columns = 1 and two_d = false for 1-D
  bool two_d = false;
  double dt = 0.0;             // seconds per row
  Dimension dim;               // of the values
  std::string json_pointer;
};

// IR v2: `PoissonInput(target, variable, N, rate, weight)`.
struct PoissonInput {
  std::string name;
  GroupSlice target;
  std::string variable;
  int64_t n = 0;
  double rate = 0.0;  // Hz
  ExprPtr weight;
  std::string json_pointer;
  Scheduling schedule;  // default synapses, order 0
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
  std::vector<TimedArray> timed_arrays;    // IR v2
  std::vector<PoissonInput> poisson_inputs;  // IR v2
  std::string file_name;   // for diagnostics and the manifest

  int64_t steps() const;   // round(duration / dt)
  NeuronGroup* find_group(const std::string& name);
  const NeuronGroup* find_group(const std::string& name) const;
  const SynapseGroup* find_synapses(const std::string& name) const;
  const TimedArray* find_timed_array(const std::string& name) const;
};

// Readable dump of the whole model IR (for --print-after and golden tests).
std::string to_string(const Model& m);

}  // namespace modelc::ir
