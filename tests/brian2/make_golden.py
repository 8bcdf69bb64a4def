#!/usr/bin/env python3
"""Makes the golden files of the Brian2 device tests by running the scripts in scripts/ with
Brian2's cpp_standalone device (the reference for standalone semantics):

    build/pyenv/bin/python tests/brian2/make_golden.py     # Brian2 from the test venv

- golden/deterministic.npz: every array deterministic.py saves (compared exactly);
- golden/dendrify_pyramidal.npz: the same for the Dendrify neuron, made with Brian2's runtime
  (NumPy) target: cpp_standalone cannot run the script unchanged (Dendrify's second_reset
  truth-tests a Synapses object, and the script has five run() calls);
- golden/examples.json: per example the statistics of stats.py over SEEDS seeds (mean, std, the
  values), with the Brian2 version; the tests allow Brian2's own seed-to-seed spread.
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
            ("brunel_hakim", ["hetero"])]
SEEDS = [1, 2, 3]


def run(script, out, args, device="cpp_standalone"):
    env = dict(os.environ)
    subprocess.run([sys.executable, os.path.join(HERE, "scripts", script + ".py"), device, out] + args,
                   check=True, cwd=os.path.join(HERE, "scripts"), env=env, stdout=subprocess.DEVNULL)


def main():
    import brian2
    os.makedirs(os.path.join(HERE, "golden"), exist_ok=True)
    tmp = tempfile.mkdtemp()
    out = os.path.join(tmp, "deterministic.npz")
    run("deterministic", out, [])
    os.replace(out, os.path.join(HERE, "golden", "deterministic.npz"))
    out = os.path.join(tmp, "dendrify_pyramidal.npz")
    run("dendrify_pyramidal", out, [], device="runtime")
    os.replace(out, os.path.join(HERE, "golden", "dendrify_pyramidal.npz"))
    if "--exact-only" in sys.argv:
        return
    golden = {"brian2": brian2.__version__, "device": "cpp_standalone", "seeds": SEEDS, "examples": {}}
    for script, variant in EXAMPLES:
        name = "_".join([script] + variant)
        runs = []
        for seed in SEEDS:
            out = os.path.join(tmp, "%s_%d.npz" % (name, seed))
            run(script, out, [str(seed)] + variant)
            runs.append(example_stats(np.load(out)))
            print(name, seed, runs[-1], flush=True)
        golden["examples"][name] = {
            k: {"mean": float(np.mean([r[k] for r in runs])), "std": float(np.std([r[k] for r in runs])),
                "values": [r[k] for r in runs]} for k in runs[0]}
    path = os.path.join(HERE, "golden", "examples.json")
    with open(path + ".tmp", "w") as f:
        json.dump(golden, f, indent=1)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
