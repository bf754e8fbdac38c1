// URLs of the feed pollers (http_fetch.h): parsing and redirect resolution, free of Asio so
// that collect_http_url_fuzzer builds with clang.
#include <algorithm>

#include "base/status_macros.h"
#include "base/strings.h"
#include "collect/http_fetch.h"

namespace threathub::collect {
namespace {

constexpr size_t kMaxUrlBytes = 8192;

bool IsUnreserved(char symbol) {
  return absl::ascii_isalnum(static_cast<unsigned char>(symbol)) || symbol == '-' || symbol == '.';
}

}  // namespace

std::string HttpUrl::HostHeader() const {
  std::string host_part = host.find(':') != std::string::npos ? base::StrCat("[", host, "]") : host;
  bool default_port = (tls && port == "443") || (!tls && port == "80");
  return default_port ? host_part : base::StrCat(host_part, ":", port);
}

std::string HttpUrl::ToString() const {
  return base::StrCat(tls ? "https://" : "http://", HostHeader(), target);
}

absl::StatusOr<HttpUrl> ParseHttpUrl(std::string_view url) {
  if (url.size() > kMaxUrlBytes) return absl::InvalidArgumentError("the URL is too long");
  for (char symbol : url) {
    unsigned char byte = static_cast<unsigned char>(symbol);
    if (byte <= 0x20 || byte == 0x7f) {
      return absl::InvalidArgumentError("the URL holds spaces or control characters");
    }
  }
  HttpUrl parsed;
  std::string lower = base::AsciiStrToLower(url.substr(0, 8));
  std::string_view rest;
  if (base::StartsWith(lower, "http://")) {
    rest = url.substr(7);
  } else if (base::StartsWith(lower, "https://")) {
    parsed.tls = true;
    rest = url.substr(8);
  } else {
    return absl::InvalidArgumentError("expected an http:// or https:// URL");
  }
  size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view tail = authority_end == std::string_view::npos ? "" : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return absl::InvalidArgumentError("user names and passwords in the URL are not supported");
  }
  std::string_view port;
  if (base::StartsWith(authority, "[")) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return absl::InvalidArgumentError("bad IPv6 address");
    parsed.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return absl::InvalidArgumentError("bad host");
      port = after.substr(1);
    }
  } else {
    size_t colon = authority.rfind(':');
    parsed.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (parsed.host.empty()) return absl::InvalidArgumentError("the URL has no host");
  for (char symbol : parsed.host) {
    if (!IsUnreserved(symbol) && symbol != ':' && symbol != '_' &&
        static_cast<unsigned char>(symbol) < 0x80) {
      return absl::InvalidArgumentError("bad character in the host name");
    }
  }
  parsed.host = base::AsciiStrToLower(parsed.host);
  if (port.empty()) {
    parsed.port = parsed.tls ? "443" : "80";
  } else {
    int number = 0;
    if (!base::SimpleAtoi(port, &number) || number < 1 || number > 65535) {
      return absl::InvalidArgumentError("bad port");
    }
    parsed.port = std::to_string(number);
  }
  std::string_view target = tail.substr(0, tail.find('#'));
  parsed.target =
      target.empty() || target[0] != '/' ? base::StrCat("/", target) : std::string(target);
  return parsed;
}

absl::StatusOr<HttpUrl> ResolveLocation(const HttpUrl& base, std::string_view location) {
  location = base::StripAsciiWhitespace(location);
  if (location.empty()) return absl::InvalidArgumentError("a redirect without a location");
  std::string lower = base::AsciiStrToLower(location.substr(0, 8));
  if (base::StartsWith(lower, "http://") || base::StartsWith(lower, "https://")) {
    return ParseHttpUrl(location);
  }
  if (base::StartsWith(location, "//")) {
    return ParseHttpUrl(base::StrCat(base.tls ? "https:" : "http:", location));
  }
  // RFC 3986 section 3.1: a scheme is a letter, then letters, digits, "+", "-" or ".", then ":".
  size_t colon = location.find(':');
  if (colon != std::string_view::npos && colon < location.find_first_of("/?#") &&
      std::all_of(location.begin(), location.begin() + colon, [](char symbol) {
        return absl::ascii_isalnum(static_cast<unsigned char>(symbol)) || symbol == '+' ||
               symbol == '-' || symbol == '.';
      })) {
    return absl::InvalidArgumentError("a redirect to another scheme");
  }
  HttpUrl resolved = base;
  if (location[0] == '/') {
    resolved.target = std::string(location.substr(0, location.find('#')));
  } else {
    std::string_view path = std::string_view(base.target).substr(0, base.target.find('?'));
    resolved.target =
        base::StrCat(path.substr(0, path.rfind('/') + 1), location.substr(0, location.find('#')));
  }
  return ParseHttpUrl(resolved.ToString());
}

}  // namespace threathub::collect
