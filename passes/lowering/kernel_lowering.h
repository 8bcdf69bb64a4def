// Internal to passes/: the lowering from the model IR to the kernel IR, split over
// kernel_lowering_pass.cpp (v1: storage, neuron kernels, monitors, schedule),
// kernel_lowering_synapses.cpp (IR v2 synapses: pathways, delays, summed and clock-driven updates)
// and kernel_lowering_v2.cpp (IR v2 neuron constructs, inputs, TimedArrays, monitors).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ir/kernel_ir.h"
#include "ir/model.h"
#include "passes/model/symbols.h"

namespace modelc::passes::lowering {

using kir::Type;

inline int rank(Type t) {
  switch (t) {
    case Type::Bool: return 0;
    case Type::Int32: return 1;
    case Type::Int64: return 2;
    case Type::Float: return 3;
    case Type::Double: return 4;
  }
  return 4;
}
inline Type promote(Type a, Type b) { return rank(a) >= rank(b) ? a : b; }
inline kir::ExprP convert(kir::ExprP e, Type t) { return e->type == t ? e : kir::cast(std::move(e), t); }

struct CodeContext {
  const model::SymbolTable* scope = nullptr;
  const ir::NeuronGroup* group = nullptr;   // neuron code
  const ir::SynapseGroup* syn = nullptr;    // synapse code
  std::map<std::string, Type> locals;
  bool double_literals = false;  // inside timestep(): time arithmetic stays in double
  // Brian2 writes a variable of an ODE flagged (unless refractory) only while the neuron is not
  // refractory, from every code object except the state updater (which has its own _select), the
  // thresholder and the resetter; so synaptic pathways, PoissonInput, run_regularly and event code
  // keep this true.
  bool conditional_writes = true;
};

class Lowerer {
 public:
  Lowerer(const ir::Model& m, DiagnosticEngine& diags, std::vector<std::pair<std::string, std::string>>& decisions)
      : m_(m), diags_(diags), decisions_(decisions) {
    scalar_ = m.precision == ir::Precision::Float ? Type::Float : Type::Double;
  }
  std::optional<kir::Program> lower();

 private:
  const ir::Model& m_;
  DiagnosticEngine& diags_;
  std::vector<std::pair<std::string, std::string>>& decisions_;
  Type scalar_;
  kir::Program prog_;
  uint32_t next_stream_ = 1;
  std::map<std::pair<std::string, std::string>, std::string> buffer_of_;  // (owner, variable) -> buffer
  std::set<std::string> used_names_;
  std::map<const ir::Link*, std::string> link_tables_;  // IR v2: index arrays of (linked) variables

  std::string unique_name(const std::string& base);
  Type type_of(ir::ValueType t) const {
    return t == ir::ValueType::Float ? scalar_ : t == ir::ValueType::Integer ? Type::Int32 : Type::Bool;
  }
  void add_buffer(const std::string& owner, const std::string& var, Type t, kir::BufferRole role, int64_t size,
                  const std::string& unit);
  std::string buffer(const std::string& owner, const std::string& var) const {
    auto it = buffer_of_.find({owner, var});
    return it == buffer_of_.end() ? std::string() : it->second;
  }

  kir::ExprP expr(const ir::ExprPtr& e, CodeContext& c);
  kir::ExprP variable(const std::string& n, const SourceLoc& loc, CodeContext& c);
  kir::ExprP var_index(const model::Symbol& s, CodeContext& c);
  kir::ExprP call(const ir::Expr& e, CodeContext& c);
  kir::ExprP binary(const ir::Expr& e, CodeContext& c);
  void statement(const ir::Stmt& s, CodeContext& c, kir::Block& out);
  // Wraps a store into `owner.variable` in `if (not_refractory[index])` where Brian2 would.
  kir::Stmt guard_conditional_write(kir::Stmt st, const std::string& owner, const std::string& variable,
                                    const CodeContext& c) const;
  void statements(const std::vector<ir::Stmt>& ss, CodeContext& c, kir::Block& out) {
    for (const auto& s : ss) statement(s, c, out);
  }
  size_t add_kernel(kir::Kernel k) {
    prog_.kernels.push_back(std::move(k));
    return prog_.kernels.size() - 1;
  }

  // The operations of a step, each one Brian2 object (a state updater, a thresholder, a pathway, a
  // monitor, ...) with its slot, order and Brian2 object name; lower() sorts them by (slot, order,
  // name) into Program::step_tasks, as Brian2's Network.sorted_objects (ir/schedule.h).
  struct Operation {
    int slot = 0;
    int64_t order = 0;
    std::string name;
    std::vector<kir::Task> tasks;
  };
  std::vector<Operation> operations_;
  // Adds an operation placed where `s` says, else in slot `when` at `order`; returns its place.
  std::pair<int, int64_t> schedule(const ir::Scheduling& s, const std::string& when, int64_t order, const std::string& name,
                                   const std::vector<size_t>& kernels);
  void schedule_tasks(const ir::Scheduling& s, const std::string& when, int64_t order, const std::string& name,
                      std::vector<kir::Task> tasks);
  // Where each (population, event) is emitted: spike and event monitors record right after it.
  std::map<std::pair<std::string, std::string>, std::pair<int, int64_t>> emitted_at_;

  // --- IR v2 (kernel_lowering_v2.cpp, kernel_lowering_synapses.cpp) ---
  void add_synapse_storage(const ir::SynapseGroup& s);
  void lower_neuron_group_v2(const ir::NeuronGroup& g, const model::SymbolTable& scope);
  // The kernel IR synapse group, its init kernel (pre-existing `init_body`), pathways and updates.
  void lower_synapse_group(const ir::SynapseGroup& s);
  void lower_pathway(const ir::SynapseGroup& s, const ir::Pathway& pw, kir::SynapseGroup& sg, CodeContext& c,
                     kir::Block& init_body);
  void lower_poisson_inputs();
  kir::ConnectRule lower_connect(const ir::SynapseGroup& s, CodeContext& c);  // kernel_lowering_connect.cpp
  void lower_monitor_v2(const ir::Monitor& mon, kir::Monitor& km);
  // Permutation from creation order to CSR order for explicit connections (identity otherwise).
  std::vector<size_t> creation_to_csr(const ir::SynapseGroup& s) const;
  kir::ExprP timed_array_call(const ir::Expr& e, CodeContext& c);
  // (kernel_lowering_shared.cpp) Brian2's scalar/vector split: the scalar statements of `code` run once
  // (a kernel over one element), then the vector statements over `domain`; appends the kernel
  // indices to `out`. Scalar temporaries the vector code reads travel through one-element buffers.
  void add_split_kernels(const std::string& name, const kir::Domain& domain, int64_t every_steps,
                         const std::vector<ir::Stmt>& code, const CodeContext& c, std::vector<size_t>& out);
  // (constant over dt) subexpressions: storage and the kernel that evaluates them every step.
  void lower_constant_over_dt(const ir::NeuronGroup& g, const model::SymbolTable& scope);
  void lower_constant_over_dt(const ir::SynapseGroup& s, const model::SymbolTable& scope);
  // The element of a (linked) variable's source read at neuron `base` of the linking group.
  kir::ExprP linked_index(const model::Symbol& s, kir::ExprP base);
  void add_timed_array_buffers();
  // N_incoming / N_outgoing of synapse group `s`: a load of its per-target / per-source count,
  // whose buffer (and the init kernel that counts) is made on first use.
  kir::ExprP synapse_degree(const std::string& name, const ir::SynapseGroup& s);
  void add_degree_kernels();
  std::vector<std::string> degree_groups_;  // synapse groups that read a degree, in first-use order
  void add_initial_arrays(const std::string& owner, const std::vector<ir::NamedExpr>& init, const std::vector<size_t>* perm);
};
}  // namespace modelc::passes::lowering
