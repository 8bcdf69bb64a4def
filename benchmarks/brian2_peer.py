#!/usr/bin/env python3
"""Brian2 as a benchmark peer: the same model file, translated by tests/golden/modelc_to_brian2.py.

Imported by benchmarks/run.py (run_brian2) and run as its child process with the interpreter that
has Brian2 (Debian's python3-brian 2.5.1 lives at /usr/bin/python3):

  cpp_standalone  code generation + make -j2 (cold, a fresh directory), then the generated `main` is
                  run by this script as its own process, so that its peak memory is the simulation's
                  and not the compiler's; 1 thread = no OpenMP, as in the Brian2CUDA paper.
                  simulate = Brian2's own timer of the network loop (results/last_run_info.txt);
                  construct = the rest of `main` (static arrays, synapse creation, writing results).
  cython          Brian2's runtime device. construct = building the objects (synapse creation
                  included), compile = a zero-length run (code objects compiled by Cython, or taken
                  from ~/.cython if an earlier run compiled the same code), simulate = the run.
The loop runs as many times as modelc's (`repeats`; `main` again, or the cython network continued
from where it stopped), and the best is kept, as for modelc.

Monitors are removed from the model file by the driver; spikes are counted with
SpikeMonitor(record=False) per group (a counter per neuron, as cheap as it gets in Brian2).
"""
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def run_brian2(python, target, model_path, threads, precision, workdir, timeout, repeats=1):
    """Runs the child; returns its result dict or {"error": reason}. The simulation loop runs
    `repeats` times (cpp_standalone: `main` again; cython: the network continues), best kept."""
    sys.path.insert(0, str(HERE))
    from measured_process import run_json_child
    result, r = run_json_child([python, __file__, target, model_path, str(threads), precision, workdir,
                                str(repeats)], timeout=timeout)
    if "error" in result:
        return result
    if target == "cython":
        result["peak_rss_mib"] = r["peak_rss_mib"]
        result["peak_rss_note"] = "the Python process (Brian2 runtime, includes Cython compiles when cold)"
    return result


def child(target, model_path, threads, precision, workdir, repeats):
    import warnings
    warnings.filterwarnings("ignore")
    sys.path.insert(0, str(ROOT / "tests" / "golden"))
    sys.path.insert(0, str(HERE))
    import numpy as np
    import brian2
    from brian2 import device, prefs, set_device
    from brian2.devices.device import get_device
    from measured_process import run_measured
    from modelc_to_brian2 import load_script, translate_file

    brian2.BrianLogger.log_level_error()
    if precision == "float":
        prefs.core.default_float_dtype = np.float32
    project = Path(workdir) / "brian2"
    if target == "cpp_standalone":
        set_device("cpp_standalone", directory=str(project), build_on_run=False)
        prefs.devices.cpp_standalone.openmp_threads = threads if threads > 1 else 0
        # Brian2's default is `make -j` (no limit): hundreds of compilers at once for a model with
        # many synapse groups, on a machine shared by other sessions.
        prefs.devices.cpp_standalone.extra_make_args_unix = ["-j2"]
    else:
        prefs.codegen.target = "cython"
    doc = json.loads(Path(model_path).read_text())
    if doc["simulation"].get("precision", "double") != "double":
        # The translator writes double literals; Brian2's float32 preference sets the state's type.
        doc["simulation"]["precision"] = "double"
        Path(workdir).mkdir(parents=True, exist_ok=True)
        model_path = Path(workdir) / "model_as_double.json"
        model_path.write_text(json.dumps(doc))
    script = load_script(translate_file(str(model_path)))
    t0 = time.perf_counter()
    net, groups, _ = script["build"](1)
    counters = {name: brian2.SpikeMonitor(g, record=False) for name, g in groups.items()
                if hasattr(g, "spikes") or "spike" in getattr(g, "events", {})}
    for m in counters.values():
        net.add(m)
    out = {"brian2_version": brian2.__version__}
    if target == "cpp_standalone":
        net.run(script["DURATION"])
        device.build(directory=str(project), compile=True, run=False, debug=False)
        out["codegen_s"] = None  # Brian2 does not time code generation and make separately
        out["compile_s"] = time.perf_counter() - t0
        env = dict(os.environ, **prefs["devices.cpp_standalone.run_environment_variables"])
        samples = []
        for _ in range(repeats):
            run = run_measured(["./main"], cwd=project, env=env)
            if run["rc"] != 0:
                raise RuntimeError("main failed: " + run["stderr"][-300:])
            run_time, _fraction = (float(x) for x in (project / "results" / "last_run_info.txt").read_text().split())
            samples.append((run_time, run))
        run_time, run = min(samples, key=lambda x: x[0])
        out["simulate_samples"] = [x[0] for x in samples]
        # What device.run() sets after running main: arrays are then read from results/.
        get_device().has_been_run = True
        out["simulate_s"] = run_time
        out["construct_s"] = run["wall_s"] - run_time
        out["peak_rss_mib"] = run["peak_rss_mib"]
        out["peak_rss_note"] = "the generated main alone"
    else:
        out["construct_s"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        net.run(0 * brian2.second)
        out["compile_s"] = time.perf_counter() - t1
        out["codegen_s"] = None
        samples = []
        for _ in range(repeats):
            t2 = time.perf_counter()
            net.run(script["DURATION"])
            samples.append(time.perf_counter() - t2)
            if len(samples) == 1:  # the spikes of one run, as modelc's
                out["spikes_by_group"] = {name: int(m.num_spikes) for name, m in counters.items()}
        out["simulate_s"] = min(samples)
        out["simulate_samples"] = samples
    if "spikes_by_group" not in out:
        out["spikes_by_group"] = {name: int(m.num_spikes) for name, m in counters.items()}
    print(json.dumps(out))


if __name__ == "__main__":
    a = sys.argv[1:]
    child(a[0], a[1], int(a[2]), a[3], a[4], int(a[5]))
