#include "ir/schedule.h"

namespace modelc::ir {

const std::vector<std::string>& schedule_slots() {
  static const std::vector<std::string> slots = [] {
    std::vector<std::string> out;
    for (const char* s : {"start", "groups", "thresholds", "synapses", "resets", "end"}) {
      out.push_back(std::string("before_") + s);
      out.push_back(s);
      out.push_back(std::string("after_") + s);
    }
    return out;
  }();
  return slots;
}

int slot_index(std::string_view when) {
  const auto& slots = schedule_slots();
  for (size_t k = 0; k < slots.size(); ++k)
    if (slots[k] == when) return static_cast<int>(k);
  return -1;
}

std::string slot_list() {
  std::string out;
  for (const auto& s : schedule_slots()) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace modelc::ir
