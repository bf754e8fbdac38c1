// A request as handlers see it, and the response they return. Free of Asio and Beast, so that
// handlers, the dispatcher and their tests build without the network layer.
//
// Large bodies in both directions go around memory:
//   - Uploads: a route with `open_body_sink` (router.h) receives its body through a BodySink
//     while it arrives, in pieces of up to 256 KiB; `Request::body` then stays empty and the
//     handler finds the sink, fed with the whole body, in `Request::body_sink`.
//   - Downloads: a handler that sets `Response::file_path` has that file sent as the body,
//     read piece by piece while the socket takes it; `Response::body` is then ignored.
//
//   class BlobSink : public BodySink {          // an upload into the evidence store
//    public:
//     explicit BlobSink(std::unique_ptr<vault::BlobWriter> writer) : writer(std::move(writer)) {}
//     absl::Status Write(std::string_view bytes) override { return writer->Write(bytes); }
//     std::unique_ptr<vault::BlobWriter> writer;  // dropped uncommitted: the upload is removed
//   };
//   ... in the handler:
//   BlobSink* upload = BodySinkAs<BlobSink>(request);
//   ASSIGN_OR_RETURN(vault::PutResult put, upload->writer->Commit());
//
//   Response download;                          // a multi-GB file, never read into memory
//   download.content_type = "application/octet-stream";
//   download.file_path = *blob_path;
//   download.headers.emplace_back("Content-Disposition", "attachment; filename=\"image.E01\"");
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "auth/principal.h"

namespace threathub::http {

struct Route;

// Receives a request body piece by piece while it arrives (routes with open_body_sink). Write
// is called on a network thread, one call at a time, in order; an error ends the request with
// that error as the answer (e.g. reason "too_large" -> 413, "disk_full" -> 507) and the rest
// of the body is not read. The sink is destroyed without the handler running when the client
// goes away or the body is refused mid-way, so a sink that holds a temporary resource frees it
// in its destructor.
class BodySink {
 public:
  virtual ~BodySink() = default;
  virtual absl::Status Write(std::string_view bytes) = 0;
};

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };
std::string_view MethodName(Method method);
Method ParseMethod(std::string_view name);
inline bool ChangesState(Method method) {
  return method == Method::kPost || method == Method::kPut || method == Method::kPatch ||
         method == Method::kDelete;
}

struct Request {
  Method method = Method::kGet;
  std::string target;                              // as sent: path and query
  std::string path;                                // percent-decoded path
  std::map<std::string, std::string> query;        // decoded query parameters
  std::map<std::string, std::string> path_params;  // {id} and friends, filled by the router
  std::vector<std::pair<std::string, std::string>> headers;  // names lower case
  std::string body;  // empty when the route streams (body_sink)
  // Set when the route streams its body (Route::open_body_sink): the sink the route opened,
  // which has received the whole body by the time the handler runs. Shared between the
  // server, which feeds it, and the handler, which finishes it.
  std::shared_ptr<BodySink> body_sink;
  std::string client_address;
  std::string request_id;
  bool tls = false;
  // Set by the dispatcher before the handler runs, when the route needs a signed-in user.
  std::optional<auth::Principal> principal;
  // The route Dispatcher::Admit matched, handed over so that Handle does not look it up
  // again; null when not looked up yet (Handle then routes the request itself).
  const Route* route = nullptr;

  // The first header with this (lower-case) name, or "".
  std::string_view Header(std::string_view name) const;
  // The value of one cookie, or "".
  std::string Cookie(std::string_view name) const;
  // The Content-Length header as a number; nullopt when absent or malformed (chunked bodies).
  std::optional<uint64_t> ContentLength() const;
};

// The request's body sink as the type the route opened, or null when it is another type.
template <class Sink>
Sink* BodySinkAs(const Request& request) {
  return dynamic_cast<Sink*>(request.body_sink.get());
}

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the file at this path is sent as the body instead of `body`, streamed from disk
  // (multi-GB downloads); Content-Length is the file's size, HEAD sends the headers only. Set
  // content_type to match. A file that cannot be opened is answered with a 500.
  std::string file_path;
};

// Splits "/a/b?x=1&y=%20" into a decoded path and query. False on malformed percent-encoding.
bool ParseTarget(std::string_view target, std::string& path,
                 std::map<std::string, std::string>& query);
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

}  // namespace threathub::http
