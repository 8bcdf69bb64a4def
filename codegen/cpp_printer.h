// The C++ dialect of the kernel printer: CStylePrinter already speaks C++ (C99 math names,
// `__restrict`, plain `+=` since CPU synaptic event loops run serially); only the spike list
// binding is specific to the host module layout.
#pragma once

#include "codegen/c_printer.h"

namespace modelc::codegen {

class CppPrinter : public CStylePrinter {
 protected:
  // Host module emitters bind `_mc_spk` (this step's ring slot) and `_mc_nspk` (its fill count)
  // around every spike-emitting loop.
  std::string emit_spike(const kir::Stmt& s, const std::string& index) const override;
};

}  // namespace modelc::codegen
