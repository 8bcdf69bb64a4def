#include "support/diagnostics.h"

#include <algorithm>
#include <cstring>
#include <sstream>

namespace modelc::support {

void DiagnosticEngine::report(Diagnostic d) {
  if (d.severity == Severity::Error) ++error_count_;
  if (d.json_pointer.empty() && d.loc.valid()) d.json_pointer = d.loc.source->json_pointer;
  diags_.push_back(std::move(d));
}

void DiagnosticEngine::error(std::string message, std::string json_pointer, std::string hint) {
  report({Severity::Error, std::move(message), std::move(json_pointer), {}, std::move(hint)});
}

void DiagnosticEngine::error_at(const SourceLoc& loc, std::string message, std::string hint) {
  report({Severity::Error, std::move(message), loc.source ? loc.source->json_pointer : "", loc,
          std::move(hint)});
}

void DiagnosticEngine::warning(std::string message, std::string json_pointer, std::string hint) {
  report({Severity::Warning, std::move(message), std::move(json_pointer), {}, std::move(hint)});
}

void DiagnosticEngine::warning_at(const SourceLoc& loc, std::string message, std::string hint) {
  report({Severity::Warning, std::move(message), loc.source ? loc.source->json_pointer : "", loc,
          std::move(hint)});
}

static const char* severity_name(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
  }
  return "error";
}

std::string render_diagnostic(const Diagnostic& d, const std::string& file_name, bool color) {
  const char* bold = color ? "\033[1m" : "";
  const char* red = color ? "\033[1;31m" : "";
  const char* magenta = color ? "\033[1;35m" : "";
  const char* green = color ? "\033[1;32m" : "";
  const char* reset = color ? "\033[0m" : "";
  std::ostringstream out;
  out << bold << file_name;
  if (!d.json_pointer.empty()) out << ":" << d.json_pointer;
  out << ": " << reset << (d.severity == Severity::Error ? red : magenta) << severity_name(d.severity)
      << ": " << reset << bold << d.message << reset << "\n";
  if (d.loc.valid()) {
    const std::string& text = d.loc.source->text;
    // Show the line of the code string that contains the offending span.
    int off = std::min<int>(d.loc.offset, static_cast<int>(text.size()));
    size_t line_start = text.rfind('\n', off == 0 ? 0 : off - 1);
    line_start = (line_start == std::string::npos || off == 0) ? 0 : line_start + 1;
    if (off > 0 && text[off - 1] == '\n') line_start = off;
    size_t line_end = text.find('\n', off);
    if (line_end == std::string::npos) line_end = text.size();
    // A long line (a 1000-term equation) is shown as a window around the span, so that the caret
    // stays under it on a terminal and the message stays readable.
    constexpr size_t kWidth = 100, kBefore = 30;
    size_t show_start = line_start, show_end = line_end;
    if (line_end - line_start > kWidth) {
      show_start = std::max(line_start, static_cast<size_t>(off) > kBefore ? static_cast<size_t>(off) - kBefore : 0);
      show_end = std::min(line_end, show_start + kWidth);
    }
    const char* lead = show_start > line_start ? "..." : "";
    std::string line = text.substr(show_start, show_end - show_start);
    out << "    " << lead << line << (show_end < line_end ? "..." : "") << "\n    " << std::string(std::strlen(lead), ' ');
    for (size_t k = show_start; k < static_cast<size_t>(off); ++k) out << (text[k] == '\t' ? '\t' : ' ');
    int len = std::max(1, std::min<int>(d.loc.length, static_cast<int>(show_end) - off));
    out << green << '^';
    for (int k = 1; k < len; ++k) out << '~';
    out << reset << "\n";
  }
  if (!d.hint.empty()) out << "  hint: " << d.hint << "\n";
  return out.str();
}

std::string DiagnosticEngine::render(const std::string& file_name, bool color) const {
  std::string all;
  for (const auto& d : diags_) all += render_diagnostic(d, file_name, color);
  return all;
}

static size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<std::string> closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  size_t best_d = std::max<size_t>(1, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    // The length difference is a lower bound of the edit distance: skipping hopeless candidates
    // keeps hints cheap for long or numerous unknown names (1500 unit names are searched).
    size_t gap = word.size() > c.size() ? word.size() - c.size() : c.size() - word.size();
    if (gap >= best_d) continue;
    size_t d = edit_distance(word, c);
    if (d < best_d) { best_d = d; best = c; }
  }
  return best;
}

std::string json_pointer_escape(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

}  // namespace modelc::support
