// What one rank of a distributed run hands to rank 0 after the run: its own RunResults
// (Simulation::collect: its neurons' spikes, its synapses, its monitor recordings) and what rank 0
// needs to put the ranks' results together (docs/distributed.md, "Module and host"). Shipped as
// bytes (encode_rank_results / decode_rank_results) through Communicator::gather.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "runtime/distributed/partition_adapter.h"
#include "runtime/simulation.h"

namespace modelc::runtime::distributed {

struct RankResults {
  int rank = 0;
  RunResults results;
  // Per population: the neurons this rank computes, [first, second) (mc_local_neurons).
  std::vector<std::pair<int64_t, int64_t>> neuron_ranges;
  // Per synapse group: the one-process index of each synapse this rank holds, in local order
  // (mc_read_synapse_ids). Only for groups a state monitor records whole; empty otherwise.
  std::vector<std::vector<int64_t>> synapse_ids;
  // Per monitor: for state monitors, 1 for each column this rank computes (mc_monitor_held);
  // empty for the other kinds.
  std::vector<std::vector<uint8_t>> held;
  ExchangeStats exchange;
  // Host-side findings the manifest records (non-finite state), as JSON text; empty: none.
  std::string notes;
};

// Simulation::collect plus what the merge needs of this rank (ranges, synapse indices, held
// columns); the exchange statistics and notes are the caller's. A module without the distributed
// symbols (mc_local_neurons, mc_read_synapse_ids) is described as one whole rank.
bool collect_rank_results(Simulation& sim, int rank, RankResults& out, std::string& error);

std::string encode_rank_results(const RankResults& r);
bool decode_rank_results(const std::string& bytes, RankResults& out, std::string& error);

}  // namespace modelc::runtime::distributed
