// Error details that travel with an absl::Status to the API's error body:
//   field:  the request field the error concerns ("password")
//   reason: a stable machine word for the client ("account_locked")
//
//   return FieldError(absl::StatusCode::kInvalidArgument, "password", "at least 12 characters");
//   return WithReason(absl::UnauthenticatedError("account locked"), "account_locked");
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace threathub::base {

absl::Status FieldError(absl::StatusCode code, std::string_view field, std::string_view message);
absl::Status InvalidField(std::string_view field, std::string_view message);
absl::Status WithReason(absl::Status status, std::string_view reason);
absl::Status WithField(absl::Status status, std::string_view field);

// What a free-text field may hold besides printable characters.
enum class TextForm {
  kLine,   // one line: no control characters at all
  kLines,  // line feeds and tabs allowed
};
enum class Presence { kOptional, kRequired };
// Checks a free-text field from outside: "required" when required and blank, "at most N bytes",
// "not valid UTF-8", "control characters are not allowed" (in that order), each an
// InvalidField naming `field`.
absl::Status CheckText(std::string_view field, std::string_view value, size_t max_bytes,
                       TextForm form, Presence presence);

std::optional<std::string> StatusField(const absl::Status& status);
std::optional<std::string> StatusReason(const absl::Status& status);

// "invalid_argument", "not_found", ... for the canonical codes.
std::string StatusCodeName(absl::StatusCode code);

}  // namespace threathub::base
