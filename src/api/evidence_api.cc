// Evidence items, their custody, integrity alerts, disposal and disclosure bundles. Access is
// checked inside EvidenceService (need-to-know through the case); the route permission only
// says who may use cases at all.
//
// Uploads stream: the file is the raw request body, the metadata are query parameters, and the
// body goes straight into the content-addressed store while it arrives (BlobWriter), hashed on
// the way; the item is recorded only when the whole body has arrived and been synced, so an
// interrupted upload leaves no item.
#include <algorithm>

#include "api/render.h"
#include "api/services.h"
#include "base/errors.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "evidence/evidence.h"

namespace threathub::api {
namespace {

using auth::Permission;
using http::Json;
using http::JsonObject;
using http::Method;
using http::Request;
using http::Response;

constexpr int64_t kMaxUploadBytes = int64_t{1} << 40;  // 1 TiB; the store's own limit applies

evidence::Origin OriginOf(const Request& request) {
  return evidence::Origin{request.client_address, request.request_id,
                          base::StrCat("web ", request.client_address)};
}

Json RenderItem(const evidence::Item& item) {
  const evidence::Metadata& meta = item.metadata;
  Json ewf = nullptr;
  if (!item.ewf_json.empty()) ewf = Json::parse(item.ewf_json, nullptr, false);
  if (ewf.is_discarded()) ewf = nullptr;
  return Json{{"id", item.id},
              {"case_id", item.case_id},
              {"case_number", item.case_number},
              {"original_name", meta.original_name},
              {"size", item.size},
              {"mime_type", item.mime_type},
              {"md5", item.md5},
              {"sha1", item.sha1},
              {"sha256", item.sha256},
              {"description", meta.description},
              {"source_type", meta.source_type},
              {"source_detail", meta.source_detail},
              {"acquisition_method", meta.acquisition_method},
              {"acquisition_tool", meta.acquisition_tool},
              {"examiner", meta.examiner},
              {"acquired_at", OptionalTime(meta.acquired_at)},
              {"acquired_place", meta.acquired_place},
              {"legal_basis", meta.legal_basis},
              {"parent_id", meta.parent_id ? Json(*meta.parent_id) : Json(nullptr)},
              {"children", item.children},
              {"categories", meta.categories},
              {"retention_until", OptionalTime(item.retention_until)},
              {"state", item.state},
              {"sealed", item.sealed},
              {"seal_number", item.seal_number},
              {"ingested_by", RenderPerson(item.ingested_by)},
              {"ingested_at", base::FormatUtc(item.ingested_at)},
              {"last_verified_at", OptionalTime(item.last_verified_at)},
              {"last_verification",
               item.last_verification.empty() ? Json(nullptr) : Json(item.last_verification)},
              {"disposed_at", OptionalTime(item.disposed_at)},
              {"ewf", ewf}};
}

Json RenderEvent(const evidence::CustodyEvent& event) {
  return Json{{"id", event.id},
              {"item_id", event.item_id},
              {"action", event.action},
              {"actor",
               {{"user_id", event.actor_id ? Json(*event.actor_id) : Json(nullptr)},
                {"username", event.actor},
                {"display_name",
                 event.actor_display_name.empty() ? event.actor : event.actor_display_name}}},
              {"at", base::FormatUtc(event.at)},
              {"where", event.where},
              {"why", event.why},
              {"from", event.from},
              {"to", event.to},
              {"hash_before", event.hash_before},
              {"hash_after", event.hash_after},
              {"result", event.result},
              {"leaf_index", event.leaf_index ? Json(*event.leaf_index) : Json(nullptr)}};
}

Json RenderDisposal(const evidence::Disposal& disposal) {
  return Json{{"id", disposal.id},
              {"item_id", disposal.item_id},
              {"item_name", disposal.item_name},
              {"case_id", disposal.case_id},
              {"case_number", disposal.case_number},
              {"reason", disposal.reason},
              {"state", disposal.state},
              {"requested_by", OptionalPerson(disposal.requested_by)},
              {"requested_at", base::FormatUtc(disposal.requested_at)},
              {"approved_by", OptionalPerson(disposal.approved_by)},
              {"approved_at", OptionalTime(disposal.approved_at)},
              {"scheduled_for", OptionalTime(disposal.scheduled_for)},
              {"rejected_reason", disposal.decided_reason},
              {"done_at", OptionalTime(disposal.done_at)}};
}

Json RenderAlert(const evidence::Alert& alert) {
  return Json{{"id", alert.id},
              {"item_id", alert.item_id},
              {"item_name", alert.item_name},
              {"case_id", alert.case_id},
              {"case_number", alert.case_number},
              {"kind", alert.kind},
              {"expected_sha256", alert.expected_sha256},
              {"found_sha256", alert.found_sha256},
              {"detected_at", base::FormatUtc(alert.detected_at)},
              {"state", alert.state},
              {"acknowledged_by", OptionalPerson(alert.acknowledged_by)}};
}

Json RenderBundle(const evidence::Bundle& bundle) {
  return Json{{"id", bundle.id},
              {"case_id", bundle.case_id},
              {"file_name", bundle.file_name},
              {"size", bundle.size},
              {"sha256", bundle.sha256},
              {"item_ids", bundle.item_ids},
              {"purpose", bundle.purpose},
              {"created_by", RenderPerson(bundle.created_by)},
              {"created_at", base::FormatUtc(bundle.created_at)}};
}

// The upload's metadata from the query string; unknown parameters are refused.
absl::StatusOr<evidence::Metadata> MetadataFromQuery(
    const std::map<std::string, std::string>& query) {
  evidence::Metadata metadata;
  bool named = false;
  for (const auto& [key, value] : query) {
    if (key == "name") {
      metadata.original_name = value;
      named = true;
    } else if (key == "description") {
      metadata.description = value;
    } else if (key == "source_type") {
      if (!value.empty()) metadata.source_type = value;
    } else if (key == "source_detail") {
      metadata.source_detail = value;
    } else if (key == "acquisition_method") {
      metadata.acquisition_method = value;
    } else if (key == "acquisition_tool") {
      metadata.acquisition_tool = value;
    } else if (key == "examiner") {
      metadata.examiner = value;
    } else if (key == "acquired_at") {
      if (value.empty()) continue;
      base::Millis millis = 0;
      if (!base::ParseUtc(value, millis)) {
        return base::InvalidField("acquired_at", "expected a time such as 2026-11-20T09:30:00Z");
      }
      metadata.acquired_at = millis;
    } else if (key == "acquired_place") {
      metadata.acquired_place = value;
    } else if (key == "legal_basis") {
      metadata.legal_basis = value;
    } else if (key == "parent_id") {
      if (value.empty()) continue;
      ASSIGN_OR_RETURN(int64_t parent, http::IntParam(query, "parent_id"));
      metadata.parent_id = parent;
    } else if (key == "categories") {
      for (std::string_view code : base::StrSplit(value, ',')) {
        std::string_view trimmed = base::StripAsciiWhitespace(code);
        if (!trimmed.empty()) metadata.categories.emplace_back(trimmed);
      }
    } else {
      return base::InvalidField(key, "unknown parameter");
    }
  }
  if (!named) return base::InvalidField("name", "required: the file's original name");
  return metadata;
}

// The upload in progress: the body goes into the store as it arrives.
class UploadSink final : public http::BodySink {
 public:
  UploadSink(int64_t case_id, evidence::Metadata metadata,
             std::unique_ptr<vault::BlobWriter> writer)
      : case_id_(case_id), metadata_(std::move(metadata)), writer_(std::move(writer)) {}
  absl::Status Write(std::string_view bytes) override { return writer_->Write(bytes); }

  int64_t case_id() const { return case_id_; }
  const evidence::Metadata& metadata() const { return metadata_; }
  vault::BlobWriter& writer() { return *writer_; }

 private:
  int64_t case_id_;
  evidence::Metadata metadata_;
  std::unique_ptr<vault::BlobWriter> writer_;
};

absl::StatusOr<int64_t> Id(const Request& request, const std::string& name = "id") {
  return http::IntParam(request.path_params, name);
}

absl::StatusOr<std::string> StateParam(const Request& request) {
  for (const auto& [key, value] : request.query) {
    if (key != "state") return base::InvalidField(key, "unknown parameter");
  }
  auto found = request.query.find("state");
  return found == request.query.end() ? std::string() : found->second;
}

// Routes POST /api/v1/evidence/{id}/<action> whose JSON body has the named text fields.
void AddEventRoute(http::Router& router, const std::string& action,
                   std::vector<std::pair<std::string, size_t>> fields,
                   std::function<absl::StatusOr<evidence::CustodyEvent>(const Request&, int64_t,
                                                                        std::vector<std::string>&)>
                       run) {
  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/evidence/{id}/" + action,
              .permission = Permission::kCasesRead,
              .handler = [fields, run](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                std::vector<std::string> values;
                for (const auto& [field, max_bytes] : fields) {
                  ASSIGN_OR_RETURN(std::optional<std::string> value,
                                   body.OptionalString(field, max_bytes));
                  values.push_back(value.value_or(""));
                }
                RETURN_IF_ERROR(body.Finish());
                ASSIGN_OR_RETURN(evidence::CustodyEvent event, run(request, id, values));
                return http::JsonResponse(RenderEvent(event), 201);
              }});
}

// Routes POST /api/v1/disposals/{id}/<action>.
void AddDisposalRoute(
    http::Router& router, const std::string& action, bool with_reason,
    std::function<absl::StatusOr<evidence::Disposal>(const Request&, int64_t, std::string)> run) {
  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/disposals/{id}/" + action,
              .permission = Permission::kCasesRead,
              .handler = [with_reason, run](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                std::string reason;
                if (with_reason || !request.body.empty()) {
                  ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                  if (with_reason) {
                    ASSIGN_OR_RETURN(reason, body.RequiredString("reason", 2000));
                  }
                  RETURN_IF_ERROR(body.Finish());
                }
                ASSIGN_OR_RETURN(evidence::Disposal disposal, run(request, id, reason));
                return http::JsonResponse(RenderDisposal(disposal));
              }});
}

}  // namespace

Json RenderEvidenceItem(const evidence::Item& item) { return RenderItem(item); }

void AddEvidenceRoutes(http::Router& router, Services& services) {
  evidence::EvidenceService& evidence = services.evidence;

  router.Add(
      {.method = Method::kGet,
       .pattern = "/api/v1/evidence/categories",
       .permission = Permission::kCasesRead,
       .handler = [](Request&) -> absl::StatusOr<Response> {
         Json list = Json::array();
         for (const evidence::Category& category : evidence::Categories()) {
           list.push_back(
               {{"code", category.code},
                {"retention_days", category.retention_days},
                {"names",
                 {{"kk", category.name_kk}, {"ru", category.name_ru}, {"en", category.name_en}}}});
         }
         return http::JsonResponse(Json{{"categories", list}});
       }});

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/cases/{id}/evidence",
              .permission = Permission::kCasesRead,
              .handler = [&evidence](Request& request) -> absl::StatusOr<Response> {
                auto* upload = dynamic_cast<UploadSink*>(request.body_sink.get());
                if (upload == nullptr) {
                  return absl::InvalidArgumentError("send the file as the request body");
                }
                ASSIGN_OR_RETURN(vault::PutResult put, upload->writer().Commit());
                ASSIGN_OR_RETURN(evidence::Item item,
                                 evidence.Ingest(*request.principal, OriginOf(request),
                                                 upload->case_id(), upload->metadata(), put));
                return http::JsonResponse(RenderItem(item), 201);
              },
              .max_body_bytes = kMaxUploadBytes,
              .open_body_sink =
                  [&evidence](Request& request) -> absl::StatusOr<std::shared_ptr<http::BodySink>> {
                ASSIGN_OR_RETURN(int64_t case_id, Id(request));
                ASSIGN_OR_RETURN(evidence::Metadata metadata, MetadataFromQuery(request.query));
                RETURN_IF_ERROR(evidence.CheckIngest(*request.principal, case_id, metadata));
                vault::PutOptions options;
                uint64_t length = 0;
                if (base::SimpleAtoi(request.Header("content-length"), &length)) {
                  options.expected_bytes = length;
                }
                ASSIGN_OR_RETURN(std::unique_ptr<vault::BlobWriter> writer,
                                 evidence.blobs().Begin(options));
                return std::make_shared<UploadSink>(case_id, std::move(metadata),
                                                    std::move(writer));
              }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/cases/{id}/evidence",
              .permission = Permission::kCasesRead,
              .handler = [&evidence](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(std::vector<evidence::Item> items,
                                 evidence.ListForCase(*request.principal, id));
                Json list = Json::array();
                for (const evidence::Item& item : items) list.push_back(RenderItem(item));
                return http::JsonResponse(Json{{"items", list}});
              },
              .audit_action = "evidence.list",
              .audit_object_type = "case"});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/evidence/{id}",
              .permission = Permission::kCasesRead,
              .handler = [&evidence](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(evidence::Item item,
                                 evidence.Get(*request.principal, OriginOf(request), id, true));
                return http::JsonResponse(RenderItem(item));
              }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/evidence/{id}/custody",
              .permission = Permission::kCasesRead,
              .handler = [&evidence](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(std::vector<evidence::CustodyEvent> events,
                                 evidence.Custody(*request.principal, id));
                Json list = Json::array();
                for (const auto& event : events) list.push_back(RenderEvent(event));
                return http::JsonResponse(Json{{"events", list}});
              },
              .audit_action = "evidence.custody_read",
              .audit_object_type = "evidence"});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/evidence/{id}/content",
              .permission = Permission::kCasesRead,
              .handler = [&evidence](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(evidence::EvidenceService::Content content,
                                 evidence.OpenContent(*request.principal, OriginOf(request), id));
                return FileDownload(content.path, content.item.metadata.original_name,
                                    "application/octet-stream");
              }});

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/evidence/{id}/verify",
              .permission = Permission::kCasesRead,
              .handler = [&evidence](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(evidence::VerifyOutcome outcome,
                                 evidence.Verify(*request.principal, OriginOf(request), id));
                return http::JsonResponse(Json{{"result", outcome.result},
                                               {"found_sha256", outcome.found_sha256},
                                               {"item", RenderItem(outcome.item)},
                                               {"event", RenderEvent(outcome.event)}});
              }});

  AddEventRoute(router, "transfer", {{"from", 300}, {"to", 300}, {"purpose", 2000}},
                [&evidence](const Request& request, int64_t id, std::vector<std::string>& values) {
                  return evidence.Transfer(*request.principal, OriginOf(request), id, values[0],
                                           values[1], values[2]);
                });
  AddEventRoute(router, "seal", {{"reason", 2000}, {"seal_number", 300}},
                [&evidence](const Request& request, int64_t id, std::vector<std::string>& values) {
                  return evidence.Seal(*request.principal, OriginOf(request), id, values[0],
                                       values[1]);
                });
  AddEventRoute(router, "unseal", {{"reason", 2000}},
                [&evidence](const Request& request, int64_t id, std::vector<std::string>& values) {
                  return evidence.Unseal(*request.principal, OriginOf(request), id, values[0]);
                });

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/evidence/{id}/disposal",
              .permission = Permission::kCasesRead,
              .handler = [&evidence](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                ASSIGN_OR_RETURN(std::string reason, body.RequiredString("reason", 2000));
                RETURN_IF_ERROR(body.Finish());
                ASSIGN_OR_RETURN(
                    evidence::Disposal disposal,
                    evidence.RequestDisposal(*request.principal, OriginOf(request), id, reason));
                return http::JsonResponse(RenderDisposal(disposal), 201);
              }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/disposals",
              .permission = Permission::kCasesRead,
              .handler = [&evidence](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(std::string state, StateParam(request));
                ASSIGN_OR_RETURN(std::vector<evidence::Disposal> disposals,
                                 evidence.ListDisposals(*request.principal, state));
                Json list = Json::array();
                for (const auto& disposal : disposals) list.push_back(RenderDisposal(disposal));
                return http::JsonResponse(Json{{"disposals", list}});
              }});
  AddDisposalRoute(router, "approve", false,
                   [&evidence](const Request& request, int64_t id, std::string) {
                     return evidence.ApproveDisposal(*request.principal, OriginOf(request), id);
                   });
  AddDisposalRoute(router, "reject", true,
                   [&evidence](const Request& request, int64_t id, std::string reason) {
                     return evidence.RejectDisposal(*request.principal, OriginOf(request), id,
                                                    std::move(reason));
                   });
  AddDisposalRoute(router, "cancel", false,
                   [&evidence](const Request& request, int64_t id, std::string) {
                     return evidence.CancelDisposal(*request.principal, OriginOf(request), id);
                   });

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/evidence-alerts",
              .permission = Permission::kEvidenceApprove,
              .handler = [&evidence](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(std::string state, StateParam(request));
                ASSIGN_OR_RETURN(std::vector<evidence::Alert> alerts,
                                 evidence.ListAlerts(*request.principal, state));
                Json list = Json::array();
                for (const auto& alert : alerts) list.push_back(RenderAlert(alert));
                return http::JsonResponse(Json{{"alerts", list}});
              }});
  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/evidence-alerts/{id}/acknowledge",
              .permission = Permission::kEvidenceApprove,
              .handler = [&evidence](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(
                    evidence::Alert alert,
                    evidence.AcknowledgeAlert(*request.principal, OriginOf(request), id));
                return http::JsonResponse(RenderAlert(alert));
              }});

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/cases/{id}/bundles",
              .permission = Permission::kCasesRead,
              .handler = [&evidence](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                Json parsed = Json::parse(request.body, nullptr, false);
                if (!parsed.is_object())
                  return absl::InvalidArgumentError("expected a JSON object");
                std::vector<int64_t> item_ids;
                if (!parsed.contains("item_ids") || !parsed["item_ids"].is_array()) {
                  return base::InvalidField("item_ids", "expected a list of item ids");
                }
                for (const Json& value : parsed["item_ids"]) {
                  if (!value.is_number_integer()) {
                    return base::InvalidField("item_ids", "expected a list of item ids");
                  }
                  item_ids.push_back(value.get<int64_t>());
                }
                parsed.erase("item_ids");
                JsonObject body(std::move(parsed));
                ASSIGN_OR_RETURN(std::string purpose, body.RequiredString("purpose", 2000));
                RETURN_IF_ERROR(body.Finish());
                ASSIGN_OR_RETURN(evidence::Bundle bundle,
                                 evidence.ExportBundle(*request.principal, OriginOf(request), id,
                                                       item_ids, purpose));
                return http::JsonResponse(RenderBundle(bundle), 201);
              }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/cases/{id}/bundles",
              .permission = Permission::kCasesRead,
              .handler = [&evidence](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(std::vector<evidence::Bundle> bundles,
                                 evidence.ListBundles(*request.principal, id));
                Json list = Json::array();
                for (const auto& bundle : bundles) list.push_back(RenderBundle(bundle));
                return http::JsonResponse(Json{{"bundles", list}});
              }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/bundles/{id}/download",
              .permission = Permission::kCasesRead,
              .handler = [&evidence](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(evidence::Bundle bundle,
                                 evidence.OpenBundle(*request.principal, OriginOf(request), id));
                return FileDownload(bundle.path, bundle.file_name, "application/x-tar");
              }});
}

}  // namespace threathub::api
