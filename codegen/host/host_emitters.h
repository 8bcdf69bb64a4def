// Host-module code every backend writes the same way (codegen/host): the model description behind
// mc_get_info, the static initial-value and spike-generator tables, and connectivity construction
// (connect<g>, building each synapse group's CSR on the host). The CPU module runs it as is; the
// OpenCL module runs it at mc_init and uploads the result, so synapses are identical on every
// backend by construction.
#pragma once

#include "codegen/host/host_context.h"

namespace modelc::codegen::host {

// `mc_get_info()` and the static tables behind it (mc_model_info.backend is c.backend).
void emit_info(HostContext& c);
// Static data before the kernels: Buffer::init_values as `_mc_init<b>` (doubles) and each spike
// generator's `_mc_gen<k>_steps` / `_mc_gen<k>_idx`.
void emit_init_tables(HostContext& c);
// Copies of those tables into the state, in mc_create (neuron buffers, `synapses` false: the
// counts are checked at emit time) or in mc_init (per-synapse buffers, once the synapse count is
// known: checked at run time). `store(b, n)` writes the backend's copy of the n (a C expression)
// values of buffer b from _mc_init<b>.
void emit_init_values(HostContext& c, bool synapses, const std::function<void(size_t, const std::string&)>& store);

// ABI accessors with the same code in every host module (abi_emitter.cpp): mc_current_step,
// mc_launch_count, mc_last_error, mc_var_size and mc_spike_count; mc_monitor_length and
// mc_monitor_read over the monitors' mc_array recordings (the flush into them is the backend's).
void emit_state_accessors(HostContext& c);
void emit_monitor_accessors(HostContext& c);

// `static int connect<g>(mc_module* m)` for every synapse group: builds the CSR (0 = ok) into
// m->syn<g>_row/post/pre and m->syn<g>_n. Buffers a connection rule reads are m->b_<name>.
void emit_connect(HostContext& c);
// Parts of the CSR build shared with the CPU backend's other storages (inside connect<g>, after
// `int64_t* __restrict _mc_row` is bound): the row count pass and the explicit-pair sort.
void emit_count_rows(HostContext& c, int g);
void emit_explicit_csr(HostContext& c, int g);
// The element type of syn<g>_post and of row<g>'s output ("uint16_t" for sparse u16, else "int32_t").
std::string post_index_type(const HostContext& c, int g);
std::string row_output_type(const HostContext& c, int g);

}  // namespace modelc::codegen::host
