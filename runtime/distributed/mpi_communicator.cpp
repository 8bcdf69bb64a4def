#include "runtime/distributed/mpi_communicator.h"

#include <mpi.h>

#include <climits>
#include <cstdio>
#include <cstdlib>

namespace modelc::runtime::distributed {

namespace {

// MPI counts are int: a message of more than INT_MAX elements cannot be described.
bool fits_int(int64_t n) { return n >= 0 && n <= INT_MAX; }

}  // namespace

std::unique_ptr<MpiCommunicator> MpiCommunicator::create(int* argc, char*** argv, std::string& error) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  bool owns = false;
  if (!initialized) {
    if (MPI_Init(argc, argv) != MPI_SUCCESS) {
      error = "MPI_Init failed";
      return nullptr;
    }
    owns = true;
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return std::unique_ptr<MpiCommunicator>(new MpiCommunicator(rank, size, owns));
}

MpiCommunicator::~MpiCommunicator() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (owns_ && !finalized) MPI_Finalize();
}

bool MpiCommunicator::check(int rc, const char* call, std::string& error) const {
  if (rc == MPI_SUCCESS) return true;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) len = 0;
  error = std::string(call) + " failed" + (len > 0 ? ": " + std::string(text, static_cast<size_t>(len)) : std::string());
  return false;
}

bool MpiCommunicator::allgather(const int32_t* send, int64_t count, std::vector<int32_t>& recv,
                                std::vector<int64_t>& counts, std::string& error) {
  counts.assign(static_cast<size_t>(size_), 0);
  int64_t mine = count;
  if (!check(MPI_Allgather(&mine, 1, MPI_INT64_T, counts.data(), 1, MPI_INT64_T, MPI_COMM_WORLD), "MPI_Allgather", error))
    return false;
  std::vector<int> n(static_cast<size_t>(size_)), displs(static_cast<size_t>(size_));
  int64_t total = 0;
  for (int r = 0; r < size_; ++r) {
    if (!fits_int(counts[r]) || !fits_int(total)) {
      error = "an exchange of " + std::to_string(counts[r]) + " values from rank " + std::to_string(r) +
              " is too large for one MPI_Allgatherv";
      return false;
    }
    n[r] = static_cast<int>(counts[r]);
    displs[r] = static_cast<int>(total);
    total += counts[r];
  }
  recv.resize(static_cast<size_t>(total));
  static const int32_t nothing = 0;
  return check(MPI_Allgatherv(count > 0 ? send : &nothing, static_cast<int>(count), MPI_INT32_T, recv.data(), n.data(),
                              displs.data(), MPI_INT32_T, MPI_COMM_WORLD),
               "MPI_Allgatherv", error);
}

bool MpiCommunicator::gather(const std::string& send, std::vector<std::string>& recv, std::string& error) {
  int64_t mine = static_cast<int64_t>(send.size());
  std::vector<int64_t> sizes(rank_ == 0 ? static_cast<size_t>(size_) : 0);
  if (!check(MPI_Gather(&mine, 1, MPI_INT64_T, sizes.data(), 1, MPI_INT64_T, 0, MPI_COMM_WORLD), "MPI_Gather", error))
    return false;
  // Every rank learns whether the whole fits one MPI_Gatherv, so all take the same path.
  int64_t total = 0;
  for (int64_t s : sizes) total += s;
  int too_large = rank_ == 0 && !fits_int(total) ? 1 : 0;
  if (!check(MPI_Bcast(&too_large, 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Bcast", error)) return false;
  if (too_large) {
    error = "the ranks' results (" + std::to_string(total) + " bytes) are too large for one MPI_Gatherv (2 GiB)";
    return false;
  }
  std::vector<int> n(sizes.size()), displs(sizes.size());
  for (size_t r = 0, at = 0; r < sizes.size(); at += sizes[r], ++r) {
    n[r] = static_cast<int>(sizes[r]);
    displs[r] = static_cast<int>(at);
  }
  std::string all(static_cast<size_t>(total), '\0');
  static const char nothing = 0;
  if (!check(MPI_Gatherv(send.empty() ? &nothing : send.data(), static_cast<int>(send.size()), MPI_CHAR, all.data(), n.data(),
                         displs.data(), MPI_CHAR, 0, MPI_COMM_WORLD),
             "MPI_Gatherv", error))
    return false;
  recv.clear();
  for (size_t r = 0; r < sizes.size(); ++r) recv.push_back(all.substr(static_cast<size_t>(displs[r]), static_cast<size_t>(n[r])));
  return true;
}

bool MpiCommunicator::broadcast(std::string& value, std::string& error) {
  int64_t n = static_cast<int64_t>(value.size());
  if (!check(MPI_Bcast(&n, 1, MPI_INT64_T, 0, MPI_COMM_WORLD), "MPI_Bcast", error)) return false;
  if (!fits_int(n)) {
    error = "a broadcast of " + std::to_string(n) + " bytes is too large for MPI_Bcast";
    return false;
  }
  value.resize(static_cast<size_t>(n));
  if (n == 0) return true;
  return check(MPI_Bcast(value.data(), static_cast<int>(n), MPI_CHAR, 0, MPI_COMM_WORLD), "MPI_Bcast", error);
}

bool MpiCommunicator::barrier(std::string& error) {
  return check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier", error);
}

void MpiCommunicator::abort(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::_Exit(1);  // MPI_Abort does not return; if it did, this rank still must not go on
}

}  // namespace modelc::runtime::distributed
