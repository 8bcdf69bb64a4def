#include <stdlib.h>
#include "objects.h"
#include <csignal>
#include <ctime>
#include <time.h>

#include "run.h"
#include "brianlib/common_math.h"

#include "code_objects/neurons_group_variable_set_conditional_codeobject.h"
#include "code_objects/neurons_spike_resetter_codeobject.h"
#include "code_objects/neurons_spike_resetter_codeobject_1.h"
#include "code_objects/neurons_spike_thresholder_codeobject.h"
#include "code_objects/after_run_neurons_spike_thresholder_codeobject.h"
#include "code_objects/neurons_spike_thresholder_codeobject_1.h"
#include "code_objects/after_run_neurons_spike_thresholder_codeobject_1.h"
#include "code_objects/neurons_stateupdater_codeobject.h"
#include "code_objects/neurons_stateupdater_codeobject_1.h"
#include "code_objects/ring_pre_codeobject.h"
#include "code_objects/ring_pre_codeobject_1.h"
#include "code_objects/ring_pre_push_spikes.h"
#include "code_objects/before_run_ring_pre_push_spikes.h"
#include "code_objects/before_run_ring_pre_push_spikes.h"
#include "code_objects/ring_synapses_create_generator_codeobject.h"
#include "code_objects/spikemonitor_codeobject.h"
#include "code_objects/spikemonitor_codeobject_1.h"
#include "code_objects/statemonitor_codeobject.h"
#include "code_objects/statemonitor_codeobject_1.h"


#include <iostream>
#include <fstream>
#include <string>




void set_from_command_line(const std::vector<std::string> args)
{
    for (const auto& arg : args) {
		// Split into two parts
		size_t equal_sign = arg.find("=");
		auto name = arg.substr(0, equal_sign);
		auto value = arg.substr(equal_sign + 1, arg.length());
		brian::set_variable_by_name(name, value);
	}
}

void _int_handler(int signal_num) {
	if (Network::_globally_running && !Network::_globally_stopped) {
		Network::_globally_stopped = true;
	} else {
		std::signal(signal_num, SIG_DFL);
		std::raise(signal_num);
	}
}

int main(int argc, char **argv)
{
	std::signal(SIGINT, _int_handler);
	std::random_device _rd;
	std::vector<std::string> args(argv + 1, argv + argc);
	if (args.size() >=2 && args[0] == "--results_dir")
	{
		brian::results_dir = args[1];
		#ifdef DEBUG
		std::cout << "Setting results dir to '" << brian::results_dir << "'" << std::endl;
		#endif
		args.erase(args.begin(), args.begin()+2);
	}
        

	brian_start();
        

	{
		using namespace brian;

		
                
        _array_defaultclock_timestep[0] = 0;
        _array_defaultclock_dt[0] = 0.0001;
        _array_defaultclock_dt[0] = 0.0001;
        _array_defaultclock_dt[0] = 0.0001;
        
                        
                        for(int i=0; i<_num__array_neurons_lastspike; i++)
                        {
                            _array_neurons_lastspike[i] = - 10000.0;
                        }
                        
        
                        
                        for(int i=0; i<_num__array_neurons_not_refractory; i++)
                        {
                            _array_neurons_not_refractory[i] = true;
                        }
                        
        _run_neurons_group_variable_set_conditional_codeobject();
        _array_neurons_tau[0] = 0.01;
        _dynamic_array_ring__pre_delay.resize(1);
        _dynamic_array_ring__pre_delay.resize(1);
        _dynamic_array_ring__pre_delay[0] = 0.0012;
        _run_ring_synapses_create_generator_codeobject();
        
                        
                        for(int i=0; i<_dynamic_array_ring_w.size(); i++)
                        {
                            _dynamic_array_ring_w[i] = 0.002;
                        }
                        
        
                        
                        for(int i=0; i<_num__array_statemonitor__indices; i++)
                        {
                            _array_statemonitor__indices[i] = _static_array__array_statemonitor__indices[i];
                        }
                        
        
                        
                        for(int i=0; i<_num__array_neurons_I; i++)
                        {
                            _array_neurons_I[i] = 0.014;
                        }
                        
        
                        
                        for(int i=0; i<_dynamic_array_ring_w.size(); i++)
                        {
                            _dynamic_array_ring_w[i] = _static_array__dynamic_array_ring_w[i];
                        }
                        
        _array_defaultclock_timestep[0] = 0;
        _array_defaultclock_t[0] = 0.0;
        _before_run_ring_pre_push_spikes();
        network.clear();
        network.add(&defaultclock, _run_statemonitor_codeobject);
        network.add(&defaultclock, _run_neurons_stateupdater_codeobject);
        network.add(&defaultclock, _run_neurons_spike_thresholder_codeobject);
        network.add(&defaultclock, _run_spikemonitor_codeobject);
        network.add(&defaultclock, _run_ring_pre_push_spikes);
        network.add(&defaultclock, _run_ring_pre_codeobject);
        network.add(&defaultclock, _run_neurons_spike_resetter_codeobject);
        set_from_command_line(args);
        network.run(0.015, NULL, 10.0);
        _after_run_neurons_spike_thresholder_codeobject();
        
                        
                        for(int i=0; i<_num__static_array__index__array_neurons_I; i++)
                        {
                            _array_neurons_I[_static_array__index__array_neurons_I[i]] = _static_array__value__array_neurons_I[i];
                        }
                        
        _array_defaultclock_timestep[0] = 150;
        _array_defaultclock_t[0] = 0.015000000000000001;
        _before_run_ring_pre_push_spikes();
        network.clear();
        network.add(&defaultclock, _run_statemonitor_codeobject_1);
        network.add(&defaultclock, _run_neurons_stateupdater_codeobject_1);
        network.add(&defaultclock, _run_neurons_spike_thresholder_codeobject_1);
        network.add(&defaultclock, _run_spikemonitor_codeobject_1);
        network.add(&defaultclock, _run_ring_pre_push_spikes);
        network.add(&defaultclock, _run_ring_pre_codeobject_1);
        network.add(&defaultclock, _run_neurons_spike_resetter_codeobject_1);
        network.run(0.01, NULL, 10.0);
        _after_run_neurons_spike_thresholder_codeobject_1();
        #ifdef DEBUG
        _debugmsg_spikemonitor_codeobject();
        #endif
        
        #ifdef DEBUG
        _debugmsg_ring_pre_codeobject();
        #endif
        
        #ifdef DEBUG
        _debugmsg_spikemonitor_codeobject_1();
        #endif
        
        #ifdef DEBUG
        _debugmsg_ring_pre_codeobject_1();
        #endif

	}
        

	brian_end();
        

	return 0;
}