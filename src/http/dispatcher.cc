#include "http/dispatcher.h"
#include "base/strings.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "base/encoding.h"
#include "base/errors.h"
#include "base/status_macros.h"
#include "http/json.h"

namespace threathub::http {
namespace {

std::vector<std::string> SlotNames(const Router& router) {
  std::vector<std::string> names;
  for (const Route& route : router.routes()) {
    names.push_back(base::StrCat(MethodName(route.method), " ", route.pattern));
  }
  for (const char* fixed : {"static", "GET /healthz", "GET /metrics", "unmatched"}) {
    names.emplace_back(fixed);
  }
  return names;
}

constexpr char kContentSecurityPolicy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'";

bool IsLoopback(std::string_view address) {
  return base::StartsWith(address, "127.") || address == "::1" ||
         base::StartsWith(address, "::ffff:127.");
}

// Request ids name a request in logs and answers: unique, not secret. A per-thread splitmix64
// sequence seeded once from the CSPRNG, instead of RAND_bytes on every request.
std::string NextRequestId() {
  thread_local uint64_t state = [] {
    uint64_t value = 0;
    for (unsigned char byte : base::RandomBytes(8)) value = value << 8 | byte;
    return value;
  }();
  uint64_t mixed = (state += 0x9e3779b97f4a7c15ULL);
  mixed = (mixed ^ (mixed >> 30)) * 0xbf58476d1ce4e5b9ULL;
  mixed = (mixed ^ (mixed >> 27)) * 0x94d049bb133111ebULL;
  mixed ^= mixed >> 31;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(16, '0');
  for (int digit_idx = 15; digit_idx >= 0; --digit_idx, mixed >>= 4) {
    id[digit_idx] = kHex[mixed & 15];
  }
  return id;
}

}  // namespace

Dispatcher::Dispatcher(const Router& router, auth::Authenticator& sessions,
                       audit::AuditTrail& trail, DispatcherOptions options)
    : router_(router),
      sessions_(sessions),
      trail_(trail),
      options_(std::move(options)),
      static_files_(options_.web_root),
      metrics_(SlotNames(router)) {
  static_slot_ = router.routes().size();
  health_slot_ = static_slot_ + 1;
  metrics_slot_ = static_slot_ + 2;
  unmatched_slot_ = static_slot_ + 3;
}

int64_t Dispatcher::BodyLimit(const Route* route) const {
  if (route != nullptr && route->max_body_bytes > 0) return route->max_body_bytes;
  return options_.max_json_body_bytes;  // also for 404s, which still read their bodies
}

size_t Dispatcher::SlotOf(const Request& request) const {
  if (request.route != nullptr) return request.route->index;
  if (request.path == "/healthz") return health_slot_;
  if (request.path == "/metrics") return metrics_slot_;
  if (!request.path.empty() && !base::StartsWith(request.path, "/api/")) return static_slot_;
  return unmatched_slot_;
}

Dispatcher::Admission Dispatcher::Admit(Request& head) {
  auto started = std::chrono::steady_clock::now();
  if (head.request_id.empty()) head.request_id = NextRequestId();
  Admission admission;
  admission.body_limit = options_.max_json_body_bytes;
  // A malformed target is answered by Handle, with the JSON limit on its body.
  if (!ParseTarget(head.target, head.path, head.query) || !base::IsValidUtf8(head.path)) {
    return admission;
  }
  const Route* route = nullptr;
  if (base::StartsWith(head.path, "/api/")) {
    RouteMatch match = router_.Find(head.method, head.path);
    route = match.route;
    if (route != nullptr) {
      head.route = route;
      head.path_params = std::move(match.params);
    }
  }
  admission.body_limit = BodyLimit(route);
  std::optional<uint64_t> content_length = head.ContentLength();
  auto too_large = [&] {
    return content_length && *content_length > static_cast<uint64_t>(admission.body_limit);
  };
  if (route == nullptr || !route->open_body_sink) {
    // Nothing else to decide before the body: the checks run in Handle, once.
    if (too_large()) {
      admission.refusal = Answer(TooLargeBody(admission.body_limit), head, SlotOf(head), started);
    }
    return admission;
  }

  absl::Status admitted;
  try {
    admitted = Authorize(head, *route);
    if (admitted.ok() && too_large()) admitted = TooLargeBody(admission.body_limit);
    if (admitted.ok()) admitted = OpenBodySink(head, *route);
  } catch (const std::exception& error) {
    spdlog::error("request {} {}: opening the body failed: {}", head.request_id, head.target,
                  error.what());
    admitted = absl::InternalError("internal error; the request id names it in the log");
  }
  if (!admitted.ok()) {
    head.body_sink.reset();
    admission.refusal = Answer(admitted, head, route->index, started);
  }
  return admission;
}

absl::Status Dispatcher::OpenBodySink(Request& request, const Route& route) {
  absl::StatusOr<std::shared_ptr<BodySink>> sink = route.open_body_sink(request);
  if (!sink.ok()) return sink.status();
  if (*sink == nullptr) return absl::InternalError("the route opened no body sink");
  request.body_sink = std::move(*sink);
  return absl::OkStatus();
}

absl::Status Dispatcher::WriteBody(Request& request, std::string_view bytes) {
  if (request.body_sink == nullptr) return absl::InternalError("the request has no body sink");
  try {
    return request.body_sink->Write(bytes);
  } catch (const std::exception& error) {
    spdlog::error("request {} {}: the body sink failed: {}", request.request_id, request.target,
                  error.what());
    return absl::InternalError("internal error; the request id names it in the log");
  }
}

absl::Status TooLargeBody(int64_t limit) {
  return base::WithReason(
      absl::ResourceExhaustedError(base::StrCat("the body is larger than ", limit, " bytes")),
      "payload_too_large");
}

std::string SessionCookie(std::string_view token, int64_t max_age_seconds) {
  // The __Host- prefix needs Secure; browsers treat http://localhost and 127.0.0.1 as secure
  // contexts, so the same cookie works for a local server without TLS.
  return base::StrCat(kSessionCookie, "=", token,
                      "; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=", max_age_seconds);
}

std::string ClearedSessionCookie() {
  return base::StrCat(kSessionCookie, "=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0");
}

void Dispatcher::Finish(Response& response, const Request& request) const {
  auto& headers = response.headers;
  headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
  headers.emplace_back("X-Content-Type-Options", "nosniff");
  headers.emplace_back("Referrer-Policy", "no-referrer");
  headers.emplace_back("X-Frame-Options", "DENY");
  headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
  headers.emplace_back("Cross-Origin-Resource-Policy", "same-origin");
  headers.emplace_back("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
  if (options_.tls) {
    headers.emplace_back("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  }
  bool has_cache_control = false;
  for (const auto& [name, value] : headers) has_cache_control |= name == "Cache-Control";
  if (!has_cache_control) headers.emplace_back("Cache-Control", "no-store");
  if (!request.request_id.empty()) headers.emplace_back("X-Request-Id", request.request_id);
}

Response Dispatcher::Refuse(const absl::Status& status) const {
  Response response = ErrorResponse(status);
  Finish(response, Request{});
  return response;
}

Response Dispatcher::Refuse(const absl::Status& status, const Request& request) {
  return Answer(status, request, SlotOf(request), std::chrono::steady_clock::now());
}

Response Dispatcher::Answer(const absl::Status& status, const Request& request, size_t slot,
                            std::chrono::steady_clock::time_point started) {
  Response response = ErrorResponse(status);
  if (response.status >= 500) {
    spdlog::error("{} {} -> {}: {}", MethodName(request.method), request.target, response.status,
                  response.body);
  }
  Finish(response, request);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  metrics_.Observe(slot, response.status, seconds);
  return response;
}

Response Dispatcher::Handle(Request& request) {
  auto started = std::chrono::steady_clock::now();
  if (request.request_id.empty()) request.request_id = NextRequestId();
  size_t slot = unmatched_slot_;
  Response response;
  try {
    absl::StatusOr<Response> routed = RouteRequest(request, slot);
    response = routed.ok() ? std::move(*routed) : ErrorResponse(routed.status());
  } catch (const std::exception& error) {
    // The one top-level catch: a bug in a handler answers 500 and the server goes on.
    response =
        ErrorResponse(absl::InternalError("internal error; the request id names it in the log"));
    spdlog::error("request {} {} failed: {}", request.request_id, request.target, error.what());
  }
  if (response.status >= 500) {
    spdlog::error("{} {} -> {}: {}", MethodName(request.method), request.target, response.status,
                  response.body);
  }
  Finish(response, request);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  metrics_.Observe(slot, response.status, seconds);
  return response;
}

absl::Status Dispatcher::Authorize(Request& request, const Route& route) {
  if (route.permission == auth::Permission::kPublic) return absl::OkStatus();
  std::string token;
  bool from_cookie = false;
  std::string_view authorization = request.Header("authorization");
  // The scheme name is case-insensitive (RFC 9110 section 11.1).
  if (authorization.size() > 7 && base::AsciiStrToLower(authorization.substr(0, 7)) == "bearer ") {
    token = std::string(authorization.substr(7));
  } else {
    token = request.Cookie(kSessionCookie);
    from_cookie = !token.empty();
  }
  if (token.empty()) {
    return base::WithReason(absl::UnauthenticatedError("sign in first"), "unauthenticated");
  }
  absl::StatusOr<auth::Principal> principal = sessions_.Authenticate(token);
  if (!principal.ok()) return principal.status();
  request.principal = std::move(*principal);
  const auth::Principal& who = *request.principal;

  absl::Status refusal;
  if (who.stage == auth::SessionStage::kEnroll &&
      route.permission != auth::Permission::kEnrolment) {
    refusal =
        base::WithReason(absl::PermissionDeniedError("set up your second factor (TOTP) first"),
                         "totp_enrollment_required");
  } else if (!auth::Has(who.permissions, route.permission)) {
    refusal = absl::PermissionDeniedError(base::StrCat(
        "your roles do not allow this (", auth::PermissionName(route.permission), ")"));
  } else if (from_cookie && ChangesState(request.method) &&
             !base::ConstantTimeEquals(request.Header(kCsrfHeader), who.csrf_token)) {
    refusal = base::WithReason(absl::PermissionDeniedError("missing or wrong CSRF token"),
                               "csrf_missing");
  }
  if (!refusal.ok()) {
    audit::Record record{.actor_id = who.user_id,
                         .actor_name = who.username,
                         .agency_id = who.agency_id,
                         .action = "access.denied",
                         .object_type = "route",
                         .object_id = base::StrCat(MethodName(route.method), " ", route.pattern),
                         .client = request.client_address,
                         .outcome = audit::Outcome::kDenied,
                         .request_id = request.request_id,
                         .detail = std::string(refusal.message())};
    trail_.Append(record).IgnoreError();  // the refusal stands even if the record fails
    return refusal;
  }
  return absl::OkStatus();
}

absl::StatusOr<Response> Dispatcher::RouteRequest(Request& request, size_t& slot) {
  if (!ParseTarget(request.target, request.path, request.query) ||
      !base::IsValidUtf8(request.path)) {
    return absl::InvalidArgumentError("malformed request target");
  }
  if (request.path == "/healthz") {
    slot = health_slot_;
    if (request.method != Method::kGet && request.method != Method::kHead) {
      return base::WithReason(absl::InvalidArgumentError("use GET"), "method_not_allowed");
    }
    return JsonResponse(Json{{"status", "ok"}});
  }
  if (request.path == "/metrics") {
    slot = metrics_slot_;
    if (!IsLoopback(request.client_address)) return absl::NotFoundError("not found");
    Response response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = metrics_.Render();
    return response;
  }
  if (!base::StartsWith(request.path, "/api/")) {
    slot = static_slot_;
    if (request.method != Method::kGet && request.method != Method::kHead) {
      return absl::NotFoundError("not found");
    }
    return static_files_.Serve(request.path);
  }

  if (request.route == nullptr) {
    RouteMatch match = router_.Find(request.method, request.path);
    if (match.route == nullptr) {
      if (match.path_exists) {
        return base::WithReason(
            absl::InvalidArgumentError(base::StrCat("this method is not allowed here; allowed: ",
                                                    base::StrJoin(match.allowed, ", "))),
            "method_not_allowed");
      }
      return absl::NotFoundError(base::StrCat("no such API route: ", request.path));
    }
    request.route = match.route;
    request.path_params = std::move(match.params);
  }
  const Route& route = *request.route;
  slot = route.index;

  // Again for a body admitted by Admit: the session may have ended while the body arrived.
  RETURN_IF_ERROR(Authorize(request, route));
  if (route.open_body_sink && request.body_sink == nullptr) {
    // Called without Admit (in-process tests): the body came as a string.
    if (request.body.size() > static_cast<uint64_t>(BodyLimit(&route))) {
      return TooLargeBody(BodyLimit(&route));
    }
    RETURN_IF_ERROR(OpenBodySink(request, route));
    RETURN_IF_ERROR(request.body_sink->Write(request.body));
    request.body.clear();
  }

  absl::StatusOr<Response> response = route.handler(request);
  if (response.ok() && !route.audit_action.empty() && request.principal) {
    const auth::Principal& who = *request.principal;
    auto id = request.path_params.find("id");
    audit::Record record{
        .actor_id = who.user_id,
        .actor_name = who.username,
        .agency_id = who.agency_id,
        .action = route.audit_action,
        .object_type = route.audit_object_type,
        .object_id = id == request.path_params.end() ? "" : id->second,
        .client = request.client_address,
        .request_id = request.request_id,
        .detail = request.target.size() > 500 ? request.target.substr(0, 500) : request.target};
    // A protected read that cannot be recorded is not answered.
    absl::Status recorded = trail_.Append(record);
    if (!recorded.ok()) return recorded;
  }
  return response;
}

}  // namespace threathub::http
