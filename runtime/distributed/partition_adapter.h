// The host side of mc_partition (abi/modelc_abi.h): a generated module's event exchange, once per
// window, carried by a Communicator, with what it cost (the manifest records it per rank).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "abi/modelc_abi.h"
#include "runtime/distributed/communicator.h"

namespace modelc::runtime::distributed {

struct ExchangeStats {
  int64_t windows = 0;  // allgather calls: one per exchange window
  int64_t bytes_sent = 0;
  int64_t bytes_received = 0;
  double seconds = 0.0;  // wall time inside the collective (waiting for slower ranks included)
};

class PartitionAdapter {
 public:
  explicit PartitionAdapter(Communicator& comm);
  PartitionAdapter(const PartitionAdapter&) = delete;
  PartitionAdapter& operator=(const PartitionAdapter&) = delete;

  // Valid while this object lives; mc_options::partition must outlive the module.
  const mc_partition* partition() const { return &partition_; }
  const ExchangeStats& stats() const { return stats_; }
  // Why the last exchange failed (the module only reports that it failed).
  const std::string& error() const { return error_; }

 private:
  static int allgather(void* context, const int32_t* send, int64_t count, const int32_t** recv,
                       const int64_t** recv_counts);

  Communicator& comm_;
  mc_partition partition_{};
  std::vector<int32_t> recv_;
  std::vector<int64_t> counts_;
  ExchangeStats stats_;
  std::string error_;
};

}  // namespace modelc::runtime::distributed
