// Negative tests of the IR v2 constructs (the error list of docs/ir-v2.md): each asserts the
// message, the JSON pointer and, for code strings, that the caret points into the string.
#include "test_model_util.h"

namespace modelc::testing {
namespace {

struct Expect {
  std::string message, pointer;
};

void expect_error(const std::string& model, const Expect& e) {
  auto ds = v2_diagnostics(model);
  support::Diagnostic d = first_error(ds);
  std::string all;
  for (const auto& x : ds) all += x.json_pointer + ": " + x.message + "\n";
  EXPECT_NE(d.message.find(e.message), std::string::npos) << "got:\n" << all;
  EXPECT_EQ(d.json_pointer.empty() && d.loc.valid() ? d.loc.source->json_pointer : d.json_pointer, e.pointer) << all;
}

const char* kHead = R"J("modelc_ir": 2, "name": "e", "simulation": {"dt": "0.1 ms", "duration": "1 ms"},)J";

std::string model(const std::string& groups, const std::string& rest = "") {
  return std::string("{") + kHead + "\"neuron_groups\": [" + groups + "]" + (rest.empty() ? "" : ", " + rest) + "}";
}

const char* kTwo = R"J({"name": "A", "size": 2, "equations": ["v : 1", "dx/dt = -x/ms : 1", "g : 1"]},
                        {"name": "B", "size": 2, "equations": ["v : 1", "dx/dt = -x/ms : 1", "g : 1"]})J";

TEST(V2Errors, V2FieldInV1FileNamesTheField) {
  expect_error(R"J({"modelc_ir": 1, "name": "e", "simulation": {"duration": "1 ms"},
    "neuron_groups": [{"name": "A", "size": 1, "kind": "poisson", "rates": "1 Hz"}]})J",
               {"the field 'kind' needs IR version 2", "/neuron_groups/0/kind"});
  expect_error(R"J({"modelc_ir": 1, "name": "e", "simulation": {"duration": "1 ms"},
    "neuron_groups": [{"name": "A", "size": 1}],
    "synapses": [{"name": "S", "source": "A", "target": "A", "on_pre": "", "on_post": "", "connect": {"rule": "all_to_all"}}]})J",
               {"the field 'on_post' needs IR version 2", "/synapses/0/on_post"});
}

TEST(V2Errors, UnknownPathwayInDelayAndOnEvent) {
  expect_error(model(kTwo, R"J("synapses": [{"name": "S", "source": "A", "target": "B", "on_pre": "v_post += 1",
      "delay": {"pre2": "1 ms"}, "connect": {"rule": "all_to_all"}}])J"),
               {"has no pathway named 'pre2'", "/synapses/0/delay/pre2"});
  expect_error(model(kTwo, R"J("synapses": [{"name": "S", "source": "A", "target": "B", "on_pre": "v_post += 1",
      "on_event": {"pr": "spike"}, "connect": {"rule": "all_to_all"}}])J"),
               {"has no pathway named 'pr'", "/synapses/0/on_event/pr"});
  expect_error(model(kTwo, R"J("synapses": [{"name": "S", "source": "A", "target": "B", "on_pre": "v_post += 1",
      "on_event": {"pre": "upcross"}, "connect": {"rule": "all_to_all"}}])J"),
               {"has no event 'upcross'", "/synapses/0/on_event/pre"});
}

TEST(V2Errors, NegativeOrNonTimeDelays) {
  expect_error(model(kTwo, R"J("synapses": [{"name": "S", "source": "A", "target": "B", "on_pre": "v_post += 1",
      "delay": "-1 ms", "connect": {"rule": "all_to_all"}}])J"),
               {"delay must not be negative", "/synapses/0/delay"});
  expect_error(model(kTwo, R"J("synapses": [{"name": "S", "source": "A", "target": "B", "on_pre": "v_post += 1",
      "delay": ["1 ms", "-2 ms", "0 ms", "0 ms"], "connect": {"rule": "all_to_all"}}])J"),
               {"is negative", "/synapses/0/delay/1"});
  expect_error(model(kTwo, R"J("synapses": [{"name": "S", "source": "A", "target": "B", "on_pre": "v_post += 1",
      "delay": "rand() * mV", "connect": {"rule": "all_to_all"}}])J"),
               {"a delay must be a time", "/synapses/0/delay"});
}

TEST(V2Errors, SummedTargets) {
  expect_error(model(kTwo, R"J("synapses": [{"name": "S", "source": "A", "target": "B", "equations": ["w : 1",
      "gtot_post = w : 1 (summed)"], "on_pre": "", "connect": {"rule": "all_to_all"}}])J"),
               {"targets 'gtot', which group 'B' does not have", "/synapses/0/equations/1"});
  expect_error(model(kTwo, R"J("synapses": [{"name": "S", "source": "A", "target": "B", "equations": ["w : 1",
      "x_post = w : 1 (summed)"], "on_pre": "", "connect": {"rule": "all_to_all"}}])J"),
               {"which is a differential equation variable", "/synapses/0/equations/1"});
  expect_error(model(kTwo, R"J("synapses": [
      {"name": "S", "source": "A", "target": "B", "equations": ["w : 1", "g_post = w : 1 (summed)"], "on_pre": "", "connect": {"rule": "all_to_all"}},
      {"name": "T", "source": "A", "target": "B", "equations": ["w : 1", "g_post = w : 1 (summed)"], "on_pre": "", "connect": {"rule": "all_to_all"}}])J"),
               {"is summed by two synapse groups ('S' and 'T')", "/synapses/1/equations/1"});
  expect_error(model(kTwo, R"J("synapses": [{"name": "S", "source": "A", "target": "B", "equations": ["w : 1",
      "g_pre = w : 1 (summed)"], "on_pre": "", "connect": {"rule": "all_to_all"}}])J"),
               {"sums onto the presynaptic group, which modelc does not support", "/synapses/0/equations/1"});
  expect_error(model(kTwo, R"J("synapses": [{"name": "S", "source": "A", "target": "B", "equations": ["w : 1",
      "g = w : 1 (summed)"], "on_pre": "", "connect": {"rule": "all_to_all"}}])J"),
               {"does not say which group it sums onto", "/synapses/0/equations/1"});
}

TEST(V2Errors, EventDrivenDependencies) {
  expect_error(model(kTwo, R"J("synapses": [{"name": "S", "source": "A", "target": "B", "equations": [
      "dz/dt = -z/ms : 1 (clock-driven)", "dy/dt = (z - y)/ms : 1 (event-driven)"], "on_pre": "", "connect": {"rule": "all_to_all"}}])J"),
               {"depends on the clock-driven variable 'z'", "/synapses/0/equations/1"});
  expect_error(model(kTwo, R"J("synapses": [{"name": "S", "source": "A", "target": "B", "equations": [
      "dy/dt = (v_post - y)/ms : 1 (event-driven)"], "on_pre": "", "connect": {"rule": "all_to_all"}}])J"),
               {"depends on the neuron variable 'v_post'", "/synapses/0/equations/0"});
}

TEST(V2Errors, ConnectionConditionUnknownVariable) {
  expect_error(model(kTwo, R"J("synapses": [{"name": "S", "source": "A", "target": "B", "on_pre": "",
      "connect": {"condition": "q_pre > 0"}}])J"),
               {"unknown identifier 'q_pre'", "/synapses/0/connect/condition"});
}

TEST(V2Errors, StochasticEquationsWithExactMethods) {
  expect_error(model(R"J({"name": "A", "size": 1, "equations": ["dx/dt = -x/ms + xi/sqrt(ms) : 1"], "method": "exact"})J"),
               {"cannot integrate stochastic equations", "/neuron_groups/0/method"});
  expect_error(model(R"J({"name": "A", "size": 1, "equations": ["dx/dt = -x/ms + xi/sqrt(ms) : 1"], "method": "exponential_euler"})J"),
               {"cannot integrate stochastic equations", "/neuron_groups/0/method"});
  expect_error(model(R"J({"name": "A", "size": 1, "equations": ["dx/dt = -x/ms + xi/sqrt(ms) : 1"], "method": "milstein"})J"),
               {"the 'milstein' method is not supported", "/neuron_groups/0/method"});
}

TEST(V2Errors, TimedArrayDtNotMultipleOfDt) {
  expect_error(model(R"J({"name": "A", "size": 1})J", R"J("timed_arrays": {"s": {"values": [1, 2], "dt": "0.15 ms"}})J"),
               {"is not a multiple of the simulation dt", "/timed_arrays/s/dt"});
}

TEST(V2Errors, SpikeGeneratorTimes) {
  expect_error(model(R"J({"name": "G", "kind": "spike_generator", "size": 2, "indices": [0, 1], "times": ["1 ms", "0.25 ms"]})J"),
               {"is not a multiple of dt", "/neuron_groups/0/times/1"});
  expect_error(model(R"J({"name": "G", "kind": "spike_generator", "size": 2, "indices": [1, 1], "times": ["1 ms", "1 ms"]})J"),
               {"neuron 1 spikes twice in step 10", "/neuron_groups/0/times/1"});
  expect_error(model(R"J({"name": "G", "kind": "spike_generator", "size": 2, "indices": [0, 2], "times": ["1 ms", "2 ms"]})J"),
               {"is not an integer in [0, 2)", "/neuron_groups/0/indices/1"});
}

TEST(V2Errors, NpySidecarProblems) {
  expect_error(model(R"J({"name": "G", "size": 2, "equations": ["v : 1"], "initial": {"v": {"npy": "missing.npy"}}})J"),
               {"cannot open", "/neuron_groups/0/initial/v/npy"});
  expect_error(model(R"J({"name": "G", "size": 2, "equations": ["v : 1"], "initial": {"v": {"npy": "../../etc/passwd"}}})J"),
               {"leaves the model's directory", "/neuron_groups/0/initial/v/npy"});
  expect_error(model(R"J({"name": "G", "size": 3, "equations": ["v : 1"], "initial": {"v": [1, 2]}})J"),
               {"has 2 values, but the group has 3 neurons", "/neuron_groups/0/initial/v"});
}

}  // namespace
}  // namespace modelc::testing
