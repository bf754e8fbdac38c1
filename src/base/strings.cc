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

namespace threathub::base {
namespace {

uint32_t LowerCodePoint(uint32_t code_point) {
  if (code_point >= 'A' && code_point <= 'Z') return code_point + 32;
  if (code_point >= 0xC0 && code_point <= 0xDE && code_point != 0xD7) return code_point + 32;
  if (code_point >= 0x410 && code_point <= 0x42F) return code_point + 0x20;  // А..Я
  if (code_point >= 0x400 && code_point <= 0x40F) return code_point + 0x50;  // Ѐ..Џ, І
  // Cyrillic supplement (Ғ Қ Ң Ү Ұ Һ Ә Ө ...): capitals are even, small letters follow.
  if (code_point >= 0x460 && code_point <= 0x52F && code_point % 2 == 0 &&
      !(code_point >= 0x482 && code_point <= 0x489) && code_point != 0x4C0) {
    return code_point + 1;
  }
  return code_point;
}

void AppendUtf8(std::string& out, uint32_t code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

}  // namespace

std::string Utf8ToLower(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    auto lead = static_cast<unsigned char>(text[pos]);
    size_t length = lead < 0x80         ? 1
                    : (lead >> 5) == 6  ? 2
                    : (lead >> 4) == 14 ? 3
                    : (lead >> 3) == 30 ? 4
                                        : 0;
    if (length == 0 || pos + length > text.size()) {  // not UTF-8: copy the byte unchanged
      out += text[pos++];
      continue;
    }
    uint32_t code_point = length == 1 ? lead : lead & (0x7F >> length);
    for (size_t byte_idx = 1; byte_idx < length; ++byte_idx) {
      code_point = (code_point << 6) | (static_cast<unsigned char>(text[pos + byte_idx]) & 0x3F);
    }
    AppendUtf8(out, LowerCodePoint(code_point));
    pos += length;
  }
  return out;
}

}  // namespace threathub::base
