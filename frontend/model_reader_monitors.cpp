// Monitors (docs/ir.md, docs/ir-v2.md "Monitors"): spike, state and rate monitors, IR v2 events
// monitors, spike monitors recording variables, and state monitors of synapse groups.
#include <cmath>

#include "frontend/model_reader_impl.h"

namespace modelc::frontend::detail {

void Reader::read_monitor(const json& m, const std::string& ptr) {
  if (!check_fields(m, ptr, {"name", "kind", "source", "variables", "indices", "every", "event", "when", "order"},
                    {"name", "kind", "source"}))
    return;
  if (!require_v2(m, ptr, {"event", "when", "order"})) return;
  ir::Monitor mon;
  mon.json_pointer = ptr;
  if (!name(m["name"], join_pointer(ptr, "name"), "monitor name", mon.name)) return;
  const auto& k = m["kind"];
  if (k == "spikes") mon.kind = ir::Monitor::Kind::Spikes;
  else if (k == "events" && model_.ir_version >= 2) mon.kind = ir::Monitor::Kind::Spikes;
  else if (k == "state") mon.kind = ir::Monitor::Kind::State;
  else if (k == "rate") mon.kind = ir::Monitor::Kind::Rate;
  else {
    diags_.error("unknown monitor kind " + k.dump(), join_pointer(ptr, "kind"), "use \"spikes\", \"state\" or \"rate\"");
    return;
  }
  // IR v2: a state monitor may record a synapse group.
  const ir::SynapseGroup* syn_src = nullptr;
  if (model_.ir_version >= 2 && mon.kind == ir::Monitor::Kind::State && m["source"].is_string() &&
      (syn_src = model_.find_synapses(m["source"].get<std::string>()))) {
    mon.synapses = true;
    mon.synapse_group = syn_src->name;
    mon.source.group = syn_src->name;
    mon.source.json_pointer = join_pointer(ptr, "source");
  } else {
    auto src = slice(m["source"], join_pointer(ptr, "source"));
    if (!src) return;
    mon.source = *src;
  }
  if (model_.ir_version >= 2) read_monitor_v2(m, ptr, mon);
  // Synapse indices are only known at run time: the upper bound is checked there.
  const int64_t n = mon.synapses ? INT32_MAX : mon.source.stop - mon.source.start;
  if (m.contains("variables")) {
    const auto& v = m["variables"];
    if (!v.is_array()) diags_.error("'variables' must be an array of variable names", join_pointer(ptr, "variables"));
    else
      for (size_t q = 0; q < v.size(); ++q) {
        if (!v[q].is_string()) diags_.error("variable names must be strings", join_pointer(join_pointer(ptr, "variables"), q));
        else mon.variables.push_back(v[q].get<std::string>());
      }
  }
  if (mon.kind == ir::Monitor::Kind::State && mon.variables.empty())
    diags_.error("a state monitor needs a non-empty 'variables' list", ptr, "e.g. \"variables\": [\"v\"]");
  if (mon.kind == ir::Monitor::Kind::Rate && !mon.variables.empty())
    diags_.error("'variables' is not supported for rate monitors", join_pointer(ptr, "variables"));
  if (mon.kind == ir::Monitor::Kind::Spikes && !mon.variables.empty() && model_.ir_version < 2)
    diags_.error("'variables' is only supported for state monitors in IR v1", join_pointer(ptr, "variables"),
                 "set \"modelc_ir\": 2 to record variables at spikes");
  if (m.contains("indices") && m["indices"] != "all") {
    const auto& v = m["indices"];
    std::string p = join_pointer(ptr, "indices");
    if (!v.is_array()) diags_.error("'indices' must be an array of neuron indices or \"all\"", p);
    else {
      std::vector<int64_t> idx;
      for (size_t q = 0; q < v.size(); ++q) {
        if (!v[q].is_number_integer() || v[q].get<int64_t>() < 0 || v[q].get<int64_t>() >= n) {
          diags_.error("index " + v[q].dump() + " is not inside the monitored group (size " + std::to_string(n) + ")",
                       join_pointer(p, q));
          return;
        }
        idx.push_back(v[q].get<int64_t>());
      }
      mon.indices = std::move(idx);
    }
  }
  if (m.contains("every")) {
    std::string p = join_pointer(ptr, "every");
    if (mon.kind != ir::Monitor::Kind::State) diags_.error("'every' only applies to state monitors", p);
    const auto& e = m["every"];
    if (e.is_number_integer()) {
      if (e.get<int64_t>() < 1) diags_.error("'every' must be at least 1 step", p);
      else mon.every = e.get<int64_t>();
    } else if (auto q = quantity(e, p, Dimension::base(2), "recording interval")) {
      double steps = q->value / model_.dt;
      if (steps < 0.5 || std::fabs(steps - std::round(steps)) > 1e-6)
        diags_.error("recording interval must be a positive multiple of dt (" + std::to_string(model_.dt) + " s)", p);
      else mon.every = static_cast<int64_t>(std::llround(steps));
    }
  }
  model_.monitors.push_back(std::move(mon));
}

void Reader::read_monitor_v2(const json& m, const std::string& ptr, ir::Monitor& mon) {
  read_scheduling(m, ptr, mon.schedule);
  if (mon.kind == ir::Monitor::Kind::Spikes && mon.schedule.order && !mon.schedule.when)
    diags_.error("the 'order' of a spikes or events monitor needs 'when'", join_pointer(ptr, "order"),
                 "give \"when\" too (as in Brian2); without both, the monitor records right after its event is detected");
  bool events = m["kind"] == "events";
  if (events) {
    if (!m.contains("event") || !m["event"].is_string()) {
      diags_.error("an events monitor needs 'event': the name of a custom event of the source", ptr,
                   "e.g. \"event\": \"upcrossing\"");
      return;
    }
    mon.event = m["event"].get<std::string>();
    const ir::NeuronGroup* g = model_.find_group(mon.source.group);
    bool known = mon.event == "spike";
    if (g)
      for (const auto& ev : g->events) known |= ev.name == mon.event;
    if (!known) {
      std::vector<std::string> names;
      if (g)
        for (const auto& ev : g->events) names.push_back(ev.name);
      auto close = support::closest_match(mon.event, names);
      diags_.error("group '" + mon.source.group + "' has no event '" + mon.event + "'", join_pointer(ptr, "event"),
                   close ? "did you mean '" + *close + "'?" : "define it in the group's \"events\"");
    }
  } else if (m.contains("event")) {
    diags_.error("'event' is only allowed in monitors of kind \"events\"", join_pointer(ptr, "event"),
                 "use \"kind\": \"events\"");
  }
}

}  // namespace modelc::frontend::detail
