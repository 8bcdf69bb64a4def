// Recursive-descent parser for Brian2's code strings: expressions, abstract-code statements and the
// equation language. Every node carries its source span, so diagnostics can put a caret under it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "support/diagnostics.h"
#include "ir/expr.h"
#include "ir/model.h"

namespace modelc::frontend {

// Parses a whole SourceText as one expression (Python syntax subset: numbers incl. 1e-3 and .5,
// True/False, identifiers, calls f(a, b), unary - + not, ** (right-assoc, binds tighter than unary
// minus on its left: -2**2 == -4), * / // %, + -, comparisons < <= > >= == != (no chaining), and,
// or, parentheses). A numeric literal directly followed by an identifier is an implicit product
// ("10 ms", "13mV" -> 10*ms) so quantities read naturally. Returns nullptr after reporting an error.
ir::ExprPtr parse_expression(const support::SourceTextPtr& src, DiagnosticEngine& diags);

// Parses statements separated by newlines or ';': `x = e`, `x += e`, `-=`, `*=`, `/=`. Empty
// statements and '#' comments are skipped. Returns an empty vector after reporting an error
// (check diags.has_errors()).
std::vector<ir::Stmt> parse_statements(const support::SourceTextPtr& src, DiagnosticEngine& diags);

// Parses one equation line:
//   dx/dt = expr : unit [(flag, flag)]     differential equation
//   y = expr : unit [(flags)]              subexpression
//   p : unit [(flags)]                     parameter
// unit is a unit expression ("volt", "1", "siemens/meter**2", "mV"), or "boolean" / "integer".
// Flags are checked against the known set: constant, shared, linked, unless refractory,
// constant over dt, event-driven, clock-driven, summed; an unknown flag is an error with a hint.
// Returns nullopt after reporting an error.
std::optional<ir::Equation> parse_equation(const support::SourceTextPtr& src, DiagnosticEngine& diags);

// Parses the byte range [begin, end) of `src` as one expression / equation; locations refer to the
// whole of `src`, so a part of a larger string (an equation's right-hand side, a unit) gets carets
// in the right column.
ir::ExprPtr parse_expression(const support::SourceTextPtr& src, int begin, int end, DiagnosticEngine& diags);
std::optional<ir::Equation> parse_equation(const support::SourceTextPtr& src, int begin, int end, DiagnosticEngine& diags);

// Parses a block of equations, one per line, '#' comments allowed. As in Brian2, an equation's
// expression may continue on following lines (inside parentheses, or while the next line does not
// start a new equation); the line with the ':' ends it. Returns the equations that parsed; check
// diags.has_errors() for the others.
std::vector<ir::Equation> parse_equations(const support::SourceTextPtr& src, DiagnosticEngine& diags);

// The flags parse_equation accepts, in Brian2's spelling.
const std::vector<std::string>& known_equation_flags();

}  // namespace modelc::frontend
