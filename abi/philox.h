/* Philox4x32-10 counter-based random numbers (Salmon et al., "Parallel random numbers: as easy as
 * 1, 2, 3", SC'11; bit-compatible with Random123's philox4x32_10).
 *
 * Every backend draws from the same pure function of (seed, stream, element, step), so a model
 * gives the same random numbers on the CPU, OpenCL and CUDA backends whatever the iteration order
 * or the number of threads. That is why this one header compiles unchanged as C99, C++, OpenCL C
 * 1.2 and CUDA: the generated code of every backend includes it.
 *
 * Counter and key layout:
 *   counter = {element lo32, element hi32, step lo32, stream}
 *   key     = {seed lo32, seed hi32}
 * Only the low 32 bits of the step take part: a run would need 2^32 steps to repeat a draw.
 *
 * Conversions to real numbers, with out[] the four output words of one Philox call:
 *   mc_uniform_double: ((uint64)out[0] << 21 | out[1] >> 11) * 2^-53            in [0, 1)
 *   mc_uniform_float:  (out[0] >> 8) * 2^-24                                     in [0, 1)
 *   mc_normal_double:  Box-Muller, cos branch: sqrt(-2 ln u1) * cos(2 pi u2) with
 *                      u1 = (((uint64)out[0] << 21 | out[1] >> 11) + 1) * 2^-53   in (0, 1]
 *                      u2 = ((uint64)out[2] << 21 | out[3] >> 11) * 2^-53         in [0, 1)
 *   mc_normal_float:   the same in float arithmetic with
 *                      u1 = ((out[0] >> 8) + 1) * 2^-24,  u2 = (out[2] >> 8) * 2^-24
 * All the integer-to-real products are exact, so the uniforms are bit-identical across backends;
 * the normals depend on each platform's log/sqrt/cos and may differ in the last bits. */
#ifndef MODELC_PHILOX_H
#define MODELC_PHILOX_H

/* Runtimes define __OPENCL_VERSION__; offline compilers (clang -x cl) only __OPENCL_C_VERSION__. */
#if defined(__OPENCL_VERSION__) || defined(__OPENCL_C_VERSION__)
#define MC_OPENCL_C 1
#endif

#if defined(MC_OPENCL_C)
/* OpenCL C has its own fixed-width types and overloaded math built-ins. */
typedef uint uint32_t;
typedef ulong uint64_t;
#if defined(cl_khr_fp64)
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif
#define MC_INLINE static inline
#define MC_LOGF log
#define MC_SQRTF sqrt
#define MC_COSF cos
#else
#include <math.h>
#include <stdint.h>
#if defined(__CUDACC__)
#define MC_INLINE static inline __host__ __device__
#else
#define MC_INLINE static inline
#endif
#define MC_LOGF logf
#define MC_SQRTF sqrtf
#define MC_COSF cosf
#endif

#define MC_PHILOX_M0 0xD2511F53u
#define MC_PHILOX_M1 0xCD9E8D57u
#define MC_PHILOX_W0 0x9E3779B9u /* golden ratio */
#define MC_PHILOX_W1 0xBB67AE85u /* sqrt(3) - 1 */

/* A value type for callers that prefer returning the block (arrays cannot be returned in C). */
typedef struct mc_u32x4 {
  uint32_t v[4];
} mc_u32x4;

/* One round; ctr is updated in place. The 32x32->64 multiply is portable to every dialect here. */
MC_INLINE void mc_philox_round_(uint32_t ctr[4], const uint32_t key[2]) {
  uint64_t p0 = (uint64_t)MC_PHILOX_M0 * (uint64_t)ctr[0];
  uint64_t p1 = (uint64_t)MC_PHILOX_M1 * (uint64_t)ctr[2];
  uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
  uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
  uint32_t c1 = ctr[1], c3 = ctr[3];
  ctr[0] = hi1 ^ c1 ^ key[0];
  ctr[1] = lo1;
  ctr[2] = hi0 ^ c3 ^ key[1];
  ctr[3] = lo0;
}

/* Array parameters are pointers to the private address space in OpenCL C 1.2, so callers there pass
 * private arrays (locals), which is what the helpers below do. */
MC_INLINE void mc_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]) {
  uint32_t x[4];
  uint32_t k[2];
  int round;
  x[0] = ctr[0];
  x[1] = ctr[1];
  x[2] = ctr[2];
  x[3] = ctr[3];
  k[0] = key[0];
  k[1] = key[1];
  mc_philox_round_(x, k);
  for (round = 1; round < 10; ++round) {
    k[0] += MC_PHILOX_W0;
    k[1] += MC_PHILOX_W1;
    mc_philox_round_(x, k);
  }
  out[0] = x[0];
  out[1] = x[1];
  out[2] = x[2];
  out[3] = x[3];
}

/* The block for a draw, in the layout documented at the top. */
MC_INLINE mc_u32x4 mc_philox_draw(uint64_t seed, uint32_t stream, uint64_t element, uint64_t step) {
  uint32_t ctr[4];
  uint32_t key[2];
  mc_u32x4 r;
  ctr[0] = (uint32_t)element;
  ctr[1] = (uint32_t)(element >> 32);
  ctr[2] = (uint32_t)step;
  ctr[3] = stream;
  key[0] = (uint32_t)seed;
  key[1] = (uint32_t)(seed >> 32);
  mc_philox4x32_10(ctr, key, r.v);
  return r;
}

MC_INLINE float mc_uniform_float(uint64_t seed, uint32_t stream, uint64_t element, uint64_t step) {
  mc_u32x4 r = mc_philox_draw(seed, stream, element, step);
  return (float)(r.v[0] >> 8) * 5.9604644775390625e-8f; /* 2^-24 */
}

MC_INLINE float mc_normal_float(uint64_t seed, uint32_t stream, uint64_t element, uint64_t step) {
  mc_u32x4 r = mc_philox_draw(seed, stream, element, step);
  float u1 = (float)((r.v[0] >> 8) + 1u) * 5.9604644775390625e-8f; /* (0, 1]: log(u1) is finite */
  float u2 = (float)(r.v[2] >> 8) * 5.9604644775390625e-8f;
  return MC_SQRTF(-2.0f * MC_LOGF(u1)) * MC_COSF(6.28318530717958647692f * u2);
}

/* OpenCL devices without fp64 get the float functions only. */
#if !defined(MC_OPENCL_C) || defined(cl_khr_fp64)

MC_INLINE uint64_t mc_philox_bits53_(uint32_t hi, uint32_t lo) {
  return ((uint64_t)hi << 21) | (uint64_t)(lo >> 11);
}

MC_INLINE double mc_uniform_double(uint64_t seed, uint32_t stream, uint64_t element,
                                   uint64_t step) {
  mc_u32x4 r = mc_philox_draw(seed, stream, element, step);
  return (double)mc_philox_bits53_(r.v[0], r.v[1]) * 1.1102230246251565404e-16; /* 2^-53 */
}

MC_INLINE double mc_normal_double(uint64_t seed, uint32_t stream, uint64_t element, uint64_t step) {
  mc_u32x4 r = mc_philox_draw(seed, stream, element, step);
  double u1 = (double)(mc_philox_bits53_(r.v[0], r.v[1]) + 1u) * 1.1102230246251565404e-16;
  double u2 = (double)mc_philox_bits53_(r.v[2], r.v[3]) * 1.1102230246251565404e-16;
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925286766559 * u2);
}

#endif /* fp64 */

#endif /* MODELC_PHILOX_H */
