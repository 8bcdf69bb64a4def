// choose-delay-buffering: how spikes wait for their delay, per pathway (docs/passes.md, "Delay
// buffering"). Homogeneous delays read the presynaptic spike history ring (recorded only). A
// heterogeneous pathway keeps the per-slot delivery queues of lowering, or, when its effect can be
// summed ahead of delivery (delay_buffering.h, analyse_pathway) and the backend implements
// "delay:dendritic", gets a postsynaptic ring: the QueuedEvents kernel becomes a DendriticEvents
// kernel adding into ring row (step + d) % D, followed by a DendriticDrain kernel adding the due row
// into the target variable. The ring sums the inputs of a step before adding them (a reassociation),
// so "auto" picks it where the cost model says it is cheaper and the sums are exact (integer
// targets); choose-delay-buffering-fast (-O3) also where they are not.
#include <cstdio>

#include "ir/kernel_ir_traversal.h"
#include "passes/analysis/delay_buffering.h"
#include "passes/pass.h"
#include "passes/passes.h"

namespace modelc::passes::kernel {

namespace {

using Pathway = kir::SynapseGroup::Pathway;

// The rate the cost model assumes for every source neuron: real rates are unknown at compile time.
constexpr double kAssumedRateHz = 10.0;

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3g", v);
  return b;
}

std::string bytes_text(double b) {
  const char* unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) b /= 1024, ++u;
  return num(b) + " " + unit[u];
}

int type_bytes(kir::Type t) {
  switch (t) {
    case kir::Type::Bool: return 1;
    case kir::Type::Int32:
    case kir::Type::Float: return 4;
    default: return 8;
  }
}

// Estimated memory accesses per step (random accesses count 1, sequential ones 1/8: a cache line).
struct Cost {
  std::optional<double> events;  // synaptic events per step (synapses x assumed rate x dt)
  double queues = 0, dendritic = 0;
  std::optional<int64_t> depth;  // D = 1 + max delay in steps, when bounded at compile time
  double ring_bytes = 0, queue_bytes = 0;
  std::string text;
};

Cost estimate(const kir::Program& p, const kir::SynapseGroup& sg, const Pathway& pw, kir::Type ring_type) {
  Cost c;
  const double T = static_cast<double>(sg.target_size);
  if (auto d = analysis::max_delay_steps(p, sg, pw)) c.depth = *d + 1;
  auto S = analysis::expected_synapses(sg);
  if (S) c.events = *S * kAssumedRateHz * p.dt;
  if (c.events) {
    // Queues: push the synapse id, pop it, re-read its pre/post index, add into the target.
    // Dendritic: add into the ring row; per step drain T elements (read ring, add, zero).
    c.queues = 4 * *c.events;
    c.dendritic = *c.events + 3 * T / 8;
  }
  std::string s = "cost model (per step, random accesses; " + num(kAssumedRateHz) + " Hz assumed per source neuron): ";
  if (c.events)
    s += num(*S) + " synapses -> " + num(*c.events) + " events/step; queues ~4 x events = " + num(c.queues) +
         ", dendritic ~events + 3/8 x " + num(T) + " targets (drain) = " + num(c.dendritic);
  else
    s += "synapse count unknown before the connections are built";
  s += "; memory: ring D x T x " + std::to_string(type_bytes(ring_type)) + " B";
  if (c.depth) {
    c.ring_bytes = static_cast<double>(*c.depth) * T * type_bytes(ring_type);
    s += " = " + std::to_string(*c.depth) + " x " + num(T) + " = " + bytes_text(c.ring_bytes);
    if (c.events) {
      c.queue_bytes = *c.events * static_cast<double>(*c.depth) * 4 + static_cast<double>(*c.depth) * 16;
      s += ", queues ~events x D x 4 B + slots = " + bytes_text(c.queue_bytes);
    }
  } else {
    s += " (D = 1 + max delay, unknown before init: the delays have no static bound)";
  }
  c.text = s;
  return c;
}

std::string fresh_buffer_name(const kir::Program& p, const std::string& base) {
  std::string n = base;
  for (int k = 2; p.find_buffer(n); ++k) n = base + std::to_string(k);
  return n;
}

std::string fresh_kernel_name(const kir::Program& p, const std::string& base) {
  auto taken = [&](const std::string& n) {
    for (const auto& k : p.kernels)
      if (k.name == n) return true;
    return false;
  };
  std::string n = base;
  for (int k = 2; taken(n); ++k) n = base + std::to_string(k);
  return n;
}

kir::Block to_ring(kir::Block b, const analysis::Legality& l, const std::string& ring, kir::Type t) {
  kir::rewrite_stmts(b, [&](const kir::Stmt& s) -> std::optional<kir::Block> {
    if (s.kind == kir::Stmt::Kind::Accumulate && s.name == l.target) {
      kir::Stmt a = s;
      a.name = ring;
      a.type = t;
      a.index = kir::binary(ir::Op::Add, kir::builtin("ring_slot", kir::Type::Int64), kir::builtin("j", kir::Type::Int64),
                            kir::Type::Int64);
      a.conflicting = true;
      return kir::Block{std::move(a)};
    }
    // The guard moves to the drain, where it is evaluated at delivery as before.
    if (s.kind == kir::Stmt::Kind::If && l.guarded && s.else_body.empty() && s.value &&
        s.value->kind == kir::Expr::Kind::Load && s.value->name == l.guard)
      return s.then_body;
    return std::nullopt;
  });
  return b;
}

void make_dendritic(kir::Program& p, size_t sg_index, size_t pw_index, size_t kernel, const analysis::Legality& l,
                    std::optional<int64_t> max_delay) {
  kir::SynapseGroup& sg = p.synapse_groups[sg_index];
  Pathway& pw = sg.pathways[pw_index];
  const kir::Buffer target = *p.find_buffer(l.target);
  kir::Buffer ring;
  ring.name = fresh_buffer_name(p, sg.name + "_" + pw.name + "_ring");
  ring.type = target.type;
  ring.role = kir::BufferRole::DelayRing;
  ring.owner = sg.name;
  ring.variable = "_ring_" + pw.name + "_" + target.variable;
  ring.unit = target.unit;
  ring.size = sg.target_size;
  p.buffers.push_back(ring);
  pw.buffering = Pathway::Buffering::Dendritic;
  pw.ring_buffer = ring.name;
  pw.ring_target = l.target;
  pw.ring_guarded = l.guarded;
  pw.ring_guard = l.guard;
  pw.max_delay_steps_estimate = max_delay.value_or(-1);

  kir::Kernel& events = p.kernels[kernel];
  events.domain.kind = kir::Domain::Kind::DendriticEvents;
  events.body = to_ring(events.body, l, ring.name, ring.type);

  kir::Kernel drain;
  drain.name = fresh_kernel_name(p, sg.name + "_" + pw.name + "_drain");
  drain.domain.kind = kir::Domain::Kind::DendriticDrain;
  drain.domain.population = sg.target;
  drain.domain.synapses = sg.name;
  drain.domain.pathway = pw.name;
  auto slot = kir::binary(ir::Op::Add, kir::builtin("ring_slot", kir::Type::Int64), kir::builtin("j", kir::Type::Int64),
                          kir::Type::Int64);
  kir::Stmt due;
  due.kind = kir::Stmt::Kind::Declare;
  due.type = ring.type;
  due.name = "_ring_due";
  due.value = kir::load(ring.name, ring.type, slot);
  drain.body.push_back(due);
  kir::Stmt add;
  add.kind = kir::Stmt::Kind::Accumulate;
  add.op = ir::Op::Add;
  add.name = l.target;
  add.type = target.type;
  add.index = kir::builtin("i", kir::Type::Int64);
  add.value = kir::local("_ring_due", ring.type);
  if (l.guarded) {
    kir::Stmt guard;
    guard.kind = kir::Stmt::Kind::If;
    guard.value = kir::load(l.guard, kir::Type::Bool, kir::builtin("i", kir::Type::Int64));
    guard.then_body.push_back(add);
    drain.body.push_back(guard);
  } else {
    drain.body.push_back(add);
  }
  kir::Stmt zero;
  zero.kind = kir::Stmt::Kind::Store;
  zero.name = ring.name;
  zero.type = ring.type;
  zero.index = slot;
  zero.value = kir::is_floating(ring.type) ? kir::lit(0, ring.type) : kir::lit_int(0, ring.type);
  drain.body.push_back(zero);
  p.kernels.push_back(std::move(drain));
  const size_t drain_index = p.kernels.size() - 1;
  for (size_t t = 0; t < p.step_tasks.size(); ++t)
    if (p.step_tasks[t].kind == kir::Task::Kind::RunKernel && p.step_tasks[t].index == kernel) {
      p.step_tasks.insert(p.step_tasks.begin() + static_cast<std::ptrdiff_t>(t) + 1, {kir::Task::Kind::RunKernel, drain_index});
      break;
    }
}

class DelayBufferingPass : public Pass {
 public:
  explicit DelayBufferingPass(bool allow_reassociation) : allow_reassociation_(allow_reassociation) {}
  std::string name() const override { return allow_reassociation_ ? "choose-delay-buffering-fast" : "choose-delay-buffering"; }
  std::string description() const override {
    return allow_reassociation_
               ? "as choose-delay-buffering, but auto also picks the dendritic ring where summing reassociates floats (-O3)"
               : "heterogeneous delays: per-slot queues or a postsynaptic (dendritic) ring, by legality and a cost model";
  }

  bool run(CompilationUnit& unit, DiagnosticEngine& diags) override {
    if (!unit.program) return true;
    kir::Program& p = *unit.program;
    for (const auto& s : unit.model.synapses) {
      const kir::SynapseGroup* sg = p.find_synapse_group(s.name);
      if (!sg) continue;
      const size_t g = static_cast<size_t>(sg - p.synapse_groups.data());
      bool heterogeneous = false;
      for (size_t w = 0; w < sg->pathways.size(); ++w) {
        const Pathway& pw = p.synapse_groups[g].pathways[w];
        if (pw.delay_buffer.empty()) {
          record_homogeneous(unit, p, p.synapse_groups[g], pw);
          continue;
        }
        heterogeneous = true;
        if (!choose(unit, diags, s, g, w)) return false;
      }
      if (s.delay_buffering != ir::DelayBufferingRequest::Auto && !heterogeneous) {
        diags.error("synapse group '" + s.name + "' asks for \"delay_buffering\": \"" + std::string(ir::name(s.delay_buffering)) +
                        "\", but none of its pathways has heterogeneous delays (homogeneous delays always read the "
                        "presynaptic spike history)",
                    s.delay_buffering_pointer, "remove \"delay_buffering\" or give a per-synapse delay");
        return false;
      }
    }
    return true;
  }

 private:
  bool allow_reassociation_;

  static void record_homogeneous(CompilationUnit& unit, const kir::Program& p, const kir::SynapseGroup& sg, const Pathway& pw) {
    const kir::Population* pop = p.find_population(pw.post ? sg.target : sg.source);
    if (!pop) return;
    int64_t history = pop->history;
    if (!pw.event.empty() && pw.event != "spike")
      if (const kir::EventList* ev = pop->find_event(pw.event)) history = ev->history;
    double bytes = static_cast<double>(history) * (static_cast<double>(pop->size) * 4 + 8);
    unit.decisions.emplace_back("delay buffering of " + sg.name + "." + pw.name + ": presynaptic spike ring",
                                "homogeneous delay of " + std::to_string(pw.delay_steps) + " steps: " + pop->name +
                                    " keeps " + std::to_string(history) + " steps of " + pw.event + " lists (" +
                                    std::to_string(history) + " x " + std::to_string(pop->size) + " x 4 B + counts = " +
                                    bytes_text(bytes) + ")");
  }

  bool choose(CompilationUnit& unit, DiagnosticEngine& diags, const ir::SynapseGroup& s, size_t g, size_t w) {
    kir::Program& p = *unit.program;
    const kir::SynapseGroup& sg = p.synapse_groups[g];
    const Pathway& pw = sg.pathways[w];
    const std::string who = sg.name + "." + pw.name;
    std::optional<size_t> kernel;
    for (size_t k = 0; k < p.kernels.size(); ++k)
      if (p.kernels[k].domain.kind == kir::Domain::Kind::QueuedEvents && p.kernels[k].domain.synapses == sg.name &&
          p.kernels[k].domain.pathway == pw.name)
        kernel = k;
    analysis::Legality legal;
    if (pw.post) legal.why = "it is an on_post pathway, and the ring is indexed by the postsynaptic neuron";
    else if (!kernel) legal.why = "its delivery kernel was not found";
    else legal = analysis::analyse_pathway(p, sg, p.kernels[*kernel]);
    const kir::Buffer* target = legal.legal ? p.find_buffer(legal.target) : nullptr;
    const kir::Type ring_type = target ? target->type : p.scalar;
    const bool exact = target && !kir::is_floating(target->type);
    const bool supported = unit.target.has("delay:dendritic");
    Cost cost = estimate(p, sg, pw, ring_type);

    if (s.delay_buffering == ir::DelayBufferingRequest::Dendritic) {
      std::string hint = "use \"delay_buffering\": \"queues\" (or \"auto\")";
      if (!legal.legal) {
        diags.error("pathway '" + pw.name + "' of '" + sg.name + "' cannot use a dendritic delay ring: " + legal.why,
                    s.delay_buffering_pointer, hint);
        return false;
      }
      if (!supported) {
        diags.error("the " + unit.target.backend + " backend does not implement dendritic delay buffering (feature delay:dendritic)",
                    s.delay_buffering_pointer, hint + ", or the cpu backend");
        return false;
      }
    }
    std::string reason;
    bool dendritic = false;
    if (s.delay_buffering == ir::DelayBufferingRequest::Queues) {
      reason = "requested by \"delay_buffering\": \"queues\"";
    } else if (s.delay_buffering == ir::DelayBufferingRequest::Dendritic) {
      dendritic = true;
      reason = "requested by \"delay_buffering\": \"dendritic\"";
    } else if (!legal.legal) {
      reason = "the dendritic ring is not legal: " + legal.why;
    } else if (!supported) {
      reason = "the " + unit.target.backend + " backend does not implement the dendritic ring (delay:dendritic)";
    } else if (!cost.events || cost.dendritic >= cost.queues) {
      reason = cost.events ? "the queues are cheaper" : "the cost of the ring cannot be weighed (synapse count unknown)";
    } else if (!exact && !allow_reassociation_) {
      reason = "the ring would be cheaper, but it sums a step's inputs before adding them to " + target->variable +
               " (floating point: results may differ in the last bits); -O3 or \"delay_buffering\": \"dendritic\" allow it";
    } else {
      dendritic = true;
      reason = std::string("the ring is cheaper and legal") +
               (exact ? " (integer target: the sums are exact)" : " (-O3: sums reassociated)");
    }
    unit.decisions.emplace_back("delay buffering of " + who + ": " + (dendritic ? "dendritic ring" : "per-slot queues"),
                                reason + "; " + cost.text);
    if (dendritic)
      make_dendritic(p, g, w, *kernel, legal,
                     cost.depth ? std::optional<int64_t>(*cost.depth - 1) : std::optional<int64_t>());
    return true;
  }
};

}  // namespace

std::unique_ptr<Pass> create_delay_buffering_pass() { return std::make_unique<DelayBufferingPass>(false); }
std::unique_ptr<Pass> create_fast_delay_buffering_pass() { return std::make_unique<DelayBufferingPass>(true); }

}  // namespace modelc::passes::kernel
