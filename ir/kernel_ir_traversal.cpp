#include "ir/kernel_ir_traversal.h"

namespace modelc::kir {

bool walk(const ExprP& e, const std::function<WalkResult(const Expr&)>& f, WalkOrder order) {
  return ir::walk_tree(e, f, order);
}

template <class B, class S, class F>
static bool walk_block(B& b, const F& f, WalkOrder order) {
  for (S& s : b) {
    if (order == WalkOrder::Pre) {
      WalkResult r = f(s);
      if (r == WalkResult::Stop) return false;
      if (r == WalkResult::Skip) continue;
    }
    if (!walk_block<B, S>(s.then_body, f, order) || !walk_block<B, S>(s.else_body, f, order)) return false;
    if (order == WalkOrder::Post && f(s) == WalkResult::Stop) return false;
  }
  return true;
}

bool walk(const Block& b, const std::function<WalkResult(const Stmt&)>& f, WalkOrder order) {
  return walk_block<const Block, const Stmt>(b, f, order);
}

bool walk(Block& b, const std::function<WalkResult(Stmt&)>& f, WalkOrder order) {
  return walk_block<Block, Stmt>(b, f, order);
}

bool walk_exprs(const Block& b, const std::function<WalkResult(const Expr&)>& f, WalkOrder order) {
  return walk(b, [&](const Stmt& s) {
    if (!walk(s.index, f, order) || !walk(s.value, f, order)) return WalkResult::Stop;
    return WalkResult::Advance;
  });
}

void for_each_block(const Kernel& k, const std::function<void(const Block&)>& f) {
  f(k.body);
  for (const auto& br : k.dispatch) f(br.body);
}

void for_each_block(Kernel& k, const std::function<void(Block&)>& f) {
  f(k.body);
  for (auto& br : k.dispatch) f(br.body);
}

bool any_stmt(const Block& b, const std::function<bool(const Stmt&)>& pred) {
  return !walk(b, [&](const Stmt& s) { return pred(s) ? WalkResult::Stop : WalkResult::Advance; });
}

size_t count_expr_nodes(const Block& b) {
  size_t n = 0;
  walk_exprs(b, [&](const Expr&) {
    ++n;
    return WalkResult::Advance;
  });
  return n;
}

ExprP with_args(const Expr& e, std::vector<ExprP> args) {
  auto copy = std::make_shared<Expr>(e);
  copy->args = std::move(args);
  return copy;
}

ExprP rewrite(const ExprP& e, const std::function<ExprP(const ExprP&)>& f) {
  if (!e) return e;
  ExprP node = e;
  if (!e->args.empty()) {
    std::vector<ExprP> args;
    args.reserve(e->args.size());
    bool changed = false;
    for (const auto& a : e->args) {
      args.push_back(rewrite(a, f));
      changed |= args.back() != a;
    }
    if (changed) node = with_args(*e, std::move(args));
  }
  return f(node);
}

void rewrite_exprs(Block& b, const std::function<ExprP(const ExprP&)>& f) {
  walk(b, [&](Stmt& s) {
    if (s.index) s.index = rewrite(s.index, f);
    if (s.value) s.value = rewrite(s.value, f);
    return WalkResult::Advance;
  });
}

void rewrite_stmts(Block& b, const std::function<std::optional<Block>(const Stmt&)>& f) {
  // `out` is only built from the first replaced statement on: a rewrite that replaces nothing
  // leaves `b` untouched.
  Block out;
  bool changed = false;
  for (size_t k = 0; k < b.size(); ++k) {
    Stmt& s = b[k];
    rewrite_stmts(s.then_body, f);
    rewrite_stmts(s.else_body, f);
    std::optional<Block> r = f(s);
    if (r && !changed) {
      changed = true;
      out.assign(std::make_move_iterator(b.begin()), std::make_move_iterator(b.begin() + k));
    }
    if (!changed) continue;
    if (r)
      for (auto& x : *r) out.push_back(std::move(x));
    else
      out.push_back(std::move(s));
  }
  if (changed) b = std::move(out);
}

bool is_target_index(const ExprP& e) {
  if (!e) return false;
  if (e->kind == Expr::Kind::Builtin) return e->name == "j";
  if (e->kind == Expr::Kind::Cast && e->args.size() == 1) return is_target_index(e->args[0]);
  if (e->kind == Expr::Kind::Binary && e->op == ir::Op::Add && e->args.size() == 2)
    return (is_target_index(e->args[0]) && e->args[1]->kind == Expr::Kind::Literal) ||
           (is_target_index(e->args[1]) && e->args[0]->kind == Expr::Kind::Literal);
  return false;
}

}  // namespace modelc::kir
