"""Runs a command and reports its wall time and peak resident memory.

The peak comes from os.wait4's rusage of the child: Linux reports the largest resident set of the
child and of the descendants it waited for, so a run that compiles (modelc cold, a Brian2 build)
reports the compiler's peak if that is larger; callers say which runs they measured.
"""
import os
import subprocess
import tempfile
import threading
import time


def run_measured(cmd, env=None, cwd=None, timeout=None):
    """Returns {"rc", "wall_s", "peak_rss_mib", "stdout", "stderr", "timed_out"}."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen([str(c) for c in cmd], stdout=out, stderr=err, env=env, cwd=cwd,
                                start_new_session=True)
        timed_out = []

        def kill():
            timed_out.append(True)
            try:
                os.killpg(proc.pid, 9)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            if timer:
                timer.cancel()
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        out.seek(0)
        err.seek(0)
        return {"rc": proc.returncode, "wall_s": wall, "peak_rss_mib": usage.ru_maxrss / 1024.0,
                "stdout": out.read().decode("utf-8", "replace"),
                "stderr": err.read().decode("utf-8", "replace"), "timed_out": bool(timed_out)}


def run_json_child(cmd, cwd=None, timeout=None):
    """Runs a peer's child process that prints its result as a JSON line; returns (result dict or
    {"error": reason}, the run_measured record)."""
    import json
    r = run_measured(cmd, cwd=cwd, timeout=timeout)
    if r["timed_out"]:
        return {"error": f"timed out after {timeout} s"}, r
    lines = [x for x in r["stdout"].splitlines() if x.startswith("{")]
    if r["rc"] != 0 or not lines:
        tail = (r["stderr"].strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {r['rc']}: {tail[:200]}"}, r
    return json.loads(lines[-1]), r
