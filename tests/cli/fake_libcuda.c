/* A stand-in for the NVIDIA driver library (libcuda.so.1), for tests/cli/test_cuda.py: the CUDA
 * runtime loads it through MODELC_CUDA_DRIVER and must answer each failure with one clear line.
 * FAKE_CUDA_MODE selects what it reports:
 *   old       a CUDA 12.4 driver (older than the toolkit modelc was built with)
 *   nodevice  a CUDA 13.0 driver whose cuInit finds no device
 *   oldarch   one device of compute capability 5.2, which NVRTC 13 does not compile for
 * Only the entry points those paths reach are implemented; cuGetProcAddress hands out a stub that
 * fails with CUDA_ERROR_NOT_SUPPORTED for the others (never called on these paths). */
#include <stdlib.h>
#include <string.h>

typedef int CUresult;

static const char* mode(void) {
  const char* m = getenv("FAKE_CUDA_MODE");
  return m ? m : "";
}

CUresult cuDriverGetVersion(int* v) {
  *v = strcmp(mode(), "old") == 0 ? 12040 : 13000;
  return 0;
}

CUresult cuInit(unsigned int flags) {
  (void)flags;
  return strcmp(mode(), "nodevice") == 0 ? 100 /* CUDA_ERROR_NO_DEVICE */ : 0;
}

static CUresult fake_device_get_count(int* n) {
  *n = 1;
  return 0;
}
static CUresult fake_device_get(int* dev, int ordinal) {
  *dev = ordinal;
  return ordinal == 0 ? 0 : 101 /* CUDA_ERROR_INVALID_DEVICE */;
}
static CUresult fake_device_get_name(char* name, int len, int dev) {
  (void)dev;
  strncpy(name, "Fake Maxwell", (size_t)len);
  return 0;
}
static CUresult fake_device_get_attribute(int* v, int attribute, int dev) {
  (void)dev;
  switch (attribute) {
    case 16: *v = 8; return 0;  /* CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT */
    case 75: *v = 5; return 0;  /* COMPUTE_CAPABILITY_MAJOR */
    case 76: *v = 2; return 0;  /* COMPUTE_CAPABILITY_MINOR */
    default: *v = 0; return 0;
  }
}
static CUresult fake_device_total_mem(size_t* bytes, int dev) {
  (void)dev;
  *bytes = (size_t)4 << 30;
  return 0;
}
static CUresult fake_get_error_name(CUresult e, const char** s) {
  (void)e;
  *s = "CUDA_ERROR_FAKE";
  return 0;
}
static CUresult fake_unsupported(void) { return 801; /* CUDA_ERROR_NOT_SUPPORTED */ }

CUresult cuGetProcAddress_v2(const char* symbol, void** fn, int version, unsigned long long flags, int* status) {
  (void)version;
  (void)flags;
  static const struct {
    const char* name;
    void* fn;
  } table[] = {{"cuDeviceGetCount", (void*)fake_device_get_count},
               {"cuDeviceGet", (void*)fake_device_get},
               {"cuDeviceGetName", (void*)fake_device_get_name},
               {"cuDeviceGetAttribute", (void*)fake_device_get_attribute},
               {"cuDeviceTotalMem", (void*)fake_device_total_mem},
               {"cuGetErrorName", (void*)fake_get_error_name},
               {"cuGetErrorString", (void*)fake_get_error_name}};
  *fn = (void*)fake_unsupported;
  for (size_t k = 0; k < sizeof table / sizeof table[0]; ++k)
    if (strcmp(symbol, table[k].name) == 0) *fn = table[k].fn;
  if (status) *status = 0;
  return 0;
}
