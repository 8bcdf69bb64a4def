// Cross-backend equivalence: every example and golden model runs on the cpu backend and on each GPU
// backend with a device here (opencl: PoCL on this machine; cuda: skipped without a GPU, the check
// to run when one is lent) (durations shortened where a full run is too slow for the suite) and
// must agree:
//   - models whose floating-point operation order is fixed (no conflicting atomics: lif*,
//     hh_current) give identical spike trains, and state traces equal up to the last bits of the
//     device's exp/log (OpenCL and CUDA allow a few ulp; PoCL uses SLEEF, the CPU glibc);
//   - models with synaptic accumulation through atomics (cuba, cobahh, hh_coupled) may sum in a
//     different order on every run; one rounding difference then sends a chaotic balanced network
//     onto a different trajectory. So only statistics are asserted: the mean rate within 10% and
//     the mean ISI coefficient of variation within 0.1. Those bounds are a few times the spread
//     between independent trajectories of these networks, yet a broken backend (lost or doubled
//     synaptic events, wrong delays, wrong RNG) moves the rate by far more. Connectivity is built
//     from the same draws (on the device for probability rules, by the host code otherwise) and
//     must be identical. (On PoCL the sums happen to come out in the same
//     order for these models, so the trains are identical there too; the test reports it.)
// IR v2 models (custom events, spike generators, pathways, heterogeneous delays, PoissonInput,
// TimedArray, run_regularly, summed variables, synapse monitors) are compared the same way; STDP
// models additionally compare the final weight histograms (10 bins, within 0.05 per bin).
// Plus: same random numbers (uniform bit-identical) on every GPU backend; for OpenCL the clear
// error for a double model on a device without fp64 (forced), a float model on such a device,
// device selection errors, and the on-disk program binary cache.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>

#include "model_runner.h"
#include "storage_variants.h"

#ifdef MODELC_HAVE_OPENCL
#include "gpu_devices.h"

namespace modelc::testing {
namespace {

namespace fs = std::filesystem;

// Model files are order-sensitive (constants may use earlier constants): keep key order on rewrite.
#define REQUIRE_DEVICE_OF(backend) \
  if (std::string why = no_device(backend); !why.empty()) GTEST_SKIP() << why
#define REQUIRE_DEVICE() REQUIRE_DEVICE_OF("opencl")

fs::path scratch_dir() {
  static fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("modelc-ocl-eq-" + std::to_string(getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

// A copy of `model` with the given simulation / synapse overrides.
fs::path model_copy(const std::string& model, const std::string& duration, const std::string& precision = "",
                    const std::string& tag = "") {
  nlohmann::ordered_json j = read_ordered(model);
  if (!duration.empty()) j["simulation"]["duration"] = duration;
  if (!precision.empty()) j["simulation"]["precision"] = precision;
  fs::path out = scratch_dir() / (fs::path(model).stem().string() + tag + "_" + precision + duration + ".json");
  std::ofstream(out) << j.dump(1);
  return out;
}

std::optional<RunOutput> run_on(const fs::path& model, const std::string& backend, std::string& err) {
  driver::PipelineOptions o;
  o.backend = backend;
  return compile_and_run(model, err, o, 1);
}

struct Stats {
  int64_t spikes = 0;
  double rate = 0, cv = 0;
};

Stats stats_of(const runtime::RunResults& r) {
  Stats s;
  int64_t neurons = 0;
  for (const auto& p : r.populations) {
    s.spikes += p.spikes;
    neurons += p.size;
  }
  s.rate = neurons > 0 ? static_cast<double>(s.spikes) / static_cast<double>(neurons) / r.duration() : 0;
  // Mean CV of the inter-spike intervals over neurons with at least 3 spikes (spike monitors).
  double cv_sum = 0;
  int cv_n = 0;
  for (const auto& m : r.monitors) {
    if (m.kind != MC_MON_SPIKES) continue;
    std::map<int32_t, std::vector<int64_t>> trains;
    for (size_t k = 0; k < m.steps.size(); ++k) trains[m.spike_indices[k]].push_back(m.steps[k]);
    for (const auto& [i, t] : trains) {
      if (t.size() < 3) continue;
      double mean = 0, sq = 0;
      for (size_t k = 1; k < t.size(); ++k) mean += static_cast<double>(t[k] - t[k - 1]);
      mean /= static_cast<double>(t.size() - 1);
      for (size_t k = 1; k < t.size(); ++k) sq += std::pow(static_cast<double>(t[k] - t[k - 1]) - mean, 2);
      cv_sum += std::sqrt(sq / static_cast<double>(t.size() - 1)) / mean;
      ++cv_n;
    }
  }
  s.cv = cv_n ? cv_sum / cv_n : 0;
  return s;
}

bool same_spikes(const runtime::RunResults& a, const runtime::RunResults& b) {
  for (const auto& ma : a.monitors) {
    const runtime::MonitorResult* mb = find_monitor(b, ma.name);
    if (!mb || ma.steps != mb->steps || ma.spike_indices != mb->spike_indices) return false;
  }
  return true;
}

// Every state monitor of b (and with `spike_values` every spike monitor's recorded variables)
// within 1e-9 of a's largest magnitude: the arithmetic order is the same (no FMA contraction on
// either side); only transcendental functions may differ by a few ulp, amplified during action
// potentials.
void expect_monitors_close(const runtime::RunResults& a, const runtime::RunResults& b, bool spike_values) {
  for (const auto& ma : a.monitors) {
    if (ma.kind != MC_MON_STATE && !(spike_values && !ma.values.empty())) continue;
    const runtime::MonitorResult* mb = find_monitor(b, ma.name);
    ASSERT_NE(mb, nullptr) << ma.name;
    ASSERT_EQ(ma.steps, mb->steps) << ma.name;
    ASSERT_EQ(ma.values.size(), mb->values.size()) << ma.name;
    for (size_t v = 0; v < ma.values.size(); ++v) {
      ASSERT_EQ(ma.values[v].size(), mb->values[v].size()) << ma.name;
      double worst = 0, scale = 0;
      for (size_t k = 0; k < ma.values[v].size(); ++k) {
        worst = std::max(worst, std::fabs(ma.values[v][k] - mb->values[v][k]));
        scale = std::max(scale, std::fabs(ma.values[v][k]));
      }
      EXPECT_LE(worst, 1e-9 * std::max(scale, 1e-3)) << ma.name << "." << ma.variables[v];
    }
  }
}


struct Case {
  std::string model;
  std::string duration;  // empty: the model's own
  bool fixed_order;      // no conflicting atomics: identical spike trains required
  std::string precision = "";
  bool weights = false;  // STDP: the final weight histograms (state monitors of "w") must agree too
};

// Histogram (10 bins over [0, max]) of the last recorded sample of every state monitor variable "w".
std::vector<double> final_weight_histogram(const runtime::RunResults& r) {
  std::vector<double> h(10, 0.0);
  double total = 0;
  for (const auto& m : r.monitors) {
    if (m.kind != MC_MON_STATE || m.steps.empty()) continue;
    for (size_t v = 0; v < m.variables.size(); ++v) {
      if (m.variables[v] != "w") continue;
      const size_t n = m.values[v].size() / m.steps.size();
      double hi = 0;
      for (size_t k = m.values[v].size() - n; k < m.values[v].size(); ++k) hi = std::max(hi, m.values[v][k]);
      for (size_t k = m.values[v].size() - n; k < m.values[v].size(); ++k) {
        const int bin = hi > 0 ? std::min(9, static_cast<int>(m.values[v][k] / hi * 10)) : 0;
        h[static_cast<size_t>(std::max(0, bin))] += 1;
        total += 1;
      }
    }
  }
  for (double& x : h) x = total > 0 ? x / total : 0;
  return h;
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.model << " " << c.duration << " " << c.precision; }

class CrossBackend : public ::testing::TestWithParam<std::tuple<Case, std::string>> {};

TEST_P(CrossBackend, GpuAgreesWithCpu) {
  const Case& c = std::get<0>(GetParam());
  const std::string& gpu = std::get<1>(GetParam());
  REQUIRE_DEVICE_OF(gpu);
  fs::path model = model_copy(c.model, c.duration, c.precision);
  std::string err;
  auto cpu = run_on(model, "cpu", err);
  ASSERT_TRUE(cpu) << err;
  auto dev = run_on(model, gpu, err);
  ASSERT_TRUE(dev) << err;
  const auto& a = cpu->results;
  const auto& b = dev->results;
  ASSERT_EQ(a.steps, b.steps);
  EXPECT_EQ(b.backend, gpu);
  ASSERT_EQ(a.synapse_groups.size(), b.synapse_groups.size());
  for (size_t g = 0; g < a.synapse_groups.size(); ++g) EXPECT_EQ(a.synapse_groups[g].synapses, b.synapse_groups[g].synapses);
  Stats sa = stats_of(a), sb = stats_of(b);
  const bool identical = same_spikes(a, b);
  std::cout << "[ stats    ] " << c.model << " (" << (c.duration.empty() ? "full" : c.duration) << ", "
            << (c.precision.empty() ? "model precision" : c.precision) << "): cpu " << sa.spikes << " spikes, "
            << sa.rate << " Hz, CV " << sa.cv << " | " << gpu << " " << sb.spikes << " spikes, " << sb.rate << " Hz, CV "
            << sb.cv << " | spike trains " << (identical ? "identical" : "differ") << "\n";
  ASSERT_GT(sa.spikes, 0) << "a model without spikes tests nothing";
  if (c.fixed_order) {
    EXPECT_TRUE(identical) << "fixed-order model: spike trains must be identical";
    for (size_t p = 0; p < a.populations.size(); ++p) EXPECT_EQ(a.populations[p].spikes, b.populations[p].spikes);
    // Spike monitors with variables (IR v2) too: the values recorded at each spike, in the same order.
    expect_monitors_close(a, b, true);
  } else {
    EXPECT_NEAR(sb.rate, sa.rate, 0.10 * sa.rate) << "mean rates disagree beyond 10%";
    EXPECT_NEAR(sb.cv, sa.cv, 0.1) << "ISI CVs disagree beyond 0.1";
  }
  if (c.weights) {
    // STDP: the weight distribution after learning, bin by bin (fractions of the synapses).
    std::vector<double> ha = final_weight_histogram(a), hb = final_weight_histogram(b);
    for (size_t k = 0; k < ha.size(); ++k) EXPECT_NEAR(hb[k], ha[k], 0.05) << "final weight histogram, bin " << k;
  }
}

INSTANTIATE_TEST_SUITE_P(
    ExamplesAndGoldens, CrossBackend,
    ::testing::Combine(::testing::Values(Case{"examples/lif.json", "", true}, Case{"examples/cuba.json", "500 ms", false},
                      Case{"examples/cobahh.json", "150 ms", false}, Case{"tests/golden/models/lif_current.json", "", true},
                      Case{"tests/golden/models/lif_current_euler.json", "", true},
                      Case{"tests/golden/models/lif_current_rk4.json", "", true},
                      Case{"tests/golden/models/hh_current.json", "", true},
                      Case{"tests/golden/models/hh_coupled.json", "", false},
                      Case{"tests/golden/models/cuba_stats.json", "400 ms", false},
                      Case{"tests/golden/models/cobahh_stats.json", "150 ms", false},
                      Case{"examples/cuba.json", "300 ms", false, "float"},
                      Case{"tests/golden/models/lif_current.json", "", true, "float"},
                      // IR v2 (kernel IR v2 constructs; durations shortened where a full run is slow on PoCL).
                      Case{"tests/golden/models/delays_hetero.json", "", true},
                      Case{"tests/golden/models/custom_events_dendrite.json", "", true},
                      Case{"tests/golden/models/stdp_pairs.json", "", true},
                      Case{"tests/golden/models/timed_input.json", "", true},
                      Case{"tests/golden/models/run_regularly_shared.json", "", true},
                      Case{"tests/golden/models/summed_gap.json", "", true},
                      Case{"tests/golden/models/schedule_groups.json", "", true},
                      Case{"tests/golden/models/schedule_thresholds.json", "", true},
                      Case{"tests/golden/models/schedule_resets.json", "", true},
                      Case{"tests/golden/models/schedule_order.json", "", true},
                      Case{"tests/golden/models/schedule_slots.json", "", true},
                      Case{"tests/golden/models/poisson_input.json", "50 ms", true},
                      Case{"tests/golden/models/mushroom_body_small.json", "50 ms", false},
                      Case{"tests/golden/models/stdp_song.json", "500 ms", false, "", true},
                      Case{"tests/golden/models/brunel_hakim_homog.json", "40 ms", false},
                      Case{"tests/golden/models/brunel_hakim_hetero.json", "40 ms", false},
                      Case{"examples/dendrify_neuron.json", "40 ms", false},
                      Case{"examples/mushroom_body.json", "30 ms", false},
                      Case{"examples/stdp.json", "300 ms", false, "", true},
                      Case{"examples/brunel_hakim.json", "30 ms", false},
                      Case{"examples/brunel_hakim_hetero.json", "30 ms", false},
                      Case{"tests/golden/models/delays_hetero.json", "", true, "float"},
                      // Spike monitor variables and summed variables (gathered per target on OpenCL).
                      Case{"examples/v2_connect_shared.json", "", true}),
                       ::testing::ValuesIn(gpu_backends())),
    [](const ::testing::TestParamInfo<std::tuple<Case, std::string>>& info) {
      // <backend>_<model>_<n>, so `--gtest_filter=*cuda*` picks one backend.
      std::string name = std::get<1>(info.param) + "_" + fs::path(std::get<0>(info.param).model).stem().string() + "_" +
                         std::to_string(info.index);
      for (char& ch : name)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      return name;
    });

// Every connectivity storage forced on every synapse group (storage_variants.h): dense and bitmask
// rows scanned by a block per spike (with a block-wide prefix sum for syn where the body draws
// keyed by it), procedural rows regenerated on the device from the Philox stream (geometric skips
// ranked by a prefix sum; all-to-all and one-to-one written out). Shared weights, one constant per
// kernel: identical spike trains in double precision whatever the order of the atomics.
class CrossBackendStorage : public ::testing::TestWithParam<std::tuple<StorageVariant, std::string>> {};

TEST_P(CrossBackendStorage, GpuGivesTheCpuSpikes) {
  const StorageVariant& v = std::get<0>(GetParam());
  const std::string& gpu = std::get<1>(GetParam());
  REQUIRE_DEVICE_OF(gpu);
  const fs::path model = write_storage_variant(v, scratch_dir());
  std::string err;
  auto cpu = run_on(model, "cpu", err);
  ASSERT_TRUE(cpu) << err;
  auto dev = run_on(model, gpu, err);
  ASSERT_TRUE(dev) << err;
  const kir::Program& program = *dev->compiled.unit.program;
  for (const auto& g : program.synapse_groups)
    EXPECT_STREQ(kir::storage_name(g.connectivity.storage), v.storage.c_str()) << g.name << " is not stored as forced";
  const auto& a = cpu->results;
  const auto& b = dev->results;
  ASSERT_EQ(a.synapse_groups.size(), b.synapse_groups.size());
  for (size_t g = 0; g < a.synapse_groups.size(); ++g) EXPECT_EQ(a.synapse_groups[g].synapses, b.synapse_groups[g].synapses);
  const Stats sa = stats_of(a), sb = stats_of(b);
  std::cout << "[ storage  ] " << v.name << ": cpu " << sa.spikes << " spikes | " << gpu << " " << sb.spikes << " spikes\n";
  ASSERT_GT(sa.spikes, 100) << "too few spikes to test propagation";
  EXPECT_TRUE(same_spikes(a, b)) << v.storage << " on " << gpu << ": spike trains differ from the cpu backend's";
  for (size_t p = 0; p < a.populations.size(); ++p) EXPECT_EQ(a.populations[p].spikes, b.populations[p].spikes);
}

INSTANTIATE_TEST_SUITE_P(ForcedStorages, CrossBackendStorage,
                         ::testing::Combine(::testing::ValuesIn(storage_variants()), ::testing::ValuesIn(gpu_backends())),
                         [](const ::testing::TestParamInfo<std::tuple<StorageVariant, std::string>>& info) {
                           return std::get<1>(info.param) + "_" + std::get<0>(info.param).name;
                         });

// The strategies the SIMT emitter implements beyond the CSR and non-CSR storages (launch_plan.h,
// simt_features), each chosen by the passes for the GPU target or forced, checked present in the
// GPU program, and compared with the CPU backend running the same strategy:
//   - sparse u16 post indices without the pre array (CUBA's auto choice);
//   - the dendritic delay ring (forced): a block per event adds into ring row (step + delay) %
//     depth with atomics, a thread per target drains the row due;
//   - fused propagation (CUBA's Ce and Ci, and with mixed storages so that a later branch reads
//     its own row arrays): a block per spike visits every branch's row;
//   - merged neuron groups: one launch, a range of threads per member.
// Every case adds, per target and step, either one value or equal values (shared weights; in
// slices_pathways Dend's weight depends only on j, delays_hetero's ring rows get at most two
// inputs a step, and a + b == b + a), so the atomics' order cannot change a sum: spike trains must
// be identical, and recorded state equal to 1e-9 relative (transcendentals may differ by ulps).
struct StrategyCase {
  std::string name;
  std::string model;
  std::string duration;                                    // empty: the model's own
  std::function<void(nlohmann::ordered_json&)> edit;       // forces the strategy
  std::function<bool(const kir::Program&)> present;        // the strategy is in the GPU program
  // false: randn() draws, which may differ in the last bits (device log/cos), make the network
  // diverge; then the rules of models with atomics: rate within 10%, ISI CV within 0.1.
  bool exact = true;
};

void PrintTo(const StrategyCase& c, std::ostream* os) { *os << c.name; }

bool has_kernel(const kir::Program& p, const std::function<bool(const kir::Kernel&)>& f) {
  return std::any_of(p.kernels.begin(), p.kernels.end(), f);
}
bool dendritic_kernels(const kir::Program& p) {
  return has_kernel(p, [](const kir::Kernel& k) { return k.domain.kind == kir::Domain::Kind::DendriticEvents; }) &&
         has_kernel(p, [](const kir::Kernel& k) { return k.domain.kind == kir::Domain::Kind::DendriticDrain; });
}
bool fused_propagation(const kir::Program& p) {
  return has_kernel(p, [](const kir::Kernel& k) { return k.dispatch.size() == 2; });
}
void force_ring(nlohmann::ordered_json& j, size_t g) { j["synapses"][g]["delay_buffering"] = "dendritic"; }

std::vector<StrategyCase> strategy_cases() {
  auto storages = [](const char* ce, const char* ci) {
    return [=](nlohmann::ordered_json& j) {
      j["synapses"][0]["connectivity"] = ce;
      j["synapses"][1]["connectivity"] = ci;
    };
  };
  return {
      {"sparse_u16_drop_pre", "examples/cuba.json", "300 ms", [](nlohmann::ordered_json&) {},
       [](const kir::Program& p) {
         return std::all_of(p.synapse_groups.begin(), p.synapse_groups.end(), [](const kir::SynapseGroup& g) {
           return g.connectivity.index_bits == 16 && !g.connectivity.keep_pre;
         });
       }},
      {"dendritic_slices_pathways", "tests/golden/models/slices_pathways.json", "", [](nlohmann::ordered_json&) {},
       dendritic_kernels},
      {"dendritic_delays_hetero", "tests/golden/models/delays_hetero.json", "",
       [](nlohmann::ordered_json& j) { force_ring(j, 0); }, dendritic_kernels},
      {"fused_cuba", "examples/cuba.json", "300 ms", [](nlohmann::ordered_json&) {}, fused_propagation},
      {"fused_procedural_sparse", "examples/cuba.json", "200 ms", storages("procedural", "sparse"), fused_propagation},
      // Ci's bitmask rows would go postsynaptic on the GPU (no row walk to fuse): kept presynaptic.
      {"fused_sparse_bitmask", "examples/cuba.json", "200 ms",
       [=](nlohmann::ordered_json& j) {
         storages("sparse", "bitmask")(j);
         j["synapses"][1]["propagation"] = "presynaptic";
       },
       fused_propagation},
      {"dendritic_brunel_hakim_hetero", "examples/brunel_hakim_hetero.json", "30 ms",
       [](nlohmann::ordered_json& j) { force_ring(j, 0); }, dendritic_kernels, false},
      {"merged_groups", "tests/ir_dumps/merge_neuron_groups.json", "",
       [](nlohmann::ordered_json&) {},
       [](const kir::Program& p) { return has_kernel(p, [](const kir::Kernel& k) { return k.merged.size() == 3; }); }},
  };
}

class CrossBackendStrategy : public ::testing::TestWithParam<std::tuple<StrategyCase, std::string>> {};

TEST_P(CrossBackendStrategy, GpuGivesTheCpuSpikes) {
  const StrategyCase& c = std::get<0>(GetParam());
  const std::string& gpu = std::get<1>(GetParam());
  REQUIRE_DEVICE_OF(gpu);
  nlohmann::ordered_json j = read_ordered(c.model);
  if (!c.duration.empty()) j["simulation"]["duration"] = c.duration;
  c.edit(j);
  const fs::path model = scratch_dir() / ("strategy_" + c.name + ".json");
  std::ofstream(model) << j.dump(1);
  std::string err;
  auto cpu = run_on(model, "cpu", err);
  ASSERT_TRUE(cpu) << err;
  auto dev = run_on(model, gpu, err);
  ASSERT_TRUE(dev) << err;
  EXPECT_TRUE(c.present(*dev->compiled.unit.program)) << c.name << ": the strategy is not in the " << gpu << " program";
  EXPECT_TRUE(c.present(*cpu->compiled.unit.program)) << c.name << ": the cpu program does not use the strategy";
  const auto& a = cpu->results;
  const auto& b = dev->results;
  ASSERT_EQ(a.synapse_groups.size(), b.synapse_groups.size());
  for (size_t g = 0; g < a.synapse_groups.size(); ++g) EXPECT_EQ(a.synapse_groups[g].synapses, b.synapse_groups[g].synapses);
  const Stats sa = stats_of(a), sb = stats_of(b);
  std::cout << "[ strategy ] " << c.name << ": cpu " << sa.spikes << " spikes, " << sa.rate << " Hz, CV " << sa.cv << " | "
            << gpu << " " << sb.spikes << " spikes, " << sb.rate << " Hz, CV " << sb.cv << " | spike trains "
            << (same_spikes(a, b) ? "identical" : "differ") << "\n";
  ASSERT_GT(sa.spikes, 10) << "too few spikes to test anything";
  if (!c.exact) {
    EXPECT_NEAR(sb.rate, sa.rate, 0.10 * sa.rate) << "mean rates disagree beyond 10%";
    EXPECT_NEAR(sb.cv, sa.cv, 0.1) << "ISI CVs disagree beyond 0.1";
    return;
  }
  EXPECT_TRUE(same_spikes(a, b)) << c.name << " on " << gpu << ": spike trains differ from the cpu backend's";
  for (size_t p = 0; p < a.populations.size(); ++p) EXPECT_EQ(a.populations[p].spikes, b.populations[p].spikes);
  expect_monitors_close(a, b, false);
}

INSTANTIATE_TEST_SUITE_P(Strategies, CrossBackendStrategy,
                         ::testing::Combine(::testing::ValuesIn(strategy_cases()), ::testing::ValuesIn(gpu_backends())),
                         [](const ::testing::TestParamInfo<std::tuple<StrategyCase, std::string>>& info) {
                           return std::get<1>(info.param) + "_" + std::get<0>(info.param).name;
                         });

// Postsynaptic-parallel propagation (codegen/simt/simt_kernel_emitter.cpp, post_parallel_events):
// a thread per target neuron loops over the step's spikes in list order, so each target's
// accumulations come in the CPU's order without atomics, whatever the weights: spike trains must be
// identical to the CPU's in double precision, also where presynaptic-parallel atomics would add
// unequal per-synapse weights in another order (random_weights). Each case forces the scheme
// ("propagation": "postsynaptic") on the storages a thread per target can read, or lets the cost
// model choose it; `present` checks the GPU program runs it.
void force_post(nlohmann::ordered_json& j, std::initializer_list<size_t> groups) {
  for (size_t g : groups) j["synapses"][g]["propagation"] = "postsynaptic";
}
bool post_parallel(const kir::Program& p, std::initializer_list<const char*> groups) {
  for (const char* name : groups) {
    const kir::SynapseGroup* g = p.find_synapse_group(name);
    if (!g || g->connectivity.propagation != "postsynaptic") return false;
    // Unfused: the SynapticEvents kernel of the group is its own.
    if (!has_kernel(p, [&](const kir::Kernel& k) {
          return k.domain.kind == kir::Domain::Kind::SynapticEvents && k.domain.synapses == name && k.dispatch.empty();
        }))
      return false;
  }
  return true;
}

std::vector<StrategyCase> propagation_cases() {
  auto storage = [](nlohmann::ordered_json& j, const char* s) {
    for (auto& g : j["synapses"]) g["connectivity"] = s;
  };
  auto both = [](const kir::Program& p) { return post_parallel(p, {"Ce", "Ci"}); };
  return {
      {"post_sparse", "examples/cuba.json", "300 ms", [](nlohmann::ordered_json& j) { force_post(j, {0, 1}); }, both},
      {"post_sparse_random_weights", "examples/cuba.json", "300 ms",
       [](nlohmann::ordered_json& j) {
         for (auto& g : j["synapses"]) {
           const std::string w = g["name"] == "Ce" ? "we" : "wi";
           g["equations"] = nlohmann::ordered_json::array({"w : volt"});
           g["on_pre"] = std::string(g["name"] == "Ce" ? "ge" : "gi") + " += w";
           g["initial"] = {{"w", w + " * (0.5 + rand())"}};
         }
         force_post(j, {0, 1});
       },
       both},
      {"post_dense", "examples/cuba.json", "200 ms",
       [=](nlohmann::ordered_json& j) {
         storage(j, "dense");
         force_post(j, {0, 1});
       },
       both},
      {"post_bitmask", "examples/cuba.json", "200 ms",
       [=](nlohmann::ordered_json& j) {
         storage(j, "bitmask");
         force_post(j, {0, 1});
       },
       both},
      {"post_procedural_rules", "examples/cuba.json", "200 ms",
       [](nlohmann::ordered_json& j) {
         j["parameters"]["N"] = 2000;
         auto& syn = j["synapses"];
         syn.push_back({{"name", "Co"}, {"source", "P[0:int(0.8*N)]"}, {"target", "P[0:int(0.8*N)]"}, {"on_pre", "ge += 0.5*mV"},
                        {"connect", {{"rule", "one_to_one"}}}, {"connectivity", "procedural"}});
         syn.push_back({{"name", "Ca"}, {"source", "P[int(0.8*N):N]"}, {"target", "P"}, {"on_pre", "gi -= 0.01*mV"},
                        {"connect", {{"rule", "all_to_all"}}}, {"connectivity", "procedural"}});
         force_post(j, {2, 3});
       },
       [](const kir::Program& p) { return post_parallel(p, {"Co", "Ca"}); }},
      // No request: at p = 0.5 the rows are bitmasks and the GPU cost model picks a thread per target.
      {"post_auto_p05_bitmask", "examples/cuba.json", "200 ms",
       [](nlohmann::ordered_json& j) {
         j["parameters"]["N"] = 1000;
         j["parameters"]["p"] = "0.5";
         j["synapses"][0]["constants"]["we"] = "0.01 * mV";
         j["synapses"][1]["constants"]["wi"] = "-0.04 * mV";
       },
       both},
  };
}

class CrossBackendPropagation : public ::testing::TestWithParam<std::tuple<StrategyCase, std::string>> {};

TEST_P(CrossBackendPropagation, PostsynapticGivesTheCpuSpikes) {
  const StrategyCase& c = std::get<0>(GetParam());
  const std::string& gpu = std::get<1>(GetParam());
  REQUIRE_DEVICE_OF(gpu);
  nlohmann::ordered_json j = read_ordered(c.model);
  if (!c.duration.empty()) j["simulation"]["duration"] = c.duration;
  c.edit(j);
  const fs::path model = scratch_dir() / ("propagation_" + c.name + ".json");
  std::ofstream(model) << j.dump(1);
  std::string err;
  auto cpu = run_on(model, "cpu", err);
  ASSERT_TRUE(cpu) << err;
  auto dev = run_on(model, gpu, err);
  ASSERT_TRUE(dev) << err;
  EXPECT_TRUE(c.present(*dev->compiled.unit.program)) << c.name << ": the " << gpu << " program does not propagate postsynaptically";
  const auto& a = cpu->results;
  const auto& b = dev->results;
  ASSERT_EQ(a.synapse_groups.size(), b.synapse_groups.size());
  for (size_t g = 0; g < a.synapse_groups.size(); ++g) EXPECT_EQ(a.synapse_groups[g].synapses, b.synapse_groups[g].synapses);
  const Stats sa = stats_of(a), sb = stats_of(b);
  std::cout << "[ propagation ] " << c.name << ": cpu " << sa.spikes << " spikes, " << sa.rate << " Hz | " << gpu << " "
            << sb.spikes << " spikes, " << sb.rate << " Hz | spike trains " << (same_spikes(a, b) ? "identical" : "differ") << "\n";
  ASSERT_GT(sa.spikes, 10) << "too few spikes to test anything";
  EXPECT_TRUE(same_spikes(a, b)) << c.name << " on " << gpu << ": spike trains differ from the cpu backend's";
  expect_monitors_close(a, b, false);
}

INSTANTIATE_TEST_SUITE_P(Propagation, CrossBackendPropagation,
                         ::testing::Combine(::testing::ValuesIn(propagation_cases()), ::testing::ValuesIn(gpu_backends())),
                         [](const ::testing::TestParamInfo<std::tuple<StrategyCase, std::string>>& info) {
                           return std::get<1>(info.param) + "_" + std::get<0>(info.param).name;
                         });

// Delays use the spike ring (history > 1) on the device.
TEST(OpenCLBackend, DelayedSynapsesAgreeWithCpu) {
  REQUIRE_DEVICE();
  nlohmann::ordered_json j = read_ordered("examples/cuba.json");
  j["simulation"]["duration"] = "300 ms";
  j["synapses"][0]["delay"] = "1.5 ms";
  j["synapses"][1]["delay"] = "0.7 ms";
  fs::path model = scratch_dir() / "cuba_delays.json";
  std::ofstream(model) << j.dump(1);
  std::string err;
  auto cpu = run_on(model, "cpu", err);
  ASSERT_TRUE(cpu) << err;
  auto ocl = run_on(model, "opencl", err);
  ASSERT_TRUE(ocl) << err;
  Stats sa = stats_of(cpu->results), sb = stats_of(ocl->results);
  std::cout << "[ stats    ] cuba with delays: cpu " << sa.spikes << " spikes, opencl " << sb.spikes << " spikes, trains "
            << (same_spikes(cpu->results, ocl->results) ? "identical" : "differ") << "\n";
  EXPECT_NEAR(sb.rate, sa.rate, 0.10 * sa.rate);
}

// Reads every buffer after mc_init of a model that draws rand() and randn() per neuron.
std::map<std::string, std::vector<double>> initial_values(const fs::path& model, const std::string& backend,
                                                          std::string& err) {
  driver::PipelineOptions o;
  o.backend = backend;
  o.build.out_dir = scratch_dir() / ("rng-" + backend);
  o.build.cache_dir = test_cache_dir();
  driver::CompiledModel cm;
  DiagnosticEngine diags;
  std::map<std::string, std::vector<double>> out;
  if (!driver::compile_model(model.string(), o, cm, diags)) {
    err = diags.render(model.string());
    return out;
  }
  runtime::LoadedModule module;
  if (!module.load(cm.build.module_path, err)) return out;
  runtime::Simulation sim(module, runtime::Simulation::default_options(module));
  if (!sim.init(err)) return out;
  const mc_model_info* info = module.info();
  for (int v = 0; v < info->num_vars; ++v) {
    if (info->vars[v].type != MC_DOUBLE) continue;
    std::vector<double> values(static_cast<size_t>(module.fn().var_size(sim.handle(), v)));
    if (module.fn().read_var(sim.handle(), v, values.data()) != 0) err = module.fn().last_error(sim.handle());
    out[info->vars[v].name] = values;
  }
  return out;
}

class GpuRandomNumbers : public ::testing::TestWithParam<std::string> {};

TEST_P(GpuRandomNumbers, SameAsCpu) {
  const std::string gpu = GetParam();
  REQUIRE_DEVICE_OF(gpu);
  nlohmann::json j = {{"modelc_ir", 1},
                      {"name", "rng"},
                      {"simulation", {{"dt", "0.1 ms"}, {"duration", "0.5 ms"}, {"seed", 1234}, {"precision", "double"}}},
                      {"neuron_groups",
                       {{{"name", "G"},
                         {"size", "5000"},
                         {"equations", {"du/dt = 0 / second : 1", "dz/dt = 0 / second : 1"}},
                         {"method", "euler"},
                         {"initial", {{"u", "rand()"}, {"z", "randn()"}}}}}},
                      {"monitors", nlohmann::json::array()}};
  fs::path model = scratch_dir() / ("rng-" + gpu + ".json");
  std::ofstream(model) << j.dump(1);
  std::string err;
  auto a = initial_values(model, "cpu", err);
  ASSERT_TRUE(err.empty()) << err;
  auto b = initial_values(model, gpu, err);
  ASSERT_TRUE(err.empty()) << err;
  ASSERT_EQ(a["v_G_u"].size(), 5000u);
  ASSERT_EQ(a["v_G_u"].size(), b["v_G_u"].size());
  EXPECT_EQ(a["v_G_u"], b["v_G_u"]) << "uniform draws must be bit-identical";
  ASSERT_EQ(a["v_G_z"].size(), b["v_G_z"].size());
  double worst = 0;
  for (size_t k = 0; k < a["v_G_z"].size(); ++k) worst = std::max(worst, std::fabs(a["v_G_z"][k] - b["v_G_z"][k]));
  EXPECT_LE(worst, 1e-13) << "normal draws may differ only in the last bits (log/cos)";
}

INSTANTIATE_TEST_SUITE_P(Backends, GpuRandomNumbers, ::testing::ValuesIn(gpu_backends()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

struct ScopedEnv {
  std::string name;
  ScopedEnv(const char* n, const char* v) : name(n) { setenv(n, v, 1); }
  ~ScopedEnv() { unsetenv(name.c_str()); }
};

TEST(OpenCLBackend, DoubleModelOnDeviceWithoutFp64IsAClearError) {
  REQUIRE_DEVICE();
  ScopedEnv force("MODELC_OPENCL_FORCE_NO_FP64", "1");
  std::string err;
  auto out = run_on(source_root() / "examples/lif.json", "opencl", err);
  ASSERT_FALSE(out);
  EXPECT_NE(err.find("does not support double precision"), std::string::npos) << err;
  EXPECT_NE(err.find("cl_khr_fp64"), std::string::npos) << err;
  EXPECT_NE(err.find("\"precision\": \"float\""), std::string::npos) << err;
  // A float model still runs there, its double-typed times computed in float.
  fs::path model = model_copy("tests/golden/models/lif_current.json", "", "float", "_nofp64");
  auto cpu = run_on(model, "cpu", err);
  ASSERT_TRUE(cpu) << err;
  auto ocl = run_on(model, "opencl", err);
  ASSERT_TRUE(ocl) << err;
  EXPECT_EQ(stats_of(cpu->results).spikes, stats_of(ocl->results).spikes);
}

// A device without fp64 cannot regenerate procedural probability rows as the host draws them: a
// clear error at mc_create naming the groups, not other synapses.
TEST(OpenCLBackend, ProceduralRowsWithoutFp64AreAClearError) {
  REQUIRE_DEVICE();
  ScopedEnv force("MODELC_OPENCL_FORCE_NO_FP64", "1");
  nlohmann::ordered_json j = read_ordered(write_storage_variant(storage_variants()[2], scratch_dir()));
  j["simulation"]["precision"] = "float";
  const fs::path model = scratch_dir() / "cuba_procedural_float.json";
  std::ofstream(model) << j.dump(1);
  std::string err;
  EXPECT_FALSE(run_on(model, "opencl", err));
  EXPECT_NE(err.find("which the procedural connectivity of synapses Ce, Ci needs"), std::string::npos) << err;
}

TEST(OpenCLBackend, BadDeviceIndexAndBinaryCache) {
  REQUIRE_DEVICE();
  driver::PipelineOptions o;
  o.backend = "opencl";
  o.build.out_dir = scratch_dir() / "dev";
  o.build.cache_dir = test_cache_dir();
  driver::CompiledModel cm;
  DiagnosticEngine diags;
  ASSERT_TRUE(driver::compile_model((source_root() / "examples/lif.json").string(), o, cm, diags));
  runtime::LoadedModule module;
  std::string err;
  ASSERT_TRUE(module.load(cm.build.module_path, err)) << err;
  mc_options mo = runtime::Simulation::default_options(module);
  mo.device = 99;
  {
    runtime::Simulation sim(module, mo);
    EXPECT_FALSE(sim.init(err));
    EXPECT_NE(err.find("OpenCL device 99 does not exist"), std::string::npos) << err;
  }
  mo.device = 0;
  runtime::Simulation sim(module, mo);
  ASSERT_TRUE(sim.init(err)) << err;
  bool cached = false;
  for (const auto& e : fs::directory_iterator(cm.build.module_path.parent_path()))
    cached |= e.path().filename().string().rfind("opencl-", 0) == 0 && e.path().extension() == ".bin";
  EXPECT_TRUE(cached) << "no program binary cached next to " << cm.build.module_path;
}

}  // namespace
}  // namespace modelc::testing
#endif  // MODELC_HAVE_OPENCL
