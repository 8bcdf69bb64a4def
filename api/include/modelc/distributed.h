// Distributed runs (docs/distributed.md): one model split over the ranks of an MPI job, giving the
// results of the one-process run exactly. A Communicator is the set of ranks this process belongs
// to; every rank calls Model::run with the same options and the Communicator in
// RunOptions::communicator. Communicators come from modelc::mpi_world() (<modelc/mpi.h>, in
// libmodelc_mpi, built when MPI is found); libmodelc itself never links MPI.
#pragma once

#include <memory>
#include <vector>

namespace modelc::api {

class Communicator {
 public:
  int rank() const;
  int size() const;
  // Collective: every rank's `ok`, in rank order, on every rank. A rank that cannot go on must
  // still call it (and then stop with the others): ranks that leave on their own make the others
  // wait for them for ever. If the collective itself fails, the job ends.
  std::vector<bool> all_ok(bool ok) const;

  struct Impl;
  explicit Communicator(std::shared_ptr<Impl> impl);
  const std::shared_ptr<Impl>& impl() const { return impl_; }

 private:
  std::shared_ptr<Impl> impl_;
};

// Whether this process was started by an MPI launcher (mpirun, mpiexec, srun): one of
// OMPI_COMM_WORLD_SIZE, PMIX_RANK or PMI_SIZE is set.
bool launched_by_mpi();

}  // namespace modelc::api
