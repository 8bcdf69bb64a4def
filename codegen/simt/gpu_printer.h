// The kernel printer of every GPU dialect: the shared C grammar (codegen/c_printer.h) with the
// spellings of a GpuDialect. What GPU dialects share and C++ does not:
//   - Bool buffers are stored as bytes (OpenCL C 1.2 forbids `bool` in global memory; the host
//     allocates one byte per element for every GPU target);
//   - Double prints as `mc_f64`, the prelude's double (or float on an OpenCL device without fp64:
//     float models keep their double-typed time values running there; double models are refused);
//     double literals are cast to it, so overloaded built-ins (exp, sin) are never ambiguous;
//   - conflicting Accumulate statements become atomics (the dialect's atomic add; mul and div are
//     the prelude's compare-and-swap loops mc_atomic_<op>_<type>);
//   - EmitSpike sets the neuron's flag; the compaction kernel (simt_kernel_emitter.h) turns the
//     flags into an ascending spike list.
#pragma once

#include <map>

#include "codegen/c_printer.h"
#include "codegen/simt/gpu_dialect.h"

namespace modelc::codegen::simt {

class GpuPrinter : public CStylePrinter {
 public:
  explicit GpuPrinter(GpuDialect dialect) : d_(std::move(dialect)) {}
  const GpuDialect& dialect() const { return d_; }

  std::string type_name(kir::Type t) const override;
  std::string storage_type_name(kir::Type t) const override;
  std::string buffer_pointer(kir::Type t, const std::string& name, bool read_only) const override;
  // A pointer into the dialect's global memory: "<global> const int* <restrict> name".
  std::string global_pointer(const std::string& element, const std::string& name, bool read_only) const;
  // Element types of the program's buffers: atomics are typed by the buffer they update.
  void set_buffer_types(std::map<std::string, kir::Type> types) { buffer_types_ = std::move(types); }
  void set_buffer_types(const kir::Program& p) {
    buffer_types_.clear();
    for (const auto& b : p.buffers) buffer_types_[b.name] = b.type;
  }

 protected:
  std::string int_literal(int64_t v, kir::Type t) const override;
  std::string float_literal(double v, kir::Type t) const override;
  std::string function_name(const std::string& fn, kir::Type t) const override;
  std::string cast(const std::string& a, kir::Type from, kir::Type to) const override;
  std::string accumulate(const kir::Stmt& s, const std::string& target_index,
                         const std::string& value) const override;
  std::string emit_spike(const kir::Stmt& s, const std::string& index) const override;
  // Binomial draws take the prelude's mc_binomial_<type> (no int64_t / double names on GPUs).
  std::string random(const kir::Expr& e) const override;

 private:
  GpuDialect d_;
  std::map<std::string, kir::Type> buffer_types_;
};

}  // namespace modelc::codegen::simt
