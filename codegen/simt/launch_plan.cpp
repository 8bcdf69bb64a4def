#include "codegen/simt/launch_plan.h"

#include <map>
#include <set>

#include "ir/kernel_ir_traversal.h"

namespace modelc::codegen::simt {

namespace {

using kir::Block;
using kir::Domain;
using kir::Expr;
using kir::ExprP;
using kir::Stmt;
using Kind = KernelParam::Kind;

bool block_has_int64_atomic(const Block& b, const kir::Program& p) {
  return kir::any_stmt(b, [&](const Stmt& s) {
    if (s.kind != Stmt::Kind::Accumulate || !s.conflicting) return false;
    const kir::Buffer* buf = p.find_buffer(s.name);
    return buf && (buf->type == kir::Type::Double || buf->type == kir::Type::Int64);
  });
}

// j, or j plus a literal (a target slice's offset), possibly cast.
bool is_target_index(const ExprP& e) {
  if (!e) return false;
  if (e->kind == Expr::Kind::Builtin) return e->name == "j";
  if (e->kind == Expr::Kind::Cast && e->args.size() == 1) return is_target_index(e->args[0]);
  if (e->kind == Expr::Kind::Binary && e->op == ir::Op::Add && e->args.size() == 2)
    return (is_target_index(e->args[0]) && e->args[1]->kind == Expr::Kind::Literal) ||
           (is_target_index(e->args[1]) && e->args[0]->kind == Expr::Kind::Literal);
  return false;
}

// True when the block has conflicting accumulations and all of them go to the target at j.
bool conflicts_only_at_target(const Block& b, bool& any) {
  return kir::walk(b, [&](const Stmt& s) {
    if (s.kind != Stmt::Kind::Accumulate || !s.conflicting) return kir::WalkResult::Advance;
    any = true;
    return is_target_index(s.index) ? kir::WalkResult::Advance : kir::WalkResult::Stop;
  });
}


}  // namespace

bool is_gather(const Block& body) {
  bool any = false;
  return conflicts_only_at_target(body, any) && any;
}

Block without_conflicts(const Block& b) {
  Block out = b;
  kir::walk(out, [](Stmt& s) {
    if (s.kind == Stmt::Kind::Accumulate) s.conflicting = false;
    return kir::WalkResult::Advance;
  });
  return out;
}

bool LaunchPlan::needs_transpose(int g) const {
  if (g < 0 || g >= static_cast<int>(p.synapse_groups.size())) return false;
  if (p.synapse_groups[g].needs_transpose) return true;
  for (const auto& plan : plans)
    if (plan.kernel && plan.gather && plan.group == g) return true;
  return false;
}

int LaunchPlan::list_index(int pk, const std::string& event) const {
  for (size_t l = 0; l < lists.size(); ++l) {
    if (lists[l].population != pk) continue;
    const int e = lists[l].event;
    if (e < 0 ? (event.empty() || event == "spike") : p.populations[pk].events[e].name == event) return static_cast<int>(l);
  }
  return -1;
}
bool needs_int64_atomics(const kir::Program& p) {
  for (const auto& k : p.kernels)
    if (block_has_int64_atomic(k.body, p)) return true;
  return false;
}

// The event list `event` of population `pk` for `who`, reporting a missing event.
static int need_list(LaunchPlan& c, int pk, const std::string& event, const std::string& who) {
  int l = c.list_index(pk, event);
  if (l < 0) c.error(who + " uses event '" + event + "', which population '" + c.p.populations[pk].name + "' does not have");
  return l;
}

static void plan_lists(LaunchPlan& c) {
  c.lists.clear();
  for (size_t k = 0; k < c.p.populations.size(); ++k)
    c.lists.push_back({static_cast<int>(k), -1, std::max<int64_t>(1, c.p.populations[k].history), "pop" + std::to_string(k)});
  for (size_t k = 0; k < c.p.populations.size(); ++k)
    for (size_t e = 0; e < c.p.populations[k].events.size(); ++e)
      c.lists.push_back({static_cast<int>(k), static_cast<int>(e), std::max<int64_t>(1, c.p.populations[k].events[e].history),
                         "pop" + std::to_string(k) + "_ev" + std::to_string(e)});
}

// The domain-specific part of a plan: population / group / list / pathway and the parameters
// after the buffers. Returns false when the kernel cannot be emitted (errors are reported).
static bool plan_domain(LaunchPlan& c, const kir::Kernel& k, bool emits, KernelPlan& plan) {
  const Domain& d = k.domain;
  const std::string who = "kernel '" + k.name + "'";
  using DK = Domain::Kind;
  if (d.kind == DK::Neurons || d.kind == DK::Spikes || d.kind == DK::SpikeGenerator) {
    plan.population = c.population_index(d.population);
    if (plan.population < 0) {
      c.error(who + " runs over unknown population '" + d.population + "'");
      return false;
    }
    const kir::Population& pop = c.p.populations[plan.population];
    if (d.kind == DK::SpikeGenerator) {
      if (!pop.generator) {
        c.error("spike generator " + who + " runs over a population without a generator table");
        return false;
      }
      plan.list = plan.population;
      for (Kind kd : {Kind::GenSteps, Kind::GenIdx}) plan.params.push_back({kd, ""});
      plan.params.push_back({Kind::Spikes, "", false});
      plan.params.push_back({Kind::Counts, "", false});
      plan.params.push_back({Kind::Totals, "", false});
      return true;
    }
    if (d.kind == DK::Neurons && d.size > 0 && (d.offset < 0 || d.offset + d.size > pop.size)) {
      c.error(who + " covers a range outside its population");
      return false;
    }
    if (emits && d.kind == DK::Spikes)
      c.error(who + " emits spikes from a spikes domain", "emit spikes from a neurons-domain threshold kernel");
    if (d.kind == DK::Neurons && emits) {
      plan.emits = true;
      plan.list = need_list(c, plan.population, k.event, who);
      plan.params.push_back({Kind::Flags, "", false});
    }
    if (d.kind == DK::Spikes) {
      plan.list = need_list(c, plan.population, d.event, who);
      plan.params.push_back({Kind::Spikes, ""});
      plan.params.push_back({Kind::Counts, ""});
    }
    return plan.list >= 0 || !(emits || d.kind == DK::Spikes);
  }
  if (emits) c.error(who + " emits spikes from a synapse domain");
  plan.group = c.group_index(d.synapses);
  if (plan.group < 0) {
    c.error(who + " runs over unknown synapse group '" + d.synapses + "'");
    return false;
  }
  const kir::SynapseGroup& sg = c.p.synapse_groups[plan.group];
  // Only spike propagation scans the other storages; every other synapse domain reads the CSR
  // arrays (choose-connectivity keeps such groups sparse).
  if (sg.connectivity.storage != kir::Connectivity::Storage::Sparse && d.kind != DK::SynapticEvents) {
    c.error(who + " runs over every synapse or a delay queue of '" + sg.name + "', which is stored as " +
            kir::storage_name(sg.connectivity.storage) + ": only sparse storage has the synapse arrays it reads");
    return false;
  }
  if (d.kind == DK::Synapses) {
    plan.gather = is_gather(k.body);
    if (plan.gather)
      for (Kind kd : {Kind::Col, Kind::ColSyn, Kind::Pre}) plan.params.push_back({kd, ""});
    else
      for (Kind kd : {Kind::Pre, Kind::Post, Kind::SynCount}) plan.params.push_back({kd, ""});
    return true;
  }
  // Event-driven synapse domains: the pathway names the triggering event and its delay (a v1
  // program's SynapticEvents has no pathway: the group's delay, spikes).
  const kir::SynapseGroup::Pathway* pw = d.pathway.empty() ? sg.find_pathway("pre") : sg.find_pathway(d.pathway);
  if (!pw && (d.kind != DK::SynapticEvents || !d.pathway.empty())) {
    c.error(who + " serves unknown pathway '" + d.pathway + "' of synapse group '" + sg.name + "'");
    return false;
  }
  if (pw) plan.pathway = static_cast<int>(pw - sg.pathways.data());
  const bool post = pw && pw->post;
  if ((d.kind == DK::PostSynapticEvents) != post && d.kind != DK::QueuedEvents) {
    c.error(who + ": pathway '" + pw->name + "' of '" + sg.name + "' is " + (post ? "a post" : "a pre") +
            " pathway, which its launch domain does not serve");
    return false;
  }
  if (post && !sg.needs_transpose) c.error("synapse group '" + sg.name + "' has a post pathway but no transposed index");
  const std::string& popname = post ? sg.target : sg.source;
  plan.population = c.population_index(popname);
  if (plan.population < 0) {
    c.error("synapse group '" + sg.name + "' has unknown " + (post ? "target" : "source") + " population '" + popname + "'");
    return false;
  }
  const std::string event = pw ? pw->event : d.event;
  plan.list = need_list(c, plan.population, event, who);
  if (plan.list < 0) return false;
  plan.delay = d.kind == DK::SynapticEvents && !pw ? sg.delay_steps : pw->delay_steps;
  if (d.kind == DK::QueuedEvents) {
    if (pw->delay_buffer.empty() || c.buffer_index(pw->delay_buffer) < 0) {
      c.error(who + ": pathway '" + pw->name + "' of '" + sg.name + "' has no per-synapse delay buffer");
      return false;
    }
    for (Kind kd : {Kind::Spikes, Kind::Counts, Kind::Seg, Kind::Perm, Kind::Pre, Kind::Post, Kind::Depth})
      plan.params.push_back({kd, ""});
    return true;
  }
  if (plan.delay >= c.lists[plan.list].history) {
    c.error("synapse group '" + sg.name + "' has a delay of " + std::to_string(plan.delay) + " steps but population '" +
            popname + "' keeps only " + std::to_string(c.lists[plan.list].history) + " steps of " +
            (event.empty() ? std::string("spike") : event) + " events");
    return false;
  }
  plan.params.push_back({Kind::Spikes, ""});
  plan.params.push_back({Kind::Counts, ""});
  if (d.kind == DK::PostSynapticEvents) {
    for (Kind kd : {Kind::Col, Kind::ColSyn, Kind::Pre, Kind::Post}) plan.params.push_back({kd, ""});
    return true;
  }
  // The row of a spiking neuron, per storage (procedural: nothing, the row is regenerated).
  switch (sg.connectivity.storage) {
    case kir::Connectivity::Storage::Sparse:
      for (Kind kd : {Kind::Row, Kind::Post}) plan.params.push_back({kd, ""});
      break;
    case kir::Connectivity::Storage::Dense:
      for (Kind kd : {Kind::Row, Kind::Dense}) plan.params.push_back({kd, ""});
      break;
    case kir::Connectivity::Storage::Bitmask:
      for (Kind kd : {Kind::Row, Kind::Bits}) plan.params.push_back({kd, ""});
      break;
    case kir::Connectivity::Storage::Procedural: break;
  }
  return true;
}

// The strategy passes choose only what a target declares (BackendCapabilities::features); a program
// lowered for another target (e.g. the CPU's) may hold strategies this backend does not implement.
// Refuse them by name rather than emit code that ignores them.
static void check_strategies(LaunchPlan& c) {
  const std::string hint = "lower the model for the " + c.backend + " backend (--backend " + c.backend + "), or use the cpu backend";
  for (const auto& sg : c.p.synapse_groups) {
    const kir::Connectivity& cn = sg.connectivity;
    if (cn.storage == kir::Connectivity::Storage::Sparse && (cn.index_bits != 32 || !cn.keep_pre))
      c.error("synapse group '" + sg.name + "' is stored as sparse" +
                  (cn.index_bits != 32 ? " with " + std::to_string(cn.index_bits) + "-bit indices" : "") +
                  (cn.keep_pre ? "" : " without pre indices") + ", which the " + c.backend + " backend does not implement",
              hint);
    if (cn.storage == kir::Connectivity::Storage::Procedural && sg.connect.kind != kir::ConnectRule::Kind::AllToAll &&
        sg.connect.kind != kir::ConnectRule::Kind::OneToOne &&
        (sg.connect.kind != kir::ConnectRule::Kind::Probability || sg.connect.depends_on_j || sg.connect.n))
      c.error("synapse group '" + sg.name + "' is procedural with a rule whose rows the " + c.backend +
                  " backend cannot regenerate on the device (all-to-all, one-to-one and probabilities that do not depend on j)",
              hint);
    for (const auto& pw : sg.pathways)
      if (pw.buffering == kir::SynapseGroup::Pathway::Buffering::Dendritic)
        c.error("pathway '" + pw.name + "' of '" + sg.name + "' uses a dendritic delay ring, which the " + c.backend + " backend does not implement", hint);
  }
  for (const auto& k : c.p.kernels)
    if (!k.dispatch.empty())
      c.error("kernel '" + k.name + "' fuses the propagation of several synapse groups, which the " + c.backend + " backend does not implement", hint);
  for (const auto& k : c.p.kernels)
    if (!k.merged.empty())
      c.error("kernel '" + k.name + "' merges the neuron kernels of " + std::to_string(k.merged.size()) +
                  " populations (fusion:merged-groups), which the " + c.backend + " backend does not implement", hint);
}

void plan_kernels(LaunchPlan& c) {
  c.plans.clear();
  check_strategies(c);
  plan_lists(c);
  for (size_t idx = 0; idx < c.p.kernels.size(); ++idx) {
    const kir::Kernel& k = c.p.kernels[idx];
    KernelPlan plan;
    plan.index = idx;
    plan.kernel = &k;
    kir::BufferAccesses acc;
    kir::collect_accesses(k.body, acc);
    const std::set<std::string>& reads = acc.loads;
    const std::set<std::string>& writes = acc.stores;
    bool emits = k.emits_spikes || acc.emits;
    if (k.domain.kind == Domain::Kind::SpikeGenerator) emits = false;  // writes its list directly
    bool ok = true;
    for (const auto& names : {reads, writes})
      for (const auto& n : names)
        if (c.buffer_index(n) < 0) {
          c.error("kernel '" + k.name + "' uses unknown buffer '" + n + "'");
          ok = false;
        }
    if (k.every_steps < 1) {
      c.error("kernel '" + k.name + "' runs every " + std::to_string(k.every_steps) + " steps");
      ok = false;
    }
    std::set<std::string> all = reads;
    all.insert(writes.begin(), writes.end());
    for (const auto& n : all) plan.params.push_back({Kind::Buffer, n, writes.count(n) == 0});
    ok = plan_domain(c, k, emits, plan) && ok;
    plan.params.push_back({Kind::Seed, ""});
    plan.params.push_back({Kind::Step, ""});
    plan.params.push_back({Kind::Slot, ""});
    if (!ok) plan.kernel = nullptr;  // not emitted; errors are reported
    c.plans.push_back(std::move(plan));
  }
}

}  // namespace modelc::codegen::simt
