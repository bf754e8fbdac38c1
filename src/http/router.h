// The route table. Every route declares the permission it needs (deny by default: a route
// without one cannot be added), its body limit, and, for reads of protected data, the audit
// action the dispatcher records when the call succeeds.
//
// A route that takes large uploads streams its body instead of receiving it as a string: it
// sets `open_body_sink`, which runs once the request's header has arrived and has passed every
// check the handler would get (route, session, TOTP stage, permission, CSRF), before any byte
// of the body is read. It may refuse the request from what it sees (path parameters, query,
// Content-Length, the principal); the client then gets that error and the body is never read.
// Otherwise the server feeds the body to the returned sink, then calls the handler with
// `request.body_sink` set. `max_body_bytes` is then the limit of the streamed body.
//
//   router.Add({
//       .method = Method::kPost,
//       .pattern = "/api/v1/cases/{id}/evidence",
//       .permission = auth::Permission::kCasesRead,  // and need-to-know below
//       .handler = FinishUpload,                      // commits the BlobWriter
//       .max_body_bytes = int64_t{1} << 40,           // 1 TiB
//       .open_body_sink = [&](Request& head) -> absl::StatusOr<std::shared_ptr<BodySink>> {
//         // head.principal is set (unless the route is kPublic); head.body is still empty.
//         RETURN_IF_ERROR(cases.CheckAccess(*head.principal, head.path_params["id"]));
//         uint64_t expected = head.ContentLength().value_or(0);  // 0: chunked
//         ASSIGN_OR_RETURN(std::unique_ptr<vault::BlobWriter> writer,
//                          store.Begin({.expected_bytes = expected}));
//         return std::make_shared<BlobSink>(std::move(writer));  // message.h
//       }});
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "auth/roles.h"
#include "http/message.h"

namespace threathub::http {

using Handler = std::function<absl::StatusOr<Response>(Request&)>;

struct Route {
  Method method = Method::kGet;
  std::string pattern;  // "/api/v1/users/{id}"; a {name} segment matches one path segment
  auth::Permission permission = auth::Permission::kSignedIn;
  Handler handler;
  int64_t max_body_bytes = 0;  // 0: the configured JSON limit
  // When set, the body is streamed into the sink this returns (see the file comment).
  std::function<absl::StatusOr<std::shared_ptr<BodySink>>(Request&)> open_body_sink;
  // When set, a successful call is recorded in the audit trail with this action; the object is
  // `audit_object_type` with the id of the {id} path parameter.
  std::string audit_action;
  std::string audit_object_type;
  size_t index = 0;  // set by the router; metrics slot
};

struct RouteMatch {
  const Route* route = nullptr;
  std::map<std::string, std::string> params;
  bool path_exists = false;          // some route has this path, with another method (405)
  std::vector<std::string> allowed;  // those methods
};

class Router {
 public:
  void Add(Route route);
  RouteMatch Find(Method method, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace threathub::http
