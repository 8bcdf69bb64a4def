// Analyses of the delay-buffering pass: legality of the dendritic ring (what a pathway kernel
// writes and what its values depend on), a static bound on heterogeneous delays, and the expected
// synapse count the cost model uses.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "abi/delay_rounding.h"
#include "ir/kernel_ir_traversal.h"
#include "passes/analysis/delay_buffering.h"

namespace modelc::passes::analysis {

using kir::Expr;
using kir::Stmt;

namespace {

void collect_writes(const kir::Block& b, std::set<std::string>& out) {
  kir::BufferAccesses acc;
  kir::collect_accesses(b, acc);
  out.insert(acc.stores.begin(), acc.stores.end());
}

std::string variable_text(const kir::Program& p, const std::string& buffer) {
  const kir::Buffer* b = p.find_buffer(buffer);
  return b ? b->variable : buffer;
}

class Analyser {
 public:
  Analyser(const kir::Program& p, const kir::SynapseGroup& sg) : p_(p), sg_(sg) {
    for (const auto& t : p.step_tasks)
      if (t.kind == kir::Task::Kind::RunKernel && t.index < p.kernels.size()) collect_writes(p.kernels[t.index].body, step_writes_);
  }

  Legality run(const kir::Kernel& k) {
    // Writes to synaptic variables first: they are the root cause when the values also read them.
    std::set<std::string> writes;
    collect_writes(k.body, writes);
    for (const auto& w : writes)
      if (const kir::Buffer* b = p_.find_buffer(w); b && b->role == kir::BufferRole::SynapseState)
        fail("on_pre writes the synaptic variable " + b->variable + ", so its effect cannot be summed ahead of delivery");
    if (r_.why.empty()) block(k.body, false, "");
    if (r_.why.empty() && r_.target.empty()) r_.why = "it changes no variable of the target group, so there is nothing to deliver";
    r_.legal = r_.why.empty();
    return r_;
  }

 private:
  const kir::Program& p_;
  const kir::SynapseGroup& sg_;
  std::set<std::string> step_writes_;
  std::map<std::string, std::string> local_why_;  // local -> why its value is not fixed ("" = fixed)
  Legality r_;
  bool seen_target_ = false;

  void fail(const std::string& why) {
    if (r_.why.empty()) r_.why = why;
  }

  // Empty when `e` has the same value at the spike and at delivery, else why not.
  std::string varying(const kir::ExprP& e) {
    std::string why;
    kir::walk(e, [&](const Expr& x) {
      switch (x.kind) {
        case Expr::Kind::Local:
          if (auto it = local_why_.find(x.name); it != local_why_.end()) why = it->second;
          break;
        case Expr::Kind::Builtin:
          if (x.name != "i" && x.name != "j" && x.name != "syn")
            why = "its value uses " + x.name + ", which differs between the spike and the delivery";
          break;
        case Expr::Kind::Random: why = "it draws random numbers, which must be drawn at delivery"; break;
        case Expr::Kind::Load:
          if (step_writes_.count(x.name)) {
            const kir::Buffer* b = p_.find_buffer(x.name);
            why = "its value reads " + (b ? b->owner + "." + b->variable : x.name) +
                  ", which changes during the run (it must be read at delivery)";
          }
          break;
        default: break;
      }
      return why.empty() ? kir::WalkResult::Advance : kir::WalkResult::Stop;
    });
    return why;
  }

  bool is_target_index(const kir::ExprP& e) const {
    if (!e) return false;
    auto is_j = [](const kir::ExprP& x) { return x->kind == Expr::Kind::Builtin && x->name == "j"; };
    if (sg_.target_offset == 0) return is_j(e);
    return e->kind == Expr::Kind::Binary && e->op == ir::Op::Add && e->args.size() == 2 && is_j(e->args[0]) &&
           e->args[1]->kind == Expr::Kind::Literal && e->args[1]->i == sg_.target_offset;
  }

  bool is_guard(const Stmt& s) const {
    if (s.kind != Stmt::Kind::If || !s.else_body.empty() || !s.value || s.value->kind != Expr::Kind::Load) return false;
    const kir::Buffer* b = p_.find_buffer(s.value->name);
    return b && b->owner == sg_.target && b->variable == "not_refractory" && is_target_index(s.value->args[0]);
  }

  // Fails unless buffer[index] is a variable of the target neuron j.
  bool target_element(const kir::Buffer& b, const kir::ExprP& index) {
    if (b.owner == sg_.target && is_target_index(index)) return true;
    fail("on_pre writes " + (b.owner == sg_.source ? std::string("the presynaptic variable ") : "the variable ") + b.owner +
         "." + b.variable + ", not a variable of the target neuron j");
    return false;
  }

  void accumulate(const Stmt& s, bool guarded, const std::string& guard) {
    const kir::Buffer* b = p_.find_buffer(s.name);
    const std::string var = variable_text(p_, s.name);
    if (!b || b->role == kir::BufferRole::SynapseState)
      return fail("on_pre writes the synaptic variable " + var + ", so its effect cannot be summed ahead of delivery");
    if (!target_element(*b, s.index)) return;
    if (s.op != ir::Op::Add && s.op != ir::Op::Sub)
      return fail("on_pre multiplies or divides " + var + ", and only sums (+= / -=) can be collected ahead of delivery");
    if (auto w = varying(s.value); !w.empty()) return fail("the value added to " + var + " is not fixed at the spike: " + w);
    if (!seen_target_) {
      seen_target_ = true;
      r_.target = s.name;
      r_.guarded = guarded;
      r_.guard = guard;
      return;
    }
    if (r_.target != s.name)
      return fail("on_pre adds into two variables (" + variable_text(p_, r_.target) + ", " + var + ") and a dendritic ring serves one");
    if (r_.guarded != guarded) fail("on_pre adds into " + var + " both inside and outside the refractoriness guard");
  }

  void block(const kir::Block& b, bool guarded, const std::string& guard) {
    for (const auto& s : b) {
      switch (s.kind) {
        case Stmt::Kind::Declare:
        case Stmt::Kind::Assign: {
          std::string w = varying(s.value);
          if (s.kind == Stmt::Kind::Assign && w.empty() && local_why_.count(s.name)) w = local_why_[s.name];
          local_why_[s.name] = w;
          break;
        }
        case Stmt::Kind::Accumulate: accumulate(s, guarded, guard); break;
        case Stmt::Kind::Store: {
          const kir::Buffer* buf = p_.find_buffer(s.name);
          if (buf && buf->role == kir::BufferRole::SynapseState)
            fail("on_pre writes the synaptic variable " + buf->variable + ", so its effect cannot be summed ahead of delivery");
          else if (!buf || target_element(*buf, s.index))
            fail("on_pre assigns (=) " + variable_text(p_, s.name) + "; only += and -= can be summed ahead of delivery");
          break;
        }
        case Stmt::Kind::If:
          if (is_guard(s) && !guarded) {
            block(s.then_body, true, s.value->name);
          } else {
            if (auto w = varying(s.value); !w.empty()) fail("a condition of on_pre is not fixed at the spike: " + w);
            block(s.then_body, guarded, guard);
            block(s.else_body, guarded, guard);
          }
          break;
        case Stmt::Kind::EmitSpike: fail("the kernel emits spikes"); break;
      }
      if (!r_.why.empty()) return;
    }
  }
};

using Interval = std::optional<std::pair<double, double>>;

Interval hull(std::initializer_list<double> v) { return std::make_pair(std::min(v), std::max(v)); }

// Interval of `e` over all synapses (nullopt: unbounded or not understood).
Interval bounds(const kir::ExprP& e, const kir::SynapseGroup& sg) {
  if (!e) return std::nullopt;
  auto arg = [&](size_t k) { return k < e->args.size() ? bounds(e->args[k], sg) : Interval{}; };
  switch (e->kind) {
    case Expr::Kind::Literal: {
      double v = kir::is_floating(e->type) ? e->f : e->type == kir::Type::Bool ? (e->b ? 1.0 : 0.0) : static_cast<double>(e->i);
      return std::make_pair(v, v);
    }
    case Expr::Kind::Builtin:
      if (e->name == "i") return std::make_pair(0.0, static_cast<double>(std::max<int64_t>(sg.source_size - 1, 0)));
      if (e->name == "j") return std::make_pair(0.0, static_cast<double>(std::max<int64_t>(sg.target_size - 1, 0)));
      return std::nullopt;
    case Expr::Kind::Random:
      if (e->name == "uniform") return std::make_pair(0.0, 1.0);
      return std::nullopt;
    case Expr::Kind::Cast: return arg(0);
    case Expr::Kind::Unary: {
      auto a = arg(0);
      if (!a || e->op != ir::Op::Neg) return std::nullopt;
      return std::make_pair(-a->second, -a->first);
    }
    case Expr::Kind::Select: {
      auto a = arg(1), b = arg(2);
      if (!a || !b) return std::nullopt;
      return std::make_pair(std::min(a->first, b->first), std::max(a->second, b->second));
    }
    case Expr::Kind::Call: {
      auto a = arg(0);
      if (!a) return std::nullopt;
      if (e->name == "floor") return std::make_pair(std::floor(a->first), std::floor(a->second));
      if (e->name == "ceil") return std::make_pair(std::ceil(a->first), std::ceil(a->second));
      if (e->name == "fabs")
        return a->first >= 0 ? *a : std::make_pair(0.0, std::max(-a->first, a->second));
      auto b = arg(1);
      if (!b) return std::nullopt;
      if (e->name == "fmin") return std::make_pair(std::min(a->first, b->first), std::min(a->second, b->second));
      if (e->name == "fmax") return std::make_pair(std::max(a->first, b->first), std::max(a->second, b->second));
      if (e->name == "clip") {
        auto c = arg(2);
        if (!c) return std::nullopt;
        return std::make_pair(std::clamp(a->first, b->first, c->second), std::clamp(a->second, b->first, c->second));
      }
      return std::nullopt;
    }
    case Expr::Kind::Binary: {
      auto a = arg(0), b = arg(1);
      if (!a || !b) return std::nullopt;
      switch (e->op) {
        case ir::Op::Add: return std::make_pair(a->first + b->first, a->second + b->second);
        case ir::Op::Sub: return std::make_pair(a->first - b->second, a->second - b->first);
        case ir::Op::Mul:
          return hull({a->first * b->first, a->first * b->second, a->second * b->first, a->second * b->second});
        case ir::Op::Div:
          if (b->first <= 0 && b->second >= 0) return std::nullopt;
          return hull({a->first / b->first, a->first / b->second, a->second / b->first, a->second / b->second});
        case ir::Op::Mod:  // Python semantics: 0 <= x % m < m for m > 0
          if (b->first > 0) return std::make_pair(0.0, kir::is_floating(e->type) ? b->second : b->second - 1);
          return std::nullopt;
        default: return std::nullopt;
      }
    }
    default: return std::nullopt;
  }
}

const kir::Stmt* find_store(const kir::Block& b, const std::string& name) {
  const kir::Stmt* hit = nullptr;
  kir::walk(b, [&](const Stmt& s) {
    if (s.kind != Stmt::Kind::Store || s.name != name) return kir::WalkResult::Advance;
    hit = &s;
    return kir::WalkResult::Stop;
  });
  return hit;
}

}  // namespace

Legality analyse_pathway(const kir::Program& p, const kir::SynapseGroup& sg, const kir::Kernel& k) {
  return Analyser(p, sg).run(k);
}

std::optional<int64_t> max_delay_steps(const kir::Program& p, const kir::SynapseGroup& sg,
                                       const kir::SynapseGroup::Pathway& pw) {
  const kir::Buffer* b = p.find_buffer(pw.delay_buffer);
  if (!b) return std::nullopt;
  double hi = 0;
  if (!b->init_values.empty()) {
    hi = *std::max_element(b->init_values.begin(), b->init_values.end());
  } else {
    const kir::Stmt* store = nullptr;
    for (size_t idx : p.init_kernels)
      if (idx < p.kernels.size() && p.kernels[idx].domain.synapses == sg.name && (store = find_store(p.kernels[idx].body, b->name)))
        break;
    if (!store) return std::nullopt;
    Interval iv = bounds(store->value, sg);
    if (!iv || !std::isfinite(iv->second)) return std::nullopt;
    hi = iv->second;
  }
  // The rounding of mc_init; bounds beyond a billion steps are no estimate (and would overflow).
  if (std::max(hi, 0.0) / p.dt > 1e9) return std::nullopt;
  return mc_delay_steps(std::max(hi, 0.0), p.dt);
}

std::optional<double> expected_synapses(const kir::SynapseGroup& sg) {
  const double pre = static_cast<double>(sg.source_size), post = static_cast<double>(sg.target_size);
  const auto& c = sg.connect;
  if (c.n) return std::nullopt;
  switch (c.kind) {
    case kir::ConnectRule::Kind::OneToOne: return std::min(pre, post);
    case kir::ConnectRule::Kind::AllToAll: return pre * post;
    case kir::ConnectRule::Kind::Explicit: return static_cast<double>(c.explicit_i.size());
    case kir::ConnectRule::Kind::Probability:
      if (c.condition) return std::nullopt;
      if (!c.p) return pre * post;
      if (c.p->kind == Expr::Kind::Literal) {
        double v = kir::is_floating(c.p->type) ? c.p->f : static_cast<double>(c.p->i);
        return std::clamp(v, 0.0, 1.0) * pre * post;
      }
      return std::nullopt;
    case kir::ConnectRule::Kind::Generator: return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace modelc::passes::analysis
