#include "driver/driver.h"

#include <chrono>
#include <cstdlib>
#include <cstring>

#include "passes/pass_manager.h"
#include "support/interrupt.h"

namespace modelc::driver {

static double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

bool default_verify_each() {
  if (const char* v = std::getenv("MODELC_VERIFY_EACH"); v && *v) return std::strcmp(v, "0") != 0;
#ifdef NDEBUG
  return false;
#else
  return true;
#endif
}

std::string modelc_version() {
#ifdef MODELC_VERSION_STRING
  return MODELC_VERSION_STRING;
#else
  return "dev";
#endif
}

static std::unique_ptr<backends::Backend> create_backend(const std::string& name, DiagnosticEngine& diags) {
  auto backend = backends::BackendRegistry::instance().create(name);
  if (!backend) {
    auto names = backends::BackendRegistry::instance().names();
    auto close = support::closest_match(name, names);
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    diags.error("unknown backend '" + name + "'", "",
                close ? "did you mean '" + *close + "'?" : "available backends: " + list);
  }
  return backend;
}

passes::TargetInfo target_info(const backends::Backend& backend) {
  backends::BackendCapabilities caps = backend.capabilities();
  passes::TargetInfo t;
  t.backend = backend.name();
  t.accelerator = caps.accelerator;
  t.atomics_float_add = caps.atomics_float_add;
  t.features = caps.features;
  return t;
}

bool lower_model(const ModelInput& input, const PipelineOptions& options, passes::CompilationUnit& unit,
                 PhaseTimings& timings, DiagnosticEngine& diags) {
  passes::register_builtin_passes();
  auto backend = create_backend(options.backend, diags);
  if (!backend) return false;
  auto t0 = std::chrono::steady_clock::now();
  support::PhaseScope reading("reading the model");
  auto model = input.text ? frontend::read_model_text(*input.text, input.name, options.read, diags)
                          : frontend::read_model_file(input.name, options.read, diags);
  timings["parse"] = seconds_since(t0);
  if (!model) return false;
  unit.model = std::move(*model);
  unit.target = target_info(*backend);
  if (options.distributed)
    for (const char* f : {"connectivity:dense", "connectivity:bitmask", "connectivity:procedural"}) unit.target.features.erase(f);

  passes::PassManager pm;
  pm.set_verify_each(options.verify_each);
  if (!pm.add_pipeline(options.passes.empty() ? passes::default_pipeline() : options.passes, options.disabled_passes, diags))
    return false;
  if (!options.print_after.empty()) {
    auto names = passes::PassRegistry::instance().names();
    for (const auto& n : options.print_after)
      if (n != "all" && std::find(names.begin(), names.end(), n) == names.end()) {
        auto close = support::closest_match(n, names);
        diags.error("--print-after: unknown pass '" + n + "'", "",
                    close ? "did you mean '" + *close + "'?" : "`modelc passes` lists the passes");
        return false;
      }
    pm.print_after(options.print_after, options.dump_stream);
  }
  t0 = std::chrono::steady_clock::now();
  support::PhaseScope passes("running the passes");
  bool ok = pm.run(unit, diags);
  timings["passes"] = seconds_since(t0);
  // "connectivity", "propagation" and "delay_buffering" requests are applied by their passes: say so when the
  // pipeline skips them (a request is never dropped silently).
  const auto& names = options.passes.empty() ? passes::default_pipeline() : options.passes;
  auto runs = [&](std::initializer_list<const char*> passes) {
    for (const char* p : passes)
      if (std::find(names.begin(), names.end(), p) != names.end() && !options.disabled_passes.count(p)) return true;
    return false;
  };
  if (ok && unit.program) {
    const bool connectivity = runs({"choose-connectivity"});
    const bool delays = runs({"choose-delay-buffering", "choose-delay-buffering-fast"});
    for (const auto& s : unit.model.synapses) {
      if (s.connectivity != ir::ConnectivityRequest::Auto && !connectivity)
        diags.warning("synapses " + s.name + " asks for " + std::string(ir::name(s.connectivity)) +
                          " connectivity, but the pipeline does not run choose-connectivity: it stays sparse (CSR)",
                      s.json_pointer + "/connectivity", "use -O1 or above, or do not disable choose-connectivity");
      if (s.propagation != ir::PropagationRequest::Auto && !connectivity)
        diags.warning("synapses " + s.name + " asks for " + std::string(ir::name(s.propagation)) +
                          " propagation, but the pipeline does not run choose-connectivity: spikes are pushed presynaptically",
                      s.json_pointer + "/propagation", "use -O1 or above, or do not disable choose-connectivity");
      if (s.delay_buffering != ir::DelayBufferingRequest::Auto && !delays)
        diags.warning("synapses " + s.name + " asks for delay_buffering " + std::string(ir::name(s.delay_buffering)) +
                          ", but the pipeline does not run choose-delay-buffering: heterogeneous delays use queues",
                      s.delay_buffering_pointer.empty() ? s.json_pointer + "/delay_buffering" : s.delay_buffering_pointer,
                      "use -O1 or above, or do not disable choose-delay-buffering");
    }
  }
  return ok;
}

bool compile_model(const ModelInput& input, const PipelineOptions& options, CompiledModel& out,
                   DiagnosticEngine& diags) {
  auto backend = create_backend(options.backend, diags);
  if (!backend) return false;
  out.backend = backend->name();
  if (!lower_model(input, options, out.unit, out.timings, diags)) return false;
  if (!out.unit.program) {
    diags.error("the pass pipeline did not produce kernel IR", "", "include 'lower-to-kernels' in --passes");
    return false;
  }
  const kir::Program& prog = *out.unit.program;
  backends::BackendCapabilities caps = backend->capabilities();
  if ((prog.scalar == kir::Type::Double && !caps.float64) || (prog.scalar == kir::Type::Float && !caps.float32)) {
    diags.error("backend '" + out.backend + "' does not support " + kir::type_name(prog.scalar) + " precision",
                "/simulation/precision", "choose the other precision or another backend");
    return false;
  }
  if (options.before_build && !options.before_build(prog, diags)) return false;
  support::PhaseScope building("generating and compiling code");
  if (support::interrupt_requested()) return false;
  if (!backend->build(prog, options.build, out.build, diags)) return false;
  out.timings["codegen"] = out.build.codegen_seconds;
  out.timings["compile"] = out.build.compile_seconds;
  return true;
}

}  // namespace modelc::driver
