// What the tasks of a step read and write, for the passes that move kernels in Program::step_tasks
// (fuse-neuron-kernels, fuse-synaptic-propagation): a kernel may move past a task only when the two
// do not touch the same data with at least one of them writing it.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ir/kernel_ir.h"

namespace modelc::passes::kernel {

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

// The accesses of the program's kernels and monitors, each computed once. Passes that ask about
// every pair of tasks (10,000 populations: 10^8 questions) would otherwise walk kernel bodies for
// each. Valid while no existing kernel or monitor is changed in place (appending is fine): one
// pass's run, ended by remove_unused_kernels, which renumbers.
class AccessCache {
 public:
  explicit AccessCache(const kir::Program& p) : p_(p) {}
  const Access& task(const kir::Task& t);
  const Access& kernel(size_t index);

 private:
  const kir::Program& p_;
  std::vector<std::optional<Access>> kernels_, monitors_;
};

// Why kernel `moved` may not move past the tasks at `positions` of p.step_tasks ("" = it may), e.g.
// "kernel Ce_pre reads P_v, which P_reset writes".
std::string move_blocker(const kir::Program& p, const kir::Kernel& moved, const std::vector<size_t>& positions);
std::string move_blocker(const kir::Program& p, const Access& moved, const std::string& moved_name,
                         const std::vector<size_t>& positions, AccessCache& cache);

// Which tasks of p.step_tasks touch each buffer, so that move_blocker looks up the moved kernel's
// few buffers instead of comparing it with every jumped task: fusing 10,000 populations asks 10,000
// times about ~10,000 tasks. Call refresh() after p.step_tasks changed (O(tasks), integers only;
// a task seen for the first time is indexed once).
class TaskIndex {
 public:
  TaskIndex(const kir::Program& p, AccessCache& cache) : p_(p), cache_(cache) { refresh(); }
  void refresh();
  // As move_blocker above, same answer; `positions` ascending.
  std::string move_blocker(const Access& moved, const std::string& moved_name, const std::vector<size_t>& positions);

 private:
  using Key = std::pair<bool, size_t>;  // (is a kernel, kernel or monitor index)
  static Key key_of(const kir::Task& t) { return {t.kind == kir::Task::Kind::RunKernel, t.index}; }
  const kir::Program& p_;
  AccessCache& cache_;
  std::vector<size_t>& positions_of(const Key& k) { return (k.first ? kernel_pos_ : monitor_pos_)[k.second]; }
  std::map<std::string, std::vector<Key>> touching_;
  std::vector<bool> kernel_indexed_, monitor_indexed_;
  std::vector<std::vector<size_t>> kernel_pos_, monitor_pos_;  // where each runs now
};

// What a set of tasks reads and writes together, grown one task at a time: asking whether a
// kernel may move past all of them is then one comparison, not one per task.
struct AccessUnion {
  Access all;
  void add(const Access& a) {
    all.reads.insert(a.reads.begin(), a.reads.end());
    all.writes.insert(a.writes.begin(), a.writes.end());
  }
};

// True when every statement touches the buffers written anywhere in `written` only at element "i"
// (stores, accumulates and loads of written buffers), so neurons are independent of each other.
bool block_elementwise_i(const kir::Block& b, const std::set<std::string>& written);

// Drops kernels no task or init list refers to and renumbers the references.
void remove_unused_kernels(kir::Program& p);

// A kernel name not used by any kernel of `p`, starting from `base`.
std::string unique_kernel_name(const kir::Program& p, const std::string& base);

}  // namespace modelc::passes::kernel
