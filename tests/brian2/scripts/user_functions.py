# User functions with C++ implementations (Brian2's @implementation('cpp', ...) and
# Function.implementations.add_implementation): called from equations, a subexpression recorded
# by a StateMonitor, the threshold, run_regularly and a synapse's on_pre, nested, with units
# (arguments and results in SI values in the C++ code), local constants, pow, fabs, comments and
# a C++ name different from the Brian2 name. Deterministic: the same values on every device.
import numpy as np
from brian2 import *
from _device import setup, save  # modelc test
setup()  # modelc test


@implementation("cpp", """
inline double usersin(double x)
{
    return sin(x);
}
""")
@check_units(x=1, result=1)
def usersin(x):
    return np.sin(x)


@implementation("cpp", """
// a leak with a power law, on SI values
double leak(double v, double tau) {
    const double a = v / tau;  /* volt per second */
    return -a * pow(fabs(v) / 0.01, 0.5) + 0.02 / tau;
}""")
@check_units(v=volt, tau=second, result=volt / second)
def leak(v, tau):
    return -v / tau * np.sqrt(np.abs(v) / 0.01) + 0.02 / tau


def _gain(x):
    return 1.0 / (1.0 + np.exp(-x / 0.005))


gain = Function(_gain, arg_units=[volt], return_unit=1)
gain.implementations.add_implementation("cpp", """
double modelc_test_gain(double x) { return 1.0 / (1.0 + exp(-x / 0.005)); }
""", name="modelc_test_gain")

G = NeuronGroup(20, """dv/dt = leak(v, tau) + 0.5*usersin(usersin(phase))*volt/second : volt
                       tau : second (constant)
                       phase : 1 (constant)
                       g = gain(v - 0.012*volt) : 1""",
                threshold="gain(v - 0.015*volt) > 0.5", reset="v = 0.001*volt*usersin(phase + 1)",
                method="euler")
G.tau = "(5 + i) * ms"
G.phase = "0.3 * i"
G.run_regularly("v += 0.0005*volt*usersin(t/(3*ms))", dt=1 * ms, when="end")
S = Synapses(G, G, "w : 1", on_pre="v_post += 0.002*volt*w*gain(v_pre - v_post)", delay=1 * ms)
S.connect("j == (i + 3) % N_post")
S.w = "0.5 + 0.05 * i"
spikes = SpikeMonitor(G)
trace = StateMonitor(G, ["v", "g"], record=[0, 7, 19])
run(100 * ms)
save(i=spikes.i[:], t=spikes.t_[:], v=trace.v_[:], g=trace.g[:])  # modelc test
