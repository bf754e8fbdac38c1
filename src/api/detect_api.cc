// Detection: indicator lists and their entries, hash banks and their hashes, alerts and the
// review queue, rescans, status and metrics (docs/api.md, "Detection"). Lists and banks are
// shared by the installation (detect.review reads, detect.manage edits); alerts follow their
// item's mandate (detect::DetectService checks it).
#include <algorithm>
#include <fstream>
#include <set>

#include "api/render.h"
#include "api/services.h"
#include "base/encoding.h"
#include "base/errors.h"
#include "base/file.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "detect/detect.h"

namespace threathub::api {
namespace {

using auth::Permission;
using http::Json;
using http::JsonObject;
using http::Method;
using http::Request;
using http::Response;

// An indicator or hash list file.
constexpr int64_t kMaxListFileBytes = int64_t{64} << 20;

detect::Origin OriginOf(const Request& request) {
  return detect::Origin{request.client_address, request.request_id};
}

collect::Origin CollectOriginOf(const Request& request) {
  return collect::Origin{request.client_address, request.request_id,
                         base::StrCat("web ", request.client_address)};
}

absl::StatusOr<int64_t> Id(const Request& request, const std::string& name = "id") {
  return http::IntParam(request.path_params, name);
}

std::string Query(const Request& request, const std::string& name) {
  auto found = request.query.find(name);
  return found == request.query.end() ? std::string() : found->second;
}

absl::Status OnlyQuery(const Request& request, const std::set<std::string>& known) {
  for (const auto& [key, value] : request.query) {
    if (!known.count(key)) return base::InvalidField(key, "unknown parameter");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::pair<int, int>> Paging(const Request& request, int default_limit,
                                           int max_limit) {
  ASSIGN_OR_RETURN(std::optional<int64_t> limit, http::OptionalIntParam(request.query, "limit"));
  ASSIGN_OR_RETURN(std::optional<int64_t> offset, http::OptionalIntParam(request.query, "offset"));
  if (limit && (*limit < 1 || *limit > max_limit)) {
    return base::InvalidField("limit", base::StrCat("1 to ", max_limit));
  }
  if (offset && (*offset < 0 || *offset > 1'000'000'000)) {
    return base::InvalidField("offset", "0 or more");
  }
  return std::pair<int, int>{static_cast<int>(limit.value_or(default_limit)),
                             static_cast<int>(offset.value_or(0))};
}

Json Precision(int64_t confirmed, int64_t dismissed) {
  if (confirmed + dismissed == 0) return nullptr;
  return static_cast<double>(confirmed) / static_cast<double>(confirmed + dismissed);
}

Json RenderList(const detect::IndicatorList& list, bool with_problems) {
  Json rendered{{"id", list.id},
                {"name", list.name},
                {"kind", list.kind},
                {"description", list.description},
                {"active", list.active},
                {"version", list.version},
                {"indicator_count", list.indicator_count},
                {"alert_count", list.alert_count},
                {"created_by", OptionalPerson(list.created_by)},
                {"created_at", base::FormatUtc(list.created_at)},
                {"updated_at", base::FormatUtc(list.updated_at)}};
  if (with_problems) {
    Json problems = Json::array();
    for (const detect::PatternProblem& problem : list.problems) {
      problems.push_back({{"indicator_id", problem.indicator_id},
                          {"pattern", problem.pattern},
                          {"error", problem.error}});
    }
    rendered["problems"] = problems;
  }
  return rendered;
}

Json RenderIndicator(const detect::StoredIndicator& indicator) {
  return Json{{"id", indicator.id},
              {"list_id", indicator.list_id},
              {"kind", indicator.row.kind},
              {"pattern", indicator.row.pattern},
              {"language", indicator.row.language},
              {"category", indicator.row.category},
              {"severity", indicator.row.severity},
              {"notes", indicator.row.notes},
              {"active", indicator.active},
              {"alerts", indicator.alerts},
              {"confirmed", indicator.confirmed},
              {"precision", Precision(indicator.confirmed, indicator.dismissed)},
              {"created_at", base::FormatUtc(indicator.created_at)},
              {"updated_at", base::FormatUtc(indicator.updated_at)}};
}

Json RenderErrors(const std::vector<detect::FileError>& errors) {
  Json list = Json::array();
  for (const detect::FileError& error : errors) {
    list.push_back({{"position", error.position}, {"error", error.error}});
  }
  return list;
}

Json RenderBank(const detect::Bank& bank) {
  return Json{{"id", bank.id},
              {"name", bank.name},
              {"algorithm", bank.algorithm},
              {"negative", bank.negative},
              {"threshold", bank.threshold},
              {"quality_gate", bank.quality_gate},
              {"labels", bank.labels},
              {"description", bank.description},
              {"active", bank.active},
              {"version", bank.version},
              {"hash_count", bank.hash_count},
              {"quarantined_count", bank.quarantined_count},
              {"alert_count", bank.alert_count},
              {"created_by", OptionalPerson(bank.created_by)},
              {"created_at", base::FormatUtc(bank.created_at)},
              {"updated_at", base::FormatUtc(bank.updated_at)}};
}

Json RenderBankHash(const detect::BankHash& hash) {
  return Json{{"id", hash.id},
              {"bank_id", hash.bank_id},
              {"hash", hash.hash},
              {"label", hash.label},
              {"source", hash.source},
              {"ideology", hash.ideology},
              {"file_type", hash.file_type},
              {"active", hash.active},
              {"quarantined", hash.quarantined},
              {"alerts", hash.alerts},
              {"created_at", base::FormatUtc(hash.created_at)}};
}

template <class T>
Json OptionalNumber(const std::optional<T>& value) {
  return value ? Json(*value) : Json(nullptr);
}

Json RenderAlert(const detect::Alert& alert) {
  Json highlights = Json::array();
  for (const detect::Highlight& highlight : alert.highlights) {
    highlights.push_back(
        {{"start", highlight.start}, {"end", highlight.end}, {"text", highlight.text}});
  }
  Json indicator = nullptr;
  if (alert.indicator) {
    indicator = {{"id", alert.indicator->id},
                 {"kind", alert.indicator->row.kind},
                 {"pattern", alert.indicator->row.pattern},
                 {"category", alert.indicator->row.category},
                 {"severity", alert.indicator->row.severity}};
  }
  Json bank_hash = nullptr;
  if (alert.bank_hash) {
    bank_hash = {{"id", alert.bank_hash->id},
                 {"hash", alert.bank_hash->hash},
                 {"label", alert.bank_hash->label}};
  }
  Json removal = nullptr;
  if (alert.removal_request) {
    removal = {{"platform", alert.removal_request->platform},
               {"reference", alert.removal_request->reference},
               {"note", alert.removal_request->note},
               {"requested_at", base::FormatUtc(alert.removal_request->requested_at)},
               {"recorded_by", RenderPerson(alert.removal_request->recorded_by)}};
  }
  return Json{{"id", alert.id},
              {"item_id", alert.item_id},
              {"mandate_id", alert.mandate_id},
              {"kind", alert.kind},
              {"state", alert.state},
              {"list_id", OptionalNumber(alert.list_id)},
              {"list_name", alert.list_name.empty() ? Json(nullptr) : Json(alert.list_name)},
              {"list_version", OptionalNumber(alert.list_version)},
              {"indicator", indicator},
              {"bank_id", OptionalNumber(alert.bank_id)},
              {"bank_name", alert.bank_name.empty() ? Json(nullptr) : Json(alert.bank_name)},
              {"bank_hash", bank_hash},
              {"media_n", OptionalNumber(alert.media_n)},
              {"distance", OptionalNumber(alert.distance)},
              {"quality", OptionalNumber(alert.quality)},
              {"low_confidence", alert.low_confidence},
              {"highlights", highlights},
              {"excerpt", alert.excerpt},
              {"severity", alert.severity},
              {"created_at", base::FormatUtc(alert.created_at)},
              {"decided_by", OptionalPerson(alert.decided_by)},
              {"decided_at", OptionalTime(alert.decided_at)},
              {"reason", alert.reason.empty() ? Json(nullptr) : Json(alert.reason)},
              {"case_id", OptionalNumber(alert.case_id)},
              {"evidence_id", OptionalNumber(alert.evidence_id)},
              {"removal_request", removal}};
}

Json RenderScan(const detect::Scan& scan) {
  return Json{{"id", scan.id},
              {"reason", scan.reason},
              {"from", base::FormatUtc(scan.from)},
              {"items", scan.items},
              {"scanned", scan.scanned},
              {"alerts", scan.alerts},
              {"state", scan.state},
              {"started_at", base::FormatUtc(scan.started_at)},
              {"finished_at", OptionalTime(scan.finished_at)}};
}

Json RenderMetrics(const std::vector<detect::MetricsRow>& rows, const char* id_name) {
  Json list = Json::array();
  for (const detect::MetricsRow& row : rows) {
    Json rendered{{id_name, row.id},
                  {"alerts", row.alerts},
                  {"confirmed", row.confirmed},
                  {"dismissed", row.dismissed},
                  {"precision", OptionalNumber(row.precision)}};
    if (std::string_view(id_name) == "indicator_id") {
      rendered["list_id"] = row.list_id;
      rendered["pattern"] = row.name;
    } else {
      rendered["name"] = row.name;
      rendered["open"] = row.open;
    }
    list.push_back(std::move(rendered));
  }
  return list;
}

absl::StatusOr<detect::IndicatorChanges> IndicatorChangesFrom(JsonObject& body) {
  detect::IndicatorChanges changes;
  ASSIGN_OR_RETURN(changes.kind, body.OptionalString("kind", 20));
  ASSIGN_OR_RETURN(changes.pattern, body.OptionalString("pattern", detect::kMaxPatternBytes));
  ASSIGN_OR_RETURN(changes.language, body.OptionalString("language", 10));
  ASSIGN_OR_RETURN(changes.category, body.OptionalString("category", detect::kMaxCategoryBytes));
  ASSIGN_OR_RETURN(changes.severity, body.OptionalString("severity", 20));
  ASSIGN_OR_RETURN(changes.notes, body.OptionalString("notes", detect::kMaxNotesBytes));
  return changes;
}

absl::StatusOr<std::optional<int>> OptionalSmallInt(JsonObject& body, const std::string& field,
                                                    int low, int high) {
  ASSIGN_OR_RETURN(std::optional<int64_t> value, body.OptionalInt(field));
  if (!value) return std::optional<int>();
  if (*value < low || *value > high) {
    return base::InvalidField(field, base::StrCat(low, " to ", high));
  }
  return std::optional<int>(static_cast<int>(*value));
}

absl::StatusOr<std::optional<base::Millis>> TimeParam(const Request& request,
                                                      const std::string& name) {
  std::string text = Query(request, name);
  if (text.empty()) return std::nullopt;
  base::Millis millis = 0;
  if (!base::ParseUtc(text, millis)) {
    return base::InvalidField(name, "expected a time such as 2026-11-20T09:30:00Z");
  }
  return millis;
}

Response Attachment(std::string body, std::string_view name, std::string content_type) {
  Response response;
  response.content_type = std::move(content_type);
  response.body = std::move(body);
  response.headers.emplace_back("Content-Disposition", ContentDisposition(name));
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

// A media file shown inline (the alert view puts it beside the bank's image): its MIME type
// when it is an image, else bytes to download.
Response InlineFile(const std::string& path, std::string_view name, std::string mime_type) {
  Response response;
  bool image = base::StartsWith(mime_type, "image/") && mime_type != "image/svg+xml";
  response.content_type = image ? std::move(mime_type) : "application/octet-stream";
  response.file_path = path;
  if (!image) response.headers.emplace_back("Content-Disposition", ContentDisposition(name));
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

}  // namespace

void AddDetectRoutes(http::Router& router, Services& services) {
  detect::DetectService& detect = services.detect;
  const base::Config& config = services.config;

  // --- indicator lists ---
  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/indicator-lists",
              .permission = Permission::kDetectReview,
              .handler = [&detect](Request& request) -> absl::StatusOr<Response> {
                RETURN_IF_ERROR(OnlyQuery(request, {}));
                ASSIGN_OR_RETURN(std::vector<detect::IndicatorList> lists, detect.ListLists());
                Json list = Json::array();
                for (const auto& entry : lists) list.push_back(RenderList(entry, false));
                return http::JsonResponse(Json{{"lists", list}});
              }});

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/indicator-lists",
              .permission = Permission::kDetectManage,
              .handler = [&detect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                detect::NewList fields;
                ASSIGN_OR_RETURN(fields.name, body.RequiredString("name", 200));
                ASSIGN_OR_RETURN(std::optional<std::string> kind, body.OptionalString("kind", 20));
                ASSIGN_OR_RETURN(std::optional<std::string> description,
                                 body.OptionalString("description", 2000));
                ASSIGN_OR_RETURN(std::optional<bool> active, body.OptionalBool("active"));
                RETURN_IF_ERROR(body.Finish());
                fields.kind = kind.value_or("indicators");
                fields.description = description.value_or("");
                fields.active = active.value_or(true);
                ASSIGN_OR_RETURN(
                    detect::IndicatorList list,
                    detect.CreateList(*request.principal, OriginOf(request), std::move(fields)));
                return http::JsonResponse(RenderList(list, true), 201);
              }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/indicator-lists/{id}",
              .permission = Permission::kDetectReview,
              .handler = [&detect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(detect::IndicatorList list, detect.GetList(id));
                return http::JsonResponse(RenderList(list, true));
              }});

  router.Add({.method = Method::kPatch,
              .pattern = "/api/v1/indicator-lists/{id}",
              .permission = Permission::kDetectManage,
              .handler = [&detect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                detect::ListChanges changes;
                ASSIGN_OR_RETURN(changes.name, body.OptionalString("name", 200));
                ASSIGN_OR_RETURN(changes.description, body.OptionalString("description", 2000));
                ASSIGN_OR_RETURN(changes.active, body.OptionalBool("active"));
                RETURN_IF_ERROR(body.Finish());
                ASSIGN_OR_RETURN(detect::IndicatorList list,
                                 detect.UpdateList(*request.principal, OriginOf(request), id,
                                                   std::move(changes)));
                return http::JsonResponse(RenderList(list, true));
              }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/indicator-lists/{id}/indicators",
              .permission = Permission::kDetectReview,
              .handler = [&detect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                RETURN_IF_ERROR(OnlyQuery(request, {"q", "limit", "offset"}));
                ASSIGN_OR_RETURN(auto paging, Paging(request, 100, 1000));
                ASSIGN_OR_RETURN(
                    detect::IndicatorPage page,
                    detect.ListIndicators(id, Query(request, "q"), paging.first, paging.second));
                Json list = Json::array();
                for (const auto& indicator : page.indicators) {
                  list.push_back(RenderIndicator(indicator));
                }
                return http::JsonResponse(Json{{"indicators", list}, {"total", page.total}});
              }});

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/indicator-lists/{id}/indicators",
              .permission = Permission::kDetectManage,
              .handler = [&detect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                ASSIGN_OR_RETURN(detect::IndicatorChanges fields, IndicatorChangesFrom(body));
                RETURN_IF_ERROR(body.Finish());
                if (!fields.kind) return base::InvalidField("kind", "required");
                if (!fields.pattern) return base::InvalidField("pattern", "required");
                detect::IndicatorRow row;
                row.kind = base::AsciiStrToLower(*fields.kind);
                row.pattern = *fields.pattern;
                if (fields.language) row.language = base::AsciiStrToLower(*fields.language);
                if (fields.category) row.category = *fields.category;
                if (fields.severity) row.severity = base::AsciiStrToLower(*fields.severity);
                if (fields.notes) row.notes = *fields.notes;
                ASSIGN_OR_RETURN(
                    detect::StoredIndicator indicator,
                    detect.AddIndicator(*request.principal, OriginOf(request), id, std::move(row)));
                return http::JsonResponse(RenderIndicator(indicator), 201);
              }});

  router.Add({.method = Method::kPatch,
              .pattern = "/api/v1/indicators/{id}",
              .permission = Permission::kDetectManage,
              .handler = [&detect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                ASSIGN_OR_RETURN(detect::IndicatorChanges changes, IndicatorChangesFrom(body));
                ASSIGN_OR_RETURN(changes.active, body.OptionalBool("active"));
                RETURN_IF_ERROR(body.Finish());
                ASSIGN_OR_RETURN(detect::StoredIndicator indicator,
                                 detect.UpdateIndicator(*request.principal, OriginOf(request), id,
                                                        std::move(changes)));
                return http::JsonResponse(RenderIndicator(indicator));
              }});

  router.Add({.method = Method::kDelete,
              .pattern = "/api/v1/indicators/{id}",
              .permission = Permission::kDetectManage,
              .handler = [&detect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                RETURN_IF_ERROR(detect.RetireIndicator(*request.principal, OriginOf(request), id));
                return http::NoContent();
              }});

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/indicator-lists/{id}/import",
              .permission = Permission::kDetectManage,
              .handler = [&detect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                RETURN_IF_ERROR(OnlyQuery(request, {"format", "mode"}));
                detect::IndicatorFormat format = detect::IndicatorFormat::kAuto;
                if (std::string name = Query(request, "format"); !name.empty()) {
                  std::optional<detect::IndicatorFormat> parsed =
                      detect::ParseIndicatorFormat(name);
                  if (!parsed) return base::InvalidField("format", "expected csv or json");
                  format = *parsed;
                }
                std::string mode = Query(request, "mode");
                if (!mode.empty() && mode != "append" && mode != "replace") {
                  return base::InvalidField("mode", "expected append or replace");
                }
                ASSIGN_OR_RETURN(detect::IndicatorImport report,
                                 detect.ImportIndicators(
                                     *request.principal, OriginOf(request), id, request.body,
                                     format, detect::ImportMode{.replace = mode == "replace"}));
                return http::JsonResponse(Json{{"list", RenderList(report.list, false)},
                                               {"added", report.added},
                                               {"updated", report.updated},
                                               {"retired", report.retired},
                                               {"errors", RenderErrors(report.errors)}});
              },
              .max_body_bytes = kMaxListFileBytes});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/indicator-lists/{id}/export",
              .permission = Permission::kDetectReview,
              .handler = [&detect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                RETURN_IF_ERROR(OnlyQuery(request, {"format"}));
                std::string name = Query(request, "format");
                if (name.empty()) name = "csv";
                std::optional<detect::IndicatorFormat> format = detect::ParseIndicatorFormat(name);
                if (!format) return base::InvalidField("format", "expected csv or json");
                ASSIGN_OR_RETURN(detect::IndicatorList list, detect.GetList(id));
                ASSIGN_OR_RETURN(std::string bytes, detect.ExportIndicators(id, *format));
                std::string file = base::StrCat("indicators-", id, "-v", list.version, ".", name);
                return Attachment(std::move(bytes), file,
                                  *format == detect::IndicatorFormat::kJson
                                      ? "application/json"
                                      : "text/csv; charset=utf-8");
              },
              .audit_action = "detect.list_export",
              .audit_object_type = "indicator_list"});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/indicator-lists/{id}/versions",
              .permission = Permission::kDetectReview,
              .handler = [&detect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(std::vector<detect::ListVersion> versions,
                                 detect.ListVersions(id));
                Json list = Json::array();
                for (const auto& version : versions) {
                  list.push_back({{"version", version.version},
                                  {"created_at", base::FormatUtc(version.created_at)},
                                  {"created_by", OptionalPerson(version.created_by)},
                                  {"change", version.change}});
                }
                return http::JsonResponse(Json{{"versions", list}});
              }});

  // --- hash banks ---
  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/hash-banks",
              .permission = Permission::kDetectReview,
              .handler = [&detect](Request& request) -> absl::StatusOr<Response> {
                RETURN_IF_ERROR(OnlyQuery(request, {}));
                ASSIGN_OR_RETURN(std::vector<detect::Bank> banks, detect.ListBanks());
                Json list = Json::array();
                for (const auto& bank : banks) list.push_back(RenderBank(bank));
                return http::JsonResponse(Json{{"banks", list}});
              }});

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/hash-banks",
              .permission = Permission::kDetectManage,
              .handler = [&detect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                detect::NewBank fields;
                ASSIGN_OR_RETURN(fields.name, body.RequiredString("name", 200));
                ASSIGN_OR_RETURN(fields.algorithm, body.RequiredString("algorithm", 20));
                ASSIGN_OR_RETURN(std::optional<bool> negative, body.OptionalBool("negative"));
                ASSIGN_OR_RETURN(fields.threshold, OptionalSmallInt(body, "threshold", 0, 128));
                ASSIGN_OR_RETURN(fields.quality_gate,
                                 OptionalSmallInt(body, "quality_gate", 0, 100));
                ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> labels,
                                 body.OptionalStringList("labels", 50));
                ASSIGN_OR_RETURN(std::optional<std::string> description,
                                 body.OptionalString("description", 2000));
                ASSIGN_OR_RETURN(std::optional<bool> active, body.OptionalBool("active"));
                RETURN_IF_ERROR(body.Finish());
                fields.negative = negative.value_or(false);
                fields.labels = labels.value_or(std::vector<std::string>{});
                fields.description = description.value_or("");
                fields.active = active.value_or(true);
                ASSIGN_OR_RETURN(
                    detect::Bank bank,
                    detect.CreateBank(*request.principal, OriginOf(request), std::move(fields)));
                return http::JsonResponse(RenderBank(bank), 201);
              }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/hash-banks/{id}",
              .permission = Permission::kDetectReview,
              .handler = [&detect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(detect::Bank bank, detect.GetBank(id));
                return http::JsonResponse(RenderBank(bank));
              }});

  router.Add(
      {.method = Method::kPatch,
       .pattern = "/api/v1/hash-banks/{id}",
       .permission = Permission::kDetectManage,
       .handler = [&detect](Request& request) -> absl::StatusOr<Response> {
         ASSIGN_OR_RETURN(int64_t id, Id(request));
         ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
         detect::BankChanges changes;
         ASSIGN_OR_RETURN(changes.name, body.OptionalString("name", 200));
         ASSIGN_OR_RETURN(changes.negative, body.OptionalBool("negative"));
         ASSIGN_OR_RETURN(changes.threshold, OptionalSmallInt(body, "threshold", 0, 128));
         ASSIGN_OR_RETURN(changes.quality_gate, OptionalSmallInt(body, "quality_gate", 0, 100));
         ASSIGN_OR_RETURN(changes.labels, body.OptionalStringList("labels", 50));
         ASSIGN_OR_RETURN(changes.description, body.OptionalString("description", 2000));
         ASSIGN_OR_RETURN(changes.active, body.OptionalBool("active"));
         RETURN_IF_ERROR(body.Finish());
         ASSIGN_OR_RETURN(
             detect::Bank bank,
             detect.UpdateBank(*request.principal, OriginOf(request), id, std::move(changes)));
         return http::JsonResponse(RenderBank(bank));
       }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/hash-banks/{id}/hashes",
              .permission = Permission::kDetectReview,
              .handler = [&detect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                RETURN_IF_ERROR(OnlyQuery(request, {"q", "quarantined", "limit", "offset"}));
                ASSIGN_OR_RETURN(auto paging, Paging(request, 100, 1000));
                detect::BankHashFilter filter;
                filter.q = Query(request, "q");
                std::string quarantined = Query(request, "quarantined");
                if (quarantined == "true") {
                  filter.quarantined = true;
                } else if (quarantined == "false") {
                  filter.quarantined = false;
                } else if (!quarantined.empty()) {
                  return base::InvalidField("quarantined", "expected true or false");
                }
                filter.limit = paging.first;
                filter.offset = paging.second;
                ASSIGN_OR_RETURN(detect::BankHashPage page, detect.ListBankHashes(id, filter));
                Json list = Json::array();
                for (const auto& hash : page.hashes) list.push_back(RenderBankHash(hash));
                return http::JsonResponse(Json{{"hashes", list}, {"total", page.total}});
              }});

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/hash-banks/{id}/import",
              .permission = Permission::kDetectManage,
              .handler = [&detect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                RETURN_IF_ERROR(OnlyQuery(request, {}));
                ASSIGN_OR_RETURN(
                    detect::BankImport report,
                    detect.ImportHashes(*request.principal, OriginOf(request), id, request.body));
                return http::JsonResponse(Json{{"bank", RenderBank(report.bank)},
                                               {"added", report.added},
                                               {"duplicates", report.duplicates},
                                               {"errors", RenderErrors(report.errors)}});
              },
              .max_body_bytes = kMaxListFileBytes});

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/bank-hashes/{id}/release",
              .permission = Permission::kDetectManage,
              .handler = [&detect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(detect::BankHash hash,
                                 detect.ReleaseHash(*request.principal, OriginOf(request), id));
                return http::JsonResponse(RenderBankHash(hash));
              }});

  router.Add({.method = Method::kDelete,
              .pattern = "/api/v1/bank-hashes/{id}",
              .permission = Permission::kDetectManage,
              .handler = [&detect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                RETURN_IF_ERROR(detect.RetireHash(*request.principal, OriginOf(request), id));
                return http::NoContent();
              }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/bank-hashes/{id}/image",
              .permission = Permission::kDetectReview,
              .handler = [&detect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(std::string path, detect.HashImagePath(id));
                // The vault keeps no MIME type for a reference image; PDQ banks hold images.
                // Its first bytes are enough to tell which (the file may be large).
                std::string head(16, '\0');
                std::ifstream file(path, std::ios::binary);
                file.read(head.data(), static_cast<std::streamsize>(head.size()));
                head.resize(static_cast<size_t>(std::max<std::streamsize>(file.gcount(), 0)));
                std::string type = base::StartsWith(head, "\x89PNG")    ? "image/png"
                                   : base::StartsWith(head, "RIFF")     ? "image/webp"
                                   : base::StartsWith(head, "\xFF\xD8") ? "image/jpeg"
                                                                        : "";
                return InlineFile(path, base::StrCat("bank-hash-", id), type);
              },
              .audit_action = "detect.bank_hash_image",
              .audit_object_type = "bank_hash"});

  // --- alerts ---
  router.Add(
      {.method = Method::kGet,
       .pattern = "/api/v1/alerts",
       .permission = Permission::kDetectReview,
       .handler = [&detect](Request& request) -> absl::StatusOr<Response> {
         RETURN_IF_ERROR(OnlyQuery(request, {"state", "kind", "list_id", "bank_id", "indicator_id",
                                             "mandate_id", "limit", "offset"}));
         ASSIGN_OR_RETURN(auto paging, Paging(request, 50, 500));
         detect::AlertFilter filter;
         if (request.query.count("state")) filter.state = Query(request, "state");
         if (filter.state.empty()) filter.state = "open";
         filter.kind = Query(request, "kind");
         ASSIGN_OR_RETURN(filter.list_id, http::OptionalIntParam(request.query, "list_id"));
         ASSIGN_OR_RETURN(filter.bank_id, http::OptionalIntParam(request.query, "bank_id"));
         ASSIGN_OR_RETURN(filter.indicator_id,
                          http::OptionalIntParam(request.query, "indicator_id"));
         ASSIGN_OR_RETURN(filter.mandate_id, http::OptionalIntParam(request.query, "mandate_id"));
         filter.limit = paging.first;
         filter.offset = paging.second;
         ASSIGN_OR_RETURN(detect::AlertPage page, detect.ListAlerts(*request.principal, filter));
         Json list = Json::array();
         for (const auto& alert : page.alerts) list.push_back(RenderAlert(alert));
         return http::JsonResponse(Json{{"alerts", list}, {"total", page.total}});
       },
       .audit_action = "detect.alert_list",
       .audit_object_type = "detect_alert"});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/alerts/{id}",
              .permission = Permission::kDetectReview,
              .handler = [&detect, &services](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(detect::Alert alert, detect.GetAlert(*request.principal, id));
                Json rendered = RenderAlert(alert);
                absl::StatusOr<collect::Item> item =
                    services.collect.Get(*request.principal, alert.item_id);
                // A purged item leaves its alerts (decided ones name their evidence).
                rendered["item"] = item.ok() ? RenderCollectedItem(*item) : Json(nullptr);
                return http::JsonResponse(rendered);
              },
              .audit_action = "detect.alert_read",
              .audit_object_type = "detect_alert"});

  router.Add(
      {.method = Method::kPost,
       .pattern = "/api/v1/alerts/{id}/decision",
       .permission = Permission::kDetectReview,
       .handler = [&detect](Request& request) -> absl::StatusOr<Response> {
         ASSIGN_OR_RETURN(int64_t id, Id(request));
         Json raw;
         // Every nlohmann error (parse_error, out_of_range for 33e6339) is a bad body.
         try {
           raw = Json::parse(request.body);
         } catch (const Json::exception&) {
           return absl::InvalidArgumentError("the body is not valid JSON");
         }
         if (!raw.is_object()) return absl::InvalidArgumentError("the body must be a JSON object");
         std::optional<cases::NewCase> new_case;
         if (raw.contains("new_case")) {
           Json nested = raw["new_case"];
           raw.erase("new_case");
           if (!nested.is_null()) {
             if (!nested.is_object()) {
               return base::InvalidField("new_case", "expected {\"title\", \"description\"?}");
             }
             JsonObject fields(std::move(nested));
             cases::NewCase made;
             absl::StatusOr<std::string> title = fields.RequiredString("title", 500);
             if (!title.ok()) return base::InvalidField("new_case.title", "required");
             made.title = *title;
             absl::StatusOr<std::optional<std::string>> description =
                 fields.OptionalString("description", 10000);
             if (!description.ok()) {
               return base::InvalidField("new_case.description", "at most 10000 bytes of text");
             }
             made.description = description->value_or("");
             if (!fields.Finish().ok()) {
               return base::InvalidField("new_case", "only title and description");
             }
             new_case = std::move(made);
           }
         }
         JsonObject body(std::move(raw));
         detect::Decision decision;
         ASSIGN_OR_RETURN(decision.decision, body.RequiredString("decision", 20));
         ASSIGN_OR_RETURN(decision.case_id, body.OptionalInt("case_id"));
         ASSIGN_OR_RETURN(std::optional<std::string> legal_basis,
                          body.OptionalString("legal_basis", 2000));
         ASSIGN_OR_RETURN(std::optional<std::string> description,
                          body.OptionalString("description", 2000));
         ASSIGN_OR_RETURN(std::optional<std::string> reason, body.OptionalString("reason", 2000));
         RETURN_IF_ERROR(body.Finish());
         decision.new_case = std::move(new_case);
         decision.legal_basis = legal_basis.value_or("");
         decision.description = description.value_or("");
         decision.reason = reason.value_or("");
         ASSIGN_OR_RETURN(
             detect::Alert alert,
             detect.Decide(*request.principal, CollectOriginOf(request), id, std::move(decision)));
         return http::JsonResponse(RenderAlert(alert));
       }});

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/alerts/{id}/removal-request",
              .permission = Permission::kDetectReview,
              .handler = [&detect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                detect::RemovalRequest removal;
                ASSIGN_OR_RETURN(removal.platform, body.RequiredString("platform", 100));
                ASSIGN_OR_RETURN(std::optional<std::string> reference,
                                 body.OptionalString("reference", 500));
                ASSIGN_OR_RETURN(std::optional<std::string> note,
                                 body.OptionalString("note", 2000));
                ASSIGN_OR_RETURN(std::optional<std::string> requested_at,
                                 body.OptionalString("requested_at", 40));
                RETURN_IF_ERROR(body.Finish());
                removal.reference = reference.value_or("");
                removal.note = note.value_or("");
                if (requested_at && !base::ParseUtc(*requested_at, removal.requested_at)) {
                  return base::InvalidField("requested_at",
                                            "expected a time such as 2026-11-20T09:30:00Z");
                }
                ASSIGN_OR_RETURN(detect::Alert alert,
                                 detect.RecordRemovalRequest(*request.principal, OriginOf(request),
                                                             id, std::move(removal)));
                return http::JsonResponse(RenderAlert(alert));
              }});

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/alerts/{id}/add-to-bank",
              .permission = Permission::kDetectManage,
              .handler = [&detect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                ASSIGN_OR_RETURN(int64_t bank_id, body.RequiredInt("bank_id"));
                ASSIGN_OR_RETURN(std::optional<std::string> label,
                                 body.OptionalString("label", 500));
                RETURN_IF_ERROR(body.Finish());
                ASSIGN_OR_RETURN(detect::BankHash hash,
                                 detect.AddAlertMediaToBank(*request.principal, OriginOf(request),
                                                            id, bank_id, label.value_or("")));
                return http::JsonResponse(RenderBankHash(hash), 201);
              }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/alerts/{id}/media",
              .permission = Permission::kDetectReview,
              .handler = [&detect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(collect::Content content,
                                 detect.AlertMedia(*request.principal, id));
                return InlineFile(content.path, content.name, content.mime_type);
              },
              .audit_action = "detect.alert_media",
              .audit_object_type = "detect_alert"});

  // --- scans, status, metrics ---
  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/detect/rescan",
              .permission = Permission::kDetectManage,
              .handler = [&detect](Request& request) -> absl::StatusOr<Response> {
                std::optional<int> days;
                if (!request.body.empty()) {
                  ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                  ASSIGN_OR_RETURN(days, OptionalSmallInt(body, "days", 1, 365));
                  RETURN_IF_ERROR(body.Finish());
                }
                ASSIGN_OR_RETURN(
                    detect::Scan scan,
                    detect.StartRescan(&*request.principal, OriginOf(request), days, "manual"));
                return http::JsonResponse(Json{{"scan", RenderScan(scan)}}, 202);
              }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/detect/status",
              .permission = Permission::kDetectReview,
              .handler = [&detect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(detect::Status status, detect.GetStatus());
                Json scans = Json::array();
                for (const auto& scan : status.scans) scans.push_back(RenderScan(scan));
                return http::JsonResponse(
                    Json{{"scanned_through_item", status.scanned_through_item},
                         {"pending_items", status.pending_items},
                         {"scans", scans},
                         {"indicators", status.indicators},
                         {"problems", status.problems},
                         {"bank_hashes", status.bank_hashes}});
              }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/detect/metrics",
              .permission = Permission::kDetectReview,
              .handler = [&detect](Request& request) -> absl::StatusOr<Response> {
                RETURN_IF_ERROR(OnlyQuery(request, {"from", "to"}));
                ASSIGN_OR_RETURN(std::optional<base::Millis> from, TimeParam(request, "from"));
                ASSIGN_OR_RETURN(std::optional<base::Millis> to, TimeParam(request, "to"));
                ASSIGN_OR_RETURN(detect::Metrics metrics, detect.GetMetrics(from, to));
                return http::JsonResponse(
                    Json{{"lists", RenderMetrics(metrics.lists, "list_id")},
                         {"banks", RenderMetrics(metrics.banks, "bank_id")},
                         {"indicators", RenderMetrics(metrics.indicators, "indicator_id")}});
              }});
  (void)config;
}

}  // namespace threathub::api
