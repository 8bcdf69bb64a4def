"""The scans of benchmarks/run.py: which models, sizes, durations, backends and peers.

`full` is the suite of the Brian2CUDA paper (Alevi et al. 2022) plus CUBA, COBAHH with in-degree
80 (the sizes of issue 14's table: 4k and 40k, 1 and 2 threads) and the Potjans-Diesmann
microcircuit, sized to finish within about 20 minutes on this shared 2-core machine with every
peer: durations are short (0.1-0.5 s of biological time; the plots use time per biological
second), the peers run 2 threads only at the table's sizes (on a loaded machine a spinning
OpenMP barrier per step costs them seconds), and the Brian2 builds (10-30 s each here) are what
bounds the number of points. `ci` checks the driver end to end in seconds.

A point: model (examples/<model>.json), size_param and size (the parameter overridden), duration
(s), precision, backends (modelc), threads (modelc cpu), peer_threads (Brian2 cpp_standalone and
NEST; Brian2 cython always 1), opencl_max (largest size run on OpenCL), peers: peer -> largest
size it runs, or a string: why it is not run (absent: not run).
"""


def points(model, size_param, sizes, duration, peers, threads=(1, 2), backends=("cpu",), opencl_max=None,
           precision="double", peer_threads_at=()):
    out = []
    for size in sizes:
        p = {"model": model, "size_param": size_param, "size": size, "precision": precision,
             "duration": duration(size) if callable(duration) else duration, "threads": list(threads),
             "peer_threads": [1, 2] if size in peer_threads_at else [1],
             "backends": list(backends), "peers": dict(peers)}
        if opencl_max is not None:
            p["opencl_max"] = opencl_max
        out.append(p)
    return out


B2 = "brian2-cpp_standalone"
CY = "brian2-cython"
NEST = "nest"
# Measured in a trial run here: Brian2 did not finish code generation + build of the
# microcircuit (8 groups, 55 synapse groups, 8 PoissonInputs) within the 240 s peer timeout, in
# either target; a scan of 20 minutes cannot afford it.
PD_BRIAN2 = ("the Brian2 build of the 55 synapse groups took over 240 s (cpp_standalone and cython, "
             "trial run on this machine): too long for this scan")
TABLE = (4000, 40000)  # issue 14's table: both thread counts for every simulator

FULL = (
    points("cuba", "N", [1000, 4000, 40000], 0.5, {B2: 40000, CY: 4000, NEST: 40000},
           backends=("cpu", "opencl"), opencl_max=40000, peer_threads_at=TABLE)
    + points("cuba", "N", [40000], 0.5, {B2: 40000}, precision="float")
    + points("cobahh", "N", [4000, 40000], lambda n: 0.2 if n < 10000 else 0.1, {B2: 40000, NEST: 40000},
             peer_threads_at=TABLE)
    + points("cobahh", "N", [40000], 0.1, {B2: 40000}, precision="float")
    + points("cobahh_uncoupled", "N", [4000, 16000, 64000], 0.1, {B2: 64000, CY: 4000, NEST: 16000},
             backends=("cpu", "opencl"), opencl_max=64000)
    + points("cobahh_uncoupled", "N", [64000], 0.1, {B2: 64000}, precision="float")
    + points("cobahh_coupled", "N", [4000, 16000], 0.1, {B2: 16000, NEST: 4000})
    + points("brunel_hakim", "N", [5000, 20000], 0.1, {B2: 20000, CY: 5000})
    + points("brunel_hakim_hetero", "N", [4000, 40000], 0.2, {B2: 40000},
             backends=("cpu", "opencl"), opencl_max=4000, peer_threads_at=TABLE)
    + points("stdp_network", "N", [10000, 100000, 1000000], 0.1, {B2: 1000000, CY: 10000})
    + points("stdp_network_hetero", "N", [10000, 1000000], 0.1, {B2: 1000000})
    + points("mushroom_body", "N_MB", [2500, 10000], 0.2, {B2: 10000})
    + points("potjans_diesmann", "scale", [0.02, 0.1], 0.2, {B2: PD_BRIAN2, CY: PD_BRIAN2, NEST: 0.1})
    # Full scale (77,169 neurons, ~3e8 synapses, ~7 GiB): modelc only; the peers would need
    # 16 GB (NEST's README) or more than this machine has.
    + points("potjans_diesmann", "scale", [1.0], 0.1, {})
)

CI = (
    points("cuba", "N", [200, 400], 0.02, {B2: 400, CY: 200, NEST: 400}, backends=("cpu", "opencl"),
           opencl_max=200, peer_threads_at=(400,))
    + points("cuba", "N", [400], 0.02, {B2: 400}, threads=(1,), precision="float")
    + points("stdp_network_hetero", "N", [2000], 0.02, {B2: 2000}, threads=(1,))
)

SCANS = {"full": {"points": FULL, "repeats": 3}, "ci": {"points": CI, "repeats": 2}}
