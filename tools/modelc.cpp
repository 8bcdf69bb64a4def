// The modelc command-line compiler: check, compile, run, explain a JSON model; list passes and
// backends. All errors reach the user as diagnostics (what, where, how to fix), never as a crash.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>

#include "passes/pass_manager.h"
#include "runtime/driver.h"
#include "runtime/simulation.h"

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
  if (!c.passes.empty()) o.passes = split(c.passes, ',');
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
  if (with_backend) cmd->add_option("--backend,-b", c.backend, "backend: cpu");
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
  std::cout << "wrote " << out_dir << " (module " << cm.build.module_path.string()
            << (cm.build.cache_hit ? ", from the build cache" : "") << ")\n";
  return 0;
}

int cmd_run(const CommonOptions& c, const std::string& results_dir, int threads, int64_t seed, bool quiet) {
  DiagnosticEngine diags;
  PipelineOptions o;
  if (!make_options(c, o, diags)) return report(diags, c.model);
  fs::path build_dir = fs::path(results_dir).parent_path() / (fs::path(results_dir).filename().string() + ".build");
  o.build.out_dir = fs::temp_directory_path() / ("modelc-build-" + std::to_string(getpid()));
  o.build.num_threads = threads;
  CompiledModel cm;
  bool ok = compile_model(c.model, o, cm, diags);
  report(diags, c.model);
  std::error_code ec;
  if (!ok) {
    fs::remove_all(o.build.out_dir, ec);
    return 1;
  }
  std::string err;
  runtime::LoadedModule module;
  if (!module.load(cm.build.module_path, err)) {
    std::cerr << "modelc: error: cannot load the compiled model: " << err << "\n";
    return 1;
  }
  mc_options mo = runtime::Simulation::default_options(module);
  mo.num_threads = threads;
  if (seed >= 0) mo.seed = static_cast<uint64_t>(seed);
  runtime::Simulation sim(module, mo);
  if (!sim.init(err)) {
    std::cerr << "modelc: error: network construction failed: " << err << "\n";
    return 1;
  }
  runtime::ProgressLine progress(!quiet && isatty(2));
  if (!sim.run(cm.unit.program->steps, progress.enabled() ? progress.callback() : runtime::ProgressCallback{}, err)) {
    progress.finish();
    std::cerr << "modelc: error: simulation failed: " << err << "\n";
    return 1;
  }
  progress.finish();
  runtime::RunResults results;
  if (!sim.collect(results, err)) {
    std::cerr << "modelc: error: reading results failed: " << err << "\n";
    return 1;
  }
  runtime::ManifestExtras extras;
  extras.model_name = cm.unit.model.name;
  extras.backend = cm.backend;
  extras.modelc_version = modelc_version();
  extras.precision = cm.unit.model.precision == ir::Precision::Double ? "double" : "float";
  extras.timings = cm.timings;
  extras.compile_cached = cm.build.cache_hit;
  extras.decisions = cm.unit.decisions;
  extras.extra["model_file"] = fs::absolute(c.model).string();
  extras.extra["threads"] = threads;
  extras.extra["compiler_command"] = cm.build.compiler_command;
  if (!runtime::write_results(results_dir, results, extras, err)) {
    std::cerr << "modelc: error: writing results failed: " << err << "\n";
    return 1;
  }
  fs::remove_all(o.build.out_dir, ec);
  (void)build_dir;
  std::cout << runtime::format_summary(results, extras);
  std::cout << "results written to " << results_dir << "/\n";
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

  std::string results_dir = "results";
  int threads = 0;
  int64_t seed = -1;
  bool quiet = false;
  auto* run = app.add_subcommand("run", "compile, run, write results/ and print a summary");
  add_common(run, common, true);
  run->add_option("-o,--output", results_dir, "results directory (written atomically)");
  run->add_option("--threads,-j", threads, "threads for the CPU backend (0 = all cores)")->check(CLI::Range(0, 1024));
  run->add_option("--seed", seed, "override the model's random seed")->check(CLI::NonNegativeNumber);
  run->add_flag("--quiet,-q", quiet, "no progress line");

  auto* explain = app.add_subcommand("explain", "print what the compiler decided for a model and why");
  add_common(explain, common, true);

  auto* passes = app.add_subcommand("passes", "list the available passes");
  auto* backends = app.add_subcommand("backends", "list the available backends");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (*check) return cmd_check(common);
    if (*compile) return cmd_compile(common, out_dir);
    if (*run) return cmd_run(common, results_dir, threads, seed, quiet);
    if (*explain) return cmd_explain(common);
    if (*passes) {
      register_builtin_passes();
      for (const auto& n : PassRegistry::instance().names()) {
        auto p = PassRegistry::instance().create(n);
        std::cout << "  " << n << std::string(n.size() < 24 ? 24 - n.size() : 1, ' ') << p->description() << "\n";
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
  } catch (const std::exception& e) {
    // Last line of defence: an internal error is reported, never a crash.
    std::cerr << "modelc: internal error: " << e.what() << "\n  please report this with the model file\n";
    return 2;
  }
  return 0;
}
