// What the tasks of a step read and write, for the passes that move kernels in Program::step_tasks
// (fuse-neuron-kernels, fuse-synaptic-propagation): a kernel may move past a task only when the two
// do not touch the same data with at least one of them writing it.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "ir/kernel_ir.h"

namespace modelc::kir_sched {

// Buffers read and written, by name. Event lists are pseudo-buffers "@events:<population>:<event>"
// ("spike" for spikes), written by emitting kernels and spike generators and read by spikes
// domains, spike / rate monitors and synaptic domains (every list of source and target: these may
// be triggered by any of them).
struct Access {
  std::set<std::string> reads, writes;
};

std::string events_of(const std::string& population, const std::string& event);

// The buffers of a block (kir::collect_accesses; an Accumulate target counts as read and written).
void collect_block(const kir::Block& b, Access& a);
bool block_emits(const kir::Block& b);

Access kernel_access(const kir::Program& p, const kir::Kernel& k);
Access task_access(const kir::Program& p, const kir::Task& t);

// The first buffer through which `a` and `b` depend on each other (read/write, write/read or
// write/write), or "" when they are independent and may run in either order.
std::string conflict(const Access& a, const Access& b);

// Why kernel `moved` may not move past the tasks at `positions` of p.step_tasks ("" = it may), e.g.
// "kernel Ce_pre reads P_v, which P_reset writes".
std::string move_blocker(const kir::Program& p, const kir::Kernel& moved, const std::vector<size_t>& positions);

// True when every statement touches the buffers written anywhere in `written` only at element "i"
// (stores, accumulates and loads of written buffers), so neurons are independent of each other.
bool block_elementwise_i(const kir::Block& b, const std::set<std::string>& written);

// Drops kernels no task or init list refers to and renumbers the references.
void remove_unused_kernels(kir::Program& p);

// A kernel name not used by any kernel of `p`, starting from `base`.
std::string unique_kernel_name(const kir::Program& p, const std::string& base);

}  // namespace modelc::kir_sched
