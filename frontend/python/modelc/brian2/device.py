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

import numpy as np
from brian2 import Clock, Network, Synapses, prefs, defaultclock, second
from brian2.codegen.runtime.numpy_rt import NumpyCodeObject
from brian2.core.namespace import get_local_namespace
from brian2.core.variables import VariableView
from brian2.devices.device import RuntimeDevice
from .network import NetworkRun
from .translate import NotSupported

_CONNECT_SIGNATURE = inspect.signature(Synapses.connect.original_function)


class PendingConnect:
    """The connect calls of one Synapses object, and the assignments to its variables made before
    modelc created the synapses (replayed in order afterwards)."""

    def __init__(self):
        self.calls = []      # bound arguments of each connect call, with the caller's namespace
        self.assignments = []  # (variable view, function, args) in program order


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
        self._seed = None
        self._runs = {}        # id(Network) -> NetworkRun (compiled model + live simulation)
        self.last_run = None   # the NetworkRun of the latest run (timings, the IR document)

    # --- Brian2's device interface ---------------------------------------------------------------
    def activate(self, build_on_run=True, **kwargs):
        super().activate(build_on_run=build_on_run, **kwargs)
        self.build_on_run = build_on_run
        self.build_options = dict(kwargs)

    def reinit(self):
        build_on_run, options = self.build_on_run, self.build_options
        self.__init__()
        self.build_on_run, self.build_options = build_on_run, options

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
        owner = getattr(var, "owner", None)
        name = getattr(owner, "name", None)
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
        if self.build_on_run:
            if self._queue:
                self._execute_queue()
            self._run(net, duration, namespace, report)
        else:
            # The network is translated when device.build() runs: what it looks like then must be
            # what it looked like at every recorded run.
            shape = (float(defaultclock.dt_), NetworkRun.structure(net))
            for entry in self._queue:
                if entry[0] == "run" and entry[1] is net and entry[6] != shape:
                    raise NotSupported("the network changed between runs (defaultclock.dt, objects, "
                                       "SpikeGeneratorGroup.set_spikes): the modelc device runs one "
                                       "network structure and one dt")
            self._queue.append(("run", net, duration, namespace, report, net.t_, shape))
            self._advance_clocks(net, net.t_ + duration)

    def build(self, direct_call=True, **kwds):
        """Runs what was recorded with build_on_run=False (Brian2's ``device.build()``)."""
        if kwds:
            self.build_options.update(kwds)
        self._execute_queue()

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
        group = variableview.group
        group = getattr(group, "synapses", group)
        return getattr(group, "name", None)

    def _assign(self, variableview, function, args):
        pending = self._pending.get(self._owner_name(variableview))
        if self._queue_has_run():
            self._queue.append(("call", variableview, function, args))
        elif pending is not None:
            pending.assignments.append((variableview, function, args))
        else:
            function(*args)

    def _execute_queue(self):
        queue, self._queue = self._queue, []
        for entry in queue:
            if entry[0] == "run":
                _, net, duration, namespace, report, t_start, _ = entry
                self._set_clocks(net, t_start)
                self._run(net, duration, namespace, report)
            elif entry[1] is None:
                entry[2](*entry[3])
            else:
                _, variableview, function, args = entry
                self._assign(variableview, function, args)

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

    def _run(self, net, duration, namespace, report):
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
        run.run(duration, report, namespace)
        self._advance_clocks(net, net.t_ + duration)
        self.has_been_run = True
        self.last_run = run

    def _take_pending(self, name):
        return self._pending.pop(name, None)


modelc_device = ModelcDevice()
