// Runs a pipeline of named passes over a CompilationUnit, with LLVM-style instrumentation:
// `--print-after=NAME|all` dumps the IR after a pass, `--passes=a,b,c` picks the pipeline and
// `--disable-pass=NAME` drops one.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "passes/pass.h"

namespace modelc {

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
  // Runs the passes in order, stopping at the first that fails.
  bool run(CompilationUnit& unit, DiagnosticEngine& diags);
  const std::vector<PassTiming>& timings() const { return timings_; }
  const std::vector<std::unique_ptr<Pass>>& passes() const { return passes_; }

 private:
  std::vector<std::unique_ptr<Pass>> passes_;
  std::set<std::string> print_after_;
  std::ostream* dump_stream_ = nullptr;
  std::vector<PassTiming> timings_;
};

}  // namespace modelc
