#include "codegen/program_context.h"

namespace modelc::codegen {

namespace {

template <typename T>
int index_by_name(const std::vector<T>& items, const std::string& name) {
  for (size_t k = 0; k < items.size(); ++k)
    if (items[k].name == name) return static_cast<int>(k);
  return -1;
}

}  // namespace

int ProgramContext::population_index(const std::string& name) const { return index_by_name(p.populations, name); }
int ProgramContext::group_index(const std::string& name) const { return index_by_name(p.synapse_groups, name); }
int ProgramContext::buffer_index(const std::string& name) const { return index_by_name(p.buffers, name); }

void ProgramContext::error(const std::string& message, const std::string& hint) {
  diags.error(backend + " backend: " + message, "", hint);
}

}  // namespace modelc::codegen
