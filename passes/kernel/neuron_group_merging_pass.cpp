// merge-neuron-groups: GeNN-style merged groups. Neuron kernels of different populations that run
// the same code (the same body up to which population's buffers it touches and the values of its
// literals) become one kernel over all of them: one launch per step instead of one per population,
// and one copy of the code in the generated module. Literals that differ between the members move
// into a per-member parameter table (built-ins "merged_param_K"); equal ones stay literals, so the
// backend still sees them as constants. See Kernel::merged in ir/kernel_ir.h.
//
// Legality. A member's kernel is moved up to the first member's place in step_tasks, so it must
// not depend on a task it jumps over (kernel_schedule.h). Members only touch buffers owned by their
// own population (checked when pairing buffers), so running them one after another in task order
// inside one launch is what the separate launches did. Random draws are keyed by (i, step, stream)
// with i population-relative: members keep their own i, and pairs whose streams differ are refused
// (the stream would otherwise have to become a parameter too).
#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "ir/kernel_ir_traversal.h"
#include "passes/kernel/kernel_schedule.h"
#include "passes/kernel/kir_utils.h"
#include "passes/passes.h"

namespace modelc::passes::kernel {
namespace {

using kir::Domain;
using kir::Expr;
using kir::ExprP;
using kir::Kernel;
using kir::Stmt;
using kir::Task;

// Single-neuron populations are left alone: there "population-sized" and "shared" buffers look the
// same, and a store at i pairs a shared buffer with a per-neuron one.
bool candidate(const kir::Program& p, const Kernel& k) {
  const kir::Population* pop = p.find_population(k.domain.population);
  return k.domain.kind == Domain::Kind::Neurons && k.domain.size == 0 && k.domain.offset == 0 && k.every_steps == 1 &&
         k.dispatch.empty() && k.merged.empty() && pop && pop->size > 1;
}

bool same_literal(const Expr& a, const Expr& b) {
  if (a.type != b.type) return false;
  if (a.type == kir::Type::Bool) return a.b == b.b;
  if (kir::is_floating(a.type)) return std::memcmp(&a.f, &b.f, sizeof a.f) == 0;  // -0.0 != 0.0, NaN == NaN
  return a.i == b.i;
}

// Walks two kernels in parallel: structure must be identical; buffers are paired (consistently,
// one to one, owner population and shape checked) and literals collected pairwise in a fixed
// order (statement index before value, arguments left to right), the order parameterise() uses.
struct Matcher {
  const kir::Program& p;
  const kir::Population& pa;
  const kir::Population& pb;
  std::map<std::string, std::string> a_to_b, b_to_a;
  std::vector<std::pair<ExprP, ExprP>> literals;
  std::string why;

  bool fail(const std::string& w) {
    if (why.empty()) why = w;
    return false;
  }

  bool pair_buffer(const std::string& a, const std::string& b) {
    auto it = a_to_b.find(a);
    if (it != a_to_b.end()) return it->second == b || fail("buffer " + a + " pairs with both " + it->second + " and " + b);
    if (b_to_a.count(b)) return fail("buffer " + b + " pairs with both " + b_to_a[b] + " and " + a);
    const kir::Buffer* ba = p.find_buffer(a);
    const kir::Buffer* bb = p.find_buffer(b);
    if (!ba || !bb) return fail("unknown buffer " + (ba ? b : a));
    if (ba->owner != pa.name || bb->owner != pb.name)
      return fail("buffer " + (ba->owner != pa.name ? a + " is not owned by " + pa.name : b + " is not owned by " + pb.name));
    if (ba->type != bb->type || ba->role != bb->role || ba->variable != bb->variable)
      return fail("buffers " + a + " and " + b + " differ in type, role or variable");
    const bool pop_sized = ba->size == pa.size && bb->size == pb.size;
    if (!pop_sized && !(ba->size == 1 && bb->size == 1))
      return fail("buffers " + a + " (" + std::to_string(ba->size) + ") and " + b + " (" + std::to_string(bb->size) +
                  ") are not both population-sized or both shared");
    a_to_b[a] = b;
    b_to_a[b] = a;
    return true;
  }

  bool expr(const ExprP& a, const ExprP& b, bool is_index) {
    if (!a || !b) return (!a && !b) || fail("an expression is missing in one body");
    if (a->kind != b->kind || a->type != b->type || a->op != b->op || a->args.size() != b->args.size())
      return fail("bodies differ in structure: " + kir::to_string(*a) + " vs " + kir::to_string(*b));
    switch (a->kind) {
      case Expr::Kind::Literal:
        if (is_index && !same_literal(*a, *b)) return fail("a literal buffer index differs: " + kir::to_string(*a) + " vs " + kir::to_string(*b));
        literals.emplace_back(a, b);
        return true;
      case Expr::Kind::Load:
        if (!pair_buffer(a->name, b->name)) return false;
        return expr(a->args.empty() ? nullptr : a->args[0], b->args.empty() ? nullptr : b->args[0], true);
      case Expr::Kind::Random:
        if (a->name != b->name) return fail("random draws differ: " + a->name + " vs " + b->name);
        if (a->stream != b->stream)
          return fail("random streams differ (" + std::to_string(a->stream) + " vs " + std::to_string(b->stream) + ")");
        break;
      default:
        if (a->name != b->name) return fail("bodies differ in structure: " + kir::to_string(*a) + " vs " + kir::to_string(*b));
    }
    for (size_t k = 0; k < a->args.size(); ++k)
      if (!expr(a->args[k], b->args[k], false)) return false;
    return true;
  }

  bool block(const kir::Block& a, const kir::Block& b) {
    if (a.size() != b.size()) return fail("bodies differ in structure: " + std::to_string(a.size()) + " vs " + std::to_string(b.size()) + " statements");
    for (size_t k = 0; k < a.size(); ++k) {
      const Stmt& x = a[k];
      const Stmt& y = b[k];
      if (x.kind != y.kind || x.type != y.type || x.op != y.op || x.conflicting != y.conflicting)
        return fail("bodies differ in structure at statement " + std::to_string(k));
      const bool buffer = x.kind == Stmt::Kind::Store || x.kind == Stmt::Kind::Accumulate;
      if (buffer ? !pair_buffer(x.name, y.name) : x.name != y.name)
        return why.empty() ? fail("bodies differ in structure: " + x.name + " vs " + y.name) : false;
      if (!expr(x.index, y.index, true) || !expr(x.value, y.value, false)) return false;
      if (!block(x.then_body, y.then_body) || !block(x.else_body, y.else_body)) return false;
    }
    return true;
  }
};

// Replaces the literals at the positions of `slots` (in Matcher's order) by merged_param_K.
struct Parameteriser {
  const std::map<size_t, size_t>& slots;  // literal position -> parameter K
  size_t next = 0;

  void block(kir::Block& b) {
    // Literals are leaves, so the rewrite meets them in the Matcher's (pre-order) order.
    kir::rewrite_exprs(b, [&](const ExprP& e) -> ExprP {
      if (e->kind != Expr::Kind::Literal) return e;
      auto it = slots.find(next++);
      return it == slots.end() ? e : kir::builtin("merged_param_" + std::to_string(it->second), e->type);
    });
  }
};

class NeuronGroupMergingPass : public Pass {
 public:
  std::string name() const override { return "merge-neuron-groups"; }
  std::string description() const override {
    return "kernel IR: merge the identical neuron kernels of different populations into one kernel with a parameter table";
  }

  bool run(CompilationUnit& unit, DiagnosticEngine&) override {
    if (!unit.program) return true;
    if (!unit.target.has("fusion:merged-groups")) {
      unit.decisions.emplace_back(name(), "not applied: the " + unit.target.backend +
                                              " backend does not implement fusion:merged-groups");
      return true;
    }
    kir::Program& p = *unit.program;
    const size_t before = p.step_kernel_count();
    AccessCache cache(p);  // valid until remove_unused_kernels renumbers the kernels
    for (size_t pos = 0; pos < p.step_tasks.size(); ++pos) merge_from(p, pos, unit.decisions, cache);
    remove_unused_kernels(p);
    const size_t after = p.step_kernel_count();
    if (after != before)
      unit.decisions.emplace_back(name(), "kernels run per step: " + std::to_string(before) + " -> " + std::to_string(after));
    return true;
  }

 private:
  // Gathers every later task whose kernel matches the one at `head` and may move up to it.
  void merge_from(kir::Program& p, size_t head, std::vector<std::pair<std::string, std::string>>& log,
                  AccessCache& cache) {
    auto& tasks = p.step_tasks;
    auto kernel_at = [&](size_t pos) -> const Kernel* {
      const Task& t = tasks[pos];
      return t.kind == Task::Kind::RunKernel && t.index < p.kernels.size() ? &p.kernels[t.index] : nullptr;
    };
    const Kernel* first = kernel_at(head);
    if (!first || !candidate(p, *first)) return;
    const kir::Population& pa = *p.find_population(first->domain.population);
    std::vector<size_t> members = {head};
    std::set<std::string> pops = {pa.name};
    std::vector<Matcher> matches;
    const std::string what = name() + " " + first->name;
    // The tasks a later member would move up past (those between the head and it that stay), and
    // what they touch together: kept as the scan goes, so each candidate costs one comparison.
    std::vector<size_t> jumped;
    AccessUnion jumped_access;
    auto joins = [&](size_t pos) {
      const Kernel* k = kernel_at(pos);
      if (!k || !candidate(p, *k) || pops.count(k->domain.population)) return false;
      const kir::Population& pb = *p.find_population(k->domain.population);
      // Kernels of different kinds (a threshold and an update) are not even candidates for a pair:
      // no decision line for them.
      if (k->emits_spikes != first->emits_spikes || k->event != first->event) return false;
      Matcher m{p, pa, pb, {}, {}, {}, {}};
      m.block(first->body, k->body);
      if (m.why.empty() && m.literals.size() != (matches.empty() ? m.literals.size() : matches[0].literals.size()))
        m.fail("literal count differs");
      if (m.why.empty()) {
        const Access& ka = cache.kernel(tasks[pos].index);
        if (!conflict(ka, jumped_access.all).empty())
          m.fail("cannot move up past " + std::to_string(jumped.size()) +
                 " task(s): " + move_blocker(p, ka, k->name, jumped, cache));
      }
      if (!m.why.empty()) {
        log.emplace_back(what, "not merged with " + k->name + " (" + pb.name + "): " + m.why);
        return false;
      }
      members.push_back(pos);
      pops.insert(pb.name);
      matches.push_back(std::move(m));
      return true;
    };
    for (size_t pos = head + 1; pos < tasks.size(); ++pos)
      if (!joins(pos)) {
        jumped.push_back(pos);
        jumped_access.add(cache.task(tasks[pos]));
      }
    if (members.size() < 2) return;

    // Literal positions whose value differs in some member become parameters.
    std::map<size_t, size_t> slots;
    const size_t nlit = matches[0].literals.size();
    for (size_t l = 0; l < nlit; ++l)
      for (const auto& m : matches)
        if (!same_literal(*m.literals[l].first, *m.literals[l].second)) {
          const size_t k = slots.size();
          slots[l] = k;
          break;
        }
    Kernel merged = *first;
    Parameteriser{slots}.block(merged.body);
    std::string summary = first->name + " (" + pa.name + ", " + std::to_string(pa.size) + " neurons)";
    Kernel::MergedMember m0{pa.name, first->name, {}, {}};
    for (const auto& [l, k] : slots) m0.params.push_back(matches[0].literals[l].first);
    merged.merged.push_back(std::move(m0));
    for (size_t j = 0; j < matches.size(); ++j) {
      const Kernel& k = *kernel_at(members[j + 1]);
      Kernel::MergedMember mb{k.domain.population, k.name, {}, {}};
      for (const auto& ab : matches[j].a_to_b) mb.buffer_renames.push_back(ab);
      for (const auto& [l, q] : slots) mb.params.push_back(matches[j].literals[l].second);
      summary += " + " + k.name + " (" + k.domain.population + ", " + std::to_string(p.find_population(k.domain.population)->size) + " neurons)";
      merged.merged.push_back(std::move(mb));
    }
    merged.name = unique_kernel_name(p, "merged_" + first->name);
    const std::string merged_name = merged.name;
    p.kernels.push_back(std::move(merged));
    const size_t index = p.kernels.size() - 1;
    std::vector<bool> is_member(tasks.size(), false);
    for (size_t pos : members) is_member[pos] = true;
    std::vector<Task> next;
    for (size_t pos = 0; pos < tasks.size(); ++pos) {
      if (pos == head) next.push_back({Task::Kind::RunKernel, index});
      else if (!is_member[pos]) next.push_back(tasks[pos]);
    }
    tasks = std::move(next);
    log.emplace_back(what, summary + " -> " + merged_name + " (" + std::to_string(members.size()) + " launches -> 1; " +
                               std::to_string(slots.size()) + " of " + std::to_string(nlit) +
                               " literals differ and go into the per-member parameter table; " +
                               std::to_string(matches[0].a_to_b.size()) + " buffers renamed per member)");
  }
};

}  // namespace

std::unique_ptr<Pass> create_neuron_group_merging_pass() { return std::make_unique<NeuronGroupMergingPass>(); }

}  // namespace modelc::passes::kernel
