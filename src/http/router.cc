#include "http/router.h"
#include "base/strings.h"

#include <stdexcept>

namespace threathub::http {
namespace {

// Takes the text up to the next '/' (or the end) off the front of `text`.
std::string_view NextSegment(std::string_view& text, bool& more) {
  size_t slash = text.find('/');
  std::string_view segment = text.substr(0, slash);
  more = slash != std::string_view::npos;
  text = more ? text.substr(slash + 1) : std::string_view();
  return segment;
}

// Matches segment by segment without allocating: every request tries the routes in turn, so
// only the matching route may cost an allocation (its parameters).
bool MatchPattern(std::string_view pattern, std::string_view path,
                  std::map<std::string, std::string>& params) {
  constexpr size_t kMaxParams = 8;
  std::pair<std::string_view, std::string_view> found[kMaxParams];
  size_t found_count = 0;
  bool pattern_more = true;
  bool path_more = true;
  while (pattern_more && path_more) {
    std::string_view expected = NextSegment(pattern, pattern_more);
    std::string_view actual = NextSegment(path, path_more);
    if (expected.size() > 2 && expected.front() == '{' && expected.back() == '}') {
      if (actual.empty() || found_count == kMaxParams) return false;
      found[found_count++] = {expected.substr(1, expected.size() - 2), actual};
    } else if (expected != actual) {
      return false;
    }
  }
  if (pattern_more != path_more) return false;  // one has segments left over
  for (size_t param_idx = 0; param_idx < found_count; ++param_idx) {
    params[std::string(found[param_idx].first)] = std::string(found[param_idx].second);
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
