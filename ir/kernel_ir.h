// The kernel IR: what every backend consumes. A Program is a set of device buffers, the static
// description of populations / synapse groups / monitors, and kernels whose bodies are C-level
// statement trees with a launch domain. Units and Brian2 names are gone here: everything is SI,
// typed, and indexed explicitly. One C-style printer (codegen/c_printer.h) prints kernel bodies for the
// CPU, OpenCL and CUDA backends; the backends differ only in how they iterate a domain, how they
// express atomics, and their dialect.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ir/expr.h"  // for ir::Op

namespace modelc::kir {

enum class Type { Bool, Int32, Int64, Float, Double };
const char* type_name(Type t);  // "bool", "int32", "int64", "float", "double"
bool is_floating(Type t);

struct Expr;
using ExprP = std::shared_ptr<const Expr>;

struct Expr {
  enum class Kind {
    Literal,  // value in `f` (Float/Double), `i` (Int32/Int64) or `b` (Bool)
    Local,    // a kernel-local variable `name` declared earlier in the body
    Builtin,  // a value supplied by the domain: see "Built-in names" below
    Load,     // buffer `name` at index args[0] (an Int64 expression)
    Unary,    // op args[0]: Neg, Not
    Binary,   // args[0] op args[1]: arithmetic, comparison, And/Or. Pow never appears (lowered to
              // multiplies or Call "pow"); FloorDiv and Mod follow Python semantics (floor).
    Call,     // math function `name`, see "Functions" below
    Select,   // args[0] ? args[1] : args[2]
    Cast,     // convert args[0] to `type`
    Random,   // a counter-based random draw: `name` is "uniform" or "normal", `stream` the call-site id
  };
  Kind kind = Kind::Literal;
  Type type = Type::Double;
  double f = 0.0;
  int64_t i = 0;
  bool b = false;
  std::string name;
  ir::Op op = ir::Op::Add;
  uint32_t stream = 0;
  std::vector<ExprP> args;
};

// Built-in names (Expr::Kind::Builtin), typed as noted:
//   "t"     Double  time at the start of the current step, step * dt (init kernels: 0)
//   "step"  Int64   the current step number
//   "i"     Int64   Neurons/Spikes domains: the neuron index within the population.
//                   SynapticEvents/Synapses domains: the presynaptic index relative to the
//                   synapse group's source slice.
//   "j"     Int64   SynapticEvents/Synapses: postsynaptic index relative to the target slice.
//   "syn"   Int64   SynapticEvents/Synapses: the synapse index (position in the CSR arrays).
//   (IR v2) PostSynapticEvents/QueuedEvents domains define "i", "j" and "syn" like SynapticEvents.
//   "ring_slot" Int64  DendriticEvents/DendriticDrain: start of a dendritic ring row (see Domain).
//   "merged_param_K" (K = 0, 1, ...) any type: in a Kernel::merged kernel, member m's params[K], a
//                   literal that differs between the members of the merged group.
// Random draws use the domain's element index (i for neuron domains, syn for synapse domains) as
// counter, together with the step and the stream: see abi/philox.h.
//
// Functions (Expr::Kind::Call), arguments and result in the scalar type unless noted:
//   exp log log10 sqrt fabs sin cos tan sinh cosh tanh asin acos atan floor ceil pow expm1 log1p
//   "exprel" (expm1(x)/x, 1 at x = 0), "sign" (-1/0/1), "clip"(x, lo, hi), "fmin" "fmax",
//   "timestep"(t, dt) -> Int64: (int64)((t + 1e-3*dt)/dt), Brian2's rounding of times to steps.
//
// Random draws (Expr::Kind::Random), IR v2 addition: `name` "binomial" with args {n (Int64),
// p (Double)} draws Binomial(n, p) exactly as Brian2's BinomialFunction: the normal approximation
// randn()*sqrt(n p (1-p)) + n p when n p > 5 and n (1-p) > 5 (not rounded, as in Brian2), else
// inversion (Brian2's algorithm). Result type `type` (the scalar type). CPU reference:
// mc_binomial_double/float in backends/cpu/support/cpu_support.h. Extra uniforms of the inversion
// use element + (k << 40) for the k-th redraw.

struct Stmt;
using Block = std::vector<Stmt>;

struct Stmt {
  enum class Kind {
    Declare,     // Type `type` local `name` = value (value may be null: uninitialised)
    Assign,      // local `name` = value
    Store,       // buffer `name`[index] = value
    Accumulate,  // buffer `name`[index] op= value, op one of Add Sub Mul Div. `conflicting` is true
                 // when several iterations of the domain may hit the same element concurrently
                 // (synaptic input into a postsynaptic variable): parallel backends use atomics.
    If,          // if (value) { then_body } else { else_body }
    EmitSpike,   // the element `index` spikes this step: append it to the population's spike list
                 // (IR v2: the list of the kernel's `event`, see Kernel::event)
  };
  Kind kind = Kind::Assign;
  Type type = Type::Double;
  std::string name;
  ExprP index;
  ExprP value;
  ir::Op op = ir::Op::Add;
  bool conflicting = false;
  Block then_body, else_body;
};

enum class BufferRole {
  NeuronState,    // a per-neuron (size N) or shared (size 1) variable of a population
  SynapseState,   // a per-synapse variable (size = the synapse count, known after connect)
  Internal,       // lastspike / not_refractory and other bookkeeping
  // IR v2 additions:
  Table,          // read-only data filled from `init_values` at creation (TimedArray values)
  // Delay buffering (passes/kernel/delay_buffering_pass.cpp): the dendritic ring of a pathway, `depth` rows
  // of `size` elements (size = the target slice of the synapse group `owner`; row r holds the input
  // due at the steps s with s % depth == r). depth = 1 + the largest delay in steps, known only at
  // the end of mc_init: backends allocate depth * size zeroed elements there, not at creation.
  DelayRing,
};

struct Buffer {
  std::string name;    // unique C identifier, e.g. "P_v", "Ce_w"
  Type type = Type::Double;
  BufferRole role = BufferRole::NeuronState;
  std::string owner;   // population or synapse group name
  std::string variable;  // the model variable it holds ("v", "w", "lastspike")
  std::string unit;    // for the results manifest, e.g. "volt"
  int64_t size = 0;    // elements; for SynapseState 0 = "the owner's synapse count"
  // IR v2: initial contents (SI values converted to `type`), applied when the buffer is allocated,
  // before any init kernel. Empty = zero-filled. For per-synapse buffers the length must equal the
  // synapse count built at run time (else mc_init fails with a message); arrays from the model file
  // are in CSR order already (the lowering permutes creation order to CSR order).
  std::vector<double> init_values{};
};

// IR v2: a custom event list of a population (Brian2 `events`). Like the spike list: a ring of
// `history` slots of [size] indices, slot (step % history) holding the neurons with the event at
// `step`, ascending.
struct EventList {
  std::string name;
  int64_t history = 1;
};

// IR v2: a SpikeGeneratorGroup's spikes, sorted by (step, index). With `period_steps` > 0 the
// pattern repeats: at step s the neurons with steps[k] == s % period_steps spike (Brian2's period).
struct SpikeGeneratorTable {
  std::vector<int64_t> steps;
  std::vector<int64_t> indices;
  int64_t period_steps = 0;
};

struct Population {
  std::string name;
  int64_t size = 0;
  // Spike history ring depth: 1 + the largest delay (in steps) of any synapse group reading this
  // population's spikes. Slot (step % history) holds the spikes emitted at `step`.
  int64_t history = 1;
  // IR v2: custom events (Kernel::event, Domain::event name them) and spike generator data.
  std::vector<EventList> events{};
  std::optional<SpikeGeneratorTable> generator{};
  // Distributed runs (plan-partition): computed whole by every rank instead of split into
  // contiguous ranges, because some rank reads its state at indices it does not own.
  bool replicated = false;
  const EventList* find_event(const std::string& name) const;
};

struct ConnectRule {
  enum class Kind { Probability, OneToOne, AllToAll, Explicit, Generator /* IR v2 */ };
  Kind kind = Kind::AllToAll;
  // Probability: for each pre i (source slice) and candidate post j (target slice), a synapse exists
  // when `condition` (Bool, may be null = true) holds and a uniform draw is < `p` (scalar, may use
  // "i" and "j"; null = 1). `p_depends_on_j` tells whether geometric skipping is allowed (p and
  // condition independent of j). Draws: abi/philox.h mc_uniform with element = i,
  // step = running draw number within row i, stream = `stream`.
  ExprP p;
  ExprP condition;
  bool depends_on_j = true;  // p or condition uses j
  uint32_t stream = 0;
  std::vector<int64_t> explicit_i, explicit_j;  // Explicit (relative to the slices)
  // IR v2 additions (docs/ir-v2.md, connect). `n`: Int64 number of synapses per connected pair (may
  // use "i", "j" and pre/post loads; null = 1; negative counts create none); used by Probability and
  // Generator (lowering turns one-to-one / all-to-all with n into generators).
  ExprP n;
  // Generator: Brian2's `j='ELEMENT for VAR in ITERATOR if CONDITION'`. For each pre i (slice
  // relative), VAR (the Int64 kernel local `variable`) runs over the iterator; the synapse target is
  // j = element; pairs with j outside [0, target_size) are skipped when `skip_if_invalid`, else the
  // connection fails at run time with a message. Draws: mc_uniform with element = i, step = running
  // draw number within row i, stream = `stream` (rows are generated twice identically).
  struct Generator {
    enum class Iterator {
      None,        // no iterator: one candidate, j = element (of "i")
      Range,       // VAR = low, low + step, ... while < high (step > 0) or > high (step < 0)
      SampleP,     // the range's values, each kept with probability p (independently)
      SampleSize,  // `size` of the range's values, uniformly without replacement, in range order
    };
    Iterator iterator = Iterator::None;
    std::string variable;    // kernel-local name of the inner variable
    ExprP low, high, step;   // Int64, of "i" (low null = 0, step null = 1)
    ExprP p;                 // SampleP: Double, of "i"
    ExprP size;              // SampleSize: Int64, of "i"
    ExprP element;           // Int64: j, of `variable` and "i"
    ExprP condition;         // Bool, of `variable`, "i", "j" (null = true)
    bool condition_uses_j = false;  // as Brian2: j is range-checked before a condition that reads it
  };
  Generator generator;
  bool skip_if_invalid = false;
};

// How a synapse group's connectivity is stored and walked (chosen by the choose-connectivity pass,
// passes/kernel/connectivity_strategy_pass.cpp; docs/passes.md "Connectivity strategy"). The defaults are
// what lowering produces and what every backend implements: CSR with int32 post indices, the pre
// array kept, serial presynaptic push. Every storage visits a row's synapses in the same order (j
// ascending, as the CSR build produces them for the rules where another storage is legal), so the
// accumulation order and hence the results are the same whatever the storage.
struct Connectivity {
  enum class Storage {
    Sparse,      // CSR: row pointers int64[S+1], post indices (index_bits wide), pre int32[n] if keep_pre
    Dense,       // row pointers + uint8 count[S][T] (synapses of each pair); a row scans all T targets
    Bitmask,     // row pointers + one bit per pair, uint64 words[S][ceil(T/64)]; rows scanned word by
                 // word (count trailing zeros); only for one synapse per pair
    Procedural,  // nothing stored: a spiking neuron's row is regenerated by the CSR build's row
                 // generator (same counter-based draws), so the synapses are exactly CSR's. Only for
                 // kernels that use neither "syn" nor per-synapse buffers; the synapse count is
                 // computed on demand (mc_synapse_count regenerates every row)
  };
  Storage storage = Storage::Sparse;
  // Dense/Bitmask keep the CSR row pointers, so "syn" (the CSR position: row pointer + running
  // count) and per-synapse buffer indices mean the same as with Sparse.
  int index_bits = 32;   // Sparse: width of the post indices, 16 (target slice <= 65536) or 32
  bool keep_pre = true;  // Sparse: the pre array exists (Synapses-domain kernels, transposed index,
                         // queues and synapse monitors read it); mc_read_synapses rebuilds it otherwise
  // The propagation scheme of SynapticEvents kernels. CPU: "push": serial presynaptic push, rows
  // in spike order, prefetch of the next row.
  std::string propagation = "push";
};
const char* storage_name(Connectivity::Storage s);  // "sparse", "dense", "bitmask", "procedural"

struct SynapseGroup {
  std::string name;
  std::string source;  // population name
  int64_t source_offset = 0, source_size = 0;
  std::string target;
  int64_t target_offset = 0, target_size = 0;
  ConnectRule connect;
  int64_t delay_steps = 0;  // homogeneous delay: spikes of step s are delivered at step s + delay
                            // (IR v2: the delay of the pathway named "pre", else 0)
  // IR v2: the pathways; a v1 model has exactly one: {"pre", pre, "spike", delay_steps, ""}.
  struct Pathway {
    std::string name;          // "pre", "post", "pre2", ...
    bool post = false;         // triggered by the target slice's events, synapses found through the
                               // transposed (post-major) index
    std::string event = "spike";
    int64_t delay_steps = 0;   // homogeneous delay (when delay_buffer is empty)
    // Heterogeneous delays: a per-synapse Double buffer (seconds) whose value is converted to steps
    // once at the end of mc_init, as Brian2's C++ spike queue does: (int64)(delay / dt + 0.5), the
    // same rule as homogeneous delays (half up; see docs/ir-v2.md). Delivery then uses a ring of
    // per-slot synapse lists of depth 1 + max steps (see Domain::Kind::QueuedEvents).
    std::string delay_buffer{};
    // How spikes wait for their delay (decided by choose-delay-buffering; lowering sets the first two):
    //   SpikeHistory: homogeneous delay, the triggering population's spike ring is read at
    //                 step - delay_steps (Population::history covers it).
    //   Queues:       heterogeneous, per-slot synapse lists (Domain::Kind::QueuedEvents).
    //   Dendritic:    heterogeneous, the pathway's effect is summed ahead of delivery into
    //                 `ring_buffer` (BufferRole::DelayRing) at row (step + delay[syn]) % depth
    //                 (Domain::Kind::DendriticEvents) and added to `ring_target` (a variable of the
    //                 target slice) when due (Domain::Kind::DendriticDrain); only legal when the
    //                 kernel only accumulates values fixed at init into ring_target[j].
    enum class Buffering { SpikeHistory, Queues, Dendritic };
    Buffering buffering = Buffering::SpikeHistory;
    std::string ring_buffer{};    // Dendritic: the DelayRing buffer
    std::string ring_target{};    // Dendritic: the target-slice variable the ring drains into
    bool ring_guarded = false;    // Dendritic: the drain adds only where not_refractory (Brian2's
                                  // conditional write of `(unless refractory)` variables)
    std::string ring_guard{};     // ... the target's not_refractory buffer
    int64_t max_delay_steps_estimate = -1;  // Dendritic: compile-time bound on the delays (-1:
                                            // unknown before init); memory estimates only
  };
  std::vector<Pathway> pathways;
  // IR v2: some post pathway exists: backends build the transposed index at init from the CSR:
  // for every target neuron j (slice-relative) the synapses with post j, in ascending synapse order.
  bool needs_transpose = false;
  Connectivity connectivity;  // storage of the synapses (see Connectivity above)
  // Distributed runs (plan-partition): a group lives on the ranks of its target neurons; it is
  // replicated (every synapse on every rank) exactly when its target population is.
  bool replicated = false;
  const Pathway* find_pathway(const std::string& name) const;
};

struct Domain {
  enum class Kind {
    Neurons,         // every neuron of `population`, index "i" (vectorisable: no cross-iteration deps)
    Spikes,          // every neuron of `population` that spiked this step, index "i"
    SynapticEvents,  // for each spike of synapse group `synapses`' source slice emitted at
                     // step - delay_steps, every synapse of its row: "i", "j", "syn"
    Synapses,        // every synapse of `synapses`: "i", "j", "syn"
    // IR v2 additions:
    PostSynapticEvents,  // for each `event` of the synapse group's target slice emitted at
                         // step - delay_steps of `pathway` (a post pathway), every synapse of its
                         // column (transposed index, ascending syn): "i", "j", "syn"
    QueuedEvents,        // heterogeneous delays of `pathway` (pre or post): first every synapse of
                         // each `event` of this step (rows for pre, columns for post) is inserted
                         // into ring slot (step + delay[syn]) % depth; then the body runs for each
                         // synapse of slot step % depth in insertion order, and the slot is emptied
    SpikeGenerator,      // `population` is a spike generator: emit the neurons of its table for this
                         // step (the body is empty; the kernel emits_spikes)
    // Delay buffering (Pathway::Buffering::Dendritic of `pathway`, a pre pathway):
    DendriticEvents,     // for each `event` of the source slice of this step, every synapse of its
                         // row: "i", "j", "syn", and "ring_slot" (Int64) = ((step + delay[syn]) %
                         // depth) * target_size, the start of the ring row the synapse's input is due in
    DendriticDrain,      // every neuron of the synapse group's target slice: "i" (population index),
                         // "j" (slice-relative) and "ring_slot" = (step % depth) * target_size, the
                         // row due now; runs right after the pathway's DendriticEvents kernel
  };
  Kind kind = Kind::Neurons;
  // Defaulted with {} so that `{kind, population, synapses}` initialisers need not spell the rest.
  std::string population{};
  std::string synapses{};
  // IR v2: the event a Spikes domain iterates (empty or "spike" = spikes) or that triggers a
  // SynapticEvents / PostSynapticEvents / QueuedEvents domain; and the pathway those serve (empty =
  // the synapse group's "pre" pathway, as in v1).
  std::string event{};
  std::string pathway{};
  // IR v2: Neurons domain restricted to [offset, offset + size) of the population (size 0 = all);
  // "i" stays the population index.
  int64_t offset = 0, size = 0;
};

struct Kernel {
  std::string name;  // unique C identifier
  Domain domain;
  Block body;
  // Kernels whose body contains EmitSpike: the population's spike list for this step is cleared
  // before the kernel runs. CPU backends run them serially so spike order is ascending.
  bool emits_spikes = false;
  // IR v2: the event list EmitSpike appends to (empty = the spike list). Its list for this step is
  // cleared before the kernel runs, as for spikes.
  std::string event;
  // IR v2: run only on steps with step % every_steps == 0 (run_regularly).
  int64_t every_steps = 1;
  // Set by fuse-neuron-kernels: the kernels this one replaces, in their original order (e.g.
  // P_update, P_threshold, P_reset). A fused Neurons kernel's body is the update's statements, then
  // the threshold's `if (cond) { emit_spike(i); ... }` with the reset's statements appended inside
  // that if-block. Semantics are those of the body as written (one neuron at a time, ascending);
  // backends may run the top-level statements before the first one containing EmitSpike (the
  // elementwise prefix) vectorised over a block of neurons before the rest. Printed as fused=[...].
  std::vector<std::string> fused_from;
  // Set by fuse-synaptic-propagation on a SynapticEvents kernel (its `body` is then empty and
  // `domain.synapses` names the first group): the synapse groups it serves, in the order their own
  // kernels ran. All read the same source population's `event` with the same delay (spike-history
  // pathways only). One pass over that spike list: for each spike, ascending, every branch whose
  // group's source slice holds it runs its body over the spike's row of that group (i, j, syn as
  // in SynapticEvents). Only built when no branch touches what another writes, so per-target
  // accumulation order equals running the kernels one after another. Printed as `dispatch` lines.
  struct DispatchBranch {
    std::string synapses;  // the synapse group
    std::string kernel;    // the kernel it replaces (for dumps and decisions)
    Block body;
  };
  std::vector<DispatchBranch> dispatch;
  // Set by merge-neuron-groups (GeNN's merged groups) on a whole-population Neurons kernel: the
  // populations it runs over, one member each, in order (member 0 is `domain.population`). The
  // body is written over member 0: its buffers and the literals equal in every member. A member
  // runs that body over its own population, every buffer named in `buffer_renames` (member 0's
  // name -> this member's corresponding buffer: same type, role, variable, population-sized) being
  // replaced, and the built-in "merged_param_K" (see "Built-in names") taking `params[K]` (a
  // Literal of the built-in's type). "i" stays population-relative and random draws keep their
  // streams (merging requires equal streams), so draws equal the unmerged kernels'. Members run
  // one after another, each exactly as its own unmerged kernel would (same loop shape, its own
  // spike list); they touch disjoint buffers, so the order is unobservable. Launched once per step.
  // Printed as `member` lines.
  struct MergedMember {
    std::string population;
    std::string kernel;  // the kernel it replaces (for dumps and decisions)
    std::vector<std::pair<std::string, std::string>> buffer_renames;  // empty for member 0
    std::vector<ExprP> params;
  };
  std::vector<MergedMember> merged;
};

struct Monitor {
  enum class Kind { Spikes, State, Rate };
  Kind kind = Kind::Spikes;
  std::string name;
  std::string population;
  int64_t offset = 0, size = 0;      // the monitored slice of the population
  std::vector<int64_t> indices;      // State: recorded neurons (relative to the slice);
                                     // Spikes: empty = all neurons of the slice
  std::vector<std::string> buffers;  // State: the buffers recorded (one per variable)
  std::vector<std::string> variables;  // State: the variable names, same order
  std::vector<std::string> units;      // State: units of the variables
  int64_t every = 1;                 // State: record when step % every == 0
  // IR v2 additions:
  std::string event;                 // Spikes: the recorded event (empty = spikes)
  // Spikes with variables: `buffers`/`variables`/`units` list them; each event also records the
  // buffers' values at the event's neuron (after the thresholds, before the resets).
  std::string synapses;              // State on a synapse group: `population` is empty, `indices`
                                     // are synapse indices (CSR order) and `buffers` per-synapse buffers
  std::vector<int64_t> storage_indices;  // ... where `indices` (Brian2's synapse indices, creation
                                         // order) are stored: the CSR positions to read
  bool all_synapses = false;         // ... every synapse, in CSR order (count known at run time;
                                     // mc_monitor_info.num_indices is -1, see modelc_abi.h)
};

// What one step does, in order (Brian2's schedule: start, groups, thresholds, synapses, resets).
struct Task {
  enum class Kind { RecordState, RunKernel, RecordSpikes };
  Kind kind = Kind::RunKernel;
  size_t index = 0;  // into Program::kernels or Program::monitors
};

// Distributed runs (plan-partition, docs/distributed.md): a point in the step where the ranks
// exchange the events of split populations that synapses of other ranks consume. Every rank passes
// its own events of the steps since the last exchange and receives everyone's, in rank order.
struct Exchange {
  struct Events {
    std::string population;
    std::string event = "spike";
  };
  std::vector<Events> events;
  size_t before_task = 0;  // runs before step_tasks[before_task]; == step_tasks.size(): end of step
};

struct Program {
  std::string model_name;
  Type scalar = Type::Double;
  double dt = 1e-4;
  int64_t steps = 0;
  uint64_t seed = 0;
  std::vector<Buffer> buffers;
  std::vector<Population> populations;
  std::vector<SynapseGroup> synapse_groups;
  std::vector<Monitor> monitors;
  std::vector<Kernel> kernels;
  std::vector<size_t> init_kernels;  // run once after connectivity is built, in order
  std::vector<Task> step_tasks;      // run every step, in order; RecordSpikes/Rate monitors record
                                     // the spikes of the step after the population's threshold kernel
  // Distributed runs: the exchange points of a step. With exchange_window W > 1 there is one, at
  // the end of the step, and it runs on steps with (step + 1) % W == 0 (every consumer reads
  // events at least W steps old); with W == 1 they run every step, each before the first task that
  // reads events of the current step it covers.
  std::vector<Exchange> exchanges;
  int64_t exchange_window = 1;

  const Buffer* find_buffer(const std::string& name) const;
  const Population* find_population(const std::string& name) const;
  const SynapseGroup* find_synapse_group(const std::string& name) const;
  size_t step_kernel_count() const;  // kernel launches per step (RunKernel tasks)
};

// Textual dump for --print-after and golden IR tests; stable and readable.
std::string to_string(const Expr& e);
std::string to_string(const Program& p);

// Small builders used by lowering and passes.
ExprP lit(double v, Type t);
ExprP lit_int(int64_t v, Type t = Type::Int64);
ExprP lit_bool(bool v);
ExprP builtin(const std::string& name, Type t);
ExprP local(const std::string& name, Type t);
ExprP load(const std::string& buffer, Type t, ExprP index);
ExprP unary(ir::Op op, ExprP a, Type t);
ExprP binary(ir::Op op, ExprP a, ExprP b, Type t);
ExprP call(const std::string& fn, std::vector<ExprP> args, Type t);
ExprP select(ExprP c, ExprP a, ExprP b, Type t);
ExprP cast(ExprP a, Type t);
ExprP random(const std::string& dist, uint32_t stream, Type t);

// The number a literal stands for, seeing through casts of literals to a floating type (lowering
// writes `p = 1` as double(1)); bools are 0/1. nullopt for anything that is not such a constant.
// For decisions taken before fold-kernel-constants runs (storage choice, memory estimates).
std::optional<double> constant_number(const ExprP& e);

// The buffers a piece of kernel IR touches: `loads` (Load expressions, indices included), `stores`
// (targets of Store and Accumulate), `accumulates` (the Accumulate targets among them: a
// read-modify-write), and whether it emits spikes. The one walker backends (kernel signatures) and
// passes (scheduling, legality) use.
struct BufferAccesses {
  std::set<std::string> loads, stores, accumulates;
  bool emits = false;
};
void collect_loads(const ExprP& e, std::set<std::string>& out);
void collect_accesses(const Block& b, BufferAccesses& out);

}  // namespace modelc::kir
