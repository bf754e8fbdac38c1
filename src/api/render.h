// JSON forms of the foundation's objects, as docs/api.md describes them.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audit.h"
#include "auth/org.h"
#include "auth/principal.h"
#include "cases/cases.h"
#include "collect/collect.h"
#include "http/json.h"
#include "http/message.h"

namespace threathub::api {

http::Json RenderRegion(const auth::Region& region);
http::Json RenderAgency(const auth::Agency& agency);
http::Json RenderUser(const auth::User& user);
http::Json RenderSession(const auth::Principal& principal, int64_t idle_timeout_seconds);
// The same text as RenderSession(...).dump(), written directly: GET /api/v1/session is the most
// frequent authenticated call, and building and walking the Json tree cost more than the rest
// of the request.
std::string RenderSessionText(const auth::Principal& principal, int64_t idle_timeout_seconds);
http::Json RenderAuditRecord(const audit::Record& record);
http::Json RenderRoles(const std::vector<auth::Role>& roles);
// {"user_id","username","display_name"}, or null.
http::Json RenderPerson(const cases::Person& person);
http::Json OptionalPerson(const std::optional<cases::Person>& person);
// An RFC 3339 UTC time, or null.
http::Json OptionalTime(const std::optional<base::Millis>& millis);
// "attachment; filename=...; filename*=UTF-8''..." with a plain ASCII fallback.
std::string ContentDisposition(std::string_view name);
// The file at `path`, sent from disk as an attachment named `name`, never cached.
http::Response FileDownload(const std::string& path, std::string_view name,
                            std::string content_type);

// A JSON body whose object- and list-valued fields JsonObject has no reader for: `rest` reads
// the other fields one by one (and refuses unknown ones on Finish), `taken` holds the named
// fields that were present (null included, so a PATCH can clear a value).
struct SplitJson {
  http::JsonObject rest;
  std::map<std::string, http::Json> taken;
};
// The parse errors are JsonObject::Parse's (malformed JSON, not an object).
absl::StatusOr<SplitJson> SplitJsonBody(std::string_view body,
                                        const std::vector<std::string>& fields);

// A collected item as GET /api/v1/collected/{id} answers it (without `raw`), with `snippet`
// when the item carries one (a search result).
http::Json RenderCollectedItem(const collect::Item& item);

}  // namespace threathub::api
