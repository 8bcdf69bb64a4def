// Robustness against hand-written models: the catalogue in tests/bad_inputs/ (every malformed model
// is rejected with the expected message, JSON pointer and caret, or accepted with a warning where it
// would otherwise silently mis-simulate), identifiers that are C/C++/OpenCL/CUDA keywords or try to
// inject code, and models too large for the machine.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "backends/host_compiler.h"
#include "driver/driver.h"
#include "driver/resource_estimate.h"
#include "tests/unit/model_runner.h"

namespace fs = std::filesystem;
using namespace modelc;

namespace {

fs::path bad_inputs_dir() { return modelc::testing::source_root() / "tests/bad_inputs"; }

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A scratch directory removed at the end of the test.
struct Scratch {
  fs::path dir;
  explicit Scratch(const std::string& tag)
      : dir(fs::temp_directory_path() / ("modelc-bad-" + tag + "-" + std::to_string(getpid()))) {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name, std::ios::binary) << text;
    return dir / name;
  }
};

// Runs the modelc binary without a shell; returns the exit status and its stdout+stderr.
int run_modelc(const std::vector<std::string>& args, std::string& output, const fs::path& log) {
  std::vector<std::string> argv = {MODELC_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string error;
  int rc = modelc::backends::run_process(argv, log, error);
  output = read_text(log) + error;
  return rc;
}

const nlohmann::json& catalogue() {
  static const nlohmann::json c = nlohmann::json::parse(read_text(bad_inputs_dir() / "catalogue.json"));
  return c.at("cases");
}

}  // namespace

TEST(BadInputs, CatalogueCoversEveryModelFile) {
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(bad_inputs_dir() / "models")) {
    ++files;
    std::string stem = entry.path().stem().string();
    EXPECT_TRUE(catalogue().contains(stem)) << entry.path() << " has no entry in catalogue.json";
  }
  EXPECT_EQ(files, catalogue().size()) << "catalogue.json names a model file that does not exist";
  EXPECT_GE(files, 40u);
}

// Library path: lower_model reports exactly what the catalogue expects, never throws.
TEST(BadInputs, EachModelGetsItsDiagnostic) {
  for (const auto& [name, c] : catalogue().items()) {
    SCOPED_TRACE(name);
    fs::path path = bad_inputs_dir() / "models" / (name + ".json");
    ASSERT_TRUE(fs::exists(path));
    driver::PipelineOptions options;
    passes::CompilationUnit unit;
    driver::PhaseTimings timings;
    DiagnosticEngine diags;
    bool ok = false;
    EXPECT_NO_THROW(ok = driver::lower_model(path.string(), options, unit, timings, diags));
    std::string rendered = diags.render(name + ".json");
    const bool expect_error = c.at("outcome") == "error";
    EXPECT_EQ(ok, !expect_error) << rendered;
    EXPECT_EQ(diags.has_errors(), expect_error) << rendered;
    if (!expect_error) {
      bool warned = false;
      for (const auto& d : diags.diagnostics()) warned |= d.severity == support::Severity::Warning;
      EXPECT_TRUE(warned) << "accepted model that may mis-simulate must warn:\n" << rendered;
    }
    for (const auto& line : c.at("expect")) {
      std::string want = line.get<std::string>();
      // Expectations starting with ':' follow the file name, as the CLI prints them.
      if (!want.empty() && want[0] == ':') want = name + ".json" + want;
      EXPECT_NE(rendered.find(want), std::string::npos) << "missing: " << want << "\nin:\n" << rendered;
    }
  }
}

// CLI path: `modelc check` exits 1 (or 0 for warnings) and never reports an internal error.
TEST(BadInputs, CheckCommandNeverCrashes) {
  Scratch scratch("check");
  for (const auto& [name, c] : catalogue().items()) {
    SCOPED_TRACE(name);
    std::string out;
    int rc = run_modelc({"check", (bad_inputs_dir() / "models" / (name + ".json")).string()}, out,
                        scratch.dir / "log.txt");
    EXPECT_EQ(rc, c.at("outcome") == "error" ? 1 : 0) << out;
    EXPECT_EQ(out.find("internal error"), std::string::npos) << out;
  }
}

namespace {

// Every identifier the user controls is a keyword or a name the generated code could use itself.
const char* kKeywordModel = R"JSON({
  "modelc_ir": 1,
  "name": "kw\n#error injected */ \" ); system(\"rm -rf /\"); //",
  "simulation": {"dt": "0.1 ms", "duration": "0.3 ms"},
  "neuron_groups": [{
    "name": "restrict", "size": 4,
    "equations": ["dint/dt = -int / (10*ms) : 1", "float : 1", "m : 1", "kernel : volt",
                  "double : 1 (constant)", "local : 1", "constant : 1", "private : 1", "half : 1", "static : 1",
                  "NULL : 1", "main : 1", "syn : 1", "step : 1", "printf : 1", "this : 1"],
    "threshold": "int > 0.5",
    "reset": "int = 0; float = float + 1; static = double + NULL + main + syn + step + printf + this",
    "initial": {"int": "i", "double": "2", "kernel": "1 * mV"}
  }],
  "synapses": [{
    "name": "class", "source": "restrict", "target": "restrict", "equations": ["new : 1"],
    "on_pre": "m += new", "connect": {"rule": "one_to_one"}, "initial": {"new": "j + 1"}
  }],
  "monitors": [{"name": "template", "kind": "state", "source": "restrict",
                "variables": ["int", "float", "m", "static"]}]
})JSON";

}  // namespace

// Keywords must not just be rejected: they are valid Brian2 names and must compile and run
// correctly, which shows that buffers, locals and strings in generated code are all mangled or
// escaped (and the model name cannot inject code through the file header comment).
TEST(BadInputs, KeywordNamesCompileAndRunCorrectly) {
  Scratch scratch("keywords");
  fs::path model = scratch.write("keywords.json", kKeywordModel);
  std::string error;
  auto out = modelc::testing::compile_and_run(model, error);
  ASSERT_TRUE(out) << error;
  EXPECT_EQ(out->results.model_name, nlohmann::json::parse(kKeywordModel)["name"].get<std::string>());
  const runtime::MonitorResult* mon = modelc::testing::find_monitor(out->results, "template");
  ASSERT_NE(mon, nullptr);
  ASSERT_EQ(mon->variables, (std::vector<std::string>{"int", "float", "m", "static"}));
  ASSERT_EQ(mon->times.size(), 3u);
  ASSERT_EQ(mon->indices.size(), 4u);
  auto at = [&](size_t var, size_t sample, size_t neuron) { return mon->values[var][sample * 4 + neuron]; };
  // Step 0 records the initial values; neurons 1..3 (int = i, decaying by exp(-0.01)) spike in
  // step 0, each drives its one-to-one partner by new = j + 1, and the reset clears int.
  for (size_t n = 0; n < 4; ++n) EXPECT_DOUBLE_EQ(at(0, 0, n), static_cast<double>(n));
  EXPECT_DOUBLE_EQ(at(0, 1, 0), 0.0);
  for (size_t n = 1; n < 4; ++n) {
    SCOPED_TRACE(n);
    EXPECT_DOUBLE_EQ(at(0, 1, n), 0.0);                          // int reset
    EXPECT_DOUBLE_EQ(at(1, 1, n), 1.0);                          // float incremented once
    EXPECT_DOUBLE_EQ(at(2, 1, n), static_cast<double>(n + 1));   // m += new
    EXPECT_DOUBLE_EQ(at(3, 1, n), 2.0);                          // static = double + zeros
  }
  EXPECT_DOUBLE_EQ(at(1, 2, 0), 0.0);  // neuron 0 never spikes
  EXPECT_DOUBLE_EQ(at(2, 2, 0), 0.0);
}

// The host compiler is started without a shell, so metacharacters in paths reach it verbatim.
TEST(BadInputs, HostCompilerRunsWithoutShell) {
  Scratch scratch("noshell");
  fs::path marker = scratch.dir / "pwned";
  std::string error;
  int rc = modelc::backends::run_process({"echo", "$(touch " + marker.string() + ")", ";", "touch", marker.string()},
                            scratch.dir / "log.txt", error);
  EXPECT_EQ(rc, 0) << error;
  EXPECT_FALSE(fs::exists(marker)) << "an argument was interpreted by a shell";
  EXPECT_NE(read_text(scratch.dir / "log.txt").find("$(touch"), std::string::npos);
}

namespace {

// 2e9 neurons with p = 0.5: about 2e18 synapses, stored (sparse: left to choose-connectivity they
// would be procedural). Must be refused before any allocation.
const char* kHugeModel = R"JSON({
  "modelc_ir": 1, "name": "huge",
  "simulation": {"dt": "0.1 ms", "duration": "1 ms"},
  "neuron_groups": [{"name": "P", "size": 2000000000, "equations": ["dv/dt = -v / (10*ms) : volt"],
                     "threshold": "v > 1*volt", "reset": "v = 0*volt"}],
  "synapses": [{"name": "S", "source": "P", "target": "P", "on_pre": "v += 1*mV", "connect": {"p": 0.5},
                "connectivity": "sparse"}]
})JSON";

}  // namespace

TEST(Resources, EstimateCountsExpectedSynapses) {
  Scratch scratch("estimate");
  fs::path model = scratch.write("huge.json", kHugeModel);
  driver::PipelineOptions options;
  passes::CompilationUnit unit;
  driver::PhaseTimings timings;
  DiagnosticEngine diags;
  ASSERT_TRUE(driver::lower_model(model.string(), options, unit, timings, diags)) << diags.render("huge.json");
  ASSERT_TRUE(unit.program);
  driver::MemoryEstimate e = driver::estimate_memory(*unit.program);
  EXPECT_DOUBLE_EQ(e.expected_synapses, 0.5 * 2e9 * 2e9);
  EXPECT_GE(e.neuron_bytes, 2e9 * 8);  // v in double
  EXPECT_GE(e.synapse_bytes, 2e18 * 4);  // CSR post indices (no pre array: nothing reads it)
  std::string message = driver::check_memory(*unit.program, 64.0 * 1024 * 1024 * 1024);
  EXPECT_NE(message.find("the model needs about"), std::string::npos) << message;
  EXPECT_NE(message.find("but only 64 GiB is available"), std::string::npos) << message;
  EXPECT_NE(message.find("~2e+18 synapses"), std::string::npos) << message;
  // With plenty of memory, no complaint (the check is not a blanket refusal).
  EXPECT_EQ(driver::check_memory(*unit.program, 1e20), "");
}

TEST(Resources, CubaEstimateIsSmallAndFits) {
  driver::PipelineOptions options;
  passes::CompilationUnit unit;
  driver::PhaseTimings timings;
  DiagnosticEngine diags;
  ASSERT_TRUE(driver::lower_model((modelc::testing::source_root() / "examples/cuba.json").string(), options, unit, timings, diags));
  driver::MemoryEstimate e = driver::estimate_memory(*unit.program);
  EXPECT_NEAR(e.expected_synapses, 0.02 * 4000 * 4000, 1.0);  // p = 80/N on both groups
  EXPECT_GT(e.total(), 1e6);
  EXPECT_LT(e.total(), 1e8);
  EXPECT_EQ(driver::check_memory(*unit.program, 1e9), "");
}

TEST(Resources, RunRefusesModelThatDoesNotFit) {
  Scratch scratch("huge-run");
  fs::path model = scratch.write("huge.json", kHugeModel);
  fs::path results = scratch.dir / "results";
  std::string out;
  auto t0 = std::chrono::steady_clock::now();
  int rc = run_modelc({"run", model.string(), "-o", results.string(), "-q"}, out, scratch.dir / "log.txt");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("error: the model needs about"), std::string::npos) << out;
  EXPECT_NE(out.find("is available"), std::string::npos) << out;
  EXPECT_EQ(out.find("C++ compiler"), std::string::npos) << "refused only after building:\n" << out;
  EXPECT_FALSE(fs::exists(results));
  EXPECT_LT(seconds, 20.0) << "the refusal should come before any allocation or compilation";
}
