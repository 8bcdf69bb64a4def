// The modelc command-line compiler: check, compile, run, explain a JSON model; list passes and
// backends. A client of the public library (<modelc/modelc.h>): it parses options and prints what
// the library reports. All errors reach the user as diagnostics (what, where, how to fix).
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>

#include "modelc/modelc.h"
#ifdef MODELC_HAVE_MPI
#include "modelc/mpi.h"
#endif

namespace {

struct CommonOptions {
  std::string model;
  std::vector<std::string> set;
  std::string duration;  // empty: the model's
  std::string passes;
  std::vector<std::string> disabled;
  std::vector<std::string> print_after;
  std::string backend = "cpu";
  std::string cuda_arch;  // empty: the backend's default (sm_80)
  bool verbose = false;
  int opt_level = 2;
  std::optional<bool> verify_each;  // unset: the library's default
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

bool color() { return isatty(2) != 0; }

void print(const modelc::Error& e) { std::cerr << (color() ? e.color_text : e.text); }

void print(const std::vector<modelc::Diagnostic>& diags) {
  for (const auto& d : diags) std::cerr << (color() ? d.color_text : d.text);
}

modelc::CompileOptions compile_options(const CommonOptions& c) {
  modelc::CompileOptions o;
  o.backend = c.backend;
  o.opt_level = c.opt_level;
  o.passes = split(c.passes, ',');
  for (const auto& d : c.disabled)
    for (const auto& n : split(d, ',')) o.disabled_passes.push_back(n);
  for (const auto& p : c.print_after)
    for (const auto& n : split(p, ',')) o.print_after.push_back(n);
  o.dump_stream = &std::cout;
  o.verify_each = c.verify_each;
  o.verbose = c.verbose;
  o.cuda_arch = c.cuda_arch;
  return o;
}

// The model with --set and (unless `run` passes it to the run instead) --duration applied; nullopt
// after printing why it cannot be loaded.
std::optional<modelc::Model> load(const CommonOptions& c, bool report = true, bool apply_duration = true) {
  modelc::Overrides overrides;
  for (const auto& kv : c.set) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      if (report) std::cerr << c.model << ": error: --set expects NAME=VALUE, got '" << kv << "'\n  hint: e.g. --set N=40000\n";
      return std::nullopt;
    }
    overrides.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  auto model = modelc::Model::from_file(c.model, overrides);
  if (model && !c.duration.empty()) {
    // Checked here either way, so a bad --duration is reported like a bad model.
    auto patched = model->with_duration(c.duration);
    if (!patched || apply_duration) model = std::move(patched);
  }
  if (!model) {
    if (report) print(model.error());
    return std::nullopt;
  }
  return std::move(model).value();
}

int cmd_check(const CommonOptions& c) {
  auto model = load(c);
  if (!model) return 1;
  auto report = model->check(compile_options(c));
  if (!report) {
    print(report.error());
    return 1;
  }
  print(report->warnings);
  std::cout << c.model << ": " << report->summary;
  return 0;
}

int cmd_compile(const CommonOptions& c, const std::string& out_dir, bool report) {
  auto model = load(c);
  if (!model) return 1;
  modelc::CompileOptions o = compile_options(c);
  o.out_dir = out_dir;
  o.check_memory = false;
  auto module = model->compile(o);
  if (!module) {
    print(module.error());
    return 1;
  }
  print(module->warnings());
  std::cout << "wrote " << out_dir << " (module " << module->copied_to().string()
            << (module->cache_hit() ? ", from the build cache" : "") << ")\n";
  if (report) {
    const auto& device_code = module->info().device_code;
    if (!device_code) {
      std::cerr << "modelc: error: --report: the " << c.backend
                << " backend compiles no device code at build time (the report is the cuda backend's)\n";
      return 1;
    }
    std::cout << modelc::format_device_code_report(*device_code);
  }
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
  int ranks = 0;            // > 0: run under `mpirun -np ranks` (re-executes this command)
};

// The command line as given, for --ranks to re-execute it under mpirun.
std::vector<std::string> g_args;

// mpirun on PATH, or empty.
std::string find_mpirun() {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  for (const auto& d : split(dirs, ':')) {
    std::filesystem::path p = std::filesystem::path(d) / "mpirun";
    if (access(p.c_str(), X_OK) == 0) return p.string();
  }
  return {};
}

// `modelc run --ranks R ...`: this same command without --ranks, as R ranks of
// `mpirun -np R --oversubscribe` (more ranks than cores is fine for small models and tests).
// Returns only on failure.
int run_under_mpirun(int ranks) {
  const std::string mpirun = find_mpirun();
  if (mpirun.empty()) {
    std::cerr << "modelc: error: --ranks " << ranks << ": mpirun not found; install openmpi-bin\n";
    return 1;
  }
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) self = g_args[0];
  std::vector<std::string> args = {mpirun, "-np", std::to_string(ranks), "--oversubscribe", self.string()};
  for (size_t k = 1; k < g_args.size(); ++k) {
    if (g_args[k] == "--ranks") {
      ++k;
      continue;
    }
    if (g_args[k].rfind("--ranks=", 0) == 0) continue;
    args.push_back(g_args[k]);
  }
  // Open MPI refuses to start as root without both.
  if (geteuid() == 0) {
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 0);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 0);
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::cout.flush();
  execv(mpirun.c_str(), argv.data());
  std::cerr << "modelc: error: --ranks " << ranks << ": cannot run " << mpirun << ": " << std::strerror(errno) << "\n";
  return 1;
}

// A single self-updating progress line on stderr, shown only on a terminal.
class ProgressLine {
 public:
  explicit ProgressLine(bool enabled) : enabled_(enabled) {}
  ~ProgressLine() { finish(); }
  bool enabled() const { return enabled_; }
  void update(double simulated, double total, double realtime, double eta) {
    // \r + erase-to-end-of-line keeps a shorter line from leaving the tail of a longer one behind.
    std::fputs(("\r\033[K" + modelc::format_progress(simulated, total, realtime, eta)).c_str(), stderr);
    std::fflush(stderr);
    shown_ = true;
  }
  void finish() {
    if (!shown_) return;
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
    shown_ = false;
  }

 private:
  bool enabled_, shown_ = false;
};

int cmd_run(const CommonOptions& c, const RunSettings& rs) {
  const bool under_mpi = modelc::launched_by_mpi();
  if (rs.ranks > 0 && !under_mpi) return run_under_mpirun(rs.ranks);
  std::optional<modelc::Communicator> world;
  if (under_mpi) {
#ifdef MODELC_HAVE_MPI
    auto w = modelc::mpi_world(nullptr, nullptr);
    if (!w) {
      print(w.error());
      return 1;
    }
    world = *w;
    if (rs.ranks > 0 && rs.ranks != world->size()) {
      if (world->rank() == 0)
        std::cerr << "modelc: error: --ranks " << rs.ranks << ", but mpirun started " << world->size()
                  << " ranks\n  fix: drop --ranks when starting modelc with mpirun yourself\n";
      return 1;
    }
#else
    std::cerr << "modelc: error: started by an MPI launcher (mpirun), but this modelc was built without MPI\n"
                 "  fix: install openmpi-bin and libopenmpi-dev, then rebuild (bash tools/setup.sh); or run "
                 "modelc without mpirun\n";
    return 1;
#endif
  }
  // Installed before anything else: every phase (reading, passes, the host compiler, network
  // construction, simulation, writing) polls it and unwinds through the normal cleanup.
  modelc::InterruptGuard interrupt_guard;
  const bool leader = !world || world->rank() == 0;
  // Every rank reads the model; rank 0 reports what is wrong with it, another rank only what is
  // wrong with its own copy alone (another file system, another --set). All stop together.
  // --duration goes to the run, not into the build: another duration reuses the cached module.
  auto model = load(c, leader, false);
  if (world) {
    const std::vector<bool> ok = world->all_ok(model.has_value());
    if (!model && !leader && ok[0]) {
      std::cerr << "modelc: rank " << world->rank() << " of " << world->size() << " cannot read the model:\n";
      load(c, true, false);
    }
    if (std::find(ok.begin(), ok.end(), false) != ok.end()) return 1;
  }
  if (!model) return 1;
  modelc::RunOptions o;
  o.communicator = world;
  o.compile = compile_options(c);
  o.compile.threads = rs.threads;
  o.results_dir = rs.results_dir;
  o.device = rs.device;
  o.seed = rs.seed;
  o.duration = c.duration;
  o.flush_every = rs.flush_every;
  o.force = rs.force;
  o.strict = rs.strict;

  ProgressLine progress(!rs.quiet && leader && isatty(2));
  modelc::RunCallbacks cb;
  cb.message = [&](modelc::RunCallbacks::Kind kind, const std::string& text) {
    using Kind = modelc::RunCallbacks::Kind;
    if (kind == Kind::Status && !c.verbose) return;
    progress.finish();
    std::cerr << "modelc: " << (kind == Kind::Error ? "error: " : kind == Kind::Warning ? "warning: " : "") << text
              << "\n";
  };
  cb.diagnostics = [&](const std::vector<modelc::Diagnostic>& d) {
    if (leader) print(d);
  };
  if (progress.enabled())
    cb.progress = [&](double sim, double total, double rtf, double eta) { progress.update(sim, total, rtf, eta); };
  cb.progress_end = [&] { progress.finish(); };

  auto out = model->run(o, cb);  // every failure has been printed through `cb`
  if (!out) {
    const modelc::Error& e = out.error();
    if (e.code == modelc::ErrorCode::Interrupted) return modelc::InterruptGuard::exit_code(e.signal);
    return e.code == modelc::ErrorCode::Internal ? 2 : 1;
  }
  if (out->rank != 0) return 0;  // rank 0 reports for the job
  std::cout << out->summary;
  if (!out->moved_aside.empty())
    std::cout << "what was at " << rs.results_dir << " (not written by modelc) was moved to "
              << out->moved_aside.string() << "\n";
  std::cout << "results written to " << rs.results_dir << "/\n";
  return 0;
}

int cmd_explain(const CommonOptions& c) {
  auto model = load(c);
  if (!model) return 1;
  modelc::CompileOptions o = compile_options(c);
  o.check_memory = false;
  auto report = model->check(o);
  if (!report) {
    print(report.error());
    return 1;
  }
  print(report->warnings);
  std::cout << "decisions for " << c.model << " (backend " << c.backend << "):\n";
  for (const auto& [what, why] : report->decisions) std::cout << "  " << what << "\n      because " << why << "\n";
  return 0;
}

void add_common(CLI::App* cmd, CommonOptions& c, bool with_backend) {
  cmd->add_option("model", c.model, "model file (JSON model IR, docs/ir.md)")->required();
  cmd->add_option("--set", c.set, "override a model parameter: NAME=VALUE (repeatable)");
  cmd->add_option("--duration", c.duration, "simulate this long instead of the model's duration (e.g. 200ms, 1s)");
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

}  // namespace

int main(int argc, char** argv) {
  g_args.assign(argv, argv + argc);
  const std::string version = modelc::version();
  CLI::App app{"modelc " + version + ": a compiler for spiking neural network models (JSON model IR, docs/ir.md)"};
  app.set_version_flag("--version", "modelc " + version);
  app.require_subcommand(1);

  CommonOptions common;
  auto* check = app.add_subcommand("check", "validate a model: errors with their location, exit 1 on error");
  add_common(check, common, false);

  std::string out_dir = "out";
  auto* compile = app.add_subcommand("compile", "generate sources and build the module");
  add_common(compile, common, true);
  compile->add_option("-o,--output", out_dir, "directory for the generated sources and the module");
  bool report = false;
  compile->add_flag("--report", report,
                    "cuda: print each kernel's registers, spills, stack, shared and constant memory, block size "
                    "and theoretical occupancy for --cuda-arch");

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
  run->add_option("--ranks", rs.ranks,
                  "run distributed over R processes: re-runs this command under `mpirun -np R --oversubscribe` "
                  "(docs/distributed.md); or start modelc with mpirun yourself")
      ->check(CLI::Range(1, 4096));

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
  if (*check) return cmd_check(common);
  if (*compile) return cmd_compile(common, out_dir, report);
  if (*run) return cmd_run(common, rs);
  if (*explain) return cmd_explain(common);
  if (*passes) {
    const auto list = modelc::passes();
    size_t width = 0;
    for (const auto& p : list) width = std::max(width, p.name.size());
    for (const auto& p : list) std::cout << "  " << p.name << std::string(width + 2 - p.name.size(), ' ') << p.description << "\n";
    std::cout << "default pipeline:";
    for (const auto& n : modelc::default_pipeline()) std::cout << " " << n;
    std::cout << "\n";
    return 0;
  }
  if (*backends) {
    for (const auto& b : modelc::backends()) std::cout << "  " << b.name << "  " << b.description << "\n";
    return 0;
  }
  if (*devices) {
    std::cout << modelc::describe_devices();
    return 0;
  }
  return 0;
}
