// abi/device_runtime.h for OpenCL 1.2 through the ICD loader: compiled once into
// libmodelc_opencl_runtime.so, which generated OpenCL host modules link instead of spelling the
// OpenCL API themselves. Device enumeration, the binary cache and work-group sizing are the
// helpers of backends/opencl/support/opencl_host.h, shared with `modelc devices` and the tests.
#include "abi/device_runtime.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "backends/opencl/support/opencl_host.h"

struct mc_device {
  cl_platform_id platform = nullptr;
  cl_device_id dev = nullptr;
  cl_context ctx = nullptr;
  cl_command_queue q = nullptr;
  mc_device_info info{};
  char error[4096] = "";
};

struct mc_buffer {
  mc_device* d;
  cl_mem mem;
};

struct mc_program {
  mc_device* d;
  cl_program prog;
};

struct mc_kernel {
  mc_device* d;
  cl_kernel k;
};

namespace {

// The failure of `e` in the terms the host module's messages continue ("... in <what> on device").
int fail(mc_device* d, cl_int e) {
  std::snprintf(d->error, sizeof d->error, "OpenCL error %s (%d)", mc_cl_error_name(e), static_cast<int>(e));
  return 1;
}

}  // namespace

extern "C" {

int32_t mc_device_count(void) {
  cl_platform_id plats[64];
  cl_device_id devs[64];
  return mc_cl_list_devices(plats, devs, 64);
}

mc_device* mc_device_open(int32_t index, char* error, size_t error_size) {
  cl_platform_id plats[64];
  cl_device_id devs[64];
  const int n = mc_cl_list_devices(plats, devs, 64);
  auto say = [&](const char* text) {
    if (error && error_size) std::snprintf(error, error_size, "%s", text);
    return nullptr;
  };
  if (n == 0)
    return say("no OpenCL device found: install an OpenCL driver (ICD), e.g. pocl-opencl-icd for CPUs; "
               "`modelc devices` lists what is visible");
  if (index < 0 || index >= n || index >= 64) {
    if (error && error_size)
      std::snprintf(error, error_size, "OpenCL device %d does not exist: %d device(s) found (`modelc devices` lists them)",
                    static_cast<int>(index), n);
    return nullptr;
  }
  mc_device* d = new (std::nothrow) mc_device;
  if (!d) return say("out of memory opening the OpenCL device");
  d->platform = plats[index];
  d->dev = devs[index];
  std::snprintf(d->info.api, sizeof d->info.api, "OpenCL");
  mc_cl_device_string(d->dev, CL_DEVICE_NAME, d->info.name, sizeof d->info.name);
  cl_uint units = 0;
  clGetDeviceInfo(d->dev, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof units, &units, nullptr);
  d->info.compute_units = units > 0 ? static_cast<int32_t>(units) : 1;
  d->info.fp64 = mc_cl_has_fp64(d->dev);
  d->info.int64_atomics = mc_cl_has_extension(d->dev, "cl_khr_int64_base_atomics");
  cl_int e = CL_SUCCESS;
  const char* what = "clCreateContext";
  d->ctx = clCreateContext(nullptr, 1, &d->dev, nullptr, nullptr, &e);
  if (e == CL_SUCCESS) {
    what = "clCreateCommandQueue";
    d->q = clCreateCommandQueue(d->ctx, d->dev, 0, &e);
  }
  if (e != CL_SUCCESS) {
    if (error && error_size)
      std::snprintf(error, error_size, "OpenCL error %s (%d) in %s on device '%s'", mc_cl_error_name(e),
                    static_cast<int>(e), what, d->info.name);
    mc_device_close(d);
    return nullptr;
  }
  return d;
}

void mc_device_close(mc_device* d) {
  if (!d) return;
  if (d->q) {
    clFinish(d->q);
    clReleaseCommandQueue(d->q);
  }
  if (d->ctx) clReleaseContext(d->ctx);
  delete d;
}

const char* mc_device_error(const mc_device* d) { return d ? d->error : "no device"; }

void mc_device_get_info(const mc_device* d, mc_device_info* out) {
  if (d && out) *out = d->info;
}

int mc_device_synchronize(mc_device* d) {
  cl_int e = clFinish(d->q);
  return e == CL_SUCCESS ? 0 : fail(d, e);
}

mc_buffer* mc_buffer_alloc(mc_device* d, size_t bytes) {
  // Whole 8-byte words, never empty: every buffer is a valid kernel argument.
  const size_t n = bytes ? (bytes + 7) / 8 * 8 : 8;
  cl_int e = CL_SUCCESS;
  cl_mem mem = clCreateBuffer(d->ctx, CL_MEM_READ_WRITE, n, nullptr, &e);
  if (e == CL_SUCCESS) {
    const cl_uchar zero = 0;
    e = clEnqueueFillBuffer(d->q, mem, &zero, 1, 0, n, 0, nullptr, nullptr);
  }
  mc_buffer* b = e == CL_SUCCESS ? new (std::nothrow) mc_buffer{d, mem} : nullptr;
  if (!b) {
    if (mem) clReleaseMemObject(mem);
    fail(d, e == CL_SUCCESS ? CL_OUT_OF_HOST_MEMORY : e);
  }
  return b;
}

void mc_buffer_free(mc_buffer* b) {
  if (!b) return;
  clReleaseMemObject(b->mem);
  delete b;
}

int mc_buffer_upload(mc_device* d, mc_buffer* b, size_t offset, size_t bytes, const void* src) {
  if (bytes == 0) return 0;
  cl_int e = clEnqueueWriteBuffer(d->q, b->mem, CL_TRUE, offset, bytes, src, 0, nullptr, nullptr);
  return e == CL_SUCCESS ? 0 : fail(d, e);
}

int mc_buffer_download(mc_device* d, mc_buffer* b, size_t offset, size_t bytes, void* dst) {
  if (bytes == 0) return 0;
  cl_int e = clEnqueueReadBuffer(d->q, b->mem, CL_TRUE, offset, bytes, dst, 0, nullptr, nullptr);
  return e == CL_SUCCESS ? 0 : fail(d, e);
}

int mc_buffer_fill(mc_device* d, mc_buffer* b, uint8_t value, size_t offset, size_t bytes) {
  if (bytes == 0) return 0;
  const cl_uchar v = value;
  cl_int e = clEnqueueFillBuffer(d->q, b->mem, &v, 1, offset, bytes, 0, nullptr, nullptr);
  return e == CL_SUCCESS ? 0 : fail(d, e);
}

mc_program* mc_program_build(mc_device* d, const char* source, const char* options, const char* cache_dir,
                             int32_t* cache_hit) {
  if (cache_hit) *cache_hit = 0;
  // CPU devices (PoCL) get the prelude's inlined exp / expm1 (MC_VECTOR_MATH), which keep update
  // kernels vectorisable; MODELC_OPENCL_VECTOR_MATH=0 / =1 turns it off / on for any device.
  char opts[4096];
  {
    const char* vm = std::getenv("MODELC_OPENCL_VECTOR_MATH");
    cl_device_type type = 0;
    clGetDeviceInfo(d->dev, CL_DEVICE_TYPE, sizeof type, &type, nullptr);
    const bool on = vm && *vm ? std::strcmp(vm, "0") != 0 : (type & CL_DEVICE_TYPE_CPU) != 0;
    std::snprintf(opts, sizeof opts, "%s%s", options ? options : "", on ? " -DMC_VECTOR_MATH" : "");
    options = opts;
  }
  // The binary is keyed by source + options + the device's identity (opencl_host.h), next to the
  // module that asks (itself keyed by the hash of its source, which embeds the OpenCL source).
  char cache[4200] = "";
  const char* no_cache = std::getenv("MODELC_OPENCL_NO_CACHE");
  if (cache_dir && *cache_dir && !(no_cache && *no_cache && std::strcmp(no_cache, "0") != 0))
    std::snprintf(cache, sizeof cache, "%s/opencl-%016llx.bin", cache_dir,
                  static_cast<unsigned long long>(mc_cl_program_key(d->platform, d->dev, source, options)));
  cl_program prog = nullptr;
  int hit = 0;
  if (mc_cl_build_program(d->ctx, d->dev, source, options, cache, &prog, &hit, d->error, sizeof d->error)) return nullptr;
  mc_program* p = new (std::nothrow) mc_program{d, prog};
  if (!p) {
    clReleaseProgram(prog);
    fail(d, CL_OUT_OF_HOST_MEMORY);
    return nullptr;
  }
  if (cache_hit) *cache_hit = hit;
  return p;
}

void mc_program_free(mc_program* p) {
  if (!p) return;
  clReleaseProgram(p->prog);
  delete p;
}

mc_kernel* mc_kernel_get(mc_program* p, const char* name) {
  cl_int e = CL_SUCCESS;
  cl_kernel k = clCreateKernel(p->prog, name, &e);
  mc_kernel* out = e == CL_SUCCESS ? new (std::nothrow) mc_kernel{p->d, k} : nullptr;
  if (!out) {
    if (k) clReleaseKernel(k);
    fail(p->d, e == CL_SUCCESS ? CL_OUT_OF_HOST_MEMORY : e);
  }
  return out;
}

void mc_kernel_free(mc_kernel* k) {
  if (!k) return;
  clReleaseKernel(k->k);
  delete k;
}

size_t mc_kernel_local_size(mc_kernel* k, size_t cap) { return mc_cl_local_size(k->k, k->d->dev, cap); }

int mc_kernel_set_buffer(mc_kernel* k, uint32_t index, mc_buffer* b) {
  cl_mem mem = b ? b->mem : nullptr;
  cl_int e = clSetKernelArg(k->k, index, sizeof(cl_mem), &mem);
  return e == CL_SUCCESS ? 0 : fail(k->d, e);
}

int mc_kernel_set_value(mc_kernel* k, uint32_t index, size_t bytes, const void* value) {
  cl_int e = clSetKernelArg(k->k, index, bytes, value);
  return e == CL_SUCCESS ? 0 : fail(k->d, e);
}

int mc_kernel_set_local(mc_kernel* k, uint32_t index, size_t bytes) {
  cl_int e = clSetKernelArg(k->k, index, bytes, nullptr);
  return e == CL_SUCCESS ? 0 : fail(k->d, e);
}

int mc_kernel_launch(mc_kernel* k, size_t global, size_t local) {
  cl_int e = clEnqueueNDRangeKernel(k->d->q, k->k, 1, nullptr, &global, &local, 0, nullptr, nullptr);
  return e == CL_SUCCESS ? 0 : fail(k->d, e);
}

}  // extern "C"
