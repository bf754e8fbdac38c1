#include "http/static_files.h"
#include "base/strings.h"

#include <filesystem>

#include "base/file.h"

namespace threathub::http {
namespace {

absl::Status Refused() { return absl::InvalidArgumentError("invalid path"); }

}  // namespace

std::string ContentTypeFor(std::string_view path) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".ttf", "font/ttf"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
  };
  for (const auto& [extension, type] : kTypes) {
    if (base::EndsWith(path, extension)) return std::string(type);
  }
  return "application/octet-stream";
}

StaticFiles::StaticFiles(std::string root) {
  std::error_code error;
  std::filesystem::path canonical = std::filesystem::weakly_canonical(root, error);
  root_ = error ? root : canonical.string();
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

absl::StatusOr<Response> StaticFiles::Serve(const std::string& decoded_path) const {
  if (decoded_path.empty() || decoded_path.front() != '/') return Refused();
  if (decoded_path.find('\\') != std::string::npos ||
      decoded_path.find('\0') != std::string::npos) {
    return Refused();
  }
  for (std::string_view segment : base::StrSplit(decoded_path.substr(1), '/')) {
    if (segment == ".." || segment == "." || (!segment.empty() && segment.front() == '.')) {
      return Refused();
    }
  }
  std::string relative = decoded_path == "/" ? "/index.html" : decoded_path;
  std::string candidate = root_ + relative;
  std::error_code error;
  bool is_file = std::filesystem::is_regular_file(candidate, error);
  if (!is_file) {
    std::string_view last = std::string_view(relative).substr(relative.rfind('/') + 1);
    if (last.find('.') != std::string_view::npos) return absl::NotFoundError("no such file");
    candidate = root_ + "/index.html";  // a route of the single-page application
    if (!std::filesystem::is_regular_file(candidate, error)) {
      return absl::NotFoundError("the web application is not built (make web)");
    }
  }
  std::filesystem::path resolved = std::filesystem::canonical(candidate, error);
  if (error || !base::StartsWith(resolved.string(), root_ + "/")) return Refused();
  absl::StatusOr<std::string> contents = base::ReadFile(resolved.string());
  if (!contents.ok()) return contents.status();
  Response response;
  response.content_type = ContentTypeFor(resolved.string());
  response.body = std::move(*contents);
  bool hashed_asset = base::StrContains(resolved.string(), "/assets/");
  response.headers.emplace_back("Cache-Control",
                                hashed_asset ? "public, max-age=31536000, immutable" : "no-cache");
  return response;
}

}  // namespace threathub::http
