#include <cstdio>

#include "api/module_impl.h"
#include "modelc/module.h"

namespace modelc::api_impl {

api::DeviceCodeReport convert(const backends::DeviceCodeReport& r) {
  api::DeviceCodeReport out;
  out.arch = r.arch;
  out.compiler = r.compiler;
  out.max_warps_per_sm = r.max_warps_per_sm;
  out.module_constant = r.module_constant;
  out.note = r.note;
  for (const auto& k : r.kernels) {
    api::KernelResources o;
    o.name = k.name;
    o.what = k.what;
    o.registers = k.registers;
    o.barriers = k.barriers;
    o.spill_stores = k.spill_stores;
    o.spill_loads = k.spill_loads;
    o.stack_frame = k.stack_frame;
    o.shared_static = k.shared_static;
    o.shared_dynamic = k.shared_dynamic;
    o.constant = k.constant;
    o.max_threads_per_block = k.max_threads_per_block;
    o.block_size_cap = k.block_size_cap;
    o.block_size = k.block_size;
    o.active_blocks = k.active_blocks;
    o.active_warps = k.active_warps;
    o.occupancy = k.occupancy;
    o.limiter = k.limiter;
    out.kernels.push_back(std::move(o));
  }
  return out;
}

}  // namespace modelc::api_impl

namespace modelc::api {

std::string format_device_code_report(const DeviceCodeReport& r) {
  std::string out = "device code: " + r.arch + ", " + r.compiler + " (ptxas info); occupancy per SM";
  if (r.max_warps_per_sm > 0) out += " of " + std::to_string(r.max_warps_per_sm) + " warps";
  out += "\n";
  char line[512];
  std::snprintf(line, sizeof line, "  %-18s %4s %11s %6s %6s %6s %6s %9s %5s %7s %9s  %s\n", "kernel", "regs",
                "spill st/ld", "stack", "smem", "dsmem", "cmem", "maxthr", "block", "blk/SM", "occupancy", "what");
  out += line;
  for (const auto& k : r.kernels) {
    const std::string spills = std::to_string(k.spill_stores) + "/" + std::to_string(k.spill_loads);
    std::string occ = "-";
    if (r.max_warps_per_sm > 0) {
      char o[32];
      std::snprintf(o, sizeof o, "%.0f%%", 100.0 * k.occupancy);
      occ = o;
    }
    const std::string max_threads = k.max_threads_per_block > 0 ? std::to_string(k.max_threads_per_block) : "-";
    const std::string blocks = r.max_warps_per_sm > 0 ? std::to_string(k.active_blocks) : "-";
    // Below the SM's maximum, what keeps more warps out.
    const std::string limit = k.limiter.empty() || k.active_warps >= r.max_warps_per_sm ? "" : " (limited by " + k.limiter + ")";
    std::snprintf(line, sizeof line, "  %-18s %4d %11s %6lld %6lld %6lld %6lld %9s %5d %7s %9s  %s%s\n", k.name.c_str(),
                  k.registers, spills.c_str(), static_cast<long long>(k.stack_frame),
                  static_cast<long long>(k.shared_static), static_cast<long long>(k.shared_dynamic),
                  static_cast<long long>(k.constant), max_threads.c_str(), k.block_size, blocks.c_str(), occ.c_str(),
                  k.what.c_str(), limit.c_str());
    out += line;
  }
  out += "  (bytes: spills and stack per thread, smem/dsmem static/dynamic shared per block, cmem the kernel's constant "
         "banks";
  if (r.module_constant > 0) out += "; " + std::to_string(r.module_constant) + " more the kernels share";
  out += ")\n";
  if (!r.note.empty()) out += "  note: " + r.note + "\n";
  return out;
}

}  // namespace modelc::api
