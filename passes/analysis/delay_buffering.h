// Delay buffering (passes/kernel/delay_buffering_pass.cpp): the analyses behind the choice between
// per-slot delivery queues and a dendritic (postsynaptic) ring for heterogeneous delays.
#pragma once

#include <optional>
#include <string>

#include "ir/kernel_ir.h"

namespace modelc::passes::analysis {

// Whether a pathway kernel's effect can be summed ahead of delivery: its body only adds (+= / -=)
// into one variable of the target slice at index j (possibly under the target's not_refractory
// guard), values that are the same at the spike and at delivery (literals, i/j/syn, buffers no
// step kernel writes). Otherwise `why` says what stops it, in words for an error message.
struct Legality {
  bool legal = false;
  std::string why;
  std::string target;  // the accumulated target buffer
  bool guarded = false;
  std::string guard;   // the not_refractory buffer of the guard
};
Legality analyse_pathway(const kir::Program& p, const kir::SynapseGroup& sg, const kir::Kernel& k);

// Bound on the pathway's delays in steps at compile time: from the per-synapse delay array or the
// delay expression of the synapse group's init kernel (interval arithmetic over literals, i, j,
// rand()); nullopt when the delay has no static bound.
std::optional<int64_t> max_delay_steps(const kir::Program& p, const kir::SynapseGroup& sg,
                                       const kir::SynapseGroup::Pathway& pw);

// Expected synapse count from the connect rule (nullopt when it depends on run-time data).
std::optional<double> expected_synapses(const kir::SynapseGroup& sg);

}  // namespace modelc::passes::analysis
