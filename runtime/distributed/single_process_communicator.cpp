#include "runtime/distributed/single_process_communicator.h"

#include <cstdio>
#include <cstdlib>

namespace modelc::runtime::distributed {

bool SingleProcessCommunicator::allgather(const int32_t* send, int64_t count, std::vector<int32_t>& recv,
                                          std::vector<int64_t>& counts, std::string& error) {
  recv.assign(send, send + count);
  counts.assign(1, count);
  return true;
}

bool SingleProcessCommunicator::gather(const std::string& send, std::vector<std::string>& recv, std::string& error) {
  recv.assign(1, send);
  return true;
}

bool SingleProcessCommunicator::broadcast(std::string& value, std::string& error) { return true; }

bool SingleProcessCommunicator::barrier(std::string& error) { return true; }

void SingleProcessCommunicator::abort(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  std::fflush(stderr);
  std::exit(1);
}

}  // namespace modelc::runtime::distributed
