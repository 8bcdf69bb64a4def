#include "modelc/model.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "api/communicator_impl.h"
#include "api/errors.h"
#include "api/model_impl.h"
#include "api/module_impl.h"
#include "driver/resource_estimate.h"
#include "driver/run.h"
#include "frontend/model_reader.h"
#include "passes/pass_manager.h"
#include "runtime/scratch_directory.h"
#include "support/interrupt.h"

namespace fs = std::filesystem;

namespace modelc::api {

using api_impl::guarded;
using api_impl::make_error;

namespace {

ModelSummary summarise(const ir::Model& m) {
  ModelSummary s;
  s.name = m.name;
  s.dt = m.dt;
  s.duration = m.duration;
  s.steps = m.steps();
  s.seed = m.seed;
  s.precision = m.precision == ir::Precision::Double ? "double" : "float";
  for (const auto& g : m.neuron_groups) s.populations.push_back({g.name, g.size});
  for (const auto& g : m.synapses) s.synapse_groups.push_back({g.name, g.source.group, g.target.group});
  for (const auto& mon : m.monitors) s.monitors.push_back(mon.name);
  return s;
}

// Reads and checks the document (no passes): what every load and copy does.
Result<Model> load(Model::Impl impl) {
  return guarded<Result<Model>>([&]() -> Result<Model> {
    DiagnosticEngine diags;
    frontend::ReadOptions read;
    read.parameter_overrides = impl.overrides;
    auto model = impl.text ? frontend::read_model_text(*impl.text, impl.name, read, diags)
                           : frontend::read_model_file(impl.name, read, diags);
    if (!model || diags.has_errors()) return make_error(ErrorCode::InvalidModel, diags, impl.name);
    impl.summary = summarise(*model);
    impl.warnings = api_impl::convert(diags, impl.name);
    return Model(std::make_shared<const Model::Impl>(std::move(impl)));
  });
}

// The document with /simulation/<field> replaced. The text is re-parsed in order (constants may
// use the ones before them); a document that is not JSON stays as it is, so that loading it
// reports the reader's own error.
Result<Model> patched(const Model::Impl& base, const std::string& field, const nlohmann::ordered_json& value) {
  Model::Impl impl = base;
  if (!impl.text) {
    std::ifstream in(impl.name, std::ios::binary);
    if (!in) return make_error(ErrorCode::IoError, "cannot open model file '" + impl.name + "'");
    std::stringstream ss;
    ss << in.rdbuf();
    impl.text = ss.str();
  }
  nlohmann::ordered_json doc = nlohmann::ordered_json::parse(*impl.text, nullptr, false);
  if (!doc.is_discarded() && doc.is_object()) {
    if (!doc.contains("simulation") || !doc["simulation"].is_object()) doc["simulation"] = nlohmann::ordered_json::object();
    doc["simulation"][field] = value;
    impl.text = doc.dump(2);
  }
  return load(std::move(impl));
}

}  // namespace

Model::Model(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

Result<Model> Model::from_file(const fs::path& path, const Overrides& overrides) {
  Impl impl;
  impl.name = path.string();
  impl.overrides = overrides;
  return load(std::move(impl));
}

Result<Model> Model::from_string(std::string text, const Overrides& overrides, std::string name) {
  Impl impl;
  impl.name = std::move(name);
  impl.text = std::move(text);
  impl.overrides = overrides;
  return load(std::move(impl));
}

Result<Model> Model::from_json(const nlohmann::ordered_json& document, const Overrides& overrides, std::string name) {
  return guarded<Result<Model>>([&]() -> Result<Model> { return from_string(document.dump(2), overrides, std::move(name)); });
}

Result<Model> Model::from_json(const nlohmann::json& document, const Overrides& overrides, std::string name) {
  return guarded<Result<Model>>([&]() -> Result<Model> { return from_string(document.dump(2), overrides, std::move(name)); });
}

Result<Model> Model::with_parameter(const std::string& name, const std::string& value) const {
  if (name.empty()) return make_error(ErrorCode::InvalidArgument, "a parameter override needs a name");
  Impl impl = *impl_;
  impl.overrides.emplace_back(name, value);
  return load(std::move(impl));
}

Result<Model> Model::with_duration(const std::string& duration) const {
  // Parsed here rather than by the reader so that "1 s" and "200ms" mean what they say; the
  // document gets the seconds (a bare number is SI).
  Result<double> seconds = parse_duration(duration);
  if (!seconds) return seconds.error();
  return patched(*impl_, "duration", *seconds);
}

Result<Model> Model::with_precision(const std::string& precision) const {
  return patched(*impl_, "precision", precision);
}

const ModelSummary& Model::summary() const { return impl_->summary; }
const std::string& Model::source_name() const { return impl_->name; }
const Overrides& Model::overrides() const { return impl_->overrides; }
const std::vector<Diagnostic>& Model::warnings() const { return impl_->warnings; }

std::string Model::document() const {
  if (impl_->text) return *impl_->text;
  std::ifstream in(impl_->name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// --- compile options -----------------------------------------------------------------------------

namespace {

Status pipeline_options(const CompileOptions& c, const Overrides& overrides, driver::PipelineOptions& o) {
  if (c.opt_level < 0 || c.opt_level > 3)
    return make_error(ErrorCode::InvalidArgument,
                      "optimisation level " + std::to_string(c.opt_level) + " is out of range (0 to 3)");
  if (c.threads < 0) return make_error(ErrorCode::InvalidArgument, "threads must not be negative");
  o.read.parameter_overrides = overrides;
  o.passes = c.passes.empty() ? passes::pipeline_for_opt_level(c.opt_level) : c.passes;
  o.disabled_passes.insert(c.disabled_passes.begin(), c.disabled_passes.end());
  o.print_after.insert(c.print_after.begin(), c.print_after.end());
  o.dump_stream = c.dump_stream ? c.dump_stream : &std::cout;
  o.backend = c.backend;
  o.build.verbose = c.verbose;
  o.build.cuda_arch = c.cuda_arch;
  o.build.num_threads = c.threads;
  if (c.verify_each) o.verify_each = *c.verify_each;
  o.build.cache_dir = c.cache_dir.empty() ? driver::default_cache_dir() : c.cache_dir;
  if (c.check_memory) o.before_build = [](const kir::Program& p, DiagnosticEngine& d) { return driver::fits_in_memory(p, d); };
  return {};
}

// A failed compile: stopped by a signal, a model the passes rejected, or a failed build.
Error compile_error(const DiagnosticEngine& diags, const std::string& name, bool lowered) {
  if (support::interrupt_requested()) {
    Error e = make_error(ErrorCode::Interrupted, diags, name,
                         "stopped by signal " + std::to_string(support::interrupt_signal()));
    e.signal = support::interrupt_signal();
    return e;
  }
  return make_error(lowered ? ErrorCode::CompileFailed : ErrorCode::InvalidModel, diags, name);
}

}  // namespace

Result<CheckReport> Model::check(const CompileOptions& options) const {
  return guarded<Result<CheckReport>>([&]() -> Result<CheckReport> {
    DiagnosticEngine diags;
    driver::PipelineOptions o;
    if (Status s = pipeline_options(options, impl_->overrides, o); !s) return s.error();
    passes::CompilationUnit unit;
    driver::PhaseTimings timings;
    bool ok = driver::lower_model(impl_->input(), o, unit, timings, diags);
    if (ok && unit.program && options.check_memory) ok = driver::fits_in_memory(*unit.program, diags);
    if (!ok || diags.has_errors()) return compile_error(diags, impl_->name, false);
    CheckReport r;
    r.model = summarise(unit.model);
    for (const auto& g : unit.model.neuron_groups) r.neurons += g.size;
    r.decisions = unit.decisions;
    r.warnings = api_impl::convert(diags, impl_->name);
    const auto& m = unit.model;
    std::ostringstream s;
    s << "ok (" << m.neuron_groups.size() << " neuron groups, " << r.neurons << " neurons, " << m.synapses.size()
      << " synapse groups, " << m.monitors.size() << " monitors, " << m.steps() << " steps)\n";
    if (unit.program) {
      const kir::Program& prog = *unit.program;
      driver::MemoryEstimate e = driver::estimate_memory(prog);
      r.kernels = static_cast<int64_t>(prog.kernels.size());
      r.step_kernels = prog.step_kernel_count();
      r.buffers = static_cast<int64_t>(prog.buffers.size());
      r.memory_bytes = static_cast<uint64_t>(e.total());
      r.memory_is_lower_bound = !e.unknowns.empty();
      r.expected_synapses = e.expected_synapses;
      char syn[32];
      std::snprintf(syn, sizeof syn, "%.3g", e.expected_synapses);
      // What compile time grows with (benchmarks/compile_scaling.py): the kernels and buffers the
      // backend will generate; merged groups count once.
      s << "  code: " << r.kernels << " kernels (" << r.step_kernels << " per step), " << r.buffers
        << " buffers to generate and compile\n";
      s << "  memory: " << (e.unknowns.empty() ? "about " : "at least ") << driver::format_bytes(e.total()) << " ("
        << syn << " synapses expected)\n";
    }
    r.summary = s.str();
    return r;
  });
}

Result<Module> Model::compile(const CompileOptions& options) const {
  return guarded<Result<Module>>([&]() -> Result<Module> {
    DiagnosticEngine diags;
    driver::PipelineOptions o;
    if (Status s = pipeline_options(options, impl_->overrides, o); !s) return s.error();
    std::optional<runtime::ScratchDirectory> scratch;
    if (options.out_dir.empty()) {
      scratch.emplace();
      if (!scratch->ok())
        return make_error(ErrorCode::IoError, scratch->error() + "\n  fix: set TMPDIR to a writable directory");
      o.build.out_dir = scratch->path();
    } else {
      o.build.out_dir = options.out_dir;
    }
    driver::CompiledModel cm;
    if (!driver::compile_model(impl_->input(), o, cm, diags)) return compile_error(diags, impl_->name, cm.unit.program.has_value());
    auto impl = std::make_shared<Module::Impl>();
    impl->module_path = cm.build.module_path;
    if (!options.out_dir.empty()) {
      // The artefact lives in the build cache; a copy goes next to the sources so the output
      // directory is self-contained (`modelc compile -o`).
      fs::path copy = options.out_dir / cm.build.module_path.filename();
      std::error_code ec;
      fs::copy_file(cm.build.module_path, copy, fs::copy_options::overwrite_existing, ec);
      if (ec) return make_error(ErrorCode::IoError, "cannot copy the module to " + copy.string() + ": " + ec.message());
      impl->copy_path = copy;
    }
    std::string err;
    if (!impl->loaded.load(cm.build.module_path, err))
      return make_error(ErrorCode::LoadFailed, "cannot load the compiled model: " + err);
    impl->warnings = api_impl::convert(diags, impl_->name);
    impl->cache_hit = cm.build.cache_hit;
    impl->timings = cm.timings;
    impl->decisions = cm.unit.decisions;
    impl->compiler_command = cm.build.compiler_command;
    impl->model_file = impl_->text ? impl_->name : fs::absolute(impl_->name).string();
    impl->backend = cm.backend;
    impl->describe();
    if (const auto& r = cm.build.device_report) impl->info.device_code = api_impl::convert(*r);
    return Module(std::move(impl));
  });
}

Result<RunReport> Model::run(const RunOptions& options, const RunCallbacks& callbacks) const {
  // Every failure reaches the callbacks (a message or the diagnostics) as well as the result, so
  // a client that prints what the callbacks say has printed every failure.
  bool reported = false;
  RunCallbacks cb = callbacks;
  cb.message = [&](RunCallbacks::Kind kind, const std::string& text) {
    if (kind == RunCallbacks::Kind::Error || kind == RunCallbacks::Kind::Stopped) reported = true;
    if (callbacks.message) callbacks.message(kind, text);
  };
  cb.diagnostics = [&](const std::vector<Diagnostic>& diags) {
    for (const auto& d : diags) reported = reported || d.severity == Severity::Error;
    if (callbacks.diagnostics) callbacks.diagnostics(diags);
  };
  Result<RunReport> r = guarded<Result<RunReport>>([&]() { return run_model_with(options, cb); });
  // In a distributed run, a failure another rank's report covers is not reported again here.
  const bool quiet_rank = options.communicator && options.communicator->rank() != 0;
  if (!r && !reported && !quiet_rank && callbacks.message) {
    const Error& e = r.error();
    callbacks.message(RunCallbacks::Kind::Error, e.message);
  }
  return r;
}

Result<RunReport> Model::run_model_with(const RunOptions& options, const RunCallbacks& callbacks) const {
  DiagnosticEngine diags;
  driver::RunRequest req;
  if (Status s = pipeline_options(options.compile, impl_->overrides, req.pipeline); !s) return s.error();
  req.pipeline.before_build = nullptr;  // run_model checks the memory itself (check_memory)
  req.model_path = impl_->name;
  req.model_text = impl_->text;
  req.results_dir = options.results_dir;
  req.threads = options.compile.threads;
  req.device = options.device;
  req.seed = options.seed;
  if (!options.duration.empty()) {
    Result<double> seconds = parse_duration(options.duration);
    if (!seconds) return seconds.error();
    req.duration = *seconds;
  }
  req.flush_every = options.flush_every;
  req.force = options.force;
  req.strict = options.strict;
  req.check_memory = options.compile.check_memory;
  if (options.communicator && options.communicator->impl()) req.communicator = options.communicator->impl()->comm.get();

  std::string first_error;
  driver::RunEvents events;
  events.message = [&](driver::RunEvents::Kind kind, const std::string& text) {
    if (kind == driver::RunEvents::Kind::Error && first_error.empty()) first_error = text;
    callbacks.message(static_cast<RunCallbacks::Kind>(kind), text);
  };
  events.compiled = [&](const DiagnosticEngine& d) { callbacks.diagnostics(api_impl::convert(d, impl_->name)); };
  events.progress = callbacks.progress;
  events.progress_end = callbacks.progress_end;
  driver::RunOutcome out = driver::run_model(req, diags, events);
  if (out.status == driver::RunOutcome::Status::Stopped) {
    Error e = make_error(ErrorCode::Interrupted, diags, impl_->name, "stopped by signal " + std::to_string(out.signal));
    e.signal = out.signal;
    return e;
  }
  if (out.status == driver::RunOutcome::Status::Failed) {
    ErrorCode code = diags.has_errors() ? ErrorCode::InvalidModel : ErrorCode::RuntimeFailed;
    return make_error(code, diags, impl_->name, first_error);
  }
  RunReport r;
  r.rank = out.rank;
  r.ranks = out.ranks;
  r.results_dir = options.results_dir;
  r.moved_aside = out.moved_aside;
  if (out.rank != 0) return r;
  for (const auto& p : out.results.populations) {
    r.populations.push_back({p.name, p.size});
    r.spikes.push_back(p.spikes);
  }
  r.steps = out.results.steps;
  r.simulate_seconds = out.results.simulate_seconds;
  r.realtime_factor = out.results.realtime_factor;
  r.summary = runtime::format_summary(out.results, out.extras);
  return r;
}

}  // namespace modelc::api
