/* The C ABI every generated model module implements, whatever the backend (CPU shared object,
 * OpenCL host module, CUDA host module). runtime/ drives all backends through it the same way.
 * Plain C so that generated code and any frontend (Python ctypes, the Brian2 device) can use it. */
#ifndef MODELC_ABI_H
#define MODELC_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 2: mc_options::cancel. 3: distributed runs (mc_options::partition, the `replicated` flags,
 * mc_monitor_info::slice_offset, mc_local_neurons, mc_read_synapse_ids, mc_monitor_held;
 * docs/distributed.md) and mc_read_phases. */
#define MC_ABI_VERSION 3

enum mc_type { MC_BOOL = 0, MC_INT32 = 1, MC_INT64 = 2, MC_FLOAT = 3, MC_DOUBLE = 4 };
enum mc_monitor_kind { MC_MON_SPIKES = 0, MC_MON_STATE = 1, MC_MON_RATE = 2 };

typedef struct mc_var_info {
  const char* name;      /* buffer name, e.g. "P_v" */
  const char* owner;     /* population or synapse group */
  const char* variable;  /* model variable, e.g. "v" */
  const char* unit;      /* e.g. "volt", "1" */
  int32_t type;          /* enum mc_type */
  int32_t per_synapse;   /* 1: size is the owner's synapse count */
  int64_t size;          /* elements (per_synapse: 0, ask mc_var_size) */
} mc_var_info;

/* Distributed runs: a split population's neurons are divided over the ranks in contiguous ranges
 * (abi/partition.h), a replicated one is computed whole by every rank. A synapse group lives on
 * the rank of its target neurons, so it is replicated exactly when its target is. */
typedef struct mc_population_info {
  const char* name;
  int64_t size;
  int32_t replicated;
} mc_population_info;

typedef struct mc_synapse_info {
  const char* name;
  const char* source;
  const char* target;
  int32_t replicated;
} mc_synapse_info;

typedef struct mc_monitor_info {
  const char* name;
  const char* population;
  int32_t kind;            /* enum mc_monitor_kind */
  int32_t num_variables;   /* state monitors; IR v2: also spike monitors (fields 2+k) */
  const char* const* variables;
  const char* const* units;
  int64_t num_indices;     /* state: recorded neurons; spikes: 0 = whole slice; IR v2: -1 = every
                              synapse of the synapse group named in `population` (state monitors of
                              synapse groups; the count is mc_synapse_count) */
  const int64_t* indices;
  int64_t every;           /* state: record every `every` steps */
  int64_t slice_size;      /* neurons in the monitored slice (rate = count / slice_size / dt) */
  int64_t slice_offset;    /* first neuron of the slice in its population (indices are relative) */
} mc_monitor_info;

typedef struct mc_model_info {
  int32_t abi_version;
  const char* model_name;
  const char* backend;
  double dt;
  int64_t steps;           /* duration / dt, as compiled */
  uint64_t seed;
  int32_t scalar_type;     /* MC_FLOAT or MC_DOUBLE */
  int32_t num_vars;
  const mc_var_info* vars;
  int32_t num_populations;
  const mc_population_info* populations;
  int32_t num_synapse_groups;
  const mc_synapse_info* synapse_groups;
  int32_t num_monitors;
  const mc_monitor_info* monitors;
} mc_model_info;

typedef struct mc_module mc_module;

/* One process of a distributed run (docs/distributed.md). The host owns the communication; the
 * module calls `allgather` once per exchange window with its local spikes. It is collective:
 * every rank's module makes the same calls in the same order, whatever the chunks mc_run is
 * called with, because windows are fixed by the absolute step. */
typedef struct mc_partition {
  int32_t rank;       /* 0 .. num_ranks - 1 */
  int32_t num_ranks;  /* 1: the same as no partition */
  void* context;      /* passed back to allgather */
  /* Every rank contributes `count` int32 values; on return *recv points at all ranks' values
   * concatenated in rank order and *recv_counts at num_ranks counts. Both stay owned by the host
   * and valid until its next call. Non-zero: the exchange failed (the module then fails). */
  int (*allgather)(void* context, const int32_t* send, int64_t count, const int32_t** recv,
                   const int64_t** recv_counts);
} mc_partition;

typedef struct mc_options {
  int32_t num_threads;  /* 0 = backend default */
  int32_t device;       /* accelerator backends: device index */
  uint64_t seed;        /* overrides the compiled seed */
  /* Optional (null: never cancelled). While *cancel is non-zero, long operations (mc_init's
   * network construction, mc_run) stop at the next poll point, at most about a second of work
   * apart, and fail with the error "interrupted"; the module is then unusable except for
   * mc_destroy. The host sets it from its signal handler. */
  const volatile int32_t* cancel;
  /* Optional (null: one process). Must outlive the module. Modules that cannot be partitioned
   * (those without mc_local_neurons) fail mc_create when num_ranks > 1. */
  const mc_partition* partition;
} mc_options;

/* Every function returning int returns 0 on success and non-zero on error; mc_last_error() then
 * says what went wrong (e.g. "out of memory allocating 1.2 GiB for synapses Ce"). */
const mc_model_info* mc_get_info(void);
mc_module* mc_create(const mc_options* options, char* error, size_t error_size);
int mc_init(mc_module* m);                 /* build connectivity, set initial values */
int mc_run(mc_module* m, int64_t steps);   /* advance by `steps` time steps */
int64_t mc_current_step(const mc_module* m);
int64_t mc_var_size(const mc_module* m, int32_t var);
int mc_read_var(mc_module* m, int32_t var, void* dst);         /* copies mc_var_size elements */
int mc_write_var(mc_module* m, int32_t var, const void* src);
int64_t mc_synapse_count(const mc_module* m, int32_t synapse_group);
/* pre/post indices relative to the source/target slices, in synapse order */
int mc_read_synapses(mc_module* m, int32_t synapse_group, int32_t* pre, int32_t* post);
int64_t mc_spike_count(const mc_module* m, int32_t population); /* total spikes so far */
/* Monitors. Spikes: length = events; field 0 int32 neuron index (slice-relative), field 1 int64 step;
 * IR v2: field 2+k double[length] for variable k of mc_monitor_info.variables (num_variables of them,
 * the state-monitor convention shifted past the two spike fields), the value at the event's neuron
 * after the thresholds. Modules built before this addition report num_variables = 0 for spike
 * monitors, so readers stay compatible without an ABI version bump.
 * State: length = samples; field 0 int64 step, field 1+k double[length * num_indices] for variable k
 * (sample-major). Rate: length = steps recorded; field 0 double rate in Hz per step. */
int64_t mc_monitor_length(const mc_module* m, int32_t monitor);
int mc_monitor_read(mc_module* m, int32_t monitor, int32_t field, void* dst);
/* Kernel launches made by mc_run so far (not by mc_init): how many kernels did work, summed over
 * the steps run; run_regularly kernels count on the steps they run. CPU modules count calls of
 * kernel-IR kernels (monitor recording is host code and not counted); OpenCL modules count every
 * clEnqueueNDRangeKernel of mc_run (spike compaction and monitor kernels included: each is a
 * launch the device pays for). Added without an ABI version bump: the runtime treats the symbol as
 * optional, and a module without it reports no launch count. -1 for a null module. */
int64_t mc_launch_count(const mc_module* m);
/* Distributed runs; optional symbols (a module without them runs in one process only).
 * mc_local_neurons: the neurons of `population` this rank computes, [*begin, *end): the rank's
 * range for split populations (abi/partition.h), all of them for replicated ones or in one process.
 * State arrays are whole on every rank; values outside the range are initial values, never advanced.
 * mc_read_synapse_ids: for each synapse this rank holds (mc_synapse_count of them, in the order of
 * mc_read_synapses and per-synapse variables) its index in a one-process run of the same model. */
int mc_local_neurons(const mc_module* m, int32_t population, int64_t* begin, int64_t* end);
int mc_read_synapse_ids(mc_module* m, int32_t synapse_group, int64_t* ids);
/* mc_monitor_held: for each column of state monitor `monitor` (num_indices of them, or
 * mc_synapse_count for a monitor of every synapse), 1 where this rank computes the recorded value
 * and 0 where another rank does (the value recorded here is then meaningless). Merging takes each
 * column from the rank holding it; every column of a replicated population or group is held by
 * every rank. Non-zero for a monitor that is not a state monitor. */
int mc_monitor_held(const mc_module* m, int32_t monitor, uint8_t* held);
/* Where mc_run's time went (optional symbol): wall seconds per phase since mc_create, summed over
 * the steps run (CPU modules time every 8th step and scale by 8: an estimate that costs 0.2%). Returns the number of phases and fills the first `capacity` names and seconds.
 * CPU modules: "neurons" (update, threshold, reset, generators), "propagation" (spike-driven
 * synaptic code, delay queues), "delays" (dendritic rings draining), "synapses" (clock-driven and
 * summed synaptic code), "monitors", "exchange" (distributed runs: waiting for and merging other
 * ranks' events). -1 for a null module. */
int32_t mc_read_phases(const mc_module* m, const char** names, double* seconds, int32_t capacity);
const char* mc_last_error(const mc_module* m);
void mc_destroy(mc_module* m);

#ifdef __cplusplus
}
#endif

#endif /* MODELC_ABI_H */
