// Brian2's generator syntax for `connect(j=...)` (brian2/synapses/parse_synaptic_generator_syntax.py):
//   ELEMENT for VAR in range(HIGH) | range(LOW, HIGH[, STEP]) | sample(...same..., p=P | size=S) [if COND]
// and a plain expression ELEMENT (one target per presynaptic neuron, Brian2's `j='i'`). A small
// dedicated parser finds the keywords at bracket depth 0 and hands every sub-expression to the
// expression parser, so errors get a caret in the right column of the whole string.
#pragma once

#include <optional>

#include "support/diagnostics.h"
#include "ir/model.h"

namespace modelc::frontend {

// Returns nullopt after reporting an error (with a caret into `src`).
std::optional<ir::ConnectGenerator> parse_connect_generator(const support::SourceTextPtr& src, DiagnosticEngine& diags);

}  // namespace modelc::frontend
