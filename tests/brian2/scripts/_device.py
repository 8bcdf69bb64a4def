"""The two lines each script here adds to a Brian2 example: ``setup()`` chooses the device from
the command line (``python SCRIPT.py DEVICE OUT.npz [SEED] [VARIANT]``; DEVICE is modelc, cpp_standalone or
runtime), ``save(...)`` writes what the tests compare to OUT.npz."""
import os
import sys
import tempfile

import numpy as np


def setup():
    import brian2
    device = sys.argv[1] if len(sys.argv) > 1 else "modelc"
    if device == "modelc":
        import modelc.brian2  # noqa: F401  registers the device
        brian2.set_device("modelc", **({"threads": int(os.environ["MODELC_THREADS"])}
                                       if "MODELC_THREADS" in os.environ else {}))
    elif device == "cpp_standalone":
        brian2.set_device("cpp_standalone", directory=tempfile.mkdtemp(prefix="brian2_std_"))
    elif device != "runtime":
        raise SystemExit("unknown device %r" % device)
    seeds = [a for a in sys.argv[3:] if a.isdigit()]
    if seeds:
        brian2.seed(int(seeds[0]))
        # The command line's seed replaces those the script sets (Dendrify's network example
        # calls seed(123)): the golden files sample Brian2's seed-to-seed spread.
        seed = brian2.seed
        brian2.seed = lambda *args, **kwds: seed(int(seeds[0]))
    return device


def save(**arrays):
    out = sys.argv[2] if len(sys.argv) > 2 else None
    if out:
        np.savez(out, **{k: np.asarray(v) for k, v in arrays.items()})
