// The vector multiply-add rate of one core, the compute limit that docs/performance.md puts the
// kernels against: independent FMA chains held in registers (enough of them to cover the FMA
// latency on every current x86 core), no memory traffic. Built with the host compiler's
// -march=native, as modelc's modules are; counts 2 flops per lane per fused multiply-add.
// Prints one JSON object: {"double_gflops": ..., "float_gflops": ..., "vector_bytes": ...}.
#include <stdio.h>
#include <time.h>

#define CHAINS 12
#define REPS 20000000L
#ifdef __AVX512F__
#define VECTOR_BYTES 64
#elif defined(__AVX__)
#define VECTOR_BYTES 32
#else
#define VECTOR_BYTES 16
#endif

#define RATE(T, NAME)                                                                       \
  static double NAME(void) {                                                                \
    enum { LANES = VECTOR_BYTES / sizeof(T) };                                              \
    typedef T vec __attribute__((vector_size(VECTOR_BYTES)));                               \
    vec acc[CHAINS], a, b;                                                                  \
    for (int l = 0; l < LANES; ++l) {                                                       \
      a[l] = (T)0.999999;                                                                   \
      b[l] = (T)1e-7;                                                                       \
    }                                                                                       \
    for (int c = 0; c < CHAINS; ++c)                                                        \
      for (int l = 0; l < LANES; ++l) acc[c][l] = (T)(c + l);                               \
    struct timespec t0, t1;                                                                 \
    clock_gettime(CLOCK_MONOTONIC, &t0);                                                    \
    for (long r = 0; r < REPS; ++r) {                                                       \
      _Pragma("GCC unroll 16") for (int c = 0; c < CHAINS; ++c) acc[c] = acc[c] * a + b;    \
    }                                                                                       \
    clock_gettime(CLOCK_MONOTONIC, &t1);                                                    \
    T sink = 0;                                                                             \
    for (int c = 0; c < CHAINS; ++c)                                                        \
      for (int l = 0; l < LANES; ++l) sink += acc[c][l];                                    \
    if (sink == (T)-1) puts(""); /* keeps the chains live */                                \
    double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec); \
    return 2.0 * LANES * CHAINS * REPS / s / 1e9;                                           \
  }

RATE(double, rate_double)
RATE(float, rate_float)

int main(void) {
  double d = 0, f = 0;
  for (int i = 0; i < 3; ++i) {
    double x = rate_double(), y = rate_float();
    if (x > d) d = x;
    if (y > f) f = y;
  }
  printf("{\"double_gflops\": %.2f, \"float_gflops\": %.2f, \"vector_bytes\": %d}\n", d, f, VECTOR_BYTES);
  return 0;
}
