#!/usr/bin/env python3
"""Plots and the Markdown summary of a benchmarks/run.py CSV (benchmarks/results/<scan>.csv).

  <scan>_time_vs_n.png/.svg         simulation time per biological second vs number of neurons,
                                    log-log, one panel per model, one line per simulator / backend
                                    / threads / precision (the Brian2CUDA paper's figures)
  <scan>_speedup_vs_brian2.png/.svg the same runs as speedup over Brian2 cpp_standalone 1 thread
  <scan>.md                         machine, load, versions, the ratio table, modelc against
                                    itself (threads, precision, OpenCL vs CPU, phase split), every
                                    row, the missing peers with their reasons

Usage: benchmarks/bench_report.py benchmarks/results/full.csv   (run.py calls it at the end)
"""
import csv
import json
import math
import sys
from pathlib import Path

LABELS = {"modelc": "modelc", "brian2-cpp_standalone": "Brian2 C++", "brian2-cython": "Brian2 cython",
          "nest": "NEST"}


def load(csv_path):
    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        for k in ("size", "neurons", "synapses", "duration_s", "simulate_s", "construct_s", "compile_s",
                  "codegen_s", "realtime_factor", "synaptic_events_per_s", "neuron_updates_per_s",
                  "peak_rss_mib", "brian2_1t_over_this", "brian2_over_this", "brian2_cython_over_this",
                  "nest_over_this", "simulate_median_s", "sim_neurons_s", "sim_propagation_s", "sim_delays_s",
                  "sim_synapses_s", "sim_monitors_s", "sim_exchange_s"):
            r[k] = float(r[k]) if r.get(k) not in (None, "") else None
    return rows


def series_name(r):
    name = LABELS.get(r["simulator"], r["simulator"])
    if r["simulator"] == "modelc":
        name += f" {r['backend']}"
    if r["threads"] and r["backend"] != "opencl" and r["simulator"] != "brian2-cython":
        name += f" {r['threads']}t" + (" (OpenMP)" if r["simulator"] == "brian2-cpp_standalone" and r["threads"] != "1" else "")
    if r["precision"] != "double":
        name += f" {r['precision']}"
    return name


def models_in(rows):
    seen = []
    for r in rows:
        if r["model"] not in seen:
            seen.append(r["model"])
    return seen


def plot(rows, out_stem, value, ylabel, title, reference_line=None):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    models = models_in(rows)
    cols = min(4, len(models))
    nrows = math.ceil(len(models) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(4.2 * cols, 3.4 * nrows), squeeze=False)
    names = sorted({series_name(r) for r in rows})
    cmap = plt.get_cmap("tab20")
    colors = {n: cmap(k % 20) for k, n in enumerate(names)}
    for ax, model in zip(axes.flat, models):
        series = {}
        for r in rows:
            if r["model"] == model and r["status"] == "ok" and r["neurons"] and value(r):
                series.setdefault(series_name(r), []).append((r["neurons"], value(r)))
        for name, pts in sorted(series.items()):
            pts.sort()
            style = "-o" if name.startswith("modelc") else "--s"
            ax.plot([p[0] for p in pts], [p[1] for p in pts], style, ms=3.5, lw=1.2, label=name, color=colors[name])
        if reference_line is not None:
            ax.axhline(reference_line, color="grey", lw=0.8, ls=":")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(model, fontsize=10)
        ax.set_xlabel("neurons")
        ax.set_ylabel(ylabel, fontsize=8)
        ax.grid(True, which="major", alpha=0.3)
        if series:
            ax.legend(fontsize=6, loc="best")
    for ax in list(axes.flat)[len(models):]:
        ax.axis("off")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    written = []
    for ext in ("png", "svg"):
        path = Path(f"{out_stem}.{ext}")
        tmp = path.with_name(path.stem + ".tmp." + ext)
        fig.savefig(tmp, dpi=110)
        tmp.replace(path)
        written.append(path)
    plt.close(fig)
    return written


def num(v, digits=3):
    if v is None:
        return ""
    if abs(v) >= 1e5 or (0 < abs(v) < 1e-3):
        return f"{v:.2e}"
    return f"{v:.{digits}g}"


def geomean(values):
    values = [v for v in values if v]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def modelc_rows(rows, backend="cpu"):
    return {(r["model"], r["size"], r["precision"], r["threads"]): r for r in rows
            if r["simulator"] == "modelc" and r["backend"] == backend and r["status"] == "ok"}


def self_comparison(rows):
    """modelc against itself in the same run: what issue 14's goals are stated in."""
    cpu, ocl = modelc_rows(rows), modelc_rows(rows, "opencl")
    lines = ["", "## modelc against itself (same run)", "",
             "| model | size | 2 threads vs 1 | float vs double (1 thread) | OpenCL / CPU 2 threads | "
             "neurons / propagation / delays (1 thread) | construct s (2 threads) | simulate s per biological s (2 threads) |",
             "|---|---|---|---|---|---|---|---|"]
    for (model, size, precision, threads), r in cpu.items():
        if precision != "double" or threads != "1":
            continue
        two = cpu.get((model, size, "double", "2"))
        flt = cpu.get((model, size, "float", "1"))
        dev = ocl.get((model, size, "double", ocl_threads(ocl, model, size)))
        phases = [r.get(f"sim_{k}_s") or 0 for k in ("neurons", "propagation", "delays")]
        total = sum(r.get(f"sim_{k}_s") or 0 for k in ("neurons", "propagation", "delays", "synapses", "monitors",
                                                         "exchange"))
        split = " / ".join(f"{100 * x / total:.0f}%" for x in phases) if total else ""
        lines.append(f"| {model} | {r['size_param']}={num(r['size'])} | "
                     f"{num(r['simulate_s'] / two['simulate_s']) if two else ''} | "
                     f"{num(r['simulate_s'] / flt['simulate_s']) if flt else ''} | "
                     f"{num(dev['simulate_s'] / two['simulate_s']) if dev and two else ''} | {split} | "
                     f"{num(two['construct_s']) if two else ''} | {num(two['simulate_s'] / r['duration_s']) if two else ''} |")
    return lines


def ocl_threads(ocl, model, size):
    """The OpenCL row's threads column (the device's, not a CPU thread count)."""
    for (m, s, p, t) in ocl:
        if m == model and s == size and p == "double":
            return t
    return None


def summary(rows, meta, out_md, figures):
    lines = [f"# Benchmark scan `{meta.get('scan')}`", ""]
    lines.append(f"Command: `{meta.get('command')}` (from the repository root).")
    lines.append("")
    m = meta.get("machine", {})
    lines.append(f"- machine: {m.get('cpu')}, {m.get('cores')} cores, {m.get('mem_gib', 0):.0f} GiB; "
                 f"started {meta.get('started')}, finished {meta.get('finished')} "
                 f"({meta.get('wall_s', 0) / 60:.1f} min)")
    ls, le = meta.get("load_start") or [0, 0, 0], meta.get("load_end") or [0, 0, 0]
    lines.append(f"- load average (1 min): {ls[0]:.2f} at the start, {le[0]:.2f} at the end, mean "
                 f"{num(meta.get('load_mean'))} / max {num(meta.get('load_max'))} after each point. The machine "
                 "is shared (other sessions build): read ratios, not seconds.")
    lines.append(f"- modelc: {meta.get('modelc')}; Brian2: {meta.get('brian2')}; NEST: {meta.get('nest')}; "
                 f"OpenCL device: {'yes' if meta.get('opencl') else 'no'}; modelc repeats per point: "
                 f"{meta.get('repeats')} (best simulate kept)")
    lines.append("- simulate = the simulation loop only; construct = network construction; compile = code "
                 "generation + host compiler (modelc), code generation + make (Brian2 cpp_standalone), Cython "
                 "compilation (Brian2 runtime); realtime factor = biological time / simulate.")
    lines.append("- per-phase: modelc reports parse / passes / codegen / compile / construct / simulate, and the "
                 "CPU module's own timers (sampled every 8th step) split simulate into neurons / propagation / "
                 "delays / synapses / monitors / exchange (columns `sim_*_s`); backends without timers say so in "
                 "`phases`. NEST's kernel counters are recorded for NEST rows.")
    lines.append("- synaptic events = sum over synapse groups of synapses x spikes per source neuron "
                 "(an estimate for slice sources); neuron updates = neurons (every group) x steps.")
    lines.append("")
    for f in figures:
        if f.suffix == ".png":
            lines.append(f"![{f.stem}]({f.name})")
    lines.append("")
    lines.append("## Ratios (peer simulate time / modelc cpu simulate time, same model, size, threads, precision)")
    lines.append("")
    lines.append("| model | size | neurons | synapses | precision | threads | modelc s | Brian2 C++ / modelc | "
                 "NEST / modelc | Brian2 cython / modelc | Brian2 C++ 1t / modelc |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|")
    mc = [r for r in rows if r["simulator"] == "modelc" and r["backend"] == "cpu" and r["status"] == "ok"]
    for r in mc:
        lines.append(f"| {r['model']} | {r['size_param']}={num(r['size'])} | {int(r['neurons'])} | "
                     f"{num(r['synapses'])} | {r['precision']} | {r['threads']} | {num(r['simulate_s'])} | "
                     f"{num(r['brian2_over_this'])} | {num(r['nest_over_this'])} | "
                     f"{num(r['brian2_cython_over_this']) if r['threads'] == '1' else ''} | {num(r['brian2_1t_over_this'])} |")
    lines.append("")
    for threads in ("1", "2"):
        for peer, col in (("Brian2 C++", "brian2_over_this"), ("NEST", "nest_over_this")):
            vals = [r[col] for r in mc if r["threads"] == threads and r["precision"] == "double" and r[col]]
            if vals:
                lines.append(f"- {peer} / modelc, {threads} thread(s), double: geometric mean "
                             f"{num(geomean(vals))} over {len(vals)} points, min {num(min(vals))}, max {num(max(vals))}")
    lines += self_comparison(rows)
    lines.append("")
    lines.append("## Every row")
    lines.append("")
    lines.append("| model | size | simulator | backend | prec. | threads | status | compile s | construct s | "
                 "simulate s | realtime x | syn. events/s | neuron upd./s | peak MiB |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if r["status"] == "missing":
            continue
        lines.append(f"| {r['model']} | {num(r['size'])} | {LABELS.get(r['simulator'], r['simulator'])} | {r['backend']} | "
                     f"{r['precision']} | {r['threads']} | {r['status']} | {num(r['compile_s'])} | "
                     f"{num(r['construct_s'])} | {num(r['simulate_s'])} | {num(r['realtime_factor'])} | "
                     f"{num(r['synaptic_events_per_s'])} | {num(r['neuron_updates_per_s'])} | {num(r['peak_rss_mib'])} |")
    lines.append("")
    failed = [r for r in rows if r["status"] == "failed"]
    if failed:
        lines.append("## Failed runs")
        lines.append("")
        for r in failed:
            lines.append(f"- {r['model']} {r['size_param']}={num(r['size'])} {r['simulator']} {r['backend']} "
                         f"{r['threads']}t: {r['reason']}")
        lines.append("")
    missing = {}
    for r in rows:
        if r["status"] == "missing":
            missing.setdefault((r["simulator"], r["reason"]), []).append(f"{r['model']}@{num(r['size'])}")
    if missing:
        lines.append("## Not run (recorded as `missing` in the CSV)")
        lines.append("")
        for (sim, reason), where in sorted(missing.items()):
            shown = sorted(set(where))
            lines.append(f"- {LABELS.get(sim, sim)}: {reason} ({', '.join(shown[:8])}{' ...' if len(shown) > 8 else ''})")
        lines.append("")
    tmp = out_md.with_name(out_md.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.replace(out_md)
    return out_md


def report(csv_path, meta=None):
    csv_path = Path(csv_path)
    if meta is None:
        meta_path = csv_path.with_suffix(".meta.json")
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else {"scan": csv_path.stem}
    rows = load(csv_path)
    stem = csv_path.with_suffix("")
    figures = []
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("bench_report: matplotlib is missing (Debian: python3-matplotlib): no plots", file=sys.stderr)
    else:
        figures += plot(rows, f"{stem}_time_vs_n", lambda r: r["simulate_s"] / r["duration_s"],
                        "simulate s per biological s", "Simulation time per biological second (log-log)",
                        reference_line=1.0)
        figures += plot(rows, f"{stem}_speedup_vs_brian2", lambda r: r["brian2_1t_over_this"],
                        "speedup over Brian2 C++ 1 thread", "Speedup over Brian2 cpp_standalone, 1 thread",
                        reference_line=1.0)
    return figures + [summary(rows, meta, stem.with_suffix(".md"), figures)]


if __name__ == "__main__":
    for p in report(sys.argv[1]):
        print(f"wrote {p}")
