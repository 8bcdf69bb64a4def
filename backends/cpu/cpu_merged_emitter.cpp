// Merged neuron groups (Kernel::merged, passes/kernel/neuron_group_merging_pass.cpp; feature
// "fusion:merged-groups"): GeNN's merged struct. One function holds a table with a row per member
// (its buffer pointers, size, event list and parameter values) and runs the body once per row.
// Each member's loop is the loop its unmerged kernel would have run (same vectorised prefix and
// serial suffix, same padding, same thread split), only with bounds and pointers read from the
// row, so every neuron computes exactly what it computed unmerged: the parameters are the same
// doubles as the literals they replace, and "i" and the random streams are unchanged.
#include <functional>
#include <map>

#include "backends/cpu/cpu_emit_context.h"
#include "ir/kernel_ir_traversal.h"

namespace modelc::backends::cpu {

void emit_merged_neurons(EmitContext& c, const kir::Kernel& k, const std::set<std::string>& reads,
                         const std::set<std::string>& writes, const SplitLoopChecks& checks) {
  std::string& o = c.out;
  const size_t members = k.merged.size();
  std::vector<std::string> buffers;  // member 0's names, the body's
  for (const auto& n : reads) buffers.push_back(n);
  for (const auto& n : writes)
    if (!reads.count(n)) buffers.push_back(n);
  const size_t nparams = k.merged[0].params.size();
  std::vector<int> pks;
  bool any_parallel = false, all_parallel = true;
  for (const auto& mb : k.merged) {
    const int pk = c.population_index(mb.population);
    if (pk < 0 || mb.params.size() != nparams || !check_event(c, pk, k.event, "kernel '" + k.name + "'")) {
      c.error("kernel '" + k.name + "' merges unknown population '" + mb.population + "' or has a malformed member table");
      o += "}\n\n";
      return;
    }
    const bool par = c.p.populations[pk].size >= c.options.parallel_min_size;
    any_parallel |= par;
    all_parallel &= par;
    pks.push_back(pk);
  }
  // The table is static data: module fields by offset, sizes and parameters as literals. Built
  // from `m->` pointers instead, it would be a thousand-element runtime initialiser per call, whose
  // stores make the host compiler's alias analysis quadratic in the number of members.
  auto field = [](const std::string& member_access) {  // "m->pop3_spikes" -> "offsetof(mc_module, pop3_spikes)"
    return "offsetof(mc_module, " + member_access.substr(member_access.rfind("->") + 2) + ")";
  };
  const std::string row = "struct _mc_member_k";
  o += "  " + row + " {";
  for (size_t b = 0; b < buffers.size(); ++b) o += " size_t b" + std::to_string(b) + ";";
  o += " int64_t n, padded, history; size_t spikes, count, total, begin, end; int par;";
  for (size_t q = 0; q < nparams; ++q)
    o += " " + c.printer.type_name(k.merged[0].params[q] ? k.merged[0].params[q]->type : kir::Type::Double) + " p" + std::to_string(q) + ";";
  o += " };\n";
  o += "  static const " + row + " _mc_members[" + std::to_string(members) + "] = {\n";
  for (size_t g = 0; g < members; ++g) {
    const auto& mb = k.merged[g];
    std::map<std::string, std::string> to(mb.buffer_renames.begin(), mb.buffer_renames.end());
    const int pk = pks[g];
    const kir::Population& pop = c.p.populations[pk];
    o += "    {";
    for (const auto& n : buffers) {
      const std::string mine = to.count(n) ? to[n] : n;
      if (c.buffer_index(mine) < 0) c.error("kernel '" + k.name + "' member " + mb.population + " uses unknown buffer '" + mine + "'");
      o += "offsetof(mc_module, b_" + mine + "), ";
    }
    o += int_text(pop.size) + ", " + int_text(simd_padded(pop.size)) + ", " + int_text(ring_depth(c, pk, k.event)) + ", " +
         field(event_field(c, pk, k.event, "spikes")) + ", " + field(event_field(c, pk, k.event, "count")) + ", " +
         field(event_field(c, pk, k.event, "total")) + ", offsetof(mc_module, pop" + std::to_string(pk) +
         "_begin), offsetof(mc_module, pop" + std::to_string(pk) + "_end), " + (pop.size >= c.options.parallel_min_size ? "1" : "0");
    for (const auto& v : mb.params) o += ", " + c.printer.expr(v);
    o += "},  // " + mb.population + " (was " + mb.kernel + ")\n";
  }
  o += "  };\n";
  o += "  for (int _mc_g = 0; _mc_g < " + std::to_string(members) + "; ++_mc_g) {\n";
  o += "  const " + row + "* __restrict _mc_mb = &_mc_members[_mc_g];\n";
  for (size_t b = 0; b < buffers.size(); ++b) {
    const kir::Buffer& buf = c.p.buffers[c.buffer_index(buffers[b])];
    o += "  " + c.printer.buffer_pointer(buf.type, buf.name, !writes.count(buf.name)) + " = MC_FIELD(m, " +
         c.printer.storage_type_name(buf.type) + "*, _mc_mb->b" + std::to_string(b) + "); (void)" + buf.name + ";\n";
  }
  o += "  int32_t* const _mc_mb_spikes = MC_FIELD(m, int32_t*, _mc_mb->spikes);\n";
  o += "  int64_t* const _mc_mb_count = MC_FIELD(m, int64_t*, _mc_mb->count);\n";
  o += "  int64_t* const _mc_mb_total = &MC_FIELD(m, int64_t, _mc_mb->total);\n";
  for (size_t q = 0; q < nparams; ++q) {
    const kir::Type t = k.merged[0].params[q] ? k.merged[0].params[q]->type : kir::Type::Double;
    o += "  const " + c.printer.type_name(t) + " merged_param_" + std::to_string(q) + " = _mc_mb->p" + std::to_string(q) + ";\n";
  }
  o += "  const int64_t _mc_n = _mc_mb->n, _mc_np = _mc_mb->padded;\n";
  // This rank's neurons of the member (docs/distributed.md); the padded end only on the last rank.
  o += "  const int64_t _mc_i0 = MC_FIELD(m, int64_t, _mc_mb->begin), _mc_i1 = MC_FIELD(m, int64_t, _mc_mb->end);\n";
  o += "  const int64_t _mc_i1p = _mc_i1 == _mc_n ? _mc_np : _mc_i1;\n  (void)_mc_i1p;\n";

  NeuronLoopShape s;
  s.n = "_mc_n";
  s.padded = "_mc_np";
  s.history = "_mc_mb->history";
  s.spikes = "_mc_mb_spikes";
  s.count = "_mc_mb_count";
  s.total = "*_mc_mb_total";
  s.parallel_code = any_parallel;
  s.parallel_if = all_parallel ? "" : "_mc_mb->par";
  s.begin = "_mc_i0";
  s.end = "_mc_i1";
  const bool emits = k.emits_spikes ||
                     kir::any_stmt(k.body, [](const kir::Stmt& st) { return st.kind == kir::Stmt::Kind::EmitSpike; });
  if (emits && emit_split_emitting_loop(c, k.body, s, checks)) {
  } else if (emits) {  // serial: ascending spike list
    o += "  const int64_t _mc_slot = step % " + s.history + ";\n";
    o += "  int32_t* __restrict _mc_spk = " + s.spikes + " + _mc_slot * _mc_n;\n";
    o += "  int64_t _mc_nspk = 0;\n";
    o += "  for (int64_t i = _mc_i0; i < _mc_i1; ++i) {\n";
    c.printer.block(k.body, 2, o);
    o += "  }\n";
    o += "  " + s.count + "[_mc_slot] = _mc_nspk;\n";
    o += "  " + s.total + " += _mc_nspk;\n";
  } else {
    std::string n = "_mc_i1";
    if (checks.elementwise(k.body)) {
      if (checks.pad_safe(k.body)) n = "_mc_i1p";
      if (any_parallel) {  // as the unmerged loop (cpu_kernel_emitter.cpp): whole kSimdPad blocks per thread
        // A team kernel; a member below the parallel size goes to thread 0 whole.
        c.mark_team();
        o += "  const int64_t _mc_blocks = (" + n + " - _mc_i0 + " + int_text(kSimdPad) + " - 1) / " + int_text(kSimdPad) + ";\n";
        o += "  int64_t _mc_chunk = " + (s.parallel_if.empty() ? std::string() : "!(" + s.parallel_if + ") ? _mc_blocks * " + int_text(kSimdPad) + " : ") +
             "(_mc_blocks + mc_team_size() - 1) / mc_team_size() * " + int_text(kSimdPad) + ";\n";
        o += "  if (_mc_chunk < " + int_text(kSimdPad) + ") _mc_chunk = " + int_text(kSimdPad) + ";\n";
        o += "#pragma omp for simd schedule(static, _mc_chunk) nowait\n";
      } else {
        o += "#pragma omp simd\n";
      }
    }
    o += "  for (int64_t i = _mc_i0; i < " + n + "; ++i) {\n";
    c.printer.block(k.body, 2, o);
    o += "  }\n";
    if (checks.elementwise(k.body) && any_parallel) o += "  mc_barrier(m);\n";
  }
  o += "  }\n}\n\n";
}

}  // namespace modelc::backends::cpu
