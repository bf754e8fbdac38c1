#include "ledger/canonical_json.h"

#include <algorithm>

#include "base/encoding.h"
#include "base/strings.h"

namespace threathub::ledger {
namespace {

constexpr size_t kMaxKeyLength = 64;

bool IsValidKey(std::string_view key) {
  return !key.empty() && key.size() <= kMaxKeyLength &&
         std::all_of(key.begin(), key.end(), [](char symbol) {
           return (symbol >= 'a' && symbol <= 'z') || (symbol >= '0' && symbol <= '9') ||
                  symbol == '_';
         });
}

}  // namespace

void AppendCanonicalString(std::string& out, std::string_view text) {
  static constexpr char kHexDigits[] = "0123456789abcdef";
  out += '"';
  size_t run_start = 0;  // characters that need no escape are copied a run at a time
  for (size_t pos = 0; pos < text.size(); ++pos) {
    const auto symbol = static_cast<unsigned char>(text[pos]);
    if (symbol >= 0x20 && symbol != '"' && symbol != '\\') continue;
    out.append(text, run_start, pos - run_start);
    run_start = pos + 1;
    switch (symbol) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += "\\u00";
        out += kHexDigits[symbol >> 4];
        out += kHexDigits[symbol & 15];
    }
  }
  out.append(text, run_start, text.size() - run_start);
  out += '"';
}

void CanonicalObject::Add(std::string_view key, std::string serialized_value) {
  if (!error_.ok()) return;
  if (!IsValidKey(key)) {
    error_ = absl::InvalidArgumentError(
        base::StrCat("record key \"", key, "\" is not 1 to 64 characters of [a-z0-9_]"));
    return;
  }
  if (!members_.emplace(std::string(key), std::move(serialized_value)).second) {
    error_ = absl::InvalidArgumentError(base::StrCat("record key \"", key, "\" repeats"));
  }
}

CanonicalObject& CanonicalObject::String(std::string_view key, std::string_view value) {
  if (!base::IsValidUtf8(value)) {
    if (error_.ok()) {
      error_ =
          absl::InvalidArgumentError(base::StrCat("record value \"", key, "\" is not valid UTF-8"));
    }
    return *this;
  }
  std::string serialized;
  serialized.reserve(value.size() + 2);
  AppendCanonicalString(serialized, value);
  Add(key, std::move(serialized));
  return *this;
}

CanonicalObject& CanonicalObject::Int(std::string_view key, int64_t value) {
  if (value > kMaxCanonicalInt || value < -kMaxCanonicalInt) {
    if (error_.ok()) {
      error_ = absl::InvalidArgumentError(
          base::StrCat("record value \"", key, "\" is outside +-(2^53 - 1): ", value));
    }
    return *this;
  }
  Add(key, std::to_string(value));
  return *this;
}

CanonicalObject& CanonicalObject::OptionalInt(std::string_view key, std::optional<int64_t> value) {
  return value ? Int(key, *value) : Null(key);
}

CanonicalObject& CanonicalObject::Null(std::string_view key) {
  Add(key, "null");
  return *this;
}

CanonicalObject& CanonicalObject::Object(std::string_view key, const CanonicalObject& value) {
  absl::StatusOr<std::string> serialized = value.Serialize();
  if (!serialized.ok()) {
    if (error_.ok()) error_ = serialized.status();
    return *this;
  }
  Add(key, *std::move(serialized));
  return *this;
}

absl::StatusOr<std::string> CanonicalObject::Serialize() const {
  if (!error_.ok()) return error_;
  std::string out = "{";
  bool first = true;
  for (const auto& [key, value] : members_) {
    if (!first) out += ',';
    first = false;
    AppendCanonicalString(out, key);
    out += ':';
    out += value;
  }
  out += '}';
  return out;
}

}  // namespace threathub::ledger
