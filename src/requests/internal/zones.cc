#include "requests/internal/zones.h"

#include <algorithm>
#include <string>

namespace threathub::requests::internal {

bool LoadZone(std::string_view name, absl::TimeZone* zone) {
  if (name.empty() || name.size() > 64 || name.front() == '/' ||
      name.find("..") != std::string_view::npos) {
    return false;
  }
  bool plain = std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '+' || c == '/';
  });
  return plain && absl::LoadTimeZone(std::string(name), zone);
}

}  // namespace threathub::requests::internal
