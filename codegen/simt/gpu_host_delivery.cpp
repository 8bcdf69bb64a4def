// Event delivery of a GPU host module beyond spikes along CSR rows: Buffer::init_values and spike generator tables (uploaded
// once), the transposed index of post pathways and the delay-sorted rows of heterogeneous-delay
// pathways (built on the host at mc_init, like the CSR, then uploaded), and the per-step copy of a
// pathway's triggering events into its own ring (see codegen/simt/simt_kernel_emitter.cpp for the delivery).
#include "codegen/simt/gpu_host_parts.h"
#include "codegen/host/host_emitters.h"
#include "support/format.h"

namespace modelc::codegen::simt {

namespace {

using support::c_string;
using support::int_text;

using codegen::host::per_synapse;

std::string syn(size_t g, const std::string& what) { return "m->syn" + std::to_string(g) + "_" + what; }

bool dendritic(const kir::SynapseGroup::Pathway& pw) { return pw.buffering == kir::SynapseGroup::Pathway::Buffering::Dendritic; }

// The heterogeneous-delay pathways delivered through queues (QueuedEvents).
template <class F>
void for_hetero(const GpuModuleContext& c, F f) {
  for (size_t g = 0; g < c.p.synapse_groups.size(); ++g)
    for (size_t w = 0; w < c.p.synapse_groups[g].pathways.size(); ++w) {
      const kir::SynapseGroup::Pathway& pw = c.p.synapse_groups[g].pathways[w];
      if (!pw.delay_buffer.empty() && !dendritic(pw)) f(g, w, pw);
    }
}

// The pathways with a dendritic delay ring.
template <class F>
void for_dendritic(const GpuModuleContext& c, F f) {
  for (size_t g = 0; g < c.p.synapse_groups.size(); ++g)
    for (size_t w = 0; w < c.p.synapse_groups[g].pathways.size(); ++w) {
      const kir::SynapseGroup::Pathway& pw = c.p.synapse_groups[g].pathways[w];
      if (!pw.delay_buffer.empty() && dendritic(pw)) f(g, w, pw);
    }
}

// Per-synapse delays of pathway `pw` converted to steps into the host array `_dl` (allocated here,
// the caller frees it) and their maximum into `_max`, as the CPU module converts them.
void delays_to_steps(const GpuModuleContext& c, size_t g, const kir::SynapseGroup::Pathway& pw, int bi, std::string& o) {
  const kir::SynapseGroup& sg = c.p.synapse_groups[g];
  const std::string what = c_string("the delays of " + sg.name + "." + pw.name);
  o += "    const int64_t _n = " + syn(g, "n") + ";\n";
  o += "    double* _dv = (double*)mc_alloc(mc_bytes(_n, 8), " + what + ", m->error, sizeof m->error);\n";
  o += "    int32_t* _dl = (int32_t*)mc_alloc(mc_bytes(_n, 4), " + what + ", m->error, sizeof m->error);\n";
  o += "    if (!_dv || !_dl) { mc_free(_dv); mc_free(_dl); m->failed = 1; return 1; }\n";
  o += "    if (mc_read_var(m, " + std::to_string(bi) + ", _dv)) { mc_free(_dv); mc_free(_dl); m->failed = 1; return 1; }\n";
  o += "    int64_t _max = 0;\n    for (int64_t s = 0; s < _n; ++s) {\n";
  o += "      const double _d = mc_delay_steps_real(_dv[s], MC_DT);\n";
  o += "      if (!(_d >= 0.0) || _d > 1.0e9) { snprintf(m->error, sizeof m->error, \"synapse %lld of " + sg.name +
       " has the invalid delay %g s (pathway " + pw.name + ")\", (long long)s, _dv[s]); mc_free(_dv); mc_free(_dl); m->failed = 1; return 1; }\n";
  o += "      _dl[s] = (int32_t)_d;\n      if (_d > _max) _max = (int64_t)_d;\n    }\n    mc_free(_dv);\n";
}

// Buffer::init_values (static tables, codegen/host) converted to the device type and uploaded.
void upload_init_values(GpuModuleContext& c, bool synapses, std::string& o) {
  codegen::host::HostContext hc(c.p, c.diags, c.target.backend);
  codegen::host::emit_init_values(hc, synapses, [&](size_t b, const std::string& n) {
    const kir::Buffer& buf = c.p.buffers[b];
    hc.out += "  if (mc_upload(m, m->d_" + buf.name + ", _mc_init" + std::to_string(b) + ", " + n + ", " +
              codegen::host::abi_type_name(buf.type) + ", " +
              c_string("uploading the initial values of " + buf.owner + "." + buf.variable) + ")) return 1;\n";
  });
  o += hc.out;
}

}  // namespace

void emit_delivery_fields(GpuModuleContext& c, std::string& o) {
  for (size_t k = 0; k < c.p.populations.size(); ++k)
    if (c.p.populations[k].generator) o += "  mc_buffer* pop" + std::to_string(k) + "_gsteps;\n  mc_buffer* pop" + std::to_string(k) + "_gidx;\n";
  for (size_t g = 0; g < c.p.synapse_groups.size(); ++g)
    if (c.needs_transpose(static_cast<int>(g))) {
      const std::string gs = std::to_string(g);
      o += "  int64_t* syn" + gs + "_col;\n  int32_t* syn" + gs + "_colsyn;\n  mc_buffer* syn" + gs + "_dcol;\n  mc_buffer* syn" + gs + "_dcolsyn;\n";
    }
  for_hetero(c, [&](size_t g, size_t w, const auto&) {
    const std::string f = "syn" + std::to_string(g) + "_", ws = std::to_string(w);
    o += "  int64_t " + f + "depth" + ws + ";\n";
    for (const char* b : {"dseg", "dperm", "qev", "qcnt"}) o += "  mc_buffer* " + f + b + ws + ";\n";
    o += "  mc_kernel* " + f + "copy" + ws + ";\n  size_t " + f + "copy" + ws + "_local;\n";
  });
  for_dendritic(c, [&](size_t g, size_t w, const auto&) {
    const std::string f = "syn" + std::to_string(g) + "_", ws = std::to_string(w);
    o += "  int64_t " + f + "depth" + ws + ";  // dendritic ring rows\n  mc_buffer* " + f + "ddl" + ws + ";  // delays in steps\n";
  });
}

void emit_delivery_setup(GpuModuleContext& c, std::string& o) {
  const kir::Program& p = c.p;
  upload_init_values(c, false, o);
  for (size_t k = 0; k < p.populations.size(); ++k) {
    if (!p.populations[k].generator) continue;
    const std::string ks = std::to_string(k);
    const std::string n = int_text(static_cast<int64_t>(p.populations[k].generator->steps.size()));
    const std::string what = c_string("the spike generator table of " + p.populations[k].name);
    o += "  if (!(m->pop" + ks + "_gsteps = mc_buf(m, (size_t)" + n + " * 8, " + what + "))) return 1;\n";
    o += "  if (!(m->pop" + ks + "_gidx = mc_buf(m, (size_t)" + n + " * 4, " + what + "))) return 1;\n";
    o += "  if (" + n + " > 0) {\n    int32_t* idx = (int32_t*)malloc((size_t)" + n + " * 4);\n";
    o += "    if (!idx) return mc_fail(m, \"out of memory uploading a spike generator table\");\n";
    o += "    for (int64_t k = 0; k < " + n + "; ++k) idx[k] = (int32_t)_mc_gen" + ks + "_idx[k];\n";
    o += "    int32_t e1 = mc_buffer_upload(m->dev, m->pop" + ks + "_gsteps, 0, (size_t)" + n + " * 8, _mc_gen" + ks +
         "_steps);\n";
    o += "    int32_t e2 = mc_buffer_upload(m->dev, m->pop" + ks + "_gidx, 0, (size_t)" + n + " * 4, idx);\n";
    o += "    free(idx);\n    MC_DEV(e1 || e2, " + what + ");\n  }\n";
  }
}

void emit_delivery_release(GpuModuleContext& c, std::string& o) {
  auto mem = [&](const std::string& f) { o += "  mc_buffer_free(" + f + ");\n"; };
  for (size_t k = 0; k < c.p.populations.size(); ++k)
    if (c.p.populations[k].generator) {
      mem("m->pop" + std::to_string(k) + "_gsteps");
      mem("m->pop" + std::to_string(k) + "_gidx");
    }
  for (size_t g = 0; g < c.p.synapse_groups.size(); ++g)
    if (c.needs_transpose(static_cast<int>(g))) {
      o += "  mc_free(" + syn(g, "col") + ");\n  mc_free(" + syn(g, "colsyn") + ");\n";
      mem(syn(g, "dcol"));
      mem(syn(g, "dcolsyn"));
    }
  for_hetero(c, [&](size_t g, size_t w, const auto&) {
    const std::string ws = std::to_string(w);
    for (const char* f : {"dseg", "dperm", "qev", "qcnt"}) mem(syn(g, f + ws));
    o += "  mc_kernel_free(" + syn(g, "copy" + ws) + ");\n";
  });
  for_dendritic(c, [&](size_t g, size_t w, const auto&) { mem(syn(g, "ddl" + std::to_string(w))); });
}

void emit_queue_functions(GpuModuleContext& c, std::string& o) {
  for_hetero(c, [&](size_t g, size_t w, const kir::SynapseGroup::Pathway& pw) {
    const kir::SynapseGroup& sg = c.p.synapse_groups[g];
    const int pk = c.population_index(pw.post ? sg.target : sg.source);
    const int l = pk < 0 ? -1 : c.list_index(pk, pw.event);
    if (l < 0) return;  // reported by plan_kernels when a kernel serves the pathway
    const std::string ws = std::to_string(w), k = syn(g, "copy" + ws);
    o += "static int mc_queue_events" + std::to_string(g) + "_" + ws + "(mc_module* m, int64_t step) {\n";
    o += "  const int64_t src = step % " + int_text(c.lists[l].history) + ", dst = step % " + syn(g, "depth" + ws) + ";\n";
    o += "  MC_DEV(mc_kernel_set_value(" + k + ", 3, sizeof src, &src), \"setting the slot\");\n";
    o += "  MC_DEV(mc_kernel_set_value(" + k + ", 6, sizeof dst, &dst), \"setting the slot\");\n";
    o += "  return mc_launch(m, " + k + ", " + k + "_local, " + k + "_local, \"mc_copy_events\");\n}\n\n";
  });
}

void emit_transpose_init(GpuModuleContext& c, std::string& o) {
  const std::string fail = "{ m->failed = 1; return 1; }";
  for (size_t g = 0; g < c.p.synapse_groups.size(); ++g) {
    const kir::SynapseGroup& sg = c.p.synapse_groups[g];
    if (!c.needs_transpose(static_cast<int>(g))) continue;
    const std::string T = int_text(sg.target_size), what = c_string("the transposed index of " + sg.name);
    // Counting sort of the synapses by post index: stable, so each column is in ascending order.
    o += "  {\n    const int64_t _n = " + syn(g, "n") + ";\n";
    o += "    if (!(" + syn(g, "col") + " = (int64_t*)mc_alloc(mc_bytes(" + T + " + 1, 8), " + what + ", m->error, sizeof m->error))) " + fail + "\n";
    o += "    if (!(" + syn(g, "colsyn") + " = (int32_t*)mc_alloc(mc_bytes(_n, 4), " + what + ", m->error, sizeof m->error))) " + fail + "\n";
    o += "    int64_t* _col = " + syn(g, "col") + ";\n    const " + (narrow_post(sg) ? "uint16_t" : "int32_t") + "* _post = " +
         syn(g, "post") + ";\n";
    o += "    for (int64_t s = 0; s < _n; ++s) ++_col[_post[s] + 1];\n";
    o += "    for (int64_t j = 0; j < " + T + "; ++j) _col[j + 1] += _col[j];\n";
    o += "    int64_t* _fill = (int64_t*)mc_alloc(mc_bytes(" + T + " + 1, 8), \"scratch\", m->error, sizeof m->error);\n";
    o += "    if (!_fill) " + fail + "\n    memcpy(_fill, _col, (size_t)(" + T + " + 1) * 8);\n";
    o += "    for (int64_t s = 0; s < _n; ++s) " + syn(g, "colsyn") + "[_fill[_post[s]]++] = (int32_t)s;\n";
    o += "    mc_free(_fill);\n";
    o += "    if (!(" + syn(g, "dcol") + " = mc_buf(m, (size_t)(" + T + " + 1) * 8, " + what + "))) return 1;\n";
    o += "    if (!(" + syn(g, "dcolsyn") + " = mc_buf(m, (size_t)_n * 4, " + what + "))) return 1;\n";
    o += "    MC_DEV(mc_buffer_upload(m->dev, " + syn(g, "dcol") + ", 0, (size_t)(" + T + " + 1) * 8, _col), " + what + ");\n";
    o += "    if (_n > 0) MC_DEV(mc_buffer_upload(m->dev, " + syn(g, "dcolsyn") + ", 0, (size_t)_n * 4, " + syn(g, "colsyn") +
         "), " + what + ");\n  }\n";
  }
}

void emit_synapse_init_values(GpuModuleContext& c, std::string& o) { upload_init_values(c, true, o); }

// Per heterogeneous-delay pathway: delays to steps (Brian2: round half to even, as the CPU
// module), then every row (column) sorted by delay into segments (row, d), and the event ring.
void emit_delay_rows_init(GpuModuleContext& c, std::string& o) {
  for_hetero(c, [&](size_t g, size_t w, const kir::SynapseGroup::Pathway& pw) {
    const kir::SynapseGroup& sg = c.p.synapse_groups[g];
    const int bi = c.buffer_index(pw.delay_buffer);
    const int pk = c.population_index(pw.post ? sg.target : sg.source);
    const int l = pk < 0 ? -1 : c.list_index(pk, pw.event);
    if (bi < 0 || l < 0) {
      c.error("pathway '" + pw.name + "' of '" + sg.name + "' uses unknown delay buffer '" + pw.delay_buffer + "' or event '" +
              pw.event + "'");
      return;
    }
    const std::string ws = std::to_string(w), what = c_string("the delays of " + sg.name + "." + pw.name);
    const std::string R = int_text(pw.post ? sg.target_size : sg.source_size), N = int_text(c.p.populations[pk].size);
    const std::string ptr = pw.post ? syn(g, "col") : syn(g, "row");
    o += "  {\n";
    delays_to_steps(c, g, pw, bi, o);
    o += "    const int64_t D = _max + 1;\n    " + syn(g, "depth" + ws) + " = D;\n";
    o += "    int64_t* _seg = (int64_t*)mc_alloc(mc_bytes(" + R + " * D + 1, 8), " + what + ", m->error, sizeof m->error);\n";
    o += "    int64_t* _fill = (int64_t*)mc_alloc(mc_bytes(" + R + " * D + 1, 8), " + what + ", m->error, sizeof m->error);\n";
    o += "    int32_t* _perm = (int32_t*)mc_alloc(mc_bytes(_n, 4), " + what + ", m->error, sizeof m->error);\n";
    o += "    if (!_seg || !_fill || !_perm) { mc_free(_dl); mc_free(_seg); mc_free(_fill); mc_free(_perm); m->failed = 1; return 1; }\n";
    const std::string synof = pw.post ? syn(g, "colsyn") + "[e]" : "(int32_t)e";
    o += "    for (int64_t r = 0; r < " + R + "; ++r)\n      for (int64_t e = " + ptr + "[r]; e < " + ptr + "[r + 1]; ++e) ++_seg[r * D + _dl[" + synof + "] + 1];\n";
    o += "    for (int64_t k = 0; k < " + R + " * D; ++k) _seg[k + 1] += _seg[k];\n";
    o += "    memcpy(_fill, _seg, (size_t)(" + R + " * D + 1) * 8);\n";
    o += "    for (int64_t r = 0; r < " + R + "; ++r)\n      for (int64_t e = " + ptr + "[r]; e < " + ptr + "[r + 1]; ++e) {\n";
    o += "        const int32_t s = " + synof + ";\n        _perm[_fill[r * D + _dl[s]]++] = s;\n      }\n";
    o += "    mc_free(_dl);\n    mc_free(_fill);\n";
    o += "    int e = 0;\n";
    o += "    if (!(" + syn(g, "dseg" + ws) + " = mc_buf(m, (size_t)(" + R + " * D + 1) * 8, " + what + ")) ||\n";
    o += "        !(" + syn(g, "dperm" + ws) + " = mc_buf(m, (size_t)_n * 4, " + what + ")) ||\n";
    o += "        !(" + syn(g, "qev" + ws) + " = mc_buf(m, (size_t)D * " + N + " * 4, " + what + ")) ||\n";
    o += "        !(" + syn(g, "qcnt" + ws) + " = mc_buf(m, (size_t)D * 4, " + what + "))) { mc_free(_seg); mc_free(_perm); return 1; }\n";
    o += "    e = mc_buffer_upload(m->dev, " + syn(g, "dseg" + ws) + ", 0, (size_t)(" + R + " * D + 1) * 8, _seg);\n";
    o += "    if (!e && _n > 0) e = mc_buffer_upload(m->dev, " + syn(g, "dperm" + ws) + ", 0, (size_t)_n * 4, _perm);\n";
    o += "    mc_free(_seg);\n    mc_free(_perm);\n    MC_DEV(e, " + what + ");\n";
    const std::string k = syn(g, "copy" + ws), lp = "m->" + c.lists[l].prefix;
    o += "    if (!(" + k + " = mc_kernel_get(m->prog, \"mc_copy_events\"))) return mc_dev_fail(m, \"looking up kernel mc_copy_events\");\n";
    o += "    " + k + "_local = mc_kernel_local_size(" + k + ", 256);\n";
    o += "    const int64_t _np = " + N + ", _zero = 0;\n";
    o += "    int ok = mc_kernel_set_buffer(" + k + ", 0, " + lp + "_spikes);\n";
    o += "    ok |= mc_kernel_set_buffer(" + k + ", 1, " + lp + "_counts);\n";
    o += "    ok |= mc_kernel_set_value(" + k + ", 2, sizeof _np, &_np);\n    ok |= mc_kernel_set_value(" + k + ", 3, sizeof _zero, &_zero);\n";
    o += "    ok |= mc_kernel_set_buffer(" + k + ", 4, " + syn(g, "qev" + ws) + ");\n";
    o += "    ok |= mc_kernel_set_buffer(" + k + ", 5, " + syn(g, "qcnt" + ws) + ");\n";
    o += "    ok |= mc_kernel_set_value(" + k + ", 6, sizeof _zero, &_zero);\n";
    o += "    MC_DEV(ok, \"setting the arguments of mc_copy_events\");\n  }\n";
  });
  // Dendritic rings: the delays in steps on the device, and the ring's buffer re-allocated with
  // its depth of rows (mc_setup gave it one row, the size the program declares), zero-filled.
  for_dendritic(c, [&](size_t g, size_t w, const kir::SynapseGroup::Pathway& pw) {
    const kir::SynapseGroup& sg = c.p.synapse_groups[g];
    const int bi = c.buffer_index(pw.delay_buffer), ri = c.buffer_index(pw.ring_buffer);
    if (bi < 0 || ri < 0) {
      c.error("pathway '" + pw.name + "' of '" + sg.name + "' uses unknown delay buffer '" + pw.delay_buffer +
              "' or ring buffer '" + pw.ring_buffer + "'");
      return;
    }
    const kir::Buffer& ring = c.p.buffers[ri];
    const std::string ws = std::to_string(w), what = c_string("the dendritic delay ring of " + sg.name + "." + pw.name);
    o += "  {\n";
    delays_to_steps(c, g, pw, bi, o);
    o += "    " + syn(g, "depth" + ws) + " = _max + 1;\n";
    o += "    if (!(" + syn(g, "ddl" + ws) + " = mc_buf(m, (size_t)_n * 4, " + what + "))) { mc_free(_dl); return 1; }\n";
    o += "    const int e = _n > 0 ? mc_buffer_upload(m->dev, " + syn(g, "ddl" + ws) + ", 0, (size_t)_n * 4, _dl) : 0;\n";
    o += "    mc_free(_dl);\n    MC_DEV(e, " + what + ");\n";
    o += "    mc_buffer_free(m->d_" + ring.name + ");\n";
    o += "    if (!(m->d_" + ring.name + " = mc_buf(m, (size_t)" + syn(g, "depth" + ws) + " * " + int_text(ring.size) +
         " * mc_dev_elem(m, " + codegen::host::abi_type_name(ring.type) + "), " + what + "))) return 1;\n  }\n";
  });
}

}  // namespace modelc::codegen::simt
