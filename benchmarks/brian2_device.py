#!/usr/bin/env python3
"""Brian2 device round trip: the same unchanged Brian2 script (tests/brian2/scripts/cuba.py: CUBA,
4000 neurons, 1 s) run with set_device('modelc') and with Brian2's cpp_standalone, timed from
process start to results (translation, build, run, results back in Brian2's objects; Python's
imports are the same for both). modelc is timed with a cold build cache (a new cache directory)
and a warm one (the second run of a script); cpp_standalone builds its project in a new directory
each run, as a script's first run does.

    PYTHONPATH=build/python build/pyenv/bin/python benchmarks/brian2_device.py [--repeats 3]

Writes benchmarks/results/brian2_device.csv (atomically) with the ratio to cpp_standalone.
"""
import argparse
import csv
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = os.path.join(ROOT, "tests", "brian2", "scripts")


def run(script, device, env_extra):
    out = tempfile.mktemp(suffix=".npz")
    env = dict(os.environ, **env_extra)
    env["PYTHONPATH"] = os.pathsep.join([os.path.abspath(p) for p in env.get("PYTHONPATH", "").split(os.pathsep) if p] + [SCRIPTS])
    t0 = time.perf_counter()
    subprocess.run([sys.executable, os.path.join(SCRIPTS, script + ".py"), device, out, "1"], cwd=SCRIPTS,
                   env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    spikes = len(np.load(out)["i"])
    os.unlink(out)
    return wall, spikes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "results", "brian2_device.csv"))
    args = ap.parse_args()
    import brian2
    rows = []
    for r in range(args.repeats):
        cache = tempfile.mkdtemp(prefix="modelc_cache_")
        for device, label, extra in [("cpp_standalone", "cpp_standalone", {}),
                                     ("modelc", "modelc cold cache", {"MODELC_CACHE_DIR": cache}),
                                     ("modelc", "modelc warm cache", {"MODELC_CACHE_DIR": cache})]:
            wall, spikes = run("cuba", device, extra)
            rows.append({"repeat": r, "model": "CUBA", "N": 4000, "simulated_s": 1.0, "device": label,
                         "wall_s": round(wall, 3), "spikes": spikes})
            print(rows[-1], flush=True)
    ref = {r["repeat"]: r["wall_s"] for r in rows if r["device"] == "cpp_standalone"}
    for row in rows:
        row["cpp_standalone_over_this"] = round(ref[row["repeat"]] / row["wall_s"], 2)
        row["brian2"] = brian2.__version__
        row["machine"] = "%s, %d cores" % (platform.machine(), os.cpu_count())
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out + ".tmp", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    os.replace(args.out + ".tmp", args.out)
    for label in ("modelc cold cache", "modelc warm cache"):
        ratios = [r["cpp_standalone_over_this"] for r in rows if r["device"] == label]
        print("%s: cpp_standalone / modelc = %s (median %.1f)" % (label, ratios, float(np.median(ratios))))


if __name__ == "__main__":
    main()
