// LoadedModule + Simulation + write_results against tests/unit/fake_module.c, a hand-written module
// with fully predictable behaviour (see the comment at its top), compiled here at test time.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "runtime/module_loader.h"
#include "runtime/simulation.h"

#ifndef MODELC_SOURCE_ROOT
#define MODELC_SOURCE_ROOT "/work/main"
#endif

namespace fs = std::filesystem;
using namespace modelc::runtime;

namespace {

const fs::path& work_dir() {
  static const fs::path dir =
      fs::temp_directory_path() / ("modelc-simtest-" + std::to_string(::getpid()));
  return dir;
}

// Builds the fake module with extra -D flags once per variant; returns its path ("" on failure).
fs::path build_fake(const std::string& variant, const std::string& defines) {
  fs::path out = work_dir() / ("fake_" + variant + ".so");
  if (fs::exists(out)) return out;
  fs::create_directories(work_dir());
  std::string cmd = "cc -std=c99 -shared -fPIC " + defines + " -I" MODELC_SOURCE_ROOT " " +
                    MODELC_SOURCE_ROOT "/tests/unit/fake_module.c -o " + out.string();
  return std::system(cmd.c_str()) == 0 ? out : fs::path();
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The data section of an .npy file (header length from bytes 8-9).
std::string npy_data(const fs::path& path) {
  std::string bytes = read_bytes(path);
  if (bytes.size() < 10) return {};
  size_t header_len = static_cast<unsigned char>(bytes[8]) |
                      (static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8);
  return bytes.substr(10 + header_len);
}

template <typename T>
std::vector<T> npy_values(const fs::path& path) {
  std::string data = npy_data(path);
  std::vector<T> values(data.size() / sizeof(T));
  std::memcpy(values.data(), data.data(), values.size() * sizeof(T));
  return values;
}

// Removes the compiled variants after each suite that built them (a later suite rebuilds them).
class FakeModuleTest : public ::testing::Test {
 protected:
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(work_dir(), ec);
  }
};

class ModuleLoaderTest : public FakeModuleTest {};

class SimulationTest : public FakeModuleTest {
 protected:
  void SetUp() override {
    path_ = build_fake("ok", "");
    ASSERT_FALSE(path_.empty()) << "could not compile fake_module.c";
    std::string error;
    ASSERT_TRUE(module_.load(path_, error)) << error;
  }

  // Runs the fake model for its 20 compiled steps and collects the results.
  RunResults run_fake(const ProgressCallback& progress = {}) {
    Simulation sim(module_, Simulation::default_options(module_));
    std::string error;
    RunResults results;
    EXPECT_TRUE(sim.init(error)) << error;
    EXPECT_TRUE(sim.run(module_.info()->steps, progress, error)) << error;
    EXPECT_TRUE(sim.collect(results, error)) << error;
    return results;
  }

  fs::path path_;
  LoadedModule module_;
};

TEST_F(SimulationTest, LoaderResolvesInfo) {
  ASSERT_TRUE(module_.loaded());
  EXPECT_EQ(module_.info()->abi_version, MC_ABI_VERSION);
  EXPECT_STREQ(module_.info()->model_name, "fake");
  EXPECT_EQ(module_.path(), path_);
  EXPECT_NE(module_.fn().monitor_read, nullptr);

  LoadedModule moved(std::move(module_));
  EXPECT_TRUE(moved.loaded());
  EXPECT_FALSE(module_.loaded());
  LoadedModule assigned;
  assigned = std::move(moved);
  EXPECT_TRUE(assigned.loaded());
  EXPECT_EQ(assigned.info()->num_monitors, 3);
}

// mc_launch_count is optional (added without an ABI bump): the fake module does not export it,
// so the run reports no launch count instead of failing to load.
TEST_F(SimulationTest, ModuleWithoutLaunchCountStillLoads) {
  EXPECT_EQ(module_.fn().launch_count, nullptr);
  RunResults r = run_fake();
  EXPECT_EQ(r.kernel_launches, -1);
  EXPECT_FALSE(make_manifest(r, {}).contains("kernel_launches"));
  EXPECT_EQ(format_summary(r, {}).find("kernel launches"), std::string::npos);
}

TEST_F(ModuleLoaderTest, MissingFile) {
  LoadedModule module;
  std::string error;
  EXPECT_FALSE(module.load("/nonexistent/dir/model.so", error));
  EXPECT_NE(error.find("/nonexistent/dir/model.so"), std::string::npos) << error;
  EXPECT_FALSE(module.loaded());
}

TEST_F(ModuleLoaderTest, MissingSymbol) {
  fs::path path = build_fake("nodestroy", "-DFAKE_OMIT_DESTROY");
  ASSERT_FALSE(path.empty());
  LoadedModule module;
  std::string error;
  EXPECT_FALSE(module.load(path, error));
  EXPECT_NE(error.find("mc_destroy"), std::string::npos) << error;
  EXPECT_FALSE(module.loaded());
}

TEST_F(ModuleLoaderTest, AbiMismatch) {
  fs::path path = build_fake("abi99", "-DFAKE_ABI_VERSION=99");
  ASSERT_FALSE(path.empty());
  LoadedModule module;
  std::string error;
  EXPECT_FALSE(module.load(path, error));
  EXPECT_NE(error.find("version 99"), std::string::npos) << error;
  EXPECT_NE(error.find("version " + std::to_string(MC_ABI_VERSION)), std::string::npos) << error;
}

TEST_F(SimulationTest, CollectsCountsAndMonitors) {
  RunResults r = run_fake();
  EXPECT_EQ(r.model_name, "fake");
  EXPECT_EQ(r.backend, "fake-cpu");
  EXPECT_EQ(r.steps, 20);
  EXPECT_EQ(r.seed, 42u);
  EXPECT_EQ(r.precision, "double");
  EXPECT_DOUBLE_EQ(r.duration(), 0.02);

  // Neuron i spikes at steps s with s % 5 == i: steps {0,1,2, 5,6,7, 10,11,12, 15,16,17}.
  ASSERT_EQ(r.populations.size(), 1u);
  EXPECT_EQ(r.populations[0].name, "P");
  EXPECT_EQ(r.populations[0].size, 3);
  EXPECT_EQ(r.populations[0].spikes, 12);
  EXPECT_NEAR(r.populations[0].mean_rate_hz, 12 / 3.0 / 0.02, 1e-9);
  ASSERT_EQ(r.synapse_groups.size(), 1u);
  EXPECT_EQ(r.synapse_groups[0].synapses, 3);
  EXPECT_EQ(r.synapse_groups[0].source, "P");

  ASSERT_EQ(r.monitors.size(), 3u);
  const MonitorResult& spk = r.monitors[0];
  EXPECT_EQ(spk.kind, MC_MON_SPIKES);
  ASSERT_EQ(spk.spike_indices.size(), 12u);
  ASSERT_EQ(spk.times.size(), 12u);
  for (size_t k = 0; k < 12; ++k) {
    int64_t step = (k / 3) * 5 + k % 3;
    EXPECT_EQ(spk.steps[k], step);
    EXPECT_EQ(spk.spike_indices[k], step % 5);
    EXPECT_DOUBLE_EQ(spk.times[k], step * 1e-3);
  }

  const MonitorResult& st = r.monitors[1];
  EXPECT_EQ(st.kind, MC_MON_STATE);
  EXPECT_EQ(st.indices, (std::vector<int64_t>{0, 2}));
  ASSERT_EQ(st.variables, std::vector<std::string>{"v"});
  EXPECT_EQ(st.units, std::vector<std::string>{"volt"});
  ASSERT_EQ(st.steps.size(), 10u);
  ASSERT_EQ(st.values[0].size(), 20u);
  for (size_t k = 0; k < 10; ++k) {
    EXPECT_EQ(st.steps[k], int64_t(2 * k));
    EXPECT_DOUBLE_EQ(st.values[0][2 * k], 2.0 * k);             // neuron 0
    EXPECT_DOUBLE_EQ(st.values[0][2 * k + 1], 20.0 + 2.0 * k);  // neuron 2
  }

  const MonitorResult& rate = r.monitors[2];
  EXPECT_EQ(rate.kind, MC_MON_RATE);
  ASSERT_EQ(rate.rates.size(), 20u);
  for (size_t s = 0; s < 20; ++s) {
    EXPECT_NEAR(rate.rates[s], s % 5 < 3 ? 1000.0 / 3.0 : 0.0, 1e-9);
    EXPECT_DOUBLE_EQ(rate.times[s], s * 1e-3);
  }
}

TEST_F(SimulationTest, ChunkedRunsMatchOneRunAndReportProgress) {
  std::vector<double> simulated;
  double last_total = 0.0;
  RunResults chunked = run_fake([&](double sim, double total, double realtime, double eta) {
    simulated.push_back(sim);
    last_total = total;
    EXPECT_GE(realtime, 0.0);
    EXPECT_GE(eta, 0.0);
  });
  ASSERT_FALSE(simulated.empty());
  EXPECT_DOUBLE_EQ(simulated.back(), 0.02);
  EXPECT_DOUBLE_EQ(last_total, 0.02);
  for (size_t k = 1; k < simulated.size(); ++k) EXPECT_GT(simulated[k], simulated[k - 1]);

  RunResults single = run_fake();
  EXPECT_EQ(chunked.monitors[0].steps, single.monitors[0].steps);
  EXPECT_EQ(chunked.monitors[1].values, single.monitors[1].values);
  EXPECT_EQ(chunked.monitors[2].rates, single.monitors[2].rates);

  // Two run() calls continue where the first stopped.
  Simulation sim(module_, Simulation::default_options(module_));
  std::string error;
  ASSERT_TRUE(sim.init(error)) << error;
  ASSERT_TRUE(sim.run(7, {}, error)) << error;
  ASSERT_TRUE(sim.run(13, [](double, double, double, double) {}, error)) << error;
  RunResults split;
  ASSERT_TRUE(sim.collect(split, error)) << error;
  EXPECT_EQ(split.steps, 20);
  EXPECT_EQ(split.monitors[0].spike_indices, single.monitors[0].spike_indices);
}

TEST_F(SimulationTest, ErrorsAreReportedNotThrown) {
  Simulation not_initialised(module_, Simulation::default_options(module_));
  std::string error;
  EXPECT_FALSE(not_initialised.run(5, {}, error));
  RunResults r;
  EXPECT_FALSE(not_initialised.collect(r, error));

  fs::path failing = build_fake("failinit", "-DFAKE_FAIL_INIT");
  ASSERT_FALSE(failing.empty());
  LoadedModule module;
  ASSERT_TRUE(module.load(failing, error)) << error;
  Simulation sim(module, Simulation::default_options(module));
  EXPECT_FALSE(sim.init(error));
  EXPECT_NE(error.find("fake init failure"), std::string::npos) << error;
}

TEST_F(SimulationTest, WritesResultsDirectory) {
  RunResults r = run_fake();
  ManifestExtras extras;
  extras.modelc_version = "0.1.0";
  extras.timings = {{"parse", 0.001}, {"compile", 1.5}};
  extras.compile_cached = true;
  extras.decisions = {{"spike propagation: serial", "single thread"}};
  extras.extra = {{"note", "test"}, {"steps", -1}};
  fs::path dir = work_dir() / "results";
  std::string error;
  ASSERT_TRUE(write_results(dir, r, extras, error)) << error;

  for (const char* file : {"spk_i.npy", "spk_t.npy", "st_t.npy", "st_v.npy", "st_indices.npy",
                           "rate_t.npy", "rate_rate.npy", "manifest.json"})
    EXPECT_TRUE(fs::exists(dir / file)) << file;
  EXPECT_EQ(npy_values<int32_t>(dir / "spk_i.npy"), r.monitors[0].spike_indices);
  EXPECT_EQ(npy_values<double>(dir / "spk_t.npy"), r.monitors[0].times);
  EXPECT_EQ(npy_values<double>(dir / "st_v.npy"), r.monitors[1].values[0]);
  EXPECT_EQ(npy_values<int64_t>(dir / "st_indices.npy"), (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(npy_values<double>(dir / "rate_rate.npy"), r.monitors[2].rates);
  EXPECT_NE(read_bytes(dir / "st_v.npy").find("'shape': (10, 2)"), std::string::npos);

  nlohmann::json m = nlohmann::json::parse(read_bytes(dir / "manifest.json"));
  EXPECT_EQ(m["model"], "fake");
  EXPECT_EQ(m["backend"], "fake-cpu");
  EXPECT_EQ(m["versions"]["modelc"], "0.1.0");
  EXPECT_EQ(m["steps"], 20);  // extras cannot override measured facts
  EXPECT_EQ(m["note"], "test");
  EXPECT_EQ(m["seed"], 42);
  EXPECT_DOUBLE_EQ(m["duration"].get<double>(), 0.02);
  EXPECT_DOUBLE_EQ(m["timings"]["compile"].get<double>(), 1.5);
  EXPECT_TRUE(m["timings"].contains("simulate"));
  EXPECT_TRUE(m["timings"].contains("construct"));
  EXPECT_EQ(m["populations"][0]["spikes"], 12);
  EXPECT_EQ(m["synapse_groups"][0]["synapses"], 3);
  EXPECT_EQ(m["decisions"][0]["what"], "spike propagation: serial");
  const nlohmann::json& st_v = m["arrays"]["st_v.npy"];
  EXPECT_EQ(st_v["dtype"], "float64");
  EXPECT_EQ(st_v["shape"], nlohmann::json::array({10, 2}));
  EXPECT_EQ(st_v["unit"], "volt");
  EXPECT_EQ(st_v["monitor"], "st");
  EXPECT_EQ(st_v["field"], "v");
  EXPECT_EQ(m["arrays"]["spk_i.npy"]["dtype"], "int32");
  EXPECT_EQ(m["arrays"]["rate_rate.npy"]["unit"], "Hz");
  EXPECT_EQ(m["arrays"].size(), 7u);

  if (std::system("/usr/bin/python3 -c 'import numpy' > /dev/null 2>&1") == 0) {
    std::string cmd = "/usr/bin/python3 -c \"import numpy as np; a = np.load('" +
                      (dir / "st_v.npy").string() +
                      "'); assert a.shape == (10, 2) and a[3, 1] == 26.0\"";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
  }
}

TEST_F(SimulationTest, SummaryTable) {
  RunResults r = run_fake();
  ManifestExtras extras;
  extras.timings = {{"parse", 0.001}, {"passes", 0.002}, {"codegen", 0.003}, {"compile", 0.5}};
  extras.compile_cached = true;
  std::string s = format_summary(r, extras);
  EXPECT_NE(s.find("fake"), std::string::npos) << s;
  EXPECT_NE(s.find("200.000 Hz"), std::string::npos) << s;
  EXPECT_NE(s.find("P -> P"), std::string::npos) << s;
  EXPECT_NE(s.find("(cached)"), std::string::npos) << s;
  EXPECT_NE(s.find("realtime x"), std::string::npos) << s;
  size_t parse = s.find(" parse "), compile = s.find(" compile "), simulate = s.find(" simulate ");
  ASSERT_NE(simulate, std::string::npos) << s;
  EXPECT_LT(parse, compile);
  EXPECT_LT(compile, simulate);
}

TEST(ProgressLine, FormatAndSilentWhenDisabled) {
  EXPECT_EQ(ProgressLine::format(0.42, 1.0, 3.1, 0.2),
            "[  42%] t = 0.420 s / 1.000 s   realtime x3.1   ETA 0.2 s");
  EXPECT_EQ(ProgressLine::format(1.0, 1.0, 12.5, 0.0).substr(0, 7), "[ 100%]");
  ProgressLine line(false);
  line.callback()(0.5, 1.0, 1.0, 1.0);  // must not print (and must not crash)
  line.finish();
  EXPECT_FALSE(line.enabled());
}

}  // namespace
