// The modelc command-line compiler: check, compile, run, explain a JSON model; list passes and
// backends. All errors reach the user as diagnostics (what, where, how to fix), never as a crash.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <climits>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <new>
#include <thread>

#include <CLI/CLI.hpp>

#include "passes/pass_manager.h"
#include "driver/driver.h"
#include "runtime/finite_state_check.h"
#include "driver/resource_estimate.h"
#include "runtime/results_writer.h"
#include "runtime/scratch_directory.h"
#include "runtime/simulation.h"
#include "support/interrupt.h"
#ifdef MODELC_HAVE_OPENCL
#include "backends/opencl/opencl_devices.h"
#endif

namespace fs = std::filesystem;
using namespace modelc;

namespace {

struct CommonOptions {
  std::string model;
  std::vector<std::string> set;
  std::string passes;
  std::vector<std::string> disabled;
  std::vector<std::string> print_after;
  std::string backend = "cpu";
  bool verbose = false;
  int opt_level = 2;
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

fs::path default_cache_dir() {
  if (const char* env = std::getenv("MODELC_CACHE_DIR")) return env;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME")) return fs::path(xdg) / "modelc";
  if (const char* home = std::getenv("HOME")) return fs::path(home) / ".cache" / "modelc";
  return fs::temp_directory_path() / "modelc-cache";
}

bool make_options(const CommonOptions& c, PipelineOptions& o, DiagnosticEngine& diags) {
  for (const auto& kv : c.set) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      diags.error("--set expects NAME=VALUE, got '" + kv + "'", "", "e.g. --set N=40000");
      return false;
    }
    o.read.parameter_overrides.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  o.passes = c.passes.empty() ? pipeline_for_opt_level(c.opt_level) : split(c.passes, ',');
  for (const auto& d : c.disabled)
    for (const auto& n : split(d, ',')) o.disabled_passes.insert(n);
  for (const auto& p : c.print_after)
    for (const auto& n : split(p, ',')) o.print_after.insert(n);
  o.dump_stream = &std::cout;
  o.backend = c.backend;
  o.build.verbose = c.verbose;
  o.build.cache_dir = default_cache_dir();
  return true;
}

int report(const DiagnosticEngine& diags, const std::string& file) {
  if (!diags.diagnostics().empty()) std::cerr << diags.render(file, isatty(2));
  return diags.has_errors() ? 1 : 0;
}

void add_common(CLI::App* cmd, CommonOptions& c, bool with_backend) {
  cmd->add_option("model", c.model, "model file (JSON model IR, docs/ir.md)")->required();
  cmd->add_option("--set", c.set, "override a model parameter: NAME=VALUE (repeatable)");
  cmd->add_option("--passes", c.passes, "comma-separated pass pipeline (default: the standard pipeline)");
  cmd->add_option("--disable-pass", c.disabled, "drop a pass from the pipeline (repeatable)");
  cmd->add_option("--print-after", c.print_after, "dump the IR after the named pass, or 'all'");
  if (with_backend) cmd->add_option("--backend,-b", c.backend, "backend: cpu or opencl (`modelc backends`)");
  cmd->add_option("-O", c.opt_level, "optimisation level: 0 none, 1-2 result-preserving (default 2), 3 also "
                                     "last-bit-changing rewrites")
      ->check(CLI::Range(0, 3));
  cmd->add_flag("--verbose,-v", c.verbose, "print compiler command lines");
}

// The memory estimate against what this machine has: an error, before code is generated or
// anything allocated, for a network that cannot be built (1e10 synapses would otherwise fail only
// after construction began).
bool fits_in_memory(const kir::Program& prog, DiagnosticEngine& d) {
  std::string problem = runtime::check_memory(prog, runtime::available_memory_bytes());
  if (problem.empty()) return true;
  d.error(problem, "", "reduce the sizes or connection probabilities, or run on a larger machine "
                       "(MODELC_SKIP_MEMORY_CHECK=1 skips this check)");
  return false;
}

int cmd_check(const CommonOptions& c) {
  DiagnosticEngine diags;
  PipelineOptions o;
  if (!make_options(c, o, diags)) return report(diags, c.model);
  CompilationUnit unit;
  PhaseTimings t;
  bool ok = lower_model(c.model, o, unit, t, diags);
  if (ok && unit.program) ok = fits_in_memory(*unit.program, diags);
  int rc = report(diags, c.model);
  if (ok && rc == 0) {
    const auto& m = unit.model;
    int64_t neurons = 0;
    for (const auto& g : m.neuron_groups) neurons += g.size;
    std::cout << c.model << ": ok (" << m.neuron_groups.size() << " neuron groups, " << neurons << " neurons, "
              << m.synapses.size() << " synapse groups, " << m.monitors.size() << " monitors, " << m.steps()
              << " steps)\n";
    if (unit.program) {
      runtime::MemoryEstimate e = runtime::estimate_memory(*unit.program);
      char syn[32];
      std::snprintf(syn, sizeof syn, "%.3g", e.expected_synapses);
      // What compile time grows with (benchmarks/compile_scaling.py): the kernels and buffers the
      // backend will generate; merged groups count once.
      const kir::Program& prog = *unit.program;
      std::cout << "  code: " << prog.kernels.size() << " kernels (" << prog.step_kernel_count() << " per step), "
                << prog.buffers.size() << " buffers to generate and compile\n";
      std::cout << "  memory: " << (e.unknowns.empty() ? "about " : "at least ") << runtime::format_bytes(e.total())
                << " (" << syn << " synapses expected)\n";
    }
  }
  return ok ? rc : 1;
}

int cmd_compile(const CommonOptions& c, const std::string& out_dir) {
  DiagnosticEngine diags;
  PipelineOptions o;
  if (!make_options(c, o, diags)) return report(diags, c.model);
  o.build.out_dir = out_dir;
  CompiledModel cm;
  bool ok = compile_model(c.model, o, cm, diags);
  report(diags, c.model);
  if (!ok) return 1;
  // The artefact lives in the build cache; a copy goes next to the sources so out/ is self-contained.
  fs::path artefact = fs::path(out_dir) / cm.build.module_path.filename();
  std::error_code ec;
  fs::copy_file(cm.build.module_path, artefact, fs::copy_options::overwrite_existing, ec);
  if (ec) {
    std::cerr << "modelc: error: cannot copy the module to " << artefact.string() << ": " << ec.message() << "\n";
    return 1;
  }
  std::cout << "wrote " << out_dir << " (module " << artefact.string()
            << (cm.build.cache_hit ? ", from the build cache" : "") << ")\n";
  return 0;
}

fs::path partial_dir_of(const std::string& results_dir) {
  fs::path clean = fs::path(results_dir).lexically_normal();
  if (!clean.has_filename()) clean = clean.parent_path();  // "out/" -> "out"
  return fs::path(clean.string() + ".partial");
}

struct RunSettings {
  std::string results_dir;
  int threads = 0;
  int device = 0;
  int64_t seed = -1;
  bool quiet = false;
  int64_t flush_every = 0;  // 0: write results only at the end
  bool force = false;       // replace an output path modelc did not write (moved aside, not deleted)
  bool strict = false;      // state that becomes NaN/inf is an error, not a warning
};

// Refuses, before any work, an output path that modelc may not replace.
bool check_output_target(const fs::path& path, const char* what, bool force) {
  runtime::ResultsTarget t = runtime::inspect_results_target(path);
  if (t.state != runtime::ResultsTarget::State::Foreign) return true;
  if (force) {
    std::cerr << "modelc: warning: " << what << " " << path.string() << " was not written by modelc (" << t.reason
              << "); --force: it will be moved aside to " << path.string() << ".replaced-<time>, not deleted\n";
    return true;
  }
  std::cerr << "modelc: error: refusing to write " << what << " to " << path.string() << ": " << t.reason
            << "\n  modelc replaces only results directories it wrote itself\n"
            << "  fix: choose another output with -o, or pass --force to move " << path.string()
            << " aside (to " << path.string() << ".replaced-<time>; nothing is deleted)\n";
  return false;
}

int cmd_run(const CommonOptions& c, const RunSettings& rs) {
  // Installed before anything else: every phase (reading, passes, the host compiler, network
  // construction, simulation, writing) polls it and unwinds through the normal cleanup.
  support::InterruptGuard interrupt_guard;
  const fs::path partial_dir = partial_dir_of(rs.results_dir);
  auto stopped = [&]() {
    int sig = support::interrupt_signal();
    std::error_code ec;
    std::cerr << "modelc: run stopped by signal " << sig << "; no results written to " << rs.results_dir
              << (fs::exists(rs.results_dir, ec) ? " (the earlier results there are untouched)" : "") << "\n";
    return support::interrupt_exit_code(sig);
  };
  DiagnosticEngine diags;
  PipelineOptions o;
  if (!make_options(c, o, diags)) return report(diags, c.model);
  if (!check_output_target(rs.results_dir, "results", rs.force)) return 1;
  if (rs.flush_every > 0 && !check_output_target(partial_dir, "partial results", rs.force)) return 1;
  runtime::ScratchDirectory build_dir;
  if (!build_dir.ok()) {
    std::cerr << "modelc: error: " << build_dir.error() << "\n  fix: set TMPDIR to a writable directory\n";
    return 1;
  }
  o.build.out_dir = build_dir.path();
  o.build.num_threads = rs.threads;
  // Refuse a model that cannot fit before generating code or allocating anything.
  o.before_build = fits_in_memory;
  CompiledModel cm;
  bool ok = compile_model(c.model, o, cm, diags);
  if (support::interrupt_requested()) return stopped();
  report(diags, c.model);
  if (!ok) return 1;
  std::string err;
  runtime::LoadedModule module;
  if (!module.load(cm.build.module_path, err)) {
    std::cerr << "modelc: error: cannot load the compiled model: " << err << "\n";
    return 1;
  }
  mc_options mo = runtime::Simulation::default_options(module);
  mo.num_threads = rs.threads;
  mo.device = rs.device;
  if (rs.seed >= 0) mo.seed = static_cast<uint64_t>(rs.seed);
  runtime::Simulation sim(module, mo);
  if (c.verbose) std::cerr << "modelc: building the network\n";
  if (!sim.init(err)) {
    if (support::interrupt_requested()) return stopped();
    std::cerr << "modelc: error: network construction failed: " << err << "\n";
    return 1;
  }
  if (support::interrupt_requested()) return stopped();
  runtime::FiniteStateCheck finite(sim);
  if (!finite.baseline(err)) {
    std::cerr << "modelc: error: " << err << "\n";
    return 1;
  }
  // Warns once per variable (an error with --strict); true: go on.
  auto check_finite = [&](bool synapses) {
    std::vector<runtime::NonFiniteFinding> found;
    if (!finite.check(synapses, found, err)) {
      std::cerr << "modelc: error: " << err << "\n";
      return false;
    }
    for (const auto& f : found)
      std::cerr << "modelc: " << (rs.strict ? "error" : "warning") << ": " << runtime::describe(f, sim.info().dt)
                << "\n  " << (rs.strict ? "stopping (--strict); no results written" : "the results after this point are meaningless")
                << "; check the equations and parameters (a too large dt, a division by zero, sqrt or log of a negative value)\n";
    return found.empty() || !rs.strict;
  };

  runtime::ManifestExtras extras;
  extras.model_name = cm.unit.model.name;
  extras.backend = cm.backend;
  extras.modelc_version = modelc_version();
  extras.precision = cm.unit.model.precision == ir::Precision::Double ? "double" : "float";
  extras.timings = cm.timings;
  extras.compile_cached = cm.build.cache_hit;
  extras.decisions = cm.unit.decisions;
  extras.extra["model_file"] = fs::absolute(c.model).string();
  extras.extra["threads"] = rs.threads;
  extras.extra["compiler_command"] = cm.build.compiler_command;

  const int64_t total = cm.unit.program->steps;
  // Writes everything recorded so far as a complete results directory <dir>.partial (atomically,
  // via ResultsWriter), marked partial in its manifest.
  // On a stop this is the answer to the signal, so the signal does not abandon it.
  auto flush_partial = [&](bool on_stop) -> bool {
    runtime::RunResults partial;
    runtime::ManifestExtras pe = extras;
    pe.extra["partial"] = true;
    pe.extra["steps_total"] = total;
    if (!sim.collect(partial, err) || !runtime::write_results(partial_dir, partial, pe, err, nullptr, !on_stop)) {
      if (!on_stop && support::interrupt_requested()) return false;  // abandoned for the stop's own flush
      std::cerr << "modelc: error: writing partial results to " << partial_dir.string() << " failed: " << err << "\n";
      return false;
    }
    return true;
  };

  if (c.verbose) std::cerr << "modelc: simulating " << total << " steps\n";
  runtime::ProgressLine progress(!rs.quiet && isatty(2));
  // Chunks sized from the measured speed to take about a quarter of a second, so a signal is
  // honoured promptly and the progress line stays live; never past the next flush point.
  constexpr double kChunkSeconds = 0.25;
  const double dt = sim.info().dt;
  const int64_t first = sim.current_step();
  int64_t done = 0, chunk = std::min<int64_t>(total, 10), next_flush = rs.flush_every;
  auto t0 = std::chrono::steady_clock::now();
  support::PhaseScope simulating("simulating");
  while (done < total) {
    int64_t n = std::min(chunk, total - done);
    if (rs.flush_every > 0) n = std::min(n, next_flush - done);
    auto c0 = std::chrono::steady_clock::now();
    if (!sim.run(n, {}, err)) {
      // A module stopped by the cancel flag stops between two steps: carry on as for a signal
      // between chunks, with the steps it did.
      if (!support::interrupt_requested()) {
        progress.finish();
        std::cerr << "modelc: error: simulation failed: " << err << "\n";
        return 1;
      }
      n = sim.current_step() - first - done;
    }
    done += n;
    if (!check_finite(false)) {
      progress.finish();
      return 1;
    }
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double chunk_wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
    if (progress.enabled())
      progress.update((first + done) * dt, (first + total) * dt, wall > 0 ? done * dt / wall : 0.0,
                      wall > 0 && done > 0 ? (total - done) * wall / done : 0.0);
    double wanted = chunk_wall > 0 ? n * (kChunkSeconds / chunk_wall) : n * 8.0;
    chunk = static_cast<int64_t>(std::clamp(wanted, 1.0, std::max<double>(n, 1) * 8.0));
    bool stop = support::interrupt_requested() && done < total;
    if (rs.flush_every > 0 && (done == next_flush || stop) && done < total) {
      progress.finish();
      if (!flush_partial(stop)) {
        // A signal during a periodic flush abandons that flush; the stop then writes the partial
        // results it promises, signal or not.
        if (stop || !support::interrupt_requested() || !flush_partial(true)) return 1;
        stop = true;
      }
      next_flush = done + rs.flush_every;
    }
    if (stop) {
      progress.finish();
      int sig = support::interrupt_signal();
      std::cerr << "modelc: run stopped by signal " << sig << " at step " << done << " of " << total
                << "; no results written to " << rs.results_dir;
      if (rs.flush_every > 0) std::cerr << "; the steps simulated so far are in " << partial_dir.string();
      std::cerr << "\n";
      return support::interrupt_exit_code(sig);
    }
  }
  progress.finish();
  if (!check_finite(true)) return 1;
  if (!finite.all().empty()) {
    nlohmann::json nf = nlohmann::json::array();
    for (const auto& f : finite.all())
      nf.push_back({{"owner", f.owner}, {"variable", f.variable}, {"index", f.index}, {"step", f.step},
                    {"count", f.count}, {"value", std::isnan(f.value) ? "nan" : f.value > 0 ? "+inf" : "-inf"}});
    extras.extra["non_finite_state"] = std::move(nf);
  }
  // A signal while results are written abandons them (the writer removes its temporary directory
  // and never touches the earlier results): writing a large run can take long.
  runtime::RunResults results;
  if (!sim.collect(results, err)) {
    std::cerr << "modelc: error: reading results failed: " << err << "\n";
    return 1;
  }
  fs::path moved_aside;
  if (!runtime::write_results(rs.results_dir, results, extras, err, &moved_aside)) {
    if (support::interrupt_requested()) return stopped();
    std::cerr << "modelc: error: writing results failed: " << err << "\n";
    return 1;
  }
  // Superseded by the complete results; only ever a directory modelc wrote.
  if (rs.flush_every > 0) runtime::remove_results_dir(partial_dir);
  std::cout << runtime::format_summary(results, extras);
  if (!moved_aside.empty())
    std::cout << "what was at " << rs.results_dir << " (not written by modelc) was moved to " << moved_aside.string() << "\n";
  std::cout << "results written to " << rs.results_dir << "/\n";
  return 0;
}

int cmd_explain(const CommonOptions& c) {
  DiagnosticEngine diags;
  PipelineOptions o;
  if (!make_options(c, o, diags)) return report(diags, c.model);
  CompilationUnit unit;
  PhaseTimings t;
  bool ok = lower_model(c.model, o, unit, t, diags);
  report(diags, c.model);
  if (!ok) return 1;
  std::cout << "decisions for " << c.model << " (backend " << c.backend << "):\n";
  for (const auto& [what, why] : unit.decisions) std::cout << "  " << what << "\n      because " << why << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"modelc " + modelc_version() + ": a compiler for spiking neural network models (JSON model IR, docs/ir.md)"};
  app.set_version_flag("--version", "modelc " + modelc_version());
  app.require_subcommand(1);

  CommonOptions common;
  auto* check = app.add_subcommand("check", "validate a model: errors with their location, exit 1 on error");
  add_common(check, common, false);

  std::string out_dir = "out";
  auto* compile = app.add_subcommand("compile", "generate sources and build the module");
  add_common(compile, common, true);
  compile->add_option("-o,--output", out_dir, "directory for the generated sources and the module");

  RunSettings rs;
  rs.results_dir = "results";
  auto* run = app.add_subcommand("run", "compile, run, write results/ and print a summary");
  add_common(run, common, true);
  run->add_option("-o,--output", rs.results_dir, "results directory (written atomically)");
  run->add_option("--threads,-j", rs.threads, "threads for the CPU backend (0 = all cores)")->check(CLI::Range(0, 1024));
  run->add_option("--seed", rs.seed, "override the model's random seed")->check(CLI::NonNegativeNumber);
  run->add_flag("--quiet,-q", rs.quiet, "no progress line");
  run->add_flag("--strict", rs.strict,
                "state that becomes NaN or infinite stops the run with an error (default: a warning per variable)");
  run->add_flag("--force", rs.force,
                "write results even where -o names something modelc did not write (a file, a foreign "
                "directory): it is moved aside to <output>.replaced-<time>, never deleted");
  run->add_option("--device", rs.device, "accelerator backends: device index (`modelc devices`)")
      ->check(CLI::NonNegativeNumber);
  run->add_option("--flush-every", rs.flush_every,
                  "every STEPS steps, write the results so far to <output>.partial (replaced by <output> "
                  "at the end; kept if the run is interrupted)")
      ->check(CLI::Range(int64_t{1}, INT64_MAX));

  auto* explain = app.add_subcommand("explain", "print what the compiler decided for a model and why");
  add_common(explain, common, true);

  auto* passes = app.add_subcommand("passes", "list the available passes");
  auto* backends = app.add_subcommand("backends", "list the available backends");
  auto* devices = app.add_subcommand("devices", "list compute devices (OpenCL platforms and devices, CUDA)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (*check) return cmd_check(common);
    if (*compile) return cmd_compile(common, out_dir);
    if (*run) return cmd_run(common, rs);
    if (*explain) return cmd_explain(common);
    if (*passes) {
      register_builtin_passes();
      const auto names = PassRegistry::instance().names();
      size_t width = 0;
      for (const auto& n : names) width = std::max(width, n.size());
      for (const auto& n : names) {
        auto p = PassRegistry::instance().create(n);
        std::cout << "  " << n << std::string(width + 2 - n.size(), ' ') << p->description() << "\n";
      }
      std::cout << "default pipeline:";
      for (const auto& n : default_pipeline()) std::cout << " " << n;
      std::cout << "\n";
      return 0;
    }
    if (*backends) {
      register_builtin_backends();
      for (const auto& n : BackendRegistry::instance().names()) {
        auto b = BackendRegistry::instance().create(n);
        std::cout << "  " << n << "  " << b->description() << "\n";
      }
      return 0;
    }
    if (*devices) {
      std::cout << "cpu: " << std::thread::hardware_concurrency() << " hardware threads (backend cpu)\n";
#ifdef MODELC_HAVE_OPENCL
      std::cout << opencl::describe_compute_devices();
#else
      std::cout << "OpenCL: this modelc was built without the OpenCL loader (Debian: ocl-icd-opencl-dev)\n";
#endif
      return 0;
    }
  } catch (const std::bad_alloc&) {
    // The sizes a model asks for are checked before they are allocated (the memory estimate, .npy
    // shapes against file sizes); what is left is a machine short of memory in some phase.
    const char* phase = support::current_phase();
    std::cerr << "modelc: error: out of memory" << (phase ? std::string(" while ") + phase : std::string())
              << "\n  hint: the model needs more memory than this machine has free: reduce its size or close other programs\n";
    return 1;
  } catch (const std::exception& e) {
    // Last line of defence: an internal error is reported, never a crash.
    std::cerr << "modelc: internal error: " << e.what() << "\n  please report this with the model file\n";
    return 2;
  }
  return 0;
}
