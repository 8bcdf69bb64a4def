// Brian2's equation language (brian2/equations/equations.py): one equation is
//   dx/dt = expr : unit [(flags)]  |  y = expr : unit [(flags)]  |  p : unit [(flags)]
// The expression cannot contain ':' and the unit cannot contain '(', which is how Brian2's grammar
// finds the parts; this parser does the same on the raw text and tokenizes only the pieces.
#include <algorithm>
#include <cctype>

#include "frontend/lexer.h"
#include "frontend/parser.h"
#include "frontend/unit_expression.h"
#include "ir/quantity_eval.h"

namespace modelc::frontend {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

// Offset of the first `c` in [begin, end) outside '#' comments, or -1.
int find_code_char(const std::string& text, int begin, int end, char c) {
  for (int p = begin; p < end; ++p) {
    if (text[p] == '#') {
      while (p < end && text[p] != '\n') ++p;
      continue;
    }
    if (text[p] == c) return p;
  }
  return -1;
}

// Shrinks [begin, end) to exclude surrounding blanks and comments.
std::pair<int, int> trim_code(const std::string& text, int begin, int end) {
  int first = -1, last = -1;
  for (int p = begin; p < end; ++p) {
    if (text[p] == '#') {
      while (p < end && text[p] != '\n') ++p;
      continue;
    }
    if (!is_blank(text[p])) {
      if (first < 0) first = p;
      last = p + 1;
    }
  }
  if (first < 0) return {begin, begin};
  return {first, last};
}

std::string collapse_spaces(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (is_blank(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

bool is_flag_text(const std::string& f) {
  if (f.empty() || !std::isalpha(static_cast<unsigned char>(f[0]))) return false;
  return std::all_of(f.begin(), f.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == ' ';
  });
}

struct Lhs {
  ir::Equation::Kind kind = ir::Equation::Kind::Parameter;
  std::string name;
  SourceLoc name_loc;
  int expr_begin = -1;  // after '=', for ODEs and subexpressions
};

// Recognises the part before ':' as `p`, `y = ...` or `dx/dt = ...` from its first tokens.
std::optional<Lhs> parse_lhs(const support::SourceTextPtr& src, int begin, int colon, DiagnosticEngine& diags) {
  bool ok = false;
  auto toks = tokenize(src, begin, colon, LexOptions{}, diags, ok);
  if (!ok) return std::nullopt;
  auto at = [&](size_t k) -> const Token& { return toks[std::min(k, toks.size() - 1)]; };
  const Token& first = at(0);
  if (first.kind != Token::Kind::Name) {
    diags.error_at(SourceLoc{src, first.offset, first.length},
                   "expected a variable name at the start of the equation, found " + describe_token(first),
                   "equations look like 'dv/dt = -v/tau : volt', 'I = g*v : amp' or 'tau : second'");
    return std::nullopt;
  }
  if (is_keyword(first.text)) {
    diags.error_at(SourceLoc{src, first.offset, first.length},
                   "'" + std::string(first.text) + "' is a keyword and cannot be a variable name");
    return std::nullopt;
  }
  Lhs lhs;
  size_t k = 0;
  // "dv/dt" lexes as dv / dt; "d v / dt" is accepted too, like Brian2's grammar does.
  bool d_split = first.text == "d" && at(1).kind == Token::Kind::Name && at(2).is("/") && at(3).is_name("dt");
  bool d_joined = first.text.size() > 1 && first.text[0] == 'd' && at(1).is("/") && at(2).is_name("dt");
  if (d_split || d_joined) {
    lhs.kind = ir::Equation::Kind::Differential;
    const Token& var = d_split ? at(1) : first;
    int skip = d_split ? 0 : 1;
    lhs.name = std::string(var.text.substr(skip));
    lhs.name_loc = SourceLoc{src, var.offset + skip, var.length - skip};
    k = d_split ? 4 : 3;
    if (!at(k).is("=")) {
      diags.error_at(SourceLoc{src, at(k).offset, at(k).length},
                     "expected '=' after 'd" + lhs.name + "/dt', found " + describe_token(at(k)));
      return std::nullopt;
    }
  } else {
    lhs.name = std::string(first.text);
    lhs.name_loc = SourceLoc{src, first.offset, first.length};
    k = 1;
    if (at(k).kind == Token::Kind::End) return lhs;  // parameter
    if (!at(k).is("=")) {
      diags.error_at(SourceLoc{src, at(k).offset, at(k).length},
                     "expected '=' or ':' after '" + lhs.name + "', found " + describe_token(at(k)),
                     at(k).is("==") ? "use a single '=' to define a variable"
                                    : "equations look like 'dv/dt = -v/tau : volt', 'I = g*v : amp' or 'tau : second'");
      return std::nullopt;
    }
    lhs.kind = ir::Equation::Kind::Subexpression;
  }
  lhs.expr_begin = at(k).offset + at(k).length;
  return lhs;
}

// Parses the "(flag, flag)" list at `open`; `end` is the end of the equation.
bool parse_flags(const support::SourceTextPtr& src, int open, int end, ir::Equation& eq, DiagnosticEngine& diags) {
  const std::string& text = src->text;
  int close = find_code_char(text, open + 1, end, ')');
  if (close < 0) {
    diags.error_at(SourceLoc{src, open, 1}, "expected ')' to close the flag list opened here",
                   "flags look like '(constant, shared)'");
    return false;
  }
  auto [rest_begin, rest_end] = trim_code(text, close + 1, end);
  if (rest_end > rest_begin) {
    diags.error_at(SourceLoc{src, rest_begin, rest_end - rest_begin},
                   "unexpected text after the flags", "an equation ends with its unit and optional flags");
    return false;
  }
  eq.flags_loc = SourceLoc{src, open, close + 1 - open};
  const auto& known = known_equation_flags();
  bool ok = true;
  int item_begin = open + 1;
  for (int p = open + 1; p <= close; ++p) {
    if (p < close && text[p] != ',') continue;
    auto [fb, fe] = trim_code(text, item_begin, p);
    SourceLoc floc{src, fb, fe - fb};
    std::string flag = collapse_spaces(std::string_view(text).substr(fb, fe - fb));
    item_begin = p + 1;
    if (flag.empty()) {
      diags.error_at(fe > fb ? floc : SourceLoc{src, p, 1}, "empty flag", "flags are separated by ','");
      ok = false;
    } else if (std::find(known.begin(), known.end(), flag) == known.end()) {
      auto close_flag = support::closest_match(flag, known);
      std::string all;
      for (const auto& f : known) all += (all.empty() ? "" : ", ") + f;
      diags.error_at(floc, (is_flag_text(flag) ? "unknown flag '" : "malformed flag '") + flag + "'",
                     close_flag ? "did you mean '" + *close_flag + "'?" : "known flags: " + all);
      ok = false;
    } else if (eq.has_flag(*ir::parse_equation_flag(flag))) {
      diags.error_at(floc, "flag '" + flag + "' is given twice");
      ok = false;
    } else {
      eq.flags.push_back(*ir::parse_equation_flag(flag));
    }
  }
  return ok;
}

// True when the line at [begin, end) starts like an equation ("x :", "x =", "dx/dt =") rather
// than continuing the previous line's expression.
bool starts_equation(const std::string& text, int begin, int end) {
  int p = begin;
  auto skip_blanks = [&] { while (p < end && is_blank(text[p])) ++p; };
  auto ident = [&]() -> std::string_view {
    int s = p;
    if (p < end && (std::isalpha(static_cast<unsigned char>(text[p])) || text[p] == '_'))
      while (p < end && (std::isalnum(static_cast<unsigned char>(text[p])) || text[p] == '_')) ++p;
    return std::string_view(text).substr(s, p - s);
  };
  skip_blanks();
  std::string_view first = ident();
  if (first.empty()) return false;
  skip_blanks();
  if (first == "d") {
    int save = p;
    if (ident().empty()) p = save;
    skip_blanks();
  }
  if (p < end && text[p] == '/') {
    ++p;
    skip_blanks();
    if (ident() != "dt") return false;
    skip_blanks();
  }
  if (p < end && text[p] == ':') return true;
  return p < end && text[p] == '=' && (p + 1 >= end || text[p + 1] != '=');
}

}  // namespace

const std::vector<std::string>& known_equation_flags() {
  static const std::vector<std::string> kFlags = [] {
    std::vector<std::string> v;
    for (auto f : ir::all_equation_flags()) v.emplace_back(ir::name(f));
    return v;
  }();
  return kFlags;
}

std::optional<ir::Equation> parse_equation(const support::SourceTextPtr& src, int begin, int end, DiagnosticEngine& diags) {
  if (!src) return std::nullopt;
  const std::string& text = src->text;
  end = std::clamp(end, 0, static_cast<int>(text.size()));
  begin = std::clamp(begin, 0, end);
  auto [eq_begin, eq_end] = trim_code(text, begin, end);
  if (eq_end <= eq_begin) {
    diags.error_at(SourceLoc{src, eq_begin, 0}, "empty equation", "write e.g. 'dv/dt = -v/tau : volt'");
    return std::nullopt;
  }
  ir::Equation eq;
  eq.loc = SourceLoc{src, eq_begin, eq_end - eq_begin};
  int colon = find_code_char(text, eq_begin, eq_end, ':');
  if (colon < 0) {
    diags.error_at(SourceLoc{src, eq_end, 0}, "expected ':' followed by the unit of the variable",
                   "every equation ends with its unit, e.g. 'dv/dt = -v/tau : volt' ('1' if dimensionless)");
    return std::nullopt;
  }
  auto lhs = parse_lhs(src, eq_begin, colon, diags);
  if (!lhs) return std::nullopt;
  eq.kind = lhs->kind;
  eq.name = lhs->name;
  eq.name_loc = lhs->name_loc;
  if (lhs->expr_begin >= 0) {
    eq.expr = parse_expression(src, lhs->expr_begin, colon, diags);
    if (!eq.expr) return std::nullopt;
  }

  int open = find_code_char(text, colon + 1, eq_end, '(');
  auto [unit_begin, unit_end] = trim_code(text, colon + 1, open < 0 ? eq_end : open);
  if (unit_end <= unit_begin) {
    diags.error_at(SourceLoc{src, colon, 1}, "expected a unit after ':'",
                   "write the variable's unit, e.g. 'volt', or '1' if it is dimensionless");
    return std::nullopt;
  }
  if (open >= 0 && (text[unit_end - 1] == '/' || text[unit_end - 1] == '*')) {
    diags.error_at(SourceLoc{src, open, 1}, "a unit cannot contain parentheses; '(' starts the flags",
                   "write e.g. 'siemens/metre**2'");
    return std::nullopt;
  }
  eq.unit_text = text.substr(unit_begin, unit_end - unit_begin);
  eq.unit_loc = SourceLoc{src, unit_begin, unit_end - unit_begin};
  if (eq.unit_text == "boolean" || eq.unit_text == "integer") {
    eq.type = eq.unit_text == "boolean" ? ir::ValueType::Boolean : ir::ValueType::Integer;
    eq.dim = Dimension::dimensionless();
    if (eq.kind == ir::Equation::Kind::Differential) {
      diags.error_at(eq.unit_loc, "differential equations can only define floating-point variables",
                     "give '" + eq.name + "' a unit such as 'volt' or '1'");
      return std::nullopt;
    }
  } else {
    auto unit = parse_unit(eq.unit_text, eq.unit_loc, diags);
    if (!unit) return std::nullopt;
    eq.dim = unit->dim;
  }
  if (open >= 0 && !parse_flags(src, open, eq_end, eq, diags)) return std::nullopt;
  return eq;
}

std::optional<ir::Equation> parse_equation(const support::SourceTextPtr& src, DiagnosticEngine& diags) {
  if (!src) return std::nullopt;
  return parse_equation(src, 0, static_cast<int>(src->text.size()), diags);
}

std::vector<ir::Equation> parse_equations(const support::SourceTextPtr& src, DiagnosticEngine& diags) {
  std::vector<ir::Equation> out;
  if (!src) return out;
  const std::string& text = src->text;
  const int n = static_cast<int>(text.size());
  auto line_end_of = [&](int p) {
    size_t e = text.find('\n', p);
    return e == std::string::npos ? n : static_cast<int>(e);
  };
  auto is_code_blank = [&](int b, int e) {
    auto [tb, te] = trim_code(text, b, e);
    return te <= tb;
  };
  int pos = 0;
  while (pos < n) {
    int line_end = line_end_of(pos);
    if (is_code_blank(pos, line_end)) {
      pos = line_end + 1;
      continue;
    }
    int chunk_begin = pos;
    int paren_depth = 0;
    while (true) {
      for (int p = pos; p < line_end; ++p) {
        if (text[p] == '#') break;
        if (text[p] == '(') ++paren_depth;
        if (text[p] == ')') --paren_depth;
      }
      bool has_colon = find_code_char(text, pos, line_end, ':') >= 0;
      int next = line_end + 1;
      while (next < n && is_code_blank(next, line_end_of(next))) next = line_end_of(next) + 1;
      if (has_colon || next >= n || (paren_depth <= 0 && starts_equation(text, next, line_end_of(next)))) {
        if (auto eq = parse_equation(src, chunk_begin, line_end, diags)) out.push_back(std::move(*eq));
        pos = line_end + 1;
        break;
      }
      pos = next;  // the expression continues on the next line
      line_end = line_end_of(pos);
    }
  }
  return out;
}

}  // namespace modelc::frontend
