// kernel-cse: repeated pure expressions are computed once; loads after stores to their buffer,
// random draws and conditionally evaluated expressions are not merged or hoisted.
#include <gtest/gtest.h>

#include "tests/unit/test_kir_util.h"

namespace modelc::testing {
namespace {

using kir::Type;
using ir::Op;
using K = kir::Expr::Kind;

kir::ExprP d(double v) { return kir::lit(v, Type::Double); }
kir::ExprP vi() { return kir::load("v", Type::Double, kir::builtin("i", Type::Int64)); }
kir::ExprP rate() {  // exprel((0.013 - v) / 0.004), as in COBAHH's alpha_m
  return kir::call("exprel", {kir::binary(Op::Div, kir::binary(Op::Sub, d(0.013), vi(), Type::Double), d(0.004), Type::Double)},
                   Type::Double);
}

TEST(KirCSE, ExponentialEulerRatesComputedOnce) {
  auto a = kir::binary(Op::Div, d(1.28), rate(), Type::Double);  // separate trees, equal structure
  auto b = kir::binary(Op::Div, d(1.28), rate(), Type::Double);
  auto body = run_pass("kernel-cse", {declare("_BA", a), declare("_new", kir::call("exp", {b}, Type::Double))});
  EXPECT_EQ(count_calls(body, "exprel"), 1u) << text(body);
  // The binding precedes its first use and both statements read it.
  ASSERT_EQ(body.size(), 3u) << text(body);
  EXPECT_EQ(body[0].kind, kir::Stmt::Kind::Declare);
  EXPECT_EQ(body[0].name, "_cse0");
  EXPECT_EQ(body[1].value->kind, K::Local);
  EXPECT_EQ(body[2].value->args[0]->kind, K::Local);
}

TEST(KirCSE, LoadAfterStoreIsANewValue) {
  auto twice = [] { return kir::binary(Op::Mul, vi(), d(2.0), Type::Double); };
  auto body = run_pass("kernel-cse", {declare("a", twice()), store("v", d(3.0)), declare("b", twice())});
  EXPECT_EQ(text(body), "(v[i] * 2.0);3.0;(v[i] * 2.0);");
}

TEST(KirCSE, LoadsOfOtherBuffersSurviveAStore) {
  auto w = [] { return kir::binary(Op::Mul, kir::load("w", Type::Double, kir::builtin("i", Type::Int64)), d(2.0), Type::Double); };
  auto body = run_pass("kernel-cse", {declare("a", w()), store("v", d(3.0)), declare("b", w())});
  EXPECT_EQ(body.size(), 4u) << text(body);
  EXPECT_EQ(body.back().value->kind, K::Local);
}

TEST(KirCSE, RandomDrawsAreNeverMerged) {
  auto draw = [] { return kir::binary(Op::Mul, kir::random("normal", 1, Type::Double), d(2.0), Type::Double); };
  auto body = run_pass("kernel-cse", {declare("a", draw()), declare("b", draw())});
  EXPECT_EQ(body.size(), 2u) << text(body);
}

TEST(KirCSE, ConditionalArmsAreNotHoisted) {
  // rate() only under select arms: hoisting it would evaluate it where the source does not.
  auto w = [](const char* b) { return kir::load(b, Type::Double, kir::builtin("i", Type::Int64)); };
  auto s1 = kir::select(kir::binary(Op::Gt, w("a"), d(0.0), Type::Bool), rate(), d(0.0), Type::Double);
  auto s2 = kir::select(kir::binary(Op::Lt, w("b"), d(1.0), Type::Bool), rate(), d(1.0), Type::Double);
  auto body = run_pass("kernel-cse", {declare("a", s1), declare("b", s2)});
  EXPECT_EQ(count_calls(body, "exprel"), 2u) << text(body);
  for (const auto& s : body) EXPECT_NE(s.name.rfind("_cse", 0), 0u) << text(body);
}

TEST(KirCSE, ConditionalArmsReuseAvailableValues) {
  // Computed unconditionally first: bound there, and the later select arm reads the local.
  auto w = kir::load("w", Type::Double, kir::builtin("i", Type::Int64));
  auto s = kir::select(kir::binary(Op::Gt, w, d(0.0), Type::Bool), rate(), d(0.0), Type::Double);
  auto body = run_pass("kernel-cse", {declare("a", rate()), declare("b", s)});
  EXPECT_EQ(count_calls(body, "exprel"), 1u) << text(body);
  ASSERT_EQ(body.size(), 3u) << text(body);
  EXPECT_EQ(body[2].value->args[1]->kind, K::Local) << text(body);
}

TEST(KirCSE, IfBodiesKeepTheirBindings) {
  kir::Stmt branch;
  branch.kind = kir::Stmt::Kind::If;
  branch.value = kir::binary(Op::Gt, vi(), d(0.0), Type::Bool);
  branch.then_body = {store("v", kir::binary(Op::Add, rate(), rate(), Type::Double))};
  auto body = run_pass("kernel-cse", {branch, declare("after", rate())});
  // Inside the if: computed once there. The if stores v, so after it rate() is a new value, and
  // nothing of the body's bindings leaks out of it.
  ASSERT_EQ(body.size(), 2u) << text(body);
  ASSERT_EQ(body[0].then_body.size(), 2u);
  EXPECT_EQ(body[0].then_body[0].kind, kir::Stmt::Kind::Declare);
  EXPECT_EQ(count_calls(body[0].then_body, "exprel"), 1u);
  EXPECT_EQ(count_calls(body[1].value, "exprel"), 1u);
}

}  // namespace
}  // namespace modelc::testing
