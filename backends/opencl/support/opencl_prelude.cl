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
