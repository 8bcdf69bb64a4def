/* Brian2's functions and operators with Python semantics, in C: what generated CPU code calls and
 * what the compiler's constant folding (passes/kernel/kir_fold_constants_pass.cpp) evaluates, so a
 * folded literal is bit-identical to the value the module would compute. The OpenCL prelude has
 * the same definitions in OpenCL C. Plain C for generated code. */
#ifndef MODELC_BUILTIN_FUNCTIONS_H
#define MODELC_BUILTIN_FUNCTIONS_H

#include <math.h>
#include <stdint.h>

#ifndef MC_INLINE
#define MC_INLINE static inline
#endif

#define MC_INF (__builtin_inf())
#define MC_NAN (__builtin_nan(""))
#define MC_INFF (__builtin_inff())
#define MC_NANF (__builtin_nanf(""))

/* --- Python semantics for // and % ------------------------------------------------------------
 * Result of % has the sign of the divisor; // floors. Integer division by zero yields 0 instead of
 * trapping: a model error must not kill the host process. */
MC_INLINE int64_t mc_floordiv_i64(int64_t a, int64_t b) {
  if (b == 0) return 0;
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
MC_INLINE int64_t mc_mod_i64(int64_t a, int64_t b) {
  if (b == 0) return 0;
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}
MC_INLINE int32_t mc_floordiv_i32(int32_t a, int32_t b) { return (int32_t)mc_floordiv_i64(a, b); }
MC_INLINE int32_t mc_mod_i32(int32_t a, int32_t b) { return (int32_t)mc_mod_i64(a, b); }

/* CPython's float_floor_div / float_rem, so results match Brian2's Python-side evaluation. */
MC_INLINE double mc_mod(double a, double b) {
  double m = fmod(a, b);
  if (m != 0.0) {
    if ((b < 0) != (m < 0)) m += b;
  } else {
    m = copysign(0.0, b);
  }
  return m;
}
MC_INLINE double mc_floordiv(double a, double b) {
  double m = fmod(a, b);
  double div = (a - m) / b;
  if (m != 0.0 && ((b < 0) != (m < 0))) div -= 1.0;
  if (div != 0.0) {
    double f = floor(div);
    if (div - f > 0.5) f += 1.0;
    return f;
  }
  return copysign(0.0, a / b);
}
MC_INLINE float mc_modf(float a, float b) {
  float m = fmodf(a, b);
  if (m != 0.0f) {
    if ((b < 0) != (m < 0)) m += b;
  } else {
    m = copysignf(0.0f, b);
  }
  return m;
}
MC_INLINE float mc_floordivf(float a, float b) {
  float m = fmodf(a, b);
  float div = (a - m) / b;
  if (m != 0.0f && ((b < 0) != (m < 0))) div -= 1.0f;
  if (div != 0.0f) {
    float f = floorf(div);
    if (div - f > 0.5f) f += 1.0f;
    return f;
  }
  return copysignf(0.0f, a / b);
}

/* --- Brian2 functions --------------------------------------------------------------------------- */
/* expm1(x)/x without the cancellation at 0 (Brian2's _exprel). Branch-free, so that an update loop
 * calling it can be if-converted and vectorised: expm1 is always evaluated (with a divisor of 1
 * where x is tiny, so no 0/0 is formed) and the special cases are selected afterwards. Same values
 * as Brian2's branchy version: 1 for |x| < 1e-16, inf above 717 (where expm1 overflows anyway). */
MC_INLINE double mc_exprel(double x) {
  const int tiny = fabs(x) < 1e-16;
  const double r = expm1(x) / (tiny ? 1.0 : x);
  return tiny ? 1.0 : (x > 717.0 ? MC_INF : r);
}
MC_INLINE float mc_exprelf(float x) {
  const int tiny = fabsf(x) < 1e-7f;
  const float r = expm1f(x) / (tiny ? 1.0f : x);
  return tiny ? 1.0f : (x > 88.0f ? MC_INFF : r);
}
MC_INLINE double mc_sign(double x) { return (double)((x > 0) - (x < 0)); }
MC_INLINE float mc_signf(float x) { return (float)((x > 0) - (x < 0)); }
MC_INLINE int64_t mc_sign_i64(int64_t x) { return (x > 0) - (x < 0); }
MC_INLINE int32_t mc_sign_i32(int32_t x) { return (x > 0) - (x < 0); }
MC_INLINE double mc_clip(double x, double lo, double hi) { return x < lo ? lo : (x > hi ? hi : x); }
MC_INLINE float mc_clipf(float x, float lo, float hi) { return x < lo ? lo : (x > hi ? hi : x); }
MC_INLINE int64_t mc_clip_i64(int64_t x, int64_t lo, int64_t hi) { return x < lo ? lo : (x > hi ? hi : x); }
MC_INLINE int32_t mc_clip_i32(int32_t x, int32_t lo, int32_t hi) { return x < lo ? lo : (x > hi ? hi : x); }
MC_INLINE int64_t mc_fabs_i64(int64_t x) { return x < 0 ? -x : x; }
MC_INLINE int32_t mc_fabs_i32(int32_t x) { return x < 0 ? -x : x; }
MC_INLINE int64_t mc_fmin_i64(int64_t a, int64_t b) { return a < b ? a : b; }
MC_INLINE int32_t mc_fmin_i32(int32_t a, int32_t b) { return a < b ? a : b; }
MC_INLINE int64_t mc_fmax_i64(int64_t a, int64_t b) { return a > b ? a : b; }
MC_INLINE int32_t mc_fmax_i32(int32_t a, int32_t b) { return a > b ? a : b; }
/* Brian2's rounding of a time to a step number: robust against t being a hair below k*dt.
 * AVX2 has no double -> int64 vector conversion, and a scalar (int64_t) cast stops the update loop
 * from vectorising. For |x| < 2^51 the low mantissa bits of trunc(x) + 1.5*2^52 hold trunc(x) as a
 * two's-complement offset, which is an exact conversion made of vectorisable operations (2^51 steps
 * of 0.1 ms are 7000 years; beyond 2^63 the plain cast is undefined anyway). */
MC_INLINE int64_t mc_steps_from_double(double x) {
#if defined(__x86_64__) && !defined(__AVX512DQ__)
  const double shifted = trunc(x) + 6755399441055744.0; /* 1.5 * 2^52 */
  int64_t bits;
  __builtin_memcpy(&bits, &shifted, sizeof bits);
  return bits - INT64_C(0x4338000000000000);
#else
  return (int64_t)x;
#endif
}
MC_INLINE int64_t mc_timestep(double t, double dt) { return mc_steps_from_double((t + 1e-3 * dt) / dt); }
MC_INLINE int64_t mc_timestepf(float t, float dt) { return mc_steps_from_double((double)((t + 1e-3f * dt) / dt)); }

#endif
