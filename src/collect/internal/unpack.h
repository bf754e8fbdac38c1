// Unpacking an uploaded Telegram export (a .zip or .tar, optionally compressed, of the export
// folder) into a temporary directory with libarchive, and the temporary directories themselves.
//
// Only directories and regular files are written; an entry whose name is absolute or climbs out
// with "..", links, devices and the like are skipped. Limits on the total size and the number of
// entries keep an archive bomb from filling the disk.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace threathub::collect::internal {

// A new directory under `parent` (made when missing), removed with its contents on destruction.
class ScopedTempDir {
 public:
  static absl::StatusOr<ScopedTempDir> Create(const std::string& parent);
  ScopedTempDir(ScopedTempDir&& other) noexcept : path_(std::move(other.path_)) {
    other.path_.clear();
  }
  ScopedTempDir& operator=(ScopedTempDir&&) = delete;
  ScopedTempDir(const ScopedTempDir&) = delete;
  ~ScopedTempDir();
  const std::string& path() const { return path_; }
  // Gives the directory up: the destructor leaves it.
  void Release() { path_.clear(); }

 private:
  explicit ScopedTempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

struct UnpackLimits {
  uint64_t max_bytes = uint64_t{64} << 30;
  uint64_t max_entries = 1'000'000;
};

// Whether libarchive recognises the file as an archive it can unpack (zip, tar, cpio, 7z, ...).
bool IsArchive(const std::string& path);

// Unpacks `archive_path` into the existing directory `destination`. kInvalidArgument for a file
// that is not a readable archive, kResourceExhausted (reason "too_large") over the limits.
absl::Status UnpackArchive(const std::string& archive_path, const std::string& destination,
                           const UnpackLimits& limits);

// The folder holding result.json: `root` itself or a folder below it (the export folder inside
// the archive), the shallowest first. NotFound when there is none.
absl::StatusOr<std::string> FindExportFolder(const std::string& root);

// Whether `path`, with links resolved, is `root` or inside it (both must exist).
bool IsInside(const std::string& root, const std::string& path);

}  // namespace threathub::collect::internal
