// TOTP second factor, RFC 6238 (HMAC-SHA1, 6 digits, 30-second steps), with each code usable
// once: the caller keeps the last accepted step and passes it back in.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "base/clock.h"

namespace threathub::auth {

inline constexpr int64_t kTotpStepSeconds = 30;

// A new random 160-bit secret (RFC 4226 section 4 recommends 160 bits), raw bytes.
std::string GenerateTotpSecret();

// The 6-digit code for `step` (RFC 6238 section 4: T = floor(unix time / 30)).
std::string TotpCode(std::string_view secret, int64_t step);

// Accepts a code from the current step or one step either side (clock drift), but only for a
// step later than `last_used_step`. Returns the step that matched.
absl::StatusOr<int64_t> VerifyTotp(std::string_view secret, std::string_view code, base::Millis now,
                                   int64_t last_used_step);

// otpauth://totp/threathub:alice?secret=...&issuer=threathub&algorithm=SHA1&digits=6&period=30
std::string OtpauthUri(std::string_view issuer, std::string_view account, std::string_view secret);

}  // namespace threathub::auth
