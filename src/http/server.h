// The network side: Boost.Beast over Asio, asynchronous, HTTP/1.1 keep-alive, a pool of worker
// threads running one io_context, optional TLS (OpenSSL). Each request is read in steps: the
// header (size-limited); Dispatcher::Admit, which decides the body limit and, for a route that
// streams its body, checks the caller and opens the route's BodySink or refuses at once (the
// body is then never read); "100 Continue" if the client waits for it; the body (Content-Length
// or chunked), into Request::body or, piece by piece (256 KiB), into the sink; then
// Dispatcher::Handle on the same thread.
//
// Timeouts: reading a request header and an in-memory body has `request_timeout_seconds` in
// all; a streamed body has it per read, so that a multi-GB upload over a slow link goes on while
// a client that stops sending is cut off. Writing a Response::file_path body has it per piece
// for the same reason. A client that goes away mid-body gets no answer; its sink is destroyed
// without the handler running. After refusing a request whose body it has not read, the server
// reads and drops input for up to 2 s before it closes, so that the refusal is not lost to a
// TCP reset.
//
//   Server server(dispatcher, options);
//   RETURN_IF_ERROR(server.Start());   // bound and listening; server.port() is known
//   server.Run();                      // until Stop() or SIGINT/SIGTERM
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "http/dispatcher.h"

namespace threathub::http {

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";
  int threads = 0;  // 0: twice the number of cores, at least 4
  int64_t max_header_bytes = 16 << 10;
  int64_t request_timeout_seconds = 30;
  int64_t idle_timeout_seconds = 120;  // keep-alive connections with nothing to say
  std::string tls_cert;
  std::string tls_key;
};

class Server {
 public:
  Server(Dispatcher& dispatcher, ServerOptions options);
  ~Server();

  absl::Status Start();
  int port() const;
  // Blocks until Stop() is called or the process gets SIGINT or SIGTERM.
  void Run();
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace threathub::http
