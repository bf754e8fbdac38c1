// The canonical form of a ledger record: JSON as RFC 8785 (the JSON Canonicalization Scheme)
// writes it, restricted to the values records need: objects, strings, integers and null. The
// same record always gives the same bytes, which is what a Merkle leaf needs; and a person can
// read a leaf without a special tool. docs/formats/ledger.md gives the rules in full.
//
//   CanonicalObject record;
//   record.String("action", "user.create").Int("id", 17).Null("actor_id");
//   ASSIGN_OR_RETURN(std::string json, record.Serialize());
//   // {"action":"user.create","actor_id":null,"id":17}
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace threathub::ledger {

// Integers are limited to the range an IEEE 754 double holds exactly (RFC 8785 section 3.2.2.3
// writes numbers as ECMAScript does), so that every JSON reader gets the same value back.
inline constexpr int64_t kMaxCanonicalInt = (int64_t{1} << 53) - 1;

// An object under construction. Member keys are 1 to 64 characters of [a-z0-9_], so that the
// byte order used here is the UTF-16 order RFC 8785 section 3.2.3 sorts by. Mistakes (a repeated
// or malformed key, text that is not UTF-8, an integer out of range) are kept and returned by
// Serialize, so that a record can be built in one expression.
class CanonicalObject {
 public:
  CanonicalObject& String(std::string_view key, std::string_view value);
  CanonicalObject& Int(std::string_view key, int64_t value);
  // null when empty.
  CanonicalObject& OptionalInt(std::string_view key, std::optional<int64_t> value);
  CanonicalObject& Null(std::string_view key);
  CanonicalObject& Object(std::string_view key, const CanonicalObject& value);

  // The canonical JSON text, or InvalidArgument naming the first mistake.
  absl::StatusOr<std::string> Serialize() const;

 private:
  void Add(std::string_view key, std::string serialized_value);

  std::map<std::string, std::string> members_;  // key -> canonical JSON of the value
  absl::Status error_;
};

// Appends `text` (valid UTF-8) as a JSON string in RFC 8785 section 3.2.2.2 form: quotes around,
// '"' and '\' escaped, \b \t \n \f \r for those controls, \u00xx (lower case) for the other
// controls below U+0020, every other character as itself.
void AppendCanonicalString(std::string& out, std::string_view text);

}  // namespace threathub::ledger
