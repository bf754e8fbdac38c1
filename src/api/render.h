// JSON forms of the foundation's objects, as docs/api.md describes them.
#pragma once

#include "audit/audit.h"
#include "auth/org.h"
#include "auth/principal.h"
#include "http/json.h"

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

}  // namespace threathub::api
