#include "vault/internal/posix.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/errors.h"
#include "base/strings.h"

namespace threathub::vault::internal {

absl::Status ErrnoStatus(int error, std::string_view what, std::string_view path) {
  if (error == ENOSPC || error == EDQUOT) {
    return base::WithReason(
        absl::ResourceExhaustedError(
            base::StrCat("not enough disk space: ", what, " ", path, ": ", std::strerror(error))),
        "disk_full");
  }
  std::string message = base::StrCat(what, " ", path, ": ", std::strerror(error));
  switch (error) {
    case ENOENT:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::PermissionDeniedError(message);
    case EFBIG:
      return absl::ResourceExhaustedError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::StatusOr<size_t> ReadSome(int fd, std::span<char> buffer, std::string_view path) {
  while (true) {
    ssize_t result = ::read(fd, buffer.data(), buffer.size());
    if (result >= 0) return static_cast<size_t>(result);
    if (errno != EINTR) return ErrnoStatus(errno, "read", path);
  }
}

absl::Status WriteAll(int fd, std::string_view bytes, std::string_view path) {
  while (!bytes.empty()) {
    ssize_t result = ::write(fd, bytes.data(), bytes.size());
    if (result < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "write", path);
    }
    bytes.remove_prefix(static_cast<size_t>(result));
  }
  return absl::OkStatus();
}

}  // namespace threathub::vault::internal
