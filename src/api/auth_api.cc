// Sign-in, sign-out, the session, and the user's own settings (TOTP, password, preferences).
#include "api/render.h"
#include "api/services.h"
#include "base/status_macros.h"
#include "http/dispatcher.h"

namespace threathub::api {
namespace {

using auth::Permission;
using http::Json;
using http::JsonObject;
using http::Method;
using http::Request;
using http::Response;

int64_t IdleSeconds(const Services& services) {
  return services.sessions.policy().idle_timeout / 1000;
}

std::string_view LoginStatusName(auth::LoginStatus status) {
  switch (status) {
    case auth::LoginStatus::kOk:
      return "ok";
    case auth::LoginStatus::kTotpRequired:
      return "totp_required";
    case auth::LoginStatus::kEnrollmentRequired:
      return "totp_enrollment_required";
  }
  return "ok";
}

Response LoginResponse(const Services& services, const auth::LoginResult& result) {
  if (result.status == auth::LoginStatus::kTotpRequired) {
    return http::JsonResponse(Json{{"status", "totp_required"}, {"challenge", result.token}});
  }
  Response response =
      http::JsonResponse(Json{{"status", LoginStatusName(result.status)},
                              {"token", result.token},
                              {"csrf_token", result.principal.csrf_token},
                              {"session", RenderSession(result.principal, IdleSeconds(services))}});
  response.headers.emplace_back(
      "Set-Cookie",
      http::SessionCookie(result.token, services.sessions.policy().absolute_lifetime / 1000));
  return response;
}

}  // namespace

auth::Actor ActorOf(const Request& request) {
  return auth::Actor::FromPrincipal(*request.principal, request.client_address, request.request_id);
}

auth::ClientInfo ClientOf(const Request& request) {
  return auth::ClientInfo{request.client_address, request.request_id};
}

void AddAuthRoutes(http::Router& router, Services& services) {
  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/auth/banner",
              .permission = Permission::kPublic,
              .handler = [&services](Request&) -> absl::StatusOr<Response> {
                return http::JsonResponse(Json{{"banner", services.config.banner},
                                               {"totp_required", services.config.totp_required}});
              }});

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/auth/login",
              .permission = Permission::kPublic,
              .handler = [&services](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                ASSIGN_OR_RETURN(std::string username, body.RequiredString("username", 256));
                ASSIGN_OR_RETURN(std::string password, body.RequiredString("password", 4096));
                ASSIGN_OR_RETURN(std::optional<bool> banner, body.OptionalBool("banner_accepted"));
                RETURN_IF_ERROR(body.Finish());
                ASSIGN_OR_RETURN(auth::LoginResult result,
                                 services.sessions.Login(username, password, banner.value_or(false),
                                                         ClientOf(request)));
                return LoginResponse(services, result);
              }});

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/auth/totp",
              .permission = Permission::kPublic,
              .handler = [&services](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                ASSIGN_OR_RETURN(std::string challenge, body.RequiredString("challenge", 256));
                ASSIGN_OR_RETURN(std::string code, body.RequiredString("code", 16));
                RETURN_IF_ERROR(body.Finish());
                ASSIGN_OR_RETURN(auth::LoginResult result, services.sessions.CompleteTotp(
                                                               challenge, code, ClientOf(request)));
                return LoginResponse(services, result);
              }});

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/auth/logout",
              .permission = Permission::kEnrolment,
              .handler = [&services](Request& request) -> absl::StatusOr<Response> {
                RETURN_IF_ERROR(services.sessions.Logout(*request.principal, ClientOf(request)));
                Response response = http::NoContent();
                response.headers.emplace_back("Set-Cookie", http::ClearedSessionCookie());
                return response;
              }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/session",
              .permission = Permission::kEnrolment,
              .handler = [&services](Request& request) -> absl::StatusOr<Response> {
                Response response;  // application/json, 200
                response.body = RenderSessionText(*request.principal, IdleSeconds(services));
                return response;
              }});

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/me/totp/enroll",
              .permission = Permission::kEnrolment,
              .handler = [&services](Request& request) -> absl::StatusOr<Response> {
                if (!request.body.empty()) {
                  ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                  RETURN_IF_ERROR(body.Finish());
                }
                ASSIGN_OR_RETURN(
                    auth::TotpEnrollment enrollment,
                    services.sessions.BeginTotpEnrollment(*request.principal, ClientOf(request)));
                return http::JsonResponse(Json{{"secret", enrollment.secret_base32},
                                               {"otpauth_uri", enrollment.otpauth_uri}});
              }});

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/me/totp/confirm",
              .permission = Permission::kEnrolment,
              .handler = [&services](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                ASSIGN_OR_RETURN(std::string code, body.RequiredString("code", 16));
                RETURN_IF_ERROR(body.Finish());
                ASSIGN_OR_RETURN(
                    auth::Principal principal,
                    services.sessions.ConfirmTotp(*request.principal, code, ClientOf(request)));
                return http::JsonResponse(RenderSession(principal, IdleSeconds(services)));
              }});

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/me/password",
              .permission = Permission::kSignedIn,
              .handler = [&services](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                ASSIGN_OR_RETURN(std::string current, body.RequiredString("current_password"));
                ASSIGN_OR_RETURN(std::string fresh, body.RequiredString("new_password"));
                RETURN_IF_ERROR(body.Finish());
                RETURN_IF_ERROR(services.sessions.ChangePassword(*request.principal, current, fresh,
                                                                 ClientOf(request)));
                return http::NoContent();
              }});

  router.Add({.method = Method::kPatch,
              .pattern = "/api/v1/me",
              .permission = Permission::kSignedIn,
              .handler = [&services](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                auth::Preferences preferences;
                ASSIGN_OR_RETURN(preferences.language, body.OptionalString("language", 8));
                ASSIGN_OR_RETURN(preferences.time_zone, body.OptionalString("time_zone", 64));
                ASSIGN_OR_RETURN(preferences.display_name,
                                 body.OptionalString("display_name", 200));
                RETURN_IF_ERROR(body.Finish());
                ASSIGN_OR_RETURN(auth::Principal principal,
                                 services.sessions.UpdatePreferences(
                                     *request.principal, preferences, ClientOf(request)));
                return http::JsonResponse(RenderSession(principal, IdleSeconds(services)));
              }});
}

}  // namespace threathub::api
