// The prebuilt half of the CPU module runtime (see cpu_support.h). Plain C-style code with C
// linkage: generated modules call it through the C ABI, nothing here may throw across it.
#include "backends/cpu/support/cpu_support.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

struct mc_array {
  size_t elem = 1;
  size_t size = 0;
  size_t capacity = 0;
  unsigned char* data = nullptr;
};

extern "C" {

mc_array* mc_array_new(size_t elem_size) {
  auto* a = static_cast<mc_array*>(std::calloc(1, sizeof(mc_array)));
  if (a) a->elem = elem_size ? elem_size : 1;
  return a;
}

void* mc_array_grow(mc_array* a, size_t count) {
  if (!a) return nullptr;
  if (count > SIZE_MAX / a->elem - a->size) return nullptr;
  size_t need = a->size + count;
  // Also when nothing is asked for yet: a rank may hold none of a monitor's synapses, and a null
  // result means out of memory.
  if (need > a->capacity || !a->data) {
    // Doubling keeps recording amortised O(1) per element across long runs.
    size_t cap = a->capacity ? a->capacity : 1024;
    while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > SIZE_MAX / a->elem) return nullptr;
    void* p = std::realloc(a->data, cap * a->elem);
    if (!p) return nullptr;
    a->data = static_cast<unsigned char*>(p);
    a->capacity = cap;
  }
  void* out = a->data + a->size * a->elem;
  a->size = need;
  return out;
}

size_t mc_array_size(const mc_array* a) { return a ? a->size : 0; }
void* mc_array_data(mc_array* a) { return a ? a->data : nullptr; }

void mc_array_free(mc_array* a) {
  if (!a) return;
  std::free(a->data);
  std::free(a);
}

size_t mc_bytes(int64_t n, size_t elem) {
  if (n < 0) return SIZE_MAX;
  if (elem && static_cast<uint64_t>(n) > SIZE_MAX / elem) return SIZE_MAX;
  return static_cast<size_t>(n) * elem;
}

static void human_size(size_t bytes, char* buf, size_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024.0 && u < 6) {
    v /= 1024.0;
    ++u;
  }
  std::snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

// calloc rather than aligned_alloc + memset: glibc takes large blocks straight from mmap (or fresh
// heap), which is zero already, and does not write them. So the pages of a synapse array are first
// touched by the loop that fills it (parallel in mc_init), not serially here (a fifth of the
// microcircuit's construction was these faults, docs/performance.md). calloc aligns to 16 bytes
// only: the block is over-allocated by 64 and calloc's pointer kept in the word before ours.
void* mc_alloc(size_t bytes, const char* what, char* err, size_t err_size) {
  size_t rounded = bytes == 0 ? 64 : (bytes + 63) / 64 * 64;
  void* raw = rounded < bytes || bytes == SIZE_MAX || rounded + 64 < rounded ? nullptr : std::calloc(1, rounded + 64);
  if (!raw) {
    if (err && err_size) {
      char h[32];
      human_size(bytes, h, sizeof h);
      std::snprintf(err, err_size, "out of memory allocating %s (%zu bytes) for %s", h, bytes,
                    what ? what : "model data");
    }
    return nullptr;
  }
  // calloc's alignment is at least 16, so there are 16 or more bytes before the aligned pointer.
  auto aligned = (reinterpret_cast<uintptr_t>(raw) + 64) & ~static_cast<uintptr_t>(63);
  reinterpret_cast<void**>(aligned)[-1] = raw;
  return reinterpret_cast<void*>(aligned);
}

void mc_free(void* p) {
  if (p) std::free(static_cast<void**>(p)[-1]);
}

mc_queue* mc_queue_new(int64_t depth) {
  if (depth < 1) depth = 1;
  mc_queue* q = static_cast<mc_queue*>(std::calloc(1, sizeof(mc_queue)));
  if (!q) return nullptr;
  q->slots = static_cast<mc_queue_slot*>(std::calloc(static_cast<size_t>(depth), sizeof(mc_queue_slot)));
  if (!q->slots) {
    std::free(q);
    return nullptr;
  }
  q->depth = depth;
  return q;
}

int mc_queue_grow(mc_queue_slot* s) {
  int64_t cap = s->capacity ? 2 * s->capacity : 64;
  void* d = std::realloc(s->data, static_cast<size_t>(cap) * sizeof(int32_t));
  if (!d) return -1;
  s->data = static_cast<int32_t*>(d);
  s->capacity = cap;
  return 0;
}

void mc_queue_free(mc_queue* q) {
  if (!q) return;
  for (int64_t k = 0; k < q->depth; ++k) std::free(q->slots[k].data);
  std::free(q->slots);
  std::free(q);
}

int mc_csr_from_pairs(int64_t n_pre, int64_t n_post, int64_t count, const int64_t* pre_in,
                      const int64_t* post_in, int64_t* row_ptr, int32_t* post, int32_t* pre, char* err,
                      size_t err_size) {
  for (int64_t k = 0; k < count; ++k) {
    if (pre_in[k] < 0 || pre_in[k] >= n_pre || post_in[k] < 0 || post_in[k] >= n_post) {
      if (err && err_size)
        std::snprintf(err, err_size,
                      "explicit connection %lld (i=%lld, j=%lld) is out of range (source size %lld, "
                      "target size %lld)",
                      (long long)k, (long long)pre_in[k], (long long)post_in[k], (long long)n_pre,
                      (long long)n_post);
      return -1;
    }
  }
  // Counting sort by pre: stable, so the order within a row is the order given.
  for (int64_t r = 0; r <= n_pre; ++r) row_ptr[r] = 0;
  for (int64_t k = 0; k < count; ++k) ++row_ptr[pre_in[k] + 1];
  for (int64_t r = 0; r < n_pre; ++r) row_ptr[r + 1] += row_ptr[r];
  int64_t* cursor = static_cast<int64_t*>(std::malloc(sizeof(int64_t) * (n_pre > 0 ? n_pre : 1)));
  if (!cursor) {
    if (err && err_size) std::snprintf(err, err_size, "out of memory sorting explicit connections");
    return -1;
  }
  for (int64_t r = 0; r < n_pre; ++r) cursor[r] = row_ptr[r];
  for (int64_t k = 0; k < count; ++k) {
    int64_t s = cursor[pre_in[k]]++;
    post[s] = static_cast<int32_t>(post_in[k]);
    pre[s] = static_cast<int32_t>(pre_in[k]);
  }
  std::free(cursor);
  return 0;
}

}  // extern "C"
