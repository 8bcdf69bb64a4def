#include "passes/analysis/propagation_cost.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ir/kernel_ir_traversal.h"

namespace modelc::passes::analysis {

namespace {

using kir::Expr;
using kir::ExprP;
using kir::Stmt;
using Kind = kir::ConnectRule::Kind;

// The rate assumed for every source neuron, as choose-delay-buffering assumes: real rates are
// unknown at compile time.
constexpr double kAssumedRateHz = 10.0;
// Costs in lane-steps of one synapse update (load, add, store of the target element) = 1:
// a global atomic update costs kAtomic more; reading one element of a row: a post index 1, a dense
// byte kDenseByte, a bitmask word kWord plus kBit per set bit; regenerating a synapse of a
// probability row kDraw (Philox, log, floor); the per-spike loads every thread of a warp makes
// alike (the spike, its row bounds: broadcasts) kBroadcast; one step of a binary search 1.
constexpr double kAtomic = 2.0, kDenseByte = 0.25, kWord = 0.5, kBit = 0.25, kDraw = 10.0, kBroadcast = 0.5;

bool is_syn(const ExprP& e) {
  if (!e) return false;
  if (e->kind == Expr::Kind::Cast && e->args.size() == 1) return is_syn(e->args[0]);
  return e->kind == Expr::Kind::Builtin && e->name == "syn";
}

// The first write of `body` that a thread per target would share with other threads (a store or
// accumulation not at the target j nor at the synapse syn), as text; empty when there is none.
std::string shared_write(const kir::Block& body) {
  std::string what;
  kir::walk(body, [&](const Stmt& s) {
    if (s.kind == Stmt::Kind::EmitSpike) what = "it emits events";
    else if ((s.kind == Stmt::Kind::Store || s.kind == Stmt::Kind::Accumulate) && !kir::is_target_index(s.index) && !is_syn(s.index))
      what = "it writes " + s.name + " at another index than the target j or the synapse";
    return what.empty() ? kir::WalkResult::Advance : kir::WalkResult::Stop;
  });
  return what;
}

bool reads_syn(const kir::Block& body) {
  bool uses = false;
  kir::walk_exprs(body, [&](const Expr& e) {
    if ((e.kind == Expr::Kind::Builtin && e.name == "syn") || e.kind == Expr::Kind::Random) uses = true;
    return kir::WalkResult::Advance;
  });
  return uses;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

}  // namespace

PropagationCost analyse_propagation(const kir::Program& p, const kir::SynapseGroup& g, const Analysis& a,
                                    const TargetInfo& target, const GpuShape& gpu) {
  PropagationCost c;
  const kir::Connectivity& cn = g.connectivity;
  bool syn = false;
  for (const auto& k : p.kernels) {
    if (k.domain.synapses != g.name || k.domain.kind != kir::Domain::Kind::SynapticEvents) continue;
    c.applies = true;
    syn = syn || reads_syn(k.body);
    if (c.why_not_post.empty()) {
      const std::string w = shared_write(k.body);
      if (!w.empty()) c.why_not_post = "kernel " + k.name + " cannot run a thread per target: " + w;
    }
  }
  if (!c.applies) return c;
  if (!target.has("propagation:postsynaptic") && c.why_not_post.empty())
    c.why_not_post = "the " + target.backend + " backend does not implement propagation:postsynaptic";
  if (c.why_not_post.empty()) switch (cn.storage) {
      case Storage::Sparse: break;  // through the transposed index, built at init
      case Storage::Dense:
      case Storage::Bitmask:
        if (syn)
          c.why_not_post = std::string("a kernel reads the synapse index (syn or a draw keyed by it), which a thread per target of ") +
                           kir::storage_name(cn.storage) + " rows cannot know without counting the row";
        break;
      case Storage::Procedural:
        if (g.connect.kind != Kind::AllToAll && g.connect.kind != Kind::OneToOne)
          c.why_not_post = "procedural probability rows are sampled by skipping along the row: a thread per target cannot find its synapse without regenerating the row";
        break;
    }
  c.post_legal = c.why_not_post.empty();

  // Expected work (docs/passes.md, "GPU propagation").
  c.known = a.synapses.has_value();
  const double S = static_cast<double>(g.source_size), T = static_cast<double>(g.target_size);
  const double E = a.synapses.value_or(0), L = a.row_length();
  const double n = S * kAssumedRateHz * p.dt;
  const double per_pair = T > 0 ? L / T : 0;      // expected synapses of one (spike, target) pair
  const double column = T > 0 ? E / T : 0;        // expected column length
  c.spikes_per_step = n;
  // Presynaptic: a block of B threads per spike strides over `elems` elements of the row, each
  // costing `elem` plus its share of the atomic updates; time is the larger of the throughput
  // bound (all blocks' lane-steps over the device's lanes) and one block's serial chain.
  // An atomic update returns nothing the thread waits for (a reduction, fire-and-forget): it
  // counts kAtomic extra in the throughput bound, as a plain update in the chain.
  double elems = L, read = 1.0, updates = 1.0;  // per element: its read, and the updates it makes
  switch (cn.storage) {
    case Storage::Sparse: elems = L, read = 1.0, updates = 1.0; break;
    case Storage::Dense: elems = T, read = kDenseByte, updates = per_pair; break;
    case Storage::Bitmask: elems = std::ceil(T / 64.0), read = kWord + 64.0 * per_pair * kBit, updates = 64.0 * per_pair; break;
    case Storage::Procedural:
      if (g.connect.kind == Kind::AllToAll) elems = T, read = 0.0;
      else if (g.connect.kind == Kind::OneToOne) elems = 1, read = 0.0;
      else elems = L, read = a.row_draws ? kDraw : 0.0;
      break;
  }
  const double B = gpu.event_block, passes = std::ceil(std::max(elems, 1.0) / B);
  const double throughput = n * passes * B * (read + updates * (1.0 + kAtomic)) / gpu.lanes;
  const double chain = std::min(n, 1.0) * passes * (read + updates);
  c.pre = std::max(throughput, chain) + kBroadcast * std::min(n, 1.0);
  // Postsynaptic: T threads (whole warps), each looping over the n spikes: a probe per spike
  // (binary search of the column for the spike's row, a byte, a bit) plus its synapses' updates,
  // no atomics. Waves of `lanes` threads run one after another.
  double probe = kBroadcast;
  switch (cn.storage) {
    case Storage::Sparse: probe += kBroadcast + std::log2(column + 1.0) + 1.0; break;
    case Storage::Dense: probe += kDenseByte; break;
    case Storage::Bitmask: probe += kWord; break;
    case Storage::Procedural: break;
  }
  const double threads = std::ceil(T / gpu.warp) * gpu.warp;
  c.post = std::max(threads / gpu.lanes, 1.0) * n * (probe + per_pair);
  if (cn.storage == Storage::Sparse) c.post_bytes = 8.0 * (T + 1) + 4.0 * E;
  return c;
}

std::string propagation_numbers(const PropagationCost& c) {
  std::string s = "GPU cost per step (lane-steps of one synapse update on " + std::string("108 SMs x 64 lanes") + ", ~" +
                  number(c.spikes_per_step) + " spikes/step at " + number(kAssumedRateHz) + " Hz): presynaptic ";
  if (!c.known) return s + "? postsynaptic ? (the synapse count is unknown)";
  s += number(c.pre) + ", postsynaptic " + number(c.post);
  if (!c.post_legal) s += " (illegal: " + c.why_not_post + ")";
  else if (c.post_bytes > 0) s += " (+" + format_bytes(c.post_bytes) + " transposed index)";
  return s;
}

}  // namespace modelc::passes::analysis
