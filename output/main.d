main.o: main.cpp objects.h synapses_classes.h brianlib/spikequeue.h \
 brianlib/stdint_compat.h brianlib/clocks.h brianlib/stdint_compat.h \
 brianlib/dynamic_array.h brianlib/stdint_compat.h network.h run.h \
 brianlib/common_math.h \
 code_objects/neurons_group_variable_set_conditional_codeobject.h \
 code_objects/neurons_spike_resetter_codeobject.h \
 code_objects/neurons_spike_resetter_codeobject_1.h \
 code_objects/neurons_spike_thresholder_codeobject.h \
 code_objects/after_run_neurons_spike_thresholder_codeobject.h \
 code_objects/neurons_spike_thresholder_codeobject_1.h \
 code_objects/after_run_neurons_spike_thresholder_codeobject_1.h \
 code_objects/neurons_stateupdater_codeobject.h \
 code_objects/neurons_stateupdater_codeobject_1.h \
 code_objects/ring_pre_codeobject.h code_objects/ring_pre_codeobject_1.h \
 code_objects/ring_pre_push_spikes.h \
 code_objects/before_run_ring_pre_push_spikes.h \
 code_objects/ring_synapses_create_generator_codeobject.h \
 code_objects/spikemonitor_codeobject.h \
 code_objects/spikemonitor_codeobject_1.h \
 code_objects/statemonitor_codeobject.h \
 code_objects/statemonitor_codeobject_1.h
objects.h:
synapses_classes.h:
brianlib/spikequeue.h:
brianlib/stdint_compat.h:
brianlib/clocks.h:
brianlib/stdint_compat.h:
brianlib/dynamic_array.h:
brianlib/stdint_compat.h:
network.h:
run.h:
brianlib/common_math.h:
code_objects/neurons_group_variable_set_conditional_codeobject.h:
code_objects/neurons_spike_resetter_codeobject.h:
code_objects/neurons_spike_resetter_codeobject_1.h:
code_objects/neurons_spike_thresholder_codeobject.h:
code_objects/after_run_neurons_spike_thresholder_codeobject.h:
code_objects/neurons_spike_thresholder_codeobject_1.h:
code_objects/after_run_neurons_spike_thresholder_codeobject_1.h:
code_objects/neurons_stateupdater_codeobject.h:
code_objects/neurons_stateupdater_codeobject_1.h:
code_objects/ring_pre_codeobject.h:
code_objects/ring_pre_codeobject_1.h:
code_objects/ring_pre_push_spikes.h:
code_objects/before_run_ring_pre_push_spikes.h:
code_objects/ring_synapses_create_generator_codeobject.h:
code_objects/spikemonitor_codeobject.h:
code_objects/spikemonitor_codeobject_1.h:
code_objects/statemonitor_codeobject.h:
code_objects/statemonitor_codeobject_1.h:
