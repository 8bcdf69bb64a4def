// IR v2 inputs and neuron features: PoissonGroup, PoissonInput (Brian2's binomial), TimedArray,
// stochastic equations (Euler-Maruyama), run_regularly, custom events driving a pathway, .npy arrays.
#include <cmath>
#include <cstring>

#include "test_model_util.h"

namespace modelc::testing {
namespace {

// PoissonGroup(N, rates): each neuron spikes when rand() < rates*dt, so the spike count over T steps
// is Binomial(N*T, rates*dt). 1000 neurons at 100 Hz for 1 s: mean 1e5, sd 313; 5 sd bounds.
TEST(V2Inputs, PoissonGroupCountWithinBinomialBounds) {
  std::string err;
  auto out = run_v2("poisson_group", R"J({
    "modelc_ir": 2, "name": "poisson_group", "simulation": {"dt": "0.1 ms", "duration": "1 second", "seed": 3},
    "neuron_groups": [{"name": "P", "kind": "poisson", "size": 1000, "rates": "100 Hz"}],
    "monitors": [{"name": "s", "kind": "spikes", "source": "P"}]
  })J", err);
  ASSERT_TRUE(out) << err;
  double n = 1000.0 * 10000, p = 0.01, mean = n * p, sd = std::sqrt(n * p * (1 - p));
  EXPECT_NEAR(static_cast<double>(out->results.populations[0].spikes), mean, 5 * sd);
}

// PoissonInput adds binomial(N, rate*dt)*weight every step. Inversion regime (N p = 0.05) and the
// normal approximation (N p = 100) as Brian2; per neuron the sum over T steps has mean T N p and
// variance T N p (1 - p). 2000 neurons give the mean to 1% and the variance to ~10%.
TEST(V2Inputs, PoissonInputMeanAndVariance) {
  std::string err;
  auto out = run_v2("poisson_input", R"J({
    "modelc_ir": 2, "name": "poisson_input", "simulation": {"dt": "0.1 ms", "duration": "1.0001 * second", "seed": 5},
    "neuron_groups": [{"name": "G", "size": 2000, "equations": ["x : 1", "y : 1"]}],
    "poisson_inputs": [{"name": "small", "target": "G", "variable": "x", "N": 50, "rate": "10 Hz", "weight": "1"},
                       {"name": "large", "target": "G", "variable": "y", "N": 10000, "rate": "100 Hz", "weight": "0.5"}],
    "monitors": [{"name": "m", "kind": "state", "source": "G", "variables": ["x", "y"], "every": "0.5 second"}]
  })J", err);
  ASSERT_TRUE(out) << err;
  const auto* mon = find_monitor(out->results, "m");
  ASSERT_NE(mon, nullptr);
  ASSERT_EQ(mon->steps.back(), 10000);  // the sums over 10000 steps
  auto stats = [&](size_t var, double& mean, double& variance) {
    size_t s = mon->steps.size() - 1, n = mon->indices.size();
    mean = variance = 0;
    for (size_t k = 0; k < n; ++k) mean += state_at(*mon, s, k, var) / n;
    for (size_t k = 0; k < n; ++k) variance += std::pow(state_at(*mon, s, k, var) - mean, 2) / (n - 1);
  };
  double mean, variance;
  stats(0, mean, variance);
  EXPECT_NEAR(mean, 500.0, 3.0);
  EXPECT_NEAR(variance, 499.5, 0.15 * 499.5);
  for (size_t k = 0; k < 20; ++k) EXPECT_EQ(state_at(*mon, 2, k, 0), std::round(state_at(*mon, 2, k, 0)));  // integers
  stats(1, mean, variance);
  EXPECT_NEAR(mean, 0.5 * 1e4 * 100.0, 60.0);
  EXPECT_NEAR(variance, 0.25 * 1e4 * 99.0, 0.15 * 0.25 * 1e4 * 99.0);
}

// TimedArray lookup as Brian2: row int((t/epsilon + 0.5)/K), clamped to the last row. Values change
// every 1 ms (10 steps); run_regularly in the groups slot copies stim(t) into x each step; the state
// monitor (start of the next step) shows it. 2-D arrays index [row, i].
TEST(V2Inputs, TimedArrayLookupAtStepBoundaries) {
  std::string err;
  auto out = run_v2("timed_array", R"J({
    "modelc_ir": 2, "name": "timed_array", "simulation": {"dt": "0.1 ms", "duration": "6 ms"},
    "timed_arrays": {"stim": {"values": [1, 2, 3, 4], "dt": "1 ms", "unit": "mV"},
                     "grid": {"values": [[10, 20], [30, 40]], "dt": "2 ms"}},
    "neuron_groups": [{"name": "G", "size": 2, "equations": ["x : volt", "y : 1"],
                       "run_regularly": [{"code": "x = stim(t)\ny = grid(t, i)", "when": "groups"}]}],
    "monitors": [{"name": "m", "kind": "state", "source": "G", "variables": ["x", "y"]}]
  })J", err);
  ASSERT_TRUE(out) << err;
  const auto* mon = find_monitor(out->results, "m");
  ASSERT_NE(mon, nullptr);
  for (int64_t step = 0; step + 1 < static_cast<int64_t>(mon->steps.size()); ++step) {
    int row = std::min<int>(3, static_cast<int>(step / 10));
    EXPECT_DOUBLE_EQ(state_at(*mon, step + 1, 0, 0), (row + 1) * 1e-3) << "step " << step;
    int row2 = std::min<int>(1, static_cast<int>(step / 20));
    EXPECT_EQ(state_at(*mon, step + 1, 1, 1), 10.0 * (2 * row2 + 2)) << "step " << step;
  }
}

// Euler-Maruyama on an Ornstein-Uhlenbeck process dx = -x/tau dt + sigma sqrt(2/tau) dW: the
// stationary variance of the discretised process is sigma^2 / (1 - dt/(2 tau)). 4000 neurons.
TEST(V2Inputs, EulerMaruyamaOrnsteinUhlenbeckStationaryVariance) {
  std::string err;
  auto out = run_v2("ou", R"J({
    "modelc_ir": 2, "name": "ou", "simulation": {"dt": "0.1 ms", "duration": "100.1 ms", "seed": 11},
    "constants": {"tau": "5 ms", "sigma": "2"},
    "neuron_groups": [{"name": "G", "size": 4000, "equations": ["dx/dt = -x/tau + sigma*sqrt(2/tau)*xi : 1"]}],
    "monitors": [{"name": "m", "kind": "state", "source": "G", "variables": ["x"], "every": "50 ms"}]
  })J", err);
  ASSERT_TRUE(out) << err;
  EXPECT_EQ(out->compiled.unit.model.neuron_groups[0].chosen_method, ir::Method::Euler);
  const auto* mon = find_monitor(out->results, "m");
  ASSERT_NE(mon, nullptr);
  size_t s = mon->steps.size() - 1, n = mon->indices.size();
  double mean = 0, var = 0;
  for (size_t k = 0; k < n; ++k) mean += state_at(*mon, s, k) / n;
  for (size_t k = 0; k < n; ++k) var += std::pow(state_at(*mon, s, k) - mean, 2) / (n - 1);
  double expected = 4.0 / (1 - 0.1 / 10.0);
  EXPECT_NEAR(mean, 0.0, 5 * std::sqrt(expected / n));
  EXPECT_NEAR(var, expected, 0.1 * expected);
}

// run_regularly with dt = 1 ms runs on steps 0, 10, 20, ...: after 10.5 ms it ran 11 times.
TEST(V2Inputs, RunRegularlyRunsAtItsPeriod) {
  std::string err;
  auto out = run_v2("run_regularly", R"J({
    "modelc_ir": 2, "name": "run_regularly", "simulation": {"dt": "0.1 ms", "duration": "10.5 ms"},
    "neuron_groups": [{"name": "G", "size": 1, "equations": ["c : 1"],
                       "run_regularly": [{"code": "c += 1", "dt": "1 ms"}]}],
    "monitors": [{"name": "m", "kind": "state", "source": "G", "variables": ["c"]}]
  })J", err);
  ASSERT_TRUE(out) << err;
  const auto* mon = find_monitor(out->results, "m");
  ASSERT_NE(mon, nullptr);
  // run_regularly in `start` runs before the state monitors record (golden decision 1, Brian2 with
  // order -1, checked by the run_regularly_shared golden): sample s shows the runs of steps <= s.
  EXPECT_EQ(state_at(*mon, 0, 0), 1.0);
  EXPECT_EQ(state_at(*mon, 9, 0), 1.0);
  EXPECT_EQ(state_at(*mon, 10, 0), 2.0);
  EXPECT_EQ(state_at(*mon, 104, 0), 11.0);
}

// A custom event with its own condition and code (Brian2 events + run_on_event) drives a synaptic
// pathway via on_event and an events monitor. v rises 1 per ms; the event "up" (v > 2.5) resets v.
TEST(V2Inputs, CustomEventRunsCodeAndDrivesPathway) {
  std::string err;
  auto out = run_v2("custom_event", R"J({
    "modelc_ir": 2, "name": "custom_event", "simulation": {"dt": "1 ms", "duration": "12 ms"},
    "neuron_groups": [
      {"name": "G", "size": 1, "equations": ["dv/dt = 1/ms : 1"], "method": "euler",
       "events": {"up": {"condition": "v > 2.5", "code": "v = 0"}}},
      {"name": "T", "size": 1, "equations": ["n : 1"]}
    ],
    "synapses": [{"name": "S", "source": "G", "target": "T", "on_pre": "n_post += 1", "on_event": {"pre": "up"},
                  "connect": {"rule": "all_to_all"}}],
    "monitors": [{"name": "ev", "kind": "events", "event": "up", "source": "G"},
                 {"name": "m", "kind": "state", "source": "T", "variables": ["n"]}]
  })J", err);
  ASSERT_TRUE(out) << err;
  const auto* ev = find_monitor(out->results, "ev");
  ASSERT_NE(ev, nullptr);
  // v after the update of step s is s + 1 (reset to 0 on an event): events at steps 2, 5, 8, 11.
  ASSERT_EQ(ev->steps, (std::vector<int64_t>{2, 5, 8, 11}));
  EXPECT_EQ(out->results.populations[0].spikes, 0);  // no spikes: the event has its own list
  const auto* m = find_monitor(out->results, "m");
  EXPECT_EQ(state_at(*m, 11, 0), 3.0);
}

// Initial values and explicit connections from .npy sidecars (v1.0 header, <f8 and <i8).
void write_npy(const std::filesystem::path& p, const char* descr, const void* data, size_t n, size_t elem) {
  std::string header = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (" + std::to_string(n) + ",), }";
  while ((10 + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::ofstream out(p, std::ios::binary);
  out.write("\x93NUMPY\x01\x00", 8);
  uint16_t len = static_cast<uint16_t>(header.size());
  out.write(reinterpret_cast<const char*>(&len), 2);
  out << header;
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(n * elem));
}

TEST(V2Inputs, NpySidecarsForInitialValuesAndConnections) {
  auto dir = v2_model_dir("npy");
  double v0[3] = {1.5, -2.0, 7.25};
  int64_t ii[2] = {2, 0}, jj[2] = {1, 1};
  double w[2] = {0.25, 0.5};
  write_npy(dir / "v0.npy", "<f8", v0, 3, 8);
  write_npy(dir / "i.npy", "<i8", ii, 2, 8);
  write_npy(dir / "j.npy", "<i8", jj, 2, 8);
  write_npy(dir / "w.npy", "<f8", w, 2, 8);
  std::string err;
  auto out = run_v2("npy", R"J({
    "modelc_ir": 2, "name": "npy", "simulation": {"dt": "0.1 ms", "duration": "0.2 ms"},
    "neuron_groups": [{"name": "G", "size": 3, "equations": ["v : volt"], "initial": {"v": {"npy": "v0.npy", "unit": "mV"}}}],
    "synapses": [{"name": "S", "source": "G", "target": "G", "equations": ["w : 1"], "on_pre": "v_post += 0*mV",
                  "connect": {"i": {"npy": "i.npy"}, "j": {"npy": "j.npy"}}, "initial": {"w": {"npy": "w.npy"}}}],
    "monitors": [{"name": "m", "kind": "state", "source": "G", "variables": ["v"]},
                 {"name": "ws", "kind": "state", "source": "S", "variables": ["w"], "indices": [0, 1]}]
  })J", err);
  ASSERT_TRUE(out) << err;
  const auto* m = find_monitor(out->results, "m");
  for (size_t k = 0; k < 3; ++k) EXPECT_DOUBLE_EQ(state_at(*m, 0, k), v0[k] * 1e-3);
  // Synapse indices are Brian2's (creation order) although storage is CSR: w follows the array.
  const auto* ws = find_monitor(out->results, "ws");
  EXPECT_EQ(state_at(*ws, 0, 0), 0.25);
  EXPECT_EQ(state_at(*ws, 0, 1), 0.5);
}

}  // namespace
}  // namespace modelc::testing
