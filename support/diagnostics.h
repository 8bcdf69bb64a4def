// Diagnostics: every user-facing error says what is wrong, where (JSON pointer, and a caret under the
// offending column of a code string) and how to fix it. Nothing in modelc throws to the user; errors
// are collected here and rendered by the CLI.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace modelc::support {

// A code string from the model file (equation, expression, statements) together with the JSON
// pointer it came from, so that any later stage can point back into it.
struct SourceText {
  std::string text;
  std::string json_pointer;  // e.g. "/neuron_groups/0/equations/1"
};
using SourceTextPtr = std::shared_ptr<const SourceText>;

inline SourceTextPtr make_source(std::string text, std::string pointer) {
  return std::make_shared<const SourceText>(SourceText{std::move(text), std::move(pointer)});
}

// A span inside a SourceText. A default-constructed location points nowhere.
struct SourceLoc {
  SourceTextPtr source;
  int offset = -1;
  int length = 0;
  bool valid() const { return source != nullptr && offset >= 0; }
};

enum class Severity { Error, Warning, Note };

struct Diagnostic {
  Severity severity = Severity::Error;
  std::string message;      // what is wrong
  std::string json_pointer; // where in the model file (may be empty for whole-model errors)
  SourceLoc loc;            // where inside a code string (optional)
  std::string hint;         // how to fix it (optional)
};

// Error code returned by functions that report into a DiagnosticEngine instead of throwing.
class DiagnosticEngine {
 public:
  void report(Diagnostic d);
  void error(std::string message, std::string json_pointer, std::string hint = {});
  void error_at(const SourceLoc& loc, std::string message, std::string hint = {});
  void warning(std::string message, std::string json_pointer, std::string hint = {});
  void warning_at(const SourceLoc& loc, std::string message, std::string hint = {});

  bool has_errors() const { return error_count_ > 0; }
  int error_count() const { return error_count_; }
  const std::vector<Diagnostic>& diagnostics() const { return diags_; }
  void clear() { diags_.clear(); error_count_ = 0; }

  // Renders all diagnostics, clang style:
  //   model.json:/neuron_groups/0/equations/1: error: unknown identifier 'tau_m'
  //       dv/dt = -v/tau_m : volt
  //                  ^~~~~
  //   hint: did you mean 'taum'?
  std::string render(const std::string& file_name, bool color = false) const;

 private:
  std::vector<Diagnostic> diags_;
  int error_count_ = 0;
};

std::string render_diagnostic(const Diagnostic& d, const std::string& file_name, bool color = false);

// Returns the closest candidate within a small edit distance, for "did you mean" hints.
std::optional<std::string> closest_match(const std::string& word, const std::vector<std::string>& candidates);

// Escapes a key for use as a JSON pointer reference token (RFC 6901: '~' -> '~0', '/' -> '~1').
std::string json_pointer_escape(const std::string& key);

}  // namespace modelc::support

// The two diagnostics types every layer's signatures name (a few hundred lines) stay reachable as
// modelc::X; everything else here is spelled support::X.
namespace modelc {
using support::DiagnosticEngine;
using support::SourceLoc;
}  // namespace modelc
