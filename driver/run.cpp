#include "driver/run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>

#include "driver/resource_estimate.h"
#include "runtime/finite_state_check.h"
#include "runtime/module_loader.h"
#include "runtime/results_writer.h"
#include "runtime/scratch_directory.h"
#include "support/interrupt.h"

namespace fs = std::filesystem;

namespace modelc::driver {

int RunOutcome::exit_code() const {
  switch (status) {
    case Status::Completed: return 0;
    case Status::Stopped: return support::interrupt_exit_code(signal);
    case Status::Failed: break;
  }
  return 1;
}

bool fits_in_memory(const kir::Program& program, DiagnosticEngine& diags) {
  std::string problem = runtime::check_memory(program, runtime::available_memory_bytes());
  if (problem.empty()) return true;
  diags.error(problem, "", "reduce the sizes or connection probabilities, or run on a larger machine "
                           "(MODELC_SKIP_MEMORY_CHECK=1 skips this check)");
  return false;
}

fs::path partial_results_dir(const fs::path& results_dir) {
  fs::path clean = results_dir.lexically_normal();
  if (!clean.has_filename()) clean = clean.parent_path();  // "out/" -> "out"
  return fs::path(clean.string() + ".partial");
}

fs::path default_cache_dir() {
  if (const char* env = std::getenv("MODELC_CACHE_DIR")) return env;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME")) return fs::path(xdg) / "modelc";
  if (const char* home = std::getenv("HOME")) return fs::path(home) / ".cache" / "modelc";
  return fs::temp_directory_path() / "modelc-cache";
}

namespace {

using Kind = RunEvents::Kind;

// One run's state and the way it reports; run() is the sequence of phases.
class Run {
 public:
  Run(const RunRequest& r, DiagnosticEngine& d, const RunEvents& e)
      : req_(r), diags_(d), events_(e), partial_dir_(partial_results_dir(r.results_dir)) {}

  RunOutcome run();

 private:
  void say(Kind kind, const std::string& text) const {
    if (events_.message) events_.message(kind, text);
  }
  RunOutcome failed(const std::string& text) const {
    if (!text.empty()) say(Kind::Error, text);
    return {};
  }
  RunOutcome stopped(const std::string& text) const {
    RunOutcome out;
    out.status = RunOutcome::Status::Stopped;
    out.signal = support::interrupt_signal();
    say(Kind::Stopped, text);
    return out;
  }
  // Stopped before any step was simulated: nothing new was written.
  RunOutcome stopped_early() const {
    std::error_code ec;
    return stopped("run stopped by signal " + std::to_string(support::interrupt_signal()) +
                   "; no results written to " + req_.results_dir.string() +
                   (fs::exists(req_.results_dir, ec) ? " (the earlier results there are untouched)" : ""));
  }
  void end_progress() const {
    if (events_.progress_end) events_.progress_end();
  }
  bool output_allowed(const fs::path& path, const char* what) const;
  bool check_finite(runtime::FiniteStateCheck& finite, bool synapses, double dt) const;
  bool flush_partial(runtime::Simulation& sim, bool on_stop, int64_t total) const;

  const RunRequest& req_;
  DiagnosticEngine& diags_;
  const RunEvents& events_;
  const fs::path partial_dir_;
  runtime::ManifestExtras extras_;
};

// Refuses, before any work, an output path that modelc may not replace.
bool Run::output_allowed(const fs::path& path, const char* what) const {
  runtime::ResultsTarget t = runtime::inspect_results_target(path);
  if (t.state != runtime::ResultsTarget::State::Foreign) return true;
  const std::string p = path.string();
  if (req_.force) {
    say(Kind::Warning, std::string(what) + " " + p + " was not written by modelc (" + t.reason +
                           "); --force: it will be moved aside to " + p + ".replaced-<time>, not deleted");
    return true;
  }
  say(Kind::Error, "refusing to write " + std::string(what) + " to " + p + ": " + t.reason +
                       "\n  modelc replaces only results directories it wrote itself\n"
                       "  fix: choose another output with -o, or pass --force to move " + p +
                       " aside (to " + p + ".replaced-<time>; nothing is deleted)");
  return false;
}

// Warns once per variable (an error when strict); true: go on.
bool Run::check_finite(runtime::FiniteStateCheck& finite, bool synapses, double dt) const {
  std::vector<runtime::NonFiniteFinding> found;
  std::string err;
  if (!finite.check(synapses, found, err)) {
    say(Kind::Error, err);
    return false;
  }
  for (const auto& f : found)
    say(req_.strict ? Kind::Error : Kind::Warning,
        runtime::describe(f, dt) + "\n  " +
            (req_.strict ? "stopping (--strict); no results written" : "the results after this point are meaningless") +
            "; check the equations and parameters (a too large dt, a division by zero, sqrt or log of a negative value)");
  return found.empty() || !req_.strict;
}

// Writes everything recorded so far as a complete results directory <dir>.partial (atomically),
// marked partial in its manifest. On a stop this is the answer to the signal, so the signal does
// not abandon it.
bool Run::flush_partial(runtime::Simulation& sim, bool on_stop, int64_t total) const {
  runtime::RunResults partial;
  runtime::ManifestExtras pe = extras_;
  pe.extra["partial"] = true;
  pe.extra["steps_total"] = total;
  std::string err;
  if (!sim.collect(partial, err) || !runtime::write_results(partial_dir_, partial, pe, err, nullptr, !on_stop)) {
    if (!on_stop && support::interrupt_requested()) return false;  // abandoned for the stop's own flush
    say(Kind::Error, "writing partial results to " + partial_dir_.string() + " failed: " + err);
    return false;
  }
  return true;
}

RunOutcome Run::run() {
  if (!output_allowed(req_.results_dir, "results")) return {};
  if (req_.flush_every > 0 && !output_allowed(partial_dir_, "partial results")) return {};
  runtime::ScratchDirectory build_dir;
  if (!build_dir.ok()) return failed(build_dir.error() + "\n  fix: set TMPDIR to a writable directory");

  PipelineOptions o = req_.pipeline;
  o.build.out_dir = build_dir.path();
  o.build.num_threads = req_.threads;
  if (o.build.cache_dir.empty()) o.build.cache_dir = default_cache_dir();
  if (req_.check_memory) o.before_build = fits_in_memory;
  CompiledModel cm;
  ModelInput input = req_.model_text ? ModelInput(req_.model_path, *req_.model_text) : ModelInput(req_.model_path);
  bool ok = compile_model(input, o, cm, diags_);
  if (support::interrupt_requested()) return stopped_early();
  if (events_.compiled) events_.compiled(diags_);
  if (!ok) return {};

  std::string err;
  runtime::LoadedModule module;
  if (!module.load(cm.build.module_path, err)) return failed("cannot load the compiled model: " + err);
  mc_options mo = runtime::Simulation::default_options(module);
  mo.num_threads = req_.threads;
  mo.device = req_.device;
  if (req_.seed >= 0) mo.seed = static_cast<uint64_t>(req_.seed);
  runtime::Simulation sim(module, mo);
  say(Kind::Status, "building the network");
  if (!sim.init(err)) {
    if (support::interrupt_requested()) return stopped_early();
    return failed("network construction failed: " + err);
  }
  if (support::interrupt_requested()) return stopped_early();
  runtime::FiniteStateCheck finite(sim);
  if (!finite.baseline(err)) return failed(err);

  extras_.model_name = cm.unit.model.name;
  extras_.backend = cm.backend;
  extras_.modelc_version = modelc_version();
  extras_.precision = cm.unit.model.precision == ir::Precision::Double ? "double" : "float";
  extras_.timings = cm.timings;
  extras_.compile_cached = cm.build.cache_hit;
  extras_.decisions = cm.unit.decisions;
  extras_.extra["model_file"] = req_.model_text ? req_.model_path : fs::absolute(req_.model_path).string();
  extras_.extra["threads"] = req_.threads;
  extras_.extra["compiler_command"] = cm.build.compiler_command;

  const int64_t total = cm.unit.program->steps;
  say(Kind::Status, "simulating " + std::to_string(total) + " steps");
  // Chunks sized from the measured speed to take about a quarter of a second, so a signal is
  // honoured promptly and progress stays live; never past the next flush point.
  constexpr double kChunkSeconds = 0.25;
  const double dt = sim.info().dt;
  const int64_t first = sim.current_step();
  int64_t done = 0, chunk = std::min<int64_t>(total, 10), next_flush = req_.flush_every;
  auto t0 = std::chrono::steady_clock::now();
  support::PhaseScope simulating("simulating");
  while (done < total) {
    int64_t n = std::min(chunk, total - done);
    if (req_.flush_every > 0) n = std::min(n, next_flush - done);
    auto c0 = std::chrono::steady_clock::now();
    if (!sim.run(n, {}, err)) {
      // A module stopped by the cancel flag stops between two steps: carry on as for a signal
      // between chunks, with the steps it did.
      if (!support::interrupt_requested()) {
        end_progress();
        return failed("simulation failed: " + err);
      }
      n = sim.current_step() - first - done;
    }
    done += n;
    if (!check_finite(finite, false, dt)) {
      end_progress();
      return {};
    }
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double chunk_wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
    if (events_.progress)
      events_.progress((first + done) * dt, (first + total) * dt, wall > 0 ? done * dt / wall : 0.0,
                       wall > 0 && done > 0 ? (total - done) * wall / done : 0.0);
    double wanted = chunk_wall > 0 ? n * (kChunkSeconds / chunk_wall) : n * 8.0;
    chunk = static_cast<int64_t>(std::clamp(wanted, 1.0, std::max<double>(n, 1) * 8.0));
    bool stop = support::interrupt_requested() && done < total;
    if (req_.flush_every > 0 && (done == next_flush || stop) && done < total) {
      end_progress();
      if (!flush_partial(sim, stop, total)) {
        // A signal during a periodic flush abandons that flush; the stop then writes the partial
        // results it promises, signal or not.
        if (stop || !support::interrupt_requested() || !flush_partial(sim, true, total)) return {};
        stop = true;
      }
      next_flush = done + req_.flush_every;
    }
    if (stop) {
      end_progress();
      std::string text = "run stopped by signal " + std::to_string(support::interrupt_signal()) + " at step " +
                         std::to_string(done) + " of " + std::to_string(total) + "; no results written to " +
                         req_.results_dir.string();
      if (req_.flush_every > 0) text += "; the steps simulated so far are in " + partial_dir_.string();
      return stopped(text);
    }
  }
  end_progress();
  if (!check_finite(finite, true, dt)) return {};
  if (!finite.all().empty()) {
    nlohmann::json nf = nlohmann::json::array();
    for (const auto& f : finite.all())
      nf.push_back({{"owner", f.owner}, {"variable", f.variable}, {"index", f.index}, {"step", f.step},
                    {"count", f.count}, {"value", std::isnan(f.value) ? "nan" : f.value > 0 ? "+inf" : "-inf"}});
    extras_.extra["non_finite_state"] = std::move(nf);
  }
  // A signal while results are written abandons them (the writer removes its temporary directory
  // and never touches the earlier results): writing a large run can take long.
  RunOutcome out;
  if (!sim.collect(out.results, err)) return failed("reading results failed: " + err);
  if (!runtime::write_results(req_.results_dir, out.results, extras_, err, &out.moved_aside)) {
    if (support::interrupt_requested()) return stopped_early();
    return failed("writing results failed: " + err);
  }
  // Superseded by the complete results; only ever a directory modelc wrote.
  if (req_.flush_every > 0) runtime::remove_results_dir(partial_dir_);
  out.status = RunOutcome::Status::Completed;
  out.extras = extras_;
  return out;
}

}  // namespace

RunOutcome run_model(const RunRequest& request, DiagnosticEngine& diags, const RunEvents& events) {
  return Run(request, diags, events).run();
}

}  // namespace modelc::driver
