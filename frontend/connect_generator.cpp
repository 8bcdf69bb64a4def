// The parser of Brian2's connection generator syntax (see connect_generator.h). The structure
// (keywords, the iterator call and its arguments) is found here; every sub-expression goes through
// the ordinary expression parser with its byte range, so carets point into the original string.
#include "frontend/connect_generator.h"

#include <cctype>

#include "frontend/parser.h"

namespace modelc::frontend {

namespace {

bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Offsets of the word `kw` at bracket depth 0 in [begin, end), whole words only.
std::vector<int> find_keyword(const std::string& t, int begin, int end, const std::string& kw) {
  std::vector<int> out;
  int depth = 0;
  for (int k = begin; k < end; ++k) {
    char c = t[k];
    if (c == '(' || c == '[') ++depth;
    else if (c == ')' || c == ']') --depth;
    else if (depth == 0 && t.compare(k, kw.size(), kw) == 0 && (k == begin || !ident_char(t[k - 1])) &&
             (k + static_cast<int>(kw.size()) >= end || !ident_char(t[k + kw.size()])))
      out.push_back(k);
  }
  return out;
}

void trim(const std::string& t, int& b, int& e) {
  while (b < e && std::isspace(static_cast<unsigned char>(t[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(t[e - 1]))) --e;
}

SourceLoc span(const support::SourceTextPtr& src, int b, int e) { return SourceLoc{src, b, std::max(1, e - b)}; }

}  // namespace

std::optional<ir::ConnectGenerator> parse_connect_generator(const support::SourceTextPtr& src, DiagnosticEngine& diags) {
  const std::string& t = src->text;
  const int n = static_cast<int>(t.size());
  const char* kSyntax = "write e.g. \"k for k in range(i-3, i+4) if k != i\" or \"k for k in sample(N_post, p=0.1)\"";
  ir::ConnectGenerator g;
  g.loc = span(src, 0, n);
  auto fors = find_keyword(t, 0, n, "for");
  if (fors.empty()) {  // a plain expression: one target per presynaptic neuron
    g.element = parse_expression(src, 0, n, diags);
    if (!g.element) return std::nullopt;
    return g;
  }
  if (fors.size() > 1) {
    diags.error_at(span(src, fors[1], fors[1] + 3), "a connection generator may have only one 'for'", kSyntax);
    return std::nullopt;
  }
  int eb = 0, ee = fors[0];
  trim(t, eb, ee);
  if (eb == ee) {
    diags.error_at(span(src, fors[0], fors[0] + 3), "the generator has no element before 'for'", kSyntax);
    return std::nullopt;
  }
  auto ins = find_keyword(t, fors[0] + 3, n, "in");
  if (ins.empty()) {
    diags.error_at(span(src, fors[0], n), "expected 'in' after 'for VARIABLE'", kSyntax);
    return std::nullopt;
  }
  int vb = fors[0] + 3, ve = ins[0];
  trim(t, vb, ve);
  g.variable = t.substr(vb, ve - vb);
  bool ident = !g.variable.empty() && !std::isdigit(static_cast<unsigned char>(g.variable[0]));
  for (char c : g.variable) ident &= ident_char(c);
  if (!ident) {
    diags.error_at(span(src, vb, ve), "the generator must iterate over a single variable name", kSyntax);
    return std::nullopt;
  }
  if (g.variable == "i" || g.variable == "j") {
    diags.error_at(span(src, vb, ve), "the inner variable cannot be named '" + g.variable + "'",
                   "use another name, e.g. 'k'");
    return std::nullopt;
  }
  auto ifs = find_keyword(t, ins[0] + 2, n, "if");
  if (ifs.size() > 1) {
    diags.error_at(span(src, ifs[1], ifs[1] + 2), "a connection generator may have at most one 'if'", kSyntax);
    return std::nullopt;
  }
  int ib = ins[0] + 2, ie = ifs.empty() ? n : ifs[0];
  trim(t, ib, ie);
  // The iterator: NAME(args)
  int fb = ib;
  while (fb < ie && ident_char(t[fb])) ++fb;
  std::string fn = t.substr(ib, fb - ib);
  int open = fb;
  while (open < ie && std::isspace(static_cast<unsigned char>(t[open]))) ++open;
  if ((fn != "range" && fn != "sample") || open >= ie || t[open] != '(' || t[ie - 1] != ')') {
    diags.error_at(span(src, ib, ie), "the iterator must be range(...) or sample(...)", kSyntax);
    return std::nullopt;
  }
  // Split the arguments at depth-0 commas.
  std::vector<std::pair<int, int>> args;
  int depth = 0, start = open + 1;
  for (int k = open + 1; k < ie - 1; ++k) {
    if (t[k] == '(' || t[k] == '[') ++depth;
    else if (t[k] == ')' || t[k] == ']') --depth;
    else if (t[k] == ',' && depth == 0) {
      args.emplace_back(start, k);
      start = k + 1;
    }
  }
  args.emplace_back(start, ie - 1);
  std::vector<ir::ExprPtr> positional;
  bool ok = true;
  for (auto [ab, ae] : args) {
    trim(t, ab, ae);
    if (ab == ae) {
      diags.error_at(span(src, ab, ae), "empty argument in " + fn + "(...)", kSyntax);
      return std::nullopt;
    }
    // A keyword argument: NAME = expr (but not ==).
    int k = ab;
    while (k < ae && ident_char(t[k])) ++k;
    int eq = k;
    while (eq < ae && std::isspace(static_cast<unsigned char>(t[eq]))) ++eq;
    if (k > ab && eq < ae && t[eq] == '=' && (eq + 1 >= ae || t[eq + 1] != '=')) {
      std::string key = t.substr(ab, k - ab);
      if (fn != "sample" || (key != "p" && key != "size")) {
        diags.error_at(span(src, ab, k), "unknown keyword argument '" + key + "' of " + fn + "(...)",
                       fn == "sample" ? "sample() takes p= or size=" : "range() takes no keyword arguments");
        return std::nullopt;
      }
      if (g.p || g.size) {
        diags.error_at(span(src, ab, k), "sample() takes exactly one of p= and size=", kSyntax);
        return std::nullopt;
      }
      auto e = parse_expression(src, eq + 1, ae, diags);
      if (!e) return std::nullopt;
      (key == "p" ? g.p : g.size) = e;
      continue;
    }
    if (g.p || g.size) {
      diags.error_at(span(src, ab, ae), "positional argument after a keyword argument", kSyntax);
      return std::nullopt;
    }
    auto e = parse_expression(src, ab, ae, diags);
    ok &= e != nullptr;
    positional.push_back(e);
  }
  if (!ok) return std::nullopt;
  if (positional.empty() || positional.size() > 3) {
    diags.error_at(span(src, ib, ie), fn + "(...) takes 1 to 3 positional arguments (high / low, high / low, high, step)",
                   kSyntax);
    return std::nullopt;
  }
  if (fn == "sample" && !g.p && !g.size) {
    diags.error_at(span(src, ib, ie), "sample(...) needs p= (each target with probability p) or size= (a fixed number)",
                   "e.g. sample(N_post, p=0.1) or sample(N_post, size=10)");
    return std::nullopt;
  }
  if (positional.size() == 1) {
    g.high = positional[0];
  } else {
    g.low = positional[0];
    g.high = positional[1];
    if (positional.size() == 3) g.step = positional[2];
  }
  g.iterator = fn == "range" ? ir::ConnectGenerator::Iterator::Range
               : g.p         ? ir::ConnectGenerator::Iterator::SampleP
                             : ir::ConnectGenerator::Iterator::SampleSize;
  g.element = parse_expression(src, eb, ee, diags);
  if (!g.element) return std::nullopt;
  if (!ifs.empty()) {
    int cb = ifs[0] + 2, ce = n;
    trim(t, cb, ce);
    if (cb == ce) {
      diags.error_at(span(src, ifs[0], ifs[0] + 2), "'if' without a condition", kSyntax);
      return std::nullopt;
    }
    g.condition = parse_expression(src, cb, ce, diags);
    if (!g.condition) return std::nullopt;
  }
  return g;
}

}  // namespace modelc::frontend
