#include "ir/expr_traversal.h"

namespace modelc::ir {

bool walk(const ExprPtr& e, const std::function<WalkResult(const Expr&)>& f, WalkOrder order) {
  return walk_tree(e, f, order);
}

bool walk_exprs(const std::vector<Stmt>& code, const std::function<WalkResult(const Expr&)>& f, WalkOrder order) {
  for (const auto& s : code)
    if (!walk(s.value, f, order)) return false;
  return true;
}

const Expr* find_expr(const ExprPtr& e, const std::function<bool(const Expr&)>& pred) {
  const Expr* hit = nullptr;
  walk(e, [&](const Expr& x) {
    if (!pred(x)) return WalkResult::Advance;
    hit = &x;
    return WalkResult::Stop;
  });
  return hit;
}

ExprPtr rewrite(const ExprPtr& e, const std::function<ExprPtr(const ExprPtr&)>& f) {
  if (!e) return e;
  ExprPtr node = e;
  if (!e->args.empty()) {
    std::vector<ExprPtr> args;
    args.reserve(e->args.size());
    bool changed = false;
    for (const auto& a : e->args) {
      args.push_back(rewrite(a, f));
      changed |= args.back() != a;
    }
    if (changed) {
      auto copy = std::make_shared<Expr>(*e);
      copy->args = std::move(args);
      node = std::move(copy);
    }
  }
  return f(node);
}

void rewrite_exprs(std::vector<Stmt>& code, const std::function<ExprPtr(const ExprPtr&)>& f) {
  for (auto& s : code) s.value = rewrite(s.value, f);
}

}  // namespace modelc::ir
