objects.o: objects.cpp objects.h synapses_classes.h brianlib/spikequeue.h \
 brianlib/stdint_compat.h brianlib/clocks.h brianlib/stdint_compat.h \
 brianlib/dynamic_array.h brianlib/stdint_compat.h network.h
objects.h:
synapses_classes.h:
brianlib/spikequeue.h:
brianlib/stdint_compat.h:
brianlib/clocks.h:
brianlib/stdint_compat.h:
brianlib/dynamic_array.h:
brianlib/stdint_compat.h:
network.h:
