// The GPU cost model behind choose-connectivity's propagation choice (docs/passes.md, "GPU
// propagation"): for one synapse group whose storage is chosen, whether its spike propagation may
// run postsynaptic-parallel (a thread per target neuron looping over the step's spikes) and what a
// step costs each way on a GPU. Presynaptic-parallel (a block per spike walking the spike's row) is
// always possible.
#pragma once

#include <string>

#include "ir/kernel_ir.h"
#include "passes/analysis/connectivity_cost.h"
#include "passes/pass.h"

namespace modelc::passes::analysis {

// The value of kir::Connectivity::propagation for each scheme on GPU targets (CPU: "push").
inline constexpr const char* kPresynaptic = "presynaptic";
inline constexpr const char* kPostsynaptic = "postsynaptic";

// The GPU the costs are computed for (docs/passes.md): an A100-class device (sm_80, the CUDA
// backend's default architecture): 108 SMs x 64 lanes, warps of 32, event blocks of 64 threads.
struct GpuShape {
  double lanes = 108.0 * 64.0;
  double warp = 32.0;
  double event_block = 64.0;
};

struct PropagationCost {
  bool applies = false;     // the group has spike-driven (SynapticEvents) kernels
  bool post_legal = false;
  std::string why_not_post;  // when !post_legal
  double spikes_per_step = 0;  // expected, at the assumed rate
  double pre = 0, post = 0;    // modelled time per step (lane-steps of one synapse update)
  double post_bytes = 0;       // what post-parallel adds: the transposed index (sparse), else 0
  bool known = false;          // the synapse count is known, so the costs mean something
};

// `a`: the storage analysis of `g`; g.connectivity holds the chosen storage.
PropagationCost analyse_propagation(const kir::Program& p, const kir::SynapseGroup& g, const Analysis& a,
                                    const TargetInfo& target, const GpuShape& gpu = {});

// "S=... n~3.2 spikes/step: presynaptic 8 (..), postsynaptic 19 (..)" for decisions.
std::string propagation_numbers(const PropagationCost& c);

}  // namespace modelc::passes::analysis
