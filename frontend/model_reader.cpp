#include "frontend/model_reader.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "frontend/parser.h"
#include "frontend/model_reader_impl.h"
#include "ir/quantity_eval.h"

namespace modelc::frontend {

using json = nlohmann::ordered_json;


namespace {

const std::set<std::string> kReserved = {
    "t", "dt", "i", "j", "N", "lastspike", "not_refractory", "xi", "t_in_timesteps", "True", "False",
    "pi", "e", "inf", "and", "or", "not", "delay", "lastupdate", "N_incoming", "N_outgoing"};

// The method names a model may give (for "did you mean" hints); ir::parse_method reads them.
const std::vector<std::string> kMethodNames = {"exact", "linear", "euler", "rk2", "rk4", "exponential_euler", "heun"};

}  // namespace

namespace detail {

bool Reader::check_fields(const json& obj, const std::string& ptr, const std::vector<std::string>& allowed,
                          const std::vector<std::string>& required) {
  if (!obj.is_object()) {
    diags_.error("expected a JSON object, found " + std::string(obj.type_name()), ptr);
    return false;
  }
  bool ok = true;
  for (const auto& [key, value] : obj.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      auto close = support::closest_match(key, allowed);
      std::string allowed_list;
      for (const auto& a : allowed) allowed_list += (allowed_list.empty() ? "" : ", ") + a;
      diags_.error("unknown field '" + key + "'", join_pointer(ptr, key),
                   close ? "did you mean '" + *close + "'?" : "allowed fields here: " + allowed_list);
      ok = false;
    }
  }
  for (const auto& r : required) {
    if (!obj.contains(r)) {
      diags_.error("missing required field '" + r + "'", ptr, "see docs/ir.md for what '" + r + "' holds");
      ok = false;
    }
  }
  return ok;
}

std::optional<Quantity> Reader::quantity(const json& v, const std::string& ptr,
                                         const std::optional<Dimension>& expect, const std::string& what) {
  Quantity q;
  if (v.is_number()) {
    q.value = v.get<double>();
    if (expect) q.dim = *expect;  // a bare number is a value in SI units of the expected dimension
  } else if (v.is_string()) {
    auto src = support::make_source(v.get<std::string>(), ptr);
    int before = diags_.error_count();
    auto e = parse_expression(src, diags_);
    if (!e) return std::nullopt;
    auto r = ir::evaluate_constant(e, [this](const std::string& n) { return lookup(n); }, diags_);
    if (!r || diags_.error_count() != before) return std::nullopt;
    q = *r;
  } else {
    diags_.error(what + " must be a number or a string with units, found " + std::string(v.type_name()), ptr,
                 "write e.g. \"10 ms\"");
    return std::nullopt;
  }
  if (!std::isfinite(q.value)) {
    diags_.error(what + " is not a finite number (it evaluates to " + std::string(std::isnan(q.value) ? "NaN" : "infinity") + ")",
                 ptr, "check for an overflow (such as 1e308*10), a division by zero, or sqrt/log of a value outside its domain");
    return std::nullopt;
  }
  if (expect && !(q.dim == *expect)) {
    diags_.error(what + " must have units of " + expect->to_string() + ", but has " + q.dim.to_string(), ptr,
                 expect->is_dimensionless() ? "remove the unit" : "multiply by a unit, e.g. \"10 ms\"");
    return std::nullopt;
  }
  return q;
}

std::optional<int64_t> Reader::integer(const json& v, const std::string& ptr, const std::string& what,
                                       int64_t min, int64_t max) {
  auto q = quantity(v, ptr, Dimension::dimensionless(), what);
  if (!q) return std::nullopt;
  double r = std::round(q->value);
  if (std::fabs(r - q->value) > 1e-9 * std::max(1.0, std::fabs(q->value))) {
    diags_.error(what + " must be an integer, but is " + std::to_string(q->value), ptr, "use int(...) to round down");
    return std::nullopt;
  }
  if (r < static_cast<double>(min) || r > static_cast<double>(max)) {
    // Only values that fit are printed as integers: casting 1e300 to long long is undefined.
    char text[40];
    if (std::fabs(r) < 9.0e18) std::snprintf(text, sizeof text, "%lld", static_cast<long long>(r));
    else std::snprintf(text, sizeof text, "%.6g", r);
    diags_.error(what + " is " + text + ", outside the allowed range [" +
                     std::to_string(min) + ", " + std::to_string(max) + "]",
                 ptr);
    return std::nullopt;
  }
  return static_cast<int64_t>(r);
}

ir::ExprPtr Reader::expression(const json& v, const std::string& ptr, const std::string& what) {
  if (v.is_number()) return ir::Expr::number_lit(v.get<double>(), v.is_number_integer());
  if (v.is_boolean()) return ir::Expr::bool_lit(v.get<bool>());
  if (!v.is_string()) {
    diags_.error(what + " must be a string holding a Brian2 expression, found " + std::string(v.type_name()), ptr);
    return nullptr;
  }
  return parse_expression(support::make_source(v.get<std::string>(), ptr), diags_);
}

std::vector<ir::Stmt> Reader::statements(const json& v, const std::string& ptr, const std::string& what) {
  std::vector<ir::Stmt> out;
  auto one = [&](const json& s, const std::string& p) {
    if (!s.is_string()) {
      diags_.error(what + " must be a string of statements, found " + std::string(s.type_name()), p);
      return;
    }
    auto stmts = parse_statements(support::make_source(s.get<std::string>(), p), diags_);
    out.insert(out.end(), stmts.begin(), stmts.end());
  };
  if (v.is_array()) {
    for (size_t k = 0; k < v.size(); ++k) one(v[k], join_pointer(ptr, k));
  } else {
    one(v, ptr);
  }
  return out;
}

std::vector<ir::Equation> Reader::equations(const json& v, const std::string& ptr) {
  std::vector<ir::Equation> out;
  auto one = [&](const json& s, const std::string& p) {
    if (!s.is_string()) {
      diags_.error("an equation must be a string, found " + std::string(s.type_name()), p,
                   "write e.g. \"dv/dt = -v/tau : volt\"");
      return;
    }
    auto eqs = parse_equations(support::make_source(s.get<std::string>(), p), diags_);
    out.insert(out.end(), eqs.begin(), eqs.end());
  };
  if (v.is_array()) {
    for (size_t k = 0; k < v.size(); ++k) one(v[k], join_pointer(ptr, k));
  } else {
    one(v, ptr);
  }
  std::set<std::string> seen;
  for (const auto& eq : out) {
    if (!seen.insert(eq.name).second)
      diags_.error_at(eq.name_loc, "variable '" + eq.name + "' is defined twice", "remove one of the definitions");
    else if (is_reserved_name(eq.name) || eq.name.starts_with("_"))
      diags_.error_at(eq.name_loc, "'" + eq.name + "' is a reserved name and cannot be a model variable",
                      "rename the variable");
    else if (support::lookup_unit(eq.name))
      diags_.error_at(eq.name_loc, "'" + eq.name + "' is the name of a unit and cannot be a model variable",
                      "rename the variable");
  }
  return out;
}

bool Reader::name(const json& v, const std::string& ptr, const std::string& what, std::string& out) {
  if (!v.is_string()) {
    diags_.error(what + " must be a string", ptr);
    return false;
  }
  out = v.get<std::string>();
  if (!is_valid_identifier(out)) {
    diags_.error(what + " '" + out + "' is not a valid name", ptr,
                 "names start with a letter and contain only letters, digits and '_'");
    return false;
  }
  // Model-level parameters and constants may be called N, as in Brian2 scripts; inside group code N
  // still means the group's size (built-ins shadow constants), as it does in Brian2.
  bool model_level_N = out == "N" && (what == "parameter name" || what == "constant name");
  if ((is_reserved_name(out) && !model_level_N) || out.starts_with("_")) {
    diags_.error(what + " '" + out + "' is reserved", ptr, "choose another name");
    return false;
  }
  return true;
}

void Reader::named_quantities(const json& obj, const std::string& ptr, std::map<std::string, Quantity>& out,
                              const std::string& what) {
  if (!obj.is_object()) {
    diags_.error(what + " must be an object mapping names to quantities", ptr);
    return;
  }
  scopes_.push_back(&out);  // later entries may refer to earlier ones
  for (const auto& [key, value] : obj.items()) {
    std::string p = join_pointer(ptr, key);
    std::string n;
    if (!name(json(key), p, what + " name", n)) continue;
    if (support::lookup_unit(key)) {
      diags_.error("'" + key + "' is the name of a unit", p, "rename the " + what);
      continue;
    }
    if (auto q = quantity(value, p, std::nullopt, what + " '" + key + "'")) out[key] = *q;
  }
  scopes_.pop_back();
}

std::vector<ir::NamedExpr> Reader::initial_values(const json& obj, const std::string& ptr) {
  std::vector<ir::NamedExpr> out;
  if (!obj.is_object()) {
    diags_.error("'initial' must be an object mapping variable names to expressions", ptr);
    return out;
  }
  for (const auto& [key, value] : obj.items()) {
    std::string p = join_pointer(ptr, key);
    ir::NamedExpr ne;
    ne.name = key;
    ne.json_pointer = p;
    ne.si_number = value.is_number();
    if (is_array_value(value)) {
      // IR v2: one value per neuron / synapse. Dimension checked against the variable later.
      if (model_.ir_version < 2) {
        diags_.error("an array as initial value of '" + key + "' needs IR version 2", p,
                     "set \"modelc_ir\": 2 at the top of the file");
        continue;
      }
      auto a = number_array(value, p, std::nullopt, "initial value of '" + key + "'");
      if (!a) continue;
      if (a->shape.size() != 1) {
        diags_.error("the initial array of '" + key + "' must be one-dimensional", p);
        continue;
      }
      ne.values = std::move(a->values);
      ne.si_number = true;
      out.push_back(std::move(ne));
      continue;
    }
    ne.expr = expression(value, p, "initial value of '" + key + "'");
    if (ne.expr) out.push_back(std::move(ne));
  }
  return out;
}

std::optional<ir::GroupSlice> Reader::slice(const json& v, const std::string& ptr) {
  ir::GroupSlice s;
  s.json_pointer = ptr;
  ir::ExprPtr start, stop;
  if (v.is_object()) {
    if (!check_fields(v, ptr, {"group", "start", "stop"}, {"group"})) return std::nullopt;
    if (!v["group"].is_string()) {
      diags_.error("'group' must be a group name", join_pointer(ptr, "group"));
      return std::nullopt;
    }
    s.group = v["group"].get<std::string>();
    if (v.contains("start")) {
      auto x = integer(v["start"], join_pointer(ptr, "start"), "slice start", 0, INT32_MAX);
      if (!x) return std::nullopt;
      s.start = *x;
    }
    if (v.contains("stop")) {
      auto x = integer(v["stop"], join_pointer(ptr, "stop"), "slice stop", 0, INT32_MAX);
      if (!x) return std::nullopt;
      s.stop = *x;
    }
  } else if (v.is_string()) {
    std::string text = v.get<std::string>();
    size_t br = text.find('[');
    s.group = text.substr(0, br);
    while (!s.group.empty() && s.group.back() == ' ') s.group.pop_back();
    if (br != std::string::npos) {
      size_t close = text.rfind(']');
      size_t colon = text.find(':', br);
      if (close == std::string::npos || close < br || colon == std::string::npos || colon > close ||
          close + 1 != text.size()) {
        diags_.error("malformed group slice '" + text + "'", ptr, "write \"P\", \"P[0:3200]\" or \"P[int(0.8*N):N]\"");
        return std::nullopt;
      }
      auto bound = [&](size_t from, size_t to, int64_t deflt) -> std::optional<int64_t> {
        std::string part = text.substr(from, to - from);
        if (part.find_first_not_of(' ') == std::string::npos) return deflt;
        auto src = support::make_source(text, ptr);
        // Parse just the bound, keeping offsets relative to the whole string for carets.
        auto sub = support::make_source(part, ptr);
        int before = diags_.error_count();
        auto e = parse_expression(sub, diags_);
        if (!e) return std::nullopt;
        auto q = ir::evaluate_constant(e, [this](const std::string& n) { return lookup(n); }, diags_);
        if (!q || diags_.error_count() != before) return std::nullopt;
        if (!q->dim.is_dimensionless() || std::fabs(q->value - std::round(q->value)) > 1e-9) {
          diags_.error("slice bound '" + part + "' must be a dimensionless integer", ptr, "use int(...)");
          return std::nullopt;
        }
        // Checked before the cast: converting inf or 1e30 to int64 is undefined behaviour.
        if (!(std::fabs(q->value) <= static_cast<double>(INT32_MAX))) {
          diags_.error("slice bound '" + part + "' is " + std::to_string(q->value) + ", outside the group sizes modelc supports",
                       ptr, "use 0 <= start < stop <= size");
          return std::nullopt;
        }
        return static_cast<int64_t>(std::round(q->value));
      };
      auto a = bound(br + 1, colon, 0);
      auto b = bound(colon + 1, close, -1);
      if (!a || !b) return std::nullopt;
      s.start = *a;
      s.stop = *b;
    }
  } else {
    diags_.error("a group reference must be a string like \"P[0:3200]\" or an object {\"group\": ...}", ptr);
    return std::nullopt;
  }
  const ir::NeuronGroup* g = model_.find_group(s.group);
  if (!g && unreadable_groups_.count(s.group)) return std::nullopt;  // its own errors say why
  if (!g) {
    std::vector<std::string> names;
    for (const auto& gg : model_.neuron_groups) names.push_back(gg.name);
    auto close = support::closest_match(s.group, names);
    diags_.error("no neuron group named '" + s.group + "'", ptr,
                 close ? "did you mean '" + *close + "'?" : "define it in \"neuron_groups\"");
    return std::nullopt;
  }
  if (s.stop < 0) s.stop = g->size;
  if (s.start < 0 || s.start >= s.stop || s.stop > g->size) {
    diags_.error("slice [" + std::to_string(s.start) + ":" + std::to_string(s.stop) + "] of '" + s.group +
                     "' is empty or outside the group (size " + std::to_string(g->size) + ")",
                 ptr, "use 0 <= start < stop <= size");
    return std::nullopt;
  }
  return s;
}

void Reader::read_simulation(const json& sim, const std::string& ptr) {
  if (!check_fields(sim, ptr, {"dt", "duration", "seed", "precision"}, {"duration"})) return;
  const Dimension time = Dimension::base(2);
  if (sim.contains("dt")) {
    if (auto q = quantity(sim["dt"], join_pointer(ptr, "dt"), time, "dt")) {
      if (q->value <= 0) diags_.error("dt must be positive", join_pointer(ptr, "dt"));
      else model_.dt = q->value;
    }
  }
  if (auto q = quantity(sim["duration"], join_pointer(ptr, "duration"), time, "duration")) {
    if (q->value < 0) diags_.error("duration must not be negative", join_pointer(ptr, "duration"));
    else model_.duration = q->value;
    double steps = model_.duration / model_.dt;
    if (steps > 4.0e9)
      diags_.error("duration / dt is " + std::to_string(steps) + " steps, more than the 2^32 steps supported",
                   join_pointer(ptr, "duration"), "increase dt or split the run");
  }
  if (sim.contains("seed")) {
    const auto& s = sim["seed"];
    if (!s.is_number_integer() || (s.is_number_integer() && !s.is_number_unsigned() && s.get<int64_t>() < 0))
      diags_.error("seed must be a non-negative integer", join_pointer(ptr, "seed"));
    else model_.seed = s.get<uint64_t>();
  }
  if (sim.contains("precision")) {
    const auto& p = sim["precision"];
    if (p == "double") model_.precision = ir::Precision::Double;
    else if (p == "float") model_.precision = ir::Precision::Float;
    else diags_.error("precision must be \"double\" or \"float\"", join_pointer(ptr, "precision"));
  }
}

void Reader::read_neuron_group(const json& g, const std::string& ptr) {
  if (!check_fields(g, ptr,
                    {"name", "size", "equations", "constants", "threshold", "reset", "refractory", "method", "initial",
                     "kind", "rates", "indices", "times", "period", "events", "run_regularly", "links", "order", "schedule"},
                    {"name", "size"}))
    return;
  require_v2(g, ptr, {"kind", "rates", "indices", "times", "period", "events", "run_regularly", "links", "order", "schedule"});
  ir::NeuronGroup group;
  group.json_pointer = ptr;
  if (!name(g["name"], join_pointer(ptr, "name"), "group name", group.name)) return;
  if (auto n = integer(g["size"], join_pointer(ptr, "size"), "group size", 1, INT32_MAX)) group.size = *n;
  else return;
  if (g.contains("constants")) named_quantities(g["constants"], join_pointer(ptr, "constants"), group.constants, "constant");
  if (g.contains("equations")) group.equations = equations(g["equations"], join_pointer(ptr, "equations"));
  if (g.contains("threshold")) group.threshold = expression(g["threshold"], join_pointer(ptr, "threshold"), "threshold");
  if (g.contains("reset")) group.reset = statements(g["reset"], join_pointer(ptr, "reset"), "reset");
  if (g.contains("refractory")) {
    const auto& r = g["refractory"];
    std::string p = join_pointer(ptr, "refractory");
    if (r.is_number()) {
      if (r.get<double>() < 0) diags_.error("refractory period must not be negative", p);
      group.refractory = {ir::Refractory::Kind::Time, ir::Expr::number_lit(r.get<double>())};
    } else if (r.is_boolean()) {
      if (r.get<bool>()) diags_.error("refractory must be a time or an expression, not true", p, "write e.g. \"5 ms\"");
    } else {
      // Time or condition: decided by ResolveNamesPass from the expression's dimension.
      if (auto e = expression(r, p, "refractory")) group.refractory = {ir::Refractory::Kind::Time, e};
    }
  }
  if (g.contains("method")) {
    const auto& m = g["method"];
    std::string p = join_pointer(ptr, "method");
    if (m == "milstein") {
      diags_.error("the 'milstein' method is not supported", p,
                   "use \"euler\" (Euler-Maruyama, Brian2's default for stochastic equations) or \"heun\"");
    } else if (m == "heun" && model_.ir_version < 2) {
      diags_.error("method 'heun' needs IR version 2", p, "set \"modelc_ir\": 2 at the top of the file");
    } else if (!m.is_string() || !ir::parse_method(m.get<std::string>())) {
      auto close = m.is_string() ? support::closest_match(m.get<std::string>(), kMethodNames) : std::nullopt;
      diags_.error("unknown integration method " + m.dump(), p,
                   close ? "did you mean '" + *close + "'?" : "use one of exact, euler, rk2, rk4, exponential_euler");
    } else {
      group.method = *ir::parse_method(m.get<std::string>());
    }
  }
  if (g.contains("initial")) group.initial = initial_values(g["initial"], join_pointer(ptr, "initial"));
  for (const auto& ie : group.initial)
    if (ie.values && static_cast<int64_t>(ie.values->size()) != group.size)
      diags_.error("the initial array of '" + ie.name + "' has " + std::to_string(ie.values->size()) +
                       " values, but the group has " + std::to_string(group.size) + " neurons",
                   ie.json_pointer, "give one value per neuron");
  if (model_.ir_version >= 2) read_neuron_group_features(g, ptr, group);
  model_.neuron_groups.push_back(std::move(group));
}

void Reader::read_synapses(const json& s, const std::string& ptr) {
  if (!check_fields(s, ptr,
                    {"name", "source", "target", "equations", "constants", "on_pre", "delay", "connect", "initial",
                     "on_post", "on_event", "method", "delay_buffering", "connectivity", "propagation", "order", "schedule",
                     "run_regularly"},
                    {"name", "source", "target", "connect"}))
    return;
  if (!require_v2(s, ptr, {"on_post", "on_event", "method", "delay_buffering", "order", "schedule", "run_regularly"})) return;
  if (!s.contains("on_pre") && !s.contains("on_post") && model_.ir_version < 2) {
    diags_.error("missing required field 'on_pre'", ptr,
                 model_.ir_version >= 2 ? "give 'on_pre' and/or 'on_post' statements" : "see docs/ir.md for what 'on_pre' holds");
    return;
  }
  ir::SynapseGroup syn;
  syn.json_pointer = ptr;
  if (!name(s["name"], join_pointer(ptr, "name"), "synapse group name", syn.name)) return;
  auto src = slice(s["source"], join_pointer(ptr, "source"));
  auto tgt = slice(s["target"], join_pointer(ptr, "target"));
  if (!src || !tgt) return;
  syn.source = *src;
  syn.target = *tgt;
  if (s.contains("constants")) named_quantities(s["constants"], join_pointer(ptr, "constants"), syn.constants, "constant");
  if (s.contains("equations")) syn.equations = equations(s["equations"], join_pointer(ptr, "equations"));
  read_pathways(s, ptr, syn);
  if (model_.ir_version >= 2) read_synapse_schedule(s, ptr, syn);
  read_connect(s["connect"], join_pointer(ptr, "connect"), syn);
  if (s.contains("initial")) syn.initial = initial_values(s["initial"], join_pointer(ptr, "initial"));
  if (s.contains("run_regularly")) read_run_regularly(s["run_regularly"], join_pointer(ptr, "run_regularly"), syn.run_regularly);
  if (s.contains("method")) {
    std::string p = join_pointer(ptr, "method");
    if (!s["method"].is_string() || !ir::parse_method(s["method"].get<std::string>()))
      diags_.error("unknown integration method " + s["method"].dump(), p, "use one of exact, euler, rk2, rk4, heun");
    else syn.method = *ir::parse_method(s["method"].get<std::string>());
  }
  if (s.contains("delay_buffering")) {  // checked against the pathways by choose-delay-buffering
    syn.delay_buffering_pointer = join_pointer(ptr, "delay_buffering");
    const json& v = s["delay_buffering"];
    if (!v.is_string() || (v != "auto" && v != "queues" && v != "dendritic"))
      diags_.error("unknown delay buffering " + v.dump(), syn.delay_buffering_pointer,
                   "use \"auto\", \"queues\" or \"dendritic\" (docs/passes.md, Delay buffering)");
    else syn.delay_buffering = *ir::parse_delay_buffering_request(v.get<std::string>());
  }
  if (s.contains("connectivity")) {  // legality and cost are checked by choose-connectivity
    std::string p = join_pointer(ptr, "connectivity");
    static const std::vector<std::string> kStorages = {"auto", "sparse", "dense", "bitmask", "procedural"};
    const json& v = s["connectivity"];
    std::string text = v.is_string() ? v.get<std::string>() : v.dump();
    if (!v.is_string() || std::find(kStorages.begin(), kStorages.end(), text) == kStorages.end()) {
      auto close = support::closest_match(text, kStorages);
      diags_.error("unknown connectivity storage " + v.dump(), p,
                   close ? "did you mean \"" + *close + "\"? (auto, sparse, dense, bitmask, procedural)"
                         : "use \"auto\", \"sparse\", \"dense\", \"bitmask\" or \"procedural\" (docs/passes.md)");
    } else {
      syn.connectivity = *ir::parse_connectivity_request(text);
    }
  }
  if (s.contains("propagation")) {  // legality and cost are checked by choose-connectivity
    const json& v = s["propagation"];
    if (!v.is_string() || !ir::parse_propagation_request(v.get<std::string>()))
      diags_.error("unknown propagation " + v.dump(), join_pointer(ptr, "propagation"),
                   "use \"auto\", \"presynaptic\" or \"postsynaptic\" (docs/passes.md, GPU propagation)");
    else syn.propagation = *ir::parse_propagation_request(v.get<std::string>());
  }
  model_.synapses.push_back(std::move(syn));
}

std::optional<ir::Model> Reader::read(const json& doc, const std::string& file_name) {
  model_.file_name = file_name;
  if (!check_fields(doc, "",
                    {"modelc_ir", "name", "parameters", "simulation", "constants", "neuron_groups", "synapses", "monitors",
                     "description", "timed_arrays", "poisson_inputs"},
                    {"modelc_ir", "name", "simulation", "neuron_groups"}))
    if (!doc.is_object()) return std::nullopt;
  if (doc.contains("modelc_ir")) {
    const auto& v = doc["modelc_ir"];
    if (!v.is_number_integer() || v.get<int64_t>() < ir::kMinIrVersion || v.get<int64_t>() > ir::kIrVersion) {
      diags_.error("unsupported IR version " + v.dump() + "; this modelc reads versions " +
                       std::to_string(ir::kMinIrVersion) + " and " + std::to_string(ir::kIrVersion),
                   "/modelc_ir", "convert the model to IR version " + std::to_string(ir::kIrVersion) + " (docs/ir-v2.md)");
      return std::nullopt;
    }
    model_.ir_version = static_cast<int>(v.get<int64_t>());
  }
  require_v2(doc, "", {"timed_arrays", "poisson_inputs"});
  if (doc.contains("name")) {
    if (!doc["name"].is_string() || doc["name"].get<std::string>().empty()) diags_.error("'name' must be a non-empty string", "/name");
    else model_.name = doc["name"].get<std::string>();
  }
  if (doc.contains("description") && !doc["description"].is_string())
    diags_.error("'description' must be a string", "/description");

  // Parameters, with command-line overrides applied in place so later entries see them.
  scopes_.push_back(&model_.parameters);
  if (doc.contains("parameters")) {
    const auto& params = doc["parameters"];
    if (!params.is_object()) diags_.error("'parameters' must be an object", "/parameters");
    else
      for (const auto& [key, value] : params.items()) {
        std::string p = join_pointer("/parameters", key);
        std::string n;
        if (!name(json(key), p, "parameter name", n)) continue;
        json v = value;
        for (const auto& [ok, ov] : options_.parameter_overrides)
          if (ok == key) v = ov;
        if (auto q = quantity(v, p, std::nullopt, "parameter '" + key + "'")) model_.parameters[key] = *q;
      }
  }
  for (const auto& [ok, ov] : options_.parameter_overrides)
    if (!doc.contains("parameters") || !doc["parameters"].is_object() || !doc["parameters"].contains(ok)) {
      std::vector<std::string> names;
      for (const auto& [n, q] : model_.parameters) names.push_back(n);
      auto close = support::closest_match(ok, names);
      diags_.error("--set " + ok + ": the model has no parameter '" + ok + "'", "/parameters",
                   close ? "did you mean '" + *close + "'?" : "only entries of \"parameters\" can be set");
    }
  if (doc.contains("constants")) named_quantities(doc["constants"], "/constants", model_.constants, "constant");
  scopes_.push_back(&model_.constants);
  if (doc.contains("simulation")) read_simulation(doc["simulation"], "/simulation");
  if (doc.contains("timed_arrays") && model_.ir_version >= 2) read_timed_arrays(doc["timed_arrays"], "/timed_arrays");

  std::set<std::string> names;
  auto unique = [&](const std::string& n, const std::string& ptr) {
    if (!names.insert(n).second) diags_.error("the name '" + n + "' is used twice", ptr, "give every group a unique name");
  };
  if (doc.contains("neuron_groups")) {
    const auto& groups = doc["neuron_groups"];
    if (!groups.is_array() || groups.empty()) diags_.error("'neuron_groups' must be a non-empty array", "/neuron_groups");
    else
      for (size_t k = 0; k < groups.size(); ++k) {
        size_t before = model_.neuron_groups.size();
        read_neuron_group(groups[k], join_pointer("/neuron_groups", k));
        if (model_.neuron_groups.size() > before)
          unique(model_.neuron_groups.back().name, join_pointer("/neuron_groups", k) + "/name");
        else if (groups[k].is_object() && groups[k].contains("name") && groups[k]["name"].is_string())
          unreadable_groups_.insert(groups[k]["name"].get<std::string>());
      }
  }
  if (doc.contains("synapses")) {
    const auto& syns = doc["synapses"];
    if (!syns.is_array()) diags_.error("'synapses' must be an array", "/synapses");
    else
      for (size_t k = 0; k < syns.size(); ++k) {
        size_t before = model_.synapses.size();
        read_synapses(syns[k], join_pointer("/synapses", k));
        if (model_.synapses.size() > before) unique(model_.synapses.back().name, join_pointer("/synapses", k) + "/name");
      }
  }
  if (doc.contains("poisson_inputs") && model_.ir_version >= 2)
    read_poisson_inputs(doc["poisson_inputs"], "/poisson_inputs");
  if (doc.contains("monitors")) {
    const auto& mons = doc["monitors"];
    std::set<std::string> mon_names;
    if (!mons.is_array()) diags_.error("'monitors' must be an array", "/monitors");
    else
      for (size_t k = 0; k < mons.size(); ++k) {
        size_t before = model_.monitors.size();
        read_monitor(mons[k], join_pointer("/monitors", k));
        if (model_.monitors.size() > before && !mon_names.insert(model_.monitors.back().name).second)
          diags_.error("the monitor name '" + model_.monitors.back().name + "' is used twice",
                       join_pointer("/monitors", k) + "/name");
      }
  }
  if (diags_.has_errors()) return std::nullopt;
  return std::move(model_);
}

}  // namespace detail

bool is_valid_identifier(const std::string& n) {
  if (n.empty() || n.size() > 128) return false;
  if (!(std::isalpha(static_cast<unsigned char>(n[0])) || n[0] == '_')) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

bool is_reserved_name(const std::string& n) { return kReserved.count(n) > 0; }

std::optional<ir::Model> read_model_text(const std::string& text, const std::string& file_name,
                                         const ReadOptions& options, DiagnosticEngine& diags) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    // Translate the byte offset into line:column for humans.
    size_t line = 1, col = 1;
    for (size_t k = 0; k + 1 < e.byte && k < text.size(); ++k) {
      if (text[k] == '\n') { ++line; col = 1; } else ++col;
    }
    std::string what = e.what();
    auto pos = what.find("parse error");
    diags.error("invalid JSON at line " + std::to_string(line) + ", column " + std::to_string(col) + ": " +
                    (pos == std::string::npos ? what : what.substr(pos)),
                "", "check for a missing comma, quote or bracket near that position");
    return std::nullopt;
  } catch (const json::exception& e) {
    // Not a syntax error but a value JSON cannot hold (e.g. out_of_range.406 for 1e999).
    std::string what = e.what();
    auto pos = what.find("] ");
    diags.error("invalid JSON: " + (pos == std::string::npos ? what : what.substr(pos + 2)), "",
                "numbers must be finite and fit a double (write very large or infinite values as errors)");
    return std::nullopt;
  }
  detail::Reader reader(diags, options);
  return reader.read(doc, file_name);
}

std::optional<ir::Model> read_model_file(const std::string& path, const ReadOptions& options, DiagnosticEngine& diags) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    diags.error("'" + path + "' is a directory, not a model file", "", "pass the path of a .json model file");
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.error("cannot open model file '" + path + "'", "", "check the path");
    return std::nullopt;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return read_model_text(ss.str(), path, options, diags);
}

}  // namespace modelc::frontend
