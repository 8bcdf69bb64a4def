// The IR verifiers (ir/kernel_ir_verifier.h, ir/model_verifier.h) and PassManager's verify_each:
// hand-built IR with one defect each, a deliberately broken pass, and every example and golden
// model verifying cleanly after every pass of every pipeline.
#include <gtest/gtest.h>

#include <filesystem>

#include "driver/driver.h"
#include "ir/kernel_ir_verifier.h"
#include "ir/model_verifier.h"
#include "passes/pass_manager.h"

namespace modelc {
namespace {

using kir::Stmt;
using kir::Type;

kir::ExprP i64() { return kir::builtin("i", Type::Int64); }

kir::Stmt make(Stmt::Kind k, const std::string& name, kir::ExprP value, kir::ExprP index = nullptr, Type t = Type::Double) {
  Stmt s;
  s.kind = k;
  s.name = name;
  s.type = t;
  s.value = std::move(value);
  s.index = std::move(index);
  return s;
}

// A well-formed program: population P (10 neurons) with P_v, synapses S: P -> P with S_w, a
// neuron kernel (declare, if, store, emit_spike), a propagation kernel, a state monitor.
kir::Program good_program() {
  kir::Program p;
  p.populations.push_back({"P", 10, 1, {}, std::nullopt});
  kir::SynapseGroup sg;
  sg.name = "S";
  sg.source = sg.target = "P";
  sg.source_size = sg.target_size = 10;
  sg.pathways.push_back({"pre"});
  p.synapse_groups.push_back(sg);
  kir::Buffer v{"P_v", Type::Double, kir::BufferRole::NeuronState, "P", "v", "volt", 10};
  kir::Buffer w{"S_w", Type::Double, kir::BufferRole::SynapseState, "S", "w", "volt", 0};
  p.buffers = {v, w};

  kir::Kernel update;
  update.name = "P_update";
  update.domain.population = "P";
  update.emits_spikes = true;
  auto vi = kir::load("P_v", Type::Double, i64());
  update.body.push_back(make(Stmt::Kind::Declare, "x", kir::binary(ir::Op::Add, vi, kir::lit(1.0, Type::Double), Type::Double)));
  Stmt iff = make(Stmt::Kind::If, "", kir::binary(ir::Op::Gt, kir::local("x", Type::Double), kir::lit(2.0, Type::Double), Type::Bool));
  iff.then_body.push_back(make(Stmt::Kind::EmitSpike, "", nullptr, i64()));
  iff.then_body.push_back(make(Stmt::Kind::Store, "P_v", kir::lit(0.0, Type::Double), i64()));
  update.body.push_back(iff);
  p.kernels.push_back(update);

  kir::Kernel pre;
  pre.name = "S_pre";
  pre.domain.kind = kir::Domain::Kind::SynapticEvents;
  pre.domain.synapses = "S";
  Stmt acc = make(Stmt::Kind::Accumulate, "P_v", kir::load("S_w", Type::Double, kir::builtin("syn", Type::Int64)),
                  kir::builtin("j", Type::Int64));
  acc.conflicting = true;
  pre.body.push_back(acc);
  p.kernels.push_back(pre);

  kir::Monitor m;
  m.kind = kir::Monitor::Kind::State;
  m.name = "M";
  m.population = "P";
  m.size = 10;
  m.indices = {0, 1};
  m.buffers = {"P_v"};
  m.variables = {"v"};
  m.units = {"volt"};
  p.monitors.push_back(m);
  p.step_tasks = {{kir::Task::Kind::RecordState, 0}, {kir::Task::Kind::RunKernel, 0}, {kir::Task::Kind::RunKernel, 1}};
  return p;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

// The program's problems must include `expected` (a substring of one line).
void expect_problem(const kir::Program& p, const std::string& expected) {
  auto problems = kir::verify(p);
  bool found = false;
  for (const auto& x : problems) found |= x.find(expected) != std::string::npos;
  EXPECT_TRUE(found) << "expected '" << expected << "' among:\n" << joined(problems);
}

TEST(KirVerifier, WellFormedProgramVerifies) { EXPECT_EQ(joined(kir::verify(good_program())), ""); }

TEST(KirVerifier, UnknownBuffer) {
  auto p = good_program();
  p.kernels[0].body[0].value = kir::load("foo", Type::Double, i64());
  expect_problem(p, "kernel 'P_update' loads unknown buffer 'foo'");
  p = good_program();
  p.kernels[1].body[0].name = "P_u";
  expect_problem(p, "kernel 'S_pre' accumulates into unknown buffer 'P_u'");
  p = good_program();
  p.kernels[0].body[1].then_body[1].name = "P_w";  // nested in the if
  expect_problem(p, "kernel 'P_update' stores to unknown buffer 'P_w'");
}

TEST(KirVerifier, IndexTypeAndOperandTypes) {
  auto p = good_program();
  p.kernels[0].body[1].then_body[1].index = kir::lit(1.0, Type::Double);
  expect_problem(p, "kernel 'P_update' stores to 'P_v' at a double index, not an integer");
  p = good_program();
  p.kernels[0].body[0].value = kir::binary(ir::Op::Add, kir::load("P_v", Type::Double, i64()), kir::lit_int(1, Type::Int32), Type::Double);
  expect_problem(p, "has a double + of double and int32 operands");
  p = good_program();
  p.kernels[0].body[1].value = kir::local("x", Type::Double);
  expect_problem(p, "if whose condition is double, not bool");
  p = good_program();
  p.kernels[0].body[0].value = kir::load("P_v", Type::Float, i64());
  expect_problem(p, "loads double buffer 'P_v' as float");
  p = good_program();
  p.kernels[0].body[0].value = kir::binary(ir::Op::Pow, kir::lit(2.0, Type::Double), kir::lit(2.0, Type::Double), Type::Double);
  expect_problem(p, "has a '**'");
}

TEST(KirVerifier, UndefinedAndMisscopedLocals) {
  auto p = good_program();
  p.kernels[0].body.erase(p.kernels[0].body.begin());  // the if now reads x before any declaration
  expect_problem(p, "kernel 'P_update' reads local 'x' before it is declared");
  p = good_program();
  // Declared inside the if, read after it.
  p.kernels[0].body[1].then_body.push_back(make(Stmt::Kind::Declare, "y", kir::lit(1.0, Type::Double)));
  p.kernels[0].body.push_back(make(Stmt::Kind::Store, "P_v", kir::local("y", Type::Double), i64()));
  expect_problem(p, "reads local 'y' before it is declared");
  p = good_program();
  p.kernels[0].body.push_back(make(Stmt::Kind::Assign, "z", kir::lit(1.0, Type::Double)));
  expect_problem(p, "assigns undeclared local 'z'");
  p = good_program();
  p.kernels[0].body.push_back(make(Stmt::Kind::Declare, "x", kir::lit(1.0, Type::Double)));
  expect_problem(p, "declares local 'x' twice in one block");
}

TEST(KirVerifier, ScheduleAndReferences) {
  auto p = good_program();
  p.step_tasks.push_back({kir::Task::Kind::RunKernel, 7});
  expect_problem(p, "step task #3 runs kernel #7, which does not exist (2 kernels)");
  p = good_program();
  p.init_kernels.push_back(2);
  expect_problem(p, "init kernel #2 does not exist");
  p = good_program();
  p.step_tasks[0].kind = kir::Task::Kind::RecordSpikes;
  expect_problem(p, "records monitor 'M' as a spike/rate monitor");
  p = good_program();
  p.kernels[0].domain.population = "Q";
  expect_problem(p, "kernel 'P_update' runs over unknown population 'Q'");
  p = good_program();
  p.kernels[1].domain.synapses = "T";
  expect_problem(p, "kernel 'S_pre' runs over unknown synapse group 'T'");
  p = good_program();
  p.kernels[1].domain.pathway = "post";
  expect_problem(p, "serves unknown pathway 'post' of 'S'");
  p = good_program();
  p.monitors[0].buffers = {"P_x"};
  expect_problem(p, "monitor 'M' names unknown buffer 'P_x'");
  p = good_program();
  p.synapse_groups[0].target_offset = 5;
  expect_problem(p, "synapse group 'S' target slices [5, 15) of population 'P' of size 10");
  p = good_program();
  p.kernels.push_back(p.kernels[0]);
  expect_problem(p, "two kernels are named 'P_update'");
}

TEST(KirVerifier, BuffersBuiltinsAndSpikes) {
  auto p = good_program();
  p.buffers[0].size = 9;
  expect_problem(p, "buffer 'P_v' (neuron state) has 9 elements, population 'P' has 10");
  p = good_program();
  p.buffers[1].owner = "P";
  expect_problem(p, "buffer 'S_w' (synapse state) belongs to unknown synapse group 'P'");
  p = good_program();
  p.kernels[0].body[0].value = kir::builtin("syn", Type::Int64);
  expect_problem(p, "reads built-in 'syn', which a Neurons domain does not define");
  p = good_program();
  p.kernels[0].body[0].value = kir::builtin("merged_param_0", Type::Double);
  expect_problem(p, "reads 'merged_param_0', which its merged members do not supply");
  p = good_program();
  p.kernels[0].emits_spikes = false;
  expect_problem(p, "kernel 'P_update' contains emit_spike but is not marked emits_spikes");
  p = good_program();
  p.kernels[1].body.push_back(make(Stmt::Kind::EmitSpike, "", nullptr, i64()));
  p.kernels[1].emits_spikes = true;
  expect_problem(p, "kernel 'S_pre' emits spikes in a SynapticEvents domain");
}

TEST(KirVerifier, NullOperandsAreReportedNotDereferenced) {
  auto p = good_program();
  auto broken = std::make_shared<kir::Expr>();
  broken->kind = kir::Expr::Kind::Binary;
  broken->type = Type::Double;
  broken->args = {nullptr, nullptr};
  p.kernels[0].body[0].value = broken;
  p.kernels[0].body[1].then_body[1].index = nullptr;
  expect_problem(p, "has a null operand");
  expect_problem(p, "stores to 'P_v' without an index");
}

ir::Model good_model() {
  ir::Model m;
  ir::NeuronGroup g;
  g.name = "G";
  g.size = 4;
  ir::Equation eq;
  eq.kind = ir::Equation::Kind::Differential;
  eq.name = "v";
  eq.expr = ir::Expr::binary(ir::Op::Div, ir::Expr::unary(ir::Op::Neg, ir::Expr::name_ref("v")), ir::Expr::name_ref("tau"));
  g.equations.push_back(eq);
  g.constants["tau"] = {0.01, {}};
  g.threshold = ir::Expr::binary(ir::Op::Gt, ir::Expr::name_ref("v"), ir::Expr::binary(ir::Op::Mul, ir::Expr::number_lit(1), ir::Expr::name_ref("mV")));
  g.chosen_method = ir::Method::Euler;
  ir::Stmt s;
  s.target = "_v";
  s.value = ir::Expr::binary(ir::Op::Mul, ir::Expr::name_ref("dt"), ir::Expr::name_ref("v"));
  g.state_update.push_back(s);
  s.target = "v";
  s.value = ir::Expr::name_ref("_v");
  g.state_update.push_back(s);
  m.neuron_groups.push_back(g);
  ir::Monitor mon;
  mon.name = "M";
  mon.kind = ir::Monitor::Kind::State;
  mon.source = {"G", 0, 4, ""};
  mon.variables = {"v"};
  m.monitors.push_back(mon);
  return m;
}

void expect_model_problem(const ir::Model& m, const std::string& expected) {
  auto problems = ir::verify(m, {true, true});
  bool found = false;
  for (const auto& x : problems) found |= x.find(expected) != std::string::npos;
  EXPECT_TRUE(found) << "expected '" << expected << "' among:\n" << joined(problems);
}

TEST(ModelVerifier, WellFormedModelVerifies) { EXPECT_EQ(joined(ir::verify(good_model(), {true, true})), ""); }

TEST(ModelVerifier, OneDefectEach) {
  auto m = good_model();
  m.neuron_groups[0].threshold = ir::Expr::name_ref("v_th");
  expect_model_problem(m, "group 'G' threshold uses unresolved identifier 'v_th'");
  EXPECT_TRUE(ir::verify(m, {false, false}).empty());  // before resolve-names that is the user's mistake
  m = good_model();
  m.monitors[0].variables = {"w"};
  expect_model_problem(m, "monitor 'M' records unknown variable 'w' of 'G'");
  m = good_model();
  m.monitors[0].source.group = "H";
  expect_model_problem(m, "monitor 'M' names unknown group 'H'");
  m = good_model();
  m.neuron_groups[0].state_update.pop_back();
  expect_model_problem(m, "group 'G' state update (euler) never assigns 'v'");
  m = good_model();
  m.neuron_groups[0].state_update[1].value = ir::Expr::name_ref("_w");
  expect_model_problem(m, "group 'G' state update uses unresolved identifier '_w'");
  m = good_model();
  m.neuron_groups[0].chosen_method = ir::Method::Auto;
  expect_model_problem(m, "group 'G' has no integration method after state-update");
  m = good_model();
  m.neuron_groups[0].equations[0].expr = nullptr;
  expect_model_problem(m, "equation of 'v' has no right-hand side");
  m = good_model();
  m.neuron_groups[0].reset.push_back({"v", "=", nullptr});
  expect_model_problem(m, "group 'G' reset has a statement without a value");
}

// A synapse group S from G onto itself: weight w, on_pre `v_post += w`, its names resolved.
ir::Model model_with_synapses() {
  ir::Model m = good_model();
  ir::SynapseGroup sg;
  sg.name = "S";
  sg.source = {"G", 0, 4, ""};
  sg.target = {"G", 0, 4, ""};
  ir::Equation w;
  w.kind = ir::Equation::Kind::Parameter;
  w.name = "w";
  sg.equations.push_back(w);
  ir::Pathway pw;
  pw.name = "pre";
  pw.code.push_back({"v_post", "+=", ir::Expr::binary(ir::Op::Mul, ir::Expr::name_ref("w"), ir::Expr::name_ref("v_pre"))});
  sg.pathways.push_back(pw);
  m.synapses.push_back(sg);
  return m;
}

TEST(ModelVerifier, SynapseScopeNames) {
  EXPECT_EQ(joined(ir::verify(model_with_synapses(), {true, true})), "");
  auto m = model_with_synapses();
  m.synapses[0].pathways[0].code[0].value = ir::Expr::name_ref("u_pre");  // G has no u
  expect_model_problem(m, "synapse group 'S' pathway 'pre' uses unresolved identifier 'u_pre'");
  m = model_with_synapses();
  // Bare names are the target's (Brian2's rule): v is G's, but a _pre name is never bare.
  m.synapses[0].pathways[0].code[0].value = ir::Expr::binary(ir::Op::Add, ir::Expr::name_ref("v"), ir::Expr::name_ref("lastspike_pre"));
  EXPECT_EQ(joined(ir::verify(m, {true, true})), "");
  m.synapses[0].pathways[0].code[0].value = ir::Expr::name_ref("w_post");
  expect_model_problem(m, "uses unresolved identifier 'w_post'");
  EXPECT_TRUE(ir::verify(m, {false, false}).empty());  // before resolve-names that is the user's mistake
}

// A pass that breaks the kernel IR: its first kernel loads a buffer that does not exist.
class BreakingPass : public passes::Pass {
 public:
  std::string name() const override { return "test-break-kernel-ir"; }
  std::string description() const override { return "test only"; }
  bool run(passes::CompilationUnit& unit, DiagnosticEngine&) override {
    unit.program->kernels[0].body[0].value = kir::load("foo", Type::Double, kir::builtin("i", Type::Int64));
    return true;
  }
};

class IdentityPass : public passes::Pass {
 public:
  std::string name() const override { return "test-identity"; }
  std::string description() const override { return "test only"; }
  bool run(passes::CompilationUnit&, DiagnosticEngine&) override { return true; }
};

TEST(VerifyEach, BrokenPassIsCaughtWithItsName) {
  passes::CompilationUnit unit;
  unit.program = good_program();
  passes::PassManager pm;
  pm.add(std::make_unique<IdentityPass>());
  pm.add(std::make_unique<BreakingPass>());
  pm.add(std::make_unique<IdentityPass>());
  pm.set_verify_each(true);
  DiagnosticEngine diags;
  EXPECT_FALSE(pm.run(unit, diags));
  ASSERT_EQ(diags.error_count(), 1) << diags.render("test");
  EXPECT_EQ(diags.diagnostics()[0].message,
            "internal compiler error: after pass 'test-break-kernel-ir': kernel IR: kernel 'P_update' loads unknown buffer 'foo'");
  EXPECT_EQ(pm.timings().size(), 2u);  // the pipeline stops at the broken pass

  // Without verify_each the same pipeline "succeeds".
  passes::CompilationUnit unit2;
  unit2.program = good_program();
  passes::PassManager quiet;
  quiet.add(std::make_unique<BreakingPass>());
  DiagnosticEngine diags2;
  EXPECT_TRUE(quiet.run(unit2, diags2));
}

TEST(VerifyEach, DefaultFollowsTheEnvironment) {
  const char* old = std::getenv("MODELC_VERIFY_EACH");
  std::string saved = old ? old : "";
  setenv("MODELC_VERIFY_EACH", "1", 1);
  EXPECT_TRUE(driver::default_verify_each());
  EXPECT_TRUE(driver::PipelineOptions{}.verify_each);
  setenv("MODELC_VERIFY_EACH", "0", 1);
  EXPECT_FALSE(driver::default_verify_each());
  unsetenv("MODELC_VERIFY_EACH");
#ifdef NDEBUG
  EXPECT_FALSE(driver::default_verify_each());
#else
  EXPECT_TRUE(driver::default_verify_each());
#endif
  if (old) setenv("MODELC_VERIFY_EACH", saved.c_str(), 1);
}

// Every example and golden model, through every optimisation level's pipeline and both backends'
// strategy sets, is well formed after every pass.
TEST(VerifyEach, EveryModelVerifiesAfterEveryPass) {
  passes::register_builtin_passes();
  const std::filesystem::path root = MODELC_SOURCE_ROOT;
  std::vector<std::filesystem::path> models;
  for (const char* dir : {"examples", "tests/golden/models"})
    for (const auto& e : std::filesystem::directory_iterator(root / dir))
      if (e.path().extension() == ".json") models.push_back(e.path());
  std::sort(models.begin(), models.end());
  ASSERT_GT(models.size(), 20u);
  size_t verified = 0;
  for (const auto& path : models)
    for (const std::string backend : {"cpu", "opencl"})
      for (int level : {0, 2, 3}) {
        driver::PipelineOptions options;
        options.backend = backend;
        options.passes = passes::pipeline_for_opt_level(level);
        options.verify_each = true;
        passes::CompilationUnit unit;
        driver::PhaseTimings timings;
        DiagnosticEngine diags;
        const bool ok = driver::lower_model(path.string(), options, unit, timings, diags);
        // The OpenCL backend implements every strategy a model may ask for (codegen/simt simt_features).
        EXPECT_TRUE(ok && !diags.has_errors())
            << path.filename() << " " << backend << " -O" << level << ":\n" << diags.render(path.filename().string());
        if (ok) ++verified;
      }
  EXPECT_GT(verified, models.size() * 5);
}

}  // namespace
}  // namespace modelc
