// The assembled application in-process: every route's permission, CSRF, the enrolment stage,
// audit of protected reads, and the demo seed. The same pipeline as the real server, minus the
// sockets (those are covered by tests/integration).
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "api/app.h"
#include "api/render.h"
#include "base/encoding.h"
#include "base/strings.h"
#include "http/json.h"
#include "ledger/merkle.h"

namespace threathub::api {
namespace {

using http::Json;
using http::Method;
using http::Request;
using http::Response;

constexpr char kPassword[] = "granite-steppe-eagle";

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("threathub-api-" + base::HexEncode(base::RandomBytes(6)));
    config_.data_dir = directory_.string();
    config_.argon2_ops = 1;
    config_.argon2_memory_bytes = 64 << 10;
    config_.web_root = (directory_ / "no-web").string();
    app_ = App::Open(config_).value();
    std::vector<DemoAccount> accounts = app_->SeedDemo().value();
    for (const DemoAccount& account : accounts) {
      passwords_[account.username] = account.password;
    }
    auth::Actor root = auth::Actor::CommandLine();
    agency_id_ = app_->org().FindAgency("almaty-cyber")->id;
    for (const char* name : {"nobody.special", "needs.totp"}) {
      ASSERT_TRUE(
          app_->org()
              .CreateUser(root, auth::NewUser{.agency_id = agency_id_,
                                              .username = name,
                                              .display_name = name,
                                              .password = kPassword,
                                              .totp_exempt = std::string(name) == "nobody.special"})
              .ok());
    }
  }
  void TearDown() override {
    app_.reset();
    std::filesystem::remove_all(directory_);
  }

  Response Call(Method method, std::string target, std::string body = "",
                std::vector<std::pair<std::string, std::string>> headers = {}) {
    Request request;
    request.method = method;
    request.target = std::move(target);
    request.body = std::move(body);
    request.headers = std::move(headers);
    request.client_address = "127.0.0.1";
    return app_->dispatcher().Handle(request);
  }

  // Signs in and returns the JSON answer.
  Json SignIn(const std::string& username) {
    Response response =
        Call(Method::kPost, "/api/v1/auth/login",
             Json{{"username", username},
                  {"password",
                   passwords_.count(username) != 0 ? passwords_[username] : std::string(kPassword)},
                  {"banner_accepted", true}}
                 .dump());
    EXPECT_EQ(response.status, 200) << response.body;
    return Json::parse(response.body);
  }

  static std::string Reason(const Response& response) {
    Json body = Json::parse(response.body);
    return body["error"].value("reason", "");
  }

  base::Config config_;
  std::filesystem::path directory_;
  std::unique_ptr<App> app_;
  int64_t agency_id_ = 0;
  std::map<std::string, std::string> passwords_;  // of the demo accounts
};

std::string Concrete(const std::string& pattern) {
  return base::StrReplaceAll(pattern, {{"{id}", "1"}});
}

TEST_F(ApiTest, EveryRouteRefusesAnonymousAndUnprivilegedCalls) {
  Json session = SignIn("nobody.special");  // a user with no roles at all
  std::string bearer = "Bearer " + session["token"].get<std::string>();
  std::set<std::string> public_routes, any_user_routes;
  for (const http::Route& route : app_->router().routes()) {
    std::string name = base::StrCat(http::MethodName(route.method), " ", route.pattern);
    if (route.permission == auth::Permission::kPublic) {
      public_routes.insert(name);
      continue;
    }
    Response anonymous = Call(route.method, Concrete(route.pattern), "{}");
    EXPECT_EQ(anonymous.status, 401) << name;
    if (route.permission == auth::Permission::kSignedIn ||
        route.permission == auth::Permission::kEnrolment) {
      any_user_routes.insert(name);
      continue;
    }
    Response unprivileged =
        Call(route.method, Concrete(route.pattern), "{}", {{"authorization", bearer}});
    EXPECT_EQ(unprivileged.status, 403) << name << " " << unprivileged.body;
  }
  // What anyone may call is a short, known list; a new route lands here only on purpose.
  EXPECT_EQ(public_routes,
            (std::set<std::string>{"GET /api/v1/auth/banner", "POST /api/v1/auth/login",
                                   "POST /api/v1/auth/totp"}));
  EXPECT_EQ(any_user_routes,
            (std::set<std::string>{
                "GET /api/v1/ledger/checkpoint", "GET /api/v1/ledger/public-key",
                "GET /api/v1/ledger/proof/inclusion", "GET /api/v1/ledger/proof/consistency",
                "POST /api/v1/auth/logout", "GET /api/v1/session", "POST /api/v1/me/totp/enroll",
                "POST /api/v1/me/totp/confirm", "POST /api/v1/me/password", "PATCH /api/v1/me",
                // Any signed-in user reads the service-provider directory (docs/api.md).
                "GET /api/v1/directory", "GET /api/v1/directory/providers/{id}",
                "GET /api/v1/directory/countries/{code}"}));
}

TEST_F(ApiTest, CookieSessionsNeedTheCsrfHeaderToChangeState) {
  Json session = SignIn("nobody.special");
  std::string cookie = "__Host-threathub=" + session["token"].get<std::string>();
  std::string csrf = session["csrf_token"];
  Response read = Call(Method::kGet, "/api/v1/session", "", {{"cookie", cookie}});
  EXPECT_EQ(read.status, 200);
  std::string change = R"({"language":"kk"})";
  Response without = Call(Method::kPatch, "/api/v1/me", change, {{"cookie", cookie}});
  EXPECT_EQ(without.status, 403);
  EXPECT_EQ(Reason(without), "csrf_missing");
  Response wrong = Call(Method::kPatch, "/api/v1/me", change,
                        {{"cookie", cookie}, {"x-csrf-token", "not-the-token"}});
  EXPECT_EQ(wrong.status, 403);
  Response with =
      Call(Method::kPatch, "/api/v1/me", change, {{"cookie", cookie}, {"x-csrf-token", csrf}});
  EXPECT_EQ(with.status, 200) << with.body;
  EXPECT_EQ(Json::parse(with.body)["user"]["language"], "kk");
}

TEST_F(ApiTest, EnrolmentSessionsReachOnlyEnrolment) {
  Json session = SignIn("needs.totp");
  EXPECT_EQ(session["status"], "totp_enrollment_required");
  std::string bearer = "Bearer " + session["token"].get<std::string>();
  Response blocked =
      Call(Method::kPatch, "/api/v1/me", R"({"language":"en"})", {{"authorization", bearer}});
  EXPECT_EQ(blocked.status, 403);
  EXPECT_EQ(Reason(blocked), "totp_enrollment_required");
  EXPECT_EQ(Call(Method::kGet, "/api/v1/session", "", {{"authorization", bearer}}).status, 200);
  Response enroll = Call(Method::kPost, "/api/v1/me/totp/enroll", "", {{"authorization", bearer}});
  EXPECT_EQ(enroll.status, 200);
  EXPECT_EQ(Json::parse(enroll.body)["otpauth_uri"].get<std::string>().rfind("otpauth://totp/", 0),
            0u);
}

TEST_F(ApiTest, LoginSetsAHardenedCookie) {
  Response response =
      Call(Method::kPost, "/api/v1/auth/login",
           Json{{"username", "nobody.special"}, {"password", kPassword}, {"banner_accepted", true}}
               .dump());
  std::string cookie;
  for (const auto& [name, value] : response.headers) {
    if (name == "Set-Cookie") cookie = value;
  }
  EXPECT_EQ(cookie.rfind("__Host-threathub=", 0), 0u);
  for (const char* attribute : {"; Path=/", "; HttpOnly", "; Secure", "; SameSite=Strict"}) {
    EXPECT_NE(cookie.find(attribute), std::string::npos) << attribute;
  }
}

TEST_F(ApiTest, ProtectedReadsAreAudited) {
  Json session = SignIn("admin");
  std::string bearer = "Bearer " + session["token"].get<std::string>();
  ASSERT_EQ(Call(Method::kGet, "/api/v1/users/1", "", {{"authorization", bearer}}).status, 200);
  Response audit =
      Call(Method::kGet, "/api/v1/audit?action=user.read", "", {{"authorization", bearer}});
  ASSERT_EQ(audit.status, 200) << audit.body;
  Json records = Json::parse(audit.body)["records"];
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["actor_name"], "admin");
  EXPECT_EQ(records[0]["object_id"], "1");
  EXPECT_EQ(records[0]["client"], "127.0.0.1");
  EXPECT_FALSE(records[0]["request_id"].get<std::string>().empty());
}

TEST_F(ApiTest, AuditQueryRefusesUnknownParametersAndBadTimes) {
  Json session = SignIn("admin");
  std::string bearer = "Bearer " + session["token"].get<std::string>();
  Response unknown =
      Call(Method::kGet, "/api/v1/audit?colour=red", "", {{"authorization", bearer}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(Json::parse(unknown.body)["error"]["field"], "colour");
  Response bad_time =
      Call(Method::kGet, "/api/v1/audit?from=yesterday", "", {{"authorization", bearer}});
  EXPECT_EQ(Json::parse(bad_time.body)["error"]["field"], "from");
  Response csv =
      Call(Method::kGet, "/api/v1/audit.csv?action=auth.", "", {{"authorization", bearer}});
  EXPECT_EQ(csv.status, 200);
  EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(csv.body.rfind("id,at,actor_id,actor_name", 0), 0u);
  EXPECT_NE(csv.body.find("\"auth.login\""), std::string::npos);
}

TEST_F(ApiTest, SupervisorsSeeOnlyTheirAgencysAuditTrail) {
  SignIn("trainee");                    // astana
  Json session = SignIn("supervisor");  // almaty
  std::string bearer = "Bearer " + session["token"].get<std::string>();
  Json records = Json::parse(Call(Method::kGet, "/api/v1/audit?action=auth.login&limit=1000", "",
                                  {{"authorization", bearer}})
                                 .body)["records"];
  ASSERT_FALSE(records.empty());
  for (const Json& record : records) EXPECT_NE(record["actor_name"], "trainee");
}

TEST_F(ApiTest, DemoSeedHasOneAccountPerRoleAndCanRunAgain) {
  absl::StatusOr<std::vector<DemoAccount>> again = app_->SeedDemo();
  ASSERT_TRUE(again.ok()) << again.status();
  std::set<std::string> roles;
  for (const DemoAccount& account : *again) roles.insert(account.role);
  EXPECT_EQ(roles, (std::set<std::string>{"admin", "supervisor", "investigator", "analyst",
                                          "prosecutor", "trainer", "trainee"}));
  EXPECT_EQ(app_->org().ListRegions()->size(), 5u);
  // One demo case with one evidence item, however often the seed runs.
  auth::Principal investigator = app_->sessions().PrincipalForUser("investigator").value();
  std::vector<cases::Case> demo_cases = app_->cases().List(investigator, {}).value();
  ASSERT_EQ(demo_cases.size(), 1u);
  std::vector<evidence::Item> items =
      app_->evidence().ListForCase(investigator, demo_cases[0].id).value();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].mime_type, "message/rfc822");
  EXPECT_TRUE(app_->blobs().Contains(items[0].sha256).value());
}

TEST_F(ApiTest, EveryAuditRecordIsALedgerLeafWithAProof) {
  Json session = SignIn("supervisor");
  std::string bearer = "Bearer " + session["token"].get<std::string>();
  audit::Query everything{.limit = 1000};
  size_t records = app_->trail().Search(everything)->records.size();
  // One leaf per audit record and one per custody event (the demo case's evidence item was
  // ingested), plus the ledger's own record of its start.
  int64_t custody_events =
      app_->database().Execute("SELECT COUNT(*) FROM custody_events")->rows[0].Int(0);
  EXPECT_EQ(custody_events, 1);
  EXPECT_EQ(app_->ledger().Size().value(), records + custody_events + 1);
  ASSERT_TRUE(app_->ledger().MakeCheckpoint(ledger::CheckpointPolicy::kWhenNewLeaves).ok());
  Response checkpoint =
      Call(Method::kGet, "/api/v1/ledger/checkpoint", "", {{"authorization", bearer}});
  ASSERT_EQ(checkpoint.status, 200) << checkpoint.body;
  Json note = Json::parse(checkpoint.body);
  Response proof = Call(Method::kGet,
                        "/api/v1/ledger/proof/inclusion?index=3&tree_size=" +
                            std::to_string(note["size"].get<uint64_t>()),
                        "", {{"authorization", bearer}});
  ASSERT_EQ(proof.status, 200) << proof.body;
  Json body = Json::parse(proof.body);
  EXPECT_EQ(body["root"], note["root"]);
  std::vector<std::string> path;
  for (const Json& hash : body["path"])
    path.push_back(*base::Base64Decode(hash.get<std::string>()));
  EXPECT_TRUE(ledger::VerifyInclusion(*base::Base64Decode(body["leaf_hash"].get<std::string>()), 3,
                                      body["tree_size"], path,
                                      *base::Base64Decode(body["root"].get<std::string>()))
                  .ok());
  ledger::AuditRecordSource source(app_->trail());
  absl::StatusOr<ledger::VerifyReport> report = app_->ledger().Verify({.sources = {&source}});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok()) << (report->problems.empty() ? "" : report->problems[0]);
  EXPECT_EQ(report->records_compared, records);  // every audit record against its leaf
}

TEST_F(ApiTest, FastSessionTextEqualsTheJsonRendering) {
  for (const char* name : {"admin", "supervisor", "investigator", "prosecutor", "trainee"}) {
    Json session = SignIn(name);
    auth::Principal principal =
        app_->sessions().Authenticate(session["token"].get<std::string>()).value();
    EXPECT_EQ(RenderSessionText(principal, 1800), RenderSession(principal, 1800).dump()) << name;
  }
  auth::Principal odd;
  odd.username = "quote\"back\\slash\x01\ttab Қазақ";
  odd.display_name = "bad utf-8 \xff";
  EXPECT_EQ(
      Json::parse(RenderSessionText(odd, 60)),
      Json::parse(RenderSession(odd, 60).dump(-1, ' ', false, Json::error_handler_t::replace)));
}

TEST_F(ApiTest, ResponsesCarrySecurityHeaders) {
  Response response = Call(Method::kGet, "/healthz");
  std::map<std::string, std::string> headers(response.headers.begin(), response.headers.end());
  EXPECT_EQ(headers["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(headers["Referrer-Policy"], "no-referrer");
  EXPECT_NE(headers["Content-Security-Policy"].find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(headers["Content-Security-Policy"].find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(headers.count("Strict-Transport-Security"), 0u);  // only under TLS
}

}  // namespace
}  // namespace threathub::api
