#include "codegen/simt/gpu_printer.h"

#include <cmath>
#include <limits>

namespace modelc::codegen::simt {

using kir::Type;

std::string fill(const std::string& tmpl, const std::string& p, const std::string& v, const std::string& t,
                 const std::string& n) {
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] == '$' && i + 1 < tmpl.size()) {
      const char c = tmpl[i + 1];
      const std::string* arg = c == 'p' ? &p : c == 'v' ? &v : c == 't' ? &t : c == 'n' ? &n : nullptr;
      if (arg) {
        out += *arg;
        ++i;
        continue;
      }
    }
    out += tmpl[i];
  }
  return out;
}

std::string GpuPrinter::type_name(Type t) const {
  switch (t) {
    case Type::Bool: return "bool";
    case Type::Int32: return d_.int32;
    case Type::Int64: return d_.int64;
    case Type::Float: return "float";
    case Type::Double: return d_.float64;
  }
  return "void";
}

std::string GpuPrinter::storage_type_name(Type t) const { return t == Type::Bool ? d_.uint8 : type_name(t); }

std::string GpuPrinter::global_pointer(const std::string& element, const std::string& name, bool read_only) const {
  return (d_.global.empty() ? "" : d_.global + " ") + (read_only ? "const " : "") + element + "* " + d_.restrict_ + " " + name;
}

std::string GpuPrinter::buffer_pointer(Type t, const std::string& name, bool read_only) const {
  return global_pointer(storage_type_name(t), name, read_only);
}

std::string GpuPrinter::int_literal(int64_t v, Type t) const {
  if (v == std::numeric_limits<int64_t>::min()) return "(-9223372036854775807" + d_.int64_suffix + " - 1)";
  std::string s = std::to_string(v);
  if (t == Type::Int64 && (v > std::numeric_limits<int32_t>::max() || v < std::numeric_limits<int32_t>::min()))
    s += d_.int64_suffix;
  return v < 0 ? "(" + s + ")" : s;
}

std::string GpuPrinter::float_literal(double v, Type t) const {
  std::string s = CStylePrinter::float_literal(v, t);
  return t == Type::Double && std::isfinite(v) ? "((" + d_.float64 + ")" + s + ")" : s;
}

std::string GpuPrinter::function_name(const std::string& fn, Type t) const {
  std::string name = CStylePrinter::function_name(fn, t);
  // The base appends `f` for Float C99 names (expf); overloaded built-ins are unsuffixed. The mc_
  // helpers keep their typed suffixes (the prelude defines mc_exprelf etc.).
  if (d_.overloaded_math && t == Type::Float && name.rfind("mc_", 0) != 0 && !name.empty() && name.back() == 'f')
    name.pop_back();
  return name;
}

std::string GpuPrinter::cast(const std::string& a, Type from, Type to) const {
  // Conversion to bool is C99's (non-zero -> true) in every GPU dialect; other casts are plain C casts.
  return "((" + type_name(to) + ")" + a + ")";
}

std::string GpuPrinter::accumulate(const kir::Stmt& s, const std::string& target_index, const std::string& value) const {
  if (!s.conflicting) return CStylePrinter::accumulate(s, target_index, value);
  // Several threads may hit the element in the same launch: read-modify-write atomically. Sub is
  // Add of the negation.
  std::string v = s.op == ir::Op::Sub ? "-(" + value + ")" : value;
  auto it = buffer_types_.find(s.name);
  Type bt = it != buffer_types_.end() ? it->second : s.value ? s.value->type : s.type;
  if (s.op != ir::Op::Mul && s.op != ir::Op::Div) {
    const std::string& tmpl = bt == Type::Float ? d_.atomic_add_float : bt == Type::Double ? d_.atomic_add_double
                            : bt == Type::Int32 ? d_.atomic_add_int32 : d_.atomic_add_int64;
    return fill(tmpl, "&" + target_index, v) + ";";
  }
  const char* t = bt == Type::Float ? "float" : bt == Type::Double ? "double" : bt == Type::Int32 ? "int" : "long";
  return std::string("mc_atomic_") + (s.op == ir::Op::Mul ? "mul" : "div") + "_" + t + "(&" + target_index + ", " + v + ");";
}

std::string GpuPrinter::emit_spike(const kir::Stmt&, const std::string& index) const {
  return "_mc_flags[" + index + "] = (" + d_.uint8 + ")1;";
}

std::string GpuPrinter::random(const kir::Expr& e) const {
  if (e.name != "binomial" || e.args.size() != 2) return CStylePrinter::random(e);
  const codegen::RandomKeys& k = random_keys();
  return std::string("mc_binomial") + (e.type == Type::Float ? "_float" : "_double") + "(" + k.seed + ", " +
         std::to_string(e.stream) + "u, (" + d_.uint64 + ")(" + k.element + "), (" + d_.uint64 + ")(" + k.step + "), (" +
         d_.int64 + ")(" + expr(e.args[0]) + "), (" + d_.float64 + ")(" + expr(e.args[1]) + "))";
}

}  // namespace modelc::codegen::simt
