/* The prelude of every generated OpenCL C 1.2 program (the OpenCL twin of
 * backends/cpu/support/cpu_support.h). The OpenCL backend pastes it, after abi/philox.h, in
 * front of the generated kernels, so a program is one self-contained source string. It provides:
 *   - mc_f64: double where the device has cl_khr_fp64, float otherwise (the module refuses double
 *     models on such devices; float models still carry double-typed times, which then run in float);
 *   - the helpers codegen/c_printer.h names, with Python / Brian2 semantics (same code as the CPU's);
 *   - atomic read-modify-write for conflicting Accumulate statements: OpenCL 1.2 has integer
 *     atomics only, so floating point uses a compare-and-swap loop on the bit pattern
 *     (atomic_cmpxchg for float, atom_cmpxchg from cl_khr_int64_base_atomics for double).
 * The kernels, the generic spike kernels included, follow it (codegen/simt/simt_kernel_emitter.h). */

/* Same arithmetic as the CPU backend (compiled with -ffp-contract=off): no a*b+c fusion. */
#pragma OPENCL FP_CONTRACT OFF

/* MC_FORCE_NO_FP64 (a build option the module adds when MODELC_OPENCL_FORCE_NO_FP64 is set) makes
 * an fp64 device behave like one without, to test that path. It must precede philox.h. */
#if defined(MC_FORCE_NO_FP64) && defined(cl_khr_fp64)
#undef cl_khr_fp64
#endif
#if defined(cl_khr_fp64)
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#define MC_HAVE_FP64 1
typedef double mc_f64;
#else
typedef float mc_f64;
#endif
#if defined(cl_khr_int64_base_atomics)
#pragma OPENCL EXTENSION cl_khr_int64_base_atomics : enable
#define MC_HAVE_INT64_ATOMICS 1
#endif

#define MC_INF ((mc_f64)INFINITY)
#define MC_NAN ((mc_f64)NAN)
#define MC_INFF INFINITY
#define MC_NANF NAN

/* Vector-friendly exp and expm1 in double (MC_VECTOR_MATH: the device runtime defines it for CPU
 * devices, see docs/opencl.md). PoCL runs a work-group as a loop over its work-items and hands
 * that loop to LLVM's loop vectoriser, which gives up on the whole loop at a call it cannot widen;
 * PoCL's double exp and expm1 are such calls (a struct-returning helper, an out-of-line
 * Sleef_expm1_u10), so an update kernel calling them (COBAHH, any HH model) ran one neuron at a
 * time. These are straight-line and inlined: x = k ln2 + r (Cody-Waite), a Taylor polynomial for
 * expm1(r), scaling by 2^k built from its bits (in two halves, so that k = 1024 and subnormal
 * results work). Against glibc: exp within 1 ulp, expm1 within 2 ulp (20 million arguments over
 * [-750, 750], [-2, 2], [-1e-4, 1e-4] and [-40, 40]); inf above 709.79, 0 (exp) and -1 (expm1)
 * far below, NaN and +-0 pass through. Float keeps the built-ins. */
#if defined(MC_VECTOR_MATH) && defined(MC_HAVE_FP64)
static inline __attribute__((always_inline)) double mc_pow2i(long k) { return as_double((k + 1023) << 52); }
/* expm1 of the reduced argument r, |r| <= ln2/2: Taylor to r^13 (truncation < 2^-60 relative). */
static inline __attribute__((always_inline)) double mc_expm1_reduced(double r) {
  double q = 1.6059043836821614599e-10;
  q = q * r + 2.0876756987868098979e-09;
  q = q * r + 2.5052108385441718775e-08;
  q = q * r + 2.7557319223985890653e-07;
  q = q * r + 2.7557319223985890653e-06;
  q = q * r + 2.4801587301587301587e-05;
  q = q * r + 1.9841269841269841270e-04;
  q = q * r + 1.3888888888888888889e-03;
  q = q * r + 8.3333333333333333333e-03;
  q = q * r + 4.1666666666666666667e-02;
  q = q * r + 1.6666666666666666667e-01;
  q = q * r + 0.5;
  return r + (r * r) * q;
}
static inline __attribute__((overloadable, always_inline)) double mc_exp_vec(double x) {
  const double xc = x < -745.2 ? -745.2 : (x > 709.79 ? 709.79 : x);
  const double k = floor(xc * 1.4426950408889634 + 0.5);
  const double r = (xc - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10;
  const long ki = (long)k, k1 = ki >> 1;
  const double y = ((1.0 + mc_expm1_reduced(r)) * mc_pow2i(k1)) * mc_pow2i(ki - k1);
  return x > 709.79 ? MC_INF : (x < -745.2 ? 0.0 : (x != x ? x : y));
}
static inline __attribute__((overloadable, always_inline)) double mc_expm1_vec(double x) {
  const double xc = x < -700.0 ? -700.0 : (x > 709.79 ? 709.79 : x);
  const double k = floor(xc * 1.4426950408889634 + 0.5);
  const double r = (xc - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10;
  const double em = mc_expm1_reduced(r);
  const long ki = (long)k, kp = ki > 60 ? 60 : ki, k1 = ki >> 1;
  /* k > 0: 2^k (em + 1 - 2^-k), 1 - 2^-k exact; k <= 0: 2^k em + (2^k - 1), 2^k - 1 exact for k >= -53 */
  const double up = ((em + (1.0 - mc_pow2i(kp > 0 ? -kp : 0))) * mc_pow2i(k1)) * mc_pow2i(ki - k1);
  const double down = mc_pow2i(ki < 0 ? ki : 0) * em + (mc_pow2i(ki < 0 ? ki : 0) - 1.0);
  const double y = ki == 0 ? em : (ki > 0 ? up : down);
  return x > 709.79 ? MC_INF : (x != x || x == 0.0 ? x : y);
}
static inline __attribute__((overloadable, always_inline)) float mc_exp_vec(float x) { return exp(x); }
static inline __attribute__((overloadable, always_inline)) float mc_expm1_vec(float x) { return expm1(x); }
#define exp(x) mc_exp_vec(x)
#define expm1(x) mc_expm1_vec(x)
#define MC_ALWAYS_INLINE __attribute__((always_inline))
#endif
