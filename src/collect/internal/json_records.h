// Helpers shared by the JSON parsers (Telegram, VK, JSON Lines): one record's JSON parsed from
// its own bytes with simdjson's DOM, typed field access with clear errors, text assembled under
// the size limit, and a UTF-8 mask that lets one invalid byte refuse only the record it is in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "collect/formats.h"
#include "simdjson.h"

namespace threathub::collect::internal {

// Longest accepted id, name or URL (a post_id, channel_id, author_name, media path...).
inline constexpr size_t kMaxFieldBytes = 8 << 10;

// "the JSON is not valid: ..." style message for a simdjson error code.
std::string JsonErrorMessage(simdjson::error_code error);

// "text larger than 1 MiB".
std::string TooLargeMessage(std::string_view what, size_t limit);

// Parses one record's JSON bytes into a DOM reusing its buffers. The element stays valid until
// the next Parse. Not thread-safe; one per parsing call.
class JsonRecordParser {
 public:
  simdjson::error_code Parse(std::string_view bytes, simdjson::dom::element& out);

 private:
  simdjson::dom::parser parser_;
  std::string buffer_;  // bytes + SIMDJSON_PADDING
};

// Offsets of the bytes of `text` that begin no well-formed UTF-8 sequence, ascending; empty when
// the text is valid UTF-8.
std::vector<size_t> InvalidUtf8Offsets(std::string_view text);

// True when one of the sorted `offsets` lies in [begin, end).
bool AnyOffsetIn(const std::vector<size_t>& offsets, size_t begin, size_t end);

// A whole document with every byte of invalid UTF-8 replaced by '?', so that simdjson (which
// refuses a document with a single bad byte) reads the rest; the offsets of the replaced bytes
// let each record ask whether its own bytes were valid.
class MaskedDocument {
 public:
  explicit MaskedDocument(std::string_view original);

  const simdjson::padded_string& padded() const { return padded_; }
  // The original bytes behind `view`, a view into padded().
  std::string_view Original(std::string_view view) const;
  // True when the original bytes behind `view` held invalid UTF-8.
  bool HadInvalidUtf8(std::string_view view) const;

 private:
  std::string_view original_;
  simdjson::padded_string padded_;
  std::vector<size_t> invalid_offsets_;  // sorted
};

// The bytes of one value met while walking a document On-Demand (an object, an array or a
// scalar), a view into the document; the value is consumed.
simdjson::error_code RawBytesOf(simdjson::ondemand::value& element, std::string_view& view);

// Typed access to an object's fields. Each returns nullopt when the field is missing or null and
// an error when it has another type; `name` appears in the message.
absl::StatusOr<std::optional<std::string_view>> OptionalString(simdjson::dom::object object,
                                                               std::string_view name);
absl::StatusOr<std::optional<int64_t>> OptionalInt(simdjson::dom::object object,
                                                   std::string_view name);
// A string or an integer, as text ("123", "user42").
absl::StatusOr<std::optional<std::string>> OptionalId(simdjson::dom::object object,
                                                      std::string_view name);

// Copies `value` into `out` refusing more than kMaxFieldBytes.
absl::Status SetField(std::string_view name, std::string_view value, std::string& out);

enum class Utf8Check { kCheck, kAlreadyValid };

// Checks the UTF-8 and size limits of a finished record: text within kMaxTextBytes, raw within
// kMaxRawBytes, media count within kMaxMediaPerRecord, every string valid UTF-8 (unless the
// caller knows it is).
absl::Status CheckRecord(const Record& record, Utf8Check utf8 = Utf8Check::kCheck);

// Appends pieces of text refusing to grow past kMaxTextBytes.
class TextBuilder {
 public:
  void Append(std::string_view piece);
  bool overflowed() const { return overflowed_; }
  bool empty() const { return text_.empty(); }
  std::string Take() { return std::move(text_); }

 private:
  std::string text_;
  bool overflowed_ = false;
};

}  // namespace threathub::collect::internal
