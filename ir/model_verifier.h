// The invariants of the model IR that the model passes and the lowering rely on, by stage. The
// frontend reports user mistakes; this only catches passes that leave the IR inconsistent, so every
// problem it finds is a bug in modelc (PassManager reports it as an internal compiler error).
#pragma once

#include <string>
#include <vector>

#include "ir/model.h"

namespace modelc::ir {

struct ModelVerifyStage {
  // resolve-names has run: every cross-reference holds (synapse slices within their groups,
  // pathway and monitor events exist, monitored / linked / Poisson-input variables exist) and every
  // identifier of a neuron group's code means something in the group's scope.
  bool names_resolved = false;
  // state-update has run: every neuron group has a chosen method (not Auto), and unless it is None its
  // update code assigns every differential variable; its targets are group variables or '_' temporaries.
  bool state_updated = false;
};

// The problems found, one line each, at most `max_problems`; empty = well formed. Always checked:
// unique group / equation names, differential equations and subexpressions have a right-hand side,
// every code statement has a target, an operator of = += -= *= /= and a value.
std::vector<std::string> verify(const Model& m, const ModelVerifyStage& stage, size_t max_problems = 20);

}  // namespace modelc::ir
