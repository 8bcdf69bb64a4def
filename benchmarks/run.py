#!/usr/bin/env python3
"""The benchmark suite: models x sizes x backends x precision x threads, with peers in the same run.

For every point of a scan (a model from examples/ with its size parameter overridden, the duration
set and the monitors removed, as in the Brian2CUDA study), in fresh processes:

  modelc        `modelc run` on each backend (cpu, opencl) x precision x threads. The first run
                compiles cold (its own build cache: codegen and compile times come from it); the
                module is cached for the other repeats and thread counts. simulate = best of the
                repeats (median also written); peak memory from a cached run (no compiler child).
  brian2-cpp_standalone   Brian2 2.5.1 C++ standalone, 1 thread (no OpenMP) and OpenMP threads.
  brian2-cython           Brian2's runtime target (small sizes only).
  nest          NEST 3.10 (pip `nest-simulator` in a venv) with its built-in models, for the models
                benchmarks/nest_peer.py translates.

A peer that is not installed, or a point a peer cannot run (a model it has no version of, a size
over the scan's limit for it, more memory than the machine has), is a row with status `missing`
and the reason. Ratios are peer simulate time / this row's simulate time, same model and size:
`brian2_1t_over_this` (Brian2 cpp_standalone 1 thread, the paper's reference), `brian2_over_this`
and `nest_over_this` (same thread count), `brian2_cython_over_this` (1 thread); peers run double,
Brian2 also float where the scan asks for it; a ratio needs the same precision.

Per-phase times: modelc reports parse, passes, codegen, compile, construct and simulate, and the
module's own timers split simulate into neurons, propagation, delays, synapses, monitors and
exchange (mc_read_phases; columns sim_<phase>_s, and the `phases` text). Backends without timers
(OpenCL, CUDA) leave those columns empty. NEST's kernel counters (time_construction_*,
time_simulate) are recorded.

Writes benchmarks/results/<scan>.csv, then (benchmarks/bench_report.py) the plots
<scan>_time_vs_n.{png,svg}, <scan>_speedup_vs_brian2.{png,svg} and the summary <scan>.md.

Usage: benchmarks/run.py [--scan full|ci] [--models a,b] [--out-dir DIR] [--repeats 3]
                         [--brian2-python /usr/bin/python3] [--nest-python build/nestenv/bin/python]
                         [--peers modelc,brian2-cpp_standalone,brian2-cython,nest]
"""
import argparse
import csv
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from brian2_peer import run_brian2  # noqa: E402
from measured_process import run_measured  # noqa: E402
from nest_peer import NEST_MODELS, run_nest  # noqa: E402
from scans import SCANS  # noqa: E402

COLUMNS = [
    "scan", "model", "size_param", "size", "neurons", "synapses", "duration_s", "steps",
    "simulator", "backend", "precision", "threads", "status", "reason", "repeats",
    "codegen_s", "compile_s", "construct_s", "simulate_s", "simulate_median_s", "realtime_factor",
    "spikes", "synaptic_events", "synaptic_events_per_s", "neuron_updates_per_s",
    "peak_rss_mib", "peak_rss_note", "load_1min", "phases",
    "sim_neurons_s", "sim_propagation_s", "sim_delays_s", "sim_synapses_s", "sim_monitors_s", "sim_exchange_s",
    "brian2_1t_over_this", "brian2_over_this", "brian2_cython_over_this", "nest_over_this",
]
MODULE_PHASES = ("neurons", "propagation", "delays", "synapses", "monitors", "exchange")
PEERS = ("modelc", "brian2-cpp_standalone", "brian2-cython", "nest")


def write_csv(rows, out):
    """Writes all rows through a temporary name: never half a file, even if the scan is stopped."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with tmp.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        for r in rows:
            writer.writerow({k: fmt(r.get(k)) for k in COLUMNS})
    tmp.replace(out)


def fmt(v):
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.6g}"
    return v


def mem_available_mib():
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024.0
    return float("inf")


def benchmark_model(model, size_param, size, duration, precision):
    doc = json.loads((ROOT / "examples" / f"{model}.json").read_text())
    doc.setdefault("parameters", {})[size_param] = size
    doc["simulation"]["duration"] = f"{duration} second"
    doc["simulation"]["precision"] = precision
    doc["monitors"] = []
    doc["name"] = f"{model}_bench"
    if doc["modelc_ir"] == 1:
        doc.pop("description", None)
    return doc


def modelc_check(modelc, path, env):
    """neurons, expected synapses and the memory estimate (MiB) from `modelc check`."""
    r = subprocess.run([str(modelc), "check", str(path)], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "check failed")
    # "memory: about 12 MiB" or "memory: at least 2.9 MiB" (when part of it is known only at run time)
    m = re.search(r"ok \(\d+ neuron groups, (\d+) neurons.*\n.*\n  memory: (?:[a-z]+ )+([\d.]+) (B|KiB|MiB|GiB) "
                  r"\(([\d.e+]+) synapses expected\)", r.stdout)
    if not m:
        raise RuntimeError(f"`modelc check {path}` printed no neuron count and memory estimate:\n{r.stdout}")
    scale = {"B": 2.0 ** -20, "KiB": 2.0 ** -10, "MiB": 1.0, "GiB": 1024.0}[m.group(3)]
    return int(m.group(1)), float(m.group(4)), float(m.group(2)) * scale


def synaptic_events(manifest_synapses, spikes_by_group, sizes):
    """Sum over synapse groups of synapses x spikes per source neuron: exact in expectation when
    out-degrees do not depend on the neuron, and for a slice source if it fires at its group's rate."""
    if not spikes_by_group or not manifest_synapses:
        return 0 if manifest_synapses == [] else None
    total = 0.0
    for g in manifest_synapses:
        src = g["source"].split("[")[0]
        if src not in spikes_by_group or not sizes.get(src):
            return None
        total += g["synapses"] * spikes_by_group[src] / sizes[src]
    return total


def derived(row, duration, steps):
    sim = row.get("simulate_s")
    if not sim:
        return
    row["realtime_factor"] = duration / sim
    row["neuron_updates_per_s"] = row["neurons"] * steps / sim if row.get("neurons") else None
    if row.get("synaptic_events") is not None:
        row["synaptic_events_per_s"] = row["synaptic_events"] / sim


def run_modelc_point(args, point, base, model_path, workdir):
    """Rows of one model/size/precision for every modelc backend x threads."""
    rows = []
    cache = workdir / "modelc-cache"
    env = dict(os.environ, MODELC_CACHE_DIR=str(cache), TMPDIR=str(workdir))
    cold_by_backend = {}  # the module is compiled once per backend; every thread count reports it
    for backend in point["backends"]:
        thread_list = point["threads"] if backend == "cpu" else [None]
        if backend == "opencl" and not args.opencl_device:
            rows.append(dict(base, simulator="modelc", backend=backend, status="missing",
                             reason="no OpenCL device (`modelc devices`)"))
            continue
        if backend == "opencl" and point["size"] > point.get("opencl_max", float("inf")):
            rows.append(dict(base, simulator="modelc", backend=backend, status="missing",
                             reason=f"above this scan's OpenCL limit ({point['opencl_max']})"))
            continue
        for threads in thread_list:
            row = dict(base, simulator="modelc", backend=backend, threads=threads if threads else "")
            runs = []
            for k in range(args.repeats):
                cmd = [args.modelc, "run", model_path, "-q", "-o", workdir / f"res-{backend}", "--force",
                       "--backend", backend]
                if threads:
                    cmd += ["--threads", threads]
                r = run_measured(cmd, env=env, timeout=args.timeout)
                if r["rc"] != 0:
                    err = (r["stderr"].strip().splitlines() or [f"exit {r['rc']}"])[-1]
                    row.update(status="failed", reason=("timed out" if r["timed_out"] else err)[:300])
                    break
                manifest = json.loads((workdir / f"res-{backend}" / "manifest.json").read_text())
                runs.append((r, manifest))
                if r["wall_s"] > args.repeat_budget:
                    break
            if runs:
                sims = [m["timings"]["simulate"] for _, m in runs]
                best_r, best = min(runs, key=lambda x: x[1]["timings"]["simulate"])
                cold = [m for _, m in runs if not m.get("compile_cached")]
                if cold:
                    cold_by_backend.setdefault(backend, cold[0]["timings"])
                cold_t = cold_by_backend.get(backend)
                t = cold_t or runs[0][1]["timings"]
                cached = [rr for rr, m in runs if m.get("compile_cached")]
                sizes = {p["name"]: p["size"] for p in best["populations"]}
                spikes = {p["name"]: p["spikes"] for p in best["populations"]}
                row.update(status=row.get("status", "ok"), repeats=len(runs),
                           neurons=sum(sizes.values()),
                           synapses=sum(g["synapses"] for g in best["synapse_groups"]),
                           codegen_s=t.get("codegen") if cold_t else None,
                           compile_s=t.get("compile") if cold_t else None,
                           construct_s=best["timings"]["construct"], simulate_s=min(sims),
                           simulate_median_s=statistics.median(sims), spikes=sum(spikes.values()),
                           synaptic_events=synaptic_events(best["synapse_groups"], spikes, sizes),
                           phases=";".join(f"{k}={t[k]:.4g}" for k in ("parse", "passes", "codegen", "compile")
                                           if k in t) + "; simulate: " +
                           (";".join(f"{k}={v:.4g}" for k, v in best.get("phases", {}).items())
                            or "no module timers (this backend)"))
                row.update({f"sim_{k}_s": best["phases"][k] for k in MODULE_PHASES if k in best.get("phases", {})})
                if cached:
                    row.update(peak_rss_mib=max(rr["peak_rss_mib"] for rr in cached),
                               peak_rss_note="modelc run with the module cached")
                else:
                    row.update(peak_rss_mib=runs[0][0]["peak_rss_mib"],
                               peak_rss_note="cold run: includes the host compiler's peak if larger")
                row["_manifest"] = best
                if row["status"] == "failed":  # a later repeat failed: keep the numbers, say so
                    row["status"] = "ok"
            rows.append(row)
    return rows


def peer_rows(args, point, base, model_path, workdir, modelc_rows):
    """Rows of every peer for one model/size/precision."""
    rows = []
    manifest = next((r["_manifest"] for r in modelc_rows if r.get("_manifest")), None)
    sizes = {p["name"]: p["size"] for p in manifest["populations"]} if manifest else {}
    mem_needed = point["_memory_mib"]

    def finish(row, result):
        if "error" in result:
            row.update(status="failed", reason=result["error"])
            return row
        spikes = result.get("spikes_by_group", {})
        samples = result.get("simulate_samples") or [result["simulate_s"]]
        row.update(status="ok", repeats=len(samples), simulate_median_s=statistics.median(samples), codegen_s=result.get("codegen_s"), compile_s=result.get("compile_s"),
                   construct_s=result["construct_s"], simulate_s=result["simulate_s"],
                   spikes=sum(spikes.values()), peak_rss_mib=result.get("peak_rss_mib"),
                   peak_rss_note=result.get("peak_rss_note"),
                   synaptic_events=synaptic_events(manifest["synapse_groups"], spikes, sizes) if manifest else None)
        if "synapses" in result:
            row["synapses"] = result["synapses"]
        if result.get("phases"):
            row["phases"] = ";".join(f"{k}={v:.4g}" for k, v in sorted(result["phases"].items()))
        return row

    for peer in ("brian2-cpp_standalone", "brian2-cython", "nest"):
        if peer not in args.peers:
            continue
        limits = point["peers"].get(peer)
        threads_list = [1] if peer == "brian2-cython" else point["peer_threads"]
        for threads in threads_list:
            row = dict(base, simulator=peer, backend="cpu", threads=threads)
            reason = None
            if peer.startswith("brian2") and not args.brian2_ok:
                reason = args.brian2_missing
            elif peer == "nest" and not args.nest_ok:
                reason = args.nest_missing
            elif peer == "nest" and point["model"] not in NEST_MODELS:
                reason = "no NEST version of this model in benchmarks/nest_peer.py"
            elif peer == "nest" and point["precision"] != "double":
                reason = "NEST runs in double precision only"
            elif limits is None:
                reason = "not run for this model in this scan"
            elif isinstance(limits, str):
                reason = limits
            elif point["size"] > limits:
                reason = f"size above this scan's limit for {peer} ({limits})"
            else:
                factor = {"nest": 8.0, "brian2-cpp_standalone": 3.0, "brian2-cython": 3.0}[peer]
                if mem_needed * factor > args.mem_limit_mib:
                    reason = (f"memory: about {mem_needed * factor / 1024:.1f} GiB expected "
                              f"(modelc's estimate x {factor:g}), {args.mem_limit_mib / 1024:.1f} GiB allowed")
            if reason:
                rows.append(dict(row, status="missing", reason=reason))
                continue
            pdir = Path(tempfile.mkdtemp(prefix=f"{peer}-", dir=workdir))
            if peer == "nest":
                result = run_nest(args.nest_python, point["model"], model_path, threads, pdir, args.peer_timeout,
                                  args.repeats)
            else:
                result = run_brian2(args.brian2_python, peer.split("-", 1)[1], model_path, threads,
                                    point["precision"], pdir, args.peer_timeout, args.repeats)
            rows.append(finish(row, result))
            shutil.rmtree(pdir, ignore_errors=True)
    return rows


def add_ratios(rows):
    """Peer simulate time / this row's simulate time, at the same model, size and precision."""
    def key(r):
        return (r["model"], r["size"], r["precision"])
    by = {}
    for r in rows:
        if r.get("status") == "ok" and r.get("simulate_s"):
            by.setdefault(key(r), {})[(r["simulator"], r.get("threads"))] = r["simulate_s"]
    for r in rows:
        if r.get("status") != "ok" or not r.get("simulate_s"):
            continue
        peers = by.get(key(r), {})
        t = r.get("threads") or 1

        def ratio(sim, threads):
            v = peers.get((sim, threads))
            return v / r["simulate_s"] if v else None
        r["brian2_1t_over_this"] = ratio("brian2-cpp_standalone", 1)
        r["brian2_over_this"] = ratio("brian2-cpp_standalone", t)
        r["brian2_cython_over_this"] = ratio("brian2-cython", 1)
        r["nest_over_this"] = ratio("nest", t)
    return rows


def probe_peers(args):
    args.brian2_ok, args.nest_ok = False, False
    p = shutil.which(args.brian2_python) or args.brian2_python
    if Path(p).exists():
        r = subprocess.run([p, "-c", "import brian2; print(brian2.__version__)"], capture_output=True, text=True)
        args.brian2_ok = r.returncode == 0
        args.brian2_version = r.stdout.strip()
        args.brian2_missing = "Brian2 is not importable with " + p + " (Debian: apt-get install python3-brian)"
    else:
        args.brian2_missing = f"no interpreter {args.brian2_python} for Brian2"
    if Path(args.nest_python).exists():
        r = subprocess.run([args.nest_python, "-c", "import nest; print(nest.__version__)"],
                           capture_output=True, text=True, cwd=tempfile.gettempdir())
        args.nest_ok = r.returncode == 0
        args.nest_version = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
        args.nest_missing = "NEST is not importable with " + str(args.nest_python)
    else:
        args.nest_missing = (f"NEST not installed ({args.nest_python} missing; "
                             f"python3 -m venv {args.nest_python.parent.parent} && pip install nest-simulator)")
    r = subprocess.run([str(args.modelc), "devices"], capture_output=True, text=True)
    args.opencl_device = bool(re.search(r"^OpenCL: [1-9]", r.stdout, re.M))
    args.modelc_version = subprocess.run([str(args.modelc), "--version"], capture_output=True,
                                         text=True).stdout.strip()


def machine_info():
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal:")), 0)
    return {"cpu": cpu, "cores": os.cpu_count(), "mem_gib": mem / 2 ** 20}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scan", default="full", choices=sorted(SCANS))
    ap.add_argument("--models", help="only these models of the scan (comma-separated)")
    ap.add_argument("--out-dir", type=Path, default=HERE / "results")
    ap.add_argument("--repeats", type=int, help="modelc runs per point, best kept (default: the scan's)")
    ap.add_argument("--repeat-budget", type=float, default=20.0,
                    help="no further repeats after a run longer than this (s)")
    ap.add_argument("--timeout", type=float, default=900.0, help="per modelc process (s)")
    ap.add_argument("--peer-timeout", type=float, default=240.0,
                    help="per peer process (s); a peer past it is a `failed` row saying so")
    ap.add_argument("--modelc", type=Path, default=ROOT / "build" / "modelc")
    ap.add_argument("--brian2-python", default="/usr/bin/python3")
    ap.add_argument("--nest-python", type=Path, default=ROOT / "build" / "nestenv" / "bin" / "python")
    ap.add_argument("--peers", default=",".join(PEERS))
    ap.add_argument("--mem-limit-mib", type=float, help="memory a run may use (default: 80%% of MemAvailable)")
    ap.add_argument("--no-plots", action="store_true")
    args = ap.parse_args(argv)
    scan = SCANS[args.scan]
    args.repeats = args.repeats or scan["repeats"]
    args.peers = set(args.peers.split(","))
    args.mem_limit_mib = args.mem_limit_mib or 0.8 * mem_available_mib()
    args.nest_python = args.nest_python.absolute()
    probe_peers(args)
    models = args.models.split(",") if args.models else None
    points = [p for p in scan["points"] if models is None or p["model"] in models]
    out_csv = args.out_dir / f"{args.scan}.csv"
    partial_csv = args.out_dir / f"{args.scan}.partial.csv"
    meta = {"scan": args.scan, "command": " ".join(["benchmarks/run.py"] + (argv if argv is not None else sys.argv[1:])),
            "started": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "load_start": os.getloadavg(), "machine": machine_info(), "modelc": args.modelc_version,
            "brian2": getattr(args, "brian2_version", "") if args.brian2_ok else args.brian2_missing,
            "nest": getattr(args, "nest_version", "") if args.nest_ok else args.nest_missing,
            "opencl": args.opencl_device, "repeats": args.repeats}
    rows, loads = [], []
    t_start = time.perf_counter()
    for point in points:
        with tempfile.TemporaryDirectory(prefix="modelc-bench-") as tmp:
            workdir = Path(tmp)
            doc = benchmark_model(point["model"], point["size_param"], point["size"], point["duration"],
                                  point["precision"])
            model_path = workdir / f"{point['model']}.json"
            model_path.write_text(json.dumps(doc, indent=1))
            steps = int(round(point["duration"] / 1e-4))
            base = {"scan": args.scan, "model": point["model"], "size_param": point["size_param"],
                    "size": point["size"], "duration_s": point["duration"], "steps": steps,
                    "precision": point["precision"]}
            try:
                neurons, syn_expected, mem = modelc_check(args.modelc, model_path, dict(os.environ))
            except RuntimeError as e:
                rows.append(dict(base, simulator="modelc", status="failed", reason=f"check: {e}"))
                continue
            base.update(neurons=neurons, synapses=int(syn_expected))
            point = dict(point, _memory_mib=mem)
            if mem > args.mem_limit_mib:
                new = [dict(base, simulator="modelc", backend="cpu", status="missing",
                            reason=f"memory: modelc estimates {mem / 1024:.1f} GiB, {args.mem_limit_mib / 1024:.1f} GiB allowed")]
            else:
                new = run_modelc_point(args, point, base, model_path, workdir) if "modelc" in args.peers else []
            new += peer_rows(args, point, base, model_path, workdir, new)
            load = os.getloadavg()[0]
            for r in new:
                derived(r, point["duration"], steps)
                r["load_1min"] = load
            rows.extend(new)
            loads.append(load)
            print(f"{point['model']:22s} {point['size_param']}={point['size']:<8} {point['precision']:6s} "
                  + "  ".join(f"{r['simulator']}{'/' + r['backend'] if r['simulator'] == 'modelc' else ''}"
                              f"@{r.get('threads') or '-'}: " + (f"{r['simulate_s']:.4g}s" if r.get("simulate_s") else r["status"])
                              for r in new) + f"   [{time.perf_counter() - t_start:.0f} s]", flush=True)
        # Progress goes to a file of its own: a scan that fails keeps the last complete one whole.
        write_csv(add_ratios(rows), partial_csv)
    meta.update(finished=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                wall_s=time.perf_counter() - t_start, load_end=os.getloadavg(),
                load_max=max(loads) if loads else None,
                load_mean=statistics.mean(loads) if loads else None)
    write_csv(add_ratios(rows), out_csv)
    partial_csv.unlink(missing_ok=True)
    (args.out_dir / f"{args.scan}.meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(f"wrote {out_csv}")
    if not args.no_plots:
        import bench_report
        for path in bench_report.report(out_csv, meta):
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
