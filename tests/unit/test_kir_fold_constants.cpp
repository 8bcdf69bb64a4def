// fold-kernel-constants: literal-only expressions become literals, bit-identical to what the
// generated C would compute; anything with a load, a draw or undefined C behaviour stays.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/unit/test_kir_util.h"

namespace modelc::testing {
namespace {

using kir::Type;
using ir::Op;

kir::ExprP d(double v) { return kir::lit(v, Type::Double); }
kir::ExprP vi() { return kir::load("v", Type::Double, kir::builtin("i", Type::Int64)); }

TEST(KirFoldConstants, ExpOfMinusDtOverTauIsALiteral) {
  auto e = kir::call("exp", {kir::binary(Op::Div, kir::unary(Op::Neg, d(1e-4), Type::Double), d(0.02), Type::Double)},
                     Type::Double);
  auto b = run_pass("fold-kernel-constants", {store("v", kir::binary(Op::Mul, vi(), e, Type::Double))});
  const auto& mul = b[0].value;
  ASSERT_EQ(mul->args[1]->kind, kir::Expr::Kind::Literal);
  volatile double dt = 1e-4, tau = 0.02;  // computed at run time, as the module would
  EXPECT_EQ(mul->args[1]->f, std::exp(-dt / tau));
  EXPECT_EQ(mul->args[0]->kind, kir::Expr::Kind::Load);
}

TEST(KirFoldConstants, TimestepOfRefractoryPeriodIsAnInteger) {
  auto ts = kir::call("timestep", {d(0.003), d(1e-4)}, Type::Int64);
  auto lhs = kir::call("timestep", {kir::binary(Op::Sub, kir::builtin("t", Type::Double), vi(), Type::Double), d(1e-4)},
                       Type::Int64);
  auto b = run_pass("fold-kernel-constants", {declare("nr", kir::binary(Op::Ge, lhs, ts, Type::Bool), Type::Bool)});
  const auto& cmp = b[0].value;
  ASSERT_EQ(cmp->args[1]->kind, kir::Expr::Kind::Literal);
  EXPECT_EQ(cmp->args[1]->type, Type::Int64);
  EXPECT_EQ(cmp->args[1]->i, 30);
  EXPECT_EQ(cmp->args[0]->kind, kir::Expr::Kind::Call);  // depends on t and a load: stays
}

TEST(KirFoldConstants, CastsFloatsAndSelects) {
  auto cast5 = kir::cast(kir::lit_int(5), Type::Double);
  auto fsum = kir::binary(Op::Add, kir::lit(0.1, Type::Float), kir::lit(0.2, Type::Float), Type::Float);
  auto sel = kir::select(kir::lit_bool(false), vi(), d(2.0), Type::Double);
  auto b = run_pass("fold-kernel-constants",
                    {declare("a", cast5), declare("b", fsum, Type::Float), declare("c", sel)});
  EXPECT_EQ(b[0].value->kind, kir::Expr::Kind::Literal);
  EXPECT_EQ(b[0].value->f, 5.0);
  ASSERT_EQ(b[1].value->kind, kir::Expr::Kind::Literal);
  EXPECT_EQ(static_cast<float>(b[1].value->f), 0.1f + 0.2f);  // float arithmetic, not double
  EXPECT_NE(b[1].value->f, 0.1 + 0.2);
  ASSERT_EQ(b[2].value->kind, kir::Expr::Kind::Literal);
  EXPECT_EQ(b[2].value->f, 2.0);
}

TEST(KirFoldConstants, LeavesUndefinedAndImpureAlone) {
  auto overflow = kir::binary(Op::Mul, kir::lit_int(INT64_MAX), kir::lit_int(2), Type::Int64);
  auto big = kir::cast(d(1e300), Type::Int64);
  auto draw = kir::binary(Op::Mul, kir::random("normal", 1, Type::Double), d(2.0), Type::Double);
  auto b = run_pass("fold-kernel-constants",
                    {declare("a", overflow, Type::Int64), declare("b", big, Type::Int64), declare("c", draw)});
  EXPECT_EQ(b[0].value->kind, kir::Expr::Kind::Binary);
  EXPECT_EQ(b[1].value->kind, kir::Expr::Kind::Cast);
  EXPECT_EQ(b[2].value->kind, kir::Expr::Kind::Binary);
}

TEST(KirFoldConstants, PythonFloorDivAndModSemantics) {
  auto fd = kir::binary(Op::FloorDiv, kir::lit_int(-7), kir::lit_int(2), Type::Int64);
  auto md = kir::binary(Op::Mod, d(-7.5), d(2.0), Type::Double);
  auto b = run_pass("fold-kernel-constants", {declare("a", fd, Type::Int64), declare("b", md)});
  EXPECT_EQ(b[0].value->i, -4);
  EXPECT_EQ(b[1].value->f, 0.5);
}

}  // namespace
}  // namespace modelc::testing
