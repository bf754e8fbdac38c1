#include "api/render.h"
#include "base/encoding.h"
#include "base/strings.h"

namespace threathub::api {

using http::Json;

Json RenderRoles(const std::vector<auth::Role>& roles) {
  Json names = Json::array();
  for (auth::Role role : roles) names.push_back(auth::RoleName(role));
  return names;
}

Json RenderRegion(const auth::Region& region) {
  return Json{{"id", region.id},
              {"code", region.code},
              {"name", region.name},
              {"created_at", base::FormatUtc(region.created_at)}};
}

Json RenderAgency(const auth::Agency& agency) {
  return Json{{"id", agency.id},
              {"region_id", agency.region_id},
              {"code", agency.code},
              {"name", agency.name},
              {"national", agency.national},
              {"disabled", agency.disabled},
              {"head_user_id", agency.head_user_id ? Json(*agency.head_user_id) : Json(nullptr)},
              {"created_at", base::FormatUtc(agency.created_at)}};
}

Json RenderUser(const auth::User& user) {
  return Json{{"id", user.id},
              {"username", user.username},
              {"display_name", user.display_name},
              {"email", user.email},
              {"agency_id", user.agency_id},
              {"agency_name", user.agency_name},
              {"roles", RenderRoles(user.roles)},
              {"disabled", user.disabled},
              {"locked", user.locked},
              {"totp_enabled", user.totp_enabled},
              {"language", user.language},
              {"time_zone", user.time_zone},
              {"created_at", base::FormatUtc(user.created_at)}};
}

Json RenderSession(const auth::Principal& principal, int64_t idle_timeout_seconds) {
  Json permissions = Json::array();
  for (size_t permission_idx = 0; permission_idx < static_cast<size_t>(auth::Permission::kCount);
       ++permission_idx) {
    auto permission = static_cast<auth::Permission>(permission_idx);
    if (auth::Has(principal.permissions, permission)) {
      permissions.push_back(auth::PermissionName(permission));
    }
  }
  Json user = {{"id", principal.user_id},
               {"username", principal.username},
               {"display_name", principal.display_name},
               {"agency_id", principal.agency_id},
               {"agency_name", principal.agency_name},
               {"national_agency", principal.national_agency},
               {"roles", RenderRoles(principal.roles)},
               {"permissions", permissions},
               {"language", principal.language},
               {"time_zone", principal.time_zone},
               {"totp_enabled", principal.totp_enabled}};
  return Json{{"user", user},
              {"csrf_token", principal.csrf_token},
              {"stage", auth::SessionStageName(principal.stage)},
              {"idle_timeout_seconds", idle_timeout_seconds},
              {"expires_at", base::FormatUtc(principal.session_expires_at)}};
}

namespace {

// Appends `text` as a JSON string exactly as Json::dump() does (UTF-8 as it is; '"', '\\' and
// control characters escaped). False, appending nothing, if `text` is not valid UTF-8.
bool AppendJsonString(std::string& out, std::string_view text) {
  if (!base::IsValidUtf8(text)) return false;
  out += '"';
  size_t run_start = 0;  // bytes that need no escape go in one append per run
  for (size_t byte_idx = 0; byte_idx < text.size(); ++byte_idx) {
    auto byte = static_cast<unsigned char>(text[byte_idx]);
    if (byte >= 0x20 && byte != '"' && byte != '\\') continue;
    out.append(text, run_start, byte_idx - run_start);
    run_start = byte_idx + 1;
    switch (byte) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        const char escape[] = {'\\', 'u', '0', '0', kHex[byte >> 4], kHex[byte & 15]};
        out.append(escape, sizeof escape);
      }
    }
  }
  out.append(text, run_start, text.size() - run_start);
  out += '"';
  return true;
}

}  // namespace

std::string RenderSessionText(const auth::Principal& principal, int64_t idle_timeout_seconds) {
  std::string out;
  out.reserve(640);
  bool valid = true;
  // Keys in the order Json (a std::map) writes them; api_test compares with RenderSession.
  out += "{\"csrf_token\":";
  valid &= AppendJsonString(out, principal.csrf_token);
  out += ",\"expires_at\":";
  valid &= AppendJsonString(out, base::FormatUtc(principal.session_expires_at));
  base::StrAppend(&out, ",\"idle_timeout_seconds\":", idle_timeout_seconds, ",\"stage\":");
  valid &= AppendJsonString(out, auth::SessionStageName(principal.stage));
  base::StrAppend(&out, ",\"user\":{\"agency_id\":", principal.agency_id, ",\"agency_name\":");
  valid &= AppendJsonString(out, principal.agency_name);
  out += ",\"display_name\":";
  valid &= AppendJsonString(out, principal.display_name);
  base::StrAppend(&out, ",\"id\":", principal.user_id, ",\"language\":");
  valid &= AppendJsonString(out, principal.language);
  out += principal.national_agency ? ",\"national_agency\":true" : ",\"national_agency\":false";
  out += ",\"permissions\":[";
  const char* separator = "";
  for (size_t permission_idx = 0; permission_idx < static_cast<size_t>(auth::Permission::kCount);
       ++permission_idx) {
    auto permission = static_cast<auth::Permission>(permission_idx);
    if (!auth::Has(principal.permissions, permission)) continue;
    out += separator;
    separator = ",";
    valid &= AppendJsonString(out, auth::PermissionName(permission));
  }
  out += "],\"roles\":[";
  separator = "";
  for (auth::Role role : principal.roles) {
    out += separator;
    separator = ",";
    valid &= AppendJsonString(out, auth::RoleName(role));
  }
  out += "],\"time_zone\":";
  valid &= AppendJsonString(out, principal.time_zone);
  out += principal.totp_enabled ? ",\"totp_enabled\":true" : ",\"totp_enabled\":false";
  out += ",\"username\":";
  valid &= AppendJsonString(out, principal.username);
  out += "}}";
  if (!valid) {  // bad UTF-8 from the store: the Json path replaces it, as every other answer does
    return RenderSession(principal, idle_timeout_seconds)
        .dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  return out;
}

Json RenderAuditRecord(const audit::Record& record) {
  return Json{{"id", record.id},
              {"at", base::FormatUtc(record.at)},
              {"actor_id", record.actor_id ? Json(*record.actor_id) : Json(nullptr)},
              {"actor_name", record.actor_name},
              {"agency_id", record.agency_id ? Json(*record.agency_id) : Json(nullptr)},
              {"action", record.action},
              {"object_type", record.object_type},
              {"object_id", record.object_id},
              {"client", record.client},
              {"outcome", audit::OutcomeName(record.outcome)},
              {"request_id", record.request_id},
              {"detail", record.detail}};
}

http::Json RenderPerson(const cases::Person& person) {
  return http::Json{{"user_id", person.user_id},
                    {"username", person.username},
                    {"display_name", person.display_name}};
}

http::Json OptionalPerson(const std::optional<cases::Person>& person) {
  return person ? RenderPerson(*person) : Json(nullptr);
}

http::Json OptionalTime(const std::optional<base::Millis>& millis) {
  return millis ? Json(base::FormatUtc(*millis)) : Json(nullptr);
}

// "attachment; filename=...; filename*=UTF-8''..." with a plain ASCII fallback.
std::string ContentDisposition(std::string_view name) {
  std::string ascii;
  std::string encoded;
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char symbol : name) {
    unsigned char byte = static_cast<unsigned char>(symbol);
    bool plain = (byte >= '0' && byte <= '9') || (byte >= 'a' && byte <= 'z') ||
                 (byte >= 'A' && byte <= 'Z') || byte == '.' || byte == '-' || byte == '_';
    ascii += plain ? symbol : '_';
    if (plain) {
      encoded += symbol;
    } else {
      encoded += '%';
      encoded += kHex[byte >> 4];
      encoded += kHex[byte & 15];
    }
  }
  return base::StrCat("attachment; filename=\"", ascii, "\"; filename*=UTF-8''", encoded);
}

http::Response FileDownload(const std::string& path, std::string_view name,
                            std::string content_type) {
  http::Response response;
  response.content_type = std::move(content_type);
  response.file_path = path;
  response.headers.emplace_back("Content-Disposition", ContentDisposition(name));
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

Json RenderCollectedItem(const collect::Item& item) {
  Json media = Json::array();
  for (const collect::MediaFile& file : item.media) {
    media.push_back({{"n", file.n},
                     {"sha256", file.sha256.empty() ? Json(nullptr) : Json(file.sha256)},
                     {"name", file.name},
                     {"mime_type", file.mime_type},
                     {"size", file.size},
                     {"url", file.url.empty() ? Json(nullptr) : Json(file.url)}});
  }
  Json rendered{{"id", item.id},
                {"mandate_id", item.mandate_id},
                {"source_id", item.source_id},
                {"platform", item.platform},
                {"channel_id", item.channel_id},
                {"post_id", item.post_id},
                {"author_id", item.author_id},
                {"author_name", item.author_name},
                {"url", item.url},
                {"text", item.text},
                {"created_at", OptionalTime(item.created_at)},
                {"collected_at", base::FormatUtc(item.collected_at)},
                {"sha256", item.sha256},
                {"size", item.raw_size},
                {"media", media},
                {"purge_at", base::FormatUtc(item.purge_at)},
                {"promoted_evidence_id",
                 item.promoted_evidence_id ? Json(*item.promoted_evidence_id) : Json(nullptr)}};
  if (!item.snippet.empty()) rendered["snippet"] = item.snippet;
  return rendered;
}

absl::StatusOr<SplitJson> SplitJsonBody(std::string_view body,
                                        const std::vector<std::string>& fields) {
  absl::StatusOr<http::JsonObject> checked = http::JsonObject::Parse(body);
  if (!checked.ok()) return checked.status();  // the parse errors, with their positions
  Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  std::map<std::string, Json> taken;
  for (const std::string& field : fields) {
    if (auto found = parsed.find(field); found != parsed.end()) {
      taken.emplace(field, std::move(*found));
      parsed.erase(found);
    }
  }
  return SplitJson{http::JsonObject(std::move(parsed)), std::move(taken)};
}

}  // namespace threathub::api
