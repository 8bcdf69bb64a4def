# Brian2's example synapses/STDP (Song, Miller and Abbott 2000), unchanged but for the lines marked
# "modelc test" (and 10 s instead of 100 s, for the test suite's time).
from brian2 import *
from _device import setup, save  # modelc test
setup()  # modelc test

N = 1000
taum = 10*ms
taupre = 20*ms
taupost = taupre
Ee = 0*mV
vt = -54*mV
vr = -60*mV
El = -74*mV
taue = 5*ms
F = 15*Hz
gmax = .01
dApre = .01
dApost = -dApre * taupre / taupost * 1.05
dApost *= gmax
dApre *= gmax

eqs_neurons = '''
dv/dt = (ge * (Ee-v) + El - v) / taum : volt
dge/dt = -ge / taue : 1
'''

poisson_input = PoissonGroup(N, rates=F)
neurons = NeuronGroup(1, eqs_neurons, threshold='v>vt', reset='v = vr',
                      method='euler')
S = Synapses(poisson_input, neurons,
             '''w : 1
                dApre/dt = -Apre / taupre : 1 (event-driven)
                dApost/dt = -Apost / taupost : 1 (event-driven)''',
             on_pre='''ge += w
                    Apre += dApre
                    w = clip(w + Apost, 0, gmax)''',
             on_post='''Apost += dApost
                     w = clip(w + Apre, 0, gmax)''',
             )
S.connect()
S.w = 'rand() * gmax'
mon = StateMonitor(S, 'w', record=[0, 1])
s_mon = SpikeMonitor(poisson_input)
out_mon = SpikeMonitor(neurons)  # modelc test

run(10*second)

save(i=s_mon.i[:], t=s_mon.t_[:], N=N, duration=10.0, w=S.w[:] / gmax,  # modelc test
     out_t=out_mon.t_[:], w_trace=mon.w[:])  # modelc test
