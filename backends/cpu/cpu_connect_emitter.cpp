// Connectivity construction of the CPU module: one `connect<g>` function per synapse group.
//
// Probability rules are sampled row by row with the counter-based generator keyed by
// (seed, stream, element = i, step = draw number within the row), so a row can be generated twice
// identically. That gives a two-pass build (count every row, prefix-sum, fill every row) with no
// dynamic arrays, parallel over rows, and a CSR that is independent of the thread count.
#include <set>

#include "backends/cpu/cpu_emit_context.h"

namespace modelc::cpu::detail {

namespace {

std::string field(int g, const char* what) { return "m->syn" + std::to_string(g) + "_" + what; }

// Allocates the CSR arrays once row_ptr is filled (count known).
void emit_alloc_pairs(EmitContext& c, int g, const std::string& name) {
  c.out += "  " + field(g, "n") + " = " + field(g, "row") + "[" + int_text(c.p.synapse_groups[g].source_size) + "];\n";
  c.out += "  " + field(g, "post") + " = (int32_t*)mc_alloc(mc_bytes(" + field(g, "n") +
           ", sizeof(int32_t)), " + c_string("post indices of synapses " + name) + ", m->error, sizeof m->error);\n";
  c.out += "  " + field(g, "pre") + " = (int32_t*)mc_alloc(mc_bytes(" + field(g, "n") +
           ", sizeof(int32_t)), " + c_string("pre indices of synapses " + name) + ", m->error, sizeof m->error);\n";
  c.out += "  if (!" + field(g, "post") + " || !" + field(g, "pre") + ") return 1;\n";
}

void collect_loads(const kir::ExprP& e, std::set<std::string>& out) {
  if (!e) return;
  if (e->kind == kir::Expr::Kind::Load) out.insert(e->name);
  for (const auto& a : e->args) collect_loads(a, out);
}

void emit_probability_row(EmitContext& c, int g) {
  const kir::SynapseGroup& sg = c.p.synapse_groups[g];
  const kir::ConnectRule& r = sg.connect;
  const std::string T = int_text(sg.target_size), stream = std::to_string(r.stream) + "u";
  std::string p = r.p ? c.printer.expr(r.p) : "1.0";
  std::string cond = r.condition ? c.printer.expr(r.condition) : "true";
  c.out += "// Synapses of row i of " + sg.name + "; writes their post indices when out is non-null.\n";
  c.out += "static int64_t row" + std::to_string(g) +
           "(const mc_module* __restrict m, int64_t i, int32_t* __restrict _mc_out) {\n";
  c.out += "  const uint64_t seed = m->seed; (void)seed;\n  const int64_t step = 0; (void)step;\n";
  c.out += "  const double t = 0.0; (void)t;\n  int64_t _mc_n = 0;\n";
  // p and the condition may read pre/post variables.
  std::set<std::string> loads;
  collect_loads(r.p, loads);
  collect_loads(r.condition, loads);
  for (const auto& n : loads) {
    int bi = c.buffer_index(n);
    if (bi < 0) {
      c.error("connection rule of synapse group '" + sg.name + "' reads unknown buffer '" + n + "'");
      continue;
    }
    c.out += "  " + c.printer.buffer_pointer(c.p.buffers[bi].type, n, true) + " = m->b_" + n + ";\n";
  }
  if (!r.depends_on_j) {
    // Geometric skipping: the gap to the next synapse is Geometric(p), so the cost is O(synapses)
    // rather than O(candidates).
    c.out += "  if (!(" + cond + ")) return 0;\n";
    c.out += "  const double _mc_p = (double)(" + p + ");\n";
    c.out += "  if (!(_mc_p > 0.0)) return 0;\n";
    c.out += "  if (_mc_p >= 1.0) {\n";
    c.out += "    if (_mc_out) for (int64_t j = 0; j < " + T + "; ++j) _mc_out[j] = (int32_t)j;\n";
    c.out += "    return " + T + ";\n  }\n";
    c.out += "  const double _mc_lq = log1p(-_mc_p);\n";
    c.out += "  uint64_t _mc_draw = 0;\n  int64_t j = -1;\n";
    c.out += "  for (;;) {\n";
    c.out += "    const double _mc_u = mc_uniform_double(seed, " + stream + ", (uint64_t)i, _mc_draw++);\n";
    c.out += "    const double _mc_skip = floor(log(1.0 - _mc_u) / _mc_lq);\n";
    c.out += "    if (_mc_skip >= (double)(" + T + " - 1 - j)) break;\n";
    c.out += "    j += 1 + (int64_t)_mc_skip;\n";
    c.out += "    if (_mc_out) _mc_out[_mc_n] = (int32_t)j;\n";
    c.out += "    ++_mc_n;\n  }\n";
  } else {
    // Per-pair draws, draw number = j: a pair's draw does not depend on the condition of others.
    c.out += "  for (int64_t j = 0; j < " + T + "; ++j) {\n";
    c.out += "    if (!(" + cond + ")) continue;\n";
    if (r.p) {
      c.out += "    const double _mc_p = (double)(" + p + ");\n";
      c.out += "    if (!(mc_uniform_double(seed, " + stream + ", (uint64_t)i, (uint64_t)j) < _mc_p)) continue;\n";
    }
    c.out += "    if (_mc_out) _mc_out[_mc_n] = (int32_t)j;\n";
    c.out += "    ++_mc_n;\n  }\n";
  }
  c.out += "  return _mc_n;\n}\n\n";
}

void emit_group(EmitContext& c, int g) {
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

  c.out += "static int connect" + gs + "(mc_module* __restrict m) {\n";
  c.out += "  " + field(g, "row") + " = (int64_t*)mc_alloc(mc_bytes(" + S + " + 1, sizeof(int64_t)), " +
           c_string("row pointers of synapses " + sg.name) + ", m->error, sizeof m->error);\n";
  c.out += "  if (!" + field(g, "row") + ") return 1;\n";
  c.out += "  int64_t* __restrict _mc_row = " + field(g, "row") + ";\n";
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
      c.out += "  int32_t* __restrict _mc_post = " + field(g, "post") + ";\n";
      c.out += "  int32_t* __restrict _mc_pre = " + field(g, "pre") + ";\n";
      c.out += "#pragma omp parallel for schedule(static) if (" + S + " >= 64) num_threads(mc_threads(m))\n";
      c.out += "  for (int64_t i = 0; i < " + S + "; ++i) {\n";
      if (all)
        c.out += "    for (int64_t j = 0; j < " + T + "; ++j) { _mc_post[i * " + T + " + j] = (int32_t)j; _mc_pre[i * " +
                 T + " + j] = (int32_t)i; }\n";
      else
        c.out += "    _mc_post[i] = (int32_t)i; _mc_pre[i] = (int32_t)i;\n";
      c.out += "  }\n";
      break;
    }
    case kir::ConnectRule::Kind::Probability:
      c.out += "  _mc_row[0] = 0;\n";
      c.out += "#pragma omp parallel for schedule(dynamic, 16) num_threads(mc_threads(m))\n";
      c.out += "  for (int64_t i = 0; i < " + S + "; ++i) _mc_row[i + 1] = row" + gs + "(m, i, 0);\n";
      c.out += "  for (int64_t i = 0; i < " + S + "; ++i) _mc_row[i + 1] += _mc_row[i];\n";
      emit_alloc_pairs(c, g, sg.name);
      c.out += "  int32_t* __restrict _mc_post = " + field(g, "post") + ";\n";
      c.out += "  int32_t* __restrict _mc_pre = " + field(g, "pre") + ";\n";
      c.out += "#pragma omp parallel for schedule(dynamic, 16) num_threads(mc_threads(m))\n";
      c.out += "  for (int64_t i = 0; i < " + S + "; ++i) {\n";
      c.out += "    row" + gs + "(m, i, _mc_post + _mc_row[i]);\n";
      c.out += "    for (int64_t s = _mc_row[i]; s < _mc_row[i + 1]; ++s) _mc_pre[s] = (int32_t)i;\n";
      c.out += "  }\n";
      break;
    case kir::ConnectRule::Kind::Explicit: {
      std::string n = int_text(static_cast<int64_t>(r.explicit_i.size()));
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
  }
  c.out += "  return 0;\n}\n\n";
}

}  // namespace

void emit_connect(EmitContext& c) {
  for (size_t g = 0; g < c.p.synapse_groups.size(); ++g) emit_group(c, static_cast<int>(g));
}

}  // namespace modelc::cpu::detail
