// Byte-string encodings used across modules: hex, base64 (RFC 4648 section 4), base64url
// without padding (section 5), base32 (section 6, for TOTP secrets), and UTF-8 validation.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace threathub::base {

std::string HexEncode(std::string_view bytes);
std::optional<std::string> HexDecode(std::string_view hex);

std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);

std::string Base64UrlEncode(std::string_view bytes);  // no padding

std::string Base32Encode(std::string_view bytes);                // no padding, upper case
std::optional<std::string> Base32Decode(std::string_view text);  // ignores case and '='

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
bool IsValidUtf8(std::string_view text);

// Cryptographically secure random bytes.
std::string RandomBytes(size_t count);

// SHA-256 of `bytes`, raw 32 bytes.
std::string Sha256(std::string_view bytes);

// Constant-time equality of two byte strings of the same length.
bool ConstantTimeEquals(std::string_view left, std::string_view right);

}  // namespace threathub::base
