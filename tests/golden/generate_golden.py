#!/usr/bin/env python3
"""Generate Brian2 reference results for the golden models.

Reads each modelc model file in ``tests/golden/models/``, translates it into a
Brian2 script (``modelc_to_brian2.py``), runs it with Brian2 and writes
``tests/golden/expected/<name>.json``.  The modelc files are the single source
of the models, so what modelc is tested on and what Brian2 ran cannot drift.

Two kinds of golden:

* ``exact``: deterministic models (no random numbers).  Records every spike as
  (neuron, step, t), the state monitors, and the smallest distance of the
  threshold variable from the threshold over all non-refractory (neuron, step)
  pairs, which tells how far floating-point differences would have to push a
  value to change a spike.
* ``stats``: random networks.  Brian2's generator is not modelc's Philox, so
  only statistics are recorded, for several Brian2 seeds, with their mean and
  sample standard deviation (see README.md for the definitions and tolerances).

Usage (Brian2 2.5.1 is installed for the system interpreter):

    /usr/bin/python3 tests/golden/generate_golden.py            # all
    /usr/bin/python3 tests/golden/generate_golden.py --only hh_current
"""

import argparse
import datetime
import hashlib
import json
import platform
import re
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
MODELS_DIR = HERE / "models"
EXPECTED_DIR = HERE / "expected"
sys.path.insert(0, str(HERE))

warnings.filterwarnings("ignore", category=FutureWarning)  # pythran/numpy noise on import
import brian2  # noqa: E402
import numpy as np  # noqa: E402
from brian2.units.fundamentalunits import get_unit  # noqa: E402

import modelc_to_brian2  # noqa: E402

RATE_BIN = 1e-3  # seconds; bin of the smoothed population rate (synchrony measure)


@dataclass(frozen=True)
class Golden:
    """One golden model: its kind and the Brian2 seeds it is run with."""
    kind: str               # "exact", "stats" or a statistics function name (STATS_KINDS)
    seeds: tuple = (0,)
    description: str = ""
    # exact goldens: extra margins for custom-event conditions "var > threshold and flag":
    # (group, variable, threshold source, flag variable or None)
    event_margins: tuple = ()


GOLDENS = {
    "lif_current": Golden("exact", description="20 LIF neurons, constant per-neuron drive, exact"),
    "lif_current_euler": Golden("exact", description="lif_current integrated with euler"),
    "lif_current_rk4": Golden("exact", description="lif_current integrated with rk4"),
    "hh_coupled": Golden("exact", description="400 COBAHH neurons, deterministic initial values and connectivity (a condition on i, j): network dynamics spike for spike"),
    "hh_current": Golden("exact", description="10 Traub-Miles HH neurons (COBAHH channels), "
                                              "constant injected current, exponential_euler"),
    "cuba_stats": Golden("stats", seeds=(1, 2, 3, 4, 5),
                         description="CUBA (Vogels-Abbott) N=4000, 1 s, statistics over seeds"),
    "cobahh_stats": Golden("stats", seeds=tuple(range(1, 11)),
                           description="COBAHH (Brette 2007 benchmark 3) N=4000, 1 s, "
                                       "statistics over seeds"),
    # -- IR v2 (docs/ir-v2.md) ---------------------------------------------------------------
    "delays_hetero": Golden("exact", description="spike generator -> LIF through explicit "
                            "synapses with per-synapse delays (rounded to steps) and a "
                            "homogeneous-delay pathway"),
    "stdp_pairs": Golden("exact", description="Song-2000 STDP, event-driven traces, on_pre and "
                         "on_post, designed pre/post timing between spike generators"),
    "summed_gap": Golden("exact", description="gap junctions through a (summed) variable"),
    "summed_target_slice": Golden("exact", description="(summed) variables onto target slices "
                                  "(gap junctions, clock-driven synaptic trace), source slices"),
    "slices_pathways": Golden("exact", description="on_pre between source and target slices: "
                              "homogeneous, heterogeneous (dendritic ring, spike queue) delays, "
                              "pre/post variables in code, conditions and initial values"),
    "slices_plasticity": Golden("exact", description="STDP between slices: event-driven traces, "
                                "on_post from a target slice, synapse state monitor"),
    "slices_events_connect": Golden(
        "exact", description="custom event of a source slice driving on_pre, one_to_one, generator "
        "connect with skip_if_invalid, n synapses per pair, delayed on_post writing v_pre, "
        "clock-driven synaptic ODE reading v_post, all on slices",
        event_margins=(("P", "v", "-52.5*mV", None),)),
    "synapse_degrees": Golden("exact", description="N_incoming / N_outgoing in initial weights, "
                              "on_pre code and per-synapse delays, between slices"),
    "timed_input": Golden("exact", description="1-D and 2-D TimedArray current injection"),
    "custom_events_dendrite": Golden(
        "exact", description="Dendrify-style soma + 2 dendrites, dendritic Na spikes as custom "
        "events with run_on_event code and flag-based refractoriness",
        event_margins=(("cells", "V_d1", "Vth_d", "allow_d1"), ("cells", "V_d2", "Vth_d", "allow_d2"))),
    "run_regularly_shared": Golden("exact", description="run_regularly at a 5 ms period writing "
                                   "(shared) variables, (constant over dt) subexpression, rk4"),
    "schedule_groups": Golden("exact", description="run_regularly in the groups slot before the "
                              "state update (Brian2's name order), with order 1 after it, and in "
                              "after_groups"),
    "schedule_thresholds": Golden("exact", description="run_regularly in the thresholds slot before "
                                  "the threshold (a kick that makes neurons spike in the same step), "
                                  "with order 2 after it, and in before_thresholds"),
    "schedule_resets": Golden("exact", description="resets slot: run_regularly before the spike "
                              "reset, run_on_event code after it (after_resets), and event code "
                              "scheduled explicitly at resets, order -1"),
    "schedule_order": Golden("exact", description="explicit orders: a pathway moved before another, "
                             "a group order of -1, a state monitor in after_synapses"),
    "schedule_slots": Golden("exact", description="run_regularly operations in all 18 slots, "
                             "explicit orders and name ties; each records its position in the step"),
    "brunel_hakim_homog": Golden("stats", seeds=tuple(range(1, 11)),
                                 description="Brunel-Hakim 1999 sparse inhibitory network with "
                                 "noise (xi, euler), N=5000, C=1000, delay 2 ms"),
    "brunel_hakim_hetero": Golden("stats", seeds=tuple(range(1, 11)),
                                  description="Brunel-Hakim with heterogeneous delays "
                                  "4*ms*rand(), N=5000, C=1000"),
    "stdp_song": Golden("stdp_song", seeds=tuple(range(1, 9)),
                        description="Song et al. 2000: 1000 Poisson inputs at 15 Hz onto one LIF "
                        "neuron with STDP; final weight distribution"),
    "poisson_input": Golden("poisson_input", seeds=tuple(range(1, 11)),
                            description="PoissonInput onto 500 uncoupled LIF neurons: rate and "
                            "membrane potential statistics"),
    "mushroom_body_small": Golden("mushroom_body", seeds=tuple(range(1, 9)),
                                  description="Nowotny 2005 mushroom body, 100 PN / 2500 iKC / "
                                  "100 eKC, STDP iKC->eKC"),
}

STAT_DEFINITIONS = {
    "rate_hz": "total spikes / (N * duration), over the whole run",
    "cv_isi": "mean over neurons with >= 3 spikes of std(ISI)/mean(ISI) (population std, ddof=0)",
    "fraction_fired": "fraction of the N neurons with >= 1 spike",
    "neurons_with_3_spikes": "number of neurons entering cv_isi",
    "rate_std_hz": "std (ddof=0) over all steps of the population rate per dt bin "
                   "(PopulationRateMonitor.rate)",
    "rate_std_1ms_hz": "std (ddof=0) of the population rate in 1 ms bins (spikes with step "
                       "// round(1 ms/dt) == k, divided by N * 1 ms); synchrony measure",
}


# -- provenance --------------------------------------------------------------------------

def provenance(model_path, model, script_text, golden, target):
    """Everything needed to reproduce or audit one expected file."""
    methods = {g["name"]: g.get("method", "(Brian2 default)") for g in model["neuron_groups"]
               if g.get("kind", "neurons") == "neurons"}
    methods.update({s["name"]: s["method"] for s in model.get("synapses", []) if "method" in s})
    sim = model["simulation"]
    return {
        "model_file": str(model_path.relative_to(REPO_ROOT)),
        "model_sha256": hashlib.sha256(model_path.read_bytes()).hexdigest(),
        "generated_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "generator": "tests/golden/generate_golden.py",
        "translator_version": modelc_to_brian2.TRANSLATOR_VERSION,
        "brian2_version": brian2.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "codegen_target": target,
        "method": methods,
        "dt": sim.get("dt", "0.1 ms"),
        "duration": sim["duration"],
        "brian2_seeds": list(golden.seeds),
        "brian2_script": script_text,
    }


# -- running ---------------------------------------------------------------------------

@dataclass
class Run:
    """A finished Brian2 run of a translated model."""
    net: object
    groups: dict
    monitors: dict         # name -> (kind, Brian2 monitor, indices or None)
    extras: dict           # group name -> threshold probe monitor
    steps: int
    seconds: float

    @property
    def synapse_counts(self):
        return {obj.name: int(len(obj)) for obj in self.net.objects
                if isinstance(obj, brian2.Synapses)}


def run_model(script, seed, extra_monitors=None):
    """Build the translated network with Brian2 seed ``seed``, add probes, run it."""
    brian2.start_scope()
    net, groups, monitors = script["build"](seed)
    extras = extra_monitors(groups) if extra_monitors else {}
    for monitor in extras.values():
        net.add(monitor)
    started = time.perf_counter()
    net.run(script["DURATION"])
    elapsed = time.perf_counter() - started
    steps = int(round(float(script["DURATION"]) / float(script["DT"])))
    return Run(net, groups, monitors, extras, steps, elapsed)


def spike_table(monitor, indices, dt):
    """Spikes sorted by (step, neuron) as parallel lists, optionally filtered to ``indices``."""
    neurons = np.asarray(monitor.i[:], dtype=np.int64)
    times = np.asarray(monitor.t_[:], dtype=float)
    if indices is not None:
        keep = np.isin(neurons, indices)
        neurons, times = neurons[keep], times[keep]
    steps = np.rint(times / dt).astype(np.int64)
    order = np.lexsort((neurons, steps))
    return {
        "count": int(len(neurons)),
        "i": neurons[order].tolist(),
        "step": steps[order].tolist(),
        "t": times[order].tolist(),
    }


def state_table(monitor, indices, dt):
    """State monitor contents: time axis and one [neuron][sample] array per variable."""
    table = {
        "indices": indices if indices is not None else np.asarray(monitor.record).tolist(),
        "step": np.rint(np.asarray(monitor.t_[:]) / dt).astype(np.int64).tolist(),
        "t": np.asarray(monitor.t_[:]).tolist(),
        "units": {},
        "values": {},
    }
    for variable in monitor.record_variables:
        table["units"][variable] = repr(get_unit(monitor.variables[variable].dim))
        table["values"][variable] = np.asarray(getattr(monitor, variable + "_")).tolist()
    return table


_THRESHOLD = re.compile(r"^\s*([A-Za-z_]\w*)\s*(>=|>|<=|<)\s*(.+?)\s*$")


def threshold_probes(model):
    """Per group with a ``var <op> constant`` threshold: (group, variable, threshold source)."""
    probes = []
    for group in model["neuron_groups"]:
        if group.get("kind", "neurons") != "neurons":
            continue
        match = _THRESHOLD.match(group.get("threshold", ""))
        if match:
            probes.append((group["name"], match.group(1), match.group(3),
                           "refractory" in group))
    return probes


def threshold_monitors(probes):
    """Factory for monitors of the threshold variable right before spike detection."""
    def make(groups):
        monitors = {}
        for group_name, variable, _, refractory in probes:
            variables = [variable] + (["not_refractory"] if refractory else [])
            monitors[group_name] = brian2.StateMonitor(
                groups[group_name], variables, record=True, when="thresholds", order=-1,
                name=f"threshold_probe_{group_name}")
        return monitors
    return make


def threshold_margins(probes, groups, extras):
    """Smallest |var - threshold| over non-refractory (neuron, step) pairs, per group."""
    margins = {}
    for group_name, variable, source, refractory in probes:
        scope = modelc_to_brian2.ConstantScope(groups[group_name].namespace)
        threshold = float(scope.evaluate(source, f"threshold of {group_name}"))
        values = np.asarray(getattr(extras[group_name], variable + "_"))
        if refractory:
            values = values[np.asarray(extras[group_name].not_refractory, dtype=bool)]
        margins[group_name] = {
            "variable": variable,
            "threshold": threshold,
            "min_distance": float(np.min(np.abs(values - threshold))),
        }
    return margins


# -- golden kinds -----------------------------------------------------------------------

def event_margin_monitors(event_margins, base=None):
    """Adds probes (right before custom-event detection) of each event-margin variable."""
    def make(groups):
        monitors = base(groups) if base else {}
        for k, (group_name, variable, _, flag) in enumerate(event_margins):
            variables = [variable] + ([flag] if flag else [])
            monitors[f"event_probe_{k}"] = brian2.StateMonitor(
                groups[group_name], variables, record=True, when="after_thresholds", order=-1,
                name=f"event_probe_{k}")
        return monitors
    return make


def event_margin_values(event_margins, groups, extras):
    """Smallest |var - threshold| over (neuron, step) pairs where the event's flag holds."""
    margins = {}
    for k, (group_name, variable, source, flag) in enumerate(event_margins):
        scope = modelc_to_brian2.ConstantScope(groups[group_name].namespace)
        threshold = float(scope.evaluate(source, f"event margin {k}"))
        probe = extras[f"event_probe_{k}"]
        values = np.asarray(getattr(probe, variable + "_"))
        if flag:
            values = values[np.asarray(getattr(probe, flag), dtype=bool)]
        margins[f"{group_name}.{variable}"] = {
            "variable": variable, "threshold": threshold, "flag": flag,
            "min_distance": float(np.min(np.abs(values - threshold))),
        }
    return margins


def exact_results(model, script, golden):
    """Spikes, custom events, state traces and threshold margins of a deterministic model."""
    probes = threshold_probes(model)
    factory = threshold_monitors(probes)
    if golden.event_margins:
        factory = event_margin_monitors(golden.event_margins, factory)
    run = run_model(script, golden.seeds[0], factory)
    dt = float(script["DT"])
    spikes, events, states = {}, {}, {}
    for name, (kind, monitor, indices) in run.monitors.items():
        if kind == "spikes":
            spikes[name] = spike_table(monitor, indices, dt)
        elif kind == "events":
            events[name] = spike_table(monitor, indices, dt)
            events[name]["event"] = monitor.event
        elif kind == "state":
            states[name] = state_table(monitor, indices, dt)
    margins = threshold_margins(probes, run.groups, run.extras)
    if golden.event_margins:
        margins.update(event_margin_values(golden.event_margins, run.groups, run.extras))
    results = {
        "steps": run.steps,
        "run_seconds": round(run.seconds, 3),
        "threshold_margin": margins,
        "spikes": spikes,
    }
    if events:
        results["events"] = events
    results["state"] = states
    return results


def spike_statistics(monitor, n_neurons, duration, dt):
    """The statistics of STAT_DEFINITIONS that come from a spike monitor."""
    neurons = np.asarray(monitor.i[:], dtype=np.int64)
    times = np.asarray(monitor.t_[:], dtype=float)
    counts = np.bincount(neurons, minlength=n_neurons)
    cvs = []
    order = np.lexsort((times, neurons))
    by_neuron = np.split(times[order], np.cumsum(counts)[:-1])
    for spike_times in by_neuron:
        if len(spike_times) >= 3:
            isi = np.diff(spike_times)
            cvs.append(np.std(isi) / np.mean(isi))
    steps_per_bin = int(round(RATE_BIN / dt))
    n_bins = int(round(duration / dt)) // steps_per_bin
    bins = np.rint(times / dt).astype(np.int64) // steps_per_bin
    binned = np.bincount(bins[bins < n_bins], minlength=n_bins) / (n_neurons * RATE_BIN)
    return {
        "rate_hz": float(len(neurons) / (n_neurons * duration)),
        "cv_isi": float(np.mean(cvs)) if cvs else None,
        "fraction_fired": float(np.count_nonzero(counts) / n_neurons),
        "neurons_with_3_spikes": len(cvs),
        "rate_std_1ms_hz": float(np.std(binned)),
    }


def final_samples(monitor, variable):
    """Last sample of a state monitor (every recorded element): the 'final' values."""
    return np.asarray(getattr(monitor, variable + "_"))[:, -1]


def network_stats(run, dt, duration):
    """STAT_DEFINITIONS from the spike and rate monitors (CUBA, COBAHH, Brunel-Hakim)."""
    record = {}
    for kind, monitor, indices in run.monitors.values():
        if kind == "spikes":
            if indices is not None:
                raise modelc_to_brian2.UnsupportedModel("stats need unfiltered spike monitors")
            record.update(spike_statistics(monitor, len(monitor.source), duration, dt))
        elif kind == "rate":
            record["rate_std_hz"] = float(np.std(np.asarray(monitor.rate_)))
    return record


WEIGHT_BINS = 10


def weight_stats(weights, w_max):
    """Distribution of final weights in units of w_max (see WEIGHT_DEFINITIONS)."""
    x = np.asarray(weights) / w_max
    hist = np.histogram(np.clip(x, 0, 1), bins=WEIGHT_BINS, range=(0.0, 1.0))[0] / len(x)
    record = {"w_mean": float(np.mean(x)), "w_p10": float(np.percentile(x, 10)),
              "w_p50": float(np.percentile(x, 50)), "w_p90": float(np.percentile(x, 90)),
              "w_frac_low": float(np.mean(x < 0.1)), "w_frac_high": float(np.mean(x > 0.9))}
    record.update({f"w_hist_{k}": float(h) for k, h in enumerate(hist)})
    return record


WEIGHT_DEFINITIONS = {
    "w_mean": "mean final weight / w_max (final = last sample of the 'weights' state monitor)",
    "w_p10": "10th percentile of final weight / w_max (numpy linear interpolation)",
    "w_p50": "median of final weight / w_max",
    "w_p90": "90th percentile of final weight / w_max",
    "w_frac_low": "fraction of synapses with final weight < 0.1 w_max",
    "w_frac_high": "fraction of synapses with final weight > 0.9 w_max",
    "w_hist_k": f"fraction of synapses in bin k of {WEIGHT_BINS} equal bins over [0, w_max] "
                "(numpy.histogram: the last bin includes w_max)",
}


def stdp_song_stats(run, dt, duration):
    _, spikes, _ = run.monitors["post_spikes"]
    _, weights, _ = run.monitors["weights"]
    w_max = float(run.groups["S"].namespace["gmax"])
    record = {"post_rate_hz": float(spikes.num_spikes / (len(spikes.source) * duration))}
    record.update(weight_stats(final_samples(weights, "w"), w_max))
    return record


def poisson_input_stats(run, dt, duration):
    _, spikes, _ = run.monitors["spikes"]
    _, trace, _ = run.monitors["v_trace"]
    record = spike_statistics(spikes, len(spikes.source), duration, dt)
    v = np.asarray(trace.v_)
    record.update({"v_mean": float(np.mean(v)), "v_std": float(np.std(v))})
    return record


def mushroom_body_stats(run, dt, duration):
    record = {}
    for population in ("iKC", "eKC"):
        _, spikes, _ = run.monitors[f"{population}_spikes"]
        stats = spike_statistics(spikes, len(spikes.source), duration, dt)
        record[f"{population}_rate_hz"] = stats["rate_hz"]
        record[f"{population}_fraction_fired"] = stats["fraction_fired"]
    _, weights, _ = run.monitors["weights"]
    w_max = float(run.groups["iKC_eKC"].namespace["g_max"])
    record.update(weight_stats(final_samples(weights, "g_raw"), w_max))
    return record


STATS_KINDS = {
    # kind: (statistics function, definitions)
    "stats": (network_stats, STAT_DEFINITIONS),
    "stdp_song": (stdp_song_stats, dict(
        {"post_rate_hz": "spikes of the postsynaptic neuron / duration"}, **WEIGHT_DEFINITIONS)),
    "poisson_input": (poisson_input_stats, dict(
        {k: STAT_DEFINITIONS[k] for k in ("rate_hz", "cv_isi", "fraction_fired",
                                          "neurons_with_3_spikes", "rate_std_1ms_hz")},
        v_mean="mean of v over every sample of the 'v_trace' monitor (every 5th neuron, 1 ms)",
        v_std="std (ddof=0) of v over every sample of 'v_trace' (all neurons and times pooled)")),
    "mushroom_body": (mushroom_body_stats, dict(
        {"iKC_rate_hz": "iKC spikes / (N_MB * duration)",
         "eKC_rate_hz": "eKC spikes / (N_LB * duration)",
         "iKC_fraction_fired": "fraction of iKCs with >= 1 spike",
         "eKC_fraction_fired": "fraction of eKCs with >= 1 spike"}, **WEIGHT_DEFINITIONS)),
}


def stats_results(model, script, golden):
    """Statistics per Brian2 seed and their mean / sample std."""
    statistics, definitions = STATS_KINDS[golden.kind]
    per_seed = []
    for seed in golden.seeds:
        run = run_model(script, seed)
        dt, duration = float(script["DT"]), float(script["DURATION"])
        record = {"seed": seed}
        record.update(statistics(run, dt, duration))
        record["synapses"] = run.synapse_counts
        record["run_seconds"] = round(run.seconds, 2)
        print(f"  seed {seed}: " + ", ".join(
            f"{k}={v:.4g}" for k, v in record.items() if isinstance(v, float)), flush=True)
        per_seed.append(record)
    summary = {}
    keys = [k for k in per_seed[0] if k not in ("seed", "synapses", "run_seconds")]
    for key in keys:
        values = [r[key] for r in per_seed if r.get(key) is not None]
        if values:
            summary[key] = {"mean": float(np.mean(values)),
                            "std": float(np.std(values, ddof=1)) if len(values) > 1 else 0.0,
                            "min": float(np.min(values)), "max": float(np.max(values))}
    return {"steps": run.steps, "definitions": definitions,
            "per_seed": per_seed, "summary": summary}


# -- driver ----------------------------------------------------------------------------

def generate(name, target):
    """Run one golden and write its expected file; returns (path, seconds)."""
    golden = GOLDENS[name]
    model_path = MODELS_DIR / f"{name}.json"
    model = json.loads(model_path.read_text())
    script_text = modelc_to_brian2.translate(model, str(model_path.relative_to(REPO_ROOT)),
                                             model_path.parent)
    script = modelc_to_brian2.load_script(script_text, f"<brian2 script for {name}>")
    started = time.perf_counter()
    if golden.kind == "exact":
        results = exact_results(model, script, golden)
    else:
        results = stats_results(model, script, golden)
    document = {
        "golden": name,
        "kind": golden.kind,
        "description": golden.description,
        "provenance": provenance(model_path, model, script_text, golden, target),
        **results,
    }
    EXPECTED_DIR.mkdir(parents=True, exist_ok=True)
    out_path = EXPECTED_DIR / f"{name}.json"
    out_path.write_text(json.dumps(document, indent=1) + "\n")
    return out_path, time.perf_counter() - started


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=sorted(GOLDENS), metavar="NAME",
                        help=f"generate only this golden (repeatable): {', '.join(GOLDENS)}")
    parser.add_argument("--target", default="numpy", choices=("numpy", "cython"),
                        help="Brian2 code generation target (default numpy)")
    args = parser.parse_args(argv)

    brian2.prefs.codegen.target = args.target
    brian2.prefs.core.default_float_dtype = np.float64
    total = time.perf_counter()
    for name in args.only or GOLDENS:
        print(f"{name}: running Brian2 {brian2.__version__} ({args.target})", flush=True)
        path, seconds = generate(name, args.target)
        size_kb = path.stat().st_size / 1024
        print(f"{name}: wrote {path.relative_to(REPO_ROOT)} ({size_kb:.1f} KB, {seconds:.1f} s)",
              flush=True)
    print(f"done in {time.perf_counter() - total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
