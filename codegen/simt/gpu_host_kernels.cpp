// The kernels of a GPU host module as data: per model kernel a row of `mc_kernels_` (its device
// name, argument table, grid and how each launch picks its ring slot) and the step schedule
// `mc_step_schedule_`, read by three fixed functions written once per module: mc_bind (arguments
// and grid, once the sizes are known), mc_run_kernel (one launch) and mc_run_step (one step of
// the schedule). What differs between models is only in the tables, so the generic launch code
// is the same text in every module and for every GpuTarget.
#include <algorithm>
#include <optional>
#include <set>

#include "codegen/simt/gpu_host_parts.h"
#include "support/code_writer.h"
#include "support/format.h"

namespace modelc::codegen::simt {

namespace {

using support::c_string;
using support::int_text;
using Kind = KernelParam::Kind;
using DK = kir::Domain::Kind;

// The table types. Offsets are into struct mc_module (offsetof), so one table type covers every
// field a kernel argument can name.
constexpr const char* kLaunchTypes = R"(/* A device buffer, an 8-byte value (int64_t or uint64_t), or the int64 0. */
enum { MC_ARG_BUFFER, MC_ARG_VALUE64, MC_ARG_ZERO };
typedef struct mc_arg {
  int32_t kind;    /* MC_ARG_* */
  int32_t offset;  /* of the mc_buffer* or the value in mc_module */
} mc_arg;
/* Threads per element (rounded up to the block size), blocks striding over events, one block. */
enum { MC_GRID_ELEMENTS, MC_GRID_EVENTS, MC_GRID_ONE_GROUP };
/* The ring slot a launch reads: none, this step's, `delay` steps ago, the pathway's event queue. */
enum { MC_SLOT_NONE, MC_SLOT_RING, MC_SLOT_DELAYED, MC_SLOT_QUEUE };
/* An event list's compaction: offsets of its kernel and block size, and the depth of its ring. */
typedef struct mc_compaction {
  int32_t kernel, local;
  int64_t history;
} mc_compaction;
typedef struct mc_kernel_desc {
  const char* name;     /* in the device program; NULL: no kernel */
  const char* what;     /* in errors */
  const mc_arg* args;   /* every parameter; the last two (step, slot) are set before each launch */
  int32_t nargs;
  int32_t grid;         /* MC_GRID_* */
  int32_t cap;          /* upper bound of the block size */
  int64_t size;         /* elements or events */
  int32_t size_field;   /* >= 0: the element count is the int64 at this offset instead */
  int64_t every;        /* launched on steps that are multiples of this (run_regularly) */
  int32_t slot;         /* MC_SLOT_* */
  int64_t history;      /* MC_SLOT_RING, MC_SLOT_DELAYED: the depth of the event list's ring */
  int64_t delay;        /* MC_SLOT_DELAYED: in steps */
  int32_t depth_field;  /* MC_SLOT_QUEUE: offset of the pathway's ring depth (int64) */
  int (*queue)(mc_module*, int64_t);  /* MC_SLOT_QUEUE: moves this step's events into that ring */
  int32_t skip_field;   /* >= 0: not launched while the int64 at this offset is 0 (no synapses) */
  const mc_compaction* compact;    /* the event lists the kernel emits into, compacted after it */
  int32_t ncompact;
} mc_kernel_desc;
/* One entry of a schedule: a model kernel, or a call (monitor recording). */
typedef struct mc_task {
  int32_t kernel;
  int (*call)(mc_module*, int64_t);
} mc_task;
)";

// The functions that read the tables.
constexpr const char* kLaunchFunctions = R"(static int64_t mc_field_i64(const mc_module* m, int32_t offset) {
  return *(const int64_t*)((const char*)m + offset);
}

/* Sets every argument of kernel `k` and its grid; called once the sizes it reads are known. */
static int mc_bind(mc_module* m, int32_t k) {
  const mc_kernel_desc* d = &mc_kernels_[k];
  mc_kernel* kern = m->kernels[k];
  const int64_t zero = 0;
  int ok = 0;
  for (int32_t a = 0; a < d->nargs; ++a) {
    const void* at = (const char*)m + d->args[a].offset;
    switch (d->args[a].kind) {
      case MC_ARG_BUFFER: ok |= mc_kernel_set_buffer(kern, (uint32_t)a, *(mc_buffer* const*)at); break;
      case MC_ARG_VALUE64: ok |= mc_kernel_set_value(kern, (uint32_t)a, 8, at); break;
      default: ok |= mc_kernel_set_value(kern, (uint32_t)a, sizeof zero, &zero); break;
    }
  }
  if (ok) {
    char what[320];
    snprintf(what, sizeof what, "setting the arguments of %s", d->what);
    return mc_dev_fail(m, what);
  }
  size_t local = mc_kernel_local_size(kern, (size_t)d->cap);
  size_t global = local;
  if (d->grid == MC_GRID_EVENTS) {
    /* A few blocks per compute unit, never more than there can be events. */
    size_t groups = (size_t)m->compute_units * 8;
    if (groups > (size_t)d->size) groups = (size_t)d->size;
    global = groups * local;
  } else if (d->grid == MC_GRID_ELEMENTS) {
    const int64_t n = d->size_field >= 0 ? mc_field_i64(m, d->size_field) : d->size;
    global = mc_round_up((size_t)n, local);
  }
  m->kernel_local[k] = local;
  m->kernel_global[k] = global;
  return 0;
}

/* One launch of kernel `k` at `step` (and the compaction of the events it emitted). */
static int mc_run_kernel(mc_module* m, int32_t k, int64_t step) {
  const mc_kernel_desc* d = &mc_kernels_[k];
  if (d->every > 1 && step % d->every != 0) return 0;
  int64_t slot = 0;
  if (d->slot == MC_SLOT_RING) {
    slot = step % d->history;
  } else if (d->slot == MC_SLOT_DELAYED) {
    const int64_t src = step - d->delay;
    if (src < 0) return 0;
    slot = src % d->history;
  } else if (d->slot == MC_SLOT_QUEUE) {
    if (d->queue(m, step)) return 1;
    slot = step % mc_field_i64(m, d->depth_field);
  }
  if (d->skip_field >= 0 && mc_field_i64(m, d->skip_field) == 0) return 0;
  mc_kernel* kern = m->kernels[k];
  const int64_t st = step;
  MC_DEV(mc_kernel_set_value(kern, (uint32_t)(d->nargs - 2), sizeof st, &st), "setting the step");
  MC_DEV(mc_kernel_set_value(kern, (uint32_t)(d->nargs - 1), sizeof slot, &slot), "setting the slot");
  if (mc_launch(m, kern, m->kernel_global[k], m->kernel_local[k], d->what)) return 1;
  for (int32_t e = 0; e < d->ncompact; ++e) {
    const mc_compaction* cd = &d->compact[e];
    mc_kernel* cp = *(mc_kernel* const*)((const char*)m + cd->kernel);
    const size_t cl = *(const size_t*)((const char*)m + cd->local);
    const int64_t list_slot = step % cd->history;
    MC_DEV(mc_kernel_set_value(cp, 6, sizeof list_slot, &list_slot), "setting the slot");
    if (mc_launch(m, cp, cl, cl, "spike compaction")) return 1;
  }
  return 0;
}

/* One step: the schedule's kernels and recordings in order. */
static int mc_run_step(mc_module* m, int64_t step) {
  for (int32_t t = 0; t < MC_STEP_TASKS; ++t) {
    const mc_task* task = &mc_step_schedule_[t];
    if (task->call ? task->call(m, step) : mc_run_kernel(m, task->kernel, step)) return 1;
  }
  return 0;
}
)";

std::string field(const std::string& name) { return "(int32_t)offsetof(mc_module, " + name + ")"; }

// The argument table entry of one kernel parameter (the field it reads).
std::string arg_entry(const GpuModuleContext& c, const KernelPlan& plan, const KernelParam& prm) {
  const std::string ps = std::to_string(plan.population), gs = std::to_string(prm.group >= 0 ? prm.group : plan.group);
  const std::string lp = plan.list >= 0 ? c.lists[plan.list].prefix : "pop" + ps;
  const std::string ws = std::to_string(plan.pathway);
  // A heterogeneous-delay pathway reads its own event ring, not the list.
  const bool queued = plan.kernel->domain.kind == DK::QueuedEvents;
  auto buf = [&](const std::string& f) { return "{MC_ARG_BUFFER, " + field(f) + "}"; };
  switch (prm.kind) {
    case Kind::Buffer: return buf("d_" + prm.name);
    case Kind::Flags: return buf((prm.list >= 0 ? c.lists[prm.list].prefix : lp) + "_flags");
    case Kind::Spikes: return buf(queued ? "syn" + gs + "_qev" + ws : lp + "_spikes");
    case Kind::Counts: return buf(queued ? "syn" + gs + "_qcnt" + ws : lp + "_counts");
    case Kind::Totals: return buf("totals");
    case Kind::GenSteps: return buf("pop" + ps + "_gsteps");
    case Kind::GenIdx: return buf("pop" + ps + "_gidx");
    case Kind::Col: return buf("syn" + gs + "_dcol");
    case Kind::ColSyn: return buf("syn" + gs + "_dcolsyn");
    case Kind::Seg: return buf("syn" + gs + "_dseg" + ws);
    case Kind::Perm: return buf("syn" + gs + "_dperm" + ws);
    case Kind::Row: return buf("syn" + gs + "_drow");
    case Kind::Dense: return buf("syn" + gs + "_ddense");
    case Kind::Bits: return buf("syn" + gs + "_dbits");
    case Kind::Post: return buf("syn" + gs + "_dpost");
    case Kind::Pre: return buf("syn" + gs + "_dpre");
    case Kind::Delays: return buf("syn" + gs + "_ddl" + ws);
    case Kind::Depth:
      return plan.pathway >= 0 ? "{MC_ARG_VALUE64, " + field("syn" + gs + "_depth" + ws) + "}" : std::string("{MC_ARG_ZERO, 0}");
    case Kind::SynCount:
      return plan.group >= 0 ? "{MC_ARG_VALUE64, " + field("syn" + gs + "_n") + "}" : std::string("{MC_ARG_ZERO, 0}");
    case Kind::Seed: return "{MC_ARG_VALUE64, " + field("seed") + "}";
    case Kind::Step:
    case Kind::Slot: return "{MC_ARG_ZERO, 0}";
  }
  return "{MC_ARG_ZERO, 0}";
}

// The row of mc_kernels_ for one plan.
std::string kernel_desc(const GpuModuleContext& c, const KernelPlan& plan) {
  if (!plan.kernel) return "{0, 0, 0, 0, MC_GRID_ONE_GROUP, 1, 1, -1, 1, MC_SLOT_NONE, 1, 0, -1, 0, -1, 0, 0}";
  const kir::Kernel& kern = *plan.kernel;
  const DK dk = kern.domain.kind;
  const std::string ks = std::to_string(plan.index), gs = std::to_string(plan.group);
  std::string grid = "MC_GRID_ELEMENTS", cap = "256", size = "1", size_field = "-1";
  if (plan.post_parallel) {  // a thread per target neuron, reading the delayed list like the others
    size = int_text(c.p.synapse_groups[plan.group].target_size);
  } else if (dk == DK::SynapticEvents || dk == DK::PostSynapticEvents || dk == DK::QueuedEvents || dk == DK::DendriticEvents) {
    // Blocks of up to 64 (two warps / one wavefront) per event (queued pathways: per (delay,
    // event) pair, so not bounded by the population size).
    const int64_t n = dk == DK::QueuedEvents ? INT32_MAX : c.p.populations[plan.population].size;
    grid = "MC_GRID_EVENTS", cap = std::to_string(kEventBlockCap), size = int_text(n > 0 ? n : 1);
  } else if (dk == DK::SpikeGenerator) {
    grid = "MC_GRID_ONE_GROUP";
  } else if (!plan.members.empty()) {
    size = int_text(plan.members.back().first + plan.members.back().size);
  } else if (plan.gather || dk == DK::DendriticDrain) {
    size = int_text(c.p.synapse_groups[plan.group].target_size);
  } else if (dk == DK::Synapses) {
    size_field = field("syn" + gs + "_n");
  } else {
    const kir::Domain& d = kern.domain;
    size = int_text(d.size > 0 ? d.size : c.p.populations[plan.population].size);
  }
  std::string slot = "MC_SLOT_NONE", history = "1", delay = "0", depth = "-1", queue = "0";
  if (dk == DK::SynapticEvents || dk == DK::PostSynapticEvents || dk == DK::DendriticEvents) {
    slot = "MC_SLOT_DELAYED", history = int_text(c.lists[plan.list].history), delay = int_text(plan.delay);
  } else if (dk == DK::QueuedEvents) {
    const std::string ws = std::to_string(plan.pathway);
    slot = "MC_SLOT_QUEUE", depth = field("syn" + gs + "_depth" + ws), queue = "mc_queue_events" + gs + "_" + ws;
  } else if (plan.list >= 0) {
    slot = "MC_SLOT_RING", history = int_text(c.lists[plan.list].history);
  }
  const std::string skip = dk == DK::Synapses ? field("syn" + gs + "_n") : std::string("-1");
  const std::string compact = plan.emits ? "mc_compact" + ks + "_" : std::string("0");
  const size_t ncompact = plan.emits ? std::max<size_t>(1, plan.members.size()) : 0;
  return "{" + c_string("k" + ks) + ", " + c_string("kernel " + kern.name) + ", mc_args" + ks + "_, " +
         std::to_string(plan.params.size()) + ", " + grid + ", " + cap + ", " + size + ", " + size_field + ", " +
         int_text(kern.every_steps > 1 ? kern.every_steps : 1) + ", " + slot + ", " + history + ", " + delay + ", " +
         depth + ", " + queue + ", " + skip + ", " + compact + ", " + std::to_string(ncompact) + "}";
}

// A task of the step schedule: a kernel index or the name of a recording function.
struct StepTask {
  int kernel = -1;
  std::string call;
};

// The task `t`; nullopt when it names something the program lacks (reported).
std::optional<StepTask> step_task(GpuModuleContext& c, const kir::Task& t) {
  const kir::Program& p = c.p;
  if (t.kind == kir::Task::Kind::RunKernel) {
    if (t.index < c.plans.size() && c.plans[t.index].kernel) return StepTask{static_cast<int>(t.index), {}};
    c.error("task refers to kernel " + std::to_string(t.index) + " but the program has " + std::to_string(p.kernels.size()));
    return std::nullopt;
  }
  if (t.index >= p.monitors.size()) {
    c.error("task refers to monitor " + std::to_string(t.index) + " but the program has " + std::to_string(p.monitors.size()));
    return std::nullopt;
  }
  const kir::Monitor& mon = p.monitors[t.index];
  const bool state = mon.kind == kir::Monitor::Kind::State;
  if (state != (t.kind == kir::Task::Kind::RecordState)) c.error("task kind does not match the kind of monitor '" + mon.name + "'");
  if (state) return StepTask{-1, "mc_record_state" + std::to_string(t.index)};
  const int pk = c.population_index(mon.population);
  const int l = pk < 0 ? -1 : c.list_index(pk, mon.kind == kir::Monitor::Kind::Rate ? std::string() : mon.event);
  if (l < 0) return std::nullopt;  // reported with the monitor
  return StepTask{-1, "mc_record_list" + std::to_string(l)};
}

}  // namespace

void emit_kernel_table(GpuModuleContext& c, std::string& o) {
  support::CodeWriter w;
  w.lines(kLaunchTypes);
  w.blank();
  std::vector<StepTask> tasks;
  std::set<std::string> calls;
  for (const auto& t : c.p.step_tasks)
    if (auto task = step_task(c, t)) {
      if (!task->call.empty()) calls.insert(task->call);
      tasks.push_back(std::move(*task));
    }
  // Defined with the monitors (gpu_host_monitors.cpp), after this table that names them.
  for (const auto& f : calls) w.line("static int " + f + "(mc_module* m, int64_t step);");
  for (const auto& plan : c.plans) {
    if (!plan.kernel) continue;
    auto table = w.block("static const mc_arg mc_args" + std::to_string(plan.index) + "_[] =", ";");
    for (const auto& prm : plan.params) w.line(arg_entry(c, plan, prm) + ",");
  }
  for (const auto& plan : c.plans) {
    if (!plan.kernel || !plan.emits) continue;
    // The lists it emits into: its own, or each merged member's.
    std::vector<int> lists;
    for (const auto& mb : plan.members) lists.push_back(mb.list);
    if (lists.empty()) lists.push_back(plan.list);
    auto table = w.block("static const mc_compaction mc_compact" + std::to_string(plan.index) + "_[] =", ";");
    for (int l : lists) {
      const std::string cp = c.lists[l].prefix + "_compact";
      w.line("{" + field(cp) + ", " + field(cp + "_local") + ", " + int_text(c.lists[l].history) + "},");
    }
  }
  {
    w.line("// name, what, args, nargs, grid, cap, size, size_field, every, slot, history, delay, depth_field, queue,");
    w.line("// skip_field, compact, ncompact");
    auto table = w.block("static const mc_kernel_desc mc_kernels_[" + std::to_string(std::max<size_t>(1, c.plans.size())) + "] =", ";");
    for (const auto& plan : c.plans) w.line(kernel_desc(c, plan) + ",  // " + (plan.kernel ? plan.kernel->name : std::string("-")));
  }
  w.line("#define MC_STEP_TASKS " + std::to_string(tasks.size()));
  {
    auto table = w.block("static const mc_task mc_step_schedule_[" + std::to_string(std::max<size_t>(1, tasks.size())) + "] =", ";");
    for (const auto& t : tasks) w.line("{" + std::to_string(t.kernel) + ", " + (t.call.empty() ? std::string("0") : t.call) + "},");
    if (tasks.empty()) w.line("{-1, 0},  // no tasks");
  }
  w.blank();
  w.lines(kLaunchFunctions);
  w.blank();
  o += w.take();
}

}  // namespace modelc::codegen::simt
