#include "backends/cuda/occupancy.h"

#include <algorithm>
#include <climits>

namespace modelc::backends::cuda {

namespace {

int64_t round_up(int64_t x, int64_t unit) { return unit > 0 ? (x + unit - 1) / unit * unit : x; }

SmLimits limits(int arch, int max_warps, int max_blocks, int64_t shared_kb, int64_t shared_unit, int64_t reserved) {
  SmLimits s;
  s.arch = arch;
  s.max_warps = max_warps;
  s.max_blocks = max_blocks;
  s.shared_per_sm = shared_kb * 1024;
  s.shared_unit = shared_unit;
  s.shared_reserved = reserved;
  return s;
}

// Registers a warp is given.
int64_t warp_registers(const SmLimits& sm, int registers) {
  return round_up(static_cast<int64_t>(registers) * sm.warp_size, sm.register_unit);
}

// The per-block register checks of the hardware (warps rounded up to the sub-partitions) and of
// the driver (warps as they are).
bool block_registers_fit(const SmLimits& sm, int registers, int warps) {
  const int64_t per_warp = warp_registers(sm, registers);
  return registers <= sm.registers_per_thread && per_warp * round_up(warps, sm.sub_partitions) <= sm.registers_per_block &&
         per_warp * warps <= sm.registers_per_block;
}

}  // namespace

const std::vector<SmLimits>& sm_limits_table() {
  // arch, warps/SM, blocks/SM, shared KB/SM, shared unit, reserved per block.
  static const std::vector<SmLimits> t = {
      limits(70, 64, 32, 96, 256, 0),     // Volta (V100)
      limits(75, 32, 16, 64, 256, 0),     // Turing (T4, RTX 20)
      limits(80, 64, 32, 164, 128, 1024), // Ampere (A100)
      limits(86, 48, 16, 100, 128, 1024), // Ampere (RTX 30, A40)
      limits(89, 48, 24, 100, 128, 1024), // Ada (RTX 40, L4, L40)
      limits(90, 64, 32, 228, 128, 1024), // Hopper (H100, H200)
  };
  return t;
}

const SmLimits* sm_limits(int arch) {
  for (const auto& s : sm_limits_table())
    if (s.arch == arch) return &s;
  return nullptr;
}

int max_threads_per_block(const SmLimits& sm, int registers_per_thread) {
  for (int warps = sm.max_threads_per_block / sm.warp_size; warps > 0; --warps)
    if (block_registers_fit(sm, registers_per_thread, warps)) return warps * sm.warp_size;
  return 0;
}

Occupancy occupancy(const SmLimits& sm, int registers, int block_size, int64_t shared_bytes) {
  Occupancy o;
  if (block_size <= 0) return o;
  const int warps = static_cast<int>(round_up(block_size, sm.warp_size) / sm.warp_size);
  if (block_size > sm.max_threads_per_block) {
    o.limiter = "warps";
    return o;
  }
  if (!block_registers_fit(sm, registers, warps)) {
    o.limiter = "registers";
    return o;
  }
  const int64_t shared = round_up(shared_bytes + sm.shared_reserved, sm.shared_unit);
  if (shared > sm.shared_per_block + sm.shared_reserved) {
    o.limiter = "shared memory";
    return o;
  }
  // Each limit on resident blocks; the smallest binds (ties go to the first listed).
  const int64_t per_warp = warp_registers(sm, registers);
  const int by_registers =
      per_warp > 0 ? static_cast<int>(sm.registers / sm.sub_partitions / per_warp * sm.sub_partitions / warps) : INT_MAX;
  const struct {
    int blocks;
    const char* name;
  } bounds[] = {
      {sm.max_warps / warps, "warps"},
      {sm.max_blocks, "blocks"},
      {by_registers, "registers"},
      {shared > 0 ? static_cast<int>(sm.shared_per_sm / shared) : INT_MAX, "shared memory"},
  };
  o.blocks = INT_MAX;
  for (const auto& b : bounds)
    if (b.blocks < o.blocks) o.blocks = b.blocks, o.limiter = b.name;
  o.warps = o.blocks * warps;
  o.fraction = static_cast<double>(o.warps) / sm.max_warps;
  return o;
}

}  // namespace modelc::backends::cuda
