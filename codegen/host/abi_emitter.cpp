// The ABI accessors (abi/modelc_abi.h) whose code is the same in every backend's host module: the
// module keeps m->step, m->launches, m->error, m->pop<k>_total, m->syn<g>_n and the monitor arrays
// m->mon<k>[field] (mc_array, cpu_support.h) whatever runs the kernels.
#include "codegen/host/host_emitters.h"

namespace modelc::codegen::host {

using support::int_text;

void emit_state_accessors(HostContext& c) {
  const kir::Program& p = c.p;
  std::string& o = c.out;
  o += "int64_t mc_current_step(const mc_module* m) { return m ? m->step : -1; }\n";
  o += "int64_t mc_launch_count(const mc_module* m) { return m ? m->launches : -1; }\n";
  o += "const char* mc_last_error(const mc_module* m) { return m ? m->error : \"no module\"; }\n\n";
  o += "int64_t mc_var_size(const mc_module* m, int32_t var) {\n  if (!m) return -1;\n  switch (var) {\n";
  for (size_t k = 0; k < p.buffers.size(); ++k) {
    const kir::Buffer& b = p.buffers[k];
    int g = c.group_index(b.owner);
    o += "    case " + std::to_string(k) + ": return " +
         (per_synapse(b) ? (g >= 0 ? "m->syn" + std::to_string(g) + "_n" : std::string("0")) : int_text(b.size)) + ";\n";
  }
  o += "    default: return -1;\n  }\n}\n\n";
  o += "int64_t mc_spike_count(const mc_module* m, int32_t pop) {\n  if (!m) return -1;\n  switch (pop) {\n";
  for (size_t k = 0; k < p.populations.size(); ++k)
    o += "    case " + std::to_string(k) + ": return m->pop" + std::to_string(k) + "_total;\n";
  o += "    default: return -1;\n  }\n}\n\n";
}

void emit_monitor_accessors(HostContext& c) {
  const kir::Program& p = c.p;
  std::string& o = c.out;
  o += "static mc_array* mc_mon_array(const mc_module* m, int32_t mon, int32_t field) {\n  switch (mon) {\n";
  for (size_t k = 0; k < p.monitors.size(); ++k)
    o += "    case " + std::to_string(k) + ": return field >= 0 && field < " + std::to_string(monitor_arrays(p.monitors[k])) +
         " ? m->mon" + std::to_string(k) + "[field] : 0;\n";
  o += "    default: return 0;\n  }\n}\n\n";
  o += "int64_t mc_monitor_length(const mc_module* m, int32_t mon) {\n  if (!m) return -1;\n"
       "  mc_array* a = mc_mon_array(m, mon, 0);\n  return a ? (int64_t)mc_array_size(a) : -1;\n}\n\n";
  // Spike indices are int32, every other field 8 bytes (int64 steps, double values).
  o += "int mc_monitor_read(mc_module* m, int32_t mon, int32_t field, void* dst) {\n  if (!m) return 1;\n"
       "  mc_array* a = mc_mon_array(m, mon, field);\n"
       "  if (!a) { snprintf(m->error, sizeof m->error, \"monitor %d has no field %d\", (int)mon, (int)field); return 1; }\n"
       "  size_t n = mc_array_size(a);\n"
       "  size_t elem = (mon >= 0 && mon < " + std::to_string(p.monitors.size()) +
       " && mc_mons_[mon].kind == MC_MON_SPIKES && field == 0) ? 4 : 8;\n"
       "  if (n) memcpy(dst, mc_array_data(a), n * elem);\n  return 0;\n}\n\n";
}

}  // namespace modelc::codegen::host
