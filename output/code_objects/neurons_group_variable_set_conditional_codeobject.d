code_objects/neurons_group_variable_set_conditional_codeobject.o: \
 code_objects/neurons_group_variable_set_conditional_codeobject.cpp \
 code_objects/neurons_group_variable_set_conditional_codeobject.h \
 objects.h synapses_classes.h brianlib/spikequeue.h \
 brianlib/stdint_compat.h brianlib/clocks.h brianlib/stdint_compat.h \
 brianlib/dynamic_array.h brianlib/stdint_compat.h network.h \
 brianlib/common_math.h
code_objects/neurons_group_variable_set_conditional_codeobject.h:
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
