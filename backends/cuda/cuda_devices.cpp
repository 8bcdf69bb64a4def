#include "backends/cuda/cuda_devices.h"

#include <cstdio>

#include "backends/cuda/support/cuda_host.h"

namespace modelc::backends::cuda {

std::string describe_cuda_devices() {
  const mc_cuda::Driver& drv = mc_cuda::driver();
  const mc_cuda::Nvrtc& nv = mc_cuda::nvrtc();
  const std::string compiler = nv.problem.empty() ? "NVRTC " + nv.version_text() + " (" + nv.arch_range() + ")"
                                                  : nv.problem;
  if (!drv.problem.empty()) return "CUDA: " + drv.problem + "\n  device compiler: " + compiler + "\n";
  std::string out = "CUDA: driver " + mc_cuda::version_text(drv.version) + ", " + std::to_string(drv.device_count) +
                    " device(s) (--backend cuda --device N); device compiler: " + compiler + "\n";
  for (int k = 0; k < drv.device_count; ++k) {
    mc_cuda::DeviceFacts f;
    std::string error;
    if (!mc_cuda::device_facts(drv, k, f, error)) {
      out += "  [" + std::to_string(k) + "] " + error + "\n";
      continue;
    }
    const bool buildable = !nv.problem.empty() || nv.supports(f.arch());
    char line[768];
    std::snprintf(line, sizeof line,
                  "  [%d] %s\n      compute capability %d.%d (sm_%d%s), %d SMs, global memory %.1f GiB\n", k,
                  f.name.c_str(), f.cc_major, f.cc_minor, f.arch(),
                  buildable ? "" : ", not supported by this NVRTC", f.sm_count,
                  static_cast<double>(f.memory) / (1024.0 * 1024.0 * 1024.0));
    out += line;
  }
  return out;
}

}  // namespace modelc::backends::cuda
