// The part of Backend::build that every backend with a generated C++ host module shares: emit,
// write the sources, find the runtime headers and prebuilt libraries, and compile the host module
// through the HostCompiler's content-addressed cache.
#pragma once

#include <string>
#include <vector>

#include "backends/backend.h"

namespace modelc::backends {

struct HostModuleSpec {
  std::string source_name = "model.cpp";  // the host translation unit among the emitted files
  // Headers the module includes besides abi/*.h and the CPU support prelude (which every module
  // includes), relative to source_root(): their contents join the cache key.
  std::vector<std::string> headers;
  // Prebuilt libraries in support_lib_dir() the module links besides modelc_cpu_support (e.g.
  // "modelc_opencl_runtime"); their contents join the cache key too.
  std::vector<std::string> libraries;
  // Facts outside the source that change what the build means (the CUDA architecture and NVRTC
  // version its device program was checked with): they join the cache key.
  std::vector<std::string> key_strings;
};

// Emits through `backend`, writes every file to options.out_dir and builds the host module.
// Returns false after reporting.
bool build_host_module(Backend& backend, const kir::Program& program, const BuildOptions& options,
                       const HostModuleSpec& spec, BuildResult& result, DiagnosticEngine& diags);

}  // namespace modelc::backends
