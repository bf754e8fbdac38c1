// The route table. Every route declares the permission it needs (deny by default: a route
// without one cannot be added), its body limit, and, for reads of protected data, the audit
// action the dispatcher records when the call succeeds.
#pragma once

#include <functional>
#include <map>
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
