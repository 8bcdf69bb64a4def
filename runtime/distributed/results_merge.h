// Puts the ranks' results of a distributed run together into the RunResults the one-process run
// of the same module gives, exactly (docs/distributed.md, "Module and host"):
// - spike counts and synapse counts add up over the ranks (replicated ones: rank 0's);
// - spike monitors: the ranks' events stably sorted by step, ranks in rank order, which is the
//   one-process order because ranges are contiguous and ascending;
// - state monitors of neurons and of chosen synapses: each column from the first rank holding it;
// - state monitors of every synapse of a group: each rank's columns placed at their one-process
//   synapse index;
// - rate monitors: the ranks' spike counts per step, recovered exactly from their rates, added and
//   divided once, with the module's own arithmetic;
// - replicated populations and groups: rank 0's copy.
// A pure function of its inputs, so it is tested on synthetic ranks (tests/unit/test_results_merge.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "abi/modelc_abi.h"
#include "runtime/distributed/rank_results.h"

namespace modelc::runtime::distributed {

// What the merge needs of the model (the same on every rank: mc_model_info).
struct PartitionLayout {
  double dt = 0.0;
  std::vector<uint8_t> population_replicated;  // per population
  std::vector<uint8_t> group_replicated;       // per synapse group
  struct Monitor {
    mc_monitor_kind kind = MC_MON_SPIKES;
    bool replicated = false;    // its population (or synapse group) is computed whole by every rank
    int32_t all_synapses = -1;  // state monitor of every synapse of this synapse group; -1: not one
    int64_t slice_size = 0;     // rate monitors: neurons in the monitored slice
  };
  std::vector<Monitor> monitors;
};

PartitionLayout partition_layout(const mc_model_info& info);

// `ranks` in rank order, one per rank; consumed. On a mismatch between the ranks (different
// models, steps, monitor shapes) or a column no rank holds, returns false with `error` saying so.
bool merge_rank_results(const PartitionLayout& layout, std::vector<RankResults>& ranks, RunResults& out,
                        std::string& error);

}  // namespace modelc::runtime::distributed
