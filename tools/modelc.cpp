// The modelc command-line compiler: check, compile, run, explain a JSON model; list passes and
// backends. All errors reach the user as diagnostics (what, where, how to fix), never as a crash.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>

#include "passes/pass_manager.h"
#include "runtime/driver.h"
#include "runtime/interrupt.h"
#include "runtime/resource_estimate.h"
#include "runtime/simulation.h"
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

int cmd_check(const CommonOptions& c) {
  DiagnosticEngine diags;
  PipelineOptions o;
  if (!make_options(c, o, diags)) return report(diags, c.model);
  CompilationUnit unit;
  PhaseTimings t;
  bool ok = lower_model(c.model, o, unit, t, diags);
  int rc = report(diags, c.model);
  if (ok && rc == 0) {
    const auto& m = unit.model;
    int64_t neurons = 0;
    for (const auto& g : m.neuron_groups) neurons += g.size;
    std::cout << c.model << ": ok (" << m.neuron_groups.size() << " neuron groups, " << neurons << " neurons, "
              << m.synapses.size() << " synapse groups, " << m.monitors.size() << " monitors, " << m.steps()
              << " steps)\n";
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

// Removes a directory when it goes out of scope, whichever way cmd_run leaves.
struct TempDirGuard {
  fs::path dir;
  ~TempDirGuard() {
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
  }
};

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
};

int cmd_run(const CommonOptions& c, const RunSettings& rs) {
  // Installed before compiling: Ctrl-C during a long host compile must also clean up.
  runtime::InterruptGuard interrupt_guard;
  auto stopped = [&]() {
    int sig = runtime::interrupt_signal();
    std::cerr << "modelc: run stopped by signal " << sig << "; no results written to " << rs.results_dir << "\n";
    return runtime::interrupt_exit_code(sig);
  };
  DiagnosticEngine diags;
  PipelineOptions o;
  if (!make_options(c, o, diags)) return report(diags, c.model);
  TempDirGuard build_dir{fs::temp_directory_path() / ("modelc-build-" + std::to_string(getpid()))};
  o.build.out_dir = build_dir.dir;
  o.build.num_threads = rs.threads;
  // Refuse a model that cannot fit before generating code or allocating anything.
  o.before_build = [](const kir::Program& prog, DiagnosticEngine& d) {
    std::string problem = runtime::check_memory(prog, runtime::available_memory_bytes());
    if (problem.empty()) return true;
    d.error(problem, "", "reduce the sizes or connection probabilities, or run on a larger machine "
                         "(MODELC_SKIP_MEMORY_CHECK=1 skips this check)");
    return false;
  };
  CompiledModel cm;
  bool ok = compile_model(c.model, o, cm, diags);
  report(diags, c.model);
  if (!ok) return runtime::interrupt_requested() ? stopped() : 1;
  if (runtime::interrupt_requested()) return stopped();
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
  if (!sim.init(err)) {
    std::cerr << "modelc: error: network construction failed: " << err << "\n";
    return 1;
  }
  if (runtime::interrupt_requested()) return stopped();

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
  const fs::path partial_dir = partial_dir_of(rs.results_dir);
  // Writes everything recorded so far as a complete results directory <dir>.partial (atomically,
  // via ResultsWriter), marked partial in its manifest.
  auto flush_partial = [&]() -> bool {
    runtime::RunResults partial;
    runtime::ManifestExtras pe = extras;
    pe.extra["partial"] = true;
    pe.extra["steps_total"] = total;
    if (!sim.collect(partial, err) || !runtime::write_results(partial_dir, partial, pe, err)) {
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
  while (done < total) {
    int64_t n = std::min(chunk, total - done);
    if (rs.flush_every > 0) n = std::min(n, next_flush - done);
    auto c0 = std::chrono::steady_clock::now();
    if (!sim.run(n, {}, err)) {
      progress.finish();
      std::cerr << "modelc: error: simulation failed: " << err << "\n";
      return 1;
    }
    done += n;
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double chunk_wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
    if (progress.enabled())
      progress.update((first + done) * dt, (first + total) * dt, wall > 0 ? done * dt / wall : 0.0,
                      wall > 0 && done > 0 ? (total - done) * wall / done : 0.0);
    double wanted = chunk_wall > 0 ? n * (kChunkSeconds / chunk_wall) : n * 8.0;
    chunk = static_cast<int64_t>(std::clamp(wanted, 1.0, std::max<double>(n, 1) * 8.0));
    bool stop = runtime::interrupt_requested() && done < total;
    if (rs.flush_every > 0 && (done == next_flush || stop) && done < total) {
      progress.finish();
      if (!flush_partial()) return 1;
      next_flush = done + rs.flush_every;
    }
    if (stop) {
      progress.finish();
      int sig = runtime::interrupt_signal();
      std::cerr << "modelc: run stopped by signal " << sig << " at step " << done << " of " << total
                << "; no results written to " << rs.results_dir;
      if (rs.flush_every > 0) std::cerr << "; the steps simulated so far are in " << partial_dir.string();
      std::cerr << "\n";
      return runtime::interrupt_exit_code(sig);
    }
  }
  progress.finish();
  // Once every step has run, a late signal no longer discards the run: writing takes moments and
  // leaves complete results, which is what the user wants from a finished simulation.
  runtime::RunResults results;
  if (!sim.collect(results, err)) {
    std::cerr << "modelc: error: reading results failed: " << err << "\n";
    return 1;
  }
  if (!runtime::write_results(rs.results_dir, results, extras, err)) {
    std::cerr << "modelc: error: writing results failed: " << err << "\n";
    return 1;
  }
  std::error_code ec;
  if (rs.flush_every > 0) fs::remove_all(partial_dir, ec);  // superseded by the complete results
  std::cout << runtime::format_summary(results, extras);
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
  } catch (const std::exception& e) {
    // Last line of defence: an internal error is reported, never a crash.
    std::cerr << "modelc: internal error: " << e.what() << "\n  please report this with the model file\n";
    return 2;
  }
  return 0;
}
