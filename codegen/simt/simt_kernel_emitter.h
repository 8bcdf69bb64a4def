// The one emitter of GPU kernels (GeNN's BackendSIMT idea): every kernel of a launch plan, the
// monitors' recorders and the generic spike kernels are written here once, in the shared C grammar,
// asking the printer's GpuDialect only for kernel qualifiers, address spaces, thread geometry,
// barriers, shared memory and atomics. A GPU backend supplies a dialect and a prelude
// (mc_f64, the c_printer.h helpers, mc_atomic_* compare-and-swap helpers, mc_binomial_*).
//
// How each launch domain maps onto a one-dimensional grid (hosts launch accordingly):
//   Neurons             one thread per neuron (of the domain's range), grid rounded up to the block
//                       size, so every kernel starts with a bounds check.
//   Neurons+emit        the same; EmitSpike sets the neuron's flag, and mc_compact_spikes then ranks
//                       the flags with a prefix-sum scan into the ascending list (spikes or the
//                       kernel's custom event). Chosen over "atomic append + sort": the scan is
//                       deterministic by construction, needs no atomics and no sort of a list of
//                       unknown length.
//   Spikes              one thread per possible event (the count lives on the device, the host never
//                       waits for it); threads past this step's count return at once.
//   SynapticEvents      one block per event (grid-stride over the events), its threads stride over
//                       the event's CSR row, so consecutive threads read consecutive `post` entries
//                       (coalesced). Conflicting Accumulates are atomics. Dense and bitmask rows:
//                       threads stride over the target counts or 64-target words; procedural rows
//                       are regenerated from the Philox stream (a tile of draws per pass, ranked by a
//                       block-wide prefix sum), so the synapses are the CPU's (matrix_row and
//                       procedural_row in the .cpp).
//   PostSynapticEvents  the same over the transposed index: one block per event of the target slice,
//                       threads stride over its column (ascending synapse order).
//   QueuedEvents        heterogeneous delays without a queue: the host sorts every row (column for
//                       post pathways) by delay once at mc_init, giving per (row, delay) segments.
//                       The pathway keeps its own ring of the last `depth` steps' events (copied from
//                       the event list every step, mc_copy_events); at step T the synapses due are
//                       exactly, for every d < depth, the segment (row, d) of each event of step
//                       T - d. One block per (d, event) pair, threads stride over the segment. No
//                       atomic appends, no per-slot sort, memory O(rows * depth + synapses), and the
//                       set delivered per step is the CPU queue's slot; only the order of conflicting
//                       accumulations differs (atomics, as everywhere).
//   SpikeGenerator      one block: every thread binary-searches the sorted table for this step's
//                       range (cheap, and no barrier needed), then they copy it strided; the table is
//                       sorted by (step, index), so the list comes out ascending as on the CPU.
//   Synapses            one thread per synapse; a gather (launch_plan.h) one thread per target.
#pragma once

#include <string>

#include "codegen/simt/gpu_printer.h"
#include "codegen/simt/launch_plan.h"

namespace modelc::codegen::simt {

// The declaration of one kernel parameter.
std::string kernel_param_decl(const LaunchPlan& c, const GpuPrinter& printer, const KernelParam& prm);

// The generic kernels every program holds, independent of the model: mc_compact_spikes (flags ->
// ascending list), mc_record_spikes (device-side spike recording), mc_copy_events (the event ring
// of a heterogeneous-delay pathway).
std::string emit_support_kernels(const GpuPrinter& printer);

// MC_DT, one kernel `k<idx>` per emitted plan, `mc_rec_state<mi>` per state monitor and
// `mc_rec_spikevars<mi>` per spike monitor recording variables.
std::string emit_model_kernels(const LaunchPlan& c, GpuPrinter& printer);

// The device program: `header`, `prelude`, the support kernels, the model kernels.
std::string emit_device_program(const LaunchPlan& c, GpuPrinter& printer, const std::string& header,
                                const std::string& prelude);

}  // namespace modelc::codegen::simt
