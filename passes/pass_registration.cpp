#include "passes/pass_manager.h"
#include "passes/passes.h"

namespace modelc::passes {

void register_builtin_passes() {
  auto& r = PassRegistry::instance();
  r.add("resolve-names", model::create_resolve_names_pass);
  r.add("inline-subexpressions", model::create_inline_subexpressions_pass);
  r.add("fold-constants", model::create_constant_folding_pass);
  r.add("state-update", model::create_state_update_pass);
  r.add("synaptic-equations", model::create_synaptic_equations_pass);
  r.add("lower-to-kernels", lowering::create_kernel_lowering_pass);
  r.add("choose-connectivity", kernel::create_connectivity_strategy_pass);
  r.add("choose-delay-buffering", kernel::create_delay_buffering_pass);
  r.add("choose-delay-buffering-fast", kernel::create_fast_delay_buffering_pass);
  r.add("fold-kernel-constants", kernel::create_kernel_constant_folding_pass);
  r.add("strength-reduce", kernel::create_strength_reduction_pass);
  r.add("strength-reduce-fast", kernel::create_fast_strength_reduction_pass);
  r.add("kernel-cse", kernel::create_kernel_cse_pass);
  r.add("fuse-neuron-kernels", kernel::create_neuron_kernel_fusion_pass);
  r.add("fuse-synaptic-propagation", kernel::create_synaptic_propagation_fusion_pass);
  r.add("merge-neuron-groups", kernel::create_neuron_group_merging_pass);
  r.add("plan-partition", kernel::create_partition_plan_pass);
}

std::vector<std::string> default_pipeline() { return pipeline_for_opt_level(2); }

// -O0: only what is needed to produce kernel IR. -O1/-O2 (the default): plus the exact kernel-IR
// optimisations, which keep results bit-identical. -O3: plus strength-reduce-fast, which may change
// the last bits (see docs/passes.md). Folding runs before strength reduction (so timestep(3 ms, dt)
// is a literal it can compare against) and CSE last (so it shares what the others produced).
std::vector<std::string> pipeline_for_opt_level(int level) {
  std::vector<std::string> p = {"resolve-names", "inline-subexpressions", "fold-constants", "state-update",
                                "synaptic-equations", "fold-constants", "lower-to-kernels"};
  // plan-partition last at every level: it reads the final schedule (exchange points are task
  // positions) and distributed runs need it whatever the optimisation level.
  if (level <= 0) {
    p.push_back("plan-partition");
    return p;
  }
  // choose-connectivity first: it only annotates synapse groups (storage), so it is independent
  // of the body rewrites that follow; -O0 keeps lowering's default (sparse, u32, pre kept).
  // choose-delay-buffering next, on the bodies as lowered (its legality check reads their shape);
  // -O3 lets it reassociate floating-point input sums (docs/passes.md, "Delay buffering").
  p.insert(p.end(), {"choose-connectivity", level >= 3 ? "choose-delay-buffering-fast" : "choose-delay-buffering",
                     "fold-kernel-constants", "strength-reduce"});
  if (level >= 3) p.push_back("strength-reduce-fast");
  p.push_back("kernel-cse");
  // Fusion after CSE: CSE works per kernel and fused bodies would only give it more to scan; fusion
  // renames clashing locals itself. It changes the schedule, never the arithmetic.
  p.push_back("fuse-neuron-kernels");
  p.push_back("fuse-synaptic-propagation");
  // Merging last: it compares whole (fused) bodies of different populations.
  p.push_back("merge-neuron-groups");
  p.push_back("plan-partition");
  return p;
}

}  // namespace modelc::passes
