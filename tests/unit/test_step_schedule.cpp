// Where mc_run's team needs barriers (backends/cpu/cpu_step_schedule.h): the plan for summarised
// tasks, and the barriers the CPU module of CUBA really has per step with and without threaded
// neuron updates. That two threads still give one thread's results is test_thread_split.cpp's job.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "backends/cpu/cpu_module_emitter.h"
#include "backends/cpu/cpu_step_schedule.h"
#include "tests/unit/model_runner.h"

namespace modelc::backends::cpu {
namespace {

using BK = Barrier::Kind;

Access buf(const std::string& name, bool write, int part, bool solo = false) { return {"b:" + name, write, part, solo}; }
Access ring(bool write, int part, bool solo, int64_t slot, int64_t history) {
  return {"ring:0:spike", write, part, solo, slot, history};
}
StepTask task(std::vector<Access> a, std::string guard = "") {
  StepTask t;
  t.accesses = std::move(a);
  t.guard = std::move(guard);
  return t;
}
std::vector<BK> kinds(const std::vector<Barrier>& plan) {
  std::vector<BK> k;
  for (const Barrier& b : plan) k.push_back(b.kind);
  return k;
}

TEST(StepSchedule, SamePartitionNeedsNoBarrierAlsoAcrossSteps) {
  // An update of population 0 by blocks, then deliveries into the same blocks.
  const auto plan = plan_barriers({task({buf("v", true, 0), buf("ge", true, 0)}), task({buf("ge", true, 0)})});
  EXPECT_EQ(kinds(plan), (std::vector<BK>{BK::None, BK::None, BK::None}));
}

TEST(StepSchedule, DifferentPartitionsOrThreadZeroAloneNeedABarrier) {
  auto plan = plan_barriers({task({buf("ge", true, 0)}), task({buf("ge", false, 1)})});
  EXPECT_EQ(plan[1].kind, BK::Full);
  // Thread 0's solo write against every thread's reads of their own elements: barrier before the
  // readers, and at the end of the step (the next solo write must wait for the readers).
  plan = plan_barriers({task({buf("v", true, -1, true)}), task({buf("v", false, 0)})});
  EXPECT_EQ(kinds(plan), (std::vector<BK>{BK::None, BK::Full, BK::Full}));
  // Reads only: nothing to order.
  plan = plan_barriers({task({buf("v", false, -1, true)}), task({buf("v", false, 0)})});
  EXPECT_EQ(kinds(plan), (std::vector<BK>{BK::None, BK::None, BK::None}));
  // Two solo tasks run in program order on thread 0.
  plan = plan_barriers({task({buf("v", true, -1, true)}), task({buf("v", true, -1, true)})});
  EXPECT_EQ(kinds(plan), (std::vector<BK>{BK::None, BK::None, BK::None}));
}

TEST(StepSchedule, AGuardedReaderGetsABarrierOnlyOnItsSteps) {
  StepTask update = task({buf("v", true, 0)});
  auto plan = plan_barriers({task({buf("v", false, -1, true)}, "step % 10 == 0"), update});
  ASSERT_EQ(plan[1].kind, BK::Guarded);
  EXPECT_EQ(plan[1].guard, "step % 10 == 0");
  // The update's writes against the next step's reader: the guard holds on another step then.
  EXPECT_EQ(plan[2].kind, BK::Full);
  // Unless the update ends in a barrier of its own (a fused update's spike compaction).
  update.synchronised = true;
  plan = plan_barriers({task({buf("v", false, -1, true)}, "step % 10 == 0"), update});
  EXPECT_EQ(kinds(plan), (std::vector<BK>{BK::None, BK::Guarded, BK::None}));
}

TEST(StepSchedule, AGuardedBarrierDoesNotOrderUnguardedTasks) {
  // The guarded barrier before task 2 may not run, so task 0's write still needs one before task 3.
  const auto plan = plan_barriers({task({buf("x", true, -1, true)}), task({buf("v", false, -1, true)}, "step % 4 == 0"),
                                   task({buf("v", true, 0)}), task({buf("x", false, 0)})});
  EXPECT_EQ(plan[2].kind, BK::Guarded);
  EXPECT_EQ(plan[3].kind, BK::Full);
}

TEST(StepSchedule, RingSlotsConflictOnlyWhereTheyCoincide) {
  // A writer of this step's slot that ends in its own barrier, then a reader of the spikes of one
  // step ago. At the end, that reader (slot step-1) against the next step's writer (slot step+1):
  // the same slot in a ring of 2, different in a ring of 3.
  for (int64_t history : {2, 3}) {
    StepTask writer = task({ring(true, 0, false, 0, history)});
    writer.synchronised = true;
    const auto plan = plan_barriers({writer, task({ring(false, -1, false, 1, history)})});
    EXPECT_EQ(kinds(plan), (std::vector<BK>{BK::None, BK::None, history == 2 ? BK::Full : BK::None})) << history;
  }
  // A reader of this step's spikes after their writer.
  auto plan = plan_barriers({task({ring(true, 0, false, 0, 3)}), task({ring(false, -1, false, 0, 3)})});
  EXPECT_EQ(plan[1].kind, BK::Full);
  // With no barrier in the step, threads may drift several steps apart: every slot may coincide.
  // (A reader of two steps ago in a ring of 4 meets no writer's slot one step apart.)
  plan = plan_barriers({task({ring(true, 0, false, 0, 4)}), task({ring(false, -1, false, 2, 4)})});
  EXPECT_EQ(kinds(plan), (std::vector<BK>{BK::None, BK::None, BK::Full}));
}

TEST(StepSchedule, OpaqueTasksAreFencedAndSynchronisedOnesFenceThemselves) {
  StepTask opaque;
  opaque.opaque = true;
  auto plan = plan_barriers({task({buf("v", true, 0)}), opaque, task({buf("w", true, 0)})});
  EXPECT_EQ(kinds(plan), (std::vector<BK>{BK::None, BK::Full, BK::Full, BK::None}));
  StepTask fenced = task({buf("v", true, 0)});
  fenced.synchronised = true;
  plan = plan_barriers({task({buf("v", true, -1, true)}), fenced, task({buf("v", true, -1, true)})});
  // Before the synchronised task (thread 0's write against its blocks), none after it.
  EXPECT_EQ(kinds(plan), (std::vector<BK>{BK::None, BK::Full, BK::None, BK::None}));
}

// The step loop of CUBA's module: the lines of mc_run that are unconditional barriers of the step.
int step_barriers(int64_t n) {
  driver::PipelineOptions o;
  o.read.parameter_overrides.push_back({"N", std::to_string(n)});
  passes::CompilationUnit unit;
  driver::PhaseTimings timings;
  DiagnosticEngine diags;
  EXPECT_TRUE(driver::lower_model((testing::source_root() / "examples/cuba.json").string(), o, unit, timings, diags));
  if (!unit.program) return -1;
  const std::string src = emit_cpu_module(*unit.program, {}, diags);
  const size_t run = src.find("int mc_run(");
  const std::string body = src.substr(run, src.find("\n}\n", run) - run);
  int count = 0;
  for (size_t at = body.find("\n    mc_barrier(m);\n"); at != std::string::npos; at = body.find("\n    mc_barrier(m);\n", at + 1))
    ++count;
  // The state monitor reads every thread's neurons on its recording steps (every 10th) only.
  if (n >= 1024) {
    EXPECT_NE(body.find("if (step % 10 == 0) mc_barrier(m);"), std::string::npos);
  }
  return count;
}

TEST(StepScheduleCodegen, CubaThreadedRunsItsStepWithoutStepLevelBarriers) {
  // Above parallel_min_size the update splits by blocks and the deliveries by the same blocks:
  // only the update's own two barriers (spike compaction) and the poll every 8th step remain.
  EXPECT_EQ(step_barriers(8000), 0);
  // Below it thread 0 updates alone: a barrier before the team's deliveries and one at the end.
  EXPECT_EQ(step_barriers(1000), 2);
}

}  // namespace
}  // namespace modelc::backends::cpu
