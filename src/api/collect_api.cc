// Collection under mandates: sources attached to a mandate, imports (the export streamed as the
// request body into a file of its own, then imported), feed polls, collected items with
// full-text search, their original bytes and media files, and promotion to evidence. Every route
// needs monitoring.use; visibility follows the mandate (collect::CollectService checks it).
#include <algorithm>
#include <set>

#include "api/render.h"
#include "api/services.h"
#include "base/encoding.h"
#include "base/errors.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "collect/collect.h"

namespace threathub::api {
namespace {

using auth::Permission;
using http::Json;
using http::JsonObject;
using http::Method;
using http::Request;
using http::Response;

// An export may carry videos: the import's own limits (archive size, memory) apply inside.
constexpr int64_t kMaxImportBytes = int64_t{64} << 30;  // 64 GiB
// GET /api/v1/collected/{id} shows the original as text up to this size.
constexpr int64_t kMaxInlineRawBytes = int64_t{1} << 20;

collect::Origin OriginOf(const Request& request) {
  return collect::Origin{request.client_address, request.request_id,
                         base::StrCat("web ", request.client_address)};
}

Json Counts(const std::map<std::string, int64_t>& counts) {
  Json object = Json::object();
  for (const auto& [reason, count] : counts) object[reason] = count;
  return object;
}

Json RenderSource(const collect::Source& source) {
  return Json{
      {"id", source.id},
      {"mandate_id", source.mandate_id},
      {"kind", collect::SourceKindName(source.kind)},
      {"name", source.name},
      {"url", source.url.empty() ? Json(nullptr) : Json(source.url)},
      {"poll_minutes", source.poll_minutes > 0 ? Json(source.poll_minutes) : Json(nullptr)},
      {"state", source.state},
      {"stop_reason", source.stop_reason.empty() ? Json(nullptr) : Json(source.stop_reason)},
      {"last_polled_at", OptionalTime(source.last_polled_at)},
      {"created_by",
       {{"user_id", source.created_by.user_id},
        {"username", source.created_by.username},
        {"display_name", source.created_by.display_name}}},
      {"created_at", base::FormatUtc(source.created_at)},
      {"counts",
       {{"collected", source.counts.collected},
        {"duplicates", source.counts.duplicates},
        {"errors", source.counts.errors},
        {"refused", Counts(source.counts.refused)}}}};
}

Json RenderImport(const collect::ImportReport& report) {
  Json errors = Json::array();
  for (const collect::RecordError& error : report.error_sample) {
    errors.push_back({{"position", error.position}, {"error", error.error}});
  }
  return Json{{"id", report.id},
              {"source_id", report.source_id},
              {"trigger", report.trigger},
              {"format", report.format},
              {"state", report.state},
              {"started_at", base::FormatUtc(report.started_at)},
              {"finished_at", OptionalTime(report.finished_at)},
              {"records", report.records},
              {"stored", report.stored},
              {"duplicates", report.duplicates},
              {"refused", Counts(report.refused)},
              {"error_count", report.errors},
              {"errors", errors}};
}

absl::StatusOr<int64_t> Id(const Request& request, const std::string& name = "id") {
  return http::IntParam(request.path_params, name);
}

Response Download(collect::Content content) {
  Response response;
  // The bytes are outside input: never rendered by the browser as what they claim to be.
  response.content_type = "application/octet-stream";
  if (content.bytes) {
    response.body = *std::move(content.bytes);
  } else {
    response.file_path = content.path;
  }
  response.headers.emplace_back("Content-Disposition", ContentDisposition(content.name));
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

absl::StatusOr<std::optional<base::Millis>> TimeParam(const Request& request,
                                                      const std::string& name) {
  auto found = request.query.find(name);
  if (found == request.query.end() || found->second.empty()) return std::nullopt;
  base::Millis millis = 0;
  if (!base::ParseUtc(found->second, millis)) {
    return base::InvalidField(name, "expected a time such as 2026-11-20T09:30:00Z");
  }
  return millis;
}

absl::StatusOr<collect::ItemFilter> FilterFromQuery(const Request& request) {
  static const std::set<std::string> kKnown = {"q",          "platform",  "author", "from",  "to",
                                               "mandate_id", "source_id", "limit",  "offset"};
  for (const auto& [key, value] : request.query) {
    if (!kKnown.count(key)) return base::InvalidField(key, "unknown parameter");
  }
  collect::ItemFilter filter;
  auto text = [&](const std::string& name) {
    auto found = request.query.find(name);
    return found == request.query.end() ? std::string() : found->second;
  };
  filter.q = text("q");
  filter.platform = text("platform");
  filter.author = text("author");
  ASSIGN_OR_RETURN(filter.from, TimeParam(request, "from"));
  ASSIGN_OR_RETURN(filter.to, TimeParam(request, "to"));
  ASSIGN_OR_RETURN(filter.mandate_id, http::OptionalIntParam(request.query, "mandate_id"));
  ASSIGN_OR_RETURN(filter.source_id, http::OptionalIntParam(request.query, "source_id"));
  ASSIGN_OR_RETURN(std::optional<int64_t> limit, http::OptionalIntParam(request.query, "limit"));
  ASSIGN_OR_RETURN(std::optional<int64_t> offset, http::OptionalIntParam(request.query, "offset"));
  if (limit) {
    if (*limit < 1 || *limit > 500) return base::InvalidField("limit", "1 to 500");
    filter.limit = static_cast<int>(*limit);
  }
  if (offset) {
    if (*offset < 0 || *offset > 1'000'000'000) return base::InvalidField("offset", "0 or more");
    filter.offset = static_cast<int>(*offset);
  }
  return filter;
}

// The upload in progress: the body goes into a file of its own as it arrives.
class ImportSink final : public http::BodySink {
 public:
  ImportSink(int64_t source_id, std::unique_ptr<collect::UploadFile> file)
      : source_id_(source_id), file_(std::move(file)) {}
  absl::Status Write(std::string_view bytes) override { return file_->Write(bytes); }

  int64_t source_id() const { return source_id_; }
  collect::UploadFile& file() { return *file_; }

 private:
  int64_t source_id_;
  std::unique_ptr<collect::UploadFile> file_;
};

}  // namespace

void AddCollectRoutes(http::Router& router, Services& services) {
  collect::CollectService& collect = services.collect;

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/mandates/{id}/sources",
              .permission = Permission::kMonitoring,
              .handler = [&collect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(std::vector<collect::Source> sources,
                                 collect.ListSources(*request.principal, id));
                Json list = Json::array();
                for (const collect::Source& source : sources) list.push_back(RenderSource(source));
                return http::JsonResponse(Json{{"sources", list}});
              },
              .audit_action = "collect.sources_read",
              .audit_object_type = "mandate"});

  router.Add(
      {.method = Method::kPost,
       .pattern = "/api/v1/mandates/{id}/sources",
       .permission = Permission::kMonitoring,
       .handler = [&collect](Request& request) -> absl::StatusOr<Response> {
         ASSIGN_OR_RETURN(int64_t id, Id(request));
         ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
         collect::NewSource fields;
         ASSIGN_OR_RETURN(fields.kind, body.RequiredString("kind", 20));
         ASSIGN_OR_RETURN(fields.name, body.RequiredString("name", 300));
         ASSIGN_OR_RETURN(std::optional<std::string> url, body.OptionalString("url", 2000));
         fields.url = url.value_or("");
         ASSIGN_OR_RETURN(std::optional<int64_t> poll_minutes, body.OptionalInt("poll_minutes"));
         if (poll_minutes) {
           if (*poll_minutes < 1 || *poll_minutes > 7 * 24 * 60) {
             return base::InvalidField("poll_minutes", "1 to 10080");
           }
           fields.poll_minutes = static_cast<int>(*poll_minutes);
         }
         RETURN_IF_ERROR(body.Finish());
         ASSIGN_OR_RETURN(
             collect::Source source,
             collect.CreateSource(*request.principal, OriginOf(request), id, std::move(fields)));
         return http::JsonResponse(RenderSource(source), 201);
       }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/sources/{id}",
              .permission = Permission::kMonitoring,
              .handler = [&collect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(collect::Source source, collect.GetSource(*request.principal, id));
                return http::JsonResponse(RenderSource(source));
              },
              .audit_action = "collect.source_read",
              .audit_object_type = "collect_source"});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/sources/{id}/imports",
              .permission = Permission::kMonitoring,
              .handler = [&collect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(std::optional<int64_t> limit,
                                 http::OptionalIntParam(request.query, "limit"));
                ASSIGN_OR_RETURN(std::vector<collect::ImportReport> reports,
                                 collect.ListImports(*request.principal, id,
                                                     static_cast<int>(std::clamp<int64_t>(
                                                         limit.value_or(50), 1, 500))));
                Json list = Json::array();
                for (const auto& report : reports) list.push_back(RenderImport(report));
                return http::JsonResponse(Json{{"imports", list}});
              },
              .audit_action = "collect.imports_read",
              .audit_object_type = "collect_source"});

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/sources/{id}/import",
              .permission = Permission::kMonitoring,
              .handler = [&collect](Request& request) -> absl::StatusOr<Response> {
                auto* upload = http::BodySinkAs<ImportSink>(request);
                if (upload == nullptr) {
                  return absl::InvalidArgumentError("send the export as the request body");
                }
                RETURN_IF_ERROR(upload->file().Close());
                ASSIGN_OR_RETURN(collect::ImportReport report,
                                 collect.ImportPath(*request.principal, OriginOf(request),
                                                    upload->source_id(), upload->file().path()));
                return http::JsonResponse(Json{{"import", RenderImport(report)}});
              },
              .max_body_bytes = kMaxImportBytes,
              .open_body_sink =
                  [&collect](Request& request) -> absl::StatusOr<std::shared_ptr<http::BodySink>> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                if (!request.query.empty()) {
                  return base::InvalidField(request.query.begin()->first, "unknown parameter");
                }
                // Refused before a byte of the body is read: an invisible source (404), a stopped
                // one or a mandate not in force (409).
                RETURN_IF_ERROR(collect.CheckImport(*request.principal, OriginOf(request), id));
                ASSIGN_OR_RETURN(std::unique_ptr<collect::UploadFile> file, collect.BeginUpload());
                return std::make_shared<ImportSink>(id, std::move(file));
              }});

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/sources/{id}/poll",
              .permission = Permission::kMonitoring,
              .handler = [&collect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(collect::ImportReport report,
                                 collect.PollNow(*request.principal, OriginOf(request), id));
                return http::JsonResponse(Json{{"import", RenderImport(report)}});
              }});

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/sources/{id}/stop",
              .permission = Permission::kMonitoring,
              .handler = [&collect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(collect::Source source,
                                 collect.StopSource(*request.principal, OriginOf(request), id));
                return http::JsonResponse(RenderSource(source));
              }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/collected",
              .permission = Permission::kMonitoring,
              .handler = [&collect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(collect::ItemFilter filter, FilterFromQuery(request));
                ASSIGN_OR_RETURN(collect::ItemPage page, collect.List(*request.principal, filter));
                Json list = Json::array();
                for (const collect::Item& item : page.items)
                  list.push_back(RenderCollectedItem(item));
                return http::JsonResponse(Json{{"items", list}, {"total", page.total}});
              },
              .audit_action = "collect.search",
              .audit_object_type = "collected_item"});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/collected/{id}",
              .permission = Permission::kMonitoring,
              .handler = [&collect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(collect::Item item, collect.Get(*request.principal, id));
                Json rendered = RenderCollectedItem(item);
                rendered["raw"] = nullptr;
                // Larger originals (WARC records of whole pages) only through /original.
                if (item.raw_size <= kMaxInlineRawBytes) {
                  ASSIGN_OR_RETURN(std::string raw, collect.RawBytes(*request.principal, id));
                  if (base::IsValidUtf8(raw)) rendered["raw"] = std::move(raw);
                }
                return http::JsonResponse(rendered);
              },
              .audit_action = "collect.item_read",
              .audit_object_type = "collected_item"});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/collected/{id}/original",
              .permission = Permission::kMonitoring,
              .handler = [&collect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(collect::Content content,
                                 collect.OpenOriginal(*request.principal, id));
                return Download(std::move(content));
              },
              .audit_action = "collect.original_download",
              .audit_object_type = "collected_item"});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/collected/{id}/media/{n}",
              .permission = Permission::kMonitoring,
              .handler = [&collect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(int64_t n, Id(request, "n"));
                if (n < 1 || n > 1000) return absl::NotFoundError("no such media file");
                ASSIGN_OR_RETURN(collect::Content content,
                                 collect.OpenMedia(*request.principal, id, static_cast<int>(n)));
                return Download(std::move(content));
              },
              .audit_action = "collect.media_download",
              .audit_object_type = "collected_item"});

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/collected/{id}/promote",
              .permission = Permission::kMonitoring,
              .handler = [&collect](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                ASSIGN_OR_RETURN(int64_t case_id, body.RequiredInt("case_id"));
                ASSIGN_OR_RETURN(std::string legal_basis, body.RequiredString("legal_basis", 2000));
                ASSIGN_OR_RETURN(std::optional<std::string> description,
                                 body.OptionalString("description", 2000));
                RETURN_IF_ERROR(body.Finish());
                ASSIGN_OR_RETURN(evidence::Item item,
                                 collect.Promote(*request.principal, OriginOf(request), id, case_id,
                                                 std::move(legal_basis), description.value_or("")));
                return http::JsonResponse(RenderEvidenceItem(item), 201);
              }});
}

}  // namespace threathub::api
