#include "backends/opencl/opencl_devices.h"

#include <cstdio>

#include "backends/opencl/support/opencl_host.h"

namespace modelc::backends::opencl {

namespace {

std::string info_string(cl_device_id d, cl_device_info what) {
  char buf[512];
  mc_cl_device_string(d, what, buf, sizeof buf);
  return buf;
}

}  // namespace

std::string describe_compute_devices() {
  std::string out;
  cl_platform_id plats[64];
  cl_device_id devs[64];
  const int n = mc_cl_list_devices(plats, devs, 64);
  if (n == 0) {
    out += "OpenCL: no platform or device found (install an ICD, e.g. pocl-opencl-icd)\n";
  } else {
    out += "OpenCL: " + std::to_string(n) + " device(s) (--backend opencl --device N)\n";
    cl_platform_id last = nullptr;
    for (int k = 0; k < n && k < 64; ++k) {
      if (plats[k] != last) {
        char name[256] = "", version[256] = "";
        clGetPlatformInfo(plats[k], CL_PLATFORM_NAME, sizeof name, name, nullptr);
        clGetPlatformInfo(plats[k], CL_PLATFORM_VERSION, sizeof version, version, nullptr);
        name[sizeof name - 1] = version[sizeof version - 1] = 0;
        out += "  platform: " + std::string(name) + " (" + version + ")\n";
        last = plats[k];
      }
      cl_device_id d = devs[k];
      cl_ulong mem = 0;
      cl_uint units = 0;
      size_t wg = 0;
      cl_device_type type = 0;
      clGetDeviceInfo(d, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof mem, &mem, nullptr);
      clGetDeviceInfo(d, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof units, &units, nullptr);
      clGetDeviceInfo(d, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof wg, &wg, nullptr);
      clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof type, &type, nullptr);
      const char* kind = type & CL_DEVICE_TYPE_GPU ? "GPU" : type & CL_DEVICE_TYPE_CPU ? "CPU"
                       : type & CL_DEVICE_TYPE_ACCELERATOR ? "accelerator" : "other";
      char line[1024];
      std::snprintf(line, sizeof line,
                    "  [%d] %s (%s, %s)\n      global memory %.1f GiB, %u compute units, max work-group %zu, "
                    "fp64 %s, 64-bit atomics %s\n",
                    k, info_string(d, CL_DEVICE_NAME).c_str(), kind, info_string(d, CL_DEVICE_VERSION).c_str(),
                    static_cast<double>(mem) / (1024.0 * 1024.0 * 1024.0), units, wg,
                    mc_cl_has_fp64(d) ? "yes" : "no",
                    mc_cl_has_extension(d, "cl_khr_int64_base_atomics") ? "yes" : "no");
      out += line;
    }
  }
  return out;
}

}  // namespace modelc::backends::opencl
