// The network side: Boost.Beast over Asio, asynchronous, HTTP/1.1 keep-alive, a pool of worker
// threads running one io_context, optional TLS (OpenSSL). Each request is read in two steps:
// the header (size-limited), then the body with the limit of the route it is for.
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
