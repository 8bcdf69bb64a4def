/* The device runtime: what a generated host module asks of an accelerator. A backend that runs
 * kernels on a device (OpenCL, CUDA) implements these functions once, in a prebuilt
 * shared library (backends/<name>/runtime -> libmodelc_<name>_runtime.so), and its generated host
 * module only calls them: it never spells a device API, so it compiles without the vendor headers
 * and the device code lives in one place (docs/opencl.md, "Device runtime").
 *
 * Conventions: functions returning int give 0 on success and 1 on failure; those returning a
 * handle give NULL on failure. After a failure mc_device_error() describes it (in the device API's
 * terms: the host module adds what it was doing). Handles are opaque; every object belongs to the
 * device it was made on and must be released before the device is closed. Commands run in order on
 * one queue per device; uploads and downloads block until done, launches do not.
 * C only, like modelc_abi.h. */
#ifndef MODELC_DEVICE_RUNTIME_H
#define MODELC_DEVICE_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mc_device mc_device;
typedef struct mc_buffer mc_buffer;
typedef struct mc_program mc_program;
typedef struct mc_kernel mc_kernel;

typedef struct mc_device_info {
  char name[256];
  char api[32];          /* "OpenCL", "CUDA": for messages */
  int32_t compute_units; /* at least 1 */
  int32_t fp64;          /* double precision arithmetic */
  int32_t int64_atomics; /* 64-bit atomic compare-and-swap on global memory */
} mc_device_info;

/* Devices in the runtime's enumeration order: `--device N` indexes it. */
int32_t mc_device_count(void);
/* Opens device `index` with one in-order command queue. On failure returns NULL with `error` set
 * (no device at all, or an index out of range, with how to list the devices). */
mc_device* mc_device_open(int32_t index, char* error, size_t error_size);
void mc_device_close(mc_device* d); /* NULL is ignored */
const char* mc_device_error(const mc_device* d);
void mc_device_get_info(const mc_device* d, mc_device_info* out);
/* Waits until every command queued so far has finished. */
int mc_device_synchronize(mc_device* d);

/* Device memory, zero-filled. `bytes` 0 allocates a small buffer (handles are never NULL on success). */
mc_buffer* mc_buffer_alloc(mc_device* d, size_t bytes);
void mc_buffer_free(mc_buffer* b); /* NULL is ignored */
int mc_buffer_upload(mc_device* d, mc_buffer* b, size_t offset, size_t bytes, const void* src);
int mc_buffer_download(mc_device* d, mc_buffer* b, size_t offset, size_t bytes, void* dst);
int mc_buffer_fill(mc_device* d, mc_buffer* b, uint8_t value, size_t offset, size_t bytes);

/* Builds `source` with `options`. With a non-empty `cache_dir` a binary is reused from there when
 * one exists for this source, these options and this exact device and driver, and saved there
 * after a build from source; `*cache_hit` (may be NULL) says which happened. Set the environment
 * variable MODELC_<API>_NO_CACHE (MODELC_OPENCL_NO_CACHE, MODELC_CUDA_NO_CACHE; any value but 0) to bypass the cache. A rejected program is
 * a modelc bug: the error holds the compiler's log. */
mc_program* mc_program_build(mc_device* d, const char* source, const char* options, const char* cache_dir,
                             int32_t* cache_hit);
void mc_program_free(mc_program* p);

mc_kernel* mc_kernel_get(mc_program* p, const char* name);
void mc_kernel_free(mc_kernel* k);
/* The work-group (block) size for `k`: the largest multiple of the device's preferred multiple (warp,
 * wavefront, SIMD width) that the kernel and device allow, capped at `cap`. */
size_t mc_kernel_local_size(mc_kernel* k, size_t cap);
/* Arguments keep their value across launches until set again. */
int mc_kernel_set_buffer(mc_kernel* k, uint32_t index, mc_buffer* b);
int mc_kernel_set_value(mc_kernel* k, uint32_t index, size_t bytes, const void* value);
int mc_kernel_set_local(mc_kernel* k, uint32_t index, size_t bytes); /* work-group scratch memory */
/* One-dimensional launch; `global` is a multiple of `local`. */
int mc_kernel_launch(mc_kernel* k, size_t global, size_t local);

/* Step graphs, only in runtimes whose GpuTarget sets step_graphs (CUDA): the module calls begin
 * before a step's launches and end after them. Between the two the runtime may defer the launches
 * and, once a step's sequence (kernels, grids, blocks, shared memory) repeats the previous step's,
 * replay it as one graph, updating only the arguments that changed (step, ring slots). Any other
 * call on the device in between (upload, download, fill, synchronize) first launches what was
 * deferred, and that step runs as plain launches. Order and results are those of plain launches. */
int mc_step_graph_begin(mc_device* d);
int mc_step_graph_end(mc_device* d);

#ifdef __cplusplus
}
#endif

#endif /* MODELC_DEVICE_RUNTIME_H */
