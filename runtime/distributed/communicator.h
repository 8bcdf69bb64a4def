// The processes of one distributed run as the host sees them (docs/distributed.md): a rank, a
// size and the few collectives the host needs. The generated module's event exchange goes through
// allgather (via partition_adapter.h); the driver uses the rest to agree on the build, gather the
// ranks' results on rank 0 and end the job on a failure. Implementations: one process
// (SingleProcessCommunicator), ranks as threads of one process (ThreadCommunicator, for tests) and
// MPI (mpi_communicator.h, in the separate libmodelc_mpi so that libmodelc never links MPI).
//
// Every collective must be called by every rank in the same order. A collective returns false with
// `error` set when it cannot complete (a rank left, the transport failed); the caller then ends the
// job with abort(), which never returns and never waits for the other ranks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace modelc::runtime::distributed {

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;

  // Every rank contributes `count` values; `recv` receives all ranks' values concatenated in rank
  // order and `counts` one count per rank.
  virtual bool allgather(const int32_t* send, int64_t count, std::vector<int32_t>& recv,
                         std::vector<int64_t>& counts, std::string& error) = 0;
  // Rank 0 receives every rank's `send` in rank order (its own first); other ranks receive nothing.
  virtual bool gather(const std::string& send, std::vector<std::string>& recv, std::string& error) = 0;
  // Every rank's `value` becomes rank 0's.
  virtual bool broadcast(std::string& value, std::string& error) = 0;
  virtual bool barrier(std::string& error) = 0;
  // Prints `message` (one line, on stderr, by this rank) and ends every rank of the job with a
  // non-zero status. Thread ranks cannot end the process: they throw RankAborted instead.
  [[noreturn]] virtual void abort(const std::string& message) = 0;

  // Every rank receives every rank's `send`, in rank order (gather, then broadcast).
  bool allgather_strings(const std::string& send, std::vector<std::string>& recv, std::string& error);

  // "rank 1 of 3"
  std::string describe() const;
};

}  // namespace modelc::runtime::distributed
