// The MIME type of a piece of content, from its first bytes, through libmagic.
//
//   ASSIGN_OR_RETURN(std::string mime_type, DetectMimeTypeOfFile(*store.Path(sha256)));
//   // "image/png", "application/pdf", "text/plain", "application/x-empty", ...
//
// Only the first kMimeSniffBytes of a file are given to libmagic (a bound on the work done for
// outside input), and libmagic is never asked to decompress. Each thread has its own libmagic
// handle (libmagic handles are not thread-safe), made at the thread's first call; every
// function here may be called from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace threathub::vault {

inline constexpr size_t kMimeSniffBytes = size_t{1} << 20;

// From the content's first bytes (at most kMimeSniffBytes are looked at).
absl::StatusOr<std::string> DetectMimeType(std::string_view head);
// From the start of a file, whatever the descriptor's offset (pread).
absl::StatusOr<std::string> DetectMimeTypeOfDescriptor(int fd);
absl::StatusOr<std::string> DetectMimeTypeOfFile(const std::string& path);

}  // namespace threathub::vault
