// The fixture of the integration tests: each test starts the real threathub binary (from
// THREATHUB_BINARY) on 127.0.0.1:0 with a fresh data directory, once per engine:
//   - "sqlite": a database file in the data directory;
//   - "postgresql": a fresh database in the cluster named by THREATHUB_TEST_PG_URI (skipped
//     when it is not set; `tools/pg_temp.sh run -- ctest ...` sets it).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http_client.h"
#include "process.h"
#include "test_server.h"

namespace threathub::integration {

// How a request proves who sends it.
struct Auth {
  std::string bearer;  // Authorization: Bearer <token>
  std::string cookie;  // the session token sent as the __Host-threathub cookie
  std::string csrf;    // X-CSRF-Token

  static Auth Bearer(std::string token) { return Auth{.bearer = std::move(token)}; }
  static Auth Cookie(std::string token, std::string csrf = "") {
    return Auth{.cookie = std::move(token), .csrf = std::move(csrf)};
  }
};

struct SignedIn {
  std::string token;
  std::string csrf;
  Json answer;  // the whole sign-in answer
};

inline constexpr char kSessionCookie[] = "__Host-threathub";

// One API call on a fresh connection; `body` is sent as JSON when given.
HttpResponse Api(int port, const std::string& method, const std::string& target,
                 const std::optional<Json>& body = std::nullopt, const Auth& auth = {});
// The same with the body sent exactly as given.
HttpResponse ApiRaw(int port, const std::string& method, const std::string& target,
                    const std::string& body, const Auth& auth = {});
HttpResponse Login(int port, const std::string& username, const std::string& password,
                   bool banner_accepted = true);

// The answer is the error `status` with {"error":{"code":code,...}}, and when not empty the
// given reason and field.
::testing::AssertionResult IsError(const HttpResponse& response, int status, std::string_view code,
                                   std::string_view reason = "", std::string_view field = "");
// Content-Security-Policy (frame-ancestors 'none', no 'unsafe-inline'), nosniff, Referrer-Policy.
::testing::AssertionResult HasSecurityHeaders(const HttpResponse& response);
// GET /healthz answers 200 {"status":"ok"}.
::testing::AssertionResult Healthy(int port);

// RFC 6238 TOTP (HMAC-SHA1, 6 digits, 30 s) of a base32 secret for a time step.
std::string TotpCode(std::string_view base32_secret, int64_t step);
int64_t CurrentTotpStep();

class IntegrationTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;
  void TearDown() override;

  bool postgres() const { return GetParam() == "postgresql"; }
  const std::string& binary() const { return binary_; }
  // This test's temporary directory (removed after the test).
  const std::string& temp() const { return temp_->path(); }

  // A server on a new data directory and a new database; nullptr (and a test failure) when it
  // does not start.
  TestServer* StartServer(ServerOptions options = {});
  // The data directory the next StartServer() will use (not made yet), e.g. to mount a small
  // file system inside it first.
  std::string NextDataDir() const;

  // Signs in an account that needs no TOTP (the demo accounts); nullopt and a failure otherwise.
  std::optional<SignedIn> SignIn(int port, const std::string& username,
                                 const std::string& password);
  std::optional<SignedIn> SignInDemo(TestServer& server, const std::string& username);

  // Runs `threathub ARGS...` against the server's database: the database flags go right after
  // the first word (`admin`, `migrate`).
  CommandResult Cli(const TestServer& server, std::vector<std::string> args);

 private:
  std::string binary_;
  std::unique_ptr<TempDir> temp_;
  std::unique_ptr<PostgresDatabases> postgres_databases_;
  std::vector<std::unique_ptr<TestServer>> servers_;
};

std::string EngineName(const ::testing::TestParamInfo<std::string>& info);

// Instantiates a fixture derived from IntegrationTest for both engines.
#define THREATHUB_INSTANTIATE_FOR_ENGINES(fixture)                                              \
  INSTANTIATE_TEST_SUITE_P(Engines, fixture,                                                    \
                           ::testing::Values(std::string("sqlite"), std::string("postgresql")), \
                           ::threathub::integration::EngineName)

}  // namespace threathub::integration
