#!/usr/bin/env python3
"""Benchmark: modelc's CPU backend against Brian2's cpp_standalone device, measured in the same run.

Both run the same model file (examples/<model>.json with N and the duration overridden and the
monitors removed, as in the Brian2CUDA benchmark study). Brian2 is built from that file by the
golden-file translator (tests/golden/modelc_to_brian2.py), so the two cannot drift apart. Each
measurement runs in a fresh process; both compile cold (modelc gets an empty build cache).

Writes a CSV (default benchmarks/results/vs_brian2.csv) with one row per (model, N, peer) and the
ratio Brian2 / modelc for the simulation loop and for compile + build. Timings on shared machines
are noisy: read the ratios, not the absolute seconds.

With --baseline-modelc PATH a second modelc binary (an earlier commit's build) runs each point
too, interleaved with the current one, as the peer "modelc-cpu-baseline": the before/after check
of a change that must not make the generated code slower.

Usage: /usr/bin/python3 benchmarks/vs_brian2.py [--models cuba,cobahh] [--sizes 4000,40000]
                                                [--duration 1] [--threads 1] [--repeats 1]
                                                [--baseline-modelc other/build/modelc]
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

ROOT = Path(__file__).resolve().parent.parent


def write_csv(rows, out):
    """Writes the rows (dicts with the same keys) to `out` through a temporary name: never half a file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = out.with_suffix(".csv.tmp")
    with tmp_out.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        writer.writerows(rows)
    tmp_out.replace(out)
    print(f"wrote {out}")


def benchmark_model(model_name, n, duration):
    model = json.loads((ROOT / "examples" / f"{model_name}.json").read_text())
    model.setdefault("parameters", {})["N"] = n
    model["simulation"]["duration"] = f"{duration} second"
    model["monitors"] = []
    model["name"] = f"{model_name}_bench"
    return model


def run_modelc(modelc, model_path, threads, workdir):
    workdir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, MODELC_CACHE_DIR=str(workdir / "modelc-cache"))
    out = workdir / "modelc-results"
    started = time.perf_counter()
    subprocess.run([str(modelc), "run", str(model_path), "-o", str(out), "-q", "--threads", str(threads)],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    manifest = json.loads((out / "manifest.json").read_text())
    t = manifest["timings"]
    spikes = sum(p["spikes"] for p in manifest["populations"])
    return {"compile_s": t.get("codegen", 0) + t.get("compile", 0), "construct_s": t.get("construct", 0),
            "simulate_s": t["simulate"], "wall_s": wall, "spikes": spikes}


BRIAN2_CHILD = r'''
import json, sys, time, warnings
warnings.filterwarnings("ignore")
sys.path.insert(0, sys.argv[1])
from modelc_to_brian2 import translate_file, load_script
import brian2
from brian2 import set_device, device, prefs
workdir, model_path, threads = sys.argv[2], sys.argv[3], int(sys.argv[4])
set_device("cpp_standalone", directory=workdir + "/brian2", build_on_run=False)
prefs.devices.cpp_standalone.openmp_threads = threads if threads > 1 else 0
script = load_script(translate_file(model_path))
net, groups, monitors = script["build"](1)
counters = {name: brian2.SpikeMonitor(g, record=False) for name, g in groups.items() if hasattr(g, "spikes") or "spike" in getattr(g, "events", {})}
for m in counters.values():
    net.add(m)
net.run(script["DURATION"])
started = time.perf_counter()
device.build(directory=workdir + "/brian2", compile=True, run=True, debug=False)
wall = time.perf_counter() - started
print(json.dumps({"simulate_s": device._last_run_time, "wall_s": wall,
                  "spikes": int(sum(int(m.num_spikes) for m in counters.values()))}))
'''


def run_brian2(model_path, threads, workdir):
    proc = subprocess.run(["/usr/bin/python3", "-c", BRIAN2_CHILD, str(ROOT / "tests" / "golden"), str(workdir),
                           str(model_path), str(threads)], check=True, capture_output=True, text=True)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    # cpp_standalone's wall time covers code generation, make, synapse creation and the run.
    result["compile_s"] = result["wall_s"] - result["simulate_s"]
    result["construct_s"] = ""
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="cuba,cobahh")
    parser.add_argument("--sizes", default="4000")
    parser.add_argument("--duration", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=1, help="modelc runs per point (best is kept)")
    parser.add_argument("--modelc", type=Path, default=ROOT / "build" / "modelc")
    parser.add_argument("--baseline-modelc", type=Path, help="an earlier build, measured in the same run")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "vs_brian2.csv")
    args = parser.parse_args(argv)

    rows = []
    for model_name in args.models.split(","):
        for n in (int(x) for x in args.sizes.split(",")):
            with tempfile.TemporaryDirectory(prefix="modelc-bench-") as tmp:
                workdir = Path(tmp)
                model_path = workdir / f"{model_name}_{n}.json"
                model_path.write_text(json.dumps(benchmark_model(model_name, n, args.duration), indent=1))
                runs, baseline_runs = [], []
                for _ in range(args.repeats):
                    runs.append(run_modelc(args.modelc, model_path, args.threads, workdir / "current"))
                    if args.baseline_modelc:
                        baseline_runs.append(run_modelc(args.baseline_modelc, model_path, args.threads,
                                                        workdir / "baseline"))
                mc = min(runs, key=lambda r: r["simulate_s"])
                b2 = run_brian2(model_path, args.threads, workdir)
            peers = [("modelc-cpu", mc), ("brian2-cpp_standalone", b2)]
            if baseline_runs:
                bl = min(baseline_runs, key=lambda r: r["simulate_s"])
                peers.append(("modelc-cpu-baseline", bl))
                print(f"{model_name:8s} N={n:6d}  simulate: baseline / current modelc = "
                      f"{bl['simulate_s'] / mc['simulate_s']:.3f}   spikes {bl['spikes']} vs {mc['spikes']}", flush=True)
            for peer, r in peers:
                rows.append({"model": model_name, "N": n, "duration_s": args.duration, "threads": args.threads,
                             "peer": peer, "compile_s": round(r["compile_s"], 3),
                             "construct_s": r["construct_s"] if r["construct_s"] == "" else round(r["construct_s"], 3),
                             "simulate_s": round(r["simulate_s"], 4), "spikes": r["spikes"],
                             "simulate_ratio_brian2_over_modelc": round(b2["simulate_s"] / mc["simulate_s"], 2),
                             "build_ratio_brian2_over_modelc": round(b2["compile_s"] / max(mc["compile_s"] + mc["construct_s"], 1e-9), 2)})
            print(f"{model_name:8s} N={n:6d}  simulate: modelc {mc['simulate_s']:.3f} s, Brian2 {b2['simulate_s']:.3f} s "
                  f"(Brian2/modelc = {b2['simulate_s'] / mc['simulate_s']:.2f})   build: modelc "
                  f"{mc['compile_s'] + mc['construct_s']:.2f} s, Brian2 {b2['compile_s']:.2f} s   "
                  f"spikes {mc['spikes']} vs {b2['spikes']}", flush=True)
    write_csv(rows, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
