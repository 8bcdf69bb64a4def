// Writes a results directory atomically: a reader (or a crash) never sees a half-written mix of old
// and new results. Everything goes into `<dir>.tmp-<pid>`; commit() moves the old `<dir>` aside,
// renames the temporary directory to `<dir>` and only then deletes the old results. Any failure
// (an interrupt included) removes the temporary directory and leaves the old results as they were.
//
// modelc deletes only what it recognisably wrote: a results directory whose manifest.json carries
// the marker below and that holds nothing but the files its manifest lists (or an empty
// directory). Anything else at the target path (a user's folder, a regular file, a symbolic link)
// is moved aside to `<dir>.replaced-<time>` by commit(), never deleted; the CLI refuses such a
// target up front unless --force.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/npy_writer.h"

namespace modelc::runtime {

// The marker in manifest.json that makes a directory recognisably modelc's.
inline constexpr const char* kResultsFormat = "modelc-results";
inline constexpr int kResultsFormatVersion = 1;

struct ResultsTarget {
  enum class State { Absent, Replaceable, Foreign };
  State state = State::Absent;
  std::string reason;  // Foreign: why ("it holds thesis.tex, which modelc did not write")
};
// What is at `path` now, and whether modelc may replace (delete) it.
ResultsTarget inspect_results_target(const std::filesystem::path& path);

// Removes `path` if inspect_results_target() says it is modelc's; returns false (and leaves it)
// otherwise.
bool remove_results_dir(const std::filesystem::path& path);

class ResultsWriter {
 public:
  explicit ResultsWriter(std::filesystem::path dir);
  ~ResultsWriter();  // removes the temporary directory unless commit() succeeded
  ResultsWriter(const ResultsWriter&) = delete;
  ResultsWriter& operator=(const ResultsWriter&) = delete;

  // Writes `file_name` (a plain file name ending in .npy, no directories) into the temporary
  // directory right away, so large monitors are not held twice in memory. `metadata` (unit,
  // monitor, field, ...) is merged into the manifest's "arrays" entry for the file together with
  // the dtype and shape. After the first failure every later call fails and commit() fails.
  bool add_array(const std::string& file_name, const NpyView& data, const nlohmann::json& metadata,
                 std::string& error);

  // The manifest written as manifest.json on commit; its "arrays" member is replaced by the index
  // of every added array.
  void set_manifest(nlohmann::json manifest);

  // Writes manifest.json and swaps the directories. Returns false (and cleans up) on any failure.
  bool commit(std::string& error);

  const std::filesystem::path& dir() const { return dir_; }
  const std::filesystem::path& temp_dir() const { return temp_dir_; }
  // After commit(): where a previous target that modelc did not write was moved, or empty.
  const std::filesystem::path& moved_aside() const { return moved_aside_; }
  // By default a SIGINT/SIGTERM abandons the write (commit() fails, nothing is replaced). Writes
  // that are themselves the response to a signal (partial results on stop) turn this off.
  void set_interruptible(bool on) { interruptible_ = on; }
  const nlohmann::json& arrays() const { return arrays_; }

 private:
  bool ensure_temp_dir(std::string& error);
  void discard();

  std::filesystem::path dir_;
  std::filesystem::path temp_dir_;
  std::filesystem::path moved_aside_;
  nlohmann::json manifest_ = nlohmann::json::object();
  nlohmann::json arrays_ = nlohmann::json::object();
  bool temp_created_ = false;
  bool committed_ = false;
  bool interruptible_ = true;
  std::string first_error_;
};

}  // namespace modelc::runtime
