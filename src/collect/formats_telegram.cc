// Telegram Desktop's "Export chat history" (JSON): result.json of one chat and its media folders.
// The whole document is walked with simdjson's On-Demand API only to find each message's bytes;
// each message is then parsed on its own, so one bad message refuses only itself.
#include <sys/stat.h>

#include <string>
#include <string_view>
#include <vector>

#include "base/file.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "collect/formats.h"
#include "collect/internal/json_records.h"
#include "collect/internal/media_paths.h"
#include "simdjson.h"

namespace threathub::collect {
namespace {

using internal::JsonErrorMessage;

// Telegram writes this instead of a path when a file was left out of the export ("(File not
// included. Change data exporting settings to download.)", "(File exceeds maximum size...)").
bool IsNotIncludedNote(std::string_view value) {
  return base::StartsWith(value, "(") && base::EndsWith(value, ")");
}

// "text" is a string, or an array of strings and entity objects {"type":"bold","text":"..."}
// (bold, italic, link, text_link with "href", mention, hashtag, code, pre, spoiler, ...);
// the plain text is the concatenation of all their texts.
absl::Status FlattenText(simdjson::dom::element text, internal::TextBuilder& builder) {
  if (text.is_string()) {
    builder.Append(text.get_string().value_unsafe());
    return absl::OkStatus();
  }
  simdjson::dom::array parts;
  if (text.get_array().get(parts) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("\"text\" must be a string or an array");
  }
  for (simdjson::dom::element part : parts) {
    if (part.is_string()) {
      builder.Append(part.get_string().value_unsafe());
      continue;
    }
    simdjson::dom::object entity;
    if (part.get_object().get(entity) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError(
          "\"text\" holds an element that is neither text nor entity");
    }
    ASSIGN_OR_RETURN(std::optional<std::string_view> piece,
                     internal::OptionalString(entity, "text"));
    if (piece) builder.Append(*piece);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<base::Millis>> MessageTime(simdjson::dom::object message) {
  // date_unixtime (since 2022) is a string of seconds; older exports only have "date", the local
  // time of the exporting computer without a zone, read here as UTC.
  ASSIGN_OR_RETURN(std::optional<std::string_view> unixtime,
                   internal::OptionalString(message, "date_unixtime"));
  if (unixtime) {
    int64_t seconds;
    if (!base::SimpleAtoi(*unixtime, &seconds) || seconds < 0 || seconds > (int64_t{1} << 40)) {
      return absl::InvalidArgumentError("\"date_unixtime\" is not a time");
    }
    return std::optional<base::Millis>(seconds * 1000);
  }
  ASSIGN_OR_RETURN(std::optional<std::string_view> date, internal::OptionalString(message, "date"));
  if (!date) return std::optional<base::Millis>();
  base::Millis millis;
  if (!base::ParseUtc(*date, millis) && !base::ParseUtc(base::StrCat(*date, "Z"), millis)) {
    return absl::InvalidArgumentError("\"date\" is not a time");
  }
  return std::optional<base::Millis>(millis);
}

// One message object; nullopt for a service message.
absl::StatusOr<std::optional<Record>> ParseMessage(simdjson::dom::element element,
                                                   const std::string& folder,
                                                   const std::string& channel_id) {
  simdjson::dom::object message;
  if (element.get_object().get(message) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("a message must be an object");
  }
  ASSIGN_OR_RETURN(std::optional<std::string_view> type, internal::OptionalString(message, "type"));
  if (type && *type == "service") return std::optional<Record>();
  if (type && *type != "message") {
    return absl::InvalidArgumentError(base::StrCat("unknown message type \"", *type, "\""));
  }

  Record record;
  record.platform = "telegram";
  record.channel_id = channel_id;
  ASSIGN_OR_RETURN(std::optional<std::string> id, internal::OptionalId(message, "id"));
  if (!id) return absl::InvalidArgumentError("no \"id\"");
  record.post_id = std::move(*id);
  ASSIGN_OR_RETURN(std::optional<std::string> from_id, internal::OptionalId(message, "from_id"));
  if (from_id) record.author_id = std::move(*from_id);
  ASSIGN_OR_RETURN(std::optional<std::string_view> from, internal::OptionalString(message, "from"));
  if (from) RETURN_IF_ERROR(internal::SetField("from", *from, record.author_name));
  ASSIGN_OR_RETURN(record.created_at, MessageTime(message));

  internal::TextBuilder text;
  simdjson::dom::element text_element;
  if (message.at_key("text").get(text_element) == simdjson::SUCCESS) {
    RETURN_IF_ERROR(FlattenText(text_element, text));
  } else if (message.at_key("text_entities").get(text_element) == simdjson::SUCCESS) {
    RETURN_IF_ERROR(FlattenText(text_element, text));
  }
  if (text.overflowed()) {
    return absl::InvalidArgumentError(internal::TooLargeMessage("text", kMaxTextBytes));
  }
  record.text = text.Take();

  // The message's own file: "photo" for photos, "file" for everything else (video, voice,
  // document, sticker...), with "mime_type" when Telegram knows it. Thumbnails are previews of
  // the file and are not kept.
  ASSIGN_OR_RETURN(std::optional<std::string_view> mime_type,
                   internal::OptionalString(message, "mime_type"));
  for (std::string_view field : {"photo", "file"}) {
    ASSIGN_OR_RETURN(std::optional<std::string_view> relative,
                     internal::OptionalString(message, field));
    if (!relative || relative->empty() || IsNotIncludedNote(*relative)) continue;
    ASSIGN_OR_RETURN(std::string path, internal::ResolveInside(folder, *relative));
    Media media;
    media.path = std::move(path);
    if (field == "photo") {
      media.mime_type = "image/jpeg";  // Telegram Desktop saves photos as JPEG
    } else if (mime_type) {
      RETURN_IF_ERROR(internal::SetField("mime_type", *mime_type, media.mime_type));
    }
    record.media.push_back(std::move(media));
  }
  return std::optional<Record>(std::move(record));
}

std::string FolderOf(const std::string& path) {
  struct stat info;
  if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) return path;
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

absl::StatusOr<ParseOutput> ParseTelegramExport(const std::string& path) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) {
    return absl::NotFoundError(base::StrCat("no Telegram export at ", path));
  }
  const std::string folder = FolderOf(path);
  const std::string file = S_ISDIR(info.st_mode) ? base::StrCat(path, "/result.json") : path;
  absl::StatusOr<std::string> json = base::ReadFile(file);
  if (!json.ok()) {
    return absl::NotFoundError(
        base::StrCat("cannot read ", file,
                     " (a Telegram export folder holds result.json): ", json.status().message()));
  }
  return ParseTelegramResultJson(*json, folder);
}

absl::StatusOr<ParseOutput> ParseTelegramResultJson(std::string_view json,
                                                    const std::string& folder) {
  internal::MaskedDocument document(json);
  simdjson::ondemand::parser outer_parser;
  simdjson::ondemand::document outer;
  auto not_an_export = [](std::string_view why) {
    return absl::InvalidArgumentError(
        base::StrCat("not a Telegram chat export (result.json): ", why));
  };
  if (auto error = outer_parser.iterate(document.padded()).get(outer)) {
    return not_an_export(JsonErrorMessage(error));
  }
  simdjson::ondemand::object root;
  if (outer.get_object().get(root) != simdjson::SUCCESS) {
    return not_an_export("not a JSON object");
  }

  ParseOutput out;
  out.format = "telegram";
  bool saw_messages = false;
  std::vector<std::string_view> message_views;  // views into document.padded()
  for (auto field_result : root) {
    simdjson::ondemand::field field;
    if (auto error = std::move(field_result).get(field))
      return not_an_export(JsonErrorMessage(error));
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return not_an_export(JsonErrorMessage(error));
    simdjson::ondemand::value value = field.value();
    if (key == "name") {
      std::string_view name;
      if (value.get_string().get(name) == simdjson::SUCCESS &&
          simdjson::validate_utf8(name.data(), name.size()) &&
          name.size() <= internal::kMaxFieldBytes) {
        out.channel_name = std::string(name);
      }
    } else if (key == "id") {
      const std::string_view token = base::StripAsciiWhitespace(value.raw_json_token());
      int64_t id;
      if (base::SimpleAtoi(token, &id)) out.channel_id = std::to_string(id);
    } else if (key == "chats" || key == "personal_information") {
      return not_an_export(
          "this is a full account export; export one chat with \"Export chat history\"");
    } else if (key == "messages") {
      simdjson::ondemand::array messages;
      if (value.get_array().get(messages) != simdjson::SUCCESS) {
        return not_an_export("\"messages\" is not an array");
      }
      saw_messages = true;
      for (auto element_result : messages) {
        simdjson::ondemand::value element;
        if (auto error = std::move(element_result).get(element)) {
          return not_an_export(JsonErrorMessage(error));
        }
        std::string_view view;
        if (auto error = internal::RawBytesOf(element, view))
          return not_an_export(JsonErrorMessage(error));
        message_views.push_back(view);
      }
    }
  }
  if (outer.current_location().error() != simdjson::OUT_OF_BOUNDS) {
    return not_an_export("content after the JSON document");
  }
  if (!saw_messages) return not_an_export("no \"messages\"");

  internal::JsonRecordParser parser;
  for (size_t message_idx = 0; message_idx < message_views.size(); ++message_idx) {
    const std::string_view view = message_views[message_idx];
    RecordResult result;
    result.position = base::StrCat("message at index ", message_idx);
    auto refuse = [&](std::string_view why) {
      result.error = std::string(why);
      out.records.push_back(std::move(result));
    };
    simdjson::dom::element element;
    if (auto error = parser.Parse(view, element)) {
      refuse(JsonErrorMessage(error));
      continue;
    }
    // The message id names the position as soon as it is known.
    simdjson::dom::object object;
    if (element.get_object().get(object) == simdjson::SUCCESS) {
      absl::StatusOr<std::optional<std::string>> id = internal::OptionalId(object, "id");
      if (id.ok() && id->has_value() && (*id)->size() <= 64 &&
          simdjson::validate_utf8((*id)->data(), (*id)->size())) {
        result.position = base::StrCat("message ", **id);
      }
    }
    if (document.HadInvalidUtf8(view)) {
      refuse("invalid UTF-8");
      continue;
    }
    if (view.size() > kMaxRawBytes) {
      refuse(internal::TooLargeMessage("message", kMaxRawBytes));
      continue;
    }
    absl::StatusOr<std::optional<Record>> record = ParseMessage(element, folder, out.channel_id);
    if (!record.ok()) {
      refuse(base::FromAbsl(record.status().message()));
      continue;
    }
    if (!record->has_value()) continue;  // a service message
    (*record)->raw = std::string(document.Original(view));
    if (absl::Status status = internal::CheckRecord(**record); !status.ok()) {
      refuse(base::FromAbsl(status.message()));
      continue;
    }
    result.record = std::move(**record);
    out.records.push_back(std::move(result));
  }
  return out;
}

}  // namespace threathub::collect
