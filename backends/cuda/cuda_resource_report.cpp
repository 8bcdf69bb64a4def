#include "backends/cuda/cuda_resource_report.h"

#include <algorithm>
#include <cstdlib>
#include <map>

#include "backends/cuda/cubin_sections.h"
#include "backends/cuda/occupancy.h"
#include "backends/cuda/ptxas_info.h"
#include "codegen/simt/launch_plan.h"

namespace modelc::backends::cuda {

namespace {

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// The index N of "<prefix>N", or -1.
long suffix_index(const std::string& s, const char* prefix) {
  const size_t n = std::char_traits<char>::length(prefix);
  if (!starts_with(s, prefix) || s.size() == n) return -1;
  for (size_t k = n; k < s.size(); ++k)
    if (s[k] < '0' || s[k] > '9') return -1;
  return std::strtol(s.c_str() + n, nullptr, 10);
}

// The kernels the source defines (extern "C" __global__ void NAME(...)), in order.
std::vector<std::string> source_kernels(const std::string& source) {
  std::vector<std::string> out;
  const std::string marker = "__global__ void ";
  for (size_t at = source.find(marker); at != std::string::npos; at = source.find(marker, at + 1)) {
    const size_t start = at + marker.size();
    const size_t end = source.find('(', start);
    if (end == std::string::npos) break;
    std::string name = source.substr(start, end - start);
    name.erase(std::remove(name.begin(), name.end(), ' '), name.end());
    if (!name.empty() && std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  return out;
}

}  // namespace

LaunchShape launch_shape(const kir::Program& program, const std::string& kernel) {
  using DK = kir::Domain::Kind;
  LaunchShape s;
  if (const long k = suffix_index(kernel, "k"); k >= 0 && static_cast<size_t>(k) < program.kernels.size()) {
    const kir::Kernel& kern = program.kernels[static_cast<size_t>(k)];
    s.what = "kernel " + kern.name;
    const DK d = kern.domain.kind;
    // Event domains: a block of up to 64 threads per event, striding over its row or column.
    // Postsynaptic-parallel propagation: a thread per target, blocks of up to 256 as elsewhere.
    if ((d == DK::SynapticEvents && !codegen::simt::is_post_parallel(program, kern)) || d == DK::PostSynapticEvents ||
        d == DK::QueuedEvents || d == DK::DendriticEvents)
      s.block_size_cap = 64;
  } else if (kernel == "mc_compact_spikes") {
    s.what = "spike compaction";
    s.dynamic_shared_per_thread = 4;  // the scan's int per thread (mc_kernel_set_local)
  } else if (kernel == "mc_record_spikes") {
    s.what = "spike recording";
  } else if (kernel == "mc_copy_events") {
    s.what = "event queue copy";
  } else if (kernel == "mc_scan_rows") {
    s.what = "connectivity: row pointer scan";
    s.block_size_cap = 64;  // one block over the static _mc_scan[64]
  } else if (const long g = suffix_index(kernel, "mc_connect_count"); g >= 0 && static_cast<size_t>(g) < program.synapse_groups.size()) {
    s.what = "connectivity: row lengths of " + program.synapse_groups[static_cast<size_t>(g)].name;
    s.block_size_cap = 64;  // a block per row ranking its tiles in the static _mc_scan[64]
  } else if (const long f = suffix_index(kernel, "mc_connect_fill"); f >= 0 && static_cast<size_t>(f) < program.synapse_groups.size()) {
    s.what = "connectivity: rows of " + program.synapse_groups[static_cast<size_t>(f)].name;
    s.block_size_cap = 64;
  } else if (const long m = suffix_index(kernel, "mc_rec_state"); m >= 0 && static_cast<size_t>(m) < program.monitors.size()) {
    s.what = "state monitor " + program.monitors[static_cast<size_t>(m)].name;
  } else if (const long v = suffix_index(kernel, "mc_rec_spikevars"); v >= 0 && static_cast<size_t>(v) < program.monitors.size()) {
    s.what = "spike monitor " + program.monitors[static_cast<size_t>(v)].name + " (variables)";
  } else {
    s.what = "device kernel";
  }
  return s;
}

DeviceCodeReport resource_report(const kir::Program& program, const std::string& device_source,
                                 const std::string& ptxas_log, const std::vector<char>& cubin, int arch,
                                 const std::string& compiler) {
  DeviceCodeReport r;
  r.arch = "sm_" + std::to_string(arch);
  r.compiler = compiler;
  const SmLimits* sm = sm_limits(arch);
  if (sm) r.max_warps_per_sm = sm->max_warps;
  const std::vector<PtxasFunction> functions = parse_ptxas_info(ptxas_log);
  const std::map<std::string, ElfSection> sections = elf_sections(cubin);
  r.module_constant = module_constant_bytes(sections);
  std::vector<std::string> missing;
  for (const std::string& name : source_kernels(device_source)) {
    const auto f = std::find_if(functions.begin(), functions.end(),
                                [&](const PtxasFunction& p) { return p.entry && p.has_usage && p.name == name; });
    if (f == functions.end()) {
      missing.push_back(name);
      continue;
    }
    const LaunchShape shape = launch_shape(program, name);
    DeviceKernelResources k;
    k.name = name;
    k.what = shape.what;
    k.registers = f->registers;
    k.barriers = f->barriers;
    k.spill_stores = f->spill_stores;
    k.spill_loads = f->spill_loads;
    k.stack_frame = std::max(f->stack_frame, f->local);
    k.shared_static = f->shared;
    k.constant = sections.empty() ? f->constant : kernel_constant_bytes(sections, name);
    k.block_size_cap = shape.block_size_cap;
    // The runtime's mc_kernel_local_size: the driver's maximum, capped, rounded down to whole warps.
    k.max_threads_per_block = sm ? max_threads_per_block(*sm, f->registers) : 0;
    int block = sm ? std::min(k.max_threads_per_block, shape.block_size_cap) : shape.block_size_cap;
    if (block >= 32) block -= block % 32;
    k.block_size = block;
    k.shared_dynamic = static_cast<int64_t>(shape.dynamic_shared_per_thread) * block;
    if (sm) {
      const Occupancy o = occupancy(*sm, f->registers, block, k.shared_static + k.shared_dynamic);
      k.active_blocks = o.blocks;
      k.active_warps = o.warps;
      k.occupancy = o.fraction;
      k.limiter = o.limiter;
    }
    r.kernels.push_back(std::move(k));
  }
  if (!sm)
    r.note = "no occupancy table for " + r.arch + " (backends/cuda/occupancy.cpp has sm_70, sm_75, sm_80, sm_86, "
             "sm_89, sm_90): max threads, block size and occupancy are not computed";
  if (!missing.empty()) {
    std::string names;
    for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
    r.note += std::string(r.note.empty() ? "" : "; ") + "ptxas reported nothing for " + names;
  }
  return r;
}

}  // namespace modelc::backends::cuda
