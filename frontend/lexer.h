// Tokenizer for Brian2 code strings. Shared by the expression, statement and equation parsers so
// that every token carries its byte span in the original SourceText.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "support/diagnostics.h"

namespace modelc::frontend {

struct Token {
  enum class Kind {
    Number,
    Name,     // identifiers and the keywords and/or/not/True/False (see is_keyword)
    Punct,    // operators and delimiters: + - * / // % ** < <= ... = += ( ) , : ;
    Newline,  // only when the lexer is asked for them, and only outside parentheses
    End,
  };
  Kind kind = Kind::End;
  int offset = 0;
  int length = 0;
  std::string_view text;  // views into the SourceText, which outlives the tokens
  double number = 0.0;
  bool is_integer = false;

  bool is(std::string_view punct) const { return kind == Kind::Punct && text == punct; }
  bool is_name(std::string_view name) const { return kind == Kind::Name && text == name; }
};

bool is_keyword(std::string_view word);  // and, or, not, True, False, and other Python keywords

struct LexOptions {
  bool newline_tokens = false;  // statements are separated by newlines; expressions ignore them
};

// Tokenizes the byte range [begin, end) of `src`. '#' comments and backslash line continuations are
// skipped. On an invalid character or malformed number the error is reported and `ok` is false;
// the returned tokens always end with an End token.
std::vector<Token> tokenize(const support::SourceTextPtr& src, int begin, int end, const LexOptions& options,
                            DiagnosticEngine& diags, bool& ok);

// Text for a token in messages: "'x'", "end of input", "newline".
std::string describe_token(const Token& t);

}  // namespace modelc::frontend
