// Distributed runs without MPI: R ranks as R threads of this process, each with its own instance of
// the same CPU module and an allgather through shared memory (what the host's MPI communicator
// does with MPI_Allgatherv). For every example and golden model, the ranks' spikes put together
// must be the one-process spikes exactly (same neurons, same steps, same order), and every rank's
// share of neurons and synapses must be its own (docs/distributed.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <atomic>
#include <barrier>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "abi/partition.h"
#include "model_runner.h"

namespace fs = std::filesystem;
using modelc::testing::source_root;

namespace {

// The collective of R thread-ranks: every rank publishes its values, waits for all, and reads
// everyone's concatenation from a copy of its own (valid until its next call).
struct ThreadAllgather {
  explicit ThreadAllgather(int ranks) : sync(ranks), sent(ranks), received(ranks), counts(ranks) {}
  std::barrier<> sync;
  std::atomic<bool> failed{false};  // a rank left: the collective fails instead of waiting for it
  std::vector<std::vector<int32_t>> sent, received;
  std::vector<std::vector<int64_t>> counts;
  int64_t calls = 0;
};

struct RankContext {
  ThreadAllgather* shared;
  int rank;
};

int thread_allgather(void* context, const int32_t* send, int64_t count, const int32_t** recv, const int64_t** recv_counts) {
  auto* rc = static_cast<RankContext*>(context);
  ThreadAllgather& s = *rc->shared;
  s.sent[rc->rank].assign(send, send + count);
  s.sync.arrive_and_wait();
  if (s.failed) return 1;
  auto& out = s.received[rc->rank];
  auto& n = s.counts[rc->rank];
  out.clear();
  n.clear();
  for (const auto& v : s.sent) {
    out.insert(out.end(), v.begin(), v.end());
    n.push_back(static_cast<int64_t>(v.size()));
  }
  if (rc->rank == 0) ++s.calls;
  s.sync.arrive_and_wait();  // nobody overwrites `sent` before everyone has read it
  *recv = out.data();
  *recv_counts = n.data();
  return 0;
}

struct RankRun {
  modelc::runtime::RunResults results;
  std::vector<std::pair<int64_t, int64_t>> ranges;  // per population
  std::vector<int64_t> synapses;                    // per group, held by this rank
  std::vector<std::vector<uint8_t>> held;           // per monitor: the state columns this rank computes
  std::string error;
};

fs::path model_copy(const std::string& model, const std::string& duration) {
  nlohmann::ordered_json j = modelc::testing::read_ordered(model);
  if (!duration.empty()) j["simulation"]["duration"] = duration;
  fs::path dir = fs::temp_directory_path() / ("modelc-partition-" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::path out = dir / (fs::path(model).stem().string() + duration + ".json");
  std::ofstream(out) << j.dump(1);
  return out;
}

// Runs the module as `ranks` thread-ranks (ranks == 0: one process, no partition).
std::vector<RankRun> run_ranks(const modelc::runtime::LoadedModule& module, int64_t steps, int ranks) {
  const int n = ranks == 0 ? 1 : ranks;
  std::vector<RankRun> out(n);
  ThreadAllgather shared(n);
  std::vector<RankContext> ctx(n);
  std::vector<mc_partition> parts(n);
  auto body = [&](int r) {
    ctx[r] = {&shared, r};
    parts[r] = {r, n, &ctx[r], thread_allgather};
    mc_options mo = modelc::runtime::Simulation::default_options(module);
    mo.num_threads = 1;
    if (ranks > 0) mo.partition = &parts[r];
    modelc::runtime::Simulation sim(module, mo);
    RankRun& rr = out[r];
    if (!sim.init(rr.error) || !sim.run(steps, {}, rr.error) || !sim.collect(rr.results, rr.error)) {
      // Leaving the barrier lets the other ranks' next exchange fail instead of waiting for this one.
      shared.failed = true;
      shared.sync.arrive_and_drop();
      return;
    }
    const mc_model_info& info = sim.info();
    for (int32_t p = 0; p < info.num_populations; ++p) {
      int64_t b = 0, e = 0;
      module.fn().local_neurons(sim.handle(), p, &b, &e);
      rr.ranges.push_back({b, e});
    }
    for (int32_t g = 0; g < info.num_synapse_groups; ++g) rr.synapses.push_back(module.fn().synapse_count(sim.handle(), g));
    for (const auto& mon : rr.results.monitors) {
      std::vector<uint8_t> h;
      if (mon.kind == MC_MON_STATE) {
        const size_t columns = mon.steps.empty() ? mon.indices.size() : mon.values.at(0).size() / mon.steps.size();
        h.assign(columns, 0);
        module.fn().monitor_held(sim.handle(), static_cast<int32_t>(rr.held.size()), h.data());
      }
      rr.held.push_back(std::move(h));
    }
  };
  std::vector<std::thread> threads;
  for (int r = 0; r < n; ++r) threads.emplace_back(body, r);
  for (auto& t : threads) t.join();
  return out;
}

struct Case {
  std::string model;
  std::string duration;  // empty: the model's own
  std::string refused{};  // non-empty: distributed runs must refuse it with a message containing this
  std::string label{};    // the test's name where the model's path is not stable (a generated file)
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.model << " " << c.duration; }

class Partition : public ::testing::TestWithParam<Case> {};

TEST_P(Partition, RanksTogetherGiveTheOneProcessSpikes) {
  const Case& c = GetParam();
  fs::path model = model_copy(c.model, c.duration);
  modelc::driver::PipelineOptions options;
  options.distributed = true;
  options.build.out_dir = model.parent_path() / (model.stem().string() + "-build");
  options.build.cache_dir = modelc::testing::test_cache_dir();
  modelc::driver::CompiledModel cm;
  modelc::DiagnosticEngine diags;
  ASSERT_TRUE(modelc::driver::compile_model(model.string(), options, cm, diags)) << diags.render(model.string());
  modelc::runtime::LoadedModule module;
  std::string err;
  ASSERT_TRUE(module.load(cm.build.module_path, err)) << err;
  ASSERT_NE(module.fn().local_neurons, nullptr);
  const mc_model_info& info = *module.info();
  const int64_t steps = cm.unit.program->steps;
  const std::vector<RankRun> alone = run_ranks(module, steps, 0);
  ASSERT_EQ(alone[0].error, "");
  const modelc::runtime::RunResults& one = alone[0].results;
  for (int ranks : {2, 3}) {
    SCOPED_TRACE(std::to_string(ranks) + " ranks");
    std::vector<RankRun> runs = run_ranks(module, steps, ranks);
    if (!c.refused.empty()) {
      for (int r = 0; r < ranks; ++r) EXPECT_NE(runs[r].error.find(c.refused), std::string::npos) << runs[r].error;
      continue;
    }
    for (int r = 0; r < ranks; ++r) ASSERT_EQ(runs[r].error, "") << "rank " << r;
    // Ownership: split populations in the ranges of abi/partition.h, replicated ones whole.
    for (int32_t p = 0; p < info.num_populations; ++p) {
      const int64_t size = info.populations[p].size;
      for (int r = 0; r < ranks; ++r) {
        const auto want = info.populations[p].replicated
                              ? std::pair<int64_t, int64_t>{0, size}
                              : std::pair<int64_t, int64_t>{mc_partition_begin(size, r, ranks), mc_partition_end(size, r, ranks)};
        EXPECT_EQ(runs[r].ranges[p], want) << info.populations[p].name << " on rank " << r;
      }
    }
    // Synapses: split groups add up to the one-process count, replicated ones are whole everywhere.
    for (int32_t g = 0; g < info.num_synapse_groups; ++g) {
      int64_t sum = 0;
      for (int r = 0; r < ranks; ++r) sum += info.synapse_groups[g].replicated ? 0 : runs[r].synapses[g];
      if (info.synapse_groups[g].replicated) sum = runs[0].synapses[g];
      EXPECT_EQ(sum, one.synapse_groups[g].synapses) << info.synapse_groups[g].name;
    }
    // Spikes per population and every spike monitor, merged: the ranks' events stably sorted by step.
    for (size_t p = 0; p < one.populations.size(); ++p) {
      int64_t sum = 0;
      for (int r = 0; r < ranks; ++r) sum += runs[r].results.populations[p].spikes;
      if (info.populations[p].replicated) sum = runs[0].results.populations[p].spikes;
      EXPECT_EQ(sum, one.populations[p].spikes) << one.populations[p].name;
    }
    for (size_t k = 0; k < one.monitors.size(); ++k) {
      const auto& want = one.monitors[k];
      if (want.kind != MC_MON_SPIKES) continue;
      bool replicated = false;
      for (int32_t p = 0; p < info.num_populations; ++p)
        if (want.population == info.populations[p].name) replicated = info.populations[p].replicated != 0;
      std::vector<std::tuple<int64_t, int, size_t>> order;  // (step, rank, event)
      for (int r = 0; r < (replicated ? 1 : ranks); ++r)
        for (size_t e = 0; e < runs[r].results.monitors[k].steps.size(); ++e)
          order.push_back({runs[r].results.monitors[k].steps[e], r, e});
      std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
      std::vector<int64_t> steps_got;
      std::vector<int32_t> idx_got;
      for (const auto& [s, r, e] : order) {
        steps_got.push_back(s);
        idx_got.push_back(runs[r].results.monitors[k].spike_indices[e]);
      }
      EXPECT_EQ(steps_got, want.steps) << want.name;
      EXPECT_EQ(idx_got, want.spike_indices) << want.name;
    }
    // State monitors of neurons and of chosen synapses: each column from the rank that holds it,
    // bit for bit. (Monitors of every synapse record each rank's own synapses; their order is
    // mc_read_synapse_ids', checked by the synapse counts above.)
    for (size_t k = 0; k < one.monitors.size(); ++k) {
      const auto& want = one.monitors[k];
      if (want.kind != MC_MON_STATE || want.values.empty() || want.steps.empty()) continue;
      const size_t columns = want.values[0].size() / want.steps.size();
      if (runs[0].held[k].size() != columns) continue;  // every synapse: columns differ per rank
      for (size_t col = 0; col < columns; ++col) {
        int holders = 0;
        for (int r = 0; r < ranks; ++r) {
          if (!runs[r].held[k][col]) continue;
          ++holders;
          for (size_t v = 0; v < want.values.size(); ++v)
            for (size_t t = 0; t < want.steps.size(); ++t)
              ASSERT_EQ(std::memcmp(&runs[r].results.monitors[k].values[v][t * columns + col], &want.values[v][t * columns + col],
                                    sizeof(double)), 0)
                  << want.name << "." << want.variables[v] << " column " << col << " sample " << t << " on rank " << r;
        }
        EXPECT_GE(holders, 1) << want.name << " column " << col << " is held by no rank";
      }
    }
  }
}

// N_outgoing counts a source's synapses onto every target, so it must replicate the target of its
// group; N_incoming is complete on the target's rank. Populations large enough to be split (the
// partition hands out blocks of 256 neurons), weights that depend on both degrees, recorded.
fs::path degrees_model() {
  fs::path dir = fs::temp_directory_path() / ("modelc-partition-" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::path out = dir / "degrees_split.json";
  std::ofstream(out) << R"json({
  "modelc_ir": 2, "name": "degrees_split",
  "simulation": {"dt": "0.1 ms", "duration": "60 ms", "seed": 7},
  "constants": {"tau": "10 ms"},
  "neuron_groups": [
    {"name": "P", "size": 600, "equations": ["dv/dt = (I - v)/tau : 1", "I : 1 (constant)"], "threshold": "v > 1",
     "reset": "v = 0", "method": "exact", "initial": {"I": "1.05 + 0.001*i", "v": "rand()"}},
    {"name": "Q", "size": 800, "equations": ["dv/dt = (0.9 - v)/tau : 1"], "threshold": "v > 1", "reset": "v = 0",
     "method": "exact", "initial": {"v": "rand()"}}
  ],
  "synapses": [
    {"name": "S", "source": "P", "target": "Q", "equations": ["w : 1"], "on_pre": "v_post += w",
     "connect": {"p": 0.02}, "initial": {"w": "0.002*N_outgoing + 0.2/N_incoming"}}
  ],
  "monitors": [
    {"name": "q_spikes", "kind": "spikes", "source": "Q"},
    {"name": "weights", "kind": "state", "source": "S", "variables": ["w"], "indices": [0, 5, 17, 100, 2000, 9000], "every": "20 ms"}
  ]
})json";
  return out;
}

// Every example and golden model, over 40 ms (the first spikes of most; the cases below run longer
// where 40 ms would show too little).
std::vector<Case> all_models() {
  std::vector<Case> out;
  for (const char* dir : {"examples", "tests/golden/models"})
    for (const auto& f : fs::directory_iterator(source_root() / dir))
      if (f.path().extension() == ".json") out.push_back({fs::path(dir) / f.path().filename(), "40 ms"});
  std::sort(out.begin(), out.end(), [](const Case& a, const Case& b) { return a.model < b.model; });
  for (Case c : {Case{"examples/cuba.json", "300 ms"}, Case{"examples/brunel_hakim.json", "200 ms"},
                 Case{"examples/brunel_hakim_hetero.json", "200 ms"}, Case{"examples/stdp.json", "2000 ms"},
                 Case{"examples/stdp_network_hetero.json", "300 ms"},
                 Case{degrees_model().string(), "", "", "generated_degrees_split"}})
    out.push_back(c);
  return out;
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  if (!info.param.label.empty()) return info.param.label;
  std::string n = fs::path(info.param.model).parent_path().filename().string() + "_" + fs::path(info.param.model).stem().string() +
                  "_" + info.param.duration;
  for (char& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(ExamplesAndGoldens, Partition, ::testing::ValuesIn(all_models()), case_name);

}  // namespace
