// The pieces of http(s) URLs that mandates compare (scope entries, collected items), as views
// into the URL: nothing is copied or lower-cased, so Evaluate allocates nothing per item.
#pragma once

#include <optional>
#include <string_view>

namespace threathub::mandates::internal {

struct UrlParts {
  std::string_view scheme;     // "http" or "https", in any case
  std::string_view user_info;  // "user:pass@" as written, or ""
  std::string_view host;       // as written (an IPv6 literal keeps its brackets)
  std::string_view port;       // digits as written, or ""
  std::string_view rest;       // path, query and fragment: "" or starting with '/', '?' or '#'
};

// RFC 3986 section 3 for the http and https schemes: scheme "://" authority, the authority
// ending at the first '/', '?' or '#'; user info up to the last '@'; a port of digits only.
// nullopt for another scheme, no host, or a malformed port or IPv6 literal.
std::optional<UrlParts> SplitUrl(std::string_view url);

// The port that distinguishes the URL: "" when it is absent or the scheme's default (80, 443).
std::string_view EffectivePort(const UrlParts& parts);

// The host as a domain compares: without the final dot of a fully qualified name.
std::string_view DomainOf(std::string_view host);

bool EqualsIgnoreAsciiCase(std::string_view left, std::string_view right);

// `host` is `domain` or one of its subdomains (the match ends on a label boundary), ASCII case
// ignored and a final dot on either dropped.
bool IsWithinDomain(std::string_view host, std::string_view domain);

// Whether `url` starts with `prefix` once both are normalised as NormalizeUrl does (scheme and
// host lower case, default port dropped, "/" for an empty path), without building either.
bool HasUrlPrefix(const UrlParts& url, const UrlParts& prefix);

// A DNS host name in lower case of at least two labels (letters, digits, '-'; no label starting
// or ending with '-'; at most 63 bytes a label, 253 in all); the last label is not all digits,
// so an IPv4 address is not one. Punycode ("xn--...") labels are host names.
bool IsHostName(std::string_view host);

// An IPv4 address (digits and dots) or a bracketed IPv6 literal.
bool IsIpLiteral(std::string_view host);

}  // namespace threathub::mandates::internal
