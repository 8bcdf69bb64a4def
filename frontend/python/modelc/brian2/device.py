"""The ``modelc`` Brian2 device (docs/brian2.md).

Brian2's objects keep their state in Brian2's own (runtime) arrays, so everything a script does
outside ``run()`` works as with Brian2's runtime: setting and reading variables, conditional and
indexed assignments, store/restore bookkeeping. What standalone devices do in generated code is
done by modelc: at ``run()`` the network is translated to the model IR (translate.py), compiled
through the library API (build cache: a second run of the same script does not recompile), its
state is written from Brian2's arrays, it runs, and Brian2's arrays and monitors are filled from
it. Synapses are created by modelc from the connect call (Philox draws, in compiled code), not in
Python; assignments to synaptic variables made before that are kept and replayed on Brian2's side
once the synapses exist, as standalone devices do in their generated main().
"""
import inspect
import os
from collections.abc import Mapping

import numpy as np
from brian2 import (Clock, Network, SpikeGeneratorGroup, StateMonitor, Synapses, prefs, defaultclock,
                    second)
from brian2.codegen.runtime.numpy_rt import NumpyCodeObject
from brian2.core.functions import timestep
from brian2.core.namespace import get_local_namespace
from brian2.core.variables import VariableView
from brian2.devices.device import RuntimeDevice
from brian2.input.timedarray import TimedArray
from brian2.units.fundamentalunits import fail_for_dimension_mismatch
from brian2.utils.logger import get_logger
from .network import NetworkRun
from .translate import NotSupported

_CONNECT_SIGNATURE = inspect.signature(Synapses.connect.original_function)
# The snapshot of a network's state at the start of its first run: device.run() starts from it.
_INITIAL_STATE = "__modelc_initial_state__"
_SPIKE_LOGGER = get_logger("brian2.input.spikegeneratorgroup")


class PendingConnect:
    """The connect calls of one Synapses object, and the assignments to its variables made before
    modelc created the synapses (replayed in order afterwards)."""

    def __init__(self):
        self.calls = []      # bound arguments of each connect call, with the caller's namespace
        self.assignments = []  # (variable view, function, args) in program order


def _warn_ignored_spikes(group, t):
    """Brian2's warning (SpikeGeneratorGroup.before_run, which this device does not call) about
    spikes set before the start of a run."""
    if not getattr(group, "_spikes_changed", False):
        return
    group._spikes_changed = False
    dt = float(np.asarray(group.dt_).reshape(-1)[0])
    steps = timestep(np.asarray(group._spike_time), dt)
    if np.any(steps < timestep(t, dt)):
        _SPIKE_LOGGER.warn("The SpikeGeneratorGroup contains spike times earlier than the start "
                           "time of the current run (t = %s), these spikes will be ignored."
                           % (t * second), name_suffix="ignored_spikes")


class SingleTimestep:
    """A StateMonitor's ``record_single_timestep()`` on the modelc device: Brian2 calls the
    monitor's code object, which this stands in for (the device creates none). It appends the
    recorded variables' current values (Brian2's arrays hold them after a run) at the monitor's
    clock time; between recorded runs (build_on_run=False) it is recorded and executed in order."""

    def __init__(self, device, monitor):
        self.device = device
        self.monitor = monitor

    def __call__(self):
        if self.device._queue_has_run():
            self.device._queue.append(("call", None, self.record, ()))
        else:
            self.record()

    def record(self):
        M = self.monitor
        old = int(np.asarray(M.variables["N"].get_value()).reshape(-1)[0])
        M.resize(old + 1)
        M.variables["t"].get_value()[old] = float(np.asarray(M.clock.t_).reshape(-1)[0])
        indices = np.asarray(M.record, dtype=int)
        for name in M.record_variables:
            values = np.asarray(M.source.state(name, use_units=False)[:]).reshape(-1)
            M.variables[name].get_value()[old, :] = values[indices] if values.size > 1 else values[0]
        M.variables["N"].set_value(old + 1)


class ModelcDevice(RuntimeDevice):
    """Runs Brian2 networks with modelc. Options (``set_device('modelc', ...)``): backend ("cpu",
    "opencl", "cuda"), threads (0: all cores), precision ("double", "float"; default: Brian2's
    ``core.default_float_dtype``), directory (keep the generated sources and write the results
    directory there; None: nothing is kept), opt_level, debug (print the IR document and the
    compile steps), seed (the modelc seed when the script calls no ``seed()``)."""

    def __init__(self):
        super().__init__()
        self.build_on_run = True
        self.build_options = {}
        self.has_been_run = False
        self._pending = {}     # Synapses name -> PendingConnect, until modelc created them
        self._queue = []       # build_on_run=False: ("run" | "call", ...) in program order
        self._program = []     # the runs and the calls between them, as executed: device.run() repeats them
        self._after_apply = []  # assignments after apply_run_args(), before the first run
        self._apply_called = False
        self._execution = None  # while the program executes: networks started, run_args applied
        self._snapshots = {}   # id(Network) -> the NetworkRun whose initial state the network stores
        self._unrepeatable = None  # why device.run() cannot repeat the program, if it cannot
        self._seed = None
        self._runs = {}        # id(Network) -> NetworkRun (compiled model + live simulation)
        self.last_run = None   # the NetworkRun of the latest run (timings, the IR document)
        self.compilations = 0  # networks translated and compiled (device.run() adds none)
        self._default_run_args = None

    # --- Brian2's device interface ---------------------------------------------------------------
    def activate(self, build_on_run=True, **kwargs):
        super().activate(build_on_run=build_on_run, **kwargs)
        self.build_on_run = build_on_run
        self.build_options = dict(kwargs)
        self._default_run_args = self.build_options.pop("run_args", None)
        # A new program (what device.run() repeats) starts with every set_device().
        self._program, self._after_apply, self._apply_called = [], [], False
        self._execution, self._snapshots, self._unrepeatable = None, {}, None

    def reinit(self):
        build_on_run, options = self.build_on_run, self.build_options
        self.__init__()
        self.build_on_run, self.build_options = build_on_run, options

    def apply_run_args(self):
        """Where run_args take effect (Brian2's ``device.apply_run_args()``): assignments after
        this call and before the first run are repeated after run_args are applied, so they see
        (and may override) the values run_args give; without the call run_args take effect just
        before the first run."""
        if self._apply_called:
            raise RuntimeError("The 'apply_run_args()' function can only be called once.")
        if self._program or self._queue_has_run():
            raise NotSupported("apply_run_args() after a run(): the modelc device applies run_args "
                               "before the first run")
        self._apply_called = True

    def code_object_class(self, codeobj_class=None, fallback_pref="codegen.target"):
        # Brian2-side code (assignments, explicit connections) runs through NumPy: no compiler,
        # no Cython build per object; the simulation itself is modelc's.
        return NumpyCodeObject

    def seed(self, seed=None):
        if self._queue_has_run():  # between recorded runs: in program order, at device.build()
            self._queue.append(("call", None, self.seed, (seed,)))
            return
        super().seed(seed)
        if self._seed is None and seed is not None:
            self._seed = int(seed)  # modelc's streams: the first seed the script sets

    def get_value(self, var, access_data=True):
        try:
            name = getattr(getattr(var, "owner", None), "name", None)
        except ReferenceError:  # a variable of an ephemeral subgroup (its index array)
            name = None
        if name in self._pending and var.name not in ("N_pre", "N_post", "_source_offset", "_target_offset"):
            # Read before run(): Brian2 creates these synapses now (NumPy), as its runtime would,
            # and modelc gets them as explicit pairs. Standalone devices refuse such reads; this
            # makes e.g. len(S), S.w[:] and StateMonitor(S, ..., record=True) work before run().
            self._create_in_brian2(name)
        return super().get_value(var, access_data)

    def _create_in_brian2(self, name):
        pending = self._pending.pop(name)
        for call in pending.calls:
            Synapses.connect.original_function(**call)
        for variableview, function, args in pending.assignments:
            function(*args)

    def synapses_connect(self, synapses, *args, **kwds):
        bound = _CONNECT_SIGNATURE.bind(synapses, *args, **kwds)
        bound.apply_defaults()
        a = dict(bound.arguments)
        for k in ("condition", "i", "j", "p", "n"):  # Expression objects, as Brian2's connect takes them
            a[k] = getattr(a[k], "code", a[k])
        if a["namespace"] is None:
            a["namespace"] = get_local_namespace(level=a["level"] + 2)
        a["level"] = 0
        synapses._verify_connect_argument_types(a["condition"], a["i"], a["j"], a["n"], a["p"])
        if self._queue_has_run():
            raise NotSupported("connect() of %r after a run(): the modelc device creates synapses "
                               "once, before the first run" % synapses.name)
        explicit = any(a[k] is not None and not isinstance(a[k], str) for k in ("i", "j"))
        if synapses.name not in self._pending and (explicit or len(synapses) > 0):
            # Index arrays (and anything after synapses exist): Brian2 creates them now, NumPy,
            # with its own checks; modelc gets explicit pairs.
            return Synapses.connect.original_function(**a)
        self._pending.setdefault(synapses.name, PendingConnect()).calls.append(a)
        synapses._connect_called = True

    def variableview_set_with_expression(self, variableview, item, code, run_namespace, check_units=True):
        self._assign(variableview, VariableView.set_with_expression.original_function,
                     (variableview, item, code, run_namespace, check_units))

    def variableview_set_with_expression_conditional(self, variableview, cond, code, run_namespace, check_units=True):
        self._assign(variableview, VariableView.set_with_expression_conditional.original_function,
                     (variableview, cond, code, run_namespace, check_units))

    def variableview_set_with_index_array(self, variableview, item, value, check_units):
        self._assign(variableview, VariableView.set_with_index_array.original_function,
                     (variableview, item, value, check_units))

    def network_run(self, net, duration, report=None, report_period=10, namespace=None,
                    profile=None, level=0, **kwds):
        duration = float(duration)
        if duration < 0:
            raise ValueError("Function 'run' expected a non-negative duration but got '%s'" % duration)
        if namespace is None:
            namespace = get_local_namespace(level=level + 2)
        for obj in net.objects:
            if isinstance(obj, StateMonitor) and getattr(obj, "codeobj", None) is None:
                obj.codeobj = SingleTimestep(self, obj)
            elif isinstance(obj, SpikeGeneratorGroup):
                _warn_ignored_spikes(obj, float(net.t_))
        if self.build_on_run:
            entry = ("run", net, duration, namespace, report, net.t_, None)
            if self._execution is None:  # the first run: the program starts here
                self._program = []
                self._execution = {"started": set(), "run_args": None}
                self._execution["run_args"] = self._prepare_run_args(self._default_run_args)
            self._program.append(entry)
            self._execute_entry(entry)
        else:
            # The network is translated when device.build() runs: what it looks like then must be
            # what it looked like at every recorded run.
            shape = (float(defaultclock.dt_), NetworkRun.structure(net), NetworkRun.spike_sets(net))
            for entry in self._queue:
                if entry[0] == "run" and entry[1] is net:
                    # The first recorded run of net runs with the spikes set now: they must give
                    # the spikes it had from its start on.
                    if entry[6][:2] != shape[:2] or not NetworkRun.spikes_compatible(
                            entry[6][2], shape[2], entry[5], shape[0]):
                        raise NotSupported("the network changed between runs (defaultclock.dt, objects, "
                                           "SpikeGeneratorGroup.set_spikes with other spikes): the "
                                           "modelc device runs one network structure and one dt")
                    break
            self._queue.append(("run", net, duration, namespace, report, net.t_, shape))
            self._advance_clocks(net, net.t_ + duration)

    def build(self, direct_call=True, run=True, run_args=None, **kwds):
        """Compiles and (``run=True``) runs what was recorded with build_on_run=False (Brian2's
        ``device.build()``); ``run_args`` as for ``device.run()``. With ``run=False`` the networks
        are translated and compiled now, and ``device.run()`` runs them."""
        if self.build_on_run and direct_call:
            raise RuntimeError("You used set_device with build_on_run=True (the default option), which "
                               "will automatically build the simulation at the first encountered run "
                               "call - do not call device.build manually in this case. If you want to "
                               "call it manually, e.g. because you have multiple run calls, use "
                               "set_device with build_on_run=False.")
        kwds.pop("compile", None)
        if kwds:
            self.build_options.update(kwds)
        self._program, self._queue = self._queue, []
        if run:
            self.run(run_args=run_args if run_args is not None else self._default_run_args)
            return
        for entry in self._program:  # compile every network now, run nothing
            if entry[0] == "run" and id(entry[1]) not in self._runs:
                _, net, _, namespace, _, t_start, _ = entry
                self._set_clocks(net, t_start)
                self._network_run(net, namespace)

    def run(self, directory=None, results_directory=None, with_output=True, run_args=None):
        """Runs the built program (Brian2's standalone ``device.run()``): from the state the
        networks had at their first run, with ``run_args`` (``{G.v: value_or_array, S.w: ...}``,
        or Brian2's command-line form ``["neurons.v=5", "neurons.tau=file.dat"]``) applied to it
        before the first run (or where the script called ``device.apply_run_args()``). The
        compiled modules are reused: nothing is translated or compiled again."""
        if not self._program and self._queue:
            raise RuntimeError("device.run() before device.build(): call device.build(run=False) first")
        if not any(entry[0] == "run" for entry in self._program):
            raise RuntimeError("device.run(): nothing to run (the script called no run())")
        if self._unrepeatable:
            raise NotSupported("device.run() cannot repeat this program: %s" % self._unrepeatable)
        prepared = self._prepare_run_args(run_args)  # errors before anything changes
        self._execution = {"started": set(), "run_args": prepared, "replay": bool(self._snapshots)}
        for entry in self._program:
            self._execute_entry(entry)
        if not self.build_on_run:
            self._execution = None

    def network_store(self, net, *args, **kwds):
        # Brian2's arrays hold the state after every run: Brian2's own store() is exact.
        if self._queue_has_run():
            raise NotImplementedError("store() between runs with build_on_run=False is not supported "
                                      "by the modelc device")
        return Network.store.original_function(net, *args, **kwds)

    def network_restore(self, net, *args, **kwds):
        if self._queue_has_run():
            raise NotImplementedError("restore() between runs with build_on_run=False is not "
                                      "supported by the modelc device")
        return Network.restore.original_function(net, *args, **kwds)

    def delete(self, code=True, data=True, directory=True, force=False):
        pass

    # --- internals -------------------------------------------------------------------------------
    def _queue_has_run(self):
        return any(entry[0] == "run" for entry in self._queue)

    def _owner_name(self, variableview):
        # A pathway's delay is viewed through the pathway; its synapses are what is pending.
        try:
            group = variableview.group
            group = getattr(group, "synapses", group)
            return getattr(group, "name", None)
        except ReferenceError:  # an ephemeral subgroup (neuron.axon.g[0] = ...): its owner's
            return getattr(variableview.variable.owner, "name", None)

    def _assign(self, variableview, function, args):
        pending = self._pending.get(self._owner_name(variableview))
        if self._queue_has_run():
            self._queue.append(("call", variableview, function, args))
            return
        if self.build_on_run and self._execution is not None and self._execution.get("recording", True):
            self._program.append(("call", variableview, function, args))  # repeated by device.run()
        elif self._apply_called and not self._program:
            self._after_apply.append((variableview, function, args))
        if pending is not None:
            pending.assignments.append((variableview, function, args))
        else:
            function(*args)

    def _execute_entry(self, entry):
        execution = self._execution
        if entry[0] == "run":
            _, net, duration, namespace, report, t_start, _ = entry
            self._set_clocks(net, t_start)
            if execution.get("replay") and id(net) not in execution["started"]:
                # device.run() again: from the network's state at its first run, same module.
                run = self._snapshots.get(id(net))
                if run is None or run is not self._runs.get(id(net)):
                    raise NotSupported("device.run(): the network %r was not built by this program"
                                       % net.name)
                Network.restore.original_function(net, _INITIAL_STATE)
                run.restart(self._fresh_seed())
            elif not execution.get("replay"):
                run = self._network_run(net, namespace)
                if self._snapshots.get(id(net)) is not run:
                    if id(net) in execution["started"]:
                        self._unrepeatable = ("the network %r changed between its runs (a new "
                                              "compiled network)" % net.name)
                    Network.store.original_function(net, _INITIAL_STATE)
                    self._snapshots[id(net)] = run
            execution["started"].add(id(net))
            if execution["run_args"] is not None:
                self._apply_run_args(execution["run_args"])
                execution["run_args"] = None
            self._run(net, duration, namespace, report)
        elif entry[1] is None:
            entry[2](*entry[3])
        else:
            _, variableview, function, args = entry
            execution["recording"] = False  # executing the program, not recording it
            try:
                self._assign(variableview, function, args)
            finally:
                execution["recording"] = True

    def _fresh_seed(self):
        """The seed of a repeated run: the script's (or the seed option's), as cpp_standalone
        repeats a seeded program exactly; otherwise a new one, as its binary draws one per run."""
        if self._seed is not None or self._options().get("seed") is not None:
            return None
        return int(np.random.randint(0, 2**31 - 1))

    # --- run_args --------------------------------------------------------------------------------
    def _run_arg_target(self, name):
        owner, _, var = name.partition(".")
        for entry in self._program or self._queue:
            if entry[0] != "run":
                continue
            for obj in entry[1].objects:
                if getattr(obj, "name", None) == owner and var in getattr(obj, "variables", {}):
                    return obj.state(var, use_units=True)
        raise KeyError("run_args: no variable %r in the network" % name)

    def _prepare_run_args(self, run_args):
        """[(variable, values)] from run_args, checked as cpp_standalone checks them."""
        if not run_args:
            return None
        if not isinstance(run_args, Mapping):
            items = []
            for arg in run_args:
                name, sep, text = str(arg).partition("=")
                if not sep:
                    raise ValueError("run_args: expected 'group.variable=value', got %r" % arg)
                view = self._run_arg_target(name.strip())
                text = text.strip()
                try:
                    value = float(text) if view.dtype != bool else bool(int(text))
                except ValueError:
                    directory = self._options().get("directory") or os.getcwd()
                    path = text if os.path.isabs(text) else os.path.join(directory, text)
                    value = np.fromfile(path, dtype=view.dtype)
                items.append((view, np.asarray(value, dtype=view.dtype) * 1, True))
            run_args = None
        else:
            items = [(k, v, False) for k, v in run_args.items()]
        prepared = []
        for key, value, raw in items:
            if isinstance(key, TimedArray):
                raise NotSupported("run_args for the TimedArray %r: the modelc device compiles "
                                   "TimedArray values into the model (make the value a variable of a "
                                   "group, or change the TimedArray and run again)" % key.name)
            if not isinstance(key, VariableView):
                raise TypeError("The keys for 'run_args' need to be 'VariableView' objects, i.e. "
                                "attributes of groups such as 'neurongroup.v', or a 'TimedArray'. "
                                "Key has type '%s' instead." % type(key))
            if not raw:
                fail_for_dimension_mismatch(key.dim, value)
            var = key.variable
            try:
                group = getattr(key.group, "synapses", key.group)  # a pathway's delay: its synapses
                whole = group.name == var.owner.name
            except ReferenceError:  # an ephemeral subgroup (G[:3].v)
                whole = False
            if not whole:
                raise NotSupported("run_args for the variable %r of a subgroup: set variables of "
                                   "the whole group" % var.name)
            values = np.asarray(value, dtype=key.dtype)
            if values.size != 1 and (values.ndim != 1 or (not var.dynamic and values.size != key.shape[0])):
                raise TypeError("Incorrect size for variable '%s.%s'. Shape %s ≠ %s."
                                % (key.group_name, key.name, key.shape, values.shape))
            prepared.append((var, values))
        return prepared

    def _apply_run_args(self, prepared):
        for var, values in prepared:
            target = var.get_value()
            if values.size == 1:
                target[...] = values.reshape(-1)[0]
            elif values.size != np.size(target):
                raise TypeError("Incorrect size for variable '%s.%s': %d values for %d elements"
                                % (var.owner.name, var.name, values.size, np.size(target)))
            else:
                target[:] = values
        # Assignments the script made after apply_run_args() see the values run_args set.
        for variableview, function, args in self._after_apply:
            function(*args)

    def _advance_clocks(self, net, t_end):
        clocks = {obj.clock for obj in net.objects if type(obj.clock) is Clock}
        clocks.add(defaultclock)
        for clock in clocks:
            clock.set_interval(net.t, t_end * second)
            i_end = clock._i_end
            clock.variables["timestep"].set_value(i_end)
            clock.variables["t"].set_value(i_end * clock.dt_)
        net.t_ = float(t_end)

    def _set_clocks(self, net, t_start):
        for clock in {obj.clock for obj in net.objects if type(obj.clock) is Clock} | {defaultclock}:
            i = int(round(t_start / clock.dt_))
            clock.variables["timestep"].set_value(i)
            clock.variables["t"].set_value(i * clock.dt_)
        net.t_ = t_start

    def _options(self):
        o = dict(self.build_options)
        o.setdefault("backend", "cpu")
        o.setdefault("threads", 0)
        o.setdefault("opt_level", 2)
        o.setdefault("directory", None)
        o.setdefault("debug", False)
        if "precision" not in o:
            o["precision"] = "float" if prefs["core.default_float_dtype"] == np.float32 else "double"
        return o

    def _network_run(self, net, namespace):
        """The compiled network of ``net`` (translated and compiled on its first run)."""
        options = self._options()
        run = self._runs.get(id(net))
        if run is None or not run.matches(net):
            seed = self._seed
            if seed is None:
                seed = options.get("seed")
            if seed is None:
                seed = int(np.random.randint(0, 2**31 - 1))
            run = NetworkRun(self, net, namespace, seed, options)
            self._runs[id(net)] = run
            self.compilations += 1
        self.last_run = run
        return run

    def _run(self, net, duration, namespace, report):
        run = self._network_run(net, namespace)
        run.run(duration, report, namespace)
        self._advance_clocks(net, net.t_ + duration)
        self.has_been_run = True
        self.last_run = run

    def _take_pending(self, name):
        return self._pending.pop(name, None)


modelc_device = ModelcDevice()
