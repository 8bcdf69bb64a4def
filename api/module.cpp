#include "modelc/module.h"

#include "api/errors.h"
#include "api/module_impl.h"
#include "api/simulation_impl.h"

namespace modelc::api {

using api_impl::make_error;

const char* element_type_name(ElementType type) {
  switch (type) {
    case ElementType::Bool: return "bool";
    case ElementType::Int32: return "int32";
    case ElementType::Int64: return "int64";
    case ElementType::Float: return "float32";
    case ElementType::Double: return "float64";
  }
  return "unknown";
}

size_t element_size(ElementType type) {
  switch (type) {
    case ElementType::Bool: return 1;
    case ElementType::Int32: return 4;
    case ElementType::Int64: return 8;
    case ElementType::Float: return 4;
    case ElementType::Double: return 8;
  }
  return 0;
}

static std::string str(const char* s, const char* fallback = "") { return s != nullptr ? s : fallback; }

void Module::Impl::describe() {
  const mc_model_info& mi = *loaded.info();
  info.model_name = str(mi.model_name);
  info.backend = str(mi.backend);
  info.dt = mi.dt;
  info.steps = mi.steps;
  info.seed = mi.seed;
  info.precision = mi.scalar_type == MC_FLOAT ? "float" : "double";
  for (int32_t p = 0; p < mi.num_populations; ++p) info.populations.push_back({str(mi.populations[p].name), mi.populations[p].size});
  for (int32_t s = 0; s < mi.num_synapse_groups; ++s)
    info.synapse_groups.push_back({str(mi.synapse_groups[s].name), str(mi.synapse_groups[s].source),
                                   str(mi.synapse_groups[s].target)});
  for (int32_t v = 0; v < mi.num_vars; ++v) {
    const mc_var_info& vi = mi.vars[v];
    VariableInfo out;
    out.owner = str(vi.owner);
    out.name = str(vi.variable);
    out.unit = str(vi.unit, "1");
    out.type = static_cast<ElementType>(vi.type);
    out.per_synapse = vi.per_synapse != 0;
    out.size = vi.size;
    info.variables.push_back(std::move(out));
  }
  for (int32_t m = 0; m < mi.num_monitors; ++m) {
    const mc_monitor_info& mon = mi.monitors[m];
    MonitorInfo out;
    out.name = str(mon.name);
    out.population = str(mon.population);
    out.kind = static_cast<MonitorKind>(mon.kind);
    for (int32_t k = 0; k < mon.num_variables; ++k) {
      out.variables.push_back(str(mon.variables[k]));
      out.units.push_back(mon.units != nullptr ? str(mon.units[k], "1") : "1");
    }
    if (mon.num_indices > 0) out.indices.assign(mon.indices, mon.indices + mon.num_indices);
    out.every = mon.every;
    info.monitors.push_back(std::move(out));
  }
}

int32_t Module::Impl::variable_index(const std::string& owner, const std::string& name) const {
  for (size_t v = 0; v < info.variables.size(); ++v)
    if (info.variables[v].owner == owner && info.variables[v].name == name) return static_cast<int32_t>(v);
  return -1;
}

Module::Module(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

const ModuleInfo& Module::info() const { return impl_->info; }
const std::filesystem::path& Module::path() const { return impl_->module_path; }
const std::filesystem::path& Module::copied_to() const { return impl_->copy_path; }
bool Module::cache_hit() const { return impl_->cache_hit; }
const std::map<std::string, double>& Module::timings() const { return impl_->timings; }
const std::vector<std::pair<std::string, std::string>>& Module::decisions() const { return impl_->decisions; }
const std::vector<Diagnostic>& Module::warnings() const { return impl_->warnings; }
const std::string& Module::compiler_command() const { return impl_->compiler_command; }

Result<Simulation> Module::simulation(uint64_t seed) const {
  SimulationOptions o;
  o.seed = seed;
  return simulation(o);
}

Result<Simulation> Module::simulation(const SimulationOptions& options) const {
  return api_impl::guarded<Result<Simulation>>([&]() -> Result<Simulation> {
    if (options.threads < 0) return make_error(ErrorCode::InvalidArgument, "threads must not be negative");
    if (options.device < 0) return make_error(ErrorCode::InvalidArgument, "device must not be negative");
    auto impl = std::make_unique<Simulation::Impl>(impl_);
    mc_options mo = runtime::Simulation::default_options(impl_->loaded);
    mo.num_threads = options.threads;
    mo.device = options.device;
    if (options.seed) mo.seed = *options.seed;
    impl->sim = std::make_unique<runtime::Simulation>(impl_->loaded, mo);
    std::string err;
    if (!impl->sim->init(err)) return make_error(ErrorCode::RuntimeFailed, "network construction failed: " + err);
    return Simulation(std::move(impl));
  });
}

}  // namespace modelc::api
