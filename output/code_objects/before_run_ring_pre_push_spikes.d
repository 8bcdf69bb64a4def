code_objects/before_run_ring_pre_push_spikes.o: \
 code_objects/before_run_ring_pre_push_spikes.cpp \
 code_objects/before_run_ring_pre_push_spikes.h objects.h \
 synapses_classes.h brianlib/spikequeue.h brianlib/stdint_compat.h \
 brianlib/clocks.h brianlib/stdint_compat.h brianlib/dynamic_array.h \
 brianlib/stdint_compat.h network.h brianlib/common_math.h
code_objects/before_run_ring_pre_push_spikes.h:
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
