// The one C-family printer for kernel bodies (Halide's CodeGen_C / tinygrad's CStyleLanguage idea):
// it owns the whole expression and statement grammar; the CPU (C++), OpenCL C and CUDA dialects
// subclass it and override only the small hooks below where the languages really differ.
//
// Conventions every dialect's prelude must provide (backends/cpu/support/cpu_support.h is the
// reference implementation):
//   - math: C99 names; the Float variant carries an `f` suffix (expf, fabsf, fminf) unless a
//     dialect overrides function_name() (OpenCL's overloads take no suffix).
//   - helpers with Python / Brian2 semantics, suffixed by type: "" double, "f" float,
//     "_i32"/"_i64" integers:
//       mc_floordiv*, mc_mod*        (floor division; result has the sign of the divisor)
//       mc_exprel*, mc_sign*, mc_clip*, mc_timestep / mc_timestepf (-> int64)
//       mc_fabs_i*, mc_fmin_i*, mc_fmax_i*, mc_sign_i*, mc_clip_i* (integer forms)
//   - MC_INF / MC_NAN (double) and MC_INFF / MC_NANF (float) for non-finite literals.
//   - random: mc_uniform_double/float, mc_normal_double/float(seed, stream, element, step)
//     (abi/philox.h).
#pragma once

#include <set>
#include <string>

#include "ir/kernel_ir.h"

namespace modelc::codegen {

// The expressions a kernel's Random draws are keyed by; the domain decides them (element = i for
// neuron domains, syn for synapse domains), so the backend sets this before printing each kernel.
struct RandomKeys {
  std::string seed = "seed";
  std::string element = "i";
  std::string step = "step";
  // Streams of the binomial draws whose table the kernel set up in its prologue (the CPU backend:
  // `mc_binomial_table _mc_bino<stream>`, cpu_support.h): printed as the lock-step draw.
  std::set<uint32_t> binomial_tables;
};

// A binomial draw with literal n and p that takes the inversion branch of mc_binomial_double
// (not the normal approximation, not a constant): its pmf terms are the same for every element,
// so a backend may tabulate them once per kernel (mc_binomial_table). Sets n and p.
bool tabulable_binomial(const kir::Expr& e, int64_t& n, double& p);

class CStylePrinter {
 public:
  virtual ~CStylePrinter() = default;

  std::string expr(const kir::Expr& e) const;
  std::string expr(const kir::ExprP& e) const;
  // Appends `b` to `out`, each line indented by 2*indent spaces.
  void block(const kir::Block& b, int indent, std::string& out) const;
  std::string block(const kir::Block& b, int indent = 0) const;
  std::string stmt(const kir::Stmt& s, int indent = 0) const;

  void set_random_keys(RandomKeys k) { keys_ = std::move(k); }
  const RandomKeys& random_keys() const { return keys_; }

  // Type of a local / an arithmetic value ("double", "int64_t").
  virtual std::string type_name(kir::Type t) const;
  // Element type of a buffer in memory (OpenCL cannot store bool in global memory).
  virtual std::string storage_type_name(kir::Type t) const { return type_name(t); }
  // A kernel parameter / local binding for a buffer: "double* __restrict P_v".
  virtual std::string buffer_pointer(kir::Type t, const std::string& name, bool read_only) const;

 protected:
  // Literals. Doubles always contain '.', 'e' or are MC_INF/MC_NAN; floats add the `f` suffix.
  virtual std::string literal(const kir::Expr& e) const;
  virtual std::string float_literal(double v, kir::Type t) const;
  virtual std::string int_literal(int64_t v, kir::Type t) const;
  virtual std::string bool_literal(bool v) const { return v ? "true" : "false"; }
  // `fn` is the kernel IR's function name; `t` the type the call computes in.
  virtual std::string function_name(const std::string& fn, kir::Type t) const;
  virtual std::string builtin(const std::string& name, kir::Type t) const { return name; }
  virtual std::string buffer_access(const std::string& buffer, const std::string& index) const;
  virtual std::string select(const std::string& c, const std::string& a, const std::string& b, kir::Type t) const;
  virtual std::string cast(const std::string& a, kir::Type from, kir::Type to) const;
  virtual std::string random(const kir::Expr& e) const;
  // One statement line without indentation or newline: "P_ge[j] += w;" or an atomic call.
  virtual std::string accumulate(const kir::Stmt& s, const std::string& target_index,
                                 const std::string& value) const;
  virtual std::string emit_spike(const kir::Stmt& s, const std::string& index) const;

  // Suffix of the typed helper family ("" double, "f" float, "_i32", "_i64").
  static const char* helper_suffix(kir::Type t);

 private:
  RandomKeys keys_;
};

}  // namespace modelc::codegen
