#include "collect/internal/media_paths.h"

#include <sys/stat.h>

#include <cstdlib>
#include <memory>
#include <vector>

#include "base/strings.h"

namespace threathub::collect::internal {
namespace {

// The name as it may appear in an error message: bounded, so a hostile name cannot bloat it.
std::string Shown(std::string_view relative) {
  constexpr size_t kShownBytes = 200;
  if (relative.size() <= kShownBytes) return std::string(relative);
  size_t cut = kShownBytes;
  while (cut > 0 && (static_cast<unsigned char>(relative[cut]) & 0xC0) == 0x80) --cut;
  return base::StrCat(relative.substr(0, cut), "...");
}

std::string RealPath(const std::string& path) {
  std::unique_ptr<char, decltype(&std::free)> resolved(::realpath(path.c_str(), nullptr),
                                                       &std::free);
  return resolved ? std::string(resolved.get()) : std::string();
}

}  // namespace

absl::StatusOr<std::string> NormaliseRelative(std::string_view relative) {
  if (relative.empty()) return absl::InvalidArgumentError("empty media path");
  if (relative.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError("media path with a NUL byte");
  }
  if (relative.front() == '/') {
    return absl::InvalidArgumentError(
        base::StrCat("media path ", Shown(relative), " is absolute, outside the export folder"));
  }
  std::vector<std::string_view> parts;
  for (std::string_view part : base::StrSplit(relative, '/', /*skip_empty=*/true)) {
    if (part == ".") continue;
    if (part == "..") {
      if (parts.empty()) {
        return absl::InvalidArgumentError(
            base::StrCat("media path ", Shown(relative), " leaves the export folder"));
      }
      parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  if (parts.empty()) {
    return absl::InvalidArgumentError(
        base::StrCat("media path ", Shown(relative), " names no file"));
  }
  return base::StrJoin(parts, "/");
}

absl::StatusOr<std::string> ResolveInside(const std::string& folder, std::string_view relative) {
  absl::StatusOr<std::string> normalised = NormaliseRelative(relative);
  if (!normalised.ok()) return normalised.status();
  const std::string path = base::StrCat(folder, "/", *normalised);
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) {
    return absl::NotFoundError(
        base::StrCat("media file ", Shown(relative), " is not in the export folder"));
  }
  if (!S_ISREG(info.st_mode)) {
    return absl::InvalidArgumentError(
        base::StrCat("media path ", Shown(relative), " is not a regular file"));
  }
  const std::string real_folder = RealPath(folder);
  const std::string real_path = RealPath(path);
  if (real_folder.empty() || real_path.empty() ||
      !base::StartsWith(real_path, base::StrCat(real_folder == "/" ? "" : real_folder, "/"))) {
    return absl::InvalidArgumentError(
        base::StrCat("media path ", Shown(relative), " leads outside the export folder"));
  }
  return path;
}

}  // namespace threathub::collect::internal
