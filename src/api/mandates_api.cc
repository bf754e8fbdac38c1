// Monitoring mandates and covert personas. Who may see and do what is decided inside
// MandateService (requester, supervisors, the head of the agency, the case's members); the route
// permission (monitoring.use) only says who may use monitoring at all.
#include <algorithm>

#include "api/render.h"
#include "api/services.h"
#include "base/errors.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "http/json.h"
#include "mandates/mandates.h"

namespace threathub::api {
namespace {

using auth::Permission;
using http::Json;
using http::JsonObject;
using http::Method;
using http::Request;
using http::Response;

constexpr size_t kMaxPurposeBytes = 2000;
constexpr size_t kMaxPredicateBytes = 2000;
constexpr size_t kMaxJustificationBytes = 20'000;
constexpr size_t kMaxReasonBytes = 2000;
constexpr size_t kMaxScopeItems = 1000;  // the service allows fewer and says so
constexpr size_t kMaxScopeValueBytes = 4096;
constexpr size_t kMaxPersonaTextBytes = 200;
constexpr size_t kMaxMandateIds = 100;

mandates::Origin OriginOf(const Request& request) {
  return mandates::Origin{request.client_address, request.request_id};
}

absl::StatusOr<int64_t> Id(const Request& request) {
  return http::IntParam(request.path_params, "id");
}

Json RenderActions(const mandates::Actions& actions) {
  return Json{{"edit", actions.edit},
              {"submit", actions.submit},
              {"approve", actions.approve},
              {"reject", actions.reject},
              {"revoke", actions.revoke}};
}

// The mandate as docs/api.md describes it; "can" says what the caller may do now (all false for
// a past version).
Json RenderMandate(const mandates::Mandate& mandate, const mandates::Actions& can) {
  Json scope = Json::array();
  for (const mandates::ScopeEntry& entry : mandate.scope) {
    scope.push_back(
        Json{{"kind", entry.kind}, {"platform", entry.platform}, {"value", entry.value}});
  }
  return Json{{"id", mandate.id},
              {"agency_id", mandate.agency_id},
              {"version", mandate.version},
              {"purpose", mandate.purpose},
              {"case_id", mandate.case_id ? Json(*mandate.case_id) : Json(nullptr)},
              {"case_number", mandate.case_id ? Json(mandate.case_number) : Json(nullptr)},
              {"predicate", mandate.predicate},
              {"level", mandates::LevelName(mandate.level)},
              {"mechanism", mandates::MechanismName(mandate.mechanism)},
              {"scope", scope},
              {"starts_at", base::FormatUtc(mandate.starts_at)},
              {"ends_at", base::FormatUtc(mandate.ends_at)},
              {"storage_days", mandate.storage_days},
              {"justification", mandate.justification},
              {"requester", RenderPerson(mandate.requester)},
              {"state", mandates::StateName(mandate.state)},
              {"approved_by", OptionalPerson(mandate.approved_by)},
              {"approved_at", OptionalTime(mandate.approved_at)},
              {"head_approved_by", OptionalPerson(mandate.head_approved_by)},
              {"head_approved_at", OptionalTime(mandate.head_approved_at)},
              {"needs_head_approval", mandates::NeedsHeadApproval(mandate)},
              {"rejection_reason", mandate.rejection_reason},
              {"revocation_reason", mandate.revocation_reason},
              {"last_action", mandate.last_action},
              {"updated_by", OptionalPerson(mandate.updated_by)},
              {"created_at", base::FormatUtc(mandate.created_at)},
              {"updated_at", base::FormatUtc(mandate.updated_at)},
              {"can", RenderActions(can)}};
}

Json RenderPersona(const mandates::Persona& persona) {
  return Json{{"id", persona.id},
              {"agency_id", persona.agency_id},
              {"platform", persona.platform},
              {"handle", persona.handle},
              {"display_name", persona.display_name},
              {"controller", RenderPerson(persona.controller)},
              {"mandate_ids", persona.mandate_ids},
              {"status", persona.status},
              {"created_at", base::FormatUtc(persona.created_at)},
              {"updated_at", base::FormatUtc(persona.updated_at)}};
}

// Parses the body as a JSON object and takes out `field` (a list the JsonObject reader has no
// method for; null counts as absent), leaving the rest to be read field by field.
absl::StatusOr<std::pair<JsonObject, std::optional<Json>>> SplitBody(const std::string& body,
                                                                     const std::string& field) {
  ASSIGN_OR_RETURN(SplitJson split, SplitJsonBody(body, {field}));
  std::optional<Json> taken;
  if (auto found = split.taken.find(field);
      found != split.taken.end() && !found->second.is_null()) {
    taken = std::move(found->second);
  }
  return std::make_pair(std::move(split.rest), std::move(taken));
}

absl::StatusOr<std::vector<mandates::ScopeEntry>> ReadScope(const std::optional<Json>& list) {
  std::vector<mandates::ScopeEntry> scope;
  if (!list) return scope;
  if (!list->is_array()) {
    return base::InvalidField("scope", "expected a list of {\"kind\",\"platform\",\"value\"}");
  }
  if (list->size() > kMaxScopeItems) return base::InvalidField("scope", "too many entries");
  for (size_t entry_idx = 0; entry_idx < list->size(); ++entry_idx) {
    const Json& item = (*list)[entry_idx];
    std::string prefix = base::StrCat("scope[", entry_idx, "]");
    if (!item.is_object()) {
      return base::InvalidField(prefix, "expected {\"kind\",\"platform\",\"value\"}");
    }
    mandates::ScopeEntry entry;
    for (const auto& [key, value] : item.items()) {
      std::string field = base::StrCat(prefix, ".", key);
      std::string* target = key == "kind"       ? &entry.kind
                            : key == "platform" ? &entry.platform
                            : key == "value"    ? &entry.value
                                                : nullptr;
      if (target == nullptr) return base::InvalidField(field, "unknown field");
      if (value.is_null()) continue;
      if (!value.is_string()) return base::InvalidField(field, "expected a string");
      *target = value.get<std::string>();
      if (target->size() > kMaxScopeValueBytes) return base::InvalidField(field, "too long");
    }
    scope.push_back(std::move(entry));
  }
  return scope;
}

absl::StatusOr<base::Millis> ReadTime(JsonObject& body, const std::string& field) {
  ASSIGN_OR_RETURN(std::string text, body.RequiredString(field, 64));
  base::Millis millis = 0;
  if (!base::ParseUtc(text, millis)) {
    return base::InvalidField(field, "expected a time such as 2026-12-01T09:00:00Z");
  }
  return millis;
}

// The body of POST /api/v1/mandates and PUT /api/v1/mandates/{id}.
absl::StatusOr<mandates::NewMandate> ReadMandate(const Request& request) {
  ASSIGN_OR_RETURN(auto split, SplitBody(request.body, "scope"));
  JsonObject& body = split.first;
  mandates::NewMandate fields;
  ASSIGN_OR_RETURN(std::optional<std::string> purpose,
                   body.OptionalString("purpose", kMaxPurposeBytes));
  fields.purpose = purpose.value_or("");
  ASSIGN_OR_RETURN(fields.case_id, body.OptionalInt("case_id"));
  ASSIGN_OR_RETURN(std::optional<std::string> predicate,
                   body.OptionalString("predicate", kMaxPredicateBytes));
  fields.predicate = predicate.value_or("");
  ASSIGN_OR_RETURN(std::string level, body.RequiredString("level", 20));
  std::optional<mandates::Level> parsed_level = mandates::ParseLevel(level);
  if (!parsed_level) return base::InvalidField("level", "expected overt, discreet or covert");
  fields.level = *parsed_level;
  ASSIGN_OR_RETURN(std::string mechanism, body.RequiredString("mechanism", 20));
  std::optional<mandates::Mechanism> parsed_mechanism = mandates::ParseMechanism(mechanism);
  if (!parsed_mechanism) {
    return base::InvalidField("mechanism", "expected manual, automated or persona");
  }
  fields.mechanism = *parsed_mechanism;
  ASSIGN_OR_RETURN(fields.scope, ReadScope(split.second));
  ASSIGN_OR_RETURN(fields.starts_at, ReadTime(body, "starts_at"));
  ASSIGN_OR_RETURN(fields.ends_at, ReadTime(body, "ends_at"));
  ASSIGN_OR_RETURN(int64_t storage_days, body.RequiredInt("storage_days"));
  if (storage_days < 0 || storage_days > 1'000'000) {
    return base::InvalidField("storage_days", "from 1 to 3650 days");
  }
  fields.storage_days = static_cast<int>(storage_days);
  ASSIGN_OR_RETURN(std::optional<std::string> justification,
                   body.OptionalString("justification", kMaxJustificationBytes));
  fields.justification = justification.value_or("");
  RETURN_IF_ERROR(body.Finish());
  return fields;
}

absl::StatusOr<std::vector<int64_t>> ReadIds(const std::optional<Json>& list,
                                             const std::string& field) {
  std::vector<int64_t> ids;
  if (!list) return ids;
  if (!list->is_array() || list->size() > kMaxMandateIds) {
    return base::InvalidField(field, "expected a list of mandate ids");
  }
  for (const Json& value : *list) {
    if (!value.is_number_integer()) return base::InvalidField(field, "expected mandate ids");
    ids.push_back(value.get<int64_t>());
  }
  return ids;
}

// Routes POST /api/v1/mandates/{id}/<verb>: no body, or {"reason"} when `with_reason`.
void AddDecision(
    http::Router& router, mandates::MandateService& mandates, const base::Clock& clock,
    const std::string& verb, bool with_reason,
    std::function<absl::StatusOr<mandates::Mandate>(const Request&, int64_t, std::string)> decide) {
  router.Add(
      {.method = Method::kPost,
       .pattern = "/api/v1/mandates/{id}/" + verb,
       .permission = Permission::kMonitoring,
       .handler = [&clock, with_reason, decide](Request& request) -> absl::StatusOr<Response> {
         ASSIGN_OR_RETURN(int64_t id, Id(request));
         std::string reason;
         if (with_reason || !request.body.empty()) {
           ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
           if (with_reason) {
             ASSIGN_OR_RETURN(reason, body.RequiredString("reason", kMaxReasonBytes));
           }
           RETURN_IF_ERROR(body.Finish());
         }
         ASSIGN_OR_RETURN(mandates::Mandate mandate, decide(request, id, reason));
         return http::JsonResponse(RenderMandate(
             mandate, mandates::AllowedActions(*request.principal, mandate, clock.NowMillis())));
       }});
}

std::string PdfLanguage(const Request& request, const std::string& asked) {
  if (!asked.empty()) return asked;
  const std::string& preferred = request.principal->language;
  return preferred == "kk" || preferred == "en" ? preferred : "ru";
}

}  // namespace

void AddMandateRoutes(http::Router& router, Services& services) {
  mandates::MandateService& mandates = services.mandates;
  const base::Clock& clock = services.clock;
  auto render = [&clock](const Request& request, const mandates::Mandate& mandate) {
    return RenderMandate(mandate,
                         mandates::AllowedActions(*request.principal, mandate, clock.NowMillis()));
  };

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/mandates",
              .permission = Permission::kMonitoring,
              .handler = [&mandates, render](Request& request) -> absl::StatusOr<Response> {
                mandates::MandateService::Filter filter;
                for (const auto& [key, value] : request.query) {
                  if (key == "state") {
                    if (value.empty()) continue;
                    filter.state = mandates::ParseState(value);
                    if (!filter.state) {
                      return base::InvalidField(
                          "state",
                          "expected draft, pending, approved, rejected, expired or revoked");
                    }
                  } else if (key == "awaiting") {
                    if (value.empty()) continue;
                    if (value != "me") return base::InvalidField("awaiting", "expected me");
                    filter.awaiting_my_approval = true;
                  } else if (key == "limit") {
                    ASSIGN_OR_RETURN(int64_t limit, http::IntParam(request.query, "limit"));
                    filter.limit = static_cast<int>(std::clamp<int64_t>(limit, 0, 1001));
                  } else {
                    return base::InvalidField(key, "unknown parameter");
                  }
                }
                ASSIGN_OR_RETURN(std::vector<mandates::Mandate> found,
                                 mandates.List(*request.principal, filter));
                Json list = Json::array();
                for (const mandates::Mandate& mandate : found) {
                  list.push_back(render(request, mandate));
                }
                return http::JsonResponse(Json{{"mandates", list}});
              },
              .audit_action = "mandate.list",
              .audit_object_type = "mandate"});

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/mandates",
              .permission = Permission::kMonitoring,
              .handler = [&mandates, render](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(mandates::NewMandate fields, ReadMandate(request));
                ASSIGN_OR_RETURN(
                    mandates::Mandate created,
                    mandates.Create(*request.principal, OriginOf(request), std::move(fields)));
                return http::JsonResponse(render(request, created), 201);
              }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/mandates/{id}",
              .permission = Permission::kMonitoring,
              .handler = [&mandates, render](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(mandates::Mandate mandate, mandates.Get(*request.principal, id));
                return http::JsonResponse(render(request, mandate));
              },
              .audit_action = "mandate.read",
              .audit_object_type = "mandate"});

  router.Add({.method = Method::kPut,
              .pattern = "/api/v1/mandates/{id}",
              .permission = Permission::kMonitoring,
              .handler = [&mandates, render](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(mandates::NewMandate fields, ReadMandate(request));
                ASSIGN_OR_RETURN(
                    mandates::Mandate updated,
                    mandates.Update(*request.principal, OriginOf(request), id, std::move(fields)));
                return http::JsonResponse(render(request, updated));
              }});

  AddDecision(router, mandates, clock, "submit", false,
              [&mandates](const Request& request, int64_t id, std::string) {
                return mandates.Submit(*request.principal, OriginOf(request), id);
              });
  AddDecision(router, mandates, clock, "approve", false,
              [&mandates](const Request& request, int64_t id, std::string) {
                return mandates.Approve(*request.principal, OriginOf(request), id);
              });
  AddDecision(router, mandates, clock, "reject", true,
              [&mandates](const Request& request, int64_t id, std::string reason) {
                return mandates.Reject(*request.principal, OriginOf(request), id,
                                       std::move(reason));
              });
  AddDecision(router, mandates, clock, "revoke", true,
              [&mandates](const Request& request, int64_t id, std::string reason) {
                return mandates.Revoke(*request.principal, OriginOf(request), id,
                                       std::move(reason));
              });

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/mandates/{id}/versions",
              .permission = Permission::kMonitoring,
              .handler = [&mandates](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(std::vector<mandates::Mandate> versions,
                                 mandates.Versions(*request.principal, id));
                Json list = Json::array();
                for (const mandates::Mandate& version : versions) {
                  list.push_back(RenderMandate(version, mandates::Actions{}));
                }
                return http::JsonResponse(Json{{"versions", list}});
              },
              .audit_action = "mandate.versions_read",
              .audit_object_type = "mandate"});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/mandates/{id}/request.pdf",
              .permission = Permission::kMonitoring,
              .handler = [&mandates](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                std::string language;
                for (const auto& [key, value] : request.query) {
                  if (key != "lang") return base::InvalidField(key, "unknown parameter");
                  language = value;
                }
                language = PdfLanguage(request, language);
                ASSIGN_OR_RETURN(std::string pdf,
                                 mandates.RequestPdf(*request.principal, id, language));
                Response response;
                response.content_type = "application/pdf";
                response.body = std::move(pdf);
                response.headers.emplace_back(
                    "Content-Disposition",
                    base::StrCat("attachment; filename=\"mandate-", id, "-", language, ".pdf\""));
                response.headers.emplace_back("Cache-Control", "no-store");
                return response;
              },
              .audit_action = "mandate.request_pdf",
              .audit_object_type = "mandate"});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/personas",
              .permission = Permission::kMonitoring,
              .handler = [&mandates](Request& request) -> absl::StatusOr<Response> {
                if (!request.query.empty()) {
                  return base::InvalidField(request.query.begin()->first, "unknown parameter");
                }
                ASSIGN_OR_RETURN(std::vector<mandates::Persona> personas,
                                 mandates.ListPersonas(*request.principal));
                Json list = Json::array();
                for (const mandates::Persona& persona : personas) {
                  list.push_back(RenderPersona(persona));
                }
                return http::JsonResponse(Json{{"personas", list}});
              },
              .audit_action = "persona.list",
              .audit_object_type = "persona"});

  router.Add(
      {.method = Method::kPost,
       .pattern = "/api/v1/personas",
       .permission = Permission::kMonitoring,
       .handler = [&mandates](Request& request) -> absl::StatusOr<Response> {
         ASSIGN_OR_RETURN(auto split, SplitBody(request.body, "mandate_ids"));
         JsonObject& body = split.first;
         mandates::NewPersona fields;
         ASSIGN_OR_RETURN(fields.platform, body.RequiredString("platform", kMaxPersonaTextBytes));
         ASSIGN_OR_RETURN(fields.handle, body.RequiredString("handle", kMaxPersonaTextBytes));
         ASSIGN_OR_RETURN(fields.display_name,
                          body.RequiredString("display_name", kMaxPersonaTextBytes));
         ASSIGN_OR_RETURN(fields.controller_user_id, body.OptionalInt("controller_user_id"));
         ASSIGN_OR_RETURN(fields.mandate_ids, ReadIds(split.second, "mandate_ids"));
         RETURN_IF_ERROR(body.Finish());
         ASSIGN_OR_RETURN(
             mandates::Persona persona,
             mandates.CreatePersona(*request.principal, OriginOf(request), std::move(fields)));
         return http::JsonResponse(RenderPersona(persona), 201);
       }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/personas/{id}",
              .permission = Permission::kMonitoring,
              .handler = [&mandates](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(mandates::Persona persona,
                                 mandates.GetPersona(*request.principal, id));
                return http::JsonResponse(RenderPersona(persona));
              },
              .audit_action = "persona.read",
              .audit_object_type = "persona"});

  router.Add(
      {.method = Method::kPatch,
       .pattern = "/api/v1/personas/{id}",
       .permission = Permission::kMonitoring,
       .handler = [&mandates](Request& request) -> absl::StatusOr<Response> {
         ASSIGN_OR_RETURN(int64_t id, Id(request));
         ASSIGN_OR_RETURN(auto split, SplitBody(request.body, "mandate_ids"));
         JsonObject& body = split.first;
         ASSIGN_OR_RETURN(std::optional<std::string> platform,
                          body.OptionalString("platform", kMaxPersonaTextBytes));
         ASSIGN_OR_RETURN(std::optional<std::string> handle,
                          body.OptionalString("handle", kMaxPersonaTextBytes));
         ASSIGN_OR_RETURN(std::optional<std::string> display_name,
                          body.OptionalString("display_name", kMaxPersonaTextBytes));
         ASSIGN_OR_RETURN(std::optional<int64_t> controller,
                          body.OptionalInt("controller_user_id"));
         ASSIGN_OR_RETURN(std::optional<std::string> status, body.OptionalString("status", 20));
         RETURN_IF_ERROR(body.Finish());
         // What the body leaves out stays as it is.
         ASSIGN_OR_RETURN(mandates::Persona current, mandates.GetPersona(*request.principal, id));
         mandates::NewPersona fields{.platform = platform.value_or(current.platform),
                                     .handle = handle.value_or(current.handle),
                                     .display_name = display_name.value_or(current.display_name),
                                     .controller_user_id = controller,
                                     .mandate_ids = current.mandate_ids};
         if (split.second) {
           ASSIGN_OR_RETURN(fields.mandate_ids, ReadIds(split.second, "mandate_ids"));
         }
         ASSIGN_OR_RETURN(mandates::Persona persona,
                          mandates.UpdatePersona(*request.principal, OriginOf(request), id,
                                                 std::move(fields), std::move(status)));
         return http::JsonResponse(RenderPersona(persona));
       }});
}

}  // namespace threathub::api
