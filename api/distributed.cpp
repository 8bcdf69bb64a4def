#include "modelc/distributed.h"

#include <cstdlib>

#include "api/communicator_impl.h"

namespace modelc::api {

Communicator::Communicator(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

int Communicator::rank() const { return impl_ && impl_->comm ? impl_->comm->rank() : 0; }

int Communicator::size() const { return impl_ && impl_->comm ? impl_->comm->size() : 1; }

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"})
    if (std::getenv(v) != nullptr) return true;
  return false;
}

}  // namespace modelc::api
