// Hostile and malformed input, static files, security headers, keep-alive and TLS, against the
// real server. After every refusal the server must go on serving.
#include <filesystem>
#include <fstream>

#include "integration_test.h"

namespace threathub::integration {
namespace {

class HttpTest : public IntegrationTest {};
THREATHUB_INSTANTIATE_FOR_ENGINES(HttpTest);

constexpr char kIndexHtml[] = "<!doctype html><title>threathub test app</title>";
constexpr char kAppJs[] = "console.log('threathub test app');\n";
constexpr char kSecret[] = "TOP-SECRET-OUTSIDE-THE-WEB-ROOT";
constexpr int64_t kDefaultBodyLimit = 1 << 20;

// One raw request on a fresh connection; the response, or status 0 when the server closed.
HttpResponse RawExchange(int port, const std::string& wire) {
  HttpConnection connection(port);
  // The server may answer and close before reading everything we sent, so read either way.
  connection.SendRaw(wire);
  return connection.ReadResponse();
}

std::string LoginBody(const std::string& username, const std::string& password) {
  return Json{{"username", username}, {"password", password}, {"banner_accepted", true}}.dump();
}

TEST_P(HttpTest, MalformedJsonIsAClearBadRequest) {
  TestServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  const std::vector<std::string> bodies = {"{bad",
                                           "{\"username\": \"admin\",",
                                           "[1, 2, 3]",
                                           "\"a string\"",
                                           "null",
                                           "{} {}",
                                           "{\"username\": 'single quotes'}",
                                           std::string("{\"a\":1}\0", 8)};
  for (const std::string& body : bodies) {
    HttpResponse response = ApiRaw(port, "POST", "/api/v1/auth/login", body);
    EXPECT_TRUE(IsError(response, 400, "invalid_argument")) << "body: " << body;
    EXPECT_TRUE(Healthy(port));
  }
  EXPECT_TRUE(IsError(ApiRaw(port, "POST", "/api/v1/auth/login", ""), 400, "invalid_argument"));
}

TEST_P(HttpTest, DeeplyNestedJsonIsRefusedWithoutHarm) {
  TestServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  constexpr size_t kDepth = 400'000;  // stays under the 1 MiB body limit
  const std::string arrays = std::string(kDepth, '[') + std::string(kDepth, ']');
  EXPECT_TRUE(IsError(ApiRaw(port, "POST", "/api/v1/auth/login", arrays), 400, "invalid_argument"));
  EXPECT_TRUE(Healthy(port));
  const std::string in_field =
      "{\"username\":" + std::string(kDepth, '[') + std::string(kDepth, ']') + "}";
  EXPECT_TRUE(IsError(ApiRaw(port, "POST", "/api/v1/auth/login", in_field), 400, "invalid_argument",
                      "", "username"));
  EXPECT_TRUE(Healthy(port));
  std::string objects = "{\"username\":";
  for (size_t level = 0; level < 100'000; ++level) objects += "{\"a\":";
  objects += "1" + std::string(100'000, '}') + "}";
  EXPECT_TRUE(IsError(ApiRaw(port, "POST", "/api/v1/auth/login", objects), 400, "invalid_argument",
                      "", "username"));
  EXPECT_TRUE(Healthy(port));
}

TEST_P(HttpTest, SlowRequestsAreCutOff) {
  TestServer* server = StartServer({.env = {{"THREATHUB_REQUEST_TIMEOUT_SECONDS", "1"}}});
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  // Headers that never end, and a body that never comes: the server hangs up.
  const std::string partial_requests[] = {
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ",
      "POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"user",
  };
  for (const std::string& partial : partial_requests) {
    auto started = std::chrono::steady_clock::now();
    HttpConnection connection(port, std::chrono::seconds(10));
    ASSERT_TRUE(connection.SendRaw(partial));
    EXPECT_TRUE(connection.WaitForClose()) << "a slow request holds its connection: " << partial;
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(8));
    EXPECT_TRUE(Healthy(port));
  }
}

TEST_P(HttpTest, WrongTypesNameTheField) {
  TestServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  EXPECT_TRUE(IsError(Api(port, "POST", "/api/v1/auth/login",
                          Json{{"username", 5}, {"password", "x"}, {"banner_accepted", true}}),
                      400, "invalid_argument", "", "username"));
  EXPECT_TRUE(
      IsError(Api(port, "POST", "/api/v1/auth/login",
                  Json{{"username", "admin"}, {"password", {"x"}}, {"banner_accepted", true}}),
              400, "invalid_argument", "", "password"));
  EXPECT_TRUE(
      IsError(Api(port, "POST", "/api/v1/auth/login",
                  Json{{"username", "admin"}, {"password", "x"}, {"banner_accepted", "yes"}}),
              400, "invalid_argument", "", "banner_accepted"));

  std::optional<SignedIn> admin = SignInDemo(*server, "admin");
  ASSERT_TRUE(admin);
  const Auth as_admin = Auth::Bearer(admin->token);
  const Json user = {{"username", "typed-user"},
                     {"display_name", "Typed User"},
                     {"agency_id", 1},
                     {"roles", {"analyst"}},
                     {"password", "Long-Enough-Password-77"}};
  Json agency_as_text = user;
  agency_as_text["agency_id"] = "1";
  EXPECT_TRUE(IsError(Api(port, "POST", "/api/v1/users", agency_as_text, as_admin), 400,
                      "invalid_argument", "", "agency_id"));
  Json roles_as_text = user;
  roles_as_text["roles"] = "admin";
  EXPECT_TRUE(IsError(Api(port, "POST", "/api/v1/users", roles_as_text, as_admin), 400,
                      "invalid_argument", "", "roles"));
  Json unknown_role = user;
  unknown_role["roles"] = {"wizard"};
  EXPECT_TRUE(IsError(Api(port, "POST", "/api/v1/users", unknown_role, as_admin), 400,
                      "invalid_argument", "", "roles"));
  Json short_password = user;
  short_password["password"] = "short";
  EXPECT_TRUE(IsError(Api(port, "POST", "/api/v1/users", short_password, as_admin), 400,
                      "invalid_argument", "password_too_short", "password"));
  EXPECT_TRUE(IsError(Api(port, "GET", "/api/v1/users/abc", std::nullopt, as_admin), 400,
                      "invalid_argument", "", "id"));
  EXPECT_TRUE(Healthy(port));
}

TEST_P(HttpTest, UnknownFieldsAreRefusedByName) {
  TestServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  EXPECT_TRUE(IsError(Api(port, "POST", "/api/v1/auth/login",
                          Json{{"username", "admin"},
                               {"password", server->Password("admin")},
                               {"banner_accepted", true},
                               {"remember_me", true}}),
                      400, "invalid_argument", "", "remember_me"));
  std::optional<SignedIn> admin = SignInDemo(*server, "admin");
  ASSERT_TRUE(admin);
  const Auth as_admin = Auth::Bearer(admin->token);
  EXPECT_TRUE(IsError(Api(port, "POST", "/api/v1/regions",
                          Json{{"code", "north"}, {"name", "North"}, {"colour", "red"}}, as_admin),
                      400, "invalid_argument", "", "colour"));
  EXPECT_TRUE(IsError(Api(port, "PATCH", "/api/v1/me", Json{{"nickname", "boss"}}, as_admin), 400,
                      "invalid_argument", "", "nickname"));
  // Nothing was created by the refused request.
  HttpResponse regions = Api(port, "GET", "/api/v1/regions", std::nullopt, as_admin);
  ASSERT_EQ(regions.status, 200);
  EXPECT_EQ(regions.body.find("\"north\""), std::string::npos);
  EXPECT_TRUE(Healthy(port));
}

TEST_P(HttpTest, InvalidUtf8IsRefused) {
  TestServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  std::optional<SignedIn> admin = SignInDemo(*server, "admin");
  ASSERT_TRUE(admin);
  const std::string bad_sequences[] = {
      "\xff\xfe",          // never valid
      "\xc0\xaf",          // overlong '/'
      "\xed\xa0\x80",      // a UTF-16 surrogate
      "ok\xe2\x82",        // truncated
      "\xf4\x90\x80\x80",  // above U+10FFFF
  };
  for (const std::string& bad : bad_sequences) {
    std::string login =
        "{\"username\":\"" + bad + "\",\"password\":\"x\",\"banner_accepted\":true}";
    EXPECT_TRUE(
        IsError(ApiRaw(port, "POST", "/api/v1/auth/login", login), 400, "invalid_argument"));
    std::string patch = "{\"display_name\":\"Name " + bad + "\"}";
    EXPECT_TRUE(IsError(ApiRaw(port, "PATCH", "/api/v1/me", patch, Auth::Bearer(admin->token)), 400,
                        "invalid_argument"));
    EXPECT_TRUE(Healthy(port));
  }
  // A lone surrogate written as a JSON escape.
  EXPECT_TRUE(IsError(ApiRaw(port, "PATCH", "/api/v1/me", R"({"display_name":"\ud800"})",
                             Auth::Bearer(admin->token)),
                      400, "invalid_argument"));
  // Valid non-ASCII text is fine.
  HttpResponse kazakh = Api(port, "PATCH", "/api/v1/me", Json{{"display_name", "Айгерим Сейтқали"}},
                            Auth::Bearer(admin->token));
  EXPECT_EQ(kazakh.status, 200) << kazakh.Describe();
}

TEST_P(HttpTest, OversizeBodiesAreRefusedWith413) {
  TestServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  const int port = server->port();

  // Declared too large: refused from the headers alone, and the connection is closed.
  {
    HttpConnection connection(port);
    ASSERT_TRUE(
        connection.SendRaw("POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           "Content-Type: application/json\r\nContent-Length: " +
                           std::to_string(kDefaultBodyLimit + 1) + "\r\n\r\n"));
    HttpResponse response = connection.ReadResponse();
    EXPECT_TRUE(IsError(response, 413, "resource_exhausted", "payload_too_large"));
    EXPECT_TRUE(connection.WaitForClose());
  }
  EXPECT_TRUE(Healthy(port));

  // The whole oversize body sent anyway.
  HttpResponse sent = ApiRaw(port, "POST", "/api/v1/auth/login",
                             LoginBody("admin", std::string(kDefaultBodyLimit + 100, 'a')));
  EXPECT_TRUE(IsError(sent, 413, "resource_exhausted", "payload_too_large"));
  EXPECT_TRUE(Healthy(port));

  // Chunked, so the size is only known while reading.
  {
    HttpConnection connection(port);
    std::string chunk(kDefaultBodyLimit / 2, ' ');
    std::string wire =
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int chunk_idx = 0; chunk_idx < 3; ++chunk_idx) {
      char size[32];
      std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
      wire += size + chunk + "\r\n";
    }
    wire += "0\r\n\r\n";
    connection.SendRaw(wire);  // the server may stop reading half-way
    EXPECT_TRUE(IsError(connection.ReadResponse(), 413, "resource_exhausted", "payload_too_large"));
  }
  EXPECT_TRUE(Healthy(port));

  // Just under the limit is read and judged on its content.
  HttpResponse under = ApiRaw(port, "POST", "/api/v1/auth/login",
                              LoginBody("admin", std::string(kDefaultBodyLimit - 1000, 'a')));
  EXPECT_TRUE(IsError(under, 400, "invalid_argument", "", "password"));
  EXPECT_TRUE(Healthy(port));
}

TEST_P(HttpTest, ConfiguredBodyLimitIsEnforced) {
  TestServer* server = StartServer({.env = {{"THREATHUB_MAX_JSON_BODY_BYTES", "2048"}}});
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  HttpResponse over =
      ApiRaw(port, "POST", "/api/v1/auth/login", LoginBody("admin", std::string(3000, 'p')));
  ASSERT_TRUE(IsError(over, 413, "resource_exhausted", "payload_too_large"));
  EXPECT_NE(over.JsonBody()["error"].value("message", "").find("2048"), std::string::npos)
      << over.body;
  EXPECT_TRUE(Healthy(port));
  HttpResponse under =
      ApiRaw(port, "POST", "/api/v1/auth/login", LoginBody("admin", std::string(1500, 'p')));
  EXPECT_TRUE(IsError(under, 401, "unauthenticated", "bad_credentials"));
}

TEST_P(HttpTest, RefusalsBeforeRoutingCarrySecurityHeaders) {
  TestServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  HttpResponse malformed = RawExchange(port, "HELLO\r\n\r\n");
  EXPECT_TRUE(IsError(malformed, 400, "invalid_argument"));
  EXPECT_TRUE(HasSecurityHeaders(malformed)) << "the 400 for a malformed request";
  HttpResponse too_large = RawExchange(port,
                                       "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
                                       "Content-Length: 99999999\r\n\r\n");
  EXPECT_TRUE(IsError(too_large, 413, "resource_exhausted"));
  EXPECT_TRUE(HasSecurityHeaders(too_large)) << "the 413 for a body over the limit";
  HttpResponse headers = RawExchange(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " +
                                               std::string(64 * 1024, 'a') + "\r\n\r\n");
  EXPECT_EQ(headers.status, 431) << headers.Describe();
  EXPECT_TRUE(HasSecurityHeaders(headers)) << "the 431 for oversize headers";
}

TEST_P(HttpTest, HeaderFloodsAreRefusedAndTheConnectionClosed) {
  TestServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  const int port = server->port();

  std::string many = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (int header_idx = 0; header_idx < 2000; ++header_idx) {
    many += "X-Flood-" + std::to_string(header_idx) + ": value\r\n";
  }
  many += "\r\n";
  std::string huge =
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Huge: " + std::string(100 * 1024, 'h') +
      "\r\n\r\n";
  for (const std::string* wire : {&many, &huge}) {
    HttpConnection connection(port);
    connection.SendRaw(*wire);
    HttpResponse response = connection.ReadResponse();
    if (response.status == 431) {
      EXPECT_TRUE(IsError(response, 431, "invalid_argument", "header_too_large"));
    } else {
      EXPECT_TRUE(IsError(response, 400, "invalid_argument"));
    }
    EXPECT_TRUE(connection.WaitForClose()) << "the connection stays open after the refusal";
    EXPECT_TRUE(Healthy(port));
  }
}

TEST_P(HttpTest, MalformedRequestLinesAreBadRequests) {
  TestServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  const std::string malformed[] = {
      "G(T / HTTP/1.1\r\nHost: x\r\n\r\n",        // a method with a separator in it
      "HELLO\r\n\r\n",                            // no target, no version
      "GET\r\n\r\n",                              // no target
      "GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n",  // junk after the version
      "GET / FTP/1.0\r\nHost: x\r\n\r\n",         // not HTTP
      "GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
      std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 15),  // TLS to HTTP
  };
  for (const std::string& wire : malformed) {
    HttpResponse response = RawExchange(port, wire);
    EXPECT_TRUE(IsError(response, 400, "invalid_argument")) << "request: " << wire;
    EXPECT_TRUE(Healthy(port));
  }
  // A target that does not percent-decode.
  EXPECT_TRUE(IsError(RawExchange(port, "GET /api/v1/%zz HTTP/1.1\r\nHost: x\r\n\r\n"), 400,
                      "invalid_argument"));
  // An unknown (but well-formed) method is refused, never served.
  HttpResponse brew = RawExchange(port, "BREW /api/v1/session HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(brew.status == 400 || brew.status == 405 || brew.status == 501) << brew.Describe();
  EXPECT_TRUE(brew.JsonBody().contains("error")) << brew.Describe();
  EXPECT_TRUE(Healthy(port));
}

class WebRoot {
 public:
  explicit WebRoot(const std::string& temp) : root_(temp + "/web") {
    std::filesystem::create_directories(root_ + "/assets");
    WriteFile(root_ + "/index.html", kIndexHtml);
    WriteFile(root_ + "/assets/app.js", kAppJs);
    WriteFile(root_ + "/assets/.hidden", "hidden");
    WriteFile(temp + "/secret.txt", kSecret);
    std::filesystem::create_symlink("../../secret.txt", root_ + "/assets/leak.js");
  }
  const std::string& path() const { return root_; }

 private:
  std::string root_;
};

TEST_P(HttpTest, StaticFilesAndSinglePageRoutes) {
  WebRoot web(temp());
  TestServer* server = StartServer({.web_root = web.path()});
  ASSERT_NE(server, nullptr);
  const int port = server->port();

  HttpResponse app = Fetch(port, {.target = "/assets/app.js", .close = true});
  ASSERT_EQ(app.status, 200) << app.Describe();
  EXPECT_EQ(app.body, kAppJs);
  EXPECT_EQ(app.Header("content-type").rfind("text/javascript", 0), 0u)
      << app.Header("content-type");
  EXPECT_NE(app.Header("cache-control").find("max-age=31536000"), std::string::npos)
      << app.Header("cache-control");
  EXPECT_NE(app.Header("cache-control").find("immutable"), std::string::npos);
  EXPECT_TRUE(HasSecurityHeaders(app));

  HttpResponse index = Fetch(port, {.target = "/", .close = true});
  ASSERT_EQ(index.status, 200) << index.Describe();
  EXPECT_EQ(index.body, kIndexHtml);
  EXPECT_EQ(index.Header("content-type").rfind("text/html", 0), 0u);
  EXPECT_EQ(index.Header("cache-control"), "no-cache");
  EXPECT_TRUE(HasSecurityHeaders(index));

  for (const char* route : {"/admin/users", "/cases/42/evidence", "/sign-in"}) {
    HttpResponse spa = Fetch(port, {.target = route, .close = true});
    EXPECT_EQ(spa.status, 200) << route << ": " << spa.Describe();
    EXPECT_EQ(spa.body, kIndexHtml) << route;
    EXPECT_EQ(spa.Header("content-type").rfind("text/html", 0), 0u) << route;
  }
  HttpResponse missing = Fetch(port, {.target = "/assets/missing.js", .close = true});
  EXPECT_EQ(missing.status, 404) << missing.Describe();
  HttpResponse head = Fetch(port, {.method = "HEAD", .target = "/assets/app.js", .close = true});
  EXPECT_EQ(head.status, 200) << head.Describe();
  EXPECT_EQ(head.Header("content-length"), std::to_string(std::string(kAppJs).size()));
  EXPECT_TRUE(IsError(Fetch(port, {.method = "POST", .target = "/index.html", .close = true}), 404,
                      "not_found"));
  EXPECT_TRUE(IsError(Api(port, "GET", "/api/v1/no-such-route"), 404, "not_found"));
}

TEST_P(HttpTest, PathTraversalNeverLeavesTheWebRoot) {
  WebRoot web(temp());
  TestServer* server = StartServer({.web_root = web.path()});
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  const std::string targets[] = {
      "/../etc/passwd",
      "/%2e%2e/%2e%2e/etc/passwd",
      "/..%2f..%2fetc/passwd",
      "/..\\..\\etc\\passwd",
      "/%5c..%5c",
      "/%5c..%5c..%5csecret.txt",
      "/assets/../../x",
      "/assets/../../secret.txt",
      "/assets/%2e%2e/%2e%2e/secret.txt",
      "/assets/%2E%2E%2F%2E%2E%2Fsecret.txt",
      "/../secret.txt",
      "/.%2e/secret.txt",
      "/%252e%252e/secret.txt",
      "/assets/leak.js",  // a symbolic link out of the web root
      "/assets/.hidden",
      "/./index.html",
      "/assets/app.js%00.html",
      "/%00",
      "//etc/passwd",
      "/..;/secret.txt",
      "http://127.0.0.1/../secret.txt",
      "/%c0%ae%c0%ae/secret.txt",
  };
  for (const std::string& target : targets) {
    HttpResponse response = RawExchange(
        port, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    EXPECT_NE(response.status, 0) << target << ": " << response.Describe();
    EXPECT_EQ(response.body.find(kSecret), std::string::npos) << target;
    EXPECT_EQ(response.body.find("root:"), std::string::npos) << target;
    if (response.status == 200) {
      // Only the single-page application's shell may come back.
      EXPECT_EQ(response.body, kIndexHtml) << target;
    } else {
      EXPECT_TRUE(response.status == 400 || response.status == 404)
          << target << ": " << response.Describe();
    }
    EXPECT_TRUE(Healthy(port));
  }
}

TEST_P(HttpTest, SecurityHeadersOnEveryKindOfAnswer) {
  TestServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  std::vector<HttpResponse> answers = {
      Fetch(port, {.target = "/healthz", .close = true}),
      Api(port, "GET", "/api/v1/auth/banner"),
      Api(port, "GET", "/api/v1/session"),
      Api(port, "GET", "/api/v1/nothing-here"),
      Api(port, "POST", "/api/v1/auth/login", Json{{"username", "x"}}),
      Fetch(port, {.target = "/index.html", .close = true}),  // no web root here: 404
  };
  for (const HttpResponse& answer : answers) {
    EXPECT_NE(answer.status, 0) << answer.Describe();
    EXPECT_TRUE(HasSecurityHeaders(answer));
    EXPECT_EQ(answer.Header("x-frame-options"), "DENY");
    EXPECT_FALSE(answer.Header("x-request-id").empty());
    EXPECT_FALSE(answer.HasHeader("strict-transport-security")) << "HSTS over plain HTTP";
  }
  EXPECT_EQ(answers[1].Header("cache-control"), "no-store");
  Json banner = answers[1].JsonBody();
  EXPECT_FALSE(banner.value("banner", "").empty());
  EXPECT_EQ(banner.value("totp_required", false), true);
}

TEST_P(HttpTest, KeepAliveServesManyRequestsOnOneConnection) {
  TestServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  HttpConnection connection(port);
  ASSERT_TRUE(connection.connected()) << connection.error();

  for (int round = 0; round < 3; ++round) {
    HttpResponse health = connection.Send({.target = "/healthz"});
    ASSERT_EQ(health.status, 200) << "round " << round << ": " << health.Describe();
  }
  HttpResponse login = connection.Send({.method = "POST",
                                        .target = "/api/v1/auth/login",
                                        .body = LoginBody("admin", server->Password("admin"))});
  ASSERT_EQ(login.status, 200) << login.Describe();
  const Headers bearer = {{"Authorization", "Bearer " + login.JsonBody().value("token", "")}};
  HttpResponse session = connection.Send({.target = "/api/v1/session", .headers = bearer});
  EXPECT_EQ(session.status, 200) << session.Describe();
  // An error answer keeps the connection too.
  HttpResponse missing = connection.Send({.target = "/api/v1/nothing-here"});
  EXPECT_EQ(missing.status, 404) << missing.Describe();
  HttpResponse head = connection.Send({.method = "HEAD", .target = "/healthz"});
  EXPECT_EQ(head.status, 200) << head.Describe();
  HttpResponse patched = connection.Send({.method = "PATCH",
                                          .target = "/api/v1/me",
                                          .headers = bearer,
                                          .body = R"({"language":"ru"})"});
  EXPECT_EQ(patched.status, 200) << patched.Describe();

  // Two requests in one write (pipelining) get two answers in order.
  ASSERT_TRUE(connection.SendRaw(Serialize({.target = "/healthz"}) +
                                 Serialize({.target = "/api/v1/auth/banner"})));
  HttpResponse first = connection.ReadResponse();
  HttpResponse second = connection.ReadResponse();
  EXPECT_EQ(first.status, 200) << first.Describe();
  EXPECT_EQ(first.JsonBody(), (Json{{"status", "ok"}}));
  EXPECT_EQ(second.status, 200) << second.Describe();
  EXPECT_TRUE(second.JsonBody().contains("banner"));

  HttpResponse last = connection.Send({.target = "/healthz", .close = true});
  EXPECT_EQ(last.status, 200) << last.Describe();
  EXPECT_TRUE(connection.WaitForClose());
}

TEST_P(HttpTest, TlsServesHttpsWithStrictTransportSecurity) {
  const std::string cert = temp() + "/cert.pem";
  const std::string key = temp() + "/key.pem";
  CommandResult generated =
      RunCommand({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                  "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                  "-keyout", key, "-out", cert},
                 {});
  if (generated.exit_code == -1 && !std::filesystem::exists("/usr/bin/openssl")) {
    GTEST_SKIP() << "no openssl command to make a certificate";
  }
  ASSERT_EQ(generated.exit_code, 0) << generated.err;
  TestServer* server = StartServer({.tls_cert = cert, .tls_key = key});
  ASSERT_NE(server, nullptr);
  const int port = server->port();

  HttpResponse health = FetchTls(port, {.target = "/healthz", .close = true});
  ASSERT_EQ(health.status, 200) << health.Describe();
  EXPECT_EQ(health.JsonBody(), (Json{{"status", "ok"}}));
  std::string hsts = health.Header("strict-transport-security");
  EXPECT_NE(hsts.find("max-age="), std::string::npos) << "no Strict-Transport-Security";
  EXPECT_TRUE(HasSecurityHeaders(health));

  HttpResponse login = FetchTls(port, {.method = "POST",
                                       .target = "/api/v1/auth/login",
                                       .headers = {{"Content-Type", "application/json"}},
                                       .body = LoginBody("admin", server->Password("admin")),
                                       .close = true});
  ASSERT_EQ(login.status, 200) << login.Describe();
  EXPECT_NE(login.Header("set-cookie").find("; Secure"), std::string::npos);

  // Plain HTTP to the TLS port gets no answer, and the server goes on.
  HttpResponse plain = Fetch(port, {.target = "/healthz", .close = true});
  EXPECT_NE(plain.status, 200) << plain.Describe();
  EXPECT_EQ(FetchTls(port, {.target = "/healthz", .close = true}).status, 200);
}

}  // namespace
}  // namespace threathub::integration
