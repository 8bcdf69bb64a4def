// Helpers for the kernel-IR pass tests (test_kir_*.cpp): build a one-kernel program by hand, run a
// registered pass on it, and a tiny evaluator for literal/local arithmetic.
#pragma once

#include <cmath>
#include <map>
#include <stdexcept>
#include <string>

#include "ir/kernel_ir.h"
#include "passes/pass_manager.h"

namespace modelc::testing {

inline passes::CompilationUnit unit_with_kernel(kir::Block body) {
  passes::CompilationUnit u;
  u.program.emplace();
  kir::Buffer v;
  v.name = "v";
  v.size = 16;
  u.program->buffers = {v};
  kir::Population pop;
  pop.name = "P";
  pop.size = 16;
  u.program->populations = {pop};
  kir::Kernel k;
  k.name = "P_update";
  k.domain.population = "P";
  k.body = std::move(body);
  u.program->kernels.push_back(std::move(k));
  return u;
}

inline kir::Block run_pass(const std::string& name, kir::Block body) {
  passes::register_builtin_passes();
  auto pass = passes::PassRegistry::instance().create(name);
  if (!pass) throw std::runtime_error("no pass " + name);
  passes::CompilationUnit u = unit_with_kernel(std::move(body));
  DiagnosticEngine diags;
  if (!pass->run(u, diags)) throw std::runtime_error("pass failed");
  return u.program->kernels[0].body;
}

inline kir::Stmt declare(const std::string& name, kir::ExprP value, kir::Type t = kir::Type::Double) {
  kir::Stmt s;
  s.kind = kir::Stmt::Kind::Declare;
  s.type = t;
  s.name = name;
  s.value = std::move(value);
  return s;
}

inline kir::Stmt store(const std::string& buffer, kir::ExprP value) {
  kir::Stmt s;
  s.kind = kir::Stmt::Kind::Store;
  s.name = buffer;
  s.index = kir::builtin("i", kir::Type::Int64);
  s.value = std::move(value);
  return s;
}

inline std::string text(const kir::Block& b) {
  std::string s;
  for (const auto& st : b) s += (st.value ? kir::to_string(*st.value) : "") + ";";
  return s;
}

inline size_t count_calls(const kir::ExprP& e, const std::string& fn) {
  if (!e) return 0;
  size_t n = e->kind == kir::Expr::Kind::Call && e->name == fn;
  for (const auto& a : e->args) n += count_calls(a, fn);
  return n;
}
inline size_t count_calls(const kir::Block& b, const std::string& fn) {
  size_t n = 0;
  for (const auto& s : b) n += count_calls(s.value, fn) + count_calls(s.index, fn) + count_calls(s.then_body, fn);
  return n;
}

// Evaluates Literal / Local / Binary (+ - * / comparisons) / Call timestep in double.
inline double eval(const kir::ExprP& e, const std::map<std::string, double>& locals) {
  using K = kir::Expr::Kind;
  switch (e->kind) {
    case K::Literal: return e->type == kir::Type::Int64 ? double(e->i) : e->type == kir::Type::Bool ? e->b : e->f;
    case K::Local: return locals.at(e->name);
    case K::Call:
      if (e->name == "timestep") {
        double x = (eval(e->args[0], locals) + 1e-3 * eval(e->args[1], locals)) / eval(e->args[1], locals);
        return double(static_cast<int64_t>(x));
      }
      break;
    case K::Binary: {
      double a = eval(e->args[0], locals), b = eval(e->args[1], locals);
      switch (e->op) {
        case ir::Op::Add: return a + b;
        case ir::Op::Sub: return a - b;
        case ir::Op::Mul: return a * b;
        case ir::Op::Div: return a / b;
        case ir::Op::Lt: return a < b;
        case ir::Op::Le: return a <= b;
        case ir::Op::Gt: return a > b;
        case ir::Op::Ge: return a >= b;
        default: break;
      }
      break;
    }
    default: break;
  }
  throw std::runtime_error("eval: unsupported " + kir::to_string(*e));
}

}  // namespace modelc::testing
