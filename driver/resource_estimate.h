// Estimates the host memory a compiled model will need, from the kernel IR alone, so that a model
// that cannot fit is refused with a clear message before anything is built or allocated (on Linux,
// malloc of an oversized network usually succeeds and the OOM killer ends the process later, losing
// every result).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/kernel_ir.h"

namespace modelc::driver {

struct MemoryEstimate {
  // Doubles, not integers: a hostile model (2e9 neurons, all-to-all) needs ~1e19 bytes, more than
  // int64 holds, and must still produce a readable message.
  double neuron_bytes = 0;    // per-neuron and shared buffers, lastspike/not_refractory
  double synapse_bytes = 0;   // CSR (row pointers, pre, post) and per-synapse buffers
  double spike_bytes = 0;     // spike history rings and dendritic delay rings
  double monitor_bytes = 0;   // recordings at the end of the run, held by the module and the host
  double expected_synapses = 0;
  // Parts the estimate could not size (probability depending on i/j, spike monitors): the total
  // is then a lower bound, and these say why.
  std::vector<std::string> unknowns;

  double total() const { return neuron_bytes + synapse_bytes + spike_bytes + monitor_bytes; }
};

// `steps`: the run's length when it differs from the compiled duration (monitors grow with it).
MemoryEstimate estimate_memory(const kir::Program& program, std::optional<int64_t> steps = std::nullopt);

// Memory this process may still use: MemAvailable from /proc/meminfo (sysinfo as a fallback),
// lowered to the cgroup v2/v1 limit minus usage when one is set. nullopt when nothing is known.
std::optional<double> available_memory_bytes();

// "1.5 GiB", "812 MiB", "3.2e+09 TiB".
std::string format_bytes(double bytes);

// Checks the estimate against available memory. Returns an empty string when the model fits (or
// nothing is known about free memory); otherwise the error message, naming the need, the amount
// available and the largest parts. `override_env` (MODELC_SKIP_MEMORY_CHECK=1) skips the check for
// users who know better (e.g. swap, or the estimate overcounts their monitors).
std::string check_memory(const kir::Program& program, std::optional<double> available,
                         std::optional<int64_t> steps = std::nullopt);

}  // namespace modelc::driver
