#include "mandates/mandates.h"

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "base/errors.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "mandates/internal/request_pdf.h"
#include "mandates/internal/url.h"

namespace threathub::mandates {
namespace {

using Json = nlohmann::json;

constexpr base::Millis kDayMillis = 24LL * 60 * 60 * 1000;
// "At most one year": 366 days, so that a calendar year with 29 February fits.
constexpr base::Millis kMaxWindow = 366 * kDayMillis;
constexpr int kMinStorageDays = 1;
constexpr int kMaxStorageDays = 3650;
constexpr size_t kMaxPurposeBytes = 2000;
constexpr size_t kMaxPredicateBytes = 2000;
constexpr size_t kMaxJustificationBytes = 20'000;
constexpr size_t kMaxReasonBytes = 2000;
constexpr size_t kMaxScopeEntries = 200;
constexpr size_t kMaxScopeValueBytes = 2000;
constexpr size_t kMaxPlatformBytes = 40;
constexpr size_t kMaxPersonaTextBytes = 200;
constexpr size_t kMaxPersonaMandates = 100;
constexpr int kExpireBatch = 1000;

struct LevelInfo {
  Level level;
  std::string_view name;
};
constexpr LevelInfo kLevels[] = {
    {Level::kOvert, "overt"}, {Level::kDiscreet, "discreet"}, {Level::kCovert, "covert"}};

struct MechanismInfo {
  Mechanism mechanism;
  std::string_view name;
};
constexpr MechanismInfo kMechanisms[] = {{Mechanism::kManual, "manual"},
                                         {Mechanism::kAutomated, "automated"},
                                         {Mechanism::kPersona, "persona"}};

struct StateInfo {
  State state;
  std::string_view name;
};
constexpr StateInfo kStates[] = {{State::kDraft, "draft"},       {State::kPending, "pending"},
                                 {State::kApproved, "approved"}, {State::kRejected, "rejected"},
                                 {State::kExpired, "expired"},   {State::kRevoked, "revoked"}};

constexpr std::string_view kScopeKinds[] = {"domain", "account", "url_prefix", "platform"};
// Platform entries admit everything of a platform, so only feeds (whose URL the mandate must
// list too) may be named that way.
constexpr std::string_view kFeedPlatforms[] = {"rss", "atom"};
constexpr std::string_view kPersonaStatuses[] = {"active", "suspended", "retired"};
// Who may control a persona (the roles that hold monitoring.use).
constexpr char kMonitoringRoles[] = "('investigator', 'analyst', 'supervisor')";

constexpr char kMandateColumns[] =
    "SELECT m.id, m.agency_id, m.version, m.purpose, m.case_id, m.case_number, m.predicate, "
    "m.level, m.mechanism, m.scope, m.starts_at, m.ends_at, m.storage_days, m.justification, "
    "m.requester_id, ru.username, ru.display_name, m.state, m.approved_by, au.username, "
    "au.display_name, m.approved_at, m.head_approved_by, hu.username, hu.display_name, "
    "m.head_approved_at, m.rejection_reason, m.revocation_reason, m.last_action, m.updated_by, "
    "uu.username, uu.display_name, m.created_at, m.updated_at, a.head_user_id "
    "FROM mandates m JOIN users ru ON ru.id = m.requester_id "
    "JOIN agencies a ON a.id = m.agency_id "
    "LEFT JOIN users au ON au.id = m.approved_by "
    "LEFT JOIN users hu ON hu.id = m.head_approved_by "
    "LEFT JOIN users uu ON uu.id = m.updated_by";

constexpr char kPersonaColumns[] =
    "SELECT p.id, p.agency_id, p.platform, p.handle, p.display_name, p.controller_id, "
    "u.username, u.display_name, p.status, p.created_at, p.updated_at, a.head_user_id "
    "FROM personas p JOIN users u ON u.id = p.controller_id "
    "JOIN agencies a ON a.id = p.agency_id";

absl::Status MandateNotFound() { return absl::NotFoundError("mandate not found"); }
absl::Status PersonaNotFound() { return absl::NotFoundError("persona not found"); }

absl::Status TwoPersonRule(std::string_view message) {
  return base::WithReason(absl::PermissionDeniedError(base::ToAbsl(message)), "two_person_rule");
}

bool HasRole(const auth::Principal& who, auth::Role role) {
  return std::find(who.roles.begin(), who.roles.end(), role) != who.roles.end();
}

bool IsSupervisorOf(const auth::Principal& who, int64_t agency_id) {
  return who.agency_id == agency_id && HasRole(who, auth::Role::kSupervisor);
}

bool IsHead(const auth::Principal& who, const std::optional<int64_t>& head_user_id) {
  return head_user_id && *head_user_id == who.user_id;
}

cases::Person PersonOf(const auth::Principal& who) {
  return cases::Person{who.user_id, who.username, who.display_name};
}

store::Value OptionalValue(const std::optional<int64_t>& value) {
  if (!value) return std::monostate{};
  return *value;
}

std::optional<cases::Person> OptionalPerson(const store::Row& row, size_t column) {
  if (row.IsNull(column)) return std::nullopt;
  return cases::Person{row.Int(column), row.Text(column + 1), row.Text(column + 2)};
}

absl::Status ValidateText(std::string_view field, std::string_view text, size_t max_bytes,
                          bool required) {
  if (!base::IsValidUtf8(text)) return base::InvalidField(field, "not valid UTF-8");
  if (required && base::StripAsciiWhitespace(text).empty()) {
    return base::InvalidField(field, "required");
  }
  if (text.size() > max_bytes) {
    return base::InvalidField(field, base::StrCat("too long (", max_bytes, " bytes at most)"));
  }
  return absl::OkStatus();
}

// One line of text: no control characters.
absl::Status ValidateLine(std::string_view field, std::string_view text, size_t max_bytes,
                          bool required) {
  RETURN_IF_ERROR(ValidateText(field, text, max_bytes, required));
  for (unsigned char symbol : text) {
    if (symbol < 0x20 || symbol == 0x7F) {
      return base::InvalidField(field, "control characters are not allowed");
    }
  }
  return absl::OkStatus();
}

template <size_t N>
bool Contains(const std::string_view (&list)[N], std::string_view value) {
  return std::find(std::begin(list), std::end(list), value) != std::end(list);
}

bool IsPlatformName(std::string_view platform) {
  if (platform.empty() || platform.size() > kMaxPlatformBytes) return false;
  return std::all_of(platform.begin(), platform.end(), [](char symbol) {
    return absl::ascii_islower(symbol) || absl::ascii_isdigit(symbol) || symbol == '_' ||
           symbol == '-' || symbol == '.';
  });
}

// Validates and normalises one scope entry; errors name "scope[<index>].<part>".
absl::Status ValidateScopeEntry(size_t index, ScopeEntry& entry) {
  std::string prefix = base::StrCat("scope[", index, "]");
  entry.kind = base::AsciiStrToLower(base::StripAsciiWhitespace(entry.kind));
  entry.platform = base::AsciiStrToLower(base::StripAsciiWhitespace(entry.platform));
  entry.value = std::string(base::StripAsciiWhitespace(entry.value));
  if (!Contains(kScopeKinds, entry.kind)) {
    return base::InvalidField(base::StrCat(prefix, ".kind"),
                              "expected domain, account, url_prefix or platform");
  }
  std::string value_field = base::StrCat(prefix, ".value");
  std::string platform_field = base::StrCat(prefix, ".platform");
  if (entry.kind != "platform") {
    RETURN_IF_ERROR(ValidateLine(value_field, entry.value, kMaxScopeValueBytes, true));
  }
  if (entry.kind == "domain") {
    if (!entry.platform.empty()) {
      return base::InvalidField(platform_field, "a domain entry has no platform");
    }
    std::string domain = base::AsciiStrToLower(internal::DomainOf(entry.value));
    if (!internal::IsHostName(domain)) {
      return base::InvalidField(value_field,
                                "expected a host name such as example.kz (no scheme, path or "
                                "port; IDN names in punycode, xn--...)");
    }
    entry.value = std::move(domain);
  } else if (entry.kind == "account") {
    if (entry.platform.empty()) {
      return base::InvalidField(platform_field, "required for an account (telegram, vk, ...)");
    }
    if (!IsPlatformName(entry.platform)) {
      return base::InvalidField(platform_field,
                                "lower-case Latin letters, digits, '_', '-' and '.' only");
    }
  } else if (entry.kind == "url_prefix") {
    if (!entry.platform.empty()) {
      return base::InvalidField(platform_field, "a url_prefix entry has no platform");
    }
    std::optional<internal::UrlParts> parts = internal::SplitUrl(entry.value);
    std::optional<std::string> normalized = NormalizeUrl(entry.value);
    std::string host = parts ? base::AsciiStrToLower(parts->host) : std::string();
    if (!parts || !normalized ||
        (!internal::IsHostName(internal::DomainOf(host)) && !internal::IsIpLiteral(host))) {
      return base::InvalidField(value_field,
                                "expected an http:// or https:// URL with a host, such as "
                                "https://vk.com/club123");
    }
    for (char symbol : entry.value) {
      if (symbol == ' ') return base::InvalidField(value_field, "a URL has no spaces");
    }
    entry.value = std::move(*normalized);
  } else {  // platform
    if (!Contains(kFeedPlatforms, entry.platform)) {
      return base::InvalidField(platform_field,
                                "platform entries are for feeds (rss or atom); list sites as "
                                "domain or url_prefix entries and accounts as account entries");
    }
    if (!entry.value.empty() && entry.value != entry.platform) {
      return base::InvalidField(value_field, "leave empty (the platform is the entry)");
    }
    entry.value = entry.platform;
  }
  return absl::OkStatus();
}

// ---- snapshots (mandate_versions.snapshot) ----

Json PersonJson(const cases::Person& person) {
  return Json{{"user_id", person.user_id},
              {"username", person.username},
              {"display_name", person.display_name}};
}

Json OptionalPersonJson(const std::optional<cases::Person>& person) {
  return person ? PersonJson(*person) : Json(nullptr);
}

std::optional<cases::Person> PersonFromJson(const Json& json) {
  if (!json.is_object()) return std::nullopt;
  return cases::Person{json.value("user_id", int64_t{0}), json.value("username", std::string()),
                       json.value("display_name", std::string())};
}

Json OptionalMillis(const std::optional<base::Millis>& millis) {
  return millis ? Json(*millis) : Json(nullptr);
}

std::optional<base::Millis> MillisFromJson(const Json& json) {
  if (!json.is_number_integer()) return std::nullopt;
  return json.get<base::Millis>();
}

Json ScopeJson(const std::vector<ScopeEntry>& scope) {
  Json entries = Json::array();
  for (const ScopeEntry& entry : scope) {
    entries.push_back(
        Json{{"kind", entry.kind}, {"platform", entry.platform}, {"value", entry.value}});
  }
  return entries;
}

std::vector<ScopeEntry> ScopeFromJson(const Json& json) {
  std::vector<ScopeEntry> scope;
  if (!json.is_array()) return scope;
  for (const Json& entry : json) {
    if (!entry.is_object()) continue;
    scope.push_back(ScopeEntry{entry.value("kind", std::string()),
                               entry.value("platform", std::string()),
                               entry.value("value", std::string())});
  }
  return scope;
}

Json SnapshotOf(const Mandate& mandate) {
  return Json{{"id", mandate.id},
              {"agency_id", mandate.agency_id},
              {"version", mandate.version},
              {"purpose", mandate.purpose},
              {"case_id", mandate.case_id ? Json(*mandate.case_id) : Json(nullptr)},
              {"case_number", mandate.case_number},
              {"predicate", mandate.predicate},
              {"level", LevelName(mandate.level)},
              {"mechanism", MechanismName(mandate.mechanism)},
              {"scope", ScopeJson(mandate.scope)},
              {"starts_at", mandate.starts_at},
              {"ends_at", mandate.ends_at},
              {"storage_days", mandate.storage_days},
              {"justification", mandate.justification},
              {"requester", PersonJson(mandate.requester)},
              {"state", StateName(mandate.state)},
              {"approved_by", OptionalPersonJson(mandate.approved_by)},
              {"approved_at", OptionalMillis(mandate.approved_at)},
              {"head_approved_by", OptionalPersonJson(mandate.head_approved_by)},
              {"head_approved_at", OptionalMillis(mandate.head_approved_at)},
              {"rejection_reason", mandate.rejection_reason},
              {"revocation_reason", mandate.revocation_reason},
              {"created_at", mandate.created_at},
              {"updated_at", mandate.updated_at},
              {"last_action", mandate.last_action},
              {"updated_by", OptionalPersonJson(mandate.updated_by)}};
}

absl::StatusOr<Mandate> FromSnapshot(std::string_view text) {
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return absl::DataLossError("a mandate version is not readable");
  Mandate mandate;
  mandate.id = json.value("id", int64_t{0});
  mandate.agency_id = json.value("agency_id", int64_t{0});
  mandate.version = json.value("version", 0);
  mandate.purpose = json.value("purpose", std::string());
  if (json.contains("case_id") && json["case_id"].is_number_integer()) {
    mandate.case_id = json["case_id"].get<int64_t>();
  }
  mandate.case_number = json.value("case_number", std::string());
  mandate.predicate = json.value("predicate", std::string());
  mandate.level = ParseLevel(json.value("level", std::string())).value_or(Level::kOvert);
  mandate.mechanism =
      ParseMechanism(json.value("mechanism", std::string())).value_or(Mechanism::kManual);
  mandate.scope = ScopeFromJson(json.value("scope", Json::array()));
  mandate.starts_at = json.value("starts_at", base::Millis{0});
  mandate.ends_at = json.value("ends_at", base::Millis{0});
  mandate.storage_days = json.value("storage_days", 0);
  mandate.justification = json.value("justification", std::string());
  mandate.requester = PersonFromJson(json.value("requester", Json())).value_or(cases::Person{});
  mandate.state = ParseState(json.value("state", std::string())).value_or(State::kDraft);
  mandate.approved_by = PersonFromJson(json.value("approved_by", Json()));
  mandate.approved_at = MillisFromJson(json.value("approved_at", Json()));
  mandate.head_approved_by = PersonFromJson(json.value("head_approved_by", Json()));
  mandate.head_approved_at = MillisFromJson(json.value("head_approved_at", Json()));
  mandate.rejection_reason = json.value("rejection_reason", std::string());
  mandate.revocation_reason = json.value("revocation_reason", std::string());
  mandate.created_at = json.value("created_at", base::Millis{0});
  mandate.updated_at = json.value("updated_at", base::Millis{0});
  mandate.last_action = json.value("last_action", std::string());
  mandate.updated_by = PersonFromJson(json.value("updated_by", Json()));
  return mandate;
}

Mandate MandateFromRow(const store::Row& row) {
  Mandate mandate;
  mandate.id = row.Int(0);
  mandate.agency_id = row.Int(1);
  mandate.version = static_cast<int>(row.Int(2));
  mandate.purpose = row.Text(3);
  mandate.case_id = row.OptionalInt(4);
  mandate.case_number = row.Text(5);
  mandate.predicate = row.Text(6);
  mandate.level = ParseLevel(row.Text(7)).value_or(Level::kOvert);
  mandate.mechanism = ParseMechanism(row.Text(8)).value_or(Mechanism::kManual);
  mandate.scope = ScopeFromJson(Json::parse(row.Text(9), nullptr, /*allow_exceptions=*/false));
  mandate.starts_at = row.Int(10);
  mandate.ends_at = row.Int(11);
  mandate.storage_days = static_cast<int>(row.Int(12));
  mandate.justification = row.Text(13);
  mandate.requester = cases::Person{row.Int(14), row.Text(15), row.Text(16)};
  mandate.state = ParseState(row.Text(17)).value_or(State::kDraft);
  mandate.approved_by = OptionalPerson(row, 18);
  mandate.approved_at = row.OptionalInt(21);
  mandate.head_approved_by = OptionalPerson(row, 22);
  mandate.head_approved_at = row.OptionalInt(25);
  mandate.rejection_reason = row.Text(26);
  mandate.revocation_reason = row.Text(27);
  mandate.last_action = row.Text(28);
  mandate.updated_by = OptionalPerson(row, 29);
  mandate.created_at = row.Int(32);
  mandate.updated_at = row.Int(33);
  mandate.agency_head_user_id = row.OptionalInt(34);
  return mandate;
}

// ---- the rules ----

absl::Status CheckApprove(const auth::Principal& who, const Mandate& mandate, base::Millis now) {
  if (mandate.state != State::kPending) {
    return absl::FailedPreconditionError(
        base::StrCat("only a pending mandate is approved; this one is ", StateName(mandate.state)));
  }
  bool requester = who.user_id == mandate.requester.user_id;
  if (!mandate.approved_by) {
    if (requester) {
      return TwoPersonRule("a second person must approve: you requested this mandate yourself");
    }
    if (!IsSupervisorOf(who, mandate.agency_id)) {
      return absl::PermissionDeniedError(
          "only a supervisor of the requester's agency approves a mandate");
    }
    if (mandate.level == Level::kCovert && IsHead(who, mandate.agency_head_user_id)) {
      return TwoPersonRule(
          "the head of the agency gives the second approval of a covert mandate: another "
          "supervisor approves it first");
    }
  } else {
    if (requester || who.user_id == mandate.approved_by->user_id) {
      return TwoPersonRule(
          "a covert mandate needs a second approval by the head of the agency, who is neither "
          "the requester nor the first approver");
    }
    if (!mandate.agency_head_user_id) {
      return absl::FailedPreconditionError(
          "a covert mandate needs the approval of the head of the agency, and no head is set "
          "for this agency: an administrator sets one (PATCH /api/v1/agencies/{id} "
          "head_user_id, or threathub admin agency set-head)");
    }
    if (!IsHead(who, mandate.agency_head_user_id)) {
      return absl::PermissionDeniedError(
          "only the head of the agency gives the second approval of a covert mandate");
    }
  }
  if (mandate.ends_at <= now) {
    return absl::FailedPreconditionError(
        "the mandate's time window has already ended: reject it so that the requester can "
        "change the dates");
  }
  return absl::OkStatus();
}

absl::Status CheckReject(const auth::Principal& who, const Mandate& mandate) {
  if (mandate.state != State::kPending) {
    return absl::FailedPreconditionError(
        base::StrCat("only a pending mandate is rejected; this one is ", StateName(mandate.state)));
  }
  if (who.user_id == mandate.requester.user_id) {
    return TwoPersonRule("you cannot decide on your own request");
  }
  if (!IsSupervisorOf(who, mandate.agency_id) && !IsHead(who, mandate.agency_head_user_id)) {
    return absl::PermissionDeniedError(
        "only a supervisor or the head of the requester's agency rejects a mandate");
  }
  return absl::OkStatus();
}

absl::Status CheckRevoke(const auth::Principal& who, const Mandate& mandate, base::Millis now) {
  State state = EffectiveState(mandate, now);
  if (state != State::kApproved) {
    return absl::FailedPreconditionError(
        base::StrCat("only an approved mandate is revoked; this one is ", StateName(state)));
  }
  if (who.user_id != mandate.requester.user_id && !IsSupervisorOf(who, mandate.agency_id) &&
      !IsHead(who, mandate.agency_head_user_id)) {
    return absl::PermissionDeniedError(
        "only the requester, a supervisor or the head of the agency revokes a mandate");
  }
  return absl::OkStatus();
}

absl::Status CheckEdit(const auth::Principal& who, const Mandate& mandate) {
  if (who.user_id != mandate.requester.user_id) {
    return absl::PermissionDeniedError("only the requester changes a mandate");
  }
  if (mandate.state != State::kDraft && mandate.state != State::kRejected) {
    return absl::FailedPreconditionError(base::StrCat(
        "only a draft or a rejected mandate changes; this one is ", StateName(mandate.state)));
  }
  return absl::OkStatus();
}

absl::Status CheckSubmit(const auth::Principal& who, const Mandate& mandate) {
  if (who.user_id != mandate.requester.user_id) {
    return absl::PermissionDeniedError("only the requester submits a mandate");
  }
  if (mandate.state == State::kRejected) {
    return absl::FailedPreconditionError(
        "a rejected mandate goes back to draft when it is changed (PUT); submit it then");
  }
  if (mandate.state != State::kDraft) {
    return absl::FailedPreconditionError(
        base::StrCat("only a draft is submitted; this one is ", StateName(mandate.state)));
  }
  return absl::OkStatus();
}

bool CanSeePersona(const auth::Principal& who, const Persona& persona,
                   const std::optional<int64_t>& head_user_id) {
  return persona.controller.user_id == who.user_id || IsSupervisorOf(who, persona.agency_id) ||
         IsHead(who, head_user_id);
}

absl::StatusOr<bool> IsActiveWithRole(store::Transaction& tx, int64_t user_id, int64_t agency_id,
                                      std::string_view roles) {
  ASSIGN_OR_RETURN(store::Result found,
                   tx.Execute(base::StrCat("SELECT 1 FROM users u WHERE u.id = $1 AND "
                                           "u.agency_id = $2 AND u.disabled = 0 AND EXISTS "
                                           "(SELECT 1 FROM user_roles r WHERE r.user_id = u.id "
                                           "AND r.role IN ",
                                           roles, ")"),
                              {user_id, agency_id}));
  return !found.rows.empty();
}

absl::StatusOr<std::optional<int64_t>> AgencyHead(store::Transaction& tx, int64_t agency_id) {
  ASSIGN_OR_RETURN(store::Result found,
                   tx.Execute("SELECT head_user_id FROM agencies WHERE id = $1", {agency_id}));
  if (found.rows.empty()) return std::optional<int64_t>();
  return found.rows[0].OptionalInt(0);
}

}  // namespace

std::string_view LevelName(Level level) {
  for (const LevelInfo& info : kLevels) {
    if (info.level == level) return info.name;
  }
  return "overt";
}

std::string_view MechanismName(Mechanism value) {
  for (const MechanismInfo& info : kMechanisms) {
    if (info.mechanism == value) return info.name;
  }
  return "manual";
}

std::string_view StateName(State state) {
  for (const StateInfo& info : kStates) {
    if (info.state == state) return info.name;
  }
  return "draft";
}

std::optional<Level> ParseLevel(std::string_view name) {
  for (const LevelInfo& info : kLevels) {
    if (info.name == name) return info.level;
  }
  return std::nullopt;
}

std::optional<Mechanism> ParseMechanism(std::string_view name) {
  for (const MechanismInfo& info : kMechanisms) {
    if (info.name == name) return info.mechanism;
  }
  return std::nullopt;
}

std::optional<State> ParseState(std::string_view name) {
  for (const StateInfo& info : kStates) {
    if (info.name == name) return info.state;
  }
  return std::nullopt;
}

State EffectiveState(const Mandate& mandate, base::Millis now) {
  if (mandate.state == State::kApproved && now >= mandate.ends_at) return State::kExpired;
  return mandate.state;
}

bool NeedsHeadApproval(const Mandate& mandate) {
  return mandate.level == Level::kCovert && !mandate.head_approved_at;
}

Actions AllowedActions(const auth::Principal& who, const Mandate& mandate, base::Millis now) {
  Actions actions;
  actions.edit = CheckEdit(who, mandate).ok();
  actions.submit = CheckSubmit(who, mandate).ok();
  actions.approve = CheckApprove(who, mandate, now).ok();
  actions.reject = CheckReject(who, mandate).ok();
  actions.revoke = CheckRevoke(who, mandate, now).ok();
  return actions;
}

// ---- MandateService ----

MandateService::MandateService(store::Database& database, audit::AuditTrail& trail,
                               cases::CaseService& cases, const base::Clock& clock)
    : database_(database), trail_(trail), cases_(cases), clock_(clock) {}

absl::StatusOr<Mandate> MandateService::Load(store::Transaction& tx, int64_t id) {
  ASSIGN_OR_RETURN(store::Result found,
                   tx.Execute(base::StrCat(kMandateColumns, " WHERE m.id = $1"), {id}));
  if (found.rows.empty()) return MandateNotFound();
  return MandateFromRow(found.rows[0]);
}

absl::StatusOr<bool> MandateService::CanSee(const auth::Principal& who, const Mandate& mandate) {
  if (who.user_id == mandate.requester.user_id) return true;
  if (IsSupervisorOf(who, mandate.agency_id)) return true;
  if (IsHead(who, mandate.agency_head_user_id)) return true;
  if (!mandate.case_id) return false;
  absl::Status access = cases_.CheckAccess(who, *mandate.case_id, auth::AccessMode::kRead);
  if (access.ok()) return true;
  if (access.code() == absl::StatusCode::kNotFound ||
      access.code() == absl::StatusCode::kPermissionDenied) {
    return false;
  }
  return access;
}

absl::Status MandateService::Validate(const auth::Principal& who, NewMandate& fields,
                                      Completeness completeness, std::string& case_number) {
  bool submission = completeness == Completeness::kSubmission;
  RETURN_IF_ERROR(ValidateText("purpose", fields.purpose, kMaxPurposeBytes, true));
  RETURN_IF_ERROR(ValidateText("predicate", fields.predicate, kMaxPredicateBytes, false));
  if (submission && !fields.case_id && base::StripAsciiWhitespace(fields.predicate).empty()) {
    return base::InvalidField("predicate",
                              "name the case (case_id) or, when there is no case yet, the legal "
                              "predicate");
  }
  if (submission && fields.scope.empty()) {
    return base::InvalidField("scope", "list at least one site, account or feed to monitor");
  }
  if (fields.scope.size() > kMaxScopeEntries) {
    return base::InvalidField("scope",
                              base::StrCat("too many entries (", kMaxScopeEntries, " at most)"));
  }
  bool lists_sites = false;
  for (size_t entry_idx = 0; entry_idx < fields.scope.size(); ++entry_idx) {
    RETURN_IF_ERROR(ValidateScopeEntry(entry_idx, fields.scope[entry_idx]));
    const std::string& kind = fields.scope[entry_idx].kind;
    lists_sites |= kind == "domain" || kind == "url_prefix";
  }
  for (size_t entry_idx = 0; entry_idx < fields.scope.size(); ++entry_idx) {
    if (submission && fields.scope[entry_idx].kind == "platform" && !lists_sites) {
      return base::InvalidField(base::StrCat("scope[", entry_idx, "].platform"),
                                "list the feeds' URLs too (url_prefix or domain entries)");
    }
  }
  if (fields.starts_at <= 0) return base::InvalidField("starts_at", "required");
  if (fields.ends_at <= fields.starts_at) {
    return base::InvalidField("ends_at", "must be after starts_at");
  }
  if (fields.ends_at - fields.starts_at > kMaxWindow) {
    return base::InvalidField("ends_at", "the window is one year at most (366 days)");
  }
  if (fields.ends_at <= clock_.NowMillis()) {
    return base::InvalidField("ends_at", "the window has already ended");
  }
  if (fields.storage_days < kMinStorageDays || fields.storage_days > kMaxStorageDays) {
    return base::InvalidField(
        "storage_days", base::StrCat("from ", kMinStorageDays, " to ", kMaxStorageDays, " days"));
  }
  RETURN_IF_ERROR(
      ValidateText("justification", fields.justification, kMaxJustificationBytes, submission));
  case_number.clear();
  if (fields.case_id) {
    absl::Status access = cases_.CheckAccess(who, *fields.case_id, auth::AccessMode::kWrite);
    if (access.code() == absl::StatusCode::kNotFound ||
        access.code() == absl::StatusCode::kPermissionDenied) {
      return base::InvalidField("case_id", "not a case you may work on");
    }
    RETURN_IF_ERROR(access);
    ASSIGN_OR_RETURN(cases::Case named, cases_.Get(who, *fields.case_id));
    case_number = named.number;
  }
  return absl::OkStatus();
}

absl::Status MandateService::Save(store::Transaction& tx, const auth::Principal* who,
                                  const Origin& origin, Mandate& mandate, std::string detail) {
  base::Millis now = clock_.NowMillis();
  mandate.updated_at = now;
  mandate.updated_by = who ? std::optional<cases::Person>(PersonOf(*who)) : std::nullopt;
  std::optional<int64_t> approved_by, head_approved_by, updated_by;
  if (mandate.approved_by) approved_by = mandate.approved_by->user_id;
  if (mandate.head_approved_by) head_approved_by = mandate.head_approved_by->user_id;
  if (who) updated_by = who->user_id;
  std::string scope = ScopeJson(mandate.scope).dump();
  if (mandate.id == 0) {
    mandate.version = 1;
    mandate.created_at = now;
    ASSIGN_OR_RETURN(
        store::Result inserted,
        tx.Execute(
            "INSERT INTO mandates(agency_id, version, purpose, case_id, case_number, predicate, "
            "level, mechanism, scope, starts_at, ends_at, storage_days, justification, "
            "requester_id, state, approved_by, approved_at, head_approved_by, head_approved_at, "
            "rejection_reason, revocation_reason, last_action, updated_by, created_at, "
            "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, "
            "$15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $24) RETURNING id",
            {mandate.agency_id,
             int64_t{mandate.version},
             mandate.purpose,
             OptionalValue(mandate.case_id),
             mandate.case_number,
             mandate.predicate,
             std::string(LevelName(mandate.level)),
             std::string(MechanismName(mandate.mechanism)),
             scope,
             mandate.starts_at,
             mandate.ends_at,
             int64_t{mandate.storage_days},
             mandate.justification,
             mandate.requester.user_id,
             std::string(StateName(mandate.state)),
             OptionalValue(approved_by),
             OptionalValue(mandate.approved_at),
             OptionalValue(head_approved_by),
             OptionalValue(mandate.head_approved_at),
             mandate.rejection_reason,
             mandate.revocation_reason,
             mandate.last_action,
             OptionalValue(updated_by),
             now}));
    mandate.id = inserted.rows.at(0).Int(0);
  } else {
    int previous = mandate.version;
    mandate.version = previous + 1;
    // Conditional on the version read: of two concurrent changes (PostgreSQL), one wins.
    ASSIGN_OR_RETURN(
        store::Result updated,
        tx.Execute(
            "UPDATE mandates SET version = $2, purpose = $3, case_id = $4, case_number = $5, "
            "predicate = $6, level = $7, mechanism = $8, scope = $9, starts_at = $10, "
            "ends_at = $11, storage_days = $12, justification = $13, state = $14, "
            "approved_by = $15, approved_at = $16, head_approved_by = $17, "
            "head_approved_at = $18, rejection_reason = $19, revocation_reason = $20, "
            "last_action = $21, updated_by = $22, updated_at = $23 "
            "WHERE id = $1 AND version = $24",
            {mandate.id,
             int64_t{mandate.version},
             mandate.purpose,
             OptionalValue(mandate.case_id),
             mandate.case_number,
             mandate.predicate,
             std::string(LevelName(mandate.level)),
             std::string(MechanismName(mandate.mechanism)),
             scope,
             mandate.starts_at,
             mandate.ends_at,
             int64_t{mandate.storage_days},
             mandate.justification,
             std::string(StateName(mandate.state)),
             OptionalValue(approved_by),
             OptionalValue(mandate.approved_at),
             OptionalValue(head_approved_by),
             OptionalValue(mandate.head_approved_at),
             mandate.rejection_reason,
             mandate.revocation_reason,
             mandate.last_action,
             OptionalValue(updated_by),
             now,
             int64_t{previous}}));
    if (updated.affected_rows != 1) {
      return absl::AbortedError("the mandate was changed meanwhile: load it again");
    }
  }
  RETURN_IF_ERROR(tx.Execute("INSERT INTO mandate_versions(mandate_id, version, action, snapshot, "
                             "changed_by, changed_by_name, changed_at) "
                             "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                             {mandate.id, int64_t{mandate.version}, mandate.last_action,
                              SnapshotOf(mandate).dump(), OptionalValue(updated_by),
                              who ? who->username : std::string("system"), now})
                      .status());
  std::string audit_detail =
      base::StrCat("version=", mandate.version, " state=", StateName(mandate.state),
                   " level=", LevelName(mandate.level));
  if (!detail.empty()) base::StrAppend(&audit_detail, " ", detail);
  audit::Record record{.actor_id = who ? std::optional<int64_t>(who->user_id) : std::nullopt,
                       .actor_name = who ? who->username : "system",
                       .agency_id = who ? std::optional<int64_t>(who->agency_id) : std::nullopt,
                       .action = base::StrCat("mandate.", mandate.last_action),
                       .object_type = "mandate",
                       .object_id = std::to_string(mandate.id),
                       .client = origin.client,
                       .request_id = origin.request_id,
                       .detail = std::move(audit_detail)};
  return trail_.Append(tx, record);
}

absl::StatusOr<Mandate> MandateService::Change(const auth::Principal& who, const Origin& origin,
                                               int64_t id, std::string_view attempt,
                                               absl::FunctionRef<absl::Status(Mandate&)> change) {
  RETURN_IF_ERROR(Get(who, id).status());  // NotFound for those who may not see it
  Mandate result;
  bool refused = false;
  absl::Status status =
      database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(Mandate mandate, Load(tx, id));
        absl::Status allowed = change(mandate);
        refused = allowed.code() == absl::StatusCode::kPermissionDenied;
        RETURN_IF_ERROR(allowed);
        RETURN_IF_ERROR(Save(tx, &who, origin, mandate, ""));
        ASSIGN_OR_RETURN(result, Load(tx, id));
        return absl::OkStatus();
      });
  if (refused) {
    // A refused decision (an approval of one's own request...) is on the record too.
    audit::Record record{.actor_id = who.user_id,
                         .actor_name = who.username,
                         .agency_id = who.agency_id,
                         .action = base::StrCat("mandate.", attempt),
                         .object_type = "mandate",
                         .object_id = std::to_string(id),
                         .client = origin.client,
                         .outcome = audit::Outcome::kDenied,
                         .request_id = origin.request_id,
                         .detail = std::string(status.message())};
    trail_.Append(record).IgnoreError();  // the refusal stands even if the record fails
  }
  RETURN_IF_ERROR(status);
  result.state = EffectiveState(result, clock_.NowMillis());
  return result;
}

absl::StatusOr<Mandate> MandateService::Create(const auth::Principal& who, const Origin& origin,
                                               NewMandate fields) {
  if (!auth::Has(who.permissions, auth::Permission::kMonitoring)) {
    return absl::PermissionDeniedError("your roles do not allow requesting monitoring mandates");
  }
  std::string case_number;
  RETURN_IF_ERROR(Validate(who, fields, Completeness::kDraft, case_number));
  Mandate mandate;
  mandate.agency_id = who.agency_id;
  mandate.purpose = std::move(fields.purpose);
  mandate.case_id = fields.case_id;
  mandate.case_number = std::move(case_number);
  mandate.predicate = std::move(fields.predicate);
  mandate.level = fields.level;
  mandate.mechanism = fields.mechanism;
  mandate.scope = std::move(fields.scope);
  mandate.starts_at = fields.starts_at;
  mandate.ends_at = fields.ends_at;
  mandate.storage_days = fields.storage_days;
  mandate.justification = std::move(fields.justification);
  mandate.requester = PersonOf(who);
  mandate.state = State::kDraft;
  mandate.last_action = "create";
  Mandate created;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        Mandate fresh = mandate;  // the body may run again (PostgreSQL retries)
        RETURN_IF_ERROR(Save(tx, &who, origin, fresh, ""));
        ASSIGN_OR_RETURN(created, Load(tx, fresh.id));
        return absl::OkStatus();
      }));
  return created;
}

absl::StatusOr<Mandate> MandateService::Update(const auth::Principal& who, const Origin& origin,
                                               int64_t id, NewMandate fields) {
  // Visibility and the right to edit first, so that someone who may not see (or change) the
  // mandate learns nothing from field errors.
  ASSIGN_OR_RETURN(Mandate current, Get(who, id));
  RETURN_IF_ERROR(CheckEdit(who, current));
  std::string case_number;
  RETURN_IF_ERROR(Validate(who, fields, Completeness::kDraft, case_number));
  return Change(who, origin, id, "update", [&](Mandate& mandate) -> absl::Status {
    RETURN_IF_ERROR(CheckEdit(who, mandate));
    mandate.purpose = fields.purpose;
    mandate.case_id = fields.case_id;
    mandate.case_number = case_number;
    mandate.predicate = fields.predicate;
    mandate.level = fields.level;
    mandate.mechanism = fields.mechanism;
    mandate.scope = fields.scope;
    mandate.starts_at = fields.starts_at;
    mandate.ends_at = fields.ends_at;
    mandate.storage_days = fields.storage_days;
    mandate.justification = fields.justification;
    // A changed request is a new request: earlier approvals do not carry over.
    mandate.state = State::kDraft;
    mandate.approved_by.reset();
    mandate.approved_at.reset();
    mandate.head_approved_by.reset();
    mandate.head_approved_at.reset();
    mandate.last_action = "update";
    return absl::OkStatus();
  });
}

absl::StatusOr<Mandate> MandateService::Submit(const auth::Principal& who, const Origin& origin,
                                               int64_t id) {
  // The whole request is checked now: a draft may still lack its scope, justification or basis.
  ASSIGN_OR_RETURN(Mandate current, Get(who, id));
  RETURN_IF_ERROR(CheckSubmit(who, current));
  NewMandate fields{.purpose = current.purpose,
                    .case_id = current.case_id,
                    .predicate = current.predicate,
                    .level = current.level,
                    .mechanism = current.mechanism,
                    .scope = current.scope,
                    .starts_at = current.starts_at,
                    .ends_at = current.ends_at,
                    .storage_days = current.storage_days,
                    .justification = current.justification};
  std::string case_number;
  RETURN_IF_ERROR(Validate(who, fields, Completeness::kSubmission, case_number));
  return Change(who, origin, id, "submit", [&](Mandate& mandate) -> absl::Status {
    RETURN_IF_ERROR(CheckSubmit(who, mandate));
    if (mandate.version != current.version) {
      return absl::AbortedError("the mandate was changed meanwhile: load it again");
    }
    mandate.case_number = case_number;
    mandate.state = State::kPending;
    mandate.rejection_reason.clear();
    mandate.last_action = "submit";
    return absl::OkStatus();
  });
}

absl::StatusOr<Mandate> MandateService::Approve(const auth::Principal& who, const Origin& origin,
                                                int64_t id) {
  return Change(who, origin, id, "approve", [&](Mandate& mandate) -> absl::Status {
    base::Millis now = clock_.NowMillis();
    RETURN_IF_ERROR(CheckApprove(who, mandate, now));
    if (!mandate.approved_by) {
      mandate.approved_by = PersonOf(who);
      mandate.approved_at = now;
      mandate.last_action = "approve";
      // A covert mandate stays pending until the head of the agency approves it too.
      if (mandate.level != Level::kCovert) mandate.state = State::kApproved;
    } else {
      mandate.head_approved_by = PersonOf(who);
      mandate.head_approved_at = now;
      mandate.last_action = "head_approve";
      mandate.state = State::kApproved;
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<Mandate> MandateService::Reject(const auth::Principal& who, const Origin& origin,
                                               int64_t id, std::string reason) {
  RETURN_IF_ERROR(Get(who, id).status());
  RETURN_IF_ERROR(ValidateText("reason", reason, kMaxReasonBytes, true));
  return Change(who, origin, id, "reject", [&](Mandate& mandate) -> absl::Status {
    RETURN_IF_ERROR(CheckReject(who, mandate));
    mandate.state = State::kRejected;
    mandate.rejection_reason = reason;
    mandate.last_action = "reject";
    return absl::OkStatus();
  });
}

absl::StatusOr<Mandate> MandateService::Revoke(const auth::Principal& who, const Origin& origin,
                                               int64_t id, std::string reason) {
  RETURN_IF_ERROR(Get(who, id).status());
  RETURN_IF_ERROR(ValidateText("reason", reason, kMaxReasonBytes, true));
  return Change(who, origin, id, "revoke", [&](Mandate& mandate) -> absl::Status {
    RETURN_IF_ERROR(CheckRevoke(who, mandate, clock_.NowMillis()));
    mandate.state = State::kRevoked;
    mandate.revocation_reason = reason;
    mandate.last_action = "revoke";
    return absl::OkStatus();
  });
}

absl::StatusOr<Mandate> MandateService::Get(const auth::Principal& who, int64_t id) {
  Mandate mandate;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(mandate, Load(tx, id));
        return absl::OkStatus();
      }));
  ASSIGN_OR_RETURN(bool visible, CanSee(who, mandate));
  if (!visible) return MandateNotFound();
  mandate.state = EffectiveState(mandate, clock_.NowMillis());
  return mandate;
}

absl::StatusOr<std::vector<Mandate>> MandateService::List(const auth::Principal& who,
                                                          const Filter& filter) {
  if (filter.limit < 1 || filter.limit > 1000) return base::InvalidField("limit", "1..1000");
  // Whoever may see a mandate is of its agency (a case's members are of the case's agency, and
  // the requester may change the case) or requested it: the rest is decided per mandate.
  std::vector<Mandate> candidates;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(store::Result result,
                         tx.Execute(base::StrCat(kMandateColumns,
                                                 " WHERE m.requester_id = $1 OR m.agency_id = $2 "
                                                 "ORDER BY m.updated_at DESC, m.id DESC"),
                                    {who.user_id, who.agency_id}));
        for (const store::Row& row : result.rows) candidates.push_back(MandateFromRow(row));
        return absl::OkStatus();
      }));
  base::Millis now = clock_.NowMillis();
  std::map<int64_t, bool> case_visible;  // asked once per case
  std::vector<Mandate> found;
  for (Mandate& mandate : candidates) {
    if (static_cast<int>(found.size()) >= filter.limit) break;
    mandate.state = EffectiveState(mandate, now);
    if (filter.state && mandate.state != *filter.state) continue;
    if (filter.awaiting_my_approval && !CheckApprove(who, mandate, now).ok()) continue;
    bool visible = who.user_id == mandate.requester.user_id ||
                   IsSupervisorOf(who, mandate.agency_id) ||
                   IsHead(who, mandate.agency_head_user_id);
    if (!visible && mandate.case_id) {
      auto cached = case_visible.find(*mandate.case_id);
      if (cached == case_visible.end()) {
        ASSIGN_OR_RETURN(bool readable, CanSee(who, mandate));
        cached = case_visible.emplace(*mandate.case_id, readable).first;
      }
      visible = cached->second;
    }
    if (visible) found.push_back(std::move(mandate));
  }
  return found;
}

absl::StatusOr<std::vector<Mandate>> MandateService::Versions(const auth::Principal& who,
                                                              int64_t id) {
  RETURN_IF_ERROR(Get(who, id).status());
  std::vector<Mandate> versions;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(store::Result result,
                         tx.Execute("SELECT snapshot FROM mandate_versions WHERE mandate_id = $1 "
                                    "ORDER BY version",
                                    {id}));
        for (const store::Row& row : result.rows) {
          ASSIGN_OR_RETURN(Mandate version, FromSnapshot(row.Text(0)));
          versions.push_back(std::move(version));
        }
        return absl::OkStatus();
      }));
  return versions;
}

absl::StatusOr<std::string> MandateService::RequestPdf(const auth::Principal& who, int64_t id,
                                                       std::string_view language) {
  if (!internal::IsRequestLanguage(language)) {
    return base::InvalidField("lang", "expected kk, ru or en");
  }
  ASSIGN_OR_RETURN(Mandate mandate, Get(who, id));
  std::string agency_name;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(store::Result agency, tx.Execute("SELECT name FROM agencies WHERE id = $1",
                                                          {mandate.agency_id}));
        if (!agency.rows.empty()) agency_name = agency.rows[0].Text(0);
        return absl::OkStatus();
      }));
  return internal::RenderRequestPdf(mandate, agency_name, language, clock_.NowMillis());
}

absl::StatusOr<int64_t> MandateService::ExpireDue() {
  base::Millis now = clock_.NowMillis();
  ASSIGN_OR_RETURN(store::Result due,
                   database_.Execute(base::StrCat("SELECT id FROM mandates WHERE state = "
                                                  "'approved' AND ends_at <= $1 ORDER BY id "
                                                  "LIMIT ",
                                                  kExpireBatch),
                                     {now}, store::TxMode::kRead));
  Origin origin{"scheduler", ""};
  int64_t expired = 0;
  for (const store::Row& row : due.rows) {
    int64_t id = row.Int(0);
    bool done = false;
    absl::Status status =
        database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
          done = false;
          ASSIGN_OR_RETURN(Mandate mandate, Load(tx, id));
          if (mandate.state != State::kApproved || mandate.ends_at > now) return absl::OkStatus();
          mandate.state = State::kExpired;
          mandate.last_action = "expire";
          RETURN_IF_ERROR(Save(tx, nullptr, origin, mandate, ""));
          done = true;
          return absl::OkStatus();
        });
    if (status.code() == absl::StatusCode::kAborted) continue;  // another instance was first
    RETURN_IF_ERROR(status);
    if (done) ++expired;
  }
  return expired;
}

absl::StatusOr<Mandate> MandateService::GetForCollection(int64_t id) {
  Mandate mandate;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(mandate, Load(tx, id));
        return absl::OkStatus();
      }));
  mandate.state = EffectiveState(mandate, clock_.NowMillis());
  return mandate;
}

// ---- personas ----

absl::StatusOr<Persona> MandateService::LoadPersona(store::Transaction& tx, int64_t id) {
  ASSIGN_OR_RETURN(store::Result found,
                   tx.Execute(base::StrCat(kPersonaColumns, " WHERE p.id = $1"), {id}));
  if (found.rows.empty()) return PersonaNotFound();
  const store::Row& row = found.rows[0];
  Persona persona;
  persona.id = row.Int(0);
  persona.agency_id = row.Int(1);
  persona.platform = row.Text(2);
  persona.handle = row.Text(3);
  persona.display_name = row.Text(4);
  persona.controller = cases::Person{row.Int(5), row.Text(6), row.Text(7)};
  persona.status = row.Text(8);
  persona.created_at = row.Int(9);
  persona.updated_at = row.Int(10);
  ASSIGN_OR_RETURN(store::Result mandates,
                   tx.Execute("SELECT mandate_id FROM persona_mandates WHERE persona_id = $1 "
                              "ORDER BY mandate_id",
                              {id}));
  for (const store::Row& mandate : mandates.rows) persona.mandate_ids.push_back(mandate.Int(0));
  return persona;
}

absl::Status MandateService::ValidatePersona(const auth::Principal& who, NewPersona& fields) {
  fields.platform = base::AsciiStrToLower(base::StripAsciiWhitespace(fields.platform));
  if (!IsPlatformName(fields.platform)) {
    return base::InvalidField("platform",
                              "required: telegram, vk, ... (lower-case Latin letters, digits, "
                              "'_', '-' and '.')");
  }
  fields.handle = std::string(base::StripAsciiWhitespace(fields.handle));
  RETURN_IF_ERROR(ValidateLine("handle", fields.handle, kMaxPersonaTextBytes, true));
  RETURN_IF_ERROR(ValidateLine("display_name", fields.display_name, kMaxPersonaTextBytes, true));
  if (fields.mandate_ids.size() > kMaxPersonaMandates) {
    return base::InvalidField("mandate_ids", "too many mandates");
  }
  std::sort(fields.mandate_ids.begin(), fields.mandate_ids.end());
  fields.mandate_ids.erase(std::unique(fields.mandate_ids.begin(), fields.mandate_ids.end()),
                           fields.mandate_ids.end());
  for (int64_t mandate_id : fields.mandate_ids) {
    absl::StatusOr<Mandate> mandate = Get(who, mandate_id);
    if (mandate.status().code() == absl::StatusCode::kNotFound) {
      return base::InvalidField("mandate_ids",
                                base::StrCat("no mandate ", mandate_id, " that you may see"));
    }
    RETURN_IF_ERROR(mandate.status());
    if (mandate->agency_id != who.agency_id) {
      return base::InvalidField("mandate_ids",
                                base::StrCat("mandate ", mandate_id, " is another agency's"));
    }
    if (mandate->mechanism != Mechanism::kPersona) {
      return base::InvalidField(
          "mandate_ids", base::StrCat("mandate ", mandate_id,
                                      " does not authorise an online persona (its mechanism is ",
                                      MechanismName(mandate->mechanism), ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status MandateService::RecordPersona(store::Transaction& tx, const auth::Principal& who,
                                           const Origin& origin, std::string action,
                                           int64_t persona_id, std::string detail) {
  audit::Record record{.actor_id = who.user_id,
                       .actor_name = who.username,
                       .agency_id = who.agency_id,
                       .action = std::move(action),
                       .object_type = "persona",
                       .object_id = std::to_string(persona_id),
                       .client = origin.client,
                       .request_id = origin.request_id,
                       .detail = std::move(detail)};
  return trail_.Append(tx, record);
}

namespace {

// The persona's mandates as the audit detail: the handle of a covert persona stays out of it.
std::string PersonaDetail(const Persona& persona) {
  std::vector<std::string> ids;
  for (int64_t id : persona.mandate_ids) ids.push_back(std::to_string(id));
  return base::StrCat("platform=", persona.platform, " status=", persona.status,
                      " controller=", persona.controller.user_id,
                      " mandates=", base::StrJoin(ids, ","));
}

absl::Status WritePersonaMandates(store::Transaction& tx, int64_t persona_id,
                                  const std::vector<int64_t>& mandate_ids) {
  RETURN_IF_ERROR(
      tx.Execute("DELETE FROM persona_mandates WHERE persona_id = $1", {persona_id}).status());
  for (int64_t mandate_id : mandate_ids) {
    RETURN_IF_ERROR(tx.Execute("INSERT INTO persona_mandates(persona_id, mandate_id) "
                               "VALUES ($1, $2)",
                               {persona_id, mandate_id})
                        .status());
  }
  return absl::OkStatus();
}

absl::Status ExplainPersonaConflict(absl::Status status) {
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return base::FieldError(absl::StatusCode::kAlreadyExists, "handle",
                            "the agency already has a persona with this handle on this platform");
  }
  return status;
}

}  // namespace

absl::StatusOr<Persona> MandateService::CreatePersona(const auth::Principal& who,
                                                      const Origin& origin, NewPersona fields) {
  if (!auth::Has(who.permissions, auth::Permission::kMonitoring)) {
    return absl::PermissionDeniedError("your roles do not allow monitoring");
  }
  RETURN_IF_ERROR(ValidatePersona(who, fields));
  int64_t controller = fields.controller_user_id.value_or(who.user_id);
  Persona created;
  absl::Status status =
      database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(std::optional<int64_t> head, AgencyHead(tx, who.agency_id));
        if (controller != who.user_id && !IsSupervisorOf(who, who.agency_id) &&
            !IsHead(who, head)) {
          return absl::PermissionDeniedError(
              "only a supervisor or the head of the agency assigns a persona to another officer");
        }
        ASSIGN_OR_RETURN(bool may_control,
                         IsActiveWithRole(tx, controller, who.agency_id, kMonitoringRoles));
        if (!may_control) {
          return base::InvalidField("controller_user_id",
                                    "the controlling officer must be an active investigator, "
                                    "analyst or supervisor of your agency");
        }
        base::Millis now = clock_.NowMillis();
        ASSIGN_OR_RETURN(
            store::Result inserted,
            tx.Execute("INSERT INTO personas(agency_id, platform, handle, display_name, "
                       "controller_id, status, created_by, created_at, updated_at) "
                       "VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $7) RETURNING id",
                       {who.agency_id, fields.platform, fields.handle, fields.display_name,
                        controller, who.user_id, now}));
        int64_t id = inserted.rows.at(0).Int(0);
        RETURN_IF_ERROR(WritePersonaMandates(tx, id, fields.mandate_ids));
        ASSIGN_OR_RETURN(created, LoadPersona(tx, id));
        return RecordPersona(tx, who, origin, "persona.create", id, PersonaDetail(created));
      });
  RETURN_IF_ERROR(ExplainPersonaConflict(status));
  return created;
}

absl::StatusOr<Persona> MandateService::UpdatePersona(const auth::Principal& who,
                                                      const Origin& origin, int64_t id,
                                                      NewPersona fields,
                                                      std::optional<std::string> status) {
  ASSIGN_OR_RETURN(Persona before, GetPersona(who, id));
  if (status && !Contains(kPersonaStatuses, *status)) {
    return base::InvalidField("status", "expected active, suspended or retired");
  }
  RETURN_IF_ERROR(ValidatePersona(who, fields));
  Persona updated;
  absl::Status result =
      database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(Persona persona, LoadPersona(tx, id));
        ASSIGN_OR_RETURN(std::optional<int64_t> head, AgencyHead(tx, persona.agency_id));
        if (!CanSeePersona(who, persona, head)) return PersonaNotFound();
        int64_t controller = fields.controller_user_id.value_or(persona.controller.user_id);
        if (controller != persona.controller.user_id) {
          if (!IsSupervisorOf(who, persona.agency_id) && !IsHead(who, head)) {
            return absl::PermissionDeniedError(
                "only a supervisor or the head of the agency hands a persona to another officer");
          }
          ASSIGN_OR_RETURN(bool may_control,
                           IsActiveWithRole(tx, controller, persona.agency_id, kMonitoringRoles));
          if (!may_control) {
            return base::InvalidField("controller_user_id",
                                      "the controlling officer must be an active investigator, "
                                      "analyst or supervisor of the persona's agency");
          }
        }
        RETURN_IF_ERROR(
            tx.Execute("UPDATE personas SET platform = $2, handle = $3, "
                       "display_name = $4, controller_id = $5, status = $6, "
                       "updated_at = $7 WHERE id = $1",
                       {id, fields.platform, fields.handle, fields.display_name, controller,
                        status.value_or(persona.status), clock_.NowMillis()})
                .status());
        RETURN_IF_ERROR(WritePersonaMandates(tx, id, fields.mandate_ids));
        ASSIGN_OR_RETURN(updated, LoadPersona(tx, id));
        return RecordPersona(tx, who, origin, "persona.update", id, PersonaDetail(updated));
      });
  RETURN_IF_ERROR(ExplainPersonaConflict(result));
  return updated;
}

absl::StatusOr<std::vector<Persona>> MandateService::ListPersonas(const auth::Principal& who) {
  std::vector<Persona> personas;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(store::Result result,
                         tx.Execute("SELECT p.id FROM personas p WHERE p.agency_id = $1 OR "
                                    "p.controller_id = $2 ORDER BY p.platform, p.handle, p.id",
                                    {who.agency_id, who.user_id}));
        std::map<int64_t, std::optional<int64_t>> heads;
        for (const store::Row& row : result.rows) {
          ASSIGN_OR_RETURN(Persona persona, LoadPersona(tx, row.Int(0)));
          auto head = heads.find(persona.agency_id);
          if (head == heads.end()) {
            ASSIGN_OR_RETURN(std::optional<int64_t> loaded, AgencyHead(tx, persona.agency_id));
            head = heads.emplace(persona.agency_id, loaded).first;
          }
          if (CanSeePersona(who, persona, head->second)) personas.push_back(std::move(persona));
        }
        return absl::OkStatus();
      }));
  return personas;
}

absl::StatusOr<Persona> MandateService::GetPersona(const auth::Principal& who, int64_t id) {
  Persona persona;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(persona, LoadPersona(tx, id));
        ASSIGN_OR_RETURN(std::optional<int64_t> head, AgencyHead(tx, persona.agency_id));
        if (!CanSeePersona(who, persona, head)) return PersonaNotFound();
        return absl::OkStatus();
      }));
  return persona;
}

}  // namespace threathub::mandates
