#include "collect/internal/unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include "base/errors.h"
#include "base/file.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "vault/unique_fd.h"

namespace threathub::collect::internal {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxDepthSearched = 3;

using ArchivePtr = std::unique_ptr<struct archive, int (*)(struct archive*)>;

ArchivePtr OpenReader() {
  ArchivePtr reader(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(reader.get());
  archive_read_support_format_all(reader.get());
  return reader;
}

// The entry's name as a relative path without "." or ".." parts; empty when unsafe.
std::string SafeRelativePath(std::string_view name) {
  if (name.empty() || name[0] == '/') return "";
  std::vector<std::string_view> parts;
  for (std::string_view part : base::StrSplit(name, '/', /*skip_empty=*/true)) {
    if (part == ".") continue;
    if (part == "..") return "";
    if (part.find('\0') != std::string_view::npos) return "";
    parts.push_back(part);
  }
  return base::StrJoin(parts, "/");
}

absl::Status WriteEntry(struct archive* reader, const std::string& path, uint64_t& total,
                        const UnpackLimits& limits) {
  vault::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640));
  if (!fd.valid()) {
    return absl::InternalError(base::StrCat("cannot create ", path, ": ", std::strerror(errno)));
  }
  const void* block = nullptr;
  size_t size = 0;
  la_int64_t offset = 0;
  while (true) {
    int code = archive_read_data_block(reader, &block, &size, &offset);
    if (code == ARCHIVE_EOF) return absl::OkStatus();
    if (code < ARCHIVE_WARN) {
      return absl::InvalidArgumentError(
          base::StrCat("the archive is damaged: ", archive_error_string(reader)));
    }
    total += size;
    if (total > limits.max_bytes) {
      return base::WithReason(absl::ResourceExhaustedError(base::StrCat(
                                  "the archive unpacks to more than ", limits.max_bytes, " bytes")),
                              "too_large");
    }
    const char* bytes = static_cast<const char*>(block);
    size_t written = 0;
    while (written < size) {
      ssize_t done = ::pwrite(fd.get(), bytes + written, size - written, offset + written);
      if (done < 0) {
        if (errno == EINTR) continue;
        if (errno == ENOSPC) {
          return base::WithReason(absl::ResourceExhaustedError("not enough disk space"),
                                  "disk_full");
        }
        return absl::InternalError(base::StrCat("cannot write ", path, ": ", std::strerror(errno)));
      }
      written += static_cast<size_t>(done);
    }
  }
}

}  // namespace

absl::StatusOr<ScopedTempDir> ScopedTempDir::Create(const std::string& parent) {
  RETURN_IF_ERROR(base::MakeDirectories(parent, 0700));
  std::string pattern = base::StrCat(parent, "/import-XXXXXX");
  if (::mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(
        base::StrCat("cannot make a directory under ", parent, ": ", std::strerror(errno)));
  }
  return ScopedTempDir(std::move(pattern));
}

ScopedTempDir::~ScopedTempDir() {
  if (path_.empty()) return;
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

bool IsArchive(const std::string& path) {
  ArchivePtr reader = OpenReader();
  if (archive_read_open_filename(reader.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) return false;
  struct archive_entry* entry = nullptr;
  int code = archive_read_next_header(reader.get(), &entry);
  return code == ARCHIVE_OK || code == ARCHIVE_WARN;
}

absl::Status UnpackArchive(const std::string& archive_path, const std::string& destination,
                           const UnpackLimits& limits) {
  ArchivePtr reader = OpenReader();
  if (archive_read_open_filename(reader.get(), archive_path.c_str(), 1 << 16) != ARCHIVE_OK) {
    return absl::InvalidArgumentError(
        base::StrCat("not a readable archive: ", archive_error_string(reader.get())));
  }
  uint64_t total = 0;
  uint64_t entries = 0;
  while (true) {
    struct archive_entry* entry = nullptr;
    int code = archive_read_next_header(reader.get(), &entry);
    if (code == ARCHIVE_EOF) break;
    if (code < ARCHIVE_WARN) {
      return absl::InvalidArgumentError(
          base::StrCat("not a readable archive: ", archive_error_string(reader.get())));
    }
    if (++entries > limits.max_entries) {
      return base::WithReason(absl::ResourceExhaustedError(base::StrCat(
                                  "the archive holds more than ", limits.max_entries, " entries")),
                              "too_large");
    }
    const char* name = archive_entry_pathname_utf8(entry);
    if (name == nullptr) name = archive_entry_pathname(entry);
    std::string relative = SafeRelativePath(name == nullptr ? "" : name);
    if (relative.empty()) continue;
    std::string path = base::StrCat(destination, "/", relative);
    mode_t type = archive_entry_filetype(entry);
    if (type == AE_IFDIR) {
      RETURN_IF_ERROR(base::MakeDirectories(path, 0750));
      continue;
    }
    if (type != AE_IFREG) continue;  // links, devices, fifos: never written
    RETURN_IF_ERROR(base::MakeDirectories(fs::path(path).parent_path().string(), 0750));
    // A parent that is a file already (or a repeated name) fails here, harmlessly.
    std::error_code error;
    if (fs::exists(fs::symlink_status(path, error))) continue;
    RETURN_IF_ERROR(WriteEntry(reader.get(), path, total, limits));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> FindExportFolder(const std::string& root) {
  std::vector<std::string> level = {root};
  for (int depth = 0; depth <= kMaxDepthSearched && !level.empty(); ++depth) {
    std::sort(level.begin(), level.end());
    std::vector<std::string> next;
    for (const std::string& folder : level) {
      std::error_code error;
      if (fs::is_regular_file(fs::symlink_status(folder + "/result.json", error))) return folder;
      for (fs::directory_iterator entry(folder, error), end; !error && entry != end;
           entry.increment(error)) {
        if (entry->is_directory() && !entry->is_symlink()) next.push_back(entry->path().string());
      }
    }
    level = std::move(next);
  }
  return absl::NotFoundError(
      "no result.json in the export (Telegram Desktop: Export chat "
      "history, format JSON)");
}

bool IsInside(const std::string& root, const std::string& path) {
  std::error_code error;
  fs::path canonical_root = fs::canonical(root, error);
  if (error) return false;
  fs::path canonical_path = fs::canonical(path, error);
  if (error) return false;
  std::string root_text = canonical_root.string();
  std::string path_text = canonical_path.string();
  if (path_text == root_text) return true;
  if (root_text.back() != '/') root_text += '/';
  return base::StartsWith(path_text, root_text);
}

}  // namespace threathub::collect::internal
