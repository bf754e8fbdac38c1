// The request pipeline between the network and the handlers: route lookup, authentication,
// the route's permission, CSRF, the handler, audit of protected reads, error bodies, security
// headers and metrics. Free of Asio: tests call Handle() directly.
//
// The server calls it in two steps. Admit() runs when a request's header has arrived: it finds
// the route and the body limit and, for a route that streams its body (Route::open_body_sink),
// makes every check Handle would make (session, TOTP stage, permission, CSRF) and opens the
// route's sink, so that a refused upload is answered before any byte of it is read. Handle()
// runs once the body is in (in `body`, or fed to `body_sink` through WriteBody()), checks
// again and calls the handler.
//
//   Dispatcher::Admission admission = dispatcher.Admit(request);   // header only
//   if (admission.refusal) return SendAndClose(*admission.refusal);
//   ... read at most admission.body_limit bytes: into request.body, or, when
//   ... request.body_sink is set, piece by piece through dispatcher.WriteBody(request, piece)
//   Response response = dispatcher.Handle(request);
//
// Handle() alone also serves a streaming route (in-process tests): it opens the sink itself
// and writes `request.body` to it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "audit/audit.h"
#include "auth/sessions.h"
#include "http/message.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/static_files.h"

namespace threathub::http {

inline constexpr char kSessionCookie[] = "__Host-threathub";
inline constexpr char kCsrfHeader[] = "x-csrf-token";

// The error for a request body over `limit` bytes (413).
absl::Status TooLargeBody(int64_t limit);

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

  // What becomes of a request whose header has arrived, before its body is read.
  struct Admission {
    // The largest body accepted, in bytes.
    int64_t body_limit = 0;
    // Set when the request is refused as it stands (a Content-Length over the limit; for a
    // streaming route also 401, 403, or the error of open_body_sink): send it and close the
    // connection without reading the body.
    std::optional<Response> refusal;
  };
  // `head` has its method, target, headers and client; Admit fills path, query, path_params,
  // the principal and the matched route, and, when the route streams, `head.body_sink`.
  Admission Admit(Request& head);

  // Feeds the next piece of a streamed body to request.body_sink. A sink that throws is a bug
  // like a handler that throws: logged, kInternal.
  absl::Status WriteBody(Request& request, std::string_view bytes);

  Response Handle(Request& request);

  // Answers for requests that never reach Handle (malformed, too large): same headers.
  Response Refuse(const absl::Status& status) const;
  // The same for a request whose body failed part-way (over the limit, the sink's error): with
  // its request id, and counted in the metrics of its route.
  Response Refuse(const absl::Status& status, const Request& request);

  Metrics& metrics() { return metrics_; }
  const DispatcherOptions& options() const { return options_; }

 private:
  absl::StatusOr<Response> RouteRequest(Request& request, size_t& slot);
  // The session, TOTP stage, permission and CSRF checks of a route; refusals are audited.
  absl::Status Authorize(Request& request, const Route& route);
  // Runs route.open_body_sink and sets request.body_sink.
  absl::Status OpenBodySink(Request& request, const Route& route);
  int64_t BodyLimit(const Route* route) const;
  size_t SlotOf(const Request& request) const;
  // An error answer counted in the metrics (and logged when it is a 5xx).
  Response Answer(const absl::Status& status, const Request& request, size_t slot,
                  std::chrono::steady_clock::time_point started);
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
