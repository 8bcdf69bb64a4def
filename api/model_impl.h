// What a public Model holds: the document (a file or text), its overrides, and what loading read.
#pragma once

#include <optional>
#include <string>

#include "driver/driver.h"
#include "modelc/model.h"

namespace modelc::api {

struct Model::Impl {
  std::string name;                 // what diagnostics cite: the path as given, or the name given
  std::optional<std::string> text;  // unset: read the file `name` (the CLI's path)
  Overrides overrides;
  ModelSummary summary;
  std::vector<Diagnostic> warnings;

  ModelInput input() const { return text ? ModelInput(name, *text) : ModelInput(name); }
};

}  // namespace modelc::api
