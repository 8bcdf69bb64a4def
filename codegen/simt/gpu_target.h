// A GPU target as data: the device dialect the kernels are printed in, and the few facts about its
// API that the generated host module states. The host module itself is the same for every GPU
// target (gpu_module.h): it calls only abi/device_runtime.h, whose implementation per API is a
// prebuilt library of the backend.
#pragma once

#include <string>

#include "codegen/simt/gpu_dialect.h"

namespace modelc::codegen::simt {

struct GpuTarget {
  GpuDialect dialect;
  std::string backend;     // "opencl", "cuda": mc_model_info.backend and the prefix of errors
  std::string api;         // "OpenCL", "CUDA": in messages to the user
  // Environment variables of the module are <env_prefix>_RECORD_STEPS (monitor pull interval) and
  // <env_prefix>_FORCE_NO_FP64 (a device with fp64 behaves as one without: tests of that path).
  std::string env_prefix;  // "MODELC_OPENCL"
  // How the API names the device features a model may need, for the error when one is missing.
  std::string fp64_feature;           // "cl_khr_fp64"
  std::string int64_atomics_feature;  // "cl_khr_int64_base_atomics"
  // Options of mc_program_build; the second when double is demoted to float on the device.
  std::string build_options;
  std::string build_options_no_fp64;
  // The runtime implements mc_step_graph_begin/end (abi/device_runtime.h): the module brackets
  // every step's launches with them, so the runtime can replay the step as one graph (CUDA Graphs).
  bool step_graphs = false;
};

}  // namespace modelc::codegen::simt
