code_objects/after_run_neurons_spike_thresholder_codeobject_1.o: \
 code_objects/after_run_neurons_spike_thresholder_codeobject_1.cpp \
 objects.h synapses_classes.h brianlib/spikequeue.h \
 brianlib/stdint_compat.h brianlib/clocks.h brianlib/stdint_compat.h \
 brianlib/dynamic_array.h brianlib/stdint_compat.h network.h \
 code_objects/after_run_neurons_spike_thresholder_codeobject_1.h \
 brianlib/common_math.h
objects.h:
synapses_classes.h:
brianlib/spikequeue.h:
brianlib/stdint_compat.h:
brianlib/clocks.h:
brianlib/stdint_compat.h:
brianlib/dynamic_array.h:
brianlib/stdint_compat.h:
network.h:
code_objects/after_run_neurons_spike_thresholder_codeobject_1.h:
brianlib/common_math.h:
