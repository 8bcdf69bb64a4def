// A/B harness for generated CPU modules: loads each model.so, runs them interleaved (fresh module
// per repeat), prints the best simulate time and a hash of every buffer and spike count after the
// run, so that two builds of the same model can be compared for speed and for identical state.
// Built and driven by benchmarks/kernel_icount.sh.
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "abi/modelc_abi.h"
typedef const mc_model_info* (*info_f)(void);
typedef mc_module* (*create_f)(const mc_options*, char*, size_t);
typedef int (*init_f)(mc_module*);
typedef int (*run_f)(mc_module*, int64_t);
typedef int64_t (*size_f)(const mc_module*, int32_t);
typedef int (*read_f)(mc_module*, int32_t, void*);
typedef int64_t (*cnt_f)(const mc_module*, int32_t);
typedef void (*destroy_f)(mc_module*);
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
static uint64_t fnv(const void* p,size_t n,uint64_t h){const unsigned char*c=p;for(size_t i=0;i<n;i++){h^=c[i];h*=1099511628211ull;}return h;}
int main(int argc,char**argv){
  if(argc<5){fprintf(stderr,"usage: harness steps threads reps a.so [b.so...]\n");return 2;}
  long steps=atol(argv[1]); int threads=atoi(argv[2]); int reps=atoi(argv[3]);
  int nm=argc-4; void* h[16];
  for(int k=0;k<nm;k++){h[k]=dlopen(argv[4+k],RTLD_NOW|RTLD_LOCAL); if(!h[k]){fprintf(stderr,"%s\n",dlerror());return 1;}}
  double best[16]; for(int k=0;k<nm;k++)best[k]=1e30;
  for(int r=0;r<reps;r++) for(int k=0;k<nm;k++){
    info_f gi=(info_f)dlsym(h[k],"mc_get_info"); create_f cr=(create_f)dlsym(h[k],"mc_create");
    init_f in=(init_f)dlsym(h[k],"mc_init"); run_f ru=(run_f)dlsym(h[k],"mc_run");
    size_f vs=(size_f)dlsym(h[k],"mc_var_size"); read_f rv=(read_f)dlsym(h[k],"mc_read_var");
    cnt_f sc=(cnt_f)dlsym(h[k],"mc_spike_count"); destroy_f de=(destroy_f)dlsym(h[k],"mc_destroy");
    const mc_model_info* info=gi(); mc_options o; memset(&o,0,sizeof o); o.num_threads=threads; o.seed=info->seed;
    char err[512]; mc_module* m=cr(&o,err,sizeof err); if(!m){fprintf(stderr,"%s\n",err);return 1;}
    if(in(m)){fprintf(stderr,"init failed\n");return 1;}
    double t0=now(); if(ru(m,steps)){fprintf(stderr,"run failed\n");return 1;} double dt=now()-t0;
    if(dt<best[k])best[k]=dt;
    uint64_t hs=1469598103934665603ull; long long spk=0;
    for(int p=0;p<info->num_populations;p++){int64_t c=sc(m,p); spk+=c; hs=fnv(&c,8,hs);}
    for(int v=0;v<info->num_vars;v++){int64_t n=vs(m,v); int ty=info->vars[v].type; size_t es=ty==0?1:ty==1||ty==3?4:8;
      void* b=malloc(n*es+8); rv(m,v,b); hs=fnv(b,n*es,hs); free(b);}
    if(r==reps-1||r==0) printf("%s rep %d: %.4f s spikes %lld state-hash %016llx\n",argv[4+k],r,dt,spk,(unsigned long long)hs);
    de(m);
  }
  for(int k=1;k<nm;k++) printf("best: %s %.4f s / %s %.4f s = %.3f\n",argv[4],best[0],argv[4+k],best[k],best[0]/best[k]);
  if(nm==1)printf("best %.4f\n",best[0]);
  return 0;
}
