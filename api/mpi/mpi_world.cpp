// modelc::mpi_world: the one entry point of libmodelc_mpi.
#include "modelc/mpi.h"

#include "api/communicator_impl.h"
#include "api/errors.h"
#include "runtime/distributed/mpi_communicator.h"

namespace modelc::api {

Result<Communicator> mpi_world(int* argc, char*** argv) {
  static std::weak_ptr<Communicator::Impl> world;
  if (auto existing = world.lock()) return Communicator(existing);
  std::string error;
  auto comm = runtime::distributed::MpiCommunicator::create(argc, argv, error);
  if (!comm) return api_impl::make_error(ErrorCode::RuntimeFailed, "cannot start MPI: " + error);
  auto impl = std::make_shared<Communicator::Impl>();
  impl->comm = std::move(comm);
  world = impl;
  return Communicator(impl);
}

}  // namespace modelc::api
