// The Communicator of ranks started by mpirun: MPI_COMM_WORLD. Built into libmodelc_mpi only
// (CMake finds MPI), so libmodelc and what loads it (the Python extension) never link MPI.
// MPI errors return to the caller (MPI_ERRORS_RETURN) instead of killing the job with MPI's own
// message, so a failing collective reaches the user as "rank r of R failed: <why>".
#pragma once

#include <memory>
#include <string>

#include "runtime/distributed/communicator.h"

namespace modelc::runtime::distributed {

class MpiCommunicator final : public Communicator {
 public:
  // MPI_Init (unless MPI is initialised already); null with `error` when MPI cannot start.
  static std::unique_ptr<MpiCommunicator> create(int* argc, char*** argv, std::string& error);
  ~MpiCommunicator() override;  // MPI_Finalize, if create() initialised MPI

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  bool allgather(const int32_t* send, int64_t count, std::vector<int32_t>& recv, std::vector<int64_t>& counts,
                 std::string& error) override;
  bool gather(const std::string& send, std::vector<std::string>& recv, std::string& error) override;
  bool broadcast(std::string& value, std::string& error) override;
  bool barrier(std::string& error) override;
  [[noreturn]] void abort(const std::string& message) override;

 private:
  MpiCommunicator(int rank, int size, bool owns) : rank_(rank), size_(size), owns_(owns) {}
  bool check(int rc, const char* call, std::string& error) const;

  int rank_ = 0, size_ = 1;
  bool owns_ = false;
};

}  // namespace modelc::runtime::distributed
