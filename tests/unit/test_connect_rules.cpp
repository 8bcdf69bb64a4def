// IR v2 connection rules (docs/ir-v2.md, synapses table): Brian2's generator syntax (sample with p or
// size, range windows with skip_if_invalid), `n` synapses per pair, and conditions / probabilities
// reading pre/post neuron variables. Connectivity is read back through a state monitor of two
// per-synapse variables initialised to i and j (every synapse, in CSR order).
#include <map>
#include <set>

#include "test_model_util.h"

namespace modelc::testing {
namespace {

using Pairs = std::vector<std::pair<int64_t, int64_t>>;

// A model with neuron groups P (n_pre) and Q (n_post) and one synapse group S with `connect`.
std::string connect_model(int n_pre, int n_post, const std::string& connect, const std::string& extra_eqs = "") {
  return R"J({"modelc_ir": 2, "name": "connect", "simulation": {"dt": "0.1 ms", "duration": "0.1 ms", "seed": 7},
    "neuron_groups": [{"name": "P", "size": )J" + std::to_string(n_pre) + R"J(, "equations": ["x : 1")J" + extra_eqs +
         R"J(], "initial": {"x": "i"}},
                      {"name": "Q", "size": )J" + std::to_string(n_post) + R"J(, "equations": ["x : 1")J" + extra_eqs +
         R"J(], "initial": {"x": "i"}}],
    "synapses": [{"name": "S", "source": "P", "target": "Q", "equations": ["si : 1", "sj : 1"],
                  "initial": {"si": "i", "sj": "j"}, "connect": )J" + connect + R"J(}],
    "monitors": [{"name": "s", "kind": "state", "source": "S", "variables": ["si", "sj"]}]})J";
}

std::optional<Pairs> connect_pairs(const std::string& tag, const std::string& model, std::string& err) {
  auto out = run_v2(tag, model, err);
  if (!out) return std::nullopt;
  const auto* m = find_monitor(out->results, "s");
  if (!m || m->steps.empty()) {
    err = "no synapse monitor samples";
    return std::nullopt;
  }
  Pairs p;
  for (size_t k = 0; k < m->indices.size(); ++k)
    p.emplace_back(static_cast<int64_t>(state_at(*m, 0, k, 0)), static_cast<int64_t>(state_at(*m, 0, k, 1)));
  return p;
}

// sample(N_post, p=...): every pair independently with probability p: the total is Binomial(N, p).
TEST(V2Connect, SampleWithProbabilityHasBinomialCounts) {
  std::string err;
  auto p = connect_pairs("sample_p", connect_model(100, 2000, R"J({"j": "k for k in sample(N_post, p=0.05)"})J"), err);
  ASSERT_TRUE(p) << err;
  const double mean = 100 * 2000 * 0.05, sd = std::sqrt(100 * 2000 * 0.05 * 0.95);
  EXPECT_NEAR(static_cast<double>(p->size()), mean, 5 * sd);
  std::set<std::pair<int64_t, int64_t>> unique(p->begin(), p->end());
  EXPECT_EQ(unique.size(), p->size()) << "sample() never repeats a target";
  for (const auto& [i, j] : *p) ASSERT_TRUE(i >= 0 && i < 100 && j >= 0 && j < 2000);
}

// sample(N_post, size=K): exactly K distinct targets per row (without replacement, Brian2), for a
// large fraction (selection sampling) and a small one (rejection); targets roughly uniform.
TEST(V2Connect, SampleWithSizeIsAnExactFanOutWithoutReplacement) {
  for (int n_post : {40, 2000}) {
    std::string err;
    auto p = connect_pairs("sample_size" + std::to_string(n_post),
                           connect_model(200, n_post, R"J({"j": "k for k in sample(N_post, size=10)"})J"), err);
    ASSERT_TRUE(p) << err;
    std::map<int64_t, std::set<int64_t>> rows;
    std::map<int64_t, int> hits;
    for (const auto& [i, j] : *p) {
      EXPECT_TRUE(rows[i].insert(j).second) << "repeated target " << j << " in row " << i;
      ++hits[j];
    }
    ASSERT_EQ(rows.size(), 200u);
    for (const auto& [i, js] : rows) EXPECT_EQ(js.size(), 10u) << "row " << i;
    if (n_post == 40) {  // each target is picked by Binomial(200, 1/4) rows: mean 50, sd 6.1
      for (int j = 0; j < 40; ++j) EXPECT_NEAR(hits[j], 50.0, 6 * 6.1) << "target " << j;
    }
  }
}

// range(i-3, i+4) if k != i with skip_if_invalid: exactly the window, clipped at the borders.
TEST(V2Connect, RangeWindowWithSkipIfInvalidIsExact) {
  std::string err;
  auto p = connect_pairs("range", connect_model(20, 20, R"J({"j": "k for k in range(i-3, i+4) if k != i", "skip_if_invalid": true})J"), err);
  ASSERT_TRUE(p) << err;
  Pairs expected;
  for (int64_t i = 0; i < 20; ++i)
    for (int64_t k = i - 3; k < i + 4; ++k)
      if (k != i && k >= 0 && k < 20) expected.emplace_back(i, k);
  EXPECT_EQ(*p, expected);  // CSR order = Brian2's creation order
}

// Without skip_if_invalid, a target outside the group is an error at connection time (Brian2:
// "tried to create synapse to neuron j=-3 outside range 0 to 19").
TEST(V2Connect, RangeOutsideTheTargetFailsWithoutSkipIfInvalid) {
  std::string err;
  auto out = run_v2("range_err", connect_model(20, 20, R"J({"j": "k for k in range(i-3, i+4) if k != i"})J"), err);
  ASSERT_FALSE(out);
  EXPECT_NE(err.find("presynaptic neuron 0 tried to create a synapse to neuron j=-3, outside the range 0 to 19"),
            std::string::npos) << err;
  EXPECT_NE(err.find("skip_if_invalid"), std::string::npos) << err;
  // A sample larger than the population: an error, or the whole population with skip_if_invalid.
  out = run_v2("size_err", connect_model(3, 5, R"J({"j": "k for k in sample(N_post, size=6)"})J"), err);
  ASSERT_FALSE(out);
  EXPECT_NE(err.find("requested the sample size 6, bigger than the population size"), std::string::npos) << err;
  auto p = connect_pairs("size_skip", connect_model(3, 5, R"J({"j": "k for k in sample(N_post, size=6)", "skip_if_invalid": true})J"), err);
  ASSERT_TRUE(p) << err;
  EXPECT_EQ(p->size(), 15u);
}

// A plain expression for j (Brian2's connect(j='i+1')) and `n` synapses per pair, constant or
// an expression of i and j.
TEST(V2Connect, PlainTargetExpressionAndMultipleSynapsesPerPair) {
  std::string err;
  auto p = connect_pairs("plain_j", connect_model(10, 10, R"J({"j": "i + 1", "skip_if_invalid": true, "n": 2})J"), err);
  ASSERT_TRUE(p) << err;
  Pairs expected;
  for (int64_t i = 0; i < 9; ++i) expected.insert(expected.end(), 2, {i, i + 1});
  EXPECT_EQ(*p, expected);
  p = connect_pairs("n_all", connect_model(3, 4, R"J({"rule": "all_to_all", "n": 3})J"), err);
  ASSERT_TRUE(p) << err;
  EXPECT_EQ(p->size(), 3u * 4u * 3u);
  p = connect_pairs("n_expr", connect_model(4, 5, R"J({"condition": "i != j", "n": "1 + j % 2"})J"), err);
  ASSERT_TRUE(p) << err;
  size_t want = 0;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 5; ++j) want += i != j ? 1 + j % 2 : 0;
  EXPECT_EQ(p->size(), want);
  p = connect_pairs("n_sample", connect_model(50, 60, R"J({"j": "k for k in sample(N_post, size=5)", "n": 2})J"), err);
  ASSERT_TRUE(p) << err;
  EXPECT_EQ(p->size(), 50u * 5u * 2u);
}

// Conditions and probabilities read neuron variables after their initial values (x = i here).
TEST(V2Connect, ConditionAndProbabilityUsePrePostVariables) {
  std::string err;
  auto p = connect_pairs("cond_prepost", connect_model(30, 30, R"J({"condition": "x_pre < x_post"})J"), err);
  ASSERT_TRUE(p) << err;
  EXPECT_EQ(p->size(), 30u * 29u / 2u);
  for (const auto& [i, j] : *p) EXPECT_LT(i, j);
  // p = x_post / N_post: expected count sum_j j/200 * 200 rows = 199*200/2 = 19900 draws' mean.
  p = connect_pairs("p_post", connect_model(200, 200, R"J({"p": "x_post / N_post"})J"), err);
  ASSERT_TRUE(p) << err;
  double mean = 0, var = 0;
  for (int j = 0; j < 200; ++j) {
    mean += 200 * (j / 200.0);
    var += 200 * (j / 200.0) * (1 - j / 200.0);
  }
  EXPECT_NEAR(static_cast<double>(p->size()), mean, 5 * std::sqrt(var));
  std::map<int64_t, int> col;
  for (const auto& [i, j] : *p) ++col[j];
  EXPECT_EQ(col.count(0), 0u) << "p = 0 for target 0";
  // The generator's condition may read post variables too.
  p = connect_pairs("gen_post", connect_model(5, 8, R"J({"j": "k for k in range(N_post) if x_post >= 2*x_pre"})J"), err);
  ASSERT_TRUE(p) << err;
  for (const auto& [i, j] : *p) EXPECT_GE(j, 2 * i);
  EXPECT_EQ(p->size(), 8u + 6u + 4u + 2u + 0u);
}

// N_incoming / N_outgoing (Brian2's synaptic variables): every synapse reads the number of
// synapses of its group onto its target and out of its source, counted over the random
// connectivity that was actually built, on slices too (the counts are slice-relative), and in
// float precision, where the per-synapse value is stored as float.
TEST(V2Connect, DegreesCountTheBuiltSynapses) {
  for (const char* precision : {"double", "float"}) {
    SCOPED_TRACE(precision);
    std::string model = R"J({"modelc_ir": 2, "name": "degrees", "simulation": {"dt": "0.1 ms", "duration": "0.1 ms",
      "seed": 11, "precision": "PRECISION"},
      "neuron_groups": [{"name": "P", "size": 60, "equations": ["x : 1"]}, {"name": "Q", "size": 50, "equations": ["x : 1"]}],
      "synapses": [{"name": "S", "source": "P[10:55]", "target": "Q[5:45]", "equations": ["si : 1", "sj : 1", "nin : 1", "nout : 1"],
                    "initial": {"si": "i", "sj": "j", "nin": "N_incoming", "nout": "N_outgoing"}, "connect": {"p": 0.15}}],
      "monitors": [{"name": "s", "kind": "state", "source": "S", "variables": ["si", "sj", "nin", "nout"]}]})J";
    model.replace(model.find("PRECISION"), 9, precision);
    std::string err;
    auto out = run_v2(std::string("degrees_") + precision, model, err);
    ASSERT_TRUE(out) << err;
    const auto* m = find_monitor(out->results, "s");
    ASSERT_TRUE(m && !m->steps.empty());
    std::map<int64_t, int64_t> in, outgoing;
    for (size_t k = 0; k < m->indices.size(); ++k) {
      ++outgoing[static_cast<int64_t>(state_at(*m, 0, k, 0))];
      ++in[static_cast<int64_t>(state_at(*m, 0, k, 1))];
    }
    ASSERT_GT(m->indices.size(), 100u);
    EXPECT_GT(in.size(), 30u) << "most targets have synapses";
    for (size_t k = 0; k < m->indices.size(); ++k) {
      EXPECT_EQ(state_at(*m, 0, k, 2), static_cast<double>(in[static_cast<int64_t>(state_at(*m, 0, k, 1))])) << "synapse " << k;
      EXPECT_EQ(state_at(*m, 0, k, 3), static_cast<double>(outgoing[static_cast<int64_t>(state_at(*m, 0, k, 0))])) << "synapse " << k;
    }
  }
}

TEST(V2Connect, GeneratorErrorsPointIntoTheString) {
  auto err_of = [](const std::string& connect) {
    return first_error(v2_diagnostics(connect_model(4, 4, connect)));
  };
  auto caret = [](const support::Diagnostic& d) {
    return d.loc.valid() ? d.loc.source->text.substr(d.loc.offset, d.loc.length) : std::string("<no caret>");
  };
  auto d = err_of(R"J({"j": "k for k in rnge(3)"})J");
  EXPECT_NE(d.message.find("the iterator must be range(...) or sample(...)"), std::string::npos) << d.message;
  EXPECT_EQ(caret(d), "rnge(3)");
  EXPECT_EQ(d.json_pointer.empty() ? d.loc.source->json_pointer : d.json_pointer, "/synapses/0/connect/j");
  d = err_of(R"J({"j": "k for k in sample(N_post)"})J");
  EXPECT_NE(d.message.find("needs p= "), std::string::npos) << d.message;
  d = err_of(R"J({"j": "k for k in sample(N_post, q=0.1)"})J");
  EXPECT_NE(d.message.find("unknown keyword argument 'q'"), std::string::npos) << d.message;
  EXPECT_EQ(caret(d), "q");
  d = err_of(R"J({"j": "k for k in range(i-3, i+) if k != i"})J");
  EXPECT_TRUE(d.loc.valid()) << d.message;
  EXPECT_GE(d.loc.offset, 18);  // inside the second argument, not at the start of the string
  d = err_of(R"J({"j": "k for k in range(N_post)", "p": 0.1})J");
  EXPECT_NE(d.message.find("'p' cannot be combined with a \"j\" generator"), std::string::npos) << d.message;
  d = err_of(R"J({"j": "k for k in range(j)"})J");
  EXPECT_NE(d.message.find("evaluated once per presynaptic neuron and cannot use 'j'"), std::string::npos) << d.message;
  d = err_of(R"J({"j": "k for k in range(N_post) if si > 0"})J");
  EXPECT_NE(d.message.find("uses the synaptic variable 'si'"), std::string::npos) << d.message;
  d = err_of(R"J({"condition": "N_incoming < 3"})J");
  EXPECT_NE(d.message.find("uses the synaptic variable 'N_incoming', which does not exist before the synapses are created"),
            std::string::npos) << d.message;
  d = err_of(R"J({"j": "m for k in range(N_post)"})J");
  EXPECT_NE(d.message.find("unknown identifier 'm'"), std::string::npos) << d.message;
  d = err_of(R"J({"rule": "all_to_all", "n": "x_post*mV"})J");
  EXPECT_NE(d.message.find("'n' must be dimensionless"), std::string::npos) << d.message;
  // IR v1 files cannot use the v2 fields.
  auto v1 = connect_model(2, 2, R"J({"rule": "all_to_all", "n": 2})J");
  v1.replace(v1.find("\"modelc_ir\": 2"), 14, "\"modelc_ir\": 1");
  v1.replace(v1.find("\"equations\": [\"si"), 0, "\"on_pre\": \"x_post += 1\", ");
  d = first_error(v2_diagnostics(v1));
  EXPECT_NE(d.message.find("'n' needs IR version 2"), std::string::npos) << d.message;
}

}  // namespace
}  // namespace modelc::testing
