// plan-partition: how a program runs over the ranks of a distributed run (docs/distributed.md).
// The rank count is only known when the module is created, so this decides what does not depend
// on it:
//
// - Which populations are split into contiguous ranges and which are replicated (computed whole
//   by every rank). A synapse group lives on the ranks of its target neurons, so a kernel of a
//   split population or group touches only what its rank owns as long as it indexes its own
//   population by "i" (neuron kernels) or the target by "j" (synapse kernels). Any other access to
//   state that the step changes (a synapse reading or writing v_pre, a linked variable, a shared
//   variable written during the step) would need another rank's values, so the owner becomes
//   replicated; a group writing its source through "i" replicates its target too, because the
//   writes of all its synapses must land on every rank. State that only init writes is fine:
//   every rank runs the neuron initialisers over whole populations.
// - Which events are exchanged: those of split populations that pre pathways read, since their
//   synapses sit on the ranks of the targets.
// - When: every consumer reads events at least `window` steps old, so one exchange every window
//   steps at the end of the step suffices (NEST's min-delay rule). A consumer of this step's
//   events (zero delay, or the per-synapse queues and rings of heterogeneous delays, which take
//   events in the step they happen) forces a window of one step, with each exchange placed after
//   the emitters and before the first task that reads what it covers.
#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "ir/kernel_ir_traversal.h"
#include "passes/passes.h"

namespace modelc::passes::kernel {
namespace {

using kir::Domain;
using kir::Expr;
using kir::Kernel;
using kir::Stmt;

bool neuron_domain(const Domain& d) {
  return d.kind == Domain::Kind::Neurons || d.kind == Domain::Kind::Spikes || d.kind == Domain::Kind::SpikeGenerator;
}

// Builtins an index expression uses, or "?" when it also reads buffers or locals (unknown element).
std::set<std::string> index_builtins(const kir::ExprP& e) {
  std::set<std::string> used;
  kir::walk(e, [&](const Expr& x) {
    if (x.kind == Expr::Kind::Builtin) used.insert(x.name);
    if (x.kind == Expr::Kind::Load || x.kind == Expr::Kind::Local || x.kind == Expr::Kind::Random) used.insert("?");
    return kir::WalkResult::Advance;
  });
  return used;
}

struct Access {
  std::string buffer;
  kir::ExprP index;
  bool write = false;
};

std::vector<Access> accesses(const Kernel& k) {
  std::vector<Access> out;
  auto scan = [&](const kir::Block& b) {
    kir::walk_exprs(b, [&](const Expr& x) {
      if (x.kind == Expr::Kind::Load && !x.args.empty()) out.push_back({x.name, x.args[0], false});
      return kir::WalkResult::Advance;
    });
    kir::walk(b, [&](const Stmt& s) {
      if (s.kind == Stmt::Kind::Store || s.kind == Stmt::Kind::Accumulate) out.push_back({s.name, s.index, true});
      return kir::WalkResult::Advance;
    });
  };
  scan(k.body);
  for (const auto& br : k.dispatch) scan(br.body);
  return out;
}

class PartitionPlanPass : public Pass {
 public:
  std::string name() const override { return "plan-partition"; }
  std::string description() const override {
    return "kernel IR: split or replicated populations, exchanged events and the exchange window of distributed runs";
  }

  bool run(CompilationUnit& unit, DiagnosticEngine&) override {
    if (!unit.program) return true;
    if (!unit.target.has("partition:ranks")) {
      unit.decisions.emplace_back(name(), "not applied: the " + unit.target.backend +
                                              " backend runs in one process only (no partition:ranks)");
      return true;
    }
    kir::Program& p = *unit.program;
    std::vector<size_t> step_kernels;
    for (const auto& t : p.step_tasks)
      if (t.kind == kir::Task::Kind::RunKernel && t.index < p.kernels.size()) step_kernels.push_back(t.index);

    std::set<std::string> written;  // buffers the step changes
    for (size_t k : step_kernels)
      for (const auto& a : accesses(p.kernels[k]))
        if (a.write) written.insert(a.buffer);

    std::map<std::string, std::string> reasons;  // replicated population -> why
    auto replicate = [&](const std::string& pop, const std::string& why) {
      kir::Population* P = find_population(p, pop);
      if (!P || P->replicated) return false;
      P->replicated = true;
      reasons[pop] = why;
      return true;
    };
    auto groups_follow_targets = [&] {
      for (auto& sg : p.synapse_groups) {
        const kir::Population* T = p.find_population(sg.target);
        sg.replicated = T && T->replicated;
      }
    };
    // N_outgoing counts a source neuron's synapses onto every target, but a split group holds only
    // those onto its rank's targets; N_incoming is complete on the target's own rank.
    for (const auto& b : p.buffers)
      if (b.role == kir::BufferRole::Internal && b.variable == "N_outgoing")
        if (const kir::SynapseGroup* sg = p.find_synapse_group(b.owner))
          replicate(sg->target, "synapse group '" + sg->name + "' reads N_outgoing, which counts the synapses onto every target");
    // Replication only grows, so this reaches a fixpoint in at most |populations| rounds.
    for (bool changed = true; changed;) {
      changed = false;
      groups_follow_targets();
      for (size_t ki : step_kernels) {
        const Kernel& k = p.kernels[ki];
        std::set<std::string> home;  // populations this kernel indexes by its own element
        std::string source, target, group;
        if (neuron_domain(k.domain)) {
          home.insert(k.domain.population);
          for (const auto& m : k.merged) home.insert(m.population);
        } else {
          const kir::SynapseGroup* sg = p.find_synapse_group(k.domain.synapses);
          if (!sg) continue;
          source = sg->source, target = sg->target, group = sg->name;
        }
        for (const auto& a : accesses(k)) {
          const kir::Buffer* b = p.find_buffer(a.buffer);
          if (!b || (b->role != kir::BufferRole::NeuronState && b->role != kir::BufferRole::Internal)) continue;
          const kir::Population* owner = p.find_population(b->owner);
          if (!owner) continue;
          const bool changing = a.write || written.count(a.buffer);
          if (!changing) continue;  // init-only state is valid on every rank
          const std::set<std::string> ix = index_builtins(a.index);
          const bool by_i = ix == std::set<std::string>{"i"}, by_j = ix == std::set<std::string>{"j"};
          const std::string what = "kernel '" + k.name + "' " + (a.write ? "writes " : "reads ") + b->owner + "." +
                                   b->variable;
          // A write outside the kernel's own elements must happen on every rank, so the kernel's
          // own population (or the group's target) is replicated, even when the owner already is.
          if (!group.empty()) {
            if (owner->name == target && by_j) continue;
            if (!owner->replicated)
              changed |= replicate(owner->name, what + (owner->name == source && by_i ? " of the presynaptic neuron"
                                                                                       : " at another neuron's index"));
            if (a.write) changed |= replicate(target, what + ", so every synapse of '" + group + "' must be on every rank");
          } else {
            if (home.count(owner->name) && by_i) continue;
            const bool shared = b->size == 1 && owner->size > 1;
            if (!owner->replicated)
              changed |= replicate(owner->name, what + (shared ? " (a shared variable)" : " at another neuron's index"));
            if (a.write)
              for (const auto& h : home) changed |= replicate(h, what + " of a population it does not run over");
          }
        }
      }
    }
    groups_follow_targets();

    // Exchanged events and the window: the pre pathways whose source is split.
    std::set<std::pair<std::string, std::string>> exchanged;
    int64_t window = std::numeric_limits<int64_t>::max();
    for (const auto& sg : p.synapse_groups) {
      const kir::Population* S = p.find_population(sg.source);
      if (!S || S->replicated) continue;
      for (const auto& pw : sg.pathways) {
        if (pw.post) continue;
        exchanged.insert({sg.source, pw.event.empty() ? "spike" : pw.event});
        const bool same_step = pw.buffering != kir::SynapseGroup::Pathway::Buffering::SpikeHistory || !pw.delay_buffer.empty();
        window = std::min(window, same_step ? 0 : pw.delay_steps);
      }
    }
    p.exchanges.clear();
    p.exchange_window = 1;
    std::string split_list, repl_list;
    for (const auto& pop : p.populations) (pop.replicated ? repl_list : split_list) += " " + pop.name;
    if (exchanged.empty()) {
      unit.decisions.emplace_back(name(), "no events cross ranks; split:" + (split_list.empty() ? std::string(" none") : split_list) +
                                              "; replicated:" + (repl_list.empty() ? std::string(" none") : repl_list));
      explain_replicated(unit, reasons);
      return true;
    }
    if (window >= 1) {
      p.exchange_window = window;
      kir::Exchange x;
      for (const auto& [pop, ev] : exchanged) x.events.push_back({pop, ev});
      x.before_task = p.step_tasks.size();
      p.exchanges.push_back(std::move(x));
    } else {
      place_step_exchanges(p, exchanged);
    }
    std::string ev_list;
    for (const auto& [pop, ev] : exchanged) ev_list += " " + pop + "." + ev;
    unit.decisions.emplace_back(
        name(), "contiguous ranges; split:" + (split_list.empty() ? std::string(" none") : split_list) +
                    "; replicated:" + (repl_list.empty() ? std::string(" none") : repl_list) + "; exchanged:" + ev_list +
                    "; " + std::to_string(p.exchanges.size()) + " exchange(s) every " + std::to_string(p.exchange_window) +
                    (p.exchange_window == 1 ? " step" : " steps") +
                    (window >= 1 ? " (the shortest delay of an exchanged pathway)"
                                 : " (a pathway reads events of the step they happen: zero or heterogeneous delays)"));
    explain_replicated(unit, reasons);
    return true;
  }

 private:
  static kir::Population* find_population(kir::Program& p, const std::string& name) {
    for (auto& pop : p.populations)
      if (pop.name == name) return &pop;
    return nullptr;
  }

  static void explain_replicated(CompilationUnit& unit, const std::map<std::string, std::string>& reasons) {
    for (const auto& [pop, why] : reasons)
      unit.decisions.emplace_back("plan-partition", "'" + pop + "' is replicated on every rank: " + why);
  }

  // Window of one step: walk the step, collecting emitted exchanged events; before the first task
  // that reads any of them in the same step, one exchange covers everything collected so far.
  static void place_step_exchanges(kir::Program& p, const std::set<std::pair<std::string, std::string>>& exchanged) {
    std::set<std::pair<std::string, std::string>> pending;
    auto flush = [&](size_t before) {
      if (pending.empty()) return;
      kir::Exchange x;
      for (const auto& [pop, ev] : pending) x.events.push_back({pop, ev});
      x.before_task = before;
      p.exchanges.push_back(std::move(x));
      pending.clear();
    };
    for (size_t pos = 0; pos < p.step_tasks.size(); ++pos) {
      const kir::Task& t = p.step_tasks[pos];
      if (t.kind != kir::Task::Kind::RunKernel || t.index >= p.kernels.size()) continue;
      const Kernel& k = p.kernels[t.index];
      for (const auto& [pop, ev] : reads_this_step(p, k))
        if (pending.count({pop, ev})) {
          flush(pos);
          break;
        }
      if (neuron_domain(k.domain)) {
        const std::string ev = k.event.empty() ? "spike" : k.event;
        std::vector<std::string> pops{k.domain.population};
        for (const auto& m : k.merged) pops.push_back(m.population);
        const bool emits = k.emits_spikes || k.domain.kind == Domain::Kind::SpikeGenerator ||
                           kir::any_stmt(k.body, [](const Stmt& s) { return s.kind == Stmt::Kind::EmitSpike; });
        if (emits)
          for (const auto& pop : pops)
            if (exchanged.count({pop, ev})) pending.insert({pop, ev});
      }
    }
    flush(p.step_tasks.size());
  }

  // The (source population, event) pairs a synapse kernel takes from the step it runs in.
  static std::vector<std::pair<std::string, std::string>> reads_this_step(const kir::Program& p, const Kernel& k) {
    std::vector<std::pair<std::string, std::string>> out;
    auto add = [&](const std::string& group, const std::string& pathway, const std::string& event) {
      const kir::SynapseGroup* sg = p.find_synapse_group(group);
      if (!sg) return;
      const kir::SynapseGroup::Pathway* pw = pathway.empty() ? nullptr : sg->find_pathway(pathway);
      if (pw && pw->post) return;
      const bool same_step = k.domain.kind == Domain::Kind::QueuedEvents || k.domain.kind == Domain::Kind::DendriticEvents ||
                             (pw ? pw->delay_steps : sg->delay_steps) == 0;
      std::string ev = pw ? pw->event : event;
      if (same_step) out.push_back({sg->source, ev.empty() ? "spike" : ev});
    };
    switch (k.domain.kind) {
      case Domain::Kind::SynapticEvents:
        if (k.dispatch.empty()) add(k.domain.synapses, k.domain.pathway, k.domain.event);
        for (const auto& br : k.dispatch) add(br.synapses, k.domain.pathway, k.domain.event);
        break;
      case Domain::Kind::QueuedEvents:
      case Domain::Kind::DendriticEvents: add(k.domain.synapses, k.domain.pathway, k.domain.event); break;
      default: break;
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Pass> create_partition_plan_pass() { return std::make_unique<PartitionPlanPass>(); }

}  // namespace modelc::passes::kernel
