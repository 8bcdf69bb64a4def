#!/usr/bin/env python3
"""Results safety of `modelc run`: nothing lost, nothing left behind.

What is checked, on the real binary:
  * `-o` naming something modelc did not write (a user's folder, a regular file, a symlink) is
    refused before any work, with the path and the fix; `--force` moves it aside, never deletes it;
  * a directory modelc wrote is replaced only when the new run is complete;
  * read-only and full file systems give a clear error and leave the earlier results as they were;
  * SIGINT and SIGTERM in each phase (compiling, building the network, simulating, writing results)
    stop the run within a few seconds with exit status 128 + signal, leave the earlier results
    untouched and no temporary directory (results `.tmp-*`, build `modelc-build-*`) behind;
  * a run whose state turns non-finite warns (once per variable), and fails with `--strict`.

Usage is that of test_cli.py (whose helpers this file shares): --modelc, --root, --case, --list.
Cases that need a file system of their own mount a tmpfs and so need root; without it they exit
with status 77, which CTest reports as skipped.
"""

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_cli as base  # noqa: E402  (shares Env, check, the runner)
from test_cli import check  # noqa: E402

CASES = {}

# From a signal to the process exit; the issue asks for about a second, the margin is for a
# loaded CI machine running two tests at once.
STOP_WITHIN_S = 3.0


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def tree_digest(path):
    """name -> sha256 of every file under path (the whole earlier result, byte for byte)."""
    out = {}
    for p in sorted(Path(path).rglob("*")):
        if p.is_file():
            out[str(p.relative_to(path))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def lif_model(env, name="lif.json", **edits):
    doc = base.load_example("lif.json")
    for k, v in edits.items():
        doc["simulation"][k] = v
    return env.write_model(name, doc)


def earlier_results(env, out):
    """A complete earlier run into `out`; returns its digest."""
    r = env.modelc("run", lif_model(env, "earlier.json"), "-o", out, "-q")
    check(r.rc == 0, "the earlier run succeeds", r)
    d = tree_digest(out)
    check("manifest.json" in d, "the earlier run wrote a manifest", r)
    return d


def leftovers(env, out):
    """Temporary things a finished run must not leave: results temp dirs next to `out`, build
    scratch directories in TMPDIR."""
    out = Path(out)
    near = [p.name for p in out.parent.iterdir()
            if p.name.startswith(out.name + ".tmp-") or p.name.startswith(out.name + ".old-")]
    scratch = [p.name for p in env.tmpdir.iterdir() if p.name.startswith("modelc-build-")]
    return near + scratch


def expect_untouched(env, out, digest, result, what):
    check(tree_digest(out) == digest, "%s: the earlier results in %s are byte-for-byte untouched" % (what, out),
          result)
    left = leftovers(env, out)
    check(not left, "%s: nothing temporary left behind, found %s" % (what, left), result)


# --- -o targets modelc did not write ----------------------------------------------------------

@case
def foreign_directory(env):
    mine = env.tmp / "mydata"
    mine.mkdir()
    (mine / "thesis.tex").write_text("\\chapter{Results}\n")
    before = tree_digest(mine)
    r = env.modelc("run", base.example("lif.json"), "-o", mine)
    check(r.rc == 1, "a folder modelc did not write is refused", r)
    check(str(mine) in r.err and "--force" in r.err and "-o" in r.err,
          "the error names the path and both fixes (another -o, --force)", r)
    check(tree_digest(mine) == before, "the user's folder is untouched", r)
    # Refused before any work: nothing was compiled into the cache.
    check(not env.cache.exists() or not any(env.cache.rglob("*.so")), "refused before compiling", r)

    r = env.modelc("run", base.example("lif.json"), "-o", mine, "--force", "-q")
    check(r.rc == 0, "--force runs", r)
    aside = [p for p in env.tmp.iterdir() if p.name.startswith("mydata.replaced-")]
    check(len(aside) == 1, "--force moved the folder aside (mydata.replaced-<time>)", r)
    check(tree_digest(aside[0]) == before, "the moved folder still holds thesis.tex unchanged", r)
    check(str(aside[0].name) in r.out + r.err, "the run says where the folder went", r)
    check((mine / "manifest.json").is_file(), "the results are in mydata", r)


@case
def regular_file_and_symlink(env):
    notes = env.tmp / "notes.txt"
    notes.write_text("do not delete\n")
    r = env.modelc("run", base.example("lif.json"), "-o", notes)
    check(r.rc == 1 and str(notes) in r.err, "a regular file as -o is refused, naming it", r)
    check(notes.read_text() == "do not delete\n", "the file is untouched", r)

    # A symlink, even to a directory modelc wrote, is not replaced: the link's target would be.
    real = env.tmp / "real"
    earlier = earlier_results(env, real)
    link = env.tmp / "link"
    link.symlink_to(real)
    r = env.modelc("run", base.example("lif.json"), "-o", link)
    check(r.rc == 1 and "link" in r.err, "a symlink as -o is refused", r)
    check(link.is_symlink() and tree_digest(real) == earlier, "link and its target untouched", r)


@case
def replaces_only_its_own(env):
    out = env.tmp / "out"
    earlier_results(env, out)
    # modelc's own earlier results are replaced, completely (nothing of the old run stays).
    (out / "v_v.npy").unlink()
    r = env.modelc("run", lif_model(env, "long.json", duration="200 ms"), "-o", out, "-q")
    check(r.rc == 0, "a directory modelc wrote is replaced", r)
    manifest = json.loads((out / "manifest.json").read_text())
    check(manifest.get("format") == "modelc-results", "the manifest carries the modelc-results marker", r)
    check((out / "v_v.npy").is_file() and not leftovers(env, out), "complete, no temporaries", r)
    # ... but not when a stranger's file has been added to it.
    (out / "analysis.py").write_text("print('mine')\n")
    r = env.modelc("run", base.example("lif.json"), "-o", out)
    check(r.rc == 1 and "analysis.py" in r.err, "an added file makes the directory foreign, named", r)
    check((out / "analysis.py").read_text() == "print('mine')\n", "the added file is untouched", r)


@case
def failing_run_keeps_earlier(env):
    out = env.tmp / "out"
    earlier = earlier_results(env, out)
    doc = base.load_example("lif.json")
    doc["neuron_groups"][0]["equations"][0] = "dv/dt = (v0 - v) / tau + undefined_thing/ms : volt (unless refractory)"
    r = env.modelc("run", env.write_model("bad.json", doc), "-o", out)
    check(r.rc == 1 and "undefined_thing" in r.err, "a model error fails the run", r)
    expect_untouched(env, out, earlier, r, "model error")

    # Refused by the memory estimate before anything is built.
    doc = base.load_example("lif.json")
    doc["neuron_groups"][0]["size"] = 2_000_000
    # (a per-synapse weight forces stored rows: 4e12 of them)
    doc["synapses"] = [{"name": "S", "source": "G", "target": "G", "equations": ["w : volt"], "on_pre": "v += w",
                        "connect": {"p": "1"}}]
    r = env.modelc("run", env.write_model("huge.json", doc), "-o", out, timeout=60)
    check(r.rc == 1, "a network that cannot fit is refused", r)
    expect_untouched(env, out, earlier, r, "memory refusal")


# --- file systems that fail under the run -----------------------------------------------------

class Tmpfs:
    """A private tmpfs (root only), unmounted on exit even when the case fails."""

    def __init__(self, path, options):
        self.path, self.options = Path(path), options

    def __enter__(self):
        if os.geteuid() != 0:
            raise base.Skip("mounting a tmpfs needs root")
        self.path.mkdir()
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", self.options, "tmpfs", str(self.path)],
                           capture_output=True)
        if p.returncode != 0:
            raise base.Skip("cannot mount a tmpfs: %s" % p.stderr.decode().strip())
        return self.path

    def remount(self, options):
        subprocess.run(["mount", "-o", "remount," + options, str(self.path)], check=True)

    def __exit__(self, *exc):
        subprocess.run(["umount", "-l", str(self.path)], capture_output=True)


@case
def read_only_filesystem(env):
    mount = Tmpfs(env.tmp / "fs", "size=16m")
    with mount as fs:
        out = fs / "out"
        earlier = earlier_results(env, out)
        mount.remount("ro")
        try:
            r = env.modelc("run", base.example("lif.json"), "-o", out)
            check(r.rc == 1, "a read-only file system fails the run", r)
            check("read-only" in r.err.lower(), "the error says read-only", r)
            check(str(fs) in r.err, "the error names where", r)
            check(tree_digest(out) == earlier, "earlier results untouched", r)
        finally:
            mount.remount("rw")
        check(not leftovers(env, out), "nothing temporary left behind", r)


@case
def full_filesystem(env):
    # The earlier results fit; the next run's (a state monitor of every neuron every step) do not.
    with Tmpfs(env.tmp / "fs", "size=1m") as fs:
        out = fs / "out"
        earlier = earlier_results(env, out)
        doc = base.load_example("lif.json")
        doc["neuron_groups"][0]["size"] = 200
        doc["monitors"][1] = {"name": "v", "kind": "state", "source": "G", "variables": ["v"]}
        r = env.modelc("run", env.write_model("big.json", doc), "-o", out)
        check(r.rc == 1, "a full file system fails the run", r)
        check("space" in r.err.lower(), "the error says the disk is full", r)
        expect_untouched(env, out, earlier, r, "full file system")


# --- signals in every phase -------------------------------------------------------------------

class Background:
    """modelc running in the background, its stderr in a file we can watch."""

    def __init__(self, env, *args):
        self.log = env.tmp / ("bg-%d.log" % time.monotonic_ns())
        self.fh = open(self.log, "wb")
        self.proc = subprocess.Popen([base.MODELC] + [str(a) for a in args], stdout=self.fh,
                                     stderr=subprocess.STDOUT, env=env.env, cwd=env.tmp)

    def text(self):
        return self.log.read_text(errors="replace")

    def wait_for(self, what, timeout=120):
        """Polls until `what()` is true; fails if the process exits or time runs out first."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if what():
                return
            if self.proc.poll() is not None:
                raise base.Failure("modelc exited (%s) before the phase to interrupt:\n%s"
                                   % (self.proc.returncode, self.text()))
            time.sleep(0.002)
        raise base.Failure("timed out waiting for the phase to interrupt:\n" + self.text())

    def interrupt(self, sig):
        t0 = time.monotonic()
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=60)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.fh.close()
        return rc, time.monotonic() - t0


def interrupted(env, sig, phase, args, ready, earlier_out=True, settle=0.0):
    """Runs modelc, sends `sig` once `ready(bg)` holds, and checks the stop."""
    out = env.tmp / "out"
    earlier = earlier_results(env, out) if earlier_out else None
    bg = Background(env, "run", *args, "-o", out, "-v")
    bg.wait_for(lambda: ready(bg))
    if settle:
        time.sleep(settle)
    rc, took = bg.interrupt(sig)
    text = bg.text()
    r = base.Result(args, rc, text, "", took)
    check(rc == 128 + sig, "exit status %d after %s while %s" % (128 + sig, signal.Signals(sig).name, phase), r)
    check(took < STOP_WITHIN_S, "stopped %.2f s after the signal (limit %.1f s)" % (took, STOP_WITHIN_S), r)
    check("interrupted while " + phase in text, "the stop names the phase (%s)" % phase, r)
    check("internal error" not in text and "terminate called" not in text, "no crash", r)
    if earlier is not None:
        expect_untouched(env, out, earlier, r, phase)
    return r


def compile_model_for_signal(env):
    return env.write_model("cuba.json", base.load_example("cuba.json"))


def compiler_started(bg):
    return " -shared " in bg.text()  # the host compiler's command line (-v)


def big_connectivity(env):
    # 2.5e8 synapses: seconds of construction, far past the moment of the signal.
    doc = base.load_example("lif.json")
    doc["neuron_groups"][0]["size"] = 16000
    doc["synapses"] = [{"name": "S", "source": "G", "target": "G", "on_pre": "v += 0*mV",
                        "connect": {"p": "0.99"}}]
    env.env["MODELC_SKIP_MEMORY_CHECK"] = "1"
    return env.write_model("big.json", doc)


def long_simulation(env):
    doc = base.load_example("lif.json")
    doc["simulation"]["duration"] = "10000 * second"
    doc["monitors"] = [doc["monitors"][0]]
    return env.write_model("long.json", doc)


def big_recording(env):
    # 8e7 recorded values (640 MB): writing takes long enough to be caught.
    doc = base.load_example("lif.json")
    doc["neuron_groups"][0]["size"] = 4000
    doc["simulation"]["duration"] = "2 * second"
    doc["monitors"] = [{"name": "v", "kind": "state", "source": "G", "variables": ["v"]}]
    return env.write_model("rec.json", doc)


# phase name in the stop message: (model maker, when to send the signal, seconds to wait after)
PHASES = {
    "compile": ("generating and compiling code", compile_model_for_signal, lambda env: compiler_started, 0.0),
    "construction": ("building the network", big_connectivity,
                     lambda env: lambda bg: "building the network" in bg.text(), 0.3),
    "simulation": ("simulating", long_simulation, lambda env: lambda bg: "simulating" in bg.text(), 0.5),
    "writing": ("writing results", big_recording,
                lambda env: lambda bg: any(p.name.startswith("out.tmp-") for p in env.tmp.iterdir()), 0.0),
}


def signal_case(sig, phase_key):
    phase, make_model, ready, settle = PHASES[phase_key]

    def run(env):
        model = make_model(env)
        interrupted(env, sig, phase, [model], ready(env), settle=settle)
        if phase_key == "compile":
            # The host compiler was killed, not waited for, and the cache holds no half-built
            # module: the same model compiles and runs afterwards.
            r = env.modelc("run", model, "-o", env.tmp / "after", "-q")
            check(r.rc == 0, "the model compiles and runs after an interrupted compile", r)
    run.__name__ = "%s_%s" % (signal.Signals(sig).name.lower(), phase_key)
    return run


for _sig in (signal.SIGINT, signal.SIGTERM):
    for _phase in PHASES:
        case(signal_case(_sig, _phase))


@case
def sigterm_first_run_leaves_nothing(env):
    # No earlier results: an interrupted run creates no results directory at all.
    r = interrupted(env, signal.SIGTERM, "simulating", [long_simulation(env)],
                    lambda bg: "simulating" in bg.text(), earlier_out=False, settle=0.3)
    check(not (env.tmp / "out").exists(), "no results directory after an interrupted first run", r)
    check(not leftovers(env, env.tmp / "out"), "nothing temporary left behind", r)


# --- state that stops making sense ------------------------------------------------------------

def exploding(env):
    # dv/dt = v/(0.1 ms) with euler doubles v every step: past the double range after ~1000 steps.
    doc = base.load_example("lif.json")
    g = doc["neuron_groups"][0]
    g["equations"] = ["dv/dt = v / (0.1*ms) : volt"]
    g["initial"] = {"v": "1*mV"}
    g["method"] = "euler"
    for k in ("threshold", "reset", "refractory"):
        g.pop(k, None)
    doc["simulation"]["duration"] = "200 ms"
    doc["monitors"] = [{"name": "v", "kind": "state", "source": "G", "variables": ["v"], "indices": [0]}]
    return env.write_model("exploding.json", doc)


@case
def non_finite_state(env):
    model = exploding(env)
    out = env.tmp / "out"
    r = env.modelc("run", model, "-o", out)
    check(r.rc == 0, "without --strict the run completes", r)
    warnings = [l for l in r.err.splitlines() if "warning" in l and "non-finite" in l]
    check(len(warnings) == 1, "one warning for the one variable, not one per neuron or chunk", r)
    check(re.search(r"\bG\b", warnings[0]) and "v" in warnings[0], "the warning names group and variable", r)
    check(re.search(r"neuron \d+", warnings[0]) and re.search(r"step \d+", warnings[0]),
          "the warning names a neuron index and the first step seen", r)
    manifest = json.loads((out / "manifest.json").read_text())
    check(manifest.get("non_finite_state"), "the manifest records the non-finite state", r)

    earlier = tree_digest(out)
    r = env.modelc("run", model, "-o", out, "--strict")
    check(r.rc == 1 and "error" in r.err and "--strict" in r.err, "--strict turns it into an error", r)
    expect_untouched(env, out, earlier, r, "--strict")

    # A healthy model gets no such warning.
    r = env.modelc("run", base.example("lif.json"), "-o", env.tmp / "ok", "--strict")
    check(r.rc == 0 and "non-finite" not in r.err, "a healthy run is not flagged", r)


def main():
    return base.run_main(CASES, __doc__)


if __name__ == "__main__":
    sys.exit(main())
