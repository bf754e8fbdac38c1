#include "auth/totp.h"
#include "base/strings.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>

#include "base/encoding.h"
#include "base/errors.h"

namespace threathub::auth {
namespace {

std::string PercentEncode(std::string_view text) {
  std::string out;
  for (unsigned char symbol : text) {
    if (std::isalnum(symbol) || symbol == '-' || symbol == '.' || symbol == '_' || symbol == '~') {
      out += static_cast<char>(symbol);
    } else {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X", symbol);
      out += escaped;
    }
  }
  return out;
}

}  // namespace

std::string GenerateTotpSecret() { return base::RandomBytes(20); }

std::string TotpCode(std::string_view secret, int64_t step) {
  unsigned char counter[8];
  for (int byte_idx = 7; byte_idx >= 0; --byte_idx) {
    counter[byte_idx] = static_cast<unsigned char>(step & 0xFF);
    step >>= 8;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()), counter, sizeof counter, digest,
       &digest_length);
  // RFC 4226 section 5.3: dynamic truncation.
  int offset = digest[digest_length - 1] & 0x0F;
  uint32_t binary = ((digest[offset] & 0x7F) << 24) | (digest[offset + 1] << 16) |
                    (digest[offset + 2] << 8) | digest[offset + 3];
  char code[8];
  std::snprintf(code, sizeof code, "%06u", binary % 1'000'000);
  return code;
}

absl::StatusOr<int64_t> VerifyTotp(std::string_view secret, std::string_view code, base::Millis now,
                                   int64_t last_used_step) {
  auto bad_code = [] {
    return base::WithReason(
        base::FieldError(absl::StatusCode::kUnauthenticated, "code", "wrong or used code"),
        "bad_totp");
  };
  if (code.size() != 6) return bad_code();
  int64_t current = now / 1000 / kTotpStepSeconds;
  for (int64_t step = current - 1; step <= current + 1; ++step) {
    if (step <= last_used_step) continue;
    if (base::ConstantTimeEquals(TotpCode(secret, step), code)) return step;
  }
  return bad_code();
}

std::string OtpauthUri(std::string_view issuer, std::string_view account, std::string_view secret) {
  return base::StrCat("otpauth://totp/", PercentEncode(issuer), ":", PercentEncode(account),
                      "?secret=", base::Base32Encode(secret), "&issuer=", PercentEncode(issuer),
                      "&algorithm=SHA1&digits=6&period=30");
}

}  // namespace threathub::auth
