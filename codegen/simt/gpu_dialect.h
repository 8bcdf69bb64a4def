// A GPU dialect as data (tinygrad's CStyleLanguage idea): the handful of spellings in which OpenCL
// C, CUDA and HIP differ. The SIMT kernel emitter (simt_kernel_emitter.h) and the GPU printer
// (gpu_printer.h) write every kernel once and ask only this struct for these spellings; everything
// else is the shared C grammar of codegen/c_printer.h. All ids and sizes are of dimension 0 (every
// modelc launch is one-dimensional).
//
// Templates: `$p` is replaced by a pointer expression, `$v` by a value expression, `$t` by a type,
// `$n` by a name.
#pragma once

#include <string>

namespace modelc::codegen::simt {

struct GpuDialect {
  std::string name;             // "opencl", "cuda": names the dialect in the generated header

  // Kernel signature and address spaces.
  std::string kernel;           // precedes a kernel's name: the kernel qualifier and `void`
  std::string global;           // address space of a kernel's buffer pointers, "" where implicit
  std::string constant;         // read-only constant memory (unused by the emitter today)
  std::string restrict_;        // "restrict" / "__restrict__"

  // Scalar type names (kir::Type maps through these; mc_f64 is the prelude's double or float).
  std::string int32 = "int";
  std::string int64;            // "long" / "long long"
  std::string uint32;           // "uint" / "unsigned int"
  std::string uint64;           // "ulong" / "unsigned long long"
  std::string uint16;           // 16-bit post indices (connectivity:sparse-u16)
  std::string uint8;            // storage of Bool buffers
  std::string float64 = "mc_f64";
  std::string int64_suffix;     // literal suffix for 64-bit values beyond int32

  // Thread geometry (dimension 0), each an expression of an unsigned integer type.
  std::string global_id;        // thread index in the grid
  std::string thread_id;        // thread index in its block
  std::string block_id;
  std::string block_size;       // threads per block
  std::string grid_blocks;      // blocks in the grid

  // Barriers of one block: over block-shared memory, and making global writes visible to the block.
  std::string barrier_shared;
  std::string barrier_global;

  // Block-shared scratch memory whose size the host picks at launch. `shared_param` non-empty: a
  // kernel parameter (OpenCL's local-memory pointer argument); otherwise `shared_decl` is the first
  // statement of the body (CUDA's extern __shared__ array).
  std::string shared_param;     // template with $t, $n
  std::string shared_decl;      // template with $t, $n

  // A block-shared array of static size: `$t` the element type, `$n` the name with its extent
  // ("_mc_scan[64]"); a statement at the top of a kernel body.
  std::string shared_array;     // template with $t, $n

  // Bits of a 64-bit unsigned value $v (a variable), as int: set bits, and trailing zeros of a
  // non-zero value.
  std::string popcount64;
  std::string ctz64;

  // Atomic add of $v to *$p, by element type. Other read-modify-write operations (mul, div) call the
  // prelude's mc_atomic_<op>_<type> compare-and-swap helpers.
  std::string atomic_add_int32;
  std::string atomic_add_int64;
  std::string atomic_add_float;
  std::string atomic_add_double;

  // Math built-ins overloaded by argument type (OpenCL: exp(float)), so Float calls drop the C99
  // `f` suffix; false: C99 names (expf), as CUDA's device library spells them.
  bool overloaded_math = false;
};

// Replaces every `$p`, `$v`, `$t` and `$n` of `tmpl`.
std::string fill(const std::string& tmpl, const std::string& p, const std::string& v = {},
                 const std::string& t = {}, const std::string& n = {});

}  // namespace modelc::codegen::simt
