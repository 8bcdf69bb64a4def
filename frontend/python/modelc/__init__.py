"""modelc: compile and run spiking neural network models from Python (docs/api.md, "Python").

    import modelc
    m = modelc.load("examples/cuba.json", N=4000)
    sim = m.compile(backend="cpu").simulation(seed=1)
    sim.run("100 ms", progress=True)
    sim.monitors["spikes"].t, sim.monitors["spikes"].i   # NumPy arrays
    sim["P"].v[:] = -0.06                                  # written through to the simulation
    sim.write_results("results/cuba")

A binding of the C++ library (libmodelc.so): every error is a modelc.ModelError with the CLI's
diagnostics.
"""
import json
import os
from collections import namedtuple
from collections.abc import Mapping

import numpy as np

from . import _ext
from ._errors import Diagnostic, ModelError
from ._progress import make_reporter
from . import plot  # matplotlib is imported on first use

__all__ = ["load", "Model", "Module", "Simulation", "Group", "Monitor", "Progress", "StateArray",
           "ModelError", "Diagnostic", "backends", "passes", "default_pipeline", "parse_duration",
           "version", "plot"]
__version__ = _ext.version()

Progress = namedtuple("Progress", "step last_step simulated_s total_s realtime_factor eta_s")
Progress.__doc__ = "What a progress callback of Simulation.run gets after every chunk (seconds)."


def version():
    return _ext.version()


def backends():
    """{name: description} of the compiled-in backends."""
    return dict(_ext.backends())


def passes():
    """{name: description} of the passes."""
    return dict(_ext.passes())


def default_pipeline():
    return list(_ext.default_pipeline())


def parse_duration(text):
    """A duration ("1 s", "200 ms", "200ms", "0.5*second") in seconds."""
    return _ext.parse_duration(text)


def _value_text(value):
    # A --set value: quantities as text ("0.1 ms"), numbers in a form the reader parses back exactly.
    if isinstance(value, bool):
        raise TypeError("a parameter value must be a number or a quantity string, not a bool")
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, str):
        return value
    raise TypeError("a parameter value must be a number or a quantity string, not %s" % type(value).__name__)


def _overrides(parameters):
    return [(name, _value_text(v)) for name, v in parameters.items()]


def _duration_text(duration):
    if isinstance(duration, str):
        return duration
    if isinstance(duration, (int, float, np.integer, np.floating)) and not isinstance(duration, bool):
        return repr(float(duration)) + " s"
    raise TypeError("a duration is a string ('100 ms') or seconds, not %s" % type(duration).__name__)


def _json_value(value):
    # NumPy values in a document built in Python (sizes, index lists, weights).
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError("a model document holds JSON values, not %s" % type(value).__name__)


def load(path, **parameters):
    """Reads and checks a model file; keyword arguments override its "parameters" (the CLI's --set)."""
    return Model(_ext.Model.from_file(os.fspath(path), _overrides(parameters)))


class Model:
    """A checked model document. Immutable: with_* return changed copies."""

    def __init__(self, handle):
        self._m = handle

    @staticmethod
    def from_file(path, **parameters):
        return load(path, **parameters)

    @staticmethod
    def from_string(text, name="<string>", **parameters):
        """A model from JSON text; ``name`` is what diagnostics cite instead of a file name."""
        return Model(_ext.Model.from_string(text, _overrides(parameters), name))

    @staticmethod
    def from_dict(document, name="<dict>", **parameters):
        """A model built in Python: the dict of a model document (docs/ir.md), in the key order
        given (a constant may use the ones before it)."""
        if not isinstance(document, Mapping):
            raise TypeError("from_dict takes the model document as a dict, not %s" % type(document).__name__)
        return Model.from_string(json.dumps(document, default=_json_value), name=name, **parameters)

    def with_parameters(self, **parameters):
        m = self._m
        for name, value in parameters.items():
            m = m.with_parameter(name, _value_text(value))
        return Model(m)

    def with_duration(self, duration):
        return Model(self._m.with_duration(_duration_text(duration)))

    def with_precision(self, precision):
        return Model(self._m.with_precision(precision))

    @property
    def summary(self):
        """name, dt and duration (s), steps, seed, precision, populations [(name, size)],
        synapse_groups [(name, source, target)], monitors [names]."""
        return self._m.summary()

    @property
    def name(self):
        return self._m.summary()["name"]

    @property
    def source_name(self):
        return self._m.source_name()

    @property
    def warnings(self):
        return [Diagnostic(**d) for d in self._m.warnings()]

    def document(self):
        """The document text as compiled (without the overrides)."""
        return self._m.document()

    def check(self, backend="cpu", opt_level=2):
        """Through the passes without code generation (`modelc check`): a dict with "summary" (what
        the CLI prints), neurons, kernels, memory_bytes, decisions, warnings."""
        report = self._m.check(backend, opt_level)
        report["warnings"] = [Diagnostic(**d) for d in report["warnings"]]
        return report

    def compile(self, backend="cpu", opt_level=2, threads=0, passes=None, disabled_passes=None,
                verify_each=None, cache_dir=None, out_dir=None, check_memory=True, verbose=False):
        """Compiles (through the build cache) into a loaded Module. The options are the CLI's:
        backend ("cpu", "opencl"), opt_level (-O0..-O3), threads (compiled-in default, 0: all
        cores), passes (a pipeline instead of the opt level's), disabled_passes, out_dir (keep the
        generated sources and a copy of the module)."""
        return Module(self._m.compile(backend, int(opt_level), list(passes or []), list(disabled_passes or []),
                                      verify_each, int(threads), os.fspath(cache_dir or ""),
                                      os.fspath(out_dir or ""), bool(check_memory), bool(verbose)))

    def __repr__(self):
        s = self.summary
        return "<modelc.Model %r: %s, %d steps>" % (s["name"], ", ".join("%s[%d]" % p for p in s["populations"]),
                                                   s["steps"])


class Module:
    """A compiled, loaded model: a factory of independent simulations."""

    def __init__(self, handle):
        self._m = handle
        self.info = handle.info()

    @property
    def path(self):
        return self._m.path()

    @property
    def cache_hit(self):
        return self._m.cache_hit()

    @property
    def timings(self):
        return dict(self._m.timings())

    @property
    def decisions(self):
        return list(self._m.decisions())

    def simulation(self, seed=None, threads=0, device=0):
        """A new instance of the network, built and initialised; simulations of one module share
        nothing but the code. seed None: the model's."""
        return Simulation(self._m.simulation(None if seed is None else int(seed), int(threads), int(device)), self)

    def __repr__(self):
        return "<modelc.Module %r (%s)>" % (self.info["model_name"], self.info["backend"])


class StateArray(np.ndarray):
    """A NumPy view of a state variable's host copy (``sim["P"].v``). Item assignment on it, or on
    a slice of it, is written through to the simulation at once. Other in-place writes (``out=``,
    ``np.copyto``, ``.fill``) change only the host copy: assign the attribute then
    (``sim["P"].v = arr``) or call ``write_back()``."""

    def __array_finalize__(self, obj):
        source = getattr(obj, "_source", None)
        # Slices of the view write back too; results of arithmetic on it (new memory) do not.
        self._source = source if source is not None and np.may_share_memory(self, obj) else None
        self._unit = getattr(obj, "_unit", None)

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self.write_back()

    def write_back(self):
        if self._source is not None:
            sim, owner, name = self._source
            sim.write_host_copy(owner, name)

    @property
    def unit(self):
        """The variable's unit ("volt", "1", ...)."""
        return self._unit


class Group:
    """The state variables of one population or synapse group: ``sim["P"].v`` is a StateArray,
    ``sim["P"].v = values`` (or ``[:] =``) writes the simulation."""

    def __init__(self, sim, owner):
        object.__setattr__(self, "_sim", sim)
        object.__setattr__(self, "_owner", owner)

    @property
    def variables(self):
        return [v["name"] for v in self._sim._info["variables"] if v["owner"] == self._owner]

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self._sim._read(self._owner, name)

    def __setattr__(self, name, value):
        self._sim._write(self._owner, name, value)

    def __getitem__(self, name):
        return self.__getattr__(name)

    def __setitem__(self, name, value):
        self.__setattr__(name, value)

    def __dir__(self):
        return list(super().__dir__()) + self.variables

    def __repr__(self):
        return "<modelc.Group %r: %s>" % (self._owner, ", ".join(self.variables))


class Monitor:
    """What a monitor recorded, as NumPy arrays over the library's own vectors (moved, not copied):
    ``t`` (s), ``steps``; spikes: ``i``; state: ``indices`` and one [samples, indices] array per
    variable (``mon.v`` or ``mon.values["v"]``); rate: ``rate`` (Hz)."""

    def __init__(self, data):
        self._d = data
        self.name = data["name"]
        self.kind = data["kind"]
        self.population = data["population"]
        self.variables = list(data["variables"])
        self.units = dict(zip(data["variables"], data["units"]))
        self.every = data["every"]
        self.t, self.steps, self.i = data["t"], data["steps"], data["i"]
        self.indices, self.rate = data["indices"], data["rate"]
        self.values = dict(zip(self.variables, data["values"]))

    def __getattr__(self, name):
        values = self.__dict__.get("values", {})
        if name in values:
            return values[name]
        raise AttributeError("monitor %r has no %r (it records %s)" % (self.__dict__.get("name"), name,
                                                                      ", ".join(values) or "no variables"))

    def __repr__(self):
        return "<modelc.Monitor %r (%s, %d samples)>" % (self.name, self.kind, len(self.t))


class _Monitors(Mapping):
    """sim.monitors: name -> Monitor, read from the simulation on each access."""

    def __init__(self, sim):
        self._sim = sim

    def __getitem__(self, name):
        if name not in self._names():
            # The library's error names the monitors and suggests the closest.
            self._sim._s.monitor(name)
        return Monitor(self._sim._s.monitor(name))

    def _names(self):
        return [m["name"] for m in self._sim._info["monitors"]]

    def __iter__(self):
        return iter(self._names())

    def __len__(self):
        return len(self._names())


class Simulation:
    """One running instance of a compiled model (Module.simulation)."""

    def __init__(self, handle, module):
        self._s = handle
        self.module = module
        self._info = module.info
        self.monitors = _Monitors(self)

    @property
    def info(self):
        return self._info

    @property
    def dt(self):
        return self._info["dt"]

    @property
    def step(self):
        return self._s.current_step()

    @property
    def t(self):
        """The simulated time reached (s)."""
        return self._s.time()

    def run(self, duration=None, steps=None, progress=False):
        """Advances by ``duration`` ("100 ms", "1 s", or seconds as a number), or by ``steps``, or
        (neither given) to the end of the model's duration. ``progress``: True shows a progress bar
        (tqdm if installed, else a line on stderr) with the realtime factor; "line" the plain line;
        a callable gets a modelc.Progress after every chunk of about 0.25 s and cancels the run by
        returning False (ModelError with code "Cancelled"; the simulation stays usable).
        Ctrl-C stops the run at the next chunk (KeyboardInterrupt)."""
        if duration is not None and steps is not None:
            raise ValueError("give a duration or steps, not both")
        reporter = None
        callback = None
        if callable(progress):
            callback = lambda *p: progress(Progress(*p))  # noqa: E731
        elif progress:
            reporter = make_reporter(progress)
            callback = lambda step, last, sim_s, total_s, rt, eta: reporter.update(sim_s, total_s, rt, eta)  # noqa: E731
        try:
            if steps is not None:
                self._s.run_steps(int(steps), callback)
            elif duration is None:
                self._s.run_to_end(callback)
            elif isinstance(duration, str):
                self._s.run_seconds(parse_duration(duration), callback)
            else:
                self._s.run_seconds(float(duration), callback)
        finally:
            if reporter is not None:
                reporter.close()
        return self

    def cancel(self):
        """Stops a run in progress (from another thread) at the next chunk boundary."""
        self._s.cancel()

    def __getitem__(self, owner):
        """The state variables of a population or synapse group."""
        owners = {p[0] for p in self._info["populations"]} | {g[0] for g in self._info["synapse_groups"]}
        if owner not in owners:
            self._s.variable(owner, "")  # the library's error, with a suggestion
        return Group(self, owner)

    def variable(self, owner, name):
        """owner, name, unit, dtype, per_synapse, size of a state variable."""
        return self._s.variable(owner, name)

    def _read(self, owner, name):
        view = self._s.read_state(owner, name)
        out = view.view(StateArray)
        out._source = (self._s, owner, name)
        out._unit = self._s.variable(owner, name)["unit"]
        return out

    def _write(self, owner, name, value):
        info = self._s.variable(owner, name)
        dtype = np.dtype({"float64": np.float64, "float32": np.float32, "int32": np.int32,
                          "int64": np.int64, "bool": np.bool_}[info["dtype"]])
        values = np.asarray(value)
        if values.ndim == 0:
            values = np.full(info["size"], values)
        values = np.ascontiguousarray(values, dtype=dtype)
        if values.shape != (info["size"],):
            raise ValueError("%s.%s has %d elements, not %s" % (owner, name, info["size"], values.shape))
        self._s.write_state(owner, name, values)

    def connectivity(self, synapse_group):
        """(pre, post): the presynaptic and postsynaptic index of each synapse of the group."""
        return self._s.connectivity(synapse_group)

    def spike_count(self, population):
        return self._s.spike_count(population)

    def write_results(self, directory, force=False):
        """Writes a results directory (npy arrays + manifest.json, atomically; docs/results.md). A
        directory modelc did not write is refused unless force (then moved aside, never deleted)."""
        self._s.write_results(os.fspath(directory), bool(force))
        return directory

    def summary(self):
        """The table `modelc run` prints."""
        return self._s.summary()

    def __repr__(self):
        return "<modelc.Simulation %r at t = %.4f s>" % (self._info["model_name"], self.t)
