#!/usr/bin/env python3
"""Brian2's own test suite against the modelc device, the way third-party devices run it:

    build/pyenv/bin/python tests/brian2/run_brian2_suite.py [--subset] [--out FILE.json] [pytest args]

``brian2.test([], test_codegen_independent=False, test_standalone='modelc',
fail_for_not_implemented=False)``: the standalone-compatible tests with one run() (build_on_run
True) and those with several (build_on_run False, device.build()), then the modelc-specific ones
(none). Writes the counts per outcome and every failure with its message (docs/brian2.md records
them). --subset: the CI subset (tests/brian2/suite_subset.txt, node ids), run the same way.
"""
import argparse
import json
import os
import sys
import time

import pytest


class Collector:
    def __init__(self):
        self.outcomes = {}
        self.failures = []
        self.skips = {}
        self.passed = []
        self.phase = ""

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            outcome = report.outcome
            if outcome == "skipped" and hasattr(report, "wasxfail"):
                outcome = "xfailed"
            if outcome == "passed" and hasattr(report, "wasxfail"):
                outcome = "xpassed"
            if outcome == "skipped":
                text = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
                if "NotImplementedError" in text or "not implemented" in text.lower() or "not supported" in text:
                    outcome = "not_implemented"
                reason = text.replace("Skipped: ", "")[:160]
                self.skips[reason] = self.skips.get(reason, 0) + 1
            if outcome == "passed":
                self.passed.append(report.nodeid.split("tests/")[-1])
            key = "%s %s" % (self.phase, outcome)
            self.outcomes[key] = self.outcomes.get(key, 0) + 1
            if outcome in ("failed", "not_implemented"):
                msg = report.longreprtext.strip().splitlines() if hasattr(report, "longreprtext") else []
                last = [l for l in msg if l.startswith("E ")][-3:] or msg[-2:]
                self.failures.append({"phase": self.phase, "test": report.nodeid, "outcome": outcome,
                                      "message": "\n".join(last)[:600]})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--subset", action="store_true")
    ap.add_argument("--out", default=None)
    ap.add_argument("--tests-from", default=None, metavar="DIR",
                    help="run the test files of DIR (a brian2/ package folder of the installed "
                         "Brian2 version, e.g. from its PyPI wheel) instead of the installed ones: "
                         "Debian's python3-brian leaves most of them out")
    ap.add_argument("--require-pass", action="store_true",
                    help="exit 1 when a test fails (the CI subset: every test in it passes today)")
    args, rest = ap.parse_known_args()
    import modelc.brian2  # noqa: F401  registers the device
    import brian2
    collector = Collector()
    extra = ["-p", "no:cacheprovider", "-q", "--no-header", "-p", "no:warnings"] + rest
    if args.subset:
        here = os.path.dirname(os.path.abspath(__file__))
        with open(os.path.join(here, "suite_subset.txt")) as f:
            ids = [l.split("#")[0].strip() for l in f if l.split("#")[0].strip()]
        extra += ["-k", " or ".join(ids)]
    original_main = pytest.main

    installed = os.path.dirname(os.path.abspath(brian2.__file__))

    def main_with_collector(argv, plugins=()):
        if args.tests_from:
            # importlib mode: the files are imported by path, not as brian2.tests.* of the installed
            # package (they import brian2 itself, and brian2.tests.utils, from the installation).
            argv = [os.path.abspath(args.tests_from) if a == installed else a for a in argv]
            argv += ["--import-mode=importlib"]
        markers = [a for a in argv if a.startswith("standalone_compatible")]
        collector.phase = "multiple_runs" if any("multiple_runs" in a and "not multiple_runs" not in a
                                                 for a in markers) else "single_run"
        return original_main(argv, plugins=list(plugins) + [collector])

    pytest.main = main_with_collector
    t0 = time.time()
    try:
        brian2.test([], test_codegen_independent=False, test_standalone="modelc",
                    fail_for_not_implemented=False, test_in_parallel=[], additional_args=extra)
    finally:
        pytest.main = original_main
    result = {"brian2": brian2.__version__, "seconds": round(time.time() - t0, 1),
              "outcomes": collector.outcomes, "failures": collector.failures,
              "passed": collector.passed,
              "skip_reasons": dict(sorted(collector.skips.items(), key=lambda kv: -kv[1]))}
    text = json.dumps(result, indent=1)
    if args.out:
        with open(args.out + ".tmp", "w") as f:
            f.write(text)
        os.replace(args.out + ".tmp", args.out)
    print(json.dumps(result["outcomes"]), "in", result["seconds"], "s")
    failed = [f for f in collector.failures if f["outcome"] == "failed"]
    for f in failed:
        print("FAILED", f["test"], "\n ", f["message"].replace("\n", "\n  "))
    if args.require_pass and (failed or not any(k.endswith("passed") for k in collector.outcomes)):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
