// The C++ library API (<modelc/modelc.h>) as a frontend uses it: load, override, compile, run,
// state get/set, monitors, results, errors as values, independence of simulations, cancellation.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "modelc/modelc.h"

namespace fs = std::filesystem;

namespace {

const fs::path kRoot = MODELC_SOURCE_ROOT;
const fs::path kCuba = kRoot / "examples/cuba.json";

nlohmann::json cuba_json() {
  std::ifstream in(kCuba);
  return nlohmann::json::parse(in);
}

modelc::Model small_cuba(const std::string& duration = "100 ms") {
  auto m = modelc::Model::from_file(kCuba, {{"N", "400"}});
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().text);
  auto d = m->with_duration(duration);
  EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().text);
  return std::move(d).value();
}

// Compiled once for the whole suite (the build cache makes later compiles cheap anyway).
const modelc::Module& cuba_module() {
  static const modelc::Module module = [] {
    auto m = small_cuba().compile();
    if (!m.ok()) ADD_FAILURE() << m.error().text;
    return std::move(m).value();
  }();
  return module;
}

fs::path temp_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("modelc-api-test-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(p);
  return p;
}

std::string run_and_capture(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

TEST(Api, LoadsFromFileWithOverrides) {
  auto m = modelc::Model::from_file(kCuba, {{"N", "400"}});
  ASSERT_TRUE(m.ok()) << m.error().text;
  EXPECT_EQ(m->summary().name, "cuba");
  ASSERT_EQ(m->summary().populations.size(), 1u);
  EXPECT_EQ(m->summary().populations[0].name, "P");
  EXPECT_EQ(m->summary().populations[0].size, 400);
  EXPECT_EQ(m->summary().steps, 10000);
  EXPECT_EQ(m->source_name(), kCuba.string());
  auto bigger = m->with_parameter("N", "800");
  ASSERT_TRUE(bigger.ok()) << bigger.error().text;
  EXPECT_EQ(bigger->summary().populations[0].size, 800);
  EXPECT_EQ(m->summary().populations[0].size, 400) << "a copy never changes the original";
}

TEST(Api, JsonKeepsTheDocumentOrder) {
  // stdp.json's constants use the ones before them; ordered_json keeps that order.
  std::ifstream in(kRoot / "examples/stdp.json");
  auto doc = nlohmann::ordered_json::parse(in);
  auto m = modelc::Model::from_json(doc, {{"N", "20"}});
  ASSERT_TRUE(m.ok()) << m.error().text;
  auto shorter = m->with_duration("5 ms");
  ASSERT_TRUE(shorter.ok()) << shorter.error().text;
  EXPECT_EQ(shorter->summary().steps, 50);
}

TEST(Api, LoadsFromStringAndJson) {
  nlohmann::json doc = cuba_json();
  doc["parameters"]["N"] = 200;
  auto from_json = modelc::Model::from_json(doc);
  ASSERT_TRUE(from_json.ok()) << from_json.error().text;
  EXPECT_EQ(from_json->summary().populations[0].size, 200);
  EXPECT_EQ(from_json->source_name(), "<json>");
  auto from_string = modelc::Model::from_string(doc.dump(), {{"N", "300"}}, "mine.json");
  ASSERT_TRUE(from_string.ok()) << from_string.error().text;
  EXPECT_EQ(from_string->summary().populations[0].size, 300);
  EXPECT_EQ(from_string->source_name(), "mine.json");
}

TEST(Api, DurationAndPrecisionOverrides) {
  auto m = small_cuba("200ms");
  EXPECT_EQ(m.summary().steps, 2000);
  EXPECT_DOUBLE_EQ(m.summary().duration, 0.2);
  auto f = m.with_precision("float");
  ASSERT_TRUE(f.ok()) << f.error().text;
  EXPECT_EQ(f->summary().precision, "float");
  EXPECT_EQ(m.with_duration("1 s")->summary().steps, 10000);
  auto bad = m.with_duration("5 mV");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, modelc::ErrorCode::InvalidArgument);
  EXPECT_NE(bad.error().message.find("must be a time"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().text.find("duration '5 mV': error:"), std::string::npos) << bad.error().text;
}

TEST(Api, ParsesDurations) {
  auto a = modelc::parse_duration("200ms");
  ASSERT_TRUE(a.ok()) << a.error().text;
  EXPECT_DOUBLE_EQ(*a, 0.2);
  auto b = modelc::parse_duration("1 s");
  ASSERT_TRUE(b.ok());
  EXPECT_DOUBLE_EQ(*b, 1.0);
  auto bad = modelc::parse_duration("3 volt");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, modelc::ErrorCode::InvalidArgument);
  EXPECT_NE(bad.error().message.find("must be a time"), std::string::npos) << bad.error().message;
}

TEST(Api, ErrorsAreValuesWithPointerCaretAndTheCliText) {
  nlohmann::json doc = cuba_json();
  doc["neuron_groups"][0]["equations"][0] = "dv/dt = (ge + gi - (v - El)) / taum_ : volt (unless refractory)";
  fs::path file = temp_dir("bad.json");
  std::ofstream(file) << doc.dump(1);
  auto m = modelc::Model::from_file(file);
  ASSERT_TRUE(m.ok()) << "the reader accepts the structure: " << m.error().text;
  auto check = m->check();
  ASSERT_FALSE(check.ok());
  const modelc::Error& e = check.error();
  EXPECT_EQ(e.code, modelc::ErrorCode::InvalidModel);
  ASSERT_FALSE(e.diagnostics.empty());
  const modelc::Diagnostic& d = e.diagnostics[0];
  EXPECT_EQ(d.severity, modelc::Severity::Error);
  EXPECT_EQ(d.pointer, "/neuron_groups/0/equations/0");
  EXPECT_NE(d.message.find("taum_"), std::string::npos) << d.message;
  EXPECT_NE(d.caret.find("^~~~~"), std::string::npos) << d.caret;
  EXPECT_NE(d.caret.find("taum_ : volt"), std::string::npos) << d.caret;
  EXPECT_EQ(d.hint, "did you mean 'taum'?");
  EXPECT_EQ(e.message, d.message);
  // Exactly what the CLI prints.
  std::string cli = run_and_capture(std::string(MODELC_BINARY) + " check " + file.string() + " 2>&1");
  EXPECT_EQ(e.text, cli);
  // The same through compile(): never thrown, never printed.
  auto compiled = m->compile();
  ASSERT_FALSE(compiled.ok());
  EXPECT_EQ(compiled.error().text, e.text);
  fs::remove(file);
}

TEST(Api, MalformedDocumentAndBadOptions) {
  auto m = modelc::Model::from_string("{ \"modelc_ir\": 1, ", {}, "broken.json");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, modelc::ErrorCode::InvalidModel);
  EXPECT_EQ(m.error().text.rfind("broken.json", 0), 0u) << m.error().text;
  auto missing = modelc::Model::from_file(kRoot / "no/such/model.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("cannot open"), std::string::npos) << missing.error().message;

  modelc::CompileOptions o;
  o.backend = "cpx";
  auto b = small_cuba().compile(o);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("unknown backend 'cpx'"), std::string::npos) << b.error().text;
  ASSERT_FALSE(b.error().diagnostics.empty());
  EXPECT_EQ(b.error().diagnostics[0].hint, "did you mean 'cpu'?");
  o = {};
  o.opt_level = 7;
  auto l = small_cuba().compile(o);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().code, modelc::ErrorCode::InvalidArgument);
}

TEST(Api, CheckReportsWhatTheCompilerDecided) {
  auto r = small_cuba().check();
  ASSERT_TRUE(r.ok()) << r.error().text;
  EXPECT_EQ(r->neurons, 400);
  EXPECT_GT(r->kernels, 0);
  EXPECT_GT(r->memory_bytes, 0u);
  EXPECT_FALSE(r->decisions.empty());
  EXPECT_EQ(r->summary.rfind("ok (1 neuron groups, 400 neurons", 0), 0u) << r->summary;
}

TEST(Api, CompilesAndDescribesTheModule) {
  const modelc::Module& m = cuba_module();
  EXPECT_TRUE(fs::exists(m.path()));
  const modelc::ModuleInfo& info = m.info();
  EXPECT_EQ(info.model_name, "cuba");
  EXPECT_EQ(info.backend, "cpu");
  EXPECT_DOUBLE_EQ(info.dt, 1e-4);
  EXPECT_EQ(info.steps, 1000);
  ASSERT_EQ(info.populations.size(), 1u);
  EXPECT_EQ(info.synapse_groups.size(), 2u);
  ASSERT_EQ(info.monitors.size(), 3u);
  EXPECT_EQ(info.monitors[0].kind, modelc::MonitorKind::Spikes);
  EXPECT_EQ(info.monitors[1].kind, modelc::MonitorKind::State);
  EXPECT_EQ(info.monitors[1].variables, std::vector<std::string>{"v"});
  EXPECT_EQ(info.monitors[2].kind, modelc::MonitorKind::Rate);
  bool has_v = false;
  for (const auto& v : info.variables) has_v = has_v || (v.owner == "P" && v.name == "v" && v.unit == "volt");
  EXPECT_TRUE(has_v);
  EXPECT_FALSE(info.device_code.has_value()) << "the cpu backend compiles no device code";
  // A second compile of the same model is a cache hit.
  auto again = small_cuba().compile();
  ASSERT_TRUE(again.ok()) << again.error().text;
  EXPECT_TRUE(again->cache_hit());
}

// What `modelc compile --backend cuda --report` prints, for a frontend: ModuleInfo::device_code.
TEST(Api, CudaModuleDescribesItsDeviceCode) {
  bool has_cuda = false;
  for (const auto& b : modelc::backends()) has_cuda = has_cuda || b.name == "cuda";
  if (!has_cuda) GTEST_SKIP() << "this modelc was built without the cuda backend";
  modelc::CompileOptions o;
  o.backend = "cuda";
  o.cuda_arch = "sm_86";
  auto m = small_cuba().compile(o);
  if (!m.ok() && m.error().text.find("NVRTC not found") != std::string::npos) GTEST_SKIP() << m.error().message;
  ASSERT_TRUE(m.ok()) << m.error().text;
  ASSERT_TRUE(m->info().device_code.has_value());
  const modelc::DeviceCodeReport& r = *m->info().device_code;
  EXPECT_EQ(r.arch, "sm_86");
  EXPECT_EQ(r.max_warps_per_sm, 48);
  EXPECT_EQ(r.note, "");
  ASSERT_GE(r.kernels.size(), 4u);
  const std::string table = modelc::format_device_code_report(r);
  for (const auto& k : r.kernels) {
    EXPECT_GT(k.registers, 0) << k.name;
    EXPECT_GT(k.block_size, 0) << k.name;
    EXPECT_LE(k.active_warps, 48) << k.name;
    EXPECT_GT(k.occupancy, 0.0) << k.name;
    EXPECT_NE(table.find("  " + k.name + " "), std::string::npos) << table;
  }
}

TEST(Api, RunsAndReadsMonitors) {
  auto sim = cuba_module().simulation(1);
  ASSERT_TRUE(sim.ok()) << sim.error().text;
  std::vector<modelc::Progress> seen;
  auto st = sim->run_for("100 ms", [&](const modelc::Progress& p) {
    seen.push_back(p);
    return true;
  });
  ASSERT_TRUE(st.ok()) << st.error().text;
  EXPECT_EQ(sim->current_step(), 1000);
  EXPECT_DOUBLE_EQ(sim->time(), 0.1);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().step, 1000);
  EXPECT_EQ(seen.back().last_step, 1000);

  auto spikes = sim->monitor("spikes");
  ASSERT_TRUE(spikes.ok()) << spikes.error().text;
  ASSERT_GT(spikes->i.size(), 0u);
  ASSERT_EQ(spikes->i.size(), spikes->t.size());
  for (size_t k = 0; k < spikes->i.size(); ++k) {
    EXPECT_GE(spikes->i[k], 0);
    EXPECT_LT(spikes->i[k], 400);
    EXPECT_GE(spikes->t[k], 0.0);
    EXPECT_LT(spikes->t[k], 0.1);
  }
  auto count = sim->spike_count("P");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, static_cast<int64_t>(spikes->i.size()));

  auto trace = sim->monitor("v_trace");
  ASSERT_TRUE(trace.ok()) << trace.error().text;
  modelc::ArrayView v = trace->variable(0);
  ASSERT_EQ(v.shape.size(), 2u);
  EXPECT_EQ(v.shape[0], 100);  // every 1 ms for 100 ms
  EXPECT_EQ(v.shape[1], 3);
  EXPECT_EQ(v.unit, "volt");
  EXPECT_EQ(v.as<double>().size(), 300u);
  EXPECT_TRUE(v.as<float>().empty());

  auto rate = sim->monitor("rate");
  ASSERT_TRUE(rate.ok());
  EXPECT_EQ(rate->rate.size(), 1000u);

  auto all = sim->results();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->spikes[0], *count);
  ASSERT_NE(all->monitor("spikes"), nullptr);
  EXPECT_EQ(all->monitor("spikes")->i, spikes->i);
  EXPECT_EQ(all->monitor("nope"), nullptr);

  auto missing = sim->monitor("spikez");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("did you mean 'spikes'"), std::string::npos) << missing.error().message;
}

TEST(Api, SetsStateAndSeesTheEffect) {
  auto sim = cuba_module().simulation(1);
  ASSERT_TRUE(sim.ok()) << sim.error().text;
  auto v = sim->read_state("P", "v");
  ASSERT_TRUE(v.ok()) << v.error().text;
  EXPECT_EQ(v->type, modelc::ElementType::Double);
  EXPECT_EQ(v->size, 400);
  EXPECT_EQ(v->unit, "volt");
  std::span<double> values = v->as<double>();
  ASSERT_EQ(values.size(), 400u);
  for (double x : values) {
    EXPECT_GE(x, -0.0600001);  // Vr + rand() * (Vt - Vr)
    EXPECT_LE(x, -0.0499999);
  }
  // Every neuron above threshold (Vt = -50 mV): all 400 spike in the first step.
  for (double& x : values) x = 0.0;
  ASSERT_TRUE(sim->write_state("P", "v").ok());
  ASSERT_TRUE(sim->run(1).ok());
  auto n = sim->spike_count("P");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 400);
  // Reset by the spike: v = Vr everywhere.
  auto after = sim->read_state("P", "v");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->data, v->data) << "the host copy is refreshed in place";
  for (double x : after->as<double>()) EXPECT_NEAR(x, -0.060, 1e-12);

  // Caller memory of the right type and size; everything else is refused with a reason.
  std::vector<double> ge(400, 0.001);
  EXPECT_TRUE(sim->write_state("P", "ge", std::span<const double>(ge)).ok());
  std::vector<float> wrong_type(400, 0.0f);
  auto t = sim->write_state("P", "ge", std::span<const float>(wrong_type));
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("float64"), std::string::npos) << t.error().message;
  std::vector<double> wrong_size(3, 0.0);
  EXPECT_FALSE(sim->write_state("P", "ge", std::span<const double>(wrong_size)).ok());
  auto unknown = sim->read_state("P", "vv");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("did you mean 'v'"), std::string::npos) << unknown.error().message;
  EXPECT_TRUE(sim->fill_state("P", "gi", 0.0).ok());
}

TEST(Api, SynapseVariablesAndConnectivity) {
  auto m = modelc::Model::from_file(kRoot / "examples/stdp.json", {{"N", "20"}});
  ASSERT_TRUE(m.ok()) << m.error().text;
  auto mod = m->with_duration("5 ms")->compile();
  ASSERT_TRUE(mod.ok()) << mod.error().text;
  auto sim = mod->simulation();
  ASSERT_TRUE(sim.ok()) << sim.error().text;
  auto info = sim->variable("S", "w");
  ASSERT_TRUE(info.ok()) << info.error().text;
  EXPECT_TRUE(info->per_synapse);
  auto conn = sim->connectivity("S");
  ASSERT_TRUE(conn.ok()) << conn.error().text;
  EXPECT_EQ(info->size, static_cast<int64_t>(conn->pre.size()));
  EXPECT_GT(info->size, 0);
  auto w = sim->read_state("S", "w");
  ASSERT_TRUE(w.ok()) << w.error().text;
  EXPECT_EQ(w->size, info->size);
  std::vector<double> twice(w->as<double>().begin(), w->as<double>().end());
  for (double& x : twice) x *= 0.5;
  ASSERT_TRUE(sim->write_state("S", "w", std::span<const double>(twice)).ok());
  auto back = sim->read_state("S", "w");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(std::vector<double>(back->as<double>().begin(), back->as<double>().end()), twice);
}

std::vector<int32_t> spikes_of(modelc::Simulation& sim) {
  auto m = sim.monitor("spikes");
  EXPECT_TRUE(m.ok());
  return m.ok() ? m->i : std::vector<int32_t>{};
}

TEST(Api, SimulationsOfOneModuleAreIndependent) {
  const modelc::Module& module = cuba_module();
  auto a = module.simulation(1), b = module.simulation(1), c = module.simulation(7);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  // Interleaved, with a state change in one of them only.
  ASSERT_TRUE(a->run(300).ok());
  ASSERT_TRUE(b->run(600).ok());
  ASSERT_TRUE(c->run(1000).ok());
  ASSERT_TRUE(a->run(300).ok());
  EXPECT_EQ(a->current_step(), 600);
  EXPECT_EQ(spikes_of(*a), spikes_of(*b));
  EXPECT_NE(spikes_of(*a), spikes_of(*c)) << "another seed gives another network";
  const int64_t a0 = *a->spike_count("P"), b0 = *b->spike_count("P");
  ASSERT_TRUE(b->fill_state("P", "v", 0.0).ok());
  ASSERT_TRUE(a->run(1).ok());
  ASSERT_TRUE(b->run(1).ok());
  // Every neuron of b not refractory spikes; a, untouched, goes on as before (a few spikes a step).
  EXPECT_GT(*b->spike_count("P") - b0, 300) << "every neuron of b was set above threshold";
  EXPECT_LT(*a->spike_count("P") - a0, 50) << "a was not changed";
  // The same module loaded twice (a second compile, a second Module) runs independently too.
  auto again = small_cuba().compile();
  ASSERT_TRUE(again.ok());
  auto d = again->simulation(1);
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(d->run(600).ok());
  auto e = module.simulation(1);
  ASSERT_TRUE(e->run(600).ok());
  EXPECT_EQ(spikes_of(*d), spikes_of(*e));
}

TEST(Api, ProgressCallbackCancels) {
  auto sim = cuba_module().simulation(1);
  ASSERT_TRUE(sim.ok());
  int calls = 0;
  auto st = sim->run(1000, [&](const modelc::Progress&) { return ++calls < 2; });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, modelc::ErrorCode::Cancelled);
  EXPECT_EQ(calls, 2);
  const int64_t reached = sim->current_step();
  EXPECT_GT(reached, 0);
  EXPECT_LT(reached, 1000);
  // Still usable, at the step reached.
  ASSERT_TRUE(sim->run(1000 - reached).ok());
  EXPECT_EQ(sim->current_step(), 1000);
  auto reference = cuba_module().simulation(1);
  ASSERT_TRUE(reference->run(1000).ok());
  EXPECT_EQ(spikes_of(*sim), spikes_of(*reference)) << "a cancelled and resumed run is the same run";
}

TEST(Api, CancelFromAnotherThread) {
  auto longer = small_cuba("100 s").compile();
  ASSERT_TRUE(longer.ok()) << longer.error().text;
  auto sim = longer->simulation(1);
  ASSERT_TRUE(sim.ok());
  std::atomic<bool> started{false};
  std::thread stopper([&] {
    while (!started) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    sim->cancel();
  });
  auto t0 = std::chrono::steady_clock::now();
  auto st = sim->run_to_end([&](const modelc::Progress&) {
    started = true;
    return true;
  });
  stopper.join();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, modelc::ErrorCode::Cancelled);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 20.0);
  EXPECT_LT(sim->current_step(), 1000000);
}

TEST(Api, WritesResults) {
  auto sim = cuba_module().simulation(1);
  ASSERT_TRUE(sim.ok());
  ASSERT_TRUE(sim->run_to_end().ok());
  fs::path dir = temp_dir("results");
  auto st = sim->write_results(dir);
  ASSERT_TRUE(st.ok()) << st.error().text;
  EXPECT_TRUE(fs::exists(dir / "manifest.json"));
  EXPECT_TRUE(fs::exists(dir / "spikes_i.npy"));
  EXPECT_TRUE(fs::exists(dir / "v_trace_v.npy"));
  std::ifstream in(dir / "manifest.json");
  nlohmann::json manifest = nlohmann::json::parse(in);
  EXPECT_EQ(manifest["model"], "cuba");
  EXPECT_EQ(manifest["steps"], 1000);
  EXPECT_TRUE(sim->write_results(dir).ok()) << "its own results directory is replaced";
  fs::path foreign = temp_dir("foreign");
  fs::create_directories(foreign);
  std::ofstream(foreign / "thesis.tex") << "mine";
  auto refused = sim->write_results(foreign);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("refusing"), std::string::npos) << refused.error().message;
  EXPECT_TRUE(fs::exists(foreign / "thesis.tex"));
  auto summary = sim->summary();
  ASSERT_TRUE(summary.ok());
  EXPECT_NE(summary->find("population"), std::string::npos);
  fs::remove_all(dir);
  fs::remove_all(foreign);
}

TEST(Api, RunsTheWholeCliRun) {
  fs::path dir = temp_dir("run");
  modelc::RunOptions o;
  o.results_dir = dir;
  std::vector<std::string> status;
  modelc::RunCallbacks cb;
  cb.message = [&](modelc::RunCallbacks::Kind, const std::string& text) { status.push_back(text); };
  auto r = small_cuba().run(o, cb);
  ASSERT_TRUE(r.ok()) << r.error().text;
  EXPECT_EQ(r->steps, 1000);
  EXPECT_NE(r->summary.find("cuba: 0.1 s simulated"), std::string::npos) << r->summary;
  EXPECT_TRUE(fs::exists(dir / "manifest.json"));
  EXPECT_FALSE(status.empty());
  fs::remove_all(dir);
}

TEST(Api, ListsPassesBackendsAndTheInstallation) {
  auto passes = modelc::passes();
  EXPECT_FALSE(passes.empty());
  EXPECT_FALSE(modelc::default_pipeline().empty());
  bool cpu = false;
  for (const auto& b : modelc::backends()) cpu = cpu || b.name == "cpu";
  EXPECT_TRUE(cpu);
  EXPECT_TRUE(fs::exists(modelc::installation().data_dir / "abi/modelc_abi.h"));
  EXPECT_TRUE(fs::exists(modelc::installation().library_dir / "libmodelc_cpu_support.so"));
  EXPECT_FALSE(modelc::version().empty());
}

}  // namespace
