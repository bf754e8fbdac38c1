// The audit trail's search and CSV export.
#include "api/render.h"
#include "api/services.h"
#include "base/errors.h"
#include "base/status_macros.h"
#include "base/strings.h"

namespace threathub::api {
namespace {

using auth::Permission;
using http::Json;
using http::Method;
using http::Request;
using http::Response;

constexpr std::string_view kQueryFields[] = {"actor", "action", "object_type", "object_id",
                                             "from",  "to",     "limit",       "before_id"};

absl::StatusOr<audit::Query> ReadQuery(const Request& request, int default_limit) {
  for (const auto& [key, value] : request.query) {
    if (std::find(std::begin(kQueryFields), std::end(kQueryFields), key) ==
        std::end(kQueryFields)) {
      return base::InvalidField(key, "unknown parameter");
    }
  }
  audit::Query query;
  auto text = [&](const char* name) {
    auto found = request.query.find(name);
    return found == request.query.end() ? std::string() : found->second.substr(0, 200);
  };
  query.actor = text("actor");
  query.action = text("action");
  query.object_type = text("object_type");
  query.object_id = text("object_id");
  for (const char* name : {"from", "to"}) {
    std::string value = text(name);
    if (value.empty()) continue;
    base::Millis millis = 0;
    if (!base::ParseUtc(value, millis)) {
      return base::InvalidField(name, "expected a time such as 2026-11-27T09:30:00Z");
    }
    (std::string_view(name) == "from" ? query.from : query.to) = millis;
  }
  ASSIGN_OR_RETURN(std::optional<int64_t> limit, http::OptionalIntParam(request.query, "limit"));
  query.limit = static_cast<int>(limit.value_or(default_limit));
  if (limit && (*limit < 1 || *limit > 1000)) {
    return base::InvalidField("limit", "expected 1..1000");
  }
  ASSIGN_OR_RETURN(query.before_id, http::OptionalIntParam(request.query, "before_id"));
  // Supervisors and agency admins see their agency; national admins everything.
  const auth::Principal& who = *request.principal;
  if (!auth::Has(who.permissions, Permission::kOrgManageAll)) query.agency_id = who.agency_id;
  return query;
}

std::string CsvField(std::string_view value) {
  // RFC 4180 quoting; a leading = + - @ tab or carriage return is prefixed with ' so that
  // spreadsheets do not run it as a formula (OWASP CSV injection).
  std::string text(value);
  if (!text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' ||
                        text[0] == '\t' || text[0] == '\r')) {
    text = "'" + text;
  }
  return base::StrCat("\"", base::StrReplaceAll(text, {{"\"", "\"\""}}), "\"");
}

}  // namespace

void AddAuditRoutes(http::Router& router, Services& services) {
  audit::AuditTrail& trail = services.trail;

  router.Add(
      {.method = Method::kGet,
       .pattern = "/api/v1/audit",
       .permission = Permission::kAuditRead,
       .handler = [&trail](Request& request) -> absl::StatusOr<Response> {
         ASSIGN_OR_RETURN(audit::Query query, ReadQuery(request, 50));
         ASSIGN_OR_RETURN(audit::Page page, trail.Search(query));
         Json records = Json::array();
         for (const audit::Record& record : page.records) {
           records.push_back(RenderAuditRecord(record));
         }
         return http::JsonResponse(Json{
             {"records", records},
             {"next_before_id", page.next_before_id ? Json(*page.next_before_id) : Json(nullptr)}});
       },
       .audit_action = "audit.search",
       .audit_object_type = "audit"});

  router.Add(
      {.method = Method::kGet,
       .pattern = "/api/v1/audit.csv",
       .permission = Permission::kAuditRead,
       .handler = [&trail](Request& request) -> absl::StatusOr<Response> {
         ASSIGN_OR_RETURN(audit::Query query, ReadQuery(request, 1000));
         Response response;
         response.content_type = "text/csv; charset=utf-8";
         response.headers.emplace_back("Content-Disposition", "attachment; filename=\"audit.csv\"");
         response.body =
             "id,at,actor_id,actor_name,agency_id,action,object_type,object_id,client,"
             "outcome,request_id,detail\r\n";
         // Up to 100,000 records per export, a page at a time.
         for (int page_idx = 0; page_idx < 100; ++page_idx) {
           ASSIGN_OR_RETURN(audit::Page page, trail.Search(query));
           for (const audit::Record& record : page.records) {
             base::StrAppend(&response.body, record.id, ",", base::FormatUtc(record.at), ",",
                             record.actor_id ? std::to_string(*record.actor_id) : "", ",",
                             CsvField(record.actor_name), ",",
                             record.agency_id ? std::to_string(*record.agency_id) : "", ",",
                             CsvField(record.action), ",", CsvField(record.object_type), ",",
                             CsvField(record.object_id), ",", CsvField(record.client), ",",
                             audit::OutcomeName(record.outcome), ",", CsvField(record.request_id),
                             ",", CsvField(record.detail), "\r\n");
           }
           if (!page.next_before_id) break;
           query.before_id = page.next_before_id;
         }
         return response;
       },
       .audit_action = "audit.export",
       .audit_object_type = "audit"});
}

}  // namespace threathub::api
