#include "api/errors.h"

#include <algorithm>
#include <new>

#include "support/interrupt.h"

namespace modelc {

namespace api {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument: return "invalid argument";
    case ErrorCode::InvalidModel: return "invalid model";
    case ErrorCode::CompileFailed: return "compilation failed";
    case ErrorCode::LoadFailed: return "loading the module failed";
    case ErrorCode::RuntimeFailed: return "simulation failed";
    case ErrorCode::Cancelled: return "cancelled";
    case ErrorCode::Interrupted: return "interrupted";
    case ErrorCode::IoError: return "input/output error";
    case ErrorCode::OutOfMemory: return "out of memory";
    case ErrorCode::Internal: return "internal error";
  }
  return "unknown error";
}

}  // namespace api

namespace api_impl {

using api::error_code_name;

static api::Severity convert(modelc::Severity s) {
  switch (s) {
    case modelc::Severity::Error: return api::Severity::Error;
    case modelc::Severity::Warning: return api::Severity::Warning;
    case modelc::Severity::Note: break;
  }
  return api::Severity::Note;
}

std::vector<api::Diagnostic> convert(const DiagnosticEngine& diags, const std::string& file_name) {
  std::vector<api::Diagnostic> out;
  for (const auto& d : diags.diagnostics()) {
    api::Diagnostic p;
    p.severity = convert(d.severity);
    p.message = d.message;
    p.pointer = d.json_pointer;
    p.hint = d.hint;
    p.text = render_diagnostic(d, file_name, false);
    p.color_text = render_diagnostic(d, file_name, true);
    if (d.loc.valid()) {
      // The caret part is what the rendering shows between the header line and the hint.
      modelc::Diagnostic bare = d;
      bare.hint.clear();
      std::string text = render_diagnostic(bare, file_name, false);
      size_t eol = text.find('\n');
      if (eol != std::string::npos) p.caret = text.substr(eol + 1);
    }
    out.push_back(std::move(p));
  }
  return out;
}

Error make_error(ErrorCode code, const DiagnosticEngine& diags, const std::string& file_name, std::string message) {
  Error e;
  e.code = code;
  e.diagnostics = convert(diags, file_name);
  for (const auto& d : e.diagnostics) {
    e.text += d.text;
    e.color_text += d.color_text;
  }
  const auto first = std::find_if(e.diagnostics.begin(), e.diagnostics.end(),
                                  [](const api::Diagnostic& d) { return d.severity == api::Severity::Error; });
  if (message.empty() && first != e.diagnostics.end()) message = first->message;
  if (message.empty()) message = error_code_name(code);
  // Without an error diagnostic the text would not say what failed: the CLI's error line does.
  if (first == e.diagnostics.end()) {
    e.text += "modelc: error: " + message + "\n";
    e.color_text += "modelc: error: " + message + "\n";
  }
  e.message = std::move(message);
  return e;
}

Error make_error(ErrorCode code, std::string message) {
  Error e;
  e.code = code;
  e.text = "modelc: error: " + message + "\n";
  e.color_text = e.text;
  e.message = std::move(message);
  return e;
}

Error exception_error(bool out_of_memory, const char* what) {
  if (out_of_memory) {
    const char* phase = support::current_phase();
    Error e = make_error(ErrorCode::OutOfMemory,
                         std::string("out of memory") + (phase ? std::string(" while ") + phase : std::string()));
    e.text += "  hint: the model needs more memory than this machine has free: reduce its size or close other programs\n";
    e.color_text = e.text;
    return e;
  }
  Error e = make_error(ErrorCode::Internal, std::string("internal error: ") + what);
  e.text = "modelc: internal error: " + std::string(what) + "\n  please report this with the model file\n";
  e.color_text = e.text;
  return e;
}

}  // namespace api_impl
}  // namespace modelc
