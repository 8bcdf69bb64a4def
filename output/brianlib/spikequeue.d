brianlib/spikequeue.o: brianlib/spikequeue.cpp brianlib/spikequeue.h \
 brianlib/stdint_compat.h
brianlib/spikequeue.h:
brianlib/stdint_compat.h:
