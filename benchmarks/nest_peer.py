#!/usr/bin/env python3
"""NEST 3.10 as a benchmark peer, with NEST's built-in models standing in for the model files.

Imported by benchmarks/run.py (run_nest, NEST_MODELS) and run as its child with the interpreter of
a venv that has `pip install nest-simulator` (default build/nestenv/bin/python). The child reads
the same model file as modelc (sizes, duration, seed) and builds the network with NEST's models:

  cuba              iaf_psc_exp (C_m 250 pF; CUBA's voltage jumps become current jumps
                    we*C_m/tau_m), tau_syn_ex/in = 5/10 ms, pairwise_bernoulli p. Differences: delay
                    0.1 ms (NEST's minimum; modelc/Brian2 deliver in the same step, which also acts
                    on the next update), threshold V >= V_th (Brian2: v > Vt).
  cobahh, cobahh_uncoupled, cobahh_coupled
                    hh_cond_exp_traub, whose defaults are COBAHH's constants (g_Na 20 uS,
                    g_K 6 uS, g_L 10 nS, C_m 200 pF, E_L -60, V_T -63, taus 5/10 ms), t_ref 3 ms,
                    the same initial V. Differences: the conductances start at 0 (NEST 3.10 does
                    not let g_ex, g_in be set; the model files draw them around 40 and 200 nS),
                    NEST integrates with GSL's
                    adaptive RKF45 (Brian2/modelc: exponential Euler at 0.1 ms) and emits a spike
                    on the falling flank above V_T + 30 mV (Brian2/modelc: v > -20 mV), delay 0.1 ms.
  potjans_diesmann  iaf_psc_exp, fixed_total_number (multapses), redrawn normal weights and
                    delays, one poisson_generator per population and a DC (I_e) for k_scale < 1:
                    NEST's own PyNEST example, with the tables of examples/potjans_diesmann.py.

Other models (Brunel-Hakim's white-noise current, the STDP networks, the mushroom body) have no
NEST version here: the driver records them as missing with that reason.
construct = Create + Connect + Prepare, simulate = nest.Run (as many runs as modelc's repeats,
best kept; spikes are those of the first run); the kernel's own time_* counters (NEST
3.10: construction, simulate; update/deliver/communicate only in builds with detailed timers)
go to the per-phase column.
"""
import json
import math
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NEST_MODELS = ("cuba", "cobahh", "cobahh_uncoupled", "cobahh_coupled", "potjans_diesmann")


def run_nest(python, model_name, model_path, threads, workdir, timeout, repeats=1):
    sys.path.insert(0, str(HERE))
    from measured_process import run_json_child
    result, r = run_json_child([python, __file__, model_name, model_path, str(threads), str(repeats)], cwd=workdir, timeout=timeout)
    if "error" in result:
        return result
    result["peak_rss_mib"] = r["peak_rss_mib"]
    result["peak_rss_note"] = "the Python process running NEST"
    return result


def parameters(doc):
    """The model file's parameters as numbers (the driver writes plain numbers for overrides)."""
    out = {}
    for k, v in doc.get("parameters", {}).items():
        out[k] = v if isinstance(v, (int, float)) else eval(v, {"clip": lambda x, a, b: min(max(x, a), b)}, dict(out))
    return out


def seconds(text):
    value, unit = text.split()
    return float(value) * {"second": 1.0, "ms": 1e-3}[unit]


def build_cuba(nest, p):
    n = int(p["N"])
    ne = int(0.8 * n)
    c_m, tau_m = 250.0, 20.0
    pop = nest.Create("iaf_psc_exp", n, params={
        "C_m": c_m, "tau_m": tau_m, "E_L": -49.0, "V_th": -50.0, "V_reset": -60.0, "t_ref": 5.0,
        "tau_syn_ex": 5.0, "tau_syn_in": 10.0, "I_e": 0.0,
        "V_m": nest.random.uniform(min=-60.0, max=-50.0)})
    we = (60 * 0.27 / 10) * c_m / tau_m  # mV -> pA: a jump of v by we is a current jump of we*C_m/tau_m
    wi = (-20 * 4.5 / 10) * c_m / tau_m
    conn = {"rule": "pairwise_bernoulli", "p": float(p["p"])}
    nest.Connect(pop[:ne], pop, conn, {"weight": we, "delay": 0.1})
    nest.Connect(pop[ne:], pop, conn, {"weight": wi, "delay": 0.1})
    return {"P": pop}


def build_cobahh(nest, p, synapses):
    n = int(p["N"])
    ne = int(0.8 * n)
    pop = nest.Create("hh_cond_exp_traub", n, params={
        "t_ref": 3.0,
        "V_m": -60.0 + nest.random.normal(mean=-5.0, std=5.0)})
    if synapses == "classic":  # examples/cobahh.json: p = 80/N, we = 6 nS, wi = 67 nS
        conn = {"rule": "pairwise_bernoulli", "p": float(p["p"])}
        nest.Connect(pop[:ne], pop, conn, {"weight": 6.0, "delay": 0.1})
        nest.Connect(pop[ne:], pop, conn, {"weight": -67.0, "delay": 0.1})
    elif synapses == "pseudo":  # cobahh_coupled: p = 1000/N, weights rand()*1e-9 nS
        conn = {"rule": "pairwise_bernoulli", "p": float(p["p"])}
        nest.Connect(pop[:ne], pop, conn, {"weight": nest.random.uniform(0.0, 1e-9), "delay": 0.1})
        nest.Connect(pop[ne:], pop, conn, {"weight": nest.random.uniform(-1e-9, 0.0), "delay": 0.1})
    return {"P": pop}


def build_potjans_diesmann(nest, p):
    sys.path.insert(0, str(ROOT / "examples"))
    import potjans_diesmann as pd
    scale, k = float(p["scale"]), float(p["k_scale"])
    w_exc, synapses, weights, mean_input = pd.tables()
    dt = 0.1
    pops = {}
    for t, name in enumerate(pd.POPULATIONS):
        pops[name] = nest.Create("iaf_psc_exp", int(pd.N_FULL[t] * scale + 0.5), params={
            "C_m": pd.C_M, "tau_m": pd.TAU_M, "E_L": -65.0, "V_th": -50.0, "V_reset": -65.0, "t_ref": 2.0,
            "tau_syn_ex": pd.TAU_SYN, "tau_syn_in": pd.TAU_SYN,
            "I_e": (1 - math.sqrt(k)) * mean_input[t],
            "V_m": nest.random.normal(mean=-58.0, std=10.0)})
    for t, target in enumerate(pd.POPULATIONS):
        for s, source in enumerate(pd.POPULATIONS):
            count = int(round(synapses[t][s] * scale * k))
            if count == 0:
                continue
            w = weights[t][s] / math.sqrt(k)
            mean_delay = pd.DELAY_MEAN["I" if s % 2 else "E"]
            bounds = {"min": 0.0, "max": math.inf} if w > 0 else {"min": -math.inf, "max": 0.0}
            nest.Connect(pops[source], pops[target], {"rule": "fixed_total_number", "N": count},
                         {"synapse_model": "static_synapse",
                          "weight": nest.math.redraw(nest.random.normal(mean=w, std=abs(w) * pd.PSP_SD), **bounds),
                          "delay": nest.math.redraw(nest.random.normal(mean=mean_delay, std=mean_delay / 2),
                                                    min=dt, max=math.inf)})
        gen = nest.Create("poisson_generator", params={"rate": pd.BG_RATE * int(pd.K_EXT[t] * k + 0.5)})
        nest.Connect(gen, pops[target], "all_to_all", {"weight": w_exc / math.sqrt(k), "delay": 1.5})
    return pops


def child(model_name, model_path, threads, repeats):
    import nest
    doc = json.loads(Path(model_path).read_text())
    p = parameters(doc)
    if model_name == "potjans_diesmann":
        p.setdefault("k_scale", p["scale"])
    nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": 0.1, "local_num_threads": threads,
                          "rng_seed": int(doc["simulation"].get("seed", 1)) + 1})
    t0 = time.perf_counter()
    if model_name == "cuba":
        pops = build_cuba(nest, p)
    elif model_name == "potjans_diesmann":
        pops = build_potjans_diesmann(nest, p)
    else:
        pops = build_cobahh(nest, p, {"cobahh": "classic", "cobahh_coupled": "pseudo"}.get(model_name))
    synapses = nest.GetKernelStatus("num_connections")
    if model_name == "potjans_diesmann":
        synapses -= sum(len(pop) for pop in pops.values())  # one background generator per neuron
    recorders = {}
    for name, pop in pops.items():
        recorders[name] = nest.Create("spike_recorder")
        nest.Connect(pop, recorders[name])
    nest.Prepare()  # builds NEST's connection tables: part of construction, not of the loop
    construct = time.perf_counter() - t0
    samples = []
    for _ in range(repeats):  # later runs continue the network, as modelc's repeats start anew
        t1 = time.perf_counter()
        nest.Run(seconds(doc["simulation"]["duration"]) * 1000.0)
        samples.append(time.perf_counter() - t1)
        if len(samples) == 1:  # the spikes of one run, as modelc's
            spikes = {n: int(r.n_events) for n, r in recorders.items()}
    simulate = min(samples)
    nest.Cleanup()
    status = nest.GetKernelStatus()
    timers = {k: v for k, v in status.items() if k.startswith("time_") and isinstance(v, (int, float))}
    print(json.dumps({"nest_version": nest.__version__, "codegen_s": None, "compile_s": None,
                      "construct_s": construct, "simulate_s": simulate, "simulate_samples": samples,
                      "synapses": int(synapses),
                      "spikes_by_group": spikes,
                      "phases": timers}))


if __name__ == "__main__":
    a = sys.argv[1:]
    child(a[0], a[1], int(a[2]), int(a[3]))
