"""Translate a modelc IR v1 or v2 model (docs/ir.md, docs/ir-v2.md) into the text of a Brian2 script.

Only the subset of the IR used by the golden models is supported: parameters,
constants, neuron groups (equations, threshold, reset, refractory, method,
initial, group constants), synapse groups (on_pre, homogeneous delay,
connect by p / condition / rule / explicit pairs, initial, slices) and the
three monitor kinds; and from IR v2: ``timed_arrays``, ``poisson_inputs``,
Poisson and spike-generator groups, custom ``events``, ``run_regularly``,
``links``, synaptic ODEs / summed variables (passed to Brian2 unchanged),
``method``, ``on_post``, the compiler hints ``connectivity`` and
``delay_buffering`` (results do not depend on them: not passed on),
pathways (``on_pre``/``on_post`` objects, ``on_event``), homogeneous /
heterogeneous / per-pathway delays, the v2 ``connect`` forms, array initial
values, ``{"npy": ...}`` arrays, spike monitor ``variables``, event monitors
and state monitors of synapse groups.  Anything else raises ``UnsupportedModel`` rather than being silently ignored.

Scheduling (docs/ir-v2.md, "Schedule"): the IR's defaults are Brian2's
(custom events are detected in ``after_thresholds`` and their code runs in
``after_resets``; summed variables are computed in ``groups`` before the
target's state update; ``(constant over dt)`` subexpressions in
``before_start``), except that ``run_regularly`` operations in the ``start``
slot default to ``order=-1`` so that they run before the state monitors record
(Brian2 would otherwise order them by object name), and the summed-variable
updaters of slice targets get their parent group's order - 1 (Brian2's
Subgroup order would tie them with the target's state updater). Given ``when`` / ``order``
fields (inline on run_regularly, monitors and PoissonInputs; ``schedule``
objects of neuron groups, events and synapse groups; group ``order``) are
passed to Brian2 as its ``when`` / ``order`` arguments or attributes.
run_regularly operations get Brian2's default names (``G_run_regularly``,
``G_run_regularly_1``, ...), which modelc uses to break ties as Brian2 does.

The output is Python source text, not live objects, so that the exact Brian2
script behind a golden file can be stored next to its results.  Constant
expressions (parameters, constants, sizes, slice bounds, delays, constant
connection probabilities, times) are evaluated here, with Brian2's units,
and written into the script as exact SI literals (``repr`` of the float, so
they round-trip bit for bit) followed by the original IR text as a comment.
Per-element code (equations, threshold, reset, initial values, conditions)
is passed to Brian2 unchanged, except that a number followed by whitespace
and a unit name (``"0 mV"``) becomes a product (``"0*mV"``) as docs/ir.md
specifies.

The generated script defines ``DT``, ``DURATION`` and
``build(seed_value) -> (net, groups, monitors)``, where ``groups`` maps group
names to Brian2 groups and ``monitors`` maps monitor names to
``(kind, brian2_monitor, indices)`` with ``indices`` ``None`` for "all".
"""

import json
import re
from pathlib import Path

import brian2
import numpy as np
from brian2.units.fundamentalunits import DIMENSIONLESS, Unit, get_dimensions, get_unit

TRANSLATOR_VERSION = "4"  # 3 + 3: slice-target summed order and Brian2 run_regularly names, together

_UNITS = {name: value for name, value in vars(brian2).items() if isinstance(value, Unit)}
_FUNCTIONS = {
    "exp": np.exp, "log": np.log, "log10": np.log10, "sqrt": np.sqrt, "abs": abs,
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "sinh": np.sinh, "cosh": np.cosh,
    "tanh": np.tanh, "arcsin": np.arcsin, "arccos": np.arccos, "arctan": np.arctan,
    "floor": np.floor, "ceil": np.ceil, "clip": np.clip, "sign": np.sign, "int": int,
    "pi": np.pi, "e": np.e, "inf": np.inf,
}
_METHOD_ALIASES = {"linear": "exact"}
_PYTHON_KEYWORDS = {"and", "or", "not", "if", "else", "in", "is"}
_NUMBER_THEN_NAME = re.compile(
    r"(?<![\w.])(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)\s+([A-Za-z_]\w*)")
_SLICE = re.compile(r"^\s*([A-Za-z]\w*)\s*(?:\[([^\[\]:]*):([^\[\]:]*)\])?\s*$")


class UnsupportedModel(ValueError):
    """The model uses IR features this translator does not handle."""


def juxtaposed_units_to_products(code):
    """Rewrite ``"10 ms"`` as ``"10*ms"`` (a number followed by a unit name)."""
    def replace(match):
        number, name = match.groups()
        if name in _UNITS and name not in _PYTHON_KEYWORDS:
            return f"{number}*{name}"
        return match.group(0)
    return _NUMBER_THEN_NAME.sub(replace, code)


def quantity_literal(value):
    """Python source for a number or Quantity that round-trips exactly."""
    if isinstance(value, (bool, np.bool_)):
        return repr(bool(value))
    if isinstance(value, (int, np.integer)):
        return repr(int(value))
    dims = get_dimensions(value)
    number = repr(float(np.asarray(value)))
    if dims is DIMENSIONLESS:
        return number
    return f"{number} * {_unit_source(dims)}"


_BASE_UNITS = ("metre", "kilogram", "second", "amp", "kelvin", "mole", "candela")


def _unit_source(dims):
    """Python source (valid after ``from brian2 import *``) for the SI unit of ``dims``."""
    name = repr(get_unit(dims))
    if isinstance(getattr(brian2, name, None), Unit):
        return name
    factors = [base if power == 1 else f"{base}**{power:g}"
               for base, power in zip(_BASE_UNITS, dims._dims) if power != 0]
    return "(" + " * ".join(factors) + ")"


class ConstantScope:
    """Names known at model level (parameters, constants) with their values."""

    def __init__(self, values=None):
        self.values = dict(values or {})

    def child(self):
        return ConstantScope(self.values)

    def evaluate(self, source, where):
        """Evaluate a quantity (number or constant-expression string)."""
        if isinstance(source, (int, float)):
            return source
        env = dict(_UNITS)
        env.update(_FUNCTIONS)
        env.update(self.values)
        try:
            return eval(juxtaposed_units_to_products(source), {"__builtins__": {}}, env)
        except Exception as exc:  # noqa: BLE001 - re-raised with the location
            raise UnsupportedModel(f"{where}: cannot evaluate {source!r}: {exc}") from exc

    def try_evaluate(self, source):
        """Like ``evaluate`` but returns None for per-element expressions."""
        try:
            return self.evaluate(source, "")
        except UnsupportedModel:
            return None

    def define_all(self, table, where):
        """Evaluate a name -> quantity table in order; returns [(name, value, source)]."""
        defined = []
        for name, source in (table or {}).items():
            value = self.evaluate(source, f"{where}/{name}")
            self.values[name] = value
            defined.append((name, value, source))
        return defined


def _check_fields(obj, allowed, where):
    unknown = set(obj) - set(allowed)
    if unknown:
        raise UnsupportedModel(f"{where}: unsupported fields {sorted(unknown)}")


def _equations_text(equations):
    if isinstance(equations, str):
        return equations.strip()
    return "\n".join(equations)


class _ScriptWriter:
    """Accumulates the indented body of ``build()``."""

    def __init__(self):
        self.lines = []

    def line(self, text=""):
        self.lines.append(("    " + text) if text else "")


def _dict_literal(defined):
    """``{name: literal,  # source}`` text for [(name, value, source)]."""
    entries = "".join(f"\n        {name!r}: {quantity_literal(value)},  # {source!r}"
                      for name, value, source in defined)
    return f"{{{entries}\n    }}" if entries else "{}"


def _namespace_literal(defined):
    """Model namespace extended by group-local constants."""
    return f"dict(namespace, **{_dict_literal(defined)})" if defined else "dict(namespace)"


_SCHEDULE_SLOTS = tuple(f"{prefix}{slot}"
                        for slot in ("start", "groups", "thresholds", "synapses", "resets", "end")
                        for prefix in ("before_", "", "after_"))
_TRIPLE = "'" * 3


def _is_array(value):
    return isinstance(value, list) or (isinstance(value, dict) and "npy" in value)


def _array_literal(values):
    """``np.array([...])`` source text whose numbers round-trip exactly."""
    values = np.asarray(values)
    if values.dtype == bool:
        return f"np.array({values.tolist()!r}, dtype=bool)"
    if np.issubdtype(values.dtype, np.integer):
        return f"np.array({values.tolist()!r}, dtype=np.int64)"
    flat = [float(x) for x in values.ravel()]
    if values.ndim == 1:
        return f"np.array({flat!r})"
    return f"np.array({flat!r}).reshape({list(values.shape)!r})"


def _with_dims(value, unit):
    """A plain number is in the SI unit ``unit``; quantities stay as they are."""
    if get_dimensions(value) is DIMENSIONLESS:
        return value * unit
    return value


class Translator:
    """Builds the Brian2 script text for one model document."""

    def __init__(self, model, label, base_dir=None):
        self.model = model
        self.label = label
        self.base_dir = Path(base_dir) if base_dir is not None else None
        self.version = model.get("modelc_ir")
        self.scope = ConstantScope()
        self.out = _ScriptWriter()
        self.group_sizes = {}
        self.synapse_names = set()
        self.deferred_links = []

    def v2(self, where, fields):
        """Fields that need IR v2 are an error in a v1 file."""
        if self.version != 2 and fields:
            raise UnsupportedModel(f"{where}: {sorted(fields)} need \"modelc_ir\": 2")

    # -- arrays -----------------------------------------------------------------------
    def array(self, value, where):
        """Numbers of an inline array or an ``{"npy": path}`` file (SI unless "unit")."""
        if isinstance(value, dict):
            _check_fields(value, {"npy", "unit"}, where)
            if self.base_dir is None:
                raise UnsupportedModel(f"{where}: npy arrays need the model file's directory")
            root = self.base_dir.resolve()
            path = (root / value["npy"]).resolve()
            if root not in path.parents:
                raise UnsupportedModel(f"{where}: {value['npy']!r} leaves the model directory")
            data = np.load(path, allow_pickle=False)
            if "unit" in value:
                data = data * float(self.scope.evaluate(f"1*{value['unit']}", where))
            return data
        return np.asarray(value)

    # -- scheduling -----------------------------------------------------------------
    def _order(self, value, where):
        return int(self.scope.evaluate(value, where)) if isinstance(value, str) else int(value)

    def when_order(self, spec, where):
        """(when, order) of an object with optional ``when`` / ``order`` fields (None = default)."""
        when = spec.get("when")
        if when is not None and when not in _SCHEDULE_SLOTS:
            raise UnsupportedModel(f"{where}/when: unknown slot {when!r}")
        order = spec.get("order")
        return when, (None if order is None else self._order(order, f"{where}/order"))

    def when_order_args(self, spec, where):
        """``, when=..., order=...`` for the given fields."""
        when, order = self.when_order(spec, where)
        return (f", when={when!r}" if when is not None else "") + \
               (f", order={order!r}" if order is not None else "")

    def set_schedule(self, obj, spec, where):
        """Assign ``when`` / ``order`` of an existing Brian2 object (source text ``obj``)."""
        _check_fields(spec, {"when", "order"}, where)
        when, order = self.when_order(spec, where)
        if when is not None:
            self.out.line(f"{obj}.when = {when!r}")
        if order is not None:
            self.out.line(f"{obj}.order = {order!r}")

    def schedule_entries(self, schedule, objects, where):
        """A ``schedule`` object: key -> {when, order}, applied to ``objects[key]``."""
        _check_fields(schedule, set(objects), where)
        for key, spec in schedule.items():
            self.set_schedule(objects[key], spec, f"{where}/{key}")

    # -- references -----------------------------------------------------------------
    def group_reference(self, ref, where, allow_synapses=False):
        """Python expression for a group or slice, e.g. ``P[0:3200]``."""
        if isinstance(ref, dict):
            group, start, stop = ref["group"], ref.get("start"), ref.get("stop")
        else:
            match = _SLICE.match(ref)
            if not match:
                raise UnsupportedModel(f"{where}: bad group reference {ref!r}")
            group, start, stop = match.groups()
        if allow_synapses and group in self.synapse_names and start is None and stop is None:
            return group
        if group not in self.group_sizes:
            raise UnsupportedModel(f"{where}: unknown group {group!r}")
        if start is None and stop is None:
            return group
        lo = 0 if start in (None, "") else int(self.scope.evaluate(start, where))
        hi = self.group_sizes[group] if stop in (None, "") else int(self.scope.evaluate(stop, where))
        return f"{group}[{lo}:{hi}]"

    # -- model parts ----------------------------------------------------------------
    def simulation(self):
        sim = self.model["simulation"]
        _check_fields(sim, {"dt", "duration", "seed", "precision"}, "/simulation")
        if sim.get("precision", "double") != "double":
            raise UnsupportedModel("/simulation/precision: only double is translated")
        dt_source = sim.get("dt", "0.1 ms")
        dt = self.scope.evaluate(dt_source, "/simulation/dt")
        duration = self.scope.evaluate(sim["duration"], "/simulation/duration")
        return dt, dt_source, duration, sim["duration"]

    def timed_arrays(self):
        for name, spec in (self.model.get("timed_arrays") or {}).items():
            where = f"/timed_arrays/{name}"
            _check_fields(spec, {"values", "dt", "unit"}, where)
            values = np.asarray(self.array(spec["values"], f"{where}/values"), dtype=float)
            dt = _with_dims(self.scope.evaluate(spec["dt"], f"{where}/dt"), brian2.second)
            unit = spec.get("unit", "1")
            unit_source = "1" if unit == "1" else juxtaposed_units_to_products(unit)
            self.out.line(f"{name} = TimedArray({_array_literal(values)} * ({unit_source}), "
                          f"dt={quantity_literal(dt)}, name={name!r})")
            self.out.line(f"namespace[{name!r}] = {name}")

    def neuron_group(self, index, group):
        where = f"/neuron_groups/{index}"
        v1_fields = {"name", "size", "equations", "constants", "threshold", "reset",
                     "refractory", "method", "initial"}
        v2_fields = {"kind", "rates", "indices", "times", "period", "events", "run_regularly",
                     "links", "order", "schedule"}
        _check_fields(group, v1_fields | v2_fields, where)
        self.v2(where, set(group) & v2_fields)
        name = group["name"]
        kind = group.get("kind", "neurons")
        size = int(self.scope.evaluate(group["size"], f"{where}/size"))
        self.group_sizes[name] = size
        local = self.scope.child()
        defined = local.define_all(group.get("constants"), f"{where}/constants")
        order_arg = (f", order={self._order(group['order'], f'{where}/order')!r}"
                     if "order" in group else "")
        schedule = group.get("schedule") or {}
        if kind == "poisson":
            _check_fields(group, {"name", "size", "kind", "rates", "constants", "order", "schedule"},
                          where)
            rates = group["rates"]
            value = local.try_evaluate(rates) if isinstance(rates, str) else rates
            if value is None:
                rates_source = repr(juxtaposed_units_to_products(rates))
            else:
                rates_source = quantity_literal(_with_dims(value, brian2.Hz))
            self.out.line(f"{name} = PoissonGroup({size}, rates={rates_source},  # {rates!r}")
            self.out.line(f"    namespace={_namespace_literal(defined)}{order_arg}, name={name!r})")
            self.schedule_entries(schedule, {"threshold": f"{name}.thresholder['spike']"},
                                  f"{where}/schedule")
            return
        if kind == "spike_generator":
            _check_fields(group, {"name", "size", "kind", "indices", "times", "period", "order",
                                  "schedule"}, where)
            indices = self.array(group["indices"], f"{where}/indices").astype(np.int64)
            times = np.asarray(self.array(group["times"], f"{where}/times"), dtype=float)
            period = _with_dims(local.evaluate(group.get("period", 0), f"{where}/period"),
                                brian2.second)
            self.out.line(f"{name} = SpikeGeneratorGroup({size},")
            self.out.line(f"    {_array_literal(indices)},")
            self.out.line(f"    {_array_literal(times)} * second,")
            self.out.line(f"    period={quantity_literal(period)}{order_arg},")
            self.out.line(f"    name={name!r})")
            # Brian2's SpikeGeneratorGroup is itself the operation that emits the spikes.
            self.schedule_entries(schedule, {"threshold": name}, f"{where}/schedule")
            return
        if kind != "neurons":
            raise UnsupportedModel(f"{where}/kind: unknown kind {kind!r}")
        equations = _equations_text(group.get("equations", []))
        args = [repr(size), f"{_TRIPLE}\n{equations}\n{_TRIPLE}"]
        if "threshold" in group:
            args.append(f"threshold={juxtaposed_units_to_products(group['threshold'])!r}")
        if "reset" in group:
            args.append(f"reset={juxtaposed_units_to_products(group['reset'])!r}")
        if "refractory" in group:
            refractory = group["refractory"]
            value = local.try_evaluate(refractory)
            if value is None:  # per-neuron time or boolean expression
                args.append(f"refractory={juxtaposed_units_to_products(refractory)!r}")
            else:
                args.append(f"refractory={quantity_literal(value)}")
        if "method" in group:
            args.append(f"method={_METHOD_ALIASES.get(group['method'], group['method'])!r}")
        events = group.get("events") or {}
        if events:
            conditions = {}
            for event, spec in events.items():
                _check_fields(spec, {"condition", "code", "refractory", "schedule"},
                              f"{where}/events/{event}")
                condition = juxtaposed_units_to_products(spec["condition"])
                if spec.get("refractory", False):
                    condition = f"({condition}) and not_refractory"
                conditions[event] = condition
            args.append(f"events={conditions!r}")
        self.out.line(f"{name} = NeuronGroup(")
        for arg in args:
            self.out.line(f"    {arg},")
        self.out.line(f"    namespace={_namespace_literal(defined)}{order_arg},")
        self.out.line(f"    name={name!r})")
        objects = {"state_update": f"{name}.state_updater",
                   "constant_over_dt": f"{name}.subexpression_updater"}
        if "threshold" in group:
            objects["threshold"] = f"{name}.thresholder['spike']"
        if "reset" in group:
            objects["reset"] = f"{name}.resetter['spike']"
        self.schedule_entries(schedule, objects, f"{where}/schedule")
        for event, spec in events.items():
            ew = f"{where}/events/{event}/schedule"
            event_schedule = spec.get("schedule") or {}
            _check_fields(event_schedule, {"condition", "code"}, ew)
            if "condition" in event_schedule:
                self.set_schedule(f"{name}.thresholder[{event!r}]", event_schedule["condition"],
                                  f"{ew}/condition")
            if spec.get("code"):
                # Brian2's default slot for run_on_event: 'after_resets'.
                code_schedule = event_schedule.get("code") or {}
                _check_fields(code_schedule, {"when", "order"}, f"{ew}/code")
                self.out.line(f"{name}.run_on_event({event!r}, "
                              f"{juxtaposed_units_to_products(spec['code'])!r}"
                              f"{self.when_order_args(code_schedule, f'{ew}/code')})")
        for k, op in enumerate(group.get("run_regularly") or []):
            w = f"{where}/run_regularly/{k}"
            _check_fields(op, {"code", "dt", "when", "order"}, w)
            when, order = self.when_order(op, w)
            when = when or "start"
            if order is None:
                order = -1 if when == "start" else 0
            dt_arg = ""
            if "dt" in op:
                op_dt = _with_dims(local.evaluate(op["dt"], f"{w}/dt"), brian2.second)
                dt_arg = f", dt={quantity_literal(op_dt)}"
            rr_name = f"{name}_run_regularly" + (f"_{k}" if k else "")
            self.out.line(f"{name}.run_regularly({juxtaposed_units_to_products(op['code'])!r}"
                          f"{dt_arg}, when={when!r}, order={order!r}, name={rr_name!r})")
        for variable, link in (group.get("links") or {}).items():
            w = f"{where}/links/{variable}"
            _check_fields(link, {"group", "variable", "index"}, w)
            self.deferred_links.append((name, variable, link, w))
        self._initial(name, group.get("initial"), f"{where}/initial")

    def links(self):
        for name, variable, link, where in self.deferred_links:
            if link["group"] not in self.group_sizes:
                raise UnsupportedModel(f"{where}/group: unknown group {link['group']!r}")
            index = link.get("index")
            if index is None:
                index_arg = ""
            elif isinstance(index, str):
                values = [int(eval(index, {"__builtins__": {}}, {"i": k, "int": int}))  # noqa: S307
                          for k in range(self.group_sizes[name])]
                index_arg = f", index={_array_literal(np.asarray(values, dtype=np.int64))}"
            else:
                values = self.array(index, f"{where}/index").astype(np.int64)
                index_arg = f", index={_array_literal(values)}"
            self.out.line(f"{name}.{variable} = linked_var({link['group']}, "
                          f"{link['variable']!r}{index_arg})")

    def synapse_group(self, index, syn):
        where = f"/synapses/{index}"
        v1_fields = {"name", "source", "target", "equations", "constants", "on_pre",
                     "delay", "connect", "initial"}
        v2_fields = {"method", "on_post", "on_event", "order", "schedule"}
        # Storage and delay-buffering choices of modelc: they do not change the results, so
        # Brian2 has nothing to be told.
        hints = {"connectivity", "delay_buffering"}
        _check_fields(syn, v1_fields | v2_fields | hints, where)
        self.v2(where, set(syn) & (v2_fields | {"delay_buffering"}))
        name = syn["name"]
        self.synapse_names.add(name)
        local = self.scope.child()
        defined = local.define_all(syn.get("constants"), f"{where}/constants")
        source = self.group_reference(syn["source"], f"{where}/source")
        target = self.group_reference(syn["target"], f"{where}/target")

        def code(field):
            value = syn[field]
            if isinstance(value, dict):
                self.v2(f"{where}/{field}", {f"{field} (pathway object)"})
                return {k: juxtaposed_units_to_products(v) for k, v in value.items()}
            return juxtaposed_units_to_products(value)

        on_pre = code("on_pre") if "on_pre" in syn else None
        on_post = code("on_post") if "on_post" in syn else None
        pre_paths = list(on_pre) if isinstance(on_pre, dict) else (["pre"] if on_pre else [])
        post_paths = list(on_post) if isinstance(on_post, dict) else (["post"] if on_post else [])
        # Homogeneous delays go to the constructor (Brian2 then stores one scalar delay for the
        # pathway); per-synapse delays (expressions, arrays) are set after connect().
        delay = syn.get("delay")
        if isinstance(delay, dict) and "npy" not in delay:
            self.v2(f"{where}/delay", {"delay (pathway object)"})
            delays = dict(delay)
        elif delay is None:
            delays = {}
        else:
            delays = {pre_paths[0] if pre_paths else "pre": delay}
        homogeneous, heterogeneous = {}, {}
        for path, value in delays.items():
            if path not in pre_paths + post_paths:
                raise UnsupportedModel(f"{where}/delay: unknown pathway {path!r}")
            if _is_array(value):
                self.v2(f"{where}/delay", {"delay (array)"})
                heterogeneous[path] = ("array", self.array(value, f"{where}/delay"))
                continue
            constant = local.try_evaluate(value) if isinstance(value, str) else value
            if constant is None:
                self.v2(f"{where}/delay", {"delay (expression)"})
                heterogeneous[path] = ("expr", juxtaposed_units_to_products(value))
            else:
                homogeneous[path] = (_with_dims(constant, brian2.second), value)
        self.out.line(f"{name} = Synapses(")
        self.out.line(f"    {source}, {target},")
        if syn.get("equations"):
            self.out.line(f"    model={_TRIPLE}\n{_equations_text(syn['equations'])}\n{_TRIPLE},")
        if on_pre is not None:
            self.out.line(f"    on_pre={on_pre!r},")
        if on_post is not None:
            self.out.line(f"    on_post={on_post!r},")
        if "on_event" in syn:
            unknown = set(syn["on_event"]) - set(pre_paths + post_paths)
            if unknown:
                raise UnsupportedModel(f"{where}/on_event: unknown pathways {sorted(unknown)}")
            self.out.line(f"    on_event={dict(syn['on_event'])!r},")
        if homogeneous:
            if list(homogeneous) == ["pre"] and not isinstance(delay, dict):
                value, text = homogeneous["pre"]
                self.out.line(f"    delay={quantity_literal(value)},  # {text!r}")
            else:
                entries = ", ".join(f"{p!r}: {quantity_literal(v)}"
                                    for p, (v, _) in homogeneous.items())
                self.out.line(f"    delay={{{entries}}},")
        if "method" in syn:
            self.out.line(f"    method={_METHOD_ALIASES.get(syn['method'], syn['method'])!r},")
        if "order" in syn:
            self.out.line(f"    order={self._order(syn['order'], f'{where}/order')!r},")
        self.out.line(f"    namespace={_namespace_literal(defined)},")
        self.out.line(f"    name={name!r})")
        schedule = syn.get("schedule") or {}
        sw = f"{where}/schedule"
        _check_fields(schedule, {"state_update", "pathways", "summed"}, sw)
        if "state_update" in schedule:
            self.set_schedule(f"{name}.state_updater", schedule["state_update"], f"{sw}/state_update")
        self.schedule_entries(schedule.get("pathways") or {},
                              {p: f"{name}.{p}" for p in pre_paths + post_paths}, f"{sw}/pathways")
        summed = schedule.get("summed") or {}
        self.schedule_entries(summed, {v: f"{name}.summed_updaters[{v!r}]" for v in summed},
                              f"{sw}/summed")
        self.out.line(f"{name}.connect({self._connect_args(syn['connect'], local, where)})")
        for path, (form, value) in heterogeneous.items():
            if form == "array":
                values = _array_literal(np.asarray(value, dtype=float))
                self.out.line(f"{name}.{path}.delay = {values} * second")
            else:
                self.out.line(f"{name}.{path}.delay = {value!r}")
        self._initial(name, syn.get("initial"), f"{where}/initial")
        self._summed_order(name, syn, target)

    def _summed_order(self, name, syn, target):
        """Pin the summed-variable updaters of a slice target before the target's state update.

        Brian2 gives a ``SummedVariableUpdater`` ``order = target.order - 1``, but a Subgroup's
        order is its parent's + 1, so for a slice target the updater ties with the parent's state
        updater in the ``groups`` slot and the object names decide which runs first (with
        ``G_stateupdater`` before ``Gap_summed_variable_...`` the target integrates with the
        previous step's sum).  modelc sums before every state update whatever the names
        (docs/ir-v2.md); ``order = parent.order - 1`` gives Brian2 that schedule.
        """
        if "[" not in target:
            return
        parent = target.split("[", 1)[0]
        equations = syn.get("equations") or []
        if isinstance(equations, str):
            equations = equations.splitlines()
        for line in equations:
            flags = re.search(r"\(([^()]*)\)\s*$", line)
            if flags and "summed" in (flag.strip() for flag in flags.group(1).split(",")):
                var = line.split("=", 1)[0].strip()
                self.out.line(f"{name}.summed_updaters[{var!r}].order = {parent}.order - 1"
                              "  # slice target: before the target's state update, as modelc")

    def _connect_args(self, connect, local, where):
        where = f"{where}/connect"
        if "rule" in connect:
            _check_fields(connect, {"rule"}, where)
            return {"one_to_one": "j='i'", "all_to_all": ""}[connect["rule"]]
        extra = []
        if "n" in connect:
            self.v2(where, {"n"})
            n = connect["n"]
            value = local.try_evaluate(n) if isinstance(n, str) else n
            extra.append(f"n={int(value)!r}" if value is not None
                         else f"n={juxtaposed_units_to_products(n)!r}")
        if "skip_if_invalid" in connect:
            self.v2(where, {"skip_if_invalid"})
            extra.append(f"skip_if_invalid={bool(connect['skip_if_invalid'])!r}")
        if isinstance(connect.get("j"), str):
            self.v2(where, {"j (generator)"})
            _check_fields(connect, {"j", "condition", "n", "skip_if_invalid"}, where)
            args = [f"j={juxtaposed_units_to_products(connect['j'])!r}"]
            if "condition" in connect:
                args.append(f"condition={juxtaposed_units_to_products(connect['condition'])!r}")
            return ", ".join(args + extra)
        if "i" in connect or "j" in connect:
            _check_fields(connect, {"i", "j", "n"}, where)
            if isinstance(connect["i"], list) and isinstance(connect["j"], list) and not extra:
                return f"i={list(connect['i'])!r}, j={list(connect['j'])!r}"
            i = self.array(connect["i"], f"{where}/i").astype(np.int64)
            j = self.array(connect["j"], f"{where}/j").astype(np.int64)
            return ", ".join([f"i={_array_literal(i)}", f"j={_array_literal(j)}"] + extra)
        _check_fields(connect, {"p", "condition", "n", "skip_if_invalid"}, where)
        args = []
        if "condition" in connect:
            args.append(f"condition={juxtaposed_units_to_products(connect['condition'])!r}")
        if "p" in connect:
            value = local.try_evaluate(connect["p"])
            if value is None:
                args.append(f"p={juxtaposed_units_to_products(connect['p'])!r}")
            else:
                args.append(f"p={quantity_literal(float(value))}")
        return ", ".join(args + extra)

    def _initial(self, owner, initial, where=""):
        for variable, value in (initial or {}).items():
            if isinstance(value, str):
                self.out.line(f"{owner}.{variable} = {juxtaposed_units_to_products(value)!r}")
            elif _is_array(value):
                self.v2(f"{where}/{variable}", {"initial (array)"})
                values = self.array(value, f"{where}/{variable}")
                self.out.line(f"{owner}.{variable}_[:] = {_array_literal(values)}")
            else:  # plain number in SI base units (or a boolean)
                self.out.line(f"{owner}.{variable}_[:] = {value!r}")

    def poisson_inputs(self):
        names = []
        for k, spec in enumerate(self.model.get("poisson_inputs") or []):
            where = f"/poisson_inputs/{k}"
            _check_fields(spec, {"name", "target", "variable", "N", "rate", "weight", "when", "order"},
                          where)
            name = spec["name"]
            target = self.group_reference(spec["target"], f"{where}/target")
            n = int(self.scope.evaluate(spec["N"], f"{where}/N"))
            rate = _with_dims(self.scope.evaluate(spec["rate"], f"{where}/rate"), brian2.Hz)
            weight = spec["weight"]
            value = self.scope.try_evaluate(weight) if isinstance(weight, str) else weight
            weight_source = (repr(juxtaposed_units_to_products(weight)) if value is None
                             else repr(quantity_literal(value)))
            self.out.line(f"{name} = PoissonInput({target}, {spec['variable']!r}, {n}, "
                          f"{quantity_literal(rate)}, weight={weight_source}"
                          f"{self.when_order_args(spec, where)})"
                          f"  # weight {weight!r}")
            names.append(name)
        return names

    def monitor(self, index, mon, dt):
        where = f"/monitors/{index}"
        _check_fields(mon, {"name", "kind", "source", "variables", "indices", "every", "event",
                            "when", "order"}, where)
        if "when" in mon or "order" in mon:
            self.v2(where, {"when/order (monitor)"})
        sched = self.when_order_args(mon, where)
        name, kind = mon["name"], mon["kind"]
        source = self.group_reference(mon["source"], f"{where}/source",
                                      allow_synapses=(kind == "state"))
        if source in self.synapse_names:
            self.v2(f"{where}/source", {"source (synapse group)"})
        indices = mon.get("indices", "all")
        indices = None if indices == "all" else list(indices)
        if kind == "spikes":
            if "variables" in mon:
                self.v2(where, {"variables (spike monitor)"})
                self.out.line(f"{name} = SpikeMonitor({source}, variables={mon['variables']!r}"
                              f"{sched}, name={name!r})")
            else:
                self.out.line(f"{name} = SpikeMonitor({source}{sched}, name={name!r})")
        elif kind == "events":
            self.v2(where, {"kind: events"})
            variables = mon.get("variables")
            var_arg = f", variables={variables!r}" if variables else ""
            self.out.line(f"{name} = EventMonitor({source}, {mon['event']!r}{var_arg}{sched}, "
                          f"name={name!r})")
        elif kind == "rate":
            if indices is not None:
                raise UnsupportedModel(f"{where}/indices: not supported for rate monitors")
            self.out.line(f"{name} = PopulationRateMonitor({source}{sched}, name={name!r})")
        elif kind == "state":
            every = mon.get("every", 1)
            if isinstance(every, int):
                every_dt = every * dt
            else:
                every_dt = self.scope.evaluate(every, f"{where}/every")
            record = "True" if indices is None else repr(indices)
            when, order = self.when_order(mon, where)
            order_arg = f", order={order!r}" if order is not None else ""
            self.out.line(f"{name} = StateMonitor({source}, {mon['variables']!r}, "
                          f"record={record}, dt={quantity_literal(every_dt)}, "
                          f"when={when or 'start'!r}{order_arg}, name={name!r})")
        else:
            raise UnsupportedModel(f"{where}/kind: unknown kind {kind!r}")
        return f"{name!r}: ({kind!r}, {name}, {indices!r})"

    # -- whole script ---------------------------------------------------------------
    def script(self):
        model = self.model
        v1_fields = {"modelc_ir", "name", "parameters", "simulation", "constants",
                     "neuron_groups", "synapses", "monitors"}
        v2_fields = {"timed_arrays", "poisson_inputs", "description"}
        _check_fields(model, v1_fields | v2_fields, "")
        if model.get("modelc_ir") not in (1, 2):
            raise UnsupportedModel("/modelc_ir: only versions 1 and 2 are supported")
        self.v2("", set(model) & (v2_fields - {"description"}))
        parameters = self.scope.define_all(model.get("parameters"), "/parameters")
        constants = self.scope.define_all(model.get("constants"), "/constants")
        dt, dt_source, duration, duration_source = self.simulation()

        self.out.line("seed(seed_value)")
        self.out.line("defaultclock.dt = DT")
        self.out.line(f"namespace = {_dict_literal(parameters + constants)}")
        self.timed_arrays()
        groups = []
        for index, group in enumerate(model["neuron_groups"]):
            self.neuron_group(index, group)
            groups.append(group["name"])
        self.links()
        synapses = []
        for index, syn in enumerate(model.get("synapses", [])):
            self.synapse_group(index, syn)
            synapses.append(syn["name"])
        inputs = self.poisson_inputs()
        monitor_entries = [self.monitor(index, mon, dt)
                           for index, mon in enumerate(model.get("monitors", []))]
        monitor_names = [mon["name"] for mon in model.get("monitors", [])]
        self.out.line(f"net = Network([{', '.join(groups + synapses + inputs + monitor_names)}])")
        # v1 scripts keep their exact previous text (the expected files store it).
        named = groups + (synapses if self.version == 2 else [])
        self.out.line(f"groups = {{{', '.join(f'{g!r}: {g}' for g in named)}}}")
        self.out.line(f"monitors = {{{', '.join(monitor_entries)}}}")
        self.out.line("return net, groups, monitors")

        version = self.version
        header = [
            f'"""Brian2 translation of {self.label} (modelc IR v{version}, model {model["name"]!r}).',
            "",
            f"Generated by tests/golden/modelc_to_brian2.py, translator version {TRANSLATOR_VERSION}.",
            '"""',
            "from brian2 import *",
            "",
            f"DT = {quantity_literal(dt)}  # {dt_source!r}",
            f"DURATION = {quantity_literal(duration)}  # {duration_source!r}",
            "",
            "",
            "def build(seed_value):",
            '    """Build the network; returns (net, groups, monitors)."""',
        ]
        return "\n".join(header + self.out.lines) + "\n"


def translate(model, label="<model>", base_dir=None):
    """Brian2 script text for a parsed modelc model document (``base_dir``: for npy arrays)."""
    return Translator(model, label, base_dir).script()


def translate_file(path, label=None):
    """Brian2 script text for a modelc model file."""
    path = Path(path)
    return translate(json.loads(path.read_text()), label or str(path), path.parent)


def load_script(script_text, filename="<modelc_to_brian2>"):
    """Execute a translated script; returns its module namespace (DT, DURATION, build)."""
    namespace = {"__name__": "modelc_brian2_model"}
    exec(compile(script_text, filename, "exec"), namespace)  # noqa: S102 - our own output
    return namespace
