// libFuzzer target: the JSON model reader (frontend::read_model_text) on arbitrary bytes.
#include "frontend/model_reader.h"
#include "tests/fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelc;
  DiagnosticEngine diags;
  frontend::ReadOptions options;
  auto model = frontend::read_model_text(fuzz::as_string(data, size), "fuzz.json", options, diags);
  // A reader that returns no model must say why; one that returns a model must report no error.
  if (!model && !diags.has_errors()) __builtin_trap();
  if (model && diags.has_errors()) __builtin_trap();
  fuzz::render_all(diags);
  return 0;
}
