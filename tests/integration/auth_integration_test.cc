// Sign-in, sessions and CSRF, lockout, TOTP, the audit trail, and route permissions, through the
// HTTP API of the real server.
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "integration_test.h"

namespace threathub::integration {
namespace {

class AuthTest : public IntegrationTest {};
THREATHUB_INSTANTIATE_FOR_ENGINES(AuthTest);

// A user's id from GET /api/v1/users?q=..., or -1.
int64_t FindUserId(int port, const Auth& auth, const std::string& username) {
  HttpResponse response = Api(port, "GET", "/api/v1/users?q=" + username, std::nullopt, auth);
  Json body = response.JsonBody();
  if (response.status != 200 || !body.contains("users")) return -1;
  for (const Json& user : body["users"]) {
    if (user.value("username", "") == username) return user.value("id", int64_t{-1});
  }
  return -1;
}

Json ErrorOf(const HttpResponse& response) {
  Json body = response.JsonBody();
  return body.is_object() && body.contains("error") ? body["error"] : Json();
}

TEST_P(AuthTest, SignInSetsHostCookieAndCookieSessionsNeedCsrf) {
  TestServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  const std::string password = server->Password("admin");

  EXPECT_TRUE(IsError(Login(port, "admin", password, /*banner_accepted=*/false), 400,
                      "invalid_argument", "banner_not_accepted", "banner_accepted"));

  HttpResponse login = Login(port, "admin", password);
  ASSERT_EQ(login.status, 200) << login.Describe();
  Json answer = login.JsonBody();
  EXPECT_EQ(answer.value("status", ""), "ok");
  const std::string token = answer.value("token", "");
  const std::string csrf = answer.value("csrf_token", "");
  ASSERT_FALSE(token.empty());
  ASSERT_FALSE(csrf.empty());
  EXPECT_EQ(answer["session"].value("stage", ""), "full");
  EXPECT_EQ(answer["session"]["user"].value("username", ""), "admin");

  std::vector<std::string> cookies = login.AllHeaders("set-cookie");
  ASSERT_EQ(cookies.size(), 1u) << login.Describe();
  const std::string& cookie = cookies[0];
  EXPECT_EQ(cookie.rfind(std::string(kSessionCookie) + "=" + token + ";", 0), 0u) << cookie;
  EXPECT_NE(cookie.find("; HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; Secure"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; Path=/"), std::string::npos) << cookie;
  EXPECT_EQ(cookie.find("Domain="), std::string::npos) << "__Host- cookies have no Domain";

  // Reads with the cookie need no CSRF token.
  HttpResponse session = Api(port, "GET", "/api/v1/session", std::nullopt, Auth::Cookie(token));
  ASSERT_EQ(session.status, 200) << session.Describe();
  Json current = session.JsonBody();
  EXPECT_EQ(current.value("csrf_token", ""), csrf);
  EXPECT_EQ(current.value("stage", ""), "full");
  EXPECT_EQ(current["user"].value("username", ""), "admin");
  EXPECT_GT(current.value("idle_timeout_seconds", 0), 0);

  // State changes with the cookie need the CSRF header, and the right one.
  const Json change = {{"language", "en"}};
  EXPECT_TRUE(IsError(Api(port, "PATCH", "/api/v1/me", change, Auth::Cookie(token)), 403,
                      "permission_denied", "csrf_missing"));
  EXPECT_TRUE(IsError(Api(port, "PATCH", "/api/v1/me", change, Auth::Cookie(token, "x" + csrf)),
                      403, "permission_denied", "csrf_missing"));
  EXPECT_TRUE(IsError(Api(port, "POST", "/api/v1/auth/logout", std::nullopt, Auth::Cookie(token)),
                      403, "permission_denied", "csrf_missing"));
  HttpResponse changed = Api(port, "PATCH", "/api/v1/me", change, Auth::Cookie(token, csrf));
  ASSERT_EQ(changed.status, 200) << changed.Describe();
  EXPECT_EQ(changed.JsonBody()["user"].value("language", ""), "en");

  // A bearer token needs no CSRF header.
  HttpResponse bearer =
      Api(port, "PATCH", "/api/v1/me", Json{{"language", "kk"}}, Auth::Bearer(token));
  ASSERT_EQ(bearer.status, 200) << bearer.Describe();
  EXPECT_EQ(bearer.JsonBody()["user"].value("language", ""), "kk");

  HttpResponse logout =
      Api(port, "POST", "/api/v1/auth/logout", std::nullopt, Auth::Cookie(token, csrf));
  ASSERT_EQ(logout.status, 204) << logout.Describe();
  std::string cleared = logout.Header("set-cookie");
  EXPECT_EQ(cleared.rfind(std::string(kSessionCookie) + "=;", 0), 0u) << cleared;
  EXPECT_NE(cleared.find("Max-Age=0"), std::string::npos) << cleared;

  EXPECT_TRUE(IsError(Api(port, "GET", "/api/v1/session", std::nullopt, Auth::Cookie(token)), 401,
                      "unauthenticated"));
  EXPECT_TRUE(IsError(Api(port, "GET", "/api/v1/session", std::nullopt, Auth::Bearer(token)), 401,
                      "unauthenticated"));
  EXPECT_TRUE(IsError(Api(port, "POST", "/api/v1/auth/logout", std::nullopt, Auth::Bearer(token)),
                      401, "unauthenticated"));
}

TEST_P(AuthTest, IdleSessionsExpireAndActivityKeepsThemAlive) {
  TestServer* server = StartServer({.env = {{"THREATHUB_SESSION_IDLE_SECONDS", "2"}}});
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  std::optional<SignedIn> active = SignInDemo(*server, "analyst");
  std::optional<SignedIn> idle = SignInDemo(*server, "investigator");
  ASSERT_TRUE(active && idle);
  HttpResponse session =
      Api(port, "GET", "/api/v1/session", std::nullopt, Auth::Bearer(idle->token));
  ASSERT_EQ(session.status, 200) << session.Describe();
  EXPECT_EQ(session.JsonBody().value("idle_timeout_seconds", 0), 2);
  // One session keeps busy for longer than the idle timeout, the other says nothing.
  for (int tick = 0; tick < 6; ++tick) {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    HttpResponse busy =
        Api(port, "GET", "/api/v1/session", std::nullopt, Auth::Bearer(active->token));
    ASSERT_EQ(busy.status, 200) << "tick " << tick << ": " << busy.Describe();
  }
  EXPECT_TRUE(IsError(Api(port, "GET", "/api/v1/session", std::nullopt, Auth::Bearer(idle->token)),
                      401, "unauthenticated", "session_expired"));
  // Expired for good, not only until the next request.
  EXPECT_TRUE(IsError(Api(port, "GET", "/api/v1/regions", std::nullopt, Auth::Bearer(idle->token)),
                      401, "unauthenticated", "session_expired"));
}

TEST_P(AuthTest, FailedSignInsLockKnownAndUnknownAccountsAlike) {
  TestServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  const std::string password = server->Password("analyst");

  Json wrong_password_error;
  for (int attempt = 1; attempt <= 4; ++attempt) {
    HttpResponse response = Login(port, "analyst", "Wrong-Password-" + std::to_string(attempt));
    ASSERT_TRUE(IsError(response, 401, "unauthenticated", "bad_credentials"))
        << "attempt " << attempt;
    wrong_password_error = ErrorOf(response);
  }
  HttpResponse fifth = Login(port, "analyst", "Wrong-Password-5");
  ASSERT_TRUE(IsError(fifth, 401, "unauthenticated", "account_locked"));
  const Json locked_error = ErrorOf(fifth);
  // Now even the right password is refused.
  EXPECT_TRUE(IsError(Login(port, "analyst", password), 401, "unauthenticated", "account_locked"));

  // An unknown name answers exactly like a wrong password, and locks after as many attempts.
  for (int attempt = 1; attempt <= 4; ++attempt) {
    HttpResponse response =
        Login(port, "no-such-officer", "Wrong-Password-" + std::to_string(attempt));
    EXPECT_EQ(response.status, 401) << response.Describe();
    EXPECT_EQ(ErrorOf(response), wrong_password_error) << "attempt " << attempt;
  }
  HttpResponse unknown_fifth = Login(port, "no-such-officer", "Wrong-Password-5");
  EXPECT_EQ(unknown_fifth.status, 401) << unknown_fifth.Describe();
  EXPECT_EQ(ErrorOf(unknown_fifth), locked_error);
  EXPECT_EQ(ErrorOf(Login(port, "no-such-officer", "Wrong-Password-6")), locked_error);

  // Other accounts are not affected.
  std::optional<SignedIn> admin = SignInDemo(*server, "admin");
  ASSERT_TRUE(admin);
  const Auth as_admin = Auth::Bearer(admin->token);
  int64_t analyst_id = FindUserId(port, as_admin, "analyst");
  ASSERT_GT(analyst_id, 0);
  HttpResponse user =
      Api(port, "GET", "/api/v1/users/" + std::to_string(analyst_id), std::nullopt, as_admin);
  ASSERT_EQ(user.status, 200) << user.Describe();
  EXPECT_EQ(user.JsonBody().value("locked", false), true);

  HttpResponse unlock = Api(port, "POST", "/api/v1/users/" + std::to_string(analyst_id) + "/unlock",
                            std::nullopt, as_admin);
  ASSERT_EQ(unlock.status, 200) << unlock.Describe();
  EXPECT_EQ(unlock.JsonBody().value("locked", true), false);
  EXPECT_TRUE(SignIn(port, "analyst", password));
}

// Known accounts keep their lock in the database; an unknown name must not answer differently
// after a restart, or the restart tells which names exist.
TEST_P(AuthTest, UnknownNameLocksOutLikeAKnownOneAcrossARestart) {
  TestServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  // Not a demo account: a --demo start resets those.
  std::optional<SignedIn> admin = SignInDemo(*server, "admin");
  ASSERT_TRUE(admin);
  HttpResponse created =
      Api(server->port(), "POST", "/api/v1/users",
          Json{{"username", "real-officer"},
               {"display_name", "Real Officer"},
               {"agency_id", admin->answer["session"]["user"].value("agency_id", int64_t{0})},
               {"roles", {"analyst"}},
               {"password", "Locked-Out-Password-3"}},
          Auth::Bearer(admin->token));
  ASSERT_EQ(created.status, 201) << created.Describe();
  for (int attempt = 1; attempt <= 5; ++attempt) {
    Login(server->port(), "real-officer", "Wrong-Password-" + std::to_string(attempt));
    Login(server->port(), "no-such-officer", "Wrong-Password-" + std::to_string(attempt));
  }
  HttpResponse known = Login(server->port(), "real-officer", "Wrong-Password-6");
  HttpResponse unknown = Login(server->port(), "no-such-officer", "Wrong-Password-6");
  ASSERT_TRUE(IsError(known, 401, "unauthenticated", "account_locked"));
  ASSERT_EQ(ErrorOf(unknown), ErrorOf(known));

  server->Kill(SIGTERM);
  std::string error;
  ASSERT_TRUE(server->Start(error)) << error;
  known = Login(server->port(), "real-officer", "Wrong-Password-7");
  unknown = Login(server->port(), "no-such-officer", "Wrong-Password-7");
  EXPECT_TRUE(IsError(known, 401, "unauthenticated", "account_locked"));
  EXPECT_EQ(ErrorOf(unknown), ErrorOf(known))
      << "after a restart an unknown name answers differently from a locked account";
}

TEST_P(AuthTest, DisablingOrResettingAnAccountEndsItsSessionsAtOnce) {
  TestServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  std::optional<SignedIn> admin = SignInDemo(*server, "admin");
  ASSERT_TRUE(admin);
  const Auth as_admin = Auth::Bearer(admin->token);
  std::optional<SignedIn> officer = SignInDemo(*server, "investigator");
  ASSERT_TRUE(officer);
  const std::string id = std::to_string(FindUserId(port, as_admin, "investigator"));
  ASSERT_NE(id, "-1");
  ASSERT_EQ(Api(port, "GET", "/api/v1/session", std::nullopt, Auth::Bearer(officer->token)).status,
            200);

  HttpResponse disabled =
      Api(port, "POST", "/api/v1/users/" + id + "/disable", std::nullopt, as_admin);
  ASSERT_EQ(disabled.status, 200) << disabled.Describe();
  EXPECT_EQ(disabled.JsonBody().value("disabled", false), true);
  EXPECT_TRUE(
      IsError(Api(port, "GET", "/api/v1/session", std::nullopt, Auth::Bearer(officer->token)), 401,
              "unauthenticated"));
  EXPECT_TRUE(IsError(Login(port, "investigator", server->Password("investigator")), 401,
                      "unauthenticated", "account_disabled"));

  ASSERT_EQ(Api(port, "POST", "/api/v1/users/" + id + "/enable", std::nullopt, as_admin).status,
            200);
  officer = SignInDemo(*server, "investigator");
  ASSERT_TRUE(officer);
  HttpResponse reset =
      Api(port, "POST", "/api/v1/users/" + id + "/reset-password", std::nullopt, as_admin);
  ASSERT_EQ(reset.status, 200) << reset.Describe();
  const std::string new_password = reset.JsonBody().value("password", "");
  EXPECT_GE(new_password.size(), 12u);
  EXPECT_TRUE(
      IsError(Api(port, "GET", "/api/v1/session", std::nullopt, Auth::Bearer(officer->token)), 401,
              "unauthenticated"));
  EXPECT_TRUE(IsError(Login(port, "investigator", server->Password("investigator")), 401,
                      "unauthenticated", "bad_credentials"));
  EXPECT_TRUE(SignIn(port, "investigator", new_password));

  // Nobody disables their own account.
  const std::string admin_id =
      std::to_string(admin->answer["session"]["user"].value("id", int64_t{0}));
  EXPECT_TRUE(
      IsError(Api(port, "POST", "/api/v1/users/" + admin_id + "/disable", std::nullopt, as_admin),
              409, "failed_precondition"));
}

TEST_P(AuthTest, AgencyAdminIsConfinedToItsAgency) {
  TestServer* server = StartServer({.env = {{"THREATHUB_TOTP_REQUIRED", "false"}}});
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  std::optional<SignedIn> national = SignInDemo(*server, "admin");
  ASSERT_TRUE(national);
  const Auth as_national = Auth::Bearer(national->token);
  HttpResponse agencies = Api(port, "GET", "/api/v1/agencies", std::nullopt, as_national);
  ASSERT_EQ(agencies.status, 200) << agencies.Describe();
  std::map<std::string, int64_t> agency_ids;
  const Json agency_list = agencies.JsonBody()["agencies"];
  for (const Json& agency : agency_list) {
    agency_ids[agency.value("code", "")] = agency.value("id", int64_t{0});
  }
  ASSERT_TRUE(agency_ids.contains("almaty-cyber") && agency_ids.contains("astana-cyber"));
  const int64_t almaty = agency_ids["almaty-cyber"];
  const int64_t astana = agency_ids["astana-cyber"];

  const std::string password = "Almaty-Unit-Admin-Pass-5";
  HttpResponse created = Api(port, "POST", "/api/v1/users",
                             Json{{"username", "almaty-admin"},
                                  {"display_name", "Almaty Admin"},
                                  {"agency_id", almaty},
                                  {"roles", {"admin"}},
                                  {"password", password}},
                             as_national);
  ASSERT_EQ(created.status, 201) << created.Describe();
  std::optional<SignedIn> local = SignIn(port, "almaty-admin", password);
  ASSERT_TRUE(local);
  const Auth as_local = Auth::Bearer(local->token);

  // Its own agency: yes.
  HttpResponse own = Api(port, "GET", "/api/v1/users", std::nullopt, as_local);
  ASSERT_EQ(own.status, 200) << own.Describe();
  const Json own_users = own.JsonBody()["users"];
  EXPECT_FALSE(own_users.empty());
  for (const Json& user : own_users) {
    EXPECT_EQ(user.value("agency_id", int64_t{0}), almaty) << user.dump();
  }
  HttpResponse local_user = Api(port, "POST", "/api/v1/users",
                                Json{{"username", "almaty-analyst"},
                                     {"display_name", "Almaty Analyst"},
                                     {"agency_id", almaty},
                                     {"roles", {"analyst"}},
                                     {"password", "Regional-Unit-Pass-66"}},
                                as_local);
  EXPECT_EQ(local_user.status, 201) << local_user.Describe();

  // Another agency, or the whole country: no.
  const int64_t trainee_id = FindUserId(port, as_national, "trainee");  // in Astana
  EXPECT_TRUE(IsError(
      Api(port, "GET", "/api/v1/users/" + std::to_string(trainee_id), std::nullopt, as_local), 403,
      "permission_denied"));
  EXPECT_TRUE(IsError(Api(port, "POST", "/api/v1/users/" + std::to_string(trainee_id) + "/disable",
                          std::nullopt, as_local),
                      403, "permission_denied"));
  EXPECT_TRUE(IsError(
      Api(port, "GET", "/api/v1/users?agency_id=" + std::to_string(astana), std::nullopt, as_local),
      403, "permission_denied"));
  EXPECT_TRUE(IsError(Api(port, "POST", "/api/v1/users",
                          Json{{"username", "astana-spy"},
                               {"display_name", "Astana Spy"},
                               {"agency_id", astana},
                               {"roles", {"admin"}},
                               {"password", "Foreign-Unit-Password-7"}},
                          as_local),
                      403, "permission_denied"));
  EXPECT_TRUE(IsError(Api(port, "PATCH", "/api/v1/agencies/" + std::to_string(astana),
                          Json{{"name", "Renamed"}}, as_local),
                      403, "permission_denied"));
  EXPECT_TRUE(
      IsError(Api(port, "POST", "/api/v1/regions", Json{{"code", "r"}, {"name", "R"}}, as_local),
              403, "permission_denied"));
  // The audit trail it reads is its agency's.
  HttpResponse audit = Api(port, "GET", "/api/v1/audit?limit=1000", std::nullopt, as_local);
  ASSERT_EQ(audit.status, 200) << audit.Describe();
  const Json records = audit.JsonBody()["records"];
  EXPECT_FALSE(records.empty());
  for (const Json& record : records) {
    EXPECT_EQ(record.value("agency_id", Json(nullptr)), Json(almaty)) << record.dump();
  }
}

TEST_P(AuthTest, TotpEnrolmentThenACodeAtEverySignInUsedOnce) {
  TestServer* server = StartServer({.env = {{"THREATHUB_TOTP_REQUIRED", "true"}}});
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  std::optional<SignedIn> admin = SignInDemo(*server, "admin");
  ASSERT_TRUE(admin);
  const int64_t agency_id = admin->answer["session"]["user"].value("agency_id", int64_t{0});

  const std::string password = "Enrol-Second-Factor-2026";
  HttpResponse created = Api(port, "POST", "/api/v1/users",
                             Json{{"username", "totp-officer"},
                                  {"display_name", "TOTP Officer"},
                                  {"agency_id", agency_id},
                                  {"roles", {"investigator"}},
                                  {"password", password}},
                             Auth::Bearer(admin->token));
  ASSERT_EQ(created.status, 201) << created.Describe();
  EXPECT_EQ(created.JsonBody().value("totp_enabled", true), false);

  // The first sign-in opens an enrolment-only session.
  HttpResponse login = Login(port, "totp-officer", password);
  ASSERT_EQ(login.status, 200) << login.Describe();
  Json answer = login.JsonBody();
  ASSERT_EQ(answer.value("status", ""), "totp_enrollment_required") << login.body;
  EXPECT_EQ(answer["session"].value("stage", ""), "enroll");
  const Auth enrolling = Auth::Bearer(answer.value("token", ""));

  HttpResponse session = Api(port, "GET", "/api/v1/session", std::nullopt, enrolling);
  ASSERT_EQ(session.status, 200) << session.Describe();
  EXPECT_EQ(session.JsonBody().value("stage", ""), "enroll");
  EXPECT_TRUE(IsError(Api(port, "GET", "/api/v1/regions", std::nullopt, enrolling), 403,
                      "permission_denied", "totp_enrollment_required"));
  EXPECT_TRUE(IsError(Api(port, "GET", "/api/v1/users", std::nullopt, enrolling), 403,
                      "permission_denied", "totp_enrollment_required"));
  EXPECT_TRUE(IsError(Api(port, "PATCH", "/api/v1/me", Json{{"language", "en"}}, enrolling), 403,
                      "permission_denied", "totp_enrollment_required"));
  EXPECT_TRUE(
      IsError(Api(port, "POST", "/api/v1/me/password",
                  Json{{"current_password", password}, {"new_password", "Another-Long-Password-1"}},
                  enrolling),
              403, "permission_denied", "totp_enrollment_required"));
  EXPECT_TRUE(
      IsError(Api(port, "POST", "/api/v1/me/totp/confirm", Json{{"code", "123456"}}, enrolling),
              409, "failed_precondition", "", "code"));

  HttpResponse enroll = Api(port, "POST", "/api/v1/me/totp/enroll", std::nullopt, enrolling);
  ASSERT_EQ(enroll.status, 200) << enroll.Describe();
  const std::string secret = enroll.JsonBody().value("secret", "");
  EXPECT_TRUE(std::regex_match(secret, std::regex("[A-Z2-7]{16,}"))) << secret;
  const std::string uri = enroll.JsonBody().value("otpauth_uri", "");
  EXPECT_EQ(uri.rfind("otpauth://totp/", 0), 0u) << uri;
  EXPECT_NE(uri.find("secret=" + secret), std::string::npos) << uri;

  // A code outside the window is refused.
  const int64_t step = CurrentTotpStep();
  std::string wrong = "000000";
  for (int64_t near = step - 2; near <= step + 2; ++near) {
    if (TotpCode(secret, near) == wrong) wrong = "999999";
  }
  EXPECT_TRUE(
      IsError(Api(port, "POST", "/api/v1/me/totp/confirm", Json{{"code", wrong}}, enrolling), 401,
              "unauthenticated", "bad_totp", "code"));

  HttpResponse confirmed = Api(port, "POST", "/api/v1/me/totp/confirm",
                               Json{{"code", TotpCode(secret, step)}}, enrolling);
  ASSERT_EQ(confirmed.status, 200) << confirmed.Describe();
  EXPECT_EQ(confirmed.JsonBody().value("stage", ""), "full");
  EXPECT_EQ(confirmed.JsonBody()["user"].value("totp_enabled", false), true);
  HttpResponse now_full = Api(port, "GET", "/api/v1/regions", std::nullopt, enrolling);
  EXPECT_EQ(now_full.status, 200) << now_full.Describe();

  // The next sign-in asks for a code; the challenge is no session.
  HttpResponse second = Login(port, "totp-officer", password);
  ASSERT_EQ(second.status, 200) << second.Describe();
  Json challenge_answer = second.JsonBody();
  ASSERT_EQ(challenge_answer.value("status", ""), "totp_required") << second.body;
  EXPECT_FALSE(challenge_answer.contains("token"));
  EXPECT_FALSE(second.HasHeader("set-cookie"));
  const std::string challenge = challenge_answer.value("challenge", "");
  ASSERT_FALSE(challenge.empty());
  EXPECT_TRUE(IsError(Api(port, "GET", "/api/v1/session", std::nullopt, Auth::Bearer(challenge)),
                      401, "unauthenticated"));

  // The confirmation used `step`; the next step's code is inside the window (one step ahead).
  const std::string code = TotpCode(secret, std::max(CurrentTotpStep(), step + 1));
  HttpResponse verified =
      Api(port, "POST", "/api/v1/auth/totp", Json{{"challenge", challenge}, {"code", code}});
  ASSERT_EQ(verified.status, 200) << verified.Describe();
  EXPECT_EQ(verified.JsonBody().value("status", ""), "ok");
  EXPECT_TRUE(verified.HasHeader("set-cookie"));
  const std::string full_token = verified.JsonBody().value("token", "");
  HttpResponse full_session =
      Api(port, "GET", "/api/v1/session", std::nullopt, Auth::Bearer(full_token));
  ASSERT_EQ(full_session.status, 200) << full_session.Describe();
  EXPECT_EQ(full_session.JsonBody().value("stage", ""), "full");

  // A challenge is good once.
  EXPECT_TRUE(IsError(
      Api(port, "POST", "/api/v1/auth/totp", Json{{"challenge", challenge}, {"code", code}}), 401,
      "unauthenticated"));
  // And so is a code, even with a new challenge.
  HttpResponse third = Login(port, "totp-officer", password);
  ASSERT_EQ(third.JsonBody().value("status", ""), "totp_required") << third.Describe();
  EXPECT_TRUE(
      IsError(Api(port, "POST", "/api/v1/auth/totp",
                  Json{{"challenge", third.JsonBody().value("challenge", "")}, {"code", code}}),
              401, "unauthenticated", "bad_totp"));

  // Guessing codes locks the account like guessing passwords.
  HttpResponse fourth = Login(port, "totp-officer", password);
  const std::string guessed_challenge = fourth.JsonBody().value("challenge", "");
  ASSERT_FALSE(guessed_challenge.empty()) << fourth.Describe();
  bool locked = false;
  for (int guess = 0; guess < 5 && !locked; ++guess) {
    std::string guess_code = std::to_string(100000 + guess * 7919);
    if (guess_code == TotpCode(secret, CurrentTotpStep())) continue;
    HttpResponse answer = Api(port, "POST", "/api/v1/auth/totp",
                              Json{{"challenge", guessed_challenge}, {"code", guess_code}});
    ASSERT_EQ(answer.status, 401) << answer.Describe();
    locked = ErrorOf(answer).value("reason", "") == "account_locked";
  }
  EXPECT_TRUE(locked) << "five wrong codes do not lock the account";
  EXPECT_TRUE(
      IsError(Login(port, "totp-officer", password), 401, "unauthenticated", "account_locked"));
}

TEST_P(AuthTest, AuditTrailRecordsWhoDidWhatWithoutSecrets) {
  TestServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  std::vector<std::string> secrets;

  const std::string admin_password = server->Password("admin");
  secrets.push_back(admin_password);
  HttpResponse admin_login = Login(port, "admin", admin_password);
  ASSERT_EQ(admin_login.status, 200) << admin_login.Describe();
  const std::string login_request_id = admin_login.Header("x-request-id");
  ASSERT_FALSE(login_request_id.empty());
  const Json admin_answer = admin_login.JsonBody();
  const std::string admin_token = admin_answer.value("token", "");
  const int64_t admin_id = admin_answer["session"]["user"].value("id", int64_t{0});
  const int64_t agency_id = admin_answer["session"]["user"].value("agency_id", int64_t{0});
  secrets.push_back(admin_token);
  secrets.push_back(admin_answer.value("csrf_token", ""));
  const Auth as_admin = Auth::Bearer(admin_token);

  const std::string wrong_password = "Wrong-Secret-Password-4321";
  secrets.push_back(wrong_password);
  EXPECT_EQ(Login(port, "admin", wrong_password).status, 401);

  const std::string officer_password = "Audit-Trail-Officer-Pass-9";
  secrets.push_back(officer_password);
  HttpResponse created = Api(port, "POST", "/api/v1/users",
                             Json{{"username", "audited-officer"},
                                  {"display_name", "Audited Officer"},
                                  {"agency_id", agency_id},
                                  {"roles", {"analyst"}},
                                  {"password", officer_password}},
                             as_admin);
  ASSERT_EQ(created.status, 201) << created.Describe();
  const std::string create_request_id = created.Header("x-request-id");
  const std::string officer_id = std::to_string(created.JsonBody().value("id", int64_t{0}));

  HttpResponse officer_login = Login(port, "audited-officer", officer_password);
  ASSERT_EQ(officer_login.status, 200) << officer_login.Describe();
  const std::string officer_token = officer_login.JsonBody().value("token", "");
  secrets.push_back(officer_token);
  secrets.push_back(officer_login.JsonBody().value("csrf_token", ""));
  EXPECT_EQ(
      Api(port, "POST", "/api/v1/auth/logout", std::nullopt, Auth::Bearer(officer_token)).status,
      204);

  std::optional<SignedIn> trainee = SignInDemo(*server, "trainee");
  ASSERT_TRUE(trainee);
  secrets.push_back(trainee->token);
  secrets.push_back(server->Password("trainee"));
  EXPECT_EQ(Api(port, "GET", "/api/v1/audit", std::nullopt, Auth::Bearer(trainee->token)).status,
            403);

  HttpResponse audit = Api(port, "GET", "/api/v1/audit?limit=1000", std::nullopt, as_admin);
  ASSERT_EQ(audit.status, 200) << audit.Describe();
  Json records = audit.JsonBody()["records"];
  ASSERT_TRUE(records.is_array());
  const std::regex utc_millis(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  std::set<std::string> actions;
  bool admin_login_found = false, failure_found = false, create_found = false, denied_found = false,
       logout_found = false;
  for (const Json& record : records) {
    for (const char* key :
         {"id", "at", "actor_id", "actor_name", "agency_id", "action", "object_type", "object_id",
          "client", "outcome", "request_id", "detail"}) {
      EXPECT_TRUE(record.contains(key)) << key << " missing in " << record.dump();
    }
    EXPECT_TRUE(std::regex_match(record.value("at", ""), utc_millis)) << record.dump();
    const std::string action = record.value("action", "");
    actions.insert(action);
    const std::string actor = record.value("actor_name", "");
    // Records of API requests (not of the demo seeding at start-up) name the client and request.
    if (actor != "demo-seed" &&
        (action.rfind("auth.", 0) == 0 || action == "user.create" || action == "access.denied")) {
      EXPECT_EQ(record.value("client", ""), "127.0.0.1") << record.dump();
      EXPECT_FALSE(record.value("request_id", "").empty()) << record.dump();
    }
    if (action == "auth.login" && actor == "admin" && record.value("outcome", "") == "success" &&
        record.value("request_id", "") == login_request_id) {
      admin_login_found = true;
      EXPECT_EQ(record["actor_id"], admin_id);
    }
    if (action == "auth.login" && actor == "admin" && record.value("outcome", "") == "failure") {
      failure_found = true;
    }
    if (action == "user.create" && actor == "admin" &&
        record.value("object_id", "") == officer_id) {
      create_found = true;
      EXPECT_EQ(record.value("request_id", ""), create_request_id);
      EXPECT_EQ(record["actor_id"], admin_id);
    }
    if (action == "access.denied" && actor == "trainee") {
      denied_found = true;
      EXPECT_EQ(record.value("outcome", ""), "denied");
    }
    if (action == "auth.logout" && actor == "audited-officer") logout_found = true;
  }
  EXPECT_TRUE(admin_login_found) << "no auth.login of admin with request id " << login_request_id;
  EXPECT_TRUE(failure_found) << "no failed auth.login of admin";
  EXPECT_TRUE(create_found) << "no user.create of user " << officer_id;
  EXPECT_TRUE(denied_found) << "no access.denied of trainee";
  EXPECT_TRUE(logout_found) << "no auth.logout";

  HttpResponse csv = Api(port, "GET", "/api/v1/audit.csv", std::nullopt, as_admin);
  ASSERT_EQ(csv.status, 200) << csv.Describe();
  EXPECT_EQ(csv.Header("content-type").rfind("text/csv", 0), 0u) << csv.Header("content-type");
  EXPECT_EQ(csv.body.rfind("id,at,actor_id,actor_name,agency_id,action,object_type,object_id,"
                           "client,outcome,request_id,detail\r\n",
                           0),
            0u)
      << csv.body.substr(0, 200);
  EXPECT_NE(csv.body.find("\"user.create\""), std::string::npos);
  EXPECT_NE(csv.body.find(login_request_id), std::string::npos);

  for (const std::string& secret : secrets) {
    ASSERT_FALSE(secret.empty());
    EXPECT_EQ(audit.body.find(secret), std::string::npos) << "the audit trail holds a secret";
    EXPECT_EQ(csv.body.find(secret), std::string::npos) << "the CSV export holds a secret";
  }
  // Nor does the server's log (which lists the demo passwords at start-up, by design).
  const std::string logs = server->Logs();
  for (const std::string& secret : secrets) {
    if (secret == admin_password || secret == server->Password("trainee")) continue;
    EXPECT_EQ(logs.find(secret), std::string::npos) << "the server log holds a secret";
  }

  HttpResponse filtered =
      Api(port, "GET", "/api/v1/audit?action=user.create", std::nullopt, as_admin);
  ASSERT_EQ(filtered.status, 200) << filtered.Describe();
  const Json filtered_records = filtered.JsonBody()["records"];
  ASSERT_FALSE(filtered_records.empty());
  for (const Json& record : filtered_records) {
    EXPECT_EQ(record.value("action", ""), "user.create");
  }
  EXPECT_TRUE(IsError(Api(port, "GET", "/api/v1/audit?colour=red", std::nullopt, as_admin), 400,
                      "invalid_argument", "", "colour"));
  EXPECT_TRUE(IsError(Api(port, "GET", "/api/v1/audit?limit=0", std::nullopt, as_admin), 400,
                      "invalid_argument", "", "limit"));
}

// Attacker-chosen text (here a user name typed at sign-in) lands in the CSV export; a spreadsheet
// must not run it as a formula. Each name is tried at sign-in, then must appear in the export
// only behind the ' prefix.
void ExpectCsvNeutralises(TestServer& server, const std::vector<std::string>& formulas,
                          const std::string& admin_token) {
  const int port = server.port();
  for (const std::string& formula : formulas) {
    EXPECT_EQ(Login(port, formula, "Wrong-Password-1").status, 401);
  }
  HttpResponse csv = Api(port, "GET", "/api/v1/audit.csv", std::nullopt, Auth::Bearer(admin_token));
  ASSERT_EQ(csv.status, 200) << csv.Describe();
  for (const std::string& formula : formulas) {
    EXPECT_EQ(csv.body.find("\"" + formula), std::string::npos)
        << "a field starts with a formula: " << Json(formula).dump();
    EXPECT_NE(csv.body.find("\"'" + formula), std::string::npos)
        << "the formula is not prefixed with ': " << Json(formula).dump();
  }
}

TEST_P(AuthTest, AuditCsvNeutralisesSpreadsheetFormulas) {
  TestServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  std::optional<SignedIn> admin = SignInDemo(*server, "admin");
  ASSERT_TRUE(admin);
  ExpectCsvNeutralises(*server, {"=cmd|' /C calc'!A0", "+1+2", "-2+3", "@SUM(1)"}, admin->token);
}

// OWASP's list of formula starts also has the tab and the carriage return.
TEST_P(AuthTest, AuditCsvNeutralisesFormulasBehindTabOrCarriageReturn) {
  TestServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  std::optional<SignedIn> admin = SignInDemo(*server, "admin");
  ASSERT_TRUE(admin);
  ExpectCsvNeutralises(*server, {"\t=1+2", "\r=1+2"}, admin->token);
}

struct DocumentedRoute {
  std::string method;
  std::string path;
  std::string permission;  // the first word of the permission column
};

// The route table of docs/api.md.
std::vector<DocumentedRoute> DocumentedRoutes() {
  const char* source = std::getenv("THREATHUB_SOURCE_DIR");
  std::ifstream file(std::string(source == nullptr ? "." : source) + "/docs/api.md");
  std::vector<DocumentedRoute> routes;
  std::string line;
  const std::regex row(R"(^\|\s*(GET|POST|PUT|PATCH|DELETE)\s+(/\S+)\s*\|\s*([a-z_.]+)[^|]*\|)");
  while (std::getline(file, line)) {
    std::smatch match;
    if (std::regex_search(line, match, row)) {
      routes.push_back({match[1], match[2], match[3]});
    }
  }
  return routes;
}

std::string Concrete(std::string path) {
  for (size_t brace; (brace = path.find('{')) != std::string::npos;) {
    path.replace(brace, path.find('}', brace) - brace + 1, "1");
  }
  return path;
}

std::string BodyFor(const std::string& method) {
  return method == "POST" || method == "PATCH" || method == "PUT" ? "{}" : "";
}

TEST_P(AuthTest, EveryProtectedRouteRefusesAnonymousCalls) {
  TestServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  std::vector<DocumentedRoute> routes = DocumentedRoutes();
  int protected_routes = 0;
  for (const DocumentedRoute& route : routes) {
    if (route.permission == "public") continue;
    ++protected_routes;
    const std::string target = Concrete(route.path);
    EXPECT_TRUE(
        IsError(ApiRaw(port, route.method, target, BodyFor(route.method)), 401, "unauthenticated"))
        << route.method << " " << target;
    EXPECT_TRUE(IsError(ApiRaw(port, route.method, target, BodyFor(route.method),
                               Auth::Bearer("not-a-session-token")),
                        401, "unauthenticated"))
        << route.method << " " << target << " with a made-up token";
  }
  EXPECT_GE(protected_routes, 22) << "docs/api.md lists fewer routes than expected";
  EXPECT_TRUE(Healthy(port));
}

TEST_P(AuthTest, TraineeIsRefusedAdministrativeRoutes) {
  TestServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  std::optional<SignedIn> trainee = SignInDemo(*server, "trainee");
  ASSERT_TRUE(trainee);
  const Auth as_trainee = Auth::Bearer(trainee->token);
  const std::set<std::string> administrative = {"org.read",   "org.manage",   "org.manage_all",
                                                "users.read", "users.manage", "audit.read"};
  int checked = 0;
  for (const DocumentedRoute& route : DocumentedRoutes()) {
    if (!administrative.contains(route.permission)) continue;
    ++checked;
    const std::string target = Concrete(route.path);
    EXPECT_TRUE(IsError(ApiRaw(port, route.method, target, BodyFor(route.method), as_trainee), 403,
                        "permission_denied"))
        << route.method << " " << target;
  }
  EXPECT_GE(checked, 16);
  // Still signed in, and the own-account routes work.
  EXPECT_EQ(Api(port, "GET", "/api/v1/session", std::nullopt, as_trainee).status, 200);
  EXPECT_EQ(Api(port, "PATCH", "/api/v1/me", Json{{"time_zone", "Asia/Almaty"}}, as_trainee).status,
            200);
}

}  // namespace
}  // namespace threathub::integration
