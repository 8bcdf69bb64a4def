synapses_classes.o: synapses_classes.cpp
