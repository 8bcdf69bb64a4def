#!/usr/bin/env python3
"""Plots a modelc results directory: a spike raster per spike monitor, the population rate per rate
monitor (smoothed over 5 ms, as Brian2's smooth_rate) and the traces of every state monitor.

The figure goes next to the directory (`results/cuba` -> `results/cuba.png`), never into it: a
results directory holds only what modelc writes, so that a later run may replace it (docs/results.md).
Written to a temporary name and renamed when complete.

Usage: /usr/bin/python3 tools/plot_results.py RESULTS_DIR [--out FILE.png]
"""
import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np


def by_monitor(manifest):
    monitors = {}
    for file, meta in manifest["arrays"].items():
        monitors.setdefault(meta["monitor"], {})[meta["field"]] = (file, meta)
    return monitors


def kind_of(fields):
    if "rate" in fields:
        return "rate"
    if "i" in fields:
        return "spikes"
    if "indices" in fields:
        return "state"
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", type=Path)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    manifest = json.loads((args.results / "manifest.json").read_text())
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot_results: matplotlib is missing (Debian: python3-matplotlib); no plot", file=sys.stderr)
        return 1
    monitors = by_monitor(manifest)
    panels = [(name, kind_of(f), f) for name, f in sorted(monitors.items()) if kind_of(f)]
    if not panels:
        print("plot_results: the results have no monitors to plot")
        return 0
    duration = manifest.get("duration") or manifest["steps"] * manifest["dt"]
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 2.6 * len(panels)), sharex=True, squeeze=False)
    load = lambda fields, key: np.load(args.results / fields[key][0])  # noqa: E731
    for ax, (name, kind, fields) in zip(axes[:, 0], panels):
        if kind == "spikes":
            t, i = load(fields, "t"), load(fields, "i")
            ax.plot(t, i, ",k" if len(t) > 20000 else ".k", markersize=2)
            ax.set_ylabel("neuron")
            ax.set_title(f"{name}: {len(t)} spikes", fontsize=9)
        elif kind == "rate":
            t, r = load(fields, "t"), load(fields, "rate")
            dt = manifest["dt"]
            width = max(1, int(round(5e-3 / dt)))
            smooth = np.convolve(r, np.ones(width) / width, mode="same")
            ax.plot(t, smooth, "b-", linewidth=0.8)
            ax.set_ylabel("rate (Hz)")
            ax.set_title(f"{name}: population rate, mean {r.mean():.2f} Hz (5 ms window)", fontsize=9)
        else:
            t = load(fields, "t")
            columns = load(fields, "indices")
            for field, (file, meta) in sorted(fields.items()):
                if field in ("t", "indices"):
                    continue
                values = np.load(args.results / file)
                for c in range(min(values.shape[1] if values.ndim == 2 else 1, 5)):
                    ax.plot(t, values[:, c] if values.ndim == 2 else values, linewidth=0.8,
                            label=f"{field}[{columns[c]}]")
                ax.set_ylabel(f"{field} ({meta['unit']})")
            ax.legend(fontsize=7, loc="upper right")
            ax.set_title(f"{name}: state", fontsize=9)
    axes[-1, 0].set_xlabel("time (s)")
    axes[-1, 0].set_xlim(0, duration)
    fig.suptitle(f"{manifest['model']} on {manifest['backend']}", fontsize=10)
    fig.tight_layout()
    out = args.out or args.results.with_suffix(".png")
    tmp = out.with_name(out.name + ".tmp.png")
    fig.savefig(tmp, dpi=110)
    os.replace(tmp, out)
    print(f"plot written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
