#include "http/server.h"
#include "base/strings.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <thread>
#include <vector>

#include "base/errors.h"
#include "http/internal_asio.h"
#include "http/json.h"

#include <spdlog/spdlog.h>

namespace threathub::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr size_t kFirstReadBytes = 8192;

std::string_view View(boost::beast::string_view text) { return {text.data(), text.size()}; }

absl::Status TooLarge(int64_t limit) {
  return base::WithReason(
      absl::ResourceExhaustedError(base::StrCat("the body is larger than ", limit, " bytes")),
      "payload_too_large");
}

// One connection. `Stream` is beast::tcp_stream or beast::ssl_stream<beast::tcp_stream>.
template <class Stream>
class Connection : public std::enable_shared_from_this<Connection<Stream>> {
 public:
  Connection(Stream stream, Dispatcher& dispatcher, const ServerOptions& options, bool tls)
      : stream_(std::move(stream)), dispatcher_(dispatcher), options_(options), tls_(tls) {}

  void Start() {
    beast::error_code error;
    auto endpoint = beast::get_lowest_layer(stream_).socket().remote_endpoint(error);
    if (!error) client_address_ = endpoint.address().to_string();
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      WaitForRequest();
    } else {
      beast::get_lowest_layer(stream_).expires_after(
          std::chrono::seconds(options_.request_timeout_seconds));
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code error) {
                                if (!error) self->WaitForRequest();
                              });
    }
  }

 private:
  // Idle keep-alive connections wait here with the long idle timeout; once bytes arrive, the
  // shorter request timeout covers reading the whole request.
  void WaitForRequest() {
    if (buffer_.size() > 0) return ReadHeader();
    beast::get_lowest_layer(stream_).expires_after(
        std::chrono::seconds(options_.idle_timeout_seconds));
    stream_.async_read_some(
        buffer_.prepare(kFirstReadBytes),
        [self = this->shared_from_this()](beast::error_code error, size_t bytes) {
          if (error) return self->Close();
          self->buffer_.commit(bytes);
          self->ReadHeader();
        });
  }

  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(options_.max_header_bytes));
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());  // the route sets it next
    beast::get_lowest_layer(stream_).expires_after(
        std::chrono::seconds(options_.request_timeout_seconds));
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](beast::error_code error, size_t) {
                               self->OnHeader(error);
                             });
  }

  void OnHeader(beast::error_code error) {
    if (error == bhttp::error::header_limit) {
      return SendAndClose(dispatcher_.Refuse(base::WithReason(
          absl::InvalidArgumentError("the request headers are too large"), "header_too_large")));
    }
    if (error == bhttp::error::end_of_stream || error == beast::error::timeout ||
        error == asio::error::eof || error == asio::error::connection_reset) {
      return Close();
    }
    if (error) {
      return SendAndClose(dispatcher_.Refuse(absl::InvalidArgumentError("malformed HTTP request")));
    }
    const auto& header = parser_->get();
    Method method = ParseMethod(View(header.method_string()));
    int64_t limit = dispatcher_.BodyLimitFor(method, View(header.target()));
    if (limit == 0) limit = dispatcher_.options().max_json_body_bytes;  // 404s still read bodies
    if (parser_->content_length() && *parser_->content_length() > static_cast<uint64_t>(limit)) {
      return SendAndClose(dispatcher_.Refuse(TooLarge(limit)));
    }
    parser_->body_limit(static_cast<uint64_t>(limit));
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this(), limit](beast::error_code error, size_t) {
                        if (error == bhttp::error::body_limit) {
                          return self->SendAndClose(self->dispatcher_.Refuse(TooLarge(limit)));
                        }
                        if (error) return self->Close();
                        self->OnRequest();
                      });
  }

  void OnRequest() {
    auto message = parser_->release();
    Request request;
    request.method = ParseMethod(View(message.method_string()));
    request.target = std::string(message.target());
    request.client_address = client_address_;
    request.tls = tls_;
    for (const auto& field : message) {
      request.headers.emplace_back(base::AsciiStrToLower(View(field.name_string())),
                                   std::string(field.value()));
    }
    request.body = std::move(message.body());
    bool keep_alive = message.keep_alive();
    Response response = dispatcher_.Handle(request);
    Send(std::move(response), keep_alive, request.method == Method::kHead);
  }

  void Send(Response response, bool keep_alive, bool head_only = false) {
    auto message = std::make_shared<bhttp::response<bhttp::string_body>>();
    message->version(11);
    message->result(static_cast<unsigned>(response.status));
    message->set(bhttp::field::server, "threathub");
    if (!response.content_type.empty()) {
      message->set(bhttp::field::content_type, response.content_type);
    }
    for (const auto& [name, value] : response.headers) message->insert(name, value);
    size_t body_size = response.body.size();
    if (!head_only) message->body() = std::move(response.body);
    message->keep_alive(keep_alive);
    message->content_length(body_size);
    if (head_only) message->body().clear();
    beast::get_lowest_layer(stream_).expires_after(
        std::chrono::seconds(options_.request_timeout_seconds));
    auto self = this->shared_from_this();
    if (head_only) {
      auto serializer = std::make_shared<bhttp::response_serializer<bhttp::string_body>>(*message);
      bhttp::async_write_header(
          stream_, *serializer,
          [self, message, serializer, keep_alive](beast::error_code error, size_t) {
            self->AfterWrite(error, keep_alive);
          });
      return;
    }
    bhttp::async_write(stream_, *message,
                       [self, message, keep_alive](beast::error_code error, size_t) {
                         self->AfterWrite(error, keep_alive);
                       });
  }

  void AfterWrite(beast::error_code error, bool keep_alive) {
    if (error || !keep_alive) return Close();
    WaitForRequest();
  }

  void SendAndClose(Response response) { Send(std::move(response), /*keep_alive=*/false); }

  void Close() {
    beast::error_code ignored;
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    } else {
      // A TLS close_notify would need another round trip; the TCP close is enough here.
      beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  Stream stream_;
  Dispatcher& dispatcher_;
  const ServerOptions& options_;
  bool tls_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string client_address_;
};

}  // namespace

class Server::Impl {
 public:
  Impl(Dispatcher& dispatcher, ServerOptions options)
      : dispatcher_(dispatcher),
        options_(std::move(options)),
        acceptor_(io_),
        signals_(io_, SIGINT, SIGTERM),
        tls_context_(asio::ssl::context::tls_server) {}

  absl::Status Start() {
    std::string host = options_.listen;
    int port = 0;
    size_t colon = host.rfind(':');
    if (colon == std::string::npos || !base::SimpleAtoi(host.substr(colon + 1), &port) ||
        port < 0 || port > 65535) {
      return absl::InvalidArgumentError(
          base::StrCat("--listen: expected HOST:PORT, got \"", options_.listen, "\""));
    }
    host = host.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    beast::error_code error;
    asio::ip::address address = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, error);
    if (error)
      return absl::InvalidArgumentError(base::StrCat("--listen: bad address \"", host, "\""));
    if (!options_.tls_cert.empty()) {
      tls_ = true;
      tls_context_.set_options(asio::ssl::context::default_workarounds |
                               asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                               asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
      tls_context_.use_certificate_chain_file(options_.tls_cert, error);
      if (error) {
        return absl::InvalidArgumentError(
            base::StrCat("--tls-cert ", options_.tls_cert, ": ", error.message()));
      }
      tls_context_.use_private_key_file(options_.tls_key, asio::ssl::context::pem, error);
      if (error) {
        return absl::InvalidArgumentError(
            base::StrCat("--tls-key ", options_.tls_key, ": ", error.message()));
      }
    }
    tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
    acceptor_.open(endpoint.protocol(), error);
    if (!error) acceptor_.set_option(asio::socket_base::reuse_address(true), error);
    if (!error) acceptor_.bind(endpoint, error);
    if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
    if (error) {
      return absl::UnavailableError(
          base::StrCat("cannot listen on ", options_.listen, ": ", error.message()));
    }
    signals_.async_wait([this](beast::error_code, int) { Stop(); });
    Accept();
    return absl::OkStatus();
  }

  int port() const { return acceptor_.local_endpoint().port(); }

  void Run() {
    int threads = options_.threads > 0
                      ? options_.threads
                      : std::max(4, 2 * static_cast<int>(std::thread::hardware_concurrency()));
    std::vector<std::thread> workers;
    for (int thread_idx = 1; thread_idx < threads; ++thread_idx) {
      workers.emplace_back([this] { io_.run(); });
    }
    io_.run();
    for (std::thread& worker : workers) worker.join();
  }

  void Stop() {
    asio::post(io_, [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
      signals_.cancel(ignored);
      io_.stop();
    });
  }

 private:
  void Accept() {
    acceptor_.async_accept(
        asio::make_strand(io_), [this](beast::error_code error, tcp::socket socket) {
          if (error == asio::error::operation_aborted) return;
          if (!error) {
            socket.set_option(tcp::no_delay(true), error);
            if (tls_) {
              std::make_shared<Connection<beast::ssl_stream<beast::tcp_stream>>>(
                  beast::ssl_stream<beast::tcp_stream>(std::move(socket), tls_context_),
                  dispatcher_, options_, true)
                  ->Start();
            } else {
              std::make_shared<Connection<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)),
                                                              dispatcher_, options_, false)
                  ->Start();
            }
          }
          if (!error) return Accept();
          // Out of file descriptors and similar: wait a moment rather than spin, then go on.
          spdlog::warn("accept failed: {}", error.message());
          retry_timer_.expires_after(std::chrono::milliseconds(100));
          retry_timer_.async_wait([this](beast::error_code wait_error) {
            if (!wait_error) Accept();
          });
        });
  }

  Dispatcher& dispatcher_;
  ServerOptions options_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  asio::signal_set signals_;
  asio::ssl::context tls_context_;
  asio::steady_timer retry_timer_{io_};
  bool tls_ = false;
};

Server::Server(Dispatcher& dispatcher, ServerOptions options)
    : impl_(std::make_unique<Impl>(dispatcher, std::move(options))) {}
Server::~Server() = default;
absl::Status Server::Start() { return impl_->Start(); }
int Server::port() const { return impl_->port(); }
void Server::Run() { impl_->Run(); }
void Server::Stop() { impl_->Stop(); }

}  // namespace threathub::http
