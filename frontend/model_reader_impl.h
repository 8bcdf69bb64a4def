// Internal to the frontend: the model reader class, shared by the files that implement it
// (model_reader.cpp: v1 structure; model_reader_v2.cpp: neuron/top-level IR v2 additions;
// model_reader_synapses.cpp: IR v2 synapse pathways and delays; npy_reader.cpp: sidecar arrays).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/diagnostics.h"
#include "frontend/model_reader.h"
#include "ir/quantity_eval.h"
#include "ir/model.h"

namespace modelc::frontend::detail {

using json = nlohmann::ordered_json;

inline std::string join_pointer(const std::string& base, const std::string& key) {
  return base + "/" + support::json_pointer_escape(key);
}
inline std::string join_pointer(const std::string& base, size_t index) { return base + "/" + std::to_string(index); }

// A numeric array read from the model (inline JSON or an .npy sidecar), in SI units.
struct ArrayValue {
  std::vector<double> values;
  std::vector<int64_t> shape;  // 1 or 2 dimensions
};

// Reads one model file. Holds the evaluation scopes for quantities while reading.
class Reader {
 public:
  Reader(DiagnosticEngine& diags, const ReadOptions& options) : diags_(diags), options_(options) {}

  std::optional<ir::Model> read(const json& doc, const std::string& file_name);

 private:
  DiagnosticEngine& diags_;
  const ReadOptions& options_;
  ir::Model model_;
  // Groups whose definition had errors: references to them are not reported again, so the user
  // sees the cause and not a cascade of "no neuron group named ..." errors.
  std::set<std::string> unreadable_groups_;
  // Scopes searched innermost first when evaluating constant expressions.
  std::vector<const std::map<std::string, Quantity>*> scopes_;

  bool check_fields(const json& obj, const std::string& ptr, const std::vector<std::string>& allowed,
                    const std::vector<std::string>& required);
  std::optional<Quantity> quantity(const json& v, const std::string& ptr, const std::optional<Dimension>& expect,
                                   const std::string& what);
  std::optional<int64_t> integer(const json& v, const std::string& ptr, const std::string& what, int64_t min,
                                 int64_t max);
  ir::ExprPtr expression(const json& v, const std::string& ptr, const std::string& what);
  std::vector<ir::Stmt> statements(const json& v, const std::string& ptr, const std::string& what);
  std::vector<ir::Equation> equations(const json& v, const std::string& ptr);
  bool name(const json& v, const std::string& ptr, const std::string& what, std::string& out);
  void named_quantities(const json& obj, const std::string& ptr, std::map<std::string, Quantity>& out,
                        const std::string& what);
  std::vector<ir::NamedExpr> initial_values(const json& obj, const std::string& ptr);
  std::optional<ir::GroupSlice> slice(const json& v, const std::string& ptr);

  void read_simulation(const json& sim, const std::string& ptr);
  void read_neuron_group(const json& g, const std::string& ptr);
  void read_synapses(const json& s, const std::string& ptr);
  void read_monitor(const json& m, const std::string& ptr);
  void read_connect(const json& c, const std::string& ptr, ir::SynapseGroup& syn);  // model_reader_connect.cpp
  void read_connect_generator(const json& c, const std::string& ptr, ir::SynapseGroup& syn);

  // --- IR v2 (model_reader_v2.cpp, model_reader_synapses.cpp) ---
  // Reports every field of `fields` present in `obj` when the file says "modelc_ir": 1.
  // Returns true when none was found.
  bool require_v2(const json& obj, const std::string& ptr, const std::vector<std::string>& fields);
  // An array of numbers, inline (nested lists for 2-D) or {"npy": path, "unit": u}; values converted
  // to SI with `unit` (npy) or read as quantities (inline strings). `expect` checks the dimension.
  std::optional<ArrayValue> number_array(const json& v, const std::string& ptr, const std::optional<Dimension>& expect,
                                         const std::string& what);
  std::optional<std::vector<int64_t>> index_array(const json& v, const std::string& ptr, const std::string& what,
                                                  int64_t size);
  bool is_array_value(const json& v) const { return v.is_array() || (v.is_object() && v.contains("npy")); }
  void read_neuron_group_features(const json& g, const std::string& ptr, ir::NeuronGroup& group);
  void read_custom_events(const json& v, const std::string& ptr, ir::NeuronGroup& group);
  void read_run_regularly(const json& v, const std::string& ptr, std::vector<ir::RunRegularly>& out);
  void read_links(const json& v, const std::string& ptr, ir::NeuronGroup& group);
  void read_timed_arrays(const json& v, const std::string& ptr);
  void read_poisson_inputs(const json& v, const std::string& ptr);
  void read_pathways(const json& s, const std::string& ptr, ir::SynapseGroup& syn);
  void read_delay(const json& v, const std::string& ptr, ir::Pathway& pw);
  void read_monitor_v2(const json& m, const std::string& ptr, ir::Monitor& mon);
  // (model_reader_schedule.cpp) `when` / `order` fields of `obj`; false after an error.
  bool read_scheduling(const json& obj, const std::string& ptr, ir::Scheduling& out);
  // A `schedule` object: key -> {"when", "order"}; unknown keys (`what`: "pathway", ...) are errors
  // listing `entries`.
  void read_schedule_object(const json& v, const std::string& ptr,
                            const std::vector<std::pair<std::string, ir::Scheduling*>>& entries, const std::string& what);
  void read_group_order(const json& g, const std::string& ptr, int64_t& out);
  void read_neuron_schedule(const json& g, const std::string& ptr, ir::NeuronGroup& group);
  void read_synapse_schedule(const json& s, const std::string& ptr, ir::SynapseGroup& syn);

  std::optional<Quantity> lookup(const std::string& n) const {
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
      auto f = (*it)->find(n);
      if (f != (*it)->end()) return f->second;
    }
    return std::nullopt;
  }
};

}  // namespace modelc::frontend::detail
