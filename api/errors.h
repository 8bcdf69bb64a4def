// The bridge from the compiler's DiagnosticEngine to the public Diagnostic / Error values, and
// the guard that keeps exceptions from reaching the library's callers.
#pragma once

#include <string>
#include <vector>

#include "modelc/result.h"
#include "support/diagnostics.h"

namespace modelc::api_impl {

using api::Error;
using api::ErrorCode;

// Every diagnostic of `diags`, rendered as the CLI renders them for `file_name`.
std::vector<api::Diagnostic> convert(const DiagnosticEngine& diags, const std::string& file_name);

// An error carrying the diagnostics; `message` empty: the first error diagnostic's message.
Error make_error(ErrorCode code, const DiagnosticEngine& diags, const std::string& file_name,
                 std::string message = {});
// An error without diagnostics: text is "modelc: error: <message>\n" as the CLI prints it.
Error make_error(ErrorCode code, std::string message);

// Runs `body`, turning std::bad_alloc and any other exception into an Error (OutOfMemory,
// naming the phase, or Internal).
template <typename R, typename F>
R guarded(F&& body);

Error exception_error(bool out_of_memory, const char* what);

template <typename R, typename F>
R guarded(F&& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return exception_error(true, nullptr);
  } catch (const std::exception& e) {
    return exception_error(false, e.what());
  } catch (...) {
    return exception_error(false, "unknown exception");
  }
}

}  // namespace modelc::api_impl
