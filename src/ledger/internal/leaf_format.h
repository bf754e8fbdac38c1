// The leaf envelope and the validity rules of its fields, shared by appending (ledger.cc) and
// verification (verify.cc). docs/formats/ledger.md is the specification.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "base/clock.h"

namespace threathub::ledger::internal {

// The envelope version, the "v" member.
inline constexpr int kEnvelopeVersion = 1;

// A leaf's data is prefix + the record's canonical JSON + suffix:
//   {"appended_at":<ms>,"index":<n>,"kind":<kind>,"record":<record>,"ref":<ref>,"v":1}
// Members in RFC 8785 order (sorted keys); no white space.
struct Envelope {
  std::string prefix;
  std::string suffix;
};
Envelope LeafEnvelope(uint64_t index, std::string_view kind, std::string_view ref,
                      base::Millis appended_at);

// InvalidArgument unless kind is 1 to 32 characters, a lower-case letter then [a-z0-9_].
absl::Status CheckKind(std::string_view kind);
// InvalidArgument unless ref is 1 to 256 bytes of UTF-8 without control characters.
absl::Status CheckRef(std::string_view ref);

}  // namespace threathub::ledger::internal
