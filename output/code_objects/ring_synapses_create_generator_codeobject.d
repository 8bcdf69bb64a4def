code_objects/ring_synapses_create_generator_codeobject.o: \
 code_objects/ring_synapses_create_generator_codeobject.cpp \
 code_objects/ring_synapses_create_generator_codeobject.h objects.h \
 synapses_classes.h brianlib/spikequeue.h brianlib/stdint_compat.h \
 brianlib/clocks.h brianlib/stdint_compat.h brianlib/dynamic_array.h \
 brianlib/stdint_compat.h network.h brianlib/common_math.h \
 synapses_classes.h
code_objects/ring_synapses_create_generator_codeobject.h:
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
synapses_classes.h:
