"""Translate a modelc IR v1 model (docs/ir.md) into the text of a Brian2 script.

Only the subset of the IR used by the golden models is supported: parameters,
constants, neuron groups (equations, threshold, reset, refractory, method,
initial, group constants), synapse groups (on_pre, homogeneous delay,
connect by p / condition / rule / explicit pairs, initial, slices) and the
three monitor kinds.  Anything else raises ``UnsupportedModel`` rather than
being silently ignored.

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

TRANSLATOR_VERSION = "1"

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


class Translator:
    """Builds the Brian2 script text for one model document."""

    def __init__(self, model, label):
        self.model = model
        self.label = label
        self.scope = ConstantScope()
        self.out = _ScriptWriter()
        self.group_sizes = {}

    # -- references -----------------------------------------------------------------
    def group_reference(self, ref, where):
        """Python expression for a group or slice, e.g. ``P[0:3200]``."""
        if isinstance(ref, dict):
            group, start, stop = ref["group"], ref.get("start"), ref.get("stop")
        else:
            match = _SLICE.match(ref)
            if not match:
                raise UnsupportedModel(f"{where}: bad group reference {ref!r}")
            group, start, stop = match.groups()
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

    def neuron_group(self, index, group):
        where = f"/neuron_groups/{index}"
        _check_fields(group, {"name", "size", "equations", "constants", "threshold", "reset",
                              "refractory", "method", "initial"}, where)
        name = group["name"]
        size = int(self.scope.evaluate(group["size"], f"{where}/size"))
        self.group_sizes[name] = size
        local = self.scope.child()
        defined = local.define_all(group.get("constants"), f"{where}/constants")
        args = [repr(size), f"'''\n{_equations_text(group.get('equations', []))}\n'''"]
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
        self.out.line(f"{name} = NeuronGroup(")
        for arg in args:
            self.out.line(f"    {arg},")
        self.out.line(f"    namespace={_namespace_literal(defined)},")
        self.out.line(f"    name={name!r})")
        self._initial(name, group.get("initial"))

    def synapse_group(self, index, syn):
        where = f"/synapses/{index}"
        _check_fields(syn, {"name", "source", "target", "equations", "constants", "on_pre",
                            "delay", "connect", "initial"}, where)
        name = syn["name"]
        local = self.scope.child()
        defined = local.define_all(syn.get("constants"), f"{where}/constants")
        source = self.group_reference(syn["source"], f"{where}/source")
        target = self.group_reference(syn["target"], f"{where}/target")
        self.out.line(f"{name} = Synapses(")
        self.out.line(f"    {source}, {target},")
        if syn.get("equations"):
            self.out.line(f"    model='''\n{_equations_text(syn['equations'])}\n''',")
        self.out.line(f"    on_pre={juxtaposed_units_to_products(syn['on_pre'])!r},")
        if "delay" in syn:
            delay = local.evaluate(syn["delay"], f"{where}/delay")
            self.out.line(f"    delay={quantity_literal(delay)},  # {syn['delay']!r}")
        self.out.line(f"    namespace={_namespace_literal(defined)},")
        self.out.line(f"    name={name!r})")
        self.out.line(f"{name}.connect({self._connect_args(syn['connect'], local, where)})")
        self._initial(name, syn.get("initial"))

    def _connect_args(self, connect, local, where):
        where = f"{where}/connect"
        if "rule" in connect:
            _check_fields(connect, {"rule"}, where)
            return {"one_to_one": "j='i'", "all_to_all": ""}[connect["rule"]]
        if "i" in connect or "j" in connect:
            _check_fields(connect, {"i", "j"}, where)
            return f"i={list(connect['i'])!r}, j={list(connect['j'])!r}"
        _check_fields(connect, {"p", "condition"}, where)
        args = []
        if "condition" in connect:
            args.append(f"condition={juxtaposed_units_to_products(connect['condition'])!r}")
        if "p" in connect:
            value = local.try_evaluate(connect["p"])
            if value is None:
                args.append(f"p={juxtaposed_units_to_products(connect['p'])!r}")
            else:
                args.append(f"p={quantity_literal(float(value))}")
        return ", ".join(args)

    def _initial(self, owner, initial):
        for variable, value in (initial or {}).items():
            if isinstance(value, str):
                self.out.line(f"{owner}.{variable} = {juxtaposed_units_to_products(value)!r}")
            else:  # plain number in SI base units (or a boolean)
                self.out.line(f"{owner}.{variable}_[:] = {value!r}")

    def monitor(self, index, mon, dt):
        where = f"/monitors/{index}"
        _check_fields(mon, {"name", "kind", "source", "variables", "indices", "every"}, where)
        name, kind = mon["name"], mon["kind"]
        source = self.group_reference(mon["source"], f"{where}/source")
        indices = mon.get("indices", "all")
        indices = None if indices == "all" else list(indices)
        if kind == "spikes":
            self.out.line(f"{name} = SpikeMonitor({source}, name={name!r})")
        elif kind == "rate":
            if indices is not None:
                raise UnsupportedModel(f"{where}/indices: not supported for rate monitors")
            self.out.line(f"{name} = PopulationRateMonitor({source}, name={name!r})")
        elif kind == "state":
            every = mon.get("every", 1)
            if isinstance(every, int):
                every_dt = every * dt
            else:
                every_dt = self.scope.evaluate(every, f"{where}/every")
            record = "True" if indices is None else repr(indices)
            self.out.line(f"{name} = StateMonitor({source}, {mon['variables']!r}, "
                          f"record={record}, dt={quantity_literal(every_dt)}, "
                          f"when='start', name={name!r})")
        else:
            raise UnsupportedModel(f"{where}/kind: unknown kind {kind!r}")
        return f"{name!r}: ({kind!r}, {name}, {indices!r})"

    # -- whole script ---------------------------------------------------------------
    def script(self):
        model = self.model
        _check_fields(model, {"modelc_ir", "name", "parameters", "simulation", "constants",
                              "neuron_groups", "synapses", "monitors"}, "")
        if model.get("modelc_ir") != 1:
            raise UnsupportedModel("/modelc_ir: only version 1 is supported")
        parameters = self.scope.define_all(model.get("parameters"), "/parameters")
        constants = self.scope.define_all(model.get("constants"), "/constants")
        dt, dt_source, duration, duration_source = self.simulation()

        self.out.line("seed(seed_value)")
        self.out.line("defaultclock.dt = DT")
        self.out.line(f"namespace = {_dict_literal(parameters + constants)}")
        groups = []
        for index, group in enumerate(model["neuron_groups"]):
            self.neuron_group(index, group)
            groups.append(group["name"])
        synapses = []
        for index, syn in enumerate(model.get("synapses", [])):
            self.synapse_group(index, syn)
            synapses.append(syn["name"])
        monitor_entries = [self.monitor(index, mon, dt)
                           for index, mon in enumerate(model.get("monitors", []))]
        monitor_names = [mon["name"] for mon in model.get("monitors", [])]
        self.out.line(f"net = Network([{', '.join(groups + synapses + monitor_names)}])")
        self.out.line(f"groups = {{{', '.join(f'{g!r}: {g}' for g in groups)}}}")
        self.out.line(f"monitors = {{{', '.join(monitor_entries)}}}")
        self.out.line("return net, groups, monitors")

        header = [
            f'"""Brian2 translation of {self.label} (modelc IR v1, model {model["name"]!r}).',
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


def translate(model, label="<model>"):
    """Brian2 script text for a parsed modelc model document."""
    return Translator(model, label).script()


def translate_file(path, label=None):
    """Brian2 script text for a modelc model file."""
    path = Path(path)
    return translate(json.loads(path.read_text()), label or str(path))


def load_script(script_text, filename="<modelc_to_brian2>"):
    """Execute a translated script; returns its module namespace (DT, DURATION, build)."""
    namespace = {"__name__": "modelc_brian2_model"}
    exec(compile(script_text, filename, "exec"), namespace)  # noqa: S102 - our own output
    return namespace
