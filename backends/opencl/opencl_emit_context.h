// State shared by the two halves of the OpenCL backend's code generation: the OpenCL C program
// (opencl_kernel_emitter.cpp) and the C++ host module that drives it (opencl_host_emitter.cpp and
// opencl_host_monitors.cpp). Both derive kernel signatures from the same KernelPlan, so the host
// sets exactly the arguments the device code declares. Internal to backends/opencl.
#pragma once

#include <string>
#include <vector>

#include "backends/opencl/opencl_printer.h"
#include "frontend/diagnostics.h"
#include "ir/kernel_ir.h"

namespace modelc::opencl::detail {

// One kernel parameter, in declaration order.
struct KernelParam {
  enum class Kind {
    Buffer,    // a program buffer `name` (device memory d_<name>)
    Flags,     // the threshold flags of `population` (emitting neuron kernels)
    Spikes,    // the spike ring of `population`: int[history][size]
    Counts,    // the spike counts of `population` per ring slot: int[history]
    Row,       // CSR row pointers of `group` (long[source_size + 1])
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
};

struct EmitContext {
  const kir::Program& p;
  DiagnosticEngine& diags;
  OpenCLPrinter printer;
  std::vector<KernelPlan> plans;  // one per program kernel, same order

  int population_index(const std::string& name) const;
  int group_index(const std::string& name) const;
  int buffer_index(const std::string& name) const;
  void error(const std::string& message, const std::string& hint = {});
};

// Fills c.plans (and reports kernels over unknown populations / groups or unknown buffers).
void plan_kernels(EmitContext& c);

// Whether a program needs 64-bit atomics (conflicting Accumulate into double or int64 buffers).
bool needs_int64_atomics(const kir::Program& p);

// The OpenCL C program: `prelude` (opencl_prelude.cl + runtime/philox.h + opencl_helpers.cl) and
// then one __kernel per program kernel (`k<idx>`) and per state monitor (`mc_rec_state<k>`).
std::string emit_device_source(EmitContext& c, const std::string& prelude);

// The C++ host module implementing runtime/modelc_abi.h around `device_source`.
std::string emit_host_module(EmitContext& c, const std::string& device_source, int default_threads);

// Monitor recording on the host side (opencl_host_monitors.cpp): struct fields, allocation,
// per-step tasks and the flush functions that pull device recordings into host arrays.
void emit_monitor_fields(EmitContext& c, std::string& o);
void emit_monitor_functions(EmitContext& c, std::string& o);

}  // namespace modelc::opencl::detail
