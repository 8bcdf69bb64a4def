#include "ir/kernel_ir_verifier.h"

#include <map>
#include <set>

#include "ir/kernel_ir_traversal.h"

namespace modelc::kir {
namespace {

bool is_integer(Type t) { return t == Type::Int32 || t == Type::Int64; }

std::string q(const std::string& s) { return "'" + s + "'"; }

const char* domain_name(Domain::Kind k) {
  switch (k) {
    case Domain::Kind::Neurons: return "Neurons";
    case Domain::Kind::Spikes: return "Spikes";
    case Domain::Kind::SynapticEvents: return "SynapticEvents";
    case Domain::Kind::Synapses: return "Synapses";
    case Domain::Kind::PostSynapticEvents: return "PostSynapticEvents";
    case Domain::Kind::QueuedEvents: return "QueuedEvents";
    case Domain::Kind::SpikeGenerator: return "SpikeGenerator";
    case Domain::Kind::DendriticEvents: return "DendriticEvents";
    case Domain::Kind::DendriticDrain: return "DendriticDrain";
  }
  return "?";
}

bool synapse_domain(Domain::Kind k) {
  return k == Domain::Kind::SynapticEvents || k == Domain::Kind::Synapses || k == Domain::Kind::PostSynapticEvents ||
         k == Domain::Kind::QueuedEvents || k == Domain::Kind::DendriticEvents || k == Domain::Kind::DendriticDrain;
}

class Verifier {
 public:
  Verifier(const Program& p, size_t max) : p_(p), max_(max) {}

  std::vector<std::string> run() {
    buffers();
    populations();
    synapse_groups();
    monitors();
    unique(p_.kernels, "kernel");
    for (const auto& k : p_.kernels) kernel(k);
    schedule();
    return std::move(problems_);
  }

 private:
  void problem(std::string s) {
    if (problems_.size() < max_) problems_.push_back(std::move(s));
  }
  template <class T>
  void unique(const std::vector<T>& v, const char* what) {
    std::set<std::string> seen;
    for (const auto& x : v) {
      if (x.name.empty()) problem(std::string("a ") + what + " has no name");
      else if (!seen.insert(x.name).second) problem(std::string("two ") + what + "s are named " + q(x.name));
    }
  }
  bool event_exists(const Population& pop, const std::string& event) const {
    return event.empty() || event == "spike" || pop.find_event(event);
  }

  void buffers() {
    unique(p_.buffers, "buffer");
    for (const auto& b : p_.buffers) {
      const std::string w = "buffer " + q(b.name);
      const Population* pop = p_.find_population(b.owner);
      const SynapseGroup* sg = p_.find_synapse_group(b.owner);
      if (b.size < 0) problem(w + " has negative size " + std::to_string(b.size));
      switch (b.role) {
        case BufferRole::NeuronState:
          if (!pop) problem(w + " (neuron state) belongs to unknown population " + q(b.owner));
          else if (b.size != pop->size && b.size != 1)
            problem(w + " (neuron state) has " + std::to_string(b.size) + " elements, population " + q(pop->name) +
                    " has " + std::to_string(pop->size));
          break;
        case BufferRole::SynapseState:
          if (!sg) problem(w + " (synapse state) belongs to unknown synapse group " + q(b.owner));
          break;
        case BufferRole::DelayRing:
          if (!sg) problem(w + " (delay ring) belongs to unknown synapse group " + q(b.owner));
          else if (b.size != sg->target_size)
            problem(w + " (delay ring) has rows of " + std::to_string(b.size) + " elements, the target slice of " +
                    q(sg->name) + " has " + std::to_string(sg->target_size));
          break;
        case BufferRole::Internal:
        case BufferRole::Table: break;
      }
      if (!b.init_values.empty() && b.size > 0 && b.role != BufferRole::SynapseState &&
          b.init_values.size() != static_cast<size_t>(b.size))
        problem(w + " has " + std::to_string(b.init_values.size()) + " initial values for " + std::to_string(b.size) +
                " elements");
    }
  }

  void populations() {
    unique(p_.populations, "population");
    for (const auto& pop : p_.populations) {
      const std::string w = "population " + q(pop.name);
      if (pop.size < 0) problem(w + " has negative size");
      if (pop.history < 1) problem(w + " has a spike history of " + std::to_string(pop.history) + " slots");
      unique(pop.events, "event");
      if (pop.generator) {
        const auto& g = *pop.generator;
        if (g.steps.size() != g.indices.size())
          problem(w + ": the spike generator has " + std::to_string(g.steps.size()) + " steps for " +
                  std::to_string(g.indices.size()) + " indices");
        for (int64_t i : g.indices)
          if (i < 0 || i >= pop.size) {
            problem(w + ": the spike generator emits neuron " + std::to_string(i) + " outside the population");
            break;
          }
      }
    }
  }

  void slice(const std::string& w, const std::string& population, int64_t offset, int64_t size) {
    const Population* pop = p_.find_population(population);
    if (!pop) return problem(w + " names unknown population " + q(population));
    if (offset < 0 || size < 0 || offset + size > pop->size)
      problem(w + " slices [" + std::to_string(offset) + ", " + std::to_string(offset + size) + ") of population " +
              q(population) + " of size " + std::to_string(pop->size));
  }

  void buffer_ref(const std::string& w, const std::string& name) {
    if (!p_.find_buffer(name)) problem(w + " names unknown buffer " + q(name));
  }

  void synapse_groups() {
    unique(p_.synapse_groups, "synapse group");
    for (const auto& sg : p_.synapse_groups) {
      const std::string w = "synapse group " + q(sg.name);
      slice(w + " source", sg.source, sg.source_offset, sg.source_size);
      slice(w + " target", sg.target, sg.target_offset, sg.target_size);
      if (sg.delay_steps < 0) problem(w + " has a negative delay");
      if (sg.connectivity.index_bits != 16 && sg.connectivity.index_bits != 32)
        problem(w + " stores " + std::to_string(sg.connectivity.index_bits) + "-bit post indices");
      if (sg.connectivity.index_bits == 16 && sg.target_size > 65536)
        problem(w + " stores 16-bit post indices for a target slice of " + std::to_string(sg.target_size));
      for (const auto& e : {sg.connect.p, sg.connect.condition, sg.connect.n})
        walk(e, [&](const Expr& x) {
          if (x.kind == Expr::Kind::Load) buffer_ref(w + "'s connect rule", x.name);
          return WalkResult::Advance;
        });
      unique(sg.pathways, "pathway");
      for (const auto& pw : sg.pathways) {
        const std::string pws = w + " pathway " + q(pw.name);
        const Population* trigger = p_.find_population(pw.post ? sg.target : sg.source);
        if (trigger && !event_exists(*trigger, pw.event))
          problem(pws + " is triggered by unknown event " + q(pw.event) + " of " + q(trigger->name));
        if (pw.delay_steps < 0) problem(pws + " has a negative delay");
        if (!pw.delay_buffer.empty()) buffer_ref(pws + " delay", pw.delay_buffer);
        if (pw.buffering == SynapseGroup::Pathway::Buffering::Dendritic) {
          const Buffer* ring = p_.find_buffer(pw.ring_buffer);
          if (!ring) problem(pws + " (dendritic) names unknown ring buffer " + q(pw.ring_buffer));
          else if (ring->role != BufferRole::DelayRing) problem(pws + " (dendritic) ring buffer " + q(pw.ring_buffer) + " is not a delay ring");
          buffer_ref(pws + " (dendritic) ring target", pw.ring_target);
          if (pw.ring_guarded) buffer_ref(pws + " (dendritic) guard", pw.ring_guard);
        }
      }
    }
  }

  void monitors() {
    unique(p_.monitors, "monitor");
    for (const auto& m : p_.monitors) {
      const std::string w = "monitor " + q(m.name);
      if (!m.synapses.empty()) {
        if (!p_.find_synapse_group(m.synapses)) problem(w + " names unknown synapse group " + q(m.synapses));
      } else {
        slice(w, m.population, m.offset, m.size);
        if (m.kind == Monitor::Kind::State)
          for (int64_t i : m.indices)
            if (i < 0 || i >= m.size) {
              problem(w + " records neuron " + std::to_string(i) + " outside its slice of " + std::to_string(m.size));
              break;
            }
        if (const Population* pop = p_.find_population(m.population); pop && m.kind != Monitor::Kind::State &&
                                                                       !event_exists(*pop, m.event))
          problem(w + " records unknown event " + q(m.event) + " of " + q(m.population));
      }
      for (const auto& b : m.buffers) buffer_ref(w, b);
      if (m.kind == Monitor::Kind::State && m.buffers.size() != m.variables.size())
        problem(w + " records " + std::to_string(m.buffers.size()) + " buffers for " + std::to_string(m.variables.size()) +
                " variables");
      if (m.every < 1) problem(w + " records every " + std::to_string(m.every) + " steps");
    }
  }

  void schedule() {
    for (size_t k : p_.init_kernels)
      if (k >= p_.kernels.size()) problem("init kernel #" + std::to_string(k) + " does not exist (" +
                                          std::to_string(p_.kernels.size()) + " kernels)");
    for (size_t n = 0; n < p_.step_tasks.size(); ++n) {
      const Task& t = p_.step_tasks[n];
      const std::string w = "step task #" + std::to_string(n);
      if (t.kind == Task::Kind::RunKernel) {
        if (t.index >= p_.kernels.size())
          problem(w + " runs kernel #" + std::to_string(t.index) + ", which does not exist (" +
                  std::to_string(p_.kernels.size()) + " kernels)");
        continue;
      }
      if (t.index >= p_.monitors.size()) {
        problem(w + " records monitor #" + std::to_string(t.index) + ", which does not exist (" +
                std::to_string(p_.monitors.size()) + " monitors)");
        continue;
      }
      const bool state = p_.monitors[t.index].kind == Monitor::Kind::State;
      if (state != (t.kind == Task::Kind::RecordState))
        problem(w + " records monitor " + q(p_.monitors[t.index].name) + " as a " + (state ? "spike/rate" : "state") +
                " monitor");
    }
    if (p_.exchange_window < 1) problem("the exchange window is " + std::to_string(p_.exchange_window) + " steps (at least 1)");
    for (size_t n = 0; n < p_.exchanges.size(); ++n) {
      const Exchange& x = p_.exchanges[n];
      const std::string w = "exchange #" + std::to_string(n);
      if (x.before_task > p_.step_tasks.size())
        problem(w + " runs before step task #" + std::to_string(x.before_task) + ", which does not exist");
      if (p_.exchange_window > 1 && x.before_task != p_.step_tasks.size())
        problem(w + " is inside the step but the window is " + std::to_string(p_.exchange_window) + " steps");
      for (const auto& e : x.events) {
        const Population* pop = p_.find_population(e.population);
        if (!pop) problem(w + " exchanges events of unknown population " + q(e.population));
        else if (pop->replicated) problem(w + " exchanges events of replicated population " + q(e.population));
        else if (e.event != "spike" && !pop->find_event(e.event))
          problem(w + " exchanges unknown event " + q(e.event) + " of " + q(e.population));
      }
    }
    for (const auto& sg : p_.synapse_groups) {
      const Population* target = p_.find_population(sg.target);
      if (target && target->replicated != sg.replicated)
        problem("synapse group " + q(sg.name) + " is " + (sg.replicated ? "" : "not ") +
                "replicated but its target " + q(sg.target) + " is " + (target->replicated ? "" : "not"));
    }
  }

  void kernel(const Kernel& k) {
    const std::string w = "kernel " + q(k.name);
    const Domain& d = k.domain;
    const bool syn = synapse_domain(d.kind);
    if (syn) {
      const SynapseGroup* sg = p_.find_synapse_group(d.synapses);
      if (!sg) problem(w + " runs over unknown synapse group " + q(d.synapses));
      else if (!d.pathway.empty() && !sg->find_pathway(d.pathway))
        problem(w + " serves unknown pathway " + q(d.pathway) + " of " + q(sg->name));
    } else {
      const Population* pop = p_.find_population(d.population);
      if (!pop) problem(w + " runs over unknown population " + q(d.population));
      else {
        if (d.offset < 0 || d.size < 0 || d.offset + d.size > pop->size)
          problem(w + " runs over [" + std::to_string(d.offset) + ", " + std::to_string(d.offset + d.size) +
                  ") of population " + q(pop->name) + " of size " + std::to_string(pop->size));
        if (!event_exists(*pop, d.event)) problem(w + " iterates unknown event " + q(d.event) + " of " + q(pop->name));
        if (!event_exists(*pop, k.event)) problem(w + " emits unknown event " + q(k.event) + " of " + q(pop->name));
      }
    }
    if (k.every_steps < 1) problem(w + " runs every " + std::to_string(k.every_steps) + " steps");
    for (const auto& br : k.dispatch)
      if (!p_.find_synapse_group(br.synapses)) problem(w + " dispatches to unknown synapse group " + q(br.synapses));
    size_t params = 0;
    for (size_t m = 0; m < k.merged.size(); ++m) {
      const auto& mb = k.merged[m];
      const std::string ms = w + " member " + q(mb.population);
      if (!p_.find_population(mb.population)) problem(w + " merges unknown population " + q(mb.population));
      if (m == 0 && mb.population != d.population)
        problem(w + ": merged member 0 is " + q(mb.population) + ", not the domain's population " + q(d.population));
      if (m == 0) params = mb.params.size();
      else if (mb.params.size() != params)
        problem(ms + " has " + std::to_string(mb.params.size()) + " parameters, member 0 has " + std::to_string(params));
      for (const auto& [from, to] : mb.buffer_renames) {
        const Buffer* a = p_.find_buffer(from);
        const Buffer* b = p_.find_buffer(to);
        if (!a || !b) problem(ms + " renames unknown buffer " + q(!a ? from : to));
        else if (a->type != b->type) problem(ms + " renames " + q(from) + " to " + q(to) + " of another type");
      }
    }
    params_ = params;
    kernel_ = &k;
    bool emits = false;
    for_each_block(k, [&](const Block& b) {
      std::vector<std::map<std::string, Type>> scopes(1);
      block(b, scopes, emits);
    });
    if (emits && !k.emits_spikes) problem(w + " contains emit_spike but is not marked emits_spikes");
    if (emits && syn) problem(w + " emits spikes in a " + std::string(domain_name(d.kind)) + " domain");
  }

  // --- bodies ---------------------------------------------------------------------------------
  using Scopes = std::vector<std::map<std::string, Type>>;

  const Type* find_local(const Scopes& scopes, const std::string& name) const {
    for (auto it = scopes.rbegin(); it != scopes.rend(); ++it)
      if (auto f = it->find(name); f != it->end()) return &f->second;
    return nullptr;
  }

  std::string where() const { return "kernel " + q(kernel_->name); }

  void block(const Block& b, Scopes& scopes, bool& emits) {
    for (const Stmt& s : b) {
      const std::string w = where();
      expr(s.index, scopes);
      expr(s.value, scopes);
      switch (s.kind) {
        case Stmt::Kind::Declare:
          if (s.value && s.value->type != s.type)
            problem(w + " declares " + type_name(s.type) + " " + q(s.name) + " from a " + type_name(s.value->type) +
                    " value");
          if (!scopes.back().emplace(s.name, s.type).second) problem(w + " declares local " + q(s.name) + " twice in one block");
          break;
        case Stmt::Kind::Assign: {
          const Type* t = find_local(scopes, s.name);
          if (!t) problem(w + " assigns undeclared local " + q(s.name));
          else if (s.value && s.value->type != *t)
            problem(w + " assigns a " + type_name(s.value->type) + " value to " + type_name(*t) + " local " + q(s.name));
          if (!s.value) problem(w + " assigns nothing to " + q(s.name));
          break;
        }
        case Stmt::Kind::Store:
        case Stmt::Kind::Accumulate: {
          const char* verb = s.kind == Stmt::Kind::Store ? "stores to" : "accumulates into";
          const Buffer* buf = p_.find_buffer(s.name);
          if (!buf) problem(w + " " + verb + " unknown buffer " + q(s.name));
          index(w + " " + verb + " " + q(s.name), s.index);
          if (!s.value) problem(w + " " + verb + " " + q(s.name) + " without a value");
          else if (buf && s.value->type != buf->type)
            problem(w + " " + verb + " " + type_name(buf->type) + " buffer " + q(s.name) + " a " + type_name(s.value->type) +
                    " value");
          if (s.kind == Stmt::Kind::Accumulate && s.op != ir::Op::Add && s.op != ir::Op::Sub && s.op != ir::Op::Mul &&
              s.op != ir::Op::Div)
            problem(w + " accumulates into " + q(s.name) + " with operator " + ir::op_spelling(s.op));
          break;
        }
        case Stmt::Kind::If:
          if (!s.value) problem(w + " has an if without a condition");
          else if (s.value->type != Type::Bool)
            problem(w + " has an if whose condition is " + type_name(s.value->type) + ", not bool");
          for (const Block* body : {&s.then_body, &s.else_body}) {
            scopes.emplace_back();
            block(*body, scopes, emits);
            scopes.pop_back();
          }
          break;
        case Stmt::Kind::EmitSpike:
          emits = true;
          index(w + " emits a spike", s.index);
          break;
      }
      if (s.kind != Stmt::Kind::If && (!s.then_body.empty() || !s.else_body.empty()))
        problem(w + " has nested statements under a statement that is not an if");
    }
  }

  void index(const std::string& what, const ExprP& e) {
    if (!e) problem(what + " without an index");
    else if (!is_integer(e->type)) problem(what + " at a " + std::string(type_name(e->type)) + " index, not an integer");
  }

  void arity(const Expr& e, size_t n, const char* what) {
    if (e.args.size() != n)
      problem(where() + " has a " + what + " with " + std::to_string(e.args.size()) + " operands instead of " +
              std::to_string(n));
  }

  bool args_present(const Expr& e) {
    for (const auto& a : e.args)
      if (!a) {
        problem(where() + " has a null operand in " + to_string(e));
        return false;
      }
    return true;
  }

  void builtin(const Expr& e) {
    const Domain::Kind d = kernel_->domain.kind;
    const bool syn = synapse_domain(d);
    std::optional<Type> want;
    bool ok = true;
    const std::string& n = e.name;
    if (n == "t") want = Type::Double;
    else if (n == "step") want = Type::Int64;
    else if (n == "i") want = Type::Int64, ok = d != Domain::Kind::SpikeGenerator;
    else if (n == "j") want = Type::Int64, ok = syn;
    else if (n == "syn") want = Type::Int64, ok = syn && d != Domain::Kind::DendriticDrain;
    else if (n == "ring_slot") want = Type::Int64, ok = d == Domain::Kind::DendriticEvents || d == Domain::Kind::DendriticDrain;
    else if (n.rfind("merged_param_", 0) == 0) {
      const std::string k = n.substr(13);
      ok = !k.empty() && k.find_first_not_of("0123456789") == std::string::npos && k.size() < 9 &&
           static_cast<size_t>(std::stoul(k)) < params_;
      if (!ok) return problem(where() + " reads " + q(n) + ", which its merged members do not supply");
    } else {
      return problem(where() + " reads unknown built-in " + q(n));
    }
    if (!ok) return problem(where() + " reads built-in " + q(n) + ", which a " + domain_name(d) + " domain does not define");
    if (want && e.type != *want)
      problem(where() + " reads built-in " + q(n) + " as " + type_name(e.type) + ", not " + type_name(*want));
  }

  void expr(const ExprP& root, const Scopes& scopes) {
    walk(root, [&](const Expr& e) {
      if (!args_present(e)) return WalkResult::Skip;
      const std::string w = where();
      switch (e.kind) {
        case Expr::Kind::Literal: arity(e, 0, "literal"); break;
        case Expr::Kind::Local: {
          const Type* t = find_local(scopes, e.name);
          if (!t) problem(w + " reads local " + q(e.name) + " before it is declared");
          else if (*t != e.type)
            problem(w + " reads " + type_name(*t) + " local " + q(e.name) + " as " + type_name(e.type));
          break;
        }
        case Expr::Kind::Builtin: builtin(e); break;
        case Expr::Kind::Load: {
          arity(e, 1, "load");
          const Buffer* b = p_.find_buffer(e.name);
          if (!b) problem(w + " loads unknown buffer " + q(e.name));
          else if (b->type != e.type)
            problem(w + " loads " + type_name(b->type) + " buffer " + q(e.name) + " as " + type_name(e.type));
          if (!e.args.empty()) index(w + " loads " + q(e.name), e.args[0]);
          break;
        }
        case Expr::Kind::Unary:
          arity(e, 1, "unary operation");
          if (e.args.size() == 1) {
            Type want = e.op == ir::Op::Not ? Type::Bool : e.type;
            if (e.op == ir::Op::Not && e.type != Type::Bool) problem(w + " has a 'not' of type " + type_name(e.type));
            if (e.args[0]->type != want)
              problem(w + " applies " + ir::op_spelling(e.op) + " to a " + type_name(e.args[0]->type) + " operand in a " +
                      type_name(e.type) + " operation: " + to_string(e));
          }
          break;
        case Expr::Kind::Binary:
          arity(e, 2, "binary operation");
          if (e.op == ir::Op::Pow) problem(w + " has a '**' (lowering turns powers into products or pow calls)");
          if (e.args.size() == 2) {
            const Type a = e.args[0]->type, b = e.args[1]->type;
            if (ir::is_comparison(e.op) || ir::is_logical(e.op)) {
              if (e.type != Type::Bool) problem(w + " has a " + ir::op_spelling(e.op) + " of type " + type_name(e.type));
              if (ir::is_logical(e.op) && (a != Type::Bool || b != Type::Bool))
                problem(w + " has a " + ir::op_spelling(e.op) + " of non-bool operands: " + to_string(e));
              if (ir::is_comparison(e.op) && a != b)
                problem(w + " compares a " + type_name(a) + " with a " + type_name(b) + ": " + to_string(e));
            } else if (a != e.type || b != e.type) {
              problem(w + " has a " + type_name(e.type) + " " + ir::op_spelling(e.op) + " of " + type_name(a) + " and " +
                      type_name(b) + " operands: " + to_string(e));
            }
          }
          break;
        case Expr::Kind::Call:
          if (e.name.empty()) problem(w + " calls a function without a name");
          if (e.name == "timestep" && e.type != Type::Int64) problem(w + " has a timestep() of type " + type_name(e.type));
          break;
        case Expr::Kind::Select:
          arity(e, 3, "select");
          if (e.args.size() == 3) {
            if (e.args[0]->type != Type::Bool)
              problem(w + " selects on a " + std::string(type_name(e.args[0]->type)) + " condition: " + to_string(e));
            if (e.args[1]->type != e.type || e.args[2]->type != e.type)
              problem(w + " has a " + type_name(e.type) + " select of " + type_name(e.args[1]->type) + " and " +
                      type_name(e.args[2]->type) + " values");
          }
          break;
        case Expr::Kind::Cast: arity(e, 1, "cast"); break;
        case Expr::Kind::Random:
          if (e.name != "uniform" && e.name != "normal" && e.name != "binomial")
            problem(w + " draws from unknown distribution " + q(e.name));
          if (e.name == "binomial") arity(e, 2, "binomial draw");
          break;
      }
      return WalkResult::Advance;
    });
  }

  const Program& p_;
  size_t max_;
  std::vector<std::string> problems_;
  const Kernel* kernel_ = nullptr;
  size_t params_ = 0;
};

}  // namespace

std::vector<std::string> verify(const Program& p, size_t max_problems) { return Verifier(p, max_problems).run(); }

}  // namespace modelc::kir
