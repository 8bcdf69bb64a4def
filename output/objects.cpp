

#include "objects.h"
#include "synapses_classes.h"
#include "brianlib/clocks.h"
#include "brianlib/dynamic_array.h"
#include "brianlib/stdint_compat.h"
#include "network.h"
#include<chrono>
#include<random>
#include<vector>
#include<iostream>
#include<fstream>
#include<map>
#include<tuple>
#include<cstdlib>
#include<string>

namespace brian {

std::string results_dir = "results/";  // can be overwritten by --results_dir command line arg

// For multhreading, we need one generator for each thread.
std::vector< RandomGenerator > _random_generators;

std::ostream& operator<<(std::ostream& out, const RandomGenerator& rng)
{
    return out << rng.gen;
}

std::istream& operator>>(std::istream& in, RandomGenerator& rng)
{
    return in >> rng.gen;
}

//////////////// networks /////////////////
Network network;

void set_variable_from_value(std::string varname, char* var_pointer, size_t size, char value) {
    #ifdef DEBUG
    std::cout << "Setting '" << varname << "' to " << (value == 1 ? "True" : "False") << std::endl;
    #endif
    std::fill(var_pointer, var_pointer+size, value);
}

template<class T> void set_variable_from_value(std::string varname, T* var_pointer, size_t size, T value) {
    #ifdef DEBUG
    std::cout << "Setting '" << varname << "' to " << value << std::endl;
    #endif
    std::fill(var_pointer, var_pointer+size, value);
}

template<class T> void set_variable_from_file(std::string varname, T* var_pointer, size_t data_size, std::string filename) {
    ifstream f;
    streampos size;
    #ifdef DEBUG
    std::cout << "Setting '" << varname << "' from file '" << filename << "'" << std::endl;
    #endif
    f.open(filename, ios::in | ios::binary | ios::ate);
    size = f.tellg();
    if (size != data_size) {
        std::cerr << "Error reading '" << filename << "': file size " << size << " does not match expected size " << data_size << std::endl;
        return;
    }
    f.seekg(0, ios::beg);
    if (f.is_open())
        f.read(reinterpret_cast<char *>(var_pointer), data_size);
    else
        std::cerr << "Could not read '" << filename << "'" << std::endl;
    if (f.fail())
        std::cerr << "Error reading '" << filename << "'" << std::endl;
}

//////////////// set arrays by name ///////
void set_variable_by_name(std::string name, std::string s_value) {
    size_t var_size;
    size_t data_size;
    // C-style or Python-style capitalization is allowed for boolean values
    if (s_value == "true" || s_value == "True")
        s_value = "1";
    else if (s_value == "false" || s_value == "False")
        s_value = "0";
    // non-dynamic arrays
    if (name == "neurons._spikespace") {
        var_size = 13;
        data_size = 13*sizeof(int32_t);
        if (s_value[0] == '-' || (s_value[0] >= '0' && s_value[0] <= '9')) {
            // set from single value
            set_variable_from_value<int32_t>(name, _array_neurons__spikespace, var_size, (int32_t)atoi(s_value.c_str()));

        } else {
            // set from file
            set_variable_from_file(name, _array_neurons__spikespace, data_size, s_value);
        }
        return;
    }
    if (name == "neurons.I") {
        var_size = 12;
        data_size = 12*sizeof(double);
        if (s_value[0] == '-' || (s_value[0] >= '0' && s_value[0] <= '9')) {
            // set from single value
            set_variable_from_value<double>(name, _array_neurons_I, var_size, (double)atof(s_value.c_str()));

        } else {
            // set from file
            set_variable_from_file(name, _array_neurons_I, data_size, s_value);
        }
        return;
    }
    if (name == "neurons.lastspike") {
        var_size = 12;
        data_size = 12*sizeof(double);
        if (s_value[0] == '-' || (s_value[0] >= '0' && s_value[0] <= '9')) {
            // set from single value
            set_variable_from_value<double>(name, _array_neurons_lastspike, var_size, (double)atof(s_value.c_str()));

        } else {
            // set from file
            set_variable_from_file(name, _array_neurons_lastspike, data_size, s_value);
        }
        return;
    }
    if (name == "neurons.not_refractory") {
        var_size = 12;
        data_size = 12*sizeof(char);
        if (s_value[0] == '-' || (s_value[0] >= '0' && s_value[0] <= '9')) {
            // set from single value
            set_variable_from_value(name, _array_neurons_not_refractory, var_size, (char)atoi(s_value.c_str()));

        } else {
            // set from file
            set_variable_from_file(name, _array_neurons_not_refractory, data_size, s_value);
        }
        return;
    }
    if (name == "neurons.tau") {
        var_size = 1;
        data_size = 1*sizeof(double);
        if (s_value[0] == '-' || (s_value[0] >= '0' && s_value[0] <= '9')) {
            // set from single value
            set_variable_from_value<double>(name, _array_neurons_tau, var_size, (double)atof(s_value.c_str()));

        } else {
            // set from file
            set_variable_from_file(name, _array_neurons_tau, data_size, s_value);
        }
        return;
    }
    if (name == "neurons.v") {
        var_size = 12;
        data_size = 12*sizeof(double);
        if (s_value[0] == '-' || (s_value[0] >= '0' && s_value[0] <= '9')) {
            // set from single value
            set_variable_from_value<double>(name, _array_neurons_v, var_size, (double)atof(s_value.c_str()));

        } else {
            // set from file
            set_variable_from_file(name, _array_neurons_v, data_size, s_value);
        }
        return;
    }
    // dynamic arrays (1d)
    if (name == "ring._pre_delay") {
        var_size = _dynamic_array_ring__pre_delay.size();
        data_size = var_size*sizeof(double);
        if (s_value[0] == '-' || (s_value[0] >= '0' && s_value[0] <= '9')) {
            // set from single value
            set_variable_from_value<double>(name, &_dynamic_array_ring__pre_delay[0], var_size, (double)atof(s_value.c_str()));

        } else {
            // set from file
            set_variable_from_file(name, &_dynamic_array_ring__pre_delay[0], data_size, s_value);
        }
        return;
    }
    if (name == "ring.w") {
        var_size = _dynamic_array_ring_w.size();
        data_size = var_size*sizeof(double);
        if (s_value[0] == '-' || (s_value[0] >= '0' && s_value[0] <= '9')) {
            // set from single value
            set_variable_from_value<double>(name, &_dynamic_array_ring_w[0], var_size, (double)atof(s_value.c_str()));

        } else {
            // set from file
            set_variable_from_file(name, &_dynamic_array_ring_w[0], data_size, s_value);
        }
        return;
    }
    std::cerr << "Cannot set unknown variable '" << name << "'." << std::endl;
    exit(1);
}
//////////////// arrays ///////////////////
double * _array_defaultclock_dt;
const int _num__array_defaultclock_dt = 1;
double * _array_defaultclock_t;
const int _num__array_defaultclock_t = 1;
int64_t * _array_defaultclock_timestep;
const int _num__array_defaultclock_timestep = 1;
int32_t * _array_neurons__spikespace;
const int _num__array_neurons__spikespace = 13;
int32_t * _array_neurons_i;
const int _num__array_neurons_i = 12;
double * _array_neurons_I;
const int _num__array_neurons_I = 12;
double * _array_neurons_lastspike;
const int _num__array_neurons_lastspike = 12;
char * _array_neurons_not_refractory;
const int _num__array_neurons_not_refractory = 12;
double * _array_neurons_tau;
const int _num__array_neurons_tau = 1;
double * _array_neurons_v;
const int _num__array_neurons_v = 12;
int32_t * _array_ring_N;
const int _num__array_ring_N = 1;
int32_t * _array_spikemonitor__source_idx;
const int _num__array_spikemonitor__source_idx = 12;
int32_t * _array_spikemonitor_count;
const int _num__array_spikemonitor_count = 12;
int32_t * _array_spikemonitor_N;
const int _num__array_spikemonitor_N = 1;
int32_t * _array_statemonitor__indices;
const int _num__array_statemonitor__indices = 2;
int32_t * _array_statemonitor_N;
const int _num__array_statemonitor_N = 1;
double * _array_statemonitor_v;
const int _num__array_statemonitor_v = (0, 2);

//////////////// dynamic arrays 1d /////////
std::vector<double> _dynamic_array_ring__pre_delay;
std::vector<int32_t> _dynamic_array_ring__synaptic_post;
std::vector<int32_t> _dynamic_array_ring__synaptic_pre;
std::vector<int32_t> _dynamic_array_ring_N_incoming;
std::vector<int32_t> _dynamic_array_ring_N_outgoing;
std::vector<double> _dynamic_array_ring_w;
std::vector<int32_t> _dynamic_array_spikemonitor_i;
std::vector<double> _dynamic_array_spikemonitor_t;
std::vector<double> _dynamic_array_statemonitor_t;

//////////////// dynamic arrays 2d /////////
DynamicArray2D<double> _dynamic_array_statemonitor_v;

/////////////// static arrays /////////////
int32_t * _static_array__array_statemonitor__indices;
const int _num__static_array__array_statemonitor__indices = 2;
double * _static_array__dynamic_array_ring_w;
const int _num__static_array__dynamic_array_ring_w = 12;
int32_t * _static_array__index__array_neurons_I;
const int _num__static_array__index__array_neurons_I = 4;
double * _static_array__value__array_neurons_I;
const int _num__static_array__value__array_neurons_I = 4;

//////////////// synapses /////////////////
// ring
SynapticPathway ring_pre(
    _dynamic_array_ring__synaptic_pre,
    0, 12);

//////////////// clocks ///////////////////
// attributes will be set in run.cpp
Clock defaultclock;

// Profiling information for each code object
}

void _init_arrays()
{
    using namespace brian;

    // Arrays initialized to 0
    _array_defaultclock_dt = new double[1];
    
    for(int i=0; i<1; i++) _array_defaultclock_dt[i] = 0;

    _array_defaultclock_t = new double[1];
    
    for(int i=0; i<1; i++) _array_defaultclock_t[i] = 0;

    _array_defaultclock_timestep = new int64_t[1];
    
    for(int i=0; i<1; i++) _array_defaultclock_timestep[i] = 0;

    _array_neurons__spikespace = new int32_t[13];
    
    for(int i=0; i<13; i++) _array_neurons__spikespace[i] = 0;

    _array_neurons_i = new int32_t[12];
    
    for(int i=0; i<12; i++) _array_neurons_i[i] = 0;

    _array_neurons_I = new double[12];
    
    for(int i=0; i<12; i++) _array_neurons_I[i] = 0;

    _array_neurons_lastspike = new double[12];
    
    for(int i=0; i<12; i++) _array_neurons_lastspike[i] = 0;

    _array_neurons_not_refractory = new char[12];
    
    for(int i=0; i<12; i++) _array_neurons_not_refractory[i] = 0;

    _array_neurons_tau = new double[1];
    
    for(int i=0; i<1; i++) _array_neurons_tau[i] = 0;

    _array_neurons_v = new double[12];
    
    for(int i=0; i<12; i++) _array_neurons_v[i] = 0;

    _array_ring_N = new int32_t[1];
    
    for(int i=0; i<1; i++) _array_ring_N[i] = 0;

    _array_spikemonitor__source_idx = new int32_t[12];
    
    for(int i=0; i<12; i++) _array_spikemonitor__source_idx[i] = 0;

    _array_spikemonitor_count = new int32_t[12];
    
    for(int i=0; i<12; i++) _array_spikemonitor_count[i] = 0;

    _array_spikemonitor_N = new int32_t[1];
    
    for(int i=0; i<1; i++) _array_spikemonitor_N[i] = 0;

    _array_statemonitor__indices = new int32_t[2];
    
    for(int i=0; i<2; i++) _array_statemonitor__indices[i] = 0;

    _array_statemonitor_N = new int32_t[1];
    
    for(int i=0; i<1; i++) _array_statemonitor_N[i] = 0;

    _dynamic_array_ring__pre_delay.resize(1);
    
    for(int i=0; i<1; i++) _dynamic_array_ring__pre_delay[i] = 0;


    // Arrays initialized to an "arange"
    _array_neurons_i = new int32_t[12];
    
    for(int i=0; i<12; i++) _array_neurons_i[i] = 0 + i;

    _array_spikemonitor__source_idx = new int32_t[12];
    
    for(int i=0; i<12; i++) _array_spikemonitor__source_idx[i] = 0 + i;


    // static arrays
    _static_array__array_statemonitor__indices = new int32_t[2];
    _static_array__dynamic_array_ring_w = new double[12];
    _static_array__index__array_neurons_I = new int32_t[4];
    _static_array__value__array_neurons_I = new double[4];

    // Random number generator states
    std::random_device rd;
    for (int i=0; i<1; i++)
        _random_generators.push_back(RandomGenerator());
}

void _load_arrays()
{
    using namespace brian;

    ifstream f_static_array__array_statemonitor__indices;
    f_static_array__array_statemonitor__indices.open("static_arrays/_static_array__array_statemonitor__indices", ios::in | ios::binary);
    if(f_static_array__array_statemonitor__indices.is_open())
    {
        f_static_array__array_statemonitor__indices.read(reinterpret_cast<char*>(_static_array__array_statemonitor__indices), 2*sizeof(int32_t));
    } else
    {
        std::cout << "Error opening static array _static_array__array_statemonitor__indices." << endl;
    }
    ifstream f_static_array__dynamic_array_ring_w;
    f_static_array__dynamic_array_ring_w.open("static_arrays/_static_array__dynamic_array_ring_w", ios::in | ios::binary);
    if(f_static_array__dynamic_array_ring_w.is_open())
    {
        f_static_array__dynamic_array_ring_w.read(reinterpret_cast<char*>(_static_array__dynamic_array_ring_w), 12*sizeof(double));
    } else
    {
        std::cout << "Error opening static array _static_array__dynamic_array_ring_w." << endl;
    }
    ifstream f_static_array__index__array_neurons_I;
    f_static_array__index__array_neurons_I.open("static_arrays/_static_array__index__array_neurons_I", ios::in | ios::binary);
    if(f_static_array__index__array_neurons_I.is_open())
    {
        f_static_array__index__array_neurons_I.read(reinterpret_cast<char*>(_static_array__index__array_neurons_I), 4*sizeof(int32_t));
    } else
    {
        std::cout << "Error opening static array _static_array__index__array_neurons_I." << endl;
    }
    ifstream f_static_array__value__array_neurons_I;
    f_static_array__value__array_neurons_I.open("static_arrays/_static_array__value__array_neurons_I", ios::in | ios::binary);
    if(f_static_array__value__array_neurons_I.is_open())
    {
        f_static_array__value__array_neurons_I.read(reinterpret_cast<char*>(_static_array__value__array_neurons_I), 4*sizeof(double));
    } else
    {
        std::cout << "Error opening static array _static_array__value__array_neurons_I." << endl;
    }
}

void _write_arrays()
{
    using namespace brian;

    ofstream outfile__array_defaultclock_dt;
    outfile__array_defaultclock_dt.open(results_dir + "_array_defaultclock_dt_1978099143", ios::binary | ios::out);
    if(outfile__array_defaultclock_dt.is_open())
    {
        outfile__array_defaultclock_dt.write(reinterpret_cast<char*>(_array_defaultclock_dt), 1*sizeof(_array_defaultclock_dt[0]));
        outfile__array_defaultclock_dt.close();
    } else
    {
        std::cout << "Error writing output file for _array_defaultclock_dt." << endl;
    }
    ofstream outfile__array_defaultclock_t;
    outfile__array_defaultclock_t.open(results_dir + "_array_defaultclock_t_2669362164", ios::binary | ios::out);
    if(outfile__array_defaultclock_t.is_open())
    {
        outfile__array_defaultclock_t.write(reinterpret_cast<char*>(_array_defaultclock_t), 1*sizeof(_array_defaultclock_t[0]));
        outfile__array_defaultclock_t.close();
    } else
    {
        std::cout << "Error writing output file for _array_defaultclock_t." << endl;
    }
    ofstream outfile__array_defaultclock_timestep;
    outfile__array_defaultclock_timestep.open(results_dir + "_array_defaultclock_timestep_144223508", ios::binary | ios::out);
    if(outfile__array_defaultclock_timestep.is_open())
    {
        outfile__array_defaultclock_timestep.write(reinterpret_cast<char*>(_array_defaultclock_timestep), 1*sizeof(_array_defaultclock_timestep[0]));
        outfile__array_defaultclock_timestep.close();
    } else
    {
        std::cout << "Error writing output file for _array_defaultclock_timestep." << endl;
    }
    ofstream outfile__array_neurons__spikespace;
    outfile__array_neurons__spikespace.open(results_dir + "_array_neurons__spikespace_3270573894", ios::binary | ios::out);
    if(outfile__array_neurons__spikespace.is_open())
    {
        outfile__array_neurons__spikespace.write(reinterpret_cast<char*>(_array_neurons__spikespace), 13*sizeof(_array_neurons__spikespace[0]));
        outfile__array_neurons__spikespace.close();
    } else
    {
        std::cout << "Error writing output file for _array_neurons__spikespace." << endl;
    }
    ofstream outfile__array_neurons_i;
    outfile__array_neurons_i.open(results_dir + "_array_neurons_i_2509429918", ios::binary | ios::out);
    if(outfile__array_neurons_i.is_open())
    {
        outfile__array_neurons_i.write(reinterpret_cast<char*>(_array_neurons_i), 12*sizeof(_array_neurons_i[0]));
        outfile__array_neurons_i.close();
    } else
    {
        std::cout << "Error writing output file for _array_neurons_i." << endl;
    }
    ofstream outfile__array_neurons_I;
    outfile__array_neurons_I.open(results_dir + "_array_neurons_I_2935815254", ios::binary | ios::out);
    if(outfile__array_neurons_I.is_open())
    {
        outfile__array_neurons_I.write(reinterpret_cast<char*>(_array_neurons_I), 12*sizeof(_array_neurons_I[0]));
        outfile__array_neurons_I.close();
    } else
    {
        std::cout << "Error writing output file for _array_neurons_I." << endl;
    }
    ofstream outfile__array_neurons_lastspike;
    outfile__array_neurons_lastspike.open(results_dir + "_array_neurons_lastspike_1216119343", ios::binary | ios::out);
    if(outfile__array_neurons_lastspike.is_open())
    {
        outfile__array_neurons_lastspike.write(reinterpret_cast<char*>(_array_neurons_lastspike), 12*sizeof(_array_neurons_lastspike[0]));
        outfile__array_neurons_lastspike.close();
    } else
    {
        std::cout << "Error writing output file for _array_neurons_lastspike." << endl;
    }
    ofstream outfile__array_neurons_not_refractory;
    outfile__array_neurons_not_refractory.open(results_dir + "_array_neurons_not_refractory_2582891840", ios::binary | ios::out);
    if(outfile__array_neurons_not_refractory.is_open())
    {
        outfile__array_neurons_not_refractory.write(reinterpret_cast<char*>(_array_neurons_not_refractory), 12*sizeof(_array_neurons_not_refractory[0]));
        outfile__array_neurons_not_refractory.close();
    } else
    {
        std::cout << "Error writing output file for _array_neurons_not_refractory." << endl;
    }
    ofstream outfile__array_neurons_tau;
    outfile__array_neurons_tau.open(results_dir + "_array_neurons_tau_1762218352", ios::binary | ios::out);
    if(outfile__array_neurons_tau.is_open())
    {
        outfile__array_neurons_tau.write(reinterpret_cast<char*>(_array_neurons_tau), 1*sizeof(_array_neurons_tau[0]));
        outfile__array_neurons_tau.close();
    } else
    {
        std::cout << "Error writing output file for _array_neurons_tau." << endl;
    }
    ofstream outfile__array_neurons_v;
    outfile__array_neurons_v.open(results_dir + "_array_neurons_v_412799339", ios::binary | ios::out);
    if(outfile__array_neurons_v.is_open())
    {
        outfile__array_neurons_v.write(reinterpret_cast<char*>(_array_neurons_v), 12*sizeof(_array_neurons_v[0]));
        outfile__array_neurons_v.close();
    } else
    {
        std::cout << "Error writing output file for _array_neurons_v." << endl;
    }
    ofstream outfile__array_ring_N;
    outfile__array_ring_N.open(results_dir + "_array_ring_N_67073371", ios::binary | ios::out);
    if(outfile__array_ring_N.is_open())
    {
        outfile__array_ring_N.write(reinterpret_cast<char*>(_array_ring_N), 1*sizeof(_array_ring_N[0]));
        outfile__array_ring_N.close();
    } else
    {
        std::cout << "Error writing output file for _array_ring_N." << endl;
    }
    ofstream outfile__array_spikemonitor__source_idx;
    outfile__array_spikemonitor__source_idx.open(results_dir + "_array_spikemonitor__source_idx_1477951789", ios::binary | ios::out);
    if(outfile__array_spikemonitor__source_idx.is_open())
    {
        outfile__array_spikemonitor__source_idx.write(reinterpret_cast<char*>(_array_spikemonitor__source_idx), 12*sizeof(_array_spikemonitor__source_idx[0]));
        outfile__array_spikemonitor__source_idx.close();
    } else
    {
        std::cout << "Error writing output file for _array_spikemonitor__source_idx." << endl;
    }
    ofstream outfile__array_spikemonitor_count;
    outfile__array_spikemonitor_count.open(results_dir + "_array_spikemonitor_count_598337445", ios::binary | ios::out);
    if(outfile__array_spikemonitor_count.is_open())
    {
        outfile__array_spikemonitor_count.write(reinterpret_cast<char*>(_array_spikemonitor_count), 12*sizeof(_array_spikemonitor_count[0]));
        outfile__array_spikemonitor_count.close();
    } else
    {
        std::cout << "Error writing output file for _array_spikemonitor_count." << endl;
    }
    ofstream outfile__array_spikemonitor_N;
    outfile__array_spikemonitor_N.open(results_dir + "_array_spikemonitor_N_225734567", ios::binary | ios::out);
    if(outfile__array_spikemonitor_N.is_open())
    {
        outfile__array_spikemonitor_N.write(reinterpret_cast<char*>(_array_spikemonitor_N), 1*sizeof(_array_spikemonitor_N[0]));
        outfile__array_spikemonitor_N.close();
    } else
    {
        std::cout << "Error writing output file for _array_spikemonitor_N." << endl;
    }
    ofstream outfile__array_statemonitor__indices;
    outfile__array_statemonitor__indices.open(results_dir + "_array_statemonitor__indices_2854283999", ios::binary | ios::out);
    if(outfile__array_statemonitor__indices.is_open())
    {
        outfile__array_statemonitor__indices.write(reinterpret_cast<char*>(_array_statemonitor__indices), 2*sizeof(_array_statemonitor__indices[0]));
        outfile__array_statemonitor__indices.close();
    } else
    {
        std::cout << "Error writing output file for _array_statemonitor__indices." << endl;
    }
    ofstream outfile__array_statemonitor_N;
    outfile__array_statemonitor_N.open(results_dir + "_array_statemonitor_N_4140778434", ios::binary | ios::out);
    if(outfile__array_statemonitor_N.is_open())
    {
        outfile__array_statemonitor_N.write(reinterpret_cast<char*>(_array_statemonitor_N), 1*sizeof(_array_statemonitor_N[0]));
        outfile__array_statemonitor_N.close();
    } else
    {
        std::cout << "Error writing output file for _array_statemonitor_N." << endl;
    }

    ofstream outfile__dynamic_array_ring__pre_delay;
    outfile__dynamic_array_ring__pre_delay.open(results_dir + "_dynamic_array_ring__pre_delay_3656582555", ios::binary | ios::out);
    if(outfile__dynamic_array_ring__pre_delay.is_open())
    {
        if (! _dynamic_array_ring__pre_delay.empty() )
        {
            outfile__dynamic_array_ring__pre_delay.write(reinterpret_cast<char*>(&_dynamic_array_ring__pre_delay[0]), _dynamic_array_ring__pre_delay.size()*sizeof(_dynamic_array_ring__pre_delay[0]));
            outfile__dynamic_array_ring__pre_delay.close();
        }
    } else
    {
        std::cout << "Error writing output file for _dynamic_array_ring__pre_delay." << endl;
    }
    ofstream outfile__dynamic_array_ring__synaptic_post;
    outfile__dynamic_array_ring__synaptic_post.open(results_dir + "_dynamic_array_ring__synaptic_post_2140248834", ios::binary | ios::out);
    if(outfile__dynamic_array_ring__synaptic_post.is_open())
    {
        if (! _dynamic_array_ring__synaptic_post.empty() )
        {
            outfile__dynamic_array_ring__synaptic_post.write(reinterpret_cast<char*>(&_dynamic_array_ring__synaptic_post[0]), _dynamic_array_ring__synaptic_post.size()*sizeof(_dynamic_array_ring__synaptic_post[0]));
            outfile__dynamic_array_ring__synaptic_post.close();
        }
    } else
    {
        std::cout << "Error writing output file for _dynamic_array_ring__synaptic_post." << endl;
    }
    ofstream outfile__dynamic_array_ring__synaptic_pre;
    outfile__dynamic_array_ring__synaptic_pre.open(results_dir + "_dynamic_array_ring__synaptic_pre_4282650707", ios::binary | ios::out);
    if(outfile__dynamic_array_ring__synaptic_pre.is_open())
    {
        if (! _dynamic_array_ring__synaptic_pre.empty() )
        {
            outfile__dynamic_array_ring__synaptic_pre.write(reinterpret_cast<char*>(&_dynamic_array_ring__synaptic_pre[0]), _dynamic_array_ring__synaptic_pre.size()*sizeof(_dynamic_array_ring__synaptic_pre[0]));
            outfile__dynamic_array_ring__synaptic_pre.close();
        }
    } else
    {
        std::cout << "Error writing output file for _dynamic_array_ring__synaptic_pre." << endl;
    }
    ofstream outfile__dynamic_array_ring_N_incoming;
    outfile__dynamic_array_ring_N_incoming.open(results_dir + "_dynamic_array_ring_N_incoming_3582060247", ios::binary | ios::out);
    if(outfile__dynamic_array_ring_N_incoming.is_open())
    {
        if (! _dynamic_array_ring_N_incoming.empty() )
        {
            outfile__dynamic_array_ring_N_incoming.write(reinterpret_cast<char*>(&_dynamic_array_ring_N_incoming[0]), _dynamic_array_ring_N_incoming.size()*sizeof(_dynamic_array_ring_N_incoming[0]));
            outfile__dynamic_array_ring_N_incoming.close();
        }
    } else
    {
        std::cout << "Error writing output file for _dynamic_array_ring_N_incoming." << endl;
    }
    ofstream outfile__dynamic_array_ring_N_outgoing;
    outfile__dynamic_array_ring_N_outgoing.open(results_dir + "_dynamic_array_ring_N_outgoing_4070413837", ios::binary | ios::out);
    if(outfile__dynamic_array_ring_N_outgoing.is_open())
    {
        if (! _dynamic_array_ring_N_outgoing.empty() )
        {
            outfile__dynamic_array_ring_N_outgoing.write(reinterpret_cast<char*>(&_dynamic_array_ring_N_outgoing[0]), _dynamic_array_ring_N_outgoing.size()*sizeof(_dynamic_array_ring_N_outgoing[0]));
            outfile__dynamic_array_ring_N_outgoing.close();
        }
    } else
    {
        std::cout << "Error writing output file for _dynamic_array_ring_N_outgoing." << endl;
    }
    ofstream outfile__dynamic_array_ring_w;
    outfile__dynamic_array_ring_w.open(results_dir + "_dynamic_array_ring_w_3634428146", ios::binary | ios::out);
    if(outfile__dynamic_array_ring_w.is_open())
    {
        if (! _dynamic_array_ring_w.empty() )
        {
            outfile__dynamic_array_ring_w.write(reinterpret_cast<char*>(&_dynamic_array_ring_w[0]), _dynamic_array_ring_w.size()*sizeof(_dynamic_array_ring_w[0]));
            outfile__dynamic_array_ring_w.close();
        }
    } else
    {
        std::cout << "Error writing output file for _dynamic_array_ring_w." << endl;
    }
    ofstream outfile__dynamic_array_spikemonitor_i;
    outfile__dynamic_array_spikemonitor_i.open(results_dir + "_dynamic_array_spikemonitor_i_1976709050", ios::binary | ios::out);
    if(outfile__dynamic_array_spikemonitor_i.is_open())
    {
        if (! _dynamic_array_spikemonitor_i.empty() )
        {
            outfile__dynamic_array_spikemonitor_i.write(reinterpret_cast<char*>(&_dynamic_array_spikemonitor_i[0]), _dynamic_array_spikemonitor_i.size()*sizeof(_dynamic_array_spikemonitor_i[0]));
            outfile__dynamic_array_spikemonitor_i.close();
        }
    } else
    {
        std::cout << "Error writing output file for _dynamic_array_spikemonitor_i." << endl;
    }
    ofstream outfile__dynamic_array_spikemonitor_t;
    outfile__dynamic_array_spikemonitor_t.open(results_dir + "_dynamic_array_spikemonitor_t_383009635", ios::binary | ios::out);
    if(outfile__dynamic_array_spikemonitor_t.is_open())
    {
        if (! _dynamic_array_spikemonitor_t.empty() )
        {
            outfile__dynamic_array_spikemonitor_t.write(reinterpret_cast<char*>(&_dynamic_array_spikemonitor_t[0]), _dynamic_array_spikemonitor_t.size()*sizeof(_dynamic_array_spikemonitor_t[0]));
            outfile__dynamic_array_spikemonitor_t.close();
        }
    } else
    {
        std::cout << "Error writing output file for _dynamic_array_spikemonitor_t." << endl;
    }
    ofstream outfile__dynamic_array_statemonitor_t;
    outfile__dynamic_array_statemonitor_t.open(results_dir + "_dynamic_array_statemonitor_t_3983503110", ios::binary | ios::out);
    if(outfile__dynamic_array_statemonitor_t.is_open())
    {
        if (! _dynamic_array_statemonitor_t.empty() )
        {
            outfile__dynamic_array_statemonitor_t.write(reinterpret_cast<char*>(&_dynamic_array_statemonitor_t[0]), _dynamic_array_statemonitor_t.size()*sizeof(_dynamic_array_statemonitor_t[0]));
            outfile__dynamic_array_statemonitor_t.close();
        }
    } else
    {
        std::cout << "Error writing output file for _dynamic_array_statemonitor_t." << endl;
    }

    ofstream outfile__dynamic_array_statemonitor_v;
    outfile__dynamic_array_statemonitor_v.open(results_dir + "_dynamic_array_statemonitor_v_56692266", ios::binary | ios::out);
    if(outfile__dynamic_array_statemonitor_v.is_open())
    {
        for (int n=0; n<_dynamic_array_statemonitor_v.n; n++)
        {
            if (! _dynamic_array_statemonitor_v(n).empty())
            {
                outfile__dynamic_array_statemonitor_v.write(reinterpret_cast<char*>(&_dynamic_array_statemonitor_v(n, 0)), _dynamic_array_statemonitor_v.m*sizeof(_dynamic_array_statemonitor_v(0, 0)));
            }
        }
        outfile__dynamic_array_statemonitor_v.close();
    } else
    {
        std::cout << "Error writing output file for _dynamic_array_statemonitor_v." << endl;
    }

    // Write spike queue states to disk
    ofstream outfile_ring_pre;
    outfile_ring_pre.open(results_dir + "ring_pre_queue", ios::out);
    if (outfile_ring_pre.is_open()) {
        for (int i=0; i<1; i++) {
            outfile_ring_pre << *ring_pre.queue[i] << "\n";
        }
    } else {
        std::cout << "Error writing spike queue state for 'ring_pre' for file" << std::endl;
    }

    // Write random generator state to disk
    ofstream random_generator_state;
    random_generator_state.open(results_dir + "random_generator_state", ios::out);
    if (random_generator_state.is_open()) {
        for (int i=0; i<1; i++)
            random_generator_state << _random_generators[i] << "\n";
    } else {
        std::cout << "Error writing random generator state to file." << std::endl;
    }

    // Write last run info to disk
    ofstream outfile_last_run_info;
    outfile_last_run_info.open(results_dir + "last_run_info.txt", ios::out);
    if(outfile_last_run_info.is_open())
    {
        outfile_last_run_info << (Network::_last_run_time) << " " << (Network::_last_run_completed_fraction) << std::endl;
        outfile_last_run_info.close();
    } else
    {
        std::cout << "Error writing last run info to file." << std::endl;
    }
}

void _dealloc_arrays()
{
    using namespace brian;


    // static arrays
    if(_static_array__array_statemonitor__indices!=0)
    {
        delete [] _static_array__array_statemonitor__indices;
        _static_array__array_statemonitor__indices = 0;
    }
    if(_static_array__dynamic_array_ring_w!=0)
    {
        delete [] _static_array__dynamic_array_ring_w;
        _static_array__dynamic_array_ring_w = 0;
    }
    if(_static_array__index__array_neurons_I!=0)
    {
        delete [] _static_array__index__array_neurons_I;
        _static_array__index__array_neurons_I = 0;
    }
    if(_static_array__value__array_neurons_I!=0)
    {
        delete [] _static_array__value__array_neurons_I;
        _static_array__value__array_neurons_I = 0;
    }
}

