"""One Brian2 network compiled by modelc, and its live simulation across run() calls.

The simulation persists from one run() to the next (spikes in flight in delay queues, the random
streams' step counters), so a sequence of runs is one modelc run in chunks. Before every run the
state is written from Brian2's arrays (the script may have changed it), after it Brian2's arrays
and monitors are filled from the simulation.
"""
import json
import os
import re
import time

import numpy as np
from brian2 import (second, NeuronGroup, PoissonGroup, SpikeGeneratorGroup, Synapses,
                    EventMonitor, StateMonitor, PopulationRateMonitor, PoissonInput, Subgroup)
from brian2.core.functions import timestep
from brian2.core.variables import ArrayVariable
from brian2.utils.stringtools import get_identifiers

from .. import Model, ModelError
from .translate import Translator, NotSupported, quantity_text

_SUPPORTED = (NeuronGroup, PoissonGroup, SpikeGeneratorGroup, Synapses, EventMonitor, StateMonitor,
              PopulationRateMonitor, PoissonInput, Subgroup)
# What a connect expression may use for modelc to build the synapses: the indices. Anything else
# of the Synapses' (pre/post state, subexpressions of it) is state that Brian2 holds.
_CONNECT_INDICES = {"i", "j", "N_pre", "N_post"}


def _seconds_text(value):
    return quantity_text(float(value), second.dim)


def _is_whole(item):
    return isinstance(item, slice) and item == slice(None)


def _network_objects(net):
    """The network's active objects, without those contained in another (state updaters,
    thresholders, pathways, run_regularly operations: translated with their owner). Synapses stay:
    Brian2 lists a Synapses object with a run_regularly among its source group's contained objects
    (Group.run_regularly does so for anything with a `source`, meant for subgroups)."""
    contained = {id(c) for obj in net.objects for c in getattr(obj, "contained_objects", [])}
    seen, out = set(), []
    for obj in net.sorted_objects:
        if obj.active and (id(obj) not in contained or isinstance(obj, Synapses)) and id(obj) not in seen:
            seen.add(id(obj))
            out.append(obj)
    return out


def check_supported(obj):
    """Raises NotSupported for what the translation would otherwise get wrong silently."""
    from brian2 import prefs
    from brian2.spatialneuron import SpatialNeuron
    what = "%r (a %s)" % (obj.name, type(obj).__name__)
    if not isinstance(obj, _SUPPORTED) or isinstance(obj, SpatialNeuron):
        raise NotSupported("%s is not supported by the modelc device" % what)
    if isinstance(obj, Synapses):
        for side in (obj.source, obj.target):
            if isinstance(side, Synapses):
                raise NotSupported("%s connects to the synapses %r: synapses onto synapses are not "
                                   "supported by the modelc device" % (what, side.name))
    if isinstance(obj, (NeuronGroup, Synapses)) and prefs.legacy.refractory_timing:
        raise NotSupported("prefs.legacy.refractory_timing = True is not supported by the modelc device")


def check_operation(obj):
    """The same for every operation of the network, those contained in groups included."""
    from brian2 import Clock
    what = "%r (a %s)" % (obj.name, type(obj).__name__)
    if type(obj.clock) is not Clock:
        raise NotSupported("%s runs on a %s (run_at, EventClock): the modelc device supports regular "
                           "clocks only" % (what, type(obj.clock).__name__))
    if type(obj).__name__ == "CodeRunner":
        group = getattr(obj, "group", None)
        if isinstance(group, Subgroup):
            raise NotSupported("%s runs on the subgroup %r: operations of subgroups are not supported "
                               "by the modelc device; use the parent group with a condition on i"
                               % (what, group.name))


class SynapseLayout:
    """How a Synapses object's synapses are numbered in modelc relative to Brian2: ``order[m]`` is
    the Brian2 index of modelc's synapse m (modelc stores explicit pairs sorted stably by the
    presynaptic index), None when both number them alike."""

    def __init__(self, order=None):
        self.order = order
        self.inverse = None
        if order is not None:
            self.inverse = np.empty_like(order)
            self.inverse[order] = np.arange(len(order))

    def to_modelc(self, values):
        return values if self.order is None else values[self.order]

    def from_modelc(self, brian_array, values):
        if self.order is None:
            brian_array[:] = values
        else:
            brian_array[self.order] = values

    def modelc_index(self, brian_indices):
        idx = np.asarray(brian_indices, dtype=np.int64)
        return idx if self.inverse is None else self.inverse[idx]


class NetworkRun:
    def __init__(self, device, net, namespace, seed, options):
        self.device = device
        self.net = net
        self.namespace = namespace
        self.options = options
        self.timings = {}
        self.objects = _network_objects(net)
        for o in self.objects:
            check_supported(o)
        for o in net.sorted_objects:
            if o.active:
                check_operation(o)
        self.signature = self.structure(net)
        self.spikes = self.spike_sets(net)
        self.layouts = {}
        self.generated = {}   # Synapses name -> pending assignments to replay after creation
        self.consumed = {}
        t0 = time.perf_counter()
        connect, delays = {}, {}
        for S in self.objects:
            if isinstance(S, Synapses):
                connect[S.name], delay = self._connectivity(S)
                if delay:
                    delays[S.name] = delay
        monitor_indices = {}
        for M in self.objects:
            if isinstance(M, StateMonitor) and isinstance(M.source, Synapses):
                layout = self.layouts.get(M.source.name)
                if layout is not None:
                    monitor_indices[M.name] = layout.modelc_index(M.record)
        from brian2 import defaultclock
        dt = self.dt = float(defaultclock.dt_)
        self._translation = ([o for o in self.objects], dt, seed, options["precision"], connect, delays,
                             monitor_indices, options.get("name", "brian2_network"))
        tr = self._translator(namespace)
        self.document = tr.document(self._translation[-1])
        self.recorded_as = tr.recorded_as
        if options.get("debug"):
            print(json.dumps(self.document, indent=2))
        self.timings["translate"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        try:
            model = Model.from_dict(self.document, name="<Brian2 network %s>" % net.name)
            directory = options.get("directory")
            self.module = model.compile(backend=options["backend"], opt_level=options["opt_level"],
                                        threads=options["threads"],
                                        out_dir=os.path.join(directory, "code") if directory else None,
                                        verbose=bool(options.get("debug")))
        except ModelError as e:
            raise NotSupported("modelc could not compile the network:\n%s" % e) from None
        self.timings["compile"] = time.perf_counter() - t0
        self.seed = seed
        self.runs_done = 0
        self._new_simulation()

    def _translator(self, namespace):
        objects, dt, seed, precision, connect, delays, monitor_indices, _ = self._translation
        return Translator(objects, namespace, dt, seed, precision, connect, delays, monitor_indices)

    def check_constants(self, namespace):
        """Constants are compiled in as literals: a later run whose namespace gives another value
        (a changed constant or TimedArray) would silently run the old one."""
        doc = self._translator(namespace).document(self._translation[-1])
        if json.dumps(doc, sort_keys=True) != json.dumps(self.document, sort_keys=True):
            raise NotSupported("a constant or TimedArray the network uses changed after the first run: "
                               "the modelc device compiles them into the model (restart the network "
                               "from t = 0 or make the value a state variable)")

    # --- structure --------------------------------------------------------------------------------
    @staticmethod
    def structure(net):
        """What must stay the same for a compiled network to go on running: its objects and the
        periods of its SpikeGeneratorGroups (their spikes: see spikes_compatible)."""
        parts = []
        for obj in _network_objects(net):
            extra = ()
            if isinstance(obj, SpikeGeneratorGroup):
                extra = (float(np.asarray(obj.variables["period"].get_value()).reshape(-1)[0]),)
            parts.append((id(obj), obj.name, extra))
        return tuple(sorted(parts, key=lambda p: p[1]))

    @staticmethod
    def spike_sets(net):
        """{SpikeGeneratorGroup name: (indices, times, period)} of the network."""
        return {obj.name: (np.array(obj._neuron_index), np.array(obj._spike_time),
                           float(np.asarray(obj.variables["period"].get_value()).reshape(-1)[0]))
                for obj in _network_objects(net) if isinstance(obj, SpikeGeneratorGroup)}

    @staticmethod
    def spikes_compatible(old, new, t, dt):
        """Whether the compiled spikes ``old`` give what ``new`` (set_spikes) gives from time t
        on: spikes before the start of a run are ignored (Brian2 warns about them), so new spikes
        that differ only there need no new network."""
        for name, (i_old, t_old, period) in old.items():
            i_new, t_new, _ = new[name]
            if np.array_equal(i_old, i_new) and np.array_equal(t_old, t_new):
                continue
            if period:
                return False
            start = int(timestep(t, dt))

            def future(indices, times):
                steps = np.asarray(timestep(np.asarray(times), dt), dtype=np.int64)
                keep = steps >= start
                return sorted(zip(np.asarray(indices)[keep].tolist(), steps[keep].tolist()))

            if future(i_old, t_old) != future(i_new, t_new):
                return False
        return True

    def matches(self, net):
        from brian2 import defaultclock
        t = float(net.t_)
        if float(defaultclock.dt_) != self.dt and t > 0:
            raise NotSupported("defaultclock.dt changed between runs (%g s -> %g s): the modelc device "
                               "runs a network with one dt" % (self.dt, float(defaultclock.dt_)))
        same = self.structure(net) == self.signature
        if same:
            spikes = self.spike_sets(net)
            if self.spikes_compatible(self.spikes, spikes, t, self.dt) and (t > 0 or all(
                    np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
                    for a, b in zip(self.spikes.values(), spikes.values()))):
                self.spikes = spikes
            else:
                same = False
        if not same and t > 0:
            raise NotSupported("the network changed after it ran (objects added or removed, "
                               "SpikeGeneratorGroup.set_spikes with other spikes after the current "
                               "time, a new connect()): the modelc device cannot continue a "
                               "simulation with another structure")
        return same and not any(
            isinstance(o, Synapses) and o.name in self.device._pending for o in self.objects)

    def _connectivity(self, S):
        """The IR connect entry and delays of S; S's synapses either come from modelc (a connect
        rule) or exist in Brian2's arrays (explicit pairs)."""
        pending = self.device._take_pending(S.name)
        if pending is not None:
            rule = self._rule(S, pending.calls) if len(pending.calls) == 1 else None
            delay = self._rule_delays(S, pending.assignments) if rule is not None else None
            if rule is not None and delay is not None:
                delay, replay = delay
                self.generated[S.name] = replay
                self.layouts[S.name] = SynapseLayout()
                return rule, delay
            # Not expressible as one rule: Brian2 creates the synapses (NumPy), modelc gets pairs.
            for call in pending.calls:
                Synapses.connect.original_function(**call)
            for variableview, function, args in pending.assignments:
                function(*args)
        return self._explicit(S)

    def _rule(self, S, calls):
        a = calls[0]
        ns = a["namespace"]
        cond, i, j, p, n = (getattr(a[k], "code", a[k]) for k in ("condition", "i", "j", "p", "n"))
        tr = Translator.for_code(ns)

        def code(x, what):
            loop = re.findall(r"\bfor\s+([A-Za-z_]\w*)\s+in\b", str(x))
            text = tr.code(str(x), S, "connect %s" % what, extra=("N_pre", "N_post", "i", "j", *loop))
            # Connectivity is built before Brian2's state reaches modelc: conditions on pre/post
            # state go through Brian2 instead.
            for name in get_identifiers(text):
                if name in S.variables and name not in _CONNECT_INDICES:
                    return None
            return text

        out = {}
        if i is not None and j is not None and not isinstance(i, str) and not isinstance(j, str):
            return None  # explicit: Brian2 orders them (creation order) and modelc gets pairs
        if isinstance(j, str) and i is None and cond is None:
            out["j"] = code(j, "j")
            if out["j"] is None:
                return None
        elif i is None and j is None:
            if cond is False:
                return None
            if isinstance(cond, str):
                out["condition"] = code(cond, "condition")
                if out["condition"] is None:
                    return None
            if isinstance(p, str):
                out["p"] = code(p, "p")
                if out["p"] is None:
                    return None
            elif float(p) != 1.0:
                out["p"] = repr(float(p))
            if not out:
                out["rule"] = "all_to_all"
        else:
            return None
        if isinstance(n, str):
            out["n"] = code(n, "n")
            if out["n"] is None:
                return None
        elif int(n) != 1:
            out["n"] = int(n)
        if a["skip_if_invalid"]:
            out["skip_if_invalid"] = True
        return out

    def _rule_delays(self, S, assignments):
        """Delays of S's pathways for a rule-built S, and the assignments left to replay on Brian2's
        side; None when a delay assignment needs the synapses to exist (partial, conditional)."""
        delays, replay = {}, []
        delay_vars = {p._delays.name: p for p in S._pathways}
        last = {}
        for entry in assignments:
            variableview = entry[0]
            var = variableview.variable
            if var.name in delay_vars:
                pathway = delay_vars[var.name]
                if var.scalar:
                    entry[1](*entry[2])  # homogeneous: no synapses needed
                    continue
                fn = entry[1].__name__
                args = entry[2]
                code = None
                if fn == "set_with_expression_conditional" and str(args[1]).strip() == "True":
                    code, ns = str(args[2]), args[3]
                elif fn == "set_with_expression" and _is_whole(args[1]):
                    code, ns = str(args[2]), args[3]
                elif fn == "set_with_index_array" and _is_whole(args[1]) and np.size(args[2]) == 1:
                    code, ns = repr(float(np.asarray(args[2]).reshape(-1)[0])), None
                if code is None:
                    return None
                try:
                    last[pathway.objname] = _seconds_text(float(code))
                except ValueError:
                    tr = Translator.for_code(ns if ns is not None else self.namespace)
                    last[pathway.objname] = tr.code(code, S, "delay", extra=("i", "j"))
            else:
                replay.append(entry)
        for p in S._pathways:
            if p._delays.scalar:
                value = float(np.asarray(p._delays.get_value()).reshape(-1)[0])
                if value:
                    delays[p.objname] = _seconds_text(value)
            elif p.objname in last:
                delays[p.objname] = last[p.objname]
        return delays, replay

    def _explicit(self, S):
        pre = np.asarray(S.variables["_synaptic_pre"].get_value()) - int(S.variables["_source_offset"].get_value())
        post = np.asarray(S.variables["_synaptic_post"].get_value()) - int(S.variables["_target_offset"].get_value())
        order = np.argsort(pre, kind="stable")
        self.layouts[S.name] = SynapseLayout(None if np.all(order == np.arange(len(order))) else order)
        delays = {}
        for p in S._pathways:
            values = np.asarray(p._delays.get_value(), dtype=float)
            if p._delays.scalar:
                if values.size and values.reshape(-1)[0]:
                    delays[p.objname] = _seconds_text(values.reshape(-1)[0])
            elif values.size and np.any(values != 0):
                delays[p.objname] = values.tolist()
        return {"i": pre.astype(int).tolist(), "j": post.astype(int).tolist()}, delays

    # --- the simulation ---------------------------------------------------------------------------
    def _new_simulation(self):
        t0 = time.perf_counter()
        try:
            self.sim = self.module.simulation(seed=self.seed, threads=self.options["threads"],
                                              device=int(self.options.get("device", 0)))
        except ModelError as e:
            # What Brian2 checks at connect() (a sample bigger than the population, a negative
            # size) modelc finds when it builds the synapses: a failed run, as cpp_standalone's.
            raise RuntimeError("modelc could not build the network %r: %s" % (self.net.name, e)) from None
        self.consumed = {}
        self.owners = {o.name: o for o in self.objects if isinstance(o, (NeuronGroup, PoissonGroup, SpikeGeneratorGroup, Synapses))}
        for name, replay in list(self.generated.items()):
            self._materialise(self.owners[name], replay)
        self.generated = {}
        self.variables = []
        for v in self.module.info["variables"]:
            owner = self.owners.get(v["owner"])
            if owner is None or v["name"] not in owner.variables:
                continue
            bvar = owner.variables[v["name"]]
            # N_incoming / N_outgoing: modelc keeps them per neuron, Brian2 per synapse, and Brian2
            # counts its own from the connectivity read back (_update_synapse_numbers).
            if not isinstance(bvar, ArrayVariable) or v["name"] in ("i", "j", "N", "t", "dt", "N_incoming", "N_outgoing"):
                continue
            self.variables.append((owner, v["name"], bvar, v))
        self.timings["construct"] = time.perf_counter() - t0

    def restart(self, seed=None):
        """A new simulation from the compiled module (device.run() again): no translation, no
        compilation. ``seed``: another seed for it (None: the same)."""
        if seed is not None:
            self.seed = seed
        self._new_simulation()

    def _materialise(self, S, replay):
        pre, post = self.sim.connectivity(S.name)
        pre = np.asarray(pre, dtype=np.int32)
        post = np.asarray(post, dtype=np.int32)
        S._resize(len(pre))
        S.variables["_synaptic_pre"].set_value(pre + int(S.variables["_source_offset"].get_value()))
        S.variables["_synaptic_post"].set_value(post + int(S.variables["_target_offset"].get_value()))
        S._update_synapse_numbers(0)
        # Brian2 has no values for what modelc drew (delay expressions): read them back below.
        for variableview, function, args in replay:
            function(*args)
        for p in S._pathways:
            if not p._delays.scalar and len(pre):
                try:
                    values = np.asarray(self.sim[S.name].__getattr__(p._delays.name.lstrip("_")))
                except ModelError:
                    continue
                p._delays.set_value(values.astype(float))

    def push_state(self):
        for owner, name, bvar, info in self.variables:
            if info.get("read_only"):
                continue
            values = np.asarray(bvar.get_value())
            if isinstance(owner, Synapses):
                values = self.layouts[owner.name].to_modelc(values)
            try:
                self.sim._write(owner.name, name, values)
            except (ModelError, ValueError) as e:
                raise NotSupported("writing %s.%s to modelc: %s" % (owner.name, name, e)) from None

    def pull_state(self):
        for owner, name, bvar, info in self.variables:
            values = np.asarray(self.sim._read(owner.name, name))
            target = bvar.get_value()
            if isinstance(owner, Synapses):
                self.layouts[owner.name].from_modelc(target, values)
            else:
                target[:] = values.reshape(target.shape)

    def run(self, duration, report, namespace=None):
        net_t = float(self.net.t_)
        if namespace is not None and self.runs_done:
            self.check_constants(namespace)
        if abs(self.sim.t - net_t) > 0.5 * self.sim.dt:
            if net_t < 0.5 * self.sim.dt:
                self._new_simulation()  # restore() to the start, or a new run of the network
            else:
                raise NotSupported("the network is at t = %g s but its modelc simulation at t = %g s "
                                   "(restore() to a time other than 0?): not supported by the modelc "
                                   "device" % (net_t, self.sim.t))
        self.push_state()
        t0 = time.perf_counter()
        steps = int(round((net_t + duration) / self.sim.dt)) - self.sim.step
        self.sim.run(steps=steps, progress="line" if report else False)
        self.runs_done += 1
        self.timings["simulate"] = self.timings.get("simulate", 0.0) + time.perf_counter() - t0
        t0 = time.perf_counter()
        self.pull_state()
        self._fill_monitors()
        directory = self.options.get("directory")
        if directory:
            self.sim.write_results(os.path.join(directory, "results"), force=True)
        self.timings["results"] = time.perf_counter() - t0

    # --- monitors ---------------------------------------------------------------------------------
    def _fill_monitors(self):
        for M in self.objects:
            if not isinstance(M, (EventMonitor, StateMonitor, PopulationRateMonitor)):
                continue
            data = self.sim.monitors[M.name]
            start = self.consumed.get(M.name, 0)
            n_total = len(data.t)
            self.consumed[M.name] = n_total
            new = slice(start, n_total)
            count = n_total - start
            if isinstance(M, EventMonitor):
                self._fill_events(M, data, new, count)
            elif isinstance(M, StateMonitor):
                old = int(np.asarray(M.variables["N"].get_value()).reshape(-1)[0])
                M.resize(old + count)
                M.variables["t"].get_value()[old:] = data.t[new]
                for name in M.record_variables:
                    ir_name = self.recorded_as.get(M.name, {}).get(name, name)
                    M.variables[name].get_value()[old:, :] = np.asarray(data.values[ir_name])[new].reshape(count, -1)
                M.variables["N"].set_value(old + count)
            else:
                old = len(M.variables["t"].get_value())
                M.resize(old + count)
                M.variables["t"].get_value()[old:] = data.t[new]
                M.variables["rate"].get_value()[old:] = data.rate[new]
                if "N" in M.variables:
                    M.variables["N"].set_value(old + count)

    def _fill_events(self, M, data, new, count):
        i = np.asarray(data.i[new])
        old = int(np.asarray(M.variables["N"].get_value()).reshape(-1)[0])
        M.resize(old + count)
        for name in M.record_variables:
            target = M.variables[name].get_value()
            if name == "i":
                target[old:] = i
            elif name == "t":
                target[old:] = data.t[new]
            else:
                target[old:] = np.asarray(data.values[name])[new]
        counts = M.variables["count"].get_value()
        counts[:] += np.bincount(i, minlength=len(counts))[: len(counts)]
        M.variables["N"].set_value(old + count)
