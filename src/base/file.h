// File-system helpers with the durability rules of docs/architecture.md: a file is written to a
// temporary name, fsync'd, renamed over the target, and its directory fsync'd, so a crash leaves
// either the old file or the whole new one.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace threathub::base {

absl::Status WriteFileDurably(const std::string& path, std::string_view contents, int mode = 0644);
absl::StatusOr<std::string> ReadFile(const std::string& path);
absl::Status MakeDirectories(const std::string& path, int mode = 0750);
absl::Status SyncDirectory(const std::string& path);

}  // namespace threathub::base
