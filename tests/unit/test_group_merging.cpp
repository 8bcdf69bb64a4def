// merge-neuron-groups: three LIF populations of different sizes and parameters become one kernel
// (one launch per step), a fourth with another equation does not; spikes and traces are
// bit-identical merged vs unmerged vs -O0, and for 1 vs 2 threads; the pass refuses bodies that
// differ in structure or in random streams and says why; the CPU code loops over a member table.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "backends/cpu/cpu_module_emitter.h"
#include "passes/pass_manager.h"
#include "passes/passes.h"
#include "tests/unit/model_runner.h"

namespace modelc::testing {
namespace {

const char* kModel = "tests/ir_dumps/merge_neuron_groups.json";

// The model with B grown to 5000 neurons: above the CPU backend's 1024-neuron threading threshold,
// while A and C stay below it, so the member table's per-member thread switch is exercised.
std::filesystem::path with_large_b() {
  std::ifstream in(source_root() / kModel);
  nlohmann::ordered_json m = nlohmann::ordered_json::parse(in);
  m["neuron_groups"][1]["size"] = 5000;
  m["monitors"][4]["indices"] = {0, 4321, 4999};
  auto out = std::filesystem::temp_directory_path() / ("modelc-merge-" + std::to_string(getpid()) + ".json");
  std::ofstream(out) << m.dump(2);
  return out;
}

RunOutput run(int opt_level, bool merge, int threads, const std::filesystem::path& model = kModel) {
  driver::PipelineOptions o;
  o.passes = passes::pipeline_for_opt_level(opt_level);
  if (!merge) o.disabled_passes = {"merge-neuron-groups"};
  std::string error;
  auto out = compile_and_run(model, error, o, threads);
  EXPECT_TRUE(out.has_value()) << error;
  return out ? std::move(*out) : RunOutput{};
}

void expect_same(const RunOutput& a, const RunOutput& b, const std::string& what) {
  ASSERT_EQ(a.results.monitors.size(), b.results.monitors.size()) << what;
  for (size_t k = 0; k < a.results.monitors.size(); ++k) {
    const auto& x = a.results.monitors[k];
    const auto& y = b.results.monitors[k];
    EXPECT_EQ(x.steps, y.steps) << what << ": " << x.name;
    EXPECT_EQ(x.spike_indices, y.spike_indices) << what << ": " << x.name;
    EXPECT_EQ(x.values, y.values) << what << ": " << x.name;
  }
  ASSERT_EQ(a.results.populations.size(), 4u);
  for (size_t p = 0; p < a.results.populations.size(); ++p) {
    EXPECT_GT(a.results.populations[p].spikes, 0) << what << ": population " << p << " never spikes (vacuous test)";
    EXPECT_EQ(a.results.populations[p].spikes, b.results.populations[p].spikes) << what;
  }
}

bool has_decision(const RunOutput& r, const std::string& why_part) {
  for (const auto& [what, why] : r.compiled.unit.decisions)
    if (what.rfind("merge-neuron-groups", 0) == 0 && why.find(why_part) != std::string::npos) return true;
  return false;
}

TEST(GroupMerging, MergedEqualsUnmergedAndO0) {
  RunOutput merged = run(2, true, 1), unmerged = run(2, false, 1), o0 = run(0, true, 1);
  // A, B, C share one launch; D (another equation) keeps its own: 4 -> 2 fused kernels per step.
  EXPECT_DOUBLE_EQ(merged.results.launches_per_step(), 2.0);
  EXPECT_DOUBLE_EQ(unmerged.results.launches_per_step(), 4.0);
  expect_same(merged, unmerged, "merged vs --disable-pass merge-neuron-groups");
  expect_same(merged, o0, "merged vs -O0");
  EXPECT_TRUE(has_decision(merged, "3 launches -> 1"));
  EXPECT_TRUE(has_decision(merged, "3 of 6 literals differ"));
  EXPECT_TRUE(has_decision(merged, "not merged with D_update_threshold_reset (D): bodies differ in structure"));
}

TEST(GroupMerging, ThreadsDoNotChangeResults) {
  const auto model = with_large_b();
  RunOutput one = run(2, true, 1, model), two = run(2, true, 2, model), unmerged = run(2, false, 2, model);
  EXPECT_DOUBLE_EQ(two.results.launches_per_step(), 2.0);
  expect_same(one, two, "merged, 1 vs 2 threads");
  expect_same(two, unmerged, "merged vs unmerged, 2 threads");
}

TEST(GroupMerging, CpuCodeLoopsOverAMemberTable) {
  driver::PipelineOptions o;
  passes::CompilationUnit unit;
  driver::PhaseTimings timings;
  DiagnosticEngine diags;
  ASSERT_TRUE(driver::lower_model((source_root() / kModel).string(), o, unit, timings, diags));
  std::string src = backends::cpu::emit_cpu_module(*unit.program, {}, diags);
  size_t k = src.find("// kernel merged_A_update_threshold_reset");
  ASSERT_NE(k, std::string::npos);
  std::string body = src.substr(k, src.find("\n}\n", k) - k);
  // A static table of module offsets, not a runtime initialiser (compile time with many members).
  EXPECT_NE(body.find("static const struct _mc_member_k _mc_members[3]"), std::string::npos) << body;
  EXPECT_NE(body.find("offsetof(mc_module, b_v_B_v)"), std::string::npos) << body;
  EXPECT_EQ(body.find("m->b_v_B_v"), std::string::npos) << body;
  EXPECT_NE(body.find("merged_param_2"), std::string::npos) << body;
  EXPECT_NE(body.find("#pragma omp simd"), std::string::npos) << "the update prefix must stay vectorised";
}

// Hand-built: two populations whose kernels draw from different random streams are not merged.
TEST(GroupMerging, RefusesDifferentRandomStreams) {
  passes::CompilationUnit u;
  u.target.features = {"fusion:merged-groups"};
  kir::Program& p = u.program.emplace();
  for (const char* n : {"A", "B"}) {
    kir::Population pop;
    pop.name = n;
    pop.size = 8;
    p.populations.push_back(pop);
    kir::Buffer b;
    b.name = std::string(n) + "_v";
    b.owner = n;
    b.variable = "v";
    b.size = 8;
    p.buffers.push_back(b);
    kir::Kernel k;
    k.name = std::string(n) + "_update";
    k.domain.population = n;
    kir::Stmt s;
    s.kind = kir::Stmt::Kind::Store;
    s.name = b.name;
    s.index = kir::builtin("i", kir::Type::Int64);
    s.value = kir::random("normal", p.kernels.size() + 1, kir::Type::Double);
    k.body = {s};
    p.kernels.push_back(k);
    p.step_tasks.push_back({kir::Task::Kind::RunKernel, p.kernels.size() - 1});
  }
  DiagnosticEngine diags;
  ASSERT_TRUE(passes::kernel::create_neuron_group_merging_pass()->run(u, diags));
  EXPECT_EQ(p.step_tasks.size(), 2u);
  bool said = false;
  for (const auto& [what, why] : u.decisions) said |= why.find("random streams differ (1 vs 2)") != std::string::npos;
  EXPECT_TRUE(said);
  // Same stream: merged into one task with B's buffer renamed.
  p.kernels[1].body[0].value = kir::random("normal", 1, kir::Type::Double);
  u.decisions.clear();
  ASSERT_TRUE(passes::kernel::create_neuron_group_merging_pass()->run(u, diags));
  ASSERT_EQ(p.step_tasks.size(), 1u);
  const kir::Kernel& m = p.kernels[p.step_tasks[0].index];
  ASSERT_EQ(m.merged.size(), 2u);
  EXPECT_EQ(m.merged[1].buffer_renames, (std::vector<std::pair<std::string, std::string>>{{"A_v", "B_v"}}));
}


}  // namespace
}  // namespace modelc::testing
