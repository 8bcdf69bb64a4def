# A Dendrify pyramidal neuron with dendritic spikes, written as in Dendrify's examples (soma,
# apical and basal dendrites, Na-type dendritic spikes as custom events with run_on_event, a
# somatic spike shaped by second_reset), driven by current steps into the apical dendrite (five runs)
# and synaptic input at fixed times to the basal one. Only the lines marked "modelc test" are additions.
from brian2 import *
from dendrify import Soma, Dendrite, NeuronModel
from _device import setup, save  # modelc test
setup()  # modelc test

defaultclock.dt = 0.025 * ms

soma = Soma('soma', model='leakyIF', length=25*um, diameter=25*um)
apical = Dendrite('apical', length=250*um, diameter=2.5*um)
basal = Dendrite('basal', length=150*um, diameter=2*um)

apical.dspikes('Na', g_rise=30*nS, g_fall=14*nS)
basal.synapse('AMPA', tag='x', g=8*nS, t_decay=2*ms)

connections = [(soma, apical, 15*nS), (soma, basal, 10*nS)]
model = NeuronModel(connections, cm=1*uF/(cm**2), gl=50*uS/(cm**2),
                    v_rest=-70*mV, r_axial=150*ohm*cm, scale_factor=2.8,
                    spine_factor=1.5)
model.config_dspikes('Na', threshold=-35*mV, duration_rise=1.2*ms,
                     duration_fall=2.4*ms, offset_fall=0.2*ms,
                     reversal_rise='E_Na', reversal_fall='E_K', refractory=5*ms)

neuron, ap_reset = model.make_neurongroup(1, method='euler',
                                          threshold='V_soma > -40*mV',
                                          reset='V_soma = 40*mV',
                                          second_reset='V_soma=-55*mV',
                                          spike_width=0.8*ms,
                                          refractory=4*ms)


# Synaptic input onto the basal dendrite at fixed times (deterministic: the test compares spikes).
inp = SpikeGeneratorGroup(5, [0, 1, 2, 3, 4, 0, 1, 2, 3, 4],
                          [30, 31, 32, 33, 34, 160, 160.5, 161, 161.5, 162]*ms)
syn = Synapses(inp, neuron, on_pre='s_AMPA_x_basal += 1')
syn.connect(p=1)

M = StateMonitor(neuron, ['V_soma', 'V_apical', 'V_basal'], record=True)
S = SpikeMonitor(neuron)
D = EventMonitor(neuron, 'spike_Na_apical')

# Current steps into the apical dendrite, as Dendrify's examples do: runs with I_ext changed between.
run(25*ms)
neuron.I_ext_apical = 400*pA
run(50*ms)
neuron.I_ext_apical = 0*pA
run(50*ms)
neuron.I_ext_apical = 800*pA
run(25*ms)
neuron.I_ext_apical = 0*pA
run(75*ms)

save(i=S.i[:], t=S.t_[:], N=1, duration=0.225, d_t=D.t_[:], v_soma=M.V_soma_[0],  # modelc test
     v_apical=M.V_apical_[0])  # modelc test
