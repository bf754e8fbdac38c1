#include "base/errors.h"
#include "base/encoding.h"
#include "base/strings.h"

#include "absl/strings/cord.h"

namespace threathub::base {
namespace {

constexpr char kFieldKey[] = "threathub/field";
constexpr char kReasonKey[] = "threathub/reason";

std::optional<std::string> Payload(const absl::Status& status, const char* key) {
  absl::optional<absl::Cord> payload = status.GetPayload(key);
  if (!payload) return std::nullopt;
  return std::string(*payload);
}

}  // namespace

absl::Status FieldError(absl::StatusCode code, std::string_view field, std::string_view message) {
  absl::Status status(code, StrCat(field, ": ", message));
  status.SetPayload(kFieldKey, absl::Cord(std::string(field)));
  return status;
}

absl::Status InvalidField(std::string_view field, std::string_view message) {
  return FieldError(absl::StatusCode::kInvalidArgument, field, message);
}

absl::Status WithReason(absl::Status status, std::string_view reason) {
  status.SetPayload(kReasonKey, absl::Cord(std::string(reason)));
  return status;
}

absl::Status WithField(absl::Status status, std::string_view field) {
  status.SetPayload(kFieldKey, absl::Cord(std::string(field)));
  return status;
}

std::optional<std::string> StatusField(const absl::Status& status) {
  return Payload(status, kFieldKey);
}

std::optional<std::string> StatusReason(const absl::Status& status) {
  return Payload(status, kReasonKey);
}

std::string StatusCodeName(absl::StatusCode code) {
  // absl's names are "INVALID_ARGUMENT"; the API speaks lower case.
  return base::AsciiStrToLower(absl::StatusCodeToString(code));
}

absl::Status CheckText(std::string_view field, std::string_view value, size_t max_bytes,
                       TextForm form, Presence presence) {
  if (presence == Presence::kRequired && StripAsciiWhitespace(value).empty()) {
    return InvalidField(field, "required");
  }
  if (value.size() > max_bytes) {
    return InvalidField(field, StrCat("at most ", max_bytes, " bytes"));
  }
  if (!IsValidUtf8(value)) return InvalidField(field, "not valid UTF-8");
  for (char symbol : value) {
    unsigned char byte = static_cast<unsigned char>(symbol);
    bool allowed = form == TextForm::kLines && (symbol == '\n' || symbol == '\t');
    if ((byte < 0x20 && !allowed) || byte == 0x7f) {
      return InvalidField(field, "control characters are not allowed");
    }
  }
  return absl::OkStatus();
}

}  // namespace threathub::base
