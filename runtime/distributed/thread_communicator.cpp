#include "runtime/distributed/thread_communicator.h"

#include <cstring>

namespace modelc::runtime::distributed {

bool ThreadGroup::wait_all(std::unique_lock<std::mutex>& lock) {
  const uint64_t gen = generation_;
  if (++arrived_ == ranks_) {
    arrived_ = 0;
    ++generation_;
    cv_.notify_all();
    return !aborted_;
  }
  cv_.wait(lock, [&] { return generation_ != gen || aborted_; });
  return !aborted_;
}

bool ThreadGroup::exchange(int rank, std::string mine, std::vector<std::string>& all) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (aborted_) return false;
  slots_[rank] = std::move(mine);
  if (!wait_all(lock)) return false;
  all = slots_;
  // Nobody deposits for the next collective before everyone has copied this one.
  return wait_all(lock);
}

void ThreadGroup::abort(const std::string& message) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!aborted_) abort_message_ = message;
  aborted_ = true;
  cv_.notify_all();
}

bool ThreadGroup::aborted() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return aborted_;
}

std::string ThreadGroup::abort_message() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return abort_message_;
}

bool ThreadCommunicator::exchange(std::string mine, std::vector<std::string>& all, std::string& error) {
  if (group_.exchange(rank_, std::move(mine), all)) return true;
  error = "another rank aborted the job";
  return false;
}

bool ThreadCommunicator::allgather(const int32_t* send, int64_t count, std::vector<int32_t>& recv,
                                   std::vector<int64_t>& counts, std::string& error) {
  std::vector<std::string> all;
  if (!exchange(std::string(reinterpret_cast<const char*>(send), static_cast<size_t>(count) * sizeof(int32_t)), all, error))
    return false;
  recv.clear();
  counts.clear();
  for (const auto& s : all) {
    const size_t n = s.size() / sizeof(int32_t);
    const size_t at = recv.size();
    recv.resize(at + n);
    if (n > 0) std::memcpy(recv.data() + at, s.data(), n * sizeof(int32_t));
    counts.push_back(static_cast<int64_t>(n));
  }
  return true;
}

bool ThreadCommunicator::gather(const std::string& send, std::vector<std::string>& recv, std::string& error) {
  std::vector<std::string> all;
  if (!exchange(send, all, error)) return false;
  if (rank_ == 0)
    recv = std::move(all);
  else
    recv.clear();
  return true;
}

bool ThreadCommunicator::broadcast(std::string& value, std::string& error) {
  std::vector<std::string> all;
  if (!exchange(rank_ == 0 ? value : std::string(), all, error)) return false;
  value = all[0];
  return true;
}

bool ThreadCommunicator::barrier(std::string& error) {
  std::vector<std::string> all;
  return exchange({}, all, error);
}

void ThreadCommunicator::abort(const std::string& message) {
  group_.abort(message);
  throw RankAborted(message);
}

}  // namespace modelc::runtime::distributed
