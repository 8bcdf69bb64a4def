#!/usr/bin/env python3
"""Distributed runs end to end (docs/distributed.md): `mpirun -np R modelc run` for R = 1, 2, 3
against the plain one-process `modelc run`, for every example, and the failure modes (a failing
rank, a module that cannot be partitioned, ranks on different builds, options refused). One CTest
per case (label `distributed`); a case exits 77 (skipped) when modelc was built without MPI or
mpirun is missing, saying which.

Usage: test_distributed.py --modelc build/modelc --root . [--have-mpi 1] --case NAME [--keep]
       test_distributed.py --list
"""
import argparse
import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = {}
SKIP = 77
ROOT = MODELC = None
HAVE_MPI = True
# Model time per example: long enough for spikes in every monitored population, short enough
# that the 4 runs of all examples stay within a couple of minutes on 2 cores.
DURATION = {"potjans_diesmann": "30 ms", "stdp": "1000 ms", "lif": "200 ms"}
DEFAULT_DURATION = "100 ms"
# Manifest fields that are measurements or settings of this run or describe the distribution itself.
RUN_FIELDS = {"timings", "phases", "threads", "realtime_factor", "compile_cached", "compiler_command", "ranks", "partition", "exchange"}


class Failure(Exception):
    pass


class Skip(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def case(fn):
    CASES[fn.__name__] = fn
    return fn


class Env:
    def __init__(self, tmp):
        self.tmp = Path(tmp)
        self.env = dict(os.environ)
        # Shared between cases and test runs (the build cache is keyed by the module's sources): the
        # examples compile once, not once per case.
        cache = Path(tempfile.gettempdir()) / "modelc-test-cache-distributed"
        self.env.update(MODELC_CACHE_DIR=str(cache), LC_ALL="C", OMPI_ALLOW_RUN_AS_ROOT="1",
                        OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")
        self.env.pop("MODELC_FAIL_RANK", None)

    def run(self, argv, timeout=180, env=None):
        t0 = time.monotonic()
        try:
            p = subprocess.run([str(a) for a in argv], capture_output=True, timeout=timeout, env=env or self.env,
                               cwd=self.tmp)
        except subprocess.TimeoutExpired:
            raise Failure("timed out after %d s (a hang): %s" % (timeout, " ".join(map(str, argv))))
        p.seconds = time.monotonic() - t0
        p.out = p.stdout.decode("utf-8", "replace")
        p.err = p.stderr.decode("utf-8", "replace")
        p.describe = "--- %s\n--- exit %d\n--- stdout:\n%s--- stderr:\n%s---" % (
            " ".join(map(str, argv)), p.returncode, p.out, p.err)
        return p

    def modelc(self, *args, **kw):
        return self.run([MODELC] + list(args), **kw)

    def mpirun(self, ranks, *args, **kw):
        return self.run(["mpirun", "--oversubscribe", "-np", str(ranks), MODELC] + list(args), **kw)


def require_mpi():
    if not HAVE_MPI:
        raise Skip("modelc was built without MPI (install openmpi-bin and libopenmpi-dev, rerun tools/setup.sh)")
    if shutil.which("mpirun") is None:
        raise Skip("mpirun not found (install openmpi-bin)")


def manifest(d):
    return json.loads((d / "manifest.json").read_text())


def compare_results(plain, dist, what):
    """Every array byte for byte and the manifest but for RUN_FIELDS; storage decisions may say
    which storages a distributed build leaves out."""
    a = sorted(p.name for p in plain.iterdir())
    b = sorted(p.name for p in dist.iterdir())
    check(a == b, "%s: other files than the one-process run: %s vs %s" % (what, a, b))
    arrays = [n for n in a if n.endswith(".npy")]
    for n in arrays:
        check(filecmp.cmp(plain / n, dist / n, shallow=False), "%s: %s differs from the one-process run" % (what, n))
    ma, mb = manifest(plain), manifest(dist)
    for k in sorted(set(ma) | set(mb)):
        if k in RUN_FIELDS:
            continue
        if k == "decisions":
            # A distributed build gives every split group sparse storage (PipelineOptions::distributed);
            # everything else it decides as the one-process build does.
            wa = [d["what"] for d in ma[k]]
            wb = [d["what"] for d in mb[k]]
            check(len(wa) == len(wb), "%s: the compiler decided otherwise:\n  %s\n  %s" % (what, wa, wb))
            for x, y in zip(wa, wb):
                storage = x.startswith("connectivity of ") and y.startswith(x.split(":")[0] + ": sparse")
                check(x == y or storage, "%s: the compiler decided '%s' instead of '%s'" % (what, y, x))
            continue
        check(ma.get(k) == mb.get(k), "%s: manifest field %s differs: %s vs %s" % (what, k, ma.get(k), mb.get(k)))
    return len(arrays)


def example_case(name):
    def fn(env):
        require_mpi()
        model = ROOT / "examples" / (name + ".json")
        duration = DURATION.get(name, DEFAULT_DURATION)
        r = env.modelc("run", model, "--duration", duration, "-q", "-o", env.tmp / "plain")
        check(r.returncode == 0, "the one-process run failed\n" + r.describe)
        plain = manifest(env.tmp / "plain")
        check(sum(p["spikes"] for p in plain["populations"]) > 0, "no spikes in %s: the comparison would be vacuous" % duration)
        for ranks in (1, 2, 3):
            out = env.tmp / ("ranks%d" % ranks)
            # One thread per rank: R ranks of all-core OpenMP teams would spin against each other on a
            # small machine (the one-process run keeps the default, so thread counts are compared too).
            r = env.mpirun(ranks, "run", model, "--duration", duration, "-q", "--threads", "1", "-o", out)
            check(r.returncode == 0, "%d ranks failed\n%s" % (ranks, r.describe))
            check(r.out.count("results written to") == 1, "not exactly one rank reported\n" + r.describe)
            n = compare_results(env.tmp / "plain", out, "%d ranks" % ranks)
            m = manifest(out)
            check(m["ranks"] == ranks and m["partition"] == "contiguous" and len(m["exchange"]) == ranks,
                  "%d ranks: the manifest does not record the distribution: %s" % (ranks, {k: m.get(k) for k in ("ranks", "partition", "exchange")}))
            print("%s: %d ranks: %d arrays identical (%.1f s)" % (name, ranks, n, r.seconds))
    fn.__name__ = "example_" + name
    return fn


def register_examples(root):
    for p in sorted((root / "examples").glob("*.json")):
        case(example_case(p.stem))


@case
def ranks_option(env):
    """`modelc run --ranks 2` re-runs itself under mpirun: the same results as mpirun -np 2."""
    require_mpi()
    model = ROOT / "examples" / "cuba.json"
    r = env.modelc("run", model, "--duration", "50 ms", "-q", "-o", env.tmp / "plain")
    check(r.returncode == 0, r.describe)
    r = env.modelc("run", model, "--duration", "50 ms", "-q", "--ranks", "2", "-o", env.tmp / "two")
    check(r.returncode == 0, r.describe)
    compare_results(env.tmp / "plain", env.tmp / "two", "--ranks 2")
    check(manifest(env.tmp / "two")["ranks"] == 2, "--ranks 2 did not run 2 ranks")


@case
def ranks_option_without_mpirun(env):
    """--ranks without mpirun on PATH: a clear error naming the package."""
    e = dict(env.env, PATH="/nonexistent")
    r = env.run([MODELC, "run", ROOT / "examples" / "lif.json", "--ranks", "2", "-o", env.tmp / "out"], env=e)
    check(r.returncode == 1 and "mpirun not found; install openmpi-bin" in r.err, r.describe)


def failing_rank(env, spec, rank):
    require_mpi()
    e = dict(env.env, MODELC_FAIL_RANK=spec)
    r = env.run(["mpirun", "--oversubscribe", "-np", "3", MODELC, "run", ROOT / "examples" / "cuba.json", "--duration",
                 "2 s", "-q", "-o", env.tmp / "out"], env=e, timeout=60)
    check(r.returncode != 0, "the job succeeded although rank %d failed\n%s" % (rank, r.describe))
    check("modelc: rank %d of 3 failed: MODELC_FAIL_RANK=%s" % (rank, spec) in r.err,
          "the failing rank is not named\n" + r.describe)
    check(not (env.tmp / "out").exists(), "results were written\n" + r.describe)
    print("rank %d failed (%s): job ended with status %d in %.1f s" % (rank, spec, r.returncode, r.seconds))


@case
def failing_rank_while_running(env):
    failing_rank(env, "1:run", 1)


@case
def failing_rank_while_building(env):
    failing_rank(env, "2:init", 2)


@case
def failing_rank_zero(env):
    failing_rank(env, "0:run", 0)


@case
def module_that_cannot_be_partitioned(env):
    """The OpenCL backend's modules export no mc_local_neurons: refused for 2 ranks, by rank 0 only."""
    require_mpi()
    backends = env.modelc("backends").out
    if "opencl" not in backends:
        raise Skip("the opencl backend is not built")
    r = env.mpirun(2, "run", ROOT / "examples" / "lif.json", "-b", "opencl", "--duration", "10 ms", "-q", "-o",
                   env.tmp / "out", timeout=120)
    check(r.returncode == 1, r.describe)
    check(r.err.count("cannot run partitioned over 2 ranks") == 1 and "use the cpu backend" in r.err, r.describe)


@case
def ranks_on_different_builds(env):
    """Ranks that would run different modules (here: another --set on rank 1) stop before the
    first exchange, naming the rank."""
    require_mpi()
    model = ROOT / "examples" / "cuba.json"
    r = env.run(["mpirun", "--oversubscribe", "-np", "1", MODELC, "run", model, "--duration", "10 ms", "-q", "-o",
                 env.tmp / "out", ":", "-np", "1", MODELC, "run", model, "--set", "p=0.021", "--duration", "10 ms",
                 "-q", "-o", env.tmp / "out"], timeout=120)
    check(r.returncode == 1, r.describe)
    check("the ranks run different builds of the model" in r.err and "rank 1 of 2 runs" in r.err, r.describe)
    check(not (env.tmp / "out").exists(), "results were written\n" + r.describe)


@case
def rank_cannot_read_the_model(env):
    """A rank that cannot read its copy of the model (here: rank 1 is given another path) stops the
    job cleanly, saying which rank; no rank waits for it."""
    require_mpi()
    model = ROOT / "examples" / "cuba.json"
    r = env.run(["mpirun", "--oversubscribe", "-np", "1", MODELC, "run", model, "-q", "-o", env.tmp / "out", ":", "-np",
                 "1", MODELC, "run", env.tmp / "missing.json", "-q", "-o", env.tmp / "out"], timeout=60)
    check(r.returncode == 1 and "modelc: rank 1 of 2 cannot read the model:" in r.err, r.describe)
    check(not (env.tmp / "out").exists(), "results were written\n" + r.describe)


@case
def flush_every_refused(env):
    require_mpi()
    r = env.mpirun(2, "run", ROOT / "examples" / "lif.json", "--flush-every", "100", "-q", "-o", env.tmp / "out")
    check(r.returncode == 1 and r.err.count("--flush-every is not supported in distributed runs (2 ranks)") == 1, r.describe)


def main():
    global ROOT, MODELC, HAVE_MPI
    ap = argparse.ArgumentParser()
    ap.add_argument("--modelc")
    ap.add_argument("--root", default=str(Path(__file__).resolve().parents[2]))
    ap.add_argument("--have-mpi", default="1")
    ap.add_argument("--case")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    ROOT = Path(a.root).resolve()
    register_examples(ROOT)
    if a.list:
        print("\n".join(CASES))
        return 0
    MODELC = str(Path(a.modelc).resolve())
    HAVE_MPI = a.have_mpi in ("1", "ON", "TRUE", "YES")
    tmp = tempfile.mkdtemp(prefix="modelc-distributed-")
    try:
        CASES[a.case](Env(tmp))
        print("ok")
        return 0
    except Skip as s:
        print("skipped: %s" % s)
        return SKIP
    except Failure as f:
        print("FAILED: %s" % f)
        return 1
    finally:
        if a.keep:
            print("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
