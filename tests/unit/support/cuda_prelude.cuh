/* The CUDA prelude of test_simt_cuda.cpp, as far as that test needs one: CUDA's spellings of what
 * backends/opencl/support/opencl_prelude.cl provides. The test pastes abi/philox.h after it and
 * then the dialect-neutral helpers of opencl_helpers.cl (compiled with NVRTC's -default-device, so
 * their `static inline` functions are device functions; long is 64-bit on the LP64 targets NVRTC
 * compiles for). FP contraction is off through --fmad=false. */
typedef double mc_f64;
typedef unsigned int uint;
typedef unsigned long ulong;
typedef unsigned char uchar;
#define MC_HAVE_FP64 1
#define MC_HAVE_INT64_ATOMICS 1
#define MC_INF __longlong_as_double(0x7ff0000000000000LL)
#define MC_NAN __longlong_as_double(0x7ff8000000000000LL)
#define MC_INFF __int_as_float(0x7f800000)
#define MC_NANF __int_as_float(0x7fc00000)

/* Read-modify-write atomics other than add: compare-and-swap on the bit pattern. */
#define MC_CUDA_CAS(NAME, T, U, TO, FROM, EXPR)                 \
  static inline void NAME(T* p, T v) {                          \
    U* a = (U*)p;                                               \
    U expected = *a;                                            \
    for (;;) {                                                  \
      const T old = FROM(expected);                             \
      const U seen = atomicCAS(a, expected, TO((T)(EXPR)));     \
      if (seen == expected) break;                              \
      expected = seen;                                          \
    }                                                           \
  }
#define MC_SAME(x) (x)
MC_CUDA_CAS(mc_atomic_mul_float, float, unsigned int, __float_as_uint, __uint_as_float, old * v)
MC_CUDA_CAS(mc_atomic_div_float, float, unsigned int, __float_as_uint, __uint_as_float, old / v)
MC_CUDA_CAS(mc_atomic_mul_double, double, unsigned long long, (unsigned long long)__double_as_longlong, __longlong_as_double, old * v)
MC_CUDA_CAS(mc_atomic_div_double, double, unsigned long long, (unsigned long long)__double_as_longlong, __longlong_as_double, old / v)
MC_CUDA_CAS(mc_atomic_mul_int, int, unsigned int, (unsigned int), (int), old * v)
MC_CUDA_CAS(mc_atomic_div_int, int, unsigned int, (unsigned int), (int), v == 0 ? 0 : old / v)
MC_CUDA_CAS(mc_atomic_mul_long, long long, unsigned long long, (unsigned long long), (long long), old * v)
MC_CUDA_CAS(mc_atomic_div_long, long long, unsigned long long, (unsigned long long), (long long), v == 0 ? 0 : old / v)
