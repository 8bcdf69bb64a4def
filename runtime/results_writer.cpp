#include "runtime/results_writer.h"

#include <unistd.h>

#include <fstream>
#include <system_error>

namespace modelc::runtime {

namespace fs = std::filesystem;

namespace {

fs::path sibling_with_suffix(const fs::path& dir, const std::string& suffix) {
  fs::path clean = dir.lexically_normal();
  // "out/" normalises to "out/" with an empty file name: strip it so the sibling is "out.tmp-N".
  if (!clean.has_filename()) clean = clean.parent_path();
  return fs::path(clean.string() + suffix);
}

bool is_plain_file_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\\') == std::string::npos && name.find('\0') == std::string::npos;
}

}  // namespace

ResultsWriter::ResultsWriter(fs::path dir) : dir_(std::move(dir)) {
  temp_dir_ = sibling_with_suffix(dir_, ".tmp-" + std::to_string(::getpid()));
}

ResultsWriter::~ResultsWriter() {
  if (!committed_) discard();
}

void ResultsWriter::discard() {
  if (!temp_created_) return;
  std::error_code ec;
  fs::remove_all(temp_dir_, ec);  // best effort: nothing more to do if this fails too
  temp_created_ = false;
}

bool ResultsWriter::ensure_temp_dir(std::string& error) {
  if (temp_created_) return true;
  std::error_code ec;
  // A stale temp dir can only come from an earlier crashed process with our pid: drop it.
  fs::remove_all(temp_dir_, ec);
  fs::path parent = temp_dir_.parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  if (ec || !fs::create_directory(temp_dir_, ec) || ec) {
    error = "cannot create results directory " + temp_dir_.string() + ": " +
            (ec ? ec.message() : std::string("already exists"));
    return false;
  }
  temp_created_ = true;
  return true;
}

bool ResultsWriter::add_array(const std::string& file_name, const NpyView& data,
                              const nlohmann::json& metadata, std::string& error) {
  if (!first_error_.empty()) {
    error = first_error_;
    return false;
  }
  if (committed_) {
    error = "results for " + dir_.string() + " were already committed";
    return false;
  }
  auto fail = [&](std::string message) {
    first_error_ = message;
    error = std::move(message);
    return false;
  };
  if (!is_plain_file_name(file_name) || file_name == "manifest.json")
    return fail("invalid results file name '" + file_name + "'");
  if (arrays_.contains(file_name)) return fail("results file '" + file_name + "' written twice");
  std::string io_error;
  if (!ensure_temp_dir(io_error)) return fail(io_error);
  if (!write_npy(temp_dir_ / file_name, data, io_error)) return fail(io_error);

  nlohmann::json entry = metadata.is_object() ? metadata : nlohmann::json::object();
  entry["dtype"] = npy_dtype_name(data.dtype);
  entry["shape"] = data.shape;
  arrays_[file_name] = std::move(entry);
  return true;
}

void ResultsWriter::set_manifest(nlohmann::json manifest) {
  manifest_ = manifest.is_object() ? std::move(manifest) : nlohmann::json::object();
}

bool ResultsWriter::commit(std::string& error) {
  if (committed_) {
    error = "results for " + dir_.string() + " were already committed";
    return false;
  }
  if (!first_error_.empty()) {
    error = first_error_;
    discard();
    return false;
  }
  auto fail = [&](std::string message) {
    error = std::move(message);
    discard();
    return false;
  };
  if (!ensure_temp_dir(error)) return fail(error);

  nlohmann::json manifest = manifest_;
  manifest["arrays"] = arrays_;
  {
    fs::path manifest_path = temp_dir_ / "manifest.json";
    std::ofstream out(manifest_path);
    // Replace invalid UTF-8 (e.g. from a model name) rather than throw out of dump().
    if (out) out << manifest.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    out.close();
    if (!out) return fail("cannot write " + manifest_path.string());
  }

  std::error_code ec;
  fs::path old_dir;
  if (fs::exists(fs::symlink_status(dir_, ec))) {
    old_dir = sibling_with_suffix(dir_, ".old-" + std::to_string(::getpid()));
    fs::remove_all(old_dir, ec);
    fs::rename(dir_, old_dir, ec);
    if (ec) return fail("cannot move old results " + dir_.string() + " aside: " + ec.message());
  }
  fs::rename(temp_dir_, dir_, ec);
  if (ec) {
    std::string message = "cannot rename " + temp_dir_.string() + " to " + dir_.string() + ": " +
                          ec.message();
    if (!old_dir.empty()) {
      std::error_code restore_ec;
      fs::rename(old_dir, dir_, restore_ec);
      if (restore_ec) message += " (old results left in " + old_dir.string() + ")";
    }
    return fail(message);
  }
  temp_created_ = false;
  committed_ = true;
  if (!old_dir.empty()) fs::remove_all(old_dir, ec);  // the new results are in place already
  return true;
}

}  // namespace modelc::runtime
