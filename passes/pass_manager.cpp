#include "passes/pass_manager.h"

#include <chrono>
#include <ostream>

#include "ir/kernel_ir_verifier.h"
#include "support/interrupt.h"

namespace modelc::passes {

std::string dump(const CompilationUnit& unit) {
  std::string s = "; model IR\n" + ir::to_string(unit.model);
  if (unit.program) s += "; kernel IR\n" + kir::to_string(*unit.program);
  return s;
}

PassRegistry& PassRegistry::instance() {
  static PassRegistry r;
  return r;
}

void PassRegistry::add(const std::string& name, Factory f) {
  for (auto& [n, existing] : factories_)
    if (n == name) {
      existing = std::move(f);
      return;
    }
  factories_.emplace_back(name, std::move(f));
}

std::unique_ptr<Pass> PassRegistry::create(const std::string& name) const {
  for (const auto& [n, f] : factories_)
    if (n == name) return f();
  return nullptr;
}

std::vector<std::string> PassRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [n, f] : factories_) out.push_back(n);
  return out;
}

bool PassManager::add_pipeline(const std::vector<std::string>& names, const std::set<std::string>& disabled,
                               DiagnosticEngine& diags) {
  auto& reg = PassRegistry::instance();
  bool ok = true;
  for (const auto& d : disabled)
    if (!reg.create(d)) {
      auto close = support::closest_match(d, reg.names());
      diags.error("--disable-pass: unknown pass '" + d + "'", "",
                  close ? "did you mean '" + *close + "'? (`modelc passes` lists them)" : "`modelc passes` lists the passes");
      ok = false;
    }
  for (const auto& n : names) {
    if (disabled.count(n)) continue;
    auto p = reg.create(n);
    if (!p) {
      auto close = support::closest_match(n, reg.names());
      diags.error("unknown pass '" + n + "'", "",
                  close ? "did you mean '" + *close + "'? (`modelc passes` lists them)" : "`modelc passes` lists the passes");
      ok = false;
      continue;
    }
    add(std::move(p));
  }
  return ok;
}

bool verify_unit(const CompilationUnit& unit, const ir::ModelVerifyStage& stage, const std::string& after,
                 DiagnosticEngine& diags) {
  std::vector<std::string> problems = ir::verify(unit.model, stage);
  if (unit.program)
    for (auto& p : kir::verify(*unit.program)) problems.push_back("kernel IR: " + std::move(p));
  for (const auto& p : problems)
    diags.error("internal compiler error: " + after + ": " + p, "",
                "this is a bug in modelc, not in the model: the IR verifier (--verify-each) found it; please report it "
                "with the model file");
  return problems.empty();
}

bool PassManager::run(CompilationUnit& unit, DiagnosticEngine& diags) {
  ir::ModelVerifyStage stage;
  auto verify = [&](const std::string& after) {
    auto start = std::chrono::steady_clock::now();
    bool ok = verify_unit(unit, stage, after, diags);
    verify_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return ok;
  };
  if (verify_each_ && !verify("before the first pass (the model as read)")) return false;
  for (auto& pass : passes_) {
    if (support::interrupt_requested()) {
      diags.error("stopped by signal " + std::to_string(support::interrupt_signal()) + " before pass " + pass->name(), "");
      return false;
    }
    auto start = std::chrono::steady_clock::now();
    bool ok = pass->run(unit, diags) && !diags.has_errors();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    timings_.push_back({pass->name(), secs});
    if (dump_stream_ && (print_after_.count("all") || print_after_.count(pass->name()))) {
      *dump_stream_ << "; *** IR dump after " << pass->name() << " ***\n" << dump(unit) << "\n";
    }
    if (!ok) return false;
    // The stage the model IR reached: what the passes that ran so far guarantee.
    stage.names_resolved |= pass->name() == "resolve-names";
    stage.state_updated |= pass->name() == "state-update";
    if (verify_each_ && !verify("after pass '" + pass->name() + "'")) return false;
  }
  return true;
}

}  // namespace modelc::passes
