// Reads a JSON model file (docs/ir.md) into the model IR. Parses every code string with locations,
// evaluates every quantity to SI, and reports structural errors with JSON pointers. Semantic checks
// that need the whole model (names, dimensions of equations) are done by ResolveNamesPass.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/diagnostics.h"
#include "ir/model.h"

namespace modelc::frontend {

struct ReadOptions {
  // `--set NAME=VALUE` overrides of entries in "parameters"; VALUE is a quantity expression.
  std::vector<std::pair<std::string, std::string>> parameter_overrides;
};

std::optional<ir::Model> read_model_file(const std::string& path, const ReadOptions& options,
                                         DiagnosticEngine& diags);
std::optional<ir::Model> read_model_text(const std::string& text, const std::string& file_name,
                                         const ReadOptions& options, DiagnosticEngine& diags);

// Names a user may not define: built-ins visible in code, reserved for modelc or the generated code.
bool is_reserved_name(const std::string& name);
bool is_valid_identifier(const std::string& name);

}  // namespace modelc::frontend
