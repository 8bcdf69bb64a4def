// The ranks of the MPI job this process is part of (libmodelc_mpi; link modelc::modelc_mpi, and
// only when modelc was built with MPI: MODELC_HAVE_MPI). docs/distributed.md.
#pragma once

#include "modelc/distributed.h"
#include "modelc/result.h"

namespace modelc::api {

// MPI_Init on the first call (MPI_Finalize when the last copy of the Communicator is destroyed);
// an error when MPI cannot start. A process not started by mpirun is a job of one rank.
Result<Communicator> mpi_world(int* argc, char*** argv);

}  // namespace modelc::api
