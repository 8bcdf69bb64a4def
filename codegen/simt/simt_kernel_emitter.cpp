#include "codegen/simt/simt_kernel_emitter.h"

#include "codegen/simt/device_connect.h"
#include "codegen/simt/simt_spelling.h"

#include "ir/kernel_ir_traversal.h"
#include "support/format.h"

#include <cstdio>
#include <utility>

namespace modelc::codegen::simt {

namespace {

using kir::Domain;
using Kind = KernelParam::Kind;

// Block-shared scratch of `type` named `name`: the parameter (with its leading separator) or the
// first body statement, whichever the dialect uses.
std::pair<std::string, std::string> shared_scratch(const GpuDialect& d, const std::string& type, const std::string& name) {
  if (!d.shared_param.empty()) return {",\n    " + fill(d.shared_param, "", "", type, name), ""};
  return {"", "  " + fill(d.shared_decl, "", "", type, name) + "\n"};
}

// Opens the loop of a kernel that takes this step's events (slot _mc_slot of the pathway's list of
// population size n) one block each, skipping the events outside [off, end); the caller closes it.
void event_per_block(const Spell& s, int64_t n, const std::string& off, const std::string& end, std::string& o) {
  o += s("  const {long} _mc_nev = _mc_counts[_mc_slot];\n");
  o += s("  {g}const int* {restrict} _mc_ev = _mc_spikes + _mc_slot * ") + s.int_text(n) + ";\n";
  o += s("  for ({long} _mc_k = ({long}){bid}; _mc_k < _mc_nev; _mc_k += ({long}){nblocks}) {\n");
  o += s("    const {long} _mc_idx = _mc_ev[_mc_k];\n");
  o += "    if (_mc_idx < " + off + " || _mc_idx >= " + end + ") continue;\n";
}

// i and j of a synapse kernel's body, then the body.
void synapse_body(GpuPrinter& pr, const Spell& s, const kir::Block& body, int indent, std::string& o) {
  const std::string ind(2 * indent, ' ');
  o += s(ind + "const {long} i = _mc_pre[syn];\n" + ind + "const {long} j = _mc_post[syn];\n");
  pr.block(body, indent, o);
}

void spike_generator(const LaunchPlan& c, const KernelPlan& plan, const Spell& s, std::string& o) {
  const kir::Population& pop = c.p.populations[plan.population];
  const auto& t = *pop.generator;
  const std::string n = s.int_text(static_cast<int64_t>(t.steps.size()));
  o += s("  const {long} _mc_s = ") + (t.period_steps > 0 ? "step % " + s.int_text(t.period_steps) : std::string("step")) + ";\n";
  o += s("  {long} _mc_lo = 0, _mc_hi = ") + n + ";\n";
  o += s("  while (_mc_lo < _mc_hi) { const {long} _mc_mid = (_mc_lo + _mc_hi) / 2; if (_mc_gsteps[_mc_mid] < _mc_s) _mc_lo = _mc_mid + 1; else _mc_hi = _mc_mid; }\n");
  o += s("  {long} _mc_end = _mc_lo;\n  while (_mc_end < ") + n + " && _mc_gsteps[_mc_end] == _mc_s) ++_mc_end;\n";
  o += s("  {g}int* {restrict} _mc_out = _mc_spikes + _mc_slot * ") + s.int_text(pop.size) + ";\n";
  o += s("  for ({long} _mc_k = _mc_lo + ({long}){tid}; _mc_k < _mc_end; _mc_k += ({long}){bsize})\n");
  o += "    _mc_out[_mc_k - _mc_lo] = _mc_gidx[_mc_k];\n";
  o += s("  if ({tid} == 0) {\n    _mc_counts[_mc_slot] = (int)(_mc_end - _mc_lo);\n");
  o += "    _mc_totals[" + std::to_string(plan.list) + "] += _mc_end - _mc_lo;\n  }\n";
}

void post_synaptic_events(const LaunchPlan& c, const KernelPlan& plan, GpuPrinter& pr, const Spell& s, std::string& o) {
  const kir::SynapseGroup& sg = c.p.synapse_groups[plan.group];
  const int64_t n = c.p.populations[plan.population].size;
  const std::string off = s.int_text(sg.target_offset), end = s.int_text(sg.target_offset + sg.target_size);
  event_per_block(s, n, off, end, o);
  o += s("    const {long} _mc_j = _mc_idx - ") + off + ";\n";
  o += s("    const {long} _mc_cend = _mc_col[_mc_j + 1];\n");
  o += s("    for ({long} _mc_c = _mc_col[_mc_j] + ({long}){tid}; _mc_c < _mc_cend; _mc_c += ({long}){bsize}) {\n");
  o += s("      const {long} syn = _mc_colsyn[_mc_c];\n");
  synapse_body(pr, s, plan.kernel->body, 3, o);
  o += "    }\n  }\n";
}

// _mc_spikes/_mc_counts are the pathway's own ring of `depth` slots, _mc_slot the slot of this step.
void queued_events(const LaunchPlan& c, const KernelPlan& plan, GpuPrinter& pr, const Spell& s, std::string& o) {
  const kir::SynapseGroup& sg = c.p.synapse_groups[plan.group];
  const bool post = sg.pathways[plan.pathway].post;
  const int64_t n = c.p.populations[plan.population].size;
  const std::string off = s.int_text(post ? sg.target_offset : sg.source_offset);
  const std::string end = s.int_text(post ? sg.target_offset + sg.target_size : sg.source_offset + sg.source_size);
  o += s("  {long} _mc_base = 0;\n");
  o += s("  for ({long} _mc_d = _mc_depth - 1; _mc_d >= 0; --_mc_d) {\n");
  o += "    if (step - _mc_d < 0) continue;\n";
  o += s("    const {long} _mc_es = (_mc_slot - _mc_d + _mc_depth) % _mc_depth;\n");
  o += s("    const {long} _mc_nev = _mc_counts[_mc_es];\n");
  o += s("    {g}const int* {restrict} _mc_ev = _mc_spikes + _mc_es * ") + s.int_text(n) + ";\n";
  // Pairs (d, event) are numbered across d so that the blocks share the work of all delays.
  o += s("    {long} _mc_k = (({long}){bid} - _mc_base % ({long}){nblocks} + ({long}){nblocks}) % ({long}){nblocks};\n");
  o += s("    for (; _mc_k < _mc_nev; _mc_k += ({long}){nblocks}) {\n");
  o += s("      const {long} _mc_idx = _mc_ev[_mc_k];\n");
  o += "      if (_mc_idx < " + off + " || _mc_idx >= " + end + ") continue;\n";
  o += s("      const {long} _mc_r = (_mc_idx - ") + off + ") * _mc_depth + _mc_d;\n";
  o += s("      const {long} _mc_send = _mc_seg[_mc_r + 1];\n");
  o += s("      for ({long} _mc_q = _mc_seg[_mc_r] + ({long}){tid}; _mc_q < _mc_send; _mc_q += ({long}){bsize}) {\n");
  o += s("        const {long} syn = _mc_perm[_mc_q];\n");
  synapse_body(pr, s, plan.kernel->body, 4, o);
  o += "      }\n    }\n    _mc_base += _mc_nev;\n  }\n";
}

// A dendritic delay ring (docs/opencl.md, "Heterogeneous delays"). DendriticEvents: a block per
// event of this step, its threads striding over the row as in SynapticEvents; each synapse adds
// into ring row (step + delay[syn]) % depth at its target, with the body's atomics (the pass
// marks the ring accumulation conflicting). DendriticDrain: a thread per target neuron adds the
// row due now and zeroes it; no other thread touches that element, so no atomics. The drain is a
// separate launch after the events (in-order queue), so every addition of a step is in before
// the row is read.
void dendritic_ring(const LaunchPlan& c, const KernelPlan& plan, GpuPrinter& pr, const Spell& s, std::string& o) {
  const kir::SynapseGroup& sg = c.p.synapse_groups[plan.group];
  const std::string T = s.int_text(sg.target_size);
  if (plan.kernel->domain.kind == Domain::Kind::DendriticDrain) {
    o += s("  const {long} j = ({long}){gid};\n  if (j >= ") + T + ") return;\n";
    o += s("  const {long} i = j + ") + s.int_text(sg.target_offset) + ";\n";
    o += s("  const {long} ring_slot = (step % _mc_depth) * ") + T + ";\n";
    pr.block(plan.kernel->body, 1, o);
    return;
  }
  const int64_t n = c.p.populations[plan.population].size;
  const std::string off = s.int_text(sg.source_offset), end = s.int_text(sg.source_offset + sg.source_size);
  o += s("  const {long} _mc_now = step % _mc_depth;\n");
  event_per_block(s, n, off, end, o);
  o += s("    const {long} i = _mc_idx - ") + off + ";\n";
  o += s("    const {long} _mc_end = _mc_row[i + 1];\n");
  o += s("    for ({long} syn = _mc_row[i] + ({long}){tid}; syn < _mc_end; syn += ({long}){bsize}) {\n");
  o += s("      const {long} j = _mc_post[syn];\n");
  // Delays are below the depth, so one subtraction wraps the row.
  o += s("      {long} _mc_r = _mc_now + _mc_dl[syn];\n      if (_mc_r >= _mc_depth) _mc_r -= _mc_depth;\n");
  o += s("      const {long} ring_slot = _mc_r * ") + T + ";\n";
  pr.block(plan.kernel->body, 3, o);
  o += "    }\n  }\n";
}

// Whether a body reads the synapse index: `syn` itself or a random draw (keyed by it).
bool uses_syn(const kir::Block& body) {
  bool uses = false;
  kir::walk_exprs(body, [&](const kir::Expr& e) {
    if ((e.kind == kir::Expr::Kind::Builtin && e.name == "syn") || e.kind == kir::Expr::Kind::Random) uses = true;
    return kir::WalkResult::Advance;
  });
  return uses;
}

// Whether the SynapticEvents kernel of `plan` scans its rows with a block-wide prefix sum (in
// _mc_scan): dense and bitmask rows whose body reads syn, procedural probability rows.
bool row_needs_scan(const kir::SynapseGroup& sg, const kir::Block& body) {
  switch (sg.connectivity.storage) {
    case kir::Connectivity::Storage::Sparse: return false;
    case kir::Connectivity::Storage::Dense:
    case kir::Connectivity::Storage::Bitmask: return uses_syn(body);
    case kir::Connectivity::Storage::Procedural: return sg.connect.kind == kir::ConnectRule::Kind::Probability;
  }
  return false;
}

// A fused propagation kernel's rows (Kernel::dispatch): the synapse group and body of each branch,
// in order; a plain SynapticEvents kernel is its one branch.
std::vector<std::pair<int, const kir::Block*>> row_branches(const LaunchPlan& c, const KernelPlan& plan) {
  const kir::Kernel& k = *plan.kernel;
  if (k.dispatch.empty()) return {{plan.group, &k.body}};
  std::vector<std::pair<int, const kir::Block*>> out;
  for (const auto& br : k.dispatch) out.push_back({c.group_index(br.synapses), &br.body});
  return out;
}

bool needs_row_scan(const LaunchPlan& c, const KernelPlan& plan) {
  if (plan.kernel->domain.kind != Domain::Kind::SynapticEvents || plan.post_parallel) return false;
  for (const auto& [g, body] : row_branches(c, plan))
    if (row_needs_scan(c.p.synapse_groups[g], *body)) return true;
  return false;
}

// The synapses of row i of a dense or bitmask group, j ascending as in the CSR. The threads of the
// block share the row: consecutive threads take consecutive targets (dense) or 64-target words
// (bitmask). Where the body reads syn (the CSR position: row pointer + synapses of the row before
// it), each tile of the row is ranked by a block-wide prefix sum of its synapse counts, so syn and
// the draws keyed by it are the CPU's.
void matrix_row(const kir::SynapseGroup& sg, const kir::Block& body, GpuPrinter& pr, const Spell& s, std::string& o) {
  const bool dense = sg.connectivity.storage == kir::Connectivity::Storage::Dense;
  const GpuDialect& d = pr.dialect();
  const std::string T = s.int_text(sg.target_size), W = s.int_text((sg.target_size + 63) / 64);
  const std::string n = dense ? T : W;  // elements of the row the threads share
  if (dense)
    o += s("    {g}const {uchar}* {restrict} _mc_d = _mc_dense + i * ") + T + ";\n";
  else
    o += s("    {g}const {ulong}* {restrict} _mc_w = _mc_bits + i * ") + W + ";\n";
  // The synapses of one element: the count of a pair, or the set bits of a word.
  auto element = [&](const std::string& ind, const std::string& next_syn, int indent) {
    if (dense) {
      o += ind + "for (int _mc_r = _mc_c; _mc_r > 0; --_mc_r" + next_syn + ") {\n";
    } else {
      o += s(ind + "for ({ulong} _mc_b = _mc_word; _mc_b != 0; _mc_b &= _mc_b - 1" + next_syn + ") {\n");
      o += s(ind + "  const {long} j = _mc_q * 64 + ") + fill(d.ctz64, "", "_mc_b") + ";\n";
    }
    pr.block(body, indent, o);
    o += ind + "}\n";
  };
  auto load = [&](const std::string& ind, const std::string& index) {
    if (dense) o += ind + "const int _mc_c = " + index + " < " + T + " ? (int)_mc_d[" + index + "] : 0;\n";
    else {
      o += s(ind + "const {ulong} _mc_word = ") + index + " < " + W + " ? _mc_w[" + index + "] : 0;\n";
      o += ind + "const int _mc_c = " + fill(d.popcount64, "", "_mc_word") + ";\n";
    }
  };
  const std::string var = dense ? "j" : "_mc_q";
  if (!uses_syn(body)) {
    o += s("    for ({long} ") + var + s(" = ({long}){tid}; ") + var + " < " + n + s("; ") + var + s(" += ({long}){bsize}) {\n");
    load("      ", var);
    element("      ", "", 4);
    o += "    }\n";
    return;
  }
  o += s("    {long} _mc_base = _mc_row[i];\n");
  o += s("    for ({long} _mc_t0 = 0; _mc_t0 < ") + n + s("; _mc_t0 += ({long}){bsize}) {\n");
  o += s("      const {long} ") + var + s(" = _mc_t0 + ({long}){tid};\n");
  load("      ", var);
  o += s("      _mc_scan[{tid}] = _mc_c;\n");
  o += block_scan(s, "      ");
  o += s("      {long} syn = _mc_base + _mc_scan[{tid}] - _mc_c;\n");
  o += s("      const {long} _mc_tile = _mc_scan[{bsize} - 1];\n      {sync_shared};\n");
  element("      ", ", ++syn", 4);
  o += "      _mc_base += _mc_tile;\n    }\n";
}

// Postsynaptic-parallel propagation (KernelPlan::post_parallel): thread j (of the target slice)
// takes this step's spikes in list order and runs the body for each synapse (i, j) of the spike,
// as the CPU's serial push reaches target j: spike order, then ascending synapse. No other thread
// writes target j (choose-connectivity allows this scheme only for bodies that write nothing but
// the target at j and the synapse), so the accumulations are plain and the sums the CPU's.
// Sparse rows: the column of j in the transposed index lists j's synapses in ascending order, and
// those of row i are the ones in [row[i], row[i + 1]): a binary search finds the first. Dense: the
// pair's count; bitmask: the pair's bit; all-to-all: every spike; one-to-one: the spike j.
void post_parallel_events(const LaunchPlan& c, const KernelPlan& plan, GpuPrinter& pr, const Spell& s, std::string& o) {
  const kir::SynapseGroup& sg = c.p.synapse_groups[plan.group];
  const int64_t n = c.p.populations[plan.population].size;
  const std::string T = s.int_text(sg.target_size);
  const std::string off = s.int_text(sg.source_offset), end = s.int_text(sg.source_offset + sg.source_size);
  const kir::Block body = without_conflicts(plan.kernel->body);
  o += s("  const {long} j = ({long}){gid};\n  if (j >= ") + T + ") return;\n";
  o += s("  const {long} _mc_nspikes = _mc_counts[_mc_slot];\n");
  o += s("  {g}const int* {restrict} _mc_spk = _mc_spikes + _mc_slot * ") + s.int_text(n) + ";\n";
  const auto storage = sg.connectivity.storage;
  if (storage == kir::Connectivity::Storage::Sparse)
    o += s("  const {long} _mc_c0 = _mc_col[j], _mc_c1 = _mc_col[j + 1];\n");
  if (storage == kir::Connectivity::Storage::Bitmask)
    o += s("  const {ulong} _mc_bit = ({ulong})1 << (j & 63);\n");
  o += s("  for ({long} _mc_k = 0; _mc_k < _mc_nspikes; ++_mc_k) {\n");
  o += s("    const {long} _mc_idx = _mc_spk[_mc_k];\n");
  o += "    if (_mc_idx < " + off + " || _mc_idx >= " + end + ") continue;\n";
  o += s("    const {long} i = _mc_idx - ") + off + ";\n";
  switch (storage) {
    case kir::Connectivity::Storage::Sparse:
      o += s("    const {long} _mc_r0 = _mc_row[i], _mc_r1 = _mc_row[i + 1];\n");
      o += s("    {long} _mc_lo = _mc_c0, _mc_hi = _mc_c1;\n");
      o += s("    while (_mc_lo < _mc_hi) {\n      const {long} _mc_mid = (_mc_lo + _mc_hi) / 2;\n");
      o += "      if (_mc_colsyn[_mc_mid] < _mc_r0) _mc_lo = _mc_mid + 1; else _mc_hi = _mc_mid;\n    }\n";
      o += s("    for ({long} _mc_q = _mc_lo; _mc_q < _mc_c1; ++_mc_q) {\n");
      o += s("      const {long} syn = _mc_colsyn[_mc_q];\n      if (syn >= _mc_r1) break;\n");
      pr.block(body, 3, o);
      o += "    }\n";
      break;
    case kir::Connectivity::Storage::Dense:
      o += "    for (int _mc_r = (int)_mc_dense[i * " + T + " + j]; _mc_r > 0; --_mc_r) {\n";
      pr.block(body, 3, o);
      o += "    }\n";
      break;
    case kir::Connectivity::Storage::Bitmask:
      o += "    if (_mc_bits[i * " + s.int_text((sg.target_size + 63) / 64) + " + (j >> 6)] & _mc_bit) {\n";
      pr.block(body, 3, o);
      o += "    }\n";
      break;
    case kir::Connectivity::Storage::Procedural:
      if (sg.connect.kind == kir::ConnectRule::Kind::OneToOne) {
        o += "    if (i == j) {\n";
        pr.block(body, 3, o);
        o += "    }\n";
      } else {
        pr.block(body, 2, o);
      }
      break;
  }
  o += "  }\n";
}

// The synapses of row i of a procedural group, regenerated as the CSR build's row generator row<g>
// (codegen/host/connect_emitter.cpp) draws them: all-to-all and one-to-one rows directly; a
// probability row by geometric skipping, where draw k of row i is mc_uniform_double(seed, stream,
// i, k) and the k-th synapse is at j = -1 + the sum of the first k gaps 1 + floor(log(1 - u) /
// log1p(-p)), the row ending at the first j >= T. Philox is counter-based, so the block draws a
// tile of gaps at once (thread t draws k = tile start + t) and a prefix sum of the gaps gives every
// thread its j: the same synapses as the CPU's sequential loop, in parallel. The gaps are integers
// (floor), summed exactly; only a device log that rounds differently from the host's right at an
// integer boundary of the quotient could move a synapse. Needs fp64 (the host module refuses a
// device without it).
void procedural_row(const kir::SynapseGroup& sg, const kir::Block& body, GpuPrinter& pr, const Spell& s, std::string& o) {
  const kir::ConnectRule& r = sg.connect;
  const std::string T = s.int_text(sg.target_size);
  auto all_targets = [&](const std::string& ind, int indent) {
    o += s(ind + "for ({long} j = ({long}){tid}; j < ") + T + s("; j += ({long}){bsize}) {\n");
    pr.block(body, indent, o);
    o += ind + "}\n";
  };
  if (r.kind == kir::ConnectRule::Kind::AllToAll) {
    all_targets("    ", 3);
    return;
  }
  if (r.kind == kir::ConnectRule::Kind::OneToOne) {
    o += s("    if ({tid} == 0) {\n      const {long} j = i;\n");
    pr.block(body, 3, o);
    o += "    }\n";
    return;
  }
  o += "#if defined(MC_HAVE_FP64)\n";
  if (r.condition) o += "    if (!(" + pr.expr(r.condition) + ")) continue;\n";
  o += "    const double _mc_p = (double)(" + (r.p ? pr.expr(r.p) : std::string("1.0")) + ");\n";
  o += "    if (!(_mc_p > 0.0)) continue;\n";
  o += "    if (_mc_p >= 1.0) {\n";
  all_targets("      ", 4);
  o += "      continue;\n    }\n";
  o += "    const double _mc_lq = log1p(-_mc_p);\n";
  o += s("    {long} _mc_last = -1;\n");
  o += s("    for ({ulong} _mc_k0 = 0; _mc_last < ") + T + s("; _mc_k0 += ({ulong}){bsize}) {\n");
  o += s("      const double _mc_u = mc_uniform_double(seed, ") + std::to_string(r.stream) +
       s("u, ({ulong})i, _mc_k0 + ({ulong}){tid});\n");
  o += "      const double _mc_skip = floor(log(1.0 - _mc_u) / _mc_lq);\n";
  // Gaps of T or more end the row wherever they fall: clamped, so the sums cannot overflow.
  o += s("      _mc_scan[{tid}] = 1 + (_mc_skip >= (double)") + T + " ? " + T + s(" : ({long})_mc_skip);\n");
  o += block_scan(s, "      ");
  o += s("      const {long} j = _mc_last + _mc_scan[{tid}];\n");
  o += s("      const {long} _mc_end = _mc_last + _mc_scan[{bsize} - 1];\n      {sync_shared};\n");
  o += "      if (j < " + T + ") {\n";
  pr.block(body, 4, o);
  o += "      }\n      _mc_last = _mc_end;\n    }\n#endif\n";
}

// A merged neuron kernel (Kernel::merged): the members' neurons are consecutive ranges of one
// launch; each thread runs its member's body with "i" relative to the member's population, so it
// computes what the member's own kernel computes for that neuron (same draws: "i" and the
// streams are unchanged). Member b > 0 sets the flags of its own list (_mc_flags_b<b>).
void merged_neurons(const KernelPlan& plan, GpuPrinter& pr, const Spell& s, std::string& o) {
  const MergedMember& last = plan.members.back();
  o += s("  const {long} _mc_g = ({long}){gid};\n  if (_mc_g >= ") + s.int_text(last.first + last.size) + ") return;\n";
  for (size_t m = 0; m < plan.members.size(); ++m) {
    const MergedMember& mb = plan.members[m];
    o += std::string(m ? "  else if" : "  if") + " (_mc_g < " + s.int_text(mb.first + mb.size) + ") {\n";
    o += s("    const {long} i = _mc_g - ") + s.int_text(mb.first) + ";\n";
    if (m > 0 && plan.emits) o += s("    {g}{uchar}* {restrict} _mc_flags = _mc_flags_b") + std::to_string(m) + ";\n";
    pr.block(mb.body, 2, o);
    o += "  }\n";
  }
}

// The synapses of the row of spike _mc_idx in `sg`, by storage, running `body`; `continue` skips
// the rest of the row. Branch b > 0 of a fused kernel reads its connectivity from the parameters
// _mc_row_b<b>, ..., bound here to the names the row code uses.
void spike_row(const kir::SynapseGroup& sg, const kir::Block& body, int branch, GpuPrinter& pr, const Spell& s, std::string& o) {
  const GpuDialect& d = pr.dialect();
  const std::string off = s.int_text(sg.source_offset), end = s.int_text(sg.source_offset + sg.source_size);
  o += "    if (_mc_idx < " + off + " || _mc_idx >= " + end + ") continue;\n";
  if (branch > 0) {
    const std::string b = "_b" + std::to_string(branch);
    auto alias = [&](const std::string& type, const std::string& name) {
      o += s("    {g}const ") + type + s("* {restrict} ") + name + " = " + name + b + ";\n";
    };
    switch (sg.connectivity.storage) {
      case kir::Connectivity::Storage::Sparse:
        alias(d.int64, "_mc_row");
        alias(narrow_post(sg) ? d.uint16 : d.int32, "_mc_post");
        break;
      case kir::Connectivity::Storage::Dense:
        alias(d.int64, "_mc_row");
        alias(d.uint8, "_mc_dense");
        break;
      case kir::Connectivity::Storage::Bitmask:
        alias(d.int64, "_mc_row");
        alias(d.uint64, "_mc_bits");
        break;
      case kir::Connectivity::Storage::Procedural: break;
    }
  }
  o += s("    const {long} i = _mc_idx - ") + off + ";\n";
  switch (sg.connectivity.storage) {
    case kir::Connectivity::Storage::Sparse:
      o += s("    const {long} _mc_end = _mc_row[i + 1];\n");
      o += s("    for ({long} syn = _mc_row[i] + ({long}){tid}; syn < _mc_end; syn += ({long}){bsize}) {\n");
      o += s("      const {long} j = _mc_post[syn];\n");
      pr.block(body, 3, o);
      o += "    }\n";
      break;
    case kir::Connectivity::Storage::Dense:
    case kir::Connectivity::Storage::Bitmask: matrix_row(sg, body, pr, s, o); break;
    case kir::Connectivity::Storage::Procedural: procedural_row(sg, body, pr, s, o); break;
  }
}

void emit_kernel(const LaunchPlan& c, const KernelPlan& plan, GpuPrinter& pr, std::string& o) {
  const Spell s(pr.dialect());
  const kir::Kernel& k = *plan.kernel;
  o += "/* kernel " + k.name + " */\n" + s("{kernel} k") + std::to_string(plan.index) + "(";
  for (size_t a = 0; a < plan.params.size(); ++a) o += (a ? ",\n    " : "") + kernel_param_decl(c, pr, plan.params[a]);
  o += ") {\n";
  if (needs_row_scan(c, plan))
    o += "  " + fill(pr.dialect().shared_array, "", "", pr.dialect().int64, "_mc_scan[" + std::to_string(kEventBlockCap) + "]") + "\n";
  o += s("  const {f64} t = ({f64})step * MC_DT;\n");
  const Domain& d = k.domain;
  codegen::RandomKeys keys;
  keys.element = d.kind == Domain::Kind::Neurons || d.kind == Domain::Kind::Spikes ? "i" : "syn";
  pr.set_random_keys(keys);
  switch (d.kind) {
    case Domain::Kind::Neurons: {
      if (!plan.members.empty()) {
        merged_neurons(plan, pr, s, o);
        break;
      }
      // A range [offset, offset + size) of the population; "i" stays the population index.
      const int64_t first = d.size > 0 ? d.offset : 0;
      const int64_t n = d.size > 0 ? d.offset + d.size : c.p.populations[plan.population].size;
      o += s("  const {long} i = ({long}){gid} + ") + s.int_text(first) + ";\n  if (i >= " + s.int_text(n) + ") return;\n";
      pr.block(k.body, 1, o);
      break;
    }
    case Domain::Kind::Spikes: {
      const int64_t n = c.p.populations[plan.population].size;
      o += s("  const {long} _mc_k = ({long}){gid};\n");
      o += s("  if (_mc_k >= ({long})_mc_counts[_mc_slot]) return;\n");
      o += s("  const {long} i = _mc_spikes[_mc_slot * ") + s.int_text(n) + " + _mc_k];\n";
      pr.block(k.body, 1, o);
      break;
    }
    case Domain::Kind::SynapticEvents: {  // the slot of step - delay is set by the host
      if (plan.post_parallel) {
        post_parallel_events(c, plan, pr, s, o);
        break;
      }
      const int64_t n = c.p.populations[plan.population].size;
      o += s("  const {long} _mc_nspikes = _mc_counts[_mc_slot];\n");
      o += s("  {g}const int* {restrict} _mc_spk = _mc_spikes + _mc_slot * ") + s.int_text(n) + ";\n";
      o += s("  for ({long} _mc_k = ({long}){bid}; _mc_k < _mc_nspikes; _mc_k += ({long}){nblocks}) {\n");
      o += s("    const {long} _mc_idx = _mc_spk[_mc_k];\n");
      const auto branches = row_branches(c, plan);
      if (k.dispatch.empty()) {
        spike_row(c.p.synapse_groups[plan.group], k.body, 0, pr, s, o);
      } else {
        // Fused propagation: every branch whose source slice holds the spike visits its row, in the
        // order the unfused kernels ran. Each branch is a do-while(0) so that a row's `continue`
        // (outside the slice, a procedural row's condition) ends only that branch.
        for (size_t b = 0; b < branches.size(); ++b) {
          o += "    do {  /* " + c.p.synapse_groups[branches[b].first].name + " (was " + k.dispatch[b].kernel + ") */\n";
          spike_row(c.p.synapse_groups[branches[b].first], *branches[b].second, static_cast<int>(b), pr, s, o);
          o += "    } while (0);\n";
        }
      }
      o += "  }\n";
      break;
    }
    case Domain::Kind::Synapses:
      if (plan.gather) {
        const kir::SynapseGroup& sg = c.p.synapse_groups[plan.group];
        o += s("  const {long} j = ({long}){gid};\n  if (j >= ") + s.int_text(sg.target_size) + ") return;\n";
        o += s("  const {long} _mc_cend = _mc_col[j + 1];\n");
        o += s("  for ({long} _mc_c = _mc_col[j]; _mc_c < _mc_cend; ++_mc_c) {\n");
        o += s("    const {long} syn = _mc_colsyn[_mc_c];\n    const {long} i = _mc_pre[syn];\n");
        pr.block(without_conflicts(k.body), 2, o);
        o += "  }\n";
        break;
      }
      o += s("  const {long} syn = ({long}){gid};\n  if (syn >= _mc_n) return;\n");
      synapse_body(pr, s, k.body, 1, o);
      break;
    case Domain::Kind::PostSynapticEvents: post_synaptic_events(c, plan, pr, s, o); break;
    case Domain::Kind::QueuedEvents: queued_events(c, plan, pr, s, o); break;
    case Domain::Kind::SpikeGenerator: spike_generator(c, plan, s, o); break;
    case Domain::Kind::DendriticEvents:
    case Domain::Kind::DendriticDrain: dendritic_ring(c, plan, pr, s, o); break;
  }
  o += "}\n\n";
}

// Copies the recorded neurons' values of one sample into the monitor's device buffers (slot
// `sample` of the current recording chunk); the host converts to double when it pulls them.
void emit_state_recorder(const LaunchPlan& c, const GpuPrinter& pr, size_t mi, std::string& o) {
  const Spell s(pr.dialect());
  const kir::Monitor& mon = c.p.monitors[mi];
  const int pk = c.population_index(mon.population);
  const bool synapses = !mon.synapses.empty();  // `_mc_idx` holds CSR positions
  if (pk < 0 && !synapses) return;  // reported by the host emitter
  const int64_t pop_size = synapses ? 0 : c.p.populations[pk].size;
  o += "/* monitor " + mon.name + " */\n" + s("{kernel} mc_rec_state") + std::to_string(mi) + "(" +
       pr.global_pointer(pr.dialect().int64, "_mc_idx", true) + s(", const {long} _mc_nidx, const {long} _mc_sample");
  for (size_t v = 0; v < mon.buffers.size(); ++v) {
    int bi = c.buffer_index(mon.buffers[v]);
    if (bi < 0) continue;
    const std::string t = pr.storage_type_name(c.p.buffers[bi].type);
    o += ",\n    " + pr.global_pointer(t, "_mc_b" + std::to_string(v), true) + ", " +
         pr.global_pointer(t, "_mc_o" + std::to_string(v), false);
  }
  o += s(") {\n  const {long} k = ({long}){gid};\n  if (k >= _mc_nidx) return;\n");
  for (size_t v = 0; v < mon.buffers.size(); ++v) {
    int bi = c.buffer_index(mon.buffers[v]);
    if (bi < 0) continue;
    const kir::Buffer& b = c.p.buffers[bi];
    // Shared (size 1) variables are recorded once per recorded neuron, as on the CPU.
    std::string at = synapses ? "_mc_idx[k]" : b.size == 1 && pop_size != 1 ? "0" : s.int_text(mon.offset) + " + _mc_idx[k]";
    o += "  _mc_o" + std::to_string(v) + "[_mc_sample * _mc_nidx + k] = _mc_b" + std::to_string(v) + "[" + at + "];\n";
  }
  o += "}\n\n";
}

// A spike (event) monitor that also records variables: one block, like mc_record_spikes, which the
// host launches right after it; `fill` is the position that recorder gives this step's first spike,
// so every value lands at the position its index gets in the recorded list.
void emit_spike_variable_recorder(const LaunchPlan& c, const GpuPrinter& pr, size_t mi, std::string& o) {
  const Spell s(pr.dialect());
  const kir::Monitor& mon = c.p.monitors[mi];
  if (mon.kind != kir::Monitor::Kind::Spikes || mon.buffers.empty()) return;
  const int pk0 = c.population_index(mon.population);
  const int li = pk0 < 0 ? -1 : c.list_index(pk0, mon.event);
  if (li < 0) return;  // reported by the host emitter
  const int pk = c.lists[li].population;
  auto dev_type = [&](const std::string& buffer) {
    int bi = c.buffer_index(buffer);
    return bi < 0 ? std::string("double") : pr.storage_type_name(c.p.buffers[bi].type);
  };
  o += "/* monitor " + mon.name + ": variables at each event */\n";
  o += s("{kernel} mc_rec_spikevars") + std::to_string(mi) + "(" + pr.global_pointer("int", "spikes", true) + ", " +
       pr.global_pointer("int", "counts", true) + s(", const {long} n, const {long} slot,\n    ") +
       pr.global_pointer("int", "rec_fill", true);
  for (size_t v = 0; v < mon.buffers.size(); ++v) {
    const std::string vs = std::to_string(v), t = dev_type(mon.buffers[v]);
    o += ",\n    " + pr.global_pointer(t, "b" + vs, true) + ", " + pr.global_pointer(t, "o" + vs, false);
  }
  o += ") {\n  const int cnt = counts[slot];\n  const int base = rec_fill[0];\n";
  o += s("  for (int k = (int){tid}; k < cnt; k += (int){bsize}) {\n");
  o += "    const int idx = spikes[slot * n + k];\n";
  for (size_t v = 0; v < mon.buffers.size(); ++v) {
    int bi = c.buffer_index(mon.buffers[v]);
    if (bi < 0) continue;
    const bool shared = c.p.buffers[bi].size == 1 && c.p.populations[pk].size != 1;  // as on the CPU
    const std::string vs = std::to_string(v);
    o += "    o" + vs + "[base + k] = b" + vs + "[" + (shared ? "0" : "idx") + "];\n";
  }
  o += "  }\n}\n\n";
}

}  // namespace

std::string kernel_param_decl(const LaunchPlan& c, const GpuPrinter& pr, const KernelParam& prm) {
  const GpuDialect& d = pr.dialect();
  const std::string b = prm.branch > 0 ? "_b" + std::to_string(prm.branch) : "";
  const bool narrow = prm.group >= 0 && narrow_post(c.p.synapse_groups[prm.group]);
  switch (prm.kind) {
    case Kind::Buffer: {
      const kir::Buffer& b = c.p.buffers[c.buffer_index(prm.name)];
      return pr.buffer_pointer(b.type, prm.name, prm.read_only);
    }
    case Kind::Flags: return pr.global_pointer(d.uint8, "_mc_flags" + b, false);
    case Kind::Spikes: return pr.global_pointer(d.int32, "_mc_spikes", prm.read_only);
    case Kind::Counts: return pr.global_pointer(d.int32, "_mc_counts", prm.read_only);
    case Kind::Totals: return pr.global_pointer(d.int64, "_mc_totals", false);
    case Kind::GenSteps: return pr.global_pointer(d.int64, "_mc_gsteps", true);
    case Kind::GenIdx: return pr.global_pointer(d.int32, "_mc_gidx", true);
    case Kind::Col: return pr.global_pointer(d.int64, "_mc_col", true);
    case Kind::ColSyn: return pr.global_pointer(d.int32, "_mc_colsyn", true);
    case Kind::Seg: return pr.global_pointer(d.int64, "_mc_seg", true);
    case Kind::Perm: return pr.global_pointer(d.int32, "_mc_perm", true);
    case Kind::Depth: return "const " + d.int64 + " _mc_depth";
    case Kind::Delays: return pr.global_pointer(d.int32, "_mc_dl", true);
    case Kind::Row: return pr.global_pointer(d.int64, "_mc_row" + b, true);
    case Kind::Dense: return pr.global_pointer(d.uint8, "_mc_dense" + b, true);
    case Kind::Bits: return pr.global_pointer(d.uint64, "_mc_bits" + b, true);
    case Kind::Post: return pr.global_pointer(narrow ? d.uint16 : d.int32, "_mc_post" + b, true);
    case Kind::Pre: return pr.global_pointer(d.int32, "_mc_pre", true);
    case Kind::SynCount: return "const " + d.int64 + " _mc_n";
    case Kind::Seed: return "const " + d.uint64 + " seed";
    case Kind::Step: return "const " + d.int64 + " step";
    case Kind::Slot: return "const " + d.int64 + " _mc_slot";
  }
  return "";
}

std::string emit_support_kernels(const GpuPrinter& pr) {
  const GpuDialect& d = pr.dialect();
  const Spell s(d);
  const auto [scratch_param, scratch_decl] = shared_scratch(d, "int", "scratch");
  std::string o;
  // Threshold kernels set flags[i] = 1 for every neuron that spikes. One block then ranks them:
  // each thread takes a contiguous chunk of the flags, read as 8-byte words (the flag buffers are
  // whole zero-filled words, but the partial last word is read byte by byte all the same), counts
  // the nonzero bytes, a Hillis-Steele scan of the counts in shared memory gives each chunk its
  // first rank, and each thread writes its spiking indices from there, clearing their flags. The
  // list comes out ascending, exactly as the CPU backend and Brian2 produce it, with no sort and no
  // atomics. One block because the chunks must be ranked in order; the cost is n / 8 word reads
  // spread over the block plus one scan (2 log2(block size) barriers), independent of n. (A scan
  // per tile of block-size flags costs n / block size scans; on PoCL, which runs a block as loops
  // over its threads between barriers on one core, that was most of CUBA's step.)
  o += "/* --- spike lists: flags -> ascending list (one block, chunked words, one prefix-sum scan) --- */\n";
  o += s("{kernel} mc_compact_spikes({g}{uchar}* {restrict} flags, {g}int* {restrict} spikes,\n"
         "    {g}int* {restrict} counts, {g}{long}* {restrict} totals,\n"
         "    const int pop, const {long} n, const {long} slot") + scratch_param + ") {\n" + scratch_decl;
  o += s("  const int lid = (int){tid};\n"
         "  const int size = (int){bsize};\n"
         "  {g}int* {restrict} out = spikes + slot * n;\n"
         "  {g}const {ulong}* words = ({g}const {ulong}*)flags;\n"
         "  const {long} full = n / 8, nw = (n + 7) / 8, per = (nw + size - 1) / size;\n"
         "  const {long} w0 = (lid * per < nw) ? lid * per : nw;\n"
         "  const {long} w1 = (w0 + per < nw) ? w0 + per : nw;\n"
         "  int c = 0;\n"
         "  for ({long} w = w0; w < w1; ++w) {\n"
         "    {ulong} x = 0;\n"
         "    if (w < full) x = words[w];\n"
         "    else for ({long} b = w * 8; b < n; ++b) x |= ({ulong})(flags[b] != 0) << (8 * (b - w * 8));\n"
         "    x |= x >> 4;\n"
         "    x |= x >> 2;\n"
         "    x |= x >> 1;\n"
         "    x &= ({ulong})0x0101010101010101;\n"
         "    c += (int)((x * ({ulong})0x0101010101010101) >> 56);\n"
         "  }\n"
         "  scratch[lid] = c;\n");
  o += block_scan(s, "  ", "scratch", "int");
  o += s("  const int last = scratch[lid];\n"
         "  int pos = last - c;\n"
         "  for ({long} w = w0; w < w1 && pos < last; ++w) {\n"
         "    if (w < full && words[w] == 0) continue;\n"
         "    const {long} e = w * 8 + 8 < n ? w * 8 + 8 : n;\n"
         "    for ({long} b = w * 8; b < e; ++b)\n"
         "      if (flags[b]) {\n"
         "        out[pos++] = (int)b;\n"
         "        flags[b] = 0;\n"
         "      }\n"
         "  }\n"
         "  if (lid == 0) {\n"
         "    counts[slot] = scratch[size - 1];\n"
         "    totals[pop] += scratch[size - 1];\n"
         "  }\n"
         "}\n\n");
  // Appends this step's spike count (and, when a monitor needs the indices, the list) to the
  // population's device-side recording buffers; the host pulls them every few hundred steps. One
  // block: `fill` is read by every thread before thread 0 advances it.
  o += s("/* --- device-side spike recording (one block) --- */\n"
         "{kernel} mc_record_spikes({g}const int* {restrict} spikes, {g}const int* {restrict} counts,\n"
         "    const {long} n, const {long} slot, {g}int* {restrict} rec_counts,\n"
         "    {g}int* {restrict} rec_list, {g}int* {restrict} rec_fill,\n"
         "    const int rec_step, const int with_list) {\n"
         "  const int c = counts[slot];\n"
         "  const int base = rec_fill[0];\n"
         "  if (with_list)\n"
         "    for (int k = (int){tid}; k < c; k += (int){bsize}) rec_list[base + k] = spikes[slot * n + k];\n"
         "  {sync_global};\n"
         "  if ({tid} == 0) {\n"
         "    rec_counts[rec_step] = c;\n"
         "    if (with_list) rec_fill[0] = base + c;\n"
         "  }\n"
         "}\n\n");
  // Copies one step's event list (slot src_slot of an event list) into slot dst_slot of a
  // heterogeneous-delay pathway's own ring (QueuedEvents). One block.
  o += s("/* --- the event ring of a heterogeneous-delay pathway (one block) --- */\n"
         "{kernel} mc_copy_events({g}const int* {restrict} src, {g}const int* {restrict} src_counts,\n"
         "    const {long} n, const {long} src_slot, {g}int* {restrict} dst,\n"
         "    {g}int* {restrict} dst_counts, const {long} dst_slot) {\n"
         "  const int c = src_counts[src_slot];\n"
         "  for (int k = (int){tid}; k < c; k += (int){bsize}) dst[dst_slot * n + k] = src[src_slot * n + k];\n"
         "  if ({tid} == 0) dst_counts[dst_slot] = c;\n"
         "}\n\n");
  return o;
}

std::string emit_model_kernels(const LaunchPlan& c, GpuPrinter& pr) {
  std::string o = "/* --- model kernels --- */\n#define MC_DT ((" + pr.dialect().float64 + ")" +
                  support::double_text(c.p.dt) + ")\n\n";
  for (const auto& plan : c.plans)
    if (plan.kernel) emit_kernel(c, plan, pr, o);
  for (size_t mi = 0; mi < c.p.monitors.size(); ++mi)
    if (c.p.monitors[mi].kind == kir::Monitor::Kind::State) emit_state_recorder(c, pr, mi, o);
    else emit_spike_variable_recorder(c, pr, mi, o);
  return o;
}

std::string emit_device_program(const LaunchPlan& c, GpuPrinter& pr, const std::string& header,
                                const std::string& prelude) {
  return header + prelude + "\n" + emit_support_kernels(pr) + emit_connect_kernels(c, pr) + emit_model_kernels(c, pr);
}

}  // namespace modelc::codegen::simt
