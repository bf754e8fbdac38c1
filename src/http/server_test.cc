// The server over real sockets, in-process on 127.0.0.1:0, with a real dispatcher (SQLite
// sessions): streamed request bodies (Dispatcher::Admit, BodySink, 100-continue, chunked, limits,
// timeouts, clients that go away) and file responses. Also Admit on its own, without sockets.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "audit/audit.h"
#include "auth/org.h"
#include "auth/sessions.h"
#include "base/clock.h"
#include "base/encoding.h"
#include "base/errors.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "http/dispatcher.h"
#include "http/json.h"
#include "http/router.h"
#include "http/server.h"
#include "store/migrations.h"
#include "vault/blob_store.h"
#include "vault/multi_hash.h"

namespace threathub::http {
namespace {

using namespace std::chrono_literals;

constexpr char kPassword[] = "granite-steppe-eagle";
constexpr int64_t kUploadLimit = int64_t{256} << 20;
constexpr int64_t kSmallLimit = int64_t{1} << 20;
constexpr size_t kServerPieceBytes = 256 << 10;  // server.cc kStreamPieceBytes
constexpr int kRequestTimeoutSeconds = 2;

// Reproducible content made piece by piece, so that a 64 MiB upload need not sit in memory.
class ContentGenerator {
 public:
  explicit ContentGenerator(uint64_t seed) : generator_(seed) {}
  std::string Next(size_t size) {
    std::string bytes(size, '\0');
    for (char& byte : bytes) byte = static_cast<char>(generator_() & 0xff);
    return bytes;
  }

 private:
  std::mt19937_64 generator_;
};

// The size line of one chunk (RFC 9112 section 7.1).
std::string ChunkSize(size_t size) {
  char text[24];
  std::snprintf(text, sizeof(text), "%zx", size);
  return text;
}

std::string Sha256Of(std::string_view bytes) { return vault::HashBytes(bytes).value().Sha256Hex(); }

// What the test routes saw, read by the tests while the server runs on its own threads.
struct Probe {
  std::atomic<int> sinks_opened{0};
  std::atomic<int> sinks_destroyed{0};
  std::atomic<int> handler_calls{0};
  std::atomic<int64_t> writes{0};
  std::atomic<int64_t> largest_write{0};
};

// Counts what it receives and passes it to a BlobWriter; with fail_after set, reports a full
// disk once that many bytes have arrived.
class ProbeSink final : public BodySink {
 public:
  ProbeSink(Probe& probe, std::unique_ptr<vault::BlobWriter> writer, uint64_t fail_after)
      : probe_(probe), writer_(std::move(writer)), fail_after_(fail_after) {
    ++probe_.sinks_opened;
  }
  ~ProbeSink() override { ++probe_.sinks_destroyed; }

  absl::Status Write(std::string_view bytes) override {
    ++probe_.writes;
    int64_t size = static_cast<int64_t>(bytes.size());
    int64_t largest = probe_.largest_write.load();
    while (size > largest && !probe_.largest_write.compare_exchange_weak(largest, size)) {
    }
    if (fail_after_ > 0 && writer_->size() + bytes.size() > fail_after_) {
      return base::WithReason(absl::ResourceExhaustedError("not enough disk space (test)"),
                              "disk_full");
    }
    return writer_->Write(bytes);
  }

  vault::BlobWriter& writer() { return *writer_; }

 private:
  Probe& probe_;
  std::unique_ptr<vault::BlobWriter> writer_;
  uint64_t fail_after_;
};

// A blocking HTTP/1.1 client over one socket: just enough HTTP for these tests.
class Client {
 public:
  struct Reply {
    int status = 0;
    std::map<std::string, std::string> headers;  // names lower case
    std::string body;
    std::string Header(const std::string& name) const {
      auto found = headers.find(name);
      return found == headers.end() ? "" : found->second;
    }
  };

  explicit Client(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
    timeval timeout{.tv_sec = 15, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  }
  ~Client() { Close(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }

  // False once the server has closed (or reset) the connection.
  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(sent));
    }
    return true;
  }

  // One response; an interim "100 Continue" is returned as a reply of its own.
  std::optional<Reply> Read(bool head = false) {
    size_t end;
    while ((end = pending_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return std::nullopt;
    }
    Reply reply;
    std::string header = pending_.substr(0, end);
    pending_.erase(0, end + 4);
    bool first = true;
    for (std::string_view line : base::StrSplit(header, '\n')) {
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (first) {
        first = false;
        if (line.size() < 12) return std::nullopt;
        if (!base::SimpleAtoi(line.substr(9, 3), &reply.status)) return std::nullopt;
        continue;
      }
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      reply.headers[base::AsciiStrToLower(line.substr(0, colon))] =
          std::string(base::StripAsciiWhitespace(line.substr(colon + 1)));
    }
    if (reply.status < 200 || head) return reply;
    size_t length = 0;
    if (!base::SimpleAtoi(reply.Header("content-length"), &length)) return reply;
    while (pending_.size() < length) {
      if (!Fill()) return std::nullopt;
    }
    reply.body = pending_.substr(0, length);
    pending_.erase(0, length);
    return reply;
  }

  // Whether the server closes the connection (EOF or reset) within `wait`, reading and
  // dropping anything it still sends.
  bool ClosedByServer(std::chrono::milliseconds wait = 10s) {
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd poll_fd{.fd = fd_, .events = POLLIN, .revents = 0};
      if (::poll(&poll_fd, 1, 100) <= 0) continue;
      char buffer[65536];
      ssize_t got = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (got <= 0) return true;
    }
    return false;
  }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  bool Fill() {
    char buffer[65536];
    ssize_t got = ::recv(fd_, buffer, sizeof(buffer), 0);
    if (got <= 0) return false;
    pending_.append(buffer, static_cast<size_t>(got));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string pending_;
};

// Peak resident memory of this process (VmHWM) in bytes, after resetting it; 0 when Linux does
// not let us.
bool ResetPeakMemory() { return static_cast<bool>(std::ofstream("/proc/self/clear_refs") << "5"); }
int64_t PeakMemoryBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (base::StartsWith(line, "VmHWM:")) {
      int64_t kilobytes = 0;
      std::string_view value = base::StripAsciiWhitespace(std::string_view(line).substr(6));
      value = value.substr(0, value.find(' '));
      if (base::SimpleAtoi(value, &kilobytes)) return kilobytes * 1024;
    }
  }
  return 0;
}

class StreamingServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("threathub-server-" + base::HexEncode(base::RandomBytes(6)));
    std::filesystem::create_directories(directory_ / "files");
    database_ = store::OpenDatabase("sqlite", directory_.string()).value();
    ASSERT_TRUE(store::Migrate(*database_).ok());
    trail_ = std::make_unique<audit::AuditTrail>(*database_, clock_);
    auth::SessionPolicy policy;
    policy.cost = auth::Argon2Cost{.ops = 1, .memory_bytes = 64 << 10};
    sessions_ = std::make_unique<auth::Authenticator>(*database_, *trail_, clock_, policy);
    auth::OrgService org(*database_, *trail_, *sessions_, clock_, policy.cost);
    auth::Actor root = auth::Actor::CommandLine();
    int64_t region = org.CreateRegion(root, "almaty", "Алматы").value().id;
    int64_t agency = org.CreateAgency(root, region, "almaty-cyber", "УПК", false).value().id;
    ASSERT_TRUE(org.CreateUser(root, auth::NewUser{.agency_id = agency,
                                                   .username = "tester",
                                                   .display_name = "tester",
                                                   .password = kPassword,
                                                   .totp_exempt = true})
                    .ok());
    auth::LoginResult login =
        sessions_->Login("tester", kPassword, true, auth::ClientInfo{"127.0.0.1", "setup"}).value();
    ASSERT_EQ(login.status, auth::LoginStatus::kOk);
    token_ = login.token;
    blobs_ = vault::BlobStore::Create((directory_ / "vault").string()).value();

    AddRoutes();
    dispatcher_ =
        std::make_unique<Dispatcher>(router_, *sessions_, *trail_,
                                     DispatcherOptions{.web_root = (directory_ / "no-web").string(),
                                                       .max_json_body_bytes = kSmallLimit});
    server_ = std::make_unique<Server>(
        *dispatcher_, ServerOptions{.listen = "127.0.0.1:0",
                                    .threads = 2,
                                    .request_timeout_seconds = kRequestTimeoutSeconds});
    ASSERT_TRUE(server_->Start().ok());
    server_thread_ = std::thread([this] { server_->Run(); });
  }

  void TearDown() override {
    if (server_thread_.joinable()) {
      server_->Stop();
      server_thread_.join();
    }
    server_.reset();
    dispatcher_.reset();
    blobs_.reset();
    sessions_.reset();
    trail_.reset();
    database_.reset();
    std::filesystem::remove_all(directory_);
  }

  absl::StatusOr<std::shared_ptr<BodySink>> OpenSink(Request& head) {
    if (head.path_params["id"] == "hidden") return absl::NotFoundError("no such case");
    uint64_t fail_after = 0;
    vault::PutOptions options{.expected_bytes = head.ContentLength().value_or(0)};
    for (const auto& [key, value] : head.query) {
      if (key == "fail_after") {
        if (!base::SimpleAtoi(value, &fail_after)) return base::InvalidField(key, "a number");
      } else if (key == "max") {
        if (!base::SimpleAtoi(value, &options.max_bytes))
          return base::InvalidField(key, "a number");
      } else {
        return base::InvalidField(key, "unknown parameter");
      }
    }
    ASSIGN_OR_RETURN(std::unique_ptr<vault::BlobWriter> writer, blobs_->Begin(options));
    return std::make_shared<ProbeSink>(probe_, std::move(writer), fail_after);
  }

  absl::StatusOr<Response> FinishUpload(Request& request) {
    ++probe_.handler_calls;
    ProbeSink* sink = BodySinkAs<ProbeSink>(request);
    if (sink == nullptr) return absl::InternalError("no sink");
    if (!request.body.empty()) return absl::InternalError("a streamed body in request.body");
    ASSIGN_OR_RETURN(vault::PutResult put, sink->writer().Commit());
    return JsonResponse(Json{{"sha256", put.sha256}, {"size", put.size}}, 201);
  }

  void AddRoutes() {
    auto open = [this](Request& head) { return OpenSink(head); };
    auto finish = [this](Request& request) { return FinishUpload(request); };
    router_.Add({.method = Method::kPost,
                 .pattern = "/api/v1/cases/{id}/uploads",
                 .permission = auth::Permission::kSignedIn,
                 .handler = finish,
                 .max_body_bytes = kUploadLimit,
                 .open_body_sink = open});
    router_.Add({.method = Method::kPost,
                 .pattern = "/api/v1/small-uploads",
                 .permission = auth::Permission::kSignedIn,
                 .handler = finish,
                 .max_body_bytes = kSmallLimit,
                 .open_body_sink = open});
    router_.Add({.method = Method::kPost,
                 .pattern = "/api/v1/admin-uploads",
                 .permission = auth::Permission::kUsersManage,
                 .handler = finish,
                 .max_body_bytes = kUploadLimit,
                 .open_body_sink = open});
    router_.Add({.method = Method::kPost,
                 .pattern = "/api/v1/echo",
                 .permission = auth::Permission::kSignedIn,
                 .handler = [this](Request& request) -> absl::StatusOr<Response> {
                   ++probe_.handler_calls;
                   return JsonResponse(
                       Json{{"sha256", Sha256Of(request.body)}, {"size", request.body.size()}});
                 }});
    router_.Add({.method = Method::kGet,
                 .pattern = "/api/v1/files/{name}",
                 .permission = auth::Permission::kSignedIn,
                 .handler = [this](Request& request) -> absl::StatusOr<Response> {
                   Response response;
                   response.content_type = "application/octet-stream";
                   response.file_path =
                       (directory_ / "files" / request.path_params["name"]).string();
                   response.headers.emplace_back("Content-Disposition",
                                                 "attachment; filename=\"image.E01\"");
                   return response;
                 }});
  }

  std::string Head(std::string_view method, std::string_view target,
                   std::string_view extra_headers = "", bool authorized = true) {
    return base::StrCat(method, " ", target, " HTTP/1.1\r\nHost: 127.0.0.1\r\n",
                        authorized ? base::StrCat("Authorization: Bearer ", token_, "\r\n") : "",
                        extra_headers, "\r\n");
  }

  std::vector<std::string> TempFiles() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(directory_ / "vault" / "tmp")) {
      names.push_back(entry.path().filename().string());
    }
    return names;
  }

  // The server works on its own threads: wait for what it does after the client has gone.
  bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds wait = 10s) {
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (!condition()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(10ms);
    }
    return true;
  }

  static Json Body(const Client::Reply& reply) { return Json::parse(reply.body); }
  static std::string Reason(const Client::Reply& reply) {
    return Body(reply)["error"].value("reason", "");
  }

  std::filesystem::path directory_;
  base::FakeClock clock_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<audit::AuditTrail> trail_;
  std::unique_ptr<auth::Authenticator> sessions_;
  std::string token_;
  std::unique_ptr<vault::BlobStore> blobs_;
  Router router_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<Server> server_;
  std::thread server_thread_;
  Probe probe_;
};

TEST_F(StreamingServerTest, LargeUploadReachesTheSinkInPiecesWithBoundedMemory) {
  constexpr size_t kTotal = size_t{64} << 20;
  constexpr size_t kClientPiece = 1 << 20;
  bool measure_memory = ResetPeakMemory();
  int64_t peak_before = PeakMemoryBytes();

  Client client(server_->port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send(
      Head("POST", "/api/v1/cases/7/uploads", base::StrCat("Content-Length: ", kTotal, "\r\n"))));
  ContentGenerator content(1);
  vault::MultiHasher hasher;
  for (size_t sent = 0; sent < kTotal; sent += kClientPiece) {
    std::string piece = content.Next(kClientPiece);
    hasher.Update(piece);
    ASSERT_TRUE(client.Send(piece));
  }
  std::optional<Client::Reply> reply = client.Read();
  ASSERT_TRUE(reply.has_value());
  ASSERT_EQ(reply->status, 201) << reply->body;
  EXPECT_EQ(Body(*reply)["sha256"], hasher.Finish().value().Sha256Hex());
  EXPECT_EQ(Body(*reply)["size"], kTotal);

  EXPECT_EQ(probe_.sinks_opened, 1);
  EXPECT_EQ(probe_.handler_calls, 1);
  EXPECT_GE(probe_.writes, static_cast<int64_t>(kTotal / kServerPieceBytes));
  EXPECT_LE(probe_.largest_write, static_cast<int64_t>(kServerPieceBytes));
  EXPECT_TRUE(WaitFor([&] { return probe_.sinks_destroyed == 1; }));
  EXPECT_TRUE(TempFiles().empty());
  if (measure_memory) {
    // The whole body in memory would be 64 MiB; the sink's pieces and the hasher's ring are a
    // few MiB.
    EXPECT_LT(PeakMemoryBytes() - peak_before, int64_t{24} << 20);
  }
}

TEST_F(StreamingServerTest, ChunkedUploadAndKeepAliveAfterIt) {
  Client client(server_->port());
  ContentGenerator content(2);
  std::string body;
  std::string request = Head("POST", "/api/v1/cases/7/uploads", "Transfer-Encoding: chunked\r\n");
  for (size_t piece_size : {1, 100'000, 300'000, 7, 1'000'000}) {
    std::string piece = content.Next(piece_size);
    body += piece;
    request += base::StrCat(ChunkSize(piece_size), "\r\n", piece, "\r\n");
  }
  request += "0\r\n\r\n";
  ASSERT_TRUE(client.Send(request));
  std::optional<Client::Reply> reply = client.Read();
  ASSERT_TRUE(reply.has_value());
  ASSERT_EQ(reply->status, 201) << reply->body;
  EXPECT_EQ(Body(*reply)["sha256"], Sha256Of(body));
  EXPECT_EQ(Body(*reply)["size"], body.size());
  EXPECT_GE(probe_.writes, 2);

  // The same connection carries the next request.
  ASSERT_TRUE(client.Send(
      base::StrCat(Head("POST", "/api/v1/cases/7/uploads", "Content-Length: 3\r\n"), "abc")));
  reply = client.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 201) << reply->body;
  EXPECT_EQ(Body(*reply)["sha256"], Sha256Of("abc"));
}

TEST_F(StreamingServerTest, ContinueIsSentOnlyAfterTheRequestIsAdmitted) {
  Client client(server_->port());
  std::string body = ContentGenerator(3).Next(500'000);
  ASSERT_TRUE(client.Send(
      Head("POST", "/api/v1/cases/7/uploads",
           base::StrCat("Content-Length: ", body.size(), "\r\nExpect: 100-continue\r\n"))));
  std::optional<Client::Reply> interim = client.Read();
  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(interim->status, 100);
  EXPECT_EQ(probe_.sinks_opened, 1);  // admitted, and the sink open, before the body
  ASSERT_TRUE(client.Send(body));
  std::optional<Client::Reply> reply = client.Read();
  ASSERT_TRUE(reply.has_value());
  ASSERT_EQ(reply->status, 201) << reply->body;
  EXPECT_EQ(Body(*reply)["sha256"], Sha256Of(body));
}

TEST_F(StreamingServerTest, RefusedUploadIsAnsweredBeforeItsBody) {
  struct Case {
    std::string name;
    std::string target;
    bool authorized;
    int status;
    std::string reason;
  };
  const Case kCases[] = {
      {"no session", "/api/v1/cases/7/uploads", false, 401, "unauthenticated"},
      {"no permission", "/api/v1/admin-uploads", true, 403, ""},
      {"a case the user may not see", "/api/v1/cases/hidden/uploads", true, 404, ""},
      {"a bad query parameter", "/api/v1/cases/7/uploads?colour=red", true, 400, ""},
      {"over the limit", "/api/v1/small-uploads", true, 413, "payload_too_large"},
      {"over the writer's limit", "/api/v1/cases/7/uploads?max=1000", true, 413, "too_large"},
  };
  for (const Case& test : kCases) {
    SCOPED_TRACE(test.name);
    Client client(server_->port());
    // The client waits for "100 Continue" and gets the refusal instead.
    ASSERT_TRUE(
        client.Send(Head("POST", test.target,
                         "Content-Length: 10485760\r\nExpect: 100-continue\r\n", test.authorized)));
    std::optional<Client::Reply> reply = client.Read();
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->status, test.status) << reply->body;
    if (!test.reason.empty()) EXPECT_EQ(Reason(*reply), test.reason);
    EXPECT_FALSE(reply->Header("x-request-id").empty());
    EXPECT_EQ(reply->Header("x-content-type-options"), "nosniff");
    EXPECT_TRUE(client.ClosedByServer());
  }
  // A client that sends its body at once is refused as well, the body unread.
  Client eager(server_->port());
  ASSERT_TRUE(
      eager.Send(Head("POST", "/api/v1/cases/7/uploads", "Content-Length: 1048576\r\n", false)));
  eager.Send(ContentGenerator(4).Next(1 << 20));  // may fail once the server has answered
  std::optional<Client::Reply> reply = eager.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 401);

  EXPECT_EQ(probe_.writes, 0);
  EXPECT_EQ(probe_.handler_calls, 0);
  // Only the writer's own limit is known after the sink is open: Begin refused it.
  EXPECT_EQ(probe_.sinks_opened, 0);
  EXPECT_TRUE(TempFiles().empty());
}

TEST_F(StreamingServerTest, ChunkedBodyOverTheLimitIsCutOffMidStream) {
  Client client(server_->port());
  ASSERT_TRUE(client.Send(Head("POST", "/api/v1/small-uploads", "Transfer-Encoding: chunked\r\n")));
  ContentGenerator content(5);
  std::optional<Client::Reply> reply;
  for (int chunk_idx = 0; chunk_idx < 8; ++chunk_idx) {  // 2 MiB in all; the limit is 1 MiB
    std::string piece = content.Next(256 << 10);
    if (!client.Send(base::StrCat(ChunkSize(piece.size()), "\r\n", piece, "\r\n"))) {
      break;
    }
  }
  reply = client.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 413) << reply->body;
  EXPECT_EQ(Reason(*reply), "payload_too_large");
  EXPECT_TRUE(client.ClosedByServer());
  EXPECT_EQ(probe_.sinks_opened, 1);
  EXPECT_TRUE(WaitFor([&] { return probe_.sinks_destroyed == 1; }));
  EXPECT_EQ(probe_.handler_calls, 0);
  EXPECT_TRUE(TempFiles().empty());
}

TEST_F(StreamingServerTest, SinkErrorsEndTheUpload) {
  struct Case {
    std::string target;
    int status;
    std::string reason;
  };
  const Case kCases[] = {
      {"/api/v1/cases/7/uploads?fail_after=1000000", 507, "disk_full"},
      // The writer's limit is found out only as the body arrives when the size is not announced.
      {"/api/v1/cases/7/uploads?max=1000000", 413, "too_large"},
  };
  for (const Case& test : kCases) {
    SCOPED_TRACE(test.target);
    Client client(server_->port());
    ASSERT_TRUE(client.Send(Head("POST", test.target, "Transfer-Encoding: chunked\r\n")));
    ContentGenerator content(6);
    for (int chunk_idx = 0; chunk_idx < 8; ++chunk_idx) {
      std::string piece = content.Next(256 << 10);
      if (!client.Send(base::StrCat(ChunkSize(piece.size()), "\r\n", piece, "\r\n"))) {
        break;
      }
    }
    std::optional<Client::Reply> reply = client.Read();
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->status, test.status) << reply->body;
    EXPECT_EQ(Reason(*reply), test.reason);
  }
  EXPECT_TRUE(WaitFor([&] { return probe_.sinks_destroyed == 2; }));
  EXPECT_EQ(probe_.handler_calls, 0);
  EXPECT_TRUE(TempFiles().empty());
}

TEST_F(StreamingServerTest, ClientThatGoesAwayMidBodyLeavesNothing) {
  {
    Client client(server_->port());
    ASSERT_TRUE(
        client.Send(Head("POST", "/api/v1/cases/7/uploads", "Content-Length: 8388608\r\n")));
    ASSERT_TRUE(client.Send(ContentGenerator(7).Next(3 << 20)));
    ASSERT_TRUE(WaitFor([&] { return probe_.writes > 0; }));
    EXPECT_EQ(TempFiles().size(), 1u);
  }  // closed
  EXPECT_TRUE(WaitFor([&] { return probe_.sinks_destroyed == 1; }));
  EXPECT_EQ(probe_.handler_calls, 0);
  EXPECT_TRUE(TempFiles().empty());
  EXPECT_TRUE(blobs_->List().value().empty());
}

TEST_F(StreamingServerTest, StalledUploadIsCutOffButASlowOneIsNot) {
  // Slow: a piece every 0.6 s, 3 s in all, longer than the request timeout of 2 s.
  Client slow(server_->port());
  ContentGenerator content(8);
  std::string body;
  ASSERT_TRUE(slow.Send(Head("POST", "/api/v1/cases/7/uploads", "Content-Length: 327680\r\n")));
  for (int piece_idx = 0; piece_idx < 5; ++piece_idx) {
    std::this_thread::sleep_for(600ms);
    std::string piece = content.Next(65536);
    body += piece;
    ASSERT_TRUE(slow.Send(piece));
  }
  std::optional<Client::Reply> reply = slow.Read();
  ASSERT_TRUE(reply.has_value());
  ASSERT_EQ(reply->status, 201) << reply->body;
  EXPECT_EQ(Body(*reply)["sha256"], Sha256Of(body));

  // Stalled: half the body, then nothing. The server gives up after the request timeout.
  Client stalled(server_->port());
  ASSERT_TRUE(stalled.Send(Head("POST", "/api/v1/cases/7/uploads", "Content-Length: 1048576\r\n")));
  ASSERT_TRUE(stalled.Send(content.Next(300'000)));
  auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(stalled.ClosedByServer(std::chrono::seconds(kRequestTimeoutSeconds + 5)));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 1s);
  EXPECT_TRUE(WaitFor([&] { return probe_.sinks_destroyed == 2; }));
  EXPECT_EQ(probe_.handler_calls, 1);
  EXPECT_TRUE(TempFiles().empty());
}

TEST_F(StreamingServerTest, InMemoryBodiesStillWork) {
  Client client(server_->port());
  std::string body = ContentGenerator(9).Next(200'000);
  ASSERT_TRUE(client.Send(base::StrCat(
      Head("POST", "/api/v1/echo", base::StrCat("Content-Length: ", body.size(), "\r\n")), body)));
  std::optional<Client::Reply> reply = client.Read();
  ASSERT_TRUE(reply.has_value());
  ASSERT_EQ(reply->status, 200) << reply->body;
  EXPECT_EQ(Body(*reply)["sha256"], Sha256Of(body));

  // Chunked, after "100 Continue".
  ASSERT_TRUE(client.Send(
      Head("POST", "/api/v1/echo", "Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n")));
  reply = client.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 100);
  std::string chunked;
  for (size_t offset = 0; offset < body.size(); offset += 70'000) {
    std::string_view piece = std::string_view(body).substr(offset, 70'000);
    chunked += base::StrCat(ChunkSize(piece.size()), "\r\n", piece, "\r\n");
  }
  ASSERT_TRUE(client.Send(chunked + "0\r\n\r\n"));
  reply = client.Read();
  ASSERT_TRUE(reply.has_value());
  ASSERT_EQ(reply->status, 200) << reply->body;
  EXPECT_EQ(Body(*reply)["sha256"], Sha256Of(body));
  EXPECT_EQ(Body(*reply)["size"], body.size());

  // Over the JSON limit: refused before the body.
  ASSERT_TRUE(client.Send(Head("POST", "/api/v1/echo", "Content-Length: 2000000\r\n")));
  reply = client.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 413);
  EXPECT_EQ(probe_.sinks_opened, 0);
}

TEST_F(StreamingServerTest, FileResponsesForGetAndHead) {
  std::string content = ContentGenerator(10).Next((5 << 20) + 3);
  std::ofstream(directory_ / "files" / "image.E01", std::ios::binary) << content;
  Client client(server_->port());

  ASSERT_TRUE(client.Send(Head("HEAD", "/api/v1/files/image.E01")));
  std::optional<Client::Reply> head = client.Read(/*head=*/true);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("content-length"), std::to_string(content.size()));
  EXPECT_EQ(head->Header("content-type"), "application/octet-stream");
  EXPECT_EQ(head->Header("content-disposition"), "attachment; filename=\"image.E01\"");

  // The next answer on the connection starts right after the HEAD's headers.
  ASSERT_TRUE(client.Send(Head("GET", "/api/v1/files/image.E01")));
  std::optional<Client::Reply> get = client.Read();
  ASSERT_TRUE(get.has_value());
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->Header("content-length"), std::to_string(content.size()));
  EXPECT_EQ(get->Header("content-disposition"), "attachment; filename=\"image.E01\"");
  EXPECT_EQ(get->Header("x-content-type-options"), "nosniff");
  EXPECT_TRUE(get->body == content);

  std::ofstream(directory_ / "files" / "empty");
  ASSERT_TRUE(client.Send(Head("GET", "/api/v1/files/empty")));
  get = client.Read();
  ASSERT_TRUE(get.has_value());
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->Header("content-length"), "0");

  ASSERT_TRUE(client.Send(Head("GET", "/api/v1/files/missing")));
  get = client.Read();
  ASSERT_TRUE(get.has_value());
  EXPECT_EQ(get->status, 500);
  EXPECT_EQ(Body(*get)["error"]["code"], "internal");
  EXPECT_EQ(get->Header("content-disposition"), "");
}

// Admit without sockets: each refusal is the answer Handle gives to the same request, and
// no sink is opened for it.
TEST_F(StreamingServerTest, AdmitRefusesAsHandleWould) {
  struct Case {
    std::string name;
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers;
    int status;
  };
  std::string bearer = "Bearer " + token_;
  const Case kCases[] = {
      {"no session", "/api/v1/cases/7/uploads", {}, 401},
      {"unknown token", "/api/v1/cases/7/uploads", {{"authorization", "Bearer nonsense"}}, 401},
      {"cookie without CSRF token",
       "/api/v1/cases/7/uploads",
       {{"cookie", base::StrCat(kSessionCookie, "=", token_)}},
       403},
      {"no permission", "/api/v1/admin-uploads", {{"authorization", bearer}}, 403},
      {"hidden case", "/api/v1/cases/hidden/uploads", {{"authorization", bearer}}, 404},
      {"bad query", "/api/v1/cases/7/uploads?fail_after=x", {{"authorization", bearer}}, 400},
  };
  for (const Case& test : kCases) {
    SCOPED_TRACE(test.name);
    Request head;
    head.method = Method::kPost;
    head.target = test.target;
    head.headers = test.headers;
    head.client_address = "127.0.0.1";
    Request again = head;
    Dispatcher::Admission admission = dispatcher_->Admit(head);
    ASSERT_TRUE(admission.refusal.has_value());
    EXPECT_EQ(admission.refusal->status, test.status) << admission.refusal->body;
    EXPECT_EQ(head.body_sink, nullptr);
    EXPECT_EQ(dispatcher_->Handle(again).status, test.status);
  }
  EXPECT_EQ(probe_.sinks_opened, 0);

  Request admitted;
  admitted.method = Method::kPost;
  admitted.target = "/api/v1/cases/7/uploads";
  admitted.headers = {{"authorization", bearer}};
  Dispatcher::Admission admission = dispatcher_->Admit(admitted);
  EXPECT_FALSE(admission.refusal.has_value());
  EXPECT_EQ(admission.body_limit, kUploadLimit);
  ASSERT_NE(admitted.body_sink, nullptr);
  EXPECT_EQ(admitted.path_params["id"], "7");
  ASSERT_TRUE(admitted.principal.has_value());
  EXPECT_EQ(admitted.principal->username, "tester");
}

TEST_F(StreamingServerTest, HandleAloneServesAStreamingRoute) {
  Request request;
  request.method = Method::kPost;
  request.target = "/api/v1/cases/7/uploads";
  request.headers = {{"authorization", "Bearer " + token_}};
  request.body = "abc";
  Response response = dispatcher_->Handle(request);
  ASSERT_EQ(response.status, 201) << response.body;
  EXPECT_EQ(Json::parse(response.body)["sha256"], Sha256Of("abc"));
  EXPECT_EQ(probe_.sinks_opened, 1);
  EXPECT_EQ(probe_.writes, 1);
}

}  // namespace
}  // namespace threathub::http
