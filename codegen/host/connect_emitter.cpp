// Connectivity construction of the host modules: one `connect<g>` function per synapse group.
//
// Probability rules are sampled row by row with the counter-based generator keyed by
// (seed, stream, element = i, step = draw number within the row), so a row can be generated twice
// identically. That gives a two-pass build (count every row, prefix-sum, fill every row) with no
// dynamic arrays, parallel over rows, and a CSR that is independent of the thread count.
#include <set>

#include "codegen/host/host_emitters.h"

namespace modelc::codegen::host {

namespace {

using support::c_string;
using support::int_text;

// Gaps drawn per simd tile by geometric skipping: two AVX-512 vectors of doubles.
constexpr int64_t kGapTile = 16;

std::string field(int g, const char* what) { return "m->syn" + std::to_string(g) + "_" + what; }

bool keep_pre(const HostContext& c, int g) { return c.p.synapse_groups[g].connectivity.keep_pre; }

// Allocates the CSR arrays once row_ptr is filled (count known). The pre array only when the
// connectivity keeps it (kir::Connectivity::keep_pre).
void emit_alloc_pairs(HostContext& c, int g, const std::string& name) {
  const std::string pt = post_index_type(c, g);
  c.out += "  " + field(g, "n") + " = " + field(g, "row") + "[" + int_text(c.p.synapse_groups[g].source_size) + "];\n";
  c.out += "  " + field(g, "post") + " = (" + pt + "*)mc_alloc(mc_bytes(" + field(g, "n") +
           ", sizeof(" + pt + ")), " + c_string("post indices of synapses " + name) + ", m->error, sizeof m->error);\n";
  if (!keep_pre(c, g)) {
    c.out += "  if (!" + field(g, "post") + ") return 1;\n";
    return;
  }
  c.out += "  " + field(g, "pre") + " = (int32_t*)mc_alloc(mc_bytes(" + field(g, "n") +
           ", sizeof(int32_t)), " + c_string("pre indices of synapses " + name) + ", m->error, sizeof m->error);\n";
  c.out += "  if (!" + field(g, "post") + " || !" + field(g, "pre") + ") return 1;\n";
}

// The head of `row<g>(m, i, out, bad)`: the number of synapses of row i (slice-relative), their post
// indices written to `out` when non-null; a negative result is an error (see emit_row_errors), with
// the offending value in *bad. Connect-time expressions may read neuron buffers.
void emit_row_prologue(HostContext& c, int g) {
  const kir::SynapseGroup& sg = c.p.synapse_groups[g];
  const kir::ConnectRule& r = sg.connect;
  c.out += "// Synapses of row i of " + sg.name + "; writes their post indices when out is non-null.\n";
  c.out += "static int64_t row" + std::to_string(g) + "(const mc_module* __restrict m, int64_t i, " +
           row_output_type(c, g) + "* __restrict _mc_out, int64_t* _mc_bad) {\n";
  c.out += "  const uint64_t seed = m->seed; (void)seed;\n  const int64_t step = 0; (void)step;\n";
  c.out += "  const double t = 0.0; (void)t;\n  int64_t _mc_n = 0;\n  (void)_mc_bad;\n";
  std::set<std::string> loads;
  for (const auto& e : {r.p, r.condition, r.n, r.generator.low, r.generator.high, r.generator.step, r.generator.p,
                        r.generator.size, r.generator.element, r.generator.condition})
    kir::collect_loads(e, loads);
  for (const auto& n : loads) {
    int bi = c.buffer_index(n);
    if (bi < 0) {
      c.error("connection rule of synapse group '" + sg.name + "' reads unknown buffer '" + n + "'");
      continue;
    }
    c.out += "  " + c.printer.buffer_pointer(c.p.buffers[bi].type, n, true) + " = m->b_" + n + ";\n";
  }
}

// Appends j to the row, `n` times when the rule has an n (IR v2).
void emit_append(HostContext& c, int g, const std::string& ind) {
  const kir::ConnectRule& r = c.p.synapse_groups[g].connect;
  if (!r.n) {
    c.out += ind + "if (_mc_out) _mc_out[_mc_n] = (" + row_output_type(c, g) + ")j;\n" + ind + "++_mc_n;\n";
    return;
  }
  c.out += ind + "for (int64_t _mc_rep = (int64_t)(" + c.printer.expr(r.n) + "); _mc_rep > 0; --_mc_rep) {\n";
  c.out += ind + "  if (_mc_out) _mc_out[_mc_n] = (" + row_output_type(c, g) + ")j;\n" + ind + "  ++_mc_n;\n" + ind + "}\n";
}

// IR v2: Brian2's generator syntax (synapses_create_generator.cpp of cpp_standalone, with modelc's
// counter-based draws: element = i, step = running draw number within the row).
void emit_generator_row(HostContext& c, int g) {
  const kir::SynapseGroup& sg = c.p.synapse_groups[g];
  const kir::ConnectRule& r = sg.connect;
  const auto& gen = r.generator;
  using It = kir::ConnectRule::Generator::Iterator;
  const std::string T = int_text(sg.target_size), stream = std::to_string(r.stream) + "u";
  const std::string k = gen.variable.empty() ? "_mc_gk" : gen.variable;
  auto x = [&](const kir::ExprP& e, const char* dflt) { return e ? "(int64_t)(" + c.printer.expr(e) + ")" : std::string(dflt); };
  emit_row_prologue(c, g);
  c.out += "  uint64_t _mc_draw = 0; (void)_mc_draw;\n";
  // The candidate k -> j: range check (skip or fail) and condition, in Brian2's order.
  std::string invalid = r.skip_if_invalid ? "continue;" : "{ *_mc_bad = j; return -1; }";
  std::string body;
  {
    std::string saved;
    std::swap(saved, c.out);
    const std::string ind = "    ";
    c.out += ind + "const int64_t j = (int64_t)(" + c.printer.expr(gen.element) + ");\n";
    std::string check = ind + "if (j < 0 || j >= " + T + ") " + invalid + "\n";
    std::string cond = gen.condition ? ind + "if (!(" + c.printer.expr(gen.condition) + ")) continue;\n" : "";
    c.out += gen.condition_uses_j ? check + cond : cond + check;
    emit_append(c, g, ind);
    std::swap(saved, c.out);
    body = std::move(saved);
  }
  if (gen.iterator == It::None) {
    c.out += "  do {\n" + body + "  } while (0);\n  return _mc_n;\n}\n\n";
    return;
  }
  c.out += "  const int64_t _mc_lo = " + x(gen.low, "0") + ", _mc_hi = " + x(gen.high, "0") + ", _mc_st = " +
           x(gen.step, "1") + ";\n";
  c.out += "  if (_mc_st == 0) { *_mc_bad = 0; return -4; }\n";
  // Number of values of the range; candidate r is k = lo + r*st.
  c.out += "  const int64_t _mc_total = _mc_st > 0 ? (_mc_hi > _mc_lo ? (_mc_hi - _mc_lo - 1) / _mc_st + 1 : 0)\n"
           "                                     : (_mc_lo > _mc_hi ? (_mc_lo - _mc_hi - 1) / -_mc_st + 1 : 0);\n";
  auto draw = "mc_uniform_double(seed, " + stream + ", (uint64_t)i, _mc_draw++)";
  if (gen.iterator == It::Range) {
    c.out += "  for (int64_t _mc_r = 0; _mc_r < _mc_total; ++_mc_r) {\n";
    c.out += "    const int64_t " + k + " = _mc_lo + _mc_r * _mc_st;\n" + body + "  }\n";
  } else if (gen.iterator == It::SampleP) {
    // Each value independently with probability p: geometric gaps between kept values.
    c.out += "  const double _mc_p = (double)(" + c.printer.expr(gen.p) + ");\n";
    c.out += "  const double _mc_lq = _mc_p < 1.0 ? log1p(-_mc_p) : 0.0;\n";
    c.out += "  for (int64_t _mc_r = -1; _mc_p > 0.0;) {\n";
    c.out += "    if (_mc_p >= 1.0) { ++_mc_r; } else {\n";
    c.out += "      const double _mc_skip = floor(log(1.0 - " + draw + ") / _mc_lq);\n";
    c.out += "      if (_mc_skip >= (double)(_mc_total - 1 - _mc_r)) break;\n";
    c.out += "      _mc_r += 1 + (int64_t)_mc_skip;\n    }\n";
    c.out += "    if (_mc_r >= _mc_total) break;\n";
    c.out += "    const int64_t " + k + " = _mc_lo + _mc_r * _mc_st;\n" + body + "  }\n";
  } else {
    // `size` values without replacement, in range order (Brian2's semantics). Selection sampling
    // (Knuth, TAOCP 3.4.2, Algorithm S) when the sample is a sizeable fraction; otherwise rejection
    // into a sorted list, which costs O(size log size) draws instead of O(total).
    c.out += "  int64_t _mc_size = " + x(gen.size, "0") + ";\n";
    c.out += "  if (_mc_size > _mc_total) { " +
             std::string(r.skip_if_invalid ? "_mc_size = _mc_total;" : "*_mc_bad = _mc_size; return -2;") + " }\n";
    c.out += "  if (_mc_size < 0) { " + std::string(r.skip_if_invalid ? "return 0;" : "*_mc_bad = _mc_size; return -3;") + " }\n";
    c.out += "  if (_mc_size == 0) return 0;\n";
    c.out += "  if ((double)_mc_size > 0.06 * (double)_mc_total) {\n";
    c.out += "    int64_t _mc_sel = 0;\n";
    c.out += "    for (int64_t _mc_r = 0; _mc_r < _mc_total && _mc_sel < _mc_size; ++_mc_r) {\n";
    c.out += "      if ((double)(_mc_total - _mc_r) * " + draw + " >= (double)(_mc_size - _mc_sel)) continue;\n";
    c.out += "      ++_mc_sel;\n";
    c.out += "      const int64_t " + k + " = _mc_lo + _mc_r * _mc_st;\n" + body + "    }\n";
    c.out += "  } else {\n";
    c.out += "    int64_t* _mc_set = (int64_t*)malloc((size_t)_mc_size * sizeof(int64_t));\n";
    c.out += "    if (!_mc_set) { *_mc_bad = _mc_size; return -5; }\n";
    c.out += "    int64_t _mc_cnt = 0;\n";
    c.out += "    while (_mc_cnt < _mc_size) {\n";
    c.out += "      int64_t _mc_v = (int64_t)(" + draw + " * (double)_mc_total);\n";
    c.out += "      if (_mc_v >= _mc_total) _mc_v = _mc_total - 1;\n";
    c.out += "      int64_t _mc_a = 0, _mc_b = _mc_cnt;\n";
    c.out += "      while (_mc_a < _mc_b) { int64_t _mc_mid = (_mc_a + _mc_b) / 2; if (_mc_set[_mc_mid] < _mc_v) _mc_a = _mc_mid + 1; else _mc_b = _mc_mid; }\n";
    c.out += "      if (_mc_a < _mc_cnt && _mc_set[_mc_a] == _mc_v) continue;\n";
    c.out += "      memmove(_mc_set + _mc_a + 1, _mc_set + _mc_a, (size_t)(_mc_cnt - _mc_a) * sizeof(int64_t));\n";
    c.out += "      _mc_set[_mc_a] = _mc_v;\n      ++_mc_cnt;\n    }\n";
    c.out += "    for (int64_t _mc_q = 0; _mc_q < _mc_size; ++_mc_q) {\n";
    c.out += "      const int64_t " + k + " = _mc_lo + _mc_set[_mc_q] * _mc_st;\n";
    // `continue` / `return` inside the body must not leak the set.
    std::string b2 = body;
    for (size_t pos = 0; (pos = b2.find("return -1;", pos)) != std::string::npos; pos += 30)
      b2.replace(pos, 10, "free(_mc_set); return -1;");
    c.out += b2 + "    }\n    free(_mc_set);\n  }\n";
  }
  c.out += "  return _mc_n;\n}\n\n";
}

void emit_probability_row(HostContext& c, int g) {
  const kir::SynapseGroup& sg = c.p.synapse_groups[g];
  const kir::ConnectRule& r = sg.connect;
  const std::string T = int_text(sg.target_size), stream = std::to_string(r.stream) + "u";
  std::string p = r.p ? c.printer.expr(r.p) : "1.0";
  std::string cond = r.condition ? c.printer.expr(r.condition) : "true";
  emit_row_prologue(c, g);
  if (!r.depends_on_j && !r.n) {
    // Geometric skipping: the gap to the next synapse is Geometric(p), so the cost is O(synapses)
    // rather than O(candidates).
    c.out += "  if (!(" + cond + ")) return 0;\n";
    c.out += "  const double _mc_p = (double)(" + p + ");\n";
    c.out += "  if (!(_mc_p > 0.0)) return 0;\n";
    c.out += "  if (_mc_p >= 1.0) {\n";
    c.out += "    if (_mc_out) for (int64_t j = 0; j < " + T + "; ++j) _mc_out[j] = (" + row_output_type(c, g) + ")j;\n";
    c.out += "    return " + T + ";\n  }\n";
    // The gaps are drawn a tile at a time in a simd loop (Philox and log vectorise; draw k is
    // still counter k, so the row is the same whatever the tile) and walked serially, floor there:
    // GCC does not vectorise floor without -fno-trapping-math. The draws past the row's end are
    // wasted, at most a tile per row.
    const std::string tile = int_text(kGapTile);
    c.out += "  const double _mc_lq = log1p(-_mc_p);\n";
    c.out += "  double _mc_gap[" + tile + "];\n";
    c.out += "  uint64_t _mc_draw = 0;\n  int64_t j = -1;\n";
    c.out += "  for (;; _mc_draw += " + tile + ") {\n";
    c.out += "    if ((_mc_draw & 0xFFFFF) == 0 && MC_CANCELLED(m)) return 0;\n";  // rows of 1e9 synapses
    c.out += "#pragma omp simd\n";
    c.out += "    for (int _mc_k = 0; _mc_k < " + tile + "; ++_mc_k)\n";
    c.out += "      _mc_gap[_mc_k] = log(1.0 - mc_uniform_double(seed, " + stream +
             ", (uint64_t)i, _mc_draw + (uint64_t)_mc_k)) / _mc_lq;\n";
    c.out += "    for (int _mc_k = 0; _mc_k < " + tile + "; ++_mc_k) {\n";
    c.out += "      const double _mc_skip = floor(_mc_gap[_mc_k]);\n";
    c.out += "      if (_mc_skip >= (double)(" + T + " - 1 - j)) return _mc_n;\n";
    c.out += "      j += 1 + (int64_t)_mc_skip;\n";
    c.out += "      if (_mc_out) _mc_out[_mc_n] = (" + row_output_type(c, g) + ")j;\n";
    c.out += "      ++_mc_n;\n    }\n  }\n";
  } else {
    if (!r.depends_on_j) c.out += "  if (!(" + cond + ")) return 0;\n";
    // Per-pair draws, draw number = j: a pair's draw does not depend on the condition of others.
    c.out += "  for (int64_t j = 0; j < " + T + "; ++j) {\n";
    c.out += "    if ((j & 0xFFFFF) == 0 && MC_CANCELLED(m)) return 0;\n";
    c.out += "    if (!(" + cond + ")) continue;\n";
    if (r.p) {
      c.out += "    const double _mc_p = (double)(" + p + ");\n";
      c.out += "    if (!(mc_uniform_double(seed, " + stream + ", (uint64_t)i, (uint64_t)j) < _mc_p)) continue;\n";
    }
    emit_append(c, g, "    ");
    c.out += "  }\n";
  }
  c.out += "  return _mc_n;\n}\n\n";
}

// The messages of the row errors (Brian2's wording where it has one).
void emit_row_errors(HostContext& c, int g) {
  const kir::SynapseGroup& sg = c.p.synapse_groups[g];
  const std::string who = "synapses " + sg.name + ": presynaptic neuron %lld ";
  c.out += "  if (_mc_err_i >= 0) {\n";
  c.out += "    if (_mc_err_code == -1) snprintf(m->error, sizeof m->error, " +
           c_string(who + "tried to create a synapse to neuron j=%lld, outside the range 0 to " +
                    std::to_string(sg.target_size - 1) + " (set \"skip_if_invalid\": true to skip such targets)") +
           ", (long long)_mc_err_i, (long long)_mc_err_v);\n";
  c.out += "    else if (_mc_err_code == -2) snprintf(m->error, sizeof m->error, " +
           c_string(who + "requested the sample size %lld, bigger than the population size (set \"skip_if_invalid\": true to "
                          "take the whole population)") +
           ", (long long)_mc_err_i, (long long)_mc_err_v);\n";
  c.out += "    else if (_mc_err_code == -3) snprintf(m->error, sizeof m->error, " +
           c_string(who + "requested the negative sample size %lld (set \"skip_if_invalid\": true to skip such rows)") +
           ", (long long)_mc_err_i, (long long)_mc_err_v);\n";
  c.out += "    else if (_mc_err_code == -4) snprintf(m->error, sizeof m->error, " +
           c_string(who + "has a connection range with step 0 (%lld)") + ", (long long)_mc_err_i, (long long)_mc_err_v);\n";
  c.out += "    else snprintf(m->error, sizeof m->error, " + c_string(who + "ran out of memory sampling %lld targets") +
           ", (long long)_mc_err_i, (long long)_mc_err_v);\n";
  c.out += "    return 1;\n  }\n";
}

}  // namespace

// Count pass of a probability/generator rule: _mc_row[i + 1] = length of row i, then the prefix
// sum. A row that fails (IR v2 generators) reports its smallest i after the loop.
std::string post_index_type(const HostContext& c, int g) {
  const kir::Connectivity& cn = c.p.synapse_groups[g].connectivity;
  return cn.storage == kir::Connectivity::Storage::Sparse && cn.index_bits == 16 ? "uint16_t" : "int32_t";
}
std::string row_output_type(const HostContext& c, int g) { return post_index_type(c, g); }

void emit_count_rows(HostContext& c, int g) {
  const std::string gs = std::to_string(g), S = int_text(c.p.synapse_groups[g].source_size);
  c.out += "  _mc_row[0] = 0;\n";
  c.out += "  int64_t _mc_err_i = -1, _mc_err_v = 0, _mc_err_code = 0;\n";
  c.out += "#pragma omp parallel for schedule(dynamic, 16) num_threads(mc_threads(m))\n";
  c.out += "  for (int64_t i = 0; i < " + S + "; ++i) {\n";
  c.out += "    if (MC_CANCELLED(m)) continue;\n";
  c.out += "    int64_t _mc_b = 0;\n    int64_t _mc_c = row" + gs + "(m, i, 0, &_mc_b);\n";
  c.out += "    if (_mc_c < 0) {\n#pragma omp critical(mc_connect_error)\n";
  c.out += "      if (_mc_err_i < 0 || i < _mc_err_i) { _mc_err_i = i; _mc_err_v = _mc_b; _mc_err_code = _mc_c; }\n";
  c.out += "      _mc_c = 0;\n    }\n    _mc_row[i + 1] = _mc_c;\n  }\n";
  c.out += "  if (mc_check_cancel(m, " + c_string("building synapses " + c.p.synapse_groups[g].name) + ")) return 1;\n";
  emit_row_errors(c, g);
  c.out += "  for (int64_t i = 0; i < " + S + "; ++i) _mc_row[i + 1] += _mc_row[i];\n";
}

// Explicit pairs sorted into temporary CSR arrays `_mc_tpost`/`_mc_tpre` (int32, malloc'ed: the
// caller frees them) and _mc_row; sets the synapse count.
void emit_explicit_csr(HostContext& c, int g) {
  const kir::SynapseGroup& sg = c.p.synapse_groups[g];
  const std::string gs = std::to_string(g), n = int_text(static_cast<int64_t>(sg.connect.explicit_i.size()));
  c.out += "  int32_t* _mc_tpost = (int32_t*)malloc(mc_bytes(" + n + " + 1, sizeof(int32_t)));\n";
  c.out += "  int32_t* _mc_tpre = (int32_t*)malloc(mc_bytes(" + n + " + 1, sizeof(int32_t)));\n";
  c.out += "  if (!_mc_tpost || !_mc_tpre) { free(_mc_tpost); free(_mc_tpre); return mc_fail(m, " +
           c_string("out of memory sorting the explicit synapses of " + sg.name) + "); }\n";
  c.out += "  if (mc_csr_from_pairs(" + int_text(sg.source_size) + ", " + int_text(sg.target_size) + ", " + n + ", _mc_e" +
           gs + "_i, _mc_e" + gs + "_j, _mc_row, _mc_tpost, _mc_tpre, m->error, sizeof m->error) != 0) { free(_mc_tpost); "
           "free(_mc_tpre); return 1; }\n";
}

namespace {

// Split groups of partitioned backends get a per-rank build too; connect<g> dispatches on the rank
// count, so one module runs with any number of ranks.
bool builds_per_rank(const HostContext& c, int g) {
  const kir::SynapseGroup& sg = c.p.synapse_groups[g];
  return c.partitioned && !sg.replicated && sg.connectivity.storage == kir::Connectivity::Storage::Sparse;
}

// A probability rule without `n` makes at most one synapse per (i, j): a row holds at most
// target_size synapses, so it can be generated straight into a buffer with that much room left.
bool rows_bounded_by_target(const kir::SynapseGroup& sg) {
  return sg.connect.kind == kir::ConnectRule::Kind::Probability && !sg.connect.n;
}

// Rows per block of the one-pass build: the unit of dynamic scheduling, as the former
// schedule(dynamic, 16) over rows.
constexpr int64_t kRowBlock = 16;

// The one-pass build of a rule whose rows are bounded (rows_bounded_by_target): each block of rows
// is generated once into a growable buffer of its own (the same draws as the two-pass build, so the
// same synapses), then the prefix sum, then the blocks are copied into the CSR in parallel, each by
// the thread that copies it, which is also the first to touch those pages (mc_alloc does not
// write large blocks). Probability rows never fail, so there are no row errors to report.
void emit_rows_once(HostContext& c, int g) {
  const kir::SynapseGroup& sg = c.p.synapse_groups[g];
  const std::string gs = std::to_string(g), S = int_text(sg.source_size), T = int_text(sg.target_size);
  const std::string ot = row_output_type(c, g), B = int_text(kRowBlock);
  const bool pre = keep_pre(c, g);
  std::string& o = c.out;
  o += "  _mc_row[0] = 0;\n";
  o += "  const int64_t _mc_nblk = (" + S + " + " + B + " - 1) / " + B + ";\n";
  o += "  " + ot + "** _mc_blk = (" + ot + "**)calloc((size_t)_mc_nblk + 1, sizeof(" + ot + "*));\n";
  o += "  if (!_mc_blk) return mc_fail(m, " + c_string("out of memory building synapses " + sg.name) + ");\n";
  o += "  int _mc_oom = 0;\n";
  o += "#pragma omp parallel for schedule(dynamic, 1) num_threads(mc_threads(m))\n";
  o += "  for (int64_t _mc_k = 0; _mc_k < _mc_nblk; ++_mc_k) {\n";
  o += "    if (MC_CANCELLED(m)) continue;\n";
  o += "    const int64_t _mc_i1 = _mc_k * " + B + " + " + B + " < " + S + " ? _mc_k * " + B + " + " + B + " : " + S + ";\n";
  o += "    " + ot + "* _mc_buf = 0;\n    int64_t _mc_used = 0, _mc_cap = 0;\n";
  o += "    for (int64_t i = _mc_k * " + B + "; i < _mc_i1; ++i) {\n";
  o += "      if (_mc_cap - _mc_used < " + T + ") {\n";
  o += "        const int64_t _mc_nc = 2 * _mc_cap > _mc_used + " + T + " ? 2 * _mc_cap : _mc_used + " + T + ";\n";
  o += "        " + ot + "* _mc_nb = (" + ot + "*)realloc(_mc_buf, (size_t)_mc_nc * sizeof(" + ot + "));\n";
  o += "        if (!_mc_nb) {\n#pragma omp atomic write\n          _mc_oom = 1;\n          break;\n        }\n";
  o += "        _mc_buf = _mc_nb;\n        _mc_cap = _mc_nc;\n      }\n";
  o += "      int64_t _mc_b = 0;\n";
  o += "      const int64_t _mc_c = row" + gs + "(m, i, _mc_buf + _mc_used, &_mc_b);\n";
  o += "      _mc_row[i + 1] = _mc_c;\n      _mc_used += _mc_c;\n    }\n";
  o += "    _mc_blk[_mc_k] = _mc_buf;\n  }\n";
  o += "  if (_mc_oom || MC_CANCELLED(m)) {\n";
  o += "    for (int64_t _mc_k = 0; _mc_k < _mc_nblk; ++_mc_k) free(_mc_blk[_mc_k]);\n    free(_mc_blk);\n";
  o += "    if (_mc_oom) return mc_fail(m, " + c_string("out of memory building synapses " + sg.name) + ");\n";
  o += "    return mc_check_cancel(m, " + c_string("building synapses " + sg.name) + ");\n  }\n";
  o += "  for (int64_t i = 0; i < " + S + "; ++i) _mc_row[i + 1] += _mc_row[i];\n";
  o += "  " + field(g, "n") + " = _mc_row[" + S + "];\n";
  const std::string pt = post_index_type(c, g);
  o += "  " + field(g, "post") + " = (" + pt + "*)mc_alloc(mc_bytes(" + field(g, "n") + ", sizeof(" + pt + ")), " +
       c_string("post indices of synapses " + sg.name) + ", m->error, sizeof m->error);\n";
  if (pre)
    o += "  " + field(g, "pre") + " = (int32_t*)mc_alloc(mc_bytes(" + field(g, "n") + ", sizeof(int32_t)), " +
         c_string("pre indices of synapses " + sg.name) + ", m->error, sizeof m->error);\n";
  o += "  if (!" + field(g, "post") + (pre ? " || !" + field(g, "pre") : std::string()) + ") {\n";
  o += "    for (int64_t _mc_k = 0; _mc_k < _mc_nblk; ++_mc_k) free(_mc_blk[_mc_k]);\n    free(_mc_blk);\n    return 1;\n  }\n";
  o += "  " + pt + "* __restrict _mc_post = " + field(g, "post") + ";\n";
  if (pre) o += "  int32_t* __restrict _mc_pre = " + field(g, "pre") + ";\n";
  o += "#pragma omp parallel for schedule(dynamic, 1) num_threads(mc_threads(m))\n";
  o += "  for (int64_t _mc_k = 0; _mc_k < _mc_nblk; ++_mc_k) {\n";
  o += "    const int64_t _mc_i0 = _mc_k * " + B + ", _mc_i1 = _mc_i0 + " + B + " < " + S + " ? _mc_i0 + " + B + " : " + S + ";\n";
  o += "    const int64_t _mc_len = _mc_row[_mc_i1] - _mc_row[_mc_i0];\n";
  o += "    if (_mc_len > 0) memcpy(_mc_post + _mc_row[_mc_i0], _mc_blk[_mc_k], (size_t)_mc_len * sizeof(" + pt + "));\n";
  o += "    free(_mc_blk[_mc_k]);\n";
  if (pre)
    o += "    for (int64_t i = _mc_i0; i < _mc_i1; ++i)\n      for (int64_t s = _mc_row[i]; s < _mc_row[i + 1]; ++s) _mc_pre[s] = (int32_t)i;\n";
  o += "  }\n  free(_mc_blk);\n";
}

void emit_group_ranks(HostContext& c, int g);

void emit_group(HostContext& c, int g) {
  const kir::SynapseGroup& sg = c.p.synapse_groups[g];
  const kir::ConnectRule& r = sg.connect;
  const std::string gs = std::to_string(g), S = int_text(sg.source_size), T = int_text(sg.target_size);
  int src = c.population_index(sg.source), tgt = c.population_index(sg.target);
  if (src < 0 || tgt < 0) {
    c.error("synapse group '" + sg.name + "' connects unknown population '" + (src < 0 ? sg.source : sg.target) + "'");
    return;
  }
  if (sg.source_offset < 0 || sg.source_size < 0 || sg.source_offset + sg.source_size > c.p.populations[src].size ||
      sg.target_offset < 0 || sg.target_size < 0 || sg.target_offset + sg.target_size > c.p.populations[tgt].size)
    c.error("synapse group '" + sg.name + "' slices lie outside their populations");
  if (r.kind == kir::ConnectRule::Kind::Probability) emit_probability_row(c, g);
  if (r.kind == kir::ConnectRule::Kind::Generator) emit_generator_row(c, g);
  if (r.kind == kir::ConnectRule::Kind::Explicit) {
    if (r.explicit_i.size() != r.explicit_j.size())
      c.error("synapse group '" + sg.name + "' has " + std::to_string(r.explicit_i.size()) + " explicit i but " +
              std::to_string(r.explicit_j.size()) + " explicit j indices");
    for (int side = 0; side < 2; ++side) {
      const auto& v = side ? r.explicit_j : r.explicit_i;
      c.out += std::string("static const int64_t _mc_e") + gs + (side ? "_j" : "_i") + "[] = {";
      for (size_t k = 0; k < v.size(); ++k) c.out += (k % 16 ? ", " : (k ? ",\n  " : "\n  ")) + int_text(v[k]);
      c.out += v.empty() ? "0};\n" : "};\n";
    }
  }

  if (sg.connectivity.storage != kir::Connectivity::Storage::Sparse) {
    if (c.emit_connect_unstored)
      c.emit_connect_unstored(g);
    else
      c.error("synapse group '" + sg.name + "' uses " + kir::storage_name(sg.connectivity.storage) +
              " connectivity, which this backend does not offer");
    return;
  }
  const bool pre = keep_pre(c, g);
  const std::string pt = post_index_type(c, g);
  if (builds_per_rank(c, g)) emit_group_ranks(c, g);
  c.out += "static int connect" + gs + "(mc_module* __restrict m) {\n";
  if (builds_per_rank(c, g)) c.out += "  if (m->num_ranks > 1) return connect" + gs + "_ranks(m);\n";
  c.out += "  " + field(g, "row") + " = (int64_t*)mc_alloc(mc_bytes(" + S + " + 1, sizeof(int64_t)), " +
           c_string("row pointers of synapses " + sg.name) + ", m->error, sizeof m->error);\n";
  c.out += "  if (!" + field(g, "row") + ") return 1;\n";
  c.out += "  int64_t* __restrict _mc_row = " + field(g, "row") + ";\n";
  auto bind_pairs = [&] {
    c.out += "  " + pt + "* __restrict _mc_post = " + field(g, "post") + ";\n";
    if (pre) c.out += "  int32_t* __restrict _mc_pre = " + field(g, "pre") + ";\n";
  };
  switch (r.kind) {
    case kir::ConnectRule::Kind::AllToAll:
    case kir::ConnectRule::Kind::OneToOne: {
      bool all = r.kind == kir::ConnectRule::Kind::AllToAll;
      if (!all && sg.source_size != sg.target_size)
        c.error("synapse group '" + sg.name + "' is one-to-one but its source has " + std::to_string(sg.source_size) +
                " neurons and its target " + std::to_string(sg.target_size));
      std::string per_row = all ? T : "1";
      c.out += "  for (int64_t i = 0; i <= " + S + "; ++i) _mc_row[i] = i * " + per_row + ";\n";
      emit_alloc_pairs(c, g, sg.name);
      bind_pairs();
      c.out += "#pragma omp parallel for schedule(static) if (" + S + " >= 64) num_threads(mc_threads(m))\n";
      c.out += "  for (int64_t i = 0; i < " + S + "; ++i) {\n";
      c.out += "    if (MC_CANCELLED(m)) continue;\n";
      if (all)
        c.out += "    for (int64_t j = 0; j < " + T + "; ++j) { _mc_post[i * " + T + " + j] = (" + pt + ")j;" +
                 (pre ? " _mc_pre[i * " + T + " + j] = (int32_t)i;" : "") + " }\n";
      else
        c.out += "    _mc_post[i] = (" + pt + ")i;" + (pre ? std::string(" _mc_pre[i] = (int32_t)i;") : "") + "\n";
      c.out += "  }\n";
      break;
    }
    case kir::ConnectRule::Kind::Probability:
    case kir::ConnectRule::Kind::Generator:
      if (rows_bounded_by_target(sg)) {
        emit_rows_once(c, g);
        break;
      }
      emit_count_rows(c, g);
      emit_alloc_pairs(c, g, sg.name);
      bind_pairs();
      c.out += "#pragma omp parallel for schedule(dynamic, 16) num_threads(mc_threads(m))\n";
      c.out += "  for (int64_t i = 0; i < " + S + "; ++i) {\n";
      c.out += "    if (MC_CANCELLED(m)) continue;\n";
      c.out += "    int64_t _mc_b = 0;\n    row" + gs + "(m, i, _mc_post + _mc_row[i], &_mc_b);\n";
      if (pre) c.out += "    for (int64_t s = _mc_row[i]; s < _mc_row[i + 1]; ++s) _mc_pre[s] = (int32_t)i;\n";
      c.out += "  }\n";
      break;
    case kir::ConnectRule::Kind::Explicit: {
      std::string n = int_text(static_cast<int64_t>(r.explicit_i.size()));
      if (pre && pt == "int32_t") {  // the default layout: sorted in place
        c.out += "  " + field(g, "post") + " = (int32_t*)mc_alloc(mc_bytes(" + n + ", sizeof(int32_t)), " +
                 c_string("post indices of synapses " + sg.name) + ", m->error, sizeof m->error);\n";
        c.out += "  " + field(g, "pre") + " = (int32_t*)mc_alloc(mc_bytes(" + n + ", sizeof(int32_t)), " +
                 c_string("pre indices of synapses " + sg.name) + ", m->error, sizeof m->error);\n";
        c.out += "  if (!" + field(g, "post") + " || !" + field(g, "pre") + ") return 1;\n";
        c.out += "  if (mc_csr_from_pairs(" + S + ", " + T + ", " + n + ", _mc_e" + gs + "_i, _mc_e" + gs + "_j, _mc_row, " +
                 field(g, "post") + ", " + field(g, "pre") + ", m->error, sizeof m->error) != 0) return 1;\n";
        c.out += "  " + field(g, "n") + " = " + n + ";\n";
        break;
      }
      // Narrow indices or no pre array: sort into temporary int32 arrays, then copy what is kept.
      emit_explicit_csr(c, g);
      emit_alloc_pairs(c, g, sg.name);
      bind_pairs();
      c.out += "  for (int64_t s = 0; s < " + n + "; ++s) {\n    _mc_post[s] = (" + pt + ")_mc_tpost[s];\n";
      if (pre) c.out += "    _mc_pre[s] = _mc_tpre[s];\n";
      c.out += "  }\n  free(_mc_tpost);\n  free(_mc_tpre);\n";
      break;
    }
  }
  c.out += "  return 0;\n}\n\n";
}

}  // namespace

namespace {

// connect<g>_ranks: the same synapses as connect<g>, restricted to the targets this rank owns
// ([_mc_t0, _mc_t1) of the target slice), in the same relative order, with m->syn<g>_gid holding
// each one's position in the whole CSR. Every rank generates every row from the same draws
// (generation is per row, so a rank cannot skip to its columns), but keeps only its own synapses:
// no rank ever holds the whole matrix. Rows are generated twice (count, then fill), into a
// per-thread scratch row.
void emit_group_ranks(HostContext& c, int g) {
  const kir::SynapseGroup& sg = c.p.synapse_groups[g];
  const kir::ConnectRule& r = sg.connect;
  const std::string gs = std::to_string(g), S = int_text(sg.source_size), T = int_text(sg.target_size);
  const int tgt = c.population_index(sg.target);
  const bool pre = keep_pre(c, g);
  const std::string pt = post_index_type(c, g), ot = row_output_type(c, g), tp = "m->pop" + std::to_string(tgt);
  std::string& o = c.out;
  o += "static int connect" + gs + "_ranks(mc_module* __restrict m) {\n";
  o += "  int64_t _mc_t0 = " + tp + "_begin - " + int_text(sg.target_offset) + ", _mc_t1 = " + tp + "_end - " +
       int_text(sg.target_offset) + ";\n";
  o += "  if (_mc_t0 < 0) _mc_t0 = 0;\n  if (_mc_t1 > " + T + ") _mc_t1 = " + T + ";\n  if (_mc_t1 < _mc_t0) _mc_t1 = _mc_t0;\n";
  o += "  " + field(g, "row") + " = (int64_t*)mc_alloc(mc_bytes(" + S + " + 1, sizeof(int64_t)), " +
       c_string("row pointers of synapses " + sg.name) + ", m->error, sizeof m->error);\n";
  o += "  int64_t* __restrict _mc_grow = (int64_t*)mc_alloc(mc_bytes(" + S + " + 1, sizeof(int64_t)), " +
       c_string("global row pointers of synapses " + sg.name) + ", m->error, sizeof m->error);\n";
  o += "  if (!" + field(g, "row") + " || !_mc_grow) { mc_free(_mc_grow); return 1; }\n";
  o += "  int64_t* __restrict _mc_row = " + field(g, "row") + ";\n";
  o += "  _mc_row[0] = 0;\n  _mc_grow[0] = 0;\n";
  const bool generated = r.kind == kir::ConnectRule::Kind::Probability || r.kind == kir::ConnectRule::Kind::Generator;
  if (r.kind == kir::ConnectRule::Kind::Explicit) {
    // The pairs are the model's own data: sorted into the whole CSR, then compacted.
    emit_explicit_csr(c, g);
    o += "  int64_t _mc_nl = 0;\n";
    o += "  for (int64_t i = 0; i < " + S + "; ++i) {\n    _mc_grow[i + 1] = _mc_row[i + 1];\n";
    o += "    for (int64_t s = _mc_grow[i]; s < _mc_grow[i + 1]; ++s) _mc_nl += _mc_tpost[s] >= _mc_t0 && _mc_tpost[s] < _mc_t1;\n";
    o += "  }\n";
  } else {
    o += "  int64_t _mc_err_i = -1, _mc_err_v = 0, _mc_err_code = 0;\n  (void)_mc_err_v;\n  (void)_mc_err_code;\n";
  }
  // Pass 0 counts (global and local row lengths), pass 1 fills.
  auto row_loop = [&](bool fill) {
    if (r.kind == kir::ConnectRule::Kind::Explicit) {
      if (!fill) return;
      o += "  for (int64_t i = 0, _mc_q = 0; i < " + S + "; ++i) {\n";
      o += "    _mc_row[i] = _mc_q;\n";
      o += "    for (int64_t s = _mc_grow[i]; s < _mc_grow[i + 1]; ++s) {\n";
      o += "      if (_mc_tpost[s] < _mc_t0 || _mc_tpost[s] >= _mc_t1) continue;\n";
      o += "      _mc_post[_mc_q] = (" + pt + ")_mc_tpost[s];\n      _mc_gid[_mc_q] = s;\n";
      if (pre) o += "      _mc_pre[_mc_q] = (int32_t)i;\n";
      o += "      ++_mc_q;\n    }\n  }\n  _mc_row[" + S + "] = _mc_nl;\n";
      return;
    }
    o += "#pragma omp parallel num_threads(mc_threads(m))\n  {\n";
    if (generated) o += "    " + ot + "* _mc_buf = 0;\n    int64_t _mc_cap = 0;\n";
    o += "#pragma omp for schedule(dynamic, 16)\n";
    o += "    for (int64_t i = 0; i < " + S + "; ++i) {\n";
    o += "      if (MC_CANCELLED(m)) continue;\n";
    if (generated) {
      o += "      int64_t _mc_b = 0;\n      int64_t _mc_c = row" + gs + "(m, i, 0, &_mc_b);\n";
      o += "      if (_mc_c < 0) {\n";
      if (!fill) {
        o += "#pragma omp critical(mc_connect_error)\n";
        o += "        if (_mc_err_i < 0 || i < _mc_err_i) { _mc_err_i = i; _mc_err_v = _mc_b; _mc_err_code = _mc_c; }\n";
      }
      o += "        continue;\n      }\n";
      o += "      if (_mc_c > _mc_cap) {\n        " + ot + "* _mc_nb = (" + ot + "*)realloc(_mc_buf, (size_t)_mc_c * sizeof(" + ot +
           "));\n";
      o += "        if (!_mc_nb) {\n#pragma omp critical(mc_connect_error)\n";
      o += "          if (_mc_err_i < 0 || i < _mc_err_i) { _mc_err_i = i; _mc_err_v = _mc_c; _mc_err_code = -5; }\n";
      o += "          continue;\n        }\n        _mc_buf = _mc_nb;\n        _mc_cap = _mc_c;\n      }\n";
      o += "      if (_mc_c > 0) row" + gs + "(m, i, _mc_buf, &_mc_b);\n";
      if (!fill) {
        o += "      int64_t _mc_l = 0;\n";
        o += "      for (int64_t _mc_k = 0; _mc_k < _mc_c; ++_mc_k) _mc_l += (int64_t)_mc_buf[_mc_k] >= _mc_t0 && (int64_t)_mc_buf[_mc_k] < _mc_t1;\n";
        o += "      _mc_grow[i + 1] = _mc_c;\n      _mc_row[i + 1] = _mc_l;\n";
      } else {
        o += "      int64_t _mc_q = _mc_row[i];\n";
        o += "      for (int64_t _mc_k = 0; _mc_k < _mc_c; ++_mc_k) {\n";
        o += "        const int64_t j = (int64_t)_mc_buf[_mc_k];\n        if (j < _mc_t0 || j >= _mc_t1) continue;\n";
        o += "        _mc_post[_mc_q] = (" + pt + ")j;\n        _mc_gid[_mc_q] = _mc_grow[i] + _mc_k;\n";
        if (pre) o += "        _mc_pre[_mc_q] = (int32_t)i;\n";
        o += "        ++_mc_q;\n      }\n";
      }
    } else if (r.kind == kir::ConnectRule::Kind::AllToAll) {
      if (!fill) o += "      _mc_grow[i + 1] = " + T + ";\n      _mc_row[i + 1] = _mc_t1 - _mc_t0;\n";
      else {
        o += "      for (int64_t j = _mc_t0, _mc_q = _mc_row[i]; j < _mc_t1; ++j, ++_mc_q) {\n";
        o += "        _mc_post[_mc_q] = (" + pt + ")j;\n        _mc_gid[_mc_q] = i * " + T + " + j;\n";
        if (pre) o += "        _mc_pre[_mc_q] = (int32_t)i;\n";
        o += "      }\n";
      }
    } else {  // one-to-one
      if (!fill) o += "      _mc_grow[i + 1] = 1;\n      _mc_row[i + 1] = i >= _mc_t0 && i < _mc_t1;\n";
      else {
        o += "      if (i >= _mc_t0 && i < _mc_t1) {\n        _mc_post[_mc_row[i]] = (" + pt + ")i;\n        _mc_gid[_mc_row[i]] = i;\n";
        if (pre) o += "        _mc_pre[_mc_row[i]] = (int32_t)i;\n";
        o += "      }\n";
      }
    }
    o += "    }\n";
    if (generated) o += "    free(_mc_buf);\n";
    o += "  }\n";
    o += "  if (mc_check_cancel(m, " + c_string("building synapses " + sg.name) + ")) { mc_free(_mc_grow); return 1; }\n";
    if (!fill) {
      o += "  if (_mc_err_i >= 0) mc_free(_mc_grow);\n";
      emit_row_errors(c, g);
      o += "  for (int64_t i = 0; i < " + S + "; ++i) { _mc_row[i + 1] += _mc_row[i]; _mc_grow[i + 1] += _mc_grow[i]; }\n";
    }
  };
  row_loop(false);
  // Allocation: the local count; m->syn<g>_total is the whole group's.
  o += "  " + field(g, "total") + " = _mc_grow[" + S + "];\n";
  o += "  " + field(g, "n") + " = " + (r.kind == kir::ConnectRule::Kind::Explicit ? std::string("_mc_nl") : "_mc_row[" + S + "]") + ";\n";
  o += "  " + field(g, "post") + " = (" + pt + "*)mc_alloc(mc_bytes(" + field(g, "n") + ", sizeof(" + pt + ")), " +
       c_string("post indices of synapses " + sg.name) + ", m->error, sizeof m->error);\n";
  o += "  " + field(g, "gid") + " = (int64_t*)mc_alloc(mc_bytes(" + field(g, "n") + ", sizeof(int64_t)), " +
       c_string("global indices of synapses " + sg.name) + ", m->error, sizeof m->error);\n";
  if (pre)
    o += "  " + field(g, "pre") + " = (int32_t*)mc_alloc(mc_bytes(" + field(g, "n") + ", sizeof(int32_t)), " +
         c_string("pre indices of synapses " + sg.name) + ", m->error, sizeof m->error);\n";
  const std::string cleanup = r.kind == kir::ConnectRule::Kind::Explicit ? " free(_mc_tpost); free(_mc_tpre);" : "";
  o += "  if (!" + field(g, "post") + " || !" + field(g, "gid") + (pre ? " || !" + field(g, "pre") : std::string()) +
       ") { mc_free(_mc_grow);" + cleanup + " return 1; }\n";
  o += "  " + pt + "* __restrict _mc_post = " + field(g, "post") + ";\n";
  o += "  int64_t* __restrict _mc_gid = " + field(g, "gid") + ";\n";
  if (pre) o += "  int32_t* __restrict _mc_pre = " + field(g, "pre") + ";\n";
  row_loop(true);
  if (r.kind == kir::ConnectRule::Kind::Explicit) o += "  free(_mc_tpost);\n  free(_mc_tpre);\n";
  o += "  mc_free(_mc_grow);\n  return 0;\n}\n\n";
}

}  // namespace

void emit_connect(HostContext& c) {
  for (size_t g = 0; g < c.p.synapse_groups.size(); ++g) emit_group(c, static_cast<int>(g));
}

}  // namespace modelc::codegen::host
