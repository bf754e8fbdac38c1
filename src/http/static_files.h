// The built web application, served from one directory. Paths are checked before any file is
// opened: no "..", no backslash, no NUL, no dot-files, and the resolved file must lie inside the
// root (symbolic links cannot lead out). Unknown paths without an extension get index.html, so
// the single-page application's own routes load.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "http/message.h"

namespace threathub::http {

class StaticFiles {
 public:
  explicit StaticFiles(std::string root);
  absl::StatusOr<Response> Serve(const std::string& decoded_path) const;

 private:
  std::string root_;  // canonical, without trailing '/'
};

std::string ContentTypeFor(std::string_view path);

}  // namespace threathub::http
