#include "requests/internal/json_fields.h"

#include <limits>

#include "base/encoding.h"
#include "base/errors.h"
#include "base/strings.h"

namespace threathub::requests::internal {

absl::StatusOr<Fields> Fields::Of(const Json& value, std::string path,
                                  std::initializer_list<std::string_view> known) {
  if (!value.is_object()) return base::InvalidField(path, "must be a JSON object");
  for (const auto& [key, unused] : value.items()) {
    bool found = false;
    for (std::string_view name : known) found = found || name == key;
    if (!found) {
      std::string shown = base::IsValidUtf8(key) ? key.substr(0, 64) : "(not UTF-8)";
      return base::InvalidField(path, base::StrCat("unknown field \"", shown, "\""));
    }
  }
  return Fields(&value, std::move(path));
}

std::string Fields::FieldPath(std::string_view key) const { return base::StrCat(path_, ".", key); }

absl::Status Fields::Error(std::string_view key, std::string_view message) const {
  return base::InvalidField(FieldPath(key), message);
}

const Json* Fields::Get(std::string_view key) const {
  auto found = value_->find(std::string(key));
  if (found == value_->end() || found->is_null()) return nullptr;
  return &*found;
}

bool Fields::Has(std::string_view key) const { return Get(key) != nullptr; }

namespace {

absl::StatusOr<std::string> CheckedString(const Json& value, const std::string& path) {
  if (!value.is_string()) return base::InvalidField(path, "must be a string");
  const std::string& text = value.get_ref<const std::string&>();
  if (text.size() > kMaxText) return base::InvalidField(path, "is longer than 8192 bytes");
  if (!base::IsValidUtf8(text)) return base::InvalidField(path, "is not valid UTF-8");
  return text;
}

}  // namespace

absl::StatusOr<std::string> Fields::String(std::string_view key, bool required) const {
  const Json* value = Get(key);
  if (value == nullptr) {
    if (required) return Error(key, "is missing");
    return std::string();
  }
  absl::StatusOr<std::string> text = CheckedString(*value, FieldPath(key));
  if (!text.ok()) return text.status();
  if (required && base::StripAsciiWhitespace(*text).empty()) return Error(key, "is empty");
  return text;
}

absl::StatusOr<std::optional<int>> Fields::Int(std::string_view key, int min, int max,
                                               bool required) const {
  const Json* value = Get(key);
  if (value == nullptr) {
    if (required) return Error(key, "is missing");
    return std::optional<int>();
  }
  const std::string range = base::StrCat("must be an integer from ", min, " to ", max);
  if (!value->is_number_integer()) return Error(key, range);
  int64_t number = value->is_number_unsigned()
                       ? static_cast<int64_t>(std::min<uint64_t>(
                             value->get<uint64_t>(), std::numeric_limits<int64_t>::max()))
                       : value->get<int64_t>();
  if (number < min || number > max) return Error(key, range);
  return std::optional<int>(static_cast<int>(number));
}

absl::StatusOr<bool> Fields::Bool(std::string_view key, bool fallback) const {
  const Json* value = Get(key);
  if (value == nullptr) return fallback;
  if (!value->is_boolean()) return Error(key, "must be true or false");
  return value->get<bool>();
}

absl::StatusOr<const Json*> Fields::Array(std::string_view key, bool required) const {
  const Json* value = Get(key);
  if (value == nullptr) {
    if (required) return Error(key, "is missing");
    return static_cast<const Json*>(nullptr);
  }
  if (!value->is_array()) return Error(key, "must be an array");
  if (value->size() > kMaxArray) return Error(key, "has more than 1000 elements");
  return value;
}

absl::StatusOr<std::vector<std::string>> Fields::Strings(std::string_view key,
                                                         bool required) const {
  absl::StatusOr<const Json*> array = Array(key, required);
  if (!array.ok()) return array.status();
  std::vector<std::string> out;
  if (*array == nullptr) return out;
  for (size_t index = 0; index < (*array)->size(); ++index) {
    absl::StatusOr<std::string> text =
        CheckedString((**array)[index], base::StrCat(FieldPath(key), "[", index, "]"));
    if (!text.ok()) return text.status();
    out.push_back(*std::move(text));
  }
  if (required && out.empty()) return Error(key, "is empty");
  return out;
}

}  // namespace threathub::requests::internal
