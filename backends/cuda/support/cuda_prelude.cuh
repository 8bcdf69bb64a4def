/* The prelude of every generated CUDA program (the CUDA twin of
 * backends/opencl/support/opencl_prelude.cl and opencl_atomics.cl). The CUDA backend pastes it in
 * front of abi/philox.h, abi/simt_helpers.h (the helpers every GPU dialect shares) and the kernels,
 * so a program is one self-contained source string for NVRTC. It provides
 *   - mc_f64: double (every CUDA device has fp64); float when the module builds with
 *     -DMC_FORCE_NO_FP64 (MODELC_CUDA_FORCE_NO_FP64, the tests of the float path);
 *   - the OpenCL C type names simt_helpers.h spells (uint, ulong: long is 64-bit under NVRTC's LP64);
 *   - atomics other than add (the dialect prints atomicAdd itself): compare-and-swap loops.
 * It is compiled with -default-device (its `static inline` functions are device functions) and
 * --fmad=false, matching the CPU backend's -ffp-contract=off: no a*b+c fusion. */
#if defined(MC_FORCE_NO_FP64)
typedef float mc_f64;
#else
#define MC_HAVE_FP64 1
typedef double mc_f64;
#endif
#define MC_HAVE_INT64_ATOMICS 1
typedef unsigned int uint;
typedef unsigned long ulong;
typedef unsigned char uchar;
#define MC_INF ((mc_f64)__longlong_as_double(0x7ff0000000000000LL))
#define MC_NAN ((mc_f64)__longlong_as_double(0x7ff8000000000000LL))
#define MC_INFF __int_as_float(0x7f800000)
#define MC_NANF __int_as_float(0x7fc00000)

/* Read-modify-write atomics other than add: compare-and-swap on the bit pattern. Exact per update;
 * the order of the updates follows the scheduling, as for every atomic accumulation. */
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
MC_CUDA_CAS(mc_atomic_mul_float, float, unsigned int, __float_as_uint, __uint_as_float, old * v)
MC_CUDA_CAS(mc_atomic_div_float, float, unsigned int, __float_as_uint, __uint_as_float, old / v)
MC_CUDA_CAS(mc_atomic_mul_int, int, unsigned int, (unsigned int), (int), old * v)
MC_CUDA_CAS(mc_atomic_div_int, int, unsigned int, (unsigned int), (int), v == 0 ? 0 : old / v)
MC_CUDA_CAS(mc_atomic_mul_long, long long, unsigned long long, (unsigned long long), (long long), old * v)
MC_CUDA_CAS(mc_atomic_div_long, long long, unsigned long long, (unsigned long long), (long long), v == 0 ? 0 : old / v)
#if defined(MC_HAVE_FP64)
MC_CUDA_CAS(mc_atomic_mul_double, double, unsigned long long, (unsigned long long)__double_as_longlong, __longlong_as_double, old * v)
MC_CUDA_CAS(mc_atomic_div_double, double, unsigned long long, (unsigned long long)__double_as_longlong, __longlong_as_double, old / v)
#else
/* mc_f64 is float here: the double family is the float one (atomicAdd is overloaded). */
#define mc_atomic_mul_double mc_atomic_mul_float
#define mc_atomic_div_double mc_atomic_div_float
#endif
