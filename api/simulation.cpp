#include "modelc/simulation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "api/errors.h"
#include "api/simulation_impl.h"
#include "driver/driver.h"
#include "runtime/results_writer.h"
#include "support/diagnostics.h"
#include "support/interrupt.h"

namespace fs = std::filesystem;

namespace modelc::api {

using api_impl::guarded;
using api_impl::make_error;

namespace {

// Chunks aim at a quarter of a second of wall time: progress stays live and cancellation prompt,
// and the per-call cost (a device sync on accelerators) stays negligible.
constexpr double kChunkSeconds = 0.25;
constexpr int64_t kFirstChunk = 10;
constexpr double kMaxGrowth = 8.0;

Error not_found(const std::string& what, const std::string& name, const std::vector<std::string>& names) {
  auto close = closest_match(name, names);
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  return make_error(ErrorCode::InvalidArgument,
                    "no " + what + " '" + name + "'" +
                        (close ? "; did you mean '" + *close + "'?" : names.empty() ? "" : " (there are: " + list + ")"));
}

Error interrupted(const std::string& what) {
  Error e = make_error(ErrorCode::Interrupted, what + " stopped by signal " + std::to_string(support::interrupt_signal()));
  e.signal = support::interrupt_signal();
  return e;
}

MonitorData convert(runtime::MonitorResult&& m, const MonitorInfo& info) {
  MonitorData d;
  d.info = info;
  d.steps = std::move(m.steps);
  d.t = std::move(m.times);
  d.i = std::move(m.spike_indices);
  d.indices = std::move(m.indices);
  d.values = std::move(m.values);
  d.rate = std::move(m.rates);
  return d;
}

}  // namespace

Status Simulation::Impl::usable() const {
  if (!broken.empty())
    return make_error(ErrorCode::RuntimeFailed, "this simulation can no longer be used (" + broken +
                                                    "); create a new one with Module::simulation()");
  return {};
}

ArrayView MonitorData::variable(size_t k) {
  ArrayView v;
  if (k >= values.size()) return v;
  v.data = values[k].data();
  v.type = ElementType::Double;
  v.size = static_cast<int64_t>(values[k].size());
  if (info.kind == MonitorKind::State && !indices.empty())
    v.shape = {v.size / static_cast<int64_t>(indices.size()), static_cast<int64_t>(indices.size())};
  else
    v.shape = {v.size};
  v.unit = k < info.units.size() ? info.units[k] : "1";
  return v;
}

MonitorData* Results::monitor(const std::string& name) {
  for (auto& m : monitors)
    if (m.info.name == name) return &m;
  return nullptr;
}

Simulation::Simulation(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Simulation::Simulation(Simulation&&) noexcept = default;
Simulation& Simulation::operator=(Simulation&&) noexcept = default;
Simulation::~Simulation() = default;

const ModuleInfo& Simulation::info() const { return impl_->module->info; }
int64_t Simulation::current_step() const { return impl_->sim->current_step(); }
double Simulation::time() const { return static_cast<double>(current_step()) * info().dt; }
void Simulation::cancel() { impl_->cancel_requested = true; }

Status Simulation::run(int64_t steps, const ProgressCallback& progress) {
  return guarded<Status>([&]() -> Status {
    if (Status s = impl_->usable(); !s) return s;
    if (steps < 0) return make_error(ErrorCode::InvalidArgument, "cannot run a negative number of steps (" + std::to_string(steps) + ")");
    impl_->cancel_requested = false;
    runtime::Simulation& sim = *impl_->sim;
    const double dt = info().dt;
    const int64_t first = sim.current_step();
    int64_t done = 0, chunk = std::min(steps, kFirstChunk);
    auto t0 = std::chrono::steady_clock::now();
    std::string err;
    while (done < steps) {
      int64_t n = std::min(chunk, steps - done);
      auto c0 = std::chrono::steady_clock::now();
      if (!sim.run(n, {}, err)) {
        impl_->broken = support::interrupt_requested() ? "a signal stopped it inside a step" : "a step failed";
        if (support::interrupt_requested()) return interrupted("the simulation");
        return make_error(ErrorCode::RuntimeFailed, "simulation failed: " + err);
      }
      done += n;
      const auto now = std::chrono::steady_clock::now();
      const double wall = std::chrono::duration<double>(now - t0).count();
      const double chunk_wall = std::chrono::duration<double>(now - c0).count();
      if (progress) {
        Progress p;
        p.step = first + done;
        p.last_step = first + steps;
        p.simulated_s = static_cast<double>(p.step) * dt;
        p.total_s = static_cast<double>(p.last_step) * dt;
        p.realtime_factor = wall > 0 ? static_cast<double>(done) * dt / wall : 0.0;
        p.eta_s = wall > 0 ? static_cast<double>(steps - done) * wall / static_cast<double>(done) : 0.0;
        if (!progress(p) && done < steps)
          return make_error(ErrorCode::Cancelled, "the run was cancelled at step " + std::to_string(first + done));
      }
      if (done < steps && impl_->cancel_requested)
        return make_error(ErrorCode::Cancelled, "the run was cancelled at step " + std::to_string(first + done));
      if (done < steps && support::interrupt_requested()) return interrupted("the simulation");
      const double wanted = chunk_wall > 0 ? static_cast<double>(n) * (kChunkSeconds / chunk_wall)
                                           : static_cast<double>(n) * kMaxGrowth;
      chunk = static_cast<int64_t>(std::clamp(wanted, 1.0, static_cast<double>(std::max<int64_t>(n, 1)) * kMaxGrowth));
    }
    return {};
  });
}

Status Simulation::run_for(double seconds, const ProgressCallback& progress) {
  if (!std::isfinite(seconds) || seconds < 0)
    return make_error(ErrorCode::InvalidArgument, "a run's duration must be a non-negative number of seconds");
  return run(std::llround(seconds / info().dt), progress);
}

Status Simulation::run_for(const std::string& duration, const ProgressCallback& progress) {
  Result<double> seconds = parse_duration(duration);
  if (!seconds) return seconds.error();
  return run_for(*seconds, progress);
}

Status Simulation::run_to_end(const ProgressCallback& progress) {
  return run(std::max<int64_t>(0, info().steps - current_step()), progress);
}

// --- state -------------------------------------------------------------------------------------

Result<VariableInfo> Simulation::variable(const std::string& owner, const std::string& name) const {
  const Module::Impl& m = *impl_->module;
  int32_t v = m.variable_index(owner, name);
  if (v < 0) {
    std::vector<std::string> names;
    for (const auto& vi : m.info.variables)
      if (vi.owner == owner) names.push_back(vi.name);
    if (names.empty()) {
      std::vector<std::string> owners;
      for (const auto& vi : m.info.variables) owners.push_back(vi.owner);
      owners.erase(std::unique(owners.begin(), owners.end()), owners.end());
      return not_found("population or synapse group with state variables", owner, owners);
    }
    return not_found("state variable of " + owner + " named", name, names);
  }
  VariableInfo info = m.info.variables[v];
  if (impl_->sim->handle() != nullptr) info.size = m.loaded.fn().var_size(impl_->sim->handle(), v);
  return info;
}

Result<ArrayView> Simulation::read_state(const std::string& owner, const std::string& name) {
  return guarded<Result<ArrayView>>([&]() -> Result<ArrayView> {
    if (Status s = impl_->usable(); !s) return s.error();
    Result<VariableInfo> vi = variable(owner, name);
    if (!vi) return vi.error();
    const int32_t v = impl_->module->variable_index(owner, name);
    mc_module* h = impl_->sim->handle();
    if (vi->size < 0)
      return make_error(ErrorCode::RuntimeFailed, "reading the size of " + owner + "." + name + " failed");
    std::vector<unsigned char>& mirror = impl_->mirrors[v];
    // Resized only when the size changed, so earlier views of this variable stay valid.
    const size_t bytes = static_cast<size_t>(vi->size) * element_size(vi->type);
    if (mirror.size() != bytes) mirror.resize(bytes);
    if (vi->size > 0 && impl_->module->loaded.fn().read_var(h, v, mirror.data()) != 0)
      return make_error(ErrorCode::RuntimeFailed, "reading " + owner + "." + name + " failed: " +
                                                      std::string(impl_->module->loaded.fn().last_error(h)));
    ArrayView view;
    view.data = mirror.data();
    view.type = vi->type;
    view.size = vi->size;
    view.shape = {vi->size};
    view.unit = vi->unit;
    return view;
  });
}

Status Simulation::write_state(const std::string& owner, const std::string& name, const void* data,
                               ElementType type, int64_t size) {
  return guarded<Status>([&]() -> Status {
    if (Status s = impl_->usable(); !s) return s;
    Result<VariableInfo> vi = variable(owner, name);
    if (!vi) return vi.error();
    if (type != vi->type)
      return make_error(ErrorCode::InvalidArgument, owner + "." + name + " holds " + element_type_name(vi->type) +
                                                        " values, not " + element_type_name(type));
    if (size != vi->size)
      return make_error(ErrorCode::InvalidArgument, owner + "." + name + " has " + std::to_string(vi->size) +
                                                        " elements, not " + std::to_string(size));
    if (size == 0) return {};
    if (data == nullptr) return make_error(ErrorCode::InvalidArgument, "no data to write to " + owner + "." + name);
    const int32_t v = impl_->module->variable_index(owner, name);
    mc_module* h = impl_->sim->handle();
    if (impl_->module->loaded.fn().write_var(h, v, data) != 0)
      return make_error(ErrorCode::RuntimeFailed, "writing " + owner + "." + name + " failed: " +
                                                      std::string(impl_->module->loaded.fn().last_error(h)));
    return {};
  });
}

Status Simulation::write_state(const std::string& owner, const std::string& name) {
  const int32_t v = impl_->module->variable_index(owner, name);
  auto it = impl_->mirrors.find(v);
  if (v < 0 || it == impl_->mirrors.end()) {
    if (v < 0) return variable(owner, name).error();
    return make_error(ErrorCode::InvalidArgument,
                      "no host copy of " + owner + "." + name + " to write: call read_state first");
  }
  const VariableInfo& vi = impl_->module->info.variables[v];
  return write_state(owner, name, it->second.data(), vi.type,
                     static_cast<int64_t>(it->second.size() / element_size(vi.type)));
}

Status Simulation::fill_state(const std::string& owner, const std::string& name, double value) {
  Result<ArrayView> view = read_state(owner, name);
  if (!view) return view.error();
  for (int64_t k = 0; k < view->size; ++k) {
    switch (view->type) {
      case ElementType::Bool: static_cast<uint8_t*>(view->data)[k] = value != 0.0; break;
      case ElementType::Int32: static_cast<int32_t*>(view->data)[k] = static_cast<int32_t>(value); break;
      case ElementType::Int64: static_cast<int64_t*>(view->data)[k] = static_cast<int64_t>(value); break;
      case ElementType::Float: static_cast<float*>(view->data)[k] = static_cast<float>(value); break;
      case ElementType::Double: static_cast<double*>(view->data)[k] = value; break;
    }
  }
  return write_state(owner, name);
}

Result<Simulation::Connectivity> Simulation::connectivity(const std::string& synapse_group) {
  return guarded<Result<Connectivity>>([&]() -> Result<Connectivity> {
    if (Status s = impl_->usable(); !s) return s.error();
    const auto& groups = info().synapse_groups;
    std::vector<std::string> names;
    for (size_t g = 0; g < groups.size(); ++g) {
      names.push_back(groups[g].name);
      if (groups[g].name != synapse_group) continue;
      const auto& fn = impl_->module->loaded.fn();
      mc_module* h = impl_->sim->handle();
      const int64_t n = fn.synapse_count(h, static_cast<int32_t>(g));
      if (n < 0) return make_error(ErrorCode::RuntimeFailed, "reading the synapse count of " + synapse_group + " failed");
      Connectivity c;
      c.pre.resize(static_cast<size_t>(n));
      c.post.resize(static_cast<size_t>(n));
      if (n > 0 && fn.read_synapses(h, static_cast<int32_t>(g), c.pre.data(), c.post.data()) != 0)
        return make_error(ErrorCode::RuntimeFailed, "reading the synapses of " + synapse_group + " failed: " +
                                                        std::string(fn.last_error(h)));
      return c;
    }
    return not_found("synapse group", synapse_group, names);
  });
}

Result<int64_t> Simulation::spike_count(const std::string& population) const {
  const auto& pops = info().populations;
  std::vector<std::string> names;
  for (size_t p = 0; p < pops.size(); ++p) {
    names.push_back(pops[p].name);
    if (pops[p].name == population) {
      int64_t n = impl_->module->loaded.fn().spike_count(impl_->sim->handle(), static_cast<int32_t>(p));
      if (n < 0) return make_error(ErrorCode::RuntimeFailed, "reading the spike count of " + population + " failed");
      return n;
    }
  }
  return not_found("population", population, names);
}

// --- recordings --------------------------------------------------------------------------------

Result<MonitorData> Simulation::monitor(const std::string& name) {
  return guarded<Result<MonitorData>>([&]() -> Result<MonitorData> {
    if (Status s = impl_->usable(); !s) return s.error();
    const auto& monitors = info().monitors;
    std::vector<std::string> names;
    for (size_t m = 0; m < monitors.size(); ++m) {
      names.push_back(monitors[m].name);
      if (monitors[m].name != name) continue;
      runtime::MonitorResult r;
      std::string err;
      if (!impl_->sim->collect_monitor(static_cast<int32_t>(m), r, err))
        return make_error(ErrorCode::RuntimeFailed, err);
      return convert(std::move(r), monitors[m]);
    }
    return not_found("monitor", name, names);
  });
}

namespace {

runtime::ManifestExtras manifest_extras(const Module::Impl& m) {
  runtime::ManifestExtras extras;
  extras.model_name = m.info.model_name;
  extras.backend = m.backend;
  extras.modelc_version = modelc_version();
  extras.precision = m.info.precision;
  extras.timings = m.timings;
  extras.compile_cached = m.cache_hit;
  extras.decisions = m.decisions;
  extras.extra["model_file"] = m.model_file;
  extras.extra["compiler_command"] = m.compiler_command;
  return extras;
}

}  // namespace

Result<Results> Simulation::results() {
  return guarded<Result<Results>>([&]() -> Result<Results> {
    if (Status s = impl_->usable(); !s) return s.error();
    runtime::RunResults r;
    std::string err;
    if (!impl_->sim->collect(r, err)) return make_error(ErrorCode::RuntimeFailed, "reading results failed: " + err);
    Results out;
    out.steps = r.steps;
    out.dt = r.dt;
    out.seed = r.seed;
    for (const auto& p : r.populations) {
      out.populations.push_back({p.name, p.size});
      out.spikes.push_back(p.spikes);
    }
    for (const auto& s : r.synapse_groups) out.synapses.push_back(s.synapses);
    for (size_t m = 0; m < r.monitors.size(); ++m) out.monitors.push_back(convert(std::move(r.monitors[m]), info().monitors[m]));
    out.construct_seconds = r.construct_seconds;
    out.simulate_seconds = r.simulate_seconds;
    out.realtime_factor = r.realtime_factor;
    return out;
  });
}

Status Simulation::write_results(const fs::path& dir, bool force) {
  return guarded<Status>([&]() -> Status {
    if (Status s = impl_->usable(); !s) return s;
    runtime::ResultsTarget t = runtime::inspect_results_target(dir);
    if (t.state == runtime::ResultsTarget::State::Foreign && !force)
      return make_error(ErrorCode::IoError, "refusing to write results to " + dir.string() + ": " + t.reason +
                                                "; modelc replaces only results directories it wrote itself (force "
                                                "moves it aside, never deletes it)");
    runtime::RunResults r;
    std::string err;
    if (!impl_->sim->collect(r, err)) return make_error(ErrorCode::RuntimeFailed, "reading results failed: " + err);
    if (!runtime::write_results(dir, r, manifest_extras(*impl_->module), err))
      return make_error(ErrorCode::IoError, "writing results to " + dir.string() + " failed: " + err);
    return {};
  });
}

Result<std::string> Simulation::summary() {
  return guarded<Result<std::string>>([&]() -> Result<std::string> {
    if (Status s = impl_->usable(); !s) return s.error();
    runtime::RunResults r;
    std::string err;
    if (!impl_->sim->collect(r, err)) return make_error(ErrorCode::RuntimeFailed, "reading results failed: " + err);
    return runtime::format_summary(r, manifest_extras(*impl_->module));
  });
}

}  // namespace modelc::api
