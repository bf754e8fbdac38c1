// Passwords: policy (NIST SP 800-63B style: at least 12 characters, up to 256, no composition
// rules, not a common password, not the username), Argon2id hashing through libsodium.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace threathub::auth {

inline constexpr size_t kMinPasswordCharacters = 12;
inline constexpr size_t kMaxPasswordCharacters = 256;

struct Argon2Cost {
  uint64_t ops = 2;
  size_t memory_bytes = 64 << 20;
};

// InvalidArgument with field `field` and reason password_too_short / password_too_long /
// password_common / password_contains_username / password_invalid_utf8.
absl::Status CheckPasswordPolicy(std::string_view password, std::string_view username,
                                 std::string_view field = "password");

// True when the password (compared case-insensitively) is in the shipped common list.
bool IsCommonPassword(std::string_view password);

absl::StatusOr<std::string> HashPassword(std::string_view password, const Argon2Cost& cost);
bool VerifyPassword(std::string_view password, const std::string& hash);

// A random password that passes the policy (for resets).
std::string GeneratePassword();

}  // namespace threathub::auth
