#include "frontend/lexer.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace modelc::frontend {
namespace {

bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c); }

// Longest match first, so that "**=" is not read as "**" "=".
constexpr std::string_view kPuncts[] = {
    "**=", "//=", "**", "//", "<=", ">=", "==", "!=", "+=", "-=", "*=", "/=", "%=",
    "+",   "-",   "*",  "/",  "%",  "<",  ">",  "=",  "(",  ")",  ",",  ":",  ";",
};

std::string printable_char(unsigned char c) {
  if (c >= 0x20 && c < 0x7f) return std::string(1, static_cast<char>(c));
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02X", c);
  return buf;
}

// Python spellings that are easy to get wrong, with the Brian2 spelling.
std::string hint_for_char(std::string_view rest) {
  if (rest.starts_with("&&") || rest.starts_with("&")) return "use 'and' for a logical and";
  if (rest.starts_with("||") || rest.starts_with("|")) return "use 'or' for a logical or";
  if (rest.starts_with("!")) return "use 'not' for a logical not";
  if (rest.starts_with("^")) return "use '**' for a power";
  if (rest.starts_with("[")) return "indexing is not supported in Brian2 expressions";
  if (rest.starts_with("\"") || rest.starts_with("'")) return "strings are not supported in expressions";
  // U+00B5 MICRO SIGN and U+03BC GREEK SMALL LETTER MU in UTF-8.
  if (rest.starts_with("\xC2\xB5") || rest.starts_with("\xCE\xBC")) return "write micro as 'u', e.g. 'uF' or 'umetre'";
  return {};
}

}  // namespace

bool is_keyword(std::string_view w) {
  static constexpr std::string_view kKeywords[] = {
      "and",   "or",     "not",    "True",   "False",  "None",     "if",   "else",  "elif",
      "in",    "is",     "lambda", "for",    "while",  "def",      "return", "import", "from",
      "as",    "class",  "pass",   "break",  "continue", "del",    "global", "nonlocal", "try",
      "except", "finally", "raise", "with",  "yield",  "assert",   "async", "await"};
  return std::find(std::begin(kKeywords), std::end(kKeywords), w) != std::end(kKeywords);
}

std::string describe_token(const Token& t) {
  switch (t.kind) {
    case Token::Kind::End: return "end of input";
    case Token::Kind::Newline: return "end of line";
    default: return "'" + std::string(t.text) + "'";
  }
}

std::vector<Token> tokenize(const support::SourceTextPtr& src, int begin, int end, const LexOptions& options,
                            DiagnosticEngine& diags, bool& ok) {
  ok = true;
  std::vector<Token> out;
  const std::string& text = src->text;
  end = std::clamp(end, 0, static_cast<int>(text.size()));
  begin = std::clamp(begin, 0, end);
  int paren_depth = 0;
  auto view = [&](int off, int len) { return std::string_view(text).substr(off, len); };
  auto fail = [&](int off, int len, std::string msg, std::string hint = {}) {
    diags.error_at(SourceLoc{src, off, len}, std::move(msg), std::move(hint));
    ok = false;
  };

  int p = begin;
  while (p < end && ok) {
    char c = text[p];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') { ++p; continue; }
    if (c == '#') {
      while (p < end && text[p] != '\n') ++p;
      continue;
    }
    if (c == '\\' && p + 1 < end && (text[p + 1] == '\n' || text[p + 1] == '\r')) {
      p += 2;
      continue;
    }
    if (c == '\n') {
      // Inside parentheses a newline is a continuation, as in Python.
      if (options.newline_tokens && paren_depth == 0) {
        Token t;
        t.kind = Token::Kind::Newline;
        t.offset = p;
        t.length = 1;
        t.text = view(p, 1);
        out.push_back(t);
      }
      ++p;
      continue;
    }
    Token t;
    t.offset = p;
    if (is_digit(c) || (c == '.' && p + 1 < end && is_digit(text[p + 1]))) {
      int q = p;
      bool is_integer = true;
      if (c == '0' && q + 1 < end && std::string_view("xXoObB").find(text[q + 1]) != std::string_view::npos) {
        fail(p, 2, "hexadecimal, octal and binary literals are not supported", "write the number in decimal");
        break;
      }
      while (q < end && is_digit(text[q])) ++q;
      if (q < end && text[q] == '.') {
        is_integer = false;
        ++q;
        while (q < end && is_digit(text[q])) ++q;
      }
      // An exponent needs digits; "2e" alone is 2 times the constant e (implicit product).
      if (q < end && (text[q] == 'e' || text[q] == 'E')) {
        int r = q + 1;
        if (r < end && (text[r] == '+' || text[r] == '-')) ++r;
        if (r < end && is_digit(text[r])) {
          while (r < end && is_digit(text[r])) ++r;
          q = r;
          is_integer = false;
        }
      }
      if (q < end && text[q] == '_' ) {
        fail(p, q - p + 1, "digit separators ('_') are not supported in numbers");
        break;
      }
      double value = 0.0;
      const char* first = text.data() + p;
      // from_chars does not accept a leading '.', so parse "0" + text in that case.
      std::string buf;
      if (c == '.') {
        buf = "0" + std::string(view(p, q - p));
        first = buf.data();
      }
      const char* last = c == '.' ? buf.data() + buf.size() : text.data() + q;
      auto [ptr, ec] = std::from_chars(first, last, value);
      if (ec == std::errc::result_out_of_range) {
        // Underflow to zero is harmless; overflow would silently become inf.
        bool has_nonzero_mantissa = false;
        for (const char* s = first; s < last && *s != 'e' && *s != 'E'; ++s)
          has_nonzero_mantissa |= (*s >= '1' && *s <= '9');
        std::string_view lit = view(p, q - p);
        auto epos = lit.find_first_of("eE");
        bool negative_exponent = epos != std::string_view::npos && epos + 1 < lit.size() && lit[epos + 1] == '-';
        if (has_nonzero_mantissa && !negative_exponent) {
          fail(p, q - p, "number '" + std::string(lit) + "' is too large", "the largest number is about 1.8e308");
          break;
        }
        value = 0.0;
      } else if (ec != std::errc() || ptr != last) {
        fail(p, q - p, "malformed number '" + std::string(view(p, q - p)) + "'");
        break;
      }
      t.kind = Token::Kind::Number;
      t.length = q - p;
      t.text = view(p, q - p);
      t.number = value;
      t.is_integer = is_integer;
      out.push_back(t);
      p = q;
      continue;
    }
    if (is_ident_start(c)) {
      int q = p;
      while (q < end && is_ident_char(text[q])) ++q;
      t.kind = Token::Kind::Name;
      t.length = q - p;
      t.text = view(p, q - p);
      out.push_back(t);
      p = q;
      continue;
    }
    std::string_view rest = view(p, end - p);
    bool matched = false;
    for (std::string_view punct : kPuncts) {
      if (rest.starts_with(punct)) {
        t.kind = Token::Kind::Punct;
        t.length = static_cast<int>(punct.size());
        t.text = view(p, t.length);
        if (punct == "(") ++paren_depth;
        if (punct == ")" && paren_depth > 0) --paren_depth;
        out.push_back(t);
        p += t.length;
        matched = true;
        break;
      }
    }
    if (matched) continue;
    unsigned char uc = static_cast<unsigned char>(c);
    // A multi-byte UTF-8 sequence is one character to the user.
    int len = 1;
    if (uc >= 0xC0) {
      while (p + len < end && len < 4 && (static_cast<unsigned char>(text[p + len]) & 0xC0) == 0x80) ++len;
    }
    std::string shown = uc >= 0x80 ? "" : printable_char(uc);
    if (shown.empty())
      for (int k = 0; k < len; ++k) shown += printable_char(static_cast<unsigned char>(text[p + k]));
    fail(p, len, "unexpected character '" + shown + "'", hint_for_char(rest));
  }
  Token e;
  e.kind = Token::Kind::End;
  e.offset = std::min(p, end);
  // Point the end token just past the last real token, so "expected ..." carets land there.
  if (!out.empty()) {
    e.offset = out.back().offset + out.back().length;
  } else {
    int q = begin;
    while (q < end && (text[q] == ' ' || text[q] == '\t' || text[q] == '\n' || text[q] == '\r')) ++q;
    e.offset = q;
  }
  e.length = 0;
  out.push_back(e);
  return out;
}

}  // namespace modelc::frontend
