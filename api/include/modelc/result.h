// How the modelc library reports failure: as values. A call that can fail returns Result<T> (or
// Status, a Result<void>) holding either the value or an Error with the diagnostics the compiler
// produced; nothing is printed and nothing is thrown at the caller.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace modelc::api {

enum class Severity { Error, Warning, Note };

// One diagnostic, as the CLI shows it:
//   examples/bad.json:/neuron_groups/0/equations/0: error: unknown identifier 'taum_'
//       dv/dt = (ge + gi - (v - El)) / taum_ : volt
//                                      ^~~~~
//     hint: did you mean 'taum'?
struct Diagnostic {
  Severity severity = Severity::Error;
  std::string message;     // what is wrong: "unknown identifier 'taum_'"
  std::string pointer;     // where in the model document (JSON pointer; empty: the whole model)
  std::string caret;       // the offending line of the code string and the caret under it (may be empty)
  std::string hint;        // how to fix it (may be empty)
  std::string text;        // exactly what the CLI prints for it (no colours)
  std::string color_text;  // the same with the ANSI colours the CLI uses on a terminal
};

enum class ErrorCode {
  InvalidArgument = 1,  // a bad option or name given to the library (the message says which)
  InvalidModel,         // the model document has errors (see diagnostics)
  CompileFailed,        // code generation or the host compiler failed (see diagnostics)
  LoadFailed,           // the built module could not be loaded
  RuntimeFailed,        // network construction, a step, or reading the state failed
  Cancelled,            // a progress callback or cancel() stopped the call
  Interrupted,          // SIGINT / SIGTERM stopped the call (InterruptGuard); see Error::signal
  IoError,              // reading or writing files (results, sources) failed
  OutOfMemory,
  Internal,             // a bug in modelc: please report it with the model
};

const char* error_code_name(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::Internal;
  std::string message;                  // one line: the first error, or what failed
  std::vector<Diagnostic> diagnostics;  // every diagnostic of the call, warnings included
  std::string text;                     // what the CLI prints for this failure
  std::string color_text;               // the same with the CLI's terminal colours
  int signal = 0;                       // Interrupted: the signal
};

// Either a T or an Error. value() on an error (and error() on a value) is a programming error: it
// prints the error and aborts, so check ok() first.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit, so `return value;` works
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return check(), std::get<0>(v_); }
  const T& value() const& { return check(), std::get<0>(v_); }
  T&& value() && { return check(), std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& {
    if (ok()) misuse("error() called on a Result that holds a value");
    return std::get<1>(v_);
  }
  Error&& error() && {
    if (ok()) misuse("error() called on a Result that holds a value");
    return std::get<1>(std::move(v_));
  }

 private:
  void check() const {
    if (!ok()) misuse(std::get<1>(v_).text.c_str());
  }
  [[noreturn]] static void misuse(const char* what) {
    std::fprintf(stderr, "modelc: Result::value() on an error (check ok() first):\n%s\n", what);
    std::abort();
  }
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const& {
    if (!failed_) {
      std::fprintf(stderr, "modelc: error() called on a Status that succeeded\n");
      std::abort();
    }
    return error_;
  }

 private:
  Error error_;
  bool failed_ = false;
};

using Status = Result<void>;

}  // namespace modelc::api
