# Brian2's example frompapers/Brunel_Hakim_1999, unchanged but for the lines marked "modelc test"
# (heterogeneous delays when run with the argument "hetero": the Brian2CUDA benchmark's variant).
import sys  # modelc test
from brian2 import *
from _device import setup, save  # modelc test
setup()  # modelc test

N = 5000
Vr = 10*mV
theta = 20*mV
tau = 20*ms
delta = 2*ms
taurefr = 2*ms
duration = .1*second
C = 1000
sparseness = float(C)/N
J = .1*mV
muext = 25*mV
sigmaext = 1*mV

eqs = """
dV/dt = (-V+muext + sigmaext * sqrt(tau) * xi)/tau : volt
"""

group = NeuronGroup(N, eqs, threshold='V>theta',
                    reset='V=Vr', refractory=taurefr, method='euler')
group.V = Vr
if "hetero" in sys.argv:  # modelc test
    conn = Synapses(group, group, on_pre='V += -J')  # modelc test
    conn.connect(p=sparseness)  # modelc test
    conn.delay = "4*ms*rand()"  # modelc test
else:  # modelc test
    conn = Synapses(group, group, on_pre='V += -J', delay=delta)
    conn.connect(p=sparseness)
M = SpikeMonitor(group)
LFP = PopulationRateMonitor(group)

run(duration)

save(i=M.i[:], t=M.t_[:], N=N, duration=float(duration), rate=LFP.rate_[:])  # modelc test
