// The name a file had where it came from (an upload's file name, a name inside an archive) is
// kept as metadata only; the stored path is always the content's SHA-256. Still, the name is
// shown, exported and put in HTTP headers, so it must be a single well-formed name.
//
//   ASSIGN_OR_RETURN(std::string original_name, SanitizeOriginalName(upload.file_name));
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace threathub::vault {

inline constexpr size_t kMaxOriginalNameBytes = 255;

// Returns the name unchanged (byte for byte: it is evidence) when it is acceptable; otherwise
// kInvalidArgument on field "name" saying why. Refused: the empty name, "." and "..", more
// than 255 bytes, invalid UTF-8, path separators ('/' and '\'), NUL and the other control
// characters (U+0000-U+001F, U+007F), which would break headers, logs and exports.
absl::StatusOr<std::string> SanitizeOriginalName(std::string_view name);

}  // namespace threathub::vault
