#!/usr/bin/env python3
"""End-to-end check of benchmarks/run.py on its `ci` scan (seconds): the CSV's columns and the
consistency of its derived numbers, the machine measurement of benchmarks/flop_rate.c, peers that are not installed recorded as missing with the
reason, the plots and the summary written. Timings are not checked (shared, noisy machine).

Usage: test_bench_driver.py --modelc BUILD/modelc --root REPO   (exit 77 = skipped: no matplotlib)
"""
import argparse
import csv
import math
import subprocess
import sys
import tempfile
from pathlib import Path


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def unit_checks(run):
    # Ratios: peer simulate / this simulate, same model, size and precision; threads matched.
    rows = [
        {"model": "m", "size": 10, "precision": "double", "simulator": "modelc", "threads": 1, "status": "ok", "simulate_s": 1.0},
        {"model": "m", "size": 10, "precision": "double", "simulator": "modelc", "threads": 2, "status": "ok", "simulate_s": 0.5},
        {"model": "m", "size": 10, "precision": "double", "simulator": "brian2-cpp_standalone", "threads": 1, "status": "ok", "simulate_s": 3.0},
        {"model": "m", "size": 10, "precision": "double", "simulator": "brian2-cpp_standalone", "threads": 2, "status": "ok", "simulate_s": 2.0},
        {"model": "m", "size": 10, "precision": "double", "simulator": "nest", "threads": 2, "status": "ok", "simulate_s": 4.0},
        {"model": "m", "size": 10, "precision": "float", "simulator": "modelc", "threads": 1, "status": "ok", "simulate_s": 0.25},
        {"model": "m", "size": 20, "precision": "double", "simulator": "brian2-cython", "threads": 1, "status": "ok", "simulate_s": 9.0},
    ]
    run.add_ratios(rows)
    check(rows[0]["brian2_over_this"] == 3.0 and rows[0]["brian2_1t_over_this"] == 3.0, "1-thread ratio %s" % rows[0])
    check(rows[0]["nest_over_this"] is None, "no NEST 1-thread run: no ratio")
    check(rows[1]["brian2_over_this"] == 4.0 and rows[1]["brian2_1t_over_this"] == 6.0, "2-thread ratios %s" % rows[1])
    check(rows[1]["nest_over_this"] == 8.0, "NEST ratio at 2 threads %s" % rows[1])
    check(rows[5]["brian2_over_this"] is None, "no ratio across precisions")
    check(rows[0]["brian2_cython_over_this"] is None, "no ratio across sizes")
    # Synaptic events: synapses x spikes per source neuron, slices by their group's rate.
    ev = run.synaptic_events([{"source": "P", "synapses": 100}, {"source": "P[0:5]", "synapses": 50}],
                             {"P": 30}, {"P": 10})
    check(ev == 100 * 3 + 50 * 3, "synaptic events %s" % ev)
    check(run.synaptic_events([], {"P": 3}, {"P": 1}) == 0, "no synapses, no events")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--modelc", required=True)
    ap.add_argument("--root", required=True)
    a = ap.parse_args()
    root = Path(a.root)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("skipped: matplotlib is missing (python3-matplotlib)")
        return 77
    sys.path.insert(0, str(root / "benchmarks"))
    import run
    unit_checks(run)
    import profile_phases
    with tempfile.TemporaryDirectory(prefix="flop-rate-") as tmp:
        flops = profile_phases.flop_rate(tmp)
    check(flops["vector_bytes"] in (16, 32, 64) and flops["double_gflops"] > 0 and flops["float_gflops"] > 0,
          "the machine's vector FMA rate %s" % flops)
    with tempfile.TemporaryDirectory(prefix="bench-driver-") as tmp:
        out = Path(tmp) / "results"
        missing_python = Path(tmp) / "no-such-python"
        cmd = [sys.executable, str(root / "benchmarks" / "run.py"), "--scan", "ci", "--out-dir", str(out),
               "--modelc", a.modelc, "--repeats", "2", "--brian2-python", str(missing_python),
               "--nest-python", str(missing_python)]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        check(p.returncode == 0, "run.py failed:\n" + p.stdout + p.stderr)
        with (out / "ci.csv").open(newline="") as f:
            reader = csv.DictReader(f)
            check(reader.fieldnames == run.COLUMNS, "CSV columns %s" % reader.fieldnames)
            rows = list(reader)
        points = {(pt["model"], pt["size"], pt["precision"]) for pt in run.SCANS["ci"]["points"]}
        got = {(r["model"], float(r["size"]), r["precision"]) for r in rows}
        check(got == {(m, float(s), p) for m, s, p in points}, "points %s" % sorted(got))
        mc = [r for r in rows if r["simulator"] == "modelc" and r["backend"] == "cpu"]
        check(len(mc) == sum(len(pt["threads"]) for pt in run.SCANS["ci"]["points"]), "one modelc cpu row per thread count")
        for r in mc:
            check(r["status"] == "ok", "modelc row failed: %s" % r)
            sim, dur, steps = float(r["simulate_s"]), float(r["duration_s"]), int(r["steps"])
            check(sim > 0 and int(r["repeats"]) >= 1, "simulate time and repeats %s" % r)
            check(steps == round(dur / 1e-4), "steps %s" % r)
            check(math.isclose(float(r["realtime_factor"]), dur / sim, rel_tol=1e-4), "realtime factor %s" % r)
            check(math.isclose(float(r["neuron_updates_per_s"]), int(r["neurons"]) * steps / sim, rel_tol=1e-4),
                  "neuron updates/s %s" % r)
            check(float(r["synaptic_events"]) >= 0 and float(r["synapses"]) > 0, "events and synapses %s" % r)
            check(math.isclose(float(r["synaptic_events_per_s"]), float(r["synaptic_events"]) / sim, rel_tol=1e-4),
                  "events/s %s" % r)
            check(float(r["peak_rss_mib"]) > 1 and r["peak_rss_note"], "peak memory %s" % r)
            check(float(r["compile_s"]) > 0 and float(r["construct_s"]) >= 0, "compile and construct %s" % r)
            check("passes=" in r["phases"], "phases %s" % r["phases"])
            # The module's timers split simulate (sampled every 8th step, so within noise of it,
            # a few ms on runs of tens of microseconds; the host's chunking and checks are the rest).
            if r["backend"] == "cpu":
                parts = [float(r["sim_%s_s" % k]) for k in run.MODULE_PHASES]
                check(all(x >= 0 for x in parts) and float(r["sim_neurons_s"]) > 0 and sum(parts) <= sim * 1.25 + 0.005,
                      "module phases %s" % r)
            check(float(r["simulate_median_s"]) >= sim, "median >= best %s" % r)
        for r in rows:
            if r["simulator"] in ("brian2-cpp_standalone", "brian2-cython", "nest"):
                check(r["status"] == "missing" and r["reason"], "a peer without interpreter is missing: %s" % r)
                if r["simulator"] != "nest" or r["model"] == "cuba" and r["precision"] == "double":
                    check(str(missing_python) in r["reason"], "the reason names the interpreter: %s" % r["reason"])
        ocl = [r for r in rows if r["backend"] == "opencl"]
        check(ocl and all(r["status"] in ("ok", "missing") and (r["status"] == "ok" or r["reason"]) for r in ocl),
              "opencl rows: run, or missing with the reason: %s" % ocl)
        for name in ("ci_time_vs_n.png", "ci_speedup_vs_brian2.png"):
            data = (out / name).read_bytes()
            check(data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000, "%s is not a PNG plot" % name)
            svg = (out / name.replace(".png", ".svg")).read_text()
            check("<svg" in svg and "cuba" in svg, "%s.svg" % name)
        md = (out / "ci.md").read_text()
        check("## modelc against itself" in md and "| cuba | N=400 |" in md.split("## modelc against itself")[1],
              "self-comparison table:\n" + md)
        check("## Ratios" in md and "| cuba | N=200 |" in md and "ci_time_vs_n.png" in md, "summary:\n" + md)
        check("no such" in md.lower() or str(missing_python) in md, "the summary lists the missing peers")
        check((out / "ci.meta.json").exists(), "meta file")
    print("PASS benchmarks driver")
    return 0


if __name__ == "__main__":
    sys.exit(main())
