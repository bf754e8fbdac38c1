// Media files named by an export (Telegram's "photos/photo_1@...jpg") resolved inside the
// export's folder: a name that leaves the folder ("../", an absolute path, a symbolic link
// pointing out) is refused, so an export cannot make the importer read other files.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace threathub::collect::internal {

// `relative` lexically normalised ("a/./b/../c" -> "a/c"), refused when it is empty, absolute,
// holds a NUL byte or climbs above its starting folder with "..".
absl::StatusOr<std::string> NormaliseRelative(std::string_view relative);

// The path of `relative` inside `folder` ("folder/photos/a.jpg"): lexically normalised, an
// existing regular file, and still inside `folder` once symbolic links are resolved.
absl::StatusOr<std::string> ResolveInside(const std::string& folder, std::string_view relative);

}  // namespace threathub::collect::internal
