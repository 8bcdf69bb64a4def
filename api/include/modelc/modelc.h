// The modelc library: load a model, compile it to a Module, run Simulations of it (docs/api.md).
// Errors are values (modelc/result.h); nothing is printed or thrown at the caller.
//
// The public names are declared in modelc::api, which keeps them apart from the compiler's own
// types of the same names, and brought into modelc here: write modelc::Model, modelc::Diagnostic.
#pragma once

#include "modelc/model.h"
#include "modelc/module.h"
#include "modelc/result.h"
#include "modelc/simulation.h"

namespace modelc {
using namespace api;  // NOLINT: the public spelling is modelc::Name
}  // namespace modelc
