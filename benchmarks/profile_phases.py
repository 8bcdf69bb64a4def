#!/usr/bin/env python3
"""Where the CPU backend's simulation time goes, against what this machine can do.

For each model and size, runs `modelc run` (1 thread, monitors removed) and splits simulate with
the module's own timers (mc_read_phases): ns per neuron-step of the neuron phase, ns per synaptic
event of the propagation phase (events = spikes x mean out-degree, as benchmarks/run.py counts
them), and the bytes per neuron-step the neuron kernels must move (state variables read and
written, from the kernel IR's buffers) converted into the bandwidth they achieve. Alongside, two
measurements of the machine: streaming bandwidth (a NumPy triad over arrays far larger than the
caches), dependent-load latency (a random pointer chase) and the vector multiply-add rate of one
core (benchmarks/flop_rate.c, built with the host compiler), so each phase can be put against the
limit that bounds it (docs/performance.md).

Writes benchmarks/results/phases.csv (through a temporary name) and phases.md, the table it prints.

Usage: benchmarks/profile_phases.py [--modelc build/modelc] [--out benchmarks/results/phases.csv]
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import benchmark_model, synaptic_events  # noqa: E402

ROOT = HERE.parent
POINTS = [("cuba", "N", 4000, 1.0), ("cuba", "N", 40000, 0.5), ("cobahh_uncoupled", "N", 40000, 0.1),
          ("brunel_hakim", "N", 40000, 0.2), ("brunel_hakim_hetero", "N", 40000, 0.2), ("stdp_network", "N", 1000, 1.0)]
COLUMNS = ["model", "size_param", "size", "neurons", "synapses", "duration_s", "steps", "simulate_s", "neurons_s",
           "propagation_s", "delays_s", "synapses_s", "monitors_s", "ns_per_neuron_step", "ns_per_event",
           "state_bytes_per_neuron_step", "neuron_phase_gb_s", "machine_triad_gb_s", "machine_latency_ns", "machine_double_gflops",
           "machine_float_gflops", "load_1min"]


def triad_bandwidth():
    """GB/s of a = b + s*c over 3 x 64 MiB arrays (24 bytes moved per element), best of 5."""
    import numpy as np
    n = 8 << 20
    a, b, c = np.zeros(n), np.ones(n), np.ones(n)
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        np.multiply(c, 3.0, out=a)
        np.add(a, b, out=a)
        best = min(best, time.perf_counter() - t0)
    # multiply then add: reads c, writes a, reads a and b, writes a = 5 streams of 8 bytes
    return 5 * 8 * n / best / 1e9


def chase_latency():
    """ns per dependent load over a random cyclic permutation of 256 MiB (past every cache)."""
    import numpy as np
    n = 32 << 20
    order = np.random.default_rng(1).permutation(n)
    nxt = np.empty(n, dtype=np.int64)
    nxt[order] = np.roll(order, -1)
    steps = 2_000_000
    code = "i = 0\nfor _ in range(steps):\n    i = nxt[i]\n"
    # Python overhead per step is about 60 ns; measured on a cached array and subtracted.
    small = nxt[:1024] % 1024
    t0 = time.perf_counter()
    exec(code, {"nxt": small, "steps": steps})
    overhead = time.perf_counter() - t0
    t0 = time.perf_counter()
    exec(code, {"nxt": nxt, "steps": steps})
    return max(0.0, (time.perf_counter() - t0 - overhead) / steps * 1e9)


def flop_rate(tmp):
    """Double and float GFLOP/s of one core's vector FMA units (benchmarks/flop_rate.c)."""
    exe = Path(tmp) / "flop_rate"
    cc = os.environ.get("CC", "cc")
    subprocess.run([cc, "-O2", "-march=native", "-ffp-contract=fast", str(HERE / "flop_rate.c"), "-o", str(exe)], check=True)
    return json.loads(subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout)


def state_bytes(model_path, modelc, env):
    """Bytes of per-neuron state per neuron-step: every neuron buffer the step touches, read + written."""
    r = subprocess.run([modelc, "check", model_path, "--print-after=plan-partition"], capture_output=True, text=True, env=env)
    total = 0
    for line in r.stdout.splitlines():
        # buffer v_P_v : double[4000] (state of P.v, volt)
        if line.startswith("buffer ") and "(state of" in line and "synapses]" not in line:
            typ = line.split(":")[1].strip().split("[")[0]
            size = {"double": 8, "float": 4, "bool": 1, "int32": 4, "int64": 8}.get(typ, 8)
            total += 2 * size
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--modelc", default=str(ROOT / "build" / "modelc"))
    ap.add_argument("--out", default=str(HERE / "results" / "phases.csv"))
    args = ap.parse_args()
    bw, lat = triad_bandwidth(), chase_latency()
    rows = []
    with tempfile.TemporaryDirectory(prefix="modelc-phases-") as tmp:
        flops = flop_rate(tmp)
        env = dict(os.environ, MODELC_CACHE_DIR=str(Path(tmp) / "cache"), TMPDIR=tmp)
        for model, param, size, duration in POINTS:
            path = Path(tmp) / f"{model}.json"
            path.write_text(json.dumps(benchmark_model(model, param, size, duration, "double")))
            best = None
            for _ in range(3):
                r = subprocess.run([args.modelc, "run", str(path), "-q", "-o", f"{tmp}/res", "--force", "--threads", "1"],
                                   capture_output=True, text=True, env=env)
                if r.returncode != 0:
                    print(f"{model}: {r.stderr.strip()[-300:]}", file=sys.stderr)
                    return 1
                m = json.loads(Path(f"{tmp}/res/manifest.json").read_text())
                if best is None or m["timings"]["simulate"] < best["timings"]["simulate"]:
                    best = m
            ph = best.get("phases", {})
            neurons = sum(p["size"] for p in best["populations"])
            spikes = {p["name"]: p["spikes"] for p in best["populations"]}
            sizes = {p["name"]: p["size"] for p in best["populations"]}
            events = synaptic_events(best["synapse_groups"], spikes, sizes)
            steps = best["steps"]
            sb = state_bytes(str(path), args.modelc, env)
            nsn = ph.get("neurons", 0) / (neurons * steps) * 1e9
            rows.append({"model": model, "size_param": param, "size": size, "neurons": neurons,
                         "synapses": sum(g["synapses"] for g in best["synapse_groups"]), "duration_s": duration,
                         "steps": steps, "simulate_s": best["timings"]["simulate"],
                         **{f"{k}_s": ph.get(k, 0) for k in ("neurons", "propagation", "delays", "synapses", "monitors")},
                         "ns_per_neuron_step": nsn,
                         "ns_per_event": (ph.get("propagation", 0) + ph.get("delays", 0)) / events * 1e9 if events else "",
                         "state_bytes_per_neuron_step": sb,
                         "neuron_phase_gb_s": sb / nsn if nsn else "", "machine_triad_gb_s": bw,
                         "machine_latency_ns": lat, "machine_double_gflops": flops["double_gflops"],
                         "machine_float_gflops": flops["float_gflops"], "load_1min": os.getloadavg()[0]})
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = out.with_name(out.name + ".tmp")
    with open(tmp_out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    tmp_out.replace(out)
    lines = [f"machine: triad {bw:.1f} GB/s, dependent load {lat:.0f} ns, vector FMA {flops['double_gflops']:.0f} GFLOP/s "
             f"double / {flops['float_gflops']:.0f} float per core (load average {os.getloadavg()[0]:.1f})", "",
             "| model | N | synapses | ns / neuron-step | state B / neuron-step | neuron phase GB/s | ns / synaptic event | share neurons / propagation |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        tot = sum(r[f"{k}_s"] for k in ("neurons", "propagation", "delays", "synapses", "monitors")) or 1
        ev = f"{r['ns_per_event']:.2f}" if r["ns_per_event"] != "" else "-"
        lines.append(f"| {r['model']} | {r['neurons']} | {r['synapses']} | {r['ns_per_neuron_step']:.2f} | "
                     f"{r['state_bytes_per_neuron_step']} | {r['neuron_phase_gb_s']:.1f} | {ev} | "
                     f"{100 * r['neurons_s'] / tot:.0f}% / {100 * (r['propagation_s'] + r['delays_s']) / tot:.0f}% |")
    print("\n".join(lines))
    out.with_suffix(".md").write_text("Made by `benchmarks/profile_phases.py` (1 thread, best of 3).\n\n" + "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
