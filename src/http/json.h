// JSON in and out of handlers (nlohmann::json), with the API's error shape and the one table
// from status codes to HTTP statuses.
//
//   ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
//   ASSIGN_OR_RETURN(std::string name, body.RequiredString("name"));
//   std::optional<bool> national = body.OptionalBool("national");
//   RETURN_IF_ERROR(body.Finish());   // refuses fields the handler did not read
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "http/message.h"

namespace threathub::http {

using Json = nlohmann::json;

// Reads a JSON object field by field; Finish() fails on any field not read. Every error names
// its field.
class JsonObject {
 public:
  static absl::StatusOr<JsonObject> Parse(std::string_view text);
  explicit JsonObject(Json object) : object_(std::move(object)) {}

  absl::StatusOr<std::string> RequiredString(const std::string& field, size_t max_bytes = 4096);
  absl::StatusOr<std::optional<std::string>> OptionalString(const std::string& field,
                                                            size_t max_bytes = 4096);
  absl::StatusOr<int64_t> RequiredInt(const std::string& field);
  absl::StatusOr<std::optional<int64_t>> OptionalInt(const std::string& field);
  absl::StatusOr<std::optional<bool>> OptionalBool(const std::string& field);
  absl::StatusOr<std::optional<std::vector<std::string>>> OptionalStringList(
      const std::string& field, size_t max_items = 100);
  // True when the field is present, even as null (PATCH bodies clear a value with null).
  bool Contains(const std::string& field) const { return object_.contains(field); }
  absl::Status Finish() const;

 private:
  const Json* Take(const std::string& field);
  Json object_;
  std::set<std::string> read_;
};

// The HTTP status for a status code (the one table).
int HttpStatusFor(absl::StatusCode code);

Response JsonResponse(const Json& body, int status = 200);
Response ErrorResponse(const absl::Status& status);
Response NoContent();

// An int64 query or path parameter. InvalidArgument naming the parameter when malformed.
absl::StatusOr<int64_t> IntParam(const std::map<std::string, std::string>& params,
                                 const std::string& name);
absl::StatusOr<std::optional<int64_t>> OptionalIntParam(
    const std::map<std::string, std::string>& params, const std::string& name);

}  // namespace threathub::http
