#include "backends/backend.h"
#include "backends/cpu/cpu_backend.h"
#ifdef MODELC_HAVE_OPENCL
#include "backends/opencl/opencl_backend.h"
#endif

namespace modelc {

BackendRegistry& BackendRegistry::instance() {
  static BackendRegistry registry;
  return registry;
}

void BackendRegistry::add(const std::string& name, Factory factory) { factories_[name] = std::move(factory); }

std::unique_ptr<Backend> BackendRegistry::create(const std::string& name) const {
  auto it = factories_.find(name);
  return it == factories_.end() ? nullptr : it->second();
}

std::vector<std::string> BackendRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, factory] : factories_) out.push_back(name);
  return out;
}

void register_builtin_backends() {
  // Idempotent: tools and tests may both call it.
  auto& r = BackendRegistry::instance();
  r.add("cpu", [] { return std::make_unique<cpu::CpuBackend>(); });
#ifdef MODELC_HAVE_OPENCL
  r.add("opencl", [] { return std::make_unique<opencl::OpenCLBackend>(); });
#endif
}

}  // namespace modelc
