// State shared by the two halves of the OpenCL backend's code generation: the OpenCL C program
// (opencl_kernel_emitter.cpp) and the C++ host module that drives it (opencl_host_emitter.cpp and
// opencl_host_monitors.cpp). Both derive kernel signatures from the same KernelPlan, so the host
// sets exactly the arguments the device code declares. Internal to backends/opencl.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "backends/opencl/opencl_printer.h"
#include "support/diagnostics.h"
#include "ir/kernel_ir.h"

namespace modelc::opencl::detail {

// One kernel parameter, in declaration order.
struct KernelParam {
  enum class Kind {
    Buffer,    // a program buffer `name` (device memory d_<name>)
    Flags,     // the threshold flags of the plan's emitted event list (emitting neuron kernels)
    Spikes,    // the ring of the plan's event list: int[history][size] (writable: spike generators)
    Counts,    // the counts of that list per ring slot: int[history]
    Row,       // CSR row pointers of `group` (long[source_size + 1])
    // IR v2:
    Totals,    // long[lists]: event totals (spike generators add to them)
    GenSteps,  // the generator table of `population`: steps (long), sorted
    GenIdx,    //   ... and neuron indices (int)
    Col,       // transposed index of `group`: column pointers (long[target_size + 1])
    ColSyn,    //   ... and the synapse of each entry (int)
    Seg,       // heterogeneous delays of the plan's pathway: per (row, delay) segment starts (long)
    Perm,      //   ... and the synapses of the rows sorted by delay (int)
    Depth,     // long: the delay ring depth of the plan's pathway (1 + max delay, known at mc_init)
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
};

struct KernelPlan {
  size_t index = 0;
  const kir::Kernel* kernel = nullptr;
  std::vector<KernelParam> params;
  int population = -1;  // neuron domains: the population; synaptic events: the source population
  int group = -1;       // synapse domains
  bool emits = false;   // writes threshold flags: the compaction kernel follows it
  // IR v2: the event list the domain reads (Spikes, SynapticEvents, PostSynapticEvents,
  // QueuedEvents) or the kernel emits into (emitting Neurons, SpikeGenerator); -1 = none. Lists are
  // numbered as EmitContext::lists.
  int list = -1;
  int pathway = -1;        // synapse event domains: index into the group's pathways
  int64_t delay = 0;       // SynapticEvents / PostSynapticEvents: the homogeneous delay in steps
  // Synapses domain whose only conflicting writes are accumulations into the target at j (summed
  // variables): run as a gather, one work-item per target summing its column in ascending synapse
  // order through the transposed index. No atomics, and the CPU's order, so results are
  // bit-identical to the CPU backend's on every device.
  bool gather = false;
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

struct EmitContext {
  const kir::Program& p;
  DiagnosticEngine& diags;
  OpenCLPrinter printer;
  std::vector<KernelPlan> plans;  // one per program kernel, same order
  std::vector<EventListInfo> lists;

  // The list of `event` ("" or "spike" = spikes) of population `pk`; -1 when it has no such event.
  int list_index(int pk, const std::string& event) const;

  int population_index(const std::string& name) const;
  int group_index(const std::string& name) const;
  int buffer_index(const std::string& name) const;
  // Synapse group `g` needs the transposed index (post pathways, gathering kernels); after plan_kernels.
  bool needs_transpose(int g) const;
  void error(const std::string& message, const std::string& hint = {});
};

// Fills c.lists and c.plans (and reports kernels over unknown populations / groups or unknown buffers).
void plan_kernels(EmitContext& c);

// Whether a program needs 64-bit atomics (conflicting Accumulate into double or int64 buffers).
bool needs_int64_atomics(const kir::Program& p);

// The declaration of one kernel parameter (opencl_kernel_emitter.cpp).
std::string kernel_param_decl(const EmitContext& c, const KernelParam& prm);
// The body of a kernel whose domain only IR v2 produces (opencl_v2_kernels.cpp): PostSynapticEvents,
// QueuedEvents, SpikeGenerator. False (nothing written) for other domains.
bool emit_v2_kernel_body(EmitContext& c, const KernelPlan& plan, std::string& o);

// The OpenCL C program: `prelude` (opencl_prelude.cl + abi/philox.h + opencl_helpers.cl) and
// then one __kernel per program kernel (`k<idx>`) and per state monitor (`mc_rec_state<k>`).
std::string emit_device_source(EmitContext& c, const std::string& prelude);

// The C++ host module implementing abi/modelc_abi.h around `device_source`.
std::string emit_host_module(EmitContext& c, const std::string& device_source, int default_threads);

// The device kernel recording a spike monitor's variables (IR v2; nothing for other monitors).
void emit_spike_variable_recorder(EmitContext& c, size_t mi, std::string& o);
// The parts of the host module: opencl_host_parts.h.

}  // namespace modelc::opencl::detail
