// libFuzzer target: the Brian2 code parsers. The first byte picks the entry point so one corpus
// covers expressions, statements, equation blocks and single equations.
#include "frontend/parser.h"
#include "tests/fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelc;
  if (size == 0) return 0;
  const uint8_t mode = data[0] % 4;
  auto src = support::make_source(fuzz::as_string(data + 1, size - 1), "/fuzz/0");
  DiagnosticEngine diags;
  switch (mode) {
    case 0: {
      auto e = frontend::parse_expression(src, diags);
      if (!e && !diags.has_errors()) __builtin_trap();  // failure must be reported
      if (e) (void)ir::to_string(e);
      break;
    }
    case 1:
      (void)frontend::parse_statements(src, diags);
      break;
    case 2:
      (void)frontend::parse_equations(src, diags);
      break;
    default: {
      auto eq = frontend::parse_equation(src, diags);
      if (!eq && !diags.has_errors()) __builtin_trap();
      if (eq) (void)ir::to_string(*eq);
      break;
    }
  }
  fuzz::render_all(diags);
  return 0;
}
