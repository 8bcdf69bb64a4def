// The event exchange of distributed runs in the CPU module (kir::Program::exchanges, planned by
// passes/kernel/partition_plan_pass.cpp; docs/distributed.md). At an exchange point each rank packs,
// per exchanged event list and per step of the window, its own events ([count, indices...]); the
// host's allgather returns every rank's pack in rank order; the merged list of each step (the
// ranks' lists one after another, so ascending, as one process would have it) replaces the local
// one in the ring. Spike totals stay per rank (mc_spike_count counts this rank's neurons).
#include <algorithm>

#include "backends/cpu/cpu_emit_context.h"

namespace modelc::backends::cpu {

std::string local_begin(int pk) { return "m->pop" + std::to_string(pk) + "_begin"; }

std::string local_end(const EmitContext& c, int pk, bool padded) {
  const std::string end = "m->pop" + std::to_string(pk) + "_end";
  const int64_t n = c.p.populations[pk].size;
  if (!padded || simd_padded(n) == n) return end;
  return "(" + end + " == " + int_text(n) + " ? " + int_text(simd_padded(n)) + " : " + end + ")";
}

namespace {

// Words one rank's pack of exchange x can take: per list and step a count and at most every neuron.
int64_t pack_capacity(const EmitContext& c, const kir::Exchange& x) {
  int64_t words = 0;
  for (const auto& e : x.events) {
    const kir::Population* pop = c.p.find_population(e.population);
    if (pop) words += c.p.exchange_window * (1 + pop->size);
  }
  return words;
}

}  // namespace

void emit_exchange_scratch(EmitContext& c) {
  int64_t words = 0;
  for (const auto& x : c.p.exchanges) words = std::max(words, pack_capacity(c, x));
  if (words == 0) return;
  c.out += "  if (m->num_ranks > 1) {\n    MC_ALLOC(m->xsend, int32_t, " + int_text(words) + ", \"the event exchange buffer\")\n";
  c.out += "    MC_ALLOC(m->xat, int64_t, m->num_ranks, \"the event exchange cursors\")\n  }\n";
}

void emit_exchanges(EmitContext& c) {
  const kir::Program& p = c.p;
  const std::string W = int_text(p.exchange_window);
  for (size_t n = 0; n < p.exchanges.size(); ++n) {
    const kir::Exchange& x = p.exchanges[n];
    std::string& o = c.out;
    o += "static int mc_exchange" + std::to_string(n) + "(mc_module* __restrict m, int64_t step) {\n";
    o += "  if (m->num_ranks <= 1) return 0;\n";
    if (p.exchange_window > 1) o += "  if ((step + 1) % " + W + " != 0) return 0;\n";
    o += "  const int64_t _mc_first = step - " + W + " + 1;\n";
    o += "  int32_t* __restrict _mc_out = m->xsend;\n  int64_t _mc_w = 0;\n";
    std::vector<int> pks;
    for (const auto& e : x.events) {
      const int pk = c.population_index(e.population);
      if (pk < 0 || !check_event(c, pk, e.event, "exchange #" + std::to_string(n))) {
        o += "  return mc_fail(m, \"internal: exchange of an unknown event list\");\n}\n\n";
        return;
      }
      pks.push_back(pk);
    }
    for (size_t e = 0; e < x.events.size(); ++e) {
      const int pk = pks[e];
      const std::string& ev = x.events[e].event;
      const std::string H = int_text(ring_depth(c, pk, ev)), N = int_text(c.p.populations[pk].size);
      o += "  for (int64_t _mc_s = _mc_first; _mc_s <= step; ++_mc_s) {  // " + x.events[e].population + "." + ev + "\n";
      o += "    const int64_t _mc_slot = _mc_s % " + H + ";\n";
      o += "    const int64_t _mc_c = _mc_s < 0 ? 0 : " + event_field(c, pk, ev, "count") + "[_mc_slot];\n";
      o += "    _mc_out[_mc_w++] = (int32_t)_mc_c;\n";
      o += "    if (_mc_c > 0) memcpy(_mc_out + _mc_w, " + event_field(c, pk, ev, "spikes") + " + _mc_slot * " + N +
           ", (size_t)_mc_c * sizeof(int32_t));\n";
      o += "    _mc_w += _mc_c;\n  }\n";
    }
    o += "  const int32_t* _mc_in = 0;\n  const int64_t* _mc_counts = 0;\n";
    o += "  if (m->partition->allgather(m->partition->context, _mc_out, _mc_w, &_mc_in, &_mc_counts) != 0 || !_mc_in || !_mc_counts)\n";
    o += "    return mc_fail(m, \"the event exchange between ranks failed\");\n";
    // Each rank's pack has the same shape; a cursor per rank walks it list by list, step by step.
    o += "  int64_t* __restrict _mc_at = m->xat;\n";
    o += "  for (int64_t _mc_r = 0, _mc_o = 0; _mc_r < m->num_ranks; _mc_o += _mc_counts[_mc_r], ++_mc_r) _mc_at[_mc_r] = _mc_o;\n";
    for (size_t e = 0; e < x.events.size(); ++e) {
      const int pk = pks[e];
      const std::string& ev = x.events[e].event;
      const std::string H = int_text(ring_depth(c, pk, ev)), N = int_text(c.p.populations[pk].size);
      o += "  for (int64_t _mc_s = _mc_first; _mc_s <= step; ++_mc_s) {\n";
      o += "    const int64_t _mc_slot = (_mc_s < 0 ? 0 : _mc_s) % " + H + ";\n";
      o += "    int32_t* __restrict _mc_dst = " + event_field(c, pk, ev, "spikes") + " + _mc_slot * " + N + ";\n";
      o += "    int64_t _mc_n = 0;\n";
      o += "    for (int32_t _mc_r = 0; _mc_r < m->num_ranks; ++_mc_r) {\n";
      o += "      const int64_t _mc_c = _mc_in[_mc_at[_mc_r]++];\n";
      o += "      if (_mc_c < 0 || _mc_n + _mc_c > " + N + ") return mc_fail(m, \"malformed event exchange from another rank\");\n";
      o += "      if (_mc_s >= 0 && _mc_c > 0) memcpy(_mc_dst + _mc_n, _mc_in + _mc_at[_mc_r], (size_t)_mc_c * sizeof(int32_t));\n";
      o += "      _mc_at[_mc_r] += _mc_c;\n      _mc_n += _mc_c;\n    }\n";
      o += "    if (_mc_s >= 0) " + event_field(c, pk, ev, "count") + "[_mc_slot] = _mc_n;\n  }\n";
    }
    o += "  return 0;\n}\n\n";
  }
}

}  // namespace modelc::backends::cpu
