// JSON Lines imports (docs/formats/collect-jsonl.md): one post per line, each line parsed on its
// own with simdjson's DOM parser reusing its buffers, so a bad line refuses only itself and the
// hot loop allocates only the strings of the records it returns.
#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "collect/formats.h"
#include "collect/internal/json_records.h"
#include "collect/internal/media_paths.h"
#include "simdjson.h"

namespace threathub::collect {
namespace {

using internal::JsonErrorMessage;

// Platform names are short lower-case words: telegram, vk, x, tiktok, odnoklassniki...
inline constexpr size_t kMaxPlatformBytes = 32;

absl::Status TypeError(std::string_view name, std::string_view wanted) {
  return absl::InvalidArgumentError(base::StrCat("\"", name, "\" must be ", wanted));
}

absl::Status StringField(std::string_view name, simdjson::dom::element value, std::string& out) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) return TypeError(name, "a string");
  return internal::SetField(name, text, out);
}

// A string or an integer, as text.
absl::Status IdField(std::string_view name, simdjson::dom::element value, std::string& out) {
  switch (value.type()) {
    case simdjson::dom::element_type::STRING:
      RETURN_IF_ERROR(internal::SetField(name, value.get_string().value_unsafe(), out));
      if (out.empty()) return absl::InvalidArgumentError(base::StrCat("\"", name, "\" is empty"));
      return absl::OkStatus();
    case simdjson::dom::element_type::INT64:
      out = std::to_string(value.get_int64().value_unsafe());
      return absl::OkStatus();
    case simdjson::dom::element_type::UINT64:
      out = std::to_string(value.get_uint64().value_unsafe());
      return absl::OkStatus();
    default:
      return TypeError(name, "a string or an integer");
  }
}

absl::Status PlatformField(simdjson::dom::element value, std::string& out) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) return TypeError("platform", "a string");
  if (text.empty() || text.size() > kMaxPlatformBytes) {
    return absl::InvalidArgumentError(
        base::StrCat("\"platform\" must be 1 to ", kMaxPlatformBytes, " characters"));
  }
  for (char symbol : text) {
    const bool allowed = (symbol >= 'a' && symbol <= 'z') || (symbol >= '0' && symbol <= '9') ||
                         symbol == '_' || symbol == '-' || symbol == '.';
    if (!allowed) {
      return absl::InvalidArgumentError(
          "\"platform\" may hold only a-z, 0-9, '_', '-' and '.' (\"telegram\", \"vk\")");
    }
  }
  out.assign(text);
  return absl::OkStatus();
}

// RFC 3339 text or Unix seconds (an integer or a number with a fraction).
absl::Status TimeField(simdjson::dom::element value, std::optional<base::Millis>& out) {
  constexpr double kMaxSeconds = double(int64_t{1} << 40);  // year 36812: beyond any real post
  switch (value.type()) {
    case simdjson::dom::element_type::STRING: {
      base::Millis millis;
      if (!base::ParseUtc(value.get_string().value_unsafe(), millis)) {
        return absl::InvalidArgumentError(
            "\"created_at\" is not an RFC 3339 time (\"2026-03-01T09:30:00Z\")");
      }
      out = millis;
      return absl::OkStatus();
    }
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE: {
      double seconds;
      if (value.get_double().get(seconds) != simdjson::SUCCESS || !std::isfinite(seconds) ||
          seconds < 0 || seconds > kMaxSeconds) {
        return absl::InvalidArgumentError("\"created_at\" is out of range");
      }
      out = static_cast<base::Millis>(std::floor(seconds * 1000));
      return absl::OkStatus();
    }
    default:
      return TypeError("created_at", "an RFC 3339 string or Unix seconds");
  }
}

// "media": ["photos/1.jpg", "https://...", {"path": "...", "url": "...", "mime_type": "..."}]
// A path stays relative and inside the folder the lines came with.
absl::Status MediaField(simdjson::dom::element value, std::vector<Media>& out) {
  simdjson::dom::array items;
  if (value.get_array().get(items) != simdjson::SUCCESS) return TypeError("media", "an array");
  auto add_reference = [](std::string_view reference, Media& media) -> absl::Status {
    const std::string lower = base::AsciiStrToLower(reference.substr(0, 8));
    if (base::StartsWith(lower, "http://") || base::StartsWith(lower, "https://")) {
      return internal::SetField("media", reference, media.url);
    }
    if (reference.size() > internal::kMaxFieldBytes) {
      return absl::InvalidArgumentError(
          internal::TooLargeMessage("a media path", internal::kMaxFieldBytes));
    }
    ASSIGN_OR_RETURN(media.path, internal::NormaliseRelative(reference));
    return absl::OkStatus();
  };
  for (simdjson::dom::element item : items) {
    if (out.size() >= kMaxMediaPerRecord) {
      return absl::InvalidArgumentError(
          base::StrCat("more than ", kMaxMediaPerRecord, " media files"));
    }
    Media media;
    std::string_view reference;
    simdjson::dom::object object;
    if (item.get_string().get(reference) == simdjson::SUCCESS) {
      RETURN_IF_ERROR(add_reference(reference, media));
    } else if (item.get_object().get(object) == simdjson::SUCCESS) {
      ASSIGN_OR_RETURN(std::optional<std::string_view> path,
                       internal::OptionalString(object, "path"));
      ASSIGN_OR_RETURN(std::optional<std::string_view> url,
                       internal::OptionalString(object, "url"));
      ASSIGN_OR_RETURN(std::optional<std::string_view> mime_type,
                       internal::OptionalString(object, "mime_type"));
      if (path) {
        ASSIGN_OR_RETURN(media.path, internal::NormaliseRelative(*path));
      }
      if (url) RETURN_IF_ERROR(internal::SetField("url", *url, media.url));
      if (mime_type) RETURN_IF_ERROR(internal::SetField("mime_type", *mime_type, media.mime_type));
      if (media.path.empty() && media.url.empty()) {
        return absl::InvalidArgumentError("a media object needs \"path\" or \"url\"");
      }
    } else {
      return TypeError("media", "an array of strings or objects");
    }
    out.push_back(std::move(media));
  }
  return absl::OkStatus();
}

// Fills `record` (fresh) from one line's object.
absl::Status ParseRow(simdjson::dom::object row, Record& record) {
  bool has_platform = false, has_post_id = false, has_text = false;
  for (simdjson::dom::key_value_pair field : row) {
    const std::string_view key = field.key;
    const simdjson::dom::element value = field.value;
    if (value.is_null()) continue;
    if (key == "platform") {
      RETURN_IF_ERROR(PlatformField(value, record.platform));
      has_platform = true;
    } else if (key == "post_id") {
      RETURN_IF_ERROR(IdField(key, value, record.post_id));
      has_post_id = true;
    } else if (key == "text") {
      std::string_view text;
      if (value.get_string().get(text) != simdjson::SUCCESS) return TypeError(key, "a string");
      if (text.size() > kMaxTextBytes) {
        return absl::InvalidArgumentError(internal::TooLargeMessage("text", kMaxTextBytes));
      }
      record.text.assign(text);
      has_text = true;
    } else if (key == "channel_id") {
      RETURN_IF_ERROR(IdField(key, value, record.channel_id));
    } else if (key == "author_id") {
      RETURN_IF_ERROR(IdField(key, value, record.author_id));
    } else if (key == "author_name") {
      RETURN_IF_ERROR(StringField(key, value, record.author_name));
    } else if (key == "url") {
      RETURN_IF_ERROR(StringField(key, value, record.url));
    } else if (key == "created_at") {
      RETURN_IF_ERROR(TimeField(value, record.created_at));
    } else if (key == "media") {
      RETURN_IF_ERROR(MediaField(value, record.media));
    }
    // "raw" and any other field stay in the line, which is the record's raw bytes.
  }
  if (!has_platform) return absl::InvalidArgumentError("missing \"platform\"");
  if (!has_post_id) return absl::InvalidArgumentError("missing \"post_id\"");
  if (!has_text) return absl::InvalidArgumentError("missing \"text\"");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ParseOutput> ParseJsonLines(std::string_view text) {
  ParseOutput out;
  out.format = "jsonl";
  internal::JsonRecordParser parser;
  constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
  if (base::StartsWith(text, kByteOrderMark)) text.remove_prefix(kByteOrderMark.size());

  // One result per line: reserving them up front spares the moves of a growing vector.
  out.records.reserve(static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  bool any_object = false;
  size_t line_number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (base::StripAsciiWhitespace(line).empty()) continue;

    // Built in place: a Record is a dozen strings, and moving it is a good part of the cost.
    RecordResult& result = out.records.emplace_back();
    result.position = base::StrCat("line ", line_number);
    auto refuse = [&](std::string_view why) {
      result.record.reset();
      result.error = std::string(why);
    };
    if (line.size() > kMaxRawBytes) {
      refuse(internal::TooLargeMessage("line", kMaxRawBytes));
      continue;
    }
    simdjson::dom::element element;
    if (auto error = parser.Parse(line, element)) {
      refuse(JsonErrorMessage(error));
      continue;
    }
    simdjson::dom::object row;
    if (element.get_object().get(row) != simdjson::SUCCESS) {
      refuse("not a JSON object");
      continue;
    }
    any_object = true;
    Record& record = result.record.emplace();
    if (absl::Status status = ParseRow(row, record); !status.ok()) {
      refuse(base::FromAbsl(status.message()));
      continue;
    }
    record.raw.assign(line);
    // simdjson checked that the line is UTF-8; only a \u escape (a lone surrogate) can have
    // produced invalid UTF-8 in a field.
    const internal::Utf8Check utf8 = base::StrContains(line, "\\u")
                                         ? internal::Utf8Check::kCheck
                                         : internal::Utf8Check::kAlreadyValid;
    if (absl::Status status = internal::CheckRecord(record, utf8); !status.ok()) {
      refuse(base::FromAbsl(status.message()));
      continue;
    }
  }
  if (!any_object && !out.records.empty()) {
    return absl::InvalidArgumentError(
        base::StrCat("not JSON Lines: ", out.records[0].position, ": ", out.records[0].error));
  }
  return out;
}

}  // namespace threathub::collect
