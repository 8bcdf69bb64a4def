// The generic IR traversals (ir/kernel_ir_traversal.h, ir/expr_traversal.h): visiting order,
// skipping children, stopping, and rewrites that rebuild only the changed path.
#include <gtest/gtest.h>

#include "ir/expr_traversal.h"
#include "ir/kernel_ir_traversal.h"

namespace modelc {
namespace {

using kir::Block;
using kir::Expr;
using kir::ExprP;
using kir::Stmt;
using kir::Type;
using kir::WalkOrder;
using kir::WalkResult;

ExprP x() { return kir::local("x", Type::Double); }
ExprP one() { return kir::lit(1.0, Type::Double); }

// (x + 1) * v[i]
ExprP sample() {
  return kir::binary(ir::Op::Mul, kir::binary(ir::Op::Add, x(), one(), Type::Double),
                     kir::load("v", Type::Double, kir::builtin("i", Type::Int64)), Type::Double);
}

std::string label(const Expr& e) {
  switch (e.kind) {
    case Expr::Kind::Binary: return ir::op_spelling(e.op);
    case Expr::Kind::Literal: return "lit";
    default: return e.name;
  }
}

Stmt stmt(Stmt::Kind k, const std::string& name, ExprP value = nullptr) {
  Stmt s;
  s.kind = k;
  s.name = name;
  s.value = std::move(value);
  return s;
}

// a; if (c) { b; if (d) { e } } else { f }; g
Block nested() {
  Stmt inner = stmt(Stmt::Kind::If, "d", kir::lit_bool(true));
  inner.then_body = {stmt(Stmt::Kind::Assign, "e", one())};
  Stmt outer = stmt(Stmt::Kind::If, "c", kir::lit_bool(true));
  outer.then_body = {stmt(Stmt::Kind::Assign, "b", one()), inner};
  outer.else_body = {stmt(Stmt::Kind::Assign, "f", one())};
  return {stmt(Stmt::Kind::Assign, "a", one()), outer, stmt(Stmt::Kind::Assign, "g", one())};
}

std::string names(const Block& b, WalkOrder order, const std::string& skip = "", const std::string& stop = "") {
  std::string out;
  kir::walk(
      b,
      [&](const Stmt& s) {
        out += s.name;
        if (s.name == stop) return WalkResult::Stop;
        return s.name == skip ? WalkResult::Skip : WalkResult::Advance;
      },
      order);
  return out;
}

TEST(KirTraversal, ExpressionOrder) {
  std::string pre, post;
  kir::walk(sample(), [&](const Expr& e) {
    pre += label(e) + " ";
    return WalkResult::Advance;
  });
  kir::walk(
      sample(),
      [&](const Expr& e) {
        post += label(e) + " ";
        return WalkResult::Advance;
      },
      WalkOrder::Post);
  EXPECT_EQ(pre, "* + x lit v i ");
  EXPECT_EQ(post, "x lit + i v * ");
}

TEST(KirTraversal, ExpressionSkipAndStop) {
  std::string seen;
  EXPECT_TRUE(kir::walk(sample(), [&](const Expr& e) {
    seen += label(e) + " ";
    return e.kind == Expr::Kind::Binary && e.op == ir::Op::Add ? WalkResult::Skip : WalkResult::Advance;
  }));
  EXPECT_EQ(seen, "* + v i ");
  seen.clear();
  EXPECT_FALSE(kir::walk(sample(), [&](const Expr& e) {
    seen += label(e) + " ";
    return e.kind == Expr::Kind::Local ? WalkResult::Stop : WalkResult::Advance;
  }));
  EXPECT_EQ(seen, "* + x ");
}

TEST(KirTraversal, StatementOrderSkipStop) {
  EXPECT_EQ(names(nested(), WalkOrder::Pre), "acbdefg");
  EXPECT_EQ(names(nested(), WalkOrder::Post), "abedfcg");
  EXPECT_EQ(names(nested(), WalkOrder::Pre, "c"), "acg");   // the if's bodies are skipped
  EXPECT_EQ(names(nested(), WalkOrder::Pre, "d"), "acbdfg");
  EXPECT_EQ(names(nested(), WalkOrder::Pre, "", "d"), "acbd");
  EXPECT_TRUE(kir::any_stmt(nested(), [](const Stmt& s) { return s.name == "e"; }));
  EXPECT_FALSE(kir::any_stmt(nested(), [](const Stmt& s) { return s.name == "z"; }));
}

TEST(KirTraversal, WalkExprsCoversNestedSlots) {
  Block b = nested();
  b[0].index = kir::builtin("i", Type::Int64);
  // 5 assigned literals + 2 if conditions + 1 index.
  EXPECT_EQ(kir::count_expr_nodes(b), 8u);
  kir::Kernel k;
  k.body = b;
  k.dispatch.push_back({"S", "S_pre", nested()});
  size_t blocks = 0;
  kir::for_each_block(k, [&](const Block&) { ++blocks; });
  EXPECT_EQ(blocks, 2u);
}

TEST(KirTraversal, RewriteReplacesOneNodeAndSharesTheRest) {
  ExprP e = sample();
  const ExprP add = e->args[0], load = e->args[1], lit = add->args[1];
  ExprP r = kir::rewrite(e, [&](const ExprP& n) { return n->kind == Expr::Kind::Local ? kir::local("y", n->type) : n; });
  ASSERT_NE(r, e);
  EXPECT_EQ(kir::to_string(*r), "((y + 1.0) * v[i])");
  EXPECT_NE(r->args[0], add);        // the path to the replaced node is rebuilt
  EXPECT_EQ(r->args[0]->args[1], lit);  // its untouched sibling is shared
  EXPECT_EQ(r->args[1], load);       // so is the untouched subtree
  EXPECT_EQ(kir::to_string(*e), "((x + 1.0) * v[i])");  // the original is unchanged

  ExprP same = kir::rewrite(e, [](const ExprP& n) { return n; });
  EXPECT_EQ(same, e);  // nothing changed: nothing rebuilt
}

TEST(KirTraversal, RewriteIsBottomUp) {
  // A folder that sees rewritten children: (1 + 1) * 1 -> 2 * 1 -> 2.
  ExprP e = kir::binary(ir::Op::Mul, kir::binary(ir::Op::Add, one(), one(), Type::Double), one(), Type::Double);
  ExprP r = kir::rewrite(e, [](const ExprP& n) -> ExprP {
    if (n->kind != Expr::Kind::Binary || n->args[0]->kind != Expr::Kind::Literal || n->args[1]->kind != Expr::Kind::Literal)
      return n;
    double a = n->args[0]->f, b = n->args[1]->f;
    return kir::lit(n->op == ir::Op::Add ? a + b : a * b, Type::Double);
  });
  EXPECT_EQ(kir::to_string(*r), "2.0");
}

TEST(KirTraversal, RewriteExprsAndStmts) {
  Block b = nested();
  kir::rewrite_exprs(b, [](const ExprP& n) { return n->kind == Expr::Kind::Literal && n->type == Type::Double ? kir::lit(2.0, Type::Double) : n; });
  EXPECT_EQ(kir::to_string(*b[1].then_body[1].then_body[0].value), "2.0");
  // Delete "b", split "e" in two, unwrap nothing else; nested bodies are rewritten first.
  kir::rewrite_stmts(b, [](const Stmt& s) -> std::optional<Block> {
    if (s.name == "b") return Block{};
    if (s.name == "e") return Block{stmt(Stmt::Kind::Assign, "e1", one()), stmt(Stmt::Kind::Assign, "e2", one())};
    return std::nullopt;
  });
  EXPECT_EQ(names(b, WalkOrder::Pre), "acde1e2fg");
  Block untouched = nested();
  const Stmt* first = &untouched[0];
  kir::rewrite_stmts(untouched, [](const Stmt&) { return std::nullopt; });
  EXPECT_EQ(&untouched[0], first);  // no replacement: the block is left as it was
  EXPECT_EQ(names(untouched, WalkOrder::Pre), "acbdefg");
}

TEST(ExprTraversal, OrderSkipFindRewrite) {
  using ir::Expr;
  auto e = Expr::binary(ir::Op::Add, Expr::name_ref("v"),
                        Expr::call("exp", {Expr::binary(ir::Op::Div, Expr::name_ref("t"), Expr::name_ref("tau"))}));
  std::string pre, post, skipped;
  auto lab = [](const Expr& x) { return x.kind == Expr::Kind::Name || x.kind == Expr::Kind::Call ? x.name : ir::op_spelling(x.op); };
  ir::walk(e, [&](const Expr& x) {
    pre += lab(x) + " ";
    return ir::WalkResult::Advance;
  });
  ir::walk(
      e,
      [&](const Expr& x) {
        post += lab(x) + " ";
        return ir::WalkResult::Advance;
      },
      ir::WalkOrder::Post);
  ir::walk(e, [&](const Expr& x) {
    skipped += lab(x) + " ";
    return x.kind == Expr::Kind::Call ? ir::WalkResult::Skip : ir::WalkResult::Advance;
  });
  EXPECT_EQ(pre, "+ v exp / t tau ");
  EXPECT_EQ(post, "v t tau / exp + ");
  EXPECT_EQ(skipped, "+ v exp ");
  const Expr* hit = ir::find_expr(e, [](const Expr& x) { return x.kind == Expr::Kind::Name && x.name == "t"; });
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit, e->args[1]->args[0]->args[0].get());

  auto r = ir::rewrite(e, [](const ir::ExprPtr& x) { return x->kind == Expr::Kind::Name && x->name == "tau" ? Expr::name_ref("taum") : x; });
  EXPECT_EQ(ir::to_string(r), "v + exp(t / taum)");
  EXPECT_EQ(r->args[0], e->args[0]);  // v is shared
  EXPECT_NE(r->args[1], e->args[1]);
  EXPECT_EQ(ir::to_string(e), "v + exp(t / tau)");
  EXPECT_EQ(ir::substitute(e, [](const std::string&) -> ir::ExprPtr { return nullptr; }), e);

  std::vector<ir::Stmt> code(2);
  code[0].target = "x";
  code[0].value = e;
  code[1].target = "y";
  code[1].value = Expr::name_ref("tau");
  ir::rewrite_exprs(code, [](const ir::ExprPtr& x) { return x->kind == Expr::Kind::Name && x->name == "tau" ? Expr::name_ref("taum") : x; });
  size_t taums = 0;
  ir::walk_exprs(code, [&](const Expr& x) {
    taums += x.kind == Expr::Kind::Name && x.name == "taum";
    return ir::WalkResult::Advance;
  });
  EXPECT_EQ(taums, 2u);
}

}  // namespace
}  // namespace modelc
