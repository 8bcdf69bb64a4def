#include "modelc/distributed.h"

#include <cstdlib>

#include "api/communicator_impl.h"

namespace modelc::api {

Communicator::Communicator(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

int Communicator::rank() const { return impl_ && impl_->comm ? impl_->comm->rank() : 0; }

int Communicator::size() const { return impl_ && impl_->comm ? impl_->comm->size() : 1; }

std::vector<bool> Communicator::all_ok(bool ok) const {
  if (!impl_ || !impl_->comm) return {ok};
  runtime::distributed::Communicator& comm = *impl_->comm;
  const int32_t mine = ok ? 1 : 0;
  std::vector<int32_t> all;
  std::vector<int64_t> counts;
  std::string error;
  if (!comm.allgather(&mine, 1, all, counts, error)) comm.abort("modelc: " + comm.describe() + " failed: " + error);
  return std::vector<bool>(all.begin(), all.end());
}

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"})
    if (std::getenv(v) != nullptr) return true;
  return false;
}

}  // namespace modelc::api
