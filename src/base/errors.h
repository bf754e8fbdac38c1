// Error details that travel with an absl::Status to the API's error body:
//   field:  the request field the error concerns ("password")
//   reason: a stable machine word for the client ("account_locked")
//
//   return FieldError(absl::StatusCode::kInvalidArgument, "password", "at least 12 characters");
//   return WithReason(absl::UnauthenticatedError("account locked"), "account_locked");
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace threathub::base {

absl::Status FieldError(absl::StatusCode code, std::string_view field, std::string_view message);
absl::Status InvalidField(std::string_view field, std::string_view message);
absl::Status WithReason(absl::Status status, std::string_view reason);
absl::Status WithField(absl::Status status, std::string_view field);

std::optional<std::string> StatusField(const absl::Status& status);
std::optional<std::string> StatusReason(const absl::Status& status);

// "invalid_argument", "not_found", ... for the canonical codes.
std::string StatusCodeName(absl::StatusCode code);

}  // namespace threathub::base
