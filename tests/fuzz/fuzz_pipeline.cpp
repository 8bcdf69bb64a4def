// libFuzzer target: model text through the reader, the whole default pass pipeline and the CPU
// code emitter (no host compiler). Catches crashes in passes that only see models the reader
// accepted, e.g. odd but valid equations reaching linear analysis or the matrix exponential. The
// IR verifiers run after every pass: a pass that leaves malformed IR is a crash here, not an error.
#include "backends/cpu/cpu_module_emitter.h"
#include "frontend/model_reader.h"
#include "passes/pass_manager.h"
#include "driver/resource_estimate.h"
#include "tests/fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelc;
  register_builtin_passes();
  DiagnosticEngine diags;
  frontend::ReadOptions options;
  auto model = frontend::read_model_text(fuzz::as_string(data, size), "fuzz.json", options, diags);
  if (model) {
    CompilationUnit unit;
    unit.model = std::move(*model);
    PassManager pm;
    pm.set_verify_each(true);
    if (!pm.add_pipeline(default_pipeline(), {}, diags)) __builtin_trap();
    bool ok = pm.run(unit, diags);
    if (ok != !diags.has_errors()) __builtin_trap();  // success and reported errors must agree
    for (const auto& d : diags.diagnostics())
      if (d.message.rfind("internal compiler error", 0) == 0) __builtin_trap();
    if (ok && unit.program) {
      (void)runtime::estimate_memory(*unit.program);
      // Emitting allocates per element of explicit connection lists only; sizes stay symbolic,
      // so even a huge model emits in bounded time.
      cpu::CpuEmitOptions eo;
      (void)cpu::emit_cpu_module(*unit.program, eo, diags);
    }
  }
  fuzz::render_all(diags);
  return 0;
}
