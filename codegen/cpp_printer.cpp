#include "codegen/cpp_printer.h"

namespace modelc::codegen {

std::string CppPrinter::emit_spike(const kir::Stmt&, const std::string& index) const {
  return "_mc_spk[_mc_nspk++] = (int32_t)(" + index + ");";
}

}  // namespace modelc::codegen
