// The parts of a GPU module's C++ host module (emit_host_module), each hooked into one place of the
// module layout described in gpu_host_module.cpp. The module calls the device runtime
// (abi/device_runtime.h), never a device API; what every backend's host module writes the same way
// (connect<g>, mc_get_info, initial-value tables) comes from codegen/host. Internal to codegen/simt.
#pragma once

#include <set>
#include <string>

#include "codegen/host/host_context.h"
#include "codegen/simt/gpu_module.h"

namespace modelc::codegen::simt {

// Buffers a connection rule reads (gpu_host_module.cpp): host mirrors, downloaded before connect.
std::set<std::string> connect_reads(const kir::Program& p);

// The kernel table, the step schedule and the launch code that reads them (gpu_host_kernels.cpp):
// mc_bind(m, k), mc_run_kernel(m, k, step), mc_run_step(m, step).
void emit_kernel_table(GpuModuleContext& c, std::string& o);

// mc_init, mc_run and the ABI accessors (gpu_host_abi.cpp).
void emit_init_run(GpuModuleContext& c, std::string& o);
void emit_accessors(GpuModuleContext& c, std::string& o);

// Event delivery beyond spikes along CSR rows (gpu_host_delivery.cpp): spike generator and
// initial-value uploads, the transposed index of post pathways, and per heterogeneous-delay
// pathway the delay-sorted rows and its event ring.
void emit_delivery_fields(GpuModuleContext& c, std::string& o);   // struct mc_module fields
void emit_delivery_setup(GpuModuleContext& c, std::string& o);    // mc_setup: tables, init_values
void emit_delivery_release(GpuModuleContext& c, std::string& o);  // mc_destroy
void emit_queue_functions(GpuModuleContext& c, std::string& o);   // mc_queue_events<g>_<w>
void emit_transpose_init(GpuModuleContext& c, std::string& o);    // mc_init, after the CSR upload
void emit_synapse_init_values(GpuModuleContext& c, std::string& o);  // mc_init, per-synapse init_values
void emit_delay_rows_init(GpuModuleContext& c, std::string& o);   // mc_init, after synapse init kernels

// Monitor recording on the host side (gpu_host_monitors.cpp): struct fields, allocation,
// per-step tasks and the flush functions that pull device recordings into host arrays.
void emit_monitor_fields(GpuModuleContext& c, std::string& o);
void emit_monitor_functions(GpuModuleContext& c, std::string& o);
// mc_init: set-up of state monitors of synapse groups (their sizes are known only there).
void emit_synapse_monitor_setup(GpuModuleContext& c, std::string& o);


}  // namespace modelc::codegen::simt
