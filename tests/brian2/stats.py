"""Statistics the Brian2 example tests compare (same code for the golden files and the tests)."""
import numpy as np


def spike_stats(i, t, n, duration):
    i = np.asarray(i)
    t = np.asarray(t)
    stats = {"rate": len(i) / (n * duration)}
    cvs = []
    order = np.lexsort((t, i))
    i, t = i[order], t[order]
    bounds = np.flatnonzero(np.diff(i)) + 1
    for ts in np.split(t, bounds):
        if len(ts) >= 3:
            isi = np.diff(ts)
            if isi.mean() > 0:
                cvs.append(isi.std() / isi.mean())
    stats["cv"] = float(np.mean(cvs)) if cvs else 0.0
    return stats


def example_stats(data):
    """{statistic: value} of one run's saved arrays."""
    s = spike_stats(data["i"], data["t"], int(data["N"]), float(data["duration"]))
    if "p_i" in data:  # Dendrify's network example: the passive-dendrite network too
        p = spike_stats(data["p_i"], data["p_t"], int(data["N"]), float(data["duration"]))
        s["p_rate"], s["p_cv"] = p["rate"], p["cv"]
    if "w" in data:  # STDP: the weight distribution becomes bimodal
        w = np.asarray(data["w"])
        s["w_mean"] = float(w.mean())
        s["w_low"] = float(np.mean(w < 0.1))
        s["w_high"] = float(np.mean(w > 0.9))
        s["out_rate"] = len(data["out_t"]) / float(data["duration"])
    return s
