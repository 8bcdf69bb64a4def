// State shared by the parts of the CPU module emitter (module layout + ABI in
// cpu_module_emitter.cpp, kernels + monitors in cpu_kernel_emitter.cpp, connectivity storages in
// cpu_connectivity_emitter.cpp; the CSR build, model description and tables shared with the other
// backends in codegen/host). Internal to backends/cpu.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "backends/cpu/cpu_module_emitter.h"
#include "backends/cpu/cpu_step_schedule.h"
#include "codegen/host/host_emitters.h"
#include "support/format.h"

namespace modelc::backends::cpu {

void emit_connect_unstored(struct EmitContext& c, int g);

// The shared host context plus the CPU options; connect<g> of the dense, bitmask and procedural
// storages comes from cpu_connectivity_emitter.cpp (over codegen/host's, plus the procedural row buffer).
struct EmitContext : codegen::host::HostContext {
  EmitContext(const kir::Program& program, const CpuEmitOptions& cpu_options, DiagnosticEngine& diagnostics)
      : HostContext(program, diagnostics, "cpu"), options(cpu_options) {
    emit_connect_unstored = [this](int g) { cpu::emit_connect_unstored(*this, g); };
    partitioned = true;
  }
  const CpuEmitOptions& options;
  // Threading (docs/performance.md, "Threads"): mc_run runs its steps in one OpenMP team. A team
  // kernel is called by every thread of it and shares its work with orphaned worksharing
  // constructs, ending in a barrier; any other kernel is a solo kernel, run by thread 0 between
  // barriers. team[k] is set while kernel k is emitted.
  std::vector<char> team;
  std::vector<KernelSharing> sharing;                // how each kernel splits (cpu_step_schedule.h)
  size_t kernel = 0;                                 // the kernel being emitted
  std::set<std::pair<int, size_t>> team_queues;      // (group, pathway): one delivery queue per thread
  void mark_team() { if (kernel < team.size()) team[kernel] = 1; }
  void mark_sharing(KernelSharing::Kind kind, int population = -1, bool synchronised = false) {
    if (kernel < sharing.size()) sharing[kernel] = {kind, population, synchronised};
  }
};

// The largest team mc_run forks (the size of the per-thread scratch in struct mc_module).
constexpr int kMaxTeam = 256;
// mc_barrier: how long a waiting thread spins before it sleeps, in time-stamp counter ticks
// (x86; about 0.1 ms at 2.5 GHz) or, elsewhere, in polls. Measured here (2 threads, 5 us of work
// between barriers): 200 pauses (about 3 us) slept at 80% of barriers and took 18.7 us per
// barrier, 2,000 or more pauses 5.5 us, also with two busy processes competing for the cores.
constexpr long long kBarrierSpinTicks = 1 << 18;
constexpr int kBarrierSpins = 1 << 16;
// Spike-driven kernels split their targets among the threads from this many targets on (below,
// one thread delivers everything).
constexpr int64_t kTeamMinTargets = 2;

// The global index (its position in a one-process run, docs/distributed.md) of synapse `syn` of
// group g: what random draws and whole-CSR arrays are keyed by, so every rank count draws the same.
inline std::string synapse_gid(int g, const std::string& syn) {
  const std::string f = "m->syn" + std::to_string(g) + "_gid";
  return "(" + f + " ? " + f + "[" + syn + "] : (" + syn + "))";
}
// The exchange scratch (mc_create) and the exchange functions (cpu_exchange_emitter.cpp).
void emit_exchange_scratch(EmitContext& c);
void emit_exchanges(EmitContext& c);
// `for (i = ...; i < ...)` bounds of a whole-population neuron loop on this rank: [begin, end),
// with the padded end on the rank holding the population's last neuron.
std::string local_begin(int pk);
std::string local_end(const EmitContext& c, int pk, bool padded);

using codegen::host::emit_connect;
using codegen::host::emit_count_rows;
using codegen::host::emit_explicit_csr;
using codegen::host::emit_info;
using codegen::host::emit_init_tables;
using codegen::host::emit_init_values;
using codegen::host::per_synapse;
using codegen::host::post_index_type;
using codegen::host::row_output_type;

using support::c_string;
using support::double_text;
using support::int_text;

// Per-neuron buffers are allocated rounded up to whole blocks of 64 elements (any vector length x
// unroll the host compiler picks divides it), so elementwise update loops run whole vectors only:
// with libmvec, vector and scalar exp (and the AVX2 and AVX-512 variants) may differ in the last
// bit, and every neuron must take the same path whatever the thread count (docs/passes.md).
constexpr int64_t kSimdPad = 64;
inline int64_t simd_padded(int64_t n) { return n <= 0 ? n : (n + kSimdPad - 1) / kSimdPad * kSimdPad; }
// The blocks of a fused update loop (cpu_fused_emitter.cpp) and the unit in which threads own
// neurons and targets (mc_own_targets). A multiple of kSimdPad, so every block but the last starts
// and ends on a padding boundary and the vectoriser sees the same whole vectors as in an unfused
// update loop.
constexpr int64_t kFusedBlock = 4 * kSimdPad;

// Functions `MC_KERNEL void k<idx>(mc_module* m, int64_t step)` for every kernel, and
// `static int rec<idx>(mc_module* m, int64_t step)` (0 = ok) for every monitor.
void emit_kernels(EmitContext& c);
void emit_monitor_recorders(EmitContext& c);

// Connectivity storages (kir::Connectivity; cpu_connectivity_emitter.cpp).
void emit_connectivity_fields(EmitContext& c, int g);    // inside struct mc_module
void emit_connectivity_destroy(EmitContext& c, int g);   // in mc_destroy
void emit_connectivity_prototypes(EmitContext& c);       // file scope, before the kernels
// Inside a synapse-domain kernel: binds the arrays its loop reads (_mc_row, _mc_post, ...).
void emit_synapse_bindings(EmitContext& c, int g);
// Inside the spike loop of a SynapticEvents kernel, with `i` (slice-relative) and _mc_k/_mc_spikes/
// _mc_nspikes bound: prefetches the next row and runs `body` for every synapse of row i, with j and
// syn defined as the IR says.
// With `range` set, a team kernel's thread visits only the synapses whose target lies in its range
// [_mc_j0<range>, _mc_j1<range>) (emit_target_range), in the row's order (docs/performance.md).
void emit_row_visit(EmitContext& c, int g, const kir::Block& body, const std::string& range = "");
// Declares this thread's target range [_mc_j0<name>, _mc_j1<name>) of `targets` targets.
void emit_target_range(EmitContext& c, const std::string& name, const std::string& targets, const std::string& indent = "  ");
// The same for the targets of group g, split as the target population's neurons are among the
// threads (its blocks, mc_own_targets): a thread's deliveries then land only on neurons it updates.
void emit_owned_target_range(EmitContext& c, int g);
// True when `e` is the domain index `var` ("i", "j", "syn"), possibly cast.
bool is_index(const kir::ExprP& e, const char* var);
// True when every CSR row of group g ascends in j (what a binary search for a target needs).
bool rows_ascending(const EmitContext& c, int g);
// True when group g's rows let a thread visit only its targets: not procedural, ascending if sparse.
bool row_visit_splits(const EmitContext& c, int g);
// True when `body` (a synapse-domain body) writes only elements owned by its target j or its
// synapse syn, and reads the buffers it writes only at those elements: then threads owning
// disjoint target ranges never touch the same element, and each element sees the serial order.
bool target_owned(const kir::Block& body);
// mc_synapse_count and mc_read_synapses.
void emit_synapse_accessors(EmitContext& c);

// A spike-emitting neurons kernel whose body starts with elementwise statements (a fused update +
// threshold, see cpu_fused_emitter.cpp): vectorised prefix and serial suffix per block of neurons.
// False (nothing emitted) when the body has no such prefix; the caller then emits a serial loop.
struct SplitLoopChecks {
  std::function<bool(const kir::Block&)> elementwise;  // iterations independent (accesses at i)
  std::function<bool(const kir::Block&)> pad_safe;     // may also run on the padding lanes
};
bool emit_split_emitting_loop(EmitContext& c, const kir::Kernel& k, int pk, const SplitLoopChecks& checks);
// The same loop with its bounds and lists given as C expressions: literals for an ordinary kernel,
// a member's table entries for a merged one (Kernel::merged, cpu_merged_emitter.cpp).
struct NeuronLoopShape {
  std::string n, padded;            // int64 neuron count and simd_padded(n)
  std::string history;              // int64 ring depth of the event list
  std::string spikes, count, total;  // int32_t* ring, int64_t* counts, int64_t lvalue total
  std::string begin, end;           // int64 neurons this rank computes, [begin, end) (not padded)
  bool parallel_code = false;       // emit the threaded variant ...
  std::string parallel_if;          // ... taking threads only where this holds ("" = always)
};
bool emit_split_emitting_loop(EmitContext& c, const kir::Block& body, const NeuronLoopShape& shape, const SplitLoopChecks& checks);
// A Neurons kernel with Kernel::merged: one function, a table of the members' buffers, sizes, lists
// and parameters, and per member the loop its unmerged kernel would have run.
void emit_merged_neurons(EmitContext& c, const kir::Kernel& k, const std::set<std::string>& reads,
                         const std::set<std::string>& writes, const SplitLoopChecks& checks);
// The loop of a SynapticEvents kernel with Kernel::dispatch (fuse-synaptic-propagation): one pass
// over the source's spikes, each group's rows visited through emit_row_visit.
void emit_synaptic_dispatch(EmitContext& c, const kir::Kernel& k);

// Event delivery beyond spikes of CSR rows (cpu_event_delivery_emitter.cpp): custom event lists,
// spike generators, the transposed index of post pathways and heterogeneous-delay queues. Each
// hooks into one place of the module layout.
std::string event_field(const EmitContext& c, int pk, const std::string& event, const char* what);
int64_t event_history(const EmitContext& c, int pk, const std::string& event);  // the IR's steps of events
int64_t ring_depth(const EmitContext& c, int pk, const std::string& event);     // slots of the module's ring
bool check_event(EmitContext& c, int pk, const std::string& event, const std::string& who);
void emit_delivery_fields(EmitContext& c);      // inside struct mc_module
void emit_event_lists_create(EmitContext& c);   // in mc_create, where MC_ALLOC is defined
void emit_delivery_destroy(EmitContext& c);     // in mc_destroy
void emit_delay_queues_init(EmitContext& c);    // in mc_init, after the synapse init kernels
// The loop of a PostSynapticEvents, QueuedEvents or SpikeGenerator kernel; false for other domains.
bool emit_delivery_domain(EmitContext& c, const kir::Kernel& k);

// Dendritic delay rings (cpu_delay_emitter.cpp; feature "delay:dendritic").
bool is_dendritic(const kir::SynapseGroup::Pathway& pw);
// mc_init code setting the ring depth to `max_steps` + 1 and allocating the zeroed ring.
std::string emit_dendritic_ring_alloc(EmitContext& c, int g, size_t w, const std::string& max_steps);
// The loop of a DendriticEvents / DendriticDrain kernel; false for other domains.
bool emit_dendritic_domain(EmitContext& c, const kir::Kernel& k);

}  // namespace modelc::backends::cpu
