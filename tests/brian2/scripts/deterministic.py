# A deterministic network (no random numbers anywhere): LIF neurons driven by constant currents
# that differ per neuron, a ring of delayed excitatory synapses with a condition, a subgroup with
# its own synapses (scaled by N_incoming), refractoriness, a custom event with run_on_event, a run_regularly operation,
# spike, state and rate monitors. Same spikes on every device where the arithmetic is the same.
from brian2 import *
from _device import setup, save  # modelc test
setup()  # modelc test

tau = 10*ms
I_max = 1.5
eqs = '''
dv/dt = (I - v)/tau : 1 (unless refractory)
dx/dt = -x/(50*ms) : 1
I : 1 (constant)
'''
G = NeuronGroup(100, eqs, threshold='v > 1', reset='v = 0', refractory=3*ms,
                events={'high': 'v > 0.8 and x < 0.5'}, method='exact')
G.run_on_event('high', 'x += 0.2')
G.I = 'I_max * (0.8 + 0.4 * i / N)'
G.v = 'i / (2.0 * N)'
G.run_regularly('v = v * 0.999', dt=1*ms)
S = Synapses(G, G, 'w : 1', on_pre='v_post += w', delay=1.5*ms)
S.connect('j == (i + 1) % N_post or j == (i + 7) % N_post')
S.w = '0.05 + 0.01 * (i % 5)'
sub = G[10:30]
S2 = Synapses(sub, G[50:80], on_pre='v_post -= 0.04/N_incoming')  # in-degrees 1 to 3 at the edges
S2.connect(j='k for k in range(i, i + 3) if k < N_post')
spikes = SpikeMonitor(G)
events = EventMonitor(G, 'high')
trace = StateMonitor(G, ['v', 'x'], record=[0, 15, 60, 99])
rate = PopulationRateMonitor(G)
run(200*ms)
save(i=spikes.i[:], t=spikes.t_[:], ev_i=events.i[:], ev_t=events.t_[:], v=trace.v[:],  # modelc test
     x=trace.x[:], rate=rate.rate_[:], N=100, duration=0.2, n_syn=len(S), n_syn2=len(S2),  # modelc test
     n_in2=S2.N_incoming[:], n_out2=S2.N_outgoing[:])  # modelc test
