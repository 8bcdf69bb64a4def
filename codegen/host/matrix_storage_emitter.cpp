// The host side of the connectivity storages other than the CSR (kir::Connectivity: dense,
// bitmask, procedural), shared by every backend that offers them: connect<g> (the row pointers
// and the matrix of a dense or bitmask group, built from the same row generator as the CSR; nothing
// for a procedural one), the synapse count of a procedural group (every row regenerated, cached) and
// mc_synapse_count / mc_read_synapses for every storage (pairs in CSR order). The CPU module scans
// these matrices itself; a GPU module uploads them (codegen/simt).
#include "codegen/host/host_emitters.h"

namespace modelc::codegen::host {

namespace {

using Storage = kir::Connectivity::Storage;
using Kind = kir::ConnectRule::Kind;
using support::c_string;
using support::int_text;

std::string F(int g, const char* what) { return "m->syn" + std::to_string(g) + "_" + what; }
const kir::SynapseGroup& group(const HostContext& c, int g) { return c.p.synapse_groups[g]; }
Storage storage(const HostContext& c, int g) { return group(c, g).connectivity.storage; }
int64_t words(int64_t t) { return (t + 63) / 64; }

std::string alloc(const std::string& dst, const std::string& type, const std::string& count, const std::string& what) {
  return "  " + dst + " = (" + type + "*)mc_alloc(mc_bytes(" + count + ", sizeof(" + type + ")), " + c_string(what) +
         ", m->error, sizeof m->error);\n";
}

// Dense/Bitmask: sets pair (i, j) of the matrix bound as _mc_d / _mc_w.
std::string set_pair(const HostContext& c, int g, const std::string& i, const std::string& j) {
  const std::string T = int_text(group(c, g).target_size), W = int_text(words(group(c, g).target_size));
  if (storage(c, g) == Storage::Dense) return "++_mc_d[(" + i + ") * " + T + " + (" + j + ")];";
  return "_mc_w[(" + i + ") * " + W + " + ((" + j + ") >> 6)] |= 1ull << ((" + j + ") & 63);";
}

void emit_matrix_connect(HostContext& c, int g) {
  const kir::SynapseGroup& sg = group(c, g);
  const kir::ConnectRule& r = sg.connect;
  const std::string gs = std::to_string(g), S = int_text(sg.source_size), T = int_text(sg.target_size);
  const bool dense = storage(c, g) == Storage::Dense;
  const std::string W = int_text(words(sg.target_size));
  c.out += alloc(F(g, "row"), "int64_t", S + " + 1", "row pointers of synapses " + sg.name);
  c.out += "  if (!" + F(g, "row") + ") return 1;\n  int64_t* __restrict _mc_row = " + F(g, "row") + ";\n";
  if (r.kind == Kind::AllToAll || r.kind == Kind::OneToOne) {
    if (r.kind == Kind::OneToOne && sg.source_size != sg.target_size)
      c.error("synapse group '" + sg.name + "' is one-to-one but its source has " + std::to_string(sg.source_size) +
              " neurons and its target " + std::to_string(sg.target_size));
    c.out += "  for (int64_t i = 0; i <= " + S + "; ++i) _mc_row[i] = i * " + (r.kind == Kind::AllToAll ? T : "1") + ";\n";
  } else if (r.kind == Kind::Probability) {
    emit_count_rows(c, g);
  } else if (r.kind == Kind::Explicit) {
    emit_explicit_csr(c, g);
  } else {
    c.error("synapse group '" + sg.name + "' has a generator rule, which " + kir::storage_name(storage(c, g)) +
            " connectivity cannot store", "use sparse connectivity");
  }
  const std::string cleanup = r.kind == Kind::Explicit ? " free(_mc_tpost); free(_mc_tpre);" : "";
  c.out += "  " + F(g, "n") + " = _mc_row[" + S + "];\n";
  if (dense) {
    c.out += alloc(F(g, "dense"), "uint8_t", S + " * " + T, "the dense connectivity of synapses " + sg.name);
    c.out += "  if (!" + F(g, "dense") + ") {" + cleanup + " return 1; }\n  uint8_t* __restrict _mc_d = " + F(g, "dense") + ";\n";
  } else {
    c.out += alloc(F(g, "bits"), "uint64_t", S + " * " + W, "the connectivity bitmask of synapses " + sg.name);
    c.out += "  if (!" + F(g, "bits") + ") {" + cleanup + " return 1; }\n  uint64_t* __restrict _mc_w = " + F(g, "bits") + ";\n";
  }
  switch (r.kind) {
    case Kind::AllToAll:
      c.out += "  for (int64_t i = 0; i < " + S + "; ++i)\n    for (int64_t j = 0; j < " + T + "; ++j) " + set_pair(c, g, "i", "j") + "\n";
      break;
    case Kind::OneToOne:
      c.out += "  for (int64_t i = 0; i < " + S + "; ++i) " + set_pair(c, g, "i", "i") + "\n";
      break;
    case Kind::Probability:
      // Rows regenerated one at a time into a temporary (a row's pairs are all in row i, so rows
      // can be filled in parallel).
      c.out += "  int _mc_oom = 0;\n";
      c.out += "#pragma omp parallel for schedule(dynamic, 16) num_threads(mc_threads(m))\n";
      c.out += "  for (int64_t i = 0; i < " + S + "; ++i) {\n";
      c.out += "    const int64_t _mc_len = _mc_row[i + 1] - _mc_row[i];\n    if (_mc_len == 0) continue;\n";
      c.out += "    int32_t* _mc_tmp = (int32_t*)malloc((size_t)_mc_len * sizeof(int32_t));\n";
      c.out += "    if (!_mc_tmp) {\n#pragma omp atomic write\n      _mc_oom = 1;\n      continue;\n    }\n";
      c.out += "    int64_t _mc_b = 0;\n    row" + gs + "(m, i, _mc_tmp, &_mc_b);\n";
      c.out += "    for (int64_t s = 0; s < _mc_len; ++s) " + set_pair(c, g, "i", "_mc_tmp[s]") + "\n";
      c.out += "    free(_mc_tmp);\n  }\n";
      c.out += "  if (_mc_oom) return mc_fail(m, " + c_string("out of memory building the connectivity of " + sg.name) + ");\n";
      break;
    case Kind::Explicit:
      c.out += "  for (int64_t i = 0; i < " + S + "; ++i)\n    for (int64_t s = _mc_row[i]; s < _mc_row[i + 1]; ++s) {\n";
      if (dense)
        c.out += "      if (_mc_d[i * " + T + " + _mc_tpost[s]] == 255) { free(_mc_tpost); free(_mc_tpre); return mc_fail(m, " +
                 c_string("synapses " + sg.name + " repeat a pair more than 255 times, more than dense connectivity holds") +
                 "); }\n";
      c.out += "      " + set_pair(c, g, "i", "_mc_tpost[s]") + "\n    }\n  free(_mc_tpost);\n  free(_mc_tpre);\n";
      break;
    case Kind::Generator: break;
  }
}

// The synapse count of a procedural group: closed form, or every row regenerated (parallel over
// rows) and cached in syn<g>_n. Before mc_init syn<g>_n is 0, as for the stored storages.
void emit_procedural_count(HostContext& c, int g) {
  const kir::SynapseGroup& sg = group(c, g);
  const std::string gs = std::to_string(g), S = int_text(sg.source_size), T = int_text(sg.target_size);
  c.out += "static int64_t mc_count_syn" + gs + "(const mc_module* m) {\n";
  c.out += "  if (m->syn" + gs + "_n >= 0) return m->syn" + gs + "_n;\n  int64_t _mc_total = 0;\n";
  if (sg.connect.kind == Kind::AllToAll) c.out += "  _mc_total = " + S + " * " + T + ";\n";
  else if (sg.connect.kind == Kind::OneToOne) c.out += "  _mc_total = " + S + ";\n";
  else {
    c.out += "#pragma omp parallel for schedule(dynamic, 16) reduction(+ : _mc_total) num_threads(mc_threads(m))\n";
    c.out += "  for (int64_t i = 0; i < " + S + "; ++i) {\n    int64_t _mc_b = 0;\n    _mc_total += row" + gs +
             "(m, i, 0, &_mc_b);\n  }\n";
  }
  c.out += "  ((mc_module*)m)->syn" + gs + "_n = _mc_total;  // a cache: the rows never change\n";
  c.out += "  return _mc_total;\n}\n\n";
}

// mc_read_synapses for one group: (pre, post) in CSR order, either array may be null.
void emit_read_group(HostContext& c, int g) {
  const kir::SynapseGroup& sg = group(c, g);
  const kir::Connectivity& cn = sg.connectivity;
  const std::string gs = std::to_string(g), S = int_text(sg.source_size), T = int_text(sg.target_size);
  const std::string W = int_text(words(sg.target_size));
  std::string& o = c.out;
  o += "static int mc_read_syn" + gs + "(mc_module* m, int32_t* pre, int32_t* post) {\n";
  if (cn.storage == Storage::Procedural) {
    o += "  const int64_t n = mc_count_syn" + gs + "(m);\n  if (n <= 0) return 0;\n";
    if (sg.connect.kind != Kind::Probability) {
      bool all = sg.connect.kind == Kind::AllToAll;
      o += "  for (int64_t i = 0; i < " + S + "; ++i)\n";
      o += all ? "    for (int64_t j = 0; j < " + T + "; ++j) {\n      const int64_t s = i * " + T + " + j;\n"
               : "    {\n      const int64_t s = i, j = i;\n";
      o += "      if (pre) pre[s] = (int32_t)i;\n      if (post) post[s] = (int32_t)j;\n    }\n  return 0;\n}\n\n";
      return;
    }
    o += "  int64_t* _mc_off = (int64_t*)malloc(((size_t)" + S + " + 1) * sizeof(int64_t));\n";
    o += "  if (!_mc_off) return mc_fail(m, " + c_string("out of memory reading the synapses of " + sg.name) + ");\n";
    o += "  _mc_off[0] = 0;\n";
    o += "#pragma omp parallel for schedule(dynamic, 16) num_threads(mc_threads(m))\n";
    o += "  for (int64_t i = 0; i < " + S + "; ++i) {\n    int64_t _mc_b = 0;\n    _mc_off[i + 1] = row" + gs +
         "(m, i, 0, &_mc_b);\n  }\n";
    o += "  for (int64_t i = 0; i < " + S + "; ++i) _mc_off[i + 1] += _mc_off[i];\n";
    o += "#pragma omp parallel for schedule(dynamic, 16) num_threads(mc_threads(m))\n";
    o += "  for (int64_t i = 0; i < " + S + "; ++i) {\n    int64_t _mc_b = 0;\n";
    o += "    if (post) row" + gs + "(m, i, post + _mc_off[i], &_mc_b);\n";
    o += "    if (pre) for (int64_t s = _mc_off[i]; s < _mc_off[i + 1]; ++s) pre[s] = (int32_t)i;\n  }\n";
    o += "  free(_mc_off);\n  return 0;\n}\n\n";
    return;
  }
  o += "  const int64_t n = " + F(g, "n") + ";\n  if (n <= 0) return 0;\n";
  o += "  if (!" + F(g, "row") + ") return mc_fail(m, \"synapses are not built yet (call mc_init)\");\n";
  o += "  const int64_t* _mc_row = " + F(g, "row") + ";\n";
  if (cn.storage == Storage::Sparse) {
    if (cn.keep_pre) o += "  if (pre) memcpy(pre, " + F(g, "pre") + ", (size_t)n * sizeof(int32_t));\n";
    else o += "  if (pre)\n    for (int64_t i = 0; i < " + S + "; ++i)\n      for (int64_t s = _mc_row[i]; s < _mc_row[i + 1]; ++s) pre[s] = (int32_t)i;\n";
    if (cn.index_bits == 32) o += "  if (post) memcpy(post, " + F(g, "post") + ", (size_t)n * sizeof(int32_t));\n";
    else o += "  if (post)\n    for (int64_t s = 0; s < n; ++s) post[s] = (int32_t)" + F(g, "post") + "[s];\n";
    o += "  return 0;\n}\n\n";
    return;
  }
  o += "  int64_t s = 0;\n  for (int64_t i = 0; i < " + S + "; ++i) {\n";
  if (cn.storage == Storage::Dense) {
    o += "    const uint8_t* _mc_d = " + F(g, "dense") + " + i * " + T + ";\n";
    o += "    for (int64_t j = 0; j < " + T + "; ++j)\n      for (int _mc_r = _mc_d[j]; _mc_r > 0; --_mc_r, ++s) {\n";
  } else {
    o += "    const uint64_t* _mc_w = " + F(g, "bits") + " + i * " + W + ";\n";
    o += "    for (int64_t _mc_q = 0; _mc_q < " + W + "; ++_mc_q)\n";
    o += "      for (uint64_t _mc_b = _mc_w[_mc_q]; _mc_b; _mc_b &= _mc_b - 1, ++s) {\n";
    o += "        const int64_t j = _mc_q * 64 + __builtin_ctzll(_mc_b);\n";
  }
  o += "        if (pre) pre[s] = (int32_t)i;\n        if (post) post[s] = (int32_t)j;\n      }\n  }\n  (void)_mc_row;\n  return 0;\n}\n\n";
}

}  // namespace

void emit_connect_unstored(HostContext& c, int g, const std::string& procedural_setup) {
  const kir::SynapseGroup& sg = group(c, g);
  c.out += "static int connect" + std::to_string(g) + "(mc_module* __restrict m) {\n";
  if (storage(c, g) == Storage::Procedural) {
    // Nothing is built: init stays O(neurons) however many synapses the rule implies.
    if (sg.connect.kind != Kind::Probability && sg.connect.kind != Kind::AllToAll && sg.connect.kind != Kind::OneToOne)
      c.error("synapse group '" + sg.name + "' cannot be procedural: its rows cannot be regenerated", "use sparse connectivity");
    c.out += procedural_setup;
    c.out += "  " + F(g, "n") + " = -1;  // counted on demand (mc_synapse_count)\n";
  } else {
    emit_matrix_connect(c, g);
  }
  c.out += "  return 0;\n}\n\n";
}

void emit_synapse_accessors(HostContext& c) {
  const size_t n = c.p.synapse_groups.size();
  for (size_t g = 0; g < n; ++g)
    if (storage(c, static_cast<int>(g)) == Storage::Procedural) emit_procedural_count(c, static_cast<int>(g));
  std::string& o = c.out;
  o += "int64_t mc_synapse_count(const mc_module* m, int32_t g) {\n  if (!m) return -1;\n  switch (g) {\n";
  for (size_t g = 0; g < n; ++g) {
    const std::string gs = std::to_string(g);
    o += "    case " + gs + ": return " +
         (storage(c, static_cast<int>(g)) == Storage::Procedural ? "mc_count_syn" + gs + "(m)" : "m->syn" + gs + "_n") + ";\n";
  }
  o += "    default: return -1;\n  }\n}\n\n";
  for (size_t g = 0; g < n; ++g) emit_read_group(c, static_cast<int>(g));
  o += "int mc_read_synapses(mc_module* m, int32_t g, int32_t* pre, int32_t* post) {\n  if (!m) return 1;\n  switch (g) {\n";
  for (size_t g = 0; g < n; ++g) o += "    case " + std::to_string(g) + ": return mc_read_syn" + std::to_string(g) + "(m, pre, post);\n";
  o += "    default: snprintf(m->error, sizeof m->error, \"no synapse group with index %d\", (int)g); return 1;\n  }\n}\n\n";
}

}  // namespace modelc::codegen::host
