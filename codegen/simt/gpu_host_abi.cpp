// mc_init, mc_run and the variable / synapse / count accessors of a GPU host module (the
// layout is described in gpu_host_module.cpp).
#include <set>

#include "codegen/simt/device_connect.h"
#include "codegen/simt/gpu_host_parts.h"
#include "codegen/host/host_emitters.h"
#include "support/format.h"

namespace modelc::codegen::simt {

namespace {

using support::c_string;
using support::int_text;

using codegen::host::per_synapse;

}  // namespace

void emit_init_run(GpuModuleContext& c, std::string& o) {
  const kir::Program& p = c.p;
  auto kernel_ok = [&](size_t idx) {
    if (idx < c.plans.size() && c.plans[idx].kernel) return true;
    c.error("task refers to kernel " + std::to_string(idx) + " but the program has " + std::to_string(p.kernels.size()));
    return false;
  };
  o += "int mc_init(mc_module* m) {\n  if (!m) return 1;\n";
  o += "  if (m->initialised) return mc_fail(m, \"mc_init called twice\");\n  if (m->failed) return 1;\n";
  // Neuron initialisers first: connection probabilities and synaptic initialisers may read them.
  for (size_t idx : p.init_kernels)
    if (kernel_ok(idx) && c.plans[idx].group < 0) o += "  if (mc_run_kernel(m, " + std::to_string(idx) + ", 0)) return 1;\n";
  // MODELC_DEVICE_CONNECT=0 keeps every CSR on the host (the fallback, and what tests compare
  // with); the device path needs fp64 for the host's double-precision draws.
  if (any_built_on_device(p))
    o += "  {\n    const char* dc = getenv(\"MODELC_DEVICE_CONNECT\");\n"
         "    m->device_connect = m->f64_size == 8 && !(dc && strcmp(dc, \"0\") == 0);\n  }\n";
  for (const auto& n : connect_reads(p)) {
    int bi = c.buffer_index(n);
    if (bi >= 0 && !per_synapse(p.buffers[bi]))
      o += "  if (mc_read_var(m, " + std::to_string(bi) + ", m->b_" + n + ")) return 1;  // read by a connection rule\n";
  }
  for (size_t g = 0; g < p.synapse_groups.size(); ++g) {
    const kir::SynapseGroup& sg = p.synapse_groups[g];
    const std::string gs = std::to_string(g), s = "m->syn" + gs;
    const std::string rows = int_text(sg.source_size + 1), what = c_string("synapses " + sg.name);
    if (builds_on_device(sg)) {
      o += "  if (m->device_connect) {\n    if (mc_connect_device" + gs + "(m)) { m->failed = 1; return 1; }\n  } else {\n";
      o += "    " + s + "_on_device = 0;\n";
    }
    o += "  if (connect" + gs + "(m) || mc_check_cancel(m, \"building the network\")) { m->failed = 1; return 1; }\n";
    // The other storages: row pointers and the matrix (dense: a byte per pair, bitmask: a word per
    // 64 targets); procedural groups store nothing.
    const kir::Connectivity::Storage st = sg.connectivity.storage;
    if (st == kir::Connectivity::Storage::Procedural) continue;
    if (st != kir::Connectivity::Storage::Sparse) {
      const bool dense = st == kir::Connectivity::Storage::Dense;
      const std::string f = s + (dense ? "_dense" : "_bits"), df = s + (dense ? "_ddense" : "_dbits");
      const std::string bytes = "(size_t)" + int_text(sg.source_size) + " * " +
                                (dense ? int_text(sg.target_size) : int_text((sg.target_size + 63) / 64) + " * 8");
      o += "  if (!(" + s + "_drow = mc_buf(m, (size_t)" + rows + " * 8, " + what + "))) return 1;\n";
      o += "  if (!(" + df + " = mc_buf(m, " + bytes + ", " + what + "))) return 1;\n";
      o += "  MC_DEV(mc_buffer_upload(m->dev, " + s + "_drow, 0, (size_t)" + rows + " * 8, " + s + "_row), \"uploading synapses\");\n";
      o += "  MC_DEV(mc_buffer_upload(m->dev, " + df + ", 0, " + bytes + ", " + f + "), \"uploading synapses\");\n";
      continue;
    }
    // 16-bit post indices (connectivity:sparse-u16) stay 16-bit on the device; the pre array only
    // where it is kept (connectivity:drop-pre: no kernel reads it).
    const std::string post_bytes = "(size_t)" + s + "_n * " + (narrow_post(sg) ? "2" : "4");
    o += "  if (!(" + s + "_drow = mc_buf(m, (size_t)" + rows + " * 8, " + what + "))) return 1;\n";
    o += "  if (!(" + s + "_dpost = mc_buf(m, " + post_bytes + ", " + what + "))) return 1;\n";
    if (sg.connectivity.keep_pre)
      o += "  if (!(" + s + "_dpre = mc_buf(m, (size_t)" + s + "_n * 4, " + what + "))) return 1;\n";
    o += "  MC_DEV(mc_buffer_upload(m->dev, " + s + "_drow, 0, (size_t)" + rows + " * 8, " + s +
         "_row), \"uploading synapses\");\n";
    o += "  if (" + s + "_n > 0) {\n";
    o += "    MC_DEV(mc_buffer_upload(m->dev, " + s + "_dpost, 0, " + post_bytes + ", " + s + "_post), \"uploading synapses\");\n";
    if (sg.connectivity.keep_pre)
      o += "    MC_DEV(mc_buffer_upload(m->dev, " + s + "_dpre, 0, (size_t)" + s + "_n * 4, " + s +
           "_pre), \"uploading synapses\");\n";
    o += "  }\n";
    if (builds_on_device(sg)) o += "  }\n";
  }
  emit_transpose_init(c, o);
  o += "  if (mc_alloc_vars(m, 1)) return 1;\n";
  emit_synapse_init_values(c, o);
  // Heterogeneous-delay kernels are bound once their pathway's ring depth is known (below).
  auto queued = [](const KernelPlan& plan) {
    const kir::Domain::Kind k = plan.kernel->domain.kind;
    return k == kir::Domain::Kind::QueuedEvents || k == kir::Domain::Kind::DendriticEvents || k == kir::Domain::Kind::DendriticDrain;
  };
  for (const auto& plan : c.plans)
    if (plan.kernel && plan.group >= 0 && !queued(plan)) o += "  if (mc_bind(m, " + std::to_string(plan.index) + ")) return 1;\n";
  for (size_t idx : p.init_kernels)
    if (kernel_ok(idx) && c.plans[idx].group >= 0) o += "  if (mc_run_kernel(m, " + std::to_string(idx) + ", 0)) return 1;\n";
  emit_delay_rows_init(c, o);
  for (const auto& plan : c.plans)
    if (plan.kernel && plan.group >= 0 && queued(plan)) o += "  if (mc_bind(m, " + std::to_string(plan.index) + ")) return 1;\n";
  emit_synapse_monitor_setup(c, o);
  o += "  MC_DEV(mc_device_synchronize(m->dev), \"network construction\");\n  m->initialised = 1;\n  return 0;\n}\n\n";

  o += "int mc_run(mc_module* m, int64_t steps) {\n  if (!m) return 1;\n";
  o += "  if (!m->initialised) return mc_fail(m, \"mc_run called before mc_init\");\n  if (m->failed) return 1;\n";
  o += "  for (int64_t s = 0; s < steps; ++s) {\n    if (MC_CANCELLED(m)) {\n      snprintf(m->error, sizeof m->error, \"interrupted\");\n      return 1;\n    }\n"
       "    const int64_t step = m->step;\n";
  if (c.target.step_graphs) {
    // The runtime records the step's launches and replays them as one graph once the sequence
    // repeats; a step whose host work must see the device (a monitor's flush) runs as launched.
    o += "    MC_DEV(mc_step_graph_begin(m->dev), \"starting a step\");\n";
    o += "    if (mc_run_step(m, step)) return 1;\n";
    o += "    MC_DEV(mc_step_graph_end(m->dev), \"launching a step\");\n";
  } else {
    o += "    if (mc_run_step(m, step)) return 1;\n";
  }
  o += "    m->step = step + 1;\n  }\n";
  o += "  if (mc_flush_all(m)) return 1;\n";
  const size_t np = std::max<size_t>(1, p.populations.size());
  o += "  int64_t totals[" + std::to_string(np) + "];\n";
  o += "  MC_DEV(mc_buffer_download(m->dev, m->totals, 0, sizeof totals, totals), \"reading spike counts\");\n";
  for (size_t k = 0; k < p.populations.size(); ++k)
    o += "  m->pop" + std::to_string(k) + "_total = totals[" + std::to_string(k) + "];\n";
  o += "  return 0;\n}\n\n";
}

void emit_accessors(GpuModuleContext& c, std::string& o) {
  const kir::Program& p = c.p;
  codegen::host::HostContext hc(c.p, c.diags, c.target.backend);
  codegen::host::emit_state_accessors(hc);
  o += hc.out;
  // Host element sizes follow the ABI; device Double buffers are float on fp64-less devices.
  o += "static size_t mc_host_elem(int type) { return type == MC_BOOL ? 1 : (type == MC_INT32 || type == MC_FLOAT) ? 4 : 8; }\n\n";
  for (int write = 0; write < 2; ++write) {
    o += write ? "int mc_write_var(mc_module* m, int32_t var, const void* src) {\n"
               : "int mc_read_var(mc_module* m, int32_t var, void* dst) {\n";
    o += "  if (!m) return 1;\n";
    o += "  if (var < 0 || var >= " + std::to_string(p.buffers.size()) +
         ") { snprintf(m->error, sizeof m->error, \"no variable with index %d\", (int)var); return 1; }\n";
    o += "  const int64_t n = mc_var_size(m, var);\n  if (n <= 0) return 0;\n  mc_buffer* b = *mc_var_buffer(m, var);\n";
    o += "  if (!b) { snprintf(m->error, sizeof m->error, \"variable %s is not allocated yet (call mc_init)\", "
         "mc_vars_[var].name); return 1; }\n";
    o += "  const int type = mc_vars_[var].type;\n";
    o += "  if (type == MC_DOUBLE && m->f64_size == 4) {\n";
    o += "    float* tmp = (float*)malloc((size_t)n * 4);\n    if (!tmp) return mc_fail(m, \"out of memory converting a variable\");\n";
    if (write) {
      o += "    for (int64_t k = 0; k < n; ++k) tmp[k] = (float)((const double*)src)[k];\n";
      o += "    int e = mc_buffer_upload(m->dev, b, 0, (size_t)n * 4, tmp);\n";
      o += "    free(tmp);\n    MC_DEV(e, \"writing a variable\");\n    return 0;\n  }\n";
      o += "  MC_DEV(mc_buffer_upload(m->dev, b, 0, (size_t)n * mc_host_elem(type), src), \"writing a variable\");\n";
    } else {
      o += "    int e = mc_buffer_download(m->dev, b, 0, (size_t)n * 4, tmp);\n";
      o += "    if (!e) for (int64_t k = 0; k < n; ++k) ((double*)dst)[k] = (double)tmp[k];\n";
      o += "    free(tmp);\n    MC_DEV(e, \"reading a variable\");\n    return 0;\n  }\n";
      o += "  MC_DEV(mc_buffer_download(m->dev, b, 0, (size_t)n * mc_host_elem(type), dst), \"reading a variable\");\n";
    }
    o += "  return 0;\n}\n\n";
  }
  // Every storage, as in the CPU module (procedural rows regenerated on the host by row<g>).
  codegen::host::HostContext sc(c.p, c.diags, c.target.backend);
  codegen::host::emit_synapse_accessors(sc);
  o += sc.out;
}

}  // namespace modelc::codegen::simt
