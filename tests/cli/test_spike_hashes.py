#!/usr/bin/env python3
"""Behaviour fingerprints: every bundled example and golden model gives the spikes it gave before.

Each case runs one model with `modelc run` on one backend (the default pipeline and seed) and
compares two SHA-256 digests with tests/cli/spike_hashes.json:
  * `spikes`: the spike monitors' index and time arrays;
  * `arrays`: every array of the results directory (spikes, state and rate monitors), byte for byte.

The recorded digests are made by this script (`--update`) from a build whose behaviour is the
reference; a refactoring that is meant to change nothing must leave them all equal. A change that
is meant to alter results (a new integrator, a different arithmetic order) updates them in the
same commit and says why.

The CPU backend runs every model. The OpenCL backend (when `modelc devices` lists a device) runs
the golden models; its digests are recorded separately, since where atomics reorder additions it
is not bit-identical to the CPU (tests/unit/test_gpu_equivalence.cpp states where it is).

Usage is that of test_cli.py: --modelc, --root, --case, --list; plus --update to rewrite the file.
"""

import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_cli as base  # noqa: E402
from test_cli import check  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
EXPECTED = HERE / "spike_hashes.json"


def models():
    """(case name, path relative to the repository, backend) for every model and backend."""
    out = []
    for p in sorted((REPO / "examples").glob("*.json")):
        out.append(("cpu." + p.stem, "examples/" + p.name, "cpu"))
    for p in sorted((REPO / "tests/golden/models").glob("*.json")):
        out.append(("cpu.golden." + p.stem, "tests/golden/models/" + p.name, "cpu"))
    for p in sorted((REPO / "tests/golden/models").glob("*.json")):
        out.append(("opencl.golden." + p.stem, "tests/golden/models/" + p.name, "opencl"))
    return out


def digests(results):
    manifest = json.loads((results / "manifest.json").read_text())
    arrays = manifest["arrays"]
    # Spike and event monitors are the ones that record an index per entry (`i`).
    spike_monitors = {m["monitor"] for m in arrays.values() if m.get("field") == "i"}
    spikes, everything = hashlib.sha256(), hashlib.sha256()
    for name in sorted(arrays):
        data = (results / name).read_bytes()
        everything.update(name.encode() + b"\0" + data)
        if arrays[name].get("monitor") in spike_monitors:
            spikes.update(name.encode() + b"\0" + data)
    return {"spikes": spikes.hexdigest(), "arrays": everything.hexdigest(), "files": len(arrays)}


def opencl_available(env):
    r = env.modelc("devices")
    return "OpenCL:" in r.out and "[0]" in r.out


def run_model(env, rel, backend):
    out = env.tmp / "results"
    r = env.modelc("run", base.ROOT / rel, "--backend", backend, "-q", "-o", out, timeout=600)
    # A model that a backend refuses (a feature it lacks) is recorded with the reason: the
    # refusal must stay the same too, until the feature arrives and the digest is recorded.
    if r.rc == 1 and backend != "cpu" and "error:" in r.err:
        return {"refused": r.err.split("error:", 1)[1].splitlines()[0].strip()}
    check(r.rc == 0, "modelc run %s --backend %s failed" % (rel, backend), r)
    return digests(out)


def make_case(name, rel, backend):
    def fn(env):
        if backend == "opencl" and not opencl_available(env):
            raise base.Skip("no OpenCL device")
        got = run_model(env, rel, backend)
        expected = json.loads(EXPECTED.read_text()).get(name)
        check(expected is not None, "%s has no recorded digest: run this script with --update" % name)
        check(got.get("refused") == expected.get("refused"),
              "%s: refused %r, recorded %r" % (name, got.get("refused"), expected.get("refused")))
        if "refused" in got:
            return
        check(got["files"] == expected["files"],
              "%s: %d result arrays, %d recorded" % (name, got["files"], expected["files"]))
        check(got["spikes"] == expected["spikes"], "%s: the spikes differ from the recorded run" % name)
        check(got["arrays"] == expected["arrays"],
              "%s: the spikes agree but a monitor array differs from the recorded run" % name)
    fn.__name__ = name
    return fn


CASES = {name: make_case(name, rel, backend) for name, rel, backend in models()}


def update(modelc, root):
    import tempfile
    base.MODELC, base.ROOT = str(Path(modelc).resolve()), Path(root).resolve()
    table = {}
    for name, rel, backend in models():
        with tempfile.TemporaryDirectory() as tmp:
            env = base.Env(tmp)
            if backend == "opencl" and not opencl_available(env):
                continue
            table[name] = {"model": rel, "backend": backend, **run_model(env, rel, backend)}
            print(name, table[name].get("spikes", "refused")[:16])
    EXPECTED.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    if "--update" in sys.argv:
        a = sys.argv
        sys.exit(update(a[a.index("--modelc") + 1], a[a.index("--root") + 1]))
    sys.exit(base.run_main(CASES, __doc__))
