// fuse-synaptic-propagation: synapse groups fed by the same population, event and delay (CUBA's
// Ce and Ci both read P's spikes) share one SynapticEvents kernel that walks the spike list once
// and dispatches each spike to the groups whose source slice holds it (Kernel::dispatch).
//
// Merging interleaves the groups per spike: group A's synapses of spike 1, group B's of spike 1,
// A's of spike 2, ... instead of all of A, then all of B. That is the same computation only when
// no group reads or writes what another writes: if A and B both added into P_ge, the additions
// into P_ge[j] would come in a different order and floating-point sums would change. So groups
// are merged only when their kernels are independent (kernel_schedule.h conflict()), which keeps
// every target variable's additions in their original order; otherwise the decision says which
// variable prevented it.
#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

#include "passes/kernel/kernel_schedule.h"
#include "passes/passes.h"

namespace modelc::passes::kernel {
namespace {

using kir::Domain;
using kir::Kernel;
using kir::Task;

// (source population, event, delay) of a kernel that may join a dispatch, or nullopt.
std::optional<std::tuple<std::string, std::string, int64_t>> dispatch_key(const kir::Program& p, const Kernel& k) {
  if (k.domain.kind != Domain::Kind::SynapticEvents || k.every_steps != 1 || !k.dispatch.empty() || !k.fused_from.empty())
    return std::nullopt;
  const kir::SynapseGroup* g = p.find_synapse_group(k.domain.synapses);
  // A thread per target (postsynaptic propagation) walks no rows: there is no row walk to share.
  if (!g || g->connectivity.propagation == "postsynaptic") return std::nullopt;
  const kir::SynapseGroup::Pathway* pw = k.domain.pathway.empty() ? nullptr : g->find_pathway(k.domain.pathway);
  if (pw && (pw->post || !pw->delay_buffer.empty() || pw->buffering != kir::SynapseGroup::Pathway::Buffering::SpikeHistory))
    return std::nullopt;
  std::string event = pw ? pw->event : k.domain.event;
  if (event.empty()) event = "spike";
  return std::make_tuple(g->source, event, pw ? pw->delay_steps : g->delay_steps);
}

class SynapticPropagationFusionPass : public Pass {
 public:
  std::string name() const override { return "fuse-synaptic-propagation"; }
  std::string description() const override {
    return "kernel IR: one spike-list pass for synapse groups with the same source, event and delay";
  }

  bool run(CompilationUnit& unit, DiagnosticEngine&) override {
    if (!unit.program) return true;
    if (!unit.target.has("fusion:synaptic-propagation")) {
      unit.decisions.emplace_back(name(), "not applied: the " + unit.target.backend +
                                              " backend does not implement fusion:synaptic-propagation");
      return true;
    }
    kir::Program& p = *unit.program;
    auto& tasks = p.step_tasks;
    // Heads: the task position of the first kernel of each key; members merged into it so far.
    std::map<std::tuple<std::string, std::string, int64_t>, std::vector<size_t>> heads;
    std::set<size_t> merged_away;
    for (size_t pos = 0; pos < tasks.size(); ++pos) {
      if (tasks[pos].kind != Task::Kind::RunKernel || tasks[pos].index >= p.kernels.size()) continue;
      const Kernel& k = p.kernels[tasks[pos].index];
      auto key = dispatch_key(p, k);
      if (!key) continue;
      auto it = heads.find(*key);
      if (it == heads.end()) {
        heads[*key] = {pos};
        continue;
      }
      std::vector<size_t>& members = it->second;
      const std::string what = name() + " " + std::get<0>(*key) + " -> " + k.domain.synapses;
      // Independent of every member: no shared variable that one of them writes.
      std::string why;
      Access a = kernel_access(p, k);
      for (size_t m : members) {
        const Kernel& other = p.kernels[tasks[m].index];
        std::string n = conflict(a, kernel_access(p, other));
        if (!n.empty()) {
          why = k.name + " and " + other.name + " both touch " + n +
                " (one writes it): merging would interleave them per spike and change the order of its updates";
          break;
        }
      }
      if (why.empty()) {
        std::vector<size_t> jumped;
        for (size_t q = members.front() + 1; q < pos; ++q)
          if (!merged_away.count(q) && std::find(members.begin(), members.end(), q) == members.end()) jumped.push_back(q);
        why = move_blocker(p, k, jumped);
      }
      if (!why.empty()) {
        unit.decisions.emplace_back(what, "not merged: " + why);
        continue;
      }
      members.push_back(pos);
      merged_away.insert(pos);
    }

    size_t saved = 0;
    std::map<size_t, size_t> replace;  // head position -> new kernel index
    for (auto& [key, members] : heads) {
      if (members.size() < 2) continue;
      Kernel merged;
      const Kernel& first = p.kernels[tasks[members.front()].index];
      merged.domain = first.domain;
      std::string names, written;
      for (size_t m : members) {
        const Kernel& k = p.kernels[tasks[m].index];
        merged.dispatch.push_back({k.domain.synapses, k.name, k.body});
        names += (names.empty() ? "" : " + ") + k.name;
        std::string w;
        for (const auto& b : kernel_access(p, k).writes)
          if (b[0] != '@') w += (w.empty() ? "" : ",") + b;
        written += (written.empty() ? "" : " | ") + (w.empty() ? std::string("nothing") : w);
      }
      merged.name = unique_kernel_name(p, std::get<0>(key) + "_propagate");
      unit.decisions.emplace_back(name() + " " + std::get<0>(key),
                                  names + " -> " + merged.name + " (" + std::to_string(members.size()) +
                                      " launches -> 1, one pass over the spikes of " + std::get<0>(key) + ", delay " +
                                      std::to_string(std::get<2>(key)) + " steps); the groups write disjoint variables (" +
                                      written + "), so each target variable gets its additions in the original order");
      p.kernels.push_back(std::move(merged));
      replace[members.front()] = p.kernels.size() - 1;
      saved += members.size() - 1;
    }
    if (saved == 0) return true;
    std::vector<Task> next;
    for (size_t pos = 0; pos < tasks.size(); ++pos) {
      if (merged_away.count(pos)) continue;
      auto r = replace.find(pos);
      next.push_back(r == replace.end() ? tasks[pos] : Task{Task::Kind::RunKernel, r->second});
    }
    tasks = std::move(next);
    remove_unused_kernels(p);
    return true;
  }
};

}  // namespace

std::unique_ptr<Pass> create_synaptic_propagation_fusion_pass() {
  return std::make_unique<SynapticPropagationFusionPass>();
}

}  // namespace modelc::passes::kernel
