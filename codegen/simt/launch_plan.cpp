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

// True when the block has conflicting accumulations and all of them go to the target at j.
bool conflicts_only_at_target(const Block& b, bool& any) {
  return kir::walk(b, [&](const Stmt& s) {
    if (s.kind != Stmt::Kind::Accumulate || !s.conflicting) return kir::WalkResult::Advance;
    any = true;
    return kir::is_target_index(s.index) ? kir::WalkResult::Advance : kir::WalkResult::Stop;
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

std::vector<std::string> simt_features() {
  return {
      // One thread per neuron runs the fused body; EmitSpike sets its flag as in any threshold kernel.
      "fusion:neuron-kernels",
      // CSR rows with 16-bit post indices, without the pre array where nothing reads it.
      "connectivity:sparse-u16", "connectivity:drop-pre",
      // A block per spike scans its dense or bitmask row, or regenerates its procedural row from
      // the Philox stream.
      "connectivity:dense", "connectivity:bitmask", "connectivity:procedural",
      // Heterogeneous delays summed ahead of delivery into a per-target ring of delay slots.
      "delay:dendritic",
      // Several pathways' propagation in one kernel: a block per spike visits each branch's row.
      "fusion:synaptic-propagation",
      // GeNN-style merged neuron groups: one launch, a contiguous range of threads per member.
      "fusion:merged-groups",
      // Spike propagation by a thread per target neuron looping over the spikes (GeNN's PostSpan).
      "propagation:postsynaptic",
  };
}

Block merged_member_body(const kir::Kernel& k, const kir::Kernel::MergedMember& mb) {
  const std::map<std::string, std::string> to(mb.buffer_renames.begin(), mb.buffer_renames.end());
  Block out = k.body;
  kir::walk(out, [&](Stmt& st) {
    if (st.kind == Stmt::Kind::Store || st.kind == Stmt::Kind::Accumulate)
      if (auto it = to.find(st.name); it != to.end()) st.name = it->second;
    return kir::WalkResult::Advance;
  });
  static const std::string kParam = "merged_param_";
  kir::rewrite_exprs(out, [&](const ExprP& e) -> ExprP {
    if (e->kind == Expr::Kind::Load)
      if (auto it = to.find(e->name); it != to.end()) {
        Expr renamed = *e;
        renamed.name = it->second;
        return std::make_shared<const Expr>(std::move(renamed));
      }
    if (e->kind == Expr::Kind::Builtin && e->name.rfind(kParam, 0) == 0) {
      const size_t q = std::stoul(e->name.substr(kParam.size()));
      if (q < mb.params.size() && mb.params[q]) return mb.params[q];
    }
    return e;
  });
  return out;
}

bool is_post_parallel(const kir::Program& p, const kir::Kernel& k) {
  if (k.domain.kind != Domain::Kind::SynapticEvents || !k.dispatch.empty()) return false;
  const kir::SynapseGroup* g = p.find_synapse_group(k.domain.synapses);
  return g && g->connectivity.propagation == "postsynaptic";
}

bool LaunchPlan::needs_transpose(int g) const {
  if (g < 0 || g >= static_cast<int>(p.synapse_groups.size())) return false;
  if (p.synapse_groups[g].needs_transpose) return true;
  for (const auto& plan : plans)
    if (plan.kernel && (plan.gather || (plan.post_parallel && p.synapse_groups[g].connectivity.storage ==
                                                                   kir::Connectivity::Storage::Sparse)) &&
        plan.group == g)
      return true;
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

// A merged neuron kernel: its members one after another in one launch, each with its own flags
// (emitting kernels) and so its own event list, compacted after the launch.
static bool plan_merged(LaunchPlan& c, const kir::Kernel& k, bool emits, KernelPlan& plan) {
  const std::string who = "kernel '" + k.name + "'";
  if (k.domain.kind != Domain::Kind::Neurons || k.domain.size > 0 || k.merged[0].population != k.domain.population) {
    c.error(who + " merges neuron groups but is not a whole-population neurons kernel over its first member");
    return false;
  }
  int64_t first = 0;
  for (size_t m = 0; m < k.merged.size(); ++m) {
    const kir::Kernel::MergedMember& mb = k.merged[m];
    MergedMember mm;
    mm.population = c.population_index(mb.population);
    if (mm.population < 0 || mb.params.size() != k.merged[0].params.size()) {
      c.error(who + " merges unknown population '" + mb.population + "' or has a malformed member table");
      return false;
    }
    mm.first = first;
    mm.size = c.p.populations[mm.population].size;
    first += mm.size;
    mm.body = merged_member_body(k, mb);
    if (emits) {
      mm.list = need_list(c, mm.population, k.event, who);
      if (mm.list < 0) return false;
      plan.params.push_back({Kind::Flags, "", false, -1, static_cast<int>(m), mm.list});
    }
    plan.members.push_back(std::move(mm));
  }
  plan.emits = emits;
  plan.list = plan.members[0].list;
  return true;
}

// The two kernels of a dendritic delay ring (Pathway::Buffering::Dendritic, a pre pathway): the
// events of this step add into ring row (step + delay[syn]) % depth, a block per event as for
// SynapticEvents; the drain, a thread per target neuron, adds row step % depth and zeroes it.
static bool plan_dendritic(LaunchPlan& c, const kir::Kernel& k, const kir::SynapseGroup& sg,
                           const kir::SynapseGroup::Pathway* pw, KernelPlan& plan) {
  const std::string who = "kernel '" + k.name + "'";
  if (!pw || pw->post || pw->buffering != kir::SynapseGroup::Pathway::Buffering::Dendritic || pw->delay_buffer.empty() ||
      c.buffer_index(pw->ring_buffer) < 0) {
    c.error(who + " serves pathway '" + k.domain.pathway + "' of '" + sg.name +
            "', which is not a pre pathway with a dendritic delay ring and per-synapse delays");
    return false;
  }
  if (k.domain.kind == Domain::Kind::DendriticDrain) {
    plan.population = c.population_index(sg.target);
    plan.params.push_back({Kind::Depth, ""});
    return plan.population >= 0;
  }
  if (sg.connectivity.storage != kir::Connectivity::Storage::Sparse) {
    c.error(who + ": the dendritic delay ring of '" + sg.name + "' needs sparse (CSR) storage");
    return false;
  }
  plan.population = c.population_index(sg.source);
  if (plan.population < 0) return false;
  plan.list = need_list(c, plan.population, pw->event, who);
  if (plan.list < 0) return false;
  for (Kind kd : {Kind::Spikes, Kind::Counts, Kind::Row, Kind::Post, Kind::Delays, Kind::Depth}) plan.params.push_back({kd, ""});
  return true;
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
    if (!k.merged.empty()) return plan_merged(c, k, emits, plan);
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
  if (sg.connectivity.storage != kir::Connectivity::Storage::Sparse && d.kind != DK::SynapticEvents &&
      d.kind != DK::DendriticDrain) {
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
  if (d.kind == DK::DendriticEvents || d.kind == DK::DendriticDrain) return plan_dendritic(c, k, sg, pw, plan);
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
  // The row of a spiking neuron, per storage (procedural: nothing, the row is regenerated); a fused
  // propagation kernel takes each branch's, the first undecorated.
  auto row_params = [&](const kir::SynapseGroup& g, int group, int branch) {
    auto add = [&](Kind kd) { plan.params.push_back({kd, "", true, group, branch}); };
    switch (g.connectivity.storage) {
      case kir::Connectivity::Storage::Sparse: add(Kind::Row), add(Kind::Post); break;
      case kir::Connectivity::Storage::Dense: add(Kind::Row), add(Kind::Dense); break;
      case kir::Connectivity::Storage::Bitmask: add(Kind::Row), add(Kind::Bits); break;
      case kir::Connectivity::Storage::Procedural: break;
    }
  };
  if (is_post_parallel(c.p, k)) {
    using St = kir::Connectivity::Storage;
    const bool rule = sg.connect.kind == kir::ConnectRule::Kind::AllToAll || sg.connect.kind == kir::ConnectRule::Kind::OneToOne;
    if (sg.connectivity.storage == St::Procedural && !rule) {
      c.error(who + ": postsynaptic propagation of '" + sg.name +
              "' needs all-to-all or one-to-one rows when they are procedural (a thread per target cannot sample a row)");
      return false;
    }
    plan.post_parallel = true;
    auto add = [&](Kind kd) { plan.params.push_back({kd, "", true, plan.group, 0}); };
    switch (sg.connectivity.storage) {
      case St::Sparse: add(Kind::Row), add(Kind::Col), add(Kind::ColSyn); break;
      case St::Dense: add(Kind::Dense); break;
      case St::Bitmask: add(Kind::Bits); break;
      case St::Procedural: break;
    }
    return true;
  }
  if (k.dispatch.empty()) {
    row_params(sg, plan.group, 0);
    return true;
  }
  for (size_t b = 0; b < k.dispatch.size(); ++b) {
    const int g = c.group_index(k.dispatch[b].synapses);
    if (g < 0) {
      c.error(who + " dispatches to unknown synapse group '" + k.dispatch[b].synapses + "'");
      return false;
    }
    const kir::SynapseGroup& bg = c.p.synapse_groups[g];
    const kir::SynapseGroup::Pathway* bp = d.pathway.empty() ? bg.find_pathway("pre") : bg.find_pathway(d.pathway);
    const int64_t bdelay = bp ? bp->delay_steps : bg.delay_steps;
    const std::string bevent = bp ? bp->event : d.event;
    if (c.population_index(bg.source) != plan.population || bdelay != plan.delay ||
        need_list(c, plan.population, bevent, who) != plan.list) {
      c.error(who + " dispatches to groups with different sources, events or delays");
      return false;
    }
    if (b == 0 && g != plan.group) {
      c.error(who + ": the first dispatch branch must be the domain's synapse group '" + sg.name + "'");
      return false;
    }
    row_params(bg, g, static_cast<int>(b));
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
    if (cn.storage == kir::Connectivity::Storage::Sparse && cn.index_bits != 32 && cn.index_bits != 16)
      c.error("synapse group '" + sg.name + "' is stored as sparse with " + std::to_string(cn.index_bits) +
                  "-bit indices, which the " + c.backend + " backend does not implement (16 or 32)",
              hint);
    if (cn.storage == kir::Connectivity::Storage::Procedural && sg.connect.kind != kir::ConnectRule::Kind::AllToAll &&
        sg.connect.kind != kir::ConnectRule::Kind::OneToOne &&
        (sg.connect.kind != kir::ConnectRule::Kind::Probability || sg.connect.depends_on_j || sg.connect.n))
      c.error("synapse group '" + sg.name + "' is procedural with a rule whose rows the " + c.backend +
                  " backend cannot regenerate on the device (all-to-all, one-to-one and probabilities that do not depend on j)",
              hint);
  }
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
    for (const auto& br : k.dispatch) kir::collect_accesses(br.body, acc);  // fused propagation
    for (const auto& mb : k.merged) kir::collect_accesses(merged_member_body(k, mb), acc);  // merged groups
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
    for (auto& prm : plan.params)
      if (prm.kind != Kind::Buffer && prm.group < 0) prm.group = plan.group;
    // choose-connectivity drops the pre array only where no kernel reads it.
    for (const auto& prm : plan.params)
      if (prm.kind == Kind::Pre && prm.group >= 0 && !c.p.synapse_groups[prm.group].connectivity.keep_pre) {
        c.error("kernel '" + k.name + "' reads the pre indices of synapse group '" + c.p.synapse_groups[prm.group].name +
                "', whose connectivity drops them");
        ok = false;
      }
    plan.params.push_back({Kind::Seed, ""});
    plan.params.push_back({Kind::Step, ""});
    plan.params.push_back({Kind::Slot, ""});
    if (!ok) plan.kernel = nullptr;  // not emitted; errors are reported
    c.plans.push_back(std::move(plan));
  }
}

}  // namespace modelc::codegen::simt
