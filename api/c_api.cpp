// The C API (modelc_c.h) over the C++ one: each handle owns its object and its last error.
#include "modelc/modelc_c.h"

#include <cstring>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "modelc/modelc.h"

namespace {

using modelc::api::Error;
using modelc::api::ErrorCode;

// The last error of one handle, kept as the strings the getters hand out.
struct LastError {
  std::string message, text;
  std::vector<modelc::api::Diagnostic> diagnostics;

  modelc_status set(const Error& e) {
    message = e.message;
    text = e.text;
    diagnostics = e.diagnostics;
    return static_cast<modelc_status>(e.code);
  }
  modelc_status set(ErrorCode code, std::string m) {
    message = m;
    text = "modelc: error: " + m + "\n";
    diagnostics.clear();
    return static_cast<modelc_status>(code);
  }
  void clear() {
    message.clear();
    text.clear();
    diagnostics.clear();
  }
};

std::vector<std::string> split(const char* list) {
  std::vector<std::string> out;
  if (list == nullptr) return out;
  std::string cur;
  for (const char* p = list;; ++p) {
    if (*p == ',' || *p == '\0') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
      if (*p == '\0') break;
    } else {
      cur += *p;
    }
  }
  return out;
}

// Catches what must not cross the C boundary.
template <typename F>
modelc_status guard(LastError& error, F&& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return error.set(ErrorCode::OutOfMemory, "out of memory");
  } catch (const std::exception& e) {
    return error.set(ErrorCode::Internal, std::string("internal error: ") + e.what());
  } catch (...) {
    return error.set(ErrorCode::Internal, "internal error");
  }
}

}  // namespace

struct modelc_model {
  std::optional<modelc::api::Model> model;
  LastError error;
};

struct modelc_module {
  std::optional<modelc::api::Module> module;
  std::string path;
  LastError error;
};

struct modelc_simulation {
  std::optional<modelc::api::Simulation> sim;
  LastError error;
  std::optional<modelc::api::MonitorData> monitor;  // what the last monitor call handed out
};

namespace {

// The frame of every simulation call: a valid handle, the error cleared, no exception escaping.
template <typename F>
modelc_status sim_call(modelc_simulation* s, F&& body) {
  if (s == nullptr || !s->sim) return MODELC_INVALID_ARGUMENT;
  s->error.clear();
  return guard(s->error, body);
}

}  // namespace

extern "C" {

const char* modelc_version(void) {
  static const std::string v = modelc::api::version();
  return v.c_str();
}

const char* modelc_status_name(modelc_status status) {
  if (status == MODELC_OK) return "ok";
  return modelc::api::error_code_name(static_cast<ErrorCode>(status));
}

// --- models --------------------------------------------------------------------------------------

static modelc_status load(const char* what, const char* const* overrides, bool file, modelc_model** out) {
  if (out == nullptr) return MODELC_INVALID_ARGUMENT;
  *out = new (std::nothrow) modelc_model;
  if (*out == nullptr) return MODELC_OUT_OF_MEMORY;
  modelc_model* m = *out;
  return guard(m->error, [&]() -> modelc_status {
    if (what == nullptr) return m->error.set(ErrorCode::InvalidArgument, file ? "no model path given" : "no model text given");
    modelc::api::Overrides o;
    for (const char* const* p = overrides; p != nullptr && *p != nullptr; ++p) {
      std::string kv = *p;
      auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0)
        return m->error.set(ErrorCode::InvalidArgument, "an override must be NAME=VALUE, got '" + kv + "'");
      o.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    }
    auto r = file ? modelc::api::Model::from_file(what, o) : modelc::api::Model::from_string(what, o);
    if (!r) return m->error.set(r.error());
    m->model = std::move(r).value();
    return MODELC_OK;
  });
}

modelc_status modelc_model_load_file(const char* path, const char* const* overrides, modelc_model** out) {
  return load(path, overrides, true, out);
}

modelc_status modelc_model_load_string(const char* json_text, const char* const* overrides, modelc_model** out) {
  return load(json_text, overrides, false, out);
}

modelc_status modelc_model_set_duration(modelc_model* m, const char* duration) {
  if (m == nullptr) return MODELC_INVALID_ARGUMENT;
  m->error.clear();
  return guard(m->error, [&]() -> modelc_status {
    if (!m->model) return m->error.set(ErrorCode::InvalidArgument, "the model was not loaded");
    if (duration == nullptr) return m->error.set(ErrorCode::InvalidArgument, "no duration given");
    auto r = m->model->with_duration(duration);
    if (!r) return m->error.set(r.error());
    m->model = std::move(r).value();
    return MODELC_OK;
  });
}

const char* modelc_model_name(const modelc_model* m) {
  return m != nullptr && m->model ? m->model->summary().name.c_str() : "";
}
const char* modelc_model_error_message(const modelc_model* m) { return m ? m->error.message.c_str() : ""; }
const char* modelc_model_error_text(const modelc_model* m) { return m ? m->error.text.c_str() : ""; }
size_t modelc_model_diagnostic_count(const modelc_model* m) { return m ? m->error.diagnostics.size() : 0; }

modelc_status modelc_model_diagnostic(const modelc_model* m, size_t index, const char** message, const char** pointer,
                                      const char** caret, const char** hint) {
  if (m == nullptr || index >= m->error.diagnostics.size()) return MODELC_INVALID_ARGUMENT;
  const auto& d = m->error.diagnostics[index];
  if (message) *message = d.message.c_str();
  if (pointer) *pointer = d.pointer.c_str();
  if (caret) *caret = d.caret.c_str();
  if (hint) *hint = d.hint.c_str();
  return MODELC_OK;
}

void modelc_model_free(modelc_model* m) { delete m; }

void modelc_compile_options_init(modelc_compile_options* o) {
  if (o == nullptr) return;
  *o = modelc_compile_options{};
  o->opt_level = 2;
}

modelc_status modelc_model_compile(modelc_model* m, const modelc_compile_options* options, modelc_module** out) {
  if (m == nullptr || out == nullptr) return MODELC_INVALID_ARGUMENT;
  *out = nullptr;
  m->error.clear();
  return guard(m->error, [&]() -> modelc_status {
    if (!m->model) return m->error.set(ErrorCode::InvalidArgument, "the model was not loaded");
    modelc::api::CompileOptions o;
    if (options != nullptr) {
      if (options->backend) o.backend = options->backend;
      o.opt_level = options->opt_level;
      o.threads = options->threads;
      o.passes = split(options->passes);
      o.disabled_passes = split(options->disabled_passes);
      if (options->cache_dir) o.cache_dir = options->cache_dir;
    }
    auto r = m->model->compile(o);
    if (!r) return m->error.set(r.error());
    auto* mod = new modelc_module;
    mod->module = std::move(r).value();
    mod->path = mod->module->path().string();
    *out = mod;
    return MODELC_OK;
  });
}

// --- modules -------------------------------------------------------------------------------------

const char* modelc_module_path(const modelc_module* m) { return m ? m->path.c_str() : ""; }
double modelc_module_dt(const modelc_module* m) { return m && m->module ? m->module->info().dt : 0.0; }
int64_t modelc_module_steps(const modelc_module* m) { return m && m->module ? m->module->info().steps : 0; }
const char* modelc_module_error_message(const modelc_module* m) { return m ? m->error.message.c_str() : ""; }
const char* modelc_module_error_text(const modelc_module* m) { return m ? m->error.text.c_str() : ""; }

modelc_status modelc_module_simulation(modelc_module* m, int64_t seed, int32_t threads, int32_t device,
                                       modelc_simulation** out) {
  if (m == nullptr || out == nullptr) return MODELC_INVALID_ARGUMENT;
  *out = nullptr;
  m->error.clear();
  return guard(m->error, [&]() -> modelc_status {
    modelc::api::SimulationOptions o;
    if (seed >= 0) o.seed = static_cast<uint64_t>(seed);
    o.threads = threads;
    o.device = device;
    auto r = m->module->simulation(o);
    if (!r) return m->error.set(r.error());
    auto* s = new modelc_simulation;
    s->sim.emplace(std::move(r).value());
    *out = s;
    return MODELC_OK;
  });
}

void modelc_module_free(modelc_module* m) { delete m; }

// --- simulations ---------------------------------------------------------------------------------


static modelc_status status_of(modelc_simulation* s, const modelc::api::Status& st) {
  return st ? MODELC_OK : s->error.set(st.error());
}

static modelc::api::ProgressCallback progress_of(modelc_progress_fn fn, void* user) {
  if (fn == nullptr) return {};
  return [fn, user](const modelc::api::Progress& p) { return fn(user, p.step, p.last_step, p.realtime_factor) == 0; };
}

modelc_status modelc_simulation_run(modelc_simulation* s, int64_t steps, modelc_progress_fn fn, void* user) {
  return sim_call(s, [&]() -> modelc_status { return status_of(s, s->sim->run(steps, progress_of(fn, user))); });
}

modelc_status modelc_simulation_run_for(modelc_simulation* s, const char* duration, modelc_progress_fn fn, void* user) {
  return sim_call(s, [&]() -> modelc_status {
    if (duration == nullptr) return s->error.set(ErrorCode::InvalidArgument, "no duration given");
    return status_of(s, s->sim->run_for(std::string(duration), progress_of(fn, user)));
  });
}

void modelc_simulation_cancel(modelc_simulation* s) {
  if (s != nullptr && s->sim) s->sim->cancel();
}

int64_t modelc_simulation_current_step(const modelc_simulation* s) {
  return s != nullptr && s->sim ? s->sim->current_step() : -1;
}

modelc_status modelc_simulation_variable(modelc_simulation* s, const char* owner, const char* name, modelc_type* type,
                                         int64_t* size, const char** unit) {
  return sim_call(s, [&]() -> modelc_status {
    if (owner == nullptr || name == nullptr) return s->error.set(ErrorCode::InvalidArgument, "no variable named");
    auto v = s->sim->variable(owner, name);
    if (!v) return s->error.set(v.error());
    // The unit string must outlive this call: take it from the module's description.
    for (const auto& vi : s->sim->info().variables)
      if (vi.owner == owner && vi.name == name && unit) *unit = vi.unit.c_str();
    if (type) *type = static_cast<modelc_type>(v->type);
    if (size) *size = v->size;
    return MODELC_OK;
  });
}

modelc_status modelc_simulation_read(modelc_simulation* s, const char* owner, const char* name, modelc_type type,
                                     void* dst, int64_t size) {
  return sim_call(s, [&]() -> modelc_status {
    if (owner == nullptr || name == nullptr) return s->error.set(ErrorCode::InvalidArgument, "no variable named");
    auto v = s->sim->read_state(owner, name);
    if (!v) return s->error.set(v.error());
    if (static_cast<int>(v->type) != static_cast<int>(type) || v->size != size)
      return s->error.set(ErrorCode::InvalidArgument,
                          std::string(owner) + "." + name + " holds " + std::to_string(v->size) + " " +
                              modelc::api::element_type_name(v->type) + " values");
    if (size > 0) {
      if (dst == nullptr) return s->error.set(ErrorCode::InvalidArgument, "no destination");
      std::memcpy(dst, v->data, static_cast<size_t>(size) * modelc::api::element_size(v->type));
    }
    return MODELC_OK;
  });
}

modelc_status modelc_simulation_write(modelc_simulation* s, const char* owner, const char* name, modelc_type type,
                                      const void* src, int64_t size) {
  return sim_call(s, [&]() -> modelc_status {
    if (owner == nullptr || name == nullptr) return s->error.set(ErrorCode::InvalidArgument, "no variable named");
    return status_of(s, s->sim->write_state(owner, name, src, static_cast<modelc::api::ElementType>(type), size));
  });
}

modelc_status modelc_simulation_spike_count(modelc_simulation* s, const char* population, int64_t* count) {
  return sim_call(s, [&]() -> modelc_status {
    if (population == nullptr) return s->error.set(ErrorCode::InvalidArgument, "no population named");
    auto n = s->sim->spike_count(population);
    if (!n) return s->error.set(n.error());
    if (count) *count = *n;
    return MODELC_OK;
  });
}

static modelc_status read_monitor(modelc_simulation* s, const char* monitor, modelc::api::MonitorKind kind) {
  if (monitor == nullptr) return s->error.set(ErrorCode::InvalidArgument, "no monitor named");
  auto m = s->sim->monitor(monitor);
  if (!m) return s->error.set(m.error());
  if (m->info.kind != kind) {
    static const char* const names[] = {"spike", "state", "rate"};
    return s->error.set(ErrorCode::InvalidArgument, std::string("monitor ") + monitor + " is a " +
                                                        names[static_cast<int>(m->info.kind)] + " monitor, not a " +
                                                        names[static_cast<int>(kind)] + " monitor");
  }
  s->monitor = std::move(m).value();
  return MODELC_OK;
}

modelc_status modelc_simulation_spikes(modelc_simulation* s, const char* monitor, const int32_t** i, const double** t,
                                       int64_t* n) {
  return sim_call(s, [&]() -> modelc_status {
    if (modelc_status st = read_monitor(s, monitor, modelc::api::MonitorKind::Spikes); st != MODELC_OK) return st;
    if (i) *i = s->monitor->i.data();
    if (t) *t = s->monitor->t.data();
    if (n) *n = static_cast<int64_t>(s->monitor->i.size());
    return MODELC_OK;
  });
}

modelc_status modelc_simulation_state(modelc_simulation* s, const char* monitor, const char* variable,
                                      const double** values, const double** t, int64_t* samples, int64_t* columns) {
  return sim_call(s, [&]() -> modelc_status {
    if (modelc_status st = read_monitor(s, monitor, modelc::api::MonitorKind::State); st != MODELC_OK) return st;
    const auto& vars = s->monitor->info.variables;
    for (size_t k = 0; k < vars.size(); ++k) {
      if (variable == nullptr || vars[k] != variable) continue;
      if (values) *values = s->monitor->values[k].data();
      if (t) *t = s->monitor->t.data();
      if (samples) *samples = static_cast<int64_t>(s->monitor->t.size());
      if (columns) *columns = static_cast<int64_t>(s->monitor->indices.size());
      return MODELC_OK;
    }
    return s->error.set(ErrorCode::InvalidArgument, std::string("monitor ") + monitor + " does not record '" +
                                                        (variable ? variable : "") + "'");
  });
}

modelc_status modelc_simulation_rate(modelc_simulation* s, const char* monitor, const double** rate, const double** t,
                                     int64_t* n) {
  return sim_call(s, [&]() -> modelc_status {
    if (modelc_status st = read_monitor(s, monitor, modelc::api::MonitorKind::Rate); st != MODELC_OK) return st;
    if (rate) *rate = s->monitor->rate.data();
    if (t) *t = s->monitor->t.data();
    if (n) *n = static_cast<int64_t>(s->monitor->rate.size());
    return MODELC_OK;
  });
}

modelc_status modelc_simulation_write_results(modelc_simulation* s, const char* dir, int force) {
  return sim_call(s, [&]() -> modelc_status {
    if (dir == nullptr) return s->error.set(ErrorCode::InvalidArgument, "no results directory given");
    return status_of(s, s->sim->write_results(dir, force != 0));
  });
}

const char* modelc_simulation_error_message(const modelc_simulation* s) { return s ? s->error.message.c_str() : ""; }
const char* modelc_simulation_error_text(const modelc_simulation* s) { return s ? s->error.text.c_str() : ""; }
void modelc_simulation_free(modelc_simulation* s) { delete s; }

}  // extern "C"
