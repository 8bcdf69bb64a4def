#include "runtime/finite_state_check.h"

#include <cmath>
#include <cstdio>

namespace modelc::runtime {

bool FiniteStateCheck::count_non_finite(int32_t var, int64_t& count, int64_t& first, double& value,
                                        std::string& error) {
  const mc_model_info& info = sim_.info();
  const mc_var_info& v = info.vars[var];
  const auto& fn = sim_.module().fn();
  count = 0;
  first = -1;
  int64_t n = fn.var_size(sim_.handle(), var);
  if (n <= 0) return true;
  auto scan = [&](const auto& data) {
    for (int64_t k = 0; k < n; ++k) {
      double x = static_cast<double>(data[static_cast<size_t>(k)]);
      if (!std::isfinite(x)) {
        if (first < 0) {
          first = k;
          value = x;
        }
        ++count;
      }
    }
  };
  auto read_and_scan = [&](auto& buffer) {
    buffer.resize(static_cast<size_t>(n));
    if (fn.read_var(sim_.handle(), var, buffer.data()) != 0) {
      error = std::string("reading ") + v.owner + "." + v.variable + " failed";
      return false;
    }
    scan(buffer);
    return true;
  };
  return v.type == MC_DOUBLE ? read_and_scan(scratch_) : read_and_scan(scratch_f_);
}

bool FiniteStateCheck::baseline(std::string& error) {
  vars_.clear();
  const mc_model_info& info = sim_.info();
  for (int32_t k = 0; k < info.num_vars; ++k) {
    const mc_var_info& v = info.vars[k];
    if (v.type != MC_DOUBLE && v.type != MC_FLOAT) continue;
    VarState s;
    s.index = k;
    int64_t first = -1;
    double value = 0;
    if (!count_non_finite(k, s.initial_non_finite, first, value, error)) return false;
    vars_.push_back(s);
  }
  return true;
}

bool FiniteStateCheck::check(bool synapses, std::vector<NonFiniteFinding>& found, std::string& error) {
  const mc_model_info& info = sim_.info();
  for (VarState& s : vars_) {
    const mc_var_info& v = info.vars[s.index];
    if (s.reported || (v.per_synapse && !synapses)) continue;
    int64_t count = 0, first = -1;
    double value = 0;
    if (!count_non_finite(s.index, count, first, value, error)) return false;
    if (count <= s.initial_non_finite) continue;
    s.reported = true;
    NonFiniteFinding f;
    f.owner = v.owner;
    f.variable = v.variable;
    f.index = first;
    f.value = value;
    f.step = sim_.current_step();
    f.count = count;
    f.per_synapse = v.per_synapse != 0;
    found.push_back(f);
    reported_.push_back(f);
  }
  return true;
}

std::string describe(const NonFiniteFinding& f, double dt) {
  const char* what = std::isnan(f.value) ? "NaN" : f.value > 0 ? "+inf" : "-inf";
  const char* unit = f.per_synapse ? "synapse" : "neuron";
  char t[64];
  std::snprintf(t, sizeof t, "%g ms", static_cast<double>(f.step) * dt * 1e3);
  return f.owner + "." + f.variable + " became " + what + " at " + unit + " " + std::to_string(f.index) +
         " (first seen at step " + std::to_string(f.step) + ", t = " + t + ", a chunk boundary: it happened at or before; " + std::to_string(f.count) + " " +
         unit + (f.count == 1 ? "" : "s") + " non-finite)";
}

}  // namespace modelc::runtime
