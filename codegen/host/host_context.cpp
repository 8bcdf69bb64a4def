#include "codegen/host/host_context.h"

namespace modelc::codegen::host {

bool per_synapse(const kir::Buffer& b) { return b.role == kir::BufferRole::SynapseState && b.size == 0; }

int32_t abi_type_code(kir::Type t) {
  switch (t) {
    case kir::Type::Bool: return 0;
    case kir::Type::Int32: return 1;
    case kir::Type::Int64: return 2;
    case kir::Type::Float: return 3;
    case kir::Type::Double: return 4;
  }
  return 4;
}

const char* abi_type_name(kir::Type t) {
  static const char* const names[] = {"MC_BOOL", "MC_INT32", "MC_INT64", "MC_FLOAT", "MC_DOUBLE"};
  return names[abi_type_code(t)];
}

int monitor_arrays(const kir::Monitor& m) {
  switch (m.kind) {
    case kir::Monitor::Kind::Spikes: return 2 + static_cast<int>(m.buffers.size());
    case kir::Monitor::Kind::Rate: return 1;
    case kir::Monitor::Kind::State: return 1 + static_cast<int>(m.buffers.size());
  }
  return 1;
}

std::vector<int64_t> monitor_indices(const kir::Monitor& m) {
  if (!m.indices.empty() || m.kind != kir::Monitor::Kind::State) return m.indices;
  std::vector<int64_t> all(static_cast<size_t>(m.size > 0 ? m.size : 0));
  for (size_t k = 0; k < all.size(); ++k) all[k] = static_cast<int64_t>(k);
  return all;
}

std::string dt_define(double dt) { return "#define MC_DT " + support::double_text(dt) + "\n"; }

}  // namespace modelc::codegen::host
