// Thin POSIX helpers shared by the vault: statuses from errno, reads and writes that retry
// EINTR and short transfers, and an owned file descriptor.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace threathub::vault::internal {

// A status for the failed call `what` on `path` with `error` (an errno value): ENOENT ->
// kNotFound, EACCES/EPERM -> kPermissionDenied, ENOSPC/EDQUOT -> kResourceExhausted ("not
// enough disk space"), others kInternal. The message names the call, the path and the reason.
absl::Status ErrnoStatus(int error, std::string_view what, std::string_view path);

// Reads up to buffer.size() bytes, retrying EINTR; 0 at the end of the file.
absl::StatusOr<size_t> ReadSome(int fd, std::span<char> buffer, std::string_view path);

// Writes all of `bytes`, retrying EINTR and short writes.
absl::Status WriteAll(int fd, std::string_view bytes, std::string_view path);

}  // namespace threathub::vault::internal
