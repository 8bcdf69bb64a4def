// IR v2 one-value-per-group constructs, with Brian2's semantics: (shared) variables (scalar code runs
// once per code object, before the per-neuron statements; writes are only allowed where Brian2
// allows them), (constant over dt) subexpressions (stored, evaluated once per step before the state
// monitors) and (linked) variables (read through the link at every use).
#include <cmath>

#include "test_model_util.h"

namespace modelc::testing {
namespace {

const runtime::MonitorResult* monitor_or_fail(const RunOutput& out, const std::string& name) {
  const auto* m = find_monitor(out.results, name);
  EXPECT_NE(m, nullptr) << name;
  return m;
}

// `count += 1` in run_regularly writes the shared variable once per operation (golden decision 7),
// and the per-neuron statement after it sees the new value: Brian2 runs scalar statements first.
TEST(V2Shared, RunRegularlyWritesSharedVariableOncePerOperation) {
  std::string err;
  auto out = run_v2("shared_rr", R"J({
    "modelc_ir": 2, "name": "shared_rr",
    "simulation": {"dt": "0.1 ms", "duration": "5 ms"},
    "neuron_groups": [{"name": "G", "size": 4, "equations": ["count : 1 (shared)", "x : 1"],
      "run_regularly": [{"code": "count += 1\nx = count + i", "dt": "1 ms"}]}],
    "monitors": [{"name": "m", "kind": "state", "source": "G", "variables": ["count", "x"]}]
  })J", err);
  ASSERT_TRUE(out) << err;
  const auto* m = monitor_or_fail(*out, "m");
  ASSERT_NE(m, nullptr);
  const size_t last = m->steps.size() - 1;  // step 49: after the runs at steps 0, 10, 20, 30, 40
  for (size_t k = 0; k < 4; ++k) {
    EXPECT_EQ(state_at(*m, last, k, 0), 5.0) << "neuron " << k;  // not 20: once per operation
    EXPECT_EQ(state_at(*m, last, k, 1), 5.0 + k) << "neuron " << k;
  }
  EXPECT_EQ(state_at(*m, 0, 0, 0), 1.0);  // run_regularly in `start` runs before the monitor
}

// A scalar temporary keeps the value it had when it was defined: `_a = count*2` before `count += 1`
// hands the old count to the per-neuron statement (Brian2's scalar block runs in order, once).
TEST(V2Shared, ScalarTemporariesReachPerNeuronStatements) {
  std::string err;
  auto out = run_v2("shared_tmp", R"J({
    "modelc_ir": 2, "name": "shared_tmp",
    "simulation": {"dt": "0.1 ms", "duration": "5 ms"},
    "neuron_groups": [{"name": "G", "size": 3, "equations": ["count : 1 (shared)", "x : 1"],
      "run_regularly": [{"code": "_a = count*2\ncount += 1\nx = _a + i", "dt": "1 ms"}]}],
    "monitors": [{"name": "m", "kind": "state", "source": "G", "variables": ["count", "x"]}]
  })J", err);
  ASSERT_TRUE(out) << err;
  const auto* m = monitor_or_fail(*out, "m");
  ASSERT_NE(m, nullptr);
  const size_t last = m->steps.size() - 1;
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(state_at(*m, last, k, 0), 5.0);
    EXPECT_EQ(state_at(*m, last, k, 1), 8.0 + k);  // _a = 4*2 in the fifth run
  }
}

TEST(V2Shared, WritesOutsideRunRegularlyAreErrorsAsInBrian2) {
  auto d = first_error(v2_diagnostics(R"J({
    "modelc_ir": 2, "name": "e", "simulation": {"duration": "1 ms"},
    "neuron_groups": [{"name": "G", "size": 2, "equations": ["dv/dt = 1/ms : 1", "c : 1 (shared)"],
      "threshold": "v > 1", "reset": "v = 0\nc += 1"}]
  })J"));
  EXPECT_NE(d.message.find("'c' is (shared) and cannot be written by the reset"), std::string::npos) << d.message;
  ASSERT_TRUE(d.loc.valid());
  EXPECT_EQ(d.loc.source->text.substr(d.loc.offset, d.loc.length), "c");
  EXPECT_NE(d.hint.find("run_regularly"), std::string::npos);

  d = first_error(v2_diagnostics(R"J({
    "modelc_ir": 2, "name": "e", "simulation": {"duration": "1 ms"},
    "neuron_groups": [{"name": "G", "size": 2, "equations": ["dv/dt = 1/ms : 1", "c : 1 (shared)"],
      "events": {"up": {"condition": "v > 0.5", "code": "c = 1"}}}]
  })J"));
  EXPECT_NE(d.message.find("cannot be written by the code of event 'up'"), std::string::npos) << d.message;

  d = first_error(v2_diagnostics(R"J({
    "modelc_ir": 2, "name": "e", "simulation": {"duration": "1 ms"},
    "neuron_groups": [{"name": "P", "size": 2, "equations": ["c : 1 (shared)"]}],
    "synapses": [{"name": "S", "source": "P", "target": "P", "on_pre": "c_post += 1", "connect": {"rule": "all_to_all"}}]
  })J"));
  EXPECT_NE(d.message.find("cannot be written by on_pre code"), std::string::npos) << d.message;

  // Brian2 rejects (shared) on differential equations.
  d = first_error(v2_diagnostics(R"J({
    "modelc_ir": 2, "name": "e", "simulation": {"duration": "1 ms"},
    "neuron_groups": [{"name": "G", "size": 2, "equations": ["dy/dt = 1/second : 1 (shared)"]}]
  })J"));
  EXPECT_NE(d.message.find("a differential equation cannot be (shared)"), std::string::npos) << d.message;
}

TEST(V2Shared, RunRegularlySharedWritesMustBeScalarAndComeFirst) {
  auto d = first_error(v2_diagnostics(R"J({
    "modelc_ir": 2, "name": "e", "simulation": {"duration": "1 ms"},
    "neuron_groups": [{"name": "G", "size": 2, "equations": ["c : 1 (shared)", "x : 1"],
      "run_regularly": [{"code": "c = x + 1"}]}]
  })J"));
  EXPECT_NE(d.message.find("assigned a value that differs per neuron"), std::string::npos) << d.message;
  ASSERT_TRUE(d.loc.valid());
  EXPECT_EQ(d.loc.source->text.substr(d.loc.offset, d.loc.length), "x + 1");

  d = first_error(v2_diagnostics(R"J({
    "modelc_ir": 2, "name": "e", "simulation": {"duration": "1 ms"},
    "neuron_groups": [{"name": "G", "size": 2, "equations": ["c : 1 (shared)", "x : 1"],
      "run_regularly": [{"code": "c = rand()"}]}]
  })J"));
  EXPECT_NE(d.message.find("differs per neuron"), std::string::npos) << d.message;

  d = first_error(v2_diagnostics(R"J({
    "modelc_ir": 2, "name": "e", "simulation": {"duration": "1 ms"},
    "neuron_groups": [{"name": "G", "size": 2, "equations": ["c : 1 (shared)", "x : 1"],
      "run_regularly": [{"code": "x = 1\nc = 2"}]}]
  })J"));
  EXPECT_NE(d.message.find("is written after a per-neuron variable"), std::string::npos) << d.message;
}

// (constant over dt): stored, evaluated once per step before the state monitors (golden decision 3),
// and rk4 reads the stored value at every substep. With I = t/ms, dv/dt = I/ms integrates the
// staircase: v_N = 0.01 * N(N-1)/2; evaluating I at the substeps would give 0.01 * N^2/2.
TEST(V2Shared, ConstantOverDtIsStoredAndEvaluatedOncePerStep) {
  std::string err;
  auto out = run_v2("const_over_dt", R"J({
    "modelc_ir": 2, "name": "const_over_dt",
    "simulation": {"dt": "0.1 ms", "duration": "2 ms"},
    "neuron_groups": [{"name": "G", "size": 2, "method": "rk4",
      "equations": ["dv/dt = I/ms : 1", "I = t/ms + i : 1 (constant over dt)"]}],
    "monitors": [{"name": "m", "kind": "state", "source": "G", "variables": ["v", "I"]}]
  })J", err);
  ASSERT_TRUE(out) << err;
  const auto* m = monitor_or_fail(*out, "m");
  ASSERT_NE(m, nullptr);
  for (size_t s = 0; s < m->steps.size(); ++s) {
    const double n = static_cast<double>(m->steps[s]);
    EXPECT_NEAR(state_at(*m, s, 0, 1), 0.1 * n, 1e-12) << "I is up to date when the monitor records";
    EXPECT_NEAR(state_at(*m, s, 1, 1), 0.1 * n + 1, 1e-12);
    EXPECT_NEAR(state_at(*m, s, 0, 0), 0.01 * n * (n - 1) / 2, 1e-9) << "step " << n;
  }
  // It is read-only, like any subexpression.
  auto d = first_error(v2_diagnostics(R"J({
    "modelc_ir": 2, "name": "e", "simulation": {"duration": "1 ms"},
    "neuron_groups": [{"name": "G", "size": 1, "equations": ["I = t/ms : 1 (constant over dt)"],
      "run_regularly": [{"code": "I = 2"}]}]
  })J"));
  EXPECT_NE(d.message.find("is a (constant over dt) subexpression and cannot be assigned"), std::string::npos) << d.message;
}

// (linked) variables read the source group's variable through the link: identity (equal sizes), an
// index expression of i, and an index array.
TEST(V2Shared, LinkedVariablesReadTheirSource) {
  std::string err;
  auto out = run_v2("linked", R"J({
    "modelc_ir": 2, "name": "linked",
    "simulation": {"dt": "0.1 ms", "duration": "1 ms"},
    "neuron_groups": [
      {"name": "G", "size": 3, "equations": ["dx/dt = 1/ms : 1"], "initial": {"x": "10*i"}},
      {"name": "H", "size": 6, "equations": ["a : 1 (linked)", "b : 1 (linked)", "ya : 1", "yb : 1"],
       "links": {"a": {"group": "G", "variable": "x", "index": "i // 2"},
                 "b": {"group": "G", "variable": "x", "index": [2, 2, 1, 1, 0, 0]}},
       "run_regularly": [{"code": "ya = a\nyb = b", "when": "end"}]},
      {"name": "K", "size": 3, "equations": ["c : 1 (linked)", "dz/dt = c/second : 1"], "method": "euler",
       "links": {"c": {"group": "G", "variable": "x"}}}
    ],
    "monitors": [{"name": "h", "kind": "state", "source": "H", "variables": ["ya", "yb"]},
                 {"name": "g", "kind": "state", "source": "G", "variables": ["x"]}]
  })J", err);
  ASSERT_TRUE(out) << err;
  const auto* h = monitor_or_fail(*out, "h");
  const auto* g = monitor_or_fail(*out, "g");
  ASSERT_TRUE(h && g);
  const size_t last = h->steps.size() - 1;
  for (size_t k = 0; k < 6; ++k) {
    // ya/yb were written at the end of the previous step, after x was updated: x at this sample.
    EXPECT_NEAR(state_at(*h, last, k, 0), state_at(*g, last, k / 2), 1e-12) << k;
    EXPECT_NEAR(state_at(*h, last, k, 1), state_at(*g, last, 2 - k / 2), 1e-12) << k;
  }
  EXPECT_GT(state_at(*g, last, 2), 20.0);  // x moved: the link reads the current value
}

TEST(V2Shared, LinkErrorsSayWhatAndHow) {
  auto model = [](const std::string& h) {
    return R"J({"modelc_ir": 2, "name": "e", "simulation": {"duration": "1 ms"},
      "neuron_groups": [{"name": "G", "size": 3, "equations": ["x : volt"]}, )J" + h + "]}";
  };
  auto d = first_error(v2_diagnostics(model(R"J({"name": "H", "size": 2, "equations": ["a : volt (linked)"]})J")));
  EXPECT_NE(d.message.find("'a' is (linked) but the group's \"links\" do not link it"), std::string::npos) << d.message;
  d = first_error(v2_diagnostics(
      model(R"J({"name": "H", "size": 2, "equations": ["a : volt (linked)"], "links": {"a": {"group": "G", "variable": "x"}}})J")));
  EXPECT_NE(d.message.find("needs groups of equal size"), std::string::npos) << d.message;
  d = first_error(v2_diagnostics(model(
      R"J({"name": "H", "size": 2, "equations": ["a : volt (linked)"], "links": {"a": {"group": "G", "variable": "x", "index": "i + 2"}}})J")));
  EXPECT_NE(d.message.find("the link index of neuron 1 is 3, outside group 'G'"), std::string::npos) << d.message;
  d = first_error(v2_diagnostics(
      model(R"J({"name": "H", "size": 3, "equations": ["a : 1 (linked)"], "links": {"a": {"group": "G", "variable": "x"}}})J")));
  EXPECT_NE(d.message.find("has units of 1, but 'G.x' has"), std::string::npos) << d.message;
  d = first_error(v2_diagnostics(model(R"J({"name": "H", "size": 3, "equations": ["a : volt (linked)"],
      "links": {"a": {"group": "G", "variable": "x"}}, "run_regularly": [{"code": "a = 1*mV"}]})J")));
  EXPECT_NE(d.message.find("'a' is a (linked) variable and cannot be assigned"), std::string::npos) << d.message;
  d = first_error(v2_diagnostics(model(R"J({"name": "H", "size": 3, "equations": ["a : volt (linked)"],
      "links": {"a": {"group": "G", "variable": "y"}}})J")));
  EXPECT_NE(d.message.find("has no state variable or parameter 'y'"), std::string::npos) << d.message;
}

}  // namespace
}  // namespace modelc::testing
