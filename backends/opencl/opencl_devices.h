// What `modelc devices` prints: the OpenCL platforms and devices this machine exposes (index =
// the --device N of the opencl backend) with global memory, compute units, maximum work-group size
// and fp64 support. (The CUDA section is backends/cuda/cuda_devices.h.)
#pragma once

#include <string>

namespace modelc::backends::opencl {

std::string describe_compute_devices();

}  // namespace modelc::backends::opencl
