// A small synchronous HTTP/1.1 client over raw POSIX sockets, so tests can send well-formed and
// deliberately malformed requests alike. Every read and write has a deadline.
//
//   HttpConnection connection(port);
//   HttpResponse response = connection.Send({.method = "GET", .target = "/healthz"});
//   EXPECT_EQ(response.status, 200) << response.error;
//
// HTTPS goes through FetchTls (Boost.Beast ssl_stream, no certificate verification).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace threathub::integration {

using Json = nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::chrono::milliseconds kIoTimeout = std::chrono::seconds(15);

struct HttpRequest {
  std::string method = "GET";
  std::string target = "/";
  Headers headers;
  std::string body;
  // Adds "Connection: close"; the default keeps the connection open.
  bool close = false;
};

struct HttpResponse {
  int status = 0;  // 0: no response; `error` says why
  std::string error;
  Headers headers;  // names in lower case, in order
  std::string body;

  // The first value of the header `name` (any case), "" when absent.
  std::string Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
  std::vector<std::string> AllHeaders(std::string_view name) const;
  // The body parsed as JSON; a discarded value when it is not JSON.
  Json JsonBody() const;
  // One line for failure messages: status, error, and the start of the body.
  std::string Describe() const;
};

// The wire form of `request`; Host and Content-Length are added (Content-Length when there is a
// body or the method is POST/PUT/PATCH).
std::string Serialize(const HttpRequest& request);

class HttpConnection {
 public:
  explicit HttpConnection(int port, std::chrono::milliseconds timeout = kIoTimeout);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }

  // Writes all of `bytes`. False on error (e.g. the peer closed); error() says which.
  bool SendRaw(std::string_view bytes);
  // Reads one response. `head` when it answers a HEAD request (no body follows).
  HttpResponse ReadResponse(bool head = false);
  HttpResponse Send(const HttpRequest& request);
  // True when the peer closes the connection (EOF or reset) before the timeout. Bytes that
  // arrive before the close are discarded.
  bool WaitForClose();
  // True when the server has sent something (or closed the connection) within `wait`: e.g. an
  // early answer to a request whose body is still being sent.
  bool WaitReadable(std::chrono::milliseconds wait);

 private:
  // Reads more bytes into buffer_; false on EOF, error or timeout (reason in `why`).
  bool Fill(std::chrono::steady_clock::time_point deadline, std::string& why);

  int fd_ = -1;
  std::chrono::milliseconds timeout_;
  std::string buffer_;
  std::string error_;
};

// One request on a fresh connection.
HttpResponse Fetch(int port, const HttpRequest& request);

// One request over TLS (no certificate verification) on a fresh connection.
HttpResponse FetchTls(int port, const HttpRequest& request);

}  // namespace threathub::integration
