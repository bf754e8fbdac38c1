#include "http/router.h"
#include "base/strings.h"

#include <stdexcept>

namespace threathub::http {
namespace {

bool MatchPattern(std::string_view pattern, std::string_view path,
                  std::map<std::string, std::string>& params) {
  std::vector<std::string_view> pattern_parts = base::StrSplit(pattern, '/');
  std::vector<std::string_view> path_parts = base::StrSplit(path, '/');
  if (pattern_parts.size() != path_parts.size()) return false;
  for (size_t part_idx = 0; part_idx < pattern_parts.size(); ++part_idx) {
    std::string_view expected = pattern_parts[part_idx];
    std::string_view actual = path_parts[part_idx];
    if (expected.size() > 2 && expected.front() == '{' && expected.back() == '}') {
      if (actual.empty()) return false;
      params[std::string(expected.substr(1, expected.size() - 2))] = std::string(actual);
    } else if (expected != actual) {
      return false;
    }
  }
  return true;
}

}  // namespace

void Router::Add(Route route) {
  if (!route.handler || route.pattern.empty() || route.pattern.front() != '/') {
    // A programming error in the route table, found at start-up by every test.
    throw std::logic_error("route needs a handler and a pattern starting with '/'");
  }
  route.index = routes_.size();
  routes_.push_back(std::move(route));
}

RouteMatch Router::Find(Method method, std::string_view path) const {
  RouteMatch match;
  Method wanted = method == Method::kHead ? Method::kGet : method;
  for (const Route& route : routes_) {
    std::map<std::string, std::string> params;
    if (!MatchPattern(route.pattern, path, params)) continue;
    if (route.method != wanted) {
      match.path_exists = true;
      match.allowed.emplace_back(MethodName(route.method));
      continue;
    }
    match.route = &route;
    match.params = std::move(params);
    return match;
  }
  return match;
}

}  // namespace threathub::http
