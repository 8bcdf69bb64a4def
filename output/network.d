network.o: network.cpp network.h brianlib/clocks.h \
 brianlib/stdint_compat.h
network.h:
brianlib/clocks.h:
brianlib/stdint_compat.h:
