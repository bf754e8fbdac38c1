// A small synchronous HTTP/1.1 GET client for the feed pollers (Boost.Beast over Asio; https
// through OpenSSL with the system's trust store and host name verification). It lives in its own
// file so that the parsers and the service stay free of Asio (docs/architecture.md: parsers are
// fuzzed with clang, which cannot build Asio's C++20 parts against libstdc++ 12).
//
//   ASSIGN_OR_RETURN(collect::FetchResult got, collect::HttpGet("https://example.kz/rss.xml"));
//   if (got.status == 200) ParseFeed(got.body, got.final_url);
//
// One deadline covers the whole exchange (name resolution, connection, TLS handshake, request,
// response) of each hop; a body over max_body_bytes is refused (kResourceExhausted, reason
// "too_large") without reading on; up to max_redirects redirects (301, 302, 303, 307, 308) are
// followed, to http and https URLs only. Any other status is returned as it is, for the caller
// to judge. Errors: kInvalidArgument for a URL that is not http(s), kDeadlineExceeded for a
// timeout, kUnavailable for a host that cannot be resolved, reached or spoken to.
//
// Thread-safe: every call has its own I/O context and blocks its thread until it is done.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace threathub::collect {

struct FetchOptions {
  std::chrono::milliseconds timeout = std::chrono::seconds(30);  // per hop
  uint64_t max_body_bytes = uint64_t{16} << 20;                  // 16 MiB
  int max_redirects = 3;
  std::string user_agent = "threathub-collect/1";
  // Checks the server's certificate against the system's trust store and the host name. Off
  // only in tests.
  bool verify_tls = true;
};

struct FetchResult {
  int status = 0;
  std::string final_url;  // after redirects
  std::string content_type;
  std::string body;
};

absl::StatusOr<FetchResult> HttpGet(std::string_view url, const FetchOptions& options = {});

// The parts of an http(s) URL the client needs. InvalidArgument for anything else (other
// schemes, user info, a missing host, a bad port, control characters or spaces).
struct HttpUrl {
  bool tls = false;
  std::string host;    // without brackets for IPv6 literals
  std::string port;    // "80" / "443" when absent
  std::string target;  // path and query, at least "/"; the fragment is dropped
  std::string HostHeader() const;
  std::string ToString() const;
};
absl::StatusOr<HttpUrl> ParseHttpUrl(std::string_view url);
// A redirect's Location (absolute, scheme-relative "//host/...", absolute path or relative path)
// resolved against the URL it came from.
absl::StatusOr<HttpUrl> ResolveLocation(const HttpUrl& base, std::string_view location);

}  // namespace threathub::collect
