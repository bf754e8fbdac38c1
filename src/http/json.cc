#include "http/json.h"
#include "base/strings.h"

#include "base/encoding.h"
#include "base/errors.h"

namespace threathub::http {
namespace {

absl::Status WrongType(const std::string& field, std::string_view expected) {
  return base::InvalidField(field, base::StrCat("expected ", expected));
}

}  // namespace

absl::StatusOr<JsonObject> JsonObject::Parse(std::string_view text) {
  if (text.empty()) return absl::InvalidArgumentError("the request needs a JSON object body");
  // nlohmann's parser refuses ill-formed UTF-8 inside strings; this catches it anywhere.
  if (!base::IsValidUtf8(text)) return absl::InvalidArgumentError("the body is not valid UTF-8");
  Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    // Parse again with exceptions only to get the position for the message.
    try {
      (void)Json::parse(text);
    } catch (const Json::parse_error& error) {
      return absl::InvalidArgumentError(
          base::StrCat("malformed JSON at byte ", error.byte, ": ", error.what()));
    } catch (const Json::exception& error) {  // e.g. out_of_range: a number too large
      return absl::InvalidArgumentError(base::StrCat("malformed JSON: ", error.what()));
    }
    return absl::InvalidArgumentError("malformed JSON");
  }
  if (!parsed.is_object()) return absl::InvalidArgumentError("the body must be a JSON object");
  return JsonObject(std::move(parsed));
}

const Json* JsonObject::Take(const std::string& field) {
  read_.insert(field);
  auto found = object_.find(field);
  if (found == object_.end() || found->is_null()) return nullptr;
  return &*found;
}

absl::StatusOr<std::string> JsonObject::RequiredString(const std::string& field, size_t max_bytes) {
  absl::StatusOr<std::optional<std::string>> value = OptionalString(field, max_bytes);
  if (!value.ok()) return value.status();
  if (!*value) return base::InvalidField(field, "required");
  return std::move(**value);
}

absl::StatusOr<std::optional<std::string>> JsonObject::OptionalString(const std::string& field,
                                                                      size_t max_bytes) {
  const Json* value = Take(field);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) return WrongType(field, "a string");
  const std::string& text = value->get_ref<const std::string&>();
  if (text.size() > max_bytes) {
    return base::InvalidField(field, base::StrCat("too long (", max_bytes, " bytes at most)"));
  }
  return text;
}

absl::StatusOr<int64_t> JsonObject::RequiredInt(const std::string& field) {
  absl::StatusOr<std::optional<int64_t>> value = OptionalInt(field);
  if (!value.ok()) return value.status();
  if (!*value) return base::InvalidField(field, "required");
  return **value;
}

absl::StatusOr<std::optional<int64_t>> JsonObject::OptionalInt(const std::string& field) {
  const Json* value = Take(field);
  if (value == nullptr) return std::nullopt;
  if (!value->is_number_integer()) return WrongType(field, "an integer");
  return value->get<int64_t>();
}

absl::StatusOr<std::optional<bool>> JsonObject::OptionalBool(const std::string& field) {
  const Json* value = Take(field);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) return WrongType(field, "true or false");
  return value->get<bool>();
}

absl::StatusOr<std::optional<std::vector<std::string>>> JsonObject::OptionalStringList(
    const std::string& field, size_t max_items) {
  const Json* value = Take(field);
  if (value == nullptr) return std::nullopt;
  if (!value->is_array()) return WrongType(field, "a list of strings");
  if (value->size() > max_items) return base::InvalidField(field, "too many items");
  std::vector<std::string> items;
  for (const Json& item : *value) {
    if (!item.is_string()) return WrongType(field, "a list of strings");
    items.push_back(item.get<std::string>());
  }
  return items;
}

absl::Status JsonObject::Finish() const {
  for (const auto& [key, value] : object_.items()) {
    if (!read_.contains(key)) return base::InvalidField(key, "unknown field");
  }
  return absl::OkStatus();
}

int HttpStatusFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kDeadlineExceeded:
      return 408;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kCancelled:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kInternal:
    default:
      return 500;
  }
}

Response JsonResponse(const Json& body, int status) {
  Response response;
  response.status = status;
  response.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return response;
}

Response ErrorResponse(const absl::Status& status) {
  Json error = {{"code", base::StatusCodeName(status.code())},
                {"message", std::string(status.message())}};
  if (auto field = base::StatusField(status)) error["field"] = *field;
  if (auto reason = base::StatusReason(status)) error["reason"] = *reason;
  int http_status = HttpStatusFor(status.code());
  if (base::StatusReason(status) == "payload_too_large") http_status = 413;
  if (base::StatusReason(status) == "header_too_large") http_status = 431;
  if (base::StatusReason(status) == "method_not_allowed") http_status = 405;
  if (base::StatusReason(status) == "too_large") http_status = 413;  // an upload over the limit
  if (base::StatusReason(status) == "disk_full") http_status = 507;  // Insufficient Storage
  return JsonResponse(Json{{"error", error}}, http_status);
}

Response NoContent() {
  Response response;
  response.status = 204;
  response.content_type.clear();
  return response;
}

absl::StatusOr<std::optional<int64_t>> OptionalIntParam(
    const std::map<std::string, std::string>& params, const std::string& name) {
  auto found = params.find(name);
  if (found == params.end() || found->second.empty()) return std::nullopt;
  int64_t value = 0;
  if (!base::SimpleAtoi(found->second, &value))
    return base::InvalidField(name, "expected an integer");
  return value;
}

absl::StatusOr<int64_t> IntParam(const std::map<std::string, std::string>& params,
                                 const std::string& name) {
  absl::StatusOr<std::optional<int64_t>> value = OptionalIntParam(params, name);
  if (!value.ok()) return value.status();
  if (!*value) return base::InvalidField(name, "required");
  return **value;
}

}  // namespace threathub::http
