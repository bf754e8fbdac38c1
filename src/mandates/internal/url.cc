#include "mandates/internal/url.h"

#include <algorithm>

namespace threathub::mandates::internal {
namespace {

constexpr size_t kMaxHostBytes = 253;
constexpr size_t kMaxLabelBytes = 63;

bool IsDigit(char symbol) { return symbol >= '0' && symbol <= '9'; }
bool IsLower(char symbol) { return symbol >= 'a' && symbol <= 'z'; }
char ToLower(char symbol) {
  return symbol >= 'A' && symbol <= 'Z' ? static_cast<char>(symbol - 'A' + 'a') : symbol;
}

// The path, query and fragment after the leading '/', which NormalizeUrl adds when missing.
std::string_view AfterSlash(std::string_view rest) {
  return !rest.empty() && rest.front() == '/' ? rest.substr(1) : rest;
}

}  // namespace

std::optional<UrlParts> SplitUrl(std::string_view url) {
  size_t separator = url.find("://");
  if (separator == std::string_view::npos) return std::nullopt;
  UrlParts parts;
  parts.scheme = url.substr(0, separator);
  if (!EqualsIgnoreAsciiCase(parts.scheme, "http") &&
      !EqualsIgnoreAsciiCase(parts.scheme, "https")) {
    return std::nullopt;
  }
  std::string_view after = url.substr(separator + 3);
  size_t authority_end = after.find_first_of("/?#");
  std::string_view authority = after.substr(0, authority_end);
  if (authority_end != std::string_view::npos) parts.rest = after.substr(authority_end);
  std::string_view host_port = authority;
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    parts.user_info = authority.substr(0, at + 1);
    host_port = authority.substr(at + 1);
  }
  parts.host = host_port;
  if (!host_port.empty() && host_port.front() == '[') {  // an IPv6 literal
    size_t close = host_port.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    parts.host = host_port.substr(0, close + 1);
    std::string_view tail = host_port.substr(close + 1);
    if (!tail.empty()) {
      if (tail.front() != ':') return std::nullopt;
      parts.port = tail.substr(1);
    }
  } else if (size_t colon = host_port.rfind(':'); colon != std::string_view::npos) {
    parts.host = host_port.substr(0, colon);
    parts.port = host_port.substr(colon + 1);
  }
  if (!std::all_of(parts.port.begin(), parts.port.end(), IsDigit)) return std::nullopt;
  if (parts.host.empty()) return std::nullopt;
  // Only an IPv6 literal holds ':' (else "a:b:80" would split one way now and another way once
  // its port is dropped).
  if (parts.host.front() != '[' && parts.host.find_first_of(":[]") != std::string_view::npos) {
    return std::nullopt;
  }
  return parts;
}

std::string_view EffectivePort(const UrlParts& parts) {
  bool https = parts.scheme.size() == 5;  // SplitUrl admits only http and https
  if (parts.port == (https ? "443" : "80")) return "";
  return parts.port;
}

std::string_view DomainOf(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  return host;
}

bool EqualsIgnoreAsciiCase(std::string_view left, std::string_view right) {
  if (left.size() != right.size()) return false;
  for (size_t byte_idx = 0; byte_idx < left.size(); ++byte_idx) {
    if (ToLower(left[byte_idx]) != ToLower(right[byte_idx])) return false;
  }
  return true;
}

bool IsWithinDomain(std::string_view host, std::string_view domain) {
  host = DomainOf(host);
  domain = DomainOf(domain);
  if (domain.empty()) return false;
  if (host.size() == domain.size()) return EqualsIgnoreAsciiCase(host, domain);
  if (host.size() < domain.size() + 1) return false;
  size_t boundary = host.size() - domain.size() - 1;
  return host[boundary] == '.' && EqualsIgnoreAsciiCase(host.substr(boundary + 1), domain);
}

bool HasUrlPrefix(const UrlParts& url, const UrlParts& prefix) {
  if (!EqualsIgnoreAsciiCase(url.scheme, prefix.scheme)) return false;
  if (url.user_info != prefix.user_info) return false;
  if (!EqualsIgnoreAsciiCase(url.host, prefix.host)) return false;
  if (EffectivePort(url) != EffectivePort(prefix)) return false;
  std::string_view rest = AfterSlash(url.rest);
  std::string_view wanted = AfterSlash(prefix.rest);
  return rest.substr(0, wanted.size()) == wanted;
}

bool IsHostName(std::string_view host) {
  if (host.empty() || host.size() > kMaxHostBytes) return false;
  size_t labels = 0;
  std::string_view last;
  for (size_t start = 0; start <= host.size();) {
    size_t dot = std::min(host.find('.', start), host.size());
    std::string_view label = host.substr(start, dot - start);
    if (label.empty() || label.size() > kMaxLabelBytes) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char symbol : label) {
      if (!IsLower(symbol) && !IsDigit(symbol) && symbol != '-') return false;
    }
    ++labels;
    last = label;
    start = dot + 1;
  }
  return labels >= 2 && !std::all_of(last.begin(), last.end(), IsDigit);
}

bool IsIpLiteral(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') return true;
  return !host.empty() && std::all_of(host.begin(), host.end(),
                                      [](char symbol) { return IsDigit(symbol) || symbol == '.'; });
}

}  // namespace threathub::mandates::internal
