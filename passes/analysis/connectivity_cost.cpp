#include "passes/analysis/connectivity_cost.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "ir/kernel_ir_traversal.h"

namespace modelc::passes::analysis {

namespace {

using kir::Expr;
using kir::ExprP;

// Cost model constants (docs/passes.md): one synapse update (load, add, store of the target
// variable) is 1; streaming one byte of an index or matrix row costs kByte; a bitmask word kWord
// plus kBit per set bit (count trailing zeros, clear); regenerating one synapse of a probability
// row kDraw (a Philox-4x32-10 block, a log and a floor: about 25 updates' worth on a CPU).
constexpr double kByte = 0.125, kDenseByte = 0.25, kWord = 0.5, kBit = 0.25, kDraw = 25.0;

// Notes what kernel-IR nodes a cost decision depends on: "syn", random draws and buffer loads.
struct Uses {
  bool& syn;
  bool& random;
  bool& loads;
  kir::WalkResult operator()(const Expr& e) const {
    if (e.kind == Expr::Kind::Builtin && e.name == "syn") syn = true;
    if (e.kind == Expr::Kind::Random) random = true;
    if (e.kind == Expr::Kind::Load) loads = true;
    return kir::WalkResult::Advance;
  }
};

void expr_uses(const ExprP& e, bool& syn, bool& random, bool& loads) { kir::walk(e, Uses{syn, random, loads}); }

void block_uses(const kir::Block& b, bool& syn, bool& random, bool& loads) {
  kir::walk_exprs(b, Uses{syn, random, loads});
}

// Explicit pairs: true when every row's j come in ascending order (strictly for `strict`), so the
// CSR (a stable sort by i) visits them as a scan over j does.
bool explicit_rows_ascending(const kir::ConnectRule& r, bool strict) {
  std::map<int64_t, int64_t> last;
  for (size_t k = 0; k < r.explicit_i.size() && k < r.explicit_j.size(); ++k) {
    auto it = last.find(r.explicit_i[k]);
    if (it != last.end() && (r.explicit_j[k] < it->second || (strict && r.explicit_j[k] == it->second))) return false;
    last[r.explicit_i[k]] = r.explicit_j[k];
  }
  return true;
}

GroupUse group_use(const kir::Program& p, const kir::SynapseGroup& g) {
  GroupUse u;
  for (const auto& b : p.buffers)
    if (b.owner == g.name && b.role == kir::BufferRole::SynapseState && b.size == 0) u.per_synapse_buffers = true;
  for (const auto& k : p.kernels) {
    if (k.domain.synapses != g.name) continue;
    if (k.domain.kind == kir::Domain::Kind::Synapses) u.synapses_domain = true;
    else if (k.domain.kind != kir::Domain::Kind::SynapticEvents) u.other_domain = true;
    bool syn = false, random = false, loads = false;
    block_uses(k.body, syn, random, loads);
    u.uses_syn |= syn || random;
  }
  for (const auto& m : p.monitors)
    if (m.synapses == g.name) u.monitored = true;
  for (const auto& pw : g.pathways) {
    u.post_pathway |= pw.post;
    u.heterogeneous_delay |= !pw.delay_buffer.empty();
  }
  u.post_pathway |= g.needs_transpose;
  return u;
}

}  // namespace

std::string feature_of(Storage s) {
  switch (s) {
    case Storage::Sparse: return "";
    case Storage::Dense: return "connectivity:dense";
    case Storage::Bitmask: return "connectivity:bitmask";
    case Storage::Procedural: return "connectivity:procedural";
  }
  return "";
}

Analysis analyse(const kir::Program& p, const kir::SynapseGroup& g, const TargetInfo& target) {
  Analysis a;
  a.use = group_use(p, g);
  a.source = g.source_size;
  a.target = g.target_size;
  const kir::ConnectRule& r = g.connect;
  using Kind = kir::ConnectRule::Kind;
  const double S = static_cast<double>(g.source_size), T = static_cast<double>(g.target_size);
  std::optional<double> n_per_pair = r.n ? kir::constant_number(r.n) : std::optional<double>(1.0);
  switch (r.kind) {
    case Kind::AllToAll: a.synapses = S * T; break;
    case Kind::OneToOne: a.synapses = std::min(S, T); break;
    case Kind::Explicit: a.synapses = static_cast<double>(r.explicit_i.size()); break;
    case Kind::Probability: {
      std::optional<double> prob = r.p ? kir::constant_number(r.p) : std::optional<double>(1.0);
      std::optional<double> cond = r.condition ? kir::constant_number(r.condition) : std::optional<double>(1.0);
      if (prob && cond && n_per_pair) {
        double pv = std::isfinite(*prob) ? std::clamp(*prob, 0.0, 1.0) : 1.0;
        a.synapses = *cond != 0.0 ? S * T * pv * std::max(0.0, std::floor(*n_per_pair)) : 0.0;
        a.row_draws = pv > 0.0 && pv < 1.0;
      } else {
        a.row_draws = true;
      }
      break;
    }
    case Kind::Generator: break;
  }
  const GroupUse& u = a.use;
  const double rows = 8.0 * (S + 1), E = a.synapses.value_or(0), L = a.row_length();
  const bool known = a.synapses.has_value();

  // Shared restrictions of the storages that keep no per-synapse index arrays.
  std::string not_csr;
  if (u.per_synapse_buffers) not_csr = "the group has per-synapse variables (only sparse storage indexes them)";
  else if (u.synapses_domain) not_csr = "a kernel runs over every synapse (it needs the pre/post arrays)";
  else if (u.other_domain) not_csr = "a kernel of the group walks the CSR arrays directly (queues, rings or post pathways)";
  else if (u.monitored) not_csr = "a monitor records the group's synapses";
  else if (u.post_pathway) not_csr = "an on_post pathway needs the transposed index, built from the CSR arrays";
  else if (u.heterogeneous_delay) not_csr = "heterogeneous delays are per-synapse values";
  std::string not_ascending;
  if (r.kind == Kind::Generator) not_ascending = "generator rules do not produce rows in ascending j";
  else if (r.kind == Kind::Explicit && !explicit_rows_ascending(r, false))
    not_ascending = "the explicit pairs of a row are not in ascending j, so a scan over j would change the order";

  for (Storage s : kStorages) {
    Candidate& c = a.candidates[static_cast<size_t>(s)];
    c.storage = s;
    auto illegal = [&](const std::string& why) {
      if (c.legal) c.why_not = why;
      c.legal = false;
    };
    switch (s) {
      case Storage::Sparse: {
        bool plain = !u.other_domain && !u.post_pathway && !u.heterogeneous_delay;
        c.index_bits = plain && g.target_size <= 65536 && target.has("connectivity:sparse-u16") ? 16 : 32;
        c.keep_pre = !(plain && !u.synapses_domain && !u.monitored && target.has("connectivity:drop-pre"));
        c.bytes = rows + E * (c.index_bits / 8.0 + (c.keep_pre ? 4.0 : 0.0));
        c.cost_per_spike = L * (1.0 + kByte * c.index_bits / 8.0);
        break;
      }
      case Storage::Dense:
        if (!not_csr.empty()) illegal(not_csr);
        if (!not_ascending.empty()) illegal(not_ascending);
        if (!n_per_pair || *n_per_pair > 255) illegal("dense stores at most 255 synapses per pair, and the rule's n is not a literal up to 255");
        c.bytes = rows + S * T;
        c.cost_per_spike = T * kDenseByte + L;
        break;
      case Storage::Bitmask:
        if (!not_csr.empty()) illegal(not_csr);
        if (!not_ascending.empty()) illegal(not_ascending);
        if (!n_per_pair || *n_per_pair > 1) illegal("a bitmask holds one synapse per pair, and the rule's n may be larger");
        if (r.kind == Kind::Explicit && !explicit_rows_ascending(r, true))
          illegal("the explicit pairs repeat a pair, and a bitmask holds one synapse per pair");
        c.bytes = rows + S * std::ceil(T / 64.0) * 8.0;
        c.cost_per_spike = std::ceil(T / 64.0) * kWord + L * (1.0 + kBit);
        break;
      case Storage::Procedural: {
        if (!not_csr.empty()) illegal(not_csr);
        if (u.uses_syn) illegal("a kernel uses the synapse index (syn or a random draw keyed by it), which only stored synapses have");
        bool s2 = false, rnd = false, loads = false;
        for (const auto& e : {r.p, r.condition, r.n}) expr_uses(e, s2, rnd, loads);
        if (r.kind == Kind::Explicit || r.kind == Kind::Generator)
          illegal("only probability, all-to-all and one-to-one rules can be regenerated cheaply");
        else if (r.kind == Kind::Probability && (r.depends_on_j || r.n))
          illegal("the connection probability depends on j or the rule has an n, so rows cannot be sampled by skipping");
        else if (loads || rnd)
          illegal("the connection rule reads neuron variables, which may change after the synapses are created");
        c.bytes = r.kind == Kind::Probability ? 4.0 * T : 0.0;  // one row of post indices, regenerated
        c.cost_per_spike = L * (1.0 + (a.row_draws ? kDraw : 0.0));
        break;
      }
    }
    if (!known && s != Storage::Dense && s != Storage::Bitmask) c.bytes = 0, c.cost_per_spike = 0;
    if (!known) c.cost_per_spike = 0;
    std::string f = feature_of(s);
    c.supported = f.empty() || target.has(f);
  }
  return a;
}

double storage_budget(const TargetInfo& target) {
  double mem = target.host_memory_bytes;
  if (mem <= 0) {
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    mem = pages > 0 && page > 0 ? static_cast<double>(pages) * static_cast<double>(page) : 8.0 * (1ull << 30);
  }
  return mem / 4.0;
}

std::string format_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024.0 && u < 4) b /= 1024.0, ++u;
  char buf[48];
  if (u == 0) std::snprintf(buf, sizeof buf, "%.0f B", b);
  else std::snprintf(buf, sizeof buf, b < 10 ? "%.1f %s" : "%.0f %s", b, units[u]);
  return buf;
}

std::string storage_text(const kir::Connectivity& c) {
  std::string s = kir::storage_name(c.storage);
  if (c.storage == Storage::Sparse) s += " u" + std::to_string(c.index_bits) + (c.keep_pre ? ", pre kept" : ", pre dropped");
  return s;
}

}  // namespace modelc::passes::analysis
