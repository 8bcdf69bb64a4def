#!/usr/bin/env python3
"""Benchmark: thread scaling of two modelc builds (this one and a baseline), interleaved in one run.

For each model and size (examples/<model>.json with N and the duration overridden and the monitors
removed, as benchmarks/vs_brian2.py writes it), every repeat runs, one after the other: the
baseline at 1 and 2 threads, then this build at 1 and 2 threads, each in a fresh `modelc run`
process with the module cached (each build compiles its module once, before the timed runs; -j1
and -j2 share it). The best simulate time (the module's own loop timer, manifest "timings") of each
of the four is kept. Prints and writes (CSV) the speedup of 2 threads over 1 for both builds and
the speed of this build over the baseline at each thread count. On a shared machine read the
ratios, not the seconds.

Usage: /usr/bin/python3 benchmarks/threads_ab.py --baseline-modelc /work/main/build/modelc
           [--models cuba,cobahh,brunel_hakim,brunel_hakim_hetero,stdp_network] [--sizes 4000,40000]
           [--duration 1] [--repeats 3] [--out benchmarks/results/threads_ab.csv]
"""
import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from vs_brian2 import ROOT, benchmark_model, run_modelc, write_csv  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="cuba,cobahh,brunel_hakim,brunel_hakim_hetero,stdp_network")
    parser.add_argument("--sizes", default="4000,40000")
    parser.add_argument("--duration", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--modelc", type=Path, default=ROOT / "build" / "modelc")
    parser.add_argument("--baseline-modelc", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "threads_ab.csv")
    args = parser.parse_args(argv)
    builds = [("baseline", args.baseline_modelc), ("current", args.modelc)]
    rows = []
    for model_name in args.models.split(","):
        for n in (int(x) for x in args.sizes.split(",")):
            with tempfile.TemporaryDirectory(prefix="modelc-threads-") as tmp:
                workdir = Path(tmp)
                model_path = workdir / f"{model_name}_{n}.json"
                model_path.write_text(json.dumps(benchmark_model(model_name, n, args.duration), indent=1))
                best, spikes = {}, {}
                for name, binary in builds:  # compile once per build (cold), untimed
                    run_modelc(binary, model_path, 1, workdir / name)
                for _ in range(args.repeats):
                    for name, binary in builds:
                        for threads in (1, 2):
                            r = run_modelc(binary, model_path, threads, workdir / name)
                            key = (name, threads)
                            best[key] = min(best.get(key, float("inf")), r["simulate_s"])
                            spikes[key] = r["spikes"]
            same = len(set(spikes.values())) == 1
            row = {"model": model_name, "N": n, "duration_s": args.duration, "repeats": args.repeats}
            for (name, threads), s in sorted(best.items()):
                row[f"{name}_{threads}t_s"] = round(s, 4)
            row["baseline_2t_over_1t"] = round(best[("baseline", 1)] / best[("baseline", 2)], 3)
            row["current_2t_over_1t"] = round(best[("current", 1)] / best[("current", 2)], 3)
            row["current_over_baseline_1t"] = round(best[("baseline", 1)] / best[("current", 1)], 3)
            row["current_over_baseline_2t"] = round(best[("baseline", 2)] / best[("current", 2)], 3)
            row["spike_counts_equal"] = same
            rows.append(row)
            print(f"{model_name:20s} N={n:6d}  2t/1t: baseline {row['baseline_2t_over_1t']:.2f}  current "
                  f"{row['current_2t_over_1t']:.2f}   current vs baseline: 1t {row['current_over_baseline_1t']:.2f}  "
                  f"2t {row['current_over_baseline_2t']:.2f}   spikes equal: {same}", flush=True)
    write_csv(rows, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
