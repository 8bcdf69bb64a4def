/* OpenCL C 1.2 atomics for conflicting Accumulate statements. Follows abi/simt_helpers.h in the
 * generated program (the dialect-neutral helpers; the CUDA twin of this file is the atomics part of
 * backends/cuda/support/cuda_prelude.cuh). */

/* --- atomics for conflicting Accumulate statements ------------------------------------------
 * Compare-and-swap on the bit pattern: read, compute, publish if nobody changed the value in the
 * meantime, otherwise retry with the value seen. Sums are exact per update but their order follows
 * the hardware's scheduling, so floating-point results may differ in the last bits between runs. */
#define MC_CAS32(NAME, T, EXPR)                                                          \
  static inline void NAME(volatile __global T* p, T v) {                                 \
    uint expected = as_uint(*p);                                                         \
    for (;;) {                                                                           \
      const T old = as_##T(expected);                                                    \
      const uint desired = as_uint((T)(EXPR));                                           \
      const uint seen = atomic_cmpxchg((volatile __global uint*)p, expected, desired);   \
      if (seen == expected) break;                                                       \
      expected = seen;                                                                   \
    }                                                                                    \
  }
MC_CAS32(mc_atomic_add_float, float, old + v)
MC_CAS32(mc_atomic_mul_float, float, old * v)
MC_CAS32(mc_atomic_div_float, float, old / v)
MC_CAS32(mc_atomic_mul_int, int, old * v)
MC_CAS32(mc_atomic_div_int, int, v == 0 ? 0 : old / v)
static inline void mc_atomic_add_int(volatile __global int* p, int v) { atomic_add(p, v); }

#if defined(MC_HAVE_INT64_ATOMICS)
#define MC_CAS64(NAME, T, EXPR)                                                          \
  static inline void NAME(volatile __global T* p, T v) {                                 \
    ulong expected = as_ulong(*p);                                                       \
    for (;;) {                                                                           \
      const T old = as_##T(expected);                                                    \
      const ulong desired = as_ulong((T)(EXPR));                                         \
      const ulong seen = atom_cmpxchg((volatile __global ulong*)p, expected, desired);   \
      if (seen == expected) break;                                                       \
      expected = seen;                                                                   \
    }                                                                                    \
  }
MC_CAS64(mc_atomic_mul_long, long, old * v)
MC_CAS64(mc_atomic_div_long, long, v == 0 ? 0 : old / v)
static inline void mc_atomic_add_long(volatile __global long* p, long v) { atom_add(p, v); }
#endif

#if defined(MC_HAVE_FP64)
#if defined(MC_HAVE_INT64_ATOMICS)
MC_CAS64(mc_atomic_add_double, double, old + v)
MC_CAS64(mc_atomic_mul_double, double, old * v)
MC_CAS64(mc_atomic_div_double, double, old / v)
#endif /* without 64-bit atomics the module refuses models that need them before building */
#else
/* mc_f64 is float here: the double family is the float one. */
#define mc_atomic_add_double mc_atomic_add_float
#define mc_atomic_mul_double mc_atomic_mul_float
#define mc_atomic_div_double mc_atomic_div_float
#endif

