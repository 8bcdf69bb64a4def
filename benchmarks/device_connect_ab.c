// Network construction of one GPU module on the host vs on the device (docs/opencl.md,
// "Connectivity built on the device"): mc_create (device, program) and mc_init (neuron
// initialisers, connectivity, synaptic initialisers) timed apart, with MODELC_DEVICE_CONNECT as the
// caller sets it; a digest of every group's (pre, post) pairs shows both paths built the same
// network. One line per run:
//   device_connect_ab module.so
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "abi/modelc_abi.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: device_connect_ab module.so\n");
    return 2;
  }
  void* h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    fprintf(stderr, "%s\n", dlerror());
    return 1;
  }
  const mc_model_info* (*info)(void) = (const mc_model_info* (*)(void))dlsym(h, "mc_get_info");
  mc_module* (*create)(const mc_options*, char*, size_t) = (mc_module * (*)(const mc_options*, char*, size_t)) dlsym(h, "mc_create");
  int (*init)(mc_module*) = (int (*)(mc_module*))dlsym(h, "mc_init");
  int64_t (*count)(const mc_module*, int32_t) = (int64_t(*)(const mc_module*, int32_t))dlsym(h, "mc_synapse_count");
  int (*read)(mc_module*, int32_t, int32_t*, int32_t*) = (int (*)(mc_module*, int32_t, int32_t*, int32_t*))dlsym(h, "mc_read_synapses");
  const char* (*last_error)(const mc_module*) = (const char* (*)(const mc_module*))dlsym(h, "mc_last_error");
  int32_t (*on_device)(const mc_module*, int32_t) = (int32_t(*)(const mc_module*, int32_t))dlsym(h, "mc_connect_built_on_device");
  void (*destroy)(mc_module*) = (void (*)(mc_module*))dlsym(h, "mc_destroy");
  char err[2048];
  double t0 = now();
  mc_module* m = create(NULL, err, sizeof err);
  if (!m) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  double t1 = now();
  if (init(m) != 0) {
    fprintf(stderr, "%s\n", last_error(m));
    return 1;
  }
  double t2 = now();
  uint64_t digest = 1469598103934665603ull;
  long long synapses = 0;
  int devices = 0;
  for (int32_t g = 0; g < info()->num_synapse_groups; ++g) {
    int64_t n = count(m, g);
    int32_t* pre = (int32_t*)malloc((size_t)(n > 0 ? n : 1) * 4);
    int32_t* post = (int32_t*)malloc((size_t)(n > 0 ? n : 1) * 4);
    if (!pre || !post || (n > 0 && read(m, g, pre, post) != 0)) {
      fprintf(stderr, "reading synapses failed\n");
      return 1;
    }
    for (int64_t s = 0; s < n; ++s) digest = (digest ^ (uint64_t)(uint32_t)pre[s] ^ ((uint64_t)(uint32_t)post[s] << 32)) * 1099511628211ull;
    synapses += n;
    devices += on_device ? on_device(m, g) == 1 : 0;
    free(pre);
    free(post);
  }
  printf("create_s %.4f init_s %.4f synapses %lld groups_on_device %d network %016llx\n", t1 - t0, t2 - t1, synapses, devices,
         (unsigned long long)digest);
  destroy(m);
  return 0;
}
