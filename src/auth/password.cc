#include "auth/password.h"
#include "base/strings.h"

#include <sodium.h>

#include <algorithm>
#include <string>
#include <unordered_set>

#include "auth/internal/common_passwords.h"
#include "base/encoding.h"
#include "base/errors.h"

namespace threathub::auth {
namespace {

size_t CountCodePoints(std::string_view text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char byte) { return (byte & 0xC0) != 0x80; }));
}

const std::unordered_set<std::string>& CommonPasswords() {
  static const auto* passwords = [] {
    auto* set = new std::unordered_set<std::string>;
    for (std::string_view line : base::StrSplit(internal::kCommonPasswords, '\n')) {
      line = base::StripAsciiWhitespace(line);
      if (!line.empty() && line[0] != '#') set->insert(base::AsciiStrToLower(line));
    }
    return set;
  }();
  return *passwords;
}

absl::Status PolicyError(std::string_view field, std::string_view message,
                         std::string_view reason) {
  return base::WithReason(base::InvalidField(field, message), reason);
}

}  // namespace

bool IsCommonPassword(std::string_view password) {
  return CommonPasswords().contains(base::AsciiStrToLower(password));
}

absl::Status CheckPasswordPolicy(std::string_view password, std::string_view username,
                                 std::string_view field) {
  if (!base::IsValidUtf8(password)) {
    return PolicyError(field, "not valid UTF-8", "password_invalid_utf8");
  }
  size_t characters = CountCodePoints(password);
  if (characters < kMinPasswordCharacters) {
    return PolicyError(field, "at least 12 characters", "password_too_short");
  }
  if (characters > kMaxPasswordCharacters) {
    return PolicyError(field, "at most 256 characters", "password_too_long");
  }
  if (IsCommonPassword(password)) {
    return PolicyError(field, "this password is too common; choose another", "password_common");
  }
  if (username.size() >= 3 && base::StrContainsIgnoreCase(password, username)) {
    return PolicyError(field, "must not contain the username", "password_contains_username");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> HashPassword(std::string_view password, const Argon2Cost& cost) {
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(hash, password.data(), password.size(), cost.ops, cost.memory_bytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::ResourceExhaustedError("password hashing ran out of memory");
  }
  return std::string(hash);
}

bool VerifyPassword(std::string_view password, const std::string& hash) {
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string GeneratePassword() {
  // 18 random bytes give 24 base64url characters: 144 bits.
  return base::Base64UrlEncode(base::RandomBytes(18));
}

}  // namespace threathub::auth
