// What a public Simulation holds: its own instance of the module's network and the host copies
// of the state variables it handed out as views.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/module_impl.h"
#include "modelc/simulation.h"
#include "runtime/simulation.h"

namespace modelc::api {

struct Simulation::Impl {
  explicit Impl(std::shared_ptr<const Module::Impl> m) : module(std::move(m)) {}

  // Declared first so it is destroyed last: the instance below must go before the code it runs.
  std::shared_ptr<const Module::Impl> module;
  std::unique_ptr<runtime::Simulation> sim;
  std::atomic<bool> cancel_requested{false};
  // Set when a step failed or a signal stopped the module inside a step: the ABI leaves the
  // instance usable only for mc_destroy.
  std::string broken;
  std::map<int32_t, std::vector<unsigned char>> mirrors;  // variable index -> host copy

  Status usable() const;
};

}  // namespace modelc::api
