// Unit expressions as written in equations (`siemens/metre**2`, `mV`, `1`): parsed with source
// positions and evaluated to a quantity.
#pragma once

#include <optional>
#include <string>

#include "support/diagnostics.h"
#include "support/units.h"

namespace modelc::frontend {

// Parses a unit expression from an equation's unit part: "volt", "1", "siemens/metre**2", "mV",
// "uF/cm**2", "amp*second", "Hz", "second**-0.5", "boolean" and "integer" are handled by the
// equation parser, not here. Errors go to `diags` with locations relative to `loc`.
std::optional<Quantity> parse_unit(const std::string& text, const SourceLoc& loc, DiagnosticEngine& diags);

}  // namespace modelc::frontend
