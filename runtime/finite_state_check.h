// Detects model state that becomes NaN or infinite during a run (an exploding equation, sqrt of a
// negative number): such a run would otherwise end "successfully" with meaningless results.
// Checked by the host at chunk boundaries, so it costs one read of the state per chunk and nothing
// inside the kernels; the step reported is the chunk boundary where the value was first seen.
// Neuron state is checked every chunk; per-synapse state (possibly billions of values) only when
// asked with `synapses` (the CLI does so once, before writing results). A variable that already
// holds non-finite values after initialisation (e.g. a threshold parameter set to inf on purpose)
// is reported only if more of its elements become non-finite.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/simulation.h"

namespace modelc::runtime {

struct NonFiniteFinding {
  std::string owner, variable;  // "P", "v"
  int64_t index = 0;            // neuron (or synapse) index of the first non-finite element
  double value = 0.0;           // NaN, +inf or -inf
  int64_t step = 0;             // the check (chunk boundary) that first saw it
  int64_t count = 0;            // non-finite elements at that check
  bool per_synapse = false;
};

class FiniteStateCheck {
 public:
  explicit FiniteStateCheck(Simulation& sim) : sim_(sim) {}

  // Records which variables already hold non-finite values (call after init).
  bool baseline(std::string& error);
  // Checks the floating-point state now; returns what became non-finite since the last report,
  // at most once per variable.
  bool check(bool synapses, std::vector<NonFiniteFinding>& found, std::string& error);

  const std::vector<NonFiniteFinding>& all() const { return reported_; }

 private:
  struct VarState {
    int32_t index = 0;
    int64_t initial_non_finite = 0;
    bool reported = false;
  };
  bool count_non_finite(int32_t var, int64_t& count, int64_t& first, double& value, std::string& error);

  Simulation& sim_;
  std::vector<VarState> vars_;
  std::vector<NonFiniteFinding> reported_;
  std::vector<double> scratch_;
  std::vector<float> scratch_f_;
};

// "P.v became NaN at neuron 17 (first seen at step 1230, t = 123 ms; 40 neurons non-finite)"
std::string describe(const NonFiniteFinding& f, double dt);

}  // namespace modelc::runtime
