#include "base/strings.h"

namespace threathub::base {

std::vector<std::string_view> StrSplit(std::string_view text, char separator, bool skip_empty) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    std::string_view part = text.substr(start, end == std::string_view::npos ? end : end - start);
    if (!skip_empty || !part.empty()) parts.push_back(part);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

std::string StrReplaceAll(std::string_view text,
                          const std::vector<std::pair<std::string_view, std::string_view>>& pairs) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    bool replaced = false;
    for (const auto& [from, to] : pairs) {
      if (!from.empty() && text.substr(pos, from.size()) == from) {
        out += to;
        pos += from.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) out += text[pos++];
  }
  return out;
}

}  // namespace threathub::base
