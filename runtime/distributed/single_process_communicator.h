// The communicator of a run that is not distributed: one rank, every collective a copy. Lets code
// written for a distributed run run unchanged in one process.
#pragma once

#include "runtime/distributed/communicator.h"

namespace modelc::runtime::distributed {

class SingleProcessCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  bool allgather(const int32_t* send, int64_t count, std::vector<int32_t>& recv, std::vector<int64_t>& counts,
                 std::string& error) override;
  bool gather(const std::string& send, std::vector<std::string>& recv, std::string& error) override;
  bool broadcast(std::string& value, std::string& error) override;
  bool barrier(std::string& error) override;
  [[noreturn]] void abort(const std::string& message) override;
};

}  // namespace modelc::runtime::distributed
