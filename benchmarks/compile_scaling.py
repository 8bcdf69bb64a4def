#!/usr/bin/env python3
"""Benchmark: how compile time grows with model size, with Brian2 cpp_standalone as the peer.

Two families of models, both simulated for 1 ms so that only compilation counts:
  groups  N identical small LIF groups (10 neurons each): merged groups should keep this cheap;
  terms   one group whose equation has N terms (dv/dt = -(I0 + I1 + ...)/tau, 500 terms a
          subexpression: modelc refuses more than 1000 chained operators in one expression).
For each point: `modelc check` (reading + passes), and a cold `modelc run` (codegen + host
compiler + construction), each in a fresh process with an empty build cache; Brian2 2.5.1
cpp_standalone builds the same model file (translated by tests/golden/modelc_to_brian2.py) up to
--brian2-max. Linearity is read from the per-unit columns (seconds per group or per term), which
stay flat when the cost is linear. Timings on shared machines are noisy: read ratios and trends.

Writes benchmarks/results/compile_scaling.csv and, with matplotlib, compile_scaling.png.

Usage: /usr/bin/python3 benchmarks/compile_scaling.py [--groups 10,100,300,1000] [--terms 100,1000,10000,100000]
                                                      [--brian2-max-groups 100] [--brian2-max-terms 1000]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from vs_brian2 import run_brian2, write_csv  # noqa: E402


def groups_model(n):
    return {"modelc_ir": 1, "name": f"groups_{n}", "simulation": {"dt": "0.1 ms", "duration": "1 ms"},
            "neuron_groups": [{"name": f"G{k}", "size": 10, "equations": ["dv/dt = (1.5 - v) / (10*ms) : 1"],
                               "threshold": "v > 1", "reset": "v = 0", "method": "exact"} for k in range(n)],
            "monitors": []}


def terms_model(n):
    # At most 500 terms an expression (modelc refuses more than 1000 chained operators in one, as a
    # guard against stack exhaustion): the rest go into subexpressions, summed by the ODE.
    chunks = [" + ".join(f"{k % 7 + 1}.0*v" for k in range(a, min(n, a + 500))) for a in range(0, n, 500)]
    subs = [f"I{c} = {text} : 1" for c, text in enumerate(chunks)]
    total = " + ".join(f"I{c}" for c in range(len(chunks)))
    return {"modelc_ir": 1, "name": f"terms_{n}", "simulation": {"dt": "0.1 ms", "duration": "1 ms"},
            "neuron_groups": [{"name": "G", "size": 10,
                               "equations": [f"dv/dt = -({total}) / (1e6*ms) : 1"] + subs,
                               "threshold": "v > 10", "method": "euler"}],
            "monitors": []}


def timed(cmd, env):
    started = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def measure_modelc(modelc, model_path, workdir):
    env = dict(os.environ, MODELC_CACHE_DIR=str(workdir / "cache"), TMPDIR=str(workdir))
    check_s = timed([str(modelc), "check", str(model_path)], env)
    out = workdir / "results"
    wall = timed([str(modelc), "run", str(model_path), "-o", str(out), "-q"], env)
    t = json.loads((out / "manifest.json").read_text())["timings"]
    return {"check_s": check_s, "codegen_s": t.get("codegen", 0.0), "host_compile_s": t.get("compile", 0.0),
            "total_s": wall}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--groups", default="10,100,300,1000")
    ap.add_argument("--terms", default="100,1000,10000,100000")
    ap.add_argument("--brian2-max-groups", type=int, default=100)
    ap.add_argument("--brian2-max-terms", type=int, default=1000)
    ap.add_argument("--modelc", type=Path, default=ROOT / "build" / "modelc")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "compile_scaling.csv")
    args = ap.parse_args(argv)

    rows = []
    points = [("groups", int(n), groups_model, args.brian2_max_groups) for n in args.groups.split(",") if n] + \
             [("terms", int(n), terms_model, args.brian2_max_terms) for n in args.terms.split(",") if n]
    for family, n, make, brian2_max in points:
        with tempfile.TemporaryDirectory(prefix="modelc-compile-bench-") as tmp:
            workdir = Path(tmp)
            model_path = workdir / f"{family}_{n}.json"
            model_path.write_text(json.dumps(make(n)))
            mc = measure_modelc(args.modelc, model_path, workdir)
            b2 = None
            if n <= brian2_max:
                try:
                    b2 = run_brian2(model_path, 1, workdir)
                except subprocess.CalledProcessError as e:  # recorded, not fatal: the modelc points stand
                    print(f"{family} {n}: Brian2 failed: {(e.stderr or '').strip().splitlines()[-1:]}", flush=True)
        row = {"family": family, "size": n, "modelc_check_s": round(mc["check_s"], 3),
               "modelc_codegen_s": round(mc["codegen_s"], 3), "modelc_host_compile_s": round(mc["host_compile_s"], 2),
               "modelc_total_s": round(mc["total_s"], 2), "modelc_total_s_per_unit": round(mc["total_s"] / n, 5),
               "modelc_check_s_per_unit": round(mc["check_s"] / n, 6),
               "brian2_build_s": round(b2["compile_s"], 2) if b2 else "",
               "brian2_over_modelc": round(b2["compile_s"] / mc["total_s"], 2) if b2 else ""}
        rows.append(row)
        print(f"{family:6s} {n:7d}  modelc check {mc['check_s']:.2f} s, run (cold) {mc['total_s']:.2f} s "
              f"(host compiler {mc['host_compile_s']:.2f} s)" +
              (f"   Brian2 build {b2['compile_s']:.2f} s (Brian2/modelc {b2['compile_s'] / mc['total_s']:.2f})" if b2 else ""),
              flush=True)
    write_csv(rows, args.out)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return 0
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, family, unit in ((axes[0], "groups", "groups"), (axes[1], "terms", "equation terms")):
        rs = [r for r in rows if r["family"] == family]
        if not rs:
            continue
        xs = [r["size"] for r in rs]
        ax.loglog(xs, [r["modelc_total_s"] for r in rs], "o-", label="modelc run (cold)")
        ax.loglog(xs, [max(r["modelc_check_s"], 1e-3) for r in rs], "s--", label="modelc check (passes)")
        b = [(r["size"], r["brian2_build_s"]) for r in rs if r["brian2_build_s"] != ""]
        if b:
            ax.loglog(*zip(*b), "^-", label="Brian2 cpp_standalone build")
        ax.loglog(xs, [rs[0]["modelc_total_s"] * x / xs[0] for x in xs], ":", color="grey", label="linear")
        ax.set_xlabel(unit)
        ax.set_ylabel("seconds")
        ax.legend(fontsize=8)
    fig.tight_layout()
    png = args.out.with_suffix(".png")
    fig.savefig(png.with_suffix(".tmp.png"))
    os.replace(png.with_suffix(".tmp.png"), png)
    print(f"wrote {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
