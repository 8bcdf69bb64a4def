#include "backends/backend.h"

#include <fstream>

namespace modelc::backends {

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

bool write_sources(const GeneratedSources& sources, const std::filesystem::path& out_dir, DiagnosticEngine& diags) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) {
    diags.error("cannot create output directory '" + out_dir.string() + "': " + ec.message(), "");
    return false;
  }
  for (const auto& [name, text] : sources.files) {
    std::filesystem::path p = out_dir / name;
    std::ofstream f(p, std::ios::binary);
    f << text;
    if (!f) {
      diags.error("cannot write '" + p.string() + "'", "");
      return false;
    }
  }
  return true;
}

}  // namespace modelc::backends
