// Connectivity built on the device (codegen/simt/device_connect.cpp): for probability rules of
// several shapes (a condition with and without j, `n`, p depending on i and j, a condition reading a
// neuron variable, slices, a group whose pre array is kept, postsynaptic propagation, another
// seed) the CSR the GPU module builds on the device equals, synapse for synapse and in order, the
// one it builds on the host (MODELC_DEVICE_CONNECT=0) and the CPU backend's; the spikes equal the
// CPU backend's. The module's diagnostic export mc_connect_built_on_device proves which path ran.
// OpenCL runs on PoCL here; the cuda cases skip without a GPU (the check to run when one is lent).
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>

#include "model_runner.h"

#ifdef MODELC_HAVE_OPENCL
#include "gpu_devices.h"

namespace modelc::testing {
namespace {

namespace fs = std::filesystem;

fs::path scratch_dir() {
  static fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("modelc-devconn-" + std::to_string(getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

struct Case {
  std::string name;
  std::function<void(nlohmann::ordered_json&)> edit;
};

// CUBA (4000 neurons, 80 synapses per row) shortened, with its connections rewritten.
std::vector<Case> cases() {
  return {
      {"condition_without_j", [](auto& j) { j["synapses"][0]["connect"] = {{"p", "p"}, {"condition", "i % 3 != 0"}}; }},
      {"condition_with_j", [](auto& j) { j["synapses"][0]["connect"] = {{"p", "p"}, {"condition", "i != j"}}; }},
      {"condition_reads_a_variable",
       [](auto& j) { j["synapses"][1]["connect"] = {{"p", "2 * p"}, {"condition", "v_pre > -56*mV"}}; }},
      {"with_n",
       [](auto& j) {
         j["modelc_ir"] = 2;
         j["synapses"][0]["connect"] = {{"p", "p"}, {"n", "1 + i % 2"}};
       }},
      {"p_of_i_and_j", [](auto& j) { j["synapses"][0]["connect"] = {{"p", "p * (0.5 + ((i + 3 * j) % 4) / 2.0)"}}; }},
      {"target_slice",
       [](auto& j) {
         j["synapses"][0]["target"] = "P[1000:3500]";
         j["synapses"][1]["target"] = "P[0:2000]";
         j["synapses"][1]["connect"] = {{"p", "p"}, {"condition", "j != i"}};
       }},
      // Per-synapse weights drawn after connect (keyed by the synapse index, so they depend on
      // the CSR order) and a synaptic kernel: the pre array is kept.
      {"keep_pre_and_weights",
       [](auto& j) {
         auto& s = j["synapses"][0];
         s["equations"] = nlohmann::ordered_json::array({"w : volt"});
         s["initial"] = {{"w", "we * (0.5 + rand())"}};
         s["on_pre"] = "ge += w";
       }},
      // The transposed index is built from the CSR read back from the device.
      {"postsynaptic", [](auto& j) { for (auto& s : j["synapses"]) s["propagation"] = "postsynaptic"; }},
      {"other_seed", [](auto& j) { j["simulation"]["seed"] = 7; }},
  };
}

fs::path write_case(const Case& c) {
  nlohmann::ordered_json j = read_ordered("examples/cuba.json");
  j["simulation"]["duration"] = "100 ms";
  // The CSR is what is built on the device (dense and bitmask matrices are built on the host).
  for (auto& s : j["synapses"]) s["connectivity"] = "sparse";
  c.edit(j);
  const fs::path out = scratch_dir() / ("devconn_" + c.name + ".json");
  std::ofstream(out) << j.dump(1);
  return out;
}

struct Csr {
  std::vector<int32_t> pre, post;
  int on_device = -1;  // mc_connect_built_on_device, -1 where the module has no such export
};

// mc_create + mc_init of `module` with MODELC_DEVICE_CONNECT=`device_connect`, then every group's
// synapses through mc_read_synapses.
std::vector<Csr> built_synapses(const fs::path& module, const char* device_connect, std::string& err) {
  std::vector<Csr> out;
  if (device_connect) setenv("MODELC_DEVICE_CONNECT", device_connect, 1);
  else unsetenv("MODELC_DEVICE_CONNECT");
  runtime::LoadedModule lm;
  if (!lm.load(module, err)) return out;
  void* h = dlopen(module.c_str(), RTLD_NOW | RTLD_LOCAL);
  using BuiltOn = int32_t (*)(const mc_module*, int32_t);
  BuiltOn built_on = h ? reinterpret_cast<BuiltOn>(dlsym(h, "mc_connect_built_on_device")) : nullptr;
  mc_options o = runtime::Simulation::default_options(lm);
  o.num_threads = 1;
  char e[2048] = {0};
  mc_module* m = lm.fn().create(&o, e, sizeof e);
  if (!m) {
    err = e;
  } else if (lm.fn().init(m) != 0) {
    err = lm.fn().last_error(m);
  } else {
    for (int32_t g = 0; g < lm.info()->num_synapse_groups; ++g) {
      Csr c;
      const int64_t n = lm.fn().synapse_count(m, g);
      c.pre.resize(static_cast<size_t>(n));
      c.post.resize(static_cast<size_t>(n));
      if (n > 0 && lm.fn().read_synapses(m, g, c.pre.data(), c.post.data()) != 0) err = lm.fn().last_error(m);
      if (built_on) c.on_device = built_on(m, g);
      out.push_back(std::move(c));
    }
  }
  if (m) lm.fn().destroy(m);
  if (h) dlclose(h);
  unsetenv("MODELC_DEVICE_CONNECT");
  return out;
}

bool compile(const fs::path& model, const std::string& backend, driver::CompiledModel& cm, std::string& err) {
  driver::PipelineOptions o;
  o.backend = backend;
  o.build.out_dir = scratch_dir() / (model.stem().string() + "-" + backend);
  o.build.cache_dir = test_cache_dir();
  DiagnosticEngine diags;
  if (driver::compile_model(model.string(), o, cm, diags)) return true;
  err = diags.render(model.string());
  return false;
}

bool same_spike_trains(const runtime::RunResults& a, const runtime::RunResults& b) {
  if (a.monitors.size() != b.monitors.size()) return false;
  for (size_t k = 0; k < a.monitors.size(); ++k)
    if (a.monitors[k].kind == MC_MON_SPIKES &&
        (a.monitors[k].steps != b.monitors[k].steps || a.monitors[k].spike_indices != b.monitors[k].spike_indices))
      return false;
  return true;
}

class DeviceConnectivity : public ::testing::TestWithParam<std::tuple<Case, std::string>> {};

TEST_P(DeviceConnectivity, CsrAndSpikesEqualTheHostBuilt) {
  const Case& c = std::get<0>(GetParam());
  const std::string& gpu = std::get<1>(GetParam());
  if (std::string why = no_device(gpu); !why.empty()) GTEST_SKIP() << why;
  const fs::path model = write_case(c);
  std::string err;
  driver::CompiledModel cpu, dev;
  ASSERT_TRUE(compile(model, "cpu", cpu, err)) << err;
  ASSERT_TRUE(compile(model, gpu, dev, err)) << err;
  EXPECT_NE(dev.build.module_path.empty(), true);
  const std::vector<Csr> ref = built_synapses(cpu.build.module_path, nullptr, err);
  ASSERT_TRUE(err.empty()) << err;
  const std::vector<Csr> host = built_synapses(dev.build.module_path, "0", err);
  ASSERT_TRUE(err.empty()) << err;
  const std::vector<Csr> device = built_synapses(dev.build.module_path, nullptr, err);
  ASSERT_TRUE(err.empty()) << err;
  ASSERT_EQ(ref.size(), 2u);
  ASSERT_EQ(host.size(), ref.size());
  ASSERT_EQ(device.size(), ref.size());
  for (size_t g = 0; g < ref.size(); ++g) {
    EXPECT_EQ(host[g].on_device, 0) << "group " << g << ": MODELC_DEVICE_CONNECT=0 must build on the host";
    EXPECT_EQ(device[g].on_device, 1) << "group " << g << ": the default must build a probability rule on the device";
    ASSERT_GT(ref[g].post.size(), 1000u) << "group " << g << " has too few synapses to test anything";
    EXPECT_TRUE(host[g].post == ref[g].post && host[g].pre == ref[g].pre) << "group " << g << ": host-built CSR differs from the cpu's";
    EXPECT_EQ(device[g].post.size(), ref[g].post.size()) << "group " << g;
    EXPECT_TRUE(device[g].post == ref[g].post) << "group " << g << ": device-built post indices differ from the cpu's";
    EXPECT_TRUE(device[g].pre == ref[g].pre) << "group " << g << ": device-built pre indices differ from the cpu's";
  }
  // The whole run (device-built, the default) against the cpu backend.
  auto a = compile_and_run(model, err, [] { driver::PipelineOptions o; o.backend = "cpu"; return o; }(), 1);
  ASSERT_TRUE(a) << err;
  auto b = compile_and_run(model, err, [&] { driver::PipelineOptions o; o.backend = gpu; return o; }(), 1);
  ASSERT_TRUE(b) << err;
  int64_t spikes = 0;
  for (const auto& p : a->results.populations) spikes += p.spikes;
  std::cout << "[ devconn  ] " << c.name << ": " << ref[0].post.size() << " + " << ref[1].post.size() << " synapses, " << spikes
            << " cpu spikes, " << gpu << " trains " << (same_spike_trains(a->results, b->results) ? "identical" : "differ") << "\n";
  ASSERT_GT(spikes, 10) << "too few spikes to test anything";
  EXPECT_TRUE(same_spike_trains(a->results, b->results)) << c.name << " on " << gpu << ": spike trains differ from the cpu backend's";
}

INSTANTIATE_TEST_SUITE_P(Rules, DeviceConnectivity, ::testing::Combine(::testing::ValuesIn(cases()), ::testing::ValuesIn(gpu_backends())),
                         [](const ::testing::TestParamInfo<std::tuple<Case, std::string>>& info) {
                           return std::get<1>(info.param) + "_" + std::get<0>(info.param).name;
                         });

// Which rules build on the device, as the generated host module says: probability rules do,
// all-to-all, one-to-one, explicit and generator rules do not (they keep the host's connect<g>).
TEST(DeviceConnectivityCodegen, OnlyProbabilityRulesBuildOnTheDevice) {
  nlohmann::ordered_json j = read_ordered("examples/cuba.json");
  j["synapses"][1]["connect"] = {{"rule", "all_to_all"}};
  j["synapses"][0]["connectivity"] = "sparse";
  const fs::path model = scratch_dir() / "devconn_rules.json";
  std::ofstream(model) << j.dump(1);
  driver::PipelineOptions o;
  o.backend = "opencl";
  o.build.out_dir = scratch_dir() / "devconn_rules";
  o.build.cache_dir = test_cache_dir();
  driver::CompiledModel cm;
  DiagnosticEngine diags;
  ASSERT_TRUE(driver::compile_model(model.string(), o, cm, diags)) << diags.render(model.string());
  std::ifstream in(o.build.out_dir / "model.cpp");
  const std::string host((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(host.empty()) << "no model.cpp in " << o.build.out_dir;
  EXPECT_NE(host.find("static int mc_connect_device0(mc_module* m)"), std::string::npos);
  EXPECT_EQ(host.find("mc_connect_device1"), std::string::npos) << "an all-to-all rule is built on the host";
  EXPECT_NE(host.find("__kernel void mc_connect_count0("), std::string::npos);
  EXPECT_NE(host.find("__kernel void mc_connect_fill0("), std::string::npos);
  EXPECT_NE(host.find("__kernel void mc_scan_rows("), std::string::npos);
  EXPECT_EQ(host.find("mc_connect_count1"), std::string::npos);
}

}  // namespace
}  // namespace modelc::testing

#endif  // MODELC_HAVE_OPENCL
