#include "codegen/simt/device_connect.h"

#include <set>

#include "codegen/simt/simt_spelling.h"
#include "support/format.h"

namespace modelc::codegen::simt {

namespace {

using support::c_string;

// An expression the device computes as the host's row<g> does: no random draws (keyed by what the
// host printer binds, not the row's counters) and no built-ins but those the row defines.
bool device_evaluable(const kir::ExprP& e) {
  if (!e) return true;
  if (e->kind == kir::Expr::Kind::Random || e->kind == kir::Expr::Kind::Local) return false;
  if (e->kind == kir::Expr::Kind::Builtin && e->name != "i" && e->name != "j" && e->name != "t" && e->name != "step")
    return false;
  for (const auto& a : e->args)
    if (!device_evaluable(a)) return false;
  return true;
}

// The buffers a rule reads, in the order of the kernels' trailing parameters.
std::vector<std::string> rule_buffers(const kir::SynapseGroup& sg) {
  std::set<std::string> loads;
  for (const auto& e : {sg.connect.p, sg.connect.condition, sg.connect.n}) kir::collect_loads(e, loads);
  return {loads.begin(), loads.end()};
}

// Parameter positions: count (row, seed, buffers...), fill (row, post, [pre,] seed, buffers...).
int fill_seed_index(const kir::SynapseGroup& sg) { return sg.connectivity.keep_pre ? 3 : 2; }

// The rows of a group, a block per row (blocks stride over the rows), in the count kernel
// (`fill` false: the row's length into _mc_row[i + 1]) or the fill kernel (its post and pre
// indices from _mc_row[i] on). The draws are those of the host's row<g>, the synapses come out in
// its order:
//   - geometric skipping (rules without j or n): draw k of row i is mc_uniform_double(seed,
//     stream, i, k) and the k-th synapse is at j = -1 + the sum of the first k gaps
//     1 + floor(log(1 - u) / log1p(-p)), the row ending at the first j >= T. The block draws a tile
//     of gaps at once (thread t draws k = tile start + t) and the block scan of the gaps gives
//     every thread its j; the tile's synapses are the threads whose j < T, a prefix of the block.
//     (As the procedural rows of simt_kernel_emitter.cpp regenerate them.)
//   - per-pair rules: thread t takes j = tile start + t, the condition, draw j of row i, `n`
//     copies; the block scan of the copies ranks them.
// The integer sums are exact; the one assumption is the device's log / log1p (and whatever p
// calls) rounding as the host's libm, as for the procedural rows. Everything that decides a
// barrier (the row's condition and p without j, the tile loop) is the same for the whole block.
void block_rows(const kir::SynapseGroup& sg, GpuPrinter& pr, const Spell& s, const std::string& pt, bool fill, std::string& o) {
  const kir::ConnectRule& r = sg.connect;
  const std::string T = s.int_text(sg.target_size), S = s.int_text(sg.source_size), stream = std::to_string(r.stream) + "u";
  const std::string p = r.p ? pr.expr(r.p) : "1.0", cond = r.condition ? pr.expr(r.condition) : "true";
  const bool pre = sg.connectivity.keep_pre;
  // Writes synapse j at CSR position `pos` (fill kernel).
  auto put = [&](const std::string& ind, const std::string& pos) {
    o += ind + "_mc_post[" + pos + "] = (" + pt + ")j;\n";
    if (pre) o += ind + "_mc_pre[" + pos + "] = (int)i;\n";
  };
  o += s("  for ({long} i = ({long}){bid}; i < ") + S + s("; i += ({long}){nblocks}) {\n");
  if (fill) o += s("    const {long} _mc_s0 = _mc_row[i];\n");
  o += s("    {long} _mc_base = 0;\n");
  if (!r.depends_on_j && !r.n) {
    o += "    if (!(" + cond + ")) continue;\n";
    o += "    const double _mc_p = (double)(" + p + ");\n";
    o += "    if (!(_mc_p > 0.0)) continue;\n";
    o += "    if (_mc_p >= 1.0) {\n";
    if (fill) {
      o += s("      for ({long} j = ({long}){tid}; j < ") + T + s("; j += ({long}){bsize}) {\n");
      put("        ", "_mc_s0 + j");
      o += "      }\n";
    } else {
      o += s("      if ({tid} == 0) _mc_row[i + 1] = ") + T + ";\n";
    }
    o += "      continue;\n    }\n";
    o += "    const double _mc_lq = log1p(-_mc_p);\n";
    o += s("    {long} _mc_last = -1;\n");
    o += s("    for ({ulong} _mc_k0 = 0; _mc_last < ") + T + s("; _mc_k0 += ({ulong}){bsize}) {\n");
    o += s("      const double _mc_u = mc_uniform_double(seed, ") + stream + s(", ({ulong})i, _mc_k0 + ({ulong}){tid});\n");
    o += "      const double _mc_skip = floor(log(1.0 - _mc_u) / _mc_lq);\n";
    // Gaps of T or more end the row wherever they fall: clamped, so the sums cannot overflow.
    o += s("      _mc_scan[{tid}] = 1 + (_mc_skip >= (double)") + T + " ? " + T + s(" : ({long})_mc_skip);\n");
    o += block_scan(s, "      ");
    o += s("      const {long} j = _mc_last + _mc_scan[{tid}];\n");
    o += s("      const {long} _mc_end = _mc_last + _mc_scan[{bsize} - 1];\n      {sync_shared};\n");
    if (fill) {
      o += "      if (j < " + T + ") {\n";
      put("        ", s("_mc_s0 + _mc_base + ({long}){tid}"));
      o += "      }\n";
      o += s("      _mc_base += ({long}){bsize};\n");
    } else {
      // The last tile (its end at or past T) holds fewer synapses than threads: count them.
      o += "      if (_mc_end < " + T + s(") {\n        _mc_base += ({long}){bsize};\n      } else {\n");
      o += s("        _mc_scan[{tid}] = j < ") + T + " ? 1 : 0;\n";
      o += block_scan(s, "        ");
      o += s("        if ({tid} == 0) _mc_row[i + 1] = _mc_base + _mc_scan[{bsize} - 1];\n        {sync_shared};\n      }\n");
    }
    o += "      _mc_last = _mc_end;\n    }\n  }\n";
    return;
  }
  if (!r.depends_on_j) o += "    if (!(" + cond + ")) continue;\n";
  o += s("    for ({long} _mc_t0 = 0; _mc_t0 < ") + T + s("; _mc_t0 += ({long}){bsize}) {\n");
  o += s("      const {long} j = _mc_t0 + ({long}){tid};\n      {long} _mc_c = 0;\n");
  o += "      if (j < " + T + " && (" + cond + ")) {\n";
  std::string take = r.n ? s("({long})(") + pr.expr(r.n) + ")" : "1";
  if (r.p) {
    o += "        const double _mc_p = (double)(" + p + ");\n";
    o += s("        if (mc_uniform_double(seed, ") + stream + s(", ({ulong})i, ({ulong})j) < _mc_p) _mc_c = ") + take + ";\n";
  } else {
    o += "        _mc_c = " + take + ";\n";
  }
  // The host appends n copies while n > 0: a negative n is none.
  if (r.n) o += "        if (_mc_c < 0) _mc_c = 0;\n";
  o += "      }\n";
  o += s("      _mc_scan[{tid}] = _mc_c;\n");
  o += block_scan(s, "      ");
  if (fill) {
    o += s("      for ({long} _mc_q = _mc_s0 + _mc_base + _mc_scan[{tid}] - _mc_c; _mc_c > 0; --_mc_c, ++_mc_q) {\n");
    put("        ", "_mc_q");
    o += "      }\n";
  }
  o += s("      _mc_base += _mc_scan[{bsize} - 1];\n      {sync_shared};\n    }\n");
  if (!fill) o += s("    if ({tid} == 0) _mc_row[i + 1] = _mc_base;\n");
  o += "  }\n";
}

std::string syn(size_t g, const std::string& what) { return "m->syn" + std::to_string(g) + "_" + what; }

}  // namespace

bool builds_on_device(const kir::SynapseGroup& sg) {
  if (sg.connectivity.storage != kir::Connectivity::Storage::Sparse || sg.connect.kind != kir::ConnectRule::Kind::Probability)
    return false;
  return device_evaluable(sg.connect.p) && device_evaluable(sg.connect.condition) && device_evaluable(sg.connect.n);
}

bool any_built_on_device(const kir::Program& p) {
  for (const auto& sg : p.synapse_groups)
    if (builds_on_device(sg)) return true;
  return false;
}

std::string emit_connect_kernels(const LaunchPlan& c, GpuPrinter& pr) {
  if (!any_built_on_device(c.p)) return "";
  const GpuDialect& d = pr.dialect();
  const Spell s(d);
  std::string o;
  // The draws are double precision, as on the host: a device without fp64 gets the host's CSR (the
  // host module asks for these kernels only where the device has fp64).
  o += "/* --- connectivity built on the device: row lengths, their scan, the rows (device_connect.cpp) --- */\n";
  o += "#if defined(MC_HAVE_FP64)\n";
  // Row pointers from row lengths (_mc_row[i + 1] = length of row i, _mc_row[0] = 0): one block,
  // each thread sums a contiguous chunk, the block scan ranks the chunks, each thread rewrites its
  // chunk as running sums. Integers, so exact whatever the block size. One block of 64 threads
  // reads every length twice: for 10^6 rows well under a millisecond of a GPU's bandwidth.
  o += s("{kernel} mc_scan_rows({g}{long}* {restrict} _mc_row, const {long} n) {\n");
  o += "  " + fill(d.shared_array, "", "", d.int64, "_mc_scan[" + std::to_string(kEventBlockCap) + "]") + "\n";
  o += s("  const {long} _mc_per = (n + ({long}){bsize} - 1) / ({long}){bsize};\n"
         "  const {long} _mc_a = ({long}){tid} * _mc_per < n ? ({long}){tid} * _mc_per : n;\n"
         "  const {long} _mc_b = _mc_a + _mc_per < n ? _mc_a + _mc_per : n;\n"
         "  {long} _mc_c = 0;\n"
         "  for ({long} _mc_k = _mc_a; _mc_k < _mc_b; ++_mc_k) _mc_c += _mc_row[_mc_k + 1];\n"
         "  _mc_scan[{tid}] = _mc_c;\n");
  o += block_scan(s, "  ");
  o += s("  {long} _mc_run = _mc_scan[{tid}] - _mc_c;\n"
         "  for ({long} _mc_k = _mc_a; _mc_k < _mc_b; ++_mc_k) {\n"
         "    _mc_run += _mc_row[_mc_k + 1];\n"
         "    _mc_row[_mc_k + 1] = _mc_run;\n"
         "  }\n}\n\n");
  for (size_t g = 0; g < c.p.synapse_groups.size(); ++g) {
    const kir::SynapseGroup& sg = c.p.synapse_groups[g];
    if (!builds_on_device(sg)) continue;
    const std::string gs = std::to_string(g), S = s.int_text(sg.source_size);
    const std::string pt = narrow_post(sg) ? d.uint16 : d.int32;
    std::string decls;
    for (const auto& n : rule_buffers(sg)) {
      const int bi = c.buffer_index(n);
      if (bi < 0) continue;  // the host's row<g> reports it
      decls += ", " + pr.buffer_pointer(c.p.buffers[bi].type, n, true);
    }
    o += "/* synapses " + sg.name + " */\n";
    const std::string scan = "  " + fill(d.shared_array, "", "", d.int64, "_mc_scan[" + std::to_string(kEventBlockCap) + "]") + "\n";
    o += s("{kernel} mc_connect_count") + gs + s("({g}{long}* {restrict} _mc_row, const {ulong} seed") + decls + ") {\n" + scan;
    o += s("  const {long} step = 0;\n  (void)step;\n  const {f64} t = 0;\n  (void)t;\n");
    block_rows(sg, pr, s, pt, false, o);
    o += "}\n";
    o += s("{kernel} mc_connect_fill") + gs + s("({g}const {long}* {restrict} _mc_row, {g}") + pt + s("* {restrict} _mc_post");
    if (sg.connectivity.keep_pre) o += s(", {g}int* {restrict} _mc_pre");
    o += s(", const {ulong} seed") + decls + ") {\n" + scan;
    o += s("  const {long} step = 0;\n  (void)step;\n  const {f64} t = 0;\n  (void)t;\n");
    block_rows(sg, pr, s, pt, true, o);
    o += "}\n\n";
  }
  o += "#endif\n\n";
  return o;
}

void emit_device_connect_fields(const GpuModuleContext& c, std::string& o) {
  if (!any_built_on_device(c.p)) return;
  o += "  int32_t device_connect;  // MODELC_DEVICE_CONNECT, and fp64 on the device\n  mc_kernel* kscan_rows;\n";
  for (size_t g = 0; g < c.p.synapse_groups.size(); ++g)
    if (builds_on_device(c.p.synapse_groups[g])) {
      const std::string f = "syn" + std::to_string(g) + "_";
      o += "  mc_kernel* " + f + "kcount;\n  mc_kernel* " + f + "kfill;\n  int32_t " + f + "on_device;\n";
    }
}

void emit_device_connect_release(const GpuModuleContext& c, std::string& o) {
  if (!any_built_on_device(c.p)) return;
  o += "  mc_kernel_free(m->kscan_rows);\n";
  for (size_t g = 0; g < c.p.synapse_groups.size(); ++g)
    if (builds_on_device(c.p.synapse_groups[g])) o += "  mc_kernel_free(" + syn(g, "kcount") + ");\n  mc_kernel_free(" + syn(g, "kfill") + ");\n";
}

void emit_device_connect_functions(const GpuModuleContext& c, std::string& o) {
  const kir::Program& p = c.p;
  // The diagnostic export (not part of abi/modelc_abi.h): 1 where group g's synapses were built on
  // the device by the last mc_init, 0 where on the host, -1 for no such group. Tests look it up.
  o += "extern \"C\" int32_t mc_connect_built_on_device(const mc_module* m, int32_t g) {\n";
  o += "  if (!m || g < 0 || g >= " + std::to_string(p.synapse_groups.size()) + ") return -1;\n";
  for (size_t g = 0; g < p.synapse_groups.size(); ++g)
    if (builds_on_device(p.synapse_groups[g])) o += "  if (g == " + std::to_string(g) + ") return " + syn(g, "on_device") + ";\n";
  o += "  return 0;\n}\n\n";
  for (size_t g = 0; g < p.synapse_groups.size(); ++g) {
    const kir::SynapseGroup& sg = p.synapse_groups[g];
    if (!builds_on_device(sg)) continue;
    const std::string gs = std::to_string(g), S = support::int_text(sg.source_size), what = c_string("synapses " + sg.name);
    const std::string kc = syn(g, "kcount"), kf = syn(g, "kfill"), pb = narrow_post(sg) ? "2" : "4";
    const bool pre = sg.connectivity.keep_pre;
    const std::string cap = std::to_string(kEventBlockCap);  // threads per row: the _mc_scan array
    std::vector<std::string> bufs;
    for (const auto& n : rule_buffers(sg))
      if (c.buffer_index(n) >= 0) bufs.push_back(n);
    auto set_rule_buffers = [&](const std::string& k, int first) {
      for (size_t b = 0; b < bufs.size(); ++b)
        o += "  ok |= mc_kernel_set_buffer(" + k + ", " + std::to_string(first + static_cast<int>(b)) + ", m->d_" + bufs[b] + ");\n";
    };
    auto get = [&](const std::string& field, const std::string& name) {
      o += "  if (!" + field + " && !(" + field + " = mc_kernel_get(m->prog, \"" + name + "\"))) return mc_dev_fail(m, \"looking up kernel " +
           name + "\");\n";
    };
    o += "// Synapses " + sg.name + " built on the device (device_connect.cpp): row lengths, their scan into the\n"
         "// row pointers, the synapse count read back to size the arrays, the rows; then the CSR is read\n"
         "// back into the host arrays, which the transposed index, the delay-sorted rows and the synapse\n"
         "// accessors read.\n";
    o += "static int mc_connect_device" + gs + "(mc_module* m) {\n  int ok = 0;\n";
    // A block per row, up to 65536 blocks striding over the rows.
    o += "  const size_t _blocks = " + S + " < 65536 ? (size_t)" + S + " : 65536;\n";
    o += "  if (!(" + syn(g, "drow") + " = mc_buf(m, (size_t)(" + S + " + 1) * 8, " + what + "))) return 1;\n";
    get(kc, "mc_connect_count" + gs);
    o += "  const size_t _lc = mc_kernel_local_size(" + kc + ", " + cap + ");\n";
    o += "  ok |= mc_kernel_set_buffer(" + kc + ", 0, " + syn(g, "drow") + ");\n";
    o += "  ok |= mc_kernel_set_value(" + kc + ", 1, sizeof m->seed, &m->seed);\n";
    set_rule_buffers(kc, 2);
    o += "  MC_DEV(ok, \"setting the arguments of mc_connect_count" + gs + "\");\n";
    o += "  if (mc_launch(m, " + kc + ", _blocks * _lc, _lc, \"mc_connect_count" + gs + "\")) return 1;\n";
    get("m->kscan_rows", "mc_scan_rows");
    o += "  const size_t _ls = mc_kernel_local_size(m->kscan_rows, " + std::to_string(kEventBlockCap) + ");\n";
    o += "  const int64_t _rows = " + S + ";\n";
    o += "  ok |= mc_kernel_set_buffer(m->kscan_rows, 0, " + syn(g, "drow") + ");\n";
    o += "  ok |= mc_kernel_set_value(m->kscan_rows, 1, sizeof _rows, &_rows);\n";
    o += "  MC_DEV(ok, \"setting the arguments of mc_scan_rows\");\n";
    o += "  if (mc_launch(m, m->kscan_rows, _ls, _ls, \"mc_scan_rows\")) return 1;\n";
    o += "  int64_t _n = 0;\n";
    o += "  MC_DEV(mc_buffer_download(m->dev, " + syn(g, "drow") + ", (size_t)" + S + " * 8, 8, &_n), \"reading the synapse count of \" " +
         what + ");\n";
    o += "  " + syn(g, "n") + " = _n;\n";
    o += "  if (!(" + syn(g, "dpost") + " = mc_buf(m, (size_t)_n * " + pb + ", " + what + "))) return 1;\n";
    if (pre) o += "  if (!(" + syn(g, "dpre") + " = mc_buf(m, (size_t)_n * 4, " + what + "))) return 1;\n";
    get(kf, "mc_connect_fill" + gs);
    o += "  const size_t _lf = mc_kernel_local_size(" + kf + ", " + cap + ");\n";
    o += "  ok |= mc_kernel_set_buffer(" + kf + ", 0, " + syn(g, "drow") + ");\n";
    o += "  ok |= mc_kernel_set_buffer(" + kf + ", 1, " + syn(g, "dpost") + ");\n";
    if (pre) o += "  ok |= mc_kernel_set_buffer(" + kf + ", 2, " + syn(g, "dpre") + ");\n";
    o += "  ok |= mc_kernel_set_value(" + kf + ", " + std::to_string(fill_seed_index(sg)) + ", sizeof m->seed, &m->seed);\n";
    set_rule_buffers(kf, fill_seed_index(sg) + 1);
    o += "  MC_DEV(ok, \"setting the arguments of mc_connect_fill" + gs + "\");\n";
    o += "  if (_n > 0 && mc_launch(m, " + kf + ", _blocks * _lf, _lf, \"mc_connect_fill" + gs + "\")) return 1;\n";
    // The host arrays (freed by mc_destroy like the host-built ones).
    o += "  if (!(" + syn(g, "row") + " = (int64_t*)mc_alloc(mc_bytes(" + S + " + 1, 8), \"row pointers of \" " + what +
         ", m->error, sizeof m->error))) { m->failed = 1; return 1; }\n";
    o += "  if (!(" + syn(g, "post") + " = (" + (narrow_post(sg) ? "uint16_t" : "int32_t") + "*)mc_alloc(mc_bytes(_n, " + pb +
         "), \"post indices of \" " + what + ", m->error, sizeof m->error))) { m->failed = 1; return 1; }\n";
    if (pre)
      o += "  if (!(" + syn(g, "pre") + " = (int32_t*)mc_alloc(mc_bytes(_n, 4), \"pre indices of \" " + what +
           ", m->error, sizeof m->error))) { m->failed = 1; return 1; }\n";
    o += "  MC_DEV(mc_buffer_download(m->dev, " + syn(g, "drow") + ", 0, (size_t)(" + S + " + 1) * 8, " + syn(g, "row") +
         "), \"reading back \" " + what + ");\n";
    o += "  if (_n > 0) {\n";
    o += "    MC_DEV(mc_buffer_download(m->dev, " + syn(g, "dpost") + ", 0, (size_t)_n * " + pb + ", " + syn(g, "post") +
         "), \"reading back \" " + what + ");\n";
    if (pre)
      o += "    MC_DEV(mc_buffer_download(m->dev, " + syn(g, "dpre") + ", 0, (size_t)_n * 4, " + syn(g, "pre") +
           "), \"reading back \" " + what + ");\n";
    o += "  }\n  " + syn(g, "on_device") + " = 1;\n  return 0;\n}\n\n";
  }
}

}  // namespace modelc::codegen::simt
