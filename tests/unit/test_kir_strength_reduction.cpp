// strength-reduce (exact) and strength-reduce-fast (may change the last bits).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "passes/pass_manager.h"
#include "tests/unit/test_kir_util.h"

namespace modelc::testing {
namespace {

using kir::Type;
using ir::Op;
using K = kir::Expr::Kind;

kir::ExprP d(double v) { return kir::lit(v, Type::Double); }
kir::ExprP x() { return kir::local("x", Type::Double); }
kir::ExprP pw(kir::ExprP a, double c) { return kir::call("pow", {std::move(a), d(c)}, Type::Double); }

TEST(KirStrengthReduce, ExactPowers) {
  auto b = run_pass("strength-reduce", {declare("a", pw(x(), 2)), declare("b", pw(x(), 1)), declare("c", pw(x(), 3))});
  EXPECT_EQ(text(b), "(x * x);x;pow(x, 3.0);");  // pow(x, 3) would round twice: not here
}

TEST(KirStrengthReduce, FastPowersAndPowOfExp) {
  auto e = pw(kir::call("exp", {kir::binary(Op::Mul, d(-0.5), x(), Type::Double)}, Type::Double), 4);
  auto g = pw(kir::call("exp", {x()}, Type::Double), 1.5);
  auto b = run_pass("strength-reduce-fast", {declare("a", pw(x(), 3)), declare("b", pw(x(), 4)), declare("c", g)});
  EXPECT_EQ(text(b), "((x * x) * x);((x * x) * (x * x));exp((x * 1.5));");
  auto exact = run_pass("strength-reduce", {declare("c", e)});
  EXPECT_EQ(count_calls(exact, "pow"), 1u);
}

TEST(KirStrengthReduce, TimestepComparisonBecomesDoubleAndIsEquivalent) {
  const double dt = 1e-4;
  for (Op op : {Op::Ge, Op::Gt, Op::Lt, Op::Le}) {
    for (int64_t k : {30, 1, 0, -3}) {
      auto ts = kir::call("timestep", {x(), d(dt)}, Type::Int64);
      auto cmp = kir::binary(op, ts, kir::lit_int(k), Type::Bool);
      auto b = run_pass("strength-reduce", {declare("nr", cmp, Type::Bool)});
      ASSERT_EQ(count_calls(b, "timestep"), 0u) << text(b);
      // Same truth value for times around every step boundary near k, and far away.
      std::mt19937_64 rng(7);
      std::vector<double> xs = {0.0, -0.0, 1e4, -1e4, -1e-7, 1e-7};
      for (int64_t s = k - 3; s <= k + 3; ++s)
        for (double off : {-2e-7, -1e-7, -1.01e-7, -0.99e-7, 0.0, 1e-9, 5e-5})
          xs.push_back(static_cast<double>(s) * dt + off);
      for (int r = 0; r < 2000; ++r) xs.push_back(std::uniform_real_distribution<double>(-0.01, 0.01)(rng));
      // The rewrite compares x with a threshold: the doubles next to it decide exactness.
      const kir::Expr& got = *b[0].value;
      if (got.kind == kir::Expr::Kind::Binary && got.args.size() == 2 && got.args[1]->kind == kir::Expr::Kind::Literal) {
        double up = got.args[1]->f, down = got.args[1]->f;
        for (int u = 0; u < 8; ++u, up = std::nextafter(up, 1e300), down = std::nextafter(down, -1e300)) {
          xs.push_back(up);
          xs.push_back(down);
        }
      }
      for (double xv : xs) {
        std::map<std::string, double> env = {{"x", xv}};
        ASSERT_EQ(eval(cmp, env), eval(b[0].value, env)) << kir::to_string(*b[0].value) << " at x=" << xv;
      }
    }
  }
}

TEST(KirStrengthReduce, LiteralOnTheLeftAndEqualityUntouched) {
  auto ts = kir::call("timestep", {x(), d(1e-4)}, Type::Int64);
  auto b = run_pass("strength-reduce", {declare("a", kir::binary(Op::Le, kir::lit_int(30), ts, Type::Bool), Type::Bool),
                                        declare("b", kir::binary(Op::Eq, ts, kir::lit_int(30), Type::Bool), Type::Bool)});
  // Compared with the first x for which (x + 1e-3*dt) / dt >= 30: no division left.
  EXPECT_EQ(text(b), "(x >= 0.0029999000000000002);(timestep(x, 0.0001) == 30);");
}

TEST(KirPipeline, OptLevels) {
  passes::register_builtin_passes();
  auto o0 = passes::pipeline_for_opt_level(0), o2 = passes::pipeline_for_opt_level(2), o3 = passes::pipeline_for_opt_level(3);
  auto has = [](const std::vector<std::string>& p, const std::string& n) { return std::find(p.begin(), p.end(), n) != p.end(); };
  // -O0: lowering, then the distributed-run plan every level ends with.
  EXPECT_EQ(o0.back(), "plan-partition");
  EXPECT_EQ(o0[o0.size() - 2], "lower-to-kernels");
  EXPECT_EQ(o2.back(), "plan-partition");
  for (const char* n : {"fold-kernel-constants", "strength-reduce", "kernel-cse"}) {
    EXPECT_FALSE(has(o0, n));
    EXPECT_TRUE(has(o2, n));
    EXPECT_TRUE(has(o3, n));
    EXPECT_TRUE(passes::PassRegistry::instance().create(n)) << n;
  }
  EXPECT_FALSE(has(o2, "strength-reduce-fast"));
  EXPECT_TRUE(has(o3, "strength-reduce-fast"));
  EXPECT_EQ(passes::default_pipeline(), o2);
  passes::PassManager pm;
  DiagnosticEngine diags;
  ASSERT_TRUE(pm.add_pipeline(passes::default_pipeline(), {"kernel-cse"}, diags));
  for (const auto& p : pm.passes()) EXPECT_NE(p->name(), "kernel-cse");
}

}  // namespace
}  // namespace modelc::testing
