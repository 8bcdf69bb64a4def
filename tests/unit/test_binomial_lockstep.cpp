// The lock-step binomial draw of PoissonInput (mc_binomial_lockstep, backends/cpu/support/cpu_support.h)
// gives the same number as the inversion of mc_binomial_double for every key: tables shorter than
// the lock-step (small n), draws that walk past the table (large means), reversed p > 0.5, and
// the bound's redraws (n = 1 and 2, where the walk can run past n on rounding).
#include <gtest/gtest.h>

#include <cstdint>

#include "backends/cpu/support/cpu_support.h"

namespace {

struct Case {
  int64_t n;
  double p;
};

const Case kCases[] = {{1600, 0.0008}, {2100, 0.0008}, {3, 0.3},  {1, 0.5},   {2, 0.99},
                       {10, 0.7},      {50, 0.05},     {7, 0.6},  {20, 0.2},  {100000, 1e-5}};

TEST(BinomialLockstep, SameDrawsAsTheInversion) {
  for (const Case& c : kCases) {
    mc_binomial_table t;
    mc_binomial_table_init(&t, c.n, c.p);
    int64_t mismatches = 0, past_table = 0;
    for (uint64_t step = 0; step < 50; ++step)
      for (uint64_t i = 0; i < 4000; ++i) {
        const double want = mc_binomial_double(7, 3u, i, step, c.n, c.p);
        mismatches += mc_binomial_lockstep(&t, 7, 3u, i, step) != want;
        past_table += (c.p > 0.5 ? c.n - want : want) >= MC_BINO_LOCKSTEP;
      }
    EXPECT_EQ(mismatches, 0) << "n " << c.n << " p " << c.p;
    // The cases with large means do exercise the scalar continuation.
    if (c.n > MC_BINO_LOCKSTEP && c.n * c.p > 2.0 && c.n * c.p < 10.0) {
      EXPECT_GT(past_table, 0) << "n " << c.n << " p " << c.p;
    }
  }
}

TEST(BinomialLockstep, TableStopsAtTheBound) {
  mc_binomial_table t;
  mc_binomial_table_init(&t, 3, 0.3);
  EXPECT_EQ(t.steps, 4);  // bound = n = 3: X may reach 3, the 4th term is the redraw check
  for (int k = static_cast<int>(t.steps); k < MC_BINO_LOCKSTEP; ++k) EXPECT_EQ(t.px[k], 2.0);
  mc_binomial_table_init(&t, 1600, 0.0008);
  EXPECT_EQ(t.steps, MC_BINO_LOCKSTEP);
}

}  // namespace
