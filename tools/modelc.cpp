// The modelc command-line compiler: check, compile, run, explain a JSON model; list passes and
// backends. All errors reach the user as diagnostics (what, where, how to fix), never as a crash.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <new>
#include <optional>
#include <thread>

#include <CLI/CLI.hpp>

#include "driver/driver.h"
#include "driver/resource_estimate.h"
#include "driver/run.h"
#include "passes/pass_manager.h"
#include "runtime/simulation.h"
#include "support/interrupt.h"
#ifdef MODELC_HAVE_OPENCL
#include "backends/opencl/opencl_devices.h"
#endif
#ifdef MODELC_HAVE_CUDA
#include "backends/cuda/cuda_devices.h"
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
  std::string cuda_arch;  // empty: the backend's default (sm_80)
  bool verbose = false;
  int opt_level = 2;
  std::optional<bool> verify_each;  // unset: driver::default_verify_each()
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
  o.build.cuda_arch = c.cuda_arch;
  if (c.verify_each) o.verify_each = *c.verify_each;
  o.build.cache_dir = driver::default_cache_dir();
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
  if (with_backend) cmd->add_option("--backend,-b", c.backend, "backend: cpu, opencl or cuda (`modelc backends`)");
  if (with_backend)
    cmd->add_option("--cuda-arch", c.cuda_arch, "cuda: the GPU architecture the build checks the device program for "
                                                "(default sm_80; run builds for the device's own)");
  cmd->add_option("-O", c.opt_level, "optimisation level: 0 none, 1-2 result-preserving (default 2), 3 also "
                                     "last-bit-changing rewrites")
      ->check(CLI::Range(0, 3));
  cmd->add_flag("--verbose,-v", c.verbose, "print compiler command lines");
  cmd->add_flag("--verify-each,!--no-verify-each", c.verify_each,
                "check the model IR and kernel IR after every pass (default: on in debug builds or with "
                "MODELC_VERIFY_EACH=1)");
}

int cmd_check(const CommonOptions& c) {
  DiagnosticEngine diags;
  PipelineOptions o;
  if (!make_options(c, o, diags)) return report(diags, c.model);
  CompilationUnit unit;
  PhaseTimings t;
  bool ok = lower_model(c.model, o, unit, t, diags);
  if (ok && unit.program) ok = driver::fits_in_memory(*unit.program, diags);
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

int cmd_run(const CommonOptions& c, const RunSettings& rs) {
  // Installed before anything else: every phase (reading, passes, the host compiler, network
  // construction, simulation, writing) polls it and unwinds through the normal cleanup.
  support::InterruptGuard interrupt_guard;
  DiagnosticEngine diags;
  driver::RunRequest req;
  if (!make_options(c, req.pipeline, diags)) return report(diags, c.model);
  req.model_path = c.model;
  req.results_dir = rs.results_dir;
  req.threads = rs.threads;
  req.device = rs.device;
  req.seed = rs.seed;
  req.flush_every = rs.flush_every;
  req.force = rs.force;
  req.strict = rs.strict;

  runtime::ProgressLine progress(!rs.quiet && isatty(2));
  driver::RunEvents events;
  events.message = [&](driver::RunEvents::Kind kind, const std::string& text) {
    using Kind = driver::RunEvents::Kind;
    if (kind == Kind::Status && !c.verbose) return;
    progress.finish();
    std::cerr << "modelc: " << (kind == Kind::Error ? "error: " : kind == Kind::Warning ? "warning: " : "") << text
              << "\n";
  };
  events.compiled = [&](const DiagnosticEngine& d) { report(d, c.model); };
  if (progress.enabled()) events.progress = [&](double sim, double total, double rtf, double eta) {
    progress.update(sim, total, rtf, eta);
  };
  events.progress_end = [&] { progress.finish(); };

  driver::RunOutcome out = driver::run_model(req, diags, events);
  if (out.status != driver::RunOutcome::Status::Completed) return out.exit_code();
  std::cout << runtime::format_summary(out.results, out.extras);
  if (!out.moved_aside.empty())
    std::cout << "what was at " << rs.results_dir << " (not written by modelc) was moved to "
              << out.moved_aside.string() << "\n";
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
#ifdef MODELC_HAVE_CUDA
      std::cout << cuda::describe_cuda_devices();
#else
      std::cout << "CUDA: this modelc was built without the CUDA toolkit headers (cuda.h, nvrtc.h)\n";
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
