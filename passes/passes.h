// Factories of the built-in passes (each pass lives in its own file).
#pragma once

#include <memory>

#include "passes/pass.h"

namespace modelc::passes::model {

std::unique_ptr<Pass> create_resolve_names_pass();         // "resolve-names"
std::unique_ptr<Pass> create_inline_subexpressions_pass(); // "inline-subexpressions"
std::unique_ptr<Pass> create_constant_folding_pass();      // "fold-constants"
std::unique_ptr<Pass> create_state_update_pass();          // "state-update"
std::unique_ptr<Pass> create_synaptic_equations_pass();    // "synaptic-equations" (IR v2)

}  // namespace modelc::passes::model

namespace modelc::passes::lowering {

std::unique_ptr<Pass> create_kernel_lowering_pass();       // "lower-to-kernels"

}  // namespace modelc::passes::lowering

namespace modelc::passes::kernel {

std::unique_ptr<Pass> create_connectivity_strategy_pass(); // "choose-connectivity" (after lowering)
std::unique_ptr<Pass> create_delay_buffering_pass();       // "choose-delay-buffering" (after lowering)
std::unique_ptr<Pass> create_fast_delay_buffering_pass();  // "choose-delay-buffering-fast" (-O3)
std::unique_ptr<Pass> create_kernel_constant_folding_pass();  // "fold-kernel-constants"
std::unique_ptr<Pass> create_strength_reduction_pass();       // "strength-reduce" (exact)
std::unique_ptr<Pass> create_fast_strength_reduction_pass();  // "strength-reduce-fast" (-O3 only)
std::unique_ptr<Pass> create_kernel_cse_pass();               // "kernel-cse"
std::unique_ptr<Pass> create_neuron_kernel_fusion_pass();     // "fuse-neuron-kernels"
std::unique_ptr<Pass> create_synaptic_propagation_fusion_pass();  // "fuse-synaptic-propagation"
std::unique_ptr<Pass> create_neuron_group_merging_pass();     // "merge-neuron-groups"
std::unique_ptr<Pass> create_partition_plan_pass();           // "plan-partition" (last)

}  // namespace modelc::passes::kernel
