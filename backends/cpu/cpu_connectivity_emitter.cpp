// The connectivity storages of the CPU module other than the default CSR (kir::Connectivity, chosen
// by passes/kernel/connectivity_strategy_pass.cpp): sparse with u16 post indices or without the pre array,
// dense (uint8 synapse count per pair), bitmask (one bit per pair) and procedural (rows regenerated
// from the counter-based generator when a neuron spikes). Every storage visits a row's synapses in
// the CSR's order (j ascending, which the pass checks), with syn = the CSR position where it keeps
// row pointers, so kernels compute exactly what they compute on the CSR. Building the matrices, the
// procedural synapse count and mc_read_synapses are shared with the GPU modules
// (codegen/host/matrix_storage_emitter.cpp); the scans of a spiking row are this file's.
#include <map>

#include "backends/cpu/cpu_emit_context.h"

namespace modelc::backends::cpu {

namespace {

using Storage = kir::Connectivity::Storage;
using Kind = kir::ConnectRule::Kind;

std::string F(int g, const char* what) { return "m->syn" + std::to_string(g) + "_" + what; }
const kir::SynapseGroup& group(const EmitContext& c, int g) { return c.p.synapse_groups[g]; }
Storage storage(const EmitContext& c, int g) { return group(c, g).connectivity.storage; }
int64_t words(int64_t t) { return (t + 63) / 64; }
// Procedural rows of a probability rule come from row<g> into a scratch row; all-to-all and
// one-to-one rows are written out directly.
bool needs_scratch(const EmitContext& c, int g) {
  return storage(c, g) == Storage::Procedural && group(c, g).connect.kind == Kind::Probability;
}

std::string alloc(const std::string& dst, const std::string& type, const std::string& count, const std::string& what) {
  return "  " + dst + " = (" + type + "*)mc_alloc(mc_bytes(" + count + ", sizeof(" + type + ")), " + c_string(what) +
         ", m->error, sizeof m->error);\n";
}

}  // namespace

void emit_connectivity_fields(EmitContext& c, int g) {
  const std::string gs = std::to_string(g);
  c.out += "  int64_t syn" + gs + "_n;  // " + group(c, g).name + " (" + kir::storage_name(storage(c, g)) + ")\n";
  c.out += "  int64_t* syn" + gs + "_row;\n  " + post_index_type(c, g) + "* syn" + gs + "_post;\n  int32_t* syn" + gs + "_pre;\n";
  // Distributed runs: global index of each local synapse (null: local = global) and the group's size.
  c.out += "  int64_t* syn" + gs + "_gid;\n  int64_t syn" + gs + "_total;\n";
  if (storage(c, g) == Storage::Dense) c.out += "  uint8_t* syn" + gs + "_dense;\n";
  if (storage(c, g) == Storage::Bitmask) c.out += "  uint64_t* syn" + gs + "_bits;\n";
  if (needs_scratch(c, g)) c.out += "  int32_t* syn" + gs + "_scratch;\n";
}

void emit_connectivity_destroy(EmitContext& c, int g) {
  for (const char* f : {"row", "post", "pre", "gid"}) c.out += "  mc_free(" + F(g, f) + ");\n";
  if (storage(c, g) == Storage::Dense) c.out += "  mc_free(" + F(g, "dense") + ");\n";
  if (storage(c, g) == Storage::Bitmask) c.out += "  mc_free(" + F(g, "bits") + ");\n";
  if (needs_scratch(c, g)) c.out += "  mc_free(" + F(g, "scratch") + ");\n";
}

void emit_connectivity_prototypes(EmitContext& c) {
  for (size_t g = 0; g < c.p.synapse_groups.size(); ++g)
    if (needs_scratch(c, static_cast<int>(g)))
      c.out += "static int64_t row" + std::to_string(g) +
               "(const mc_module* __restrict m, int64_t i, int32_t* __restrict _mc_out, int64_t* _mc_bad);\n\n";
}

void emit_connect_unstored(EmitContext& c, int g) {
  const kir::SynapseGroup& sg = group(c, g);
  std::string setup;
  if (needs_scratch(c, g))
    setup = alloc(F(g, "scratch"), "int32_t", int_text(sg.target_size), "the row buffer of synapses " + sg.name) + "  if (!" +
            F(g, "scratch") + ") return 1;\n";
  codegen::host::emit_connect_unstored(c, g, setup);
}

void emit_synapse_bindings(EmitContext& c, int g) {
  const Storage s = storage(c, g);
  if (s == Storage::Procedural) {
    if (needs_scratch(c, g)) c.out += "  int32_t* __restrict _mc_scr = " + F(g, "scratch") + ";\n";
    return;
  }
  c.out += "  const int64_t* __restrict _mc_row = " + F(g, "row") + ";\n";
  if (s == Storage::Sparse)
    c.out += "  const " + post_index_type(c, g) + "* __restrict _mc_post = " + F(g, "post") + "; (void)_mc_row;\n";
  if (s == Storage::Dense) c.out += "  const uint8_t* __restrict _mc_dense = " + F(g, "dense") + ";\n";
  if (s == Storage::Bitmask) c.out += "  const uint64_t* __restrict _mc_bits = " + F(g, "bits") + ";\n";
}

bool rows_ascending(const EmitContext& c, int g) {
  const kir::ConnectRule& r = group(c, g).connect;
  if (r.kind == Kind::Probability || r.kind == Kind::OneToOne || r.kind == Kind::AllToAll) return true;
  if (r.kind != Kind::Explicit) return false;  // generator rules emit rows in their own order
  // The CSR build sorts explicit pairs by i, stably: a row keeps the order its pairs were given in.
  std::map<int64_t, int64_t> last;
  for (size_t k = 0; k < r.explicit_i.size() && k < r.explicit_j.size(); ++k) {
    auto [it, fresh] = last.emplace(r.explicit_i[k], r.explicit_j[k]);
    if (!fresh && r.explicit_j[k] < it->second) return false;
    it->second = r.explicit_j[k];
  }
  return true;
}

bool row_visit_splits(const EmitContext& c, int g) {
  // Dense and bitmask rows are scans over j; sparse rows are searched, so they must ascend.
  return storage(c, g) != Storage::Procedural && (storage(c, g) != Storage::Sparse || rows_ascending(c, g));
}

void emit_target_range(EmitContext& c, const std::string& name, const std::string& targets, const std::string& indent) {
  // Contiguous and in thread order; a thread outside a team (or alone in it) owns every target.
  c.out += indent + "const int64_t _mc_j0" + name + " = (int64_t)" + targets + " * mc_team_rank() / mc_team_size();\n";
  c.out += indent + "const int64_t _mc_j1" + name + " = (int64_t)" + targets + " * (mc_team_rank() + 1) / mc_team_size();\n";
}

void emit_owned_target_range(EmitContext& c, int g) {
  const kir::SynapseGroup& sg = group(c, g);
  const int post = c.population_index(sg.target);
  const std::string gs = std::to_string(g);
  c.out += "  int64_t _mc_j0" + gs + ", _mc_j1" + gs + ";\n";
  c.out += "  mc_own_targets(" + local_begin(post) + ", " + local_end(c, post, false) + ", " + int_text(sg.target_offset) + ", " +
           int_text(sg.target_size) + ", mc_team_rank(), mc_team_size(), &_mc_j0" + gs + ", &_mc_j1" + gs + ");\n";
}

void emit_row_visit(EmitContext& c, int g, const kir::Block& body, const std::string& range) {
  const kir::SynapseGroup& sg = group(c, g);
  const Storage s = storage(c, g);
  const std::string off = int_text(sg.source_offset), S = int_text(sg.source_size), T = int_text(sg.target_size);
  const std::string W = int_text(words(sg.target_size)), gs = std::to_string(g);
  if (s != Storage::Procedural) {
    // Spikes are ascending, so rows are visited in memory order; the prefetch hides the latency of
    // jumping to the next spiking neuron's row.
    std::string next = s == Storage::Sparse ? "_mc_post + _mc_row[_mc_next]"
                       : s == Storage::Dense ? "_mc_dense + _mc_next * " + T
                                             : "_mc_bits + _mc_next * " + W;
    c.out += "    if (_mc_k + 1 < _mc_nspikes) {\n";
    c.out += "      const int64_t _mc_next = _mc_spikes[_mc_k + 1] - " + off + ";\n";
    c.out += "      if (_mc_next >= 0 && _mc_next < " + S + ") __builtin_prefetch(" + next + ");\n";
    c.out += "    }\n";
  }
  // This thread's part of the row (or, with no range, all of it): its targets, in the row's order
  // (rows ascend in j). Sparse rows: two binary searches (skipped at the slice's ends); dense and
  // bitmask rows: the synapses before the range are counted to find its first CSR position.
  // Bitmask ranges are whole words.
  const bool split = !range.empty();
  const std::string j0 = split ? "_mc_j0" + range : "0", j1 = split ? "_mc_j1" + range : T;
  switch (s) {
    case Storage::Sparse:
      c.out += std::string("    ") + (split ? "" : "const ") + "int64_t _mc_s0 = _mc_row[i], _mc_end = _mc_row[i + 1];\n";
      if (split) {
        c.out += "    if (" + j0 + " > 0) MC_LOWER_BOUND(_mc_post, _mc_s0, _mc_end, " + j0 + ", _mc_s0);\n";
        c.out += "    if (" + j1 + " < " + T + ") MC_LOWER_BOUND(_mc_post, _mc_s0, _mc_end, " + j1 + ", _mc_end);\n";
      }
      c.out += "    for (int64_t syn = _mc_s0; syn < _mc_end; ++syn) {\n";
      c.out += "      const int64_t j = _mc_post[syn]; (void)j;\n";
      c.printer.block(body, 3, c.out);
      c.out += "    }\n";
      return;
    case Storage::Dense:
      // syn counts the synapses met so far from the row pointer: the CSR position.
      c.out += "    int64_t syn = _mc_row[i]; (void)syn;\n";
      c.out += "    const uint8_t* __restrict _mc_d = _mc_dense + i * " + T + ";\n";
      if (split) c.out += "    for (int64_t j = 0; j < " + j0 + "; ++j) syn += _mc_d[j];\n";
      c.out += "    for (int64_t j = " + j0 + "; j < " + j1 + "; ++j) {\n";
      c.out += "      for (int _mc_r = _mc_d[j]; _mc_r > 0; --_mc_r, ++syn) {\n";
      c.printer.block(body, 4, c.out);
      c.out += "      }\n    }\n";
      return;
    case Storage::Bitmask:
      c.out += "    int64_t syn = _mc_row[i]; (void)syn;\n";
      c.out += "    const uint64_t* __restrict _mc_w = _mc_bits + i * " + W + ";\n";
      if (split) {
        c.out += "    const int64_t _mc_q0 = " + j0 + " == 0 ? 0 : (" + j0 + " + 63) / 64, _mc_q1 = " + j1 + " == " + T +
                 " ? " + W + " : (" + j1 + " + 63) / 64;\n";
        c.out += "    for (int64_t _mc_q = 0; _mc_q < _mc_q0; ++_mc_q) syn += __builtin_popcountll(_mc_w[_mc_q]);\n";
      } else {
        c.out += "    const int64_t _mc_q0 = 0, _mc_q1 = " + W + ";\n";
      }
      c.out += "    for (int64_t _mc_q = _mc_q0; _mc_q < _mc_q1; ++_mc_q) {\n";
      c.out += "      for (uint64_t _mc_b = _mc_w[_mc_q]; _mc_b; _mc_b &= _mc_b - 1, ++syn) {\n";
      c.out += "        const int64_t j = _mc_q * 64 + __builtin_ctzll(_mc_b); (void)j;\n";
      c.printer.block(body, 4, c.out);
      c.out += "      }\n    }\n";
      return;
    case Storage::Procedural:
      if (split) {
        c.error("internal: a procedural row cannot be split among threads");
        return;
      }
      if (sg.connect.kind == Kind::AllToAll) {
        c.out += "    for (int64_t j = 0; j < " + T + "; ++j) {\n";
      } else if (sg.connect.kind == Kind::OneToOne) {
        c.out += "    {\n      const int64_t j = i; (void)j;\n";
      } else {
        // The CSR build's own row generator: the same draws, so the same synapses in the same order.
        c.out += "    int64_t _mc_b = 0;\n";
        c.out += "    const int64_t _mc_len = row" + gs + "(m, i, _mc_scr, &_mc_b);\n";
        c.out += "    for (int64_t _mc_s = 0; _mc_s < _mc_len; ++_mc_s) {\n";
        c.out += "      const int64_t j = _mc_scr[_mc_s]; (void)j;\n";
      }
      c.printer.block(body, 3, c.out);
      c.out += "    }\n";
      return;
  }
}

void emit_synapse_accessors(EmitContext& c) { codegen::host::emit_synapse_accessors(c); }

}  // namespace modelc::backends::cpu
