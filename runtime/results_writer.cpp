#include "runtime/results_writer.h"

#include <unistd.h>

#include <ctime>
#include <fstream>
#include <system_error>

#include "support/interrupt.h"

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

// `<dir><suffix>`, or `<dir><suffix>-2`, -3, ... : the first name nothing exists at. Never
// reuses (and so never deletes) whatever is already there.
fs::path fresh_sibling(const fs::path& dir, const std::string& suffix) {
  std::error_code ec;
  for (int k = 1;; ++k) {
    fs::path p = sibling_with_suffix(dir, suffix + (k == 1 ? std::string() : "-" + std::to_string(k)));
    if (!fs::exists(fs::symlink_status(p, ec))) return p;
  }
}

std::string timestamp() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return buf;
}

bool is_modelc_manifest(const nlohmann::json& m) {
  if (!m.is_object()) return false;
  if (m.value("format", std::string()) == kResultsFormat) return true;
  // Results written before the marker existed: a modelc version and the arrays index.
  return m.contains("versions") && m["versions"].is_object() && m["versions"].contains("modelc") &&
         m.contains("arrays") && m["arrays"].is_object();
}

}  // namespace

ResultsTarget inspect_results_target(const fs::path& path) {
  ResultsTarget t;
  std::error_code ec;
  auto st = fs::symlink_status(path, ec);
  if (ec || !fs::exists(st)) return t;
  auto foreign = [&](std::string why) {
    t.state = ResultsTarget::State::Foreign;
    t.reason = std::move(why);
    return t;
  };
  if (fs::is_symlink(st)) return foreign("it is a symbolic link");
  if (fs::is_regular_file(st)) return foreign("it is a file, not a results directory");
  if (!fs::is_directory(st)) return foreign("it is not a directory");
  std::vector<std::string> entries;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    entries.push_back(it->path().filename().string());
    if (entries.size() > 100000) break;
  }
  if (ec) return foreign("its contents cannot be listed (" + ec.message() + ")");
  if (entries.empty()) {
    t.state = ResultsTarget::State::Replaceable;
    return t;
  }
  nlohmann::json manifest;
  {
    std::ifstream in(path / "manifest.json");
    if (!in) return foreign("it is a directory that modelc did not write (no manifest.json)");
    manifest = nlohmann::json::parse(in, nullptr, false);
  }
  if (manifest.is_discarded() || !is_modelc_manifest(manifest))
    return foreign("its manifest.json was not written by modelc");
  const nlohmann::json arrays = manifest.value("arrays", nlohmann::json::object());
  std::vector<std::string> extra;
  for (const auto& name : entries) {
    if (name == "manifest.json") continue;
    bool listed = arrays.is_object() && arrays.contains(name);
    if (!listed || !fs::is_regular_file(fs::symlink_status(path / name, ec))) extra.push_back(name);
  }
  if (!extra.empty()) {
    std::string list = extra[0];
    if (extra.size() > 1) list += " and " + std::to_string(extra.size() - 1) + " more";
    return foreign("it holds " + list + ", which modelc did not write");
  }
  t.state = ResultsTarget::State::Replaceable;
  return t;
}

bool remove_results_dir(const fs::path& path) {
  if (inspect_results_target(path).state != ResultsTarget::State::Replaceable) return false;
  std::error_code ec;
  fs::remove_all(path, ec);
  return !ec;
}

ResultsWriter::ResultsWriter(fs::path dir) : dir_(std::move(dir)) {}

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
  temp_dir_ = fresh_sibling(dir_, ".tmp-" + std::to_string(::getpid()));
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
  if (interruptible_ && support::interrupt_requested()) return fail("interrupted while writing results");
  std::string io_error;
  if (!ensure_temp_dir(io_error)) return fail(io_error);
  if (!write_npy(temp_dir_ / file_name, data, io_error, interruptible_)) return fail(io_error);

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
  manifest["format"] = kResultsFormat;
  manifest["format_version"] = kResultsFormatVersion;
  manifest["arrays"] = arrays_;
  {
    fs::path manifest_path = temp_dir_ / "manifest.json";
    std::ofstream out(manifest_path);
    // Replace invalid UTF-8 (e.g. from a model name) rather than throw out of dump().
    if (out) out << manifest.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    out.close();
    if (!out) return fail("cannot write " + manifest_path.string());
  }

  if (interruptible_ && support::interrupt_requested()) return fail("interrupted while writing results");
  std::error_code ec;
  fs::path old_dir;
  bool old_is_ours = false;
  ResultsTarget target = inspect_results_target(dir_);
  if (target.state != ResultsTarget::State::Absent) {
    old_is_ours = target.state == ResultsTarget::State::Replaceable;
    old_dir = old_is_ours ? fresh_sibling(dir_, ".old-" + std::to_string(::getpid()))
                          : fresh_sibling(dir_, ".replaced-" + timestamp());
    fs::rename(dir_, old_dir, ec);
    if (ec) return fail("cannot move " + dir_.string() + " aside: " + ec.message());
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
  if (old_is_ours) {
    fs::remove_all(old_dir, ec);  // the new results are in place already
  } else if (!old_dir.empty()) {
    moved_aside_ = old_dir;
  }
  return true;
}

}  // namespace modelc::runtime
