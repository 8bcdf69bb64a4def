// libFuzzer target: unit expressions (parse_unit) and constant evaluation (evaluate_constant,
// which does dimension arithmetic and calls libm on arbitrary values). The first byte picks which.
#include <map>

#include "frontend/parser.h"
#include "frontend/unit_expression.h"
#include "ir/quantity_eval.h"
#include "tests/fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelc;
  if (size == 0) return 0;
  const bool unit_mode = (data[0] & 1) == 0;
  std::string text = fuzz::as_string(data + 1, size - 1);
  DiagnosticEngine diags;
  if (unit_mode) {
    auto src = support::make_source(text, "/fuzz/unit");
    SourceLoc loc{src, 0, static_cast<int>(text.size())};
    (void)frontend::parse_unit(text, loc, diags);
  } else {
    // A few named constants with dimensions, as a model's "constants" section would provide.
    static const std::map<std::string, Quantity> kScope = {
        {"N", {4000.0, Dimension::dimensionless()}},
        {"taum", {0.02, Dimension::base(2)}},
        {"Vt", {-0.05, Dimension::base(0, 2) * Dimension::base(1) / Dimension::base(2, 3) / Dimension::base(3)}},
        {"zero", {0.0, Dimension::dimensionless()}},
        {"huge", {1e308, Dimension::dimensionless()}},
    };
    auto src = support::make_source(text, "/fuzz/constant");
    auto e = frontend::parse_expression(src, diags);
    if (e) {
      auto lookup = [](const std::string& n) -> std::optional<Quantity> {
        auto it = kScope.find(n);
        if (it == kScope.end()) return std::nullopt;
        return it->second;
      };
      auto q = ir::evaluate_constant(e, lookup, diags);
      if (q) (void)q->dim.to_string();
      DiagnosticEngine dim_diags;
      auto dims = [](const std::string& n) -> std::optional<Dimension> {
        auto it = kScope.find(n);
        if (it == kScope.end()) return std::nullopt;
        return it->second.dim;
      };
      (void)ir::infer_dimension(e, dims, lookup, dim_diags);
      fuzz::render_all(dim_diags);
    }
  }
  fuzz::render_all(diags);
  return 0;
}
