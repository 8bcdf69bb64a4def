// The analysis and cost model behind the choose-connectivity pass (docs/passes.md, "Connectivity
// strategy"): for one synapse group of a lowered program, which storages are legal (and why not),
// how many bytes each needs and what a spike costs with each.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "ir/kernel_ir.h"
#include "passes/pass.h"

namespace modelc::passes::analysis {

using Storage = kir::Connectivity::Storage;
constexpr std::array<Storage, 4> kStorages = {Storage::Sparse, Storage::Dense, Storage::Bitmask, Storage::Procedural};

// What the group's kernels, buffers, monitors and pathways need from its storage.
struct GroupUse {
  bool per_synapse_buffers = false;  // any SynapseState buffer sized by the synapse count
  bool uses_syn = false;             // a kernel body reads "syn" or draws random numbers (keyed by syn)
  bool synapses_domain = false;      // a Synapses-domain kernel (initialisers, summed variables, ...)
  bool other_domain = false;         // a domain other than SynapticEvents/Synapses (v2 queues, post
                                     // pathways, dendritic rings: they read the int32 CSR directly)
  bool monitored = false;            // a state monitor records the group
  bool post_pathway = false;
  bool heterogeneous_delay = false;
};

struct Candidate {
  Storage storage = Storage::Sparse;
  bool legal = true;
  std::string why_not;          // when !legal
  bool supported = true;        // the target lists the feature
  int index_bits = 32;          // Sparse
  bool keep_pre = true;         // Sparse
  double bytes = 0;             // of the storage (row pointers included), 0 when unknown
  double cost_per_spike = 0;    // model units (one synapse update = 1), 0 when unknown
};

struct Analysis {
  GroupUse use;
  int64_t source = 0, target = 0;
  std::optional<double> synapses;  // expected count: nullopt when the rule does not say (generators,
                                   // probabilities that depend on i or j, conditions)
  bool row_draws = false;          // regenerating a row needs random draws (probability 0 < p < 1)
  std::array<Candidate, 4> candidates;  // in kStorages order
  double row_length() const { return synapses && source > 0 ? *synapses / static_cast<double>(source) : 0; }
  const Candidate& of(Storage s) const { return candidates[static_cast<size_t>(s)]; }
};

// The target feature a storage needs ("connectivity:dense", ...); empty for sparse u32 with pre.
std::string feature_of(Storage s);
Analysis analyse(const kir::Program& p, const kir::SynapseGroup& g, const TargetInfo& target);

// The bytes the host may give to one group's synapses before procedural connectivity is preferred:
// a quarter of `host_memory_bytes` (0 = the physical memory, sysconf).
double storage_budget(const TargetInfo& target);

std::string format_bytes(double bytes);  // "1.5 GiB", "812 KiB", "40 B"
std::string storage_text(const kir::Connectivity& c);  // "sparse u16, pre dropped", "bitmask", ...

}  // namespace modelc::passes::analysis
