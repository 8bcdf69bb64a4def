// Philox4x32-10 and the uniform/normal conversions of abi/philox.h: bit-exact against the
// published Random123 known-answer vectors, statistically sane, and the same in C as in C++.
#include "abi/philox.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#ifndef MODELC_SOURCE_ROOT
#define MODELC_SOURCE_ROOT "/work/main"
#endif

namespace {

struct Kat {
  uint32_t ctr[4];
  uint32_t key[2];
  uint32_t expected[4];
};

// Random123's kat_vectors for philox4x32_10.
const Kat kKats[] = {
    {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
     {0xffffffff, 0xffffffff},
     {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
     {0xa4093822, 0x299f31d0},
     {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
};

TEST(Philox, KnownAnswerVectors) {
  for (const Kat& kat : kKats) {
    uint32_t out[4];
    mc_philox4x32_10(kat.ctr, kat.key, out);
    for (int k = 0; k < 4; ++k) EXPECT_EQ(out[k], kat.expected[k]) << "word " << k;
  }
}

TEST(Philox, CounterAndKeyLayout) {
  const uint64_t seed = 0x0123456789abcdefULL, element = 0xfedcba9876543210ULL, step = 77;
  const uint32_t stream = 5;
  uint32_t ctr[4] = {static_cast<uint32_t>(element), static_cast<uint32_t>(element >> 32),
                     static_cast<uint32_t>(step), stream};
  uint32_t key[2] = {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)};
  uint32_t out[4];
  mc_philox4x32_10(ctr, key, out);
  mc_u32x4 block = mc_philox_draw(seed, stream, element, step);
  for (int k = 0; k < 4; ++k) EXPECT_EQ(block.v[k], out[k]);

  // The documented conversions, recomputed from the raw words.
  uint64_t bits53 = (static_cast<uint64_t>(out[0]) << 21) | (out[1] >> 11);
  EXPECT_EQ(mc_uniform_double(seed, stream, element, step), std::ldexp(double(bits53), -53));
  EXPECT_EQ(mc_uniform_float(seed, stream, element, step),
            std::ldexp(static_cast<float>(out[0] >> 8), -24));
  double u1 = std::ldexp(double(bits53 + 1), -53);
  double u2 = std::ldexp(double((static_cast<uint64_t>(out[2]) << 21) | (out[3] >> 11)), -53);
  EXPECT_DOUBLE_EQ(mc_normal_double(seed, stream, element, step),
                   std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2));
}

TEST(Philox, RegressionValues) {
  // Pinned so that a change to the conversions (which would change every model's results) is seen.
  EXPECT_EQ(mc_uniform_double(1, 2, 3, 4), 0.28288912590280468);
  EXPECT_EQ(mc_uniform_float(1, 2, 3, 4), 0.282889068f);
}

TEST(Philox, Deterministic) {
  for (uint64_t e = 0; e < 100; ++e) {
    EXPECT_EQ(mc_uniform_double(9, 1, e, 3), mc_uniform_double(9, 1, e, 3));
    EXPECT_EQ(mc_normal_float(9, 1, e, 3), mc_normal_float(9, 1, e, 3));
  }
}

TEST(Philox, EveryCoordinateChangesTheDraw) {
  const double base = mc_uniform_double(1, 2, 3, 4);
  EXPECT_NE(base, mc_uniform_double(2, 2, 3, 4));                 // seed
  EXPECT_NE(base, mc_uniform_double(1 + (1ULL << 32), 2, 3, 4));  // seed, high word
  EXPECT_NE(base, mc_uniform_double(1, 3, 3, 4));                 // stream
  EXPECT_NE(base, mc_uniform_double(1, 2, 4, 4));                 // element
  EXPECT_NE(base, mc_uniform_double(1, 2, 3 + (1ULL << 32), 4));  // element, high word
  EXPECT_NE(base, mc_uniform_double(1, 2, 3, 5));                 // step

  // No collisions among neighbouring counters (a collision would betray a layout bug).
  std::set<double> seen;
  for (uint32_t stream = 0; stream < 4; ++stream)
    for (uint64_t element = 0; element < 50; ++element)
      for (uint64_t step = 0; step < 50; ++step)
        seen.insert(mc_uniform_double(7, stream, element, step));
  EXPECT_EQ(seen.size(), 4u * 50u * 50u);
}

TEST(Philox, FloatUniformIsTheTruncatedDoubleUniform) {
  for (uint64_t e = 0; e < 1000; ++e) {
    double d = mc_uniform_double(3, 1, e, 0);
    float f = mc_uniform_float(3, 1, e, 0);
    EXPECT_EQ(static_cast<double>(f), std::floor(d * 16777216.0) / 16777216.0);
  }
}

constexpr int kDraws = 1000000;

template <typename Draw>
void check_uniform(Draw draw, const char* what) {
  double sum = 0.0, sum_sq = 0.0;
  for (int k = 0; k < kDraws; ++k) {
    double u = draw(k);
    ASSERT_GE(u, 0.0) << what;
    ASSERT_LT(u, 1.0) << what;
    sum += u;
    sum_sq += u * u;
  }
  double mean = sum / kDraws;
  double var = sum_sq / kDraws - mean * mean;
  // Standard errors over 10^6 draws: mean 2.9e-4, variance 7.5e-5; tolerances are ~5 sigma.
  EXPECT_NEAR(mean, 0.5, 1.5e-3) << what;
  EXPECT_NEAR(var, 1.0 / 12.0, 4e-4) << what;
}

TEST(Philox, UniformDoubleRangeMeanVariance) {
  check_uniform([](int k) { return mc_uniform_double(12345, 0, k, 17); }, "double");
}

TEST(Philox, UniformFloatRangeMeanVariance) {
  check_uniform([](int k) { return double(mc_uniform_float(12345, 1, 0, k)); }, "float");
}

template <typename Draw>
void check_normal(Draw draw, const char* what) {
  double m1 = 0.0, m2 = 0.0, m4 = 0.0;
  for (int k = 0; k < kDraws; ++k) {
    double z = draw(k);
    ASSERT_TRUE(std::isfinite(z)) << what;
    m1 += z;
    m2 += z * z;
    m4 += z * z * z * z;
  }
  double mean = m1 / kDraws;
  double var = m2 / kDraws - mean * mean;
  double kurtosis = (m4 / kDraws) / (var * var);
  // Standard errors: mean 1e-3, variance 1.4e-3, kurtosis 4.9e-3; tolerances are ~5 sigma.
  EXPECT_NEAR(mean, 0.0, 5e-3) << what;
  EXPECT_NEAR(var, 1.0, 7e-3) << what;
  EXPECT_NEAR(kurtosis, 3.0, 3e-2) << what;
}

TEST(Philox, NormalDoubleMomentsAndKurtosis) {
  check_normal([](int k) { return mc_normal_double(2024, 3, k, 0); }, "double");
}

TEST(Philox, NormalFloatMomentsAndKurtosis) {
  check_normal([](int k) { return double(mc_normal_float(2024, 4, 0, k)); }, "float");
}

// The header must stay valid C99 and give the same bits there (generated CPU modules are C-like).
TEST(Philox, SameBitsWhenCompiledAsC99) {
  if (std::system("cc --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no C compiler";
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("modelc-philox-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{dir};
  {
    std::ofstream c(dir / "p.c");
    c << "#include \"abi/philox.h\"\n#include <stdio.h>\n"
         "int main(void) {\n"
         "  uint64_t e;\n"
         "  for (e = 0; e < 8; ++e)\n"
         "    printf(\"%a %a %a %a\\n\", mc_uniform_double(5, 2, e, 9),\n"
         "           (double)mc_uniform_float(5, 2, e, 9), mc_normal_double(5, 2, e, 9),\n"
         "           (double)mc_normal_float(5, 2, e, 9));\n"
         "  return 0;\n"
         "}\n";
  }
  std::string cmd = "cc -std=c99 -Wall -Wextra -Werror -pedantic -I" MODELC_SOURCE_ROOT " " +
                    (dir / "p.c").string() + " -o " + (dir / "p").string() + " -lm && " +
                    (dir / "p").string() + " > " + (dir / "out.txt").string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream in(dir / "out.txt");
  for (uint64_t e = 0; e < 8; ++e) {
    std::string a, b, c, d;
    ASSERT_TRUE(in >> a >> b >> c >> d);
    EXPECT_EQ(std::strtod(a.c_str(), nullptr), mc_uniform_double(5, 2, e, 9));
    EXPECT_EQ(std::strtod(b.c_str(), nullptr), double(mc_uniform_float(5, 2, e, 9)));
    EXPECT_DOUBLE_EQ(std::strtod(c.c_str(), nullptr), mc_normal_double(5, 2, e, 9));
    EXPECT_FLOAT_EQ(float(std::strtod(d.c_str(), nullptr)), mc_normal_float(5, 2, e, 9));
  }
}

// The OpenCL backend includes the same header into its kernels; check it parses as OpenCL C 1.2,
// with and without fp64.
TEST(Philox, CompilesAsOpenCLC) {
  if (std::system("clang --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no clang";
  const std::string base =
      "clang -x cl -cl-std=CL1.2 -fsyntax-only -Xclang -finclude-default-header "
      "-I" MODELC_SOURCE_ROOT " " MODELC_SOURCE_ROOT "/abi/philox.h";
  EXPECT_EQ(std::system(base.c_str()), 0) << base;
  std::string no_fp64 = base + " -Xclang -cl-ext=-cl_khr_fp64";
  EXPECT_EQ(std::system(no_fp64.c_str()), 0) << no_fp64;
}

}  // namespace
