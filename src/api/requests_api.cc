// Requests to service providers (docs/api.md, "Requests to service providers"): the provider
// directory and country profiles, requests and their lifecycle, the frozen documents, data
// received in answer (streamed into the vault as evidence), the deadline calendar, reminders
// and statistics. Who may see and do what with a request is decided inside
// requests::RequestService (through the request's case); the route permission only says who may
// draft, approve or edit the directory at all.
//
// Instants are integers of UTC milliseconds in both directions (`*_at`, `range_from`, `due`).
// Bodies are read strictly: an unknown field, an unknown type, category or identifier kind, or a
// value of the wrong JSON type is a 400 naming the field.
#include <algorithm>
#include <set>

#include "api/render.h"
#include "api/services.h"
#include "base/errors.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "requests/requests.h"

namespace threathub::api {
namespace {

using auth::Permission;
using http::Json;
using http::JsonObject;
using http::Method;
using http::Request;
using http::Response;

// The JSON reader's own cap on one text field; the linter and the service check the real limit
// (kMaxFieldBytes) so that the wizard sees it as a warning.
constexpr size_t kMaxTextBytes = 4 * requests::kMaxFieldBytes;
constexpr size_t kMaxListItems = 1000;
constexpr size_t kMaxNoteBytes = 4000;
constexpr int64_t kDayMillis = int64_t{24} * 60 * 60 * 1000;
constexpr int64_t kMaxCalendarDays = 400;
// The calendar without ?from=&to=: a month back, a year ahead.
constexpr int64_t kCalendarDaysBack = 31;
constexpr int64_t kCalendarDaysAhead = 365;

requests::Origin OriginOf(const Request& request) {
  return requests::Origin{request.client_address, request.request_id};
}

evidence::Origin EvidenceOriginOf(const Request& request) {
  return evidence::Origin{request.client_address, request.request_id,
                          base::StrCat("web ", request.client_address)};
}

absl::StatusOr<int64_t> Id(const Request& request) {
  return http::IntParam(request.path_params, "id");
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

absl::Status NoQuery(const Request& request) { return OnlyQuery(request, {}); }

template <class T>
Json OptionalValue(const std::optional<T>& value) {
  return value ? Json(*value) : Json(nullptr);
}

// ---- Rendering ---------------------------------------------------------------------------------

Json RenderProvenance(const requests::Provenance& provenance) {
  return Json{{"source", provenance.source},
              {"confidence", requests::ConfidenceName(provenance.confidence)},
              {"checked", provenance.checked},
              {"to_check", provenance.to_check}};
}

// A fact with its provenance flattened into it: {"text", "source", "confidence", ...}.
Json WithProvenance(Json fact, const requests::Provenance& provenance) {
  Json rendered = RenderProvenance(provenance);
  for (auto& [key, value] : rendered.items()) fact[key] = value;
  return fact;
}

Json RenderLocal(const requests::LocalTime& local) {
  return Json{{"zone", local.zone}, {"date", local.date}, {"text", local.text}};
}

Json RenderMessage(const requests::Message& message) {
  return Json{{"kk", message.kk}, {"ru", message.ru}, {"en", message.en}};
}

Json RenderWarnings(const std::vector<requests::Warning>& warnings) {
  Json list = Json::array();
  for (const requests::Warning& warning : warnings) {
    list.push_back({{"code", warning.code},
                    {"field", warning.field},
                    {"severity", requests::SeverityName(warning.severity)},
                    {"message", RenderMessage(warning.message)},
                    {"reason", warning.reason},
                    {"source", warning.source}});
  }
  return list;
}

Json RenderDeadline(const requests::Deadline& deadline) {
  Json reminders = Json::array();
  for (const requests::Reminder& reminder : requests::Reminders(deadline)) {
    reminders.push_back({{"at", reminder.at}, {"label", reminder.label}});
  }
  return Json{{"kind", requests::DeadlineKindName(deadline.kind)},
              {"rule_id", deadline.rule_id},
              {"source", deadline.source},
              {"confidence", requests::ConfidenceName(deadline.confidence)},
              {"text", deadline.text},
              {"due", deadline.due},
              {"comparison_only", deadline.comparison_only},
              {"in_hours", deadline.in_hours},
              {"user_local", RenderLocal(deadline.user_local)},
              {"provider_local", RenderLocal(deadline.provider_local)},
              {"reminders", reminders}};
}

Json RenderDeadlines(const std::optional<requests::Schedule>& schedule) {
  Json list = Json::array();
  if (schedule) {
    for (const requests::Deadline& deadline : schedule->deadlines) {
      list.push_back(RenderDeadline(deadline));
    }
  }
  return list;
}

Json RenderProblems(const std::optional<requests::Schedule>& schedule) {
  Json list = Json::array();
  if (schedule) {
    for (const requests::Problem& problem : schedule->problems) {
      list.push_back({{"code", problem.code},
                      {"rule_id", problem.rule_id},
                      {"source", problem.source},
                      {"message", problem.message}});
    }
  }
  return list;
}

Json RenderRetention(const std::vector<requests::RetentionWarning>& warnings) {
  Json list = Json::array();
  for (const requests::RetentionWarning& warning : warnings) {
    list.push_back(
        {{"retention_id", warning.retention_id},
         {"data", warning.data},
         {"source", warning.source},
         {"confidence", requests::ConfidenceName(warning.confidence)},
         {"request_before", OptionalValue(warning.request_before)},
         {"user_local", warning.user_local ? RenderLocal(*warning.user_local) : Json(nullptr)},
         {"already_gone", warning.already_gone},
         {"message", warning.message}});
  }
  return list;
}

Json RenderIdentifier(const requests::Identifier& identifier) {
  return Json{{"kind", requests::IdentifierKindName(identifier.kind)}, {"value", identifier.value}};
}

Json RenderRequest(const requests::Request& request) {
  Json json = requests::FieldsToJson(request.fields);
  json.update(Json{{"id", request.id},
                   {"reference", request.reference},
                   {"version", request.version},
                   {"state", requests::StateName(request.state)},
                   {"agency_id", request.agency_id},
                   {"case_number", request.case_number},
                   {"chain_id", request.chain_id},
                   {"provider_hash", request.provider_hash},
                   {"directory_version", request.directory_version},
                   {"created_by", RenderPerson(request.created_by)},
                   {"created_at", request.created_at},
                   {"updated_at", request.updated_at},
                   {"approved_by", OptionalPerson(request.approved_by)},
                   {"approved_at", OptionalValue(request.approved_at)},
                   {"returned_reason", request.returned_reason},
                   {"sent_at", OptionalValue(request.sent_at)},
                   {"channel", request.channel},
                   {"ticket", request.ticket},
                   {"acknowledged_at", OptionalValue(request.acknowledged_at)},
                   {"preserved_at", OptionalValue(request.preserved_at)},
                   {"preserved_until", OptionalValue(request.preserved_until)},
                   {"first_answer_at", OptionalValue(request.first_answer_at)},
                   {"outcome_at", OptionalValue(request.outcome_at)},
                   {"refusal_code", request.refusal_code},
                   {"outcome_text", request.outcome_text},
                   {"closed_at", OptionalValue(request.closed_at)},
                   {"document_sha256", request.document_sha256},
                   {"document_language", request.document_language},
                   {"document_size", request.document_size},
                   {"response_evidence_ids", request.response_evidence_ids}});
  return json;
}

Json RenderActions(const requests::Actions& can) {
  return Json{{"edit", can.edit},
              {"submit", can.submit},
              {"approve", can.approve},
              {"send", can.send},
              {"acknowledge", can.acknowledge},
              {"preserve", can.preserve},
              {"outcome", can.outcome},
              {"close", can.close},
              {"add_response", can.add_response}};
}

Json RenderView(const requests::RequestView& view) {
  Json changes = Json::array();
  for (const requests::EntryChange& change : view.provider_changes) {
    changes.push_back({{"path", change.path}, {"before", change.before}, {"after", change.after}});
  }
  Json chain = Json::array();
  for (const requests::Request& link : view.chain) chain.push_back(RenderRequest(link));
  std::optional<requests::Schedule> schedule = view.schedule;
  return Json{{"request", RenderRequest(view.request)},
              {"can", RenderActions(view.can)},
              {"warnings", RenderWarnings(view.warnings)},
              {"deadlines", RenderDeadlines(schedule)},
              {"problems", RenderProblems(schedule)},
              {"retention", RenderRetention(view.retention)},
              {"provider_changed", view.provider_changed},
              {"provider_changes", changes},
              {"chain", chain}};
}

Json RenderEntity(const requests::LegalEntity& entity) {
  return Json{{"name", entity.name},
              {"jurisdiction", entity.jurisdiction},
              {"applies_to_text", entity.applies_to_text},
              {"time_zone", entity.time_zone}};
}

Json RenderProviderSummary(const requests::Provider& provider) {
  Json entities = Json::array();
  for (const requests::LegalEntity& entity : provider.entities) {
    entities.push_back({{"name", entity.name},
                        {"jurisdiction", entity.jurisdiction},
                        {"applies_to_text", entity.applies_to_text}});
  }
  return Json{{"id", provider.id},
              {"names", provider.names},
              {"entities", entities},
              {"preservation_days",
               provider.preservation ? Json(provider.preservation->days) : Json(nullptr)},
              {"content_hash", provider.content_hash}};
}

// The entry as the seed writes it, plus its hash and its facts with their provenance.
Json RenderProvider(const requests::Provider& provider) {
  Json rendered = Json::parse(provider.canonical_json, nullptr, /*allow_exceptions=*/false);
  if (!rendered.is_object()) rendered = Json::object();
  rendered["content_hash"] = provider.content_hash;
  Json facts = Json::array();
  for (const requests::Fact& fact : requests::ListFacts(provider)) {
    facts.push_back(
        WithProvenance(Json{{"field", fact.field}, {"text", fact.text}}, fact.provenance));
  }
  rendered["facts"] = facts;
  return rendered;
}

Json RenderVersion(const requests::EntryVersion& version) {
  Json changes = Json::array();
  for (const requests::EntryChange& change : version.changes) {
    changes.push_back({{"path", change.path},
                       {"before", change.before},
                       {"after", change.after},
                       {"added", change.added},
                       {"removed", change.removed}});
  }
  return Json{{"provider_id", version.provider_id},
              {"version", version.version},
              {"content_hash", version.content_hash},
              {"changed_by", OptionalPerson(version.changed_by)},
              {"changed_at", version.changed_at},
              {"note", version.note},
              {"changes", changes}};
}

Json RenderStats(const requests::ProviderStats& stats) {
  Json refusals = Json::object();
  for (const auto& [code, count] : stats.refusals) refusals[code] = count;
  return Json{{"provider", stats.provider},
              {"channel", stats.channel},
              {"requests", stats.requests},
              {"answered", stats.answered},
              {"share_answered", stats.share_answered},
              {"median_days_to_first_answer", OptionalValue(stats.median_days_to_first_answer)},
              {"refusals", refusals},
              {"produced", stats.produced},
              {"partly_produced", stats.partly_produced},
              {"refused", stats.refused},
              {"expired", stats.expired},
              {"waiting", stats.waiting}};
}

Json RenderStatus(const requests::StatusFact& fact) {
  return WithProvenance(Json{{"status", fact.status}, {"text", fact.text}}, fact.provenance);
}

Json RenderNote(const requests::Note& note) {
  return WithProvenance(Json{{"text", note.text}}, note.provenance);
}

Json RenderCountry(const requests::CountryProfile& country) {
  Json instruments = Json::array();
  for (const requests::Instrument& instrument : country.instruments) {
    instruments.push_back(WithProvenance(
        Json{{"name", instrument.name}, {"kind", instrument.kind}, {"status", instrument.status}},
        instrument.provenance));
  }
  return Json{
      {"code", country.code},
      {"name", country.name},
      {"budapest", RenderStatus(country.budapest)},
      {"un_cybercrime", RenderStatus(country.un_cybercrime)},
      {"cis_2018", RenderStatus(country.cis_2018)},
      {"cloud_act_agreement",
       country.cloud_act_agreement ? RenderStatus(*country.cloud_act_agreement) : Json(nullptr)},
      {"instruments", instruments},
      {"central_authority", RenderNote(country.central_authority)},
      {"contact_24_7", RenderNote(country.contact_24_7)},
      {"languages", WithProvenance(Json{{"codes", country.languages.codes},
                                        {"english_accepted", country.languages.english_accepted},
                                        {"text", country.languages.text}},
                                   country.languages.provenance)}};
}

Json RenderEvent(const requests::Event& event) {
  Json detail = Json::parse(event.detail, nullptr, /*allow_exceptions=*/false);
  if (detail.is_discarded()) detail = event.detail.empty() ? Json::object() : Json(event.detail);
  return Json{{"id", event.id},
              {"action", event.action},
              {"from_state", event.from_state},
              {"to_state", event.to_state},
              {"actor", OptionalPerson(event.actor)},
              {"at", event.at},
              {"detail", detail}};
}

// ---- Reading bodies ----------------------------------------------------------------------------

// The fields of a request body that JsonObject has no reader for.
const std::vector<std::string>& StructuredFields() {
  static const auto* const kFields =
      new std::vector<std::string>{"categories", "identifiers", "emergency_fields"};
  return *kFields;
}

// A text field: absent keeps `target`, null clears it.
absl::Status ReadText(JsonObject& body, const std::string& field, std::string& target) {
  bool present = body.Contains(field);
  ASSIGN_OR_RETURN(std::optional<std::string> value, body.OptionalString(field, kMaxTextBytes));
  if (present) target = value.value_or("");
  return absl::OkStatus();
}

absl::Status ReadFlag(JsonObject& body, const std::string& field, bool& target) {
  ASSIGN_OR_RETURN(std::optional<bool> value, body.OptionalBool(field));
  if (value) target = *value;
  return absl::OkStatus();
}

// An integer (an id, or an instant in UTC milliseconds): absent keeps `target`, null clears it.
absl::Status ReadNullableInt(JsonObject& body, const std::string& field,
                             std::optional<int64_t>& target) {
  bool present = body.Contains(field);
  ASSIGN_OR_RETURN(std::optional<int64_t> value, body.OptionalInt(field));
  if (present) target = value;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<requests::DataCategory>> ReadCategories(const Json& list) {
  std::vector<requests::DataCategory> categories;
  if (list.is_null()) return categories;
  if (!list.is_array() || list.size() > kMaxListItems) {
    return base::InvalidField("categories",
                              "expected a list of subscriber, traffic, content, transaction");
  }
  for (size_t category_idx = 0; category_idx < list.size(); ++category_idx) {
    const Json& value = list[category_idx];
    std::string field = base::StrCat("categories[", category_idx, "]");
    if (!value.is_string()) return base::InvalidField(field, "expected a string");
    std::optional<requests::DataCategory> category =
        requests::ParseDataCategory(value.get<std::string>());
    if (!category) {
      return base::InvalidField(
          field, base::StrCat("unknown category \"", value.get<std::string>(),
                              "\"; expected subscriber, traffic, content or transaction"));
    }
    categories.push_back(*category);
  }
  return categories;
}

absl::StatusOr<std::vector<requests::Identifier>> ReadIdentifiers(const Json& list) {
  std::vector<requests::Identifier> identifiers;
  if (list.is_null()) return identifiers;
  if (!list.is_array() || list.size() > kMaxListItems) {
    return base::InvalidField("identifiers", "expected a list of {\"kind\",\"value\"}");
  }
  for (size_t identifier_idx = 0; identifier_idx < list.size(); ++identifier_idx) {
    const Json& item = list[identifier_idx];
    std::string prefix = base::StrCat("identifiers[", identifier_idx, "]");
    if (!item.is_object()) return base::InvalidField(prefix, "expected {\"kind\",\"value\"}");
    requests::Identifier identifier;
    bool has_kind = false;
    for (const auto& [key, value] : item.items()) {
      std::string field = base::StrCat(prefix, ".", key);
      if (key != "kind" && key != "value") return base::InvalidField(field, "unknown field");
      if (!value.is_string()) return base::InvalidField(field, "expected a string");
      std::string text = value.get<std::string>();
      if (text.size() > kMaxTextBytes) return base::InvalidField(field, "too long");
      if (key == "value") {
        identifier.value = std::move(text);
        continue;
      }
      std::optional<requests::IdentifierKind> kind = requests::ParseIdentifierKind(text);
      if (!kind) {
        return base::InvalidField(
            field, base::StrCat("unknown identifier kind \"", text,
                                "\"; expected phone, email, url, username, user_id, video_id "
                                "or ip"));
      }
      identifier.kind = *kind;
      has_kind = true;
    }
    if (!has_kind) return base::InvalidField(prefix + ".kind", "required");
    identifiers.push_back(std::move(identifier));
  }
  return identifiers;
}

absl::StatusOr<std::map<std::string, std::string>> ReadEmergencyFields(const Json& object) {
  std::map<std::string, std::string> fields;
  if (object.is_null()) return fields;
  if (!object.is_object() || object.size() > kMaxListItems) {
    return base::InvalidField("emergency_fields", "expected an object of texts by key");
  }
  for (const auto& [key, value] : object.items()) {
    std::string field = base::StrCat("emergency_fields.", key);
    if (key.empty() || key.size() > 100)
      return base::InvalidField(field, "a key of 1 to 100 bytes");
    if (value.is_null()) continue;
    if (!value.is_string()) return base::InvalidField(field, "expected a string");
    fields[key] = value.get<std::string>();
    if (fields[key].size() > kMaxTextBytes) return base::InvalidField(field, "too long");
  }
  return fields;
}

enum class TypePresence { kRequired, kOptional };

// Reads the request fields of `split` onto `fields` (a draft's current fields for PATCH, the
// defaults otherwise): what the body leaves out stays, null clears. Leaves `split.rest` to
// Finish, so a caller may read more fields first.
absl::Status ReadRequestFields(SplitJson& split, requests::RequestFields& fields,
                               TypePresence type_presence) {
  JsonObject& body = split.rest;
  ASSIGN_OR_RETURN(std::optional<std::string> type, body.OptionalString("type", 64));
  if (type) {
    std::optional<requests::RequestType> parsed = requests::ParseRequestType(*type);
    if (!parsed) {
      return base::InvalidField(
          "type", base::StrCat("unknown type \"", *type,
                               "\"; expected preservation, preservation_extension, "
                               "voluntary_disclosure, emergency_disclosure, production_order, "
                               "mla_request or network_24_7"));
    }
    fields.type = *parsed;
  } else if (type_presence == TypePresence::kRequired) {
    return base::InvalidField("type", "required");
  }
  ASSIGN_OR_RETURN(std::optional<int64_t> case_id, body.OptionalInt("case_id"));
  if (case_id) fields.case_id = *case_id;
  RETURN_IF_ERROR(ReadNullableInt(body, "previous_id", fields.previous_id));
  RETURN_IF_ERROR(ReadText(body, "provider", fields.provider));
  RETURN_IF_ERROR(ReadText(body, "entity_name", fields.entity_name));
  RETURN_IF_ERROR(ReadText(body, "country", fields.country));
  RETURN_IF_ERROR(ReadText(body, "user_country", fields.user_country));
  RETURN_IF_ERROR(ReadText(body, "language", fields.language));
  RETURN_IF_ERROR(ReadFlag(body, "english_translation", fields.english_translation));
  RETURN_IF_ERROR(ReadText(body, "legal_basis", fields.legal_basis));
  RETURN_IF_ERROR(ReadText(body, "offence_article", fields.offence_article));
  RETURN_IF_ERROR(ReadText(body, "offence_summary", fields.offence_summary));
  RETURN_IF_ERROR(ReadText(body, "necessity", fields.necessity));
  RETURN_IF_ERROR(ReadText(body, "urgency", fields.urgency));
  RETURN_IF_ERROR(ReadText(body, "prosecution_and_court", fields.prosecution_and_court));
  RETURN_IF_ERROR(ReadFlag(body, "confidential", fields.confidential));
  RETURN_IF_ERROR(ReadNullableInt(body, "range_from", fields.range_from));
  RETURN_IF_ERROR(ReadNullableInt(body, "range_to", fields.range_to));
  RETURN_IF_ERROR(ReadFlag(body, "all_data", fields.all_data));
  RETURN_IF_ERROR(ReadText(body, "notes", fields.notes));
  if (auto found = split.taken.find("categories"); found != split.taken.end()) {
    ASSIGN_OR_RETURN(fields.categories, ReadCategories(found->second));
  }
  if (auto found = split.taken.find("identifiers"); found != split.taken.end()) {
    ASSIGN_OR_RETURN(fields.identifiers, ReadIdentifiers(found->second));
  }
  if (auto found = split.taken.find("emergency_fields"); found != split.taken.end()) {
    ASSIGN_OR_RETURN(fields.emergency_fields, ReadEmergencyFields(found->second));
  }
  return absl::OkStatus();
}

// A body that is empty or a JSON object; `read` takes its fields before Finish.
absl::Status ReadOptionalBody(const Request& request,
                              const std::function<absl::Status(JsonObject&)>& read) {
  std::string_view text = base::StripAsciiWhitespace(request.body);
  if (text.empty()) text = "{}";
  ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(text));
  RETURN_IF_ERROR(read(body));
  return body.Finish();
}

absl::StatusOr<base::Millis> RequiredInstant(JsonObject& body, const std::string& field) {
  ASSIGN_OR_RETURN(std::optional<int64_t> value, body.OptionalInt(field));
  if (!value) return base::InvalidField(field, "required: UTC milliseconds");
  return *value;
}

// The upload of a provider's answer in progress: the body goes into the vault as it arrives.
class ResponseSink final : public http::BodySink {
 public:
  ResponseSink(int64_t request_id, evidence::Metadata metadata, base::Millis received_at,
               std::unique_ptr<vault::BlobWriter> writer)
      : request_id_(request_id),
        metadata_(std::move(metadata)),
        received_at_(received_at),
        writer_(std::move(writer)) {}
  absl::Status Write(std::string_view bytes) override { return writer_->Write(bytes); }

  int64_t request_id() const { return request_id_; }
  const evidence::Metadata& metadata() const { return metadata_; }
  base::Millis received_at() const { return received_at_; }
  vault::BlobWriter& writer() { return *writer_; }

 private:
  int64_t request_id_;
  evidence::Metadata metadata_;
  base::Millis received_at_;
  std::unique_ptr<vault::BlobWriter> writer_;
};

// The metadata of an answer's upload from ?name=&received_at=&description=.
absl::StatusOr<std::pair<evidence::Metadata, base::Millis>> ResponseQuery(const Request& request,
                                                                          base::Millis now) {
  RETURN_IF_ERROR(OnlyQuery(request, {"name", "received_at", "description"}));
  evidence::Metadata metadata;
  metadata.source_type = "received";
  metadata.original_name = Query(request, "name");
  if (metadata.original_name.empty()) {
    return base::InvalidField("name", "required: the file's original name");
  }
  metadata.description = Query(request, "description");
  ASSIGN_OR_RETURN(std::optional<int64_t> received_at,
                   http::OptionalIntParam(request.query, "received_at"));
  return std::make_pair(std::move(metadata), received_at.value_or(now));
}

// Routes POST /api/v1/requests/{id}/<verb>: `run` reads the body and takes the step.
using Step = std::function<absl::StatusOr<requests::RequestView>(const Request&, int64_t)>;
void AddStep(http::Router& router, const std::string& verb, Permission permission, Step run) {
  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/requests/{id}/" + verb,
              .permission = permission,
              .handler = [run](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(requests::RequestView view, run(request, id));
                return http::JsonResponse(RenderView(view));
              }});
}

}  // namespace

void AddRequestRoutes(http::Router& router, Services& services) {
  requests::RequestService& service = services.requests;
  evidence::EvidenceService& evidence = services.evidence;
  const base::Clock& clock = services.clock;

  // ---- Directory ----
  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/directory",
              .permission = Permission::kSignedIn,
              .handler = [&service](Request& request) -> absl::StatusOr<Response> {
                RETURN_IF_ERROR(NoQuery(request));
                std::shared_ptr<const requests::Directory> directory = service.directory();
                Json providers = Json::array();
                for (const requests::Provider& provider : directory->providers()) {
                  providers.push_back(RenderProviderSummary(provider));
                }
                Json countries = Json::array();
                for (const requests::CountryProfile& country : directory->countries()) {
                  countries.push_back({{"code", country.code},
                                       {"name", country.name},
                                       {"budapest", country.budapest.status},
                                       {"un_cybercrime", country.un_cybercrime.status},
                                       {"cis_2018", country.cis_2018.status}});
                }
                Json template_fields = Json::array();
                for (const requests::TemplateField& field : directory->request_template().fields) {
                  template_fields.push_back({{"key", field.key}, {"text", field.text}});
                }
                const requests::RefusalReasons& reasons = directory->refusal_reasons();
                return http::JsonResponse(
                    Json{{"version", directory->version()},
                         {"providers", providers},
                         {"countries", countries},
                         {"template",
                          {{"fields", template_fields},
                           {"source", directory->request_template().provenance.source}}},
                         {"refusal_reasons",
                          {{"entries", reasons.entries}, {"source", reasons.provenance.source}}},
                         {"refusal_codes", requests::RefusalCodes()}});
              }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/directory/providers/{id}",
              .permission = Permission::kSignedIn,
              .handler = [&service](Request& request) -> absl::StatusOr<Response> {
                RETURN_IF_ERROR(OnlyQuery(request, {"country"}));
                std::shared_ptr<const requests::Directory> directory = service.directory();
                ASSIGN_OR_RETURN(const requests::Provider* provider,
                                 directory->GetProvider(request.path_params.at("id")));
                std::string country = Query(request, "country");
                if (country.empty()) country = "KZ";
                absl::StatusOr<const requests::LegalEntity*> entity =
                    requests::SelectEntity(*provider, country);
                if (!entity.ok()) return base::WithField(entity.status(), "country");
                ASSIGN_OR_RETURN(std::vector<requests::EntryVersion> versions,
                                 service.ProviderVersions(provider->id));
                ASSIGN_OR_RETURN(std::vector<requests::ProviderStats> stats,
                                 service.Stats(*request.principal, provider->id));
                Json rendered = RenderProvider(*provider);
                rendered["entity_for_country"] = RenderEntity(**entity);
                Json version_list = Json::array();
                for (const requests::EntryVersion& version : versions) {
                  version_list.push_back(RenderVersion(version));
                }
                rendered["versions"] = version_list;
                Json stats_list = Json::array();
                for (const requests::ProviderStats& row : stats)
                  stats_list.push_back(RenderStats(row));
                rendered["stats"] = stats_list;
                return http::JsonResponse(rendered);
              }});

  router.Add(
      {.method = Method::kPut,
       .pattern = "/api/v1/directory/providers/{id}",
       .permission = Permission::kDirectoryManage,
       .handler = [&service](Request& request) -> absl::StatusOr<Response> {
         RETURN_IF_ERROR(NoQuery(request));
         ASSIGN_OR_RETURN(SplitJson split, SplitJsonBody(request.body, {"entry"}));
         ASSIGN_OR_RETURN(std::string note, split.rest.RequiredString("note", kMaxNoteBytes));
         RETURN_IF_ERROR(split.rest.Finish());
         auto entry = split.taken.find("entry");
         if (entry == split.taken.end() || !entry->second.is_object()) {
           return base::InvalidField("entry", "required: one provider entry as a JSON object");
         }
         const std::string& path_id = request.path_params.at("id");
         if (!entry->second.contains("id") || !entry->second["id"].is_string() ||
             entry->second["id"].get<std::string>() != path_id) {
           return base::InvalidField("entry.id",
                                     base::StrCat("must equal the path's id \"", path_id, "\""));
         }
         ASSIGN_OR_RETURN(requests::EntryVersion version,
                          service.SaveProvider(*request.principal, OriginOf(request),
                                               entry->second.dump(), std::move(note)));
         return http::JsonResponse(RenderVersion(version), 201);
       }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/directory/countries/{code}",
              .permission = Permission::kSignedIn,
              .handler = [&service](Request& request) -> absl::StatusOr<Response> {
                RETURN_IF_ERROR(NoQuery(request));
                std::shared_ptr<const requests::Directory> directory = service.directory();
                const std::string& code = request.path_params.at("code");
                const requests::CountryProfile* country = directory->FindCountry(code);
                if (country == nullptr) {
                  return base::FieldError(absl::StatusCode::kNotFound, "code",
                                          base::StrCat("no country profile for \"", code, "\""));
                }
                return http::JsonResponse(RenderCountry(*country));
              }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/cases/{id}/identifiers",
              .permission = Permission::kCasesRead,
              .handler = [&service](Request& request) -> absl::StatusOr<Response> {
                RETURN_IF_ERROR(NoQuery(request));
                ASSIGN_OR_RETURN(int64_t case_id, Id(request));
                ASSIGN_OR_RETURN(std::vector<requests::CaseIdentifier> found,
                                 service.CaseIdentifiers(*request.principal, case_id));
                Json list = Json::array();
                for (const requests::CaseIdentifier& known : found) {
                  Json rendered = RenderIdentifier(known.identifier);
                  rendered["platform"] = known.platform;
                  rendered["where"] = known.where;
                  list.push_back(std::move(rendered));
                }
                return http::JsonResponse(Json{{"identifiers", list}});
              },
              .audit_action = "request.case_identifiers",
              .audit_object_type = "case"});

  // ---- Drafting ----
  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/requests/lint",
              .permission = Permission::kRequestsDraft,
              .handler = [&service](Request& request) -> absl::StatusOr<Response> {
                RETURN_IF_ERROR(NoQuery(request));
                ASSIGN_OR_RETURN(SplitJson split, SplitJsonBody(request.body, StructuredFields()));
                requests::RequestFields fields;
                RETURN_IF_ERROR(ReadRequestFields(split, fields, TypePresence::kRequired));
                RETURN_IF_ERROR(split.rest.Finish());
                ASSIGN_OR_RETURN(requests::LintReport report,
                                 service.Lint(*request.principal, fields));
                return http::JsonResponse(Json{{"warnings", RenderWarnings(report.warnings)},
                                               {"deadlines", RenderDeadlines(report.schedule)},
                                               {"problems", RenderProblems(report.schedule)},
                                               {"retention", RenderRetention(report.retention)}});
              }});

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/requests",
              .permission = Permission::kRequestsDraft,
              .handler = [&service](Request& request) -> absl::StatusOr<Response> {
                RETURN_IF_ERROR(NoQuery(request));
                ASSIGN_OR_RETURN(SplitJson split, SplitJsonBody(request.body, StructuredFields()));
                if (!split.rest.Contains("case_id")) {
                  return base::InvalidField("case_id", "required");
                }
                requests::RequestFields fields;
                RETURN_IF_ERROR(ReadRequestFields(split, fields, TypePresence::kRequired));
                RETURN_IF_ERROR(split.rest.Finish());
                ASSIGN_OR_RETURN(
                    requests::RequestView view,
                    service.Create(*request.principal, OriginOf(request), std::move(fields)));
                return http::JsonResponse(RenderView(view), 201);
              }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/requests",
              .permission = Permission::kCasesRead,
              .handler = [&service](Request& request) -> absl::StatusOr<Response> {
                RETURN_IF_ERROR(OnlyQuery(
                    request, {"state", "case_id", "provider", "awaiting_approval", "limit"}));
                requests::RequestFilter filter;
                if (std::string state = Query(request, "state"); !state.empty()) {
                  filter.state = requests::ParseState(state);
                  if (!filter.state) {
                    return base::InvalidField("state",
                                              base::StrCat("unknown state \"", state, "\""));
                  }
                }
                ASSIGN_OR_RETURN(filter.case_id, http::OptionalIntParam(request.query, "case_id"));
                filter.provider = Query(request, "provider");
                std::string awaiting = Query(request, "awaiting_approval");
                if (awaiting != "" && awaiting != "0" && awaiting != "1") {
                  return base::InvalidField("awaiting_approval", "expected 1 or 0");
                }
                filter.awaiting_my_approval = awaiting == "1";
                ASSIGN_OR_RETURN(std::optional<int64_t> limit,
                                 http::OptionalIntParam(request.query, "limit"));
                if (limit && (*limit < 1 || *limit > 1000)) {
                  return base::InvalidField("limit", "1 to 1000");
                }
                if (limit) filter.limit = static_cast<int>(*limit);
                ASSIGN_OR_RETURN(std::vector<requests::Request> found,
                                 service.List(*request.principal, filter));
                Json list = Json::array();
                for (const requests::Request& item : found) list.push_back(RenderRequest(item));
                return http::JsonResponse(Json{{"requests", list}});
              },
              .audit_action = "request.list",
              .audit_object_type = "request"});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/requests/{id}",
              .permission = Permission::kCasesRead,
              .handler = [&service](Request& request) -> absl::StatusOr<Response> {
                RETURN_IF_ERROR(NoQuery(request));
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(requests::RequestView view, service.Get(*request.principal, id));
                return http::JsonResponse(RenderView(view));
              },
              .audit_action = "request.read",
              .audit_object_type = "request"});

  router.Add({.method = Method::kPatch,
              .pattern = "/api/v1/requests/{id}",
              .permission = Permission::kRequestsDraft,
              .handler = [&service](Request& request) -> absl::StatusOr<Response> {
                RETURN_IF_ERROR(NoQuery(request));
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(SplitJson split, SplitJsonBody(request.body, StructuredFields()));
                ASSIGN_OR_RETURN(int64_t version, split.rest.RequiredInt("version"));
                ASSIGN_OR_RETURN(requests::RequestView current,
                                 service.Get(*request.principal, id));
                requests::RequestFields fields = current.request.fields;
                RETURN_IF_ERROR(ReadRequestFields(split, fields, TypePresence::kOptional));
                RETURN_IF_ERROR(split.rest.Finish());
                ASSIGN_OR_RETURN(requests::RequestView view,
                                 service.Update(*request.principal, OriginOf(request), id,
                                                static_cast<int>(version), std::move(fields)));
                return http::JsonResponse(RenderView(view));
              }});

  // ---- Lifecycle ----
  // Submit answers a refusal for lint errors with the warnings beside the error, so that the
  // form can show them: {"error":{...,"reason":"lint_errors"},"warnings":[warning...]}.
  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/requests/{id}/submit",
              .permission = Permission::kRequestsDraft,
              .handler = [&service](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                RETURN_IF_ERROR(
                    ReadOptionalBody(request, [](JsonObject&) { return absl::OkStatus(); }));
                absl::StatusOr<requests::RequestView> view =
                    service.Submit(*request.principal, OriginOf(request), id);
                if (view.ok()) return http::JsonResponse(RenderView(*view));
                if (base::StatusReason(view.status()) != "lint_errors") return view.status();
                Response refused = http::ErrorResponse(view.status());
                absl::StatusOr<requests::RequestView> current = service.Get(*request.principal, id);
                Json body = Json::parse(refused.body, nullptr, /*allow_exceptions=*/false);
                if (current.ok() && body.is_object()) {
                  body["warnings"] = RenderWarnings(current->warnings);
                  refused.body = body.dump();
                }
                return refused;
              }});
  // Legal review: RequestService checks requests.approve itself, after the two-person rule, so
  // that the drafter hears "two_person_rule" whatever their roles; the route only asks for a
  // user of cases.
  AddStep(router, "return", Permission::kCasesRead,
          [&service](const Request& request, int64_t id) -> absl::StatusOr<requests::RequestView> {
            std::string reason;
            RETURN_IF_ERROR(ReadOptionalBody(request, [&reason](JsonObject& body) {
              ASSIGN_OR_RETURN(reason, body.RequiredString("reason", kMaxNoteBytes));
              return absl::OkStatus();
            }));
            return service.Return(*request.principal, OriginOf(request), id, std::move(reason));
          });
  AddStep(
      router, "approve", Permission::kCasesRead,
      [&service](const Request& request, int64_t id) -> absl::StatusOr<requests::RequestView> {
        RETURN_IF_ERROR(ReadOptionalBody(request, [](JsonObject&) { return absl::OkStatus(); }));
        return service.Approve(*request.principal, OriginOf(request), id);
      });
  AddStep(router, "send", Permission::kRequestsDraft,
          [&service](const Request& request, int64_t id) -> absl::StatusOr<requests::RequestView> {
            requests::SendFields fields;
            RETURN_IF_ERROR(ReadOptionalBody(request, [&fields](JsonObject& body) {
              ASSIGN_OR_RETURN(fields.channel, body.RequiredString("channel", 64));
              ASSIGN_OR_RETURN(fields.sent_at, RequiredInstant(body, "sent_at"));
              ASSIGN_OR_RETURN(std::optional<std::string> ticket,
                               body.OptionalString("ticket", 1000));
              fields.ticket = ticket.value_or("");
              ASSIGN_OR_RETURN(fields.language, body.RequiredString("language", 8));
              return absl::OkStatus();
            }));
            return service.MarkSent(*request.principal, OriginOf(request), id, std::move(fields));
          });
  AddStep(router, "acknowledge", Permission::kRequestsDraft,
          [&service](const Request& request, int64_t id) -> absl::StatusOr<requests::RequestView> {
            base::Millis at = 0;
            std::string ticket;
            RETURN_IF_ERROR(ReadOptionalBody(request, [&at, &ticket](JsonObject& body) {
              ASSIGN_OR_RETURN(at, RequiredInstant(body, "at"));
              ASSIGN_OR_RETURN(std::optional<std::string> value,
                               body.OptionalString("ticket", 1000));
              ticket = value.value_or("");
              return absl::OkStatus();
            }));
            return service.Acknowledge(*request.principal, OriginOf(request), id, at,
                                       std::move(ticket));
          });
  AddStep(router, "preserve", Permission::kRequestsDraft,
          [&service](const Request& request, int64_t id) -> absl::StatusOr<requests::RequestView> {
            base::Millis at = 0;
            std::optional<int64_t> until;
            RETURN_IF_ERROR(ReadOptionalBody(request, [&at, &until](JsonObject& body) {
              ASSIGN_OR_RETURN(at, RequiredInstant(body, "at"));
              ASSIGN_OR_RETURN(until, body.OptionalInt("until"));
              return absl::OkStatus();
            }));
            return service.MarkPreserved(*request.principal, OriginOf(request), id, at, until);
          });
  AddStep(
      router, "outcome", Permission::kRequestsDraft,
      [&service](const Request& request, int64_t id) -> absl::StatusOr<requests::RequestView> {
        requests::Outcome outcome;
        RETURN_IF_ERROR(ReadOptionalBody(request, [&outcome](JsonObject& body) {
          ASSIGN_OR_RETURN(std::string name, body.RequiredString("outcome", 32));
          std::optional<requests::State> state = requests::ParseState(name);
          if (!state ||
              (*state != requests::State::kProduced && *state != requests::State::kPartlyProduced &&
               *state != requests::State::kRefused && *state != requests::State::kExpired)) {
            return base::InvalidField("outcome",
                                      "expected produced, partly_produced, refused or expired");
          }
          outcome.state = *state;
          ASSIGN_OR_RETURN(outcome.at, RequiredInstant(body, "at"));
          ASSIGN_OR_RETURN(std::optional<std::string> code,
                           body.OptionalString("refusal_code", 64));
          outcome.refusal_code = code.value_or("");
          ASSIGN_OR_RETURN(std::optional<std::string> text,
                           body.OptionalString("text", kMaxTextBytes));
          outcome.text = text.value_or("");
          return absl::OkStatus();
        }));
        return service.RecordOutcome(*request.principal, OriginOf(request), id, std::move(outcome));
      });
  AddStep(router, "close", Permission::kRequestsDraft,
          [&service](const Request& request, int64_t id) -> absl::StatusOr<requests::RequestView> {
            std::string note;
            RETURN_IF_ERROR(ReadOptionalBody(request, [&note](JsonObject& body) {
              ASSIGN_OR_RETURN(std::optional<std::string> value,
                               body.OptionalString("note", kMaxNoteBytes));
              note = value.value_or("");
              return absl::OkStatus();
            }));
            return service.Close(*request.principal, OriginOf(request), id, std::move(note));
          });

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/requests/{id}/events",
              .permission = Permission::kCasesRead,
              .handler = [&service](Request& request) -> absl::StatusOr<Response> {
                RETURN_IF_ERROR(NoQuery(request));
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                ASSIGN_OR_RETURN(std::vector<requests::Event> events,
                                 service.Events(*request.principal, id));
                Json list = Json::array();
                for (const requests::Event& event : events) list.push_back(RenderEvent(event));
                return http::JsonResponse(Json{{"events", list}});
              },
              .audit_action = "request.events_read",
              .audit_object_type = "request"});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/requests/{id}/document",
              .permission = Permission::kCasesRead,
              .handler = [&service](Request& request) -> absl::StatusOr<Response> {
                RETURN_IF_ERROR(OnlyQuery(request, {"lang"}));
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                std::string language = Query(request, "lang");
                if (!language.empty() && language != "kk" && language != "ru" && language != "en") {
                  return base::InvalidField("lang", "expected kk, ru or en");
                }
                ASSIGN_OR_RETURN(requests::RequestService::Document document,
                                 service.GetDocument(*request.principal, id, language));
                Response response;
                response.content_type = "application/pdf";
                response.body = std::move(document.pdf);
                response.headers.emplace_back("X-Document-SHA256", document.sha256);
                if (document.frozen) response.headers.emplace_back("X-Document-Frozen", "1");
                response.headers.emplace_back(
                    "Content-Disposition",
                    ContentDisposition(base::StrCat("REQ-", id, document.frozen ? "" : "-draft",
                                                    "-", document.language, ".pdf")));
                response.headers.emplace_back("Cache-Control", "no-store");
                return response;
              },
              .audit_action = "request.document",
              .audit_object_type = "request"});

  router.Add(
      {.method = Method::kPost,
       .pattern = "/api/v1/requests/{id}/responses",
       .permission = Permission::kRequestsDraft,
       .handler = [&service](Request& request) -> absl::StatusOr<Response> {
         auto* upload = http::BodySinkAs<ResponseSink>(request);
         if (upload == nullptr) {
           return absl::InvalidArgumentError("send the file as the request body");
         }
         ASSIGN_OR_RETURN(vault::PutResult put, upload->writer().Commit());
         ASSIGN_OR_RETURN(
             evidence::Item item,
             service.AddResponse(*request.principal, OriginOf(request), upload->request_id(),
                                 upload->metadata(), upload->received_at(), put));
         return http::JsonResponse(RenderEvidenceItem(item), 201);
       },
       .max_body_bytes = static_cast<int64_t>(requests::kMaxResponseBytes),
       .open_body_sink = [&service, &evidence, &clock](
                             Request& request) -> absl::StatusOr<std::shared_ptr<http::BodySink>> {
         ASSIGN_OR_RETURN(int64_t id, Id(request));
         ASSIGN_OR_RETURN(auto query, ResponseQuery(request, clock.NowMillis()));
         RETURN_IF_ERROR(service.CheckResponse(*request.principal, id, query.first, query.second));
         vault::PutOptions options;
         options.max_bytes = requests::kMaxResponseBytes;
         uint64_t length = 0;
         if (base::SimpleAtoi(request.Header("content-length"), &length)) {
           options.expected_bytes = length;
         }
         ASSIGN_OR_RETURN(std::unique_ptr<vault::BlobWriter> writer,
                          evidence.blobs().Begin(options));
         return std::make_shared<ResponseSink>(id, std::move(query.first), query.second,
                                               std::move(writer));
       }});

  // ---- Deadlines, statistics, reminders ----
  router.Add(
      {.method = Method::kGet,
       .pattern = "/api/v1/requests-calendar",
       .permission = Permission::kCasesRead,
       .handler = [&service, &clock](Request& request) -> absl::StatusOr<Response> {
         RETURN_IF_ERROR(OnlyQuery(request, {"from", "to"}));
         ASSIGN_OR_RETURN(std::optional<int64_t> from,
                          http::OptionalIntParam(request.query, "from"));
         ASSIGN_OR_RETURN(std::optional<int64_t> to, http::OptionalIntParam(request.query, "to"));
         base::Millis start = from.value_or(clock.NowMillis() - kCalendarDaysBack * kDayMillis);
         base::Millis end =
             to.value_or(start + (kCalendarDaysBack + kCalendarDaysAhead) * kDayMillis);
         if (end < start) return base::InvalidField("to", "before from");
         if (end - start > kMaxCalendarDays * kDayMillis) {
           return base::InvalidField(
               "to", base::StrCat("at most ", kMaxCalendarDays, " days after from"));
         }
         ASSIGN_OR_RETURN(std::vector<requests::CalendarEntry> entries,
                          service.Calendar(*request.principal, start, end));
         Json list = Json::array();
         for (const requests::CalendarEntry& entry : entries) {
           list.push_back({{"request_id", entry.request_id},
                           {"reference", entry.reference},
                           {"case_number", entry.case_number},
                           {"type", requests::RequestTypeName(entry.type)},
                           {"state", requests::StateName(entry.state)},
                           {"provider", entry.provider},
                           {"target", entry.target},
                           {"deadline", RenderDeadline(entry.deadline)}});
         }
         return http::JsonResponse(Json{{"entries", list}});
       }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/requests-stats",
              .permission = Permission::kCasesRead,
              .handler = [&service](Request& request) -> absl::StatusOr<Response> {
                RETURN_IF_ERROR(OnlyQuery(request, {"provider"}));
                ASSIGN_OR_RETURN(std::vector<requests::ProviderStats> stats,
                                 service.Stats(*request.principal, Query(request, "provider")));
                Json list = Json::array();
                for (const requests::ProviderStats& row : stats) list.push_back(RenderStats(row));
                return http::JsonResponse(Json{{"stats", list}});
              }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/reminders",
              .permission = Permission::kCasesRead,
              .handler = [&service](Request& request) -> absl::StatusOr<Response> {
                RETURN_IF_ERROR(NoQuery(request));
                ASSIGN_OR_RETURN(std::vector<requests::ReminderView> due,
                                 service.DueReminders(*request.principal));
                Json list = Json::array();
                for (const requests::ReminderView& reminder : due) {
                  list.push_back({{"id", reminder.id},
                                  {"request_id", reminder.request_id},
                                  {"reference", reminder.reference},
                                  {"label", reminder.label},
                                  {"deadline_kind", reminder.deadline_kind},
                                  {"rule_id", reminder.rule_id},
                                  {"remind_at", reminder.remind_at},
                                  {"due_at", reminder.due_at},
                                  {"email_state", reminder.email_state}});
                }
                return http::JsonResponse(Json{{"reminders", list}});
              }});

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/reminders/{id}/dismiss",
              .permission = Permission::kCasesRead,
              .handler = [&service](Request& request) -> absl::StatusOr<Response> {
                RETURN_IF_ERROR(NoQuery(request));
                ASSIGN_OR_RETURN(int64_t id, Id(request));
                RETURN_IF_ERROR(
                    ReadOptionalBody(request, [](JsonObject&) { return absl::OkStatus(); }));
                RETURN_IF_ERROR(service.DismissReminder(*request.principal, id));
                return http::NoContent();
              }});
}

}  // namespace threathub::api
