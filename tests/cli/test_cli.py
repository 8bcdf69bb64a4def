#!/usr/bin/env python3
"""End-to-end tests of the `modelc` command line.

Each case runs the real binary on real model files and asserts on what it prints, its exit status
and the files it writes. Standard library only; numpy is used for a second opinion on the .npy
files when it is importable (Debian's python3-numpy for /usr/bin/python3).

Usage:
  test_cli.py --modelc BUILD/modelc --root REPO --case NAME   # one case (what CTest runs)
  test_cli.py --modelc BUILD/modelc --root REPO               # every case
  test_cli.py --list                                          # case names, one a line

Every case gets a private temporary directory, used as TMPDIR and as MODELC_CACHE_DIR, so cases
are independent, may run in parallel, and start with a cold build cache.
"""

import argparse
import ast
import json
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

try:
    import numpy as np
except ImportError:  # the checks that need it are skipped, the rest still run
    np = None

MODELC = None
ROOT = None
CASES = {}

# The passes every pipeline must contain, in this relative order. The full default pipeline is read
# from `modelc passes` (it grows as passes are added); the tests check its invariants and that the
# CLI honours it.
REQUIRED_PIPELINE = ["resolve-names", "inline-subexpressions", "fold-constants", "state-update",
                     "fold-constants", "lower-to-kernels"]
_PIPELINE_CACHE = {}


def default_pipeline(env):
    if "pipeline" not in _PIPELINE_CACHE:
        r = env.modelc("passes")
        line = r.out.splitlines()[-1] if r.out else ""
        check(line.startswith("default pipeline: "), "modelc passes ends with the default pipeline", r)
        _PIPELINE_CACHE["pipeline"] = line[len("default pipeline: "):].split()
    return _PIPELINE_CACHE["pipeline"]


def is_subsequence(needle, haystack):
    it = iter(haystack)
    return all(any(x == y for y in it) for x in needle)


class Failure(Exception):
    pass


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def check(cond, msg, result=None):
    if not cond:
        if result is not None:
            msg += "\n" + result.describe()
        raise Failure(msg)


class Result:
    def __init__(self, args, rc, out, err, seconds):
        self.args, self.rc, self.out, self.err, self.seconds = args, rc, out, err, seconds

    def describe(self):
        return ("--- command: modelc %s\n--- exit status: %s\n--- stdout:\n%s--- stderr:\n%s---"
                % (" ".join(map(str, self.args)), self.rc, self.out, self.err))


class Env:
    """A case's private scratch space."""

    def __init__(self, tmp):
        self.tmp = Path(tmp)
        self.tmpdir = self.tmp / "tmpdir"
        self.cache = self.tmp / "cache"
        self.tmpdir.mkdir()
        self.env = dict(os.environ)
        self.env.update(TMPDIR=str(self.tmpdir), MODELC_CACHE_DIR=str(self.cache), LC_ALL="C")

    def modelc(self, *args, timeout=300, cwd=None):
        t0 = time.monotonic()
        p = subprocess.run([MODELC] + [str(a) for a in args], capture_output=True, timeout=timeout,
                           env=self.env, cwd=cwd or self.tmp)
        dt = time.monotonic() - t0
        out = p.stdout.decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace")
        r = Result(args, p.returncode, out, err, dt)
        # Whatever the input, modelc reports and exits; it never dies on a signal or an exception.
        check(p.returncode >= 0, "modelc was killed by signal %d" % -p.returncode, r)
        check("terminate called" not in err and "internal error" not in err,
              "modelc crashed or reported an internal error", r)
        return r

    def write_model(self, name, model):
        path = self.tmp / name
        path.write_text(json.dumps(model, indent=2) + "\n")
        return path


def example(name):
    return ROOT / "examples" / name


def load_example(name):
    return json.loads(example(name).read_text())


# --- check --------------------------------------------------------------------------------------

# What the bundled examples contain: groups, neurons, synapse groups, monitors, steps.
EXAMPLE_COUNTS = {
    "lif.json": (1, 10, 0, 2, 1000),
    "cuba.json": (1, 4000, 2, 3, 10000),
    "cobahh.json": (1, 4000, 2, 2, 10000),
    "cobahh_uncoupled.json": (1, 4000, 0, 2, 10000),
    "cobahh_coupled.json": (1, 4000, 2, 2, 10000),
    "stdp_network.json": (2, 10010, 1, 2, 10000),
    "stdp_network_hetero.json": (2, 10010, 1, 2, 10000),
    "potjans_diesmann.json": (8, 7718, 55, 8, 10000),
}


@case
def check_examples(env):
    examples = sorted((ROOT / "examples").glob("*.json"))
    check(len(examples) >= 3, "expected the bundled examples in examples/, found %s" % examples)
    for path in examples:
        r = env.modelc("check", path)
        check(r.rc == 0, "modelc check %s failed" % path.name, r)
        check(r.err == "", "modelc check %s printed diagnostics on a valid model" % path.name, r)
        m = re.fullmatch(r"(.*): ok \((\d+) neuron groups, (\d+) neurons, (\d+) synapse groups, "
                         r"(\d+) monitors, (\d+) steps\)\n"
                         r"  code: \d+ kernels \(\d+ per step\), \d+ buffers to generate and compile\n"
                         r"  memory: (about|at least) [\d.]+ (B|KiB|MiB|GiB) \(([\d.e+]+) synapses expected\)\n", r.out)
        check(m is not None, "unexpected output of modelc check", r)
        check(m.group(1) == str(path), "the ok line names %r, not the model file" % m.group(1), r)
        got = tuple(int(x) for x in m.groups()[1:6])
        if path.name == "cuba.json":  # p = 80/N over 4000 x 4000 pairs
            check(float(m.group(9)) == 3.2e5, "cuba: 3.2e5 synapses expected, check says %s" % m.group(9), r)
        doc = json.loads(path.read_text())
        # The structural counts follow from the file; neurons and steps from the table above.
        structural = (len(doc["neuron_groups"]), len(doc.get("synapses", [])), len(doc.get("monitors", [])))
        check((got[0], got[2], got[3]) == structural,
              "%s: counts %s, the file has %s groups/synapses/monitors" % (path.name, got, structural), r)
        if path.name in EXAMPLE_COUNTS:
            check(got == EXAMPLE_COUNTS[path.name],
                  "%s: expected %s, got %s" % (path.name, EXAMPLE_COUNTS[path.name], got), r)


# --- the benchmark model set (Brian2CUDA paper, plus CUBA and the Potjans-Diesmann microcircuit) --

def run_manifest(env, name, *args):
    out = env.tmp / ("res_" + name)
    r = env.modelc("run", example(name + ".json"), "-q", "-o", out, *args, timeout=600)
    check(r.rc == 0, "modelc run %s failed" % name, r)
    return json.loads((out / "manifest.json").read_text()), r


@case
def benchmark_examples_run(env):
    # Short runs at a size other than the file's: the connectivity follows the rules the
    # descriptions promise (p = 1000/N: about 1000 synapses per target neuron at any N).
    m, r = run_manifest(env, "cobahh_coupled", "--set", "N=2000", "--duration", "50ms")
    syn = sum(g["synapses"] for g in m["synapse_groups"])
    check(abs(syn - 2000 * 1000) < 5 * math.sqrt(2000 * 1000), "cobahh_coupled N=2000: %d synapses" % syn, r)
    check(m["populations"][0]["spikes"] > 0, "cobahh_coupled spikes", r)
    m2, r = run_manifest(env, "cobahh_uncoupled", "--set", "N=2000", "--duration", "50ms")
    check(m2["synapse_groups"] == [], "cobahh_uncoupled has no synapses", r)
    # The weights of the coupled variant are ~1e-9 nS: the same spikes as without synapses.
    check(m2["populations"][0]["spikes"] == m["populations"][0]["spikes"],
          "coupled %d vs uncoupled %d spikes" % (m["populations"][0]["spikes"], m2["populations"][0]["spikes"]), r)
    for name in ("stdp_network", "stdp_network_hetero"):
        m, r = run_manifest(env, name, "--set", "N=3000", "--duration", "100ms")
        sizes = {p["name"]: p["size"] for p in m["populations"]}
        check(sizes == {"input": 3000, "neurons": 3}, "%s: N/1000 targets, got %s" % (name, sizes), r)
        syn = m["synapse_groups"][0]["synapses"]
        check(abs(syn - 3000) < 5 * math.sqrt(3000), "%s: %d synapses, about N expected" % (name, syn), r)
        rates = {p["name"]: p["mean_rate_hz"] for p in m["populations"]}
        check(10 < rates["input"] < 20 and rates["neurons"] > 0, "%s rates %s" % (name, rates), r)
        delays = [d["what"] for d in m["decisions"] if d["what"].startswith("delay of S")]
        want = "delay of S.pre: heterogeneous" if name.endswith("hetero") else "delay of S: 20 steps"
        check(delays == [want], "%s: %r expected, decisions say %s" % (name, want, delays), r)


@case
def potjans_diesmann_example(env):
    # The model file is what examples/potjans_diesmann.py writes.
    p = subprocess.run([sys.executable, str(ROOT / "examples" / "potjans_diesmann.py"), "--check"],
                       capture_output=True, text=True)
    check(p.returncode == 0, "examples/potjans_diesmann.json is stale: " + p.stderr)
    # Full scale is only checked (about 3e8 synapses, several GiB): the estimate must say so
    # before anything is compiled.
    r = env.modelc("check", example("potjans_diesmann.json"), "--set", "scale=1")
    check(r.rc == 0, "check at full scale", r)
    m = re.search(r"ok \(8 neuron groups, (\d+) neurons, 55 synapse groups.*\n.*\n"
                  r"  memory: at least ([\d.]+) (MiB|GiB) \(([\d.e+]+) synapses expected\)", r.out)
    check(m is not None, "unexpected check output", r)
    check(int(m.group(1)) == 77169, "77,169 neurons at scale 1, got %s" % m.group(1), r)
    check(2.9e8 < float(m.group(4)) < 3.1e8, "about 3e8 synapses at scale 1, got %s" % m.group(4), r)
    check(m.group(3) == "GiB" and float(m.group(2)) > 3, "a full-scale memory estimate of GiBs", r)
    # CI size: 2% of the neurons and of the in-degrees (weights and DC compensate), 300 ms.
    m, r = run_manifest(env, "potjans_diesmann", "--set", "scale=0.02", "--duration", "300ms")
    rates = {p["name"]: p["mean_rate_hz"] for p in m["populations"]}
    sizes = {p["name"]: p["size"] for p in m["populations"]}
    check(sum(sizes.values()) == 1544, "neurons at scale 0.02: %s" % sizes, r)
    # Low, layer-specific rates (NEST's full-scale means: 1.0 2.9 4.7 5.4 8.1 9.1 1.0 7.5 Hz).
    check(all(0 < v < 30 for v in rates.values()), "rates out of range: %s" % rates, r)
    check(rates["L23E"] < rates["L4E"] and rates["L6E"] < rates["L4E"] and rates["L23E"] < rates["L23I"],
          "layer-specific rates expected (L2/3E and L6E lowest): %s" % rates, r)


# --- diagnostics --------------------------------------------------------------------------------

def lif_with(env, name, edit):
    doc = load_example("lif.json")
    edit(doc)
    return env.write_model(name, doc)


def expect_diagnostic(env, args, expected_lines, rc=1):
    """Runs modelc, expects exit status `rc` and `expected_lines` (exact, in order, contiguous) in
    stderr, nothing on stdout."""
    r = env.modelc(*args)
    check(r.rc == rc, "expected exit status %d" % rc, r)
    check(r.out == "", "expected nothing on stdout for a rejected model", r)
    lines = r.err.splitlines()
    n = len(expected_lines)
    found = any(lines[k:k + n] == expected_lines for k in range(len(lines) - n + 1))
    check(found, "expected these lines in stderr:\n" + "\n".join(expected_lines), r)
    return r


@case
def diag_unknown_identifier(env):
    def edit(doc):
        doc["neuron_groups"][0]["equations"][0] = "dv/dt = (v0 - v) / taum : volt (unless refractory)"
    path = lif_with(env, "bad.json", edit)
    expect_diagnostic(env, ["check", "bad.json"], [
        "bad.json:/neuron_groups/0/equations/0: error: unknown identifier 'taum'",
        "    dv/dt = (v0 - v) / taum : volt (unless refractory)",
        "                       ^~~~",
        "  hint: did you mean 'tau'?",
    ])
    # The same diagnostic from `run`, before anything is compiled or written.
    r = expect_diagnostic(env, ["run", path, "-o", env.tmp / "res"], [
        "  hint: did you mean 'tau'?",
    ])
    check(not (env.tmp / "res").exists(), "a failed run must not create the results directory", r)


@case
def diag_unit_mismatch(env):
    # An operand mismatch points at the operator...
    lif_with(env, "sub.json", lambda d: d["neuron_groups"][0]["equations"].__setitem__(
        0, "dv/dt = v0 / tau - v : volt (unless refractory)"))
    expect_diagnostic(env, ["check", "sub.json"], [
        "sub.json:/neuron_groups/0/equations/0: error: cannot subtract volt from volt / second",
        "    dv/dt = v0 / tau - v : volt (unless refractory)",
        "                     ^",
        "  hint: both sides must have the same units",
    ])
    # ...a right-hand side of the wrong dimension at the expression...
    lif_with(env, "rhs.json", lambda d: d["neuron_groups"][0]["equations"].__setitem__(
        0, "dv/dt = 2 * v0 : volt (unless refractory)"))
    expect_diagnostic(env, ["check", "rhs.json"], [
        "rhs.json:/neuron_groups/0/equations/0: error: the right-hand side has units of volt, "
        "but dv/dt needs volt / second",
        "    dv/dt = 2 * v0 : volt (unless refractory)",
        "            ^~~~~~",
        "  hint: an ODE's right-hand side needs the variable's unit per second: divide by a time constant",
    ])
    # ...and a unitless number added to a voltage in the threshold at the '+'.
    lif_with(env, "thr.json", lambda d: d["neuron_groups"][0].__setitem__("threshold", "v > Vt + 1"))
    expect_diagnostic(env, ["check", "thr.json"], [
        "thr.json:/neuron_groups/0/threshold: error: cannot add volt and a dimensionless value",
        "    v > Vt + 1",
        "           ^",
        "  hint: give the number a unit, e.g. '1*volt'",
    ])


@case
def diag_syntax_error(env):
    lif_with(env, "syntax.json", lambda d: d["neuron_groups"][0]["equations"].__setitem__(
        0, "dv/dt = (v0 - v)) / tau : volt (unless refractory)"))
    expect_diagnostic(env, ["check", "syntax.json"], [
        "syntax.json:/neuron_groups/0/equations/0: error: unmatched ')'",
        "    dv/dt = (v0 - v)) / tau : volt (unless refractory)",
        "                    ^",
        "  hint: remove it or add the matching '('",
    ])
    lif_with(env, "reset.json", lambda d: d["neuron_groups"][0].__setitem__("reset", "v = Vr; v +="))
    r = env.modelc("check", "reset.json")
    check(r.rc == 1, "an incomplete reset statement must be rejected", r)
    check(r.err.startswith("reset.json:/neuron_groups/0/reset: error: "), "expected the reset's pointer", r)
    # The caret line sits under the code line, at the end of the statement.
    lines = r.err.splitlines()
    check(lines[1] == "    v = Vr; v +=" and lines[2].rstrip() == "    " + " " * len("v = Vr; v +=") + "^",
          "expected the caret just past 'v +='", r)


@case
def diag_unknown_field(env):
    def edit(doc):
        g = doc["neuron_groups"][0]
        g["treshold"] = g.pop("threshold")
    lif_with(env, "field.json", edit)
    expect_diagnostic(env, ["check", "field.json"], [
        "field.json:/neuron_groups/0/treshold: error: unknown field 'treshold'",
        "  hint: did you mean 'threshold'?",
    ])


@case
def diag_set_unknown_parameter(env):
    expect_diagnostic(env, ["check", example("cuba.json"), "--set", "Nn=400"], [
        "%s:/parameters: error: --set Nn: the model has no parameter 'Nn'" % example("cuba.json"),
        "  hint: did you mean 'N'?",
    ])
    expect_diagnostic(env, ["run", example("cuba.json"), "--set", "N", "-o", env.tmp / "res"], [
        "%s: error: --set expects NAME=VALUE, got 'N'" % example("cuba.json"),
        "  hint: e.g. --set N=40000",
    ])
    check(not (env.tmp / "res").exists(), "a rejected run must not create the results directory")


# --- run ----------------------------------------------------------------------------------------

NPY_DTYPES = {"int32": ("<i4", 4), "int64": ("<i8", 8), "float64": ("<f8", 8), "float32": ("<f4", 4)}
MANIFEST_KEYS = {"model", "backend", "versions", "dt", "steps", "seed", "precision", "timings", "populations",
                 "synapse_groups", "arrays", "decisions"}
TIMING_KEYS = {"parse", "passes", "codegen", "compile", "construct", "simulate"}


def read_npy(path):
    """Parses a version 1/2/3 .npy file by hand; returns (descr, fortran_order, shape, payload bytes)."""
    data = path.read_bytes()
    check(data[:6] == b"\x93NUMPY", "%s: not a .npy file (bad magic)" % path.name)
    major = data[6]
    check(major in (1, 2, 3), "%s: unknown .npy version %d" % (path.name, major))
    if major == 1:
        (hlen,), start = struct.unpack("<H", data[8:10]), 10
    else:
        (hlen,), start = struct.unpack("<I", data[8:12]), 12
    header = data[start:start + hlen].decode("latin1")
    check((start + hlen) % 16 == 0, "%s: the .npy header is not padded to 16 bytes" % path.name)
    check(header.endswith("\n"), "%s: the .npy header does not end with a newline" % path.name)
    h = ast.literal_eval(header.strip())
    check(set(h) == {"descr", "fortran_order", "shape"}, "%s: bad header keys %s" % (path.name, h))
    return h["descr"], h["fortran_order"], tuple(h["shape"]), data[start + hlen:]


def check_results_dir(out_dir, summary):
    """Checks the manifest, every array it lists and the summary printed by `run` against each
    other; returns (manifest, {array name: list of values or numpy array})."""
    manifest = json.loads((out_dir / "manifest.json").read_text())
    check(MANIFEST_KEYS <= set(manifest), "manifest lacks %s" % (MANIFEST_KEYS - set(manifest)))
    check(TIMING_KEYS <= set(manifest["timings"]), "manifest timings lack %s" % (TIMING_KEYS - set(manifest["timings"])))
    check(all(isinstance(v, (int, float)) and v >= 0 for v in manifest["timings"].values()), "negative timings")
    check({"modelc", "abi"} <= set(manifest["versions"]), "manifest versions: %s" % manifest["versions"])
    check(manifest["backend"] == "cpu", "backend %r" % manifest["backend"])
    check(manifest["precision"] in ("double", "float"), "precision %r" % manifest["precision"])
    check(isinstance(manifest["decisions"], list) and all({"what", "why"} <= set(d) for d in manifest["decisions"]),
          "decisions must be a list of {what, why}")

    arrays = {}
    on_disk = {p.name for p in out_dir.iterdir()} - {"manifest.json"}
    check(on_disk == set(manifest["arrays"]),
          "files %s but the manifest lists %s" % (sorted(on_disk), sorted(manifest["arrays"])))
    for name, meta in manifest["arrays"].items():
        descr, fortran, shape, payload = read_npy(out_dir / name)
        want_descr, size = NPY_DTYPES[meta["dtype"]]
        check(descr == want_descr, "%s: descr %r, manifest dtype %s" % (name, descr, meta["dtype"]))
        check(not fortran, "%s: fortran_order" % name)
        check(list(shape) == meta["shape"], "%s: shape %s, manifest %s" % (name, shape, meta["shape"]))
        count = math.prod(shape)
        check(len(payload) == count * size, "%s: %d payload bytes for %d elements" % (name, len(payload), count))
        values = list(struct.unpack("<%d%s" % (count, {"<i4": "i", "<i8": "q", "<f8": "d", "<f4": "f"}[descr]),
                                    payload))
        if np is not None:
            a = np.load(out_dir / name, allow_pickle=False)
            check(a.shape == shape and a.dtype == np.dtype(want_descr), "%s: numpy reads %s %s" % (name, a.shape, a.dtype))
            check(a.ravel().tolist() == values, "%s: numpy and the hand parser disagree" % name)
            arrays[name] = a
        else:
            arrays[name] = values

    # Spike counts: a spike monitor over a whole population without an index filter sees them all.
    pops = {p["name"]: p for p in manifest["populations"]}
    duration = manifest["steps"] * manifest["dt"]
    for p in manifest["populations"]:
        check(abs(p["mean_rate_hz"] - p["spikes"] / p["size"] / duration) <= 1e-9 * max(1, p["mean_rate_hz"]),
              "mean rate of %s is not spikes / size / duration" % p["name"])
        m = re.search(r"^  %s +(\d+) +(\d+) +([0-9.]+) Hz$" % re.escape(p["name"]), summary, re.M)
        check(m is not None, "the summary has no row for population %s" % p["name"])
        check((int(m.group(1)), int(m.group(2))) == (p["size"], p["spikes"]),
              "summary row %r disagrees with the manifest %s" % (m.group(0), p))
        check(abs(float(m.group(3)) - p["mean_rate_hz"]) <= 5e-4, "summary rate %s vs %s" % (m.group(3), p))
    for g in manifest["synapse_groups"]:
        m = re.search(r"^  %s +(\d+)   (\S+) -> (\S+)$" % re.escape(g["name"]), summary, re.M)
        check(m is not None and (int(m.group(1)), m.group(2), m.group(3)) == (g["synapses"], g["source"], g["target"]),
              "the summary row for synapses %s disagrees with the manifest %s" % (g["name"], g))
    monitors = {}
    for name, meta in manifest["arrays"].items():
        monitors.setdefault(meta["monitor"], {})[meta["field"]] = name
    for mon, fields in monitors.items():
        if set(fields) == {"i", "t"}:  # a spike monitor
            i, t = arrays[fields["i"]], arrays[fields["t"]]
            check(len(i) == len(t), "monitor %s: %d indices but %d times" % (mon, len(i), len(t)))
            times = list(t)
            check(times == sorted(times), "monitor %s: spike times are not sorted" % mon)
            check(all(0 <= x < duration + 1e-12 for x in times), "monitor %s: spike time outside the run" % mon)
            steps = [x / manifest["dt"] for x in times]
            check(all(abs(s - round(s)) < 1e-6 for s in steps), "monitor %s: a spike time is not a whole step" % mon)
    return manifest, arrays


def parse_summary_timings(out):
    t = {}
    for m in re.finditer(r"^    (\w+) +([0-9.]+) s(.*)$", out, re.M):
        t[m.group(1)] = (float(m.group(2)), m.group(3).strip())
    return t


def simulate_lif_reference(doc):
    """Independent reference for examples/lif.json: Brian2's schedule with the exact solution of
    dv/dt = (v0 - v)/tau, step-based refractoriness, threshold v > Vt, reset v = Vr."""
    dt, tau, vt, vr = 1e-4, 10e-3, 15e-3, 0.0
    n, steps, ref_steps = 10, 1000, 20
    assert doc["constants"] == {"tau": "10 ms", "Vt": "15 mV", "Vr": "0 mV"}, "examples/lif.json changed"
    a, b = math.exp(-dt / tau), -math.expm1(-dt / tau)
    v = [0.0] * n
    v0 = [10e-3 + i * 2e-3 for i in range(n)]
    last = [None] * n
    spikes, trace = [], []
    for step in range(steps):
        if step % 10 == 0:
            trace.append([v[0], v[9]])
        for i in range(n):
            nr = last[i] is None or step - last[i] >= ref_steps
            if nr:
                v[i] = a * v[i] + b * v0[i]
            if nr and v[i] > vt:
                spikes.append((i, step))
                last[i] = step
                v[i] = vr
    return spikes, trace


@case
def run_lif(env):
    out_dir = env.tmp / "results" / "lif"
    r = env.modelc("run", example("lif.json"), "-o", out_dir, "-q")
    check(r.rc == 0, "modelc run failed", r)
    check(r.out.startswith("lif: 0.1 s simulated (1000 steps of 0.0001 s), backend cpu, double precision\n"),
          "unexpected first summary line", r)
    check(re.search(r"^  population +neurons +spikes +mean rate$", r.out, re.M) is not None, "no population table", r)
    timings = parse_summary_timings(r.out)
    check(list(timings) == ["parse", "passes", "codegen", "compile", "construct", "simulate"],
          "summary timings %s" % list(timings), r)
    check(timings["compile"][1] == "(not cached)", "a cold cache must compile: %r" % (timings["compile"],), r)
    check(re.fullmatch(r"\(realtime x[0-9.]+\)", timings["simulate"][1]) is not None, "no realtime factor", r)
    check(r.out.endswith("results written to %s/\n" % out_dir), "no 'results written to' line", r)
    # fuse-neuron-kernels: G's update, threshold and reset are one kernel, so one launch per step.
    check(re.search(r"^  kernel launches per step 1 \(1000 in 1000 steps\)$", r.out, re.M) is not None,
          "no 'kernel launches per step' line (or not 1 per step)", r)

    manifest, arrays = check_results_dir(out_dir, r.out)
    check(manifest.get("kernel_launches") == {"total": 1000, "per_step": 1.0},
          "manifest kernel_launches %r" % manifest.get("kernel_launches"))
    check(manifest["model"] == "lif" and manifest["steps"] == 1000 and manifest["dt"] == 1e-4
          and manifest["seed"] == 0 and manifest["precision"] == "double",
          "manifest header: %s" % {k: manifest[k] for k in ("model", "steps", "dt", "seed", "precision")})
    check(manifest["compile_cached"] is False, "compile_cached on a cold cache")
    check(manifest["populations"] == [{"name": "G", "size": 10, "spikes": manifest["populations"][0]["spikes"],
                                       "mean_rate_hz": manifest["populations"][0]["mean_rate_hz"]}],
          "populations: %s" % manifest["populations"])
    check({"what": "integration of G: exact", "why": "requested in the model"} in manifest["decisions"],
          "decisions: %s" % manifest["decisions"])
    check(set(manifest["arrays"]) == {"spikes_i.npy", "spikes_t.npy", "v_indices.npy", "v_t.npy", "v_v.npy"},
          "arrays: %s" % sorted(manifest["arrays"]))
    check(manifest["arrays"]["v_v.npy"]["shape"] == [100, 2] and manifest["arrays"]["v_v.npy"]["unit"] == "volt",
          "v_v.npy: %s" % manifest["arrays"]["v_v.npy"])
    spikes_i = [int(x) for x in arrays["spikes_i.npy"]]
    check(len(spikes_i) == manifest["populations"][0]["spikes"], "spike count vs manifest")
    check([int(x) for x in arrays["v_indices.npy"]] == [0, 9], "v_indices: %s" % arrays["v_indices.npy"])
    v_t = [float(x) for x in arrays["v_t.npy"]]
    check(all(abs(t - k * 1e-3) < 1e-12 for k, t in enumerate(v_t)), "v_t is not 0, 1 ms, 2 ms, ...")

    # Against an independent reference simulation of the same model.
    ref_spikes, ref_trace = simulate_lif_reference(load_example("lif.json"))
    got = sorted((i, round(t / 1e-4)) for i, t in zip(spikes_i, (float(x) for x in arrays["spikes_t.npy"])))
    check(got == sorted(ref_spikes), "spikes differ from the reference: %d vs %d spikes, first difference %s"
          % (len(got), len(ref_spikes), sorted(set(got) ^ set(ref_spikes))[:5]))
    v_v = arrays["v_v.npy"]
    rows = v_v.tolist() if np is not None else [v_v[k:k + 2] for k in range(0, len(v_v), 2)]
    worst = max(abs(x - y) for row, ref in zip(rows, ref_trace) for x, y in zip(row, ref))
    check(worst < 1e-12, "v trace differs from the reference by %g V" % worst)

    leftovers = [p.name for p in out_dir.parent.iterdir() if p.name != "lif"]
    check(leftovers == [], "left behind next to the results: %s" % leftovers)
    check(list(env.tmpdir.iterdir()) == [], "left behind in TMPDIR: %s" % list(env.tmpdir.iterdir()))

    # A second run into the same directory replaces it atomically.
    first_manifest = json.loads((out_dir / "manifest.json").read_text())
    check(first_manifest.get("format") == "modelc-results", "manifest lacks the modelc-results marker")
    (out_dir / "manifest.json").write_text(json.dumps(dict(first_manifest, model="edited")))
    r = env.modelc("run", example("lif.json"), "-o", out_dir, "-q")
    check(r.rc == 0, "second run into an existing results directory failed", r)
    check(json.loads((out_dir / "manifest.json").read_text())["model"] == "lif", "the results were not replaced", r)
    check([p.name for p in out_dir.parent.iterdir()] == ["lif"], "leftovers after the second run", r)
    # A file modelc did not write makes the directory not modelc's: refused, nothing touched...
    (out_dir / "stale.npy").write_bytes(b"x")
    r = env.modelc("run", example("lif.json"), "-o", out_dir, "-q")
    check(r.rc == 1 and "stale.npy" in r.err and "--force" in r.err, "a foreign file in the results was not refused", r)
    check((out_dir / "stale.npy").read_bytes() == b"x", "the foreign file was touched", r)
    # ... unless --force, which moves the directory aside instead of deleting it.
    r = env.modelc("run", example("lif.json"), "-o", out_dir, "-q", "--force")
    check(r.rc == 0 and not (out_dir / "stale.npy").exists(), "--force did not write the results", r)
    aside = [p for p in out_dir.parent.iterdir() if p.name.startswith("lif.replaced-")]
    check(len(aside) == 1 and (aside[0] / "stale.npy").read_bytes() == b"x", "--force lost the old directory", r)


@case
def run_cached(env):
    first = env.modelc("run", example("lif.json"), "-o", env.tmp / "r1", "-q")
    check(first.rc == 0, "first run failed", first)
    second = env.modelc("run", example("lif.json"), "-o", env.tmp / "r2", "-q")
    check(second.rc == 0, "second run failed", second)
    t1, t2 = parse_summary_timings(first.out), parse_summary_timings(second.out)
    check(t1["compile"][1] == "(not cached)", "first run: %r" % (t1["compile"],), first)
    check(t2["compile"][1] == "(cached)", "second run must hit the build cache: %r" % (t2["compile"],), second)
    m1 = json.loads((env.tmp / "r1" / "manifest.json").read_text())
    m2 = json.loads((env.tmp / "r2" / "manifest.json").read_text())
    check(m1["compile_cached"] is False and m2["compile_cached"] is True, "manifest compile_cached flags")
    check(m2["timings"]["compile"] < m1["timings"]["compile"],
          "cached compile took %g s, the real one %g s" % (m2["timings"]["compile"], m1["timings"]["compile"]))
    check(m2["timings"]["compile"] < 0.5, "a cache hit took %g s" % m2["timings"]["compile"])
    check(second.seconds < first.seconds, "the cached run took longer than the first (%.2f s vs %.2f s)"
          % (second.seconds, first.seconds))
    # Same model, same seed: bit-identical results.
    for name in m1["arrays"]:
        check((env.tmp / "r1" / name).read_bytes() == (env.tmp / "r2" / name).read_bytes(),
              "%s differs between two runs of the same model" % name)
    # A different model must not be served from the cache entry of the first.
    third = env.modelc("run", example("lif.json"), "--set", "X=1", "-o", env.tmp / "r3", "-q")
    check(third.rc == 1, "--set of a parameter lif.json does not have must fail", third)
    doc = load_example("lif.json")
    doc["constants"]["tau"] = "20 ms"
    env.write_model("lif_tau20.json", doc)
    fourth = env.modelc("run", "lif_tau20.json", "-o", env.tmp / "r4", "-q")
    check(fourth.rc == 0 and parse_summary_timings(fourth.out)["compile"][1] == "(not cached)",
          "a changed model must be recompiled", fourth)


@case
def run_set_parameter(env):
    out_dir = env.tmp / "cuba400"
    r = env.modelc("run", example("cuba.json"), "--set", "N=400", "-o", out_dir, "-q", "--threads", "2")
    check(r.rc == 0, "modelc run --set N=400 failed", r)
    check(re.search(r"^  P +400 +\d+ +[0-9.]+ Hz$", r.out, re.M) is not None, "summary does not show 400 neurons", r)
    manifest, arrays = check_results_dir(out_dir, r.out)
    check([p["size"] for p in manifest["populations"]] == [400], "manifest populations: %s" % manifest["populations"])
    syn = {g["name"]: g for g in manifest["synapse_groups"]}
    # p = 80/N = 0.2: Ce has 320 x 400 candidates, Ci 80 x 400; allow 6 binomial standard deviations.
    for name, candidates in (("Ce", 320 * 400), ("Ci", 80 * 400)):
        mean, sd = candidates * 0.2, math.sqrt(candidates * 0.2 * 0.8)
        check(abs(syn[name]["synapses"] - mean) < 6 * sd,
              "%s has %d synapses, expected about %d" % (name, syn[name]["synapses"], mean), r)
    spikes_i = arrays["spikes_i.npy"]
    check(len(spikes_i) == manifest["populations"][0]["spikes"], "spike monitor count vs manifest")
    check(all(0 <= int(i) < 400 for i in spikes_i), "spike index out of range for N=400")
    check(manifest["arrays"]["v_trace_v.npy"]["shape"] == [1000, 3], "v_trace shape %s"
          % manifest["arrays"]["v_trace_v.npy"]["shape"])
    check(manifest["arrays"]["rate_rate.npy"]["shape"] == [10000], "rate shape")
    if np is not None:
        rate = arrays["rate_rate.npy"]
        # The population rate integrates to the spike count: sum(rate * dt * N) = spikes.
        check(abs(float(rate.sum()) * 1e-4 * 400 - len(spikes_i)) < 1e-6, "rate monitor disagrees with spikes")
    # `check` agrees on the overridden size.
    c = env.modelc("check", example("cuba.json"), "--set", "N=400")
    check(c.rc == 0 and "(1 neuron groups, 400 neurons, 2 synapse groups, 3 monitors, 10000 steps)" in c.out,
          "check --set N=400", c)


@case
def run_duration(env):
    out_dir = env.tmp / "short"
    r = env.modelc("run", example("cuba.json"), "--set", "N=400", "--duration", "200ms", "-o", out_dir, "-q")
    check(r.rc == 0, "modelc run --duration 200ms failed", r)
    check("cuba: 0.2 s simulated (2000 steps of 0.0001 s)" in r.out, "the summary shows 0.2 s in 2000 steps", r)
    manifest, _ = check_results_dir(out_dir, r.out)
    check(manifest["steps"] == 2000, "manifest steps: %s" % manifest["steps"])
    # The build is the model's own whatever --duration says: another duration is a cache hit.
    again = env.modelc("run", example("cuba.json"), "--set", "N=400", "--duration", "30 ms", "-o", env.tmp / "shorter")
    check(again.rc == 0 and "(300 steps of 0.0001 s)" in again.out, "modelc run --duration 30 ms", again)
    check(re.search(r"compile\s+[0-9.]+ s\s+\(cached\)", again.out), "another --duration recompiled the model", again)
    m2, _ = check_results_dir(env.tmp / "shorter", again.out)
    check(m2["steps"] == 300 and m2["compile_cached"], "manifest of the second run: %s steps" % m2["steps"])
    # Nor does the thread count: it is given to the module when the run creates it.
    two = env.modelc("run", example("cuba.json"), "--set", "N=400", "--duration", "30 ms", "-j", "2", "-o",
                     env.tmp / "two_threads")
    check(two.rc == 0 and re.search(r"compile\s+[0-9.]+ s\s+\(cached\)", two.out), "-j 2 recompiled the model", two)
    m3, _ = check_results_dir(env.tmp / "two_threads", two.out)
    check(m3["threads"] == 2, "manifest threads of the -j 2 run: %s" % m3["threads"])
    run_bad = env.modelc("run", example("cuba.json"), "--duration", "5 mV", "-o", env.tmp / "never")
    check(run_bad.rc == 1 and "a duration must be a time" in run_bad.err and not (env.tmp / "never").exists(),
          "modelc run --duration 5 mV is refused before anything runs", run_bad)
    c = env.modelc("check", example("cuba.json"), "--duration", "1 s")
    check(c.rc == 0 and "10000 steps)" in c.out, "check --duration '1 s'", c)
    bad = env.modelc("check", example("cuba.json"), "--duration", "5 mV")
    check(bad.rc == 1 and "a duration must be a time" in bad.err, "--duration 5 mV is refused with a reason", bad)


# --- compile ------------------------------------------------------------------------------------

@case
def compile_lif(env):
    out = env.tmp / "out"
    r = env.modelc("compile", example("lif.json"), "-o", out)
    check(r.rc == 0, "modelc compile failed", r)
    m = re.fullmatch(r"wrote (.*) \(module (.*?)(, from the build cache)?\)\n", r.out)
    check(m is not None, "unexpected output of modelc compile", r)
    check(m.group(1) == str(out), "compile reports %r, not the -o directory" % m.group(1), r)
    check(m.group(3) is None, "cold cache reported as a cache hit", r)
    module = Path(m.group(2))
    check(module.is_file() and module.stat().st_size > 0, "the reported module %s does not exist" % module, r)
    check(module.read_bytes()[:4] == b"\x7fELF", "the module is not a shared object", r)
    src = out / "model.cpp"
    check(src.is_file(), "no generated source in %s: %s" % (out, list(out.iterdir())), r)
    text = src.read_text()
    check(text.startswith("// Generated by modelc") and '"lif"' in text, "model.cpp does not look generated for lif")
    check("mc_get_info" in text, "model.cpp does not implement the C ABI (mc_get_info)")
    # Compiling again is served from the cache and says so.
    r2 = env.modelc("compile", example("lif.json"), "-o", env.tmp / "out2")
    check(r2.rc == 0 and r2.out.endswith(", from the build cache)\n"), "second compile not from the cache", r2)
    check((env.tmp / "out2" / "model.cpp").read_text() == text, "generated source is not deterministic")


# --- passes and --print-after -------------------------------------------------------------------

DUMP_HEADER = re.compile(r"^; \*\*\* IR dump after (\S+) \*\*\*$", re.M)


@case
def check_refuses_network_that_cannot_fit(env):
    # 4e12 synapses with a per-synapse weight (sparse storage): about 48 TB, more than any machine
    # that runs this. Refused by `check` and by `run` before any code is generated.
    doc = load_example("lif.json")
    doc["neuron_groups"][0]["size"] = 2_000_000
    doc["synapses"] = [{"name": "S", "source": "G", "target": "G", "equations": ["w : volt"],
                        "on_pre": "v += w", "connect": {"p": "1"}}]
    model = env.write_model("huge.json", doc)
    for cmd in (["check", model], ["run", model, "-o", env.tmp / "out"]):
        r = env.modelc(*cmd, timeout=60)
        check(r.rc == 1, "%s refuses the network" % cmd[0], r)
        check("error: the model needs about" in r.err and "4e+12 synapses" in r.err and "MODELC_SKIP_MEMORY_CHECK" in r.err,
              "the error gives the estimate, the synapse count and the way out", r)
        check(r.seconds < 10, "refused at once, not after building (%.1f s)" % r.seconds, r)
    check(not env.cache.exists() or not any(env.cache.rglob("*.so")), "no code was compiled", r)
    # With p = 1 and no per-synapse state, the rows need no storage: procedural, said by explain.
    doc["synapses"][0] = {"name": "S", "source": "G", "target": "G", "on_pre": "v += 0*mV", "connect": {"p": "1"}}
    r = env.modelc("check", env.write_model("procedural.json", doc))
    check(r.rc == 0 and "4e+12 synapses expected" in r.out, "all-to-all without state fits (procedural)", r)
    r = env.modelc("explain", env.tmp / "procedural.json")
    check("connectivity of S: procedural" in r.out, "explain says the rows are procedural", r)


@case
def plot_results(env):
    # tools/plot_results.py (the main job's figure): beside the results, never inside them.
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise Skip("matplotlib is not installed (Debian: python3-matplotlib)")
    out = env.tmp / "res"
    r = env.modelc("run", example("cuba.json"), "-o", out, "-q")
    check(r.rc == 0, "cuba runs", r)
    p = subprocess.run([sys.executable, str(ROOT / "tools" / "plot_results.py"), str(out)], capture_output=True, text=True)
    check(p.returncode == 0, "plot_results.py succeeds:\n" + p.stdout + p.stderr)
    png = env.tmp / "res.png"
    check(png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20000,
          "a PNG figure next to the results directory")
    check(sorted(x.name for x in out.iterdir() if not x.name.endswith(".npy")) == ["manifest.json"],
          "nothing added to the results directory (it stays replaceable)")


@case
def check_reports_code_size_of_many_groups(env):
    # 300 identical groups: merged, so the step runs a constant number of kernels, and `check`
    # says what will be generated (compile time grows with it: benchmarks/compile_scaling.py).
    doc = {"modelc_ir": 1, "name": "many", "simulation": {"dt": "0.1 ms", "duration": "1 ms"},
           "neuron_groups": [{"name": "G%d" % k, "size": 10, "equations": ["dv/dt = (1.5 - v) / (10*ms) : 1"],
                              "threshold": "v > 1", "reset": "v = 0", "method": "exact"} for k in range(300)]}
    r = env.modelc("check", env.write_model("many.json", doc))
    m = re.search(r"code: (\d+) kernels \((\d+) per step\), (\d+) buffers", r.out)
    check(r.rc == 0 and m is not None, "check prints the code size", r)
    check(int(m.group(2)) == 1, "300 identical groups run as one merged kernel per step", r)
    check(int(m.group(3)) >= 300, "one buffer per group at least", r)


@case
def sidecar_fifo_and_huge_header(env):
    # A sidecar that is a FIFO must not block `check`; one whose header claims a huge shape must
    # be an error naming the sizes, not an allocation failure.
    doc = {"modelc_ir": 2, "name": "npy", "simulation": {"dt": "0.1 ms", "duration": "1 ms"},
           "neuron_groups": [{"name": "G", "size": 3, "equations": ["v : volt"],
                              "initial": {"v": {"npy": "v0.npy", "unit": "mV"}}}]}
    model = env.write_model("npy.json", doc)
    os.mkfifo(env.tmp / "v0.npy")
    r = env.modelc("check", model, timeout=20)
    check(r.rc == 1 and "is a FIFO (named pipe), not a regular .npy file" in r.err
          and "/neuron_groups/0/initial/v/npy" in r.err, "a FIFO sidecar is refused at once", r)
    (env.tmp / "v0.npy").unlink()
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (900000000000,), }"
    header += " " * ((-(10 + len(header) + 1)) % 64) + "\n"
    (env.tmp / "v0.npy").write_bytes(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + bytes(24))
    r = env.modelc("check", model, timeout=20)
    check(r.rc == 1 and "needs 6705.5 GiB of data but the file holds 24 bytes" in r.err,
          "a huge declared shape is checked against the file size", r)


@case
def verify_each_flag(env):
    # --verify-each runs the IR verifiers after every pass; every bundled example passes them, and
    # --no-verify-each overrides MODELC_VERIFY_EACH=1 (the suite's default).
    for name in sorted(p.name for p in (ROOT / "examples").glob("*.json")):
        r = env.modelc("check", "--verify-each", example(name))
        check(r.rc == 0 and ": ok (" in r.out, "check --verify-each %s" % name, r)
    r = env.modelc("check", "--no-verify-each", example("cuba.json"))
    check(r.rc == 0, "check --no-verify-each", r)
    r = env.modelc("run", "--help")
    check("--verify-each" in r.out, "run --help lists --verify-each", r)


@case
def passes_list(env):
    r = env.modelc("passes")
    check(r.rc == 0 and r.err == "", "modelc passes failed", r)
    lines = r.out.splitlines()
    pipeline = default_pipeline(env)
    check(is_subsequence(REQUIRED_PIPELINE, pipeline), "default pipeline %s lacks %s" % (pipeline, REQUIRED_PIPELINE), r)
    listed = {}
    for line in lines[:-1]:
        m = re.fullmatch(r"  (\S+) +(\S.*)", line)
        check(m is not None, "bad pass line %r" % line, r)
        listed[m.group(1)] = m.group(2)
    check(set(pipeline) <= set(listed) and set(REQUIRED_PIPELINE) <= set(listed),
          "every pipeline pass is listed: %s" % sorted(listed), r)
    check(all(len(d) > 20 for d in listed.values()), "every pass needs a real description", r)
    b = env.modelc("backends")
    check(b.rc == 0 and re.search(r"^  cpu  \S", b.out, re.M) is not None, "modelc backends lists cpu", b)


@case
def print_after_all(env):
    r = env.modelc("check", example("cuba.json"), "--print-after=all")
    check(r.rc == 0, "check --print-after=all failed", r)
    pipeline = default_pipeline(env)
    check(DUMP_HEADER.findall(r.out) == pipeline,
          "dumps after %s, expected the default pipeline %s" % (DUMP_HEADER.findall(r.out), pipeline), r)
    dumps = DUMP_HEADER.split(r.out)[1:]
    for k in range(0, len(dumps), 2):
        name, body = dumps[k], dumps[k + 1]
        check(body.startswith("\n; model IR\nmodel cuba (ir v1)\n"), "dump after %s does not start with the model IR" % name)
        lowered = k // 2 >= pipeline.index("lower-to-kernels")  # dumps come in pipeline order
        check(("; kernel IR\nprogram cuba " in body) == lowered,
              "exactly the dumps from lower-to-kernels on have kernel IR (%s)" % name)
    check(r.out.rstrip().splitlines()[-3].endswith("examples/cuba.json: ok (1 neuron groups, 4000 neurons, 2 synapse groups, "
                                                   "3 monitors, 10000 steps)"), "the ok line comes after the dumps", r)
    # run prints the same dumps, before it compiles and prints the summary.
    r = env.modelc("run", example("lif.json"), "--print-after", "all", "-o", env.tmp / "res", "-q")
    check(r.rc == 0 and DUMP_HEADER.findall(r.out) == default_pipeline(env), "run --print-after all", r)
    check(r.out.index("lower-to-kernels ***") < r.out.index("lif: 0.1 s simulated"), "dumps before the summary", r)


@case
def print_after_one(env):
    r = env.modelc("check", example("lif.json"), "--print-after=state-update")
    check(r.rc == 0, "check --print-after=state-update failed", r)
    check(DUMP_HEADER.findall(r.out) == ["state-update"], "expected exactly one dump", r)
    check("    update _v_new = " in r.out and "; kernel IR" not in r.out, "the dump is the model IR after state-update", r)
    # A pass that runs twice in the pipeline is dumped twice; a list dumps each.
    r = env.modelc("check", example("lif.json"), "--print-after=fold-constants,resolve-names")
    check(DUMP_HEADER.findall(r.out) == ["resolve-names", "fold-constants", "fold-constants"],
          "--print-after=fold-constants,resolve-names", r)
    # --passes runs just those; --disable-pass drops one.
    r = env.modelc("check", example("lif.json"), "--passes=resolve-names,state-update", "--print-after=all")
    check(r.rc == 0 and DUMP_HEADER.findall(r.out) == ["resolve-names", "state-update"], "--passes", r)
    r = env.modelc("check", example("lif.json"), "--disable-pass=inline-subexpressions", "--print-after=all")
    check(r.rc == 0 and DUMP_HEADER.findall(r.out) == [p for p in default_pipeline(env) if p != "inline-subexpressions"],
          "--disable-pass", r)


@case
def pass_name_errors(env):
    lif = example("lif.json")
    r = expect_diagnostic(env, ["check", lif, "--print-after=state-updat"], [
        "%s: error: --print-after: unknown pass 'state-updat'" % lif,
        "  hint: did you mean 'state-update'?",
    ])
    expect_diagnostic(env, ["check", lif, "--disable-pass=fold-constant"], [
        "%s: error: --disable-pass: unknown pass 'fold-constant'" % lif,
        "  hint: did you mean 'fold-constants'? (`modelc passes` lists them)",
    ])
    expect_diagnostic(env, ["check", lif, "--passes=resolve-names,lower-to-kernel"], [
        "%s: error: unknown pass 'lower-to-kernel'" % lif,
        "  hint: did you mean 'lower-to-kernels'? (`modelc passes` lists them)",
    ])
    out_dir = env.tmp / "res"
    r = expect_diagnostic(env, ["run", lif, "--disable-pass=lower-to-kernels", "-o", out_dir], [
        "%s: error: the pass pipeline did not produce kernel IR" % lif,
        "  hint: include 'lower-to-kernels' in --passes",
    ])
    check(not out_dir.exists(), "a failed run must not create the results directory", r)
    check(list(env.tmpdir.iterdir()) == [], "a failed run left %s in TMPDIR" % list(env.tmpdir.iterdir()), r)


# --- explain ------------------------------------------------------------------------------------

@case
def explain_cuba(env):
    r = env.modelc("explain", example("cuba.json"))
    check(r.rc == 0 and r.err == "", "modelc explain failed", r)
    lines = r.out.splitlines()
    check(lines[0] == "decisions for %s (backend cpu):" % example("cuba.json"), "first line", r)
    pairs = {}
    for k in range(1, len(lines), 2):
        check(lines[k].startswith("  ") and k + 1 < len(lines) and lines[k + 1].startswith("      because "),
              "decisions come as 'what' / 'because why' line pairs", r)
        pairs[lines[k].strip()] = lines[k + 1].strip()[len("because "):]
    check(pairs.get("integration of P: exact") == "requested in the model", "integration decision", r)
    for s in ("Ce", "Ci"):
        check(any(k.startswith("connectivity of %s: " % s) for k in pairs), "no connectivity decision for %s" % s, r)
    # Without a method the choice and its reason follow Brian2.
    doc = load_example("cuba.json")
    del doc["neuron_groups"][0]["method"]
    env.write_model("cuba_nomethod.json", doc)
    r = env.modelc("explain", "cuba_nomethod.json")
    check(r.rc == 0 and "  integration of P: exact\n      because no method given; the equations are linear" in r.out,
          "default method for linear equations", r)
    doc = load_example("cobahh.json")
    del doc["neuron_groups"][0]["method"]
    env.write_model("cobahh_nomethod.json", doc)
    r = env.modelc("explain", "cobahh_nomethod.json")
    check(r.rc == 0 and "  integration of P: euler\n      because no method given; the equations are not linear" in r.out,
          "default method for HH equations", r)


# --- bad inputs ---------------------------------------------------------------------------------

def expect_clean_error(env, path, *extra):
    for sub in ("check", "run", "explain", "compile"):
        args = [sub, path] + list(extra)
        if sub in ("run", "compile"):
            args += ["-o", env.tmp / ("res-" + sub)]
        r = env.modelc(*args)
        check(r.rc == 1, "modelc %s on a bad file must exit 1" % sub, r)
        check(r.out == "", "nothing on stdout", r)
        first = r.err.splitlines()[0] if r.err else ""
        check(first.startswith("%s: error: " % path), "the error names the file first", r)
        check(len(r.err) < 2000, "the error message is not a dump", r)
        check(not (env.tmp / ("res-" + sub)).exists(), "a failed %s created its output directory" % sub, r)
    return r


@case
def input_missing(env):
    r = expect_clean_error(env, "does-not-exist.json")
    check("cannot open model file 'does-not-exist.json'" in r.err, "missing file message", r)


@case
def input_directory(env):
    (env.tmp / "adir.json").mkdir()
    expect_clean_error(env, "adir.json")


@case
def input_empty(env):
    (env.tmp / "empty.json").write_bytes(b"")
    r = expect_clean_error(env, "empty.json")
    check("invalid JSON" in r.err, "an empty file is invalid JSON", r)


@case
def input_binary(env):
    import random
    rng = random.Random(1)
    (env.tmp / "garbage.json").write_bytes(bytes(rng.randrange(256) for _ in range(4096)))
    r = expect_clean_error(env, "garbage.json")
    check("invalid JSON" in r.err, "binary garbage is invalid JSON", r)
    (env.tmp / "elf.json").write_bytes(Path(MODELC).read_bytes()[:65536])
    expect_clean_error(env, "elf.json")
    # Valid JSON of the wrong shape is a model error, not a crash.
    for name, text in (("array.json", "[1, 2, 3]"), ("null.json", "null"), ("trunc.json", '{"modelc_ir": 1,'),
                       ("deep.json", "[" * 100000 + "]" * 100000)):
        (env.tmp / name).write_text(text)
        expect_clean_error(env, name)


# --- driver -------------------------------------------------------------------------------------

class Skip(Exception):
    """A case that cannot run here (it needs root, say): reported, and exit status 77 when every
    case asked for was skipped (CTest's SKIP_RETURN_CODE)."""


def run_main(cases, doc):
    """The command line shared by the CLI test scripts: --list, or run --case NAME (repeatable) / all."""
    global MODELC, ROOT
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--modelc", help="the modelc binary")
    ap.add_argument("--root", help="repository root (for examples/)")
    ap.add_argument("--case", action="append", help="run only this case (repeatable)")
    ap.add_argument("--list", action="store_true", help="list the cases")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directories")
    args = ap.parse_args()
    if args.list:
        print("\n".join(cases))
        return 0
    if not args.modelc or not args.root:
        ap.error("--modelc and --root are required")
    MODELC = str(Path(args.modelc).resolve())
    ROOT = Path(args.root).resolve()
    names = args.case or list(cases)
    unknown = [n for n in names if n not in cases]
    if unknown:
        print("unknown case(s): %s; --list shows them" % ", ".join(unknown), file=sys.stderr)
        return 2
    failed = skipped = 0
    for name in names:
        tmp = tempfile.mkdtemp(prefix="modelc-cli-%s-" % name)
        t0 = time.monotonic()
        try:
            cases[name](Env(tmp))
            print("PASS %s (%.2f s)" % (name, time.monotonic() - t0))
        except Skip as e:
            skipped += 1
            print("SKIP %s: %s" % (name, e))
        except Failure as e:
            failed += 1
            print("FAIL %s\n%s" % (name, e))
        except Exception:
            failed += 1
            print("ERROR %s\n%s" % (name, traceback.format_exc()))
        finally:
            if args.keep:
                print("  scratch: %s" % tmp)
            else:
                shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed, %d skipped" % (len(names) - failed - skipped, failed, skipped))
    if failed:
        return 1
    return 77 if skipped == len(names) else 0


def main():
    return run_main(CASES, __doc__)


if __name__ == "__main__":
    sys.exit(main())
