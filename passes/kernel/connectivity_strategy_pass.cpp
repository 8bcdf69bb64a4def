// choose-connectivity: picks each synapse group's storage (kir::Connectivity) from the cost model
// of passes/analysis/connectivity_cost.h, or checks the one the model asks for ("connectivity" on a synapses
// object). docs/passes.md, "Connectivity strategy", has the formulas and the rules.
#include <algorithm>
#include <cstdio>

#include "passes/analysis/connectivity_cost.h"
#include "passes/analysis/propagation_cost.h"
#include "passes/passes.h"

namespace modelc::passes::kernel {

namespace {

using analysis::Analysis;
using analysis::Candidate;
using analysis::format_bytes;
using analysis::Storage;

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string candidate_name(const Candidate& c) {
  std::string s = kir::storage_name(c.storage);
  if (c.storage == Storage::Sparse) s += "-u" + std::to_string(c.index_bits);
  return s;
}

// "S=3200 T=4000 synapses~256000 row~80; sparse-u16 538 KiB cost 100, dense ..."
std::string numbers_text(const Analysis& a) {
  std::string s = "S=" + std::to_string(a.source) + " T=" + std::to_string(a.target) + " synapses~" +
                  (a.synapses ? number(*a.synapses) : std::string("unknown")) +
                  (a.synapses ? " row~" + number(a.row_length()) : std::string()) + ";";
  for (const auto& c : a.candidates) {
    s += " " + candidate_name(c) + " " + (c.bytes > 0 || a.synapses ? format_bytes(c.bytes) : std::string("? B"));
    if (a.synapses) s += " cost/spike " + number(c.cost_per_spike);
    if (!c.legal) s += " (illegal)";
    else if (!c.supported) s += " (not in backend)";
    s += ",";
  }
  s.pop_back();
  return s;
}

kir::Connectivity connectivity_of(const Candidate& c) {
  kir::Connectivity out;
  out.storage = c.storage;
  if (c.storage == Storage::Sparse) {
    out.index_bits = c.index_bits;
    out.keep_pre = c.keep_pre;
  }
  return out;
}

// The automatic choice: least cost per spike among the stored storages that fit the budget (within
// 10% of the least counts as equal; then least memory); procedural when nothing stored fits, or
// when its rows need no random draws (all-to-all, one-to-one, p >= 1): then it is at least as fast
// as any stored storage and needs no memory.
const Candidate& choose(const Analysis& a, double budget, std::string& why) {
  auto usable = [](const Candidate& c) { return c.legal && c.supported; };
  const Candidate& sparse = a.of(Storage::Sparse);
  const Candidate& proc = a.of(Storage::Procedural);
  if (!a.synapses) {
    why = "the expected synapse count is unknown (the rule depends on i/j or is a generator): sparse";
    return sparse;
  }
  if (usable(proc) && !a.row_draws) {
    why = "procedural rows need no random draws here, so regenerating them costs no more than reading them";
    return proc;
  }
  const Candidate* best = nullptr;
  double least_cost = 0;
  for (const auto& c : a.candidates)
    if (c.storage != Storage::Procedural && usable(c) && c.bytes <= budget &&
        (!best || c.cost_per_spike < least_cost))
      best = &c, least_cost = c.cost_per_spike;
  if (!best) {
    if (usable(proc)) {
      why = "no stored storage fits in " + format_bytes(budget) + " (its share of a quarter of the memory): rows are regenerated";
      return proc;
    }
    why = "no storage fits in " + format_bytes(budget) + " (its share of a quarter of the memory): the smallest legal one";
    const Candidate* small = &sparse;
    for (const auto& c : a.candidates)
      if (c.storage != Storage::Procedural && usable(c) && c.bytes < small->bytes) small = &c;
    return *small;
  }
  for (const auto& c : a.candidates)
    if (c.storage != Storage::Procedural && usable(c) && c.bytes <= budget &&
        c.cost_per_spike <= 1.1 * least_cost && c.bytes < best->bytes)
      best = &c;
  why = "least cost per spike among the storages that fit in " + format_bytes(budget) +
        " (within 10% counts as equal, then least memory)";
  return *best;
}

class ConnectivityStrategyPass : public Pass {
 public:
  std::string name() const override { return "choose-connectivity"; }
  std::string description() const override {
    return "choose each synapse group's storage (sparse u16/u32, dense, bitmask, procedural) by a cost model";
  }

  bool run(CompilationUnit& unit, DiagnosticEngine& diags) override {
    if (!unit.program) return true;  // nothing lowered (yet): nothing to choose
    // The memory budget is shared: each group gets the part of it that its pairs (S*T) are of all
    // groups' pairs, so two large groups cannot each take the whole of it.
    double pairs = 0;
    for (const auto& g : unit.program->synapse_groups)
      pairs += static_cast<double>(g.source_size) * static_cast<double>(g.target_size);
    bool ok = true;
    for (auto& g : unit.program->synapse_groups) {
      const double share = pairs > 0 ? static_cast<double>(g.source_size) * static_cast<double>(g.target_size) / pairs : 1.0;
      const double budget = analysis::storage_budget(unit.target) * share;
      const ir::SynapseGroup* src = nullptr;
      for (const auto& s : unit.model.synapses)
        if (s.name == g.name) src = &s;
      const ir::ConnectivityRequest requested = src ? src->connectivity : ir::ConnectivityRequest::Auto;
      const std::string request(ir::name(requested));
      const std::string ptr = src ? src->json_pointer + "/connectivity" : "";
      Analysis a = analysis::analyse(*unit.program, g, unit.target);
      std::string why;
      const Candidate* chosen = nullptr;
      if (requested == ir::ConnectivityRequest::Auto) {
        chosen = &choose(a, budget, why);
      } else {
        Storage want = requested == ir::ConnectivityRequest::Dense      ? Storage::Dense
                       : requested == ir::ConnectivityRequest::Bitmask    ? Storage::Bitmask
                       : requested == ir::ConnectivityRequest::Procedural ? Storage::Procedural
                                                                          : Storage::Sparse;
        const Candidate& c = a.of(want);
        if (!c.legal) {
          diags.error("synapses " + g.name + " cannot use " + request + " connectivity: " + c.why_not, ptr,
                      "use \"auto\" or \"sparse\" (docs/passes.md, Connectivity strategy)");
          ok = false;
          continue;
        }
        if (!c.supported) {
          diags.error("the " + unit.target.backend + " backend does not implement " + request +
                          " connectivity (feature " + analysis::feature_of(want) + "), asked for by synapses " + g.name,
                      ptr, "use \"auto\" or \"sparse\", or the cpu backend");
          ok = false;
          continue;
        }
        chosen = &c;
        why = "requested in the model";
        warn_if_bad(a, c, budget, g.name, ptr, diags);
      }
      g.connectivity = connectivity_of(*chosen);
      ok = choose_propagation(unit, g, a, src, diags) && ok;
      record(unit, g, why + "; " + numbers_text(a));
    }
    return ok;
  }

 private:
  // A legal but clearly poor request: several times the memory or the work of the automatic choice.
  static void warn_if_bad(const Analysis& a, const Candidate& c, double budget, const std::string& group,
                          const std::string& ptr, DiagnosticEngine& diags) {
    if (!a.synapses) return;
    std::string why;
    const Candidate& best = choose(a, budget, why);
    if (best.storage == c.storage) return;
    const std::string cn = kir::storage_name(c.storage), bn = kir::storage_name(best.storage);
    if (c.bytes > 4 * best.bytes && c.bytes > (1 << 20))
      diags.warning("synapses " + group + ": " + cn + " needs " + format_bytes(c.bytes) + " where " + bn + " needs " +
                        format_bytes(best.bytes),
                    ptr, "remove \"connectivity\" (or set \"auto\") to let modelc choose");
    else if (c.cost_per_spike > 4 * best.cost_per_spike && c.cost_per_spike > 64)
      diags.warning("synapses " + group + ": " + cn + " costs about " + number(c.cost_per_spike / best.cost_per_spike) +
                        "x the work per spike of " + bn + " (" + number(c.cost_per_spike) + " vs " +
                        number(best.cost_per_spike) + " synapse updates)",
                    ptr, "remove \"connectivity\" (or set \"auto\") to let modelc choose");
  }

  // GPU targets: presynaptic- or postsynaptic-parallel spike propagation, by the GPU cost model
  // or as the model asks ("propagation"); CPU targets push serially whatever is asked.
  static bool choose_propagation(CompilationUnit& unit, kir::SynapseGroup& g, const Analysis& a, const ir::SynapseGroup* src,
                                 DiagnosticEngine& diags) {
    const ir::PropagationRequest requested = src ? src->propagation : ir::PropagationRequest::Auto;
    const std::string ptr = src ? src->json_pointer + "/propagation" : "";
    // GPU targets: those that declare the postsynaptic scheme (the SIMT backends), or say they are accelerators.
    if (!unit.target.accelerator && !unit.target.has("propagation:postsynaptic")) {
      if (requested != ir::PropagationRequest::Auto)
        diags.warning("synapses " + g.name + " asks for " + std::string(ir::name(requested)) + " propagation, which only GPU backends choose: the " +
                          unit.target.backend + " backend pushes spikes serially",
                      ptr, "use --backend opencl or cuda, or remove \"propagation\"");
      return true;
    }
    const analysis::PropagationCost pc = analysis::analyse_propagation(*unit.program, g, a, unit.target);
    if (!pc.applies) {
      g.connectivity.propagation = analysis::kPresynaptic;
      if (requested != ir::PropagationRequest::Auto)
        diags.warning("synapses " + g.name + " asks for " + std::string(ir::name(requested)) +
                          " propagation, but no kernel of the group is driven by spikes through its rows (heterogeneous delays, post pathways and every-synapse kernels keep their own schemes)",
                      ptr, "remove \"propagation\"");
      return true;
    }
    std::string why;
    bool post = false;
    if (requested == ir::PropagationRequest::Postsynaptic) {
      if (!pc.post_legal) {
        diags.error("synapses " + g.name + " cannot use postsynaptic propagation: " + pc.why_not_post, ptr,
                    "use \"auto\" or \"presynaptic\" (docs/passes.md, GPU propagation)");
        return false;
      }
      post = true, why = "requested in the model";
    } else if (requested == ir::PropagationRequest::Presynaptic) {
      why = "requested in the model";
    } else if (!pc.known) {
      why = "the expected synapse count is unknown: presynaptic (a block per spike) is the safe default";
    } else if (!pc.post_legal) {
      why = "postsynaptic is not possible: " + pc.why_not_post;
    } else {
      // Within 10% counts as equal: then the block per spike, whose cost depends less on the rate guess.
      post = pc.post < 0.9 * pc.pre;
      why = post ? "a thread per target looping over the spikes costs less than a block per spike (by more than 10%)"
                 : "a block per spike costs less than, or within 10% of, a thread per target looping over the spikes";
    }
    g.connectivity.propagation = post ? analysis::kPostsynaptic : analysis::kPresynaptic;
    unit.decisions.emplace_back("propagation of " + g.name + ": " +
                                    (post ? std::string("postsynaptic-parallel (a thread per target neuron loops over the step's spikes; no atomics, the CPU's order)")
                                          : std::string("presynaptic-parallel (a block per spike walks its row; atomics into the targets)")),
                                why + "; " + analysis::propagation_numbers(pc));
    return true;
  }

  // Replaces lowering's default "connectivity of G" decision (or adds one).
  static void record(CompilationUnit& unit, const kir::SynapseGroup& g, const std::string& why) {
    const std::string key = "connectivity of " + g.name + ":";
    const std::string& pr = g.connectivity.propagation;
    std::string what = key + " " + analysis::storage_text(g.connectivity) +
                       (pr == analysis::kPostsynaptic  ? ", postsynaptic-parallel"
                        : pr == analysis::kPresynaptic ? ", presynaptic-parallel"
                                                       : ", presynaptic push");
    for (auto& d : unit.decisions)
      if (d.first.rfind(key, 0) == 0) {
        d = {what, why};
        return;
      }
    unit.decisions.emplace_back(what, why);
  }
};

}  // namespace

std::unique_ptr<Pass> create_connectivity_strategy_pass() { return std::make_unique<ConnectivityStrategyPass>(); }

}  // namespace modelc::passes::kernel
