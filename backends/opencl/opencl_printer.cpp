#include "backends/opencl/opencl_printer.h"

#include <cmath>
#include <limits>

namespace modelc::opencl {

using kir::Type;

std::string OpenCLPrinter::type_name(Type t) const {
  switch (t) {
    case Type::Bool: return "bool";
    case Type::Int32: return "int";
    case Type::Int64: return "long";
    case Type::Float: return "float";
    case Type::Double: return "mc_f64";
  }
  return "void";
}

std::string OpenCLPrinter::storage_type_name(Type t) const { return t == Type::Bool ? "uchar" : type_name(t); }

std::string OpenCLPrinter::buffer_pointer(Type t, const std::string& name, bool read_only) const {
  return std::string("__global ") + (read_only ? "const " : "") + storage_type_name(t) + "* restrict " + name;
}

std::string OpenCLPrinter::int_literal(int64_t v, Type t) const {
  if (v == std::numeric_limits<int64_t>::min()) return "(-9223372036854775807L - 1)";
  std::string s = std::to_string(v);
  if (t == Type::Int64 && (v > std::numeric_limits<int32_t>::max() || v < std::numeric_limits<int32_t>::min()))
    s += "L";
  return v < 0 ? "(" + s + ")" : s;
}

std::string OpenCLPrinter::float_literal(double v, Type t) const {
  std::string s = CStylePrinter::float_literal(v, t);
  return t == Type::Double && std::isfinite(v) ? "((mc_f64)" + s + ")" : s;
}

std::string OpenCLPrinter::function_name(const std::string& fn, Type t) const {
  std::string name = CStylePrinter::function_name(fn, t);
  // The base appends `f` for Float C99 names (expf); OpenCL's overloads are unsuffixed. The mc_
  // helpers keep their typed suffixes (the prelude defines mc_exprelf etc.).
  if (t == Type::Float && name.rfind("mc_", 0) != 0 && !name.empty() && name.back() == 'f') name.pop_back();
  return name;
}

std::string OpenCLPrinter::cast(const std::string& a, Type from, Type to) const {
  // OpenCL C converts to bool like C99 (non-zero -> true); other casts are plain C casts.
  return "((" + type_name(to) + ")" + a + ")";
}

std::string OpenCLPrinter::accumulate(const kir::Stmt& s, const std::string& target_index,
                                      const std::string& value) const {
  if (!s.conflicting) return CStylePrinter::accumulate(s, target_index, value);
  // Several work-items may hit the element in the same launch: read-modify-write atomically.
  // mc_atomic_<op>_<type>(pointer, value) come from the prelude; Sub is Add of the negation.
  std::string op = s.op == ir::Op::Mul ? "mul" : s.op == ir::Op::Div ? "div" : "add";
  std::string v = s.op == ir::Op::Sub ? "-(" + value + ")" : value;
  auto it = buffer_types_.find(s.name);
  Type bt = it != buffer_types_.end() ? it->second : s.value ? s.value->type : s.type;
  const char* t = bt == Type::Float ? "float" : bt == Type::Double ? "double"
                : bt == Type::Int32 ? "int" : "long";
  return "mc_atomic_" + op + "_" + t + "(&" + target_index + ", " + v + ");";
}

std::string OpenCLPrinter::emit_spike(const kir::Stmt&, const std::string& index) const {
  return "_mc_flags[" + index + "] = (uchar)1;";
}

std::string OpenCLPrinter::random(const kir::Expr& e) const {
  if (e.name != "binomial" || e.args.size() != 2) return CStylePrinter::random(e);
  const kir::RandomKeys& k = random_keys();
  return std::string("mc_binomial") + (e.type == Type::Float ? "_float" : "_double") + "(" + k.seed + ", " +
         std::to_string(e.stream) + "u, (ulong)(" + k.element + "), (ulong)(" + k.step + "), (long)(" + expr(e.args[0]) +
         "), (mc_f64)(" + expr(e.args[1]) + "))";
}

}  // namespace modelc::opencl
