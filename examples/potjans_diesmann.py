#!/usr/bin/env python3
"""Writes examples/potjans_diesmann.json, the Potjans & Diesmann (2014) cortical microcircuit.

The 8 x 8 tables (connection probabilities, in-degrees, weights, the DC that replaces missing
input) are numbers, so they are computed here once and written into the model file as literals
times the two scale parameters; the model file stays plain IR that `modelc check` reads alone.
Parameters and scaling follow NEST's PyNEST example (pynest/examples/Potjans_2014,
network_params.py and helpers.py), which is the reference the rates are compared against:

  scale    (NEST's N_scaling): fraction of the 77,169 neurons;
  k_scale  (NEST's K_scaling): fraction of the in-degrees (recurrent and external). Weights are
           divided by sqrt(k_scale) and a DC current per population adds the mean input that the
           missing synapses would have brought (full-scale rates of NEST's example), so the
           downscaled network keeps the full one's mean input and, roughly, its rates.

Both default to 0.1 (7,716 neurons, about 3e6 synapses), as in NEST's example; scale = k_scale = 1
is the full model (about 3e8 synapses, 5 GB). Differences from NEST: synapses are drawn pair by
pair with p = K / (N_pre N_post) (the same expected number as NEST's fixed_total_number, but no
multapses and a binomial rather than a fixed count), weights and delays are clipped normals
(NEST redraws), the threshold is V > V_th (NEST: V >= V_th), and the background is a PoissonInput
(binomial number of events per step and neuron) rather than one poisson_generator per neuron.
Like NEST, every synapse group sums its input per target and delay step into a ring
(`"delay_buffering": "dendritic"`, docs/passes.md) instead of queueing each synapse: the sums
associate differently from Brian2's per-synapse order, a last-bit difference that -O2 would not
take by itself, and 1.6x on the simulation at scale 0.25.

Usage: python3 examples/potjans_diesmann.py [--check]  (--check: exit 1 if the file is stale)
"""
import json
import math
import sys
from pathlib import Path

POPULATIONS = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
N_FULL = [20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948]
# CONN_PROBS[target][source]
CONN_PROBS = [
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.1350, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.0600, 0.3158, 0.0086, 0.0],
    [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
    [0.0364, 0.0010, 0.0034, 0.0005, 0.0277, 0.0080, 0.0658, 0.1443],
]
K_EXT = [1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100]
# Rates (Hz) of the full-scale network, used only for the DC that compensates scaled in-degrees.
FULL_MEAN_RATES = [0.971, 2.868, 4.746, 5.396, 8.142, 9.078, 0.991, 7.523]
C_M, TAU_M, TAU_SYN = 250.0, 10.0, 0.5  # pF, ms, ms
PSP_E, PSP_SD, G, BG_RATE = 0.15, 0.1, -4.0, 8.0  # mV, relative, relative, Hz
DELAY_MEAN = {"E": 1.5, "I": 0.75}  # ms; sd = half the mean


def psc_over_psp():
    """pA of PSC amplitude per mV of PSP peak for iaf_psc_exp (NEST's helper of the same name)."""
    sub = 1.0 / (TAU_SYN - TAU_M)
    pre = TAU_M * TAU_SYN / C_M * sub
    frac = (TAU_M / TAU_SYN) ** sub
    return 1.0 / (pre * (frac ** TAU_M - frac ** TAU_SYN))


def tables():
    n = len(POPULATIONS)
    w_exc = PSP_E * psc_over_psp()
    synapses = [[0.0] * n for _ in range(n)]  # full-scale total number K (NEST's formula)
    weights = [[0.0] * n for _ in range(n)]
    for t in range(n):
        for s in range(n):
            c = CONN_PROBS[t][s]
            if c > 0:
                synapses[t][s] = math.log(1 - c) / math.log(1 - 1 / (N_FULL[s] * N_FULL[t]))
            weights[t][s] = w_exc * (G if s % 2 else 1.0) * (2.0 if (t, s) == (0, 2) else 1.0)
    # Mean input (pA) the recurrent and external synapses bring at full scale: the DC for k_scale < 1
    # is (1 - sqrt(k_scale)) times this, times tau_syn (NEST's adjust_weights_and_input_to_synapse_scaling).
    mean_input = []
    for t in range(n):
        rec = sum(weights[t][s] * synapses[t][s] / N_FULL[t] * FULL_MEAN_RATES[s] for s in range(n))
        ext = w_exc * K_EXT[t] * BG_RATE
        mean_input.append(0.001 * TAU_SYN * (rec + ext))
    return w_exc, synapses, weights, mean_input


def model():
    w_exc, synapses, weights, mean_input = tables()
    total = sum(map(sum, synapses))
    doc = {
        "modelc_ir": 2,
        "name": "potjans_diesmann",
        "description": (
            "Potjans & Diesmann 2014 cortical microcircuit: 8 populations (L2/3, L4, L5, L6; E and I) of "
            "current-based LIF neurons with exponential synaptic currents (NEST's iaf_psc_exp), 77,169 neurons "
            f"and {total:.3g} synapses at full scale, normal weights (87.8 pA, sd 10%; inhibitory -4x; L4E->L2/3E 2x) "
            "and delays (1.5 / 0.75 ms, sd 50%, at least dt), Poisson background at 8 Hz per external synapse. "
            "scale = NEST's N_scaling, k_scale = its K_scaling (weights / sqrt(k_scale) plus a compensating DC); "
            "both 0.1 here as in NEST's example; --set scale=1 --set k_scale=1 is the full model (about 5 GB). "
            "Generated by examples/potjans_diesmann.py, which lists the differences from NEST."),
        "parameters": {"scale": 0.1, "k_scale": "scale"},
        "simulation": {"dt": "0.1 ms", "duration": "1 second", "seed": 1, "precision": "double"},
        "constants": {
            "C_m": f"{C_M} pF", "tau_m": f"{TAU_M} ms", "tau_syn": f"{TAU_SYN} ms",
            "E_L": "-65 mV", "V_th": "-50 mV", "V_reset": "-65 mV",
            "V0_mean": "-58 mV", "V0_sd": "10 mV",
            "w_exc": f"{w_exc!r} * pA / sqrt(k_scale)", "bg_rate": f"{BG_RATE} Hz",
        },
        "neuron_groups": [],
        "synapses": [],
        "poisson_inputs": [],
        "monitors": [],
    }
    for t, pop in enumerate(POPULATIONS):
        doc["neuron_groups"].append({
            "name": pop,
            "size": f"int({N_FULL[t]} * scale + 0.5)",
            "constants": {"I_dc": f"(1 - sqrt(k_scale)) * {mean_input[t]!r} * pA"},
            "equations": [
                "dV/dt = -(V - E_L) / tau_m + (I + I_dc) / C_m : volt (unless refractory)",
                "dI/dt = -I / tau_syn : amp",
            ],
            "threshold": "V > V_th",
            "reset": "V = V_reset",
            "refractory": "2 ms",
            "method": "exact",
            "initial": {"V": "V0_mean + V0_sd*randn()"},
        })
        doc["poisson_inputs"].append({
            "name": f"bg_{pop}", "target": pop, "variable": "I",
            "N": f"int({K_EXT[t]} * k_scale + 0.5)", "rate": "bg_rate", "weight": "w_exc",
        })
        doc["monitors"].append({"name": f"spikes_{pop}", "kind": "spikes", "source": pop})
    for t, target in enumerate(POPULATIONS):
        for s, source in enumerate(POPULATIONS):
            if synapses[t][s] == 0:
                continue
            # Pairwise probability that gives NEST's scaled total number N_scaling * K_scaling * K.
            p0 = synapses[t][s] / (N_FULL[s] * N_FULL[t])
            w = weights[t][s] / w_exc
            kind = "I" if s % 2 else "E"
            mean = DELAY_MEAN[kind]
            sign_clip = "clip(_w, -1*amp, 0*amp)" if kind == "I" else "clip(_w, 0*amp, 1*amp)"
            doc["synapses"].append({
                "name": f"{source}_to_{target}",
                "source": source,
                "target": target,
                "equations": ["w : amp (constant)"],
                "on_pre": "I += w",
                "connect": {"p": f"clip({p0!r} * k_scale / scale, 0, 1)"},
                "initial": {"w": sign_clip.replace("_w", f"{w!r} * w_exc * (1 + {PSP_SD}*randn())")},
                "delay": f"clip({mean} * ms + {mean / 2} * ms * randn(), dt, 100 * ms)",
                "delay_buffering": "dendritic",
            })
    return doc


def main(argv):
    out = Path(__file__).resolve().parent / "potjans_diesmann.json"
    text = json.dumps(model(), indent=2) + "\n"
    if "--check" in argv:
        if not out.exists() or out.read_text() != text:
            print(f"{out} is stale: run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    out.write_text(text)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
