// IR v2 synapse pathways (docs/ir-v2.md): `on_pre` / `on_post` as statements or objects of named
// pathways, `on_event`, and `delay` as a quantity (homogeneous), a per-synapse expression or array
// (heterogeneous), or an object pathway name -> any of those. A v1 file keeps exactly one pathway
// "pre" with a homogeneous delay.
#include <cmath>

#include "frontend/model_reader_impl.h"
#include "frontend/parser.h"

namespace modelc::frontend::detail {

void Reader::read_pathways(const json& s, const std::string& ptr, ir::SynapseGroup& syn) {
  auto add = [&](const char* field, bool post) {
    if (!s.contains(field)) return;
    std::string p = join_pointer(ptr, field);
    const json& v = s[field];
    if (v.is_object()) {
      if (!require_v2(s, ptr, {}) || model_.ir_version < 2) {
        diags_.error(std::string("named pathways in '") + field + "' need IR version 2", p,
                     "set \"modelc_ir\": 2 at the top of the file (docs/ir-v2.md)");
        return;
      }
      for (const auto& [key, code] : v.items()) {
        std::string kp = join_pointer(p, key);
        ir::Pathway pw;
        if (!name(json(key), kp, "pathway name", pw.name)) continue;
        if (syn.find_pathway(key)) {
          diags_.error("the pathway name '" + key + "' is used twice", kp, "give every pathway a unique name");
          continue;
        }
        pw.post = post;
        pw.json_pointer = kp;
        pw.code = statements(code, kp, field);
        syn.pathways.push_back(std::move(pw));
      }
      return;
    }
    ir::Pathway pw;
    pw.name = post ? "post" : "pre";
    pw.post = post;
    pw.json_pointer = p;
    pw.code = statements(v, p, field);
    if (syn.find_pathway(pw.name)) {
      diags_.error("the pathway name '" + pw.name + "' is used twice", p, "rename one of the pathways");
      return;
    }
    syn.pathways.push_back(std::move(pw));
  };
  add("on_pre", false);
  add("on_post", true);
  if (const ir::Pathway* pre = syn.find_pathway("pre"); pre && !pre->post) syn.on_pre = pre->code;

  auto unknown_pathway = [&](const std::string& n, const std::string& p) {
    std::vector<std::string> names;
    for (const auto& pw : syn.pathways) names.push_back(pw.name);
    auto close = support::closest_match(n, names);
    diags_.error("synapse group '" + syn.name + "' has no pathway named '" + n + "'", p,
                 close ? "did you mean '" + *close + "'?" : "pathways are the names in 'on_pre' / 'on_post'");
  };
  if (s.contains("on_event")) {
    std::string p = join_pointer(ptr, "on_event");
    const json& v = s["on_event"];
    if (!v.is_object()) {
      diags_.error("'on_event' must be an object mapping pathway names to event names", p, "e.g. {\"pre\": \"spike\"}");
    } else {
      for (const auto& [key, ev] : v.items()) {
        std::string kp = join_pointer(p, key);
        ir::Pathway* pw = nullptr;
        for (auto& x : syn.pathways)
          if (x.name == key) pw = &x;
        if (!pw) {
          unknown_pathway(key, kp);
          continue;
        }
        if (!ev.is_string()) {
          diags_.error("an event name must be a string", kp);
          continue;
        }
        pw->event = ev.get<std::string>();
        // The event must exist in the source (pre) or target (post) group.
        const ir::NeuronGroup* g = model_.find_group(pw->post ? syn.target.group : syn.source.group);
        bool known = pw->event == "spike";
        std::vector<std::string> names{"spike"};
        if (g)
          for (const auto& e : g->events) {
            known |= e.name == pw->event;
            names.push_back(e.name);
          }
        if (!known) {
          auto close = support::closest_match(pw->event, names);
          diags_.error("group '" + (g ? g->name : std::string("?")) + "' has no event '" + pw->event + "'", kp,
                       close ? "did you mean '" + *close + "'?" : "define it in the group's \"events\"");
        }
      }
    }
  }
  if (s.contains("delay")) {
    std::string p = join_pointer(ptr, "delay");
    const json& v = s["delay"];
    bool per_pathway = v.is_object() && !v.contains("npy");
    if (per_pathway) {
      if (model_.ir_version < 2) {
        diags_.error("per-pathway delays need IR version 2", p, "set \"modelc_ir\": 2 at the top of the file (docs/ir-v2.md)");
        return;
      }
      for (const auto& [key, d] : v.items()) {
        std::string kp = join_pointer(p, key);
        ir::Pathway* pw = nullptr;
        for (auto& x : syn.pathways)
          if (x.name == key) pw = &x;
        if (!pw) {
          unknown_pathway(key, kp);
          continue;
        }
        pw->delay_pointer = kp;
        read_delay(d, kp, *pw);
      }
    } else {
      ir::Pathway* pre = nullptr;
      for (auto& x : syn.pathways)
        if (x.name == "pre") pre = &x;
      if (!pre) {
        diags_.error("'delay' without pathway names applies to the pathway 'pre', which this group does not have", p,
                     "write {\"<pathway>\": delay}, e.g. {\"post\": \"2 ms\"}");
        return;
      }
      pre->delay_pointer = p;
      read_delay(v, p, *pre);
      if (pre->delay) syn.delay = pre->delay;
    }
  }
}

void Reader::read_delay(const json& v, const std::string& ptr, ir::Pathway& pw) {
  const Dimension second = Dimension::base(2);
  if (is_array_value(v)) {
    if (model_.ir_version < 2) {
      diags_.error("per-synapse delay arrays need IR version 2", ptr, "set \"modelc_ir\": 2 at the top of the file");
      return;
    }
    auto a = number_array(v, ptr, second, "delay");
    if (!a) return;
    for (size_t k = 0; k < a->values.size(); ++k)
      if (a->values[k] < 0 || !std::isfinite(a->values[k])) {
        diags_.error("delay " + std::to_string(a->values[k]) + " s (synapse " + std::to_string(k) + ") is negative",
                     v.is_array() ? join_pointer(ptr, k) : ptr, "delays must be >= 0 ms");
        return;
      }
    pw.delay_values = std::move(a->values);
    return;
  }
  if (v.is_string() && model_.ir_version >= 2) {
    // A constant quantity is a homogeneous delay; anything that needs per-synapse values (i, j,
    // rand(), synaptic or pre/post variables) is a heterogeneous expression checked by the passes.
    DiagnosticEngine probe;
    auto e = parse_expression(support::make_source(v.get<std::string>(), ptr), probe);
    if (!e) {
      diags_.error("cannot parse the delay expression", ptr);
      parse_expression(support::make_source(v.get<std::string>(), ptr), diags_);
      return;
    }
    auto q = ir::evaluate_constant(e, [this](const std::string& n) { return lookup(n); }, probe);
    if (!q) {
      pw.delay_expr = e;
      return;
    }
  }
  if (auto q = quantity(v, ptr, second, "delay")) {
    if (q->value < 0) diags_.error("delay must not be negative", ptr, "use a delay >= 0 ms");
    else pw.delay = q;
  }
}

}  // namespace modelc::frontend::detail
