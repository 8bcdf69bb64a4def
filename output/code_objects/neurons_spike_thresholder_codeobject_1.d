code_objects/neurons_spike_thresholder_codeobject_1.o: \
 code_objects/neurons_spike_thresholder_codeobject_1.cpp \
 code_objects/neurons_spike_thresholder_codeobject_1.h objects.h \
 synapses_classes.h brianlib/spikequeue.h brianlib/stdint_compat.h \
 brianlib/clocks.h brianlib/stdint_compat.h brianlib/dynamic_array.h \
 brianlib/stdint_compat.h network.h brianlib/common_math.h
code_objects/neurons_spike_thresholder_codeobject_1.h:
objects.h:
synapses_classes.h:
brianlib/spikequeue.h:
brianlib/stdint_compat.h:
brianlib/clocks.h:
brianlib/stdint_compat.h:
brianlib/dynamic_array.h:
brianlib/stdint_compat.h:
network.h:
brianlib/common_math.h:
