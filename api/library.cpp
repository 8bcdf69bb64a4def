// The library-wide calls: passes, backends, devices, durations, version, installation, signals.
#include <cmath>
#include <thread>

#include "api/errors.h"
#include "backends/host_compiler.h"
#include "driver/driver.h"
#include "frontend/parser.h"
#include "ir/quantity_eval.h"
#include "modelc/model.h"
#include "passes/pass_manager.h"
#include "runtime/simulation.h"
#include "support/interrupt.h"
#ifdef MODELC_HAVE_OPENCL
#include "backends/opencl/opencl_devices.h"
#endif
#ifdef MODELC_HAVE_CUDA
#include "backends/cuda/cuda_devices.h"
#endif

namespace modelc::api {

std::vector<PassInfo> passes() {
  passes::register_builtin_passes();
  std::vector<PassInfo> out;
  for (const auto& n : passes::PassRegistry::instance().names()) out.push_back({n, passes::PassRegistry::instance().create(n)->description()});
  return out;
}

std::vector<std::string> default_pipeline() { return ::modelc::passes::default_pipeline(); }

std::vector<BackendInfo> backends() {
  std::vector<BackendInfo> out;
  for (const auto& n : backends::BackendRegistry::instance().names())
    out.push_back({n, backends::BackendRegistry::instance().create(n)->description()});
  return out;
}

std::string describe_devices() {
  std::string out = "cpu: " + std::to_string(std::thread::hardware_concurrency()) + " hardware threads (backend cpu)\n";
#ifdef MODELC_HAVE_OPENCL
  out += backends::opencl::describe_compute_devices();
#else
  out += "OpenCL: this modelc was built without the OpenCL loader (Debian: ocl-icd-opencl-dev)\n";
#endif
#ifdef MODELC_HAVE_CUDA
  out += backends::cuda::describe_cuda_devices();
#else
  out += "CUDA: this modelc was built without the CUDA toolkit headers (cuda.h, nvrtc.h)\n";
#endif
  return out;
}

Result<double> parse_duration(const std::string& text) {
  return api_impl::guarded<Result<double>>([&]() -> Result<double> {
    DiagnosticEngine diags;
    auto source = support::make_source(text, "");
    auto e = frontend::parse_expression(source, diags);
    std::optional<Quantity> q;
    if (e && !diags.has_errors())
      q = ir::evaluate_constant(e, [](const std::string& name) {
            // "s" is not one of Brian2's unit names, but is what "1 s" means to everyone.
            return name == "s" ? std::optional<Quantity>(Quantity{1.0, Dimension::base(2)}) : std::nullopt;
          }, diags);
    const Dimension time = Dimension::base(2);
    if (q && !diags.has_errors()) {
      if (!(q->dim == time))
        diags.error("a duration must be a time, but '" + text + "' has units of " + q->dim.to_string(), "",
                    "write e.g. \"200 ms\" or \"1 s\"");
      else if (!std::isfinite(q->value) || q->value < 0)
        diags.error("a duration must be a non-negative, finite time, not '" + text + "'", "");
      else
        return q->value;
    }
    return api_impl::make_error(ErrorCode::InvalidArgument, diags, "duration '" + text + "'");
  });
}

std::string format_progress(double simulated_s, double total_s, double realtime_factor, double eta_s) {
  return runtime::ProgressLine::format(simulated_s, total_s, realtime_factor, eta_s);
}

std::string version() { return driver::modelc_version(); }

Installation installation() { return {backends::source_root(), backends::support_lib_dir()}; }

struct InterruptGuard::Impl {
  support::InterruptGuard guard;
};

InterruptGuard::InterruptGuard() : impl_(std::make_unique<Impl>()) {}
InterruptGuard::~InterruptGuard() = default;
int InterruptGuard::exit_code(int signal) { return support::interrupt_exit_code(signal); }

}  // namespace modelc::api
