// Where mc_run's team needs barriers (docs/performance.md, "Threads"). Every task of a step is
// summarised by the elements its threads touch; a barrier goes between two tasks only where a
// thread may touch an element another thread touched since the last barrier (one of them writing).
// Kernels that split neurons and targets by the same blocks of a population therefore run back to
// back, also across the step boundary: at 40,000 CUBA neurons a step needs the two barriers of the
// spike compaction instead of six.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace modelc::backends::cpu {

struct EmitContext;

// How a kernel shares its work among the team; recorded while the kernel is emitted.
struct KernelSharing {
  enum class Kind {
    Opaque,      // unknown accesses (or its own barriers): barriers before and after it
    Solo,        // thread 0 runs it whole
    OwnNeurons,  // each thread its blocks of `population` (mc_own_targets in the module)
    OwnTargets,  // each thread the targets in its blocks of the target population
  };
  Kind kind = Kind::Opaque;
  int population = -1;        // OwnNeurons: whose blocks
  bool synchronised = false;  // ends in a barrier of its own, after all of its accesses
};

// One kind of access of a task to a resource: a buffer ("b:<name>") or an event ring
// ("ring:<population>:<event>", the spike list and its counts).
struct Access {
  std::string resource;
  bool write = false;
  // -1: elements of any thread; otherwise only elements owned by this thread under partition
  // `part` (a population's blocks, or kTargetPart + g: the synapses of group g by target).
  int part = -1;
  bool solo = false;       // only thread 0 touches it (tasks of thread 0 run in program order)
  int64_t slot = 0;        // rings: the step it reads or writes is `step - slot` ...
  int64_t history = 1;     // ... of a ring this many steps deep
};
constexpr int kTargetPart = 1 << 20;

struct StepTask {
  std::vector<Access> accesses;
  bool opaque = false;        // accesses unknown: a barrier before it and after it
  bool synchronised = false;  // ends in its own barrier (nothing of it or before it is pending)
  std::string guard;          // runs only on steps where this C condition holds ("" = every step)
};

struct Barrier {
  enum class Kind { None, Guarded, Full };
  Kind kind = Kind::None;
  std::string guard;  // Guarded: the C condition on `step` under which it runs
};

// barriers[i] goes before tasks[i]; barriers[tasks.size()] ends the step (and guards the tasks of
// the next step against those of this one).
std::vector<Barrier> plan_barriers(const std::vector<StepTask>& tasks);

// Summaries of the tasks mc_run calls: kernel `k` (after it was emitted) and monitor `mon`.
StepTask kernel_task(const EmitContext& c, size_t k);
StepTask monitor_task(const EmitContext& c, size_t mon);

}  // namespace modelc::backends::cpu
