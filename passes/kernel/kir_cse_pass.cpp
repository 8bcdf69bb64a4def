// kernel-cse: common-subexpression elimination within a kernel body, by value numbering over pure
// expressions (EarlyCSE-style, scoped by the statement tree).
//
// Why: lowering expands every subexpression and every integrator stage textually, so exponential
// Euler's B/A and A (and each alpha/beta rate inside them) are recomputed several times per neuron
// and step: COBAHH's update evaluates each exprel and exp two or three times. The host compiler
// does not merge these calls (without -ffast-math it may not assume libm calls are pure), so we do.
//
// Value numbers: a node's key is its structure, with memory and locals versioned: a Load's key
// carries the version of its buffer, bumped by every Store / Accumulate to it, and a Local's key the
// version of the local, bumped by Declare / Assign; a Random draw is never equal to anything. So a
// load after a store to the same buffer is a new value, while loads of other buffers stay shared.
//
// Where a binding goes: a repeated expression is bound to a fresh local `_cseN` declared right
// before the first statement that evaluates it, and every later occurrence reads the local.
// Expressions only in conditionally evaluated positions (select arms, the right side of && / ||,
// the bodies of `if`) are never hoisted out of their condition - evaluating them unconditionally
// could read out of bounds - but they do reuse values already available (and count as reuses when
// deciding to bind an unconditionally evaluated value). Nested bodies see the
// enclosing block's available values; what they bind stays inside them.
//
// Exactness: the same operations on the same operands in the same order, only evaluated once; the
// generated C is compiled with -ffp-contract=off, so naming an intermediate cannot change its
// rounding. Results are bit-identical.
#include <map>
#include <set>

#include "ir/kernel_ir_traversal.h"
#include "passes/kernel/kir_utils.h"
#include "passes/passes.h"

namespace modelc::passes::kernel {

namespace {

using kir::Block;
using kir::Expr;
using kir::ExprP;
using kir::Stmt;
using K = kir::Expr::Kind;

struct Versions {
  std::map<std::string, int> buffers, locals;
  int random = 0;  // every Random draw gets a key of its own
};

// Keys of the nodes of one statement (versions do not change while a statement is evaluated).
class Keyer {
 public:
  explicit Keyer(Versions& v) : v_(v) {}
  const std::string& key(const ExprP& e) {
    auto it = memo_.find(e.get());
    if (it != memo_.end()) return it->second;
    std::string k;
    switch (e->kind) {
      case K::Literal: {
        char buf[64];
        std::snprintf(buf, sizeof buf, "L%d:%a:%lld:%d", static_cast<int>(e->type), e->f,
                      static_cast<long long>(e->i), e->b ? 1 : 0);
        k = buf;
        break;
      }
      case K::Local: k = "V" + e->name + "#" + std::to_string(v_.locals[e->name]); break;
      case K::Builtin: k = "B" + e->name; break;
      case K::Random: k = "R" + std::to_string(++v_.random); break;
      case K::Load: k = "M" + e->name + "#" + std::to_string(v_.buffers[e->name]); break;
      default:
        k = "N" + std::to_string(static_cast<int>(e->kind)) + ":" + std::to_string(static_cast<int>(e->op)) + ":" +
            std::to_string(static_cast<int>(e->type)) + ":" + e->name;
    }
    if (!e->args.empty()) {
      k += "(";
      for (const auto& a : e->args) k += (a ? key(a) : std::string("null")) + ",";
      k += ")";
    }
    return memo_.emplace(e.get(), std::move(k)).first->second;
  }

 private:
  Versions& v_;
  std::map<const Expr*, std::string> memo_;
};

// Whether argument `k` of `e` is evaluated only under a condition.
bool conditional_arg(const Expr& e, size_t k) {
  if (e.kind == K::Select) return k > 0;
  if (e.kind == K::Binary && (e.op == ir::Op::And || e.op == ir::Op::Or)) return k > 0;
  return false;
}

// Not worth a local of its own: reading it is as cheap as reading the local.
bool trivial(const ExprP& e) {
  switch (e->kind) {
    case K::Literal:
    case K::Local:
    case K::Builtin:
    case K::Random: return true;
    case K::Cast:
    case K::Unary: return trivial(e->args[0]);
    default: return false;
  }
}

void bump_write(const Stmt& s, Versions& v) {
  if (s.kind == Stmt::Kind::Store || s.kind == Stmt::Kind::Accumulate) ++v.buffers[s.name];
  if (s.kind == Stmt::Kind::Declare || s.kind == Stmt::Kind::Assign) ++v.locals[s.name];
}

void bump_writes(const Block& b, Versions& v) {
  kir::walk(b, [&](const Stmt& s) {
    bump_write(s, v);
    return kir::WalkResult::Advance;
  });
}

struct Counts {
  std::map<std::string, int> uncond, cond;
};

class BlockCSE {
 public:
  BlockCSE(std::set<std::string>& used, size_t& counter, size_t& eliminated)
      : used_(used), counter_(counter), eliminated_(eliminated) {}

  void run(Block& b, std::map<std::string, std::string> avail, Versions v) {
    // Pass 1: how often each value is evaluated in this block, unconditionally and conditionally.
    Counts count;
    {
      Versions sim = v;
      for (const Stmt& s : b) {
        Keyer keys(sim);
        for (const ExprP& e : {s.index, s.value})
          if (e) tally(e, false, keys, count, +1, +1);
        after(s, sim);
      }
    }
    // Pass 2: rewrite, binding values that occur twice or more.
    Block out;
    for (Stmt& s : b) {
      Keyer keys(v);
      Block pending;
      if (s.index) s.index = rewrite(s.index, false, keys, count, avail, pending);
      if (s.value) s.value = rewrite(s.value, false, keys, count, avail, pending);
      for (auto& d : pending) out.push_back(std::move(d));
      if (s.kind == Stmt::Kind::If) {
        run(s.then_body, avail, v);
        run(s.else_body, avail, v);
      }
      after(s, v);
      out.push_back(std::move(s));
    }
    b = std::move(out);
  }

 private:
  static void after(const Stmt& s, Versions& v) {
    bump_write(s, v);
    bump_writes(s.then_body, v);
    bump_writes(s.else_body, v);
  }

  // Adds `du` to the unconditional and `dc` to the conditional count of every node of `e` (itself
  // included), by the position it is evaluated in.
  static void tally(const ExprP& e, bool conditional, Keyer& keys, Counts& count, int du, int dc) {
    if (trivial(e)) return;
    (conditional ? count.cond : count.uncond)[keys.key(e)] += conditional ? dc : du;
    for (size_t k = 0; k < e->args.size(); ++k)
      if (e->args[k]) tally(e->args[k], conditional || conditional_arg(*e, k), keys, count, du, dc);
  }

  ExprP rewrite(const ExprP& e, bool conditional, Keyer& keys, Counts& count,
                std::map<std::string, std::string>& avail, Block& pending) {
    if (trivial(e)) return e;
    const std::string key = keys.key(e);
    if (auto it = avail.find(key); it != avail.end()) {
      ++eliminated_;
      return kir::local(it->second, e->type);
    }
    // Bound where it is first evaluated unconditionally, if it is evaluated again anywhere after.
    const int nu = conditional ? 0 : count.uncond[key], nc = conditional ? 0 : count.cond[key];
    const int n = nu >= 1 ? nu + nc : 0;
    if (n >= 2) {
      // Every other occurrence will read the local: their subexpressions are no longer evaluated.
      for (size_t k = 0; k < e->args.size(); ++k) {
        if (!e->args[k]) continue;
        tally(e->args[k], conditional_arg(*e, k), keys, count, -(nu - 1), -(nu - 1));
        tally(e->args[k], true, keys, count, 0, -nc);
      }
    }
    std::vector<ExprP> args;
    bool changed = false;
    for (size_t k = 0; k < e->args.size(); ++k) {
      const ExprP& a = e->args[k];
      args.push_back(a ? rewrite(a, conditional || conditional_arg(*e, k), keys, count, avail, pending) : a);
      changed |= args.back() != a;
    }
    ExprP node = changed ? kir::with_args(*e, std::move(args)) : e;
    if (n < 2) return node;
    std::string name;
    do name = "_cse" + std::to_string(counter_++);
    while (used_.count(name));
    used_.insert(name);
    Stmt d;
    d.kind = Stmt::Kind::Declare;
    d.type = e->type;
    d.name = name;
    d.value = node;
    pending.push_back(std::move(d));
    avail[key] = name;
    return kir::local(name, e->type);
  }

  std::set<std::string>& used_;
  size_t& counter_;
  size_t& eliminated_;
};

class KernelCSEPass : public Pass {
 public:
  std::string name() const override { return "kernel-cse"; }
  std::string description() const override {
    return "kernel IR: common-subexpression elimination (value numbering over pure expressions)";
  }
  bool run(CompilationUnit& unit, DiagnosticEngine&) override {
    if (!unit.program) return true;
    size_t total = 0;
    for (auto& k : unit.program->kernels) {
      std::set<std::string> used;
      collect_locals(k.body, used);
      size_t counter = 0, eliminated = 0;
      BlockCSE(used, counter, eliminated).run(k.body, {}, {});
      if (eliminated)
        unit.decisions.emplace_back("kernel-cse in " + k.name, std::to_string(counter) + " values computed once, " +
                                                                   std::to_string(eliminated) + " recomputations removed");
      total += eliminated;
    }
    return true;
  }
};

}  // namespace

std::unique_ptr<Pass> create_kernel_cse_pass() { return std::make_unique<KernelCSEPass>(); }

}  // namespace modelc::passes::kernel
