#include "backends/cpu/cpu_step_schedule.h"

#include <algorithm>
#include <functional>
#include <set>

#include "backends/cpu/cpu_emit_context.h"
#include "ir/kernel_ir_traversal.h"

namespace modelc::backends::cpu {

namespace {

using kir::Expr;
using kir::ExprP;
using kir::Stmt;
using kir::WalkResult;

// An access of a task since the last barrier that covers it.
struct Pending {
  Access access;
  std::string guard;  // the task's guard: the access happened only on steps where it held
  bool previous_step = false;
  bool any_step = false;  // ... or possibly several steps before (no barrier every step)
};

const Access kAnything{"*", true};

bool is_ring(const std::string& r) { return r.rfind("ring:", 0) == 0; }

// Whether `later` (this step) may touch an element `earlier` touched from another thread.
bool conflict(const Access& earlier, bool previous_step, bool any_step, const Access& later) {
  if (earlier.resource == "*" || later.resource == "*") return true;
  if (earlier.resource != later.resource || (!earlier.write && !later.write)) return false;
  if (earlier.solo && later.solo) return false;
  if (earlier.part >= 0 && earlier.part == later.part) return false;
  if (is_ring(earlier.resource) && !any_step) {
    // Slots of the same ring: the same slot when the steps they hold agree modulo its depth.
    const int64_t h = std::max<int64_t>(1, std::min(earlier.history, later.history));
    const int64_t diff = later.slot - earlier.slot - (previous_step ? 1 : 0);
    return ((diff % h) + h) % h == 0;
  }
  return true;
}

// The barrier `task` needs after `pending`, and what stays pending once it ran.
Barrier barrier_before(std::vector<Pending>& pending, const StepTask& task) {
  const std::vector<Access> anything{kAnything};
  const std::vector<Access>& acc = task.opaque ? anything : task.accesses;
  std::set<std::string> guards;
  bool any = false, unguarded = false;
  for (const Pending& p : pending)
    for (const Access& a : acc)
      if (conflict(p.access, p.previous_step, p.any_step, a)) {
        any = true;
        if (p.guard.empty() || p.previous_step) unguarded = true;
        else guards.insert(p.guard);
        break;
      }
  if (!any) return {};
  // A barrier only on the steps where `guard` holds synchronises the accesses of tasks with that
  // guard; it suffices where those are all the conflicts, or where `task` itself runs only then.
  std::string guard;
  if (!task.opaque && !task.guard.empty()) guard = task.guard;
  else if (!unguarded && guards.size() == 1) guard = *guards.begin();
  if (guard.empty()) {
    pending.clear();
    return {Barrier::Kind::Full, ""};
  }
  std::erase_if(pending, [&](const Pending& p) { return !p.previous_step && p.guard == guard; });
  return {Barrier::Kind::Guarded, guard};
}

void run_task(std::vector<Pending>& pending, const StepTask& task) {
  if (task.synchronised) {
    pending.clear();
    return;
  }
  if (task.opaque) {
    pending.push_back({kAnything, "", false});
    return;
  }
  for (const Access& a : task.accesses) pending.push_back({a, task.guard, false});
}

// `j + offset` (either order) or, with a zero offset, plain j.
bool is_target_index(const ExprP& e, int64_t offset) {
  if (is_index(e, "j")) return offset == 0;
  if (!e || e->kind != Expr::Kind::Binary || e->op != ir::Op::Add || e->args.size() != 2) return false;
  for (int a = 0; a < 2; ++a) {
    const ExprP& lit = e->args[1 - a];
    if (is_index(e->args[a], "j") && lit && lit->kind == Expr::Kind::Literal &&
        (lit->type == kir::Type::Int64 || lit->type == kir::Type::Int32) && lit->i == offset)
      return true;
  }
  return false;
}

// Every buffer access of `body`, each element's owner given by `part_of` (-1: any thread's).
void add_body(StepTask& t, const kir::Block& body, const std::function<int(const ExprP&)>& part_of, bool solo) {
  kir::walk(body, [&](const Stmt& s) {
    if (s.kind == Stmt::Kind::Store || s.kind == Stmt::Kind::Accumulate)
      t.accesses.push_back({"b:" + s.name, true, solo ? -1 : part_of(s.index), solo});
    return WalkResult::Advance;
  });
  kir::walk_exprs(body, [&](const Expr& e) {
    if (e.kind == Expr::Kind::Load)
      t.accesses.push_back({"b:" + e.name, false, solo ? -1 : part_of(e.args.empty() ? nullptr : e.args[0]), solo});
    return WalkResult::Advance;
  });
}

std::string ring_name(int pk, const std::string& event) {
  return "ring:" + std::to_string(pk) + ":" + (event.empty() ? std::string("spike") : event);
}

Access ring_access(const EmitContext& c, int pk, const std::string& event, bool write, int part, bool solo, int64_t slot) {
  return {ring_name(pk, event), write, part, solo, slot, ring_depth(c, pk, event)};
}

}  // namespace

std::vector<Barrier> plan_barriers(const std::vector<StepTask>& tasks) {
  std::vector<Barrier> plan(tasks.size() + 1);
  std::vector<Pending> pending;
  for (size_t i = 0; i < tasks.size(); ++i) {
    plan[i] = barrier_before(pending, tasks[i]);
    run_task(pending, tasks[i]);
  }
  // Across the step boundary: what is still pending at the end against the next step's tasks, up
  // to its first full barrier (conflicts among those tasks themselves the plan already covers).
  // Where one would need a barrier, the step ends in a full one instead.
  // Threads are at most a step apart where every step has a full barrier or a task that ends in
  // its own; otherwise they may drift up to the poll barrier, and any two slots may coincide.
  bool synced = false;
  for (size_t i = 0; i < tasks.size(); ++i) synced = synced || plan[i].kind == Barrier::Kind::Full || tasks[i].synchronised;
  for (Pending& p : pending) {
    p.previous_step = true;
    p.any_step = !synced;
  }
  for (size_t i = 0; i < tasks.size() && !pending.empty(); ++i) {
    if (plan[i].kind == Barrier::Kind::Full) break;
    std::vector<Pending> probe = pending;
    if (barrier_before(probe, tasks[i]).kind != Barrier::Kind::None) {
      plan[tasks.size()] = {Barrier::Kind::Full, ""};
      break;
    }
    if (tasks[i].synchronised) break;
  }
  return plan;
}

StepTask kernel_task(const EmitContext& c, size_t k) {
  const kir::Kernel& kr = c.p.kernels[k];
  const KernelSharing& sh = c.sharing[k];
  StepTask t;
  if (sh.kind == KernelSharing::Kind::Opaque) {
    t.opaque = true;
    t.synchronised = sh.synchronised;
    return t;
  }
  if (kr.every_steps > 1) t.guard = "step % " + int_text(kr.every_steps) + " == 0";
  // A kernel of every n-th step returns early on the others, before its own barriers.
  const bool synchronised = sh.synchronised && kr.every_steps <= 1;
  const kir::Domain& d = kr.domain;
  const bool solo = sh.kind == KernelSharing::Kind::Solo;
  if (sh.kind == KernelSharing::Kind::OwnTargets) {
    // Per group: its targets' elements and its synapses belong to the thread owning the target.
    auto add_group = [&](const std::string& synapses, const kir::Block& body, const std::string& pathway) {
      const int g = c.group_index(synapses);
      const kir::SynapseGroup& sg = c.p.synapse_groups[g];
      const int post = c.population_index(sg.target), pre = c.population_index(sg.source);
      add_body(t, body, [&](const ExprP& ix) {
        if (is_target_index(ix, sg.target_offset)) return post;
        if (is_index(ix, "syn")) return kTargetPart + g;
        return -1;
      }, false);
      const kir::SynapseGroup::Pathway* pw = pathway.empty() ? nullptr : sg.find_pathway(pathway);
      // Queued deliveries read this step's events (the queue holds the delayed ones).
      const int64_t delay = d.kind == kir::Domain::Kind::QueuedEvents ? 0 : pw ? pw->delay_steps : sg.delay_steps;
      const std::string event = pw ? pw->event : d.event;
      t.accesses.push_back(ring_access(c, pre, event, false, -1, false, delay));
    };
    if (!kr.dispatch.empty())
      for (const auto& br : kr.dispatch) add_group(br.synapses, br.body, d.pathway);
    else
      add_group(d.synapses, kr.body, d.pathway);
    t.synchronised = synchronised;
    return t;
  }
  // Solo or OwnNeurons: a neurons or spikes domain of population pk, index i.
  const int pk = c.population_index(d.population);
  add_body(t, kr.body, [&](const ExprP& ix) { return is_index(ix, "i") ? pk : -1; }, solo);
  bool emits = kr.emits_spikes;
  kir::walk(kr.body, [&](const Stmt& s) {
    emits = emits || s.kind == Stmt::Kind::EmitSpike;
    return WalkResult::Advance;
  });
  if (emits) t.accesses.push_back(ring_access(c, pk, kr.event, true, solo ? -1 : pk, solo, 0));
  if (d.kind == kir::Domain::Kind::Spikes) t.accesses.push_back(ring_access(c, pk, d.event, false, -1, solo, 0));
  t.synchronised = synchronised;
  return t;
}

StepTask monitor_task(const EmitContext& c, size_t mon) {
  const kir::Monitor& m = c.p.monitors[mon];
  StepTask t;
  for (const std::string& b : m.buffers) t.accesses.push_back({"b:" + b, false, -1, true});
  if (m.kind == kir::Monitor::Kind::State) {
    if (m.every > 1) t.guard = "step % " + int_text(m.every) + " == 0";
    return t;
  }
  const int pk = c.population_index(m.population);
  if (pk >= 0) t.accesses.push_back(ring_access(c, pk, m.event, false, -1, true, 0));
  else t.opaque = true;
  return t;
}

}  // namespace modelc::backends::cpu
