#include "base/file.h"
#include "base/strings.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace threathub::base {
namespace {

absl::Status ErrnoStatus(std::string_view what, const std::string& path) {
  int error = errno;
  std::string message = base::StrCat(what, " ", path, ": ", std::strerror(error));
  if (error == ENOENT) return absl::NotFoundError(message);
  if (error == EACCES || error == EPERM) return absl::PermissionDeniedError(message);
  return absl::InternalError(message);
}

}  // namespace

absl::Status SyncDirectory(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open directory", path);
  int result = ::fsync(fd);
  ::close(fd);
  if (result != 0) return ErrnoStatus("fsync directory", path);
  return absl::OkStatus();
}

absl::Status WriteFileDurably(const std::string& path, std::string_view contents, int mode) {
  std::filesystem::path target(path);
  std::string directory = target.parent_path().empty() ? "." : target.parent_path().string();
  std::string temporary = base::StrCat(path, ".tmp.", ::getpid());
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return ErrnoStatus("create", temporary);
  size_t written = 0;
  while (written < contents.size()) {
    ssize_t result = ::write(fd, contents.data() + written, contents.size() - written);
    if (result < 0) {
      if (errno == EINTR) continue;
      absl::Status status = ErrnoStatus("write", temporary);
      ::close(fd);
      ::unlink(temporary.c_str());
      return status;
    }
    written += static_cast<size_t>(result);
  }
  if (::fsync(fd) != 0) {
    absl::Status status = ErrnoStatus("fsync", temporary);
    ::close(fd);
    ::unlink(temporary.c_str());
    return status;
  }
  ::close(fd);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    absl::Status status = ErrnoStatus("rename", temporary);
    ::unlink(temporary.c_str());
    return status;
  }
  return SyncDirectory(directory);
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", path);
  std::string contents;
  char buffer[65536];
  while (true) {
    ssize_t result = ::read(fd, buffer, sizeof buffer);
    if (result < 0) {
      if (errno == EINTR) continue;
      absl::Status status = ErrnoStatus("read", path);
      ::close(fd);
      return status;
    }
    if (result == 0) break;
    contents.append(buffer, static_cast<size_t>(result));
  }
  ::close(fd);
  return contents;
}

absl::Status MakeDirectories(const std::string& path, int mode) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error)
    return absl::InternalError(base::StrCat("create directory ", path, ": ", error.message()));
  ::chmod(path.c_str(), mode);
  return absl::OkStatus();
}

}  // namespace threathub::base
