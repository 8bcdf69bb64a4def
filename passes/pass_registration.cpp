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
}

std::vector<std::string> default_pipeline() {
  return {"resolve-names", "inline-subexpressions", "fold-constants", "state-update", "synaptic-equations", "fold-constants",
          "lower-to-kernels"};
}

}  // namespace modelc
