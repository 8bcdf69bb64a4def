/* The modelc library for C and other languages (ctypes, cffi, Julia, ...): opaque handles, status
 * codes, and the last error of each handle (its message, and the text the CLI would print with
 * the diagnostics: JSON pointer, caret, hint). A small stable subset of <modelc/modelc.h>.
 *
 * Errors: every call returns a modelc_status; on failure the handle it was called on holds the
 * error until its next call (modelc_*_error_message / _error_text). The load calls create the
 * model handle even when loading fails, so the error has a home: free it with modelc_model_free.
 * Strings returned are owned by the handle and valid until its next call. Handles are independent:
 * no global state, and different handles may be used from different threads. */
#ifndef MODELC_C_H
#define MODELC_C_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The values of modelc::ErrorCode. */
typedef enum modelc_status {
  MODELC_OK = 0,
  MODELC_INVALID_ARGUMENT = 1,
  MODELC_INVALID_MODEL = 2,
  MODELC_COMPILE_FAILED = 3,
  MODELC_LOAD_FAILED = 4,
  MODELC_RUNTIME_FAILED = 5,
  MODELC_CANCELLED = 6,
  MODELC_INTERRUPTED = 7,
  MODELC_IO_ERROR = 8,
  MODELC_OUT_OF_MEMORY = 9,
  MODELC_INTERNAL = 10
} modelc_status;

/* The values of mc_type (abi/modelc_abi.h) and modelc::ElementType. */
typedef enum modelc_type {
  MODELC_BOOL = 0,
  MODELC_INT32 = 1,
  MODELC_INT64 = 2,
  MODELC_FLOAT = 3,
  MODELC_DOUBLE = 4
} modelc_type;

typedef struct modelc_model modelc_model;
typedef struct modelc_module modelc_module;
typedef struct modelc_simulation modelc_simulation;

const char* modelc_version(void);
const char* modelc_status_name(modelc_status status);

/* --- models ------------------------------------------------------------------------------------
 * `overrides`: NULL or a NULL-terminated array of "NAME=VALUE" strings (the CLI's --set). */
modelc_status modelc_model_load_file(const char* path, const char* const* overrides, modelc_model** out);
modelc_status modelc_model_load_string(const char* json_text, const char* const* overrides, modelc_model** out);
/* Replaces /simulation/duration ("200 ms"), re-checked. */
modelc_status modelc_model_set_duration(modelc_model* model, const char* duration);
const char* modelc_model_name(const modelc_model* model);
const char* modelc_model_error_message(const modelc_model* model); /* "" when the last call succeeded */
const char* modelc_model_error_text(const modelc_model* model);    /* all diagnostics, as the CLI prints them */
/* The last error's diagnostics, one by one (index < count); fields may be "" but never NULL. */
size_t modelc_model_diagnostic_count(const modelc_model* model);
modelc_status modelc_model_diagnostic(const modelc_model* model, size_t index, const char** message,
                                      const char** pointer, const char** caret, const char** hint);
void modelc_model_free(modelc_model* model);

typedef struct modelc_compile_options {
  const char* backend;          /* NULL: "cpu" */
  int32_t opt_level;            /* 0..3 (default 2) */
  int32_t threads;              /* CPU: threads compiled in as default (0: all cores) */
  const char* passes;           /* NULL: the opt level's pipeline; else comma-separated pass names */
  const char* disabled_passes;  /* NULL or comma-separated */
  const char* cache_dir;        /* NULL: $MODELC_CACHE_DIR or ~/.cache/modelc */
} modelc_compile_options;
void modelc_compile_options_init(modelc_compile_options* options);

/* `options` may be NULL (the defaults). On failure the error is the model's. */
modelc_status modelc_model_compile(modelc_model* model, const modelc_compile_options* options, modelc_module** out);

/* --- modules ---------------------------------------------------------------------------------- */
const char* modelc_module_path(const modelc_module* module);
double modelc_module_dt(const modelc_module* module);
int64_t modelc_module_steps(const modelc_module* module); /* the model's duration in steps */
const char* modelc_module_error_message(const modelc_module* module);
const char* modelc_module_error_text(const modelc_module* module);
/* A new, independent instance of the network. seed < 0: the model's; threads 0: the default. */
modelc_status modelc_module_simulation(modelc_module* module, int64_t seed, int32_t threads, int32_t device,
                                       modelc_simulation** out);
/* A module stays loaded while simulations of it exist. */
void modelc_module_free(modelc_module* module);

/* --- simulations ------------------------------------------------------------------------------
 * Progress: called after every chunk with the step reached and the last step of the run;
 * returning non-zero cancels the run there (MODELC_CANCELLED, the simulation stays usable). */
typedef int (*modelc_progress_fn)(void* user, int64_t step, int64_t last_step, double realtime_factor);

modelc_status modelc_simulation_run(modelc_simulation* sim, int64_t steps, modelc_progress_fn progress, void* user);
/* "1 s", "200 ms" */
modelc_status modelc_simulation_run_for(modelc_simulation* sim, const char* duration, modelc_progress_fn progress,
                                        void* user);
/* Thread-safe: stops the run in progress at the next chunk boundary. */
void modelc_simulation_cancel(modelc_simulation* sim);
int64_t modelc_simulation_current_step(const modelc_simulation* sim);

/* State variables by owner (population or synapse group) and name: type, element count, unit. */
modelc_status modelc_simulation_variable(modelc_simulation* sim, const char* owner, const char* name,
                                         modelc_type* type, int64_t* size, const char** unit);
/* Copies `size` elements of `type` (both must match the variable) out of / into the network. */
modelc_status modelc_simulation_read(modelc_simulation* sim, const char* owner, const char* name, modelc_type type,
                                     void* dst, int64_t size);
modelc_status modelc_simulation_write(modelc_simulation* sim, const char* owner, const char* name, modelc_type type,
                                      const void* src, int64_t size);
modelc_status modelc_simulation_spike_count(modelc_simulation* sim, const char* population, int64_t* count);

/* Monitors. The arrays belong to the simulation and stay valid until its next monitor call.
 * Spikes: n events, neuron index i[k] and time t[k] (seconds). */
modelc_status modelc_simulation_spikes(modelc_simulation* sim, const char* monitor, const int32_t** i,
                                       const double** t, int64_t* n);
/* State: values of `variable` as [samples, columns] row-major, t[samples]. */
modelc_status modelc_simulation_state(modelc_simulation* sim, const char* monitor, const char* variable,
                                      const double** values, const double** t, int64_t* samples, int64_t* columns);
/* Rate: rate[k] in Hz at t[k]. */
modelc_status modelc_simulation_rate(modelc_simulation* sim, const char* monitor, const double** rate,
                                     const double** t, int64_t* n);

/* A results directory (npy + manifest.json, atomically); force: move aside what modelc did not write. */
modelc_status modelc_simulation_write_results(modelc_simulation* sim, const char* dir, int force);
const char* modelc_simulation_error_message(const modelc_simulation* sim);
const char* modelc_simulation_error_text(const modelc_simulation* sim);
void modelc_simulation_free(modelc_simulation* sim);

#ifdef __cplusplus
}
#endif

#endif /* MODELC_C_H */
