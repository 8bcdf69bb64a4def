// abi/device_runtime.h for CUDA through the driver API: compiled once into
// libmodelc_cuda_runtime.so, which generated CUDA host modules link instead of spelling the CUDA API
// themselves. The driver (libcuda.so.1) and NVRTC are loaded at run time (support/cuda_host.h), so
// the library and every module load on a machine without either, and say in one line what is
// missing when a device is opened.
//
// One primary context and one non-blocking stream per opened device; every command goes to that
// stream in order. Programs are NVRTC CUBINs for the device's compute capability, cached on disk.
// Kernel arguments are stored per kernel (they persist across launches, as OpenCL's do) and passed
// as cuLaunchKernel's kernelParams; the "local" scratch argument of the interface is the launch's
// dynamic shared memory (the CUDA dialect declares it `extern __shared__` in the kernel body).
//
// Step graphs (mc_step_graph_begin/end): the launches of a step are deferred and compared with the
// previous step's sequence (kernel, grid, block, shared memory of each). When the sequence repeats,
// it is built once into a CUDA Graph (a chain of kernel nodes in launch order, what capturing the
// stream would record) and every later step with that sequence is one cuGraphLaunch, after
// cuGraphExecKernelNodeSetParams on the nodes whose arguments changed (the step and ring slots
// change every step, buffers never). Steps whose sequence differs (the first steps of a delayed
// pathway, run_regularly and monitor sampling steps) or whose host work touches the device
// mid-step (a monitor flush downloads) run as plain launches. MODELC_CUDA_NO_GRAPHS=1 turns graphs
// off (timing comparisons).
#include "abi/device_runtime.h"

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "backends/cuda/support/cuda_host.h"

namespace {

// One kernel argument: every parameter the SIMT emitter declares is a scalar or a pointer.
struct Arg {
  alignas(16) unsigned char bytes[16];
  size_t size = 0;
  bool set = false;
};

// A deferred launch of a step: the kernel, its geometry and a copy of its arguments.
struct Launch {
  CUfunction f = nullptr;
  unsigned blocks = 0, threads = 0, shared = 0;
  std::vector<Arg> args;
  bool same_shape(const Launch& o) const {
    return f == o.f && blocks == o.blocks && threads == o.threads && shared == o.shared && args.size() == o.args.size();
  }
  bool same_args(const Launch& o) const {
    for (size_t i = 0; i < args.size(); ++i)
      if (args[i].size != o.args[i].size || std::memcmp(args[i].bytes, o.args[i].bytes, args[i].size) != 0) return false;
    return true;
  }
};

bool same_shape(const std::vector<Launch>& a, const std::vector<Launch>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!a[i].same_shape(b[i])) return false;
  return true;
}

// An instantiated step graph: its nodes in launch order and the arguments they hold now.
struct StepGraph {
  std::vector<Launch> launches;
  CUgraph graph = nullptr;
  CUgraphExec exec = nullptr;
  std::vector<CUgraphNode> nodes;
};

// At most this many sequences get a graph (a model has one steady sequence, a few with
// run_regularly or sampling monitors); others run as plain launches.
constexpr size_t kMaxStepGraphs = 8;

}  // namespace

struct mc_device {
  const mc_cuda::Driver* drv = nullptr;
  mc_cuda::DeviceFacts facts;
  CUcontext ctx = nullptr;
  CUstream stream = nullptr;
  mc_device_info info{};
  char error[8192] = "";
  // Step graphs: whether they are used, whether this step's launches are being deferred, those
  // launches, the previous step's sequence, and the graphs built.
  bool graphs = false;
  bool deferring = false;
  std::vector<Launch> pending, previous;
  std::vector<StepGraph> step_graphs;
};

struct mc_buffer {
  mc_device* d;
  CUdeviceptr ptr;
  size_t bytes;
};

struct mc_program {
  mc_device* d;
  CUmodule module;
};

struct mc_kernel {
  mc_device* d;
  CUfunction f;
  std::string name;
  std::vector<Arg> args;
  // From cuFuncGetParamInfo where the driver has it (12.4+): the declared parameter sizes, so a
  // wrong argument is an error naming it rather than a device fault. Empty sizes and
  // `params_known` false: unchecked.
  bool params_known = false;
  std::vector<size_t> param_sizes;
  size_t shared_bytes = 0;
  std::vector<void*> pointers;  // kernelParams, rebuilt at each launch (args may have grown)
};

namespace {

int fail(mc_device* d, const std::string& what, CUresult e) {
  std::snprintf(d->error, sizeof d->error, "CUDA error %s in %s", mc_cuda::error_text(*d->drv, e).c_str(), what.c_str());
  return 1;
}

int fail_text(mc_device* d, const std::string& text) {
  std::snprintf(d->error, sizeof d->error, "%s", text.c_str());
  return 1;
}

// Makes the device's context current on the calling thread (the module may be driven from a thread
// other than the one that opened it). Cheap: a thread-local store in the driver.
bool bind(mc_device* d) {
  CUresult e = d->drv->cuCtxSetCurrent(d->ctx);
  if (e != CUDA_SUCCESS) fail(d, "cuCtxSetCurrent", e);
  return e == CUDA_SUCCESS;
}

bool in_range(mc_device* d, const mc_buffer* b, size_t offset, size_t bytes, const char* what) {
  if (offset <= b->bytes && bytes <= b->bytes - offset) return true;
  std::snprintf(d->error, sizeof d->error, "%s of %zu bytes at offset %zu is outside the %zu-byte buffer (a modelc bug)",
                what, bytes, offset, b->bytes);
  return false;
}

std::vector<void*> param_pointers(Launch& l) {
  std::vector<void*> ptrs(l.args.size());
  for (size_t i = 0; i < l.args.size(); ++i) ptrs[i] = l.args[i].bytes;
  return ptrs;
}

CUDA_KERNEL_NODE_PARAMS node_params(Launch& l, std::vector<void*>& ptrs) {
  CUDA_KERNEL_NODE_PARAMS p{};
  p.func = l.f;
  p.gridDimX = l.blocks, p.gridDimY = 1, p.gridDimZ = 1;
  p.blockDimX = l.threads, p.blockDimY = 1, p.blockDimZ = 1;
  p.sharedMemBytes = l.shared;
  p.kernelParams = ptrs.empty() ? nullptr : ptrs.data();
  return p;
}

int launch_now(mc_device* d, Launch& l, const std::string& what) {
  std::vector<void*> ptrs = param_pointers(l);
  CUresult e = d->drv->cuLaunchKernel(l.f, l.blocks, 1, 1, l.threads, 1, 1, l.shared, d->stream,
                                      ptrs.empty() ? nullptr : ptrs.data(), nullptr);
  return e == CUDA_SUCCESS ? 0 : fail(d, "cuLaunchKernel (" + what + ")", e);
}

int launch_all(mc_device* d, std::vector<Launch>& launches) {
  for (Launch& l : launches)
    if (launch_now(d, l, "a deferred launch")) return 1;
  return 0;
}

// Something other than a launch needs the device mid-step: what was deferred is launched now and
// the rest of the step runs as plain launches (its sequence is not compared with the next step's).
int stop_deferring(mc_device* d) {
  if (!d->deferring) return 0;
  d->deferring = false;
  d->previous.clear();
  std::vector<Launch> pending;
  pending.swap(d->pending);
  return bind(d) ? launch_all(d, pending) : 1;
}

void destroy_graph(mc_device* d, StepGraph& g) {
  if (g.exec) d->drv->cuGraphExecDestroy(g.exec);
  if (g.graph) d->drv->cuGraphDestroy(g.graph);
  g.exec = nullptr, g.graph = nullptr;
}

// The step's launches as a chain of kernel nodes, instantiated.
CUresult build_graph(mc_device* d, std::vector<Launch>& launches, StepGraph& g) {
  CUresult e = d->drv->cuGraphCreate(&g.graph, 0);
  for (size_t i = 0; e == CUDA_SUCCESS && i < launches.size(); ++i) {
    std::vector<void*> ptrs = param_pointers(launches[i]);
    const CUDA_KERNEL_NODE_PARAMS p = node_params(launches[i], ptrs);
    CUgraphNode node = nullptr;
    e = d->drv->cuGraphAddKernelNode(&node, g.graph, i ? &g.nodes.back() : nullptr, i ? 1 : 0, &p);
    if (e == CUDA_SUCCESS) g.nodes.push_back(node);
  }
  if (e == CUDA_SUCCESS) e = d->drv->cuGraphInstantiateWithFlags(&g.exec, g.graph, 0);
  if (e == CUDA_SUCCESS) g.launches = launches;
  return e;
}

// Replays `g` with the arguments of `launches` (same shape): only nodes whose arguments differ
// from what the graph holds are updated.
int replay(mc_device* d, StepGraph& g, std::vector<Launch>& launches) {
  for (size_t i = 0; i < launches.size(); ++i) {
    if (launches[i].same_args(g.launches[i])) continue;
    std::vector<void*> ptrs = param_pointers(launches[i]);
    const CUDA_KERNEL_NODE_PARAMS p = node_params(launches[i], ptrs);
    CUresult e = d->drv->cuGraphExecKernelNodeSetParams(g.exec, g.nodes[i], &p);
    if (e != CUDA_SUCCESS) return fail(d, "cuGraphExecKernelNodeSetParams (a step graph)", e);
    g.launches[i].args = launches[i].args;
  }
  CUresult e = d->drv->cuGraphLaunch(g.exec, d->stream);
  return e == CUDA_SUCCESS ? 0 : fail(d, "cuGraphLaunch (a step graph)", e);
}

// The devices NVRTC can build for (all of them when NVRTC is absent: the build then says so).
int supported_devices(const mc_cuda::Driver& drv) {
  const mc_cuda::Nvrtc& nv = mc_cuda::nvrtc();
  int n = 0;
  for (int k = 0; k < drv.device_count; ++k) {
    mc_cuda::DeviceFacts f;
    std::string ignored;
    if (mc_cuda::device_facts(drv, k, f, ignored) && (!nv.problem.empty() || nv.supports(f.arch()))) ++n;
  }
  return n;
}

}  // namespace

extern "C" {

int32_t mc_device_count(void) {
  const mc_cuda::Driver& drv = mc_cuda::driver();
  if (!drv.problem.empty()) return 0;
  // No device this runtime can use: none, as for a missing driver (`--device N` still indexes the
  // driver's list when some device is usable).
  return supported_devices(drv) > 0 ? drv.device_count : 0;
}

mc_device* mc_device_open(int32_t index, char* error, size_t error_size) {
  auto say = [&](const std::string& text) -> mc_device* {
    if (error && error_size) std::snprintf(error, error_size, "%s", text.c_str());
    return nullptr;
  };
  const mc_cuda::Driver& drv = mc_cuda::driver();
  if (!drv.problem.empty()) return say(drv.problem);
  if (index < 0 || index >= drv.device_count)
    return say("CUDA device " + std::to_string(index) + " does not exist: " + std::to_string(drv.device_count) +
               " device(s) found (`modelc devices` lists them)");
  mc_cuda::DeviceFacts facts;
  std::string problem;
  if (!mc_cuda::device_facts(drv, index, facts, problem)) return say(problem);
  const mc_cuda::Nvrtc& nv = mc_cuda::nvrtc();
  const std::string cc = std::to_string(facts.cc_major) + "." + std::to_string(facts.cc_minor);
  if (nv.problem.empty() && !nv.supports(facts.arch()))
    return say("CUDA device " + std::to_string(index) + " '" + facts.name + "' has compute capability " + cc + " (sm_" +
               std::to_string(facts.arch()) + "), which NVRTC " + nv.version_text() + " does not compile for (it supports " +
               nv.arch_range() + "): choose another device (--device N) or --backend opencl");
  mc_device* d = new (std::nothrow) mc_device;
  if (!d) return say("out of memory opening the CUDA device");
  d->drv = &drv;
  d->facts = facts;
  std::snprintf(d->info.name, sizeof d->info.name, "%s", facts.name.c_str());
  std::snprintf(d->info.api, sizeof d->info.api, "CUDA");
  d->info.compute_units = facts.sm_count > 0 ? facts.sm_count : 1;
  d->info.fp64 = 1;           // every CUDA device since compute capability 1.3
  d->info.int64_atomics = 1;  // 64-bit atomicCAS on global memory
  const char* what = "cuDevicePrimaryCtxRetain";
  CUresult e = drv.cuDevicePrimaryCtxRetain(&d->ctx, facts.dev);
  if (e == CUDA_SUCCESS) {
    what = "cuCtxSetCurrent";
    e = drv.cuCtxSetCurrent(d->ctx);
  }
  if (e == CUDA_SUCCESS) {
    what = "cuStreamCreate";
    e = drv.cuStreamCreate(&d->stream, CU_STREAM_NON_BLOCKING);
  }
  if (e != CUDA_SUCCESS) {
    say("CUDA error " + mc_cuda::error_text(drv, e) + " in " + what + " on device '" + facts.name + "'");
    if (d->stream) drv.cuStreamDestroy(d->stream);
    if (d->ctx) drv.cuDevicePrimaryCtxRelease(facts.dev);
    delete d;
    return nullptr;
  }
  const char* no_graphs = std::getenv("MODELC_CUDA_NO_GRAPHS");
  d->graphs = drv.has_graphs() && !(no_graphs && *no_graphs && std::strcmp(no_graphs, "0") != 0);
  return d;
}

void mc_device_close(mc_device* d) {
  if (!d) return;
  if (d->ctx && bind(d) && d->stream) {
    stop_deferring(d);
    d->drv->cuStreamSynchronize(d->stream);
    for (StepGraph& g : d->step_graphs) destroy_graph(d, g);
    d->drv->cuStreamDestroy(d->stream);
  }
  if (d->ctx) d->drv->cuDevicePrimaryCtxRelease(d->facts.dev);
  delete d;
}

const char* mc_device_error(const mc_device* d) { return d ? d->error : "no device"; }

void mc_device_get_info(const mc_device* d, mc_device_info* out) {
  if (d && out) *out = d->info;
}

int mc_device_synchronize(mc_device* d) {
  if (!bind(d) || stop_deferring(d)) return 1;
  CUresult e = d->drv->cuStreamSynchronize(d->stream);
  return e == CUDA_SUCCESS ? 0 : fail(d, "cuStreamSynchronize", e);
}

mc_buffer* mc_buffer_alloc(mc_device* d, size_t bytes) {
  if (!bind(d)) return nullptr;
  // Whole 8-byte words, never empty: every buffer is a valid kernel argument.
  const size_t n = bytes ? (bytes + 7) / 8 * 8 : 8;
  CUdeviceptr ptr = 0;
  CUresult e = d->drv->cuMemAlloc(&ptr, n);
  if (e != CUDA_SUCCESS) {
    fail(d, "cuMemAlloc of " + std::to_string(n) + " bytes", e);
    return nullptr;
  }
  e = d->drv->cuMemsetD8Async(ptr, 0, n, d->stream);
  mc_buffer* b = e == CUDA_SUCCESS ? new (std::nothrow) mc_buffer{d, ptr, n} : nullptr;
  if (!b) {
    d->drv->cuMemFree(ptr);
    if (e != CUDA_SUCCESS) fail(d, "cuMemsetD8Async", e);
    else fail_text(d, "out of host memory");
  }
  return b;
}

void mc_buffer_free(mc_buffer* b) {
  if (!b) return;
  // cuMemFree waits for the work that may still use the buffer (it synchronises implicitly).
  if (bind(b->d) && !stop_deferring(b->d)) b->d->drv->cuMemFree(b->ptr);
  delete b;
}

int mc_buffer_upload(mc_device* d, mc_buffer* b, size_t offset, size_t bytes, const void* src) {
  if (bytes == 0) return 0;
  if (!in_range(d, b, offset, bytes, "upload") || !bind(d) || stop_deferring(d)) return 1;
  CUresult e = d->drv->cuMemcpyHtoDAsync(b->ptr + offset, src, bytes, d->stream);
  if (e == CUDA_SUCCESS) e = d->drv->cuStreamSynchronize(d->stream);  // blocking: `src` may go away
  return e == CUDA_SUCCESS ? 0 : fail(d, "an upload of " + std::to_string(bytes) + " bytes", e);
}

int mc_buffer_download(mc_device* d, mc_buffer* b, size_t offset, size_t bytes, void* dst) {
  if (bytes == 0) return 0;
  if (!in_range(d, b, offset, bytes, "download") || !bind(d) || stop_deferring(d)) return 1;
  CUresult e = d->drv->cuMemcpyDtoHAsync(dst, b->ptr + offset, bytes, d->stream);
  if (e == CUDA_SUCCESS) e = d->drv->cuStreamSynchronize(d->stream);
  return e == CUDA_SUCCESS ? 0 : fail(d, "a download of " + std::to_string(bytes) + " bytes", e);
}

int mc_buffer_fill(mc_device* d, mc_buffer* b, uint8_t value, size_t offset, size_t bytes) {
  if (bytes == 0) return 0;
  if (!in_range(d, b, offset, bytes, "fill") || !bind(d) || stop_deferring(d)) return 1;
  CUresult e = d->drv->cuMemsetD8Async(b->ptr + offset, value, bytes, d->stream);
  return e == CUDA_SUCCESS ? 0 : fail(d, "cuMemsetD8Async", e);
}

mc_program* mc_program_build(mc_device* d, const char* source, const char* options, const char* cache_dir,
                             int32_t* cache_hit) {
  if (cache_hit) *cache_hit = 0;
  if (!bind(d)) return nullptr;
  const mc_cuda::Nvrtc& nv = mc_cuda::nvrtc();
  if (!nv.problem.empty()) {
    fail_text(d, nv.problem);
    return nullptr;
  }
  const std::string src = source, opts = options ? options : "";
  const int arch = d->facts.arch();
  // Keyed by source + options + architecture + NVRTC version (cuda_host.h), next to the module
  // that asks (itself keyed by the hash of its source, which embeds the CUDA source).
  std::string path;
  if (cache_dir && *cache_dir && !mc_cuda::cache_disabled())
    path = mc_cuda::cubin_path(cache_dir, mc_cuda::program_key(src, opts, arch, nv));
  CUmodule module = nullptr;
  std::vector<char> cubin;
  int hit = 0;
  // A stale or foreign binary is not an error: fall back to the source.
  if (!path.empty() && mc_cuda::read_binary(path, cubin) && d->drv->cuModuleLoadData(&module, cubin.data()) == CUDA_SUCCESS)
    hit = 1;
  if (!hit) {
    std::string error;
    if (!mc_cuda::compile_program(nv, src, opts, arch, cubin, error)) {
      fail_text(d, error);
      return nullptr;
    }
    CUresult e = d->drv->cuModuleLoadData(&module, cubin.data());
    if (e != CUDA_SUCCESS) {
      fail(d, "cuModuleLoadData (an sm_" + std::to_string(arch) + " CUBIN from NVRTC " + nv.version_text() + ")", e);
      return nullptr;
    }
    if (!path.empty()) mc_cuda::write_binary(path, cubin);
  }
  mc_program* p = new (std::nothrow) mc_program{d, module};
  if (!p) {
    d->drv->cuModuleUnload(module);
    fail_text(d, "out of host memory");
    return nullptr;
  }
  if (cache_hit) *cache_hit = hit;
  return p;
}

void mc_program_free(mc_program* p) {
  if (!p) return;
  if (bind(p->d)) p->d->drv->cuModuleUnload(p->module);
  delete p;
}

mc_kernel* mc_kernel_get(mc_program* p, const char* name) {
  mc_device* d = p->d;
  if (!bind(d)) return nullptr;
  CUfunction f = nullptr;
  CUresult e = d->drv->cuModuleGetFunction(&f, p->module, name);
  if (e != CUDA_SUCCESS) {
    fail(d, std::string("cuModuleGetFunction(\"") + name + "\")", e);
    return nullptr;
  }
  mc_kernel* k = new (std::nothrow) mc_kernel;
  if (!k) {
    fail_text(d, "out of host memory");
    return nullptr;
  }
  k->d = d;
  k->f = f;
  k->name = name;
  if (d->drv->cuFuncGetParamInfo) {
    size_t offset = 0, size = 0;
    while (d->drv->cuFuncGetParamInfo(f, k->param_sizes.size(), &offset, &size) == CUDA_SUCCESS)
      k->param_sizes.push_back(size);
    k->params_known = true;
  }
  return k;
}

void mc_kernel_free(mc_kernel* k) { delete k; }

size_t mc_kernel_local_size(mc_kernel* k, size_t cap) {
  int max_threads = 0;
  if (!bind(k->d) || k->d->drv->cuFuncGetAttribute(&max_threads, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, k->f) !=
                         CUDA_SUCCESS || max_threads <= 0)
    max_threads = 32;
  size_t l = static_cast<size_t>(max_threads) < cap ? static_cast<size_t>(max_threads) : cap;
  if (l >= 32) l -= l % 32;  // whole warps
  return l ? l : 1;
}

int mc_kernel_set_value(mc_kernel* k, uint32_t index, size_t bytes, const void* value) {
  if (bytes == 0 || bytes > sizeof(Arg{}.bytes))
    return fail_text(k->d, "argument " + std::to_string(index) + " of kernel " + k->name + ": " +
                               std::to_string(bytes) + " bytes is not a scalar or pointer (a modelc bug)");
  if (k->params_known && (index >= k->param_sizes.size() || k->param_sizes[index] != bytes))
    return fail_text(k->d, "argument " + std::to_string(index) + " of kernel " + k->name + ": " +
                               (index >= k->param_sizes.size()
                                    ? "the kernel has only " + std::to_string(k->param_sizes.size()) + " parameters"
                                    : "it takes " + std::to_string(k->param_sizes[index]) + " bytes, not " +
                                          std::to_string(bytes)) +
                               " (a modelc bug)");
  if (index >= k->args.size()) k->args.resize(index + 1);
  Arg& a = k->args[index];
  std::memcpy(a.bytes, value, bytes);
  a.size = bytes;
  a.set = true;
  return 0;
}

int mc_kernel_set_buffer(mc_kernel* k, uint32_t index, mc_buffer* b) {
  const CUdeviceptr ptr = b ? b->ptr : 0;
  return mc_kernel_set_value(k, index, sizeof ptr, &ptr);
}

int mc_kernel_set_local(mc_kernel* k, uint32_t index, size_t bytes) {
  // The scratch follows the declared parameters (OpenCL's local-memory argument); here it is no
  // parameter but the launch's dynamic shared memory.
  if (k->params_known && index < k->param_sizes.size())
    return fail_text(k->d, "argument " + std::to_string(index) + " of kernel " + k->name +
                               " is a parameter, not shared scratch memory (a modelc bug)");
  k->shared_bytes = bytes;
  return 0;
}

int mc_kernel_launch(mc_kernel* k, size_t global, size_t local) {
  mc_device* d = k->d;
  if (local == 0 || global % local != 0)
    return fail_text(d, "launch of kernel " + k->name + ": " + std::to_string(global) + " threads are not a multiple of " +
                            std::to_string(local) + " per block (a modelc bug)");
  const size_t blocks = global / local;
  if (blocks == 0) return 0;
  if (blocks > static_cast<size_t>(INT_MAX) || local > 1024)
    return fail_text(d, "launch of kernel " + k->name + ": " + std::to_string(blocks) + " blocks of " +
                            std::to_string(local) + " threads exceed CUDA's grid limits");
  const size_t n = k->params_known ? k->param_sizes.size() : k->args.size();
  k->pointers.assign(n, nullptr);
  for (size_t i = 0; i < n; ++i) {
    if (i >= k->args.size() || !k->args[i].set)
      return fail_text(d, "launch of kernel " + k->name + ": argument " + std::to_string(i) +
                              " was never set (a modelc bug)");
    k->pointers[i] = k->args[i].bytes;
  }
  if (d->deferring) {  // a step graph's launch: recorded with a copy of its arguments
    Launch l;
    l.f = k->f, l.blocks = static_cast<unsigned>(blocks), l.threads = static_cast<unsigned>(local);
    l.shared = static_cast<unsigned>(k->shared_bytes);
    l.args.assign(k->args.begin(), k->args.begin() + static_cast<std::ptrdiff_t>(n));
    d->pending.push_back(std::move(l));
    return 0;
  }
  if (!bind(d)) return 1;
  CUresult e = d->drv->cuLaunchKernel(k->f, static_cast<unsigned>(blocks), 1, 1, static_cast<unsigned>(local), 1, 1,
                                      static_cast<unsigned>(k->shared_bytes), d->stream,
                                      n ? k->pointers.data() : nullptr, nullptr);
  return e == CUDA_SUCCESS ? 0 : fail(d, "cuLaunchKernel (kernel " + k->name + ")", e);
}

int mc_step_graph_begin(mc_device* d) {
  if (!d) return 1;
  if (stop_deferring(d)) return 1;  // a step left open by a failure: launch what it deferred
  d->deferring = d->graphs;
  d->pending.clear();
  return 0;
}

int mc_step_graph_end(mc_device* d) {
  if (!d) return 1;
  if (!d->deferring) return 0;  // graphs off, or the step already ran as plain launches
  d->deferring = false;
  std::vector<Launch> launches;
  launches.swap(d->pending);
  if (!bind(d)) return 1;
  int rc = 0;
  StepGraph* g = nullptr;
  for (StepGraph& sg : d->step_graphs)
    if (same_shape(sg.launches, launches)) g = &sg;
  if (!g && !launches.empty() && same_shape(d->previous, launches) && d->step_graphs.size() < kMaxStepGraphs) {
    StepGraph built;
    if (build_graph(d, launches, built) == CUDA_SUCCESS) {
      d->step_graphs.push_back(std::move(built));
      g = &d->step_graphs.back();
    } else {  // no graphs on this device after all: plain launches from now on
      destroy_graph(d, built);
      d->graphs = false;
    }
  }
  rc = g ? replay(d, *g, launches) : launch_all(d, launches);
  d->previous = std::move(launches);
  return rc;
}

}  // extern "C"
