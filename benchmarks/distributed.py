#!/usr/bin/env python3
"""Scaling of distributed runs on this machine: 1 vs 2 ranks (MPI processes, 1 thread each).

For CUBA and Brunel-Hakim at 40k-200k neurons and the Potjans-Diesmann microcircuit, runs
`modelc run --ranks R` (mpirun underneath) and records per point: simulate and construct times,
the speed-up over one rank, exchange windows, bytes each rank received per window, the seconds the
ranks spent in the exchange (max over ranks) and its share of simulate, and whether the spike
counts equal the one-rank run's (they must: distributed runs are bit-identical, docs/distributed.md).

One machine with 2 cores is the smallest possible cluster: the point is the cost of the exchange
against the computation it splits, measured; docs/distributed.md extrapolates to many nodes.

Writes benchmarks/results/distributed.csv (through a temporary name), distributed.md and
distributed_scaling.{png,svg}.

Usage: benchmarks/distributed.py [--modelc build/modelc] [--out-dir benchmarks/results] [--quick]
"""
import argparse
import csv
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from measured_process import run_measured  # noqa: E402
from run import benchmark_model  # noqa: E402

ROOT = HERE.parent
COLUMNS = ["model", "size_param", "size", "neurons", "synapses", "duration_s", "ranks", "threads_per_rank",
           "status", "reason", "simulate_s", "construct_s", "speedup_vs_1_rank", "windows", "window_steps",
           "bytes_received_per_window", "comm_s", "comm_share", "spikes", "spikes_equal_1_rank", "load_1min"]
# (model, size parameter, sizes, duration s); --quick: the first size of each only, shorter.
POINTS = [("cuba", "N", [40000, 200000], 0.2), ("brunel_hakim", "N", [40000, 100000], 0.1),
          ("potjans_diesmann", "scale", [0.1, 0.25], 0.1)]


def load():
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def run_point(args, model, size_param, size, duration, workdir):
    doc = benchmark_model(model, size_param, size, duration, "double")
    path = workdir / f"{model}_{size}.json"
    path.write_text(json.dumps(doc))
    env = dict(os.environ, MODELC_CACHE_DIR=str(workdir / "cache"), TMPDIR=str(workdir),
               OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")
    rows, one = [], None
    for ranks in (1, 2):
        row = {"model": model, "size_param": size_param, "size": size, "duration_s": duration, "ranks": ranks,
               "threads_per_rank": 1, "load_1min": load()}
        out = workdir / f"res-{model}-{size}-{ranks}"
        cmd = [args.modelc, "run", path, "-q", "-o", out, "--force", "--threads", "1"]
        if ranks > 1:
            cmd += ["--ranks", str(ranks)]
        sims, manifest = [], None
        for _ in range(args.repeats):
            r = run_measured(cmd, env=env, timeout=args.timeout)
            if r["rc"] != 0:
                row.update(status="failed", reason=("timed out" if r["timed_out"] else r["stderr"].strip()[-300:]))
                break
            m = json.loads((out / "manifest.json").read_text())
            sims.append(m["timings"]["simulate"])
            if manifest is None or m["timings"]["simulate"] <= min(sims):
                manifest = m
        if manifest is None:
            rows.append(row)
            continue
        spikes = sum(p["spikes"] for p in manifest["populations"])
        ex = manifest.get("exchange", [])
        windows = max((x["windows"] for x in ex), default=0)
        received = statistics.mean(x["bytes_received"] for x in ex) if ex else 0
        comm = max((x["comm_seconds"] for x in ex), default=0.0)
        sim = min(sims)
        steps = manifest["steps"]
        row.update(status="ok", neurons=sum(p["size"] for p in manifest["populations"]),
                   synapses=sum(g["synapses"] for g in manifest["synapse_groups"]), simulate_s=sim,
                   construct_s=manifest["timings"]["construct"], windows=windows,
                   window_steps=steps / windows if windows else "",
                   bytes_received_per_window=received / windows if windows else "", comm_s=comm,
                   comm_share=comm / sim if sim else "", spikes=spikes)
        if ranks == 1:
            one = row
        elif one:
            row["speedup_vs_1_rank"] = one["simulate_s"] / sim
            row["spikes_equal_1_rank"] = spikes == one["spikes"]
        rows.append(row)
    return rows


def write_csv(rows, path):
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in COLUMNS})
    tmp.replace(path)


def write_report(rows, out_dir, command):
    lines = ["# Distributed runs: 1 vs 2 ranks on one 2-core machine", "",
             f"Made by `{command}`. One thread per rank; times are the best of the repeats. The spike",
             "counts of 2 ranks must equal 1 rank's (distributed runs are bit-identical). `comm share`: the",
             "slowest rank's seconds inside the allgather (waiting for the other rank included) over simulate;",
             "`load`: the 1-minute load average when the point ran (2 cores).", "",
             "| model | size | neurons | synapses | 1 rank s | 2 ranks s | speed-up | windows | bytes/rank/window | comm share | spikes equal | load |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if r["ranks"] != 2:
            continue
        one = next((x for x in rows if x["model"] == r["model"] and x["size"] == r["size"] and x["ranks"] == 1), {})
        if r.get("status") != "ok":
            lines.append(f"| {r['model']} | {r['size']} | | | {one.get('simulate_s', '')} | failed: {r.get('reason', '')[:80]} | | | | | | |")
            continue
        lines.append(f"| {r['model']} | {r['size']} | {r['neurons']} | {r['synapses']} | {one.get('simulate_s', 0):.3f} | "
                     f"{r['simulate_s']:.3f} | {r.get('speedup_vs_1_rank', 0):.2f} | {r['windows']} | "
                     f"{r['bytes_received_per_window']:.0f} | {100 * r['comm_share']:.1f}% | {r.get('spikes_equal_1_rank')} | "
                     f"{r['load_1min']:.1f} |")
    (out_dir / "distributed.md").write_text("\n".join(lines) + "\n")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    labels, speedups, shares = [], [], []
    for r in rows:
        if r["ranks"] == 2 and r.get("status") == "ok":
            labels.append(f"{r['model']}\n{r['size_param']}={r['size']}")
            speedups.append(r.get("speedup_vs_1_rank", 0))
            shares.append(100 * r["comm_share"])
    x = range(len(labels))
    ax.bar(x, speedups, color="tab:blue", label="speed-up, 2 ranks over 1")
    ax.axhline(2.0, color="grey", ls="--", lw=0.8, label="ideal")
    ax.set_xticks(list(x), labels, fontsize=7)
    ax.set_ylabel("speed-up")
    ax2 = ax.twinx()
    ax2.plot(list(x), shares, "o-", color="tab:red", label="exchange share of simulate (%)")
    ax2.set_ylabel("exchange share (%)")
    fig.legend(loc="upper right", fontsize=7)
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(out_dir / f"distributed_scaling.{ext}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--modelc", default=str(ROOT / "build" / "modelc"))
    ap.add_argument("--out-dir", default=str(HERE / "results"))
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--quick", action="store_true", help="first size of each model, 1 repeat (checks the script)")
    args = ap.parse_args()
    if args.quick:
        args.repeats = 1
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="modelc-dist-bench-") as tmp:
        for model, size_param, sizes, duration in POINTS:
            for size in sizes[:1] if args.quick else sizes:
                got = run_point(args, model, size_param, size, duration / (4 if args.quick else 1), Path(tmp))
                for r in got:
                    print(f"{model:18s} {size_param}={size:<8} ranks={r['ranks']} {r.get('status')} "
                          f"sim={r.get('simulate_s', '')} comm={r.get('comm_s', '')} {r.get('reason', '')[:120]}",
                          flush=True)
                rows += got
    name = "distributed_quick" if args.quick else "distributed"
    write_csv(rows, out_dir / f"{name}.csv")
    if not args.quick:
        write_report(rows, out_dir, "benchmarks/distributed.py")
    bad = [r for r in rows if r["ranks"] == 2 and r.get("status") == "ok" and not r.get("spikes_equal_1_rank")]
    return 1 if bad or any(r.get("status") != "ok" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
