#include "passes/kernel/kir_utils.h"

#include "ir/kernel_ir_traversal.h"

namespace modelc::passes::kernel {

using kir::Block;
using kir::Expr;
using kir::Stmt;

void collect_locals(const Block& b, std::set<std::string>& out) {
  kir::walk(b, [&](const Stmt& s) {
    if (s.kind == Stmt::Kind::Declare || s.kind == Stmt::Kind::Assign) out.insert(s.name);
    return kir::WalkResult::Advance;
  });
}

double literal_value(const Expr& e) {
  switch (e.type) {
    case kir::Type::Bool: return e.b ? 1.0 : 0.0;
    case kir::Type::Int32:
    case kir::Type::Int64: return static_cast<double>(e.i);
    case kir::Type::Float:
    case kir::Type::Double: return e.f;
  }
  return 0.0;
}

}  // namespace modelc::passes::kernel
