#include "ledger/internal/leaf_format.h"

#include <algorithm>

#include "base/encoding.h"
#include "base/strings.h"
#include "ledger/canonical_json.h"

namespace threathub::ledger::internal {
namespace {

constexpr size_t kMaxKindLength = 32;
constexpr size_t kMaxRefLength = 256;

}  // namespace

Envelope LeafEnvelope(uint64_t index, std::string_view kind, std::string_view ref,
                      base::Millis appended_at) {
  Envelope envelope;
  base::StrAppend(&envelope.prefix, "{\"appended_at\":", appended_at, ",\"index\":", index,
                  ",\"kind\":");
  AppendCanonicalString(envelope.prefix, kind);
  envelope.prefix += ",\"record\":";
  envelope.suffix = ",\"ref\":";
  AppendCanonicalString(envelope.suffix, ref);
  base::StrAppend(&envelope.suffix, ",\"v\":", kEnvelopeVersion, "}");
  return envelope;
}

absl::Status CheckKind(std::string_view kind) {
  bool valid = !kind.empty() && kind.size() <= kMaxKindLength && kind[0] >= 'a' && kind[0] <= 'z' &&
               std::all_of(kind.begin(), kind.end(), [](char symbol) {
                 return (symbol >= 'a' && symbol <= 'z') || (symbol >= '0' && symbol <= '9') ||
                        symbol == '_';
               });
  if (!valid) {
    return absl::InvalidArgumentError(base::StrCat(
        "leaf kind \"", kind, "\": 1 to 32 characters, a lower-case letter then [a-z0-9_]"));
  }
  return absl::OkStatus();
}

absl::Status CheckRef(std::string_view ref) {
  bool valid = !ref.empty() && ref.size() <= kMaxRefLength && base::IsValidUtf8(ref) &&
               std::none_of(ref.begin(), ref.end(), [](char symbol) {
                 return static_cast<unsigned char>(symbol) < 0x20 || symbol == 0x7F;
               });
  if (!valid) {
    return absl::InvalidArgumentError(
        "leaf ref: 1 to 256 bytes of UTF-8 without control characters");
  }
  return absl::OkStatus();
}

}  // namespace threathub::ledger::internal
