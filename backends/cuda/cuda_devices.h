// The CUDA section of `modelc devices`: the driver version and every device (index = the --device N
// of the cuda backend) with its multiprocessors, memory and compute capability, whether NVRTC builds
// for it; or one line saying what was found instead (no driver, a driver too old, no device).
#pragma once

#include <string>

namespace modelc::backends::cuda {

std::string describe_cuda_devices();

}  // namespace modelc::backends::cuda
