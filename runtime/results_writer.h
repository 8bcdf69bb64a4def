// Writes a results directory atomically: a reader (or a crash) never sees a half-written mix of old
// and new results. Everything goes into `<dir>.tmp-<pid>`; commit() moves the old `<dir>` aside,
// renames the temporary directory to `<dir>` and only then deletes the old results. Any failure
// removes the temporary directory and leaves the old results as they were.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/npy_writer.h"

namespace modelc::runtime {

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
  const nlohmann::json& arrays() const { return arrays_; }

 private:
  bool ensure_temp_dir(std::string& error);
  void discard();

  std::filesystem::path dir_;
  std::filesystem::path temp_dir_;
  nlohmann::json manifest_ = nlohmann::json::object();
  nlohmann::json arrays_ = nlohmann::json::object();
  bool temp_created_ = false;
  bool committed_ = false;
  std::string first_error_;
};

}  // namespace modelc::runtime
