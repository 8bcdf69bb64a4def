/* Host-side helpers of the generated OpenCL modules (and of `modelc devices`): device enumeration
 * and selection, program build with an on-disk binary cache, work-group sizing, error names.
 * Header-only with static functions and only C headers, like cpu_support.h, so a model module
 * compiles quickly; the module includes it once. */
#ifndef MODELC_OPENCL_HOST_H
#define MODELC_OPENCL_HOST_H

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline const char* mc_cl_error_name(cl_int e) {
  switch (e) {
#define MC_E(x) case x: return #x;
    MC_E(CL_DEVICE_NOT_FOUND) MC_E(CL_DEVICE_NOT_AVAILABLE) MC_E(CL_COMPILER_NOT_AVAILABLE)
    MC_E(CL_MEM_OBJECT_ALLOCATION_FAILURE) MC_E(CL_OUT_OF_RESOURCES) MC_E(CL_OUT_OF_HOST_MEMORY)
    MC_E(CL_BUILD_PROGRAM_FAILURE) MC_E(CL_INVALID_VALUE) MC_E(CL_INVALID_DEVICE) MC_E(CL_INVALID_BINARY)
    MC_E(CL_INVALID_BUILD_OPTIONS) MC_E(CL_INVALID_PROGRAM) MC_E(CL_INVALID_KERNEL_NAME) MC_E(CL_INVALID_KERNEL)
    MC_E(CL_INVALID_ARG_INDEX) MC_E(CL_INVALID_ARG_VALUE) MC_E(CL_INVALID_ARG_SIZE) MC_E(CL_INVALID_KERNEL_ARGS)
    MC_E(CL_INVALID_WORK_GROUP_SIZE) MC_E(CL_INVALID_WORK_ITEM_SIZE) MC_E(CL_INVALID_GLOBAL_WORK_SIZE)
    MC_E(CL_INVALID_MEM_OBJECT) MC_E(CL_INVALID_BUFFER_SIZE) MC_E(CL_INVALID_COMMAND_QUEUE) MC_E(CL_INVALID_CONTEXT)
    MC_E(CL_INVALID_PLATFORM) MC_E(CL_INVALID_PROGRAM_EXECUTABLE) MC_E(CL_INVALID_OPERATION)
    MC_E(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST)
#undef MC_E
    case -1001: return "CL_PLATFORM_NOT_FOUND_KHR (no OpenCL driver installed)";
    default: return "unknown OpenCL error";
  }
}

/* Every device of every platform, in platform order: `--device N` indexes this list. Returns the
 * number found (at most `cap` stored). */
static inline int mc_cl_list_devices(cl_platform_id* platforms_out, cl_device_id* devices_out, int cap) {
  cl_uint np = 0;
  if (clGetPlatformIDs(0, NULL, &np) != CL_SUCCESS || np == 0) return 0;
  cl_platform_id plats[16];
  if (np > 16) np = 16;
  if (clGetPlatformIDs(np, plats, NULL) != CL_SUCCESS) return 0;
  int n = 0;
  for (cl_uint p = 0; p < np; ++p) {
    cl_uint nd = 0;
    if (clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, 0, NULL, &nd) != CL_SUCCESS || nd == 0) continue;
    cl_device_id devs[64];
    if (nd > 64) nd = 64;
    if (clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, nd, devs, NULL) != CL_SUCCESS) continue;
    for (cl_uint d = 0; d < nd; ++d, ++n)
      if (n < cap) {
        platforms_out[n] = plats[p];
        devices_out[n] = devs[d];
      }
  }
  return n;
}

static inline void mc_cl_device_string(cl_device_id d, cl_device_info what, char* out, size_t size) {
  out[0] = 0;
  if (clGetDeviceInfo(d, what, size, out, NULL) != CL_SUCCESS) out[0] = 0;
  out[size - 1] = 0;
}

static inline int mc_cl_has_extension(cl_device_id d, const char* ext) {
  size_t n = 0;
  if (clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, 0, NULL, &n) != CL_SUCCESS || n == 0) return 0;
  char* s = (char*)malloc(n + 1);
  if (!s) return 0;
  int found = 0;
  if (clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, n, s, NULL) == CL_SUCCESS) {
    s[n] = 0;
    size_t len = strlen(ext);
    for (const char* p = strstr(s, ext); p; p = strstr(p + 1, ext))
      if ((p == s || p[-1] == ' ') && (p[len] == ' ' || p[len] == 0)) found = 1;
  }
  free(s);
  return found;
}

/* fp64: the extension, or (OpenCL 1.2 devices that report it only there) a double FP config. */
static inline int mc_cl_has_fp64(cl_device_id d) {
  if (mc_cl_has_extension(d, "cl_khr_fp64")) return 1;
  cl_device_fp_config cfg = 0;
  return clGetDeviceInfo(d, CL_DEVICE_DOUBLE_FP_CONFIG, sizeof cfg, &cfg, NULL) == CL_SUCCESS && cfg != 0;
}

static inline uint64_t mc_cl_fnv1a(const void* data, size_t n, uint64_t h) {
  const unsigned char* p = (const unsigned char*)data;
  for (size_t k = 0; k < n; ++k) {
    h ^= p[k];
    h *= 0x100000001b3ull;
  }
  return h;
}

/* The binary cache key: program source, build options and the device's identity (name, vendor,
 * driver and platform versions), since a binary is only valid for the exact device and driver. */
static inline uint64_t mc_cl_program_key(cl_platform_id plat, cl_device_id dev, const char* src, const char* options) {
  char buf[512];
  uint64_t h = mc_cl_fnv1a(src, strlen(src), 0xcbf29ce484222325ull);
  h = mc_cl_fnv1a(options, strlen(options) + 1, h);
  const cl_device_info infos[] = {CL_DEVICE_NAME, CL_DEVICE_VENDOR, CL_DRIVER_VERSION, CL_DEVICE_VERSION};
  for (size_t k = 0; k < sizeof infos / sizeof infos[0]; ++k) {
    mc_cl_device_string(dev, infos[k], buf, sizeof buf);
    h = mc_cl_fnv1a(buf, strlen(buf) + 1, h);
  }
  buf[0] = 0;
  clGetPlatformInfo(plat, CL_PLATFORM_VERSION, sizeof buf, buf, NULL);
  buf[sizeof buf - 1] = 0;
  return mc_cl_fnv1a(buf, strlen(buf) + 1, h);
}

static inline int mc_cl_build_log(cl_program prog, cl_device_id dev, char* err, size_t err_size, const char* what) {
  size_t n = 0;
  clGetProgramBuildInfo(prog, dev, CL_PROGRAM_BUILD_LOG, 0, NULL, &n);
  char* log = (char*)malloc(n + 1);
  if (log) {
    log[0] = 0;
    clGetProgramBuildInfo(prog, dev, CL_PROGRAM_BUILD_LOG, n, log, NULL);
    log[n] = 0;
  }
  snprintf(err, err_size, "%s: the OpenCL compiler rejected the generated program (a modelc bug):\n%s", what,
           log ? log : "(no build log)");
  free(log);
  return 1;
}

/* Builds `src` for `dev`, reusing `<cache_path>` (a program binary) when it exists and saving it
 * after a source build. An empty cache_path disables the cache. Returns 0, or 1 with `err` set. */
static inline int mc_cl_build_program(cl_context ctx, cl_device_id dev, const char* src, const char* options,
                               const char* cache_path, cl_program* out, int* cache_hit, char* err, size_t err_size) {
  cl_int e = CL_SUCCESS;
  *out = NULL;
  *cache_hit = 0;
  FILE* f = cache_path && *cache_path ? fopen(cache_path, "rb") : NULL;
  if (f) {
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char* bin = n > 0 ? (unsigned char*)malloc((size_t)n) : NULL;
    if (bin && fread(bin, 1, (size_t)n, f) == (size_t)n) {
      size_t len = (size_t)n;
      const unsigned char* bins[1] = {bin};
      cl_int status = CL_SUCCESS;
      cl_program p = clCreateProgramWithBinary(ctx, 1, &dev, &len, bins, &status, &e);
      /* A stale or foreign binary is not an error: fall back to the source. */
      if (e == CL_SUCCESS && status == CL_SUCCESS && clBuildProgram(p, 1, &dev, options, NULL, NULL) == CL_SUCCESS) {
        *out = p;
        *cache_hit = 1;
      } else if (p) {
        clReleaseProgram(p);
      }
    }
    free(bin);
    fclose(f);
    if (*out) return 0;
  }
  size_t len = strlen(src);
  cl_program p = clCreateProgramWithSource(ctx, 1, &src, &len, &e);
  if (e != CL_SUCCESS) {
    snprintf(err, err_size, "clCreateProgramWithSource failed: %s (%d)", mc_cl_error_name(e), (int)e);
    return 1;
  }
  e = clBuildProgram(p, 1, &dev, options, NULL, NULL);
  if (e != CL_SUCCESS) {
    mc_cl_build_log(p, dev, err, err_size, mc_cl_error_name(e));
    clReleaseProgram(p);
    return 1;
  }
  *out = p;
  size_t bin_size = 0;
  if (cache_path && *cache_path &&
      clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, sizeof bin_size, &bin_size, NULL) == CL_SUCCESS && bin_size > 0) {
    unsigned char* bin = (unsigned char*)malloc(bin_size);
    unsigned char* bins[1] = {bin};
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", cache_path, (long)getpid());
    if (bin && clGetProgramInfo(p, CL_PROGRAM_BINARIES, sizeof bins, bins, NULL) == CL_SUCCESS) {
      FILE* w = fopen(tmp, "wb");
      /* Write then rename: concurrent runs never read a half-written binary. */
      if (w) {
        int ok = fwrite(bin, 1, bin_size, w) == bin_size;
        ok = fclose(w) == 0 && ok;
        if (!ok || rename(tmp, cache_path) != 0) remove(tmp);
      }
    }
    free(bin);
  }
  return 0;
}

/* The work-group size for `k`: the largest multiple of the kernel's preferred multiple (the warp /
 * wavefront / SIMD width) that the kernel and device allow, capped at `cap`. */
static inline size_t mc_cl_local_size(cl_kernel k, cl_device_id dev, size_t cap) {
  size_t max_wg = 1, multiple = 1;
  if (clGetKernelWorkGroupInfo(k, dev, CL_KERNEL_WORK_GROUP_SIZE, sizeof max_wg, &max_wg, NULL) != CL_SUCCESS) max_wg = 1;
  if (clGetKernelWorkGroupInfo(k, dev, CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE, sizeof multiple, &multiple,
                               NULL) != CL_SUCCESS || multiple == 0)
    multiple = 1;
  size_t l = max_wg < cap ? max_wg : cap;
  if (l >= multiple) l -= l % multiple;
  return l ? l : 1;
}

static inline size_t mc_cl_round_up(size_t n, size_t multiple) {
  if (n == 0) n = 1;
  return (n + multiple - 1) / multiple * multiple;
}

#endif /* MODELC_OPENCL_HOST_H */
