// Vectorised libm on the CPU backend: the branch-free exprel and vectorisable timestep helpers
// compute what the original scalar code did, update loops are padded to whole vectors and call
// libmvec when the host compiler is GCC, and results do not depend on the thread count.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>

#include "backends/host_compiler.h"
#include "backends/cpu/support/cpu_support.h"
#include "tests/unit/model_runner.h"

namespace modelc::testing {
namespace {

namespace fs = std::filesystem;

double exprel_reference(double x) {  // Brian2's _exprel, branchy
  if (std::fabs(x) < 1e-16) return 1.0;
  if (x > 717.0) return INFINITY;
  return std::expm1(x) / x;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b)); }

TEST(KirSimdHelpers, BranchFreeExprelMatchesBrian2) {
  std::vector<double> xs = {0.0, -0.0, 1e-17, -1e-17, 1e-16, -1e-16, 1e-300, 716.9, 717.0, 717.5, 1e308, -800.0,
                            -1e308, INFINITY, -INFINITY, NAN, 1.0, -1.0, 0.5};
  std::mt19937_64 rng(3);
  for (int k = 0; k < 20000; ++k) xs.push_back(std::ldexp(std::uniform_real_distribution<double>(-1, 1)(rng), k % 60 - 50));
  for (double x : xs) EXPECT_TRUE(same_bits(mc_exprel(x), exprel_reference(x))) << x;
}

TEST(KirSimdHelpers, VectorisableTimestepMatchesCast) {
  std::mt19937_64 rng(5);
  std::vector<double> ts = {0.0, -0.0, 1e4, -1e4, 0.003, 2.9999e-3, -1e-7, -0.9e-7, 123456.789};
  for (int k = 0; k < 20000; ++k) ts.push_back(std::uniform_real_distribution<double>(-2e4, 2e4)(rng) * (k % 2 ? 1e-6 : 1));
  for (double t : ts) {
    for (double dt : {1e-4, 5e-5, 1e-3}) {
      int64_t ref = static_cast<int64_t>((t + 1e-3 * dt) / dt);
      ASSERT_EQ(mc_timestep(t, dt), ref) << t << " " << dt;
    }
  }
}

class SimdModuleTest : public ::testing::Test {
 protected:
  // COBAHH with N = 4100: above the parallel threshold (1024) and not a multiple of 8, with a state
  // monitor on the neurons where 1 and 2 threads used to split differently (2048-2051: the end of
  // thread 0's chunk; 4096-4099: the last vector), found by comparing all 4100 neurons.
  fs::path write_model(int64_t n, const std::string& duration) {
    // ordered_json: constants refer to earlier ones, so the file's key order must survive.
    std::ifstream in(source_root() / "examples/cobahh.json");
    nlohmann::ordered_json m = nlohmann::ordered_json::parse(in);
    m["parameters"]["N"] = n;
    m["simulation"]["duration"] = duration;
    std::vector<int64_t> idx;
    for (int64_t k : {int64_t(0), int64_t(7), int64_t(8), int64_t(2047), int64_t(2048), int64_t(2051), int64_t(2052),
                      int64_t(2055), n - 5, n - 4, n - 1})
      if (k >= 0 && k < n && (idx.empty() || k > idx.back())) idx.push_back(k);
    m["monitors"].push_back({{"name", "vm"}, {"kind", "state"}, {"source", "P"}, {"variables", {"v", "m", "h"}},
                             {"indices", idx}});
    fs::path p = fs::temp_directory_path() / ("modelc-simd-" + std::to_string(getpid()) + ".json");
    std::ofstream(p) << m.dump(2);
    return p;
  }
};

TEST_F(SimdModuleTest, ThreadCountDoesNotChangeResults) {
  fs::path model = write_model(4100, "60 ms");
  std::string err;
  auto one = compile_and_run(model, err, {}, 1);
  ASSERT_TRUE(one) << err;
  auto two = compile_and_run(model, err, {}, 2);
  ASSERT_TRUE(two) << err;
  ASSERT_EQ(one->results.monitors.size(), two->results.monitors.size());
  size_t compared = 0;
  for (size_t k = 0; k < one->results.monitors.size(); ++k) {
    const auto& a = one->results.monitors[k];
    const auto& b = two->results.monitors[k];
    ASSERT_EQ(a.name, b.name);
    EXPECT_EQ(a.steps, b.steps) << a.name;
    EXPECT_EQ(a.spike_indices, b.spike_indices) << a.name;
    ASSERT_EQ(a.values.size(), b.values.size()) << a.name;
    for (size_t v = 0; v < a.values.size(); ++v) {
      ASSERT_EQ(a.values[v].size(), b.values[v].size());
      EXPECT_EQ(0, std::memcmp(a.values[v].data(), b.values[v].data(), a.values[v].size() * sizeof(double)))
          << a.name << " variable " << v << " differs between 1 and 2 threads";
      compared += a.values[v].size();
    }
    compared += a.spike_indices.size();
  }
  EXPECT_GT(compared, 100u);
  // The update loop runs whole vectors: 4100 rounded up to 4160 on the rank holding the last neuron
  // (every neuron in one process), thread chunks of whole blocks.
  fs::path dir = fs::temp_directory_path() / ("modelc-simd-src-" + std::to_string(getpid()));
  std::string error;
  ASSERT_EQ(modelc::backends::run_process({MODELC_BINARY, "compile", model.string(), "-o", dir.string()}, dir.string() + ".log", error), 0);
  std::string text;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().extension() == ".cpp" || e.path().extension() == ".c") {
      std::ifstream src(e.path());
      text += std::string((std::istreambuf_iterator<char>(src)), {});
    }
  EXPECT_NE(text.find("_end == 4100 ? 4160 : "), std::string::npos);
  EXPECT_NE(text.find("schedule(static, _mc_chunk)"), std::string::npos);
  fs::remove_all(dir);
  fs::remove(dir.string() + ".log");
  fs::remove(model);
}

TEST_F(SimdModuleTest, GccModulesCallLibmvec) {
  DiagnosticEngine diags;
  modelc::backends::HostCompiler cc;
  ASSERT_TRUE(cc.detect(diags));
  if (!cc.uses_libmvec()) GTEST_SKIP() << "host compiler is not GCC with libmvec: " << modelc::backends::join_command(cc.command());
  fs::path model = write_model(64, "1 ms");
  std::string err;
  auto out = compile_and_run(model, err);
  ASSERT_TRUE(out) << err;
  fs::path log = fs::temp_directory_path() / ("modelc-simd-nm-" + std::to_string(getpid()));
  std::string error;
  ASSERT_EQ(modelc::backends::run_process({"nm", "-D", out->compiled.build.module_path.string()}, log, error), 0) << error;
  std::ifstream in(log);
  std::string syms((std::istreambuf_iterator<char>(in)), {});
  // The update kernel's exp and expm1 (inside exprel) are vector calls.
  EXPECT_NE(syms.find("_ZGV"), std::string::npos) << syms;
  EXPECT_NE(syms.find("v_exp"), std::string::npos) << syms;
  EXPECT_NE(syms.find("v_expm1"), std::string::npos) << syms;
  fs::remove(log);
  fs::remove(model);
}

}  // namespace
}  // namespace modelc::testing
