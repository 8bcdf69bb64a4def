#include "runtime/distributed/partition_adapter.h"

#include <chrono>

namespace modelc::runtime::distributed {

PartitionAdapter::PartitionAdapter(Communicator& comm) : comm_(comm) {
  partition_.rank = comm.rank();
  partition_.num_ranks = comm.size();
  partition_.context = this;
  partition_.allgather = &PartitionAdapter::allgather;
}

// Called from generated C code: nothing may throw through it.
int PartitionAdapter::allgather(void* context, const int32_t* send, int64_t count, const int32_t** recv,
                                const int64_t** recv_counts) {
  auto* self = static_cast<PartitionAdapter*>(context);
  try {
    const auto t0 = std::chrono::steady_clock::now();
    if (count < 0 || (count > 0 && send == nullptr)) {
      self->error_ = "the module passed an invalid exchange buffer (" + std::to_string(count) + " values)";
      return 1;
    }
    if (!self->comm_.allgather(send, count, self->recv_, self->counts_, self->error_)) return 1;
    self->stats_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ++self->stats_.windows;
    self->stats_.bytes_sent += count * static_cast<int64_t>(sizeof(int32_t));
    self->stats_.bytes_received += static_cast<int64_t>(self->recv_.size() * sizeof(int32_t));
    // A non-null pointer even when nobody sent anything.
    if (self->recv_.empty()) self->recv_.reserve(1);
    *recv = self->recv_.data();
    *recv_counts = self->counts_.data();
    return 0;
  } catch (const std::exception& e) {
    self->error_ = std::string("the exchange failed: ") + e.what();
    return 1;
  }
}

}  // namespace modelc::runtime::distributed
