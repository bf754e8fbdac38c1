#include "http/server.h"
#include "base/strings.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>
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
// A streamed body reaches its sink in pieces of this size (the last one smaller): large enough
// for cheap disk writes, small enough that an upload costs a bounded amount of memory.
constexpr size_t kStreamPieceBytes = 256 << 10;
// A body held in memory grows by this much per read when its size is not announced.
constexpr size_t kMemoryBodyStepBytes = 64 << 10;
// A file response is read from disk in pieces of this size.
constexpr size_t kFilePieceBytes = 256 << 10;
// After refusing a request whose body was not read, what the client still sends is swallowed
// for this long before the connection closes: closing with unread bytes makes the kernel send
// a reset, and a reset can destroy the refusal before the client has read it.
constexpr std::chrono::seconds kLingerTime{2};
constexpr size_t kLingerBufferBytes = 16 << 10;
// RFC 9110 section 15.2.1.
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::string_view View(boost::beast::string_view text) { return {text.data(), text.size()}; }

// A response body read from an open file in large pieces while the socket takes them. (Beast's
// file_body reads 4 KiB at a time in Boost 1.74: one system call per 4 KiB of a multi-GB file.)
struct FileBody {
  struct value_type {
    beast::file file;
    uint64_t size = 0;
  };

  static uint64_t size(const value_type& body) { return body.size; }

  class writer {
   public:
    using const_buffers_type = asio::const_buffer;

    template <bool isRequest, class Fields>
    writer(bhttp::header<isRequest, Fields>&, value_type& body) : body_(body) {}

    void init(beast::error_code& error) {
      error = {};
      remaining_ = body_.size;
      if (remaining_ > 0) {
        buffer_ = std::make_unique<char[]>(std::min<uint64_t>(remaining_, kFilePieceBytes));
      }
    }

    boost::optional<std::pair<const_buffers_type, bool>> get(beast::error_code& error) {
      error = {};
      if (remaining_ == 0) return boost::none;
      size_t amount = static_cast<size_t>(std::min<uint64_t>(remaining_, kFilePieceBytes));
      size_t got = body_.file.read(buffer_.get(), amount, error);
      if (error) return boost::none;
      if (got == 0) {  // the file shrank under us: the promised Content-Length cannot be kept
        error = bhttp::error::short_read;
        return boost::none;
      }
      remaining_ -= got;
      return std::make_pair(const_buffers_type(buffer_.get(), got), remaining_ > 0);
    }

   private:
    value_type& body_;
    uint64_t remaining_ = 0;
    std::unique_ptr<char[]> buffer_;
  };
};

bool ExpectsContinue(const bhttp::request_header<>& header) {
  // An HTTP/1.0 client never expects it (RFC 9110 section 10.1.1).
  return header.version() >= 11 &&
         base::AsciiStrToLower(View(header[bhttp::field::expect])) == "100-continue";
}

// One connection. `Stream` is beast::tcp_stream or beast::ssl_stream<beast::tcp_stream>.
//
// A request is read in steps, each an asynchronous operation on the connection's strand:
// the header (size-limited, under the request timeout); Dispatcher::Admit, which picks the body
// limit and, for a streaming route, checks the caller and opens the route's sink or refuses;
// "100 Continue" when the client waits for it; the body, in pieces through a buffer_body
// parser, either into Request::body (the request timeout covers the whole request) or into the
// sink (the timeout covers each read, so a slow multi-GB upload goes on while a stalled one
// is cut off); then Dispatcher::Handle and the answer.
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
      beast::get_lowest_layer(stream_).expires_after(RequestTimeout());
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code error) {
                                if (!error) self->WaitForRequest();
                              });
    }
  }

 private:
  std::chrono::seconds RequestTimeout() const {
    return std::chrono::seconds(options_.request_timeout_seconds);
  }

  // Idle keep-alive connections wait here with the long idle timeout; once bytes arrive, the
  // shorter request timeout covers reading the request.
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
    beast::get_lowest_layer(stream_).expires_after(RequestTimeout());
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](beast::error_code error, size_t) {
                               self->OnHeader(error);
                             });
  }

  void OnHeader(beast::error_code error) {
    if (error == bhttp::error::header_limit) {
      return RefuseAndClose(dispatcher_.Refuse(base::WithReason(
          absl::InvalidArgumentError("the request headers are too large"), "header_too_large")));
    }
    if (error == bhttp::error::end_of_stream || error == beast::error::timeout ||
        error == asio::error::eof || error == asio::error::connection_reset) {
      return Close();
    }
    if (error) {
      return RefuseAndClose(
          dispatcher_.Refuse(absl::InvalidArgumentError("malformed HTTP request")));
    }
    const auto& header = parser_->get();
    request_ = Request{};
    request_.method = ParseMethod(View(header.method_string()));
    request_.target = std::string(header.target());
    request_.client_address = client_address_;
    request_.tls = tls_;
    for (const auto& field : header) {
      request_.headers.emplace_back(base::AsciiStrToLower(View(field.name_string())),
                                    std::string(field.value()));
    }
    keep_alive_ = header.keep_alive();

    Dispatcher::Admission admission = dispatcher_.Admit(request_);
    if (admission.refusal) return RefuseAndClose(std::move(*admission.refusal));
    body_limit_ = admission.body_limit;
    parser_->body_limit(static_cast<uint64_t>(body_limit_));
    if (parser_->is_done()) return OnRequest();  // no body
    // Only when the client has not started sending the body anyway.
    if (ExpectsContinue(header) && buffer_.size() == 0) return SendContinue();
    ReadBody();
  }

  void SendContinue() {
    beast::get_lowest_layer(stream_).expires_after(RequestTimeout());
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = this->shared_from_this()](beast::error_code error, size_t) {
                        if (error) return self->Abandon();
                        self->ReadBody();
                      });
  }

  // Reads the next piece of the body: into the sink's piece buffer when the route streams,
  // otherwise onto the end of request_.body.
  void ReadBody() {
    auto& body = parser_->get().body();
    if (request_.body_sink != nullptr) {
      if (piece_ == nullptr) piece_ = std::make_unique<char[]>(kStreamPieceBytes);
      body.data = piece_.get() + piece_filled_;
      body.size = kStreamPieceBytes - piece_filled_;
      // Per read: a stalled client is cut off after one request timeout without progress, a
      // slow one is not, however long its upload takes.
      beast::get_lowest_layer(stream_).expires_after(RequestTimeout());
    } else {
      // The announced length at once (at most the limit: Admit checked it), else by steps.
      size_t old_size = request_.body.size();
      size_t step = kMemoryBodyStepBytes;
      if (boost::optional<uint64_t> remaining = parser_->content_length_remaining()) {
        step = static_cast<size_t>(*remaining);
      }
      request_.body.resize(old_size + step);
      body.data = request_.body.data() + old_size;
      body.size = step;
    }
    bhttp::async_read_some(stream_, buffer_, *parser_,
                           [self = this->shared_from_this()](beast::error_code error, size_t) {
                             self->OnBodyRead(error);
                           });
  }

  void OnBodyRead(beast::error_code error) {
    // The parser advances body.data past what it stored.
    char* end = static_cast<char*>(parser_->get().body().data);
    if (request_.body_sink != nullptr) {
      piece_filled_ = static_cast<size_t>(end - piece_.get());
    } else {
      request_.body.resize(static_cast<size_t>(end - request_.body.data()));
    }
    if (error == bhttp::error::need_buffer) error = {};  // the piece is full
    if (error == bhttp::error::body_limit) {
      return RefuseAndClose(dispatcher_.Refuse(TooLargeBody(body_limit_), request_));
    }
    if (error) return Abandon();  // the client went away or garbled the chunked encoding
    bool done = parser_->is_done();
    if (request_.body_sink != nullptr &&
        (piece_filled_ == kStreamPieceBytes || (done && piece_filled_ > 0))) {
      absl::Status written = dispatcher_.WriteBody(request_, {piece_.get(), piece_filled_});
      piece_filled_ = 0;
      if (!written.ok()) return RefuseAndClose(dispatcher_.Refuse(written, request_));
    }
    if (done) return OnRequest();
    ReadBody();
  }

  void OnRequest() {
    Request request = std::move(request_);
    request_ = Request{};
    piece_.reset();
    Response response = dispatcher_.Handle(request);
    Send(std::move(response), keep_alive_, request.method == Method::kHead);
    // `request` and with it the body sink go here, whatever the handler did with them.
  }

  void Send(Response response, bool keep_alive, bool head_only = false) {
    if (!response.file_path.empty()) return SendFile(std::move(response), keep_alive, head_only);
    auto message = std::make_shared<bhttp::response<bhttp::string_body>>();
    SetHeader(*message, response, keep_alive);
    size_t body_size = response.body.size();
    if (!head_only) message->body() = std::move(response.body);
    message->content_length(body_size);
    beast::get_lowest_layer(stream_).expires_after(RequestTimeout());
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

  template <class Body>
  void SetHeader(bhttp::response<Body>& message, const Response& response, bool keep_alive) {
    message.version(11);
    message.result(static_cast<unsigned>(response.status));
    message.set(bhttp::field::server, "threathub");
    if (!response.content_type.empty()) {
      message.set(bhttp::field::content_type, response.content_type);
    }
    for (const auto& [name, value] : response.headers) message.insert(name, value);
    message.keep_alive(keep_alive);
  }

  // The file at response.file_path as the body, read while the socket takes it.
  void SendFile(Response response, bool keep_alive, bool head_only) {
    auto message = std::make_shared<bhttp::response<FileBody>>();
    FileBody::value_type& body = message->body();
    beast::error_code error;
    body.file.open(response.file_path.c_str(), beast::file_mode::scan, error);
    struct stat info;
    if (!error && ::fstat(body.file.native_handle(), &info) != 0) {
      error = beast::error_code(errno, beast::system_category());
    }
    if (!error && !S_ISREG(info.st_mode)) error = asio::error::operation_not_supported;
    if (error) {
      spdlog::error("cannot send {}: {}", response.file_path, error.message());
      Response failure = dispatcher_.Refuse(
          absl::InternalError("the file of this answer cannot be read; the server log says why"));
      return Send(std::move(failure), keep_alive, head_only);
    }
    body.size = static_cast<uint64_t>(info.st_size);
    SetHeader(*message, response, keep_alive);
    message->content_length(body.size);
    auto serializer = std::make_shared<bhttp::response_serializer<FileBody>>(*message);
    beast::get_lowest_layer(stream_).expires_after(RequestTimeout());
    if (head_only) {
      bhttp::async_write_header(
          stream_, *serializer,
          [self = this->shared_from_this(), message, serializer, keep_alive](
              beast::error_code error, size_t) { self->AfterWrite(error, keep_alive); });
      return;
    }
    WriteFilePiece(message, serializer, keep_alive);
  }

  // One piece at a time, each under the request timeout: a download of many GB to a slow
  // client goes on while a client that stops reading is cut off.
  void WriteFilePiece(std::shared_ptr<bhttp::response<FileBody>> message,
                      std::shared_ptr<bhttp::response_serializer<FileBody>> serializer,
                      bool keep_alive) {
    beast::get_lowest_layer(stream_).expires_after(RequestTimeout());
    bhttp::async_write_some(stream_, *serializer,
                            [self = this->shared_from_this(), message, serializer, keep_alive](
                                beast::error_code error, size_t) {
                              if (error) {
                                spdlog::warn("sending {} bytes of a file ended early: {}",
                                             message->body().size, error.message());
                                return self->AfterWrite(error, keep_alive);
                              }
                              if (serializer->is_done()) return self->AfterWrite(error, keep_alive);
                              self->WriteFilePiece(message, serializer, keep_alive);
                            });
  }

  void AfterWrite(beast::error_code error, bool keep_alive) {
    if (error || !keep_alive) return Close();
    WaitForRequest();
  }

  // Answers and closes. When the body was not read (or not all of it), the request and its
  // sink are dropped first and the connection lingers (kLingerTime) so that the client reads
  // the answer.
  void RefuseAndClose(Response response) {
    linger_ = parser_.has_value() && !parser_->is_done();
    request_ = Request{};
    piece_.reset();
    Send(std::move(response), /*keep_alive=*/false);
  }

  // The client is gone (or broke the protocol) part-way: no answer; the sink goes unused.
  void Abandon() {
    request_ = Request{};
    piece_.reset();
    Close();
  }

  void Close() {
    beast::error_code ignored;
    // A TLS close_notify would need another round trip; the TCP close is enough here.
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (linger_) {
      linger_ = false;
      drain_ = std::make_unique<char[]>(kLingerBufferBytes);
      beast::get_lowest_layer(stream_).expires_after(kLingerTime);  // in all, not per read
      Drain();
    }
  }

  // Reads and drops raw bytes until the client closes, or kLingerTime has passed.
  void Drain() {
    beast::get_lowest_layer(stream_).async_read_some(
        asio::buffer(drain_.get(), kLingerBufferBytes),
        [self = this->shared_from_this()](beast::error_code error, size_t) {
          if (!error) self->Drain();
        });
  }

  Stream stream_;
  Dispatcher& dispatcher_;
  const ServerOptions& options_;
  bool tls_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::buffer_body>> parser_;
  std::string client_address_;
  // The request being read; its body_sink is set when the route streams.
  Request request_;
  bool keep_alive_ = false;
  int64_t body_limit_ = 0;
  // A streamed body collects here until a piece is full; allocated for streaming requests only.
  std::unique_ptr<char[]> piece_;
  size_t piece_filled_ = 0;
  bool linger_ = false;
  std::unique_ptr<char[]> drain_;
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
