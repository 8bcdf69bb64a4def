// modelc._ext: the nanobind binding of the public library (<modelc/modelc.h>), kept thin: the
// Pythonic surface (keyword arguments, sim["P"].v, progress bars, ModelError) is the pure-Python
// package around it (frontend/python/modelc/). Every library Error becomes modelc.ModelError.
//
// Arrays: a state variable is a NumPy view of the Simulation's host copy (stable for the
// simulation's life, refreshed in place by each read); monitor and connectivity vectors are moved
// out of the library's value into a capsule that owns them, so NumPy sees them without a copy.
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <Python.h>
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/map.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <modelc/modelc.h>

namespace nb = nanobind;
using namespace nb::literals;

namespace {

// A library Error on its way to Python (translated to modelc.ModelError below).
struct ErrorException : std::exception {
  explicit ErrorException(modelc::Error e) : error(std::move(e)) {}
  const char* what() const noexcept override { return error.message.c_str(); }
  modelc::Error error;
};

template <typename T>
T unwrap(modelc::Result<T>&& r) {
  if (!r.ok()) throw ErrorException(std::move(r).error());
  return std::move(r).value();
}
void check(const modelc::Status& s) {
  if (!s.ok()) throw ErrorException(s.error());
}

const char* severity_name(modelc::Severity s) {
  switch (s) {
    case modelc::Severity::Error: return "error";
    case modelc::Severity::Warning: return "warning";
    case modelc::Severity::Note: return "note";
  }
  return "error";
}

nb::dict diagnostic_dict(const modelc::Diagnostic& d) {
  nb::dict out;
  out["severity"] = severity_name(d.severity);
  out["message"] = d.message;
  out["pointer"] = d.pointer;
  out["caret"] = d.caret;
  out["hint"] = d.hint;
  out["text"] = d.text;
  return out;
}

nb::list diagnostics_list(const std::vector<modelc::Diagnostic>& ds) {
  nb::list out;
  for (const auto& d : ds) out.append(diagnostic_dict(d));
  return out;
}

nb::dlpack::dtype dtype_of(modelc::ElementType t) {
  switch (t) {
    case modelc::ElementType::Bool: return nb::dtype<bool>();
    case modelc::ElementType::Int32: return nb::dtype<int32_t>();
    case modelc::ElementType::Int64: return nb::dtype<int64_t>();
    case modelc::ElementType::Float: return nb::dtype<float>();
    case modelc::ElementType::Double: return nb::dtype<double>();
  }
  return nb::dtype<double>();
}

using Array = nb::ndarray<nb::numpy>;

// A NumPy array over `v`'s memory, kept alive by `owner`.
Array array_over(void* data, modelc::ElementType type, const std::vector<int64_t>& shape, nb::handle owner) {
  std::vector<size_t> dims(shape.begin(), shape.end());
  return Array(data, dims.size(), dims.data(), owner, nullptr, dtype_of(type));
}

// A vector moved into a capsule that frees it with the last array using it.
template <typename T>
Array owned_array(std::vector<T>&& values, std::vector<int64_t> shape = {}) {
  auto* held = new std::vector<T>(std::move(values));
  nb::capsule owner(held, [](void* p) noexcept { delete static_cast<std::vector<T>*>(p); });
  if (shape.empty()) shape = {static_cast<int64_t>(held->size())};
  std::vector<size_t> dims(shape.begin(), shape.end());
  return Array(held->data(), dims.size(), dims.data(), owner, nullptr, nb::dtype<T>());
}

const char* monitor_kind_name(modelc::MonitorKind k) {
  switch (k) {
    case modelc::MonitorKind::Spikes: return "spikes";
    case modelc::MonitorKind::State: return "state";
    case modelc::MonitorKind::Rate: return "rate";
  }
  return "spikes";
}

nb::dict monitor_info_dict(const modelc::MonitorInfo& m) {
  nb::dict d;
  d["name"] = m.name;
  d["population"] = m.population;
  d["kind"] = monitor_kind_name(m.kind);
  d["variables"] = m.variables;
  d["units"] = m.units;
  d["indices"] = m.indices;
  d["every"] = m.every;
  return d;
}

nb::list populations_list(const std::vector<modelc::PopulationInfo>& ps) {
  nb::list out;
  for (const auto& p : ps) out.append(nb::make_tuple(p.name, p.size));
  return out;
}

nb::list synapse_groups_list(const std::vector<modelc::SynapseGroupInfo>& gs) {
  nb::list out;
  for (const auto& g : gs) out.append(nb::make_tuple(g.name, g.source, g.target));
  return out;
}

nb::dict summary_dict(const modelc::ModelSummary& s) {
  nb::dict d;
  d["name"] = s.name;
  d["dt"] = s.dt;
  d["duration"] = s.duration;
  d["steps"] = s.steps;
  d["seed"] = s.seed;
  d["precision"] = s.precision;
  d["populations"] = populations_list(s.populations);
  d["synapse_groups"] = synapse_groups_list(s.synapse_groups);
  d["monitors"] = s.monitors;
  return d;
}

nb::dict variable_dict(const modelc::VariableInfo& v) {
  nb::dict d;
  d["owner"] = v.owner;
  d["name"] = v.name;
  d["unit"] = v.unit;
  d["dtype"] = modelc::element_type_name(v.type);
  d["per_synapse"] = v.per_synapse;
  d["size"] = v.size;
  return d;
}

nb::dict module_info_dict(const modelc::ModuleInfo& i) {
  nb::dict d;
  d["model_name"] = i.model_name;
  d["backend"] = i.backend;
  d["dt"] = i.dt;
  d["steps"] = i.steps;
  d["seed"] = i.seed;
  d["precision"] = i.precision;
  d["populations"] = populations_list(i.populations);
  d["synapse_groups"] = synapse_groups_list(i.synapse_groups);
  nb::list vars, mons;
  for (const auto& v : i.variables) vars.append(variable_dict(v));
  for (const auto& m : i.monitors) mons.append(monitor_info_dict(m));
  d["variables"] = vars;
  d["monitors"] = mons;
  return d;
}

modelc::CompileOptions compile_options(const std::string& backend, int opt_level,
                                       const std::vector<std::string>& passes,
                                       const std::vector<std::string>& disabled_passes,
                                       std::optional<bool> verify_each, int threads,
                                       const std::string& cache_dir, const std::string& out_dir,
                                       bool check_memory, bool verbose) {
  modelc::CompileOptions o;
  o.backend = backend;
  o.opt_level = opt_level;
  o.passes = passes;
  o.disabled_passes = disabled_passes;
  o.verify_each = verify_each;
  o.threads = threads;
  o.cache_dir = cache_dir;
  o.out_dir = out_dir;
  o.check_memory = check_memory;
  o.verbose = verbose;
  return o;
}

// Runs `body` (a Simulation::run* call) without the GIL. The Python callback, if any, gets
// (step, last_step, simulated_s, total_s, realtime_factor, eta_s) after every chunk and returns
// whether to go on; pending signals (Ctrl-C) are checked there too, so KeyboardInterrupt stops a
// run at the next chunk. A Python exception raised there is re-raised after the run stopped.
template <typename Body>
void run_with_progress(nb::object callback, Body body) {
  std::optional<nb::python_error> pending;
  modelc::ProgressCallback progress = [&](const modelc::Progress& p) -> bool {
    nb::gil_scoped_acquire gil;
    if (pending) return false;
    try {
      if (PyErr_CheckSignals() != 0) throw nb::python_error();
      if (callback.is_none()) return true;
      nb::object r = callback(p.step, p.last_step, p.simulated_s, p.total_s, p.realtime_factor, p.eta_s);
      return r.is_none() || nb::cast<bool>(r);
    } catch (nb::python_error& e) {
      pending.emplace(std::move(e));
      return false;
    }
  };
  modelc::Status status;
  {
    nb::gil_scoped_release nogil;
    status = body(progress);
  }
  if (pending) throw std::move(*pending);
  check(status);
}

}  // namespace

NB_MODULE(_ext, m) {
  m.doc() = "The modelc library (libmodelc.so), bound with nanobind; use the modelc package.";

  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const ErrorException& e) {
      const modelc::Error& err = e.error;
      nb::object make = nb::module_::import_("modelc._errors").attr("_from_library");
      nb::object exc = make(modelc::error_code_name(err.code), err.message, err.text,
                            diagnostics_list(err.diagnostics), err.signal);
      PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
    }
  });

  m.def("version", &modelc::version);
  m.def("parse_duration", [](const std::string& text) { return unwrap(modelc::parse_duration(text)); });
  m.def("format_progress", &modelc::format_progress);
  m.def("backends", [] {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& b : modelc::backends()) out.emplace_back(b.name, b.description);
    return out;
  });
  m.def("passes", [] {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& p : modelc::passes()) out.emplace_back(p.name, p.description);
    return out;
  });
  m.def("default_pipeline", &modelc::default_pipeline);
  m.def("installation", [] {
    modelc::Installation i = modelc::installation();
    return std::make_pair(i.data_dir.string(), i.library_dir.string());
  });

  using Overrides = modelc::Overrides;
  nb::class_<modelc::Model>(m, "Model")
      .def_static("from_file", [](const std::string& path, const Overrides& o) {
        return unwrap(modelc::Model::from_file(path, o));
      })
      .def_static("from_string", [](std::string text, const Overrides& o, std::string name) {
        return unwrap(modelc::Model::from_string(std::move(text), o, std::move(name)));
      })
      .def("with_parameter", [](const modelc::Model& self, const std::string& n, const std::string& v) {
        return unwrap(self.with_parameter(n, v));
      })
      .def("with_duration", [](const modelc::Model& self, const std::string& d) {
        return unwrap(self.with_duration(d));
      })
      .def("with_precision", [](const modelc::Model& self, const std::string& p) {
        return unwrap(self.with_precision(p));
      })
      .def("summary", [](const modelc::Model& self) { return summary_dict(self.summary()); })
      .def("source_name", &modelc::Model::source_name)
      .def("overrides", &modelc::Model::overrides)
      .def("warnings", [](const modelc::Model& self) { return diagnostics_list(self.warnings()); })
      .def("document", &modelc::Model::document)
      .def("check", [](const modelc::Model& self, const std::string& backend, int opt_level) {
        modelc::CompileOptions o;
        o.backend = backend;
        o.opt_level = opt_level;
        modelc::CheckReport r = unwrap(self.check(o));
        nb::dict d;
        d["summary"] = r.summary;
        d["neurons"] = r.neurons;
        d["kernels"] = r.kernels;
        d["memory_bytes"] = r.memory_bytes;
        d["decisions"] = r.decisions;
        d["warnings"] = diagnostics_list(r.warnings);
        return d;
      })
      .def("compile",
           [](const modelc::Model& self, const std::string& backend, int opt_level,
              const std::vector<std::string>& passes, const std::vector<std::string>& disabled,
              std::optional<bool> verify_each, int threads, const std::string& cache_dir,
              const std::string& out_dir, bool check_memory, bool verbose) {
             modelc::CompileOptions o = compile_options(backend, opt_level, passes, disabled, verify_each,
                                                        threads, cache_dir, out_dir, check_memory, verbose);
             modelc::Result<modelc::Module> r = [&] {
               nb::gil_scoped_release nogil;  // the host compiler may take seconds
               return self.compile(o);
             }();
             return unwrap(std::move(r));
           });

  nb::class_<modelc::Module>(m, "Module")
      .def("info", [](const modelc::Module& self) { return module_info_dict(self.info()); })
      .def("path", [](const modelc::Module& self) { return self.path().string(); })
      .def("cache_hit", &modelc::Module::cache_hit)
      .def("timings", &modelc::Module::timings)
      .def("decisions", &modelc::Module::decisions)
      .def("warnings", [](const modelc::Module& self) { return diagnostics_list(self.warnings()); })
      .def("simulation", [](const modelc::Module& self, std::optional<uint64_t> seed, int threads, int device) {
        modelc::SimulationOptions o;
        o.seed = seed;
        o.threads = threads;
        o.device = device;
        modelc::Result<modelc::Simulation> r = [&] {
          nb::gil_scoped_release nogil;  // network construction
          return self.simulation(o);
        }();
        return unwrap(std::move(r));
      });

  using Sim = modelc::Simulation;
  nb::class_<Sim>(m, "Simulation")
      .def("info", [](const Sim& self) { return module_info_dict(self.info()); })
      .def("current_step", &Sim::current_step)
      .def("time", &Sim::time)
      .def("run_steps", [](Sim& self, int64_t steps, nb::object cb) {
        run_with_progress(cb, [&](const modelc::ProgressCallback& p) { return self.run(steps, p); });
      }, "steps"_a, "progress"_a.none())
      .def("run_seconds", [](Sim& self, double seconds, nb::object cb) {
        run_with_progress(cb, [&](const modelc::ProgressCallback& p) { return self.run_for(seconds, p); });
      }, "seconds"_a, "progress"_a.none())
      .def("run_to_end", [](Sim& self, nb::object cb) {
        run_with_progress(cb, [&](const modelc::ProgressCallback& p) { return self.run_to_end(p); });
      }, "progress"_a.none())
      .def("cancel", &Sim::cancel)
      .def("variable", [](const Sim& self, const std::string& owner, const std::string& name) {
        return variable_dict(unwrap(self.variable(owner, name)));
      })
      // A view of the host copy, refreshed from the module: the Python object keeps the
      // simulation (and so the memory) alive.
      .def("read_state", [](nb::pointer_and_handle<Sim> self, const std::string& owner, const std::string& name) {
        modelc::ArrayView v = unwrap(self.p->read_state(owner, name));
        return array_over(v.data, v.type, v.shape, self.h);
      })
      .def("write_host_copy", [](Sim& self, const std::string& owner, const std::string& name) {
        check(self.write_state(owner, name));
      })
      .def("write_state", [](Sim& self, const std::string& owner, const std::string& name,
                             nb::ndarray<nb::c_contig, nb::device::cpu> values) {
        modelc::VariableInfo vi = unwrap(self.variable(owner, name));
        if (values.dtype() != dtype_of(vi.type))
          throw nb::type_error((owner + "." + name + " holds " + modelc::element_type_name(vi.type) +
                                " values; convert the array first").c_str());
        check(self.write_state(owner, name, values.data(), vi.type, static_cast<int64_t>(values.size())));
      })
      .def("fill_state", [](Sim& self, const std::string& owner, const std::string& name, double value) {
        check(self.fill_state(owner, name, value));
      })
      .def("connectivity", [](Sim& self, const std::string& group) {
        Sim::Connectivity c = unwrap(self.connectivity(group));
        return nb::make_tuple(owned_array(std::move(c.pre)), owned_array(std::move(c.post)));
      })
      .def("spike_count", [](const Sim& self, const std::string& p) { return unwrap(self.spike_count(p)); })
      .def("monitor", [](Sim& self, const std::string& name) {
        modelc::MonitorData md = unwrap(self.monitor(name));
        nb::dict d = monitor_info_dict(md.info);
        const int64_t columns = static_cast<int64_t>(md.indices.size());
        const bool state = md.info.kind == modelc::MonitorKind::State && columns > 0;
        d["steps"] = owned_array(std::move(md.steps));
        d["t"] = owned_array(std::move(md.t));
        d["i"] = owned_array(std::move(md.i));
        d["indices"] = owned_array(std::move(md.indices));
        d["rate"] = owned_array(std::move(md.rate));
        nb::list values;
        for (auto& column : md.values) {
          const int64_t n = static_cast<int64_t>(column.size());
          std::vector<int64_t> shape = state ? std::vector<int64_t>{n / columns, columns} : std::vector<int64_t>{n};
          values.append(owned_array(std::move(column), shape));
        }
        d["values"] = values;
        return d;
      })
      .def("write_results", [](Sim& self, const std::string& dir, bool force) {
        check(self.write_results(dir, force));
      })
      .def("summary", [](Sim& self) { return unwrap(self.summary()); });
}
