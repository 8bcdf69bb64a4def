// Ranks as threads of one process: each thread holds a ThreadCommunicator of one ThreadGroup.
// Collectives meet at a barrier in shared memory, as MPI ranks meet in MPI calls, so code written
// for a distributed run (the driver, the partition adapter) can be tested without mpirun. A rank
// that aborts wakes the others: their pending and later collectives fail instead of waiting, and
// the aborting thread throws RankAborted (a thread cannot end the process as MPI_Abort does).
#pragma once

#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/distributed/communicator.h"

namespace modelc::runtime::distributed {

struct RankAborted : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class ThreadGroup {
 public:
  explicit ThreadGroup(int ranks) : ranks_(ranks), slots_(ranks) {}
  int size() const { return ranks_; }

  // Every rank deposits `mine` and receives everyone's deposits in rank order; false once a rank
  // aborted.
  bool exchange(int rank, std::string mine, std::vector<std::string>& all);
  void abort(const std::string& message);
  bool aborted() const;
  std::string abort_message() const;  // the first abort's

 private:
  bool wait_all(std::unique_lock<std::mutex>& lock);

  const int ranks_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> slots_;
  int arrived_ = 0;
  uint64_t generation_ = 0;
  bool aborted_ = false;
  std::string abort_message_;
};

class ThreadCommunicator final : public Communicator {
 public:
  ThreadCommunicator(ThreadGroup& group, int rank) : group_(group), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return group_.size(); }
  bool allgather(const int32_t* send, int64_t count, std::vector<int32_t>& recv, std::vector<int64_t>& counts,
                 std::string& error) override;
  bool gather(const std::string& send, std::vector<std::string>& recv, std::string& error) override;
  bool broadcast(std::string& value, std::string& error) override;
  bool barrier(std::string& error) override;
  [[noreturn]] void abort(const std::string& message) override;

 private:
  bool exchange(std::string mine, std::vector<std::string>& all, std::string& error);

  ThreadGroup& group_;
  const int rank_;
};

}  // namespace modelc::runtime::distributed
