// Runs a pipeline of named passes over a CompilationUnit, with LLVM-style instrumentation:
// `--print-after=NAME|all` dumps the IR after a pass, `--passes=a,b,c` picks the pipeline and
// `--disable-pass=NAME` drops one; with verify_each the IR verifiers (ir/model_verifier.h,
// ir/kernel_ir_verifier.h) run after every pass and a broken invariant is reported as an internal
// compiler error naming the pass.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "ir/model_verifier.h"
#include "passes/pass.h"

namespace modelc::passes {

class PassRegistry {
 public:
  using Factory = std::function<std::unique_ptr<Pass>()>;
  static PassRegistry& instance();
  void add(const std::string& name, Factory f);
  std::unique_ptr<Pass> create(const std::string& name) const;
  std::vector<std::string> names() const;  // registration order

 private:
  std::vector<std::pair<std::string, Factory>> factories_;
};

// Registers the passes of this build with PassRegistry (idempotent).
void register_builtin_passes();

// The default pipeline from the model IR to the kernel IR (= pipeline_for_opt_level(2)).
std::vector<std::string> default_pipeline();
// The pipeline for an optimisation level (`modelc -O<level>`): 0 = no kernel-IR optimisation,
// 1 and 2 = the exact ones (the default), 3 = also strength-reduce-fast (may change the last bits).
std::vector<std::string> pipeline_for_opt_level(int level);

struct PassTiming {
  std::string name;
  double seconds = 0.0;
};

class PassManager {
 public:
  void add(std::unique_ptr<Pass> pass) { passes_.push_back(std::move(pass)); }
  // Builds a pipeline from names; reports unknown names (with "did you mean") to diags.
  bool add_pipeline(const std::vector<std::string>& names, const std::set<std::string>& disabled,
                    DiagnosticEngine& diags);
  void print_after(std::set<std::string> names, std::ostream* out) {
    print_after_ = std::move(names);
    dump_stream_ = out;
  }
  // Verifies the IR as read before the first pass and after every pass that succeeds: the model IR
  // always (at the stage the passes run so far reached), the kernel IR once it exists.
  void set_verify_each(bool on) { verify_each_ = on; }
  bool verify_each() const { return verify_each_; }
  // Runs the passes in order, stopping at the first that fails (or, with verify_each, leaves the IR
  // malformed).
  bool run(CompilationUnit& unit, DiagnosticEngine& diags);
  const std::vector<PassTiming>& timings() const { return timings_; }  // passes only, not verification
  double verify_seconds() const { return verify_seconds_; }
  const std::vector<std::unique_ptr<Pass>>& passes() const { return passes_; }

 private:
  std::vector<std::unique_ptr<Pass>> passes_;
  std::set<std::string> print_after_;
  std::ostream* dump_stream_ = nullptr;
  std::vector<PassTiming> timings_;
  bool verify_each_ = false;
  double verify_seconds_ = 0.0;
};

// Runs the verifiers for the IR in `unit` at `stage` and reports each problem to `diags` as an
// internal compiler error "after pass 'NAME': ..." (`after` = "after pass 'NAME'" or another
// phrase). Returns false when it found any.
bool verify_unit(const CompilationUnit& unit, const ir::ModelVerifyStage& stage, const std::string& after,
                 DiagnosticEngine& diags);

}  // namespace modelc::passes
