// Boost 1.74's asio needs <utility> before it with g++ 12.
#include <utility>

#include "http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace threathub::integration {
namespace {

using Clock = std::chrono::steady_clock;

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char symbol) { return static_cast<char>(std::tolower(symbol)); });
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

int RemainingMillis(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

}  // namespace

std::string HttpResponse::Header(std::string_view name) const {
  std::string wanted = Lower(name);
  for (const auto& [key, value] : headers) {
    if (key == wanted) return value;
  }
  return "";
}

bool HttpResponse::HasHeader(std::string_view name) const {
  std::string wanted = Lower(name);
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& header) { return header.first == wanted; });
}

std::vector<std::string> HttpResponse::AllHeaders(std::string_view name) const {
  std::string wanted = Lower(name);
  std::vector<std::string> values;
  for (const auto& [key, value] : headers) {
    if (key == wanted) values.push_back(value);
  }
  return values;
}

Json HttpResponse::JsonBody() const {
  return Json::parse(body, nullptr, /*allow_exceptions=*/false);
}

std::string HttpResponse::Describe() const {
  std::string text = "HTTP " + std::to_string(status);
  if (!error.empty()) text += " (transport error: " + error + ")";
  text += " body: " + body.substr(0, 600);
  return text;
}

std::string Serialize(const HttpRequest& request) {
  std::string wire = request.method + " " + request.target + " HTTP/1.1\r\n";
  bool has_host = false;
  for (const auto& [name, value] : request.headers) has_host |= Lower(name) == "host";
  if (!has_host) wire += "Host: 127.0.0.1\r\n";
  for (const auto& [name, value] : request.headers) wire += name + ": " + value + "\r\n";
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
      request.method == "PATCH") {
    wire += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  }
  if (request.close) wire += "Connection: close\r\n";
  wire += "\r\n";
  wire += request.body;
  return wire;
}

HttpConnection::HttpConnection(int port, std::chrono::milliseconds timeout) : timeout_(timeout) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    error_ = std::string("socket: ") + std::strerror(errno);
    return;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int result = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  if (result != 0 && errno == EINPROGRESS) {
    pollfd waiting{fd, POLLOUT, 0};
    result = poll(&waiting, 1, static_cast<int>(timeout_.count()));
    int socket_error = 0;
    socklen_t length = sizeof socket_error;
    if (result == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &socket_error, &length) == 0 &&
        socket_error == 0) {
      result = 0;
    } else {
      errno = result == 0 ? ETIMEDOUT : (socket_error != 0 ? socket_error : errno);
      result = -1;
    }
  }
  if (result != 0) {
    error_ = std::string("connect: ") + std::strerror(errno);
    close(fd);
    return;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fd_ = fd;
}

HttpConnection::~HttpConnection() {
  if (fd_ >= 0) close(fd_);
}

bool HttpConnection::SendRaw(std::string_view bytes) {
  if (fd_ < 0) return false;
  auto deadline = Clock::now() + timeout_;
  while (!bytes.empty()) {
    ssize_t sent = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      bytes.remove_prefix(static_cast<size_t>(sent));
      continue;
    }
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      pollfd waiting{fd_, POLLOUT, 0};
      if (poll(&waiting, 1, RemainingMillis(deadline)) <= 0) {
        error_ = "send: timed out";
        return false;
      }
      continue;
    }
    error_ = std::string("send: ") + std::strerror(errno);
    return false;
  }
  return true;
}

bool HttpConnection::Fill(Clock::time_point deadline, std::string& why) {
  char chunk[16384];
  while (true) {
    ssize_t received = recv(fd_, chunk, sizeof chunk, 0);
    if (received > 0) {
      buffer_.append(chunk, static_cast<size_t>(received));
      return true;
    }
    if (received == 0) {
      why = "connection closed by the server";
      return false;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      pollfd waiting{fd_, POLLIN, 0};
      int ready = poll(&waiting, 1, RemainingMillis(deadline));
      if (ready <= 0) {
        why = "timed out waiting for the server";
        return false;
      }
      continue;
    }
    why = std::string("recv: ") + std::strerror(errno);
    return false;
  }
}

HttpResponse HttpConnection::ReadResponse(bool head) {
  HttpResponse response;
  if (fd_ < 0) {
    response.error = error_.empty() ? "not connected" : error_;
    return response;
  }
  auto deadline = Clock::now() + timeout_;
  size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!Fill(deadline, response.error)) return response;
  }
  std::string head_text = buffer_.substr(0, header_end);
  buffer_.erase(0, header_end + 4);

  size_t line_end = head_text.find("\r\n");
  std::string status_line = head_text.substr(0, line_end);
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) {
    response.error = "bad status line: " + status_line;
    return response;
  }
  response.status = std::atoi(status_line.c_str() + 9);
  size_t position = line_end == std::string::npos ? head_text.size() : line_end + 2;
  while (position < head_text.size()) {
    size_t next = head_text.find("\r\n", position);
    if (next == std::string::npos) next = head_text.size();
    std::string_view line(head_text.data() + position, next - position);
    size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      response.headers.emplace_back(Lower(line.substr(0, colon)),
                                    std::string(Trim(line.substr(colon + 1))));
    }
    position = next + 2;
  }

  auto need = [&](size_t bytes) {
    while (buffer_.size() < bytes) {
      if (!Fill(deadline, response.error)) return false;
    }
    return true;
  };
  if (head || response.status == 204 || response.status == 304 || response.status < 200) {
    return response;
  }
  if (Lower(response.Header("transfer-encoding")).find("chunked") != std::string::npos) {
    while (true) {
      size_t crlf;
      while ((crlf = buffer_.find("\r\n")) == std::string::npos) {
        if (!Fill(deadline, response.error)) return response;
      }
      size_t size = std::strtoul(buffer_.substr(0, crlf).c_str(), nullptr, 16);
      buffer_.erase(0, crlf + 2);
      if (size == 0) {
        while ((crlf = buffer_.find("\r\n")) != 0) {  // trailers end with an empty line
          if (crlf == std::string::npos) {
            if (!Fill(deadline, response.error)) return response;
          } else {
            buffer_.erase(0, crlf + 2);
          }
        }
        buffer_.erase(0, 2);
        return response;
      }
      if (!need(size + 2)) return response;
      response.body += buffer_.substr(0, size);
      buffer_.erase(0, size + 2);
    }
  }
  if (response.HasHeader("content-length")) {
    size_t length = std::strtoul(response.Header("content-length").c_str(), nullptr, 10);
    if (!need(length)) return response;
    response.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return response;
  }
  // Delimited by the close of the connection.
  std::string why;
  while (Fill(deadline, why)) {
  }
  response.body = std::move(buffer_);
  buffer_.clear();
  return response;
}

HttpResponse HttpConnection::Send(const HttpRequest& request) {
  if (!SendRaw(Serialize(request))) {
    // The server may have answered (e.g. 413) and closed before reading everything we sent.
    std::string send_error = error_;
    HttpResponse response = ReadResponse(request.method == "HEAD");
    if (response.status == 0) response.error = send_error + "; then " + response.error;
    return response;
  }
  return ReadResponse(request.method == "HEAD");
}

bool HttpConnection::WaitForClose() {
  if (fd_ < 0) return true;
  auto deadline = Clock::now() + timeout_;
  std::string why;
  while (Fill(deadline, why)) buffer_.clear();
  return why.find("timed out") == std::string::npos;
}

bool HttpConnection::WaitReadable(std::chrono::milliseconds wait) {
  if (fd_ < 0 || !buffer_.empty()) return true;
  pollfd waiting{fd_, POLLIN, 0};
  return poll(&waiting, 1, static_cast<int>(wait.count())) > 0;
}

HttpResponse Fetch(int port, const HttpRequest& request) {
  HttpConnection connection(port);
  return connection.Send(request);
}

HttpResponse FetchTls(int port, const HttpRequest& request) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  namespace bhttp = beast::http;
  using tcp = asio::ip::tcp;

  HttpResponse response;
  asio::io_context io;
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.set_verify_mode(asio::ssl::verify_none);
  beast::ssl_stream<beast::tcp_stream> stream(io, context);
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));

  auto beast_request = std::make_shared<bhttp::request<bhttp::string_body>>();
  beast_request->method_string(request.method);
  beast_request->target(request.target);
  beast_request->version(11);
  beast_request->set(bhttp::field::host, "127.0.0.1");
  for (const auto& [name, value] : request.headers) beast_request->set(name, value);
  beast_request->body() = request.body;
  if (!request.body.empty()) beast_request->prepare_payload();
  beast_request->keep_alive(!request.close);

  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> beast_response;
  beast::error_code failure;
  std::string stage = "connect";
  beast::get_lowest_layer(stream).expires_after(kIoTimeout);
  beast::get_lowest_layer(stream).async_connect(endpoint, [&](beast::error_code error) {
    if (error) {
      failure = error;
      return;
    }
    stage = "handshake";
    stream.async_handshake(asio::ssl::stream_base::client, [&](beast::error_code error) {
      if (error) {
        failure = error;
        return;
      }
      stage = "write";
      bhttp::async_write(stream, *beast_request, [&](beast::error_code error, size_t) {
        if (error) {
          failure = error;
          return;
        }
        stage = "read";
        bhttp::async_read(stream, buffer, beast_response, [&](beast::error_code error, size_t) {
          if (error) failure = error;
          stage = error ? "read" : "done";
        });
      });
    });
  });
  io.run_for(kIoTimeout + std::chrono::seconds(1));
  if (stage != "done") {
    response.error = stage + ": " + (failure ? failure.message() : std::string("timed out"));
    return response;
  }
  response.status = static_cast<int>(beast_response.result_int());
  for (const auto& field : beast_response) {
    response.headers.emplace_back(Lower(std::string(field.name_string())),
                                  std::string(field.value()));
  }
  response.body = beast_response.body();
  return response;
}

}  // namespace threathub::integration
