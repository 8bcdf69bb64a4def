#include "driver/run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>

#include "driver/module_fingerprint.h"
#include "driver/resource_estimate.h"
#include "runtime/distributed/partition_adapter.h"
#include "runtime/distributed/rank_results.h"
#include "runtime/distributed/results_merge.h"
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

bool fits_in_memory(const kir::Program& program, DiagnosticEngine& diags, std::optional<int64_t> steps) {
  std::string problem = check_memory(program, available_memory_bytes(), steps);
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
namespace dist = runtime::distributed;

// MODELC_FAIL_RANK=<r>[:init|:run], a test hook (docs/distributed.md): rank r of a distributed run
// fails on purpose before building the network (init) or after its first chunk of steps (run, the
// default), so tests can check that a failing rank ends the whole job with its name.
struct FailHook {
  int rank = -1;
  bool at_init = false;
};

FailHook fail_hook() {
  FailHook h;
  const char* env = std::getenv("MODELC_FAIL_RANK");
  if (env == nullptr || *env == '\0') return h;
  std::string v = env;
  const size_t colon = v.find(':');
  const std::string phase = colon == std::string::npos ? "run" : v.substr(colon + 1);
  try {
    h.rank = std::stoi(v.substr(0, colon));
  } catch (const std::exception&) {
    h.rank = -1;
  }
  h.at_init = phase == "init";
  if (phase != "init" && phase != "run") h.rank = -1;
  return h;
}

std::string fail_hook_message() {
  return std::string("MODELC_FAIL_RANK=") + std::getenv("MODELC_FAIL_RANK") + " is set: failing on purpose (a test hook)";
}

nlohmann::json findings_json(const std::vector<runtime::NonFiniteFinding>& found) {
  nlohmann::json nf = nlohmann::json::array();
  for (const auto& f : found)
    nf.push_back({{"owner", f.owner}, {"variable", f.variable}, {"index", f.index}, {"step", f.step},
                  {"count", f.count}, {"value", std::isnan(f.value) ? "nan" : f.value > 0 ? "+inf" : "-inf"}});
  return nf;
}

// One run's state and the way it reports; run() is the sequence of phases.
class Run {
 public:
  Run(const RunRequest& r, DiagnosticEngine& d, const RunEvents& e)
      : req_(r), diags_(d), events_(e), partial_dir_(partial_results_dir(r.results_dir)), comm_(r.communicator) {}

  RunOutcome run();

 private:
  bool leader() const { return comm_ == nullptr || comm_->rank() == 0; }
  int ranks() const { return comm_ == nullptr ? 1 : comm_->size(); }
  // Only rank 0 reports; the others only their own errors, naming themselves.
  void say(Kind kind, const std::string& text) const {
    if (!events_.message) return;
    if (leader()) {
      events_.message(kind, text);
    } else if (kind == Kind::Error) {
      events_.message(kind, comm_->describe() + ": " + text);
    }
  }
  RunOutcome outcome() const {
    RunOutcome out;
    out.rank = comm_ == nullptr ? 0 : comm_->rank();
    out.ranks = ranks();
    return out;
  }
  // Once the ranks are inside the module's collectives, a rank that fails cannot tell the others:
  // it ends the job.
  RunOutcome failed(const std::string& text) const {
    if (comm_ != nullptr && collective_) comm_->abort("modelc: " + comm_->describe() + " failed: " + text);
    if (!text.empty()) say(Kind::Error, text);
    return outcome();
  }
  RunOutcome stopped(const std::string& text) const {
    RunOutcome out = outcome();
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
  // The steps of a run whose --duration is not the compiled one (rounded as ir::Model::steps).
  std::optional<int64_t> run_steps(const kir::Program& p) const {
    if (!req_.duration) return std::nullopt;
    return static_cast<int64_t>(std::llround(*req_.duration / p.dt));
  }
  bool output_allowed(const fs::path& path, const char* what) const;
  bool check_finite(runtime::FiniteStateCheck& finite, bool synapses, double dt) const;
  bool flush_partial(runtime::Simulation& sim, bool on_stop, int64_t total) const;
  bool agree(bool ok);
  bool check_ranks(const std::string& mine, const runtime::LoadedModule& module);
  std::string finish_distributed(runtime::Simulation& sim, const dist::PartitionAdapter& adapter,
                                 const std::vector<runtime::NonFiniteFinding>& findings, RunOutcome& out);

  const RunRequest& req_;
  DiagnosticEngine& diags_;
  const RunEvents& events_;
  const fs::path partial_dir_;
  dist::Communicator* const comm_;
  bool collective_ = false;  // past the last point where the ranks can still agree to stop
  runtime::ManifestExtras extras_;
};

// Rank 0's `ok` on every rank (rank 0 has reported why when it is false). A failing broadcast
// leaves no way to agree: the job ends.
bool Run::agree(bool ok) {
  if (comm_ == nullptr) return ok;
  std::string verdict = ok ? "ok" : "failed", err;
  if (!comm_->broadcast(verdict, err)) comm_->abort("modelc: " + comm_->describe() + " failed: " + err);
  return verdict == "ok";
}

// Every rank's status after loading the module ("ok <fingerprint>" or "failed <why>"), seen by all:
// any failure, or two ranks on different builds, stops every rank before the first exchange; rank 0
// says which ranks and why.
bool Run::check_ranks(const std::string& mine, const runtime::LoadedModule& module) {
  std::vector<std::string> all;
  std::string err;
  if (!comm_->allgather_strings(mine, all, err)) comm_->abort("modelc: " + comm_->describe() + " failed: " + err);
  const std::string R = std::to_string(comm_->size());
  std::string problems;
  for (size_t r = 0; r < all.size(); ++r)
    if (all[r].rfind("failed ", 0) == 0) problems += "\n  rank " + std::to_string(r) + " of " + R + " failed: " + all[r].substr(7);
  if (problems.empty()) {
    for (size_t r = 1; r < all.size(); ++r)
      if (all[r] != all[0])
        problems += "\n  rank " + std::to_string(r) + " of " + R + " runs " + all[r].substr(3) + ", rank 0 runs " + all[0].substr(3);
    if (!problems.empty())
      problems = "the ranks run different builds of the model:" + problems +
                 "\n  fix: give every rank the same modelc and the same build cache (MODELC_CACHE_DIR on a shared file "
                 "system), or clear the stale caches";
  } else {
    problems = "the ranks could not all load the model:" + problems;
  }
  if (problems.empty() && comm_->size() > 1 && module.fn().local_neurons == nullptr)
    problems = "the " + std::string(module.info()->backend) + " module of this model cannot run partitioned over " + R +
               " ranks (it exports no mc_local_neurons)\n  fix: use the cpu backend for distributed runs, or run it in "
               "one process (without mpirun or --ranks)";
  if (problems.empty()) return true;
  if (leader()) say(Kind::Error, problems);
  return false;
}

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

// Collects this rank's results, gathers every rank's on rank 0, and there merges them and writes
// the one results directory. Returns "" when done (or on ranks other than 0), "interrupted" or
// "reported" (rank 0 said why) when rank 0 could not write. A failure before the gather has
// completed ends the job: the other ranks are waiting in it.
std::string Run::finish_distributed(runtime::Simulation& sim, const dist::PartitionAdapter& adapter,
                                    const std::vector<runtime::NonFiniteFinding>& findings, RunOutcome& out) {
  std::string err;
  dist::RankResults mine;
  if (!dist::collect_rank_results(sim, comm_->rank(), mine, err)) failed("reading results failed: " + err);
  mine.exchange = adapter.stats();
  if (!findings.empty()) {
    // Synapse indices as in the one-process run, so the report means the same whatever the ranks.
    std::vector<runtime::NonFiniteFinding> global = findings;
    const mc_model_info& info = sim.info();
    for (auto& f : global)
      for (int32_t g = 0; f.per_synapse && g < info.num_synapse_groups; ++g)
        if (sim.module().fn().read_synapse_ids && f.owner == info.synapse_groups[g].name) {
          std::vector<int64_t> ids(static_cast<size_t>(sim.module().fn().synapse_count(sim.handle(), g)));
          if (!ids.empty() && f.index >= 0 && static_cast<size_t>(f.index) < ids.size() &&
              sim.module().fn().read_synapse_ids(sim.handle(), g, ids.data()) == 0)
            f.index = ids[static_cast<size_t>(f.index)];
        }
    nlohmann::json notes = {{"non_finite_state", findings_json(global)}, {"warnings", nlohmann::json::array()}};
    for (const auto& f : global) notes["warnings"].push_back(runtime::describe(f, sim.info().dt));
    mine.notes = notes.dump();
  }
  std::vector<std::string> all;
  if (!comm_->gather(dist::encode_rank_results(mine), all, err)) failed("gathering the results on rank 0 failed: " + err);
  collective_ = false;
  if (!leader()) return "";

  std::vector<dist::RankResults> ranks(all.size());
  nlohmann::json exchange = nlohmann::json::array(), non_finite = nlohmann::json::array();
  for (size_t r = 0; r < all.size(); ++r) {
    if (!dist::decode_rank_results(all[r], ranks[r], err)) {
      say(Kind::Error, "rank " + std::to_string(r) + ": " + err);
      return "reported";
    }
    const dist::ExchangeStats& x = ranks[r].exchange;
    exchange.push_back({{"rank", r}, {"windows", x.windows}, {"bytes_sent", x.bytes_sent},
                        {"bytes_received", x.bytes_received}, {"comm_seconds", x.seconds}});
    if (ranks[r].notes.empty()) continue;
    nlohmann::json notes = nlohmann::json::parse(ranks[r].notes, nullptr, false);
    if (!notes.is_object()) continue;
    for (auto f : notes.value("non_finite_state", nlohmann::json::array())) {
      f["rank"] = r;
      non_finite.push_back(std::move(f));
    }
    // Rank 0 warned as it went; the others' warnings are reported here, once.
    if (r > 0)
      for (const auto& w : notes.value("warnings", nlohmann::json::array()))
        say(Kind::Warning, "rank " + std::to_string(r) + " of " + std::to_string(all.size()) + ": " + w.get<std::string>() +
                               "\n  the results after this point are meaningless");
  }
  if (!dist::merge_rank_results(dist::partition_layout(sim.info()), ranks, out.results, err)) {
    say(Kind::Error, "merging the ranks' results failed: " + err);
    return "reported";
  }
  extras_.extra["ranks"] = comm_->size();
  extras_.extra["partition"] = "contiguous";
  extras_.extra["exchange"] = std::move(exchange);
  if (!non_finite.empty()) extras_.extra["non_finite_state"] = std::move(non_finite);
  if (!runtime::write_results(req_.results_dir, out.results, extras_, err, &out.moved_aside)) {
    if (support::interrupt_requested()) return "interrupted";
    say(Kind::Error, "writing results failed: " + err);
    return "reported";
  }
  if (req_.flush_every > 0) runtime::remove_results_dir(partial_dir_);
  return "";
}

RunOutcome Run::run() {
  // Only rank 0 owns the output; the others follow its verdict.
  bool ok = true;
  if (leader()) {
    if (req_.flush_every > 0 && ranks() > 1) {
      say(Kind::Error, "--flush-every is not supported in distributed runs (" + std::to_string(ranks()) +
                           " ranks): partial results would need every rank to stop at the same step\n"
                           "  fix: drop --flush-every, or run in one process");
      ok = false;
    }
    ok = ok && output_allowed(req_.results_dir, "results");
    ok = ok && (req_.flush_every == 0 || output_allowed(partial_dir_, "partial results"));
  }
  if (!agree(ok)) return outcome();
  runtime::ScratchDirectory build_dir;
  if (!build_dir.ok()) return failed(build_dir.error() + "\n  fix: set TMPDIR to a writable directory");

  PipelineOptions o = req_.pipeline;
  o.build.out_dir = build_dir.path();
  // The thread count goes to the module when it is created (below), not into the build: one
  // cached module serves every -j.
  o.build.num_threads = 0;
  if (o.build.cache_dir.empty()) o.build.cache_dir = default_cache_dir();
  if (req_.check_memory)
    o.before_build = [this](const kir::Program& p, DiagnosticEngine& d) { return fits_in_memory(p, d, run_steps(p)); };
  // One module for every rank count, so `mpirun -np 1` runs what `-np 3` runs.
  o.distributed = comm_ != nullptr;
  CompiledModel cm;
  ModelInput input = req_.model_text ? ModelInput(req_.model_path, *req_.model_text) : ModelInput(req_.model_path);
  std::string err, status;
  runtime::LoadedModule module;
  // Rank 0 compiles alone first; the others then find the module in the build cache instead of
  // running the host compiler R times at once.
  auto compile_and_load = [&]() {
    bool compiled = compile_model(input, o, cm, diags_);
    if (support::interrupt_requested()) return false;
    if (leader() && events_.compiled) events_.compiled(diags_);
    if (!compiled) {
      status = leader() ? "" : "compiling the model failed:\n" + diags_.render(req_.model_path);
      return false;
    }
    if (!module.load(cm.build.module_path, err)) {
      status = "cannot load the compiled model: " + err;
      return false;
    }
    return true;
  };
  if (leader()) {
    ok = compile_and_load();
    if (support::interrupt_requested()) return stopped_early();
    if (!ok && !status.empty()) say(Kind::Error, status);
    if (comm_ == nullptr && !ok) return outcome();
    if (!agree(ok)) return outcome();
  } else {
    if (!agree(true)) return outcome();  // rank 0 reported why
    ok = compile_and_load();
    if (support::interrupt_requested()) return stopped_early();
  }
  if (comm_ != nullptr) {
    std::string fingerprint;
    if (ok && (fingerprint = module_fingerprint(cm.build.module_path, err)).empty()) {
      ok = false;
      status = err;
    }
    if (!check_ranks(ok ? "ok " + fingerprint : "failed " + status, module)) return outcome();
  }

  mc_options mo = runtime::Simulation::default_options(module);
  mo.num_threads = req_.threads;
  mo.device = req_.device;
  if (req_.seed >= 0) mo.seed = static_cast<uint64_t>(req_.seed);
  // Declared before the simulation: the module calls it until mc_destroy.
  std::optional<dist::PartitionAdapter> adapter;
  if (comm_ != nullptr) {
    adapter.emplace(*comm_);
    mo.partition = adapter->partition();
  }
  const FailHook hook = comm_ != nullptr ? fail_hook() : FailHook{};
  const bool fail_here = hook.rank == (comm_ != nullptr ? comm_->rank() : -2);
  runtime::Simulation sim(module, mo);
  // From here on every rank is inside the module's collectives.
  collective_ = true;
  say(Kind::Status, "building the network");
  if (fail_here && hook.at_init) return failed(fail_hook_message());
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

  const int64_t total = run_steps(*cm.unit.program).value_or(cm.unit.program->steps);
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
      return failed(comm_ != nullptr ? "checking the state for non-finite values stopped the run (see above)" : "");
    }
    if (fail_here && !hook.at_init) return failed(fail_hook_message());
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double chunk_wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
    if (events_.progress && leader())
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
        if (stop || !support::interrupt_requested() || !flush_partial(sim, true, total)) return outcome();
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
  if (!check_finite(finite, true, dt)) return failed(comm_ != nullptr ? "checking the state for non-finite values stopped the run (see above)" : "");
  RunOutcome out = outcome();
  if (comm_ != nullptr) {
    // Rank 0's verdict ends every rank the same way (the others have nothing more to report).
    std::string problem = finish_distributed(sim, *adapter, finite.all(), out);
    if (!agree(problem.empty())) return problem == "interrupted" ? stopped_early() : outcome();
    out.status = RunOutcome::Status::Completed;
    if (leader()) out.extras = extras_;
    return out;
  }
  if (!finite.all().empty()) extras_.extra["non_finite_state"] = findings_json(finite.all());
  // A signal while results are written abandons them (the writer removes its temporary directory
  // and never touches the earlier results): writing a large run can take long.
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
