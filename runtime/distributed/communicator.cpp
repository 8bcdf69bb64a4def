#include "runtime/distributed/communicator.h"

#include "runtime/distributed/byte_codec.h"

namespace modelc::runtime::distributed {

bool Communicator::allgather_strings(const std::string& send, std::vector<std::string>& recv, std::string& error) {
  std::vector<std::string> gathered;
  if (!gather(send, gathered, error)) return false;
  std::string packed;
  if (rank() == 0) {
    ByteWriter w;
    w.put<uint64_t>(gathered.size());
    for (const auto& s : gathered) w.put_string(s);
    packed = w.take();
  }
  if (!broadcast(packed, error)) return false;
  ByteReader r(packed);
  uint64_t n = 0;
  recv.clear();
  if (r.get(n) && n == static_cast<uint64_t>(size()))
    for (uint64_t k = 0; k < n && r.get_string(recv.emplace_back()); ++k) {
    }
  if (!r.at_end() || recv.size() != static_cast<size_t>(size())) {
    error = "the ranks' strings arrived corrupted";
    return false;
  }
  return true;
}

std::string Communicator::describe() const {
  return "rank " + std::to_string(rank()) + " of " + std::to_string(size());
}

}  // namespace modelc::runtime::distributed
