// What `modelc devices` prints: the OpenCL platforms and devices this machine exposes (index =
// the --device N of the opencl backend) with global memory, compute units, maximum work-group size
// and fp64 support, and whether a CUDA device is present (probed through the driver library,
// libcuda.so.1, with dlopen: no CUDA toolkit or headers needed).
#pragma once

#include <string>

namespace modelc::opencl {

std::string describe_compute_devices();

}  // namespace modelc::opencl
