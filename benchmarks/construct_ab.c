// Construction and simulation timer of one generated CPU module, for interleaved A/B of two modelc
// builds (benchmarks/construct_ab.sh runs the two modules in alternating processes: each module
// links its own build's libmodelc_cpu_support, which two modules in one process would share).
// Prints one line: mc_create + mc_init wall and process-CPU seconds, mc_run wall seconds, peak RSS,
// and two digests: `network` (every group's (pre, post) pairs and every per-synapse variable right
// after mc_init) and `state` (every variable and spike count after the run), so the two builds
// can be checked to build the same network and give the same run.
//   construct_ab module.so threads steps      (steps < 0: construct only, print its times)
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "abi/modelc_abi.h"

typedef const mc_model_info* (*info_f)(void);
typedef mc_module* (*create_f)(const mc_options*, char*, size_t);
typedef int (*init_f)(mc_module*);
typedef int (*run_f)(mc_module*, int64_t);
typedef int64_t (*size_f)(const mc_module*, int32_t);
typedef int (*read_f)(mc_module*, int32_t, void*);
typedef int64_t (*cnt_f)(const mc_module*, int32_t);
typedef int (*syn_f)(mc_module*, int32_t, int32_t*, int32_t*);
typedef void (*destroy_f)(mc_module*);

static double clock_s(clockid_t c) {
  struct timespec t;
  clock_gettime(c, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}
static uint64_t fnv(const void* p, size_t n, uint64_t h) {
  const unsigned char* c = p;
  for (size_t i = 0; i < n; i++) {
    h ^= c[i];
    h *= 1099511628211ull;
  }
  return h;
}
static size_t elem_size(int type) { return type == 0 ? 1 : type == 1 || type == 3 ? 4 : 8; }

static uint64_t hash_vars(const mc_model_info* info, mc_module* m, size_f vs, read_f rv, int per_synapse_only,
                          uint64_t h) {
  for (int v = 0; v < info->num_vars; v++) {
    if (per_synapse_only && !info->vars[v].per_synapse) continue;
    int64_t n = vs(m, v);
    size_t es = elem_size(info->vars[v].type);
    void* b = malloc((size_t)n * es + 8);
    if (!b || rv(m, v, b)) {
      fprintf(stderr, "reading %s failed\n", info->vars[v].name);
      exit(1);
    }
    h = fnv(b, (size_t)n * es, h);
    free(b);
  }
  return h;
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: construct_ab module.so threads steps\n");
    return 2;
  }
  void* h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    fprintf(stderr, "%s\n", dlerror());
    return 1;
  }
  int threads = atoi(argv[2]);
  long steps = atol(argv[3]);
  info_f gi = (info_f)dlsym(h, "mc_get_info");
  create_f cr = (create_f)dlsym(h, "mc_create");
  init_f in = (init_f)dlsym(h, "mc_init");
  run_f ru = (run_f)dlsym(h, "mc_run");
  size_f vs = (size_f)dlsym(h, "mc_var_size");
  read_f rv = (read_f)dlsym(h, "mc_read_var");
  cnt_f sc = (cnt_f)dlsym(h, "mc_spike_count");
  cnt_f scount = (cnt_f)dlsym(h, "mc_synapse_count");
  syn_f rs = (syn_f)dlsym(h, "mc_read_synapses");
  destroy_f de = (destroy_f)dlsym(h, "mc_destroy");
  const mc_model_info* info = gi();
  mc_options o;
  memset(&o, 0, sizeof o);
  o.num_threads = threads;
  o.seed = info->seed;
  char err[512];
  double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
  mc_module* m = cr(&o, err, sizeof err);
  if (!m) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  if (in(m)) {
    fprintf(stderr, "init failed\n");
    return 1;
  }
  double init_wall = clock_s(CLOCK_MONOTONIC) - w0, init_cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
  if (steps < 0) {  // construction only (for profiling it): no digests, no run
    printf("%s construct_wall %.4f construct_cpu %.4f\n", argv[1], init_wall, init_cpu);
    return 0;
  }
  uint64_t hn = 1469598103934665603ull;
  long long synapses = 0;
  for (int g = 0; g < info->num_synapse_groups; g++) {
    int64_t n = scount(m, g);
    synapses += n;
    int32_t* pre = malloc((size_t)n * 4 + 4);
    int32_t* post = malloc((size_t)n * 4 + 4);
    if (!pre || !post || rs(m, g, pre, post)) {
      fprintf(stderr, "reading synapses failed\n");
      return 1;
    }
    hn = fnv(&n, 8, hn);
    hn = fnv(pre, (size_t)n * 4, hn);
    hn = fnv(post, (size_t)n * 4, hn);
    free(pre);
    free(post);
  }
  hn = hash_vars(info, m, vs, rv, 1, hn);
  double r0 = clock_s(CLOCK_MONOTONIC);
  if (ru(m, steps)) {
    fprintf(stderr, "run failed\n");
    return 1;
  }
  double run_wall = clock_s(CLOCK_MONOTONIC) - r0;
  uint64_t hs = 1469598103934665603ull;
  long long spikes = 0;
  for (int p = 0; p < info->num_populations; p++) {
    int64_t c = sc(m, p);
    spikes += c;
    hs = fnv(&c, 8, hs);
  }
  hs = hash_vars(info, m, vs, rv, 0, hs);
  struct rusage ru_self;
  getrusage(RUSAGE_SELF, &ru_self);
  printf("%s construct_wall %.4f construct_cpu %.4f run_wall %.4f peak_mb %.0f synapses %lld spikes %lld network %016llx "
         "state %016llx\n",
         argv[1], init_wall, init_cpu, run_wall, ru_self.ru_maxrss / 1024.0, synapses, spikes, (unsigned long long)hn,
         (unsigned long long)hs);
  de(m);
  return 0;
}
