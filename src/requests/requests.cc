#include "requests/requests.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "base/errors.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "requests/internal/service_mail.h"
#include "requests/internal/zones.h"

namespace threathub::requests {
namespace {

using Json = nlohmann::json;

constexpr base::Millis kMinute = 60LL * 1000;
constexpr base::Millis kHour = 60 * kMinute;
constexpr base::Millis kDay = 24 * kHour;
constexpr std::string_view kDefaultZone = "Asia/Almaty";

constexpr size_t kMaxLineBytes = 200;     // provider, entity, country, ticket
constexpr size_t kMaxReasonBytes = 4000;  // a return reason, a closing note
constexpr size_t kMaxIdentifiers = 200;
constexpr size_t kMaxEmergencyFields = 50;
constexpr size_t kMaxEmergencyKeyBytes = 64;
constexpr int kMaxListLimit = 1000;
constexpr base::Millis kMaxCalendarSpan = 400 * kDay;

// Reminder e-mail: a claimed row is left alone this long while it is being sent (a crash sends
// it again afterwards: at most one duplicate); failures wait 1, 5, 30 minutes, then longer; the
// tenth failure is final.
constexpr base::Millis kClaimLease = 10 * kMinute;
constexpr base::Millis kBackoff[] = {1 * kMinute,  5 * kMinute, 30 * kMinute,
                                     60 * kMinute, 2 * kHour,   4 * kHour,
                                     8 * kHour,    12 * kHour,  24 * kHour};
constexpr int kMaxEmailAttempts = 10;
constexpr int kDeliverBatch = 100;

constexpr std::string_view kChannels[] = {"portal", "email",        "emergency",
                                          "post",   "24_7_network", "central_authority"};

struct StateInfo {
  State state;
  std::string_view name;
};
constexpr StateInfo kStates[] = {
    {State::kDraft, "draft"},
    {State::kLegalReview, "legal_review"},
    {State::kApproved, "approved"},
    {State::kSent, "sent"},
    {State::kAcknowledged, "acknowledged"},
    {State::kPreserved, "preserved"},
    {State::kProduced, "produced"},
    {State::kPartlyProduced, "partly_produced"},
    {State::kRefused, "refused"},
    {State::kExpired, "expired"},
    {State::kClosed, "closed"},
};

template <size_t N>
bool Contains(const std::string_view (&list)[N], std::string_view value) {
  return std::find(std::begin(list), std::end(list), value) != std::end(list);
}

bool IsLanguage(std::string_view language) {
  return std::find(std::begin(kDocumentLanguages), std::end(kDocumentLanguages), language) !=
         std::end(kDocumentLanguages);
}

// Sent, waiting for the provider.
bool IsOpenAtProvider(State state) {
  return state == State::kSent || state == State::kAcknowledged || state == State::kPreserved;
}

bool HasOutcome(State state) {
  return state == State::kProduced || state == State::kPartlyProduced || state == State::kRefused ||
         state == State::kExpired;
}

bool IsSentOrLater(State state) {
  return IsOpenAtProvider(state) || HasOutcome(state) || state == State::kClosed;
}

bool HasRole(const auth::Principal& who, auth::Role role) {
  return std::find(who.roles.begin(), who.roles.end(), role) != who.roles.end();
}

cases::Person PersonOf(const auth::Principal& who) {
  return cases::Person{who.user_id, who.username, who.display_name};
}

absl::Status RequestNotFound() { return absl::NotFoundError("request not found"); }

absl::Status WrongState(std::string_view what, State state) {
  return base::WithReason(absl::FailedPreconditionError(base::ToAbsl(
                              base::StrCat(what, "; this request is ", StateName(state)))),
                          "wrong_state");
}

absl::Status TwoPersonRule(std::string_view message) {
  return base::WithReason(absl::PermissionDeniedError(base::ToAbsl(message)), "two_person_rule");
}

store::Value OptionalValue(const std::optional<int64_t>& value) {
  if (!value) return std::monostate{};
  return *value;
}

std::string Lower(std::string_view text) {
  return base::AsciiStrToLower(base::StripAsciiWhitespace(text));
}

// The zone deadlines are shown in for `who`: theirs when it is a zone we know.
std::string ZoneOf(std::string_view zone) {
  absl::TimeZone loaded;
  if (!zone.empty() && internal::LoadZone(zone, &loaded)) return std::string(zone);
  return std::string(kDefaultZone);
}

// ---- the draft's fields as JSON (provider_requests.fields) ----

Json OptionalMillisJson(const std::optional<base::Millis>& millis) {
  return millis ? Json(*millis) : Json(nullptr);
}

std::optional<base::Millis> MillisFromJson(const Json& json, std::string_view key) {
  auto found = json.find(std::string(key));
  if (found == json.end() || !found->is_number_integer()) return std::nullopt;
  return found->get<base::Millis>();
}

}  // namespace

Json FieldsToJson(const RequestFields& fields) {
  Json categories = Json::array();
  for (DataCategory category : fields.categories) {
    categories.push_back(std::string(DataCategoryName(category)));
  }
  Json identifiers = Json::array();
  for (const Identifier& identifier : fields.identifiers) {
    identifiers.push_back(Json{{"kind", std::string(IdentifierKindName(identifier.kind))},
                               {"value", identifier.value}});
  }
  Json emergency = Json::object();
  for (const auto& [key, value] : fields.emergency_fields) emergency[key] = value;
  return Json{{"type", std::string(RequestTypeName(fields.type))},
              {"case_id", fields.case_id},
              {"previous_id", fields.previous_id ? Json(*fields.previous_id) : Json(nullptr)},
              {"provider", fields.provider},
              {"entity_name", fields.entity_name},
              {"country", fields.country},
              {"user_country", fields.user_country},
              {"language", fields.language},
              {"english_translation", fields.english_translation},
              {"legal_basis", fields.legal_basis},
              {"offence_article", fields.offence_article},
              {"offence_summary", fields.offence_summary},
              {"necessity", fields.necessity},
              {"urgency", fields.urgency},
              {"prosecution_and_court", fields.prosecution_and_court},
              {"confidential", fields.confidential},
              {"range_from", OptionalMillisJson(fields.range_from)},
              {"range_to", OptionalMillisJson(fields.range_to)},
              {"all_data", fields.all_data},
              {"categories", std::move(categories)},
              {"identifiers", std::move(identifiers)},
              {"emergency_fields", std::move(emergency)},
              {"notes", fields.notes}};
}

namespace {

std::string JsonString(const Json& json, std::string_view key) {
  auto found = json.find(std::string(key));
  if (found == json.end() || !found->is_string()) return "";
  return found->get<std::string>();
}

bool JsonBool(const Json& json, std::string_view key, bool fallback) {
  auto found = json.find(std::string(key));
  if (found == json.end() || !found->is_boolean()) return fallback;
  return found->get<bool>();
}

RequestFields FieldsFromJson(const Json& json) {
  RequestFields fields;
  if (!json.is_object()) return fields;
  fields.type = ParseRequestType(JsonString(json, "type")).value_or(RequestType::kPreservation);
  fields.case_id = MillisFromJson(json, "case_id").value_or(0);
  fields.previous_id = MillisFromJson(json, "previous_id");
  fields.provider = JsonString(json, "provider");
  fields.entity_name = JsonString(json, "entity_name");
  fields.country = JsonString(json, "country");
  fields.user_country = JsonString(json, "user_country");
  fields.language = JsonString(json, "language");
  fields.english_translation = JsonBool(json, "english_translation", false);
  fields.legal_basis = JsonString(json, "legal_basis");
  fields.offence_article = JsonString(json, "offence_article");
  fields.offence_summary = JsonString(json, "offence_summary");
  fields.necessity = JsonString(json, "necessity");
  fields.urgency = JsonString(json, "urgency");
  fields.prosecution_and_court = JsonString(json, "prosecution_and_court");
  fields.confidential = JsonBool(json, "confidential", true);
  fields.range_from = MillisFromJson(json, "range_from");
  fields.range_to = MillisFromJson(json, "range_to");
  fields.all_data = JsonBool(json, "all_data", false);
  if (auto categories = json.find("categories");
      categories != json.end() && categories->is_array()) {
    for (const Json& category : *categories) {
      if (!category.is_string()) continue;
      if (std::optional<DataCategory> parsed = ParseDataCategory(category.get<std::string>())) {
        fields.categories.push_back(*parsed);
      }
    }
  }
  if (auto identifiers = json.find("identifiers");
      identifiers != json.end() && identifiers->is_array()) {
    for (const Json& identifier : *identifiers) {
      if (!identifier.is_object()) continue;
      std::optional<IdentifierKind> kind = ParseIdentifierKind(JsonString(identifier, "kind"));
      if (!kind) continue;
      fields.identifiers.push_back(Identifier{*kind, JsonString(identifier, "value")});
    }
  }
  if (auto emergency = json.find("emergency_fields");
      emergency != json.end() && emergency->is_object()) {
    for (const auto& [key, value] : emergency->items()) {
      if (value.is_string()) fields.emergency_fields[key] = value.get<std::string>();
    }
  }
  fields.notes = JsonString(json, "notes");
  return fields;
}

// ---- rows ----

constexpr char kRequestColumns[] =
    "SELECT r.id, r.agency_id, r.case_id, r.case_number, r.chain_id, r.previous_id, r.type, "
    "r.provider, r.country, r.version, r.fields, r.state, r.provider_hash, r.directory_version, "
    "r.created_by, cu.username, cu.display_name, r.created_at, r.updated_at, r.approved_by, "
    "au.username, au.display_name, r.approved_at, r.returned_reason, r.sent_at, r.channel, "
    "r.ticket, r.acknowledged_at, r.preserved_at, r.preserved_until, r.first_answer_at, "
    "r.outcome, r.outcome_at, r.refusal_code, r.outcome_text, r.closed_at, d.sha256, d.language, "
    "d.size FROM provider_requests r JOIN users cu ON cu.id = r.created_by "
    "LEFT JOIN users au ON au.id = r.approved_by "
    "LEFT JOIN request_documents d ON d.request_id = r.id";

Request RequestFromRow(const store::Row& row) {
  Request request;
  request.id = row.Int(0);
  request.reference = base::StrCat("REQ-", request.id);
  request.agency_id = row.Int(1);
  request.case_number = row.Text(3);
  request.chain_id = row.Int(4);
  request.version = static_cast<int>(row.Int(9));
  request.fields = FieldsFromJson(Json::parse(row.Text(10), nullptr, /*allow_exceptions=*/false));
  // The columns are what the lifecycle reads: they win over the JSON copy.
  request.fields.case_id = row.Int(2);
  request.fields.previous_id = row.OptionalInt(5);
  request.fields.type = ParseRequestType(row.Text(6)).value_or(request.fields.type);
  request.fields.provider = row.Text(7);
  request.fields.country = row.Text(8);
  request.state = ParseState(row.Text(11)).value_or(State::kDraft);
  request.provider_hash = row.Text(12);
  request.directory_version = row.Text(13);
  request.created_by = cases::Person{row.Int(14), row.Text(15), row.Text(16)};
  request.created_at = row.Int(17);
  request.updated_at = row.Int(18);
  if (!row.IsNull(19)) {
    request.approved_by = cases::Person{row.Int(19), row.Text(20), row.Text(21)};
  }
  request.approved_at = row.OptionalInt(22);
  request.returned_reason = row.Text(23);
  request.sent_at = row.OptionalInt(24);
  request.channel = row.Text(25);
  request.ticket = row.Text(26);
  request.acknowledged_at = row.OptionalInt(27);
  request.preserved_at = row.OptionalInt(28);
  request.preserved_until = row.OptionalInt(29);
  request.first_answer_at = row.OptionalInt(30);
  // 31: outcome (read by the statistics)
  request.outcome_at = row.OptionalInt(32);
  request.refusal_code = row.Text(33);
  request.outcome_text = row.Text(34);
  request.closed_at = row.OptionalInt(35);
  request.document_sha256 = row.Text(36);
  request.document_language = row.Text(37);
  request.document_size = row.Int(38);
  return request;
}

absl::StatusOr<Request> LoadRequest(store::Transaction& tx, int64_t id) {
  ASSIGN_OR_RETURN(store::Result found,
                   tx.Execute(base::StrCat(kRequestColumns, " WHERE r.id = $1"), {id}));
  if (found.rows.empty()) return RequestNotFound();
  Request request = RequestFromRow(found.rows[0]);
  ASSIGN_OR_RETURN(store::Result responses,
                   tx.Execute("SELECT evidence_id FROM request_responses WHERE request_id = $1 "
                              "ORDER BY evidence_id",
                              {id}));
  for (const store::Row& row : responses.rows) request.response_evidence_ids.push_back(row.Int(0));
  return request;
}

// Every request of a chain, oldest first.
absl::StatusOr<std::vector<Request>> LoadChain(store::Transaction& tx, int64_t chain_id) {
  ASSIGN_OR_RETURN(store::Result found,
                   tx.Execute(base::StrCat(kRequestColumns, " WHERE r.chain_id = $1 ORDER BY r.id"),
                              {chain_id}));
  std::vector<Request> chain;
  for (const store::Row& row : found.rows) chain.push_back(RequestFromRow(row));
  for (Request& request : chain) {
    ASSIGN_OR_RETURN(store::Result responses,
                     tx.Execute("SELECT evidence_id FROM request_responses WHERE request_id = $1 "
                                "ORDER BY evidence_id",
                                {request.id}));
    for (const store::Row& row : responses.rows) {
      request.response_evidence_ids.push_back(row.Int(0));
    }
  }
  return chain;
}

// The requests before `id` in its chain (following previous_id), oldest first.
std::vector<const Request*> Ancestors(const std::vector<Request>& chain, int64_t id) {
  std::map<int64_t, const Request*> by_id;
  for (const Request& request : chain) by_id[request.id] = &request;
  std::vector<const Request*> path;
  auto self = by_id.find(id);
  if (self == by_id.end()) return path;
  std::optional<int64_t> previous = self->second->fields.previous_id;
  std::set<int64_t> seen{id};
  while (previous && !seen.count(*previous)) {
    auto found = by_id.find(*previous);
    if (found == by_id.end()) break;
    seen.insert(*previous);
    path.push_back(found->second);
    previous = found->second->fields.previous_id;
  }
  std::reverse(path.begin(), path.end());
  return path;
}

// True when a request that follows `id` (directly or not) has been sent.
bool LaterRequestSent(const std::vector<Request>& chain, int64_t id) {
  for (const Request& request : chain) {
    if (request.id == id || !request.sent_at) continue;
    for (const Request* ancestor : Ancestors(chain, request.id)) {
      if (ancestor->id == id) return true;
    }
  }
  return false;
}

struct UserInfo {
  std::string username;
  std::string display_name;
  std::string email;
  std::string language;
  std::string time_zone;
  bool disabled = false;
};

absl::StatusOr<UserInfo> LoadUser(store::Transaction& tx, int64_t user_id) {
  ASSIGN_OR_RETURN(store::Result found,
                   tx.Execute("SELECT username, display_name, email, language, time_zone, "
                              "disabled FROM users WHERE id = $1",
                              {user_id}));
  if (found.rows.empty()) return absl::NotFoundError("user not found");
  const store::Row& row = found.rows[0];
  return UserInfo{row.Text(0), row.Text(1), row.Text(2), row.Text(3), row.Text(4), row.Int(5) != 0};
}

// ---- the directory's view of a request ----

const LegalEntity* DefaultEntity(const Provider& provider) {
  for (const LegalEntity& entity : provider.entities) {
    if (entity.applies_to.is_default) return &entity;
  }
  return provider.entities.empty() ? nullptr : &provider.entities.front();
}

const LegalEntity* FindEntity(const Provider& provider, std::string_view name) {
  std::string wanted = Lower(name);
  if (wanted.empty()) return nullptr;
  for (const LegalEntity& entity : provider.entities) {
    if (base::AsciiStrToLower(entity.name) == wanted) return &entity;
  }
  return nullptr;
}

// The entity a request goes to: the one it names, else the one serving the user's country, else
// the provider's default.
const LegalEntity* EntityFor(const Provider& provider, const RequestFields& fields) {
  if (const LegalEntity* named = FindEntity(provider, fields.entity_name)) return named;
  if (!fields.user_country.empty()) {
    absl::StatusOr<const LegalEntity*> selected = SelectEntity(provider, fields.user_country);
    if (selected.ok() && *selected != nullptr) return *selected;
  }
  return DefaultEntity(provider);
}

RequestFacts FactsOf(const Request& request) {
  RequestFacts facts;
  facts.id = request.id == 0 ? "new" : std::to_string(request.id);
  if (request.fields.previous_id) facts.previous_id = std::to_string(*request.fields.previous_id);
  facts.type = request.fields.type;
  facts.sent_at = request.sent_at;
  facts.acknowledged_at = request.acknowledged_at;
  facts.preserved_at = request.preserved_at;
  facts.preserved_until = request.preserved_until;
  return facts;
}

bool RequesterIsBudapestParty(const Directory& directory) {
  const CountryProfile* kazakhstan = directory.FindCountry("KZ");
  return kazakhstan != nullptr && kazakhstan->budapest.status == "party";
}

// The deadlines of the last request of `path` (oldest first). The provider is the request's own,
// else that of the nearest request before it that has one (an MLA request to a State keeps the
// preservation end of the provider's chain).
absl::StatusOr<Schedule> ScheduleOf(const Directory& directory,
                                    const std::vector<const Request*>& path,
                                    std::string_view user_zone) {
  if (path.empty()) return absl::InvalidArgumentError("empty chain");
  DeadlineInput input;
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    if ((*it)->fields.provider.empty()) continue;
    input.provider = directory.FindProvider((*it)->fields.provider);
    if (input.provider != nullptr) input.entity = EntityFor(*input.provider, (*it)->fields);
    break;
  }
  for (const Request* request : path) input.chain.push_back(FactsOf(*request));
  input.user_zone = ZoneOf(user_zone);
  input.requester_budapest_party = RequesterIsBudapestParty(directory);
  return ComputeDeadlines(directory, input);
}

// What the linter reads of a request whose chain before it is `ancestors`.
Draft DraftOf(const Directory& directory, const RequestFields& fields,
              const std::vector<const Request*>& ancestors, std::optional<base::Millis> send_at,
              std::string_view user_zone) {
  Draft draft;
  draft.type = fields.type;
  draft.provider = fields.provider;
  draft.entity_name = fields.entity_name;
  draft.user_country = fields.user_country;
  draft.legal_basis = fields.legal_basis;
  draft.offence_article = fields.offence_article;
  draft.range_from = fields.range_from;
  draft.range_to = fields.range_to;
  draft.all_data = fields.all_data;
  draft.categories = fields.categories;
  draft.identifiers = fields.identifiers;
  draft.language = fields.language;
  draft.english_translation = fields.english_translation;
  draft.emergency_fields = fields.emergency_fields;
  draft.send_at = send_at;
  draft.user_zone = ZoneOf(user_zone);
  if (fields.type == RequestType::kPreservationExtension && !ancestors.empty()) {
    for (const Request* ancestor : ancestors) {
      if (ancestor->fields.type == RequestType::kPreservationExtension) ++draft.extensions_so_far;
    }
    absl::StatusOr<Schedule> before = ScheduleOf(directory, ancestors, user_zone);
    if (before.ok() && before->preserved_until) {
      draft.preserved_until = before->preserved_until;
    } else {
      draft.preserved_until = ancestors.back()->preserved_until;
    }
  }
  return draft;
}

std::vector<RetentionWarning> RetentionOf(const Directory& directory, const RequestFields& fields,
                                          base::Millis now, std::string_view user_zone) {
  if (!fields.range_from) return {};
  const Provider* provider =
      fields.provider.empty() ? nullptr : directory.FindProvider(fields.provider);
  std::string operator_country = provider == nullptr ? fields.country : "";
  absl::StatusOr<std::vector<RetentionWarning>> warnings = RetentionWarnings(
      directory, provider, operator_country, "", *fields.range_from, now, ZoneOf(user_zone));
  if (!warnings.ok()) return {};
  return *std::move(warnings);
}

std::string EventDetail(const Json& detail) { return detail.dump(); }

}  // namespace

// ---- names ----

std::string_view StateName(State state) {
  for (const StateInfo& info : kStates) {
    if (info.state == state) return info.name;
  }
  return "draft";
}

std::optional<State> ParseState(std::string_view name) {
  for (const StateInfo& info : kStates) {
    if (info.name == name) return info.state;
  }
  return std::nullopt;
}

const std::vector<std::string>& RefusalCodes() {
  static const auto* codes = new std::vector<std::string>{
      "wrong_entity",       "no_legal_basis", "no_offence", "no_date_range", "over_broad",
      "invalid_identifier", "no_data",        "needs_mla",  "data_public",   "not_translated",
      "extension_too_late", "not_emergency",  "other"};
  return *codes;
}

namespace {

// The services a RequestService holds, for the helpers below.
struct Context {
  store::Database& database;
  audit::AuditTrail& trail;
  cases::CaseService& cases;
  const base::Clock& clock;
};

// What `who` may do with a case.
struct CaseRights {
  bool read = false;
  bool write = false;
};

absl::StatusOr<bool> Allowed(cases::CaseService& cases, const auth::Principal& who, int64_t case_id,
                             auth::AccessMode mode) {
  absl::Status access = cases.CheckAccess(who, case_id, mode);
  if (access.ok()) return true;
  if (absl::IsNotFound(access) || absl::IsPermissionDenied(access)) return false;
  return access;
}

absl::StatusOr<CaseRights> RightsOn(cases::CaseService& cases, const auth::Principal& who,
                                    int64_t case_id) {
  CaseRights rights;
  ASSIGN_OR_RETURN(rights.read, Allowed(cases, who, case_id, auth::AccessMode::kRead));
  if (rights.read) {
    ASSIGN_OR_RETURN(rights.write, Allowed(cases, who, case_id, auth::AccessMode::kWrite));
  }
  return rights;
}

// Drafting, sending and recording answers: requests.draft and write access to the case.
absl::Status CheckDrafter(const auth::Principal& who, const CaseRights& rights) {
  if (!auth::Has(who.permissions, auth::Permission::kRequestsDraft)) {
    return absl::PermissionDeniedError("your roles do not allow working on requests");
  }
  if (!rights.write) return absl::PermissionDeniedError("you may not change this case");
  return absl::OkStatus();
}

// Legal review (approve, return): requests.approve, a supervisor of the request's agency or a
// prosecutor who may read the case, never the drafter.
absl::Status CheckApprover(const auth::Principal& who, const Request& request,
                           const CaseRights& rights) {
  if (who.user_id == request.created_by.user_id) {
    return TwoPersonRule("a second person reviews a request: you drafted this one");
  }
  if (!auth::Has(who.permissions, auth::Permission::kRequestsApprove)) {
    return absl::PermissionDeniedError("your roles do not allow approving requests");
  }
  bool supervisor = who.agency_id == request.agency_id && HasRole(who, auth::Role::kSupervisor);
  bool prosecutor = HasRole(who, auth::Role::kProsecutor) && rights.read;
  if (!supervisor && !prosecutor) {
    return absl::PermissionDeniedError(
        "a supervisor of the request's agency or a prosecutor of the case approves it");
  }
  return absl::OkStatus();
}

Actions ActionsFor(const auth::Principal& who, const Request& request, const CaseRights& rights) {
  Actions can;
  bool drafter = CheckDrafter(who, rights).ok();
  can.edit = drafter && request.state == State::kDraft;
  can.submit = can.edit;
  can.approve = request.state == State::kLegalReview && CheckApprover(who, request, rights).ok();
  can.send = drafter && request.state == State::kApproved;
  can.acknowledge = drafter && request.state == State::kSent;
  can.preserve =
      drafter && (request.state == State::kSent || request.state == State::kAcknowledged);
  can.outcome = drafter && IsOpenAtProvider(request.state);
  can.close = drafter && HasOutcome(request.state);
  can.add_response = drafter && IsSentOrLater(request.state) && request.state != State::kClosed;
  return can;
}

// ---- writing ----

absl::Status InsertRequest(store::Transaction& tx, Request& request, base::Millis now) {
  request.version = 1;
  request.created_at = now;
  request.updated_at = now;
  ASSIGN_OR_RETURN(
      store::Result inserted,
      tx.Execute("INSERT INTO provider_requests(agency_id, case_id, case_number, chain_id, "
                 "previous_id, type, provider, country, version, fields, state, provider_hash, "
                 "directory_version, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, "
                 "$5, $6, $7, $8, 1, $9, $10, $11, $12, $13, $14, $14) RETURNING id",
                 {request.agency_id, request.fields.case_id, request.case_number, request.chain_id,
                  OptionalValue(request.fields.previous_id),
                  std::string(RequestTypeName(request.fields.type)), request.fields.provider,
                  request.fields.country, FieldsToJson(request.fields).dump(),
                  std::string(StateName(request.state)), request.provider_hash,
                  request.directory_version, request.created_by.user_id, now}));
  request.id = inserted.rows.at(0).Int(0);
  request.reference = base::StrCat("REQ-", request.id);
  if (request.chain_id == 0) {
    request.chain_id = request.id;
    RETURN_IF_ERROR(
        tx.Execute("UPDATE provider_requests SET chain_id = $1 WHERE id = $1", {request.id})
            .status());
  }
  return absl::OkStatus();
}

// Writes the request's mutable columns when its version is still `expected_version`.
absl::Status UpdateRequest(store::Transaction& tx, Request& request, int expected_version,
                           std::string_view outcome, base::Millis now) {
  request.version = expected_version + 1;
  request.updated_at = now;
  std::optional<int64_t> approved_by;
  if (request.approved_by) approved_by = request.approved_by->user_id;
  ASSIGN_OR_RETURN(
      store::Result updated,
      tx.Execute(
          "UPDATE provider_requests SET version = $2, chain_id = $3, previous_id = $4, type = $5, "
          "provider = $6, country = $7, fields = $8, state = $9, provider_hash = $10, "
          "directory_version = $11, updated_at = $12, approved_by = $13, approved_at = $14, "
          "returned_reason = $15, sent_at = $16, channel = $17, ticket = $18, "
          "acknowledged_at = $19, preserved_at = $20, preserved_until = $21, "
          "first_answer_at = $22, outcome = $23, outcome_at = $24, refusal_code = $25, "
          "outcome_text = $26, closed_at = $27 WHERE id = $1 AND version = $28",
          {request.id,
           int64_t{request.version},
           request.chain_id,
           OptionalValue(request.fields.previous_id),
           std::string(RequestTypeName(request.fields.type)),
           request.fields.provider,
           request.fields.country,
           FieldsToJson(request.fields).dump(),
           std::string(StateName(request.state)),
           request.provider_hash,
           request.directory_version,
           now,
           OptionalValue(approved_by),
           OptionalValue(request.approved_at),
           request.returned_reason,
           OptionalValue(request.sent_at),
           request.channel,
           request.ticket,
           OptionalValue(request.acknowledged_at),
           OptionalValue(request.preserved_at),
           OptionalValue(request.preserved_until),
           OptionalValue(request.first_answer_at),
           std::string(outcome),
           OptionalValue(request.outcome_at),
           request.refusal_code,
           request.outcome_text,
           OptionalValue(request.closed_at),
           int64_t{expected_version}}));
  if (updated.affected_rows != 1) {
    return base::WithReason(absl::AbortedError("the request was changed meanwhile: load it again"),
                            "version_conflict");
  }
  return absl::OkStatus();
}

// The outcome word kept in provider_requests.outcome.
std::string OutcomeWord(const Request& request, std::string_view stored) {
  if (HasOutcome(request.state)) return std::string(StateName(request.state));
  return std::string(stored);
}

absl::StatusOr<std::string> StoredOutcome(store::Transaction& tx, int64_t id) {
  ASSIGN_OR_RETURN(store::Result found,
                   tx.Execute("SELECT outcome FROM provider_requests WHERE id = $1", {id}));
  if (found.rows.empty()) return RequestNotFound();
  return found.rows[0].Text(0);
}

// The event and the audit record of one step, in the step's transaction. `who` null: the system.
absl::Status RecordStep(audit::AuditTrail& trail, store::Transaction& tx,
                        const auth::Principal* who, const Origin& origin, const Request& request,
                        std::string_view action, std::string_view from_state, const Json& detail,
                        base::Millis now) {
  std::optional<int64_t> actor;
  if (who != nullptr) actor = who->user_id;
  std::string detail_text = EventDetail(detail);
  RETURN_IF_ERROR(
      tx.Execute("INSERT INTO provider_request_events(request_id, action, "
                 "from_state, to_state, actor_id, at, detail) VALUES ($1, $2, $3, "
                 "$4, $5, $6, $7)",
                 {request.id, std::string(action), std::string(from_state),
                  std::string(StateName(request.state)), OptionalValue(actor), now, detail_text})
          .status());
  std::string audit_detail = base::StrCat(
      "case ", request.fields.case_id, ", version ", request.version, ", ",
      from_state.empty() ? "" : base::StrCat(from_state, " -> "), StateName(request.state));
  if (detail_text != "{}" && detail_text.size() <= 1000) {
    base::StrAppend(&audit_detail, " ", detail_text);
  }
  audit::Record record{
      .actor_id = actor,
      .actor_name = who != nullptr ? who->username : "system",
      .agency_id = who != nullptr ? std::optional<int64_t>(who->agency_id) : std::nullopt,
      .action = base::StrCat("request.", action),
      .object_type = "request",
      .object_id = std::to_string(request.id),
      .client = origin.client,
      .request_id = origin.request_id,
      .detail = std::move(audit_detail)};
  return trail.Append(tx, record);
}

// ---- reminders ----

struct ReminderKey {
  std::string rule_id;
  std::string kind;
  std::string label;
  bool operator<(const ReminderKey& other) const {
    return std::tie(rule_id, kind, label) < std::tie(other.rule_id, other.kind, other.label);
  }
};

struct ReminderPlan {
  base::Millis remind_at = 0;
  base::Millis due_at = 0;
};

// Brings request_reminders of every request of the chain in line with its deadlines now: the
// requests still waiting at the provider (sent, acknowledged, preserved) with no later request
// of the chain sent have a row per reminder of each binding deadline; rows of deadlines that no
// longer exist go unless their e-mail went out; a moved deadline reminds again.
absl::Status RefreshReminders(store::Transaction& tx, const Directory& directory, int64_t chain_id,
                              base::Millis now) {
  ASSIGN_OR_RETURN(std::vector<Request> chain, LoadChain(tx, chain_id));
  for (const Request& request : chain) {
    std::map<ReminderKey, ReminderPlan> wanted;
    if (IsOpenAtProvider(request.state) && !LaterRequestSent(chain, request.id)) {
      std::vector<const Request*> path = Ancestors(chain, request.id);
      path.push_back(&request);
      absl::StatusOr<Schedule> schedule = ScheduleOf(directory, path, kDefaultZone);
      if (schedule.ok()) {
        for (const Deadline& deadline : schedule->deadlines) {
          if (deadline.comparison_only) continue;
          for (const Reminder& reminder : Reminders(deadline)) {
            wanted[ReminderKey{deadline.rule_id, std::string(DeadlineKindName(deadline.kind)),
                               reminder.label}] = ReminderPlan{reminder.at, deadline.due};
          }
        }
      }
    }
    ASSIGN_OR_RETURN(store::Result existing,
                     tx.Execute("SELECT id, rule_id, deadline_kind, label, due_at, email_state "
                                "FROM request_reminders WHERE request_id = $1",
                                {request.id}));
    std::set<ReminderKey> present;
    for (const store::Row& row : existing.rows) {
      ReminderKey key{row.Text(1), row.Text(2), row.Text(3)};
      auto plan = wanted.find(key);
      if (plan == wanted.end()) {
        if (row.Text(5) != "sent") {
          RETURN_IF_ERROR(
              tx.Execute("DELETE FROM request_reminders WHERE id = $1", {row.Int(0)}).status());
        }
        continue;
      }
      present.insert(key);
      if (row.Int(4) != plan->second.due_at) {
        RETURN_IF_ERROR(tx.Execute("UPDATE request_reminders SET remind_at = $2, due_at = $3, "
                                   "dismissed_at = NULL, dismissed_by = NULL, "
                                   "email_state = 'pending', email_attempts = 0, "
                                   "email_error = '', next_attempt_at = 0, "
                                   "email_sent_at = NULL WHERE id = $1",
                                   {row.Int(0), plan->second.remind_at, plan->second.due_at})
                            .status());
      }
    }
    for (const auto& [key, plan] : wanted) {
      if (present.count(key) || plan.remind_at < now) continue;
      RETURN_IF_ERROR(
          tx.Execute("INSERT INTO request_reminders(request_id, rule_id, "
                     "deadline_kind, label, remind_at, due_at) VALUES ($1, $2, $3, "
                     "$4, $5, $6)",
                     {request.id, key.rule_id, key.kind, key.label, plan.remind_at, plan.due_at})
              .status());
    }
  }
  return absl::OkStatus();
}

// ---- the document ----

std::string ChannelText(const Channel& channel) {
  if (channel.address.empty()) return channel.text;
  return base::StrCat(channel.text, " (", channel.address, ")");
}

absl::StatusOr<DocumentPerson> DocumentPersonOf(store::Transaction& tx, int64_t user_id) {
  ASSIGN_OR_RETURN(UserInfo user, LoadUser(tx, user_id));
  return DocumentPerson{.name = user.display_name, .title = "", .email = user.email, .phone = ""};
}

// What the document of `request` says, from the request, its chain, its case, agency and
// people, and the directory (the provider and entity, or the requested State's profile).
absl::StatusOr<DocumentInput> DocumentInputOf(store::Transaction& tx, const Directory& directory,
                                              const Request& request,
                                              const std::vector<Request>& chain, bool draft,
                                              base::Millis date) {
  const RequestFields& fields = request.fields;
  DocumentInput input;
  input.type = fields.type;
  input.reference = request.reference;
  input.draft = draft;
  input.date = date;
  ASSIGN_OR_RETURN(UserInfo creator, LoadUser(tx, request.created_by.user_id));
  input.user_zone = ZoneOf(creator.time_zone);
  input.requester =
      DocumentPerson{.name = creator.display_name, .title = "", .email = creator.email};
  if (request.approved_by) {
    ASSIGN_OR_RETURN(input.approver, DocumentPersonOf(tx, request.approved_by->user_id));
    input.approved_at = request.approved_at;
  }
  input.preferred_reply_channel = creator.email.empty() ? "" : "e-mail";
  ASSIGN_OR_RETURN(store::Result agency,
                   tx.Execute("SELECT name FROM agencies WHERE id = $1", {request.agency_id}));
  if (!agency.rows.empty()) input.agency_name = agency.rows[0].Text(0);
  input.investigative_authority = input.agency_name;

  if (!fields.provider.empty()) {
    if (const Provider* provider = directory.FindProvider(fields.provider)) {
      input.provider_name = provider->names.empty() ? provider->id : provider->names.front();
      if (const LegalEntity* entity = EntityFor(*provider, fields)) {
        input.entity_name = entity->name;
        input.entity_jurisdiction = entity->jurisdiction;
      }
      std::string_view wanted = !request.channel.empty() ? std::string_view(request.channel)
                                : fields.type == RequestType::kEmergencyDisclosure
                                    ? std::string_view("emergency")
                                    : std::string_view("portal");
      const Channel* chosen = nullptr;
      for (const Channel& channel : provider->channels) {
        if (channel.kind == wanted) {
          chosen = &channel;
          break;
        }
      }
      if (chosen == nullptr && !provider->channels.empty()) chosen = &provider->channels.front();
      if (chosen != nullptr) input.channel_text = ChannelText(*chosen);
      if (fields.type == RequestType::kEmergencyDisclosure && provider->emergency) {
        input.emergency_criterion = provider->emergency->criterion;
        input.emergency_required = provider->emergency->required_fields;
      }
    }
  }
  bool to_state = fields.provider.empty() || fields.type == RequestType::kMlaRequest ||
                  fields.type == RequestType::kNetwork247;
  if (const CountryProfile* country = directory.FindCountry(fields.country);
      to_state && country != nullptr) {
    input.country_code = country->code;
    input.country_name = country->name;
    input.central_authority = country->central_authority.text;
    for (const Instrument& instrument : country->instruments) {
      if (instrument.status == "in_force") input.instruments.push_back(instrument.name);
    }
    input.channel_text = fields.type == RequestType::kNetwork247 ? country->contact_24_7.text
                                                                 : country->central_authority.text;
  }
  input.emergency_fields = fields.emergency_fields;

  input.case_number = request.case_number;
  input.prosecution_and_court = fields.prosecution_and_court;
  std::vector<const Request*> earlier = Ancestors(chain, request.id);
  for (const Request* before : earlier) {
    input.earlier.push_back(EarlierRequest{.type = before->fields.type,
                                           .reference = before->reference,
                                           .sent_at = before->sent_at,
                                           .channel = before->channel,
                                           .ticket = before->ticket,
                                           .preserved_until = before->preserved_until});
  }
  if (fields.type == RequestType::kPreservationExtension && !earlier.empty()) {
    absl::StatusOr<Schedule> before = ScheduleOf(directory, earlier, input.user_zone);
    input.preserved_until = before.ok() && before->preserved_until
                                ? before->preserved_until
                                : earlier.back()->preserved_until;
  }
  input.identifiers = fields.identifiers;
  input.range_from = fields.range_from;
  input.range_to = fields.range_to;
  input.categories = fields.categories;
  input.all_data = fields.all_data;
  input.legal_basis = fields.legal_basis;
  input.offence_article = fields.offence_article;
  input.offence_summary = fields.offence_summary;
  input.necessity = fields.necessity;
  input.confidential = fields.confidential;
  input.urgency = fields.urgency;
  return input;
}

std::string Sha256Hex(std::string_view bytes) { return base::HexEncode(base::Sha256(bytes)); }

// ---- the view ----

// The request `id` with everything its page shows, for `who` (NotFound when they may not read
// its case); `who`'s rights on the case into `rights_out` when given.
absl::StatusOr<RequestView> BuildView(Context& context, const Directory& directory,
                                      const auth::Principal& who, int64_t id,
                                      CaseRights* rights_out = nullptr) {
  RequestView view;
  std::vector<Request> chain;
  std::string drafted_entry;
  RETURN_IF_ERROR(
      context.database.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(view.request, LoadRequest(tx, id));
        ASSIGN_OR_RETURN(chain, LoadChain(tx, view.request.chain_id));
        drafted_entry.clear();
        const Provider* now_entry = view.request.fields.provider.empty()
                                        ? nullptr
                                        : directory.FindProvider(view.request.fields.provider);
        if (now_entry != nullptr && !view.request.provider_hash.empty() &&
            EntryChanged(view.request.provider_hash, *now_entry)) {
          ASSIGN_OR_RETURN(store::Result old,
                           tx.Execute("SELECT entry FROM provider_entries WHERE provider_id = $1 "
                                      "AND content_hash = $2 ORDER BY version DESC LIMIT 1",
                                      {now_entry->id, view.request.provider_hash}));
          if (!old.rows.empty()) drafted_entry = old.rows[0].Text(0);
        }
        return absl::OkStatus();
      }));
  ASSIGN_OR_RETURN(CaseRights rights, RightsOn(context.cases, who, view.request.fields.case_id));
  if (!rights.read) return RequestNotFound();
  if (rights_out != nullptr) *rights_out = rights;
  const Request& request = view.request;
  view.can = ActionsFor(who, request, rights);
  std::string zone = ZoneOf(who.time_zone);
  std::vector<const Request*> path = Ancestors(chain, request.id);
  view.warnings = Lint(DraftOf(directory, request.fields, path, request.sent_at, zone), directory,
                       context.clock.NowMillis());
  path.push_back(&request);
  if (absl::StatusOr<Schedule> schedule = ScheduleOf(directory, path, zone); schedule.ok()) {
    view.schedule = *std::move(schedule);
  }
  view.retention = RetentionOf(directory, request.fields, context.clock.NowMillis(), zone);
  if (!request.fields.provider.empty()) {
    const Provider* now_entry = directory.FindProvider(request.fields.provider);
    if (now_entry != nullptr && !request.provider_hash.empty() &&
        EntryChanged(request.provider_hash, *now_entry)) {
      view.provider_changed = true;
      if (absl::StatusOr<Provider> before = ParseProvider(drafted_entry); before.ok()) {
        view.provider_changes = CompareProviders(*before, *now_entry);
      }
    }
  }
  view.chain = std::move(chain);
  return view;
}

// Writes one step of a request's life in one transaction: `change` (which checks the state and
// may refuse) alters the loaded request; then the row, the event, the audit record and the
// chain's reminders. A refusal for lack of rights is audited as denied. Returns the view after.
// One step on request `id` inside `tx`: loads it, lets `change` check the rules and change it,
// writes it with its event, audit record and reminders. `refused` tells whether `change` refused
// (PermissionDenied), to be audited as denied outside the rolled-back transaction.
absl::Status StepIn(Context& context, const Directory& directory, store::Transaction& tx,
                    const auth::Principal& who, const Origin& origin, int64_t id,
                    std::string_view action,
                    absl::FunctionRef<absl::Status(store::Transaction&, Request&, Json&)> change,
                    bool& refused) {
  refused = false;
  base::Millis now = context.clock.NowMillis();
  ASSIGN_OR_RETURN(Request request, LoadRequest(tx, id));
  ASSIGN_OR_RETURN(std::string stored_outcome, StoredOutcome(tx, id));
  State from = request.state;
  int version = request.version;
  Json detail = Json::object();
  absl::Status allowed = change(tx, request, detail);
  refused = absl::IsPermissionDenied(allowed);
  RETURN_IF_ERROR(allowed);
  RETURN_IF_ERROR(UpdateRequest(tx, request, version, OutcomeWord(request, stored_outcome), now));
  RETURN_IF_ERROR(
      RecordStep(context.trail, tx, &who, origin, request, action, StateName(from), detail, now));
  return RefreshReminders(tx, directory, request.chain_id, now);
}

// A step in a transaction of its own (StepIn); a refusal is audited as denied. The request as
// `who` sees it afterwards.
absl::StatusOr<RequestView> Step(
    Context& context, const Directory& directory, const auth::Principal& who, const Origin& origin,
    int64_t id, std::string_view action,
    absl::FunctionRef<absl::Status(store::Transaction&, Request&, Json&)> change) {
  bool refused = false;
  absl::Status status =
      context.database.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        return StepIn(context, directory, tx, who, origin, id, action, change, refused);
      });
  if (refused) {
    audit::Record record{.actor_id = who.user_id,
                         .actor_name = who.username,
                         .agency_id = who.agency_id,
                         .action = base::StrCat("request.", action),
                         .object_type = "request",
                         .object_id = std::to_string(id),
                         .client = origin.client,
                         .outcome = audit::Outcome::kDenied,
                         .request_id = origin.request_id,
                         .detail = std::string(status.message())};
    context.trail.Append(record).IgnoreError();  // the refusal stands even if the record fails
  }
  RETURN_IF_ERROR(status);
  return BuildView(context, directory, who, id);
}

// An instant a user gives for something that happened: not in the future, not before `after`.
absl::Status CheckPastInstant(std::string_view field, base::Millis at, base::Millis now,
                              std::optional<base::Millis> after, std::string_view after_what) {
  if (at <= 0) return base::InvalidField(field, "required");
  if (at > now) return base::InvalidField(field, "is in the future");
  if (after && at < *after) {
    return base::InvalidField(field, base::StrCat("is before ", after_what));
  }
  return absl::OkStatus();
}

// The linter codes that refuse saving a draft: the input is wrong, not merely incomplete.
constexpr std::string_view kHardLintCodes[] = {
    "reversed_range",   "range_in_future", "invalid_phone",         "invalid_email",
    "invalid_url",      "invalid_user_id", "wrong_identifier_kind", "invalid_text",
    "unknown_provider", "unknown_entity",  "invalid_country"};

}  // namespace

namespace {

// The current directory: the latest version of every provider entry in the database. Reloaded
// when another instance (or this one) saved an entry since it was loaded.
absl::StatusOr<std::shared_ptr<const Directory>> CurrentDirectory(
    store::Database& database, std::mutex& mutex, std::shared_ptr<const Directory>& current) {
  constexpr char kLatest[] =
      " FROM provider_entries e WHERE e.version = (SELECT MAX(x.version) FROM provider_entries x "
      "WHERE x.provider_id = e.provider_id) ORDER BY e.provider_id";
  // The hashes first (cheap, on every call); the entries only when one changed.
  ASSIGN_OR_RETURN(store::Result latest,
                   database.Execute(base::StrCat("SELECT e.provider_id, e.content_hash", kLatest),
                                    {}, store::TxMode::kRead));
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (current != nullptr && current->providers().size() == latest.rows.size()) {
      bool same = true;
      for (const store::Row& row : latest.rows) {
        const Provider* provider = current->FindProvider(row.Text(0));
        if (provider == nullptr || provider->id != row.Text(0) ||
            provider->content_hash != row.Text(1)) {
          same = false;
          break;
        }
      }
      if (same) return current;
    }
  }
  ASSIGN_OR_RETURN(store::Result full, database.Execute(base::StrCat("SELECT e.entry", kLatest), {},
                                                        store::TxMode::kRead));
  std::vector<std::string> entries;
  for (const store::Row& row : full.rows) entries.push_back(row.Text(0));
  absl::StatusOr<Directory> loaded = Directory::LoadWithEntries(entries);
  if (!loaded.ok()) {
    return absl::DataLossError(base::ToAbsl(base::StrCat(
        "the provider directory in the database does not load: ", loaded.status().message())));
  }
  auto fresh = std::make_shared<const Directory>(*std::move(loaded));
  std::lock_guard<std::mutex> lock(mutex);
  current = fresh;
  return fresh;
}

// What every step on an existing request starts from: the current directory, the request as
// `who` sees it (NotFound when they may not) and their rights on its case.
struct Loaded {
  std::shared_ptr<const Directory> directory;
  RequestView current;
  CaseRights rights;
};

absl::StatusOr<Loaded> LoadForStep(Context& context, std::mutex& mutex,
                                   std::shared_ptr<const Directory>& cached,
                                   const auth::Principal& who, int64_t id) {
  Loaded loaded;
  ASSIGN_OR_RETURN(loaded.directory, CurrentDirectory(context.database, mutex, cached));
  ASSIGN_OR_RETURN(loaded.current, BuildView(context, *loaded.directory, who, id, &loaded.rights));
  return loaded;
}

struct Validated {
  std::string case_number;
  int64_t agency_id = 0;
  int64_t chain_id = 0;  // 0: a chain of its own
};

absl::Status CheckLine(std::string_view field, std::string_view value, size_t max_bytes) {
  return base::CheckText(field, value, max_bytes, base::TextForm::kLine, base::Presence::kOptional);
}

absl::Status CheckLines(std::string_view field, std::string_view value) {
  return base::CheckText(field, value, kMaxFieldBytes, base::TextForm::kLines,
                         base::Presence::kOptional);
}

// Checks and normalises a draft's fields (Create, Update). `self` is the request being edited.
absl::StatusOr<Validated> ValidateFields(Context& context, const Directory& directory,
                                         const auth::Principal& who, RequestFields& fields,
                                         const Request* self) {
  fields.provider = std::string(base::StripAsciiWhitespace(fields.provider));
  fields.entity_name = std::string(base::StripAsciiWhitespace(fields.entity_name));
  fields.country = std::string(base::StripAsciiWhitespace(fields.country));
  fields.user_country = std::string(base::StripAsciiWhitespace(fields.user_country));
  fields.language = Lower(fields.language);
  RETURN_IF_ERROR(CheckLine("provider", fields.provider, kMaxLineBytes));
  RETURN_IF_ERROR(CheckLine("entity_name", fields.entity_name, kMaxLineBytes));
  RETURN_IF_ERROR(CheckLine("country", fields.country, kMaxLineBytes));
  RETURN_IF_ERROR(CheckLine("user_country", fields.user_country, kMaxLineBytes));
  RETURN_IF_ERROR(CheckLines("legal_basis", fields.legal_basis));
  RETURN_IF_ERROR(CheckLines("offence_article", fields.offence_article));
  RETURN_IF_ERROR(CheckLines("offence_summary", fields.offence_summary));
  RETURN_IF_ERROR(CheckLines("necessity", fields.necessity));
  RETURN_IF_ERROR(CheckLines("urgency", fields.urgency));
  RETURN_IF_ERROR(CheckLines("prosecution_and_court", fields.prosecution_and_court));
  RETURN_IF_ERROR(CheckLines("notes", fields.notes));
  if (!IsLanguage(fields.language)) return base::InvalidField("language", "expected kk, ru or en");
  if (fields.identifiers.size() > kMaxIdentifiers) {
    return base::InvalidField("identifiers",
                              base::StrCat("too many (", kMaxIdentifiers, " at most)"));
  }
  for (size_t index = 0; index < fields.identifiers.size(); ++index) {
    Identifier& identifier = fields.identifiers[index];
    identifier.value = std::string(base::StripAsciiWhitespace(identifier.value));
    RETURN_IF_ERROR(
        CheckLine(base::StrCat("identifiers[", index, "]"), identifier.value, kMaxFieldBytes));
  }
  if (fields.emergency_fields.size() > kMaxEmergencyFields) {
    return base::InvalidField("emergency_fields",
                              base::StrCat("too many (", kMaxEmergencyFields, " at most)"));
  }
  for (const auto& [key, value] : fields.emergency_fields) {
    RETURN_IF_ERROR(base::CheckText("emergency_fields", key, kMaxEmergencyKeyBytes,
                                    base::TextForm::kLine, base::Presence::kRequired));
    RETURN_IF_ERROR(CheckLines(base::StrCat("emergency_fields.", key), value));
  }
  std::vector<DataCategory> categories;
  for (DataCategory category : fields.categories) {
    if (std::find(categories.begin(), categories.end(), category) == categories.end()) {
      categories.push_back(category);
    }
  }
  fields.categories = std::move(categories);

  Validated validated;
  // The case: one `who` may change.
  ASSIGN_OR_RETURN(bool writable,
                   Allowed(context.cases, who, fields.case_id, auth::AccessMode::kWrite));
  if (fields.case_id <= 0 || !writable) {
    return base::InvalidField("case_id", "not a case you may work on");
  }
  if (self != nullptr && self->fields.case_id != fields.case_id) {
    return base::InvalidField("case_id", "a request stays in its case");
  }
  std::optional<Request> previous;
  bool has_followers = false;
  RETURN_IF_ERROR(
      context.database.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(
            store::Result owner,
            tx.Execute("SELECT agency_id, number FROM cases WHERE id = $1", {fields.case_id}));
        if (owner.rows.empty()) return base::InvalidField("case_id", "not a case you may work on");
        validated.agency_id = owner.rows[0].Int(0);
        validated.case_number = owner.rows[0].Text(1);
        previous.reset();
        if (fields.previous_id) {
          absl::StatusOr<Request> loaded = LoadRequest(tx, *fields.previous_id);
          if (absl::IsNotFound(loaded.status())) {
            return base::InvalidField("previous_id", "not a request of this case");
          }
          RETURN_IF_ERROR(loaded.status());
          previous = *std::move(loaded);
        }
        if (self != nullptr) {
          ASSIGN_OR_RETURN(
              store::Result followers,
              tx.Execute("SELECT 1 FROM provider_requests WHERE previous_id = $1", {self->id}));
          has_followers = !followers.rows.empty();
        }
        return absl::OkStatus();
      }));
  if (previous) {
    if (previous->fields.case_id != fields.case_id) {
      return base::InvalidField("previous_id", "not a request of this case");
    }
    if (self != nullptr && previous->id >= self->id) {
      return base::InvalidField("previous_id", "must be a request made before this one");
    }
    if (!MayFollow(previous->fields.type, fields.type)) {
      return base::InvalidField(
          "type", base::StrCat("a ", RequestTypeName(fields.type), " request may not follow a ",
                               RequestTypeName(previous->fields.type), " request"));
    }
    validated.chain_id = previous->chain_id;
  }
  if (self != nullptr && has_followers && fields.previous_id != self->fields.previous_id) {
    return base::InvalidField("previous_id",
                              "other requests follow this one: its place in the chain stays");
  }

  // Whom it goes to: a provider of the directory (and one of its entities), or a State.
  const Provider* provider = nullptr;
  if (!fields.provider.empty()) {
    provider = directory.FindProvider(fields.provider);
    if (provider == nullptr) {
      return base::InvalidField(
          "provider", base::StrCat("no provider \"", fields.provider, "\" in the directory"));
    }
    fields.provider = provider->id;
  } else if (fields.type != RequestType::kMlaRequest && fields.type != RequestType::kNetwork247) {
    return base::InvalidField("provider",
                              base::StrCat("required for a ", RequestTypeName(fields.type),
                                           " request (only MLA and 24/7 requests go to a State)"));
  }
  if (!fields.user_country.empty()) {
    absl::StatusOr<std::string> code = NormalizeCountry(fields.user_country);
    if (!code.ok()) return base::InvalidField("user_country", "expected a two-letter ISO code");
    fields.user_country = *code;
  }
  if (provider != nullptr) {
    if (!fields.entity_name.empty()) {
      const LegalEntity* entity = FindEntity(*provider, fields.entity_name);
      if (entity == nullptr) {
        std::vector<std::string> names;
        for (const LegalEntity& known : provider->entities) names.push_back(known.name);
        return base::InvalidField(
            "entity_name", base::StrCat("not a legal entity of ", provider->names.front(), " (",
                                        base::StrJoin(names, "; "), ")"));
      }
      fields.entity_name = entity->name;
    }
    // The requested State: named for an MLA or 24/7 request about a provider's data, else (and
    // by default) the addressed entity's country.
    bool to_state =
        fields.type == RequestType::kMlaRequest || fields.type == RequestType::kNetwork247;
    if (to_state && !fields.country.empty()) {
      const CountryProfile* country = directory.FindCountry(fields.country);
      if (country == nullptr) {
        return base::InvalidField(
            "country", base::StrCat("no profile of \"", fields.country, "\" in the directory"));
      }
      fields.country = country->code;
    } else if (const LegalEntity* entity = EntityFor(*provider, fields)) {
      fields.country = entity->jurisdiction;
    }
  } else {
    if (!fields.entity_name.empty()) {
      return base::InvalidField("entity_name", "a request to a State names no legal entity");
    }
    const CountryProfile* country = directory.FindCountry(fields.country);
    if (country == nullptr) {
      return base::InvalidField(
          "country", fields.country.empty()
                         ? "required: the requested State"
                         : base::StrCat("no profile of \"", fields.country, "\" in the directory"));
    }
    fields.country = country->code;
  }

  // The linter's findings on malformed input refuse the draft; the others are shown with it.
  std::vector<const Request*> ancestors;
  std::vector<Warning> warnings =
      Lint(DraftOf(directory, fields, ancestors, std::nullopt, who.time_zone), directory,
           context.clock.NowMillis());
  for (const Warning& warning : warnings) {
    if (warning.severity == Severity::kError && Contains(kHardLintCodes, warning.code)) {
      return base::InvalidField(warning.field.empty() ? std::string(warning.code) : warning.field,
                                warning.message.en);
    }
  }
  return validated;
}

}  // namespace

// ---- RequestService ----

RequestService::RequestService(store::Database& database, audit::AuditTrail& trail,
                               cases::CaseService& cases, evidence::EvidenceService& evidence,
                               const base::Clock& clock)
    : database_(database), trail_(trail), cases_(cases), evidence_(evidence), clock_(clock) {}

absl::Status RequestService::Start() {
  ASSIGN_OR_RETURN(Directory seed, Directory::LoadSeed());
  base::Millis now = clock_.NowMillis();
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        // A seed provider the table does not hold yet (a new database, or a provider added to
        // the seed by an upgrade) gets its version 1; providers already there keep their
        // versions (an administrator's edits win over a newer seed). Two instances starting at
        // once both insert: the later rows are ignored.
        for (const Provider& provider : seed.providers()) {
          RETURN_IF_ERROR(
              tx.Execute("INSERT INTO provider_entries(provider_id, version, entry, "
                         "content_hash, changed_by, changed_at, note) VALUES ($1, 1, "
                         "$2, $3, NULL, $4, 'seed') ON CONFLICT DO NOTHING",
                         {provider.id, provider.canonical_json, provider.content_hash, now})
                  .status());
        }
        return absl::OkStatus();
      }));
  return CurrentDirectory(database_, directory_mutex_, directory_).status();
}

std::shared_ptr<const Directory> RequestService::directory() const {
  std::lock_guard<std::mutex> lock(directory_mutex_);
  return directory_;
}

absl::StatusOr<EntryVersion> RequestService::SaveProvider(const auth::Principal& who,
                                                          const Origin& origin,
                                                          std::string_view entry_json,
                                                          std::string note) {
  if (!auth::Has(who.permissions, auth::Permission::kDirectoryManage)) {
    return absl::PermissionDeniedError("your roles do not allow editing the directory");
  }
  RETURN_IF_ERROR(base::CheckText("note", note, kMaxReasonBytes, base::TextForm::kLines,
                                  base::Presence::kOptional));
  if (entry_json.size() > kMaxDirectoryJsonBytes) {
    return base::InvalidField("entry", "too large");
  }
  ASSIGN_OR_RETURN(Provider entry, ParseProvider(entry_json));
  EntryVersion saved;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(store::Result latest,
                         tx.Execute("SELECT e.provider_id, e.entry, e.content_hash, e.version "
                                    "FROM provider_entries e WHERE e.version = (SELECT "
                                    "MAX(x.version) FROM provider_entries x WHERE "
                                    "x.provider_id = e.provider_id) ORDER BY e.provider_id"));
        std::vector<std::string> entries;
        int version = 0;
        std::optional<Provider> before;
        for (const store::Row& row : latest.rows) {
          if (row.Text(0) == entry.id) {
            if (row.Text(2) == entry.content_hash) {
              return base::WithReason(
                  absl::FailedPreconditionError("the entry is the current version already"),
                  "unchanged");
            }
            version = static_cast<int>(row.Int(3));
            absl::StatusOr<Provider> parsed = ParseProvider(row.Text(1));
            if (parsed.ok()) before = *std::move(parsed);
            continue;
          }
          entries.push_back(row.Text(1));
        }
        entries.push_back(entry.canonical_json);
        // The whole directory with the new entry must load (names unique across providers,
        // retention ids that exist) before anything is written.
        RETURN_IF_ERROR(Directory::LoadWithEntries(entries).status());
        base::Millis now = clock_.NowMillis();
        saved = EntryVersion{.provider_id = entry.id,
                             .version = version + 1,
                             .entry_json = entry.canonical_json,
                             .content_hash = entry.content_hash,
                             .changed_by = PersonOf(who),
                             .changed_at = now,
                             .note = note,
                             .changes = {}};
        if (before) saved.changes = CompareProviders(*before, entry);
        RETURN_IF_ERROR(tx.Execute("INSERT INTO provider_entries(provider_id, version, entry, "
                                   "content_hash, changed_by, changed_at, note) VALUES ($1, $2, "
                                   "$3, $4, $5, $6, $7)",
                                   {entry.id, int64_t{saved.version}, entry.canonical_json,
                                    entry.content_hash, who.user_id, now, note})
                            .status());
        audit::Record record{
            .actor_id = who.user_id,
            .actor_name = who.username,
            .agency_id = who.agency_id,
            .action = "directory.update",
            .object_type = "provider",
            .object_id = entry.id,
            .client = origin.client,
            .request_id = origin.request_id,
            .detail = base::StrCat("version ", saved.version, ", ", saved.changes.size(),
                                   " changes, sha256 ", entry.content_hash)};
        return trail_.Append(tx, record);
      }));
  RETURN_IF_ERROR(CurrentDirectory(database_, directory_mutex_, directory_).status());
  return saved;
}

absl::StatusOr<std::vector<EntryVersion>> RequestService::ProviderVersions(
    std::string_view provider_id) {
  std::vector<EntryVersion> versions;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
        versions.clear();
        ASSIGN_OR_RETURN(
            store::Result found,
            tx.Execute("SELECT e.provider_id, e.version, e.entry, e.content_hash, e.changed_by, "
                       "u.username, u.display_name, e.changed_at, e.note FROM provider_entries e "
                       "LEFT JOIN users u ON u.id = e.changed_by WHERE e.provider_id = $1 "
                       "ORDER BY e.version",
                       {std::string(provider_id)}));
        std::optional<Provider> before;
        for (const store::Row& row : found.rows) {
          EntryVersion version{.provider_id = row.Text(0),
                               .version = static_cast<int>(row.Int(1)),
                               .entry_json = row.Text(2),
                               .content_hash = row.Text(3),
                               .changed_by = std::nullopt,
                               .changed_at = row.Int(7),
                               .note = row.Text(8),
                               .changes = {}};
          if (!row.IsNull(4)) {
            version.changed_by = cases::Person{row.Int(4), row.Text(5), row.Text(6)};
          }
          absl::StatusOr<Provider> parsed = ParseProvider(version.entry_json);
          if (!parsed.ok()) {
            return absl::DataLossError(base::ToAbsl(
                base::StrCat("version ", version.version, " of provider ", version.provider_id,
                             " does not load: ", parsed.status().message())));
          }
          if (before) version.changes = CompareProviders(*before, *parsed);
          before = *std::move(parsed);
          versions.push_back(std::move(version));
        }
        return absl::OkStatus();
      }));
  if (versions.empty()) {
    return base::FieldError(absl::StatusCode::kNotFound, "provider",
                            "no such provider in the directory");
  }
  std::reverse(versions.begin(), versions.end());
  return versions;
}

absl::StatusOr<LintReport> RequestService::Lint(const auth::Principal& who,
                                                const RequestFields& fields) {
  if (!auth::Has(who.permissions, auth::Permission::kRequestsDraft)) {
    return absl::PermissionDeniedError("your roles do not allow drafting requests");
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const Directory> directory,
                   CurrentDirectory(database_, directory_mutex_, directory_));
  Context context{database_, trail_, cases_, clock_};
  // The chain before the draft, when it names a request `who` may see.
  std::vector<Request> chain;
  Request draft;
  draft.fields = fields;
  if (fields.previous_id) {
    absl::StatusOr<RequestView> previous = BuildView(context, *directory, who, *fields.previous_id);
    if (previous.ok()) chain = previous->chain;
    if (!previous.ok() && !absl::IsNotFound(previous.status())) return previous.status();
  }
  std::vector<const Request*> ancestors;
  if (fields.previous_id && !chain.empty()) {
    ancestors = Ancestors(chain, *fields.previous_id);
    for (const Request& request : chain) {
      if (request.id == *fields.previous_id) ancestors.push_back(&request);
    }
  }
  std::string zone = ZoneOf(who.time_zone);
  base::Millis now = clock_.NowMillis();
  LintReport report;
  report.warnings =
      requests::Lint(DraftOf(*directory, fields, ancestors, std::nullopt, zone), *directory, now);
  std::vector<const Request*> path = ancestors;
  path.push_back(&draft);
  if (absl::StatusOr<Schedule> schedule = ScheduleOf(*directory, path, zone); schedule.ok()) {
    report.schedule = *std::move(schedule);
  }
  report.retention = RetentionOf(*directory, fields, now, zone);
  return report;
}

absl::StatusOr<RequestView> RequestService::Create(const auth::Principal& who, const Origin& origin,
                                                   RequestFields fields) {
  if (!auth::Has(who.permissions, auth::Permission::kRequestsDraft)) {
    return absl::PermissionDeniedError("your roles do not allow drafting requests");
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const Directory> directory,
                   CurrentDirectory(database_, directory_mutex_, directory_));
  Context context{database_, trail_, cases_, clock_};
  ASSIGN_OR_RETURN(Validated validated,
                   ValidateFields(context, *directory, who, fields, /*self=*/nullptr));
  Request request;
  request.agency_id = validated.agency_id;
  request.case_number = validated.case_number;
  request.chain_id = validated.chain_id;
  request.fields = std::move(fields);
  request.state = State::kDraft;
  request.directory_version = directory->version();
  if (const Provider* provider = directory->FindProvider(request.fields.provider);
      provider != nullptr && !request.fields.provider.empty()) {
    request.provider_hash = provider->content_hash;
  }
  request.created_by = PersonOf(who);
  int64_t id = 0;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        Request fresh = request;  // the body may run again (PostgreSQL retries)
        base::Millis now = clock_.NowMillis();
        RETURN_IF_ERROR(InsertRequest(tx, fresh, now));
        Json detail{{"type", std::string(RequestTypeName(fresh.fields.type))},
                    {"provider", fresh.fields.provider},
                    {"country", fresh.fields.country}};
        RETURN_IF_ERROR(RecordStep(trail_, tx, &who, origin, fresh, "create", "", detail, now));
        id = fresh.id;
        return absl::OkStatus();
      }));
  return BuildView(context, *directory, who, id);
}

absl::StatusOr<RequestView> RequestService::Update(const auth::Principal& who, const Origin& origin,
                                                   int64_t id, int expected_version,
                                                   RequestFields fields) {
  Context context{database_, trail_, cases_, clock_};
  ASSIGN_OR_RETURN(Loaded loaded, LoadForStep(context, directory_mutex_, directory_, who, id));
  const std::shared_ptr<const Directory>& directory = loaded.directory;
  RequestView& current = loaded.current;
  const CaseRights& rights = loaded.rights;
  RETURN_IF_ERROR(CheckDrafter(who, rights));
  if (current.request.state != State::kDraft) {
    return WrongState("only a draft is edited", current.request.state);
  }
  if (current.request.version != expected_version) {
    return base::WithReason(absl::AbortedError("the request was changed meanwhile: load it again"),
                            "version_conflict");
  }
  ASSIGN_OR_RETURN(Validated validated,
                   ValidateFields(context, *directory, who, fields, &current.request));
  std::string provider_hash;
  if (const Provider* provider = directory->FindProvider(fields.provider);
      provider != nullptr && !fields.provider.empty()) {
    provider_hash = provider->content_hash;
  }
  return Step(context, *directory, who, origin, id, "update",
              [&](store::Transaction&, Request& request, Json& detail) -> absl::Status {
                if (request.state != State::kDraft) {
                  return WrongState("only a draft is edited", request.state);
                }
                if (request.version != expected_version) {
                  return base::WithReason(
                      absl::AbortedError("the request was changed meanwhile: load it again"),
                      "version_conflict");
                }
                request.fields = fields;
                request.chain_id = validated.chain_id != 0 ? validated.chain_id : request.id;
                request.provider_hash = provider_hash;
                request.directory_version = directory->version();
                detail = Json{{"type", std::string(RequestTypeName(fields.type))},
                              {"provider", fields.provider},
                              {"country", fields.country}};
                return absl::OkStatus();
              });
}

absl::StatusOr<RequestView> RequestService::Submit(const auth::Principal& who, const Origin& origin,
                                                   int64_t id) {
  Context context{database_, trail_, cases_, clock_};
  ASSIGN_OR_RETURN(Loaded loaded, LoadForStep(context, directory_mutex_, directory_, who, id));
  const std::shared_ptr<const Directory>& directory = loaded.directory;
  RequestView& current = loaded.current;
  const CaseRights& rights = loaded.rights;
  RETURN_IF_ERROR(CheckDrafter(who, rights));
  if (current.request.state != State::kDraft) {
    return WrongState("only a draft is submitted", current.request.state);
  }
  std::vector<std::string> errors;
  for (const Warning& warning : current.warnings) {
    if (warning.severity == Severity::kError) {
      errors.push_back(base::StrCat(warning.code, " (", warning.field, ")"));
    }
  }
  if (!errors.empty()) {
    return base::WithReason(absl::FailedPreconditionError(base::ToAbsl(base::StrCat(
                                "the linter reports errors: ", base::StrJoin(errors, ", ")))),
                            "lint_errors");
  }
  int version = current.request.version;
  return Step(context, *directory, who, origin, id, "submit",
              [&](store::Transaction&, Request& request, Json&) -> absl::Status {
                if (request.state != State::kDraft) {
                  return WrongState("only a draft is submitted", request.state);
                }
                if (request.version != version) {
                  return base::WithReason(
                      absl::AbortedError("the request was changed meanwhile: load it again"),
                      "version_conflict");
                }
                request.state = State::kLegalReview;
                request.returned_reason.clear();
                return absl::OkStatus();
              });
}

absl::StatusOr<RequestView> RequestService::Return(const auth::Principal& who, const Origin& origin,
                                                   int64_t id, std::string reason) {
  Context context{database_, trail_, cases_, clock_};
  ASSIGN_OR_RETURN(Loaded loaded, LoadForStep(context, directory_mutex_, directory_, who, id));
  const std::shared_ptr<const Directory>& directory = loaded.directory;
  const CaseRights& rights = loaded.rights;
  return Step(context, *directory, who, origin, id, "return",
              [&](store::Transaction&, Request& request, Json& detail) -> absl::Status {
                RETURN_IF_ERROR(CheckApprover(who, request, rights));
                RETURN_IF_ERROR(base::CheckText("reason", reason, kMaxReasonBytes,
                                                base::TextForm::kLines, base::Presence::kRequired));
                if (request.state != State::kLegalReview) {
                  return WrongState("only a request in legal review is returned", request.state);
                }
                request.state = State::kDraft;
                request.returned_reason = reason;
                detail = Json{{"reason", reason}};
                return absl::OkStatus();
              });
}

absl::StatusOr<RequestView> RequestService::Approve(const auth::Principal& who,
                                                    const Origin& origin, int64_t id) {
  Context context{database_, trail_, cases_, clock_};
  ASSIGN_OR_RETURN(Loaded loaded, LoadForStep(context, directory_mutex_, directory_, who, id));
  const std::shared_ptr<const Directory>& directory = loaded.directory;
  const CaseRights& rights = loaded.rights;
  return Step(context, *directory, who, origin, id, "approve",
              [&](store::Transaction&, Request& request, Json&) -> absl::Status {
                RETURN_IF_ERROR(CheckApprover(who, request, rights));
                if (request.state != State::kLegalReview) {
                  return WrongState("only a request in legal review is approved", request.state);
                }
                request.state = State::kApproved;
                request.approved_by = PersonOf(who);
                request.approved_at = clock_.NowMillis();
                return absl::OkStatus();
              });
}

absl::StatusOr<RequestView> RequestService::MarkSent(const auth::Principal& who,
                                                     const Origin& origin, int64_t id,
                                                     SendFields fields) {
  Context context{database_, trail_, cases_, clock_};
  ASSIGN_OR_RETURN(Loaded loaded, LoadForStep(context, directory_mutex_, directory_, who, id));
  const std::shared_ptr<const Directory>& directory = loaded.directory;
  const CaseRights& rights = loaded.rights;
  RETURN_IF_ERROR(CheckDrafter(who, rights));
  fields.channel = Lower(fields.channel);
  fields.language = Lower(fields.language);
  fields.ticket = std::string(base::StripAsciiWhitespace(fields.ticket));
  if (fields.channel.empty()) return base::InvalidField("channel", "required");
  if (!Contains(kChannels, fields.channel)) {
    return base::InvalidField("channel",
                              "expected portal, email, emergency, post, 24_7_network or "
                              "central_authority");
  }
  if (!IsLanguage(fields.language)) return base::InvalidField("language", "expected kk, ru or en");
  RETURN_IF_ERROR(CheckLine("ticket", fields.ticket, kMaxLineBytes));
  return Step(
      context, *directory, who, origin, id, "send",
      [&](store::Transaction& tx, Request& request, Json& detail) -> absl::Status {
        if (request.state != State::kApproved) {
          return WrongState("only an approved request is sent", request.state);
        }
        RETURN_IF_ERROR(CheckPastInstant("sent_at", fields.sent_at, clock_.NowMillis(),
                                         request.approved_at, "the approval"));
        request.state = State::kSent;
        request.sent_at = fields.sent_at;
        request.channel = fields.channel;
        request.ticket = fields.ticket;
        ASSIGN_OR_RETURN(std::vector<Request> chain, LoadChain(tx, request.chain_id));
        ASSIGN_OR_RETURN(DocumentInput input, DocumentInputOf(tx, *directory, request, chain,
                                                              /*draft=*/false, fields.sent_at));
        ASSIGN_OR_RETURN(std::string pdf,
                         RenderRequestDocument(*directory, input, fields.language));
        std::string sha256 = Sha256Hex(pdf);
        RETURN_IF_ERROR(tx.Execute("INSERT INTO request_documents(request_id, pdf, sha256, "
                                   "language, size, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                                   {request.id, store::Blob{pdf}, sha256, fields.language,
                                    static_cast<int64_t>(pdf.size()), clock_.NowMillis()})
                            .status());
        request.document_sha256 = sha256;
        request.document_language = fields.language;
        request.document_size = static_cast<int64_t>(pdf.size());
        detail = Json{{"channel", fields.channel}, {"sent_at", fields.sent_at},
                      {"ticket", fields.ticket},   {"language", fields.language},
                      {"document_sha256", sha256}, {"document_size", pdf.size()}};
        return absl::OkStatus();
      });
}

absl::StatusOr<RequestView> RequestService::Acknowledge(const auth::Principal& who,
                                                        const Origin& origin, int64_t id,
                                                        base::Millis at, std::string ticket) {
  Context context{database_, trail_, cases_, clock_};
  ASSIGN_OR_RETURN(Loaded loaded, LoadForStep(context, directory_mutex_, directory_, who, id));
  const std::shared_ptr<const Directory>& directory = loaded.directory;
  const CaseRights& rights = loaded.rights;
  RETURN_IF_ERROR(CheckDrafter(who, rights));
  ticket = std::string(base::StripAsciiWhitespace(ticket));
  RETURN_IF_ERROR(CheckLine("ticket", ticket, kMaxLineBytes));
  return Step(
      context, *directory, who, origin, id, "acknowledge",
      [&](store::Transaction&, Request& request, Json& detail) -> absl::Status {
        if (request.state != State::kSent) {
          return WrongState("only a sent request is acknowledged", request.state);
        }
        RETURN_IF_ERROR(CheckPastInstant("at", at, clock_.NowMillis(), request.sent_at, "sending"));
        request.state = State::kAcknowledged;
        request.acknowledged_at = at;
        if (!ticket.empty()) request.ticket = ticket;
        if (!request.first_answer_at || *request.first_answer_at > at) {
          request.first_answer_at = at;
        }
        detail = Json{{"at", at}, {"ticket", request.ticket}};
        return absl::OkStatus();
      });
}

absl::StatusOr<RequestView> RequestService::MarkPreserved(const auth::Principal& who,
                                                          const Origin& origin, int64_t id,
                                                          base::Millis at,
                                                          std::optional<base::Millis> until) {
  Context context{database_, trail_, cases_, clock_};
  ASSIGN_OR_RETURN(Loaded loaded, LoadForStep(context, directory_mutex_, directory_, who, id));
  const std::shared_ptr<const Directory>& directory = loaded.directory;
  const CaseRights& rights = loaded.rights;
  RETURN_IF_ERROR(CheckDrafter(who, rights));
  if (until && *until < at) return base::InvalidField("until", "is before the preservation");
  return Step(
      context, *directory, who, origin, id, "preserve",
      [&](store::Transaction&, Request& request, Json& detail) -> absl::Status {
        if (request.state != State::kSent && request.state != State::kAcknowledged) {
          return WrongState("only a sent or acknowledged request is marked preserved",
                            request.state);
        }
        RETURN_IF_ERROR(CheckPastInstant("at", at, clock_.NowMillis(), request.sent_at, "sending"));
        request.state = State::kPreserved;
        request.preserved_at = at;
        request.preserved_until = until;
        if (!request.first_answer_at || *request.first_answer_at > at) {
          request.first_answer_at = at;
        }
        detail = Json{{"at", at}, {"until", until ? Json(*until) : Json(nullptr)}};
        return absl::OkStatus();
      });
}

absl::StatusOr<RequestView> RequestService::RecordOutcome(const auth::Principal& who,
                                                          const Origin& origin, int64_t id,
                                                          Outcome outcome) {
  Context context{database_, trail_, cases_, clock_};
  ASSIGN_OR_RETURN(Loaded loaded, LoadForStep(context, directory_mutex_, directory_, who, id));
  const std::shared_ptr<const Directory>& directory = loaded.directory;
  const CaseRights& rights = loaded.rights;
  RETURN_IF_ERROR(CheckDrafter(who, rights));
  if (!HasOutcome(outcome.state)) {
    return base::InvalidField("outcome", "expected produced, partly_produced, refused or expired");
  }
  outcome.refusal_code = Lower(outcome.refusal_code);
  if (outcome.state == State::kRefused) {
    const std::vector<std::string>& codes = RefusalCodes();
    if (std::find(codes.begin(), codes.end(), outcome.refusal_code) == codes.end()) {
      return base::InvalidField("refusal_code",
                                base::StrCat(outcome.refusal_code.empty() ? "required" : "unknown",
                                             ": one of ", base::StrJoin(codes, ", ")));
    }
  } else if (!outcome.refusal_code.empty()) {
    return base::InvalidField("refusal_code", "only a refusal has a refusal code");
  }
  RETURN_IF_ERROR(CheckLines("text", outcome.text));
  return Step(context, *directory, who, origin, id, "outcome",
              [&](store::Transaction&, Request& request, Json& detail) -> absl::Status {
                if (!IsOpenAtProvider(request.state)) {
                  return WrongState("only a request sent and not yet answered gets an outcome",
                                    request.state);
                }
                RETURN_IF_ERROR(CheckPastInstant("at", outcome.at, clock_.NowMillis(),
                                                 request.sent_at, "sending"));
                request.state = outcome.state;
                request.outcome_at = outcome.at;
                request.refusal_code = outcome.refusal_code;
                request.outcome_text = outcome.text;
                if (outcome.state != State::kExpired &&
                    (!request.first_answer_at || *request.first_answer_at > outcome.at)) {
                  request.first_answer_at = outcome.at;
                }
                detail = Json{{"outcome", std::string(StateName(outcome.state))},
                              {"at", outcome.at},
                              {"refusal_code", outcome.refusal_code}};
                return absl::OkStatus();
              });
}

absl::StatusOr<RequestView> RequestService::Close(const auth::Principal& who, const Origin& origin,
                                                  int64_t id, std::string note) {
  Context context{database_, trail_, cases_, clock_};
  ASSIGN_OR_RETURN(Loaded loaded, LoadForStep(context, directory_mutex_, directory_, who, id));
  const std::shared_ptr<const Directory>& directory = loaded.directory;
  const CaseRights& rights = loaded.rights;
  RETURN_IF_ERROR(CheckDrafter(who, rights));
  RETURN_IF_ERROR(base::CheckText("note", note, kMaxReasonBytes, base::TextForm::kLines,
                                  base::Presence::kOptional));
  return Step(context, *directory, who, origin, id, "close",
              [&](store::Transaction&, Request& request, Json& detail) -> absl::Status {
                if (!HasOutcome(request.state)) {
                  return WrongState("only a request with an outcome is closed", request.state);
                }
                request.state = State::kClosed;
                request.closed_at = clock_.NowMillis();
                detail = Json{{"note", note}};
                return absl::OkStatus();
              });
}

// ---- responses ----

namespace {

// Who the request went to, in words ("TikTok Pte. Ltd.", "United States").
std::string TargetOf(const Directory& directory, const Request& request) {
  if (!request.fields.provider.empty()) {
    if (const Provider* provider = directory.FindProvider(request.fields.provider)) {
      if (const LegalEntity* entity = EntityFor(*provider, request.fields)) return entity->name;
      return provider->names.empty() ? provider->id : provider->names.front();
    }
    return request.fields.provider;
  }
  if (const CountryProfile* country = directory.FindCountry(request.fields.country)) {
    return country->name;
  }
  return request.fields.country;
}

std::string ProviderName(const Directory& directory, const Request& request) {
  if (!request.fields.provider.empty()) {
    if (const Provider* provider = directory.FindProvider(request.fields.provider)) {
      return provider->names.empty() ? provider->id : provider->names.front();
    }
    return request.fields.provider;
  }
  return TargetOf(directory, request);
}

// The evidence metadata of a response, completed from the request.
evidence::Metadata ResponseMetadata(const Directory& directory, const Request& request,
                                    evidence::Metadata metadata, base::Millis received_at) {
  std::string target = TargetOf(directory, request);
  metadata.source_type = "received";
  if (metadata.source_detail.empty())
    metadata.source_detail = base::StrCat("received from ", target);
  if (metadata.acquisition_method.empty()) {
    metadata.acquisition_method =
        base::StrCat("answer of ", target, " to request ", request.reference,
                     request.ticket.empty() ? "" : base::StrCat(" (ticket ", request.ticket, ")"));
  }
  if (metadata.legal_basis.empty()) {
    metadata.legal_basis = !request.fields.legal_basis.empty()
                               ? request.fields.legal_basis
                               : base::StrCat("request ", request.reference);
  }
  if (metadata.description.empty()) {
    metadata.description =
        base::StrCat("data received from ", target, " in answer to ", request.reference);
  }
  metadata.acquired_at = received_at;
  return metadata;
}

absl::Status CheckResponseState(const Request& request, base::Millis received_at,
                                base::Millis now) {
  if (!IsSentOrLater(request.state) || request.state == State::kClosed) {
    return WrongState("data is received for a request that was sent and is not closed",
                      request.state);
  }
  return CheckPastInstant("received_at", received_at, now, request.sent_at, "sending");
}

}  // namespace

absl::Status RequestService::CheckResponse(const auth::Principal& who, int64_t id,
                                           const evidence::Metadata& metadata,
                                           base::Millis received_at) {
  Context context{database_, trail_, cases_, clock_};
  ASSIGN_OR_RETURN(Loaded loaded, LoadForStep(context, directory_mutex_, directory_, who, id));
  const std::shared_ptr<const Directory>& directory = loaded.directory;
  RequestView& current = loaded.current;
  const CaseRights& rights = loaded.rights;
  RETURN_IF_ERROR(CheckDrafter(who, rights));
  RETURN_IF_ERROR(CheckResponseState(current.request, received_at, clock_.NowMillis()));
  return evidence_.CheckIngest(
      who, current.request.fields.case_id,
      ResponseMetadata(*directory, current.request, metadata, received_at));
}

absl::StatusOr<evidence::Item> RequestService::AddResponse(const auth::Principal& who,
                                                           const Origin& origin, int64_t id,
                                                           evidence::Metadata metadata,
                                                           base::Millis received_at,
                                                           const vault::PutResult& put) {
  RETURN_IF_ERROR(CheckResponse(who, id, metadata, received_at));
  if (put.size > kMaxResponseBytes) {
    return base::FieldError(absl::StatusCode::kResourceExhausted, "file",
                            "larger than a response may be");
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const Directory> directory,
                   CurrentDirectory(database_, directory_mutex_, directory_));
  Context context{database_, trail_, cases_, clock_};
  ASSIGN_OR_RETURN(RequestView current, BuildView(context, *directory, who, id));
  const Request& request = current.request;
  std::string target = TargetOf(*directory, request);
  evidence::Collection receipt{
      .at = received_at,
      .where = base::StrCat("received from ", target),
      .why = base::StrCat(
          "answer to ", request.reference,
          request.ticket.empty() ? "" : base::StrCat(" (ticket ", request.ticket, ")")),
      .from = request.fields.provider.empty()
                  ? target
                  : base::StrCat(ProviderName(*directory, request), " / ", target)};
  evidence::Origin evidence_origin{origin.client, origin.request_id,
                                   base::StrCat("request ", request.reference)};
  // The item, its custody and its link to the request in one transaction: never an item
  // without its link, nor a link without its item.
  auto link = [&](store::Transaction& tx, int64_t item_id) -> absl::Status {
    bool refused = false;
    return StepIn(
        context, *directory, tx, who, origin, id, "response",
        [&](store::Transaction& tx, Request& changed, Json& detail) -> absl::Status {
          if (!IsSentOrLater(changed.state) || changed.state == State::kClosed) {
            return WrongState("the request was closed meanwhile", changed.state);
          }
          RETURN_IF_ERROR(tx.Execute("INSERT INTO request_responses(request_id, evidence_id, "
                                     "received_at, added_by, added_at) VALUES ($1, $2, $3, "
                                     "$4, $5)",
                                     {id, item_id, received_at, who.user_id, clock_.NowMillis()})
                              .status());
          if (!changed.first_answer_at || *changed.first_answer_at > received_at) {
            changed.first_answer_at = received_at;
          }
          detail = Json{{"evidence_id", item_id},
                        {"received_at", received_at},
                        {"sha256", put.sha256},
                        {"size", put.size}};
          return absl::OkStatus();
        },
        refused);
  };
  return evidence_.IngestCollected(
      who, evidence_origin, request.fields.case_id,
      ResponseMetadata(*directory, request, std::move(metadata), received_at), put, receipt, link);
}

// ---- reading ----

absl::StatusOr<RequestView> RequestService::Get(const auth::Principal& who, int64_t id) {
  ASSIGN_OR_RETURN(std::shared_ptr<const Directory> directory,
                   CurrentDirectory(database_, directory_mutex_, directory_));
  Context context{database_, trail_, cases_, clock_};
  return BuildView(context, *directory, who, id);
}

absl::StatusOr<std::vector<Request>> RequestService::List(const auth::Principal& who,
                                                          const RequestFilter& filter) {
  if (filter.limit < 1 || filter.limit > kMaxListLimit) {
    return base::InvalidField("limit", base::StrCat("1..", kMaxListLimit));
  }
  std::string sql = base::StrCat(kRequestColumns, " WHERE 1 = 1");
  std::vector<store::Value> params;
  if (filter.state) {
    params.push_back(std::string(StateName(*filter.state)));
    base::StrAppend(&sql, " AND r.state = $", params.size());
  }
  if (filter.case_id) {
    params.push_back(*filter.case_id);
    base::StrAppend(&sql, " AND r.case_id = $", params.size());
  }
  if (!filter.provider.empty()) {
    params.push_back(filter.provider);
    base::StrAppend(&sql, " AND r.provider = $", params.size());
  }
  if (filter.awaiting_my_approval) base::StrAppend(&sql, " AND r.state = 'legal_review'");
  base::StrAppend(&sql, " ORDER BY r.id DESC");
  std::vector<Request> candidates;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
        candidates.clear();
        ASSIGN_OR_RETURN(store::Result result, tx.Execute(sql, params));
        for (const store::Row& row : result.rows) candidates.push_back(RequestFromRow(row));
        return absl::OkStatus();
      }));
  std::map<int64_t, CaseRights> rights_by_case;  // asked once per case
  std::vector<Request> found;
  for (Request& request : candidates) {
    if (static_cast<int>(found.size()) >= filter.limit) break;
    auto rights = rights_by_case.find(request.fields.case_id);
    if (rights == rights_by_case.end()) {
      ASSIGN_OR_RETURN(CaseRights loaded, RightsOn(cases_, who, request.fields.case_id));
      rights = rights_by_case.emplace(request.fields.case_id, loaded).first;
    }
    if (!rights->second.read) continue;
    if (filter.awaiting_my_approval && !CheckApprover(who, request, rights->second).ok()) continue;
    found.push_back(std::move(request));
  }
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
        for (Request& request : found) {
          request.response_evidence_ids.clear();
          ASSIGN_OR_RETURN(store::Result responses,
                           tx.Execute("SELECT evidence_id FROM request_responses WHERE "
                                      "request_id = $1 ORDER BY evidence_id",
                                      {request.id}));
          for (const store::Row& row : responses.rows) {
            request.response_evidence_ids.push_back(row.Int(0));
          }
        }
        return absl::OkStatus();
      }));
  return found;
}

absl::StatusOr<std::vector<Event>> RequestService::Events(const auth::Principal& who, int64_t id) {
  RETURN_IF_ERROR(Get(who, id).status());
  std::vector<Event> events;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
        events.clear();
        ASSIGN_OR_RETURN(
            store::Result result,
            tx.Execute("SELECT e.id, e.request_id, e.action, e.from_state, e.to_state, "
                       "e.actor_id, u.username, u.display_name, e.at, e.detail FROM "
                       "provider_request_events e LEFT JOIN users u ON u.id = e.actor_id "
                       "WHERE e.request_id = $1 ORDER BY e.id",
                       {id}));
        for (const store::Row& row : result.rows) {
          Event event{.id = row.Int(0),
                      .request_id = row.Int(1),
                      .action = row.Text(2),
                      .from_state = row.Text(3),
                      .to_state = row.Text(4),
                      .actor = std::nullopt,
                      .at = row.Int(8),
                      .detail = row.Text(9)};
          if (!row.IsNull(5)) event.actor = cases::Person{row.Int(5), row.Text(6), row.Text(7)};
          events.push_back(std::move(event));
        }
        return absl::OkStatus();
      }));
  return events;
}

absl::StatusOr<RequestService::Document> RequestService::GetDocument(const auth::Principal& who,
                                                                     int64_t id,
                                                                     std::string_view language) {
  ASSIGN_OR_RETURN(std::shared_ptr<const Directory> directory,
                   CurrentDirectory(database_, directory_mutex_, directory_));
  Context context{database_, trail_, cases_, clock_};
  ASSIGN_OR_RETURN(RequestView view, BuildView(context, *directory, who, id));
  Document document;
  std::optional<DocumentInput> input;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
        input.reset();
        ASSIGN_OR_RETURN(store::Result frozen,
                         tx.Execute("SELECT pdf, sha256, language FROM request_documents WHERE "
                                    "request_id = $1",
                                    {id}));
        if (!frozen.rows.empty()) {
          document.pdf = frozen.rows[0].Text(0);
          document.sha256 = frozen.rows[0].Text(1);
          document.language = frozen.rows[0].Text(2);
          document.frozen = true;
          return absl::OkStatus();
        }
        ASSIGN_OR_RETURN(Request request, LoadRequest(tx, id));
        ASSIGN_OR_RETURN(std::vector<Request> chain, LoadChain(tx, request.chain_id));
        ASSIGN_OR_RETURN(input, DocumentInputOf(tx, *directory, request, chain, /*draft=*/true,
                                                clock_.NowMillis()));
        return absl::OkStatus();
      }));
  if (document.frozen) {
    if (Sha256Hex(document.pdf) != document.sha256) {
      return absl::DataLossError(base::ToAbsl(base::StrCat(
          "the sent document of ", view.request.reference,
          " no longer has the SHA-256 recorded when it was sent (", document.sha256, ")")));
    }
    return document;
  }
  std::string chosen = language.empty() ? view.request.fields.language : Lower(language);
  if (!IsLanguage(chosen)) return base::InvalidField("language", "expected kk, ru or en");
  ASSIGN_OR_RETURN(document.pdf, RenderRequestDocument(*directory, *input, chosen));
  document.sha256 = Sha256Hex(document.pdf);
  document.language = chosen;
  return document;
}

absl::StatusOr<std::vector<CalendarEntry>> RequestService::Calendar(const auth::Principal& who,
                                                                    base::Millis from,
                                                                    base::Millis to) {
  if (to <= from) return base::InvalidField("to", "must be after from");
  if (to - from > kMaxCalendarSpan) return base::InvalidField("to", "at most 400 days after from");
  ASSIGN_OR_RETURN(std::shared_ptr<const Directory> directory,
                   CurrentDirectory(database_, directory_mutex_, directory_));
  std::map<int64_t, std::vector<Request>> chains;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
        chains.clear();
        ASSIGN_OR_RETURN(store::Result result,
                         tx.Execute(base::StrCat(kRequestColumns,
                                                 " WHERE r.chain_id IN (SELECT chain_id FROM "
                                                 "provider_requests WHERE state <> 'closed') "
                                                 "ORDER BY r.id")));
        for (const store::Row& row : result.rows) {
          Request request = RequestFromRow(row);
          chains[request.chain_id].push_back(std::move(request));
        }
        return absl::OkStatus();
      }));
  std::string zone = ZoneOf(who.time_zone);
  std::map<int64_t, bool> readable;
  std::vector<CalendarEntry> entries;
  for (const auto& [chain_id, chain] : chains) {
    // A deadline the chain carries from one request to the next is listed once, with the
    // request it first appears on.
    std::set<std::tuple<std::string, std::string, base::Millis>> listed;
    for (const Request& request : chain) {
      if (request.state == State::kClosed) continue;
      auto visible = readable.find(request.fields.case_id);
      if (visible == readable.end()) {
        ASSIGN_OR_RETURN(bool read,
                         Allowed(cases_, who, request.fields.case_id, auth::AccessMode::kRead));
        visible = readable.emplace(request.fields.case_id, read).first;
      }
      if (!visible->second) continue;
      std::vector<const Request*> path = Ancestors(chain, request.id);
      path.push_back(&request);
      absl::StatusOr<Schedule> schedule = ScheduleOf(*directory, path, zone);
      if (!schedule.ok()) continue;
      for (const Deadline& deadline : schedule->deadlines) {
        if (deadline.due < from || deadline.due >= to) continue;
        auto key = std::make_tuple(std::string(DeadlineKindName(deadline.kind)), deadline.rule_id,
                                   deadline.due);
        if (!listed.insert(key).second) continue;
        entries.push_back(CalendarEntry{.request_id = request.id,
                                        .reference = request.reference,
                                        .case_number = request.case_number,
                                        .type = request.fields.type,
                                        .state = request.state,
                                        .provider = request.fields.provider,
                                        .target = ProviderName(*directory, request),
                                        .deadline = deadline});
      }
    }
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const CalendarEntry& left, const CalendarEntry& right) {
                     return std::tie(left.deadline.due, left.request_id) <
                            std::tie(right.deadline.due, right.request_id);
                   });
  return entries;
}

namespace {

bool NumericUserId(std::string_view text) {
  if (base::StartsWith(text, "-")) text.remove_prefix(1);
  return !text.empty() && text.size() <= 32 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

absl::StatusOr<std::vector<CaseIdentifier>> RequestService::CaseIdentifiers(
    const auth::Principal& who, int64_t case_id) {
  RETURN_IF_ERROR(cases_.CheckAccess(who, case_id, auth::AccessMode::kRead));
  std::vector<CaseIdentifier> identifiers;
  std::set<std::pair<IdentifierKind, std::string>> seen;
  auto add = [&](IdentifierKind kind, std::string value, std::string platform, std::string where) {
    if (value.empty() || !seen.emplace(kind, value).second) return;
    identifiers.push_back(
        CaseIdentifier{Identifier{kind, std::move(value)}, std::move(platform), std::move(where)});
  };
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
        identifiers.clear();
        seen.clear();
        ASSIGN_OR_RETURN(
            store::Result requests,
            tx.Execute(base::StrCat(kRequestColumns, " WHERE r.case_id = $1 ORDER BY r.id"),
                       {case_id}));
        for (const store::Row& row : requests.rows) {
          Request request = RequestFromRow(row);
          for (const Identifier& identifier : request.fields.identifiers) {
            add(identifier.kind, identifier.value, request.fields.provider, request.reference);
          }
        }
        ASSIGN_OR_RETURN(
            store::Result authors,
            tx.Execute("SELECT ci.id, ci.platform, ci.author_id, ci.url FROM collected_items ci "
                       "JOIN evidence_items e ON e.id = ci.promoted_evidence_id "
                       "WHERE e.case_id = $1 ORDER BY ci.id",
                       {case_id}));
        for (const store::Row& row : authors.rows) {
          std::string where = base::StrCat("collected item ", row.Int(0));
          std::string author(base::StripAsciiWhitespace(row.Text(2)));
          if (!author.empty()) {
            add(NumericUserId(author) ? IdentifierKind::kUserId : IdentifierKind::kUsername, author,
                row.Text(1), where);
          }
          add(IdentifierKind::kUrl, std::string(base::StripAsciiWhitespace(row.Text(3))),
              row.Text(1), where);
        }
        return absl::OkStatus();
      }));
  return identifiers;
}

absl::StatusOr<std::vector<ProviderStats>> RequestService::Stats(const auth::Principal& who,
                                                                 std::string_view provider) {
  struct Sent {
    int64_t case_id;
    std::string provider, channel, state, outcome, refusal_code;
    base::Millis sent_at;
    std::optional<base::Millis> first_answer_at;
  };
  std::vector<Sent> sent;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
        sent.clear();
        std::string sql =
            "SELECT case_id, provider, channel, state, outcome, refusal_code, sent_at, "
            "first_answer_at FROM provider_requests WHERE sent_at IS NOT NULL";
        std::vector<store::Value> params;
        if (!provider.empty()) {
          sql += " AND provider = $1";
          params.push_back(std::string(provider));
        }
        ASSIGN_OR_RETURN(store::Result result, tx.Execute(sql + " ORDER BY id", params));
        for (const store::Row& row : result.rows) {
          sent.push_back(Sent{row.Int(0), row.Text(1), row.Text(2), row.Text(3), row.Text(4),
                              row.Text(5), row.Int(6), row.OptionalInt(7)});
        }
        return absl::OkStatus();
      }));
  std::map<int64_t, bool> readable;
  std::map<std::pair<std::string, std::string>, ProviderStats> groups;
  std::map<std::pair<std::string, std::string>, std::vector<double>> days;
  for (const Sent& request : sent) {
    auto visible = readable.find(request.case_id);
    if (visible == readable.end()) {
      ASSIGN_OR_RETURN(bool read, Allowed(cases_, who, request.case_id, auth::AccessMode::kRead));
      visible = readable.emplace(request.case_id, read).first;
    }
    if (!visible->second) continue;
    auto key = std::make_pair(request.provider, request.channel);
    ProviderStats& stats = groups[key];
    stats.provider = request.provider;
    stats.channel = request.channel;
    ++stats.requests;
    if (request.first_answer_at) {
      ++stats.answered;
      days[key].push_back(static_cast<double>(*request.first_answer_at - request.sent_at) /
                          static_cast<double>(kDay));
    }
    if (request.outcome == "produced") ++stats.produced;
    if (request.outcome == "partly_produced") ++stats.partly_produced;
    if (request.outcome == "refused") {
      ++stats.refused;
      ++stats.refusals[request.refusal_code.empty() ? "other" : request.refusal_code];
    }
    if (request.outcome == "expired") ++stats.expired;
    if (request.outcome.empty() && request.state != "closed") ++stats.waiting;
  }
  std::vector<ProviderStats> result;
  for (auto& [key, stats] : groups) {
    stats.share_answered =
        stats.requests == 0 ? 0 : static_cast<double>(stats.answered) / stats.requests;
    std::vector<double>& answered = days[key];
    if (!answered.empty()) {
      std::sort(answered.begin(), answered.end());
      size_t middle = answered.size() / 2;
      stats.median_days_to_first_answer = answered.size() % 2 == 1
                                              ? answered[middle]
                                              : (answered[middle - 1] + answered[middle]) / 2;
    }
    result.push_back(std::move(stats));
  }
  return result;
}

// ---- reminders ----

absl::StatusOr<std::vector<ReminderView>> RequestService::DueReminders(const auth::Principal& who) {
  base::Millis now = clock_.NowMillis();
  std::vector<std::pair<int64_t, ReminderView>> candidates;  // case id, reminder
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
        candidates.clear();
        ASSIGN_OR_RETURN(
            store::Result result,
            tx.Execute("SELECT m.id, m.request_id, m.label, m.deadline_kind, m.rule_id, "
                       "m.remind_at, m.due_at, m.email_state, m.dismissed_at, r.case_id FROM "
                       "request_reminders m JOIN provider_requests r ON r.id = m.request_id "
                       "WHERE m.remind_at <= $1 AND m.dismissed_at IS NULL AND r.state IN "
                       "('sent', 'acknowledged', 'preserved') ORDER BY m.remind_at, m.id",
                       {now}));
        for (const store::Row& row : result.rows) {
          ReminderView view{.id = row.Int(0),
                            .request_id = row.Int(1),
                            .reference = base::StrCat("REQ-", row.Int(1)),
                            .label = row.Text(2),
                            .deadline_kind = row.Text(3),
                            .rule_id = row.Text(4),
                            .remind_at = row.Int(5),
                            .due_at = row.Int(6),
                            .email_state = row.Text(7),
                            .dismissed_at = row.OptionalInt(8)};
          candidates.emplace_back(row.Int(9), std::move(view));
        }
        return absl::OkStatus();
      }));
  std::map<int64_t, bool> readable;
  std::vector<ReminderView> due;
  for (auto& [case_id, view] : candidates) {
    auto visible = readable.find(case_id);
    if (visible == readable.end()) {
      ASSIGN_OR_RETURN(bool read, Allowed(cases_, who, case_id, auth::AccessMode::kRead));
      visible = readable.emplace(case_id, read).first;
    }
    if (visible->second) due.push_back(std::move(view));
  }
  return due;
}

absl::Status RequestService::DismissReminder(const auth::Principal& who, int64_t reminder_id) {
  ASSIGN_OR_RETURN(store::Result found,
                   database_.Execute("SELECT m.request_id, r.case_id FROM request_reminders m "
                                     "JOIN provider_requests r ON r.id = m.request_id WHERE "
                                     "m.id = $1",
                                     {reminder_id}, store::TxMode::kRead));
  if (found.rows.empty()) return absl::NotFoundError("reminder not found");
  int64_t request_id = found.rows[0].Int(0);
  ASSIGN_OR_RETURN(bool read, Allowed(cases_, who, found.rows[0].Int(1), auth::AccessMode::kRead));
  if (!read) return absl::NotFoundError("reminder not found");
  return database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(store::Result updated,
                     tx.Execute("UPDATE request_reminders SET dismissed_at = $2, "
                                "dismissed_by = $3 WHERE id = $1 AND dismissed_at IS NULL",
                                {reminder_id, clock_.NowMillis(), who.user_id}));
    if (updated.affected_rows == 0) return absl::OkStatus();  // dismissed already
    audit::Record record{.actor_id = who.user_id,
                         .actor_name = who.username,
                         .agency_id = who.agency_id,
                         .action = "request.reminder_dismissed",
                         .object_type = "request",
                         .object_id = std::to_string(request_id),
                         .detail = base::StrCat("reminder ", reminder_id)};
    return trail_.Append(tx, record);
  });
}

absl::StatusOr<int64_t> RequestService::DeliverReminders(Mailer& mailer,
                                                         std::string_view public_url) {
  ASSIGN_OR_RETURN(std::shared_ptr<const Directory> directory,
                   CurrentDirectory(database_, directory_mutex_, directory_));
  std::string base_url(public_url);
  while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
  base::Millis now = clock_.NowMillis();
  // Claim: push the next attempt of each due row forward, so that no other instance takes it.
  std::vector<int64_t> claimed;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        claimed.clear();
        ASSIGN_OR_RETURN(store::Result due,
                         tx.Execute(base::StrCat("SELECT id FROM request_reminders WHERE "
                                                 "email_state = 'pending' AND remind_at <= $1 "
                                                 "AND next_attempt_at <= $1 ORDER BY remind_at, "
                                                 "id LIMIT ",
                                                 kDeliverBatch),
                                    {now}));
        for (const store::Row& row : due.rows) {
          ASSIGN_OR_RETURN(store::Result updated,
                           tx.Execute("UPDATE request_reminders SET next_attempt_at = $2 WHERE "
                                      "id = $1 AND email_state = 'pending' AND "
                                      "next_attempt_at <= $3",
                                      {row.Int(0), now + kClaimLease, now}));
          if (updated.affected_rows == 1) claimed.push_back(row.Int(0));
        }
        return absl::OkStatus();
      }));
  int64_t delivered = 0;
  for (int64_t reminder_id : claimed) {
    struct Recipient {
      std::string email, language, time_zone;
    };
    std::vector<Recipient> recipients;
    internal::ReminderMailFacts facts;
    int attempts = 0;
    int64_t request_id = 0;
    RETURN_IF_ERROR(
        database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
          recipients.clear();
          ASSIGN_OR_RETURN(store::Result found,
                           tx.Execute("SELECT request_id, rule_id, deadline_kind, label, "
                                      "due_at, email_attempts FROM request_reminders WHERE "
                                      "id = $1",
                                      {reminder_id}));
          if (found.rows.empty()) return absl::OkStatus();
          const store::Row& row = found.rows[0];
          request_id = row.Int(0);
          attempts = static_cast<int>(row.Int(5));
          ASSIGN_OR_RETURN(Request request, LoadRequest(tx, request_id));
          facts =
              internal::ReminderMailFacts{.reference = request.reference,
                                          .case_number = request.case_number,
                                          .target = ProviderName(*directory, request),
                                          .entity = "",
                                          .kind = row.Text(2),
                                          .label = row.Text(3),
                                          .rule_id = row.Text(1),
                                          .due_at = row.Int(4),
                                          .provider_zone = "",
                                          .link = base::StrCat(base_url, "/requests/", request.id)};
          if (const Provider* provider = directory->FindProvider(request.fields.provider);
              provider != nullptr && !request.fields.provider.empty()) {
            if (const LegalEntity* entity = EntityFor(*provider, request.fields)) {
              facts.provider_zone = entity->time_zone;
              facts.entity = entity->name;
            }
          }
          std::vector<int64_t> people{request.created_by.user_id};
          if (request.approved_by) people.push_back(request.approved_by->user_id);
          std::set<std::string> addresses;
          for (int64_t user_id : people) {
            ASSIGN_OR_RETURN(UserInfo user, LoadUser(tx, user_id));
            std::string email(base::StripAsciiWhitespace(user.email));
            if (user.disabled || email.empty() || !addresses.insert(email).second) continue;
            recipients.push_back(Recipient{email, user.language, user.time_zone});
          }
          return absl::OkStatus();
        }));
    if (request_id == 0) continue;
    std::string state = "sent";
    std::string error;
    if (recipients.empty()) {
      state = "none";
      error = "no e-mail address for the drafter or the approver";
    } else {
      for (const Recipient& recipient : recipients) {
        absl::Status sent = mailer.Send(
            ReminderMail(facts, recipient.language, recipient.time_zone, recipient.email));
        if (sent.ok()) continue;
        error = std::string(sent.message());
        if (absl::IsFailedPrecondition(sent) &&
            base::StrContains(base::FromAbsl(sent.message()), "not configured")) {
          state = "none";  // no SMTP server: reminders stay in the application
        } else if (absl::IsFailedPrecondition(sent) || absl::IsInvalidArgument(sent) ||
                   attempts + 1 >= kMaxEmailAttempts) {
          state = "failed";  // will not succeed as it is
        } else {
          state = "pending";
        }
        break;
      }
    }
    base::Millis finished = clock_.NowMillis();
    int backoff_index = std::min<int>(attempts, std::size(kBackoff) - 1);
    RETURN_IF_ERROR(
        database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
          if (state == "sent") {
            RETURN_IF_ERROR(tx.Execute("UPDATE request_reminders SET email_state = 'sent', "
                                       "email_sent_at = $2, email_attempts = email_attempts + 1, "
                                       "email_error = '' WHERE id = $1",
                                       {reminder_id, finished})
                                .status());
            audit::Record record{
                .actor_id = std::nullopt,
                .actor_name = "system",
                .agency_id = std::nullopt,
                .action = "request.reminder_emailed",
                .object_type = "request",
                .object_id = std::to_string(request_id),
                .detail = base::StrCat("reminder ", reminder_id, " (", facts.kind, ", ",
                                       facts.label, ") to ", recipients.size(), " recipient",
                                       recipients.size() == 1 ? "" : "s")};
            return trail_.Append(tx, record);
          }
          return tx
              .Execute(
                  "UPDATE request_reminders SET email_state = $2, email_attempts = "
                  "email_attempts + $3, email_error = $4, next_attempt_at = $5 WHERE id = $1",
                  {reminder_id, state, int64_t{recipients.empty() ? 0 : 1}, error.substr(0, 1000),
                   finished + kBackoff[backoff_index]})
              .status();
        }));
    if (state == "sent") ++delivered;
  }
  return delivered;
}

absl::StatusOr<int64_t> RequestService::ExpireDue() {
  ASSIGN_OR_RETURN(std::shared_ptr<const Directory> directory,
                   CurrentDirectory(database_, directory_mutex_, directory_));
  ASSIGN_OR_RETURN(store::Result candidates,
                   database_.Execute("SELECT id FROM provider_requests WHERE state IN ('sent', "
                                     "'acknowledged', 'preserved') AND type IN ('preservation', "
                                     "'preservation_extension') ORDER BY id",
                                     {}, store::TxMode::kRead));
  Origin origin{"scheduler", ""};
  int64_t expired = 0;
  for (const store::Row& candidate : candidates.rows) {
    int64_t id = candidate.Int(0);
    bool done = false;
    absl::Status status =
        database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
          done = false;
          base::Millis now = clock_.NowMillis();
          ASSIGN_OR_RETURN(Request request, LoadRequest(tx, id));
          if (!IsOpenAtProvider(request.state)) return absl::OkStatus();
          ASSIGN_OR_RETURN(std::vector<Request> chain, LoadChain(tx, request.chain_id));
          if (LaterRequestSent(chain, id)) return absl::OkStatus();
          std::vector<const Request*> path = Ancestors(chain, id);
          path.push_back(&request);
          absl::StatusOr<Schedule> schedule = ScheduleOf(*directory, path, kDefaultZone);
          if (!schedule.ok() || !schedule->preserved_until || *schedule->preserved_until > now) {
            return absl::OkStatus();
          }
          State from = request.state;
          int version = request.version;
          request.state = State::kExpired;
          request.outcome_at = *schedule->preserved_until;
          RETURN_IF_ERROR(UpdateRequest(tx, request, version, "expired", now));
          RETURN_IF_ERROR(RecordStep(trail_, tx, nullptr, origin, request, "expire",
                                     StateName(from),
                                     Json{{"preserved_until", *schedule->preserved_until}}, now));
          RETURN_IF_ERROR(RefreshReminders(tx, *directory, request.chain_id, now));
          done = true;
          return absl::OkStatus();
        });
    if (absl::IsAborted(status)) continue;  // changed meanwhile: the next run looks again
    RETURN_IF_ERROR(status);
    if (done) ++expired;
  }
  return expired;
}

}  // namespace threathub::requests
