// VK API responses (https://dev.vk.com/method/wall.get, newsfeed.search) saved as JSON. The
// document is walked On-Demand to find the bytes of each item, profile and group; each is then
// parsed on its own so that one bad item refuses only itself.
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status_macros.h"
#include "base/strings.h"
#include "collect/formats.h"
#include "collect/internal/json_records.h"
#include "simdjson.h"

namespace threathub::collect {
namespace {

using internal::JsonErrorMessage;

// Author names by VK id: users by their id, communities by minus their id (as from_id has them).
using Names = std::unordered_map<int64_t, std::string>;

struct ResponseViews {
  std::vector<std::string_view> items;
  std::vector<std::string_view> profiles;
  std::vector<std::string_view> groups;
};

absl::Status CollectArray(simdjson::ondemand::value value, std::vector<std::string_view>& views) {
  simdjson::ondemand::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("not an array");
  }
  for (auto element_result : array) {
    simdjson::ondemand::value element;
    std::string_view view;
    if (auto error = std::move(element_result).get(element)) {
      return absl::InvalidArgumentError(JsonErrorMessage(error));
    }
    if (auto error = internal::RawBytesOf(element, view)) {
      return absl::InvalidArgumentError(JsonErrorMessage(error));
    }
    views.push_back(view);
  }
  return absl::OkStatus();
}

// {"error":{"error_code":5,"error_msg":"User authorization failed: ..."}}
absl::Status ApiError(std::string_view error_json) {
  internal::JsonRecordParser parser;
  simdjson::dom::element element;
  std::string message = "VK API error";
  simdjson::dom::object error;
  if (parser.Parse(error_json, element) == simdjson::SUCCESS &&
      element.get_object().get(error) == simdjson::SUCCESS) {
    absl::StatusOr<std::optional<int64_t>> code = internal::OptionalInt(error, "error_code");
    if (code.ok() && code->has_value()) base::StrAppend(&message, " ", **code);
    absl::StatusOr<std::optional<std::string_view>> text =
        internal::OptionalString(error, "error_msg");
    if (text.ok() && text->has_value() && (*text)->size() <= internal::kMaxFieldBytes &&
        simdjson::validate_utf8((*text)->data(), (*text)->size())) {
      base::StrAppend(&message, ": ", **text);
    }
  }
  return absl::FailedPreconditionError(
      base::StrCat(message, " (the saved file is an error response, not posts)"));
}

void AddNames(internal::JsonRecordParser& parser, const std::vector<std::string_view>& views,
              bool groups, Names& names) {
  for (std::string_view view : views) {
    simdjson::dom::element element;
    simdjson::dom::object object;
    if (parser.Parse(view, element) != simdjson::SUCCESS ||
        element.get_object().get(object) != simdjson::SUCCESS) {
      continue;  // a profile that cannot be read only costs an author name
    }
    absl::StatusOr<std::optional<int64_t>> id = internal::OptionalInt(object, "id");
    if (!id.ok() || !id->has_value()) continue;
    std::string name;
    if (groups) {
      absl::StatusOr<std::optional<std::string_view>> group_name =
          internal::OptionalString(object, "name");
      if (group_name.ok() && group_name->has_value()) name = std::string(**group_name);
    } else {
      absl::StatusOr<std::optional<std::string_view>> first =
          internal::OptionalString(object, "first_name");
      absl::StatusOr<std::optional<std::string_view>> last =
          internal::OptionalString(object, "last_name");
      if (first.ok() && first->has_value()) name = std::string(**first);
      if (last.ok() && last->has_value() && !(*last)->empty()) {
        if (!name.empty()) name += ' ';
        name += **last;
      }
    }
    if (name.empty() || name.size() > internal::kMaxFieldBytes ||
        !simdjson::validate_utf8(name.data(), name.size())) {
      continue;
    }
    names[groups ? -**id : **id] = std::move(name);
  }
}

// The URL of the largest size of a photo: "sizes" (API 5.x) or the older photo_75...photo_2560.
std::string LargestPhotoUrl(simdjson::dom::object photo) {
  std::string best_url;
  int64_t best_area = -1;
  simdjson::dom::array sizes;
  if (photo.at_key("sizes").get(sizes) == simdjson::SUCCESS) {
    for (simdjson::dom::element size_element : sizes) {
      simdjson::dom::object size;
      std::string_view url;
      if (size_element.get_object().get(size) != simdjson::SUCCESS ||
          size.at_key("url").get(url) != simdjson::SUCCESS) {
        continue;
      }
      int64_t width = 0, height = 0;
      if (size.at_key("width").get(width) != simdjson::SUCCESS) width = 0;
      if (size.at_key("height").get(height) != simdjson::SUCCESS) height = 0;
      const int64_t area =
          (width > 0 && height > 0 && width < (1 << 20) && height < (1 << 20)) ? width * height : 0;
      if (area > best_area) {
        best_area = area;
        best_url = std::string(url);
      }
    }
  }
  if (!best_url.empty()) return best_url;
  for (std::string_view key :
       {"photo_2560", "photo_1280", "photo_807", "photo_604", "photo_130", "photo_75"}) {
    std::string_view url;
    if (photo.at_key(key).get(url) == simdjson::SUCCESS) return std::string(url);
  }
  return best_url;
}

// Attachments: photos (the largest size), links, videos, documents and audio as media URLs.
absl::Status AddAttachments(simdjson::dom::object post, std::vector<Media>& media) {
  simdjson::dom::element attachments_element;
  if (post.at_key("attachments").get(attachments_element) != simdjson::SUCCESS ||
      attachments_element.is_null()) {
    return absl::OkStatus();
  }
  simdjson::dom::array attachments;
  if (attachments_element.get_array().get(attachments) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("\"attachments\" must be an array");
  }
  for (simdjson::dom::element attachment_element : attachments) {
    simdjson::dom::object attachment;
    std::string_view type;
    if (attachment_element.get_object().get(attachment) != simdjson::SUCCESS ||
        attachment.at_key("type").get(type) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError("an attachment without a \"type\"");
    }
    simdjson::dom::object body;
    if (attachment.at_key(type).get(body) != simdjson::SUCCESS) continue;
    Media item;
    if (type == "photo") {
      item.url = LargestPhotoUrl(body);
      item.mime_type = "image/jpeg";
    } else if (type == "video") {
      int64_t owner_id = 0, id = 0;
      if (body.at_key("owner_id").get(owner_id) == simdjson::SUCCESS &&
          body.at_key("id").get(id) == simdjson::SUCCESS) {
        item.url = base::StrCat("https://vk.com/video", owner_id, "_", id);
      }
    } else if (type == "link" || type == "doc" || type == "audio") {
      std::string_view url;
      if (body.at_key("url").get(url) == simdjson::SUCCESS) item.url = std::string(url);
      if (type == "link") item.mime_type = "text/html";
    }
    if (item.url.empty()) continue;
    if (item.url.size() > internal::kMaxFieldBytes) {
      return absl::InvalidArgumentError(
          internal::TooLargeMessage("an attachment URL", internal::kMaxFieldBytes));
    }
    if (media.size() >= kMaxMediaPerRecord) {
      return absl::InvalidArgumentError(
          base::StrCat("more than ", kMaxMediaPerRecord, " media files"));
    }
    media.push_back(std::move(item));
  }
  return absl::OkStatus();
}

absl::StatusOr<Record> ParseItem(simdjson::dom::element element, const Names& names) {
  simdjson::dom::object post;
  if (element.get_object().get(post) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("an item must be an object");
  }
  // wall.get and newsfeed.search name the post id and wall "id"/"owner_id"; newsfeed.get
  // names them "post_id"/"source_id".
  ASSIGN_OR_RETURN(std::optional<int64_t> id, internal::OptionalInt(post, "id"));
  if (!id) {
    ASSIGN_OR_RETURN(id, internal::OptionalInt(post, "post_id"));
  }
  if (!id) return absl::InvalidArgumentError("no \"id\"");
  ASSIGN_OR_RETURN(std::optional<int64_t> owner_id, internal::OptionalInt(post, "owner_id"));
  if (!owner_id) {
    ASSIGN_OR_RETURN(owner_id, internal::OptionalInt(post, "source_id"));
  }
  if (!owner_id) return absl::InvalidArgumentError("no \"owner_id\"");
  ASSIGN_OR_RETURN(std::optional<int64_t> from_id, internal::OptionalInt(post, "from_id"));
  ASSIGN_OR_RETURN(std::optional<int64_t> date, internal::OptionalInt(post, "date"));

  Record record;
  record.platform = "vk";
  record.post_id = std::to_string(*id);
  record.channel_id = std::to_string(*owner_id);
  const int64_t author = from_id.value_or(*owner_id);
  record.author_id = std::to_string(author);
  if (auto name = names.find(author); name != names.end()) record.author_name = name->second;
  record.url = base::StrCat("https://vk.com/wall", *owner_id, "_", *id);
  if (date) {
    if (*date < 0 || *date > (int64_t{1} << 40)) {
      return absl::InvalidArgumentError("\"date\" is not a time");
    }
    record.created_at = *date * 1000;
  }

  // The post's text, then the text of what it reposts (copy_history), each after a blank line:
  // a repost with no words of its own still carries the reposted words.
  internal::TextBuilder text;
  ASSIGN_OR_RETURN(std::optional<std::string_view> own_text,
                   internal::OptionalString(post, "text"));
  if (own_text) text.Append(*own_text);
  RETURN_IF_ERROR(AddAttachments(post, record.media));
  simdjson::dom::array history;
  if (post.at_key("copy_history").get(history) == simdjson::SUCCESS) {
    for (simdjson::dom::element original_element : history) {
      simdjson::dom::object original;
      if (original_element.get_object().get(original) != simdjson::SUCCESS) continue;
      ASSIGN_OR_RETURN(std::optional<std::string_view> original_text,
                       internal::OptionalString(original, "text"));
      if (original_text && !original_text->empty()) {
        if (!text.empty()) text.Append("\n\n");
        text.Append(*original_text);
      }
      RETURN_IF_ERROR(AddAttachments(original, record.media));
    }
  }
  if (text.overflowed()) {
    return absl::InvalidArgumentError(internal::TooLargeMessage("text", kMaxTextBytes));
  }
  record.text = text.Take();
  return record;
}

}  // namespace

absl::StatusOr<ParseOutput> ParseVkResponse(std::string_view json) {
  internal::MaskedDocument document(json);
  auto not_a_response = [](std::string_view why) {
    return absl::InvalidArgumentError(base::StrCat("not a VK API response: ", why));
  };
  simdjson::ondemand::parser outer_parser;
  simdjson::ondemand::document outer;
  if (auto error = outer_parser.iterate(document.padded()).get(outer)) {
    return not_a_response(JsonErrorMessage(error));
  }
  simdjson::ondemand::object root;
  if (outer.get_object().get(root) != simdjson::SUCCESS) {
    return not_a_response("not a JSON object");
  }

  ResponseViews views;
  bool saw_response = false;
  for (auto field_result : root) {
    simdjson::ondemand::field field;
    std::string_view key;
    if (auto error = std::move(field_result).get(field))
      return not_a_response(JsonErrorMessage(error));
    if (auto error = field.unescaped_key().get(key)) return not_a_response(JsonErrorMessage(error));
    simdjson::ondemand::value value = field.value();
    if (key == "error") {
      std::string_view view;
      if (auto error = internal::RawBytesOf(value, view)) {
        return not_a_response(JsonErrorMessage(error));
      }
      return ApiError(view);
    }
    if (key != "response") continue;
    saw_response = true;
    simdjson::ondemand::json_type type;
    if (auto error = value.type().get(type)) return not_a_response(JsonErrorMessage(error));
    if (type == simdjson::ondemand::json_type::array) {  // wall.getById: the posts themselves
      if (absl::Status status = CollectArray(value, views.items); !status.ok()) {
        return not_a_response(base::FromAbsl(status.message()));
      }
      continue;
    }
    simdjson::ondemand::object response;
    if (value.get_object().get(response) != simdjson::SUCCESS) {
      return not_a_response("\"response\" is neither an object nor an array");
    }
    for (auto inner_result : response) {
      simdjson::ondemand::field inner;
      std::string_view inner_key;
      if (auto error = std::move(inner_result).get(inner))
        return not_a_response(JsonErrorMessage(error));
      if (auto error = inner.unescaped_key().get(inner_key)) {
        return not_a_response(JsonErrorMessage(error));
      }
      std::vector<std::string_view>* target = inner_key == "items"      ? &views.items
                                              : inner_key == "profiles" ? &views.profiles
                                              : inner_key == "groups"   ? &views.groups
                                                                        : nullptr;
      if (target == nullptr) continue;
      if (absl::Status status = CollectArray(inner.value(), *target); !status.ok()) {
        return not_a_response(
            base::StrCat("\"", inner_key, "\": ", base::FromAbsl(status.message())));
      }
    }
  }
  if (outer.current_location().error() != simdjson::OUT_OF_BOUNDS) {
    return not_a_response("content after the JSON document");
  }
  if (!saw_response) return not_a_response("no \"response\"");

  internal::JsonRecordParser parser;
  Names names;
  AddNames(parser, views.profiles, /*groups=*/false, names);
  AddNames(parser, views.groups, /*groups=*/true, names);

  ParseOutput out;
  out.format = "vk";
  size_t accepted = 0;  // records so far; channel_id stays set while all share one
  bool one_channel = true;
  for (size_t item_idx = 0; item_idx < views.items.size(); ++item_idx) {
    const std::string_view view = views.items[item_idx];
    RecordResult result;
    result.position = base::StrCat("item ", item_idx + 1);
    auto refuse = [&](std::string_view why) {
      result.error = std::string(why);
      out.records.push_back(std::move(result));
    };
    if (document.HadInvalidUtf8(view)) {
      refuse("invalid UTF-8");
      continue;
    }
    if (view.size() > kMaxRawBytes) {
      refuse(internal::TooLargeMessage("item", kMaxRawBytes));
      continue;
    }
    simdjson::dom::element element;
    if (auto error = parser.Parse(view, element)) {
      refuse(JsonErrorMessage(error));
      continue;
    }
    absl::StatusOr<Record> record = ParseItem(element, names);
    if (!record.ok()) {
      refuse(base::FromAbsl(record.status().message()));
      continue;
    }
    record->raw = std::string(document.Original(view));
    if (absl::Status status = internal::CheckRecord(*record); !status.ok()) {
      refuse(base::FromAbsl(status.message()));
      continue;
    }
    if (accepted++ == 0) {
      out.channel_id = record->channel_id;
    } else if (one_channel && out.channel_id != record->channel_id) {
      one_channel = false;
      out.channel_id.clear();
    }
    result.record = std::move(*record);
    out.records.push_back(std::move(result));
  }
  if (!out.channel_id.empty()) {
    int64_t owner;
    if (base::SimpleAtoi(out.channel_id, &owner)) {
      if (auto name = names.find(owner); name != names.end()) out.channel_name = name->second;
    }
  }
  return out;
}

}  // namespace threathub::collect
