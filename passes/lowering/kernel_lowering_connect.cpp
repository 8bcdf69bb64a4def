// Lowering of connection rules (model IR ConnectSpec -> kernel IR ConnectRule): probability /
// condition rules, one-to-one, all-to-all, explicit pairs, and the IR v2 additions: `n` synapses per
// pair and Brian2's generator syntax. Connect-time expressions may read pre/post neuron variables
// (neuron initial values run before connectivity is built).
#include "ir/kernel_ir_traversal.h"
#include "passes/model/constant_folding.h"
#include "passes/model/constant_value_check.h"
#include "passes/lowering/kernel_lowering.h"

namespace modelc::passes::lowering {

namespace {

constexpr const char* kInnerVariable = "_mc_gk";  // the generator's inner variable, as a kernel local

bool uses_builtin(const kir::ExprP& e, const std::string& name) {
  return !kir::walk(e, [&](const kir::Expr& x) {
    return x.kind == kir::Expr::Kind::Builtin && x.name == name ? kir::WalkResult::Stop : kir::WalkResult::Advance;
  });
}

}  // namespace

kir::ConnectRule Lowerer::lower_connect(const ir::SynapseGroup& s, CodeContext& c) {
  const model::SymbolTable& scope = *c.scope;
  kir::ConnectRule r;
  auto lower = [&](const ir::ExprPtr& e, Type t) { return e ? convert(expr(model::fold_constants(e, scope), c), t) : nullptr; };
  ir::ConnectSpec spec = s.connect;
  // With `n`, one-to-one and all-to-all are generators (Brian2 builds them the same way).
  if (spec.n && (spec.kind == ir::ConnectSpec::Kind::OneToOne || spec.kind == ir::ConnectSpec::Kind::AllToAll)) {
    ir::ConnectGenerator g;
    if (spec.kind == ir::ConnectSpec::Kind::OneToOne) {
      g.element = ir::Expr::name_ref("i");
    } else {
      g.iterator = ir::ConnectGenerator::Iterator::Range;
      g.variable = "_k";
      g.high = ir::Expr::name_ref("N_post");
      g.element = ir::Expr::name_ref("_k");
    }
    spec.kind = ir::ConnectSpec::Kind::Generator;
    spec.generator = g;
  }
  c.locals.clear();
  switch (spec.kind) {
    case ir::ConnectSpec::Kind::Probability: {
      r.kind = kir::ConnectRule::Kind::Probability;
      auto p = spec.p ? model::fold_constants(spec.p, scope) : nullptr;
      if (p && !model::check_constant_value(p, "the connection probability", model::ValueRange::Finite, spec.json_pointer + "/p", diags_))
        break;
      if (p) r.p = lower(p, Type::Double);
      r.condition = lower(spec.condition, Type::Bool);
      // Post variables are read at j: geometric skipping is only valid when nothing depends on j.
      r.depends_on_j = uses_builtin(r.p, "j") || uses_builtin(r.condition, "j");
      r.stream = next_stream_++;
      if (p && p->kind == ir::Expr::Kind::Number && (p->number < 0 || p->number > 1))
        diags_.warning("connection probability " + std::to_string(p->number) + " is outside [0, 1]; it is clipped",
                       spec.json_pointer + "/p",
                       p->number < 0 ? "Brian2 accepts it and creates no synapses; is the sign right?"
                                     : "Brian2 accepts it and connects every pair; write 1 if that is meant");
      break;
    }
    case ir::ConnectSpec::Kind::OneToOne: r.kind = kir::ConnectRule::Kind::OneToOne; break;
    case ir::ConnectSpec::Kind::AllToAll: r.kind = kir::ConnectRule::Kind::AllToAll; break;
    case ir::ConnectSpec::Kind::Explicit:
      r.kind = kir::ConnectRule::Kind::Explicit;
      r.explicit_i = spec.i;
      r.explicit_j = spec.j;
      break;
    case ir::ConnectSpec::Kind::Generator: {
      const ir::ConnectGenerator& g = spec.generator;
      r.kind = kir::ConnectRule::Kind::Generator;
      r.stream = next_stream_++;
      r.skip_if_invalid = spec.skip_if_invalid;
      auto& kg = r.generator;
      using It = ir::ConnectGenerator::Iterator;
      kg.iterator = g.iterator == It::Range        ? kir::ConnectRule::Generator::Iterator::Range
                    : g.iterator == It::SampleP    ? kir::ConnectRule::Generator::Iterator::SampleP
                    : g.iterator == It::SampleSize ? kir::ConnectRule::Generator::Iterator::SampleSize
                                                   : kir::ConnectRule::Generator::Iterator::None;
      kg.variable = kInnerVariable;
      auto rename = [&](const ir::ExprPtr& e) {
        if (!e || g.variable.empty()) return e;
        return ir::substitute(e, [&](const std::string& n) -> ir::ExprPtr {
          return n == g.variable ? ir::Expr::name_ref(kInnerVariable) : nullptr;
        });
      };
      kg.low = lower(g.low, Type::Int64);
      kg.high = lower(g.high, Type::Int64);
      kg.step = lower(g.step, Type::Int64);
      kg.p = lower(g.p, Type::Double);
      kg.size = lower(g.size, Type::Int64);
      c.locals[kInnerVariable] = Type::Int64;
      kg.element = lower(rename(g.element), Type::Int64);
      kg.condition = lower(rename(g.condition), Type::Bool);
      kg.condition_uses_j = uses_builtin(kg.condition, "j");
      c.locals.clear();
      break;
    }
  }
  if (spec.n && spec.kind != ir::ConnectSpec::Kind::Explicit) r.n = lower(spec.n, Type::Int64);
  return r;
}

}  // namespace modelc::passes::lowering
