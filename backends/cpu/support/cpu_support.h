/* The prelude of every generated CPU module. Two halves:
 *   - inline helpers the kernel printer (codegen/c_printer.h) names: Python/Brian2-semantics integer and
 *     float division, exprel, sign, clip, timestep, non-finite literal macros;
 *   - a small exported C API (libmodelc_cpu_support) for what need not be compiled per model:
 *     growable monitor arrays, aligned allocation, CSR construction from explicit pairs.
 * Deliberately only C headers: the per-model translation unit must compile in well under a second,
 * and <vector>/<string>/<map> alone cost more than that. */
#ifndef MODELC_CPU_SUPPORT_H
#define MODELC_CPU_SUPPORT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Monotonic wall seconds, for the module's per-phase timers (mc_read_phases). */
static inline double mc_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* --- SIMD variants of libm (glibc's libmvec) ----------------------------------------------------
 * glibc's <math.h> declares the vector variants only under -ffast-math, which modelc does not use
 * (it would reorder arithmetic). The host compiler flags define MC_LIBMVEC=1 when the compiler is
 * GCC on x86-64 glibc and the module links -lmvec: these declarations then let `#pragma omp simd`
 * loops call _ZGVdN4v_exp & co. (6.3x on COBAHH's update, docs/passes.md). The vector variants
 * are accurate to a few ulp but are not the scalar functions: the CPU backend pads neuron loops to
 * whole vectors so each neuron always takes the same (vector) path, whatever the thread count.
 * Declared before abi/philox.h so that its normal draws (Box-Muller: log, sqrt, cos) vectorise
 * too: with a scalar cos, a loop drawing randn() (xi noise) stays scalar (Brunel-Hakim's update). */
#if defined(MC_LIBMVEC) && MC_LIBMVEC && defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    !defined(__FAST_MATH__)
#ifdef __cplusplus
extern "C" {
#endif
#define MC_SIMD_FN __attribute__((__simd__("notinbranch")))
MC_SIMD_FN double exp(double) __THROW;
MC_SIMD_FN double log(double) __THROW;
MC_SIMD_FN double log10(double) __THROW;
MC_SIMD_FN double expm1(double) __THROW;
MC_SIMD_FN double log1p(double) __THROW;
MC_SIMD_FN double pow(double, double) __THROW;
MC_SIMD_FN double sin(double) __THROW;
MC_SIMD_FN double cos(double) __THROW;
MC_SIMD_FN float expf(float) __THROW;
MC_SIMD_FN float logf(float) __THROW;
MC_SIMD_FN float log10f(float) __THROW;
MC_SIMD_FN float expm1f(float) __THROW;
MC_SIMD_FN float log1pf(float) __THROW;
MC_SIMD_FN float powf(float, float) __THROW;
MC_SIMD_FN float sinf(float) __THROW;
MC_SIMD_FN float cosf(float) __THROW;
#undef MC_SIMD_FN
#ifdef __cplusplus
}
#endif
#endif

#include "abi/philox.h"

#ifndef MC_INLINE
#define MC_INLINE static inline
#endif

/* mc_options::cancel was raised (the host got SIGINT/SIGTERM): long loops stop at their next poll. */
#define MC_CANCELLED(m) ((m)->cancel && *(m)->cancel)

/* The field of type `type` at byte offset `offset` of the module struct (an lvalue): merged
   kernels keep their per-member tables as static offsets (cpu_merged_emitter.cpp). */
#define MC_FIELD(m, type, offset) (*(type*)((char*)(m) + (offset)))

/* A generated kernel: never inlined into mc_init / mc_run. Each is a loop over its domain, so a
   call costs nothing next to it, while a thousand kernels inlined into one caller (one init kernel
   per group) make the host compiler's PRE and alias analysis superlinear: 1000 groups took 40 s
   of g++ time, 23 s without inlining. */
#if defined(__GNUC__)
#define MC_KERNEL static __attribute__((noinline))
#else
#define MC_KERNEL static
#endif

#if defined(__GNUC__)
#define MC_EXPORT __attribute__((visibility("default")))
#else
#define MC_EXPORT
#endif


#include "abi/builtin_functions.h"
#include "abi/delay_rounding.h"

/* --- IR v2: binomial draws (Brian2's BinomialFunction) -------------------------------------------
 * Normal approximation randn()*sqrt(n p (1-p)) + n p when n p > 5 and n (1-p) > 5 (not rounded, as
 * in Brian2); otherwise Brian2's inversion algorithm. The k-th extra uniform of the inversion is
 * drawn with element + (k << 40), so every draw stays a pure function of its keys. */
MC_INLINE double mc_binomial_double(uint64_t seed, uint32_t stream, uint64_t element, uint64_t step, int64_t n,
                                    double p) {
  if (n <= 0 || !(p > 0.0)) return 0.0;
  if (p >= 1.0) return (double)n;
  if ((double)n * p > 5.0 && (double)n * (1.0 - p) > 5.0)
    return mc_normal_double(seed, stream, element, step) * sqrt((double)n * p * (1.0 - p)) + (double)n * p;
  const int reverse = p > 0.5;
  const double P = reverse ? 1.0 - p : p;
  const double q = 1.0 - P;
  const double qn = exp((double)n * log(q));
  const double bound = fmin((double)n, (double)n * P + 10.0 * sqrt((double)n * P * q + 1.0));
  uint64_t redraw = 0;
  int64_t X = 0;
  double px = qn;
  double U = mc_uniform_double(seed, stream, element, step);
  while (U > px) {
    X++;
    if ((double)X > bound) {
      X = 0;
      px = qn;
      U = mc_uniform_double(seed, stream, element + ((++redraw) << 40), step);
    } else {
      U -= px;
      px = ((double)(n - X + 1) * P * px) / ((double)X * q);
    }
  }
  return (double)(reverse ? n - X : X);
}
MC_INLINE float mc_binomial_float(uint64_t seed, uint32_t stream, uint64_t element, uint64_t step, int64_t n,
                                  double p) {
  return (float)mc_binomial_double(seed, stream, element, step, n, p);
}

/* --- Lock-step binomial inversion (PoissonInput) ------------------------------------------------
 * A PoissonInput draws Binomial(n, p) with the same literal n and p for every neuron, so the pmf
 * terms px[k] the inversion above walks are the same for every neuron: the kernel tabulates the
 * first MC_BINO_LOCKSTEP of them once per call (mc_binomial_table_init, the same expressions as
 * mc_binomial_double, so the same numbers), and every lane walks the table in step with the others:
 * a loop with a fixed trip count and no division, which vectorises, where the inversion's loop of
 * data-dependent length does not. A lane still walking after the table (X >= MC_BINO_LOCKSTEP, or
 * past the bound: a redraw) starts over in mc_binomial_table_rest, the scalar inversion with the
 * table's qn and bound. The uniforms, the subtractions and the comparisons are those of
 * mc_binomial_double in the same order, so each draw is the same number. Only for draws of the
 * inversion branch (codegen::tabulable_binomial). */
#define MC_BINO_LOCKSTEP 8
typedef struct mc_binomial_table {
  double px[MC_BINO_LOCKSTEP];
  double P, q, qn, bound;
  int64_t n, steps;
  int reverse;
} mc_binomial_table;

MC_INLINE void mc_binomial_table_init(mc_binomial_table* t, int64_t n, double p) {
  t->n = n;
  t->reverse = p > 0.5;
  t->P = t->reverse ? 1.0 - p : p;
  t->q = 1.0 - t->P;
  t->qn = exp((double)n * log(t->q));
  t->bound = fmin((double)n, (double)n * t->P + 10.0 * sqrt((double)n * t->P * t->q + 1.0));
  /* X > bound exactly when X > floor(bound) (X is an integer): the walk may take kb + 1 terms. */
  const int64_t kb = (int64_t)floor(t->bound);
  t->steps = kb + 1 < MC_BINO_LOCKSTEP ? kb + 1 : MC_BINO_LOCKSTEP;
  double px = t->qn;
  for (int64_t X = 0; X < MC_BINO_LOCKSTEP; ++X) {
    if (X > 0) px = ((double)(n - X + 1) * t->P * px) / ((double)X * t->q);
    t->px[X] = X < t->steps ? px : 2.0;
  }
}

/* The end of a lock-step draw: X when the walk stopped inside the table, else the whole inversion of
 * mc_binomial_double from its start. Called for every lane, since GCC 12 does not vectorise a loop
 * with a conditional call: declared simd (its clone, scalar per lane, is called once per vector;
 * the rare lane that walks on does so inside it) and const, with the table's constants by value
 * (a call that might write memory keeps the loop scalar). */
#if defined(_OPENMP)
#pragma omp declare simd notinbranch
#endif
#if defined(__GNUC__)
__attribute__((noinline, const))
#endif
MC_INLINE double mc_binomial_table_rest(uint64_t seed, uint32_t stream, uint64_t element, uint64_t step, int64_t X,
                                        int64_t steps, int64_t n, double P, double q, double qn, double bound, int reverse) {
  if (X < steps) return (double)(reverse ? n - X : X);
  uint64_t redraw = 0;
  X = 0;
  double px = qn;
  double U = mc_uniform_double(seed, stream, element, step);
  while (U > px) {
    X++;
    if ((double)X > bound) {
      X = 0;
      px = qn;
      U = mc_uniform_double(seed, stream, element + ((++redraw) << 40), step);
    } else {
      U -= px;
      px = ((double)(n - X + 1) * P * px) / ((double)X * q);
    }
  }
  return (double)(reverse ? n - X : X);
}

MC_INLINE double mc_binomial_lockstep(const mc_binomial_table* __restrict t, uint64_t seed, uint32_t stream,
                                      uint64_t element, uint64_t step) {
  double U = mc_uniform_double(seed, stream, element, step);
  /* In doubles, multiplied rather than selected: the form GCC 12 vectorises. live is 0 or 1, so
   * U - live * px is U - px or U exactly; the terms past `steps` are 2 (> any U), which stop. */
  double X = 0.0, live = 1.0;
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 8
#endif
  for (int k = 0; k < MC_BINO_LOCKSTEP; ++k) {
    live = U > t->px[k] ? live : 0.0;
    U -= live * t->px[k];
    X += live;
  }
  return mc_binomial_table_rest(seed, stream, element, step, (int64_t)X, t->steps, t->n, t->P, t->q, t->qn, t->bound,
                                t->reverse);
}

/* --- IR v2: delivery queue of heterogeneous delays --------------------------------------------------
 * A ring of `depth` growable lists of synapse indices; slot (step + delay) % depth collects the
 * synapses whose event is due at that step. Pushing is inline (it is on the hot path). */
typedef struct mc_queue_slot {
  int32_t* data;
  int64_t size, capacity;
} mc_queue_slot;
typedef struct mc_queue {
  mc_queue_slot* slots;
  int64_t depth;
} mc_queue;

#ifdef __cplusplus
extern "C" {
#endif
MC_EXPORT mc_queue* mc_queue_new(int64_t depth); /* NULL when out of memory */
MC_EXPORT int mc_queue_grow(mc_queue_slot* s);   /* doubles the capacity; -1 when out of memory */
MC_EXPORT void mc_queue_free(mc_queue* q);
#ifdef __cplusplus
}
#endif

MC_INLINE int mc_queue_push(mc_queue* q, int64_t slot, int32_t syn) {
  mc_queue_slot* s = &q->slots[slot];
  if (s->size == s->capacity && mc_queue_grow(s) != 0) return -1;
  s->data[s->size++] = syn;
  return 0;
}

/* --- exported runtime API ----------------------------------------------------------------------- */
#ifdef __cplusplus
extern "C" {
#endif

/* A growable array of fixed-size elements (monitor recordings). */
typedef struct mc_array mc_array;
MC_EXPORT mc_array* mc_array_new(size_t elem_size);
/* Makes room for `count` more elements and returns a pointer to them (uninitialised), or NULL when
 * out of memory (the array is unchanged). */
MC_EXPORT void* mc_array_grow(mc_array* a, size_t count);
MC_EXPORT size_t mc_array_size(const mc_array* a); /* elements */
MC_EXPORT void* mc_array_data(mc_array* a);
MC_EXPORT void mc_array_free(mc_array* a);

/* 64-byte aligned, zero-filled memory; NULL on failure, after writing
 * "out of memory allocating <human size> (<bytes> bytes) for <what>" into err. Zero bytes gives a
 * valid unique pointer. Free with mc_free only (not free: the block starts before the pointer).
 * Large blocks are not written here (calloc from mmap): their pages are first touched by whoever
 * writes them first. */
MC_EXPORT void* mc_alloc(size_t bytes, const char* what, char* err, size_t err_size);
MC_EXPORT void mc_free(void* p);
/* n * elem with overflow check; SIZE_MAX on overflow so the allocation fails cleanly. */
MC_EXPORT size_t mc_bytes(int64_t n, size_t elem);

/* Builds a CSR (row_ptr[n_pre + 1], post[count], pre[count]) from explicit pairs, stable within a
 * row. Returns 0, or -1 with a message in err when a pair is out of range. */
MC_EXPORT int mc_csr_from_pairs(int64_t n_pre, int64_t n_post, int64_t count, const int64_t* pre_in,
                                const int64_t* post_in, int64_t* row_ptr, int32_t* post, int32_t* pre,
                                char* err, size_t err_size);

#ifdef __cplusplus
}
#endif

#endif /* MODELC_CPU_SUPPORT_H */
