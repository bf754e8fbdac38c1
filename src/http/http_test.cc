// The Asio-free parts of the HTTP layer: JSON bodies, the status table, targets, routes,
// static files and metrics.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/encoding.h"
#include "base/errors.h"
#include "http/json.h"
#include "http/message.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/static_files.h"

namespace threathub::http {
namespace {

TEST(JsonObject, ReadsDeclaredFieldsAndRefusesUnknownOnes) {
  JsonObject body =
      JsonObject::Parse(R"({"name":"Алматы","count":3,"flag":true,"extra":1})").value();
  EXPECT_EQ(body.RequiredString("name").value(), "Алматы");
  EXPECT_EQ(body.RequiredInt("count").value(), 3);
  EXPECT_EQ(body.OptionalBool("flag").value(), true);
  EXPECT_FALSE(body.OptionalString("missing").value().has_value());
  absl::Status unknown = body.Finish();
  EXPECT_EQ(unknown.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(base::StatusField(unknown), "extra");
}

TEST(JsonObject, WrongTypesNameTheField) {
  JsonObject body = JsonObject::Parse(R"({"name":5,"count":"3","roles":[1]})").value();
  absl::Status name = body.RequiredString("name").status();
  EXPECT_EQ(name.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(base::StatusField(name), "name");
  EXPECT_EQ(base::StatusField(body.RequiredInt("count").status()), "count");
  EXPECT_EQ(base::StatusField(body.OptionalStringList("roles").status()), "roles");
  EXPECT_EQ(base::StatusField(body.RequiredString("absent").status()), "absent");
}

TEST(JsonObject, RefusesMalformedNonObjectsAndBadUtf8) {
  // 77777777e77775 overflowed a double and once escaped as an exception (found by fuzzing).
  for (const char* bad : {"", "{", "[1,2]", "\"text\"", "{\"a\":}", "{\"a\":1,}", "nul",
                          "77777777e77775\"", "{\"a\":1e999999}"}) {
    EXPECT_EQ(JsonObject::Parse(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(JsonObject::Parse("{\"a\":\"\xff\xfe\"}").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(JsonObject::Parse("{\"a\":\"x\"}\xc3").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(JsonObject, LimitsStringLength) {
  JsonObject body = JsonObject::Parse(R"({"name":"abcdef"})").value();
  EXPECT_EQ(base::StatusField(body.RequiredString("name", 5).status()), "name");
}

TEST(ErrorResponse, HasTheOneShapeAndStatus) {
  Response response = ErrorResponse(base::WithReason(
      base::InvalidField("password", "at least 12 characters"), "password_too_short"));
  EXPECT_EQ(response.status, 400);
  Json body = Json::parse(response.body);
  EXPECT_EQ(body["error"]["code"], "invalid_argument");
  EXPECT_EQ(body["error"]["field"], "password");
  EXPECT_EQ(body["error"]["reason"], "password_too_short");
  EXPECT_EQ(body["error"]["message"], "password: at least 12 characters");
}

TEST(ErrorResponse, StorageReasonsGetTheirOwnStatus) {
  EXPECT_EQ(ErrorResponse(base::WithReason(absl::ResourceExhaustedError("x"), "disk_full")).status,
            507);
  EXPECT_EQ(ErrorResponse(base::WithReason(absl::ResourceExhaustedError("x"), "too_large")).status,
            413);
}

TEST(HttpStatusFor, MapsEveryCanonicalCode) {
  const std::pair<absl::StatusCode, int> table[] = {
      {absl::StatusCode::kInvalidArgument, 400},   {absl::StatusCode::kUnauthenticated, 401},
      {absl::StatusCode::kPermissionDenied, 403},  {absl::StatusCode::kNotFound, 404},
      {absl::StatusCode::kAlreadyExists, 409},     {absl::StatusCode::kFailedPrecondition, 409},
      {absl::StatusCode::kResourceExhausted, 429}, {absl::StatusCode::kUnavailable, 503},
      {absl::StatusCode::kInternal, 500},          {absl::StatusCode::kDataLoss, 500}};
  for (const auto& [code, status] : table) EXPECT_EQ(HttpStatusFor(code), status);
}

TEST(ParseTarget, DecodesPathAndQuery) {
  std::string path;
  std::map<std::string, std::string> query;
  ASSERT_TRUE(ParseTarget("/api/v1/users?q=%D0%B0+b&agency_id=3&flag", path, query));
  EXPECT_EQ(path, "/api/v1/users");
  EXPECT_EQ(query["q"], "а b");
  EXPECT_EQ(query["agency_id"], "3");
  EXPECT_EQ(query["flag"], "");
  EXPECT_FALSE(ParseTarget("/bad%zz", path, query));
  EXPECT_FALSE(ParseTarget("/bad%2", path, query));
}

TEST(Request, ReadsCookies) {
  Request request;
  request.headers = {{"cookie", "a=1; __Host-threathub=tok; b=2"}};
  EXPECT_EQ(request.Cookie("__Host-threathub"), "tok");
  EXPECT_EQ(request.Cookie("c"), "");
}

TEST(Router, MatchesParametersAndReportsOtherMethods) {
  Router router;
  auto handler = [](Request&) -> absl::StatusOr<Response> { return Response{}; };
  router.Add({.method = Method::kGet, .pattern = "/api/v1/users/{id}", .handler = handler});
  router.Add({.method = Method::kPost, .pattern = "/api/v1/users/{id}/unlock", .handler = handler});
  RouteMatch match = router.Find(Method::kGet, "/api/v1/users/42");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.params["id"], "42");
  EXPECT_EQ(router.Find(Method::kHead, "/api/v1/users/42").route, match.route);
  RouteMatch wrong_method = router.Find(Method::kDelete, "/api/v1/users/42");
  EXPECT_EQ(wrong_method.route, nullptr);
  EXPECT_TRUE(wrong_method.path_exists);
  EXPECT_EQ(router.Find(Method::kGet, "/api/v1/users/").route, nullptr);
  EXPECT_EQ(router.Find(Method::kGet, "/api/v1/users/1/2").route, nullptr);
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    top_ = std::filesystem::temp_directory_path() /
           ("threathub-static-" + base::HexEncode(base::RandomBytes(6)));
    std::filesystem::create_directories(top_ / "web" / "assets");
    std::ofstream(top_ / "web" / "index.html") << "<!doctype html>";
    std::ofstream(top_ / "web" / "assets" / "app-1234.js") << "console.log(1)";
    std::ofstream(top_ / "web" / ".env") << "secret";
    std::ofstream(top_ / "secret.txt") << "outside";
    std::filesystem::create_symlink(top_ / "secret.txt", top_ / "web" / "link.txt");
  }
  void TearDown() override { std::filesystem::remove_all(top_); }
  std::filesystem::path top_;
};

TEST_F(StaticFilesTest, ServesFilesWithTypesAndCacheHeaders) {
  StaticFiles files((top_ / "web").string());
  Response script = files.Serve("/assets/app-1234.js").value();
  EXPECT_EQ(script.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(script.body, "console.log(1)");
  EXPECT_EQ(script.headers.at(0).second, "public, max-age=31536000, immutable");
  Response index = files.Serve("/").value();
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(index.headers.at(0).second, "no-cache");
}

TEST_F(StaticFilesTest, SinglePageRoutesGetIndex) {
  StaticFiles files((top_ / "web").string());
  EXPECT_EQ(files.Serve("/admin/users").value().body, "<!doctype html>");
  EXPECT_EQ(files.Serve("/missing.js").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(StaticFilesTest, RefusesTraversalDotFilesAndLinksOut) {
  StaticFiles files((top_ / "web").string());
  for (const char* bad :
       {"/../secret.txt", "/assets/../../secret.txt", "/..", "/.env", "/assets/..\\..\\secret.txt",
        "\\..\\secret.txt", "relative", "/link.txt"}) {
    absl::StatusOr<Response> response = files.Serve(bad);
    EXPECT_FALSE(response.ok()) << bad;
    if (response.ok()) {
      EXPECT_NE(response->body, "outside");
    }
  }
  std::string with_nul("/index.html\0.js", 15);
  EXPECT_FALSE(files.Serve(with_nul).ok());
}

TEST(Metrics, RendersCountersAndCumulativeHistograms) {
  Metrics metrics({"GET /api/v1/session", "static"});
  metrics.Observe(0, 200, 0.0004);
  metrics.Observe(0, 200, 0.003);
  metrics.Observe(0, 401, 2.0);
  std::string text = metrics.Render();
  EXPECT_NE(
      text.find("threathub_http_requests_total{route=\"GET /api/v1/session\",code=\"2xx\"} 2"),
      std::string::npos);
  EXPECT_NE(
      text.find("threathub_http_requests_total{route=\"GET /api/v1/session\",code=\"4xx\"} 1"),
      std::string::npos);
  EXPECT_NE(text.find("duration_seconds_bucket{route=\"GET /api/v1/session\",le=\"0.0005\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("duration_seconds_bucket{route=\"GET /api/v1/session\",le=\"0.005\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("duration_seconds_bucket{route=\"GET /api/v1/session\",le=\"+Inf\"} 3"),
            std::string::npos);
  EXPECT_NE(text.find("duration_seconds_count{route=\"GET /api/v1/session\"} 3"),
            std::string::npos);
}

}  // namespace
}  // namespace threathub::http
