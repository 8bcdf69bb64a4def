// The OpenCL implementation of abi/device_runtime.h (libmodelc_opencl_runtime.so), called directly
// as a generated host module calls it.
#ifdef MODELC_HAVE_OPENCL
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "abi/device_runtime.h"

namespace modelc::testing {
namespace {

namespace fs = std::filesystem;

#define REQUIRE_DEVICE() \
  if (mc_device_count() == 0) GTEST_SKIP() << "no OpenCL device (install pocl-opencl-icd)"

struct Device {
  mc_device* d = nullptr;
  std::string error;
  Device() {
    char err[1024] = "";
    d = mc_device_open(0, err, sizeof err);
    error = err;
  }
  ~Device() { mc_device_close(d); }
};

TEST(OpenCLDeviceRuntime, MissingDeviceIsAClearError) {
  char err[1024] = "";
  EXPECT_EQ(mc_device_open(4096, err, sizeof err), nullptr);
  const std::string e = err;
  EXPECT_TRUE(e.find("OpenCL device 4096 does not exist") != std::string::npos ||
              e.find("no OpenCL device found") != std::string::npos) << e;
  EXPECT_NE(e.find("modelc devices"), std::string::npos) << e;
  EXPECT_EQ(mc_device_open(-1, err, sizeof err), nullptr);
}

TEST(OpenCLDeviceRuntime, BuffersZeroedUploadedFilledAndReadInRanges) {
  REQUIRE_DEVICE();
  Device dev;
  ASSERT_TRUE(dev.d) << dev.error;
  mc_device_info info;
  mc_device_get_info(dev.d, &info);
  EXPECT_STRNE(info.name, "");
  EXPECT_STREQ(info.api, "OpenCL");
  EXPECT_GE(info.compute_units, 1);
  mc_buffer* b = mc_buffer_alloc(dev.d, 10 * sizeof(int32_t));
  ASSERT_TRUE(b) << mc_device_error(dev.d);
  std::vector<int32_t> v(10, 7);
  ASSERT_EQ(mc_buffer_download(dev.d, b, 0, 40, v.data()), 0) << mc_device_error(dev.d);
  EXPECT_EQ(v, std::vector<int32_t>(10, 0));
  for (int k = 0; k < 10; ++k) v[k] = k;
  ASSERT_EQ(mc_buffer_upload(dev.d, b, 0, 40, v.data()), 0) << mc_device_error(dev.d);
  ASSERT_EQ(mc_buffer_fill(dev.d, b, 0xff, 8, 8), 0) << mc_device_error(dev.d);
  std::vector<int32_t> part(4, 0);
  ASSERT_EQ(mc_buffer_download(dev.d, b, 4, 16, part.data()), 0) << mc_device_error(dev.d);
  EXPECT_EQ(part, (std::vector<int32_t>{1, -1, -1, 4}));
  mc_buffer_free(b);
  EXPECT_EQ(mc_buffer_upload(dev.d, nullptr, 0, 0, v.data()), 0);  // an empty transfer is a no-op
}

TEST(OpenCLDeviceRuntime, ProgramsAreCachedAndKernelsLaunch) {
  REQUIRE_DEVICE();
  Device dev;
  ASSERT_TRUE(dev.d) << dev.error;
  const char* src =
      "__kernel void add(__global int* a, const long n, const int v, __local int* s) {\n"
      "  const long i = get_global_id(0);\n  s[get_local_id(0)] = v;\n  barrier(CLK_LOCAL_MEM_FENCE);\n"
      "  if (i < n) a[i] += s[get_local_id(0)];\n}\n";
  fs::path cache = fs::temp_directory_path() / ("modelc-devrt-" + std::to_string(getpid()));
  fs::create_directories(cache);
  int32_t hit = -1;
  mc_program* p = mc_program_build(dev.d, src, "-cl-std=CL1.2", cache.c_str(), &hit);
  ASSERT_TRUE(p) << mc_device_error(dev.d);
  EXPECT_EQ(hit, 0);
  bool saved = false;
  for (const auto& e : fs::directory_iterator(cache))
    saved |= e.path().filename().string().rfind("opencl-", 0) == 0 && e.path().extension() == ".bin";
  EXPECT_TRUE(saved) << "no binary in " << cache;
  mc_program* again = mc_program_build(dev.d, src, "-cl-std=CL1.2", cache.c_str(), &hit);
  ASSERT_TRUE(again) << mc_device_error(dev.d);
  EXPECT_EQ(hit, 1);
  mc_program_free(again);

  mc_kernel* k = mc_kernel_get(p, "add");
  ASSERT_TRUE(k) << mc_device_error(dev.d);
  const int64_t n = 37;
  const int32_t v = 5;
  const size_t local = mc_kernel_local_size(k, 16);
  ASSERT_GE(local, 1u);
  ASSERT_LE(local, 16u);
  mc_buffer* a = mc_buffer_alloc(dev.d, n * sizeof(int32_t));
  ASSERT_TRUE(a);
  int ok = mc_kernel_set_buffer(k, 0, a);
  ok |= mc_kernel_set_value(k, 1, sizeof n, &n);
  ok |= mc_kernel_set_value(k, 2, sizeof v, &v);
  ok |= mc_kernel_set_local(k, 3, local * sizeof(int32_t));
  ASSERT_EQ(ok, 0) << mc_device_error(dev.d);
  const size_t global = (n + local - 1) / local * local;
  ASSERT_EQ(mc_kernel_launch(k, global, local), 0) << mc_device_error(dev.d);
  ASSERT_EQ(mc_kernel_launch(k, global, local), 0) << mc_device_error(dev.d);
  ASSERT_EQ(mc_device_synchronize(dev.d), 0);
  std::vector<int32_t> out(n);
  ASSERT_EQ(mc_buffer_download(dev.d, a, 0, n * sizeof(int32_t), out.data()), 0);
  EXPECT_EQ(out, std::vector<int32_t>(n, 2 * v));

  EXPECT_EQ(mc_kernel_get(p, "no_such_kernel"), nullptr);
  EXPECT_NE(std::string(mc_device_error(dev.d)).find("OpenCL error CL_INVALID_KERNEL_NAME"), std::string::npos)
      << mc_device_error(dev.d);
  mc_buffer_free(a);
  mc_kernel_free(k);
  mc_program_free(p);
  fs::remove_all(cache);
}

// The prelude's inlined exp / expm1 for CPU devices (MC_VECTOR_MATH, defined by the runtime for
// CPU devices or by MODELC_OPENCL_VECTOR_MATH=1) against the host's libm: exp within 1 ulp, expm1
// within 2 ulp, and the edge cases (overflow, underflow, -0, NaN) as libm has them.
TEST(OpenCLDeviceRuntime, VectorMathMatchesLibm) {
  REQUIRE_DEVICE();
  Device dev;
  ASSERT_TRUE(dev.d) << dev.error;
  std::ifstream in(MODELC_SOURCE_ROOT "/backends/opencl/support/opencl_prelude.cl");
  ASSERT_TRUE(in);
  std::stringstream prelude;
  prelude << in.rdbuf();
  const std::string src = prelude.str() +
                          "__kernel void f(__global const double* x, __global double* e, __global double* m,\n"
                          "                __global int* on) {\n"
                          "  const long i = get_global_id(0);\n  e[i] = exp(x[i]);\n  m[i] = expm1(x[i]);\n"
                          "#if defined(MC_VECTOR_MATH)\n  if (i == 0) on[0] = 1;\n#endif\n}\n";
  std::vector<double> x = {0.0, -0.0, 1e-300, -1e-300, 1e-17, -1e-10, 0.3465, 0.3467, -0.3466, 1.0, -1.0, 36.0,
                           -37.5, 709.78, 709.8, 710.0, -700.5, -745.0, -746.0, 1e4, -1e4,
                           std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
  for (int k = 0; k < 4000; ++k) x.push_back((k - 2000) * 0.37 + 1e-3 * k);  // [-740, 740]
  for (int k = 0; k < 4000; ++k) x.push_back((k - 2000) * 1e-3);           // [-2, 2]
  for (int k = 0; k < 2000; ++k) x.push_back((k - 1000) * 1.3e-7);         // around 0
  const size_t n = x.size();
  setenv("MODELC_OPENCL_VECTOR_MATH", "1", 1);
  mc_program* p = mc_program_build(dev.d, src.c_str(), "-cl-std=CL1.2", "", nullptr);
  unsetenv("MODELC_OPENCL_VECTOR_MATH");
  ASSERT_TRUE(p) << mc_device_error(dev.d);
  mc_kernel* k = mc_kernel_get(p, "f");
  ASSERT_TRUE(k) << mc_device_error(dev.d);
  mc_buffer* bx = mc_buffer_alloc(dev.d, n * 8);
  mc_buffer* be = mc_buffer_alloc(dev.d, n * 8);
  mc_buffer* bm = mc_buffer_alloc(dev.d, n * 8);
  mc_buffer* bon = mc_buffer_alloc(dev.d, 4);
  ASSERT_TRUE(bx && be && bm && bon);
  ASSERT_EQ(mc_buffer_upload(dev.d, bx, 0, n * 8, x.data()), 0);
  int ok = mc_kernel_set_buffer(k, 0, bx) | mc_kernel_set_buffer(k, 1, be) | mc_kernel_set_buffer(k, 2, bm) |
           mc_kernel_set_buffer(k, 3, bon);
  ASSERT_EQ(ok, 0) << mc_device_error(dev.d);
  ASSERT_EQ(mc_kernel_launch(k, n, 1), 0) << mc_device_error(dev.d);
  std::vector<double> e(n), m(n);
  int32_t on = 0;
  ASSERT_EQ(mc_buffer_download(dev.d, be, 0, n * 8, e.data()), 0);
  ASSERT_EQ(mc_buffer_download(dev.d, bm, 0, n * 8, m.data()), 0);
  ASSERT_EQ(mc_buffer_download(dev.d, bon, 0, 4, &on), 0);
  EXPECT_EQ(on, 1) << "MODELC_OPENCL_VECTOR_MATH=1 did not define MC_VECTOR_MATH";
  // Distance in units in the last place of the reference; equal values (infinities, zeros) are 0.
  auto ulps = [](double got, double want) {
    if (got == want && std::signbit(got) == std::signbit(want)) return 0.0;
    if (std::isinf(got) || std::isinf(want) || std::isnan(got) != std::isnan(want)) return 1e9;
    return std::fabs(got - want) / (std::nextafter(std::fabs(want), INFINITY) - std::fabs(want));
  };
  for (size_t i = 0; i < n; ++i) {
    EXPECT_LE(ulps(e[i], std::exp(x[i])), 1.0) << "exp(" << x[i] << ") = " << e[i] << ", libm " << std::exp(x[i]);
    EXPECT_LE(ulps(m[i], std::expm1(x[i])), 2.0) << "expm1(" << x[i] << ") = " << m[i] << ", libm " << std::expm1(x[i]);
  }
  mc_buffer_free(bx);
  mc_buffer_free(be);
  mc_buffer_free(bm);
  mc_buffer_free(bon);
  mc_kernel_free(k);
  mc_program_free(p);
}

TEST(OpenCLDeviceRuntime, RejectedProgramCarriesTheBuildLog) {
  REQUIRE_DEVICE();
  Device dev;
  ASSERT_TRUE(dev.d) << dev.error;
  EXPECT_EQ(mc_program_build(dev.d, "__kernel void f( {", "", "", nullptr), nullptr);
  EXPECT_NE(std::string(mc_device_error(dev.d)).find("rejected the generated program"), std::string::npos)
      << mc_device_error(dev.d);
}

}  // namespace
}  // namespace modelc::testing
#endif  // MODELC_HAVE_OPENCL
