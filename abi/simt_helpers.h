/* Device helpers every SIMT dialect shares (OpenCL C 1.2 and CUDA C++): the helpers that
 * codegen/c_printer.h names, with Python / Brian2 semantics (see the CPU twin,
 * backends/cpu/support/cpu_support.h, for why each behaves as it does), and the binomial draws.
 * Not a C header: the GPU backends paste it into their device programs after their prelude (which
 * defines mc_f64, MC_INF/MC_NAN(F), MC_HAVE_FP64 and the OpenCL names uint/ulong: CUDA's prelude
 * typedefs them) and abi/philox.h. `long` is 64-bit in both: OpenCL C says so, and NVRTC compiles
 * for LP64. `static inline` functions become device functions under NVRTC's -default-device.
 * The dialect-specific atomics live in each backend's prelude (opencl_atomics.cl, cuda_prelude.cuh). */
#ifndef MODELC_SIMT_HELPERS_H
#define MODELC_SIMT_HELPERS_H
/* --- Python semantics for // and % --------------------------------------------------------- */
static inline long mc_floordiv_i64(long a, long b) {
  if (b == 0) return 0;
  long q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
static inline long mc_mod_i64(long a, long b) {
  if (b == 0) return 0;
  long r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}
static inline int mc_floordiv_i32(int a, int b) { return (int)mc_floordiv_i64(a, b); }
static inline int mc_mod_i32(int a, int b) { return (int)mc_mod_i64(a, b); }

/* The "double" family computes in mc_f64, so it also serves float models on fp64-less devices. */
static inline mc_f64 mc_mod(mc_f64 a, mc_f64 b) {
  mc_f64 m = fmod(a, b);
  if (m != (mc_f64)0) {
    if ((b < 0) != (m < 0)) m += b;
  } else {
    m = copysign((mc_f64)0, b);
  }
  return m;
}
static inline mc_f64 mc_floordiv(mc_f64 a, mc_f64 b) {
  mc_f64 m = fmod(a, b);
  mc_f64 div = (a - m) / b;
  if (m != (mc_f64)0 && ((b < 0) != (m < 0))) div -= (mc_f64)1;
  if (div != (mc_f64)0) {
    mc_f64 f = floor(div);
    if (div - f > (mc_f64)0.5) f += (mc_f64)1;
    return f;
  }
  return copysign((mc_f64)0, a / b);
}
static inline float mc_modf(float a, float b) {
  float m = fmod(a, b);
  if (m != 0.0f) {
    if ((b < 0) != (m < 0)) m += b;
  } else {
    m = copysign(0.0f, b);
  }
  return m;
}
static inline float mc_floordivf(float a, float b) {
  float m = fmod(a, b);
  float div = (a - m) / b;
  if (m != 0.0f && ((b < 0) != (m < 0))) div -= 1.0f;
  if (div != 0.0f) {
    float f = floor(div);
    if (div - f > 0.5f) f += 1.0f;
    return f;
  }
  return copysign(0.0f, a / b);
}

/* --- Brian2 functions ------------------------------------------------------------------------ */
/* Branch-free (as abi/builtin_functions.h) so that a work-item loop calling it can be if-converted
 * and vectorised (PoCL: docs/opencl.md, "Vector math on CPU devices"); MC_ALWAYS_INLINE, where the
 * prelude defines it, keeps it from staying an out-of-line call that the vectoriser cannot widen. */
#ifndef MC_ALWAYS_INLINE
#define MC_ALWAYS_INLINE
#endif
static inline MC_ALWAYS_INLINE mc_f64 mc_exprel(mc_f64 x) {
#if defined(MC_HAVE_FP64)
  const int tiny = fabs(x) < 1e-16;
  const mc_f64 r = expm1(x) / (tiny ? 1.0 : x);
  return tiny ? 1.0 : (x > 717.0 ? MC_INF : r);
#else
  const int tiny = fabs(x) < 1e-7f;
  const mc_f64 r = expm1(x) / (tiny ? 1.0f : x);
  return tiny ? 1.0f : (x > 88.0f ? MC_INF : r);
#endif
}
static inline MC_ALWAYS_INLINE float mc_exprelf(float x) {
  const int tiny = fabs(x) < 1e-7f;
  const float r = expm1(x) / (tiny ? 1.0f : x);
  return tiny ? 1.0f : (x > 88.0f ? MC_INFF : r);
}
static inline mc_f64 mc_sign(mc_f64 x) { return (mc_f64)((x > 0) - (x < 0)); }
static inline float mc_signf(float x) { return (float)((x > 0) - (x < 0)); }
static inline long mc_sign_i64(long x) { return (x > 0) - (x < 0); }
static inline int mc_sign_i32(int x) { return (x > 0) - (x < 0); }
static inline mc_f64 mc_clip(mc_f64 x, mc_f64 lo, mc_f64 hi) { return x < lo ? lo : (x > hi ? hi : x); }
static inline float mc_clipf(float x, float lo, float hi) { return x < lo ? lo : (x > hi ? hi : x); }
static inline long mc_clip_i64(long x, long lo, long hi) { return x < lo ? lo : (x > hi ? hi : x); }
static inline int mc_clip_i32(int x, int lo, int hi) { return x < lo ? lo : (x > hi ? hi : x); }
static inline long mc_fabs_i64(long x) { return x < 0 ? -x : x; }
static inline int mc_fabs_i32(int x) { return x < 0 ? -x : x; }
static inline long mc_fmin_i64(long a, long b) { return a < b ? a : b; }
static inline int mc_fmin_i32(int a, int b) { return a < b ? a : b; }
static inline long mc_fmax_i64(long a, long b) { return a > b ? a : b; }
static inline int mc_fmax_i32(int a, int b) { return a > b ? a : b; }
static inline long mc_timestep(mc_f64 t, mc_f64 dt) { return (long)((t + (mc_f64)1e-3 * dt) / dt); }
static inline long mc_timestepf(float t, float dt) { return (long)((t + 1e-3f * dt) / dt); }

/* --- IR v2: binomial draws (PoissonInput) ---------------------------------------------------------
 * Brian2's BinomialFunction, the same algorithm, keys and redraw elements as mc_binomial_double in
 * backends/cpu/support/cpu_support.h (keep the two in step). Without fp64 it runs in float with the
 * float draws (float models on such devices only). */
#if defined(MC_HAVE_FP64)
#define MC_BINO_UNIFORM mc_uniform_double
#define MC_BINO_NORMAL mc_normal_double
#else
#define MC_BINO_UNIFORM mc_uniform_float
#define MC_BINO_NORMAL mc_normal_float
#endif
static inline mc_f64 mc_binomial_double(ulong seed, uint stream, ulong element, ulong step, long n, mc_f64 p) {
  if (n <= 0 || !(p > (mc_f64)0)) return (mc_f64)0;
  if (p >= (mc_f64)1) return (mc_f64)n;
  const mc_f64 nf = (mc_f64)n;
  if (nf * p > (mc_f64)5 && nf * ((mc_f64)1 - p) > (mc_f64)5)
    return MC_BINO_NORMAL(seed, stream, element, step) * sqrt(nf * p * ((mc_f64)1 - p)) + nf * p;
  const int reverse = p > (mc_f64)0.5;
  const mc_f64 P = reverse ? (mc_f64)1 - p : p;
  const mc_f64 q = (mc_f64)1 - P;
  const mc_f64 qn = exp(nf * log(q));
  const mc_f64 bound = fmin(nf, nf * P + (mc_f64)10 * sqrt(nf * P * q + (mc_f64)1));
  ulong redraw = 0;
  long X = 0;
  mc_f64 px = qn;
  mc_f64 U = MC_BINO_UNIFORM(seed, stream, element, step);
  while (U > px) {
    X++;
    if ((mc_f64)X > bound) {
      X = 0;
      px = qn;
      U = MC_BINO_UNIFORM(seed, stream, element + ((++redraw) << 40), step);
    } else {
      U -= px;
      px = ((mc_f64)(n - X + 1) * P * px) / ((mc_f64)X * q);
    }
  }
  return (mc_f64)(reverse ? n - X : X);
}
static inline float mc_binomial_float(ulong seed, uint stream, ulong element, ulong step, long n, mc_f64 p) {
  return (float)mc_binomial_double(seed, stream, element, step, n, p);
}

#endif /* MODELC_SIMT_HELPERS_H */
