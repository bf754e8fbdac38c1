// A request as handlers see it, and the response they return. Free of Asio and Beast, so that
// handlers, the dispatcher and their tests build without the network layer.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "auth/principal.h"

namespace threathub::http {

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
  std::string body;
  std::string client_address;
  std::string request_id;
  bool tls = false;
  // Set by the dispatcher before the handler runs, when the route needs a signed-in user.
  std::optional<auth::Principal> principal;

  // The first header with this (lower-case) name, or "".
  std::string_view Header(std::string_view name) const;
  // The value of one cookie, or "".
  std::string Cookie(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the file at this path is sent as the body (static files).
  std::string file_path;
};

// Splits "/a/b?x=1&y=%20" into a decoded path and query. False on malformed percent-encoding.
bool ParseTarget(std::string_view target, std::string& path,
                 std::map<std::string, std::string>& query);
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

}  // namespace threathub::http
