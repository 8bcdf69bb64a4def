#!/usr/bin/env python3
"""Benchmark: the strategy passes (connectivity, delay buffering, kernel fusion), each on vs off.

For each model (CUBA, Brunel-Hakim, Brunel-Hakim with heterogeneous delays) and size (N = 4000 and
40000, same seed, one thread), runs modelc on the CPU backend with:
  all                      the default pipeline (every pass on)
  -<pass>                  the default with --disable-pass <pass>: what that pass buys
  connectivity=<storage>   the storage forced through the model's "connectivity" override
  delay=<strategy>         heterogeneous-delay buffering forced through "delay_buffering"
  O0                       no kernel-IR optimisation and no strategy pass at all
Each configuration is built once untimed (the host compiler would dominate the peak memory); the
timed runs hit modelc's build cache and record simulate seconds, peak resident memory of the modelc
process (GNU time: state, connectivity, spike buffers, monitors and the runtime itself), kernel
launches per step (manifest), and a hash of the recorded spike trains, so the CSV says whether a
configuration changed the results (it must not, except where a strategy reassociates sums; see
docs/passes.md). Writes benchmarks/results/strategies.csv with time_over_all = time(config) /
time(all): > 1 means what was turned off helps; rss_over_all likewise for memory.

Usage: /usr/bin/python3 benchmarks/strategies_bench.py [--models cuba,brunel_hakim,brunel_hakim_hetero]
           [--sizes 4000,40000] [--duration 0.5] [--duration-large 0.1] [--repeats 1] [--threads 1]
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vs_brian2  # noqa: E402  (write_csv)

ROOT = vs_brian2.ROOT

STRATEGY_PASSES = ["choose-connectivity", "choose-delay-buffering", "fuse-neuron-kernels", "fuse-synaptic-propagation",
                   "merge-neuron-groups"]
STORAGES = ["sparse", "dense", "bitmask", "procedural"]
DELAY_STRATEGIES = ["queues", "dendritic"]


def bench_model(model_name, n, duration):
    """The example with N neurons, a spike monitor on every group (for the spike hash) and no other monitor."""
    model = json.loads((ROOT / "examples" / f"{model_name}.json").read_text())
    model.setdefault("parameters", {})["N"] = n
    model["simulation"]["duration"] = f"{duration} second"
    model["name"] = f"{model_name}_bench"
    model["monitors"] = [{"name": f"spikes_{g['name']}", "kind": "spikes", "source": g["name"]}
                         for g in model.get("neuron_groups", [])]
    return model


def configs(hetero):
    """(name, extra CLI args, model edit or None); `hetero`: the model has heterogeneous delays."""
    out = [("all", [], None)]
    out += [(f"-{p}", ["--disable-pass", p], None) for p in STRATEGY_PASSES]
    for storage in STORAGES:
        out.append((f"connectivity={storage}", [], ("connectivity", storage)))
    if hetero:
        for strategy in DELAY_STRATEGIES:
            out.append((f"delay={strategy}", [], ("delay_buffering", strategy)))
    out.append(("O0", ["-O0"], None))
    return out


def spike_hash(results_dir):
    h = hashlib.sha1()
    for f in sorted(results_dir.glob("spikes_*.npy")):
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


def run_modelc(modelc, model_path, threads, workdir, extra):
    env = dict(os.environ, MODELC_CACHE_DIR=str(workdir / "modelc-cache"))
    out = workdir / "modelc-results"
    rss_file = workdir / "rss.txt"
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(rss_file), str(modelc), "run", str(model_path), "-o",
                           str(out), "-q", "--threads", str(threads), *extra], env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[0] if proc.stderr.strip() else f"exit {proc.returncode}"}
    manifest = json.loads((out / "manifest.json").read_text())
    launches = manifest.get("kernel_launches", {})
    per_step = launches.get("per_step", "") if isinstance(launches, dict) else launches
    return {"simulate_s": manifest["timings"]["simulate"], "rss_mb": int(rss_file.read_text().split()[-1]) / 1024.0,
            "spikes": sum(p["spikes"] for p in manifest["populations"]), "spike_hash": spike_hash(out),
            "launches_per_step": per_step}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="cuba,brunel_hakim,brunel_hakim_hetero")
    parser.add_argument("--sizes", default="4000,40000")
    parser.add_argument("--duration", type=float, default=0.5, help="seconds simulated for N < 10000")
    parser.add_argument("--duration-large", type=float, default=0.1, help="seconds simulated for N >= 10000")
    parser.add_argument("--hetero-models", default="brunel_hakim_hetero",
                        help="models with heterogeneous delays (also run with each delay buffering forced)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=1, help="runs per configuration (fastest is kept)")
    parser.add_argument("--modelc", type=Path, default=ROOT / "build" / "modelc")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "strategies.csv")
    args = parser.parse_args(argv)

    rows = []
    for model_name in args.models.split(","):
        for n in (int(x) for x in args.sizes.split(",")):
            duration = args.duration if n < 10000 else args.duration_large
            base_model = bench_model(model_name, n, duration)
            results = {}
            with tempfile.TemporaryDirectory(prefix="modelc-strategies-bench-") as tmp:
                workdir = Path(tmp)
                for name, extra, edit in configs(model_name in args.hetero_models.split(",")):
                    model = json.loads(json.dumps(base_model))
                    if edit:
                        for s in model.get("synapses", []):
                            s[edit[0]] = edit[1]
                    sub = workdir / name.strip("-").replace("=", "_")
                    sub.mkdir()
                    model_path = sub / f"{model_name}_{n}.json"
                    model_path.write_text(json.dumps(model, indent=1))
                    # The first run builds the module (the host compiler's memory would count in the peak
                    # RSS): untimed; the measured runs hit modelc's build cache.
                    warm = run_modelc(args.modelc, model_path, args.threads, sub, extra)
                    runs = [run_modelc(args.modelc, model_path, args.threads, sub, extra)
                            for _ in range(args.repeats)] if "error" not in warm else [warm]
                    ok = [r for r in runs if "error" not in r]
                    results[name] = min(ok, key=lambda r: r["simulate_s"]) if ok else runs[0]
                    r = results[name]
                    if "error" in r:
                        print(f"{model_name:20s} N={n:6d} {name:28s} refused: {r['error']}", flush=True)
                    else:
                        print(f"{model_name:20s} N={n:6d} {name:28s} simulate {r['simulate_s']:.3f} s  "
                              f"rss {r['rss_mb']:.0f} MB  spikes {r['spikes']}  launches/step {r['launches_per_step']}",
                              flush=True)
            base = results["all"]
            for name, r in results.items():
                row = {"model": model_name, "N": n, "duration_s": duration, "threads": args.threads, "config": name}
                if "error" in r:
                    row.update({"simulate_s": "", "rss_mb": "", "spikes": "", "launches_per_step": "",
                                "time_over_all": "", "rss_over_all": "", "same_spikes_as_all": "",
                                "note": r["error"][:200]})
                else:
                    row.update({"simulate_s": round(r["simulate_s"], 4), "rss_mb": round(r["rss_mb"], 1),
                                "spikes": r["spikes"], "launches_per_step": r["launches_per_step"],
                                "time_over_all": round(r["simulate_s"] / base["simulate_s"], 3),
                                "rss_over_all": round(r["rss_mb"] / base["rss_mb"], 3),
                                "same_spikes_as_all": r["spike_hash"] == base["spike_hash"], "note": ""})
                rows.append(row)
    vs_brian2.write_csv(rows, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
