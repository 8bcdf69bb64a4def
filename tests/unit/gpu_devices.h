// The GPU backends a test build has, and whether this machine has a device for one: shared by the
// GPU test suites so that every one skips for the same reasons with the same message.
#pragma once

#include <string>
#include <vector>

#include "backends/opencl/support/opencl_host.h"
#ifdef MODELC_HAVE_CUDA
#include "backends/cuda/support/cuda_host.h"
#endif

namespace modelc::testing {

// Empty when `backend` has a device here; else why not (the skip message).
inline std::string no_device(const std::string& backend) {
  if (backend == "opencl") {
    cl_platform_id p[4];
    cl_device_id d[4];
    return mc_cl_list_devices(p, d, 4) > 0 ? "" : "no OpenCL device (install pocl-opencl-icd)";
  }
#ifdef MODELC_HAVE_CUDA
  if (backend == "cuda") {
    const mc_cuda::Driver& d = mc_cuda::driver();
    if (!d.problem.empty()) return "CUDA: " + d.problem;
    return d.device_count > 0 ? "" : "no CUDA device";
  }
#endif
  return "backend " + backend + " is not built";
}

// The GPU backends this build has.
inline std::vector<std::string> gpu_backends() {
  std::vector<std::string> out = {"opencl"};
#ifdef MODELC_HAVE_CUDA
  out.push_back("cuda");
#endif
  return out;
}

}  // namespace modelc::testing
