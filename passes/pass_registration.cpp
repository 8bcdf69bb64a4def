#include "passes/pass_manager.h"
#include "passes/passes.h"

namespace modelc {

void register_builtin_passes() {
  auto& r = PassRegistry::instance();
  r.add("resolve-names", create_resolve_names_pass);
  r.add("inline-subexpressions", create_inline_subexpressions_pass);
  r.add("fold-constants", create_constant_folding_pass);
  r.add("state-update", create_state_update_pass);
  r.add("synaptic-equations", create_synaptic_equations_pass);
  r.add("lower-to-kernels", create_kernel_lowering_pass);
  r.add("fold-kernel-constants", create_kernel_constant_folding_pass);
  r.add("strength-reduce", create_strength_reduction_pass);
  r.add("strength-reduce-fast", create_fast_strength_reduction_pass);
  r.add("kernel-cse", create_kernel_cse_pass);
}

std::vector<std::string> default_pipeline() { return pipeline_for_opt_level(2); }

// -O0: only what is needed to produce kernel IR. -O1/-O2 (the default): plus the exact kernel-IR
// optimisations, which keep results bit-identical. -O3: plus strength-reduce-fast, which may change
// the last bits (see docs/passes.md). Folding runs before strength reduction (so timestep(3 ms, dt)
// is a literal it can compare against) and CSE last (so it shares what the others produced).
std::vector<std::string> pipeline_for_opt_level(int level) {
  std::vector<std::string> p = {"resolve-names", "inline-subexpressions", "fold-constants", "state-update",
                                "synaptic-equations", "fold-constants", "lower-to-kernels"};
  if (level <= 0) return p;
  p.insert(p.end(), {"fold-kernel-constants", "strength-reduce"});
  if (level >= 3) p.push_back("strength-reduce-fast");
  p.push_back("kernel-cse");
  return p;
}

}  // namespace modelc
