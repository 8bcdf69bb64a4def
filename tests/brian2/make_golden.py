#!/usr/bin/env python3
"""Makes the golden files of the Brian2 device tests by running the scripts in scripts/ with
Brian2's cpp_standalone device (the reference for standalone semantics):

    build/pyenv/bin/python tests/brian2/make_golden.py     # Brian2 from the test venv

- golden/deterministic.npz: every array deterministic.py saves (compared exactly);
- golden/user_functions.npz: the same for scripts/user_functions.py (cpp_standalone compiles the
  functions' C++ code; the modelc device translates it);
- golden/dendrify_pyramidal.npz: the same for the Dendrify neuron, made with Brian2's runtime
  (NumPy) target: cpp_standalone cannot run the script unchanged (Dendrify's second_reset
  truth-tests a Synapses object, and the script has five run() calls);
- golden/examples.json: per example the statistics of stats.py over SEEDS seeds (mean, std, the
  values), with the Brian2 version; the tests allow Brian2's own seed-to-seed spread. Dendrify's
  network example runs two networks one after the other, which cpp_standalone cannot run
  unchanged: its reference is Brian2's runtime target, over more seeds (its passive network's
  rate varies by ±30% between seeds).

``--only NAME`` (e.g. ``--only dendrify_network``) remakes that example's entry only.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from stats import example_stats  # noqa: E402

EXAMPLES = [("cuba", []), ("cobahh", []), ("stdp", []), ("brunel_hakim", []),
            ("brunel_hakim", ["hetero"]), ("dendrify_network", [])]
SEEDS = [1, 2, 3]
# Examples whose reference is not cpp_standalone: (device, seeds).
REFERENCE = {"dendrify_network": ("runtime", [1, 2, 3, 4, 5, 6, 7, 8])}


def run(script, out, args, device="cpp_standalone"):
    env = dict(os.environ)
    subprocess.run([sys.executable, os.path.join(HERE, "scripts", script + ".py"), device, out] + args,
                   check=True, cwd=os.path.join(HERE, "scripts"), env=env, stdout=subprocess.DEVNULL)


def main():
    import brian2
    os.makedirs(os.path.join(HERE, "golden"), exist_ok=True)
    tmp = tempfile.mkdtemp()
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
    path = os.path.join(HERE, "golden", "examples.json")
    if only:
        with open(path) as f:
            golden = json.load(f)
        examples(golden, tmp, only)
        write(path, golden)
        return
    out = os.path.join(tmp, "deterministic.npz")
    run("deterministic", out, [])
    os.replace(out, os.path.join(HERE, "golden", "deterministic.npz"))
    out = os.path.join(tmp, "dendrify_pyramidal.npz")
    run("dendrify_pyramidal", out, [], device="runtime")
    os.replace(out, os.path.join(HERE, "golden", "dendrify_pyramidal.npz"))
    out = os.path.join(tmp, "user_functions.npz")
    run("user_functions", out, [])
    os.replace(out, os.path.join(HERE, "golden", "user_functions.npz"))
    if "--exact-only" in sys.argv:
        return
    golden = {"brian2": brian2.__version__, "device": "cpp_standalone", "seeds": SEEDS, "examples": {}}
    examples(golden, tmp)
    write(path, golden)


def examples(golden, tmp, only=None):
    for script, variant in EXAMPLES:
        name = "_".join([script] + variant)
        if only and name != only:
            continue
        device, seeds = REFERENCE.get(name, ("cpp_standalone", SEEDS))
        runs = []
        for seed in seeds:
            out = os.path.join(tmp, "%s_%d.npz" % (name, seed))
            run(script, out, [str(seed)] + variant, device=device)
            runs.append(example_stats(np.load(out)))
            print(name, seed, runs[-1], flush=True)
        golden["examples"][name] = {
            k: {"mean": float(np.mean([r[k] for r in runs])), "std": float(np.std([r[k] for r in runs])),
                "values": [r[k] for r in runs]} for k in runs[0]}
        if device != "cpp_standalone":
            golden["examples"][name]["device"] = device


def write(path, golden):
    with open(path + ".tmp", "w") as f:
        json.dump(golden, f, indent=1)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
