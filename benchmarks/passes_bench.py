#!/usr/bin/env python3
"""Benchmark: the kernel-IR optimisation passes and libmvec vectorisation, each on vs off.

For each model (CUBA, COBAHH) and size (N = 4000 and 40000, same seed), runs modelc with:
  all            default pipeline (fold-kernel-constants, strength-reduce, kernel-cse) + libmvec
  -<pass>        the default with --disable-pass <pass>          (speedup of that pass)
  -libmvec       the default with MODELC_LIBMVEC=0 (scalar libm) (speedup of vectorised libm)
  O3             the default + strength-reduce-fast (changes last bits; not the default)
  before         what modelc did before this work: no kernel-IR passes, scalar libm, clang++
and Brian2 cpp_standalone on the same model file in the same run (benchmarks/vs_brian2.py's
functions). Writes benchmarks/results/passes.csv: simulate seconds, spikes, the speedup of each
configuration relative to "all" (time(config) / time(all): > 1 means the thing turned off helps),
and Brian2 / modelc for "before" and "all".

Usage: /usr/bin/python3 benchmarks/passes_bench.py [--models cuba,cobahh] [--sizes 4000,40000]
           [--duration 0.25] [--duration-large 0.05] [--repeats 1] [--threads 1] [--no-brian2]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vs_brian2  # noqa: E402  (benchmark_model, run_brian2)

ROOT = vs_brian2.ROOT
KERNEL_PASSES = ["fold-kernel-constants", "strength-reduce", "kernel-cse"]
O3_PIPELINE = ["resolve-names", "inline-subexpressions", "fold-constants", "state-update", "synaptic-equations",
               "fold-constants", "lower-to-kernels", "fold-kernel-constants", "strength-reduce",
               "strength-reduce-fast", "kernel-cse"]


def configs():
    out = [("all", [], {})]
    out += [(f"-{p}", ["--disable-pass", p], {}) for p in KERNEL_PASSES]
    out += [("-libmvec", [], {"MODELC_LIBMVEC": "0"})]
    out += [("O3", ["--passes", ",".join(O3_PIPELINE)], {})]
    before = []
    for p in KERNEL_PASSES:
        before += ["--disable-pass", p]
    clang = shutil.which("clang++")
    out += [("before", before, {"MODELC_LIBMVEC": "0", **({"CXX": clang} if clang else {})})]
    return out


def run_modelc(modelc, model_path, threads, workdir, extra, env_extra):
    """vs_brian2.run_modelc with extra CLI arguments and environment."""
    env = dict(os.environ, MODELC_CACHE_DIR=str(workdir / "modelc-cache"), **env_extra)
    out = workdir / "modelc-results"
    started = time.perf_counter()
    subprocess.run([str(modelc), "run", str(model_path), "-o", str(out), "-q", "--threads", str(threads), *extra],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    manifest = json.loads((out / "manifest.json").read_text())
    t = manifest["timings"]
    return {"compile_s": t.get("codegen", 0) + t.get("compile", 0), "simulate_s": t["simulate"], "wall_s": wall,
            "spikes": sum(p["spikes"] for p in manifest["populations"])}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="cuba,cobahh")
    parser.add_argument("--sizes", default="4000,40000")
    parser.add_argument("--duration", type=float, default=0.25, help="seconds simulated for N < 10000")
    parser.add_argument("--duration-large", type=float, default=0.05, help="seconds simulated for N >= 10000")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=1, help="runs per configuration (best is kept)")
    parser.add_argument("--no-brian2", action="store_true")
    parser.add_argument("--modelc", type=Path, default=ROOT / "build" / "modelc")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "passes.csv")
    args = parser.parse_args(argv)

    rows = []
    for model_name in args.models.split(","):
        for n in (int(x) for x in args.sizes.split(",")):
            duration = args.duration if n < 10000 else args.duration_large
            results = {}
            with tempfile.TemporaryDirectory(prefix="modelc-passes-bench-") as tmp:
                workdir = Path(tmp)
                model_path = workdir / f"{model_name}_{n}.json"
                model_path.write_text(json.dumps(vs_brian2.benchmark_model(model_name, n, duration), indent=1))
                for name, extra, env in configs():
                    sub = workdir / name.strip("-")
                    sub.mkdir()
                    results[name] = min((run_modelc(args.modelc, model_path, args.threads, sub, extra, env)
                                         for _ in range(args.repeats)), key=lambda r: r["simulate_s"])
                    print(f"{model_name:7s} N={n:6d} {name:24s} simulate {results[name]['simulate_s']:.3f} s  "
                          f"spikes {results[name]['spikes']}", flush=True)
                b2 = None if args.no_brian2 else vs_brian2.run_brian2(model_path, args.threads, workdir)
            base = results["all"]["simulate_s"]
            for name, r in results.items():
                rows.append({"model": model_name, "N": n, "duration_s": duration, "threads": args.threads,
                             "config": name, "simulate_s": round(r["simulate_s"], 4),
                             "compile_s": round(r["compile_s"], 3), "spikes": r["spikes"],
                             "time_over_all": round(r["simulate_s"] / base, 3),
                             "brian2_over_modelc": round(b2["simulate_s"] / r["simulate_s"], 3) if b2 else ""})
            if b2:
                rows.append({"model": model_name, "N": n, "duration_s": duration, "threads": args.threads,
                             "config": "brian2-cpp_standalone", "simulate_s": round(b2["simulate_s"], 4),
                             "compile_s": round(b2["compile_s"], 3), "spikes": b2["spikes"],
                             "time_over_all": round(b2["simulate_s"] / base, 3), "brian2_over_modelc": 1.0})
                print(f"{model_name:7s} N={n:6d} brian2 simulate {b2['simulate_s']:.3f} s  "
                      f"Brian2/modelc before {b2['simulate_s'] / results['before']['simulate_s']:.2f}, "
                      f"after {b2['simulate_s'] / base:.2f}", flush=True)
    vs_brian2.write_csv(rows, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
