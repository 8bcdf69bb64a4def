"""Brian2 network -> modelc model IR (a dict of docs/ir-v2.md).

Code strings are passed through in Brian2's syntax, which the IR shares; what Brian2 resolves from
the namespace (constants, units, TimedArrays) is resolved here with Brian2's own rules
(``Group.resolve_all``): constants and units become literals with their unit in SI base units, so
no user name can collide with a modelc name and the compiler checks the units as Brian2 does.
Anything the IR cannot express raises NotSupported naming the Brian2 object and the construct.
"""
import numbers
import re

import numpy as np
from brian2 import (second, NeuronGroup, PoissonGroup, SpikeGeneratorGroup, Synapses,
                    EventMonitor, StateMonitor, PopulationRateMonitor, PoissonInput, Subgroup)
from brian2.core.functions import Function
from brian2.core.variables import ArrayVariable, Constant, Subexpression
from brian2.equations.equations import DIFFERENTIAL_EQUATION, SUBEXPRESSION, PARAMETER, BOOLEAN, INTEGER
from brian2.input.timedarray import TimedArray
from brian2.stateupdaters.base import StateUpdateMethod, UnsupportedEquationsException
from brian2.units.fundamentalunits import get_dimensions, Quantity
from brian2.utils.stringtools import get_identifiers, word_substitute
from .cpp_function import InlineFunction, Untranslatable, inline_calls

_BASE_UNITS = ("metre", "kilogram", "second", "amp", "kelvin", "mole", "candle")

# The functions the IR knows by Brian2's names (docs/ir.md, docs/ir-v2.md "Functions").
IR_FUNCTIONS = {"exp", "log", "log10", "sqrt", "abs", "sin", "cos", "tan", "sinh", "cosh", "tanh",
                "arcsin", "arccos", "arctan", "floor", "ceil", "clip", "sign", "int", "exprel",
                "rand", "randn", "log1p", "expm1", "timestep"}
_KEYWORDS = {"and", "or", "not", "True", "False", "if", "else", "for", "in", "range", "sample",
             "p", "size"}


class NotSupported(NotImplementedError):
    """A construct of the script that the modelc device cannot run (the message names it)."""


def dimension_text(dim):
    """A Brian2 Dimension as an IR unit expression in base units ("1" when dimensionless)."""
    parts = []
    for name, exponent in zip(_BASE_UNITS, dim._dims):
        if exponent == 0:
            continue
        e = float(exponent)
        parts.append(name if e == 1 else "%s ** %s" % (name, repr(int(e)) if e == int(e) else repr(e)))
    return " * ".join(parts) if parts else "1"


def number_text(value):
    if isinstance(value, (bool, np.bool_)):
        return "True" if value else "False"
    if isinstance(value, (numbers.Integral, np.integer)):
        return str(int(value))
    return repr(float(value))


def quantity_text(value, dim=None):
    """A constant in the IR's quantity syntax: SI value times its unit."""
    if dim is None:
        dim = get_dimensions(value)
    v = np.asarray(value)
    if v.size != 1:
        raise NotSupported("a non-scalar value (shape %s) where a constant is needed" % (v.shape,))
    text = number_text(v.reshape(-1)[0] if not isinstance(value, (bool, numbers.Integral)) else value)
    unit = dimension_text(dim)
    return text if unit == "1" else "(%s * %s)" % (text, unit)


def unit_of(eq):
    if eq.var_type == BOOLEAN:
        return "boolean"
    if eq.var_type == INTEGER:
        return "integer"
    return dimension_text(eq.dim)


def order_of(obj):
    """An object's order as an integer. Brian2 compares orders only when it sorts, so a script may
    pass a string (Dendrify passes order='before_groups' to run_on_event): all such objects of a
    slot tie, and the names decide, as in Brian2's sort."""
    order = obj.order
    return int(order) if isinstance(order, (numbers.Integral, np.integer)) else 0


def root_and_range(group):
    """(root group, start, stop) of a group or a subgroup of one."""
    start, stop = 0, (None if isinstance(group, Synapses) else len(group))
    g = group
    if isinstance(g, Subgroup):
        start, stop = g.start, g.stop
        g = g.source
        while isinstance(g, Subgroup):
            start, stop, g = start + g.start, stop + g.start, g.source
    return g, start, stop


def group_ref(group):
    root, start, stop = root_and_range(group)
    if isinstance(root, Synapses) or (start == 0 and stop == len(root)):
        return root.name
    return "%s[%d:%d]" % (root.name, start, stop)


class Translator:
    """Builds the IR document of one network. ``connect`` maps a Synapses name to the connect
    entry decided by the device (rule, explicit pairs); ``delays`` to the pathway delays."""

    def __init__(self, objects, namespace, dt, seed, precision, connect, delays, monitor_indices):
        self.objects = objects
        self.namespace = namespace
        self.dt = float(dt)
        self.seed = seed
        self.precision = precision
        self.connect = connect
        self.delays = delays
        self.monitor_indices = monitor_indices
        self.timed_arrays = {}
        self.recorded_as = {}  # monitor -> {Brian2 variable: IR variable}

    @classmethod
    def for_code(cls, namespace):
        """A translator used only to resolve code strings (connect and delay expressions)."""
        return cls([], namespace, 1.0, 0, "double", {}, {}, {})

    # --- code -----------------------------------------------------------------------------------
    def code(self, text, owner, what, extra=(), local=()):
        """Brian2 code of ``owner`` with external constants replaced by literals."""
        if text is None:
            return None
        # Brian2's integer clock variable is the IR's timestep() of t.
        text = word_substitute(str(text), {"t_in_timesteps": "timestep(t, dt)"})
        ids = get_identifiers(text) - _KEYWORDS - set(extra) - set(local)
        internal = set(owner.variables.keys()) if hasattr(owner, "variables") else set()
        externals = {n for n in ids if n not in internal and not n.startswith("xi")}
        if not externals:
            return text
        try:
            resolved = owner.resolve_all(sorted(externals), self.namespace)
        except KeyError as e:
            raise NotSupported("%s of %r: %s" % (what, owner.name, e)) from None
        subst, inline = {}, {}
        for name, obj in resolved.items():
            if isinstance(obj, TimedArray):
                self.timed_array(name, obj, owner)
            elif isinstance(obj, Function):
                if name not in IR_FUNCTIONS:
                    inline[name] = self.user_function(name, obj, owner, what)
            elif isinstance(obj, Constant):
                subst[name] = quantity_text(obj.value, obj.dim)
            elif isinstance(obj, (Quantity, numbers.Number, np.number, np.ndarray)):
                subst[name] = quantity_text(obj)
            else:
                raise NotSupported("%s of %r uses %r (a %s), which the modelc device cannot "
                                   "translate" % (what, owner.name, name, type(obj).__name__))
        if inline:
            # The inlined expressions name only IR functions, units and the arguments' names,
            # which the second pass resolves.
            try:
                text = inline_calls(text, inline)
            except Untranslatable as e:
                raise NotSupported("%s of %r: %s" % (what, owner.name, e)) from None
            return self.code(text, owner, what, extra, local)
        return word_substitute(text, subst) if subst else text

    def user_function(self, name, function, owner, what):
        """A user function as an inlined IR expression (cpp_function.py), or NotSupported naming
        the function and why its C++ code cannot be translated."""
        try:
            return InlineFunction(name, function, dimension_text)
        except Untranslatable as e:
            raise NotSupported("%s of %r calls the user function %r, which is not supported by the "
                               "modelc device (its C++ implementation cannot be translated): %s"
                               % (what, owner.name, name, e)) from None

    def timed_array(self, name, ta, owner):
        if name in self.timed_arrays:
            return
        values = np.asarray(ta.values, dtype=float)
        if values.ndim not in (1, 2):
            raise NotSupported("TimedArray %r used by %r has %d dimensions (1 or 2 are supported)"
                               % (name, owner.name, values.ndim))
        self.timed_arrays[name] = {"values": values.tolist(), "dt": quantity_text(float(ta.dt), second.dim),
                                   "unit": dimension_text(ta.dim)}

    def schedule_entry(self, obj, default_when, default_order=0):
        entry = {}
        if obj.when != default_when:
            entry["when"] = obj.when
        order = order_of(obj)
        if order != default_order:
            entry["order"] = order
        return entry

    def check_clock(self, obj):
        if abs(float(obj.clock.dt) - self.dt) > 1e-12 * self.dt:
            raise NotSupported("%r runs with dt = %s, the network with %s: the modelc device runs one "
                               "dt for groups (monitors and run_regularly may use multiples)"
                               % (obj.name, obj.clock.dt, self.dt))

    def every(self, obj, what):
        ratio = float(obj.clock.dt) / self.dt
        k = int(round(ratio))
        if k < 1 or abs(ratio - k) > 1e-9:
            raise NotSupported("%s %r has dt = %s, not a multiple of the simulation dt" % (what, obj.name, obj.clock.dt))
        return k

    def method(self, G):
        """The integration method Brian2 uses for G: the one given, or the first of Brian2's
        default choice ("exact", "euler", "heun") that Brian2 accepts for G's equations (modelc's
        own choice can differ: Brian2 refuses "exact" for some linear systems modelc solves)."""
        choice = getattr(getattr(G, "state_updater", None), "method_choice", None)
        if isinstance(choice, str) or choice is None or callable(choice):
            return choice if isinstance(choice, str) else None
        eqs = G.equations
        if not eqs.diff_eq_names:
            return None
        try:
            variables = G.resolve_all(eqs.identifiers | set(eqs.names) | {"dt"}, self.namespace,
                                      user_identifiers=set())
        except KeyError:
            return None
        for name in choice:
            if not isinstance(name, str):
                return None
            try:
                StateUpdateMethod.apply_stateupdater(eqs, variables, name)
            except UnsupportedEquationsException:
                continue
            return name
        return None

    # --- groups ---------------------------------------------------------------------------------
    def equations(self, eqs, owner):
        out = []
        for eq in eqs.values():
            flags = " (%s)" % ", ".join(eq.flags) if eq.flags else ""
            unit = unit_of(eq)
            if eq.type == DIFFERENTIAL_EQUATION:
                out.append("d%s/dt = %s : %s%s" % (eq.varname, self.code(eq.expr.code, owner, "equation of %s" % eq.varname), unit, flags))
            elif eq.type == SUBEXPRESSION:
                out.append("%s = %s : %s%s" % (eq.varname, self.code(eq.expr.code, owner, "subexpression %s" % eq.varname), unit, flags))
            elif eq.type == PARAMETER:
                out.append("%s : %s%s" % (eq.varname, unit, flags))
        return out

    def neuron_group(self, G):
        self.check_clock(G)
        d = {"name": G.name, "size": int(len(G))}
        if isinstance(G, SpikeGeneratorGroup):
            return self.spike_generator(G, d)
        if isinstance(G, PoissonGroup):
            # Brian2's PoissonGroup is a group with `rates` (a parameter, or a subexpression when
            # given as a string) and the threshold `rand() < rates*dt`.
            rates = G._rates
            d["equations"] = ["rates = %s : hertz" % self.code(rates, G, "rates") if isinstance(rates, str)
                              else "rates : hertz"]
        else:
            d["equations"] = self.equations(G.user_equations, G)
        method = self.method(G) if not isinstance(G, PoissonGroup) else None
        if method:
            d["method"] = method
        if G.events.get("spike"):
            d["threshold"] = self.code(G.events["spike"], G, "threshold")
        if getattr(G, "event_codes", {}).get("spike"):
            d["reset"] = self.code(G.event_codes["spike"], G, "reset")
        ref = getattr(G, "_refractory", False)
        if ref is not False and ref is not None:
            d["refractory"] = self.code(ref, G, "refractory") if isinstance(ref, str) else quantity_text(ref)
        events = {}
        for name, cond in G.events.items():
            if name == "spike":
                continue
            ev = {"condition": self.code(cond, G, "event %s" % name)}
            if getattr(G, "event_codes", {}).get(name):
                ev["code"] = self.code(G.event_codes[name], G, "code of event %s" % name)
            events[name] = ev
        schedule, regular = {}, []
        for obj in G.contained_objects:
            kind = type(obj).__name__
            if kind == "StateUpdater":
                schedule["state_update"] = self.schedule_entry(obj, "groups", G.order)
            elif kind == "Thresholder" and obj.event == "spike":
                schedule["threshold"] = self.schedule_entry(obj, "thresholds", G.order)
            elif kind == "Thresholder":
                events[obj.event].setdefault("schedule", {})["condition"] = self.schedule_entry(obj, "after_thresholds", G.order)
            elif kind == "Resetter" and obj.event == "spike":
                schedule["reset"] = self.schedule_entry(obj, "resets", G.order)
            elif kind == "Resetter":
                events[obj.event].setdefault("schedule", {})["code"] = self.schedule_entry(obj, "after_resets", G.order)
            elif kind == "SubexpressionUpdater":
                schedule["constant_over_dt"] = self.schedule_entry(obj, "before_start", G.order)
            elif kind == "CodeRunner":
                regular.append(self.run_regularly(obj, G))
        for ev in events.values():
            if "schedule" in ev:
                ev["schedule"] = {k: v for k, v in ev["schedule"].items() if v}
                if not ev["schedule"]:
                    del ev["schedule"]
        if events:
            d["events"] = events
        if regular:
            d["run_regularly"] = regular
        if G.order:
            d["order"] = order_of(G)
        schedule = {k: v for k, v in schedule.items() if v}
        if schedule:
            d["schedule"] = schedule
        links = {}
        for eq in (G.user_equations.values() if "user_equations" in G.__dict__ else ()):
            if "linked" not in eq.flags:
                continue
            var = G.variables[eq.varname]
            owner = getattr(var, "owner", None)
            if var is None or owner is None or not isinstance(var, ArrayVariable):
                raise NotSupported("linked variable %r of %r is not linked to a stored variable (use "
                                   "linked_var before run())" % (eq.varname, G.name))
            link = {"group": owner.name, "variable": var.name}
            index = G.variables.indices[eq.varname]
            if index not in ("_idx", "0"):
                link["index"] = [int(x) for x in np.asarray(G.variables[index].get_value())]
            links[eq.varname] = link
        if links:
            d["links"] = links
        return d

    def spike_generator(self, G, d):
        d["kind"] = "spike_generator"
        d["indices"] = [int(x) for x in np.asarray(G._neuron_index)]
        d["times"] = [float(x) for x in np.asarray(G._spike_time)]
        period = float(np.asarray(G.variables["period"].get_value()).reshape(-1)[0])
        if period:
            d["period"] = quantity_text(period, second.dim)
        entry = {}
        if G.when != "thresholds":
            entry["when"] = G.when
        if G.order:
            entry["order"] = order_of(G)
        if entry:
            d["schedule"] = {"threshold": entry}
        return d

    def run_regularly(self, obj, owner):
        """The IR entry of a run_regularly operation (a CodeRunner) of a group or synapses."""
        code = obj.abstract_code if hasattr(obj, "abstract_code") and obj.abstract_code else obj.user_code
        entry = {"code": self.code(code, owner, "run_regularly")}
        k = self.every(obj, "run_regularly")
        if k != 1:
            entry["dt"] = quantity_text(k * self.dt, second.dim)
        entry["when"] = obj.when
        entry["order"] = order_of(obj)
        return entry

    def synapses(self, S):
        self.check_clock(S)
        d = {"name": S.name, "source": group_ref(S.source), "target": group_ref(S.target)}
        eqs = self.equations(S.equations, S)
        updater = getattr(S, "subexpression_updater", None)
        if updater is not None:
            # Brian2 keeps "(constant over dt)" subexpressions of synapses as parameters with an
            # updater: the IR gets them back as subexpressions.
            code = getattr(updater, "abstract_code", None) or updater.user_code
            for line in str(code).splitlines():
                if "=" not in line:
                    continue
                name, expr = (x.strip() for x in line.split("=", 1))
                eq = S.equations[name]
                flags = [f for f in eq.flags if f != "constant"] + ["constant over dt"]
                text = "%s = %s : %s (%s)" % (name, self.code(expr, S, "subexpression %s" % name),
                                              unit_of(eq), ", ".join(flags))
                eqs = [text if e.split(":")[0].strip() == name else e for e in eqs]
        if S.event_driven is not None:
            # Brian2 keeps the parameters in both sets of equations.
            eqs += [e for e, eq in zip(self.equations(S.event_driven, S), S.event_driven.values())
                    if eq.type == DIFFERENTIAL_EQUATION]
        for name, updater in S.summed_updaters.items():
            unit = dimension_text(S.variables[name].dim)
            eqs.append("%s = %s : %s (summed)" % (name, self.code(updater.expression.code, S, "summed variable %s" % name), unit))
        d["equations"] = eqs
        method = self.method(S)
        if method and S.equations.diff_eq_names:
            d["method"] = method
        on_pre, on_post, on_event, schedule = {}, {}, {}, {}
        for p in S._pathways:
            code = self.code(p.code, S, "on_%s code" % p.prepost)
            (on_pre if p.prepost == "pre" else on_post)[p.objname] = code
            if p.event != "spike":
                on_event[p.objname] = p.event
            entry = self.schedule_entry(p, "synapses", -1 if p.prepost == "pre" else 1)
            if entry:
                schedule.setdefault("pathways", {})[p.objname] = entry
        if on_pre:
            d["on_pre"] = on_pre
        if on_post:
            d["on_post"] = on_post
        if on_event:
            d["on_event"] = on_event
        for name, updater in S.summed_updaters.items():
            target_order = getattr(S.target, "order", 0)
            entry = self.schedule_entry(updater, "groups", target_order - 1)
            if entry:
                schedule.setdefault("summed", {})[name] = entry
        su = getattr(S, "state_updater", None)
        if su is not None and S.equations.diff_eq_names:
            entry = self.schedule_entry(su, "groups", S.order)
            if entry:
                schedule["state_update"] = entry
        if schedule:
            d["schedule"] = schedule
        regular = [self.run_regularly(obj, S) for obj in S.contained_objects if type(obj).__name__ == "CodeRunner"]
        if regular:
            d["run_regularly"] = regular
        if S.order:
            d["order"] = order_of(S)
        delays = self.delays.get(S.name)
        if delays:
            d["delay"] = delays
        d["connect"] = self.connect[S.name]
        return d

    def poisson_input(self, P):
        target, var = P._group, P._target_var
        weight = P._weight
        weight = self.code(weight, target, "PoissonInput weight") if isinstance(weight, str) else quantity_text(weight)
        d = {"name": P.name, "target": group_ref(target), "variable": var, "N": int(P._N),
             "rate": quantity_text(P._rate), "weight": weight}
        d.update(self.schedule_entry(P, "synapses"))
        return d

    # --- monitors -------------------------------------------------------------------------------
    def monitor(self, M):
        if isinstance(M, EventMonitor):  # SpikeMonitor is an EventMonitor
            d = {"name": M.name, "source": group_ref(M.source)}
            if M.event == "spike":
                d["kind"] = "spikes"
            else:
                d["kind"] = "events"
                d["event"] = M.event
            variables = sorted(M.record_variables - {"i", "t"})
            if variables:
                d["variables"] = variables
            if M.when != "thresholds" or M.order != 1:
                d["when"] = M.when
                d["order"] = order_of(M)
            return d
        if isinstance(M, StateMonitor):
            d = {"name": M.name, "kind": "state", "source": group_ref(M.source),
                 "variables": [self.recorded(M, v) for v in M.record_variables]}
            d["indices"] = [int(x) for x in self.monitor_indices.get(M.name, M.record)]
            k = self.every(M, "StateMonitor")
            if k != 1:
                d["every"] = k
            d.update(self.schedule_entry(M, "start"))
            return d
        if isinstance(M, PopulationRateMonitor):
            d = {"name": M.name, "kind": "rate", "source": group_ref(M.source)}
            d.update(self.schedule_entry(M, "end"))
            return d
        raise NotSupported("monitor %r (%s) is not supported by the modelc device" % (M.name, type(M).__name__))

    def recorded(self, M, name):
        """The IR variable a StateMonitor records for Brian2's variable `name`. The IR records
        stored variables only; a subexpression recorded at the start of the step (Brian2's
        default) has the value of a "(constant over dt)" copy updated in before_start, which is
        added to the group under another name (the monitor's values are mapped back)."""
        root, _, _ = root_and_range(M.source)
        var = root.variables.get(name) if hasattr(root, "variables") else None
        if not isinstance(var, Subexpression):
            return name
        eqs = root.equations if isinstance(root, Synapses) else root.__dict__.get("user_equations", {})
        eq = eqs[name] if name in eqs else None
        if eq is None or "constant over dt" in eq.flags:
            return name
        if M.when not in ("start",) or order_of(M) < 0:
            raise NotSupported("StateMonitor %r records the subexpression %r when=%r, order=%r: the "
                               "modelc device records subexpressions at the start of the step only"
                               % (M.name, name, M.when, M.order))
        self.check_start_slot_writes(M, root, name, eqs)
        copy = "%s_recorded_%s" % (name, M.name)
        flags = [f for f in eq.flags if f == "shared"] + ["constant over dt"]
        self.owner_docs[root.name]["equations"].append(
            "%s = %s : %s (%s)" % (copy, self.code(eq.expr.code, root, "subexpression %s" % name),
                                   unit_of(eq), ", ".join(flags)))
        self.recorded_as.setdefault(M.name, {})[name] = copy
        return copy

    @staticmethod
    def check_start_slot_writes(M, root, name, eqs):
        """The recorded copy of a subexpression is evaluated in before_start; a run_regularly of
        the group that Brian2 runs before the monitor in the start slot (its default slot; ties go
        by name, `neurongroup_run_regularly` < `statemonitor`) and writes a variable the
        subexpression reads would make the monitor record the value before that write."""
        depends, todo = set(), [name]
        while todo:
            current = todo.pop()
            eq = eqs[current] if current in eqs else None
            if eq is None or eq.expr is None:
                continue
            for ident in get_identifiers(eq.expr.code) - depends:
                depends.add(ident)
                if ident in eqs and eqs[ident].type == SUBEXPRESSION:
                    todo.append(ident)
        monitor_key = (order_of(M), M.name)
        for obj in root.contained_objects:
            if type(obj).__name__ != "CodeRunner" or obj.when != "start" or (order_of(obj), obj.name) > monitor_key:
                continue
            code = getattr(obj, "abstract_code", None) or obj.user_code
            written = {m.group(1) for m in re.finditer(r"^\s*([A-Za-z_]\w*)\s*[-+*/]?=(?!=)", str(code), re.M)}
            if written & depends:
                raise NotSupported("StateMonitor %r records the subexpression %r, which reads %s, written by "
                                   "%r before the monitor in the 'start' slot: the modelc device evaluates "
                                   "recorded subexpressions before that slot (give the run_regularly "
                                   "when='end' or the monitor a lower order, or record the variables)"
                                   % (M.name, name, ", ".join(sorted(written & depends)), obj.name))

    def document(self, name):
        groups, synapses, inputs, monitors = [], [], [], []
        self.owner_docs = {}
        for obj in self.objects:
            if isinstance(obj, (NeuronGroup, PoissonGroup, SpikeGeneratorGroup)) and not isinstance(obj, Subgroup):
                groups.append(self.neuron_group(obj))
                self.owner_docs[obj.name] = groups[-1]
            elif isinstance(obj, Synapses):
                synapses.append(self.synapses(obj))
                self.owner_docs[obj.name] = synapses[-1]
        for obj in self.objects:  # monitors after the groups: they may add recorded subexpressions
            if isinstance(obj, (NeuronGroup, PoissonGroup, SpikeGeneratorGroup, Synapses)):
                continue
            elif isinstance(obj, PoissonInput):
                inputs.append(self.poisson_input(obj))
            elif isinstance(obj, (EventMonitor, StateMonitor, PopulationRateMonitor)):
                monitors.append(self.monitor(obj))
            elif isinstance(obj, Subgroup):
                continue
            else:
                raise NotSupported("%r (a %s) is not supported by the modelc device"
                                   % (getattr(obj, "name", obj), type(obj).__name__))
        if not groups:
            raise NotSupported("the network has no NeuronGroup")
        doc = {"modelc_ir": 2, "name": name,
               "simulation": {"dt": quantity_text(self.dt, second.dim),
                              "duration": "0 * second", "seed": int(self.seed), "precision": self.precision}}
        if self.timed_arrays:
            doc["timed_arrays"] = self.timed_arrays
        doc["neuron_groups"] = groups
        if synapses:
            doc["synapses"] = synapses
        if inputs:
            doc["poisson_inputs"] = inputs
        if monitors:
            doc["monitors"] = monitors
        return doc

