// IR v2 additions of the model reader (docs/ir-v2.md): arrays and .npy sidecars, neuron group kinds
// (Poisson, spike generator), custom events, run_regularly, links, TimedArrays and PoissonInputs.
// Synapse pathways and delays are in model_reader_synapses.cpp, connections in
// model_reader_connect.cpp, monitors in model_reader_monitors.cpp.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "frontend/model_reader_impl.h"
#include "frontend/npy_reader.h"
#include "frontend/parser.h"

namespace modelc::frontend::detail {

namespace {
const char* kBumpHint = "set \"modelc_ir\": 2 at the top of the file (docs/ir-v2.md)";
}  // namespace

bool Reader::require_v2(const json& obj, const std::string& ptr, const std::vector<std::string>& fields) {
  if (model_.ir_version >= 2 || !obj.is_object()) return true;
  bool ok = true;
  for (const auto& f : fields)
    if (obj.contains(f)) {
      diags_.error("the field '" + f + "' needs IR version 2, but the file says \"modelc_ir\": 1",
                   join_pointer(ptr, f), kBumpHint);
      ok = false;
    }
  return ok;
}

std::optional<ArrayValue> Reader::number_array(const json& v, const std::string& ptr,
                                               const std::optional<Dimension>& expect, const std::string& what) {
  ArrayValue out;
  if (v.is_object()) {
    if (!check_fields(v, ptr, {"npy", "unit"}, {"npy"})) return std::nullopt;
    if (!v["npy"].is_string()) {
      diags_.error("'npy' must be a path string", join_pointer(ptr, "npy"));
      return std::nullopt;
    }
    double scale = 1.0;
    if (v.contains("unit")) {
      auto u = quantity(v["unit"], join_pointer(ptr, "unit"), std::nullopt, "unit of " + what);
      if (!u) return std::nullopt;
      if (expect && !(u->dim == *expect)) {
        diags_.error(what + " must have units of " + expect->to_string() + ", but 'unit' is " + u->dim.to_string(),
                     join_pointer(ptr, "unit"), "give a unit of the right dimension, e.g. \"ms\"");
        return std::nullopt;
      }
      scale = u->value;
    }
    std::string err;
    auto path = resolve_sidecar(model_.file_name, v["npy"].get<std::string>(), err);
    std::optional<NpyArray> a;
    if (path) a = read_npy(*path, err);
    if (!a) {
      diags_.error(what + ": " + err, join_pointer(ptr, "npy"), "write the file with numpy.save(); paths are relative to the model file");
      return std::nullopt;
    }
    if (a->shape.size() > 2) {
      diags_.error(what + ": the .npy array has " + std::to_string(a->shape.size()) + " dimensions; at most 2 are allowed",
                   join_pointer(ptr, "npy"));
      return std::nullopt;
    }
    out.shape = a->shape;
    out.values = std::move(a->values);
    for (double& x : out.values) x *= scale;
    return out;
  }
  if (!v.is_array()) {
    diags_.error(what + " must be an array of numbers or {\"npy\": \"file.npy\"}, found " + std::string(v.type_name()), ptr);
    return std::nullopt;
  }
  bool two_d = !v.empty() && v[0].is_array();
  auto element = [&](const json& x, const std::string& p) -> std::optional<double> {
    if (x.is_boolean()) return x.get<bool>() ? 1.0 : 0.0;
    auto q = quantity(x, p, expect, what);
    if (!q) return std::nullopt;
    return q->value;
  };
  if (!two_d) {
    out.shape = {static_cast<int64_t>(v.size())};
    for (size_t k = 0; k < v.size(); ++k) {
      auto x = element(v[k], join_pointer(ptr, k));
      if (!x) return std::nullopt;
      out.values.push_back(*x);
    }
    return out;
  }
  size_t cols = v[0].size();
  out.shape = {static_cast<int64_t>(v.size()), static_cast<int64_t>(cols)};
  for (size_t r = 0; r < v.size(); ++r) {
    std::string rp = join_pointer(ptr, r);
    if (!v[r].is_array() || v[r].size() != cols) {
      diags_.error(what + ": row " + std::to_string(r) + " must be an array of " + std::to_string(cols) + " numbers", rp,
                   "every row of a 2-D array has the same length");
      return std::nullopt;
    }
    for (size_t c = 0; c < cols; ++c) {
      auto x = element(v[r][c], join_pointer(rp, c));
      if (!x) return std::nullopt;
      out.values.push_back(*x);
    }
  }
  return out;
}

std::optional<std::vector<int64_t>> Reader::index_array(const json& v, const std::string& ptr, const std::string& what,
                                                        int64_t size) {
  auto a = number_array(v, ptr, Dimension::dimensionless(), what + " array");
  if (!a) return std::nullopt;
  if (a->shape.size() != 1) {
    diags_.error(what + " array must be one-dimensional", ptr);
    return std::nullopt;
  }
  std::vector<int64_t> out;
  out.reserve(a->values.size());
  for (size_t k = 0; k < a->values.size(); ++k) {
    double x = a->values[k];
    if (x != std::floor(x) || x < 0 || x >= static_cast<double>(size)) {
      diags_.error(what + " " + std::to_string(x) + " (entry " + std::to_string(k) + ") is not an integer in [0, " +
                       std::to_string(size) + ")",
                   v.is_array() ? join_pointer(ptr, k) : ptr, "indices are relative to the group or slice");
      return std::nullopt;
    }
    out.push_back(static_cast<int64_t>(x));
  }
  return out;
}

void Reader::read_neuron_group_features(const json& g, const std::string& ptr, ir::NeuronGroup& group) {
  const Dimension second = Dimension::base(2);
  std::string kind = "neurons";
  if (g.contains("kind")) {
    const auto& k = g["kind"];
    if (k != "neurons" && k != "poisson" && k != "spike_generator") {
      diags_.error("unknown neuron group kind " + k.dump(), join_pointer(ptr, "kind"),
                   "use \"neurons\", \"poisson\" or \"spike_generator\"");
      return;
    }
    kind = k.get<std::string>();
  }
  auto only_for = [&](const std::vector<std::string>& fields, const std::string& k) {
    for (const auto& f : fields)
      if (g.contains(f) && kind != k)
        diags_.error("'" + f + "' is only allowed in groups of kind \"" + k + "\"", join_pointer(ptr, f),
                     "add \"kind\": \"" + k + "\" or remove the field");
  };
  only_for({"rates"}, "poisson");
  only_for({"indices", "times", "period"}, "spike_generator");
  if (kind != "neurons")
    for (const char* f : {"equations", "threshold", "reset", "refractory", "method", "events"})
      if (g.contains(f))
        diags_.error("a group of kind \"" + kind + "\" cannot have '" + f + "'", join_pointer(ptr, f),
                     "Brian2's PoissonGroup / SpikeGeneratorGroup have no model equations; use a neuron group");
  if (kind == "poisson") {
    group.kind = ir::NeuronGroup::Kind::Poisson;
    if (!g.contains("rates")) {
      diags_.error("a poisson group needs 'rates'", ptr, "e.g. \"rates\": \"15 Hz\" or \"stimulus(t)\"");
      return;
    }
    std::string p = join_pointer(ptr, "rates");
    const auto& r = g["rates"];
    if (r.is_number())  // SI: Hz
      group.rates = ir::Expr::binary(ir::Op::Mul, ir::Expr::number_lit(r.get<double>()), ir::Expr::name_ref("Hz"));
    else
      group.rates = expression(r, p, "rates");
    if (!group.rates) return;
    // Brian2's PoissonGroup: `rates` is a variable (a subexpression when it depends on t) and the
    // threshold is rand() < rates*dt.
    ir::Equation eq;
    eq.kind = ir::Equation::Kind::Subexpression;
    eq.name = "rates";
    eq.expr = group.rates;
    eq.dim = Dimension::base(2, -1);
    eq.unit_text = "Hz";
    eq.loc = group.rates->loc;
    eq.name_loc = eq.loc;
    group.equations.push_back(eq);
    group.threshold = ir::Expr::binary(
        ir::Op::Lt, ir::Expr::call("rand", {}, group.rates->loc),
        ir::Expr::binary(ir::Op::Mul, ir::Expr::name_ref("rates", group.rates->loc), ir::Expr::name_ref("dt", group.rates->loc),
                         group.rates->loc),
        group.rates->loc);
  } else if (kind == "spike_generator") {
    group.kind = ir::NeuronGroup::Kind::SpikeGenerator;
    if (!g.contains("indices") || !g.contains("times")) {
      diags_.error("a spike_generator group needs 'indices' and 'times'", ptr, "e.g. \"indices\": [0, 1], \"times\": [\"1 ms\", \"2 ms\"]");
      return;
    }
    auto idx = index_array(g["indices"], join_pointer(ptr, "indices"), "spike generator index", group.size);
    auto times = number_array(g["times"], join_pointer(ptr, "times"), second, "spike time");
    if (!idx || !times) return;
    if (idx->size() != times->values.size()) {
      diags_.error("'indices' has " + std::to_string(idx->size()) + " entries but 'times' has " +
                       std::to_string(times->values.size()),
                   join_pointer(ptr, "times"), "give one time per index");
      return;
    }
    if (g.contains("period")) {
      if (auto q = quantity(g["period"], join_pointer(ptr, "period"), second, "period")) {
        if (q->value < 0) diags_.error("period must not be negative", join_pointer(ptr, "period"), "use 0 for no repetition");
        group.generator_period = q->value;
      }
    }
    const double dt = model_.dt;
    std::map<std::pair<int64_t, int64_t>, size_t> seen;  // (neuron, step) -> entry
    for (size_t k = 0; k < idx->size(); ++k) {
      double t = times->values[k];
      std::string tp = g["times"].is_array() ? join_pointer(join_pointer(ptr, "times"), k) : join_pointer(ptr, "times");
      double steps = t / dt;
      if (t < 0) {
        diags_.error("spike time " + std::to_string(t) + " s (entry " + std::to_string(k) + ") is negative", tp);
        return;
      }
      if (std::fabs(steps - std::round(steps)) > 1e-6 * std::max(1.0, steps)) {
        diags_.error("spike time " + std::to_string(t) + " s (entry " + std::to_string(k) + ") is not a multiple of dt (" +
                         std::to_string(dt) + " s)",
                     tp, "round the spike times to the simulation time step");
        return;
      }
      if (group.generator_period > 0 && t >= group.generator_period - 1e-6 * dt) {
        diags_.error("spike time " + std::to_string(t) + " s is not smaller than the period", tp,
                     "all spike times must lie in [0, period)");
        return;
      }
      auto key = std::make_pair((*idx)[k], static_cast<int64_t>(std::llround(steps)));
      if (auto [it, fresh] = seen.emplace(key, k); !fresh) {
        diags_.error("neuron " + std::to_string(key.first) + " spikes twice in step " + std::to_string(key.second) +
                         " (entries " + std::to_string(it->second) + " and " + std::to_string(k) + ")",
                     tp, "a neuron can spike at most once per time step, as in Brian2");
        return;
      }
    }
    group.generator_indices = *idx;
    group.generator_times = times->values;
  }
  if (g.contains("events")) read_custom_events(g["events"], join_pointer(ptr, "events"), group);
  if (g.contains("run_regularly")) read_run_regularly(g["run_regularly"], join_pointer(ptr, "run_regularly"), group.run_regularly);
  if (g.contains("links")) read_links(g["links"], join_pointer(ptr, "links"), group);
  read_neuron_schedule(g, ptr, group);
}

void Reader::read_custom_events(const json& v, const std::string& ptr, ir::NeuronGroup& group) {
  if (!v.is_object()) {
    diags_.error("'events' must be an object mapping event names to {\"condition\", \"code\"}", ptr);
    return;
  }
  for (const auto& [key, e] : v.items()) {
    std::string p = join_pointer(ptr, key);
    ir::CustomEvent ev;
    ev.json_pointer = p;
    if (!name(json(key), p, "event name", ev.name)) continue;
    if (key == "spike") {
      diags_.error("the event 'spike' is defined by 'threshold' and 'reset'", p, "rename the custom event");
      continue;
    }
    if (!check_fields(e, p, {"condition", "code", "refractory", "schedule"}, {"condition"})) continue;
    ev.condition = expression(e["condition"], join_pointer(p, "condition"), "event condition");
    if (e.contains("code")) ev.code = statements(e["code"], join_pointer(p, "code"), "event code");
    if (e.contains("refractory")) {
      if (!e["refractory"].is_boolean()) diags_.error("'refractory' must be true or false", join_pointer(p, "refractory"));
      else ev.refractory = e["refractory"].get<bool>();
    }
    if (e.contains("schedule"))
      read_schedule_object(e["schedule"], join_pointer(p, "schedule"),
                           {{"condition", &ev.condition_schedule}, {"code", &ev.code_schedule}}, "event operation");
    if (!ev.code_schedule.empty() && ev.code.empty())
      diags_.error("the event '" + ev.name + "' has no code to schedule", join_pointer(join_pointer(p, "schedule"), "code"),
                   "give the event 'code' or remove the entry");
    if (ev.condition) group.events.push_back(std::move(ev));
  }
}

void Reader::read_run_regularly(const json& v, const std::string& ptr, std::vector<ir::RunRegularly>& out) {
  if (!v.is_array()) {
    diags_.error("'run_regularly' must be an array of {\"code\", \"dt\", \"when\", \"order\"}", ptr);
    return;
  }
  for (size_t k = 0; k < v.size(); ++k) {
    std::string p = join_pointer(ptr, k);
    if (!check_fields(v[k], p, {"code", "dt", "when", "order"}, {"code"})) continue;
    ir::RunRegularly rr;
    rr.json_pointer = p;
    rr.code = statements(v[k]["code"], join_pointer(p, "code"), "run_regularly code");
    if (v[k].contains("dt")) {
      std::string dp = join_pointer(p, "dt");
      if (auto q = quantity(v[k]["dt"], dp, Dimension::base(2), "run_regularly dt")) {
        double steps = q->value / model_.dt;
        if (steps < 0.5 || std::fabs(steps - std::round(steps)) > 1e-6 * std::max(1.0, steps))
          diags_.error("run_regularly dt must be a positive multiple of the simulation dt (" + std::to_string(model_.dt) + " s)",
                       dp, "e.g. \"1 ms\" with dt = 0.1 ms");
        else rr.every_steps = std::llround(steps);
      }
    }
    read_scheduling(v[k], p, rr.schedule);
    out.push_back(std::move(rr));
  }
}

void Reader::read_links(const json& v, const std::string& ptr, ir::NeuronGroup& group) {
  if (!v.is_object()) {
    diags_.error("'links' must be an object mapping variables to {\"group\", \"variable\", \"index\"}", ptr);
    return;
  }
  for (const auto& [key, l] : v.items()) {
    std::string p = join_pointer(ptr, key);
    if (!check_fields(l, p, {"group", "variable", "index"}, {"group", "variable"})) continue;
    ir::Link link;
    link.variable = key;
    link.json_pointer = p;
    if (!l["group"].is_string() || !l["variable"].is_string()) {
      diags_.error("'group' and 'variable' must be names", p);
      continue;
    }
    link.group = l["group"].get<std::string>();
    link.source_variable = l["variable"].get<std::string>();
    const ir::NeuronGroup* src = model_.find_group(link.group);
    if (!src && link.group != group.name) {
      diags_.error("no neuron group named '" + link.group + "' (linked groups must be defined before)", join_pointer(p, "group"));
      continue;
    }
    if (l.contains("index")) {
      if (is_array_value(l["index"])) {
        int64_t n = src ? src->size : group.size;
        auto idx = index_array(l["index"], join_pointer(p, "index"), "link index", n);
        if (!idx) continue;
        if (static_cast<int64_t>(idx->size()) != group.size) {
          diags_.error("the link index array has " + std::to_string(idx->size()) + " entries, but the group has " +
                           std::to_string(group.size) + " neurons",
                       join_pointer(p, "index"));
          continue;
        }
        link.indices = std::move(*idx);
      } else {
        link.index = expression(l["index"], join_pointer(p, "index"), "link index");
      }
    }
    group.links.push_back(std::move(link));
  }
}

void Reader::read_timed_arrays(const json& v, const std::string& ptr) {
  if (!v.is_object()) {
    diags_.error("'timed_arrays' must be an object mapping names to {\"values\", \"dt\", \"unit\"}", ptr);
    return;
  }
  for (const auto& [key, t] : v.items()) {
    std::string p = join_pointer(ptr, key);
    ir::TimedArray ta;
    ta.json_pointer = p;
    if (!name(json(key), p, "TimedArray name", ta.name)) continue;
    if (support::lookup_unit(key)) {
      diags_.error("'" + key + "' is the name of a unit", p, "rename the TimedArray");
      continue;
    }
    if (!check_fields(t, p, {"values", "dt", "unit"}, {"values", "dt"})) continue;
    Quantity unit{1.0, Dimension::dimensionless()};
    if (t.contains("unit")) {
      auto u = quantity(t["unit"], join_pointer(p, "unit"), std::nullopt, "TimedArray unit");
      if (!u) continue;
      unit = *u;
    }
    ta.dim = unit.dim;
    auto dt = quantity(t["dt"], join_pointer(p, "dt"), Dimension::base(2), "TimedArray dt");
    if (!dt) continue;
    double ratio = dt->value / model_.dt;
    if (ratio < 1 - 1e-9 || std::fabs(ratio - std::round(ratio)) > 1e-6 * std::max(1.0, ratio)) {
      diags_.error("the TimedArray dt (" + std::to_string(dt->value) + " s) is not a multiple of the simulation dt (" +
                       std::to_string(model_.dt) + " s)",
                   join_pointer(p, "dt"), "use a multiple of dt, as Brian2 requires");
      continue;
    }
    ta.dt = dt->value;
    // Inline numbers are in `unit`; an npy entry without its own unit is too.
    json values = t["values"];
    bool npy = values.is_object();
    if (npy && !values.contains("unit") && t.contains("unit")) values["unit"] = t["unit"];
    auto a = number_array(values, join_pointer(p, "values"), npy && values.contains("unit") ? std::optional<Dimension>(ta.dim) : std::nullopt,
                          "TimedArray values");
    if (!a) continue;
    if (!npy)
      for (double& x : a->values) x *= unit.value;
    if (a->values.empty()) {
      diags_.error("a TimedArray needs at least one value", join_pointer(p, "values"));
      continue;
    }
    ta.values = std::move(a->values);
    ta.two_d = a->shape.size() == 2;
    ta.rows = a->shape[0];
    ta.columns = ta.two_d ? a->shape[1] : 1;
    model_.timed_arrays.push_back(std::move(ta));
  }
}

void Reader::read_poisson_inputs(const json& v, const std::string& ptr) {
  if (!v.is_array()) {
    diags_.error("'poisson_inputs' must be an array", ptr);
    return;
  }
  for (size_t k = 0; k < v.size(); ++k) {
    std::string p = join_pointer(ptr, k);
    const json& e = v[k];
    if (!check_fields(e, p, {"name", "target", "variable", "N", "rate", "weight", "when", "order"},
                      {"name", "target", "variable", "N", "rate", "weight"}))
      continue;
    ir::PoissonInput pi;
    pi.json_pointer = p;
    if (!name(e["name"], join_pointer(p, "name"), "PoissonInput name", pi.name)) continue;
    auto tgt = slice(e["target"], join_pointer(p, "target"));
    if (!tgt) continue;
    pi.target = *tgt;
    if (!e["variable"].is_string()) {
      diags_.error("'variable' must be the name of a variable of the target", join_pointer(p, "variable"));
      continue;
    }
    pi.variable = e["variable"].get<std::string>();
    auto n = integer(e["N"], join_pointer(p, "N"), "N", 0, INT32_MAX);
    auto rate = quantity(e["rate"], join_pointer(p, "rate"), Dimension::base(2, -1), "rate");
    if (!n || !rate) continue;
    if (rate->value < 0) {
      diags_.error("rate must not be negative", join_pointer(p, "rate"));
      continue;
    }
    if (rate->value * model_.dt > 1) {
      diags_.error("rate*dt = " + std::to_string(rate->value * model_.dt) + " is above 1", join_pointer(p, "rate"),
                   "lower the rate or dt");
      continue;
    }
    pi.n = *n;
    pi.rate = rate->value;
    pi.weight = expression(e["weight"], join_pointer(p, "weight"), "weight");
    read_scheduling(e, p, pi.schedule);
    if (pi.weight) model_.poisson_inputs.push_back(std::move(pi));
  }
}

}  // namespace modelc::frontend::detail
