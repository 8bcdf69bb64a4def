// Generated source text, written line by line with the indentation of its nesting. Emitters of
// generated code say what the code is (a line, a block opened by a head and closed by a brace)
// instead of spelling spaces, newlines and braces in string literals, so nesting and indentation
// cannot disagree.
#pragma once

#include <string>
#include <string_view>

namespace modelc::support {

class CodeWriter {
 public:
  explicit CodeWriter(int indent_width = 2) : width_(indent_width) {}

  // One line at the current depth (an empty `text` writes an empty line, never trailing spaces).
  CodeWriter& line(std::string_view text);
  // Each line of `text` at the current depth, relative indentation kept (for fixed helper code).
  CodeWriter& lines(std::string_view text);
  CodeWriter& blank() { return line({}); }

  // `head {`, then everything until the matching close() one level deeper; close writes `}` and
  // `tail` (";" after a struct or initialiser, " while (0)", ...). Prefer block().
  CodeWriter& open(std::string_view head);
  CodeWriter& close(std::string_view tail = {});

  // A block closed when the returned scope ends: `{ auto b = w.block("if (x)"); w.line(...); }`.
  class Scope {
   public:
    Scope(Scope&& other) noexcept : w_(other.w_), tail_(std::move(other.tail_)) { other.w_ = nullptr; }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    Scope& operator=(Scope&&) = delete;
    ~Scope() {
      if (w_) w_->close(tail_);
    }

   private:
    friend class CodeWriter;
    Scope(CodeWriter* w, std::string tail) : w_(w), tail_(std::move(tail)) {}
    CodeWriter* w_;
    std::string tail_;
  };
  [[nodiscard]] Scope block(std::string_view head, std::string_view tail = {});

  int depth() const { return depth_; }
  const std::string& text() const { return out_; }
  // The text written so far; the writer is empty afterwards. Throws std::logic_error when a block
  // is still open (an emitter bug: the text would not compile).
  std::string take();

 private:
  std::string out_;
  int width_;
  int depth_ = 0;
};

}  // namespace modelc::support
