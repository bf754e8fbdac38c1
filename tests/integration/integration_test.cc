#include "integration_test.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

namespace threathub::integration {
namespace {

constexpr int64_t kTotpStepSeconds = 30;

std::string CookieHeader(const std::string& token) {
  return std::string(kSessionCookie) + "=" + token;
}

// RFC 4648 section 6, case-insensitive, padding ignored.
std::string Base32Decode(std::string_view text) {
  std::string bytes;
  uint32_t bits = 0;
  int bit_count = 0;
  for (char symbol : text) {
    int value;
    if (symbol >= 'A' && symbol <= 'Z') {
      value = symbol - 'A';
    } else if (symbol >= 'a' && symbol <= 'z') {
      value = symbol - 'a';
    } else if (symbol >= '2' && symbol <= '7') {
      value = symbol - '2' + 26;
    } else {
      continue;  // '=' and separators
    }
    bits = (bits << 5) | static_cast<uint32_t>(value);
    bit_count += 5;
    if (bit_count >= 8) {
      bit_count -= 8;
      bytes += static_cast<char>((bits >> bit_count) & 0xFF);
    }
  }
  return bytes;
}

}  // namespace

std::string EngineName(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

HttpResponse ApiRaw(int port, const std::string& method, const std::string& target,
                    const std::string& body, const Auth& auth) {
  HttpRequest request{.method = method, .target = target, .body = body, .close = true};
  if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  if (!auth.bearer.empty()) request.headers.emplace_back("Authorization", "Bearer " + auth.bearer);
  if (!auth.cookie.empty()) request.headers.emplace_back("Cookie", CookieHeader(auth.cookie));
  if (!auth.csrf.empty()) request.headers.emplace_back("X-CSRF-Token", auth.csrf);
  return Fetch(port, request);
}

HttpResponse Api(int port, const std::string& method, const std::string& target,
                 const std::optional<Json>& body, const Auth& auth) {
  return ApiRaw(port, method, target, body ? body->dump() : std::string(), auth);
}

HttpResponse Login(int port, const std::string& username, const std::string& password,
                   bool banner_accepted) {
  return Api(
      port, "POST", "/api/v1/auth/login",
      Json{{"username", username}, {"password", password}, {"banner_accepted", banner_accepted}});
}

::testing::AssertionResult IsError(const HttpResponse& response, int status, std::string_view code,
                                   std::string_view reason, std::string_view field) {
  if (response.status != status) {
    return ::testing::AssertionFailure()
           << "expected HTTP " << status << ", got " << response.Describe();
  }
  if (response.Header("content-type").rfind("application/json", 0) != 0) {
    return ::testing::AssertionFailure()
           << "the error is not JSON (" << response.Header("content-type") << ")";
  }
  Json body = response.JsonBody();
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) {
    return ::testing::AssertionFailure() << "no {\"error\":{...}} in " << response.Describe();
  }
  const Json& error = body["error"];
  if (!error.contains("message") || !error["message"].is_string() ||
      error["message"].get<std::string>().empty()) {
    return ::testing::AssertionFailure() << "the error has no message: " << response.body;
  }
  if (error.value("code", "") != code) {
    return ::testing::AssertionFailure() << "expected code " << code << ", got " << response.body;
  }
  if (!reason.empty() && error.value("reason", "") != reason) {
    return ::testing::AssertionFailure()
           << "expected reason " << reason << ", got " << response.body;
  }
  if (!field.empty() && error.value("field", "") != field) {
    return ::testing::AssertionFailure() << "expected field " << field << ", got " << response.body;
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult HasSecurityHeaders(const HttpResponse& response) {
  std::string policy = response.Header("content-security-policy");
  if (policy.empty()) {
    return ::testing::AssertionFailure() << "no Content-Security-Policy on " << response.Describe();
  }
  if (policy.find("frame-ancestors 'none'") == std::string::npos) {
    return ::testing::AssertionFailure() << "CSP without frame-ancestors 'none': " << policy;
  }
  if (policy.find("unsafe-inline") != std::string::npos ||
      policy.find("unsafe-eval") != std::string::npos) {
    return ::testing::AssertionFailure() << "CSP allows unsafe scripts or styles: " << policy;
  }
  if (response.Header("x-content-type-options") != "nosniff") {
    return ::testing::AssertionFailure()
           << "no X-Content-Type-Options: nosniff on " << response.Describe();
  }
  if (response.Header("referrer-policy").empty()) {
    return ::testing::AssertionFailure() << "no Referrer-Policy on " << response.Describe();
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult Healthy(int port) {
  HttpResponse response = Fetch(port, {.method = "GET", .target = "/healthz", .close = true});
  if (response.status != 200 || response.JsonBody() != Json{{"status", "ok"}}) {
    return ::testing::AssertionFailure() << "the server is not healthy: " << response.Describe();
  }
  return ::testing::AssertionSuccess();
}

std::string TotpCode(std::string_view base32_secret, int64_t step) {
  std::string key = Base32Decode(base32_secret);
  unsigned char counter[8];
  for (int byte_idx = 7; byte_idx >= 0; --byte_idx) {
    counter[byte_idx] = static_cast<unsigned char>(step & 0xFF);
    step >>= 8;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), counter, sizeof counter, digest,
       &digest_length);
  // RFC 4226 section 5.3: dynamic truncation.
  int offset = digest[digest_length - 1] & 0x0F;
  uint32_t binary = (static_cast<uint32_t>(digest[offset] & 0x7F) << 24) |
                    (static_cast<uint32_t>(digest[offset + 1]) << 16) |
                    (static_cast<uint32_t>(digest[offset + 2]) << 8) |
                    static_cast<uint32_t>(digest[offset + 3]);
  std::string code = std::to_string(binary % 1'000'000);
  return std::string(6 - code.size(), '0') + code;
}

int64_t CurrentTotpStep() {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  return seconds / kTotpStepSeconds;
}

void IntegrationTest::SetUp() {
  signal(SIGPIPE, SIG_IGN);
  const char* binary = std::getenv("THREATHUB_BINARY");
  ASSERT_TRUE(binary != nullptr && *binary != '\0')
      << "THREATHUB_BINARY is not set; run the tests through ctest";
  binary_ = binary;
  ASSERT_TRUE(std::filesystem::exists(binary_)) << binary_ << " does not exist";
  if (postgres()) {
    const char* uri = std::getenv("THREATHUB_TEST_PG_URI");
    if (uri == nullptr || *uri == '\0') {
      GTEST_SKIP() << "THREATHUB_TEST_PG_URI is not set (tools/pg_temp.sh run -- ctest ...)";
    }
    postgres_databases_ = std::make_unique<PostgresDatabases>(uri);
  }
  temp_ = std::make_unique<TempDir>();
  ASSERT_FALSE(temp_->path().empty()) << "cannot make a temporary directory";
}

void IntegrationTest::TearDown() {
  servers_.clear();  // stops the servers before their databases go
  postgres_databases_.reset();
  temp_.reset();
}

std::string IntegrationTest::NextDataDir() const {
  return temp() + "/server" + std::to_string(servers_.size()) + "/data";
}

TestServer* IntegrationTest::StartServer(ServerOptions options) {
  std::string base = temp() + "/server" + std::to_string(servers_.size());
  std::string db = "sqlite";
  if (postgres()) {
    std::string error;
    db = postgres_databases_->Create(error);
    if (db.empty()) {
      ADD_FAILURE() << "cannot create a PostgreSQL database: " << error;
      return nullptr;
    }
  }
  std::filesystem::create_directories(base + "/logs");
  servers_.push_back(std::make_unique<TestServer>(binary_, db, base + "/data", base + "/logs",
                                                  std::move(options)));
  std::string error;
  if (!servers_.back()->Start(error)) {
    ADD_FAILURE() << "the server did not start: " << error;
    return nullptr;
  }
  return servers_.back().get();
}

std::optional<SignedIn> IntegrationTest::SignIn(int port, const std::string& username,
                                                const std::string& password) {
  HttpResponse response = Login(port, username, password);
  Json body = response.JsonBody();
  if (response.status != 200 || !body.is_object() || body.value("status", "") != "ok") {
    ADD_FAILURE() << "sign-in of " << username << " failed: " << response.Describe();
    return std::nullopt;
  }
  return SignedIn{body.value("token", ""), body.value("csrf_token", ""), body};
}

std::optional<SignedIn> IntegrationTest::SignInDemo(TestServer& server,
                                                    const std::string& username) {
  std::string password = server.Password(username);
  if (password.empty()) {
    ADD_FAILURE() << "no demo password for " << username;
    return std::nullopt;
  }
  return SignIn(server.port(), username, password);
}

CommandResult IntegrationTest::Cli(const TestServer& server, std::vector<std::string> args) {
  std::vector<std::string> argv = {binary_};
  std::vector<std::string> flags = server.DatabaseFlags();
  for (size_t arg_idx = 0; arg_idx < args.size(); ++arg_idx) {
    argv.push_back(args[arg_idx]);
    if (arg_idx == 0) argv.insert(argv.end(), flags.begin(), flags.end());
  }
  return RunCommand(argv, server.environment());
}

}  // namespace threathub::integration
