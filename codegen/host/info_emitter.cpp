// The model description of a host module: the static tables behind mc_get_info (abi/modelc_abi.h),
// the same in every backend's module.
#include "codegen/host/host_emitters.h"

namespace modelc::codegen::host {

using support::c_string;
using support::int_text;

void emit_info(HostContext& c) {
  const kir::Program& p = c.p;
  std::string& o = c.out;
  o += "static const mc_var_info mc_vars_[] = {\n";
  for (const auto& b : p.buffers)
    o += "  {" + c_string(b.name) + ", " + c_string(b.owner) + ", " + c_string(b.variable) + ", " + c_string(b.unit) +
         ", " + std::to_string(abi_type_code(b.type)) + ", " + (per_synapse(b) ? "1" : "0") + ", " + int_text(b.size) + "},\n";
  o += p.buffers.empty() ? "  {0, 0, 0, 0, 0, 0, 0}\n};\n" : "};\n";
  o += "static const mc_population_info mc_pops_[] = {\n";
  for (const auto& pop : p.populations)
    o += "  {" + c_string(pop.name) + ", " + int_text(pop.size) + ", " + (pop.replicated ? "1" : "0") + "},\n";
  o += p.populations.empty() ? "  {0, 0, 0}\n};\n" : "};\n";
  o += "static const mc_synapse_info mc_syns_[] = {\n";
  for (const auto& g : p.synapse_groups)
    o += "  {" + c_string(g.name) + ", " + c_string(g.source) + ", " + c_string(g.target) + ", " +
         (g.replicated ? "1" : "0") + "},\n";
  o += p.synapse_groups.empty() ? "  {0, 0, 0, 0}\n};\n" : "};\n";
  for (size_t k = 0; k < p.monitors.size(); ++k) {
    const kir::Monitor& m = p.monitors[k];
    std::string ks = std::to_string(k);
    std::vector<int64_t> idx = monitor_indices(m);
    o += "static const int64_t _mc_mon" + ks + "_idx[] = {";
    for (size_t n = 0; n < idx.size(); ++n) o += (n ? (n % 16 ? ", " : ",\n  ") : "") + int_text(idx[n]);
    o += idx.empty() ? "0};\n" : "};\n";
    // IR v2: -1 = every synapse of the monitored synapse group (count known at run time).
    o += "static const int64_t _mc_mon" + ks + "_nidx = " + int_text(m.all_synapses ? -1 : static_cast<int64_t>(idx.size())) + ";\n";
    o += "static const char* const _mc_mon" + ks + "_vars[] = {";
    for (const auto& v : m.variables) o += c_string(v) + ", ";
    o += "0};\nstatic const char* const _mc_mon" + ks + "_units[] = {";
    for (const auto& u : m.units) o += c_string(u) + ", ";
    o += "0};\n";
  }
  o += "static const mc_monitor_info mc_mons_[] = {\n";
  for (size_t k = 0; k < p.monitors.size(); ++k) {
    const kir::Monitor& m = p.monitors[k];
    std::string ks = std::to_string(k);
    int kind = m.kind == kir::Monitor::Kind::Spikes ? 0 : m.kind == kir::Monitor::Kind::State ? 1 : 2;
    // IR v2: a synapse state monitor names its synapse group where populations are named.
    o += "  {" + c_string(m.name) + ", " + c_string(m.population.empty() ? m.synapses : m.population) + ", " +
         std::to_string(kind) + ", " +
         std::to_string(m.kind != kir::Monitor::Kind::Rate ? m.buffers.size() : 0) +
         ", _mc_mon" + ks + "_vars, _mc_mon" +
         ks + "_units, _mc_mon" + ks + "_nidx, _mc_mon" + ks + "_idx, " + int_text(m.every < 1 ? 1 : m.every) + ", " +
         int_text(m.size) + ", " + int_text(m.offset) + "},\n";
  }
  o += p.monitors.empty() ? "  {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}\n};\n" : "};\n";
  o += "static const mc_model_info mc_info_ = {MC_ABI_VERSION, " + c_string(p.model_name) + ", " + c_string(c.backend) + ", MC_DT, " +
       int_text(p.steps) + ", " + std::to_string(p.seed) + "ull, " + std::to_string(abi_type_code(p.scalar)) + ", " +
       std::to_string(p.buffers.size()) + ", mc_vars_, " + std::to_string(p.populations.size()) + ", mc_pops_, " +
       std::to_string(p.synapse_groups.size()) + ", mc_syns_, " + std::to_string(p.monitors.size()) + ", mc_mons_};\n\n";
  o += "const mc_model_info* mc_get_info(void) { return &mc_info_; }\n\n";
}

}  // namespace modelc::codegen::host
