// `when` and `order` of the operations of a step (docs/ir-v2.md, "Schedule"): given inline on the
// objects that are one operation (run_regularly entries, PoissonInputs, monitors) and in `schedule`
// objects on neuron groups, custom events and synapse groups for the operations they contain;
// `order` on neuron and synapse groups is Brian2's group order.
#include <algorithm>

#include "frontend/model_reader_impl.h"

namespace modelc::frontend::detail {

bool Reader::read_scheduling(const json& obj, const std::string& ptr, ir::Scheduling& out) {
  bool ok = true;
  if (obj.contains("when")) {
    const json& w = obj["when"];
    std::string text = w.is_string() ? w.get<std::string>() : w.dump();
    if (!w.is_string() || ir::slot_index(text) < 0) {
      auto close = support::closest_match(text, ir::schedule_slots());
      diags_.error("unknown schedule slot " + w.dump(), join_pointer(ptr, "when"),
                   (close ? "did you mean '" + *close + "'? The" : std::string("The")) + " slots, in step order, are " +
                       ir::slot_list());
      ok = false;
    } else {
      out.when = text;
    }
  }
  if (obj.contains("order")) {
    if (auto o = integer(obj["order"], join_pointer(ptr, "order"), "order", INT32_MIN, INT32_MAX)) out.order = *o;
    else ok = false;
  }
  return ok;
}

void Reader::read_schedule_object(const json& v, const std::string& ptr,
                                  const std::vector<std::pair<std::string, ir::Scheduling*>>& entries,
                                  const std::string& what) {
  if (!v.is_object()) {
    diags_.error("expected a JSON object, found " + std::string(v.type_name()), ptr,
                 "map each " + what + " to {\"when\": slot, \"order\": integer}");
    return;
  }
  std::vector<std::string> keys;
  for (const auto& [k, s] : entries) keys.push_back(k);
  bool ok = true;
  for (const auto& [key, value] : v.items())
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      std::string known;
      for (const auto& k : keys) known += (known.empty() ? "" : ", ") + k;
      auto close = support::closest_match(key, keys);
      diags_.error("unknown " + what + " '" + key + "'", join_pointer(ptr, key),
                   close ? "did you mean '" + *close + "'?" : known.empty() ? "there is none to schedule" : "known here: " + known);
      ok = false;
    }
  if (!ok) return;
  for (const auto& [k, s] : entries) {
    if (!v.contains(k)) continue;
    std::string p = join_pointer(ptr, k);
    if (check_fields(v[k], p, {"when", "order"}, {})) read_scheduling(v[k], p, *s);
  }
}

void Reader::read_group_order(const json& g, const std::string& ptr, int64_t& out) {
  if (!g.contains("order")) return;
  if (auto o = integer(g["order"], join_pointer(ptr, "order"), "order", INT32_MIN, INT32_MAX)) out = *o;
}

void Reader::read_neuron_schedule(const json& g, const std::string& ptr, ir::NeuronGroup& group) {
  read_group_order(g, ptr, group.order);
  if (!g.contains("schedule")) return;
  std::string p = join_pointer(ptr, "schedule");
  read_schedule_object(g["schedule"], p,
                       {{"state_update", &group.state_update_schedule},
                        {"threshold", &group.threshold_schedule},
                        {"reset", &group.reset_schedule},
                        {"constant_over_dt", &group.constant_over_dt_schedule}},
                       "operation");
  // An entry for an operation the group does not have is most likely a mistake in the group.
  const bool spikes = group.threshold || group.kind == ir::NeuronGroup::Kind::SpikeGenerator;
  if (!group.threshold_schedule.empty() && !spikes)
    diags_.error("group '" + group.name + "' has no threshold to schedule", join_pointer(p, "threshold"),
                 "give the group a 'threshold' or remove the entry");
  if (!group.reset_schedule.empty() && group.reset.empty())
    diags_.error("group '" + group.name + "' has no reset to schedule", join_pointer(p, "reset"),
                 "give the group a 'reset' or remove the entry");
  if (!group.state_update_schedule.empty() && group.kind != ir::NeuronGroup::Kind::Neurons)
    diags_.error("a group of kind \"" + std::string(group.kind == ir::NeuronGroup::Kind::Poisson ? "poisson" : "spike_generator") +
                     "\" has no state update to schedule",
                 join_pointer(p, "state_update"), "schedule its 'threshold' (the spike generation) instead");
}

void Reader::read_synapse_schedule(const json& s, const std::string& ptr, ir::SynapseGroup& syn) {
  read_group_order(s, ptr, syn.order);
  if (!s.contains("schedule")) return;
  std::string p = join_pointer(ptr, "schedule");
  const json& v = s["schedule"];
  if (!check_fields(v, p, {"state_update", "pathways", "summed"}, {})) return;
  if (v.contains("state_update") && check_fields(v["state_update"], join_pointer(p, "state_update"), {"when", "order"}, {}))
    read_scheduling(v["state_update"], join_pointer(p, "state_update"), syn.state_update_schedule);
  if (v.contains("pathways")) {
    std::vector<std::pair<std::string, ir::Scheduling*>> entries;
    for (auto& pw : syn.pathways) entries.emplace_back(pw.name, &pw.schedule);
    read_schedule_object(v["pathways"], join_pointer(p, "pathways"), entries, "pathway");
  }
  if (v.contains("summed")) {
    std::vector<std::pair<std::string, ir::Scheduling*>> entries;
    for (const auto& eq : syn.equations)
      if (eq.kind == ir::Equation::Kind::Subexpression && eq.has_flag(ir::EquationFlag::Summed))
        entries.emplace_back(eq.name, &syn.summed_schedule[eq.name]);
    read_schedule_object(v["summed"], join_pointer(p, "summed"), entries, "summed variable");
    for (auto it = syn.summed_schedule.begin(); it != syn.summed_schedule.end();)
      it = it->second.empty() ? syn.summed_schedule.erase(it) : std::next(it);
  }
}

}  // namespace modelc::frontend::detail
