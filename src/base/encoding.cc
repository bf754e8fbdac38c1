#include "base/encoding.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>
#include <cstdint>
#include <stdexcept>

namespace threathub::base {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kBase64UrlAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kBase32Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int HexValue(char digit) {
  if (digit >= '0' && digit <= '9') return digit - '0';
  if (digit >= 'a' && digit <= 'f') return digit - 'a' + 10;
  if (digit >= 'A' && digit <= 'F') return digit - 'A' + 10;
  return -1;
}

std::string Base64With(std::string_view bytes, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t byte_idx = 0;
  auto at = [&](size_t idx) { return static_cast<uint8_t>(bytes[idx]); };
  for (; byte_idx + 3 <= bytes.size(); byte_idx += 3) {
    uint32_t group = (at(byte_idx) << 16) | (at(byte_idx + 1) << 8) | at(byte_idx + 2);
    out += alphabet[(group >> 18) & 63];
    out += alphabet[(group >> 12) & 63];
    out += alphabet[(group >> 6) & 63];
    out += alphabet[group & 63];
  }
  size_t rest = bytes.size() - byte_idx;
  if (rest == 1) {
    uint32_t group = at(byte_idx) << 16;
    out += alphabet[(group >> 18) & 63];
    out += alphabet[(group >> 12) & 63];
    if (pad) out += "==";
  } else if (rest == 2) {
    uint32_t group = (at(byte_idx) << 16) | (at(byte_idx + 1) << 8);
    out += alphabet[(group >> 18) & 63];
    out += alphabet[(group >> 12) & 63];
    out += alphabet[(group >> 6) & 63];
    if (pad) out += '=';
  }
  return out;
}

}  // namespace

std::string HexEncode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char byte : bytes) {
    out += kHexDigits[byte >> 4];
    out += kHexDigits[byte & 15];
  }
  return out;
}

std::optional<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t char_idx = 0; char_idx < hex.size(); char_idx += 2) {
    int high = HexValue(hex[char_idx]);
    int low = HexValue(hex[char_idx + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>((high << 4) | low);
  }
  return out;
}

std::string Base64Encode(std::string_view bytes) {
  return Base64With(bytes, kBase64Alphabet, /*pad=*/true);
}

std::string Base64UrlEncode(std::string_view bytes) {
  return Base64With(bytes, kBase64UrlAlphabet, /*pad=*/false);
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::array<int, 256> values;
  values.fill(-1);
  for (int value = 0; value < 64; ++value) {
    values[static_cast<uint8_t>(kBase64Alphabet[value])] = value;
  }
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t group_idx = 0; group_idx < text.size(); group_idx += 4) {
    bool last = group_idx + 4 == text.size();
    int padding = 0;
    uint32_t group = 0;
    for (size_t char_idx = 0; char_idx < 4; ++char_idx) {
      char symbol = text[group_idx + char_idx];
      if (symbol == '=' && last && char_idx >= 2) {
        ++padding;
        group <<= 6;
        continue;
      }
      int value = values[static_cast<uint8_t>(symbol)];
      if (value < 0 || padding > 0) return std::nullopt;
      group = (group << 6) | static_cast<uint32_t>(value);
    }
    out += static_cast<char>((group >> 16) & 255);
    if (padding < 2) out += static_cast<char>((group >> 8) & 255);
    if (padding < 1) out += static_cast<char>(group & 255);
  }
  return out;
}

std::string Base32Encode(std::string_view bytes) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char byte : bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += kBase32Alphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kBase32Alphabet[(buffer << (5 - bits)) & 31];
  return out;
}

std::optional<std::string> Base32Decode(std::string_view text) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char symbol : text) {
    if (symbol == '=' || symbol == ' ') continue;
    int value;
    if (symbol >= 'A' && symbol <= 'Z') {
      value = symbol - 'A';
    } else if (symbol >= 'a' && symbol <= 'z') {
      value = symbol - 'a';
    } else if (symbol >= '2' && symbol <= '7') {
      value = symbol - '2' + 26;
    } else {
      return std::nullopt;
    }
    buffer = (buffer << 5) | static_cast<uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      out += static_cast<char>((buffer >> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return out;
}

bool IsValidUtf8(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    uint8_t lead = static_cast<uint8_t>(text[pos]);
    if (lead < 0x80) {
      ++pos;
      continue;
    }
    int length;
    uint32_t code_point;
    if ((lead & 0xE0) == 0xC0) {
      length = 2;
      code_point = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      code_point = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      code_point = lead & 0x07;
    } else {
      return false;
    }
    if (pos + length > text.size()) return false;
    for (int byte_idx = 1; byte_idx < length; ++byte_idx) {
      uint8_t next = static_cast<uint8_t>(text[pos + byte_idx]);
      if ((next & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    static constexpr uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < kMinimum[length] || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;
    }
    pos += length;
  }
  return true;
}

std::string RandomBytes(size_t count) {
  std::string out(count, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(count)) != 1) {
    // Without randomness no token or key is safe; there is no sensible way to go on.
    throw std::runtime_error("RAND_bytes failed");
  }
  return out;
}

std::string Sha256(std::string_view bytes) {
  std::string digest(SHA256_DIGEST_LENGTH, '\0');
  // Fetched once: SHA256() looks the implementation up in the provider on every call
  // (OpenSSL 3), which costs more than hashing a session token.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  auto* out = reinterpret_cast<unsigned char*>(digest.data());
  if (sha256 == nullptr ||
      EVP_Digest(bytes.data(), bytes.size(), out, nullptr, sha256, nullptr) != 1) {
    SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), out);
  }
  return digest;
}

bool ConstantTimeEquals(std::string_view left, std::string_view right) {
  if (left.size() != right.size()) return false;
  return CRYPTO_memcmp(left.data(), right.data(), left.size()) == 0;
}

}  // namespace threathub::base
