// Monitors of a GPU host module. Recording stays on the device and is pulled in chunks, so a
// step costs no host transfer:
//   - spikes (and IR v2 custom events): per event list, a recorder kernel appends the step's spike count (and, when a spike
//     monitor or a partial-slice rate monitor needs them, the indices) to device buffers; the host
//     pulls them every `rec_interval` steps (<env_prefix>_RECORD_STEPS, MODELC_OPENCL_RECORD_STEPS for OpenCL, default 1000), earlier when
//     the worst case (every neuron spiking every step) could overflow the list, and at the end of
//     every mc_run. Spike and rate monitors of the population are then filled from that one copy.
//   - state: a recorder kernel per monitor copies the recorded neurons' (IR v2: synapses') values
//     into a sample buffer of rec_interval / every samples; the host pulls it when full and at the
//     end of every mc_run. Synapse monitors are set up in mc_init, once the synapse count is known.
// Host-side results use the same growable arrays (cpu_support.h) and layout as the CPU backend.
#include "codegen/simt/gpu_host_parts.h"
#include "codegen/host/host_emitters.h"
#include "support/format.h"

namespace modelc::codegen::simt {

namespace {

using support::c_string;
using support::double_text;
using support::int_text;
using MK = kir::Monitor::Kind;

using codegen::host::monitor_indices;

using codegen::host::monitor_arrays;

bool full_slice(const GpuModuleContext& c, const kir::Monitor& m) {
  int pk = c.population_index(m.population);
  return pk >= 0 && m.offset == 0 && m.size == c.p.populations[pk].size;
}

// The event list a spike (event) or rate monitor records; -1 for state monitors.
int list_of(const GpuModuleContext& c, const kir::Monitor& m) {
  if (m.kind == MK::State) return -1;
  int pk = c.population_index(m.population);
  return pk < 0 ? -1 : c.list_index(pk, m.kind == MK::Rate ? std::string() : m.event);
}

// Event lists with spike, event or rate monitors, and whether their indices must be recorded.
std::vector<std::pair<int, bool>> recorded_populations(const GpuModuleContext& c) {
  std::vector<std::pair<int, bool>> out;
  for (const auto& m : c.p.monitors) {
    if (m.kind == MK::State) continue;
    int pk = list_of(c, m);
    if (pk < 0) continue;
    bool list = m.kind == MK::Spikes || !full_slice(c, m);
    bool found = false;
    for (auto& [k, l] : out)
      if (k == pk) {
        l = l || list;
        found = true;
      }
    if (!found) out.push_back({pk, list});
  }
  return out;
}

std::string dev_type(const GpuModuleContext& c, const std::string& buffer) {
  int bi = c.buffer_index(buffer);
  return bi < 0 ? "double" : c.printer.storage_type_name(c.p.buffers[bi].type);
}

// The host side of a device type: its element size in bytes (mc_f64 is double, or float on a device
// without fp64) and element `k` of a staging copy converted to double.
std::string host_elem_size(const std::string& t) {
  if (t == "mc_f64") return "m->f64_size";
  return "sizeof(" + std::string(t == "uchar" ? "uint8_t" : t == "int" ? "int32_t" : t == "long" ? "int64_t" : t) + ")";
}
std::string host_value(const std::string& t, const std::string& stage, const std::string& k) {
  if (t == "mc_f64")
    return "(m->f64_size == 8 ? ((const double*)" + stage + ")[" + k + "] : (double)((const float*)" + stage + ")[" + k + "])";
  const std::string h = t == "uchar" ? "uint8_t" : t == "int" ? "int32_t" : t == "long" ? "int64_t" : t;
  return "(double)((const " + h + "*)" + stage + ")[" + k + "]";
}

// IR v2: a spike (event) monitor that also records variables. Its recorder kernel
// (mc_rec_spikevars<mi>) runs right before the list's mc_record_spikes in the same in-order queue,
// so it reads the same fill position and writes each value at the position its index gets in the
// recorded list; the flush then converts them to double next to the indices.
bool records_variables(const kir::Monitor& m) { return m.kind == MK::Spikes && !m.buffers.empty(); }

void emit_spike_flush(GpuModuleContext& c, int li, bool list, std::string& o) {
  const std::string ks = std::to_string(li), r = "m->rec" + ks;
  const int64_t n = c.p.populations[c.lists[li].population].size;
  o += "static int mc_flush_pop" + ks + "(mc_module* m) {\n";
  o += "  const int64_t ns = " + r + "_steps;\n  if (ns == 0) return 0;\n";
  o += "  MC_DEV(mc_buffer_download(m->dev, " + r + "_counts, 0, (size_t)ns * 4, " + r +
       "_hcounts), \"reading recorded spike counts\");\n";
  o += "  int64_t total = 0;\n  for (int64_t s = 0; s < ns; ++s) total += " + r + "_hcounts[s];\n";
  o += "  (void)total;\n";
  if (list) {
    o += "  if (total > 0) MC_DEV(mc_buffer_download(m->dev, " + r + "_list, 0, (size_t)total * 4, " + r +
         "_hlist), \"reading recorded spikes\");\n";
    o += "  const int32_t zero = 0;\n  MC_DEV(mc_buffer_upload(m->dev, " + r +
         "_fill, 0, sizeof zero, &zero), \"resetting the spike recorder\");\n";
  }
  for (size_t mi = 0; mi < c.p.monitors.size(); ++mi) {
    const kir::Monitor& mon = c.p.monitors[mi];
    if (mon.kind == MK::State || list_of(c, mon) != li) continue;
    const std::string ms = std::to_string(mi), arr = "m->mon" + ms;
    const std::string off = int_text(mon.offset), end = int_text(mon.offset + mon.size);
    const std::string oom = "return mc_fail(m, \"out of memory recording monitor " + mon.name + "\");";
    o += "  {  // monitor " + mon.name + "\n";
    if (mon.kind == MK::Spikes) {
      std::string keep = "idx >= " + off + " && idx < " + end;
      if (!mon.indices.empty()) keep += " && " + arr + "_mask[idx - " + off + "]";
      std::string store_vars;
      for (size_t v = 0; v < mon.buffers.size(); ++v) {
        const std::string vs = std::to_string(v), t = dev_type(c, mon.buffers[v]);
        const std::string stage = "m->mon" + ms + "_vstage" + vs;
        o += "    if (total > 0) MC_DEV(mc_buffer_download(m->dev, m->mon" + ms + "_vo" + vs + ", 0, (size_t)total * " +
             host_elem_size(t) + ", " + stage + "), " + c_string("reading monitor " + mon.name) + ");\n";
        store_vars += " vd" + vs + "[w] = " + host_value(t, stage, "e") + ";";
      }
      o += "    int64_t kept = 0;\n";
      o += "    for (int64_t e = 0; e < total; ++e) { const int64_t idx = " + r + "_hlist[e]; kept += (" + keep + "); }\n";
      o += "    if (kept > 0) {\n";
      o += "      int32_t* ix = (int32_t*)mc_array_grow(" + arr + "[0], (size_t)kept);\n      if (!ix) " + oom + "\n";
      o += "      int64_t* st = (int64_t*)mc_array_grow(" + arr + "[1], (size_t)kept);\n      if (!st) " + oom + "\n";
      for (size_t v = 0; v < mon.buffers.size(); ++v) {
        const std::string vs = std::to_string(v);
        o += "      double* vd" + vs + " = (double*)mc_array_grow(" + arr + "[" + std::to_string(v + 2) + "], (size_t)kept);\n";
        o += "      if (!vd" + vs + ") " + oom + "\n";
      }
      o += "      int64_t e = 0, w = 0;\n";
      o += "      for (int64_t s = 0; s < ns; ++s)\n";
      o += "        for (int32_t q = 0; q < " + r + "_hcounts[s]; ++q, ++e) {\n";
      o += "          const int64_t idx = " + r + "_hlist[e];\n";
      o += "          if (" + keep + ") { ix[w] = (int32_t)(idx - " + off + "); st[w] = " + r + "_step_ids[s];" + store_vars + " ++w; }\n";
      o += "        }\n    }\n";
    } else {
      o += "    double* rate = (double*)mc_array_grow(" + arr + "[0], (size_t)ns);\n    if (!rate) " + oom + "\n";
      o += "    int64_t e = 0;\n    (void)e;\n";
      o += "    for (int64_t s = 0; s < ns; ++s) {\n";
      if (full_slice(c, mon) || !list) {
        o += "      const int64_t cnt = " + r + "_hcounts[s];\n";
      } else {
        o += "      int64_t cnt = 0;\n";
        o += "      for (int32_t q = 0; q < " + r + "_hcounts[s]; ++q, ++e) cnt += (" + r + "_hlist[e] >= " + off +
             " && " + r + "_hlist[e] < " + end + ");\n";
      }
      o += "      rate[s] = (double)cnt / (" + double_text(static_cast<double>(mon.size > 0 ? mon.size : 1)) + " * MC_DT);\n";
      o += "    }\n";
    }
    o += "  }\n";
  }
  o += "  " + r + "_steps = 0;\n  return 0;\n}\n\n";

  o += "static int mc_record_list" + ks + "(mc_module* m, int64_t step) {\n";
  o += "  if (" + r + "_last == step) return 0;  // several monitors of one population share the recording\n";
  o += "  " + r + "_last = step;\n";
  o += "  if ((" + r + "_steps >= m->rec_interval" + (list ? " || (" + r + "_steps + 1) * " + int_text(n) + " > " + r + "_cap" : std::string()) +
       ") && mc_flush_pop" + ks + "(m)) return 1;\n";
  o += "  const int64_t slot = step % " + int_text(c.lists[li].history) + ";\n";
  o += "  const int32_t at = (int32_t)" + r + "_steps;\n";
  o += "  MC_DEV(mc_kernel_set_value(" + r + "_kernel, 3, sizeof slot, &slot), \"setting a recorder argument\");\n";
  o += "  MC_DEV(mc_kernel_set_value(" + r + "_kernel, 7, sizeof at, &at), \"setting a recorder argument\");\n";
  for (size_t mi = 0; mi < c.p.monitors.size(); ++mi) {
    const kir::Monitor& mon = c.p.monitors[mi];
    if (!records_variables(mon) || list_of(c, mon) != li) continue;
    const std::string vk = "m->mon" + std::to_string(mi) + "_vkernel", vl = "m->mon" + std::to_string(mi) + "_vlocal";
    o += "  MC_DEV(mc_kernel_set_value(" + vk + ", 3, sizeof slot, &slot), \"setting a recorder argument\");\n";
    o += "  if (mc_launch(m, " + vk + ", " + vl + ", " + vl + ", " + c_string("recording the variables of monitor " + mon.name) +
         ")) return 1;\n";
  }
  o += "  if (mc_launch(m, " + r + "_kernel, " + r + "_local, " + r + "_local, \"mc_record_spikes\")) return 1;\n";
  o += "  " + r + "_step_ids[" + r + "_steps++] = step;\n  return 0;\n}\n\n";
}

void emit_state(GpuModuleContext& c, size_t mi, std::string& o) {
  const kir::Monitor& mon = c.p.monitors[mi];
  const std::string ms = std::to_string(mi), r = "m->mon" + ms;
  const std::string oom = "return mc_fail(m, \"out of memory recording monitor " + mon.name + "\");";
  o += "static int mc_flush_state" + ms + "(mc_module* m) {\n";
  o += "  const int64_t ns = " + r + "_pending;\n  if (ns == 0) return 0;\n";
  o += "  const size_t count = (size_t)(ns * " + r + "_n);\n";
  for (size_t v = 0; v < mon.buffers.size(); ++v) {
    const std::string vs = std::to_string(v), t = dev_type(c, mon.buffers[v]);
    o += "  {\n    MC_DEV(mc_buffer_download(m->dev, " + r + "_o" + vs + ", 0, count * " + host_elem_size(t) + ", " + r +
         "_stage), \"reading monitor " + mon.name + "\");\n";
    o += "    double* d = (double*)mc_array_grow(" + r + "[" + std::to_string(v + 1) + "], count);\n    if (!d) " + oom + "\n";
    o += "    for (size_t k = 0; k < count; ++k) d[k] = " + host_value(t, r + "_stage", "k") + ";\n";
    o += "  }\n";
  }
  o += "  " + r + "_pending = 0;\n  return 0;\n}\n\n";

  o += "static int mc_record_state" + ms + "(mc_module* m, int64_t step) {\n";
  o += "  if (step % " + int_text(mon.every < 1 ? 1 : mon.every) + " != 0) return 0;\n";
  o += "  if (" + r + "_pending >= " + r + "_cap && mc_flush_state" + ms + "(m)) return 1;\n";
  o += "  int64_t* s = (int64_t*)mc_array_grow(" + r + "[0], 1);\n  if (!s) " + oom + "\n  *s = step;\n";
  o += "  const int64_t sample = " + r + "_pending;\n";
  o += "  MC_DEV(mc_kernel_set_value(" + r + "_kernel, 2, sizeof sample, &sample), \"setting a recorder argument\");\n";
  o += "  if (mc_launch(m, " + r + "_kernel, " + r + "_global, " + r + "_local, \"mc_rec_state" + ms + "\")) return 1;\n";
  o += "  ++" + r + "_pending;\n  return 0;\n}\n\n";
}

// Allocation and arguments of state monitor `mi` recording `nidx` elements (a C expression) read
// at the int64 positions `idx` (a host array).
void emit_state_setup(GpuModuleContext& c, size_t mi, const std::string& nidx, const std::string& idx, std::string& o) {
  const kir::Monitor& mon = c.p.monitors[mi];
  const std::string ms = std::to_string(mi), r = "m->mon" + ms;
  o += "  {\n  " + r + "_n = " + nidx + ";\n";
  o += "  " + r + "_cap = m->rec_interval / " + int_text(mon.every < 1 ? 1 : mon.every) + " + 1;\n";
  o += "  if (!(" + r + "_didx = mc_buf(m, (size_t)" + r + "_n * 8, \"monitor " + mon.name + "\"))) return 1;\n";
  o += "  if (" + r + "_n > 0) MC_DEV(mc_buffer_upload(m->dev, " + r + "_didx, 0, (size_t)" + r + "_n * 8, " + idx +
       "), \"uploading monitor indices\");\n";
  o += "  if (!(" + r + "_stage = mc_alloc(mc_bytes(" + r + "_cap * " + r + "_n, 8), \"monitor " + mon.name +
       "\", m->error, sizeof m->error))) return 1;\n";
  o += "  if (!(" + r + "_kernel = mc_kernel_get(m->prog, \"mc_rec_state" + ms + "\"))) return mc_dev_fail(m, \"looking up kernel mc_rec_state" + ms + "\");\n";
  o += "  " + r + "_local = mc_kernel_local_size(" + r + "_kernel, 256);\n";
  o += "  " + r + "_global = mc_round_up((size_t)(" + r + "_n > 0 ? " + r + "_n : 1), " + r + "_local);\n";
  o += "  {\n    const int64_t nidx = " + r + "_n;\n";
  o += "    int ok = mc_kernel_set_buffer(" + r + "_kernel, 0, " + r + "_didx);\n";
  o += "    ok |= mc_kernel_set_value(" + r + "_kernel, 1, sizeof nidx, &nidx);\n";
  int arg = 3;
  for (size_t v = 0; v < mon.buffers.size(); ++v) {
    int bi = c.buffer_index(mon.buffers[v]);
    if (bi < 0) {
      c.error("monitor '" + mon.name + "' records unknown buffer '" + mon.buffers[v] + "'");
      continue;
    }
    const std::string t = dev_type(c, mon.buffers[v]);
    const std::string elem = std::string("mc_dev_elem(m, ") + codegen::host::abi_type_name(c.p.buffers[bi].type) + ")";
    o += "    if (!(" + r + "_o" + std::to_string(v) + " = mc_buf(m, (size_t)(" + r + "_cap * " + r + "_n) * " + elem +
         ", \"monitor " + mon.name + "\"))) return 1;\n";
    o += "    ok |= mc_kernel_set_buffer(" + r + "_kernel, " + std::to_string(arg++) + ", m->d_" + mon.buffers[v] + ");\n";
    o += "    ok |= mc_kernel_set_buffer(" + r + "_kernel, " + std::to_string(arg++) + ", " + r + "_o" +
         std::to_string(v) + ");\n";
  }
  o += "    MC_DEV(ok, \"setting the arguments of monitor " + mon.name + "\");\n  }\n  }\n";
}

}  // namespace

// IR v2: state monitors of synapse groups read the CSR positions of the recorded synapses (every
// synapse with all_synapses), checked against the synapse count built by mc_init.
void emit_synapse_monitor_setup(GpuModuleContext& c, std::string& o) {
  for (size_t mi = 0; mi < c.p.monitors.size(); ++mi) {
    const kir::Monitor& mon = c.p.monitors[mi];
    if (mon.kind != MK::State || mon.synapses.empty()) continue;
    const int g = c.group_index(mon.synapses);
    if (g < 0) {
      c.error("monitor '" + mon.name + "' records unknown synapse group '" + mon.synapses + "'");
      continue;
    }
    const std::string ms = std::to_string(mi), n = "m->syn" + std::to_string(g) + "_n";
    const std::vector<int64_t>& at = mon.storage_indices.empty() ? mon.indices : mon.storage_indices;
    o += "  {\n    static const int64_t _mc_at[] = {";
    for (size_t k = 0; k < at.size(); ++k) o += (k ? ", " : "") + int_text(at[k]);
    o += at.empty() ? "0};\n" : "};\n";
    if (mon.all_synapses) {
      o += "    int64_t* _mc_all = (int64_t*)mc_alloc(mc_bytes(" + n + " > 0 ? " + n + " : 1, 8), \"monitor " + mon.name +
           "\", m->error, sizeof m->error);\n    if (!_mc_all) { m->failed = 1; return 1; }\n";
      o += "    for (int64_t k = 0; k < " + n + "; ++k) _mc_all[k] = k;\n";
      std::string body;
      emit_state_setup(c, mi, n, "_mc_all", body);
      // The set-up returns on failure: free the index copy on every path.
      o += "    int _mc_rc = [&]() -> int {\n" + body + "    return 0;\n    }();\n    mc_free(_mc_all);\n    if (_mc_rc) { m->failed = 1; return 1; }\n  }\n";
      continue;
    }
    o += "    for (int64_t k = 0; k < " + int_text(static_cast<int64_t>(at.size())) + "; ++k)\n";
    o += "      if (_mc_at[k] < 0 || _mc_at[k] >= " + n + ") { snprintf(m->error, sizeof m->error, \"monitor " + mon.name +
         " records synapse %lld, but only %lld synapses exist\", (long long)_mc_mon" + ms + "_idx[k], (long long)" + n +
         "); m->failed = 1; return 1; }\n";
    emit_state_setup(c, mi, int_text(static_cast<int64_t>(at.size())), "_mc_at", o);
    o += "  }\n";
  }
}

// Device buffers (as large as the list's recording capacity), host staging and the recorder
// kernel's fixed arguments of a spike monitor with variables; called from mc_monitors_setup after
// the list's recorder is set up.
static void emit_spike_variables_setup(GpuModuleContext& c, size_t mi, std::string& o) {
  const kir::Monitor& mon = c.p.monitors[mi];
  const int li = list_of(c, mon);
  const std::string r = "m->mon" + std::to_string(mi), rec = "m->rec" + std::to_string(li);
  const std::string lp = "m->" + c.lists[li].prefix;
  o += "  if (!(" + r + "_vkernel = mc_kernel_get(m->prog, \"mc_rec_spikevars" + std::to_string(mi) + "\"))) return mc_dev_fail(m, \"looking up kernel mc_rec_spikevars" + std::to_string(mi) + "\");\n";
  o += "  " + r + "_vlocal = mc_kernel_local_size(" + r + "_vkernel, 256);\n";
  o += "  {\n    const int64_t n = " + int_text(c.p.populations[c.lists[li].population].size) + ";\n";
  o += "    int ok = mc_kernel_set_buffer(" + r + "_vkernel, 0, " + lp + "_spikes);\n";
  o += "    ok |= mc_kernel_set_buffer(" + r + "_vkernel, 1, " + lp + "_counts);\n";
  o += "    ok |= mc_kernel_set_value(" + r + "_vkernel, 2, sizeof n, &n);\n";
  o += "    ok |= mc_kernel_set_buffer(" + r + "_vkernel, 4, " + rec + "_fill);\n";
  int arg = 5;
  for (size_t v = 0; v < mon.buffers.size(); ++v) {
    const std::string vs = std::to_string(v), t = dev_type(c, mon.buffers[v]);
    const std::string what = c_string("recording the variables of monitor " + mon.name);
    o += "    if (!(" + r + "_vo" + vs + " = mc_buf(m, (size_t)" + rec + "_cap * " + host_elem_size(t) + ", " + what + "))) return 1;\n";
    o += "    if (!(" + r + "_vstage" + vs + " = mc_alloc(mc_bytes(" + rec + "_cap, " + host_elem_size(t) + "), " + what +
         ", m->error, sizeof m->error))) return 1;\n";
    o += "    ok |= mc_kernel_set_buffer(" + r + "_vkernel, " + std::to_string(arg++) + ", m->d_" + mon.buffers[v] + ");\n";
    o += "    ok |= mc_kernel_set_buffer(" + r + "_vkernel, " + std::to_string(arg++) + ", " + r + "_vo" + vs + ");\n";
  }
  o += "    MC_DEV(ok, \"setting the spike variable recorder's arguments\");\n  }\n";
}

void emit_monitor_fields(GpuModuleContext& c, std::string& o) {
  o += "  int64_t rec_interval;\n";
  for (auto [pk, list] : recorded_populations(c)) {
    const std::string r = "rec" + std::to_string(pk);
    o += "  mc_buffer* " + r + "_counts;\n  mc_buffer* " + r + "_list;\n  mc_buffer* " + r + "_fill;\n  mc_kernel* " + r + "_kernel;\n  size_t " + r + "_local;\n";
    o += "  int64_t " + r + "_steps, " + r + "_cap, " + r + "_last;\n  int64_t* " + r + "_step_ids;\n";
    o += "  int32_t* " + r + "_hcounts;\n  int32_t* " + r + "_hlist;\n";
  }
  for (size_t mi = 0; mi < c.p.monitors.size(); ++mi) {
    const kir::Monitor& mon = c.p.monitors[mi];
    const std::string r = "mon" + std::to_string(mi);
    o += "  mc_array* " + r + "[" + std::to_string(monitor_arrays(mon)) + "];  // " + mon.name + "\n";
    if (mon.kind == MK::Spikes) o += "  uint8_t* " + r + "_mask;\n";
    if (records_variables(mon)) {
      o += "  mc_kernel* " + r + "_vkernel;\n  size_t " + r + "_vlocal;\n";
      for (size_t v = 0; v < mon.buffers.size(); ++v)
        o += "  mc_buffer* " + r + "_vo" + std::to_string(v) + ";\n  void* " + r + "_vstage" + std::to_string(v) + ";\n";
    }
    if (mon.kind != MK::State) continue;
    o += "  mc_buffer* " + r + "_didx;\n  mc_kernel* " + r + "_kernel;\n  size_t " + r + "_local, " + r + "_global;\n  int64_t " + r + "_n;\n";
    o += "  int64_t " + r + "_pending, " + r + "_cap;\n  void* " + r + "_stage;\n";
    for (size_t v = 0; v < mon.buffers.size(); ++v) o += "  mc_buffer* " + r + "_o" + std::to_string(v) + ";\n";
  }
}

void emit_monitor_functions(GpuModuleContext& c, std::string& o) {
  const auto pops = recorded_populations(c);
  for (auto [pk, list] : pops) emit_spike_flush(c, pk, list, o);
  for (size_t mi = 0; mi < c.p.monitors.size(); ++mi)
    if (c.p.monitors[mi].kind == MK::State) emit_state(c, mi, o);

  // Allocation and kernel set-up, called from mc_setup once the program is built.
  o += "static int mc_monitors_setup(mc_module* m) {\n";
  o += "  const char* env = getenv(" + c_string(c.target.env_prefix + "_RECORD_STEPS") + ");\n";
  o += "  m->rec_interval = env && atoll(env) > 0 ? atoll(env) : 1000;\n";
  for (auto [li, list] : pops) {
    const std::string ks = std::to_string(li), r = "m->rec" + ks, lp = "m->" + c.lists[li].prefix;
    const int pk = c.lists[li].population;
    const int64_t n = c.p.populations[pk].size;
    o += "  " + r + "_last = -1;\n";
    o += "  " + r + "_cap = " + (list ? "m->rec_interval * " + int_text(n) + " < (" + int_text(n) + " > (1 << 22) ? " + int_text(n) +
                                            " : (1 << 22)) ? m->rec_interval * " + int_text(n) + " : (" + int_text(n) +
                                            " > (1 << 22) ? " + int_text(n) + " : (1 << 22))"
                                      : std::string("1")) + ";\n";
    o += "  if (!(" + r + "_counts = mc_buf(m, (size_t)m->rec_interval * 4, \"spike recording of " + c.p.populations[pk].name + "\"))) return 1;\n";
    o += "  if (!(" + r + "_list = mc_buf(m, (size_t)" + r + "_cap * 4, \"spike recording of " + c.p.populations[pk].name + "\"))) return 1;\n";
    o += "  if (!(" + r + "_fill = mc_buf(m, 4, \"spike recording\"))) return 1;\n";
    o += "  if (!(" + r + "_step_ids = (int64_t*)mc_alloc(mc_bytes(m->rec_interval, 8), \"spike recording\", m->error, sizeof m->error))) return 1;\n";
    o += "  if (!(" + r + "_hcounts = (int32_t*)mc_alloc(mc_bytes(m->rec_interval, 4), \"spike recording\", m->error, sizeof m->error))) return 1;\n";
    o += "  if (!(" + r + "_hlist = (int32_t*)mc_alloc(mc_bytes(" + r + "_cap, 4), \"spike recording\", m->error, sizeof m->error))) return 1;\n";
    o += "  if (!(" + r + "_kernel = mc_kernel_get(m->prog, \"mc_record_spikes\"))) return mc_dev_fail(m, \"looking up kernel mc_record_spikes\");\n";
    o += "  " + r + "_local = mc_kernel_local_size(" + r + "_kernel, 256);\n";
    o += "  {\n    const int64_t n = " + int_text(n) + ";\n    const int32_t with_list = " + (list ? "1" : "0") + ";\n";
    o += "    int ok = mc_kernel_set_buffer(" + r + "_kernel, 0, " + lp + "_spikes);\n";
    o += "    ok |= mc_kernel_set_buffer(" + r + "_kernel, 1, " + lp + "_counts);\n";
    o += "    ok |= mc_kernel_set_value(" + r + "_kernel, 2, sizeof n, &n);\n";
    o += "    ok |= mc_kernel_set_buffer(" + r + "_kernel, 4, " + r + "_counts);\n";
    o += "    ok |= mc_kernel_set_buffer(" + r + "_kernel, 5, " + r + "_list);\n";
    o += "    ok |= mc_kernel_set_buffer(" + r + "_kernel, 6, " + r + "_fill);\n";
    o += "    ok |= mc_kernel_set_value(" + r + "_kernel, 8, sizeof with_list, &with_list);\n";
    o += "    MC_DEV(ok, \"setting the spike recorder's arguments\");\n  }\n";
  }
  for (size_t mi = 0; mi < c.p.monitors.size(); ++mi) {
    const kir::Monitor& mon = c.p.monitors[mi];
    const std::string ms = std::to_string(mi), r = "m->mon" + ms;
    for (int a = 0; a < monitor_arrays(mon); ++a)
      o += "  if (!(" + r + "[" + std::to_string(a) + "] = mc_array_new(" + (mon.kind == MK::Spikes && a == 0 ? "4" : "8") +
           "))) return mc_fail(m, \"out of memory creating monitor " + mon.name + "\");\n";
    if (mon.kind == MK::Spikes) {
      o += "  if (!(" + r + "_mask = (uint8_t*)mc_alloc(mc_bytes(" + int_text(mon.size) + ", 1), " +
           c_string("the index filter of monitor " + mon.name) + ", m->error, sizeof m->error))) return 1;\n";
      o += "  for (int64_t k = 0; k < _mc_mon" + ms + "_nidx; ++k)\n    if (_mc_mon" + ms + "_idx[k] >= 0 && _mc_mon" + ms +
           "_idx[k] < " + int_text(mon.size) + ") " + r + "_mask[_mc_mon" + ms + "_idx[k]] = 1;\n";
    }
    if (records_variables(mon)) emit_spike_variables_setup(c, mi, o);
    if (mon.kind != MK::State || !mon.synapses.empty()) continue;  // synapse monitors: mc_init
    if (c.population_index(mon.population) < 0) {
      c.error("monitor '" + mon.name + "' records unknown population '" + mon.population + "'");
      continue;
    }
    emit_state_setup(c, mi, int_text(static_cast<int64_t>(monitor_indices(mon).size())), "_mc_mon" + ms + "_idx", o);
  }
  o += "  return 0;\n}\n\n";

  o += "static void mc_monitors_release(mc_module* m) {\n";
  for (auto [pk, list] : pops) {
    const std::string r = "m->rec" + std::to_string(pk);
    for (const char* f : {"_counts", "_list", "_fill"}) o += "  mc_buffer_free(" + r + f + ");\n";
    o += "  mc_kernel_free(" + r + "_kernel);\n";
    for (const char* f : {"_step_ids", "_hcounts", "_hlist"}) o += "  mc_free(" + r + f + ");\n";
  }
  for (size_t mi = 0; mi < c.p.monitors.size(); ++mi) {
    const kir::Monitor& mon = c.p.monitors[mi];
    const std::string r = "m->mon" + std::to_string(mi);
    o += "  for (int a = 0; a < " + std::to_string(monitor_arrays(mon)) + "; ++a) mc_array_free(" + r + "[a]);\n";
    if (mon.kind == MK::Spikes) o += "  mc_free(" + r + "_mask);\n";
    if (records_variables(mon)) {
      o += "  mc_kernel_free(" + r + "_vkernel);\n";
      for (size_t v = 0; v < mon.buffers.size(); ++v) {
        const std::string vs = std::to_string(v);
        o += "  mc_buffer_free(" + r + "_vo" + vs + ");\n  mc_free(" + r + "_vstage" + vs + ");\n";
      }
    }
    if (mon.kind != MK::State) continue;
    o += "  mc_buffer_free(" + r + "_didx);\n  mc_kernel_free(" + r + "_kernel);\n";
    o += "  mc_free(" + r + "_stage);\n";
    for (size_t v = 0; v < mon.buffers.size(); ++v)
      o += "  mc_buffer_free(" + r + "_o" + std::to_string(v) + ");\n";
  }
  o += "}\n\n";

  o += "static int mc_flush_all(mc_module* m) {\n";
  for (auto [pk, list] : pops) o += "  if (mc_flush_pop" + std::to_string(pk) + "(m)) return 1;\n";
  for (size_t mi = 0; mi < c.p.monitors.size(); ++mi)
    if (c.p.monitors[mi].kind == MK::State) o += "  if (mc_flush_state" + std::to_string(mi) + "(m)) return 1;\n";
  o += "  return 0;\n}\n\n";

  // The ABI's monitor accessors: the same array layout as the CPU module.
  codegen::host::HostContext hc(c.p, c.diags, c.target.backend);
  codegen::host::emit_monitor_accessors(hc);
  o += hc.out;
}

}  // namespace modelc::codegen::simt
