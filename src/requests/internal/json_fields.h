// Typed, non-throwing reads of one JSON object's fields for the directory loader, with errors
// that name the field by its path ("providers[tiktok].preservation.days: ...").
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace threathub::requests::internal {

using Json = nlohmann::json;

// Fields of one object at `path`. Every accessor checks the type and, for strings, UTF-8 and a
// length limit; none throws.
class Fields {
 public:
  // InvalidArgument when `value` is not an object or has a key outside `known`.
  static absl::StatusOr<Fields> Of(const Json& value, std::string path,
                                   std::initializer_list<std::string_view> known);

  const std::string& path() const { return path_; }
  std::string FieldPath(std::string_view key) const;
  absl::Status Error(std::string_view key, std::string_view message) const;

  bool Has(std::string_view key) const;  // present and not null
  const Json* Get(std::string_view key) const;

  // A string of at most kMaxText bytes; `required` refuses a missing or empty one.
  absl::StatusOr<std::string> String(std::string_view key, bool required) const;
  // An integer in [min, max]; missing or null -> nullopt unless required.
  absl::StatusOr<std::optional<int>> Int(std::string_view key, int min, int max,
                                         bool required) const;
  absl::StatusOr<bool> Bool(std::string_view key, bool fallback) const;
  // An array of strings (missing -> empty unless required).
  absl::StatusOr<std::vector<std::string>> Strings(std::string_view key, bool required) const;
  // An array (missing -> nullptr unless required, then an error).
  absl::StatusOr<const Json*> Array(std::string_view key, bool required) const;

 private:
  Fields(const Json* value, std::string path) : value_(value), path_(std::move(path)) {}
  const Json* value_;
  std::string path_;
};

inline constexpr size_t kMaxText = 8192;
inline constexpr size_t kMaxArray = 1000;

}  // namespace threathub::requests::internal
