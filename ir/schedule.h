// Brian2's schedule of one time step: every operation (state update, threshold, reset, event code,
// run_regularly, synaptic pathway, summed variable, monitor, ...) sits in a slot (`when`) and has an
// `order`; a step runs the operations sorted by (slot, order, name), as Brian2's
// Network.sorted_objects does. The slots are those of Brian2's default schedule (start, groups,
// thresholds, synapses, resets, end), each with its before_ and after_ neighbours.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace modelc::ir {

// The 18 slots in step order: before_start, start, after_start, before_groups, ..., after_end.
const std::vector<std::string>& schedule_slots();
// Position of `when` in schedule_slots(), or -1 for a name that is no slot.
int slot_index(std::string_view when);
// "before_start, start, after_start, ..." for error messages.
std::string slot_list();

// What a model file says about one operation's place in the step; unset fields take the operation's
// default (docs/ir-v2.md, "Schedule").
struct Scheduling {
  std::optional<std::string> when;
  std::optional<int64_t> order;

  bool empty() const { return !when && !order; }
};

}  // namespace modelc::ir
