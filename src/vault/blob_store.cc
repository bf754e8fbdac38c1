#include "vault/blob_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>  // renameat2, RENAME_NOREPLACE
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "base/encoding.h"
#include "base/errors.h"
#include "base/file.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "vault/internal/posix.h"

namespace threathub::vault {
namespace {

constexpr mode_t kBlobMode = 0440;
constexpr mode_t kTempMode = 0600;
constexpr mode_t kDirectoryMode = 0750;
constexpr size_t kSha256HexLength = 64;
constexpr size_t kTempNameRandomBytes = 16;
constexpr std::string_view kTempSuffix = ".part";

using internal::ErrnoStatus;

// mkdir that tolerates a directory made meanwhile by someone else, and makes a new entry
// durable by syncing the parent.
absl::Status MakeDirectory(const std::string& path, const std::string& parent) {
  if (::mkdir(path.c_str(), kDirectoryMode) == 0) return base::SyncDirectory(parent);
  if (errno == EEXIST) return absl::OkStatus();
  return ErrnoStatus(errno, "create directory", path);
}

absl::Status TooLarge(uint64_t limit) {
  return base::WithReason(absl::ResourceExhaustedError(base::StrCat(
                              "the file is larger than the limit of ", limit, " bytes")),
                          "too_large");
}

bool IsHexName(std::string_view name, size_t length) {
  return name.size() == length && std::all_of(name.begin(), name.end(), [](char digit) {
           return (digit >= '0' && digit <= '9') || (digit >= 'a' && digit <= 'f');
         });
}

// The entries of a directory whose names pass `keep`, sorted.
absl::StatusOr<std::vector<std::string>> ListDirectory(const std::string& path,
                                                       bool (*keep)(std::string_view)) {
  DIR* directory = ::opendir(path.c_str());
  if (directory == nullptr) return ErrnoStatus(errno, "open directory", path);
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* entry = ::readdir(directory)) {
    std::string_view name = entry->d_name;
    if (keep(name)) names.emplace_back(name);
  }
  int error = errno;
  ::closedir(directory);
  if (error != 0) return ErrnoStatus(error, "read directory", path);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

absl::StatusOr<std::string> NormalizeSha256Hex(std::string_view sha256) {
  std::string key = base::AsciiStrToLower(sha256);
  if (!IsHexName(key, kSha256HexLength)) {
    return base::InvalidField("sha256", "a SHA-256 is 64 hexadecimal digits");
  }
  return key;
}

BlobStore::BlobStore(std::string root, BlobStoreOptions options)
    : root_(std::move(root)),
      temp_dir_(base::StrCat(root_, "/tmp")),
      blob_dir_(base::StrCat(root_, "/sha256")),
      options_(options) {}

absl::StatusOr<std::unique_ptr<BlobStore>> BlobStore::Create(const std::string& root,
                                                             BlobStoreOptions options) {
  if (root.empty()) return absl::InvalidArgumentError("the evidence store needs a directory");
  std::unique_ptr<BlobStore> store(new BlobStore(root, options));
  RETURN_IF_ERROR(base::MakeDirectories(root, kDirectoryMode));
  RETURN_IF_ERROR(MakeDirectory(store->temp_dir_, root));
  RETURN_IF_ERROR(MakeDirectory(store->blob_dir_, root));
  RETURN_IF_ERROR(store->RemoveStaleTempFiles());
  return store;
}

absl::Status BlobStore::RemoveStaleTempFiles() {
  ASSIGN_OR_RETURN(std::vector<std::string> names,
                   ListDirectory(temp_dir_, [](std::string_view name) {
                     return base::EndsWith(name, kTempSuffix);
                   }));
  const time_t now = ::time(nullptr);
  for (const std::string& name : names) {
    std::string path = base::StrCat(temp_dir_, "/", name);
    struct stat info;
    if (::lstat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) continue;
    if (now - info.st_mtime < options_.stale_temp_age.count()) continue;
    if (::unlink(path.c_str()) == 0) {
      ++stale_temp_files_removed_;
    } else if (errno != ENOENT) {  // ENOENT: another process cleaned it first
      return ErrnoStatus(errno, "remove stale temporary file", path);
    }
  }
  return absl::OkStatus();
}

absl::Status BlobStore::CheckFreeSpace(uint64_t bytes) const {
  struct statvfs info;
  if (::statvfs(temp_dir_.c_str(), &info) != 0) return ErrnoStatus(errno, "statvfs", temp_dir_);
  uint64_t available = static_cast<uint64_t>(info.f_bavail) * info.f_frsize;
  if (bytes <= available) return absl::OkStatus();
  return base::WithReason(
      absl::ResourceExhaustedError(base::StrCat("not enough disk space: the file needs ", bytes,
                                                " bytes and the evidence store at ", root_, " has ",
                                                available, " bytes free")),
      "disk_full");
}

absl::Status BlobStore::DescribeWriteError(const absl::Status& status, uint64_t stored) const {
  if (base::StatusReason(status) != "disk_full") return status;
  return base::WithReason(
      absl::ResourceExhaustedError(base::StrCat("not enough disk space: the evidence store at ",
                                                root_, " filled up after ", stored,
                                                " bytes of the file (", status.message(), ")")),
      "disk_full");
}

absl::StatusOr<std::unique_ptr<BlobWriter>> BlobStore::Begin(PutOptions options) {
  uint64_t limit = options_.max_blob_bytes;
  if (options.max_bytes != 0) limit = std::min(limit, options.max_bytes);
  if (options.expected_bytes > limit) return TooLarge(limit);
  if (options.expected_bytes > 0) RETURN_IF_ERROR(CheckFreeSpace(options.expected_bytes));

  std::string temp_path = base::StrCat(
      temp_dir_, "/", base::HexEncode(base::RandomBytes(kTempNameRandomBytes)), kTempSuffix);
  UniqueFd fd(::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kTempMode));
  if (!fd.valid()) return ErrnoStatus(errno, "create", temp_path);
  return std::unique_ptr<BlobWriter>(
      new BlobWriter(*this, std::move(temp_path), std::move(fd), limit));
}

absl::StatusOr<PutResult> BlobStore::Put(const ReadFunction& read, PutOptions options) {
  ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer, Begin(options));
  // Each chunk is read straight into the hasher's ring, written to the file, then handed to
  // the hash workers, which run while the next chunk is read and written. An early return
  // drops the writer, which removes the temporary file.
  while (true) {
    std::span<char> buffer = writer->WritableSpan();
    ASSIGN_OR_RETURN(size_t count, read(buffer));
    if (count == 0) break;
    if (count > buffer.size()) {
      return absl::InternalError("the reader returned more bytes than the buffer holds");
    }
    RETURN_IF_ERROR(writer->Append(count));
  }
  return writer->Commit();
}

BlobWriter::BlobWriter(BlobStore& store, std::string temp_path, UniqueFd fd, uint64_t limit)
    : store_(store),
      temp_path_(std::move(temp_path)),
      fd_(std::move(fd)),
      limit_(limit),
      hasher_(store.options_.hasher) {}

BlobWriter::~BlobWriter() { RemoveTempFile(); }

void BlobWriter::RemoveTempFile() {
  fd_.Reset();
  if (temp_path_.empty()) return;
  // After an install by rename the name is gone already and the unlink finds nothing; after an
  // install by link() it removes the second name.
  ::unlink(temp_path_.c_str());
  temp_path_.clear();
}

absl::Status BlobWriter::CheckOpen() const {
  switch (state_) {
    case State::kOpen:
      return absl::OkStatus();
    case State::kFailed:
      return error_;
    case State::kCommitted:
      break;
  }
  return absl::FailedPreconditionError("the blob was committed already");
}

absl::Status BlobWriter::Fail(absl::Status status) {
  state_ = State::kFailed;
  error_ = status;
  RemoveTempFile();
  return status;
}

std::span<char> BlobWriter::WritableSpan() {
  span_ = hasher_.WritableSpan();
  return span_;
}

absl::Status BlobWriter::Append(size_t count) {
  RETURN_IF_ERROR(CheckOpen());
  if (count > span_.size()) {
    return Fail(absl::InternalError("more bytes appended than the buffer holds"));
  }
  if (count > limit_ - size_) return Fail(TooLarge(limit_));
  absl::Status written = internal::WriteAll(fd_.get(), {span_.data(), count}, temp_path_);
  if (!written.ok()) return Fail(store_.DescribeWriteError(written, size_));
  hasher_.Commit(count);
  size_ += count;
  span_ = {};
  return absl::OkStatus();
}

absl::Status BlobWriter::Write(std::string_view bytes) {
  RETURN_IF_ERROR(CheckOpen());
  // Refused whole, before any of it is written, so that the error names the real limit.
  if (bytes.size() > limit_ - size_) return Fail(TooLarge(limit_));
  while (!bytes.empty()) {
    std::span<char> buffer = WritableSpan();
    size_t count = std::min(buffer.size(), bytes.size());
    std::memcpy(buffer.data(), bytes.data(), count);
    RETURN_IF_ERROR(Append(count));
    bytes.remove_prefix(count);
  }
  return absl::OkStatus();
}

absl::StatusOr<PutResult> BlobWriter::Commit() {
  RETURN_IF_ERROR(CheckOpen());
  absl::StatusOr<Digests> digests = hasher_.Finish();
  if (!digests.ok()) return Fail(digests.status());

  if (::fchmod(fd_.get(), kBlobMode) != 0) return Fail(ErrnoStatus(errno, "chmod", temp_path_));
  if (::fsync(fd_.get()) != 0) {
    return Fail(store_.DescribeWriteError(ErrnoStatus(errno, "fsync", temp_path_), size_));
  }
  // close() can report a deferred write error (network file systems).
  if (::close(fd_.Release()) != 0) {
    return Fail(store_.DescribeWriteError(ErrnoStatus(errno, "close", temp_path_), size_));
  }

  PutResult result;
  result.sha256 = digests->Sha256Hex();
  result.sha1 = digests->Sha1Hex();
  result.md5 = digests->Md5Hex();
  result.size = digests->size;
  absl::Status installed = store_.Install(temp_path_, result.sha256, result.already_present);
  if (!installed.ok()) return Fail(installed);
  RemoveTempFile();
  state_ = State::kCommitted;
  return result;
}

absl::Status BlobStore::Install(const std::string& temp_path, const std::string& sha256,
                                bool& already_present) {
  std::string outer = base::StrCat(blob_dir_, "/", sha256.substr(0, 2));
  std::string inner = base::StrCat(outer, "/", sha256.substr(2, 2));
  std::string target = base::StrCat(inner, "/", sha256);
  RETURN_IF_ERROR(MakeDirectory(outer, blob_dir_));
  RETURN_IF_ERROR(MakeDirectory(inner, outer));

  // No-replace, so that an existing blob is never touched and exactly one of several
  // concurrent Puts of the same content installs it.
  if (::renameat2(AT_FDCWD, temp_path.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) == 0) {
    already_present = false;
  } else if (errno == EEXIST) {
    already_present = true;
  } else if (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP) {
    // No renameat2 here (e.g. NFS): link() fails with EEXIST just as atomically. The caller
    // removes the temporary name.
    if (::link(temp_path.c_str(), target.c_str()) == 0) {
      already_present = false;
    } else if (errno == EEXIST) {
      already_present = true;
    } else {
      return ErrnoStatus(errno, "link", target);
    }
  } else {
    return ErrnoStatus(errno, "rename", target);
  }
  // Also when the blob was present: it may have been installed a moment ago by a concurrent
  // Put that has not synced the directory yet, and our caller is about to rely on it.
  return base::SyncDirectory(inner);
}

absl::StatusOr<PutResult> BlobStore::PutDescriptor(int fd, PutOptions options) {
  struct stat info;
  if (::fstat(fd, &info) != 0) return ErrnoStatus(errno, "fstat", "input");
  if (S_ISDIR(info.st_mode)) return absl::InvalidArgumentError("the input is a directory");
  if (S_ISREG(info.st_mode) && options.expected_bytes == 0) {
    off_t offset = ::lseek(fd, 0, SEEK_CUR);
    if (offset >= 0 && offset < info.st_size) {
      options.expected_bytes = static_cast<uint64_t>(info.st_size - offset);
    }
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return Put([fd](std::span<char> buffer) { return internal::ReadSome(fd, buffer, "input"); },
             options);
}

absl::StatusOr<PutResult> BlobStore::PutFile(const std::string& path, PutOptions options) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus(errno, "open", path);
  return PutDescriptor(fd.get(), options);
}

absl::StatusOr<PutResult> BlobStore::PutBytes(std::string_view bytes, PutOptions options) {
  options.expected_bytes = bytes.size();
  return Put(
      [&bytes](std::span<char> buffer) -> absl::StatusOr<size_t> {
        size_t count = std::min(buffer.size(), bytes.size());
        std::memcpy(buffer.data(), bytes.data(), count);
        bytes.remove_prefix(count);
        return count;
      },
      options);
}

absl::StatusOr<std::string> BlobStore::Path(std::string_view sha256) const {
  ASSIGN_OR_RETURN(std::string key, NormalizeSha256Hex(sha256));
  return base::StrCat(blob_dir_, "/", key.substr(0, 2), "/", key.substr(2, 2), "/", key);
}

absl::StatusOr<UniqueFd> BlobStore::Open(std::string_view sha256) const {
  ASSIGN_OR_RETURN(std::string path, Path(sha256));
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.valid()) return fd;
  if (errno == ENOENT) {
    return absl::NotFoundError(
        base::StrCat("the evidence store holds no blob ", base::AsciiStrToLower(sha256)));
  }
  return ErrnoStatus(errno, "open", path);
}

absl::StatusOr<bool> BlobStore::Contains(std::string_view sha256) const {
  ASSIGN_OR_RETURN(std::string path, Path(sha256));
  struct stat info;
  if (::lstat(path.c_str(), &info) == 0) return S_ISREG(info.st_mode);
  if (errno == ENOENT) return false;
  return ErrnoStatus(errno, "stat", path);
}

absl::StatusOr<Digests> BlobStore::Verify(std::string_view sha256) const {
  ASSIGN_OR_RETURN(UniqueFd fd, Open(sha256));
  ASSIGN_OR_RETURN(Digests digests, HashDescriptor(fd.get(), options_.hasher));
  std::string expected = base::AsciiStrToLower(sha256);
  if (digests.Sha256Hex() != expected) {
    return base::WithReason(absl::DataLossError(base::StrCat("blob ", expected,
                                                             " has changed: its content now has "
                                                             "SHA-256 ",
                                                             digests.Sha256Hex())),
                            "blob_changed");
  }
  return digests;
}

absl::StatusOr<std::vector<std::string>> BlobStore::List() const {
  auto is_pair = [](std::string_view name) { return IsHexName(name, 2); };
  auto is_key = [](std::string_view name) { return IsHexName(name, kSha256HexLength); };
  std::vector<std::string> keys;
  ASSIGN_OR_RETURN(std::vector<std::string> outer_names, ListDirectory(blob_dir_, is_pair));
  for (const std::string& outer : outer_names) {
    std::string outer_path = base::StrCat(blob_dir_, "/", outer);
    ASSIGN_OR_RETURN(std::vector<std::string> inner_names, ListDirectory(outer_path, is_pair));
    for (const std::string& inner : inner_names) {
      ASSIGN_OR_RETURN(std::vector<std::string> names,
                       ListDirectory(base::StrCat(outer_path, "/", inner), is_key));
      for (std::string& name : names) {
        if (name.compare(0, 2, outer) == 0 && name.compare(2, 2, inner) == 0) {
          keys.push_back(std::move(name));
        }
      }
    }
  }
  return keys;
}

}  // namespace threathub::vault
