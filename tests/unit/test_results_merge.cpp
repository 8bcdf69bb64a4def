// The host side of distributed runs without MPI (runtime/distributed): the merge of the ranks'
// results on synthetic ranks (each monitor kind, split and replicated), the byte codec that ships
// them, and the thread-rank communicator with the mc_partition adapter over it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <thread>

#include "runtime/distributed/partition_adapter.h"
#include "runtime/distributed/rank_results.h"
#include "runtime/distributed/results_merge.h"
#include "runtime/distributed/single_process_communicator.h"
#include "runtime/distributed/thread_communicator.h"

namespace dist = modelc::runtime::distributed;
using modelc::runtime::MonitorResult;
using modelc::runtime::RunResults;

namespace {

constexpr double kDt = 1e-4;

// Two populations: "E" (split, 10 neurons) and "R" (replicated, 4 neurons); one group "EE" (split)
// and one "RR" (replicated); monitors: spikes of E, spikes of R, state of E (4 columns), state of
// every synapse of EE, rate of E, rate of R.
dist::PartitionLayout layout() {
  dist::PartitionLayout l;
  l.dt = kDt;
  l.population_replicated = {0, 1};
  l.group_replicated = {0, 1};
  l.monitors = {{MC_MON_SPIKES, false, -1, 10}, {MC_MON_SPIKES, true, -1, 4}, {MC_MON_STATE, false, -1, 10},
                {MC_MON_STATE, false, 0, 0},    {MC_MON_RATE, false, -1, 10}, {MC_MON_RATE, true, -1, 4}};
  return l;
}

MonitorResult spikes(const std::string& name, std::vector<int32_t> idx, std::vector<int64_t> steps) {
  MonitorResult m;
  m.name = name;
  m.population = name.substr(0, 1);
  m.kind = MC_MON_SPIKES;
  m.spike_indices = std::move(idx);
  m.steps = std::move(steps);
  for (int64_t s : m.steps) m.times.push_back(s * kDt);
  // One recorded variable per event: the index plus a tenth, to see it travel with its event.
  std::vector<double> v;
  for (int32_t i : m.spike_indices) v.push_back(i + 0.1);
  m.variables = {"v"};
  m.units = {"volt"};
  m.values = {v};
  return m;
}

MonitorResult state(const std::string& name, std::vector<int64_t> indices, std::vector<int64_t> steps, double base) {
  MonitorResult m;
  m.name = name;
  m.population = "E";
  m.kind = MC_MON_STATE;
  m.indices = std::move(indices);
  m.steps = std::move(steps);
  for (int64_t s : m.steps) m.times.push_back(s * kDt);
  m.variables = {"v"};
  m.units = {"volt"};
  std::vector<double> v;
  for (size_t t = 0; t < m.steps.size(); ++t)
    for (size_t c = 0; c < m.indices.size(); ++c) v.push_back(base + 100.0 * t + static_cast<double>(c));
  m.values = {v};
  return m;
}

MonitorResult rate(const std::string& name, const std::vector<int64_t>& counts, int64_t slice) {
  MonitorResult m;
  m.name = name;
  m.population = name.substr(0, 1);
  m.kind = MC_MON_RATE;
  for (size_t s = 0; s < counts.size(); ++s) {
    m.steps.push_back(static_cast<int64_t>(s));
    m.times.push_back(static_cast<double>(s) * kDt);
    m.rates.push_back(static_cast<double>(counts[s]) / (static_cast<double>(slice) * kDt));  // the module's arithmetic
  }
  return m;
}

RunResults header(int64_t e_spikes, int64_t r_spikes, int64_t ee, int64_t rr) {
  RunResults r;
  r.model_name = "m";
  r.backend = "cpu";
  r.dt = kDt;
  r.steps = 5;
  r.seed = 7;
  r.precision = "double";
  r.populations = {{"E", 10, e_spikes, 0.0}, {"R", 4, r_spikes, 0.0}};
  r.synapse_groups = {{"EE", "E", "E", ee}, {"RR", "R", "R", rr}};
  r.kernel_launches = 10;
  return r;
}

// Two ranks: rank 0 owns E[0, 5), rank 1 owns E[5, 10). EE has 6 synapses in one process: rank 0
// holds one-process synapses {0, 2, 4}, rank 1 {1, 3, 5}.
std::vector<dist::RankResults> two_ranks() {
  std::vector<dist::RankResults> ranks(2);
  for (int r = 0; r < 2; ++r) {
    dist::RankResults& x = ranks[r];
    x.rank = r;
    x.results = header(r == 0 ? 3 : 2, 4, 3, 8);
    x.neuron_ranges = {{r * 5, r * 5 + 5}, {0, 4}};
    x.synapse_ids = {r == 0 ? std::vector<int64_t>{0, 2, 4} : std::vector<int64_t>{1, 3, 5}, {}};
    x.results.construct_seconds = r == 0 ? 1.0 : 2.0;
    x.results.simulate_seconds = r == 0 ? 3.0 : 0.5;
  }
  ranks[0].results.monitors.push_back(spikes("E_spikes", {1, 4, 2}, {0, 2, 3}));
  ranks[1].results.monitors.push_back(spikes("E_spikes", {7, 5}, {2, 4}));
  for (int r = 0; r < 2; ++r) ranks[r].results.monitors.push_back(spikes("R_spikes", {0, 3, 1, 2}, {1, 1, 2, 4}));
  // State of E at neurons {1, 6, 3, 9}: rank 0 holds columns 0 and 2, rank 1 columns 1 and 3.
  ranks[0].results.monitors.push_back(state("E_state", {1, 6, 3, 9}, {0, 2, 4}, 0.0));
  ranks[1].results.monitors.push_back(state("E_state", {1, 6, 3, 9}, {0, 2, 4}, 1000.0));
  for (int r = 0; r < 2; ++r) ranks[r].results.monitors.back().population = "E";
  // Every synapse of EE: each rank's three, local columns 0..2.
  ranks[0].results.monitors.push_back(state("EE_w", {0, 1, 2}, {0, 4}, 0.0));
  ranks[1].results.monitors.push_back(state("EE_w", {0, 1, 2}, {0, 4}, 1000.0));
  ranks[0].results.monitors.push_back(rate("E_rate", {1, 0, 1, 1, 0}, 10));
  ranks[1].results.monitors.push_back(rate("E_rate", {0, 0, 1, 0, 1}, 10));
  for (int r = 0; r < 2; ++r) ranks[r].results.monitors.push_back(rate("R_rate", {0, 2, 1, 0, 1}, 4));
  ranks[0].held = {{}, {}, {1, 0, 1, 0}, {1, 1, 1}, {}, {}};
  ranks[1].held = {{}, {}, {0, 1, 0, 1}, {1, 1, 1}, {}, {}};
  return ranks;
}

TEST(ResultsMerge, CountsAddUpForSplitAndAreRankZerosForReplicated) {
  auto ranks = two_ranks();
  RunResults m;
  std::string err;
  ASSERT_TRUE(dist::merge_rank_results(layout(), ranks, m, err)) << err;
  EXPECT_EQ(m.populations[0].spikes, 5);
  EXPECT_EQ(m.populations[1].spikes, 4);
  EXPECT_DOUBLE_EQ(m.populations[0].mean_rate_hz, 5.0 / (10 * 5 * kDt));
  EXPECT_EQ(m.synapse_groups[0].synapses, 6);
  EXPECT_EQ(m.synapse_groups[1].synapses, 8);
  EXPECT_EQ(m.steps, 5);
  EXPECT_EQ(m.kernel_launches, 10);
  // The slowest rank's times.
  EXPECT_EQ(m.construct_seconds, 2.0);
  EXPECT_EQ(m.simulate_seconds, 3.0);
}

TEST(ResultsMerge, SpikeMonitorsAreStablySortedByStepRanksInOrder) {
  auto ranks = two_ranks();
  RunResults m;
  std::string err;
  ASSERT_TRUE(dist::merge_rank_results(layout(), ranks, m, err)) << err;
  const MonitorResult& e = m.monitors[0];
  // Step 2: rank 0's neuron 4 before rank 1's neuron 7.
  EXPECT_EQ(e.steps, (std::vector<int64_t>{0, 2, 2, 3, 4}));
  EXPECT_EQ(e.spike_indices, (std::vector<int32_t>{1, 4, 7, 2, 5}));
  ASSERT_EQ(e.values.size(), 1u);
  EXPECT_EQ(e.values[0], (std::vector<double>{1.1, 4.1, 7.1, 2.1, 5.1}));
  EXPECT_EQ(e.times[2], 2 * kDt);
  // Replicated: rank 0's copy, not both.
  EXPECT_EQ(m.monitors[1].spike_indices, (std::vector<int32_t>{0, 3, 1, 2}));
}

TEST(ResultsMerge, StateColumnsComeFromTheRankHoldingThem) {
  auto ranks = two_ranks();
  RunResults m;
  std::string err;
  ASSERT_TRUE(dist::merge_rank_results(layout(), ranks, m, err)) << err;
  const MonitorResult& s = m.monitors[2];
  EXPECT_EQ(s.indices, (std::vector<int64_t>{1, 6, 3, 9}));
  // Sample t, column c: rank 0's are base 0, rank 1's base 1000.
  EXPECT_EQ(s.values[0], (std::vector<double>{0, 1001, 2, 1003, 100, 1101, 102, 1103, 200, 1201, 202, 1203}));
}

TEST(ResultsMerge, SynapseColumnsGoToTheirOneProcessIndex) {
  auto ranks = two_ranks();
  RunResults m;
  std::string err;
  ASSERT_TRUE(dist::merge_rank_results(layout(), ranks, m, err)) << err;
  const MonitorResult& w = m.monitors[3];
  EXPECT_EQ(w.indices, (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
  // Synapse 0, 2, 4 = rank 0's local 0, 1, 2; synapse 1, 3, 5 = rank 1's.
  EXPECT_EQ(w.values[0], (std::vector<double>{0, 1000, 1, 1001, 2, 1002, 100, 1100, 101, 1101, 102, 1102}));
}

TEST(ResultsMerge, RatesAreTheSummedCountsDividedOnceBitForBit) {
  auto ranks = two_ranks();
  RunResults m;
  std::string err;
  ASSERT_TRUE(dist::merge_rank_results(layout(), ranks, m, err)) << err;
  const MonitorResult one_process = rate("E_rate", {1, 0, 2, 1, 1}, 10);
  ASSERT_EQ(m.monitors[4].rates.size(), 5u);
  for (size_t s = 0; s < 5; ++s)
    EXPECT_EQ(std::memcmp(&m.monitors[4].rates[s], &one_process.rates[s], sizeof(double)), 0) << "step " << s;
  // Replicated: rank 0's rates, not twice them.
  EXPECT_EQ(m.monitors[5].rates, rate("R_rate", {0, 2, 1, 0, 1}, 4).rates);
}

TEST(ResultsMerge, RatesOfLargeCountsRecoverExactly) {
  // Counts up to a million spikes per step over slices of odd sizes: llround recovers each exactly.
  for (int64_t slice : {1, 3, 77169, 1000003}) {
    for (int64_t a : {0, 1, 12345, 999999}) {
      dist::PartitionLayout l;
      l.dt = 0.1e-3;
      l.monitors = {{MC_MON_RATE, false, -1, slice}};
      std::vector<dist::RankResults> ranks(2);
      for (int r = 0; r < 2; ++r) {
        ranks[r].rank = r;
        ranks[r].results = header(0, 0, 0, 0);
        ranks[r].results.populations.clear();
        ranks[r].results.synapse_groups.clear();
        ranks[r].results.monitors.push_back(rate("E_rate", {r == 0 ? a : a / 3 + 7}, slice));
      }
      RunResults m;
      std::string err;
      ASSERT_TRUE(dist::merge_rank_results(l, ranks, m, err)) << err;
      const double want = static_cast<double>(a + a / 3 + 7) / (static_cast<double>(slice) * 0.1e-3);
      EXPECT_EQ(std::memcmp(&m.monitors[0].rates[0], &want, sizeof want), 0) << slice << " " << a;
    }
  }
}

TEST(ResultsMerge, MismatchedRanksAreErrorsNotGuesses) {
  std::string err;
  RunResults m;
  {
    auto ranks = two_ranks();
    ranks[1].results.steps = 4;
    EXPECT_FALSE(dist::merge_rank_results(layout(), ranks, m, err));
    EXPECT_NE(err.find("ended at step 4"), std::string::npos) << err;
  }
  {
    auto ranks = two_ranks();
    ranks[1].held[2] = {0, 1, 0, 0};  // column 3 held by nobody
    EXPECT_FALSE(dist::merge_rank_results(layout(), ranks, m, err));
    EXPECT_NE(err.find("no rank computes column 3 (index 9)"), std::string::npos) << err;
  }
  {
    auto ranks = two_ranks();
    ranks[1].synapse_ids[0] = {1, 2, 5};  // synapse 2 on both ranks
    EXPECT_FALSE(dist::merge_rank_results(layout(), ranks, m, err));
    EXPECT_NE(err.find("synapse index 2 is held by two ranks"), std::string::npos) << err;
  }
  {
    auto ranks = two_ranks();
    std::swap(ranks[0], ranks[1]);
    EXPECT_FALSE(dist::merge_rank_results(layout(), ranks, m, err));
    EXPECT_NE(err.find("arrived in place of rank 0"), std::string::npos) << err;
  }
}

TEST(RankResultsCodec, RoundTripsEveryField) {
  dist::RankResults x = two_ranks()[1];
  x.exchange = {12, 480, 960, 0.25};
  x.notes = R"({"warnings":["P.v became NaN"]})";
  x.results.phases = {{"neurons", 0.5}, {"exchange", 0.125}};
  dist::RankResults y;
  std::string err;
  ASSERT_TRUE(dist::decode_rank_results(dist::encode_rank_results(x), y, err)) << err;
  EXPECT_EQ(dist::encode_rank_results(y), dist::encode_rank_results(x));
  EXPECT_EQ(y.rank, 1);
  EXPECT_EQ(y.results.monitors[0].spike_indices, x.results.monitors[0].spike_indices);
  EXPECT_EQ(y.results.monitors[2].values, x.results.monitors[2].values);
  EXPECT_EQ(y.results.monitors[4].rates, x.results.monitors[4].rates);
  EXPECT_EQ(y.synapse_ids, x.synapse_ids);
  EXPECT_EQ(y.held, x.held);
  EXPECT_EQ(y.neuron_ranges, x.neuron_ranges);
  EXPECT_EQ(y.exchange.bytes_received, 960);
  EXPECT_EQ(y.notes, x.notes);
  EXPECT_EQ(y.results.phases, x.results.phases);
}

TEST(RankResultsCodec, TruncatedOrCorruptBytesAreErrors) {
  const std::string bytes = dist::encode_rank_results(two_ranks()[0]);
  dist::RankResults y;
  std::string err;
  for (size_t cut : {size_t{0}, size_t{3}, bytes.size() / 2, bytes.size() - 1}) {
    EXPECT_FALSE(dist::decode_rank_results(bytes.substr(0, cut), y, err)) << cut;
    EXPECT_NE(err.find("corrupted"), std::string::npos);
  }
  std::string bad = bytes;
  bad[0] ^= 0x55;
  EXPECT_FALSE(dist::decode_rank_results(bad, y, err));
  EXPECT_FALSE(dist::decode_rank_results(bytes + "x", y, err));
}

// Runs `body(comm)` on `n` thread ranks.
template <typename F>
void on_ranks(int n, F body) {
  dist::ThreadGroup group(n);
  std::vector<std::thread> threads;
  for (int r = 0; r < n; ++r)
    threads.emplace_back([&, r] {
      dist::ThreadCommunicator comm(group, r);
      body(comm);
    });
  for (auto& t : threads) t.join();
}

TEST(ThreadCommunicator, CollectivesGiveEveryRankTheSameAnswer) {
  std::vector<std::vector<std::string>> strings(3);
  std::vector<std::string> gathered, broadcast(3);
  on_ranks(3, [&](dist::Communicator& c) {
    std::string err;
    std::vector<std::string> all;
    ASSERT_TRUE(c.allgather_strings("r" + std::to_string(c.rank()), all, err)) << err;
    strings[c.rank()] = all;
    std::vector<std::string> g;
    ASSERT_TRUE(c.gather(std::string(static_cast<size_t>(c.rank()), 'x'), g, err));
    if (c.rank() == 0) gathered = g.empty() ? std::vector<std::string>{} : g;
    else EXPECT_TRUE(g.empty());
    std::string b = c.rank() == 0 ? "from zero" : "mine";
    ASSERT_TRUE(c.broadcast(b, err));
    broadcast[c.rank()] = b;
    EXPECT_TRUE(c.barrier(err));
  });
  for (int r = 0; r < 3; ++r) {
    EXPECT_EQ(strings[r], (std::vector<std::string>{"r0", "r1", "r2"}));
    EXPECT_EQ(broadcast[r], "from zero");
  }
  EXPECT_EQ(gathered, (std::vector<std::string>{"", "x", "xx"}));
}

TEST(ThreadCommunicator, AnAbortingRankReleasesTheOthers) {
  std::vector<std::string> errors(3);
  std::string aborted;
  on_ranks(3, [&](dist::Communicator& c) {
    std::string err;
    if (c.rank() == 1) {
      try {
        c.abort("modelc: rank 1 of 3 failed: on purpose");
      } catch (const dist::RankAborted& e) {
        aborted = e.what();
      }
      return;
    }
    // Would wait for ever for rank 1 without the abort.
    EXPECT_FALSE(c.barrier(err));
    errors[c.rank()] = err;
  });
  EXPECT_EQ(aborted, "modelc: rank 1 of 3 failed: on purpose");
  EXPECT_NE(errors[0].find("another rank aborted"), std::string::npos);
  EXPECT_NE(errors[2].find("another rank aborted"), std::string::npos);
}

TEST(PartitionAdapter, CarriesTheModulesExchangeAndCountsIt) {
  std::vector<std::vector<int32_t>> received(3);
  std::vector<std::vector<int64_t>> counts(3);
  std::vector<dist::ExchangeStats> stats(3);
  on_ranks(3, [&](dist::Communicator& c) {
    dist::PartitionAdapter adapter(c);
    const mc_partition* p = adapter.partition();
    EXPECT_EQ(p->rank, c.rank());
    EXPECT_EQ(p->num_ranks, 3);
    // Two windows, as a module calls it: rank r sends r + 1 values, then nothing.
    std::vector<int32_t> send(static_cast<size_t>(c.rank() + 1), 10 * c.rank());
    const int32_t* recv = nullptr;
    const int64_t* n = nullptr;
    ASSERT_EQ(p->allgather(p->context, send.data(), static_cast<int64_t>(send.size()), &recv, &n), 0) << adapter.error();
    received[c.rank()].assign(recv, recv + (n[0] + n[1] + n[2]));
    counts[c.rank()].assign(n, n + 3);
    ASSERT_EQ(p->allgather(p->context, nullptr, 0, &recv, &n), 0) << adapter.error();
    EXPECT_NE(recv, nullptr);
    EXPECT_EQ(n[0] + n[1] + n[2], 0);
    stats[c.rank()] = adapter.stats();
  });
  for (int r = 0; r < 3; ++r) {
    EXPECT_EQ(received[r], (std::vector<int32_t>{0, 10, 10, 20, 20, 20}));
    EXPECT_EQ(counts[r], (std::vector<int64_t>{1, 2, 3}));
    EXPECT_EQ(stats[r].windows, 2);
    EXPECT_EQ(stats[r].bytes_sent, 4 * (r + 1));
    EXPECT_EQ(stats[r].bytes_received, 24);
    EXPECT_GE(stats[r].seconds, 0.0);
  }
}

TEST(PartitionAdapter, OverOneProcessEveryExchangeIsTheRanksOwn) {
  dist::SingleProcessCommunicator one;
  dist::PartitionAdapter adapter(one);
  const mc_partition* p = adapter.partition();
  EXPECT_EQ(p->rank, 0);
  EXPECT_EQ(p->num_ranks, 1);
  const int32_t send[] = {3, 1, 4};
  const int32_t* recv = nullptr;
  const int64_t* n = nullptr;
  ASSERT_EQ(p->allgather(p->context, send, 3, &recv, &n), 0);
  EXPECT_EQ(n[0], 3);
  EXPECT_EQ(std::vector<int32_t>(recv, recv + 3), (std::vector<int32_t>{3, 1, 4}));
  std::vector<std::string> all;
  std::string err;
  ASSERT_TRUE(one.allgather_strings("only", all, err));
  EXPECT_EQ(all, std::vector<std::string>{"only"});
  EXPECT_EQ(one.describe(), "rank 0 of 1");
  EXPECT_EQ(adapter.stats().windows, 1);
}

}  // namespace
