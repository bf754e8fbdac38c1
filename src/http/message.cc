#include "http/message.h"
#include "base/strings.h"

namespace threathub::http {

std::string_view MethodName(Method method) {
  switch (method) {
    case Method::kGet:
      return "GET";
    case Method::kHead:
      return "HEAD";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kPatch:
      return "PATCH";
    case Method::kDelete:
      return "DELETE";
    case Method::kOptions:
      return "OPTIONS";
    case Method::kOther:
      break;
  }
  return "OTHER";
}

Method ParseMethod(std::string_view name) {
  for (Method method : {Method::kGet, Method::kHead, Method::kPost, Method::kPut, Method::kPatch,
                        Method::kDelete, Method::kOptions}) {
    if (MethodName(method) == name) return method;
  }
  return Method::kOther;
}

std::string_view Request::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return {};
}

std::string Request::Cookie(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key != "cookie") continue;
    for (std::string_view part : base::StrSplit(value, ';')) {
      part = base::StripAsciiWhitespace(part);
      size_t equals = part.find('=');
      if (equals == std::string_view::npos) continue;
      if (part.substr(0, equals) == name) return std::string(part.substr(equals + 1));
    }
  }
  return {};
}

std::optional<uint64_t> Request::ContentLength() const {
  std::string_view text = Header("content-length");
  if (text.empty() || text.size() > 19) return std::nullopt;  // 19 digits fit in 64 bits
  uint64_t value = 0;
  for (char digit : text) {
    if (digit < '0' || digit > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(digit - '0');
  }
  return value;
}

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size(); ++pos) {
    char symbol = text[pos];
    if (symbol == '%') {
      if (pos + 2 >= text.size()) return std::nullopt;
      auto hex = [](char digit) -> int {
        if (digit >= '0' && digit <= '9') return digit - '0';
        if (digit >= 'a' && digit <= 'f') return digit - 'a' + 10;
        if (digit >= 'A' && digit <= 'F') return digit - 'A' + 10;
        return -1;
      };
      int high = hex(text[pos + 1]);
      int low = hex(text[pos + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      pos += 2;
    } else if (symbol == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += symbol;
    }
  }
  return out;
}

bool ParseTarget(std::string_view target, std::string& path,
                 std::map<std::string, std::string>& query) {
  size_t question = target.find('?');
  std::optional<std::string> decoded = PercentDecode(target.substr(0, question), false);
  if (!decoded) return false;
  path = std::move(*decoded);
  query.clear();
  if (question == std::string_view::npos) return true;
  for (std::string_view pair : base::StrSplit(target.substr(question + 1), '&')) {
    if (pair.empty()) continue;
    size_t equals = pair.find('=');
    std::optional<std::string> key = PercentDecode(pair.substr(0, equals), true);
    std::optional<std::string> value = PercentDecode(
        equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1), true);
    if (!key || !value) return false;
    query.emplace(std::move(*key), std::move(*value));
  }
  return true;
}

}  // namespace threathub::http
