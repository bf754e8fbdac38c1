#include "collect/internal/json_records.h"

#include <algorithm>
#include <cstring>

#include "base/strings.h"

namespace threathub::collect::internal {
namespace {

// Length of the well-formed UTF-8 sequence at `bytes` (RFC 3629 section 4), or 0.
size_t Utf8SequenceLength(const unsigned char* bytes, size_t available) {
  const unsigned char lead = bytes[0];
  if (lead < 0x80) return 1;
  size_t length;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // no overlongs
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // no overlongs
    if (lead == 0xF4) high = 0x8F;  // at most U+10FFFF
  } else {
    return 0;
  }
  if (available < length) return 0;
  if (bytes[1] < low || bytes[1] > high) return 0;
  for (size_t byte_idx = 2; byte_idx < length; ++byte_idx) {
    if ((bytes[byte_idx] & 0xC0) != 0x80) return 0;
  }
  return length;
}

std::string FieldTypeError(std::string_view name, std::string_view wanted) {
  return base::StrCat("\"", name, "\" must be ", wanted);
}

}  // namespace

std::string JsonErrorMessage(simdjson::error_code error) {
  switch (error) {
    case simdjson::UTF8_ERROR:
      return "invalid UTF-8";
    case simdjson::DEPTH_ERROR:
      return "JSON nested too deeply";
    case simdjson::CAPACITY:
      return "JSON document too large";
    case simdjson::EMPTY:
      return "empty JSON document";
    default:
      return base::StrCat("not valid JSON (", simdjson::error_message(error), ")");
  }
}

std::string TooLargeMessage(std::string_view what, size_t limit) {
  if (limit % (1 << 20) == 0) return base::StrCat(what, " larger than ", limit >> 20, " MiB");
  if (limit % (1 << 10) == 0) return base::StrCat(what, " larger than ", limit >> 10, " KiB");
  return base::StrCat(what, " larger than ", limit, " bytes");
}

simdjson::error_code JsonRecordParser::Parse(std::string_view bytes, simdjson::dom::element& out) {
  const size_t needed = bytes.size() + simdjson::SIMDJSON_PADDING;
  if (buffer_.size() < needed) buffer_.resize(needed);
  std::memcpy(buffer_.data(), bytes.data(), bytes.size());
  std::memset(buffer_.data() + bytes.size(), 0, simdjson::SIMDJSON_PADDING);
  return parser_
      .parse(reinterpret_cast<const uint8_t*>(buffer_.data()), bytes.size(),
             /*realloc_if_needed=*/false)
      .get(out);
}

std::vector<size_t> InvalidUtf8Offsets(std::string_view text) {
  std::vector<size_t> offsets;
  if (simdjson::validate_utf8(text.data(), text.size())) return offsets;
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t length = Utf8SequenceLength(bytes + pos, text.size() - pos);
    if (length == 0) {
      offsets.push_back(pos);
      ++pos;
    } else {
      pos += length;
    }
  }
  return offsets;
}

bool AnyOffsetIn(const std::vector<size_t>& offsets, size_t begin, size_t end) {
  auto first = std::lower_bound(offsets.begin(), offsets.end(), begin);
  return first != offsets.end() && *first < end;
}

MaskedDocument::MaskedDocument(std::string_view original)
    : original_(original),
      padded_(original.data(), original.size()),
      invalid_offsets_(InvalidUtf8Offsets(original)) {
  for (size_t offset : invalid_offsets_) padded_.data()[offset] = '?';
}

std::string_view MaskedDocument::Original(std::string_view view) const {
  const size_t offset = static_cast<size_t>(view.data() - padded_.data());
  return original_.substr(offset, view.size());
}

bool MaskedDocument::HadInvalidUtf8(std::string_view view) const {
  const size_t begin = static_cast<size_t>(view.data() - padded_.data());
  return AnyOffsetIn(invalid_offsets_, begin, begin + view.size());
}

simdjson::error_code RawBytesOf(simdjson::ondemand::value& element, std::string_view& view) {
  simdjson::ondemand::json_type type;
  if (auto error = element.type().get(type)) return error;
  if (type == simdjson::ondemand::json_type::object) {
    simdjson::ondemand::object object;
    if (auto error = element.get_object().get(object)) return error;
    return object.raw_json().get(view);
  }
  if (type == simdjson::ondemand::json_type::array) {
    simdjson::ondemand::array array;
    if (auto error = element.get_array().get(array)) return error;
    return array.raw_json().get(view);
  }
  view = element.raw_json_token();
  return simdjson::SUCCESS;
}

absl::StatusOr<std::optional<std::string_view>> OptionalString(simdjson::dom::object object,
                                                               std::string_view name) {
  simdjson::dom::element value;
  if (object.at_key(name).get(value) != simdjson::SUCCESS || value.is_null()) {
    return std::optional<std::string_view>();
  }
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(FieldTypeError(name, "a string"));
  }
  return std::optional<std::string_view>(text);
}

absl::StatusOr<std::optional<int64_t>> OptionalInt(simdjson::dom::object object,
                                                   std::string_view name) {
  simdjson::dom::element value;
  if (object.at_key(name).get(value) != simdjson::SUCCESS || value.is_null()) {
    return std::optional<int64_t>();
  }
  int64_t number;
  if (value.get_int64().get(number) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(FieldTypeError(name, "an integer"));
  }
  return std::optional<int64_t>(number);
}

absl::StatusOr<std::optional<std::string>> OptionalId(simdjson::dom::object object,
                                                      std::string_view name) {
  simdjson::dom::element value;
  if (object.at_key(name).get(value) != simdjson::SUCCESS || value.is_null()) {
    return std::optional<std::string>();
  }
  switch (value.type()) {
    case simdjson::dom::element_type::STRING: {
      std::string_view text = value.get_string().value_unsafe();
      if (text.empty()) return absl::InvalidArgumentError(base::StrCat("\"", name, "\" is empty"));
      if (text.size() > kMaxFieldBytes) {
        return absl::InvalidArgumentError(
            TooLargeMessage(base::StrCat("\"", name, "\""), kMaxFieldBytes));
      }
      return std::optional<std::string>(std::string(text));
    }
    case simdjson::dom::element_type::INT64:
      return std::optional<std::string>(std::to_string(value.get_int64().value_unsafe()));
    case simdjson::dom::element_type::UINT64:
      return std::optional<std::string>(std::to_string(value.get_uint64().value_unsafe()));
    default:
      return absl::InvalidArgumentError(FieldTypeError(name, "a string or an integer"));
  }
}

absl::Status SetField(std::string_view name, std::string_view value, std::string& out) {
  if (value.size() > kMaxFieldBytes) {
    return absl::InvalidArgumentError(
        TooLargeMessage(base::StrCat("\"", name, "\""), kMaxFieldBytes));
  }
  out.assign(value);
  return absl::OkStatus();
}

absl::Status CheckRecord(const Record& record, Utf8Check utf8) {
  if (record.text.size() > kMaxTextBytes) {
    return absl::InvalidArgumentError(TooLargeMessage("text", kMaxTextBytes));
  }
  if (record.raw.size() > kMaxRawBytes) {
    return absl::InvalidArgumentError(TooLargeMessage("record", kMaxRawBytes));
  }
  if (record.media.size() > kMaxMediaPerRecord) {
    return absl::InvalidArgumentError(
        base::StrCat("more than ", kMaxMediaPerRecord, " media files"));
  }
  if (utf8 == Utf8Check::kAlreadyValid) return absl::OkStatus();
  auto valid = [](std::string_view text) {
    return simdjson::validate_utf8(text.data(), text.size());
  };
  if (!valid(record.text)) return absl::InvalidArgumentError("invalid UTF-8 in the text");
  for (std::string_view field :
       {std::string_view(record.platform), std::string_view(record.post_id),
        std::string_view(record.channel_id), std::string_view(record.author_id),
        std::string_view(record.author_name), std::string_view(record.url)}) {
    if (!valid(field)) return absl::InvalidArgumentError("invalid UTF-8 in a field");
  }
  for (const Media& media : record.media) {
    if (!valid(media.path) || !valid(media.url) || !valid(media.mime_type)) {
      return absl::InvalidArgumentError("invalid UTF-8 in a media reference");
    }
  }
  return absl::OkStatus();
}

void TextBuilder::Append(std::string_view piece) {
  if (overflowed_) return;
  if (text_.size() + piece.size() > kMaxTextBytes) {
    overflowed_ = true;
    return;
  }
  text_.append(piece);
}

}  // namespace threathub::collect::internal
