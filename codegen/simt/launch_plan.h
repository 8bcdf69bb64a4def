// How a kernel IR program maps onto SIMT launches (one thread per element, blocks of threads,
// a grid), independent of the GPU dialect: which parameters every kernel takes, which event list
// it reads or emits into, which synapse kernels run as gathers. The device emitter
// (simt_kernel_emitter) declares kernels from it and a backend's host side sets exactly those
// arguments, so both halves agree by construction.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "codegen/program_context.h"
#include "ir/kernel_ir.h"
#include "support/diagnostics.h"

namespace modelc::codegen::simt {

// The largest block of the event kernels (SynapticEvents, PostSynapticEvents, QueuedEvents): the
// host caps their block size at this, and the scans over a row of the non-CSR storages keep one
// block-shared entry per thread.
constexpr int kEventBlockCap = 64;

// One kernel parameter, in declaration order.
struct KernelParam {
  enum class Kind {
    Buffer,    // a program buffer `name` (device memory d_<name>)
    Flags,     // the threshold flags of the plan's emitted event list (emitting neuron kernels)
    Spikes,    // the ring of the plan's event list: int[history][size] (writable: spike generators)
    Counts,    // the counts of that list per ring slot: int[history]
    Row,       // CSR row pointers of `group` (long[source_size + 1])
    Totals,    // long[lists]: event totals (spike generators add to them)
    GenSteps,  // the generator table of `population`: steps (long), sorted
    GenIdx,    //   ... and neuron indices (int)
    Col,       // transposed index of `group`: column pointers (long[target_size + 1])
    ColSyn,    //   ... and the synapse of each entry (int)
    Seg,       // heterogeneous delays of the plan's pathway: per (row, delay) segment starts (long)
    Perm,      //   ... and the synapses of the rows sorted by delay (int)
    Depth,     // long: the delay ring depth of the plan's pathway (1 + max delay, known at mc_init)
    Delays,    // dendritic ring of the plan's pathway: each synapse's delay in steps (int)
    Dense,     // dense connectivity of `group`: synapses per pair (uchar[source_size][target_size])
    Bits,      // bitmask connectivity of `group`: one bit per pair (ulong[source_size][words of target_size])
    Post,      // CSR post indices of `group` (int)
    Pre,       // CSR pre indices of `group` (int)
    SynCount,  // long: the synapse count of `group`
    Seed,      // ulong
    Step,      // long: set before every launch
    Slot,      // long: the spike ring slot read this launch (set before every launch)
  };
  Kind kind = Kind::Buffer;
  std::string name;  // Buffer: the buffer name
  bool read_only = true;
  // Connectivity parameters (Row, Post, Dense, Bits) of a fused propagation kernel's later branches:
  // the synapse group they name and the branch (declared as _mc_row_b<branch>, ...). -1 / 0: the
  // plan's group, undecorated names.
  int group = -1;
  int branch = 0;
  // Flags of a merged kernel's member `branch` > 0 (declared _mc_flags_b<branch>): its event list.
  int list = -1;
};

// One member of a merged neuron kernel (Kernel::merged): its population and event list, its
// threads [first, first + size) of the launch, and the kernel's body with the member's buffers
// and parameter literals substituted.
struct MergedMember {
  int population = -1;
  int list = -1;
  int64_t first = 0, size = 0;
  kir::Block body;
};

struct KernelPlan {
  size_t index = 0;
  const kir::Kernel* kernel = nullptr;
  std::vector<KernelParam> params;
  int population = -1;  // neuron domains: the population; synaptic events: the source population
  int group = -1;       // synapse domains
  bool emits = false;   // writes threshold flags: the compaction kernel follows it
  // The event list the domain reads (Spikes, SynapticEvents, PostSynapticEvents, QueuedEvents) or
  // the kernel emits into (emitting Neurons, SpikeGenerator); -1 = none. Lists are numbered as
  // LaunchPlan::lists.
  int list = -1;
  int pathway = -1;        // synapse event domains: index into the group's pathways
  int64_t delay = 0;       // SynapticEvents / PostSynapticEvents: the homogeneous delay in steps
  // Synapses domain whose only conflicting writes are accumulations into the target at j (summed
  // variables): run as a gather, one thread per target summing its column in ascending synapse
  // order through the transposed index. No atomics, and the CPU's order, so results are
  // bit-identical to the CPU backend's on every device.
  bool gather = false;
  // SynapticEvents of a group with kir::Connectivity::propagation "postsynaptic": one thread per
  // target neuron loops over the step's spikes in list order and runs the body for its synapses
  // from each (sparse: found in its column of the transposed index; dense, bitmask: its element of
  // the row; all-to-all, one-to-one: computed). Each target's accumulations come in the CPU's
  // order (spike order, then ascending synapse) with no atomics.
  bool post_parallel = false;
  // Kernel::merged (fusion:merged-groups): the members, one launch over all of their neurons.
  std::vector<MergedMember> members;
};

// An event list on the device: the spikes of a population or one of its custom events. Lists
// 0 .. populations-1 are the populations' spikes (so list k's total is population k's spike count),
// custom events follow.
struct EventListInfo {
  int population = 0;
  int event = -1;        // index into Population::events, -1 = spikes
  int64_t history = 1;
  std::string prefix;    // host field prefix: "pop<k>" or "pop<k>_ev<e>"
};

// Whether the CSR post indices of `sg` are 16-bit (connectivity:sparse-u16), else int32.
inline bool narrow_post(const kir::SynapseGroup& sg) {
  return sg.connectivity.storage == kir::Connectivity::Storage::Sparse && sg.connectivity.index_bits == 16;
}

// Whether `k` runs postsynaptic-parallel (KernelPlan::post_parallel): an unfused SynapticEvents
// kernel of a group whose propagation is "postsynaptic".
bool is_post_parallel(const kir::Program& p, const kir::Kernel& k);

// The launch plan of a whole program.
struct LaunchPlan : ProgramContext {
  LaunchPlan(const kir::Program& program, DiagnosticEngine& diagnostics, std::string backend_name)
      : ProgramContext(program, diagnostics, std::move(backend_name)) {}

  std::vector<KernelPlan> plans;  // one per program kernel, same order
  std::vector<EventListInfo> lists;

  // The list of `event` ("" or "spike" = spikes) of population `pk`; -1 when it has no such event.
  int list_index(int pk, const std::string& event) const;
  // Synapse group `g` needs the transposed index (post pathways, gathering kernels); after plan_kernels.
  bool needs_transpose(int g) const;
};

// The strategies the SIMT emitter implements (BackendCapabilities::features of every GPU backend):
// the CPU backend's, less partition:ranks (distributed runs are CPU-only).
std::vector<std::string> simt_features();

// Fills c.lists and c.plans (and reports kernels over unknown populations / groups or unknown
// buffers, and strategies the SIMT emitter does not implement).
void plan_kernels(LaunchPlan& c);

// Whether a program needs 64-bit atomics (conflicting Accumulate into double or int64 buffers).
bool needs_int64_atomics(const kir::Program& p);

// The gather analysis: a Synapses body whose conflicting accumulations all go to the target at j.
bool is_gather(const kir::Block& body);
// The body member `mb` of merged kernel `k` runs: k's body with mb's buffer renames applied and
// the built-ins merged_param_K replaced by mb's literals.
kir::Block merged_member_body(const kir::Kernel& k, const kir::Kernel::MergedMember& mb);
// The block with every Accumulate non-conflicting (a gather's thread owns its target).
kir::Block without_conflicts(const kir::Block& b);

}  // namespace modelc::codegen::simt
