#include "support/code_writer.h"

#include <stdexcept>

namespace modelc::support {

CodeWriter& CodeWriter::line(std::string_view text) {
  if (!text.empty()) {
    out_.append(static_cast<size_t>(depth_ * width_), ' ');
    out_ += text;
  }
  out_ += '\n';
  return *this;
}

CodeWriter& CodeWriter::lines(std::string_view text) {
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    line(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return *this;
}

CodeWriter& CodeWriter::open(std::string_view head) {
  std::string h(head);
  line(h.empty() ? std::string("{") : h + " {");
  ++depth_;
  return *this;
}

CodeWriter& CodeWriter::close(std::string_view tail) {
  if (depth_ == 0) throw std::logic_error("CodeWriter::close without an open block");
  --depth_;
  return line("}" + std::string(tail));
}

CodeWriter::Scope CodeWriter::block(std::string_view head, std::string_view tail) {
  open(head);
  return Scope(this, std::string(tail));
}

std::string CodeWriter::take() {
  if (depth_ != 0) throw std::logic_error("CodeWriter::take with " + std::to_string(depth_) + " blocks still open");
  std::string s = std::move(out_);
  out_.clear();
  return s;
}

}  // namespace modelc::support
