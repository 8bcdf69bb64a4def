// fuse-neuron-kernels: one kernel per population for state update + threshold (+ reset), so a step
// launches (and streams the population's state through memory) once instead of two or three times.
//
// Lowering schedules Brian2's slots (by default every population's update, then every threshold,
// then the synaptic kernels, then every reset; a model may move any of them). Fusing moves kernels
// within step_tasks, so each move is checked against the tasks it jumps over (kernel_schedule.h):
// the moved kernel and a jumped task must not touch a buffer (or a population's event list) that one of them writes. Within the
// fused kernel the statements run neuron by neuron, which equals running the kernels one after
// another only when every neuron reads and writes the written buffers at its own element ("i"):
// checked over the combined bodies. The reset goes into the threshold's if-block after
// emit_spike, which is exactly "for every neuron that spiked this step".
#include <map>
#include <optional>

#include "ir/kernel_ir_traversal.h"
#include "passes/kernel/kernel_schedule.h"
#include "passes/kernel/kir_utils.h"
#include "passes/passes.h"

namespace modelc::passes::kernel {
namespace {

using kir::Domain;
using kir::Kernel;
using kir::Stmt;
using kir::Task;

bool whole_population(const Kernel& k, Domain::Kind kind, const std::string& pop) {
  return k.domain.kind == kind && k.domain.population == pop && k.domain.size == 0 && k.every_steps == 1 &&
         (k.event.empty() || k.event == "spike") && (k.domain.event.empty() || k.domain.event == "spike") &&
         k.fused_from.empty() && k.dispatch.empty();
}

// Renames the locals of `b` that `taken` already holds, and adds the new names to `taken`.
void rename_clashing_locals(kir::Block& b, std::set<std::string>& taken) {
  std::set<std::string> mine;
  collect_locals(b, mine);
  std::map<std::string, std::string> renamed;
  for (const auto& n : mine) {
    if (!taken.count(n)) continue;
    std::string fresh;
    int k = 1;
    do fresh = n + "_f" + std::to_string(k++);
    while (taken.count(fresh) || mine.count(fresh));
    renamed[n] = fresh;
    taken.insert(fresh);
  }
  for (const auto& n : mine) taken.insert(n);
  if (renamed.empty()) return;
  kir::rewrite_exprs(b, [&](const kir::ExprP& x) -> kir::ExprP {
    if (x->kind != kir::Expr::Kind::Local || !renamed.count(x->name)) return x;
    return kir::local(renamed[x->name], x->type);
  });
  kir::walk(b, [&](Stmt& s) {
    if ((s.kind == Stmt::Kind::Declare || s.kind == Stmt::Kind::Assign) && renamed.count(s.name)) s.name = renamed[s.name];
    return kir::WalkResult::Advance;
  });
}

// The top-level `if (cond) { emit_spike(i); ... }` of a threshold body.
Stmt* emitting_if(kir::Block& b) {
  for (Stmt& s : b)
    if (s.kind == Stmt::Kind::If && s.else_body.empty())
      for (const Stmt& t : s.then_body)
        if (t.kind == Stmt::Kind::EmitSpike) return &s;
  return nullptr;
}

std::vector<size_t> between(size_t a, size_t b, const std::set<size_t>& skip) {
  std::vector<size_t> out;
  for (size_t k = std::min(a, b) + 1; k < std::max(a, b); ++k)
    if (!skip.count(k)) out.push_back(k);
  return out;
}

class NeuronKernelFusionPass : public Pass {
 public:
  std::string name() const override { return "fuse-neuron-kernels"; }
  std::string description() const override {
    return "kernel IR: fuse each population's state update, threshold and (when legal) reset into one kernel";
  }

  bool run(CompilationUnit& unit, DiagnosticEngine&) override {
    if (!unit.program) return true;
    if (!unit.target.has("fusion:neuron-kernels")) {
      unit.decisions.emplace_back(name(), "not applied: the " + unit.target.backend +
                                              " backend does not implement fusion:neuron-kernels");
      return true;
    }
    kir::Program& p = *unit.program;
    const size_t launches_before = p.step_kernel_count();
    // Valid until remove_unused_kernels renumbers the kernels.
    AccessCache cache(p);
    TaskIndex index(p, cache);
    for (const auto& pop : p.populations) fuse_population(p, pop.name, unit.decisions, cache, index);
    remove_unused_kernels(p);
    const size_t launches_after = p.step_kernel_count();
    if (launches_after != launches_before)
      unit.decisions.emplace_back(name(), "kernels run per step: " + std::to_string(launches_before) + " -> " +
                                              std::to_string(launches_after));
    return true;
  }

 private:
  void fuse_population(kir::Program& p, const std::string& pop, std::vector<std::pair<std::string, std::string>>& log,
                       AccessCache& cache, TaskIndex& index) {
    const std::string what = name() + " " + pop;
    auto& tasks = p.step_tasks;
    auto kernel_at = [&](size_t pos) -> const Kernel* {
      const Task& t = tasks[pos];
      return t.kind == Task::Kind::RunKernel && t.index < p.kernels.size() ? &p.kernels[t.index] : nullptr;
    };
    // The threshold: the one spike-emitting kernel over the whole population.
    std::optional<size_t> q;
    for (size_t pos = 0; pos < tasks.size(); ++pos) {
      const Kernel* k = kernel_at(pos);
      if (!k || k->domain.population != pop || k->domain.kind != Domain::Kind::Neurons || !block_emits(k->body)) continue;
      if (!k->event.empty() && k->event != "spike") continue;  // IR v2 custom events: not the threshold
      if (q || !whole_population(*k, Domain::Kind::Neurons, pop)) {
        log.emplace_back(what, "not fused: " + k->name + " is not the population's only whole-population threshold kernel");
        return;
      }
      q = pos;
    }
    if (!q) return;  // nothing emits spikes: no threshold to fuse with
    const Kernel& threshold = *kernel_at(*q);
    // The update: the last per-neuron kernel of the population before the threshold.
    std::optional<size_t> u;
    for (size_t pos = *q; pos-- > 0;) {
      const Kernel* k = kernel_at(pos);
      if (k && whole_population(*k, Domain::Kind::Neurons, pop) && !block_emits(k->body) &&
          block_elementwise_i(k->body, cache.kernel(tasks[pos].index).writes)) {
        u = pos;
        break;
      }
    }
    if (!u) {
      log.emplace_back(what, "not fused: no elementwise state-update kernel of " + pop + " runs before " + threshold.name);
      return;
    }
    const Kernel& update = *kernel_at(*u);
    std::set<std::string> written = kernel_access(p, update).writes;
    for (const auto& n : kernel_access(p, threshold).writes) written.insert(n);
    if (!block_elementwise_i(update.body, written) || !block_elementwise_i(threshold.body, written)) {
      log.emplace_back(what, "not fused: " + update.name + " and " + threshold.name +
                                 " exchange values between neurons (a written buffer is accessed at an index other than i)");
      return;
    }
    // Where the fused kernel runs: the threshold moves up to the update, else the update down.
    std::vector<size_t> jumped = between(*u, *q, {});
    size_t at = *u;
    std::string how = "threshold moved up past " + std::to_string(jumped.size()) + " task(s)";
    if (std::string why = index.move_blocker(cache.kernel(tasks[*q].index), threshold.name, jumped); !why.empty()) {
      std::string why_down = index.move_blocker(cache.kernel(tasks[*u].index), update.name, jumped);
      if (!why_down.empty()) {
        log.emplace_back(what, "not fused: " + why + "; and " + why_down);
        return;
      }
      at = *q;
      how = "update moved down past " + std::to_string(jumped.size()) + " task(s) (" + why + ")";
    }

    Kernel fused = update;
    std::set<std::string> locals;
    collect_locals(fused.body, locals);
    kir::Block tb = threshold.body;
    rename_clashing_locals(tb, locals);
    fused.body.insert(fused.body.end(), tb.begin(), tb.end());
    fused.emits_spikes = true;
    fused.event = threshold.event;
    fused.fused_from = {update.name, threshold.name};

    // The reset: the first whole-population spikes-domain kernel after the threshold.
    // The reset task's position; `none` when there is none or it cannot be fused. (A sentinel, not
    // std::optional: GCC 12 reports the guarded optional as maybe-uninitialized.)
    const size_t none = tasks.size();
    size_t r = none;
    std::string reset_note, reset_name;
    for (size_t pos = *q + 1; pos < tasks.size(); ++pos) {
      const Kernel* k = kernel_at(pos);
      if (k && whole_population(*k, Domain::Kind::Spikes, pop)) {
        r = pos;
        break;
      }
    }
    if (r != none) {
      const Kernel& reset = *kernel_at(r);
      std::set<std::string> all = written;
      for (const auto& n : kernel_access(p, reset).writes) all.insert(n);
      std::vector<size_t> jumped_r = between(at, r, {*u, *q});
      Stmt* iff = emitting_if(fused.body);
      std::string why;
      if (block_emits(reset.body)) why = reset.name + " emits events";
      else if (!block_elementwise_i(fused.body, all) || !block_elementwise_i(reset.body, all))
        why = reset.name + " exchanges values between neurons";
      else if (!iff) why = threshold.name + " has no top-level if-block with emit_spike";
      else why = index.move_blocker(cache.kernel(tasks[r].index), reset.name, jumped_r);
      if (why.empty()) {
        kir::Block rb = reset.body;
        rename_clashing_locals(rb, locals);
        iff->then_body.insert(iff->then_body.end(), rb.begin(), rb.end());
        fused.fused_from.push_back(reset.name);
        reset_name = reset.name;
        reset_note = "; " + reset.name + " moved into the threshold's if-block past " + std::to_string(jumped_r.size()) +
                     " task(s), none of which reads what it writes or writes what it reads";
      } else {
        reset_note = "; " + reset.name + " kept as its own kernel: " + why;
        r = none;
      }
    }
    std::string base = pop + "_update_threshold" + (r != none ? "_reset" : "");
    fused.name = unique_kernel_name(p, base);
    const std::string fused_name = fused.name, list = update.name + " + " + threshold.name;
    const std::string names = list + (reset_name.empty() ? std::string() : " + " + reset_name);
    p.kernels.push_back(std::move(fused));
    const size_t fused_index = p.kernels.size() - 1;

    std::vector<Task> next;
    for (size_t pos = 0; pos < tasks.size(); ++pos) {
      if (pos == at) next.push_back({Task::Kind::RunKernel, fused_index});
      else if (pos != *u && pos != *q && pos != r) next.push_back(tasks[pos]);
    }
    tasks = std::move(next);
    index.refresh();
    log.emplace_back(what, names + " -> " + fused_name + " (" + std::to_string(r != none ? 3 : 2) + " launches -> 1; " + how +
                               reset_note + ")");
  }
};

}  // namespace

std::unique_ptr<Pass> create_neuron_kernel_fusion_pass() { return std::make_unique<NeuronKernelFusionPass>(); }

}  // namespace modelc::passes::kernel
