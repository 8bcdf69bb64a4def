#include "passes/kernel/kir_utils.h"

namespace modelc::kir_opt {

using kir::Block;
using kir::Expr;
using kir::ExprP;
using kir::Stmt;

ExprP with_args(const Expr& e, std::vector<ExprP> args) {
  auto copy = std::make_shared<Expr>(e);
  copy->args = std::move(args);
  return copy;
}

ExprP rewrite_bottom_up(const ExprP& e, const std::function<ExprP(const ExprP&)>& f) {
  if (!e) return e;
  ExprP node = e;
  if (!e->args.empty()) {
    std::vector<ExprP> args;
    args.reserve(e->args.size());
    bool changed = false;
    for (const auto& a : e->args) {
      args.push_back(rewrite_bottom_up(a, f));
      changed |= args.back() != a;
    }
    if (changed) node = with_args(*e, std::move(args));
  }
  return f(node);
}

void rewrite_block(Block& b, const std::function<ExprP(const ExprP&)>& f) {
  for (Stmt& s : b) {
    if (s.index) s.index = f(s.index);
    if (s.value) s.value = f(s.value);
    rewrite_block(s.then_body, f);
    rewrite_block(s.else_body, f);
  }
}

static size_t count_expr(const ExprP& e) {
  if (!e) return 0;
  size_t n = 1;
  for (const auto& a : e->args) n += count_expr(a);
  return n;
}

size_t count_nodes(const Block& b) {
  size_t n = 0;
  for (const Stmt& s : b) n += count_expr(s.index) + count_expr(s.value) + count_nodes(s.then_body) + count_nodes(s.else_body);
  return n;
}

void collect_locals(const Block& b, std::set<std::string>& out) {
  for (const Stmt& s : b) {
    if (s.kind == Stmt::Kind::Declare || s.kind == Stmt::Kind::Assign) out.insert(s.name);
    collect_locals(s.then_body, out);
    collect_locals(s.else_body, out);
  }
}

double literal_value(const Expr& e) {
  switch (e.type) {
    case kir::Type::Bool: return e.b ? 1.0 : 0.0;
    case kir::Type::Int32:
    case kir::Type::Int64: return static_cast<double>(e.i);
    case kir::Type::Float:
    case kir::Type::Double: return e.f;
  }
  return 0.0;
}

}  // namespace modelc::kir_opt
