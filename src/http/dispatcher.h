// The request pipeline between the network and the handlers: route lookup, authentication,
// the route's permission, CSRF, the handler, audit of protected reads, error bodies, security
// headers and metrics. Free of Asio: tests call Handle() directly.
#pragma once

#include <string>

#include "audit/audit.h"
#include "auth/sessions.h"
#include "http/message.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/static_files.h"

namespace threathub::http {

inline constexpr char kSessionCookie[] = "__Host-threathub";
inline constexpr char kCsrfHeader[] = "x-csrf-token";

// The Set-Cookie value for a new session token, and the one that clears it.
std::string SessionCookie(std::string_view token, int64_t max_age_seconds);
std::string ClearedSessionCookie();

struct DispatcherOptions {
  std::string web_root = "web/dist";
  int64_t max_json_body_bytes = 1 << 20;
  bool tls = false;
};

class Dispatcher {
 public:
  Dispatcher(const Router& router, auth::Authenticator& sessions, audit::AuditTrail& trail,
             DispatcherOptions options);

  // The largest body accepted for this request line (checked before the body is read).
  int64_t BodyLimitFor(Method method, std::string_view target) const;

  Response Handle(Request& request);

  // Answers for requests that never reach Handle (malformed, too large): same headers.
  Response Refuse(const absl::Status& status) const;

  Metrics& metrics() { return metrics_; }
  const DispatcherOptions& options() const { return options_; }

 private:
  absl::StatusOr<Response> RouteRequest(Request& request, size_t& slot);
  void Finish(Response& response, const Request& request) const;

  const Router& router_;
  auth::Authenticator& sessions_;
  audit::AuditTrail& trail_;
  DispatcherOptions options_;
  StaticFiles static_files_;
  Metrics metrics_;
  size_t static_slot_, health_slot_, metrics_slot_, unmatched_slot_;
};

}  // namespace threathub::http
