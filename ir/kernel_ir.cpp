#include "ir/kernel_ir.h"

#include "ir/kernel_ir_traversal.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace modelc::kir {

const char* type_name(Type t) {
  switch (t) {
    case Type::Bool: return "bool";
    case Type::Int32: return "int32";
    case Type::Int64: return "int64";
    case Type::Float: return "float";
    case Type::Double: return "double";
  }
  return "?";
}

bool is_floating(Type t) { return t == Type::Float || t == Type::Double; }

template <class T>
static const T* find_named(const std::vector<T>& v, const std::string& name) {
  for (const auto& x : v)
    if (x.name == name) return &x;
  return nullptr;
}

const Buffer* Program::find_buffer(const std::string& name) const { return find_named(buffers, name); }
const Population* Program::find_population(const std::string& name) const {
  return find_named(populations, name);
}
const SynapseGroup* Program::find_synapse_group(const std::string& name) const {
  return find_named(synapse_groups, name);
}
const EventList* Population::find_event(const std::string& name) const { return find_named(events, name); }
const char* storage_name(Connectivity::Storage s) {
  switch (s) {
    case Connectivity::Storage::Sparse: return "sparse";
    case Connectivity::Storage::Dense: return "dense";
    case Connectivity::Storage::Bitmask: return "bitmask";
    case Connectivity::Storage::Procedural: return "procedural";
  }
  return "sparse";
}

const SynapseGroup::Pathway* SynapseGroup::find_pathway(const std::string& name) const {
  return find_named(pathways, name);
}

// --- builders ------------------------------------------------------------------------------------

static std::shared_ptr<Expr> make(Expr::Kind k, Type t) {
  auto e = std::make_shared<Expr>();
  e->kind = k;
  e->type = t;
  return e;
}

ExprP lit(double v, Type t) {
  auto e = make(Expr::Kind::Literal, t);
  // Keep both fields consistent so a consumer that reads the "wrong" one still sees the value.
  if (is_floating(t)) {
    e->f = t == Type::Float ? static_cast<double>(static_cast<float>(v)) : v;
    // Out-of-range float-to-int conversion is undefined: only mirror values an int64 can hold.
    e->i = std::fabs(v) < 9.2e18 ? static_cast<int64_t>(v) : 0;
  } else if (t == Type::Bool) {
    e->b = v != 0.0;
    e->i = e->b;
    e->f = e->b;
  } else {
    e->i = std::fabs(v) < 9.2e18 ? static_cast<int64_t>(v) : (v < 0 ? INT64_MIN : INT64_MAX);
    e->f = static_cast<double>(e->i);
  }
  return e;
}

ExprP lit_int(int64_t v, Type t) {
  auto e = make(Expr::Kind::Literal, t);
  e->i = v;
  e->f = static_cast<double>(v);
  e->b = v != 0;
  return e;
}

ExprP lit_bool(bool v) {
  auto e = make(Expr::Kind::Literal, Type::Bool);
  e->b = v;
  e->i = v;
  e->f = v;
  return e;
}

ExprP builtin(const std::string& name, Type t) {
  auto e = make(Expr::Kind::Builtin, t);
  e->name = name;
  return e;
}

ExprP local(const std::string& name, Type t) {
  auto e = make(Expr::Kind::Local, t);
  e->name = name;
  return e;
}

ExprP load(const std::string& buffer, Type t, ExprP index) {
  auto e = make(Expr::Kind::Load, t);
  e->name = buffer;
  e->args = {std::move(index)};
  return e;
}

ExprP unary(ir::Op op, ExprP a, Type t) {
  auto e = make(Expr::Kind::Unary, t);
  e->op = op;
  e->args = {std::move(a)};
  return e;
}

ExprP binary(ir::Op op, ExprP a, ExprP b, Type t) {
  auto e = make(Expr::Kind::Binary, t);
  e->op = op;
  e->args = {std::move(a), std::move(b)};
  return e;
}

ExprP call(const std::string& fn, std::vector<ExprP> args, Type t) {
  auto e = make(Expr::Kind::Call, t);
  e->name = fn;
  e->args = std::move(args);
  return e;
}

ExprP select(ExprP c, ExprP a, ExprP b, Type t) {
  auto e = make(Expr::Kind::Select, t);
  e->args = {std::move(c), std::move(a), std::move(b)};
  return e;
}

ExprP cast(ExprP a, Type t) {
  auto e = make(Expr::Kind::Cast, t);
  e->args = {std::move(a)};
  return e;
}

size_t Program::step_kernel_count() const {
  size_t n = 0;
  for (const auto& t : step_tasks) n += t.kind == Task::Kind::RunKernel;
  return n;
}

std::optional<double> constant_number(const ExprP& e) {
  if (!e) return std::nullopt;
  if (e->kind == Expr::Kind::Cast && !e->args.empty() && is_floating(e->type)) return constant_number(e->args[0]);
  if (e->kind != Expr::Kind::Literal) return std::nullopt;
  if (e->type == Type::Bool) return e->b ? 1.0 : 0.0;
  return is_floating(e->type) ? e->f : static_cast<double>(e->i);
}

void collect_loads(const ExprP& e, std::set<std::string>& out) {
  walk(e, [&](const Expr& x) {
    if (x.kind == Expr::Kind::Load) out.insert(x.name);
    return WalkResult::Advance;
  });
}

void collect_accesses(const Block& b, BufferAccesses& out) {
  walk(b, [&](const Stmt& s) {
    collect_loads(s.index, out.loads);
    collect_loads(s.value, out.loads);
    if (s.kind == Stmt::Kind::Store || s.kind == Stmt::Kind::Accumulate) out.stores.insert(s.name);
    if (s.kind == Stmt::Kind::Accumulate) out.accumulates.insert(s.name);
    if (s.kind == Stmt::Kind::EmitSpike) out.emits = true;
    return WalkResult::Advance;
  });
}

ExprP random(const std::string& dist, uint32_t stream, Type t) {
  auto e = make(Expr::Kind::Random, t);
  e->name = dist;
  e->stream = stream;
  return e;
}

// --- text dump -----------------------------------------------------------------------------------
// The dump is for humans and golden tests: fully parenthesised binary operations (no precedence
// to get wrong), shortest round-tripping literals, C-like operator spellings.

static std::string shortest_double(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[40];
  std::string s;
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  s = buf;
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

static const char* op_text(ir::Op op) {
  switch (op) {
    case ir::Op::Not: return "!";
    case ir::Op::And: return "&&";
    case ir::Op::Or: return "||";
    default: return ir::op_spelling(op);
  }
}

std::string to_string(const Expr& e) {
  auto arg = [&](size_t k) { return k < e.args.size() && e.args[k] ? to_string(*e.args[k]) : "<null>"; };
  switch (e.kind) {
    case Expr::Kind::Literal:
      switch (e.type) {
        case Type::Bool: return e.b ? "true" : "false";
        case Type::Int32:
        case Type::Int64: return std::to_string(e.i);
        case Type::Float: return shortest_double(static_cast<float>(e.f)) + "f";
        case Type::Double: return shortest_double(e.f);
      }
      return "?";
    case Expr::Kind::Local:
    case Expr::Kind::Builtin: return e.name;
    case Expr::Kind::Load: return e.name + "[" + arg(0) + "]";
    case Expr::Kind::Unary: return std::string("(") + op_text(e.op) + arg(0) + ")";
    case Expr::Kind::Binary: return "(" + arg(0) + " " + op_text(e.op) + " " + arg(1) + ")";
    case Expr::Kind::Call: {
      std::string s = e.name + "(";
      for (size_t k = 0; k < e.args.size(); ++k) s += (k ? ", " : "") + arg(k);
      return s + ")";
    }
    case Expr::Kind::Select: return "select(" + arg(0) + ", " + arg(1) + ", " + arg(2) + ")";
    case Expr::Kind::Cast: return std::string(type_name(e.type)) + "(" + arg(0) + ")";
    case Expr::Kind::Random: {
      std::string s = "rand_" + e.name + "<" + type_name(e.type) + ">(stream=" + std::to_string(e.stream);
      for (size_t k = 0; k < e.args.size(); ++k) s += ", " + arg(k);
      return s + ")";
    }
  }
  return "?";
}

static std::string str(const ExprP& e) { return e ? to_string(*e) : "<null>"; }

static void dump_block(const Block& b, int depth, std::string& out) {
  std::string ind(2 * depth, ' ');
  for (const auto& s : b) {
    switch (s.kind) {
      case Stmt::Kind::Declare:
        out += ind + type_name(s.type) + " " + s.name;
        if (s.value) out += " = " + str(s.value);
        out += ";\n";
        break;
      case Stmt::Kind::Assign: out += ind + s.name + " = " + str(s.value) + ";\n"; break;
      case Stmt::Kind::Store:
        out += ind + s.name + "[" + str(s.index) + "] = " + str(s.value) + ";\n";
        break;
      case Stmt::Kind::Accumulate:
        out += ind + s.name + "[" + str(s.index) + "] " + op_text(s.op) + "= " + str(s.value) + ";";
        out += s.conflicting ? "  // conflicting\n" : "\n";
        break;
      case Stmt::Kind::If:
        out += ind + "if (" + str(s.value) + ") {\n";
        dump_block(s.then_body, depth + 1, out);
        if (!s.else_body.empty()) {
          out += ind + "} else {\n";
          dump_block(s.else_body, depth + 1, out);
        }
        out += ind + "}\n";
        break;
      case Stmt::Kind::EmitSpike: out += ind + "emit_spike(" + str(s.index) + ");\n"; break;
    }
  }
}

static const char* role_text(BufferRole r) {
  switch (r) {
    case BufferRole::NeuronState: return "state";
    case BufferRole::SynapseState: return "synapse state";
    case BufferRole::Internal: return "internal";
    case BufferRole::Table: return "table";
    case BufferRole::DelayRing: return "delay ring";
  }
  return "?";
}

static std::string connect_text(const ConnectRule& c) {
  switch (c.kind) {
    case ConnectRule::Kind::Probability: {
      std::string s = "probability p=" + (c.p ? str(c.p) : std::string("1"));
      if (c.condition) s += " condition=" + str(c.condition);
      s += " stream=" + std::to_string(c.stream);
      s += c.depends_on_j ? " sampling=per-pair" : " sampling=geometric";
      if (c.n) s += " n=" + str(c.n);  // IR v2
      return s;
    }
    case ConnectRule::Kind::OneToOne: return "one_to_one";
    case ConnectRule::Kind::AllToAll: return "all_to_all";
    case ConnectRule::Kind::Explicit: return "explicit pairs=" + std::to_string(c.explicit_i.size());
    case ConnectRule::Kind::Generator: {  // IR v2
      const auto& g = c.generator;
      auto e = [](const ExprP& x) { return x ? str(x) : std::string("-"); };
      static const char* kIter[] = {"none", "range", "sample_p", "sample_size"};
      std::string out = std::string("generator ") + kIter[static_cast<int>(g.iterator)] + " var=" + g.variable +
                        " low=" + e(g.low) + " high=" + e(g.high) + " step=" + e(g.step);
      if (g.p) out += " p=" + e(g.p);
      if (g.size) out += " size=" + e(g.size);
      out += " element=" + e(g.element);
      if (g.condition) out += " condition=" + e(g.condition);
      if (c.n) out += " n=" + str(c.n);
      if (c.skip_if_invalid) out += " skip_if_invalid";
      return out + " stream=" + std::to_string(c.stream);
    }
  }
  return "?";
}

static std::string domain_text(const Domain& d) {
  switch (d.kind) {
    case Domain::Kind::Neurons: return "neurons(" + d.population + ")";
    case Domain::Kind::Spikes: return "spikes(" + d.population + ")";
    case Domain::Kind::SynapticEvents: return "synaptic_events(" + d.synapses + ")";
    case Domain::Kind::Synapses: return "synapses(" + d.synapses + ")";
    case Domain::Kind::PostSynapticEvents: return "post_synaptic_events(" + d.synapses + ")";
    case Domain::Kind::QueuedEvents: return "queued_events(" + d.synapses + ")";
    case Domain::Kind::SpikeGenerator: return "spike_generator(" + d.population + ")";
    case Domain::Kind::DendriticEvents: return "dendritic_events(" + d.synapses + ")";
    case Domain::Kind::DendriticDrain: return "dendritic_drain(" + d.synapses + ")";
  }
  return "?";
}

// IR v2 qualifiers of a domain, appended so v1 dumps keep their exact text.
static std::string domain_extra(const Domain& d) {
  std::string s;
  if (!d.pathway.empty() && d.pathway != "pre") s += " pathway=" + d.pathway;
  if (!d.event.empty() && d.event != "spike") s += " event=" + d.event;
  if (d.size > 0) s += " range=[" + std::to_string(d.offset) + ":" + std::to_string(d.offset + d.size) + "]";
  return s;
}

static std::string join_ints(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t k = 0; k < v.size(); ++k) s += (k ? ", " : "") + std::to_string(v[k]);
  return s + "]";
}

std::string to_string(const Program& p) {
  std::string out;
  out += "program " + p.model_name + " scalar=" + type_name(p.scalar) + " dt=" + shortest_double(p.dt) +
         " steps=" + std::to_string(p.steps) + " seed=" + std::to_string(p.seed) + "\n";
  for (const auto& b : p.buffers) {
    out += "buffer " + b.name + " : " + type_name(b.type) + "[" +
           (b.role == BufferRole::SynapseState && b.size == 0 ? std::string("synapses")
            : b.role == BufferRole::DelayRing                  ? "depth x " + std::to_string(b.size)
                                                               : std::to_string(b.size)) +
           "] (" + role_text(b.role) + " of " + b.owner + "." + b.variable;
    if (!b.unit.empty()) out += ", " + b.unit;
    if (!b.init_values.empty()) out += " init_values=" + std::to_string(b.init_values.size());
    out += ")\n";
  }
  for (const auto& pop : p.populations) {
    out += "population " + pop.name + " size=" + std::to_string(pop.size) + " history=" + std::to_string(pop.history);
    for (const auto& ev : pop.events) out += " event=" + ev.name + "(history=" + std::to_string(ev.history) + ")";
    if (pop.generator)
      out += " generator=" + std::to_string(pop.generator->steps.size()) + " period=" +
             std::to_string(pop.generator->period_steps);
    out += "\n";
  }
  for (const auto& g : p.synapse_groups) {
    out += "synapses " + g.name + " : " + g.source + "[" + std::to_string(g.source_offset) + ":" +
           std::to_string(g.source_offset + g.source_size) + "] -> " + g.target + "[" +
           std::to_string(g.target_offset) + ":" + std::to_string(g.target_offset + g.target_size) +
           "] delay=" + std::to_string(g.delay_steps) + " connect=" + connect_text(g.connect);
    bool v1 = g.pathways.size() == 1 && g.pathways[0].name == "pre" && !g.pathways[0].post &&
              g.pathways[0].event == "spike" && g.pathways[0].delay_buffer.empty();
    if (!v1)
      for (const auto& pw : g.pathways)
        out += " pathway=" + pw.name + "(" + (pw.post ? "post" : "pre") + ", event=" + pw.event + ", delay=" +
               (pw.delay_buffer.empty() ? std::to_string(pw.delay_steps) : "buffer " + pw.delay_buffer) +
               (pw.buffering == SynapseGroup::Pathway::Buffering::Dendritic
                    ? ", buffering=dendritic ring=" + pw.ring_buffer + " target=" + pw.ring_target +
                          (pw.ring_guarded ? " guard=" + pw.ring_guard : std::string()) + " max_delay_steps=" +
                          (pw.max_delay_steps_estimate < 0 ? std::string("unknown") : std::to_string(pw.max_delay_steps_estimate))
                    : std::string()) +
               ")";
    if (g.needs_transpose) out += " transposed";
    const Connectivity& cn = g.connectivity;
    out += std::string(" storage=") + storage_name(cn.storage);
    if (cn.storage == Connectivity::Storage::Sparse)
      out += "(u" + std::to_string(cn.index_bits) + (cn.keep_pre ? ", pre" : ", no pre") + ")";
    out += " propagation=" + cn.propagation;
    out += "\n";
  }
  for (const auto& m : p.monitors) {
    const char* kind = m.kind == Monitor::Kind::Spikes ? "spikes" : m.kind == Monitor::Kind::State ? "state" : "rate";
    out += "monitor " + m.name + " : " + kind + " " + m.population + "[" + std::to_string(m.offset) + ":" +
           std::to_string(m.offset + m.size) + "]";
    if (m.kind != Monitor::Kind::Rate) out += " indices=" + (m.indices.empty() ? std::string("all") : join_ints(m.indices));
    if (!m.event.empty()) out += " event=" + m.event;
    if (!m.synapses.empty()) out += " synapses=" + m.synapses;
    if (m.kind == Monitor::Kind::Spikes && !m.buffers.empty()) {
      out += " vars=";
      for (size_t k = 0; k < m.buffers.size(); ++k) out += (k ? "," : "") + m.buffers[k];
    }
    if (m.kind == Monitor::Kind::State) {
      out += " vars=";
      for (size_t k = 0; k < m.buffers.size(); ++k) {
        out += (k ? "," : "") + m.buffers[k];
        if (k < m.units.size() && !m.units[k].empty()) out += "(" + m.units[k] + ")";
      }
      out += " every=" + std::to_string(m.every);
    }
    out += "\n";
  }
  for (const auto& k : p.kernels) {
    out += "kernel " + k.name + " over " + domain_text(k.domain) + domain_extra(k.domain) +
           (k.emits_spikes ? " emits_spikes" : "") + (k.event.empty() ? "" : " event=" + k.event) +
           (k.every_steps > 1 ? " every=" + std::to_string(k.every_steps) : "");
    if (!k.fused_from.empty()) {
      out += " fused=[";
      for (size_t f = 0; f < k.fused_from.size(); ++f) out += (f ? "," : "") + k.fused_from[f];
      out += "]";
    }
    out += " {\n";
    dump_block(k.body, 1, out);
    for (const auto& br : k.dispatch) {
      out += "  dispatch " + br.synapses + " (was " + br.kernel + ") {\n";
      dump_block(br.body, 2, out);
      out += "  }\n";
    }
    for (const auto& mb : k.merged) {  // merge-neuron-groups
      out += "  member " + mb.population + " (was " + mb.kernel + ")";
      for (const auto& [from, to] : mb.buffer_renames) out += " " + from + "->" + to;
      if (!mb.params.empty()) {
        out += " params=[";
        for (size_t q = 0; q < mb.params.size(); ++q) out += (q ? ", " : "") + (mb.params[q] ? to_string(*mb.params[q]) : "?");
        out += "]";
      }
      out += "\n";
    }
    out += "}\n";
  }
  auto kernel_name = [&](size_t idx) { return idx < p.kernels.size() ? p.kernels[idx].name : "<bad kernel " + std::to_string(idx) + ">"; };
  auto monitor_name = [&](size_t idx) { return idx < p.monitors.size() ? p.monitors[idx].name : "<bad monitor " + std::to_string(idx) + ">"; };
  out += "init:";
  for (size_t k = 0; k < p.init_kernels.size(); ++k) out += (k ? ", " : " ") + kernel_name(p.init_kernels[k]);
  out += "\nstep:";
  for (size_t k = 0; k < p.step_tasks.size(); ++k) {
    const Task& t = p.step_tasks[k];
    out += k ? "; " : " ";
    switch (t.kind) {
      case Task::Kind::RecordState: out += "record_state " + monitor_name(t.index); break;
      case Task::Kind::RunKernel: out += "run " + kernel_name(t.index); break;
      case Task::Kind::RecordSpikes: out += "record_spikes " + monitor_name(t.index); break;
    }
  }
  out += "\n";
  if (!p.exchanges.empty()) {
    // Only partitioned programs print these lines, so golden dumps of the others are unchanged.
    out += "partition: window=" + std::to_string(p.exchange_window) + " replicated=[";
    bool first = true;
    for (const auto& pop : p.populations)
      if (pop.replicated) out += (first ? "" : ", ") + pop.name, first = false;
    out += "]\n";
    for (const auto& x : p.exchanges) {
      out += "exchange before " +
             (x.before_task < p.step_tasks.size() ? "task " + std::to_string(x.before_task) : std::string("end of step")) + ":";
      for (const auto& e : x.events) out += " " + e.population + "." + e.event;
      out += "\n";
    }
  }
  return out;
}

}  // namespace modelc::kir
