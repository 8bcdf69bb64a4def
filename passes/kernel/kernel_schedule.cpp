#include "passes/kernel/kernel_schedule.h"

#include <algorithm>
#include <map>

#include "ir/kernel_ir_traversal.h"

namespace modelc::passes::kernel {

using kir::Domain;
using kir::Expr;
using kir::ExprP;
using kir::Stmt;

std::string events_of(const std::string& population, const std::string& event) {
  return "@events:" + population + ":" + (event.empty() ? std::string("spike") : event);
}

// Every event list of a population (spikes and IR v2 custom events).
static void all_events_of(const kir::Program& p, const std::string& population, std::set<std::string>& out) {
  out.insert(events_of(population, "spike"));
  if (const kir::Population* pop = p.find_population(population))
    for (const auto& ev : pop->events) out.insert(events_of(population, ev.name));
}

void collect_block(const kir::Block& b, Access& a) {
  kir::BufferAccesses acc;
  kir::collect_accesses(b, acc);
  a.reads.insert(acc.loads.begin(), acc.loads.end());
  a.reads.insert(acc.accumulates.begin(), acc.accumulates.end());  // a read-modify-write
  a.writes.insert(acc.stores.begin(), acc.stores.end());
}

bool block_emits(const kir::Block& b) {
  return kir::any_stmt(b, [](const Stmt& s) { return s.kind == Stmt::Kind::EmitSpike; });
}

Access kernel_access(const kir::Program& p, const kir::Kernel& k) {
  Access a;
  collect_block(k.body, a);
  const Domain& d = k.domain;
  if (d.kind == Domain::Kind::Neurons) {
    if (k.emits_spikes || block_emits(k.body)) a.writes.insert(events_of(d.population, k.event));
    // merge-neuron-groups: every member touches its own copies of the buffers and its own events.
    const Access first = a;
    for (const auto& mb : k.merged) {
      std::map<std::string, std::string> to(mb.buffer_renames.begin(), mb.buffer_renames.end());
      auto renamed = [&](const std::string& n) { return to.count(n) ? to[n] : n; };
      for (const auto& n : first.reads) a.reads.insert(renamed(n));
      for (const auto& n : first.writes) a.writes.insert(renamed(n));
      if (k.emits_spikes || block_emits(k.body)) a.writes.insert(events_of(mb.population, k.event));
    }
  } else if (d.kind == Domain::Kind::SpikeGenerator) {
    a.writes.insert(events_of(d.population, "spike"));
  } else if (d.kind == Domain::Kind::Spikes) {
    a.reads.insert(events_of(d.population, d.event));
  } else if (const kir::SynapseGroup* g = p.find_synapse_group(d.synapses)) {
    // Every synapse domain (including kinds added later): conservatively reads every event list
    // of both slices' populations.
    all_events_of(p, g->source, a.reads);
    all_events_of(p, g->target, a.reads);
    // Queues and delay rings are state the kernel keeps between steps beyond its body's buffers.
    const std::string state = "@delivery:" + d.synapses + ":" + d.pathway;
    a.reads.insert(state);
    a.writes.insert(state);
    for (const auto& pw : g->pathways) {
      if (!pw.ring_guard.empty()) a.reads.insert(pw.ring_guard);
      for (const std::string* b : {&pw.ring_buffer, &pw.ring_target})
        if (!b->empty()) {
          a.reads.insert(*b);
          a.writes.insert(*b);
        }
    }
  }
  return a;
}

Access task_access(const kir::Program& p, const kir::Task& t) {
  if (t.kind == kir::Task::Kind::RunKernel)
    return t.index < p.kernels.size() ? kernel_access(p, p.kernels[t.index]) : Access{};
  Access a;
  if (t.index >= p.monitors.size()) return a;
  const kir::Monitor& m = p.monitors[t.index];
  for (const auto& b : m.buffers) a.reads.insert(b);
  if (m.kind != kir::Monitor::Kind::State) a.reads.insert(events_of(m.population, m.event));
  // Recording appends to the monitor's own arrays: two recordings of one monitor stay in order.
  a.writes.insert("@monitor:" + m.name);
  return a;
}

static std::string first_common(const std::set<std::string>& x, const std::set<std::string>& y) {
  for (const auto& n : x)
    if (y.count(n)) return n;
  return {};
}

std::string conflict(const Access& a, const Access& b) {
  std::string n = first_common(a.writes, b.reads);
  if (n.empty()) n = first_common(a.writes, b.writes);
  if (n.empty()) n = first_common(a.reads, b.writes);
  return n;
}

static bool is_i(const ExprP& e) {
  if (!e) return false;
  if (e->kind == Expr::Kind::Builtin) return e->name == "i";
  if (e->kind == Expr::Kind::Cast && e->args.size() == 1) return is_i(e->args[0]);
  return false;
}

bool block_elementwise_i(const kir::Block& b, const std::set<std::string>& written) {
  auto stmt_ok = [&](const Stmt& s) {
    return !(s.kind == Stmt::Kind::Store || s.kind == Stmt::Kind::Accumulate || s.kind == Stmt::Kind::EmitSpike) ||
           is_i(s.index);
  };
  auto expr_ok = [&](const Expr& e) {
    return e.kind != Expr::Kind::Load || !written.count(e.name) || is_i(e.args.empty() ? nullptr : e.args[0]);
  };
  return !kir::any_stmt(b, [&](const Stmt& s) { return !stmt_ok(s); }) &&
         kir::walk_exprs(b, [&](const Expr& e) { return expr_ok(e) ? kir::WalkResult::Advance : kir::WalkResult::Stop; });
}

static std::string task_text(const kir::Program& p, const kir::Task& t) {
  if (t.kind == kir::Task::Kind::RunKernel) return "kernel " + p.kernels[t.index].name;
  return std::string(t.kind == kir::Task::Kind::RecordState ? "state" : "spike/rate") + " monitor " + p.monitors[t.index].name;
}

// Why kernel `moved` may not move past the tasks at `positions` ("" = it may), e.g.
// "kernel Ce_pre reads P_v, which P_reset writes".
const Access& AccessCache::kernel(size_t index) {
  if (kernels_.size() < p_.kernels.size()) kernels_.resize(p_.kernels.size());
  auto& slot = kernels_.at(index);
  if (!slot) slot = kernel_access(p_, p_.kernels[index]);
  return *slot;
}

const Access& AccessCache::task(const kir::Task& t) {
  static const Access kNothing;  // a task that refers to nothing touches nothing (task_access)
  if (t.kind == kir::Task::Kind::RunKernel) return t.index < p_.kernels.size() ? kernel(t.index) : kNothing;
  if (t.index >= p_.monitors.size()) return kNothing;
  if (monitors_.size() < p_.monitors.size()) monitors_.resize(p_.monitors.size());
  auto& slot = monitors_[t.index];
  if (!slot) slot = task_access(p_, t);
  return *slot;
}

std::string move_blocker(const kir::Program& p, const Access& a, const std::string& moved_name,
                         const std::vector<size_t>& positions, AccessCache& cache) {
  for (size_t pos : positions) {
    const kir::Task& t = p.step_tasks[pos];
    const Access& b = cache.task(t);
    std::string n = conflict(a, b);
    if (n.empty()) continue;
    std::string what = n.rfind("@events:", 0) == 0 ? "the event list " + n.substr(8) : n;
    if (a.writes.count(n)) return task_text(p, t) + (b.writes.count(n) ? " writes " : " reads ") + what + ", which " + moved_name + " writes";
    return task_text(p, t) + " writes " + what + ", which " + moved_name + " reads";
  }
  return {};
}

void TaskIndex::refresh() {
  kernel_pos_.resize(p_.kernels.size());
  monitor_pos_.resize(p_.monitors.size());
  kernel_indexed_.resize(p_.kernels.size(), false);
  monitor_indexed_.resize(p_.monitors.size(), false);
  for (auto& v : kernel_pos_) v.clear();
  for (auto& v : monitor_pos_) v.clear();
  for (size_t pos = 0; pos < p_.step_tasks.size(); ++pos) {
    const kir::Task& t = p_.step_tasks[pos];
    const Key k = key_of(t);
    if (k.second >= (k.first ? kernel_pos_ : monitor_pos_).size()) continue;  // refers to nothing
    positions_of(k).push_back(pos);
    auto& indexed = k.first ? kernel_indexed_ : monitor_indexed_;
    if (indexed[k.second]) continue;
    indexed[k.second] = true;
    const Access& a = cache_.task(t);
    for (const auto* names : {&a.reads, &a.writes})
      for (const auto& n : *names) {
        auto& v = touching_[n];
        if (v.empty() || v.back() != k) v.push_back(k);
      }
  }
}

std::string TaskIndex::move_blocker(const Access& moved, const std::string& moved_name,
                                    const std::vector<size_t>& positions) {
  // The jumped tasks that share a buffer with the moved kernel; the earliest that conflicts is
  // the one the plain scan would name.
  std::vector<size_t> sharing;
  for (const auto* names : {&moved.reads, &moved.writes})
    for (const auto& n : *names) {
      auto it = touching_.find(n);
      if (it == touching_.end()) continue;
      for (const Key& k : it->second)
        for (size_t pos : positions_of(k))
          if (std::binary_search(positions.begin(), positions.end(), pos)) sharing.push_back(pos);
    }
  std::sort(sharing.begin(), sharing.end());
  sharing.erase(std::unique(sharing.begin(), sharing.end()), sharing.end());
  return kernel::move_blocker(p_, moved, moved_name, sharing, cache_);
}

std::string move_blocker(const kir::Program& p, const kir::Kernel& moved, const std::vector<size_t>& positions) {
  AccessCache cache(p);
  return move_blocker(p, kernel_access(p, moved), moved.name, positions, cache);
}

void remove_unused_kernels(kir::Program& p) {
  std::vector<bool> used(p.kernels.size(), false);
  for (size_t k : p.init_kernels)
    if (k < used.size()) used[k] = true;
  for (const auto& t : p.step_tasks)
    if (t.kind == kir::Task::Kind::RunKernel && t.index < used.size()) used[t.index] = true;
  std::vector<size_t> new_index(p.kernels.size(), 0);
  std::vector<kir::Kernel> kept;
  for (size_t k = 0; k < p.kernels.size(); ++k)
    if (used[k]) {
      new_index[k] = kept.size();
      kept.push_back(std::move(p.kernels[k]));
    }
  p.kernels = std::move(kept);
  // Out-of-range references stay out of range (the backends report them).
  for (size_t& k : p.init_kernels)
    if (k < new_index.size()) k = new_index[k];
  for (auto& t : p.step_tasks)
    if (t.kind == kir::Task::Kind::RunKernel && t.index < new_index.size()) t.index = new_index[t.index];
}

std::string unique_kernel_name(const kir::Program& p, const std::string& base) {
  auto taken = [&](const std::string& n) {
    for (const auto& k : p.kernels)
      if (k.name == n) return true;
    return false;
  };
  std::string name = base;
  for (int n = 2; taken(name); ++n) name = base + "_" + std::to_string(n);
  return name;
}

}  // namespace modelc::passes::kernel
