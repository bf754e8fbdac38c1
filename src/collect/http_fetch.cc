// Boost 1.74's Asio uses std::exchange without including <utility> (docs: known pitfalls).
#include <utility>

#include "collect/http_fetch.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>

#include "base/errors.h"
#include "base/status_macros.h"
#include "base/strings.h"

namespace threathub::collect {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Deadline = std::chrono::steady_clock::time_point;

constexpr uint32_t kMaxHeaderBytes = 64 * 1024;

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

absl::Status NetworkError(const HttpUrl& url, std::string_view step,
                          const beast::error_code& error) {
  std::string message = base::StrCat(url.host, ":", url.port, ": ", step, ": ", error.message());
  if (error == beast::error::timeout || error == asio::error::timed_out) {
    return absl::DeadlineExceededError(message);
  }
  return absl::UnavailableError(message);
}

// Runs the I/O context until the operations started on it are done.
void RunAll(asio::io_context& io) {
  io.restart();
  io.run();
}

absl::StatusOr<tcp::resolver::results_type> Resolve(asio::io_context& io, const HttpUrl& url,
                                                    Deadline deadline) {
  tcp::resolver resolver(io);
  std::optional<beast::error_code> done;
  tcp::resolver::results_type endpoints;
  resolver.async_resolve(url.host, url.port,
                         [&](const beast::error_code& error, tcp::resolver::results_type found) {
                           done = error;
                           endpoints = std::move(found);
                         });
  io.restart();
  io.run_until(deadline);
  if (!done) {
    resolver.cancel();
    RunAll(io);
    return absl::DeadlineExceededError(base::StrCat(url.host, ": name resolution timed out"));
  }
  if (*done) return NetworkError(url, "resolve", *done);
  return endpoints;
}

// Sends the GET and reads the answer on a connected (and, for https, handshaken) stream.
// One answer, with the Location header of a redirect.
struct Hop {
  FetchResult result;
  std::string location;
};

template <class Stream>
absl::StatusOr<Hop> Exchange(asio::io_context& io, Stream& stream, const HttpUrl& url,
                             const FetchOptions& options, Deadline deadline) {
  bhttp::request<bhttp::empty_body> request{bhttp::verb::get, url.target, 11};
  request.set(bhttp::field::host, url.HostHeader());
  request.set(bhttp::field::user_agent, options.user_agent);
  request.set(bhttp::field::accept,
              "application/rss+xml, application/atom+xml, application/xml;q=0.9, "
              "text/xml;q=0.9, */*;q=0.5");
  request.set(bhttp::field::connection, "close");
  beast::error_code error;
  beast::get_lowest_layer(stream).expires_at(deadline);
  bhttp::async_write(stream, request,
                     [&](const beast::error_code& result, size_t) { error = result; });
  RunAll(io);
  if (error) return NetworkError(url, "write", error);

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(options.max_body_bytes);
  auto too_large = [&] {
    return base::WithReason(
        absl::ResourceExhaustedError(base::StrCat(url.ToString(), ": the answer is larger than ",
                                                  options.max_body_bytes, " bytes")),
        "too_large");
  };
  // The header first: Boost 1.74's parser loses its body_limit error on a Content-Length over
  // the limit when it parses eagerly (as async_read makes it), so that length is checked here.
  beast::get_lowest_layer(stream).expires_at(deadline);
  bhttp::async_read_header(stream, buffer, parser,
                           [&](const beast::error_code& result, size_t) { error = result; });
  RunAll(io);
  if (error == bhttp::error::body_limit) return too_large();
  if (error) return NetworkError(url, "read", error);
  if (parser.content_length() && *parser.content_length() > options.max_body_bytes) {
    return too_large();
  }
  if (!parser.is_done()) {
    beast::get_lowest_layer(stream).expires_at(deadline);
    bhttp::async_read(stream, buffer, parser,
                      [&](const beast::error_code& result, size_t) { error = result; });
    RunAll(io);
  }
  if (error == bhttp::error::body_limit) return too_large();
  // A TLS server that closes without close_notify ends a body delimited by the connection's
  // end that way; the parser then takes the end of the stream as the end of the body.
  if (error == asio::ssl::error::stream_truncated && parser.is_header_done() && !parser.is_done()) {
    parser.put_eof(error);
  }
  if (error && !(error == asio::ssl::error::stream_truncated && parser.is_done())) {
    return NetworkError(url, "read", error);
  }
  bhttp::response<bhttp::string_body> response = parser.release();
  Hop hop;
  hop.result.status = static_cast<int>(response.result_int());
  hop.result.final_url = url.ToString();
  hop.result.content_type = std::string(response[bhttp::field::content_type]);
  hop.location = std::string(response[bhttp::field::location]);
  hop.result.body = std::move(response.body());
  return hop;
}

absl::StatusOr<Hop> FetchOnce(const HttpUrl& url, const FetchOptions& options) {
  Deadline deadline = std::chrono::steady_clock::now() + options.timeout;
  asio::io_context io;
  ASSIGN_OR_RETURN(tcp::resolver::results_type endpoints, Resolve(io, url, deadline));
  beast::error_code error;
  if (!url.tls) {
    beast::tcp_stream stream(io);
    stream.expires_at(deadline);
    stream.async_connect(
        endpoints, [&](const beast::error_code& result, const tcp::endpoint&) { error = result; });
    RunAll(io);
    if (error) return NetworkError(url, "connect", error);
    return Exchange(io, stream, url, options, deadline);
  }
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1);
  if (options.verify_tls) {
    context.set_default_verify_paths();
    context.set_verify_mode(asio::ssl::verify_peer);
  } else {
    context.set_verify_mode(asio::ssl::verify_none);
  }
  beast::ssl_stream<beast::tcp_stream> stream(io, context);
  // SNI, and the name the certificate must carry.
  if (!SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str())) {
    return absl::InvalidArgumentError(base::StrCat(url.host, ": not usable as a TLS server name"));
  }
  if (options.verify_tls) stream.set_verify_callback(asio::ssl::host_name_verification(url.host));
  beast::get_lowest_layer(stream).expires_at(deadline);
  beast::get_lowest_layer(stream).async_connect(
      endpoints, [&](const beast::error_code& result, const tcp::endpoint&) { error = result; });
  RunAll(io);
  if (error) return NetworkError(url, "connect", error);
  beast::get_lowest_layer(stream).expires_at(deadline);
  stream.async_handshake(asio::ssl::stream_base::client,
                         [&](const beast::error_code& result) { error = result; });
  RunAll(io);
  if (error) return NetworkError(url, "TLS handshake", error);
  return Exchange(io, stream, url, options, deadline);
}

}  // namespace

absl::StatusOr<FetchResult> HttpGet(std::string_view url, const FetchOptions& options) {
  ASSIGN_OR_RETURN(HttpUrl current, ParseHttpUrl(url));
  for (int hop = 0;; ++hop) {
    ASSIGN_OR_RETURN(Hop answer, FetchOnce(current, options));
    if (!IsRedirect(answer.result.status)) return std::move(answer.result);
    if (hop >= options.max_redirects) {
      return absl::UnavailableError(
          base::StrCat(url, ": more than ", options.max_redirects, " redirects"));
    }
    ASSIGN_OR_RETURN(current, ResolveLocation(current, answer.location));
  }
}

}  // namespace threathub::collect
