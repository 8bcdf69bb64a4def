// Golden text of the shared C-family kernel printer and of the kernel IR dump.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>

#include "codegen/cpp_printer.h"
#include "codegen/c_printer.h"
#include "ir/kernel_ir.h"

using namespace modelc;
using namespace modelc::kir;
using modelc::codegen::CStylePrinter;
using ir::Op;

namespace {

const CStylePrinter& printer() {
  static CStylePrinter p;
  return p;
}

std::string P(const ExprP& e) { return printer().expr(e); }

ExprP d(double v) { return lit(v, Type::Double); }
ExprP f(double v) { return lit(v, Type::Float); }
ExprP I() { return builtin("i", Type::Int64); }

Stmt store(const std::string& buf, ExprP idx, ExprP v) {
  Stmt s;
  s.kind = Stmt::Kind::Store;
  s.name = buf;
  s.index = std::move(idx);
  s.value = std::move(v);
  return s;
}

}  // namespace

TEST(CPrinter, DoubleLiteralsRoundTripAndLookFloating) {
  EXPECT_EQ(P(d(1.0)), "1.0");
  EXPECT_EQ(P(d(0.1)), "0.1");
  EXPECT_EQ(P(d(1e-12)), "1e-12");
  EXPECT_EQ(P(d(-2.5)), "(-2.5)");
  EXPECT_EQ(P(d(1e300)), "1e+300");
  const double third = 1.0 / 3.0;
  std::string s = P(d(third));
  EXPECT_EQ(std::strtod(s.c_str(), nullptr), third) << s;
  EXPECT_EQ(P(d(std::numeric_limits<double>::infinity())), "(MC_INF)");
  EXPECT_EQ(P(d(-std::numeric_limits<double>::infinity())), "(-MC_INF)");
  EXPECT_EQ(P(d(std::nan(""))), "MC_NAN");
  EXPECT_EQ(P(d(-0.0)), "(-0.0)");
}

TEST(CPrinter, FloatLiteralsHaveSuffixAndFloatPrecision) {
  EXPECT_EQ(P(f(1.0)), "1.0f");
  EXPECT_EQ(P(f(0.1)), "0.1f");  // shortest text for the float nearest 0.1, not the double
  EXPECT_EQ(P(f(-3.0)), "(-3.0f)");
  EXPECT_EQ(P(f(std::numeric_limits<double>::infinity())), "(MC_INFF)");
  std::string s = P(f(1.0 / 3.0));
  EXPECT_EQ(s.back(), 'f');
  EXPECT_EQ(std::strtof(s.c_str(), nullptr), static_cast<float>(1.0 / 3.0)) << s;
}

TEST(CPrinter, IntAndBoolLiterals) {
  EXPECT_EQ(P(lit_int(3)), "3");
  EXPECT_EQ(P(lit_int(-3)), "(-3)");
  EXPECT_EQ(P(lit_int(5000000000LL)), "5000000000LL");
  EXPECT_EQ(P(lit_int(std::numeric_limits<int64_t>::min())), "(-9223372036854775807LL - 1)");
  EXPECT_EQ(P(lit_int(7, Type::Int32)), "7");
  EXPECT_EQ(P(lit_bool(true)), "true");
  EXPECT_EQ(P(lit_bool(false)), "false");
}

TEST(CPrinter, BinaryOperationsAreFullyParenthesised) {
  // (v - 0.5) * 2 - 1 / 3: precedence is explicit in the tree, the text must keep it.
  auto v = load("P_v", Type::Double, I());
  auto e = binary(Op::Sub, binary(Op::Mul, binary(Op::Sub, v, d(0.5), Type::Double), d(2), Type::Double),
                  binary(Op::Div, d(1), d(3), Type::Double), Type::Double);
  EXPECT_EQ(P(e), "(((P_v[i] - 0.5) * 2.0) - (1.0 / 3.0))");
  EXPECT_EQ(P(binary(Op::Sub, v, d(-1), Type::Double)), "(P_v[i] - (-1.0))");
  EXPECT_EQ(P(unary(Op::Neg, unary(Op::Neg, v, Type::Double), Type::Double)), "(-(-P_v[i]))");
}

TEST(CPrinter, ComparisonsAndLogic) {
  auto v = load("P_v", Type::Double, I());
  auto c = binary(Op::And, binary(Op::Gt, v, d(1), Type::Bool),
                  unary(Op::Not, load("P_not_refractory", Type::Bool, I()), Type::Bool), Type::Bool);
  EXPECT_EQ(P(c), "((P_v[i] > 1.0) && (!P_not_refractory[i]))");
  EXPECT_EQ(P(binary(Op::Or, lit_bool(true), binary(Op::Ne, I(), lit_int(2), Type::Bool), Type::Bool)),
            "(true || (i != 2))");
}

TEST(CPrinter, PythonFloorDivisionAndModuloUseHelpers) {
  EXPECT_EQ(P(binary(Op::FloorDiv, I(), lit_int(3), Type::Int64)), "mc_floordiv_i64(i, 3)");
  EXPECT_EQ(P(binary(Op::Mod, I(), lit_int(3), Type::Int64)), "mc_mod_i64(i, 3)");
  EXPECT_EQ(P(binary(Op::Mod, d(5.5), d(2), Type::Double)), "mc_mod(5.5, 2.0)");
  EXPECT_EQ(P(binary(Op::FloorDiv, f(5.5), f(2), Type::Float)), "mc_floordivf(5.5f, 2.0f)");
  EXPECT_EQ(P(binary(Op::Mod, lit_int(5, Type::Int32), lit_int(2, Type::Int32), Type::Int32)),
            "mc_mod_i32(5, 2)");
}

TEST(CPrinter, FunctionNamesFollowTheType) {
  EXPECT_EQ(P(call("exp", {d(1)}, Type::Double)), "exp(1.0)");
  EXPECT_EQ(P(call("exp", {f(1)}, Type::Float)), "expf(1.0f)");
  EXPECT_EQ(P(call("fabs", {f(1)}, Type::Float)), "fabsf(1.0f)");
  EXPECT_EQ(P(call("fabs", {I()}, Type::Int64)), "mc_fabs_i64(i)");
  EXPECT_EQ(P(call("exprel", {d(1)}, Type::Double)), "mc_exprel(1.0)");
  EXPECT_EQ(P(call("exprel", {f(1)}, Type::Float)), "mc_exprelf(1.0f)");
  EXPECT_EQ(P(call("clip", {d(1), d(0), d(2)}, Type::Double)), "mc_clip(1.0, 0.0, 2.0)");
  EXPECT_EQ(P(call("sign", {f(1)}, Type::Float)), "mc_signf(1.0f)");
  EXPECT_EQ(P(call("pow", {d(2), d(0.5)}, Type::Double)), "pow(2.0, 0.5)");
  // timestep returns int64 but computes in the type of its arguments.
  EXPECT_EQ(P(call("timestep", {builtin("t", Type::Double), d(1e-4)}, Type::Int64)), "mc_timestep(t, 0.0001)");
  EXPECT_EQ(P(call("timestep", {f(0), f(1e-4)}, Type::Int64)), "mc_timestepf(0.0f, 0.0001f)");
}

TEST(CPrinter, SelectCastRandom) {
  auto nr = load("P_not_refractory", Type::Bool, I());
  EXPECT_EQ(P(select(nr, local("_v_new", Type::Double), load("P_v", Type::Double, I()), Type::Double)),
            "(P_not_refractory[i] ? _v_new : P_v[i])");
  EXPECT_EQ(P(cast(I(), Type::Double)), "((double)i)");
  EXPECT_EQ(P(cast(d(2.7), Type::Int32)), "((int32_t)2.7)");
  EXPECT_EQ(P(random("uniform", 3, Type::Double)), "mc_uniform_double(seed, 3u, (uint64_t)(i), (uint64_t)(step))");
  CStylePrinter syn;
  syn.set_random_keys({"m->seed", "syn", "0", {}});
  EXPECT_EQ(syn.expr(random("normal", 7, Type::Float)), "mc_normal_float(m->seed, 7u, (uint64_t)(syn), (uint64_t)(0))");
}

TEST(CPrinter, Statements) {
  Block b;
  Stmt decl;
  decl.kind = Stmt::Kind::Declare;
  decl.type = Type::Double;
  decl.name = "_v_new";
  decl.value = binary(Op::Mul, load("P_v", Type::Double, I()), d(0.99), Type::Double);
  b.push_back(decl);
  Stmt undecl;
  undecl.kind = Stmt::Kind::Declare;
  undecl.type = Type::Int32;
  undecl.name = "_k";
  b.push_back(undecl);
  Stmt assign;
  assign.kind = Stmt::Kind::Assign;
  assign.name = "_k";
  assign.value = lit_int(1, Type::Int32);
  b.push_back(assign);
  b.push_back(store("P_v", I(), local("_v_new", Type::Double)));
  Stmt acc;
  acc.kind = Stmt::Kind::Accumulate;
  acc.name = "P_ge";
  acc.op = Op::Add;
  acc.conflicting = true;
  acc.index = binary(Op::Add, builtin("j", Type::Int64), lit_int(0), Type::Int64);
  acc.value = load("Ce_w", Type::Double, builtin("syn", Type::Int64));
  b.push_back(acc);
  Stmt iff;
  iff.kind = Stmt::Kind::If;
  iff.value = binary(Op::Gt, load("P_v", Type::Double, I()), d(1), Type::Bool);
  Stmt spike;
  spike.kind = Stmt::Kind::EmitSpike;
  spike.index = I();
  iff.then_body.push_back(spike);
  iff.else_body.push_back(store("P_v", I(), d(0)));
  b.push_back(iff);

  EXPECT_EQ(printer().block(b, 1),
            "  double _v_new = (P_v[i] * 0.99);\n"
            "  int32_t _k;\n"
            "  _k = 1;\n"
            "  P_v[i] = _v_new;\n"
            "  P_ge[(j + 0)] += Ce_w[syn];\n"
            "  if ((P_v[i] > 1.0)) {\n"
            "    MC_EMIT_SPIKE(i);\n"
            "  } else {\n"
            "    P_v[i] = 0.0;\n"
            "  }\n");
  codegen::CppPrinter cpp;
  EXPECT_EQ(cpp.stmt(spike), "_mc_spk[_mc_nspk++] = (int32_t)(i);\n");
  EXPECT_EQ(cpp.buffer_pointer(Type::Double, "P_v", false), "double* __restrict P_v");
  EXPECT_EQ(cpp.buffer_pointer(Type::Bool, "P_nr", true), "const bool* __restrict P_nr");
}

TEST(KernelIrDump, ExpressionAndProgramText) {
  auto e = select(load("P_not_refractory", Type::Bool, I()),
                  binary(Op::Mul, load("P_v", Type::Double, I()), d(0.99), Type::Double),
                  load("P_v", Type::Double, I()), Type::Double);
  EXPECT_EQ(to_string(*e), "select(P_not_refractory[i], (P_v[i] * 0.99), P_v[i])");
  EXPECT_EQ(to_string(*random("normal", 2, Type::Float)), "rand_normal<float>(stream=2)");
  EXPECT_EQ(to_string(*cast(I(), Type::Double)), "double(i)");
  EXPECT_EQ(to_string(*f(0.5)), "0.5f");

  Program p;
  p.model_name = "m";
  p.dt = 1e-4;
  p.steps = 10;
  p.buffers.push_back({"P_v", Type::Double, BufferRole::NeuronState, "P", "v", "volt", 4000});
  p.buffers.push_back({"Ce_w", Type::Double, BufferRole::SynapseState, "Ce", "w", "volt", 0});
  p.populations.push_back({"P", 4000, 1});
  SynapseGroup g;
  g.name = "Ce";
  g.source = g.target = "P";
  g.source_size = 3200;
  g.target_size = 4000;
  g.connect.kind = ConnectRule::Kind::Probability;
  g.connect.p = d(0.02);
  g.connect.depends_on_j = false;
  g.connect.stream = 1;
  p.synapse_groups.push_back(g);
  Kernel k;
  k.name = "P_update";
  k.domain.kind = Domain::Kind::Neurons;
  k.domain.population = "P";
  k.body.push_back(store("P_v", I(), binary(Op::Mul, load("P_v", Type::Double, I()), d(0.99), Type::Double)));
  p.kernels.push_back(k);
  p.step_tasks.push_back({Task::Kind::RunKernel, 0});
  EXPECT_EQ(to_string(p),
            "program m scalar=double dt=0.0001 steps=10 seed=0\n"
            "buffer P_v : double[4000] (state of P.v, volt)\n"
            "buffer Ce_w : double[synapses] (synapse state of Ce.w, volt)\n"
            "population P size=4000 history=1\n"
            "synapses Ce : P[0:3200] -> P[0:4000] delay=0 connect=probability p=0.02 stream=1 sampling=geometric storage=sparse(u32, pre) propagation=push\n"
            "kernel P_update over neurons(P) {\n"
            "  P_v[i] = (P_v[i] * 0.99);\n"
            "}\n"
            "init:\n"
            "step: run P_update\n");
}
