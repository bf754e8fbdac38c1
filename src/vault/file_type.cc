#include "vault/file_type.h"

#include <fcntl.h>
#include <magic.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "absl/status/status.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "vault/internal/posix.h"
#include "vault/unique_fd.h"

namespace threathub::vault {
namespace {

// MIME type only; never decompress (MAGIC_COMPRESS stays off).
constexpr int kMagicFlags = MAGIC_MIME_TYPE | MAGIC_ERROR;

// One libmagic handle per thread, loaded with the system's compiled database.
class MagicHandle {
 public:
  MagicHandle() : cookie_(::magic_open(kMagicFlags)) {
    if (cookie_ == nullptr) {
      status_ = absl::ResourceExhaustedError("libmagic: cannot allocate a handle");
    } else if (::magic_load(cookie_, nullptr) != 0) {
      const char* reason = ::magic_error(cookie_);
      status_ = absl::FailedPreconditionError(
          base::StrCat("libmagic cannot load its database (is libmagic-mgc installed?): ",
                       reason != nullptr ? reason : "unknown error"));
    }
  }
  ~MagicHandle() {
    if (cookie_ != nullptr) ::magic_close(cookie_);
  }
  MagicHandle(const MagicHandle&) = delete;
  MagicHandle& operator=(const MagicHandle&) = delete;

  absl::StatusOr<std::string> Detect(std::string_view head) {
    if (!status_.ok()) return status_;
    if (head.size() > kMimeSniffBytes) head = head.substr(0, kMimeSniffBytes);
    const char* type = ::magic_buffer(cookie_, head.data(), head.size());
    if (type == nullptr) {
      const char* reason = ::magic_error(cookie_);
      return absl::InternalError(
          base::StrCat("libmagic: ", reason != nullptr ? reason : "unknown error"));
    }
    return std::string(type);
  }

 private:
  magic_t cookie_;
  absl::Status status_;
};

MagicHandle& ThisThreadsHandle() {
  thread_local MagicHandle handle;
  return handle;
}

}  // namespace

absl::StatusOr<std::string> DetectMimeType(std::string_view head) {
  return ThisThreadsHandle().Detect(head);
}

absl::StatusOr<std::string> DetectMimeTypeOfDescriptor(int fd) {
  auto head = std::make_unique_for_overwrite<char[]>(kMimeSniffBytes);
  size_t filled = 0;
  while (filled < kMimeSniffBytes) {
    ssize_t count =
        ::pread(fd, head.get() + filled, kMimeSniffBytes - filled, static_cast<off_t>(filled));
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) return internal::ErrnoStatus(errno, "read", "file for its type");
    if (count == 0) break;
    filled += static_cast<size_t>(count);
  }
  return DetectMimeType({head.get(), filled});
}

absl::StatusOr<std::string> DetectMimeTypeOfFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return internal::ErrnoStatus(errno, "open", path);
  return DetectMimeTypeOfDescriptor(fd.get());
}

}  // namespace threathub::vault
