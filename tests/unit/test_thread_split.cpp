// The CPU backend's team kernels (docs/performance.md, "Threads"): with two threads every
// spike-driven delivery kind splits its targets between the threads, and results must stay
// bit-identical to one thread: spikes, the targets' state on both sides of the split and, for
// plastic synapses, the weights. One case per delivery kind that runs as a team kernel: sparse
// rows through the fused dispatch (CUBA), dense and bitmask rows, spike rings with homogeneous
// delays (Brunel-Hakim), per-thread delivery queues (heterogeneous delays), dendritic rings (adds
// and drains), STDP (pre- and post-side updates of w) with homogeneous and heterogeneous delays.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model_runner.h"

namespace modelc::testing {
namespace {

struct SplitCase {
  std::string name;
  std::string example;                    // examples/<example>.json
  int64_t n;                              // its N
  std::string duration;
  std::string target;                     // the group whose state is recorded
  std::vector<std::string> variables;     // of `target`
  std::vector<int64_t> indices;           // of `target`: both sides of the two-thread split
  std::string storage, delay_buffering;   // forced on every synapse group when set
  std::string plastic;                    // a synapse group whose w is recorded
};

void PrintTo(const SplitCase& c, std::ostream* os) { *os << c.name; }

std::vector<SplitCase> split_cases() {
  return {
      {"cuba_sparse_dispatch", "cuba", 8000, "200 ms", "P", {"v", "ge", "gi"}, {0, 3999, 4000, 7999}, "", "", ""},
      {"cuba_dense", "cuba", 6000, "150 ms", "P", {"v", "ge"}, {0, 2999, 3000, 5999}, "dense", "", ""},
      {"cuba_bitmask", "cuba", 6000, "150 ms", "P", {"v", "ge"}, {0, 2999, 3000, 5999}, "bitmask", "", ""},
      {"brunel_ring", "brunel_hakim", 6000, "150 ms", "group", {"V"}, {0, 2999, 3000, 5999}, "", "", ""},
      {"brunel_queues", "brunel_hakim_hetero", 6000, "150 ms", "group", {"V"}, {0, 2999, 3000, 5999}, "", "queues", ""},
      {"brunel_dendritic", "brunel_hakim_hetero", 6000, "150 ms", "group", {"V"}, {0, 2999, 3000, 5999}, "", "dendritic", ""},
      {"stdp_ring", "stdp_network", 20000, "300 ms", "neurons", {"v", "ge"}, {0, 9, 10, 19}, "", "", "S"},
      {"stdp_queues", "stdp_network_hetero", 20000, "300 ms", "neurons", {"v", "ge"}, {0, 9, 10, 19}, "", "", "S"},
  };
}

std::filesystem::path write_case(const SplitCase& c) {
  nlohmann::ordered_json m = read_ordered("examples/" + c.example + ".json");
  m["name"] = "split_" + c.name;
  m["parameters"]["N"] = c.n;
  m["simulation"]["duration"] = c.duration;
  for (auto& g : m["synapses"]) {
    if (!c.storage.empty()) g["connectivity"] = c.storage;
    if (!c.delay_buffering.empty()) g["delay_buffering"] = c.delay_buffering;
  }
  nlohmann::ordered_json spikes = {{"name", "spikes"}, {"kind", "spikes"}, {"source", c.target}};
  nlohmann::ordered_json state = {{"name", "state"}, {"kind", "state"}, {"source", c.target},
                                  {"variables", c.variables}, {"indices", c.indices}};
  m["monitors"] = nlohmann::ordered_json::array({spikes, state});
  if (!c.plastic.empty()) {
    std::vector<int64_t> syn;
    for (int64_t s = 0; s < 4000; s += 97) syn.push_back(s);
    m["monitors"].push_back({{"name", "w"}, {"kind", "state"}, {"source", c.plastic}, {"variables", {"w"}},
                             {"indices", syn}, {"every", "10 ms"}});
  }
  const auto dir = std::filesystem::temp_directory_path() / ("modelc-split-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / (c.name + ".json");
  std::ofstream(path) << m.dump(1);
  return path;
}

class ThreadSplit : public ::testing::TestWithParam<SplitCase> {};

TEST_P(ThreadSplit, TwoThreadsGiveTheOneThreadResults) {
  const SplitCase& c = GetParam();
  const auto path = write_case(c);
  std::string error;
  auto one = compile_and_run(path, error, {}, 1);
  ASSERT_TRUE(one) << error;
  auto two = compile_and_run(path, error, {}, 2);
  ASSERT_TRUE(two) << error;
  const auto* s1 = find_monitor(one->results, "spikes");
  const auto* s2 = find_monitor(two->results, "spikes");
  ASSERT_TRUE(s1 && s2);
  EXPECT_GT(s1->steps.size(), 200u) << "too few spikes to compare";
  EXPECT_EQ(s1->steps, s2->steps);
  EXPECT_EQ(s1->spike_indices, s2->spike_indices);
  const std::vector<std::string> states = c.plastic.empty() ? std::vector<std::string>{"state"}
                                                            : std::vector<std::string>{"state", "w"};
  for (const auto& name : states) {
    const auto* a = find_monitor(one->results, name);
    const auto* b = find_monitor(two->results, name);
    ASSERT_TRUE(a && b) << name;
    ASSERT_EQ(a->values.size(), b->values.size()) << name;
    for (size_t v = 0; v < a->values.size(); ++v) {
      ASSERT_FALSE(a->values[v].empty()) << name;
      // Bitwise: == on doubles, no tolerance.
      EXPECT_EQ(a->values[v], b->values[v]) << name << " variable " << v;
    }
  }
  std::error_code ec;
  std::filesystem::remove(path, ec);
}

INSTANTIATE_TEST_SUITE_P(CpuBackend, ThreadSplit, ::testing::ValuesIn(split_cases()),
                         [](const ::testing::TestParamInfo<SplitCase>& i) { return i.param.name; });

}  // namespace
}  // namespace modelc::testing
