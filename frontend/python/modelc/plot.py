"""The plots users want first, of a Simulation or a results directory (docs/results.md):
``raster`` (spike monitors), ``rates`` (rate monitors, smoothed), ``traces`` (state monitors), and
``figure`` (all of them, what ``python -m modelc plot RESULTS_DIR`` writes). matplotlib is an
optional dependency, imported on first use. Each function draws into ``ax`` (a new figure's axes
when None) and returns the axes."""
import json
import os
from pathlib import Path

import numpy as np


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise ImportError("modelc.plot needs matplotlib (pip install matplotlib, or Debian's "
                          "python3-matplotlib)") from e
    return plt


class _Recorded:
    """One monitor's arrays, from a Simulation or a results directory."""

    def __init__(self, name, kind, t, i=None, rate=None, indices=None, values=None, units=None):
        self.name, self.kind, self.t, self.i, self.rate = name, kind, t, i, rate
        self.indices, self.values, self.units = indices, values or {}, units or {}


def _from_results(directory):
    directory = Path(directory)
    manifest_path = directory / "manifest.json"
    if not manifest_path.is_file():
        raise FileNotFoundError("%s is not a modelc results directory (no manifest.json)" % directory)
    manifest = json.loads(manifest_path.read_text())
    fields = {}
    for file, meta in manifest["arrays"].items():
        fields.setdefault(meta["monitor"], {})[meta["field"]] = (directory / file, meta)
    monitors = {}
    for name, f in sorted(fields.items()):
        load = lambda key: np.load(f[key][0]) if key in f else None  # noqa: E731
        if "rate" in f:
            monitors[name] = _Recorded(name, "rate", load("t"), rate=load("rate"))
        elif "i" in f:
            monitors[name] = _Recorded(name, "spikes", load("t"), i=load("i"))
        elif "indices" in f:
            vars_ = [k for k in f if k not in ("t", "indices", "steps")]
            monitors[name] = _Recorded(name, "state", load("t"), indices=load("indices"),
                                       values={k: load(k) for k in vars_},
                                       units={k: f[k][1].get("unit", "") for k in vars_})
    title = "%s on %s" % (manifest.get("model", "?"), manifest.get("backend", "?"))
    duration = manifest.get("duration") or manifest["steps"] * manifest["dt"]
    return monitors, manifest["dt"], duration, title


def _from_simulation(sim):
    monitors = {}
    for name in sim.monitors:
        m = sim.monitors[name]
        monitors[name] = _Recorded(name, m.kind, m.t, i=m.i, rate=m.rate, indices=m.indices,
                                   values=dict(m.values), units=dict(m.units))
    return monitors, sim.dt, sim.t, "%s on %s" % (sim.info["model_name"], sim.info["backend"])


def _source(src):
    if isinstance(src, (str, os.PathLike)):
        return _from_results(src)
    if hasattr(src, "monitors") and hasattr(src, "info"):
        return _from_simulation(src)
    raise TypeError("plot a modelc.Simulation or a results directory, not %s" % type(src).__name__)


def _pick(monitors, kind, monitor):
    if monitor is not None:
        if monitor not in monitors or monitors[monitor].kind != kind:
            raise KeyError("no %s monitor %r (the %s monitors: %s)" % (
                kind, monitor, kind, ", ".join(n for n, m in monitors.items() if m.kind == kind) or "none"))
        return monitors[monitor]
    for m in monitors.values():
        if m.kind == kind:
            return m
    raise KeyError("no %s monitor to plot (monitors: %s)" % (kind, ", ".join(monitors) or "none"))


def _axes(ax):
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(9, 3))
    return ax


def raster(src, monitor=None, ax=None):
    """A spike raster of ``monitor`` (the first spike monitor when None)."""
    monitors, _, duration, _ = _source(src)
    m = _pick(monitors, "spikes", monitor)
    ax = _axes(ax)
    ax.plot(m.t, m.i, ",k" if len(m.t) > 20000 else ".k", markersize=2)
    ax.set_xlim(0, duration)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("neuron")
    ax.set_title("%s: %d spikes" % (m.name, len(m.t)), fontsize=9)
    return ax


def rates(src, monitor=None, window=5e-3, ax=None):
    """The population rate of ``monitor`` (the first rate monitor), smoothed over ``window`` seconds
    (a flat window, as Brian2's smooth_rate)."""
    monitors, dt, duration, _ = _source(src)
    m = _pick(monitors, "rate", monitor)
    width = max(1, int(round(window / dt)))
    smooth = np.convolve(m.rate, np.ones(width) / width, mode="same") if len(m.rate) else m.rate
    ax = _axes(ax)
    ax.plot(m.t, smooth, "b-", linewidth=0.8)
    ax.set_xlim(0, duration)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("rate (Hz)")
    mean = float(np.mean(m.rate)) if len(m.rate) else 0.0
    ax.set_title("%s: population rate, mean %.2f Hz (%g ms window)" % (m.name, mean, window * 1e3), fontsize=9)
    return ax


def traces(src, monitor=None, variable=None, max_traces=5, ax=None):
    """The recorded traces of a state monitor (the first when None): ``variable`` (the first when
    None) of up to ``max_traces`` recorded neurons or synapses."""
    monitors, _, duration, _ = _source(src)
    m = _pick(monitors, "state", monitor)
    if not m.values:
        raise KeyError("state monitor %r recorded no variables" % m.name)
    var = variable if variable is not None else next(iter(m.values))
    if var not in m.values:
        raise KeyError("state monitor %r records %s, not %r" % (m.name, ", ".join(m.values), var))
    values = m.values[var]
    ax = _axes(ax)
    columns = values.shape[1] if values.ndim == 2 else 1
    for c in range(min(columns, max_traces)):
        label = "%s[%s]" % (var, m.indices[c] if m.indices is not None and len(m.indices) > c else c)
        ax.plot(m.t, values[:, c] if values.ndim == 2 else values, linewidth=0.8, label=label)
    ax.set_xlim(0, duration)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("%s (%s)" % (var, m.units.get(var, "")))
    ax.legend(fontsize=7, loc="upper right")
    ax.set_title("%s: state" % m.name, fontsize=9)
    return ax


def figure(src):
    """One panel per monitor (raster, rate, traces), as a matplotlib Figure."""
    monitors, _, _, title = _source(src)
    plt = _pyplot()
    panels = [m for m in monitors.values() if m.kind in ("spikes", "rate", "state")]
    fig, axes = plt.subplots(max(1, len(panels)), 1, figsize=(9, 2.6 * max(1, len(panels))), squeeze=False)
    draw = {"spikes": raster, "rate": rates, "state": traces}
    for ax, m in zip(axes[:, 0], panels):
        draw[m.kind](src, monitor=m.name, ax=ax)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def save(src, out=None, formats=("png",)):
    """Writes figure(src) next to a results directory (results/cuba -> results/cuba.png; never into
    it: the directory holds only what modelc writes). Returns the paths written."""
    if out is None:
        if not isinstance(src, (str, os.PathLike)):
            raise ValueError("give out= when plotting a Simulation")
        base = Path(src)
        outs = [base.with_name(base.name + "." + f) for f in formats]
    else:
        outs = [Path(out)]
    fig = figure(src)
    for path in outs:
        tmp = path.with_name(path.name + ".tmp" + path.suffix)
        fig.savefig(tmp, dpi=110)
        os.replace(tmp, path)
    _pyplot().close(fig)
    return outs
