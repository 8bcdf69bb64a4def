// The OpenCL C 1.2 dialect of the kernel printer. Only what differs from the shared C-style grammar
// (codegen/c_printer.h) lives here:
//   - types: `long`/`int` instead of <stdint.h> names; Bool buffers are stored as `uchar` because
//     OpenCL C 1.2 forbids `bool` in global memory; Double prints as `mc_f64` (double where the
//     device has cl_khr_fp64, float otherwise: float models keep their double-typed time values
//     running on fp64-less devices; double models are refused at mc_create instead);
//   - buffer parameters are `__global` pointers (`restrict`, not `__restrict`);
//   - math: OpenCL's built-ins are overloaded, so Float calls take no `f` suffix;
//   - 64-bit literals use `L` (OpenCL C has no `long long`);
//   - conflicting Accumulate statements become atomics (compare-and-swap loops for floating point,
//     see backends/opencl/support/opencl_prelude.cl);
//   - EmitSpike sets the neuron's flag; the per-population compaction kernel turns the flags into
//     an ascending spike list (see opencl_kernel_emitter.cpp for why a scan and not a sort).
#pragma once

#include <map>

#include "codegen/c_printer.h"

namespace modelc::opencl {

class OpenCLPrinter : public kir::CStylePrinter {
 public:
  std::string type_name(kir::Type t) const override;
  std::string storage_type_name(kir::Type t) const override;
  std::string buffer_pointer(kir::Type t, const std::string& name, bool read_only) const override;
  // Element types of the program's buffers: atomics are typed by the buffer they update.
  void set_buffer_types(std::map<std::string, kir::Type> types) { buffer_types_ = std::move(types); }

 protected:
  std::string int_literal(int64_t v, kir::Type t) const override;
  // Double literals are cast to mc_f64: without fp64 a bare `50.0` makes overloaded built-ins
  // (exp, sin) ambiguous in float models' double-typed time expressions.
  std::string float_literal(double v, kir::Type t) const override;
  std::string function_name(const std::string& fn, kir::Type t) const override;
  std::string cast(const std::string& a, kir::Type from, kir::Type to) const override;
  std::string accumulate(const kir::Stmt& s, const std::string& target_index,
                         const std::string& value) const override;
  std::string emit_spike(const kir::Stmt& s, const std::string& index) const override;
  // Binomial draws: OpenCL C has no int64_t, and `double` only with fp64 (mc_f64 instead).
  std::string random(const kir::Expr& e) const override;

 private:
  std::map<std::string, kir::Type> buffer_types_;
};

}  // namespace modelc::opencl
