#include "ir/model.h"

#include <array>
#include <cmath>
#include <sstream>

namespace modelc::ir {

const char* value_type_name(ValueType t) {
  switch (t) {
    case ValueType::Float: return "float";
    case ValueType::Integer: return "integer";
    case ValueType::Boolean: return "boolean";
  }
  return "float";
}

namespace {

// Name tables of the closed sets, in enum order.
template <typename E, size_t N>
std::string_view name_in(const std::array<std::string_view, N>& names, E e) {
  return names[static_cast<size_t>(e)];
}
template <typename E, size_t N>
std::optional<E> parse_in(const std::array<std::string_view, N>& names, std::string_view text) {
  for (size_t k = 0; k < N; ++k)
    if (names[k] == text) return static_cast<E>(k);
  return std::nullopt;
}

constexpr std::array<std::string_view, 8> kMethodNames = {"auto", "none", "exact", "euler", "rk2", "rk4",
                                                          "exponential_euler", "heun"};
constexpr std::array<std::string_view, 5> kConnectivityNames = {"auto", "sparse", "dense", "bitmask", "procedural"};
constexpr std::array<std::string_view, 3> kDelayBufferingNames = {"auto", "queues", "dendritic"};
constexpr std::array<std::string_view, 3> kPropagationNames = {"auto", "presynaptic", "postsynaptic"};
constexpr std::array<std::string_view, 8> kFlagNames = {"constant",         "shared",       "linked",
                                                        "unless refractory", "constant over dt", "event-driven",
                                                        "clock-driven",     "summed"};

}  // namespace

std::string_view name(Method m) { return name_in(kMethodNames, m); }
std::optional<Method> parse_method(std::string_view text) {
  if (text == "linear") return Method::Exact;  // Brian2's old name of 'exact'
  auto m = parse_in<Method>(kMethodNames, text);
  // Neither is a method a model may ask for: omitting "method" is how one asks for the choice.
  if (m == Method::Auto || m == Method::None) return std::nullopt;
  return m;
}
std::string_view name(ConnectivityRequest c) { return name_in(kConnectivityNames, c); }
std::optional<ConnectivityRequest> parse_connectivity_request(std::string_view text) {
  return parse_in<ConnectivityRequest>(kConnectivityNames, text);
}
std::string_view name(DelayBufferingRequest d) { return name_in(kDelayBufferingNames, d); }
std::optional<DelayBufferingRequest> parse_delay_buffering_request(std::string_view text) {
  return parse_in<DelayBufferingRequest>(kDelayBufferingNames, text);
}
std::string_view name(PropagationRequest p) { return name_in(kPropagationNames, p); }
std::optional<PropagationRequest> parse_propagation_request(std::string_view text) {
  return parse_in<PropagationRequest>(kPropagationNames, text);
}
std::string_view name(EquationFlag f) { return name_in(kFlagNames, f); }
std::optional<EquationFlag> parse_equation_flag(std::string_view text) { return parse_in<EquationFlag>(kFlagNames, text); }
const std::vector<EquationFlag>& all_equation_flags() {
  static const std::vector<EquationFlag> kAll = [] {
    std::vector<EquationFlag> v;
    for (size_t k = 0; k < kFlagNames.size(); ++k) v.push_back(static_cast<EquationFlag>(k));
    return v;
  }();
  return kAll;
}

bool Equation::has_flag(EquationFlag f) const {
  for (auto x : flags)
    if (x == f) return true;
  return false;
}

std::string to_string(const Equation& eq) {
  std::string s;
  switch (eq.kind) {
    case Equation::Kind::Differential: s = "d" + eq.name + "/dt = " + to_string(eq.expr); break;
    case Equation::Kind::Subexpression: s = eq.name + " = " + to_string(eq.expr); break;
    case Equation::Kind::Parameter: s = eq.name; break;
  }
  s += " : " + (eq.unit_text.empty() ? eq.dim.to_string() : eq.unit_text);
  if (!eq.flags.empty()) {
    s += " (";
    for (size_t k = 0; k < eq.flags.size(); ++k) s += (k ? ", " : "") + std::string(name(eq.flags[k]));
    s += ")";
  }
  return s;
}

const Equation* NeuronGroup::find_equation(const std::string& n) const {
  for (const auto& eq : equations)
    if (eq.name == n) return &eq;
  return nullptr;
}

const Equation* SynapseGroup::find_equation(const std::string& n) const {
  for (const auto& eq : equations)
    if (eq.name == n) return &eq;
  return nullptr;
}

int64_t Model::steps() const { return static_cast<int64_t>(std::llround(duration / dt)); }

const Pathway* SynapseGroup::find_pathway(const std::string& n) const {
  for (const auto& p : pathways)
    if (p.name == n) return &p;
  return nullptr;
}

const SynapseGroup* Model::find_synapses(const std::string& n) const {
  for (const auto& s : synapses)
    if (s.name == n) return &s;
  return nullptr;
}

const TimedArray* Model::find_timed_array(const std::string& n) const {
  for (const auto& t : timed_arrays)
    if (t.name == n) return &t;
  return nullptr;
}

NeuronGroup* Model::find_group(const std::string& n) {
  for (auto& g : neuron_groups)
    if (g.name == n) return &g;
  return nullptr;
}
const NeuronGroup* Model::find_group(const std::string& n) const {
  for (const auto& g : neuron_groups)
    if (g.name == n) return &g;
  return nullptr;
}

static std::string quantity_text(const Quantity& q) {
  std::ostringstream o;
  o.precision(17);
  o << q.value;
  if (!q.dim.is_dimensionless()) o << " [" << q.dim.to_string() << "]";
  return o.str();
}

static void print_run_regularly(std::ostream& o, const std::vector<RunRegularly>& entries) {
  for (const auto& rr : entries) {
    o << "    run_regularly every=" << rr.every_steps << " when=" << rr.schedule.when.value_or("start");
    if (rr.schedule.order) o << " order=" << *rr.schedule.order;
    o << "\n";
    for (const auto& st : rr.code) o << "      code " << to_string(st) << "\n";
  }
}

static std::string slice_text(const GroupSlice& s) {
  return s.group + "[" + std::to_string(s.start) + ":" + std::to_string(s.stop) + "]";
}

std::string to_string(const Model& m) {
  std::ostringstream o;
  o << "model " << m.name << " (ir v" << m.ir_version << ")\n";
  o << "  dt = " << m.dt << " s, duration = " << m.duration << " s, steps = " << m.steps()
    << ", seed = " << m.seed << ", precision = " << (m.precision == Precision::Double ? "double" : "float")
    << "\n";
  for (const auto& [n, q] : m.parameters) o << "  parameter " << n << " = " << quantity_text(q) << "\n";
  for (const auto& [n, q] : m.constants) o << "  constant " << n << " = " << quantity_text(q) << "\n";
  for (const auto& g : m.neuron_groups) {
    o << "  neuron_group " << g.name << " size=" << g.size;
    if (g.method != Method::Auto) o << " method=" << name(g.method);
    if (g.chosen_method != Method::Auto) o << " chosen_method=" << name(g.chosen_method);
    o << "\n";
    for (const auto& [n, q] : g.constants) o << "    constant " << n << " = " << quantity_text(q) << "\n";
    for (const auto& eq : g.equations) o << "    eq " << to_string(eq) << "\n";
    if (g.threshold) o << "    threshold " << to_string(g.threshold) << "\n";
    for (const auto& s : g.reset) o << "    reset " << to_string(s) << "\n";
    if (g.refractory.kind != Refractory::Kind::None)
      o << "    refractory " << (g.refractory.kind == Refractory::Kind::Time ? "time " : "condition ")
        << to_string(g.refractory.expr) << "\n";
    for (const auto& ie : g.initial) o << "    initial " << ie.name << " = " << to_string(ie.expr) << "\n";
    for (const auto& s : g.state_update) o << "    update " << to_string(s) << "\n";
    // IR v2 additions (only printed when used, so v1 dumps stay unchanged).
    if (g.kind == NeuronGroup::Kind::Poisson) o << "    poisson rates=" << to_string(g.rates) << "\n";
    if (g.kind == NeuronGroup::Kind::SpikeGenerator)
      o << "    spike_generator spikes=" << g.generator_indices.size() << " period=" << g.generator_period << "\n";
    for (const auto& ev : g.events) {
      o << "    event " << ev.name << " condition=" << to_string(ev.condition) << (ev.refractory ? " refractory" : "") << "\n";
      for (const auto& st : ev.code) o << "      code " << to_string(st) << "\n";
    }
    print_run_regularly(o, g.run_regularly);
    for (const auto& l : g.links) o << "    link " << l.variable << " -> " << l.group << "." << l.source_variable << "\n";
  }
  for (const auto& s : m.synapses) {
    o << "  synapses " << s.name << " " << slice_text(s.source) << " -> " << slice_text(s.target);
    if (s.delay) o << " delay=" << s.delay->value;
    o << "\n";
    for (const auto& [n, q] : s.constants) o << "    constant " << n << " = " << quantity_text(q) << "\n";
    for (const auto& eq : s.equations) o << "    eq " << to_string(eq) << "\n";
    switch (s.connect.kind) {
      case ConnectSpec::Kind::Probability:
        o << "    connect p=" << (s.connect.p ? to_string(s.connect.p) : "1");
        if (s.connect.condition) o << " condition=" << to_string(s.connect.condition);
        o << "\n";
        break;
      case ConnectSpec::Kind::OneToOne: o << "    connect one_to_one\n"; break;
      case ConnectSpec::Kind::AllToAll: o << "    connect all_to_all\n"; break;
      case ConnectSpec::Kind::Explicit: o << "    connect explicit (" << s.connect.i.size() << " pairs)\n"; break;
      case ConnectSpec::Kind::Generator: {
        const ConnectGenerator& g = s.connect.generator;
        o << "    connect j=" << to_string(g.element);
        auto e = [](const ExprPtr& x) { return x ? to_string(x) : std::string("-"); };
        if (g.iterator == ConnectGenerator::Iterator::Range)
          o << " for " << g.variable << " in range(" << e(g.low) << ", " << e(g.high) << ", " << e(g.step) << ")";
        else if (g.iterator != ConnectGenerator::Iterator::None)
          o << " for " << g.variable << " in sample(" << e(g.low) << ", " << e(g.high) << ", " << e(g.step)
            << (g.iterator == ConnectGenerator::Iterator::SampleP ? ", p=" + e(g.p) : ", size=" + e(g.size)) << ")";
        if (g.condition) o << " if " << to_string(g.condition);
        if (s.connect.skip_if_invalid) o << " skip_if_invalid";
        o << "\n";
        break;
      }
    }
    if (s.connect.n) o << "    connect n=" << to_string(s.connect.n) << "\n";
    for (const auto& st : s.on_pre) o << "    on_pre " << to_string(st) << "\n";
    for (const auto& ie : s.initial)
      o << "    initial " << ie.name << " = " << (ie.expr ? to_string(ie.expr) : "array[" + std::to_string(ie.values ? ie.values->size() : 0) + "]") << "\n";
    // IR v2 additions.
    if (!(s.pathways.size() == 1 && s.pathways[0].name == "pre" && !s.pathways[0].heterogeneous_delay() &&
          s.pathways[0].event == "spike")) {
      for (const auto& p : s.pathways) {
        o << "    pathway " << p.name << (p.post ? " post" : " pre") << " event=" << p.event;
        if (p.delay) o << " delay=" << p.delay->value;
        if (p.delay_expr) o << " delay=" << to_string(p.delay_expr);
        if (p.delay_values) o << " delay=array[" << p.delay_values->size() << "]";
        o << "\n";
        for (const auto& st : p.event_driven_update) o << "      lazy " << to_string(st) << "\n";
        for (const auto& st : p.code) o << "      code " << to_string(st) << "\n";
      }
    }
    if (s.chosen_method != Method::Auto) o << "    chosen_method=" << name(s.chosen_method) << "\n";
    for (const auto& st : s.state_update) o << "    update " << to_string(st) << "\n";
    print_run_regularly(o, s.run_regularly);
  }
  for (const auto& mon : m.monitors) {
    const char* kind = mon.kind == Monitor::Kind::Spikes ? "spikes" : mon.kind == Monitor::Kind::State ? "state" : "rate";
    o << "  monitor " << mon.name << " " << kind << " " << slice_text(mon.source);
    for (const auto& v : mon.variables) o << " " << v;
    if (mon.indices) o << " indices=" << mon.indices->size();
    if (mon.every != 1) o << " every=" << mon.every;
    if (mon.event != "spike") o << " event=" << mon.event;
    if (mon.synapses) o << " synapses=" << mon.synapse_group;
    o << "\n";
  }
  for (const auto& ta : m.timed_arrays)
    o << "  timed_array " << ta.name << " " << ta.rows << "x" << ta.columns << (ta.two_d ? " 2d" : " 1d") << " dt=" << ta.dt
      << "\n";
  for (const auto& pi : m.poisson_inputs)
    o << "  poisson_input " << pi.name << " -> " << slice_text(pi.target) << "." << pi.variable << " N=" << pi.n
      << " rate=" << pi.rate << " weight=" << to_string(pi.weight) << "\n";
  return o.str();
}

std::vector<MonitorField> monitor_fields(Monitor::Kind kind, const std::vector<std::string>& variables) {
  std::vector<MonitorField> out;
  switch (kind) {
    case Monitor::Kind::Spikes: out = {{"i", "neuron indices"}, {"t", "event times"}}; break;
    case Monitor::Kind::State: out = {{"t", "sample times"}, {"indices", "recorded indices"}}; break;
    case Monitor::Kind::Rate: return {{"t", "step times"}, {"rate", "rates"}};
  }
  for (const auto& v : variables) out.push_back({v, "variable " + v});
  return out;
}

}  // namespace modelc::ir
