#include "requests/rules.h"

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "base/errors.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "requests/internal/zones.h"

namespace threathub::requests {
namespace {

constexpr base::Millis kHour = 3'600'000;
constexpr std::string_view kUtc = "UTC";

// Rule ids of the directory's legal_rules this engine applies.
constexpr std::string_view kUs2703f = "us-2703f";        // 18 U.S.C. 2703(f)(2)
constexpr std::string_view kBudapest29 = "budapest-29";  // ETS 185 Art. 29(7)
constexpr std::string_view kEuEpoc = "eu-epoc";          // Regulation (EU) 2023/1543 Art. 10
constexpr std::string_view kEuValidation = "eu-emergency-validation";  // 2023/1543 Art. 4(5)

constexpr std::array<std::pair<RequestType, std::string_view>, 7> kTypes = {{
    {RequestType::kPreservation, "preservation"},
    {RequestType::kPreservationExtension, "preservation_extension"},
    {RequestType::kVoluntaryDisclosure, "voluntary_disclosure"},
    {RequestType::kEmergencyDisclosure, "emergency_disclosure"},
    {RequestType::kProductionOrder, "production_order"},
    {RequestType::kMlaRequest, "mla_request"},
    {RequestType::kNetwork247, "network_24_7"},
}};

absl::StatusOr<absl::TimeZone> Zone(std::string_view name, std::string_view field) {
  absl::TimeZone zone;
  if (!internal::LoadZone(name, &zone)) {
    return base::InvalidField(field, "is not a known IANA time zone (e.g. \"Asia/Almaty\")");
  }
  return zone;
}

LocalTime Local(base::Millis instant, const absl::TimeZone& zone, std::string_view name) {
  absl::Time time = absl::FromUnixMillis(instant);
  return LocalTime{std::string(name), absl::FormatTime("%Y-%m-%d", time, zone),
                   absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", time, zone)};
}

base::Millis AddDays(base::Millis instant, int days, const absl::TimeZone& zone) {
  absl::CivilSecond civil = absl::ToCivilSecond(absl::FromUnixMillis(instant), zone);
  absl::CivilDay day = absl::CivilDay(civil) + days;
  absl::CivilSecond moved(day.year(), day.month(), day.day(), civil.hour(), civil.minute(),
                          civil.second());
  // Keep the milliseconds the civil time drops.
  base::Millis fraction = ((instant % 1000) + 1000) % 1000;
  return absl::ToUnixMillis(absl::FromCivil(moved, zone)) + fraction;
}

// What the chain tells about the preservation and the problems it raised.
struct ChainState {
  std::optional<base::Millis> expires;
  std::string expiry_rule_id;
  std::string expiry_source;
  Confidence expiry_confidence = Confidence::kUnverified;
  int extensions = 0;
  bool extension_refused = false;  // over the limit: the provider will not extend
  std::vector<Problem> problems;
};

class Engine {
 public:
  Engine(const Directory& directory, const DeadlineInput& input, absl::TimeZone user_zone,
         absl::TimeZone provider_zone, std::string provider_zone_name)
      : directory_(directory),
        input_(input),
        user_zone_(user_zone),
        provider_zone_(provider_zone),
        provider_zone_name_(std::move(provider_zone_name)) {}

  absl::StatusOr<Schedule> Run() {
    ChainState state;
    for (const RequestFacts& request : input_.chain) {
      if (request.type == RequestType::kPreservation) {
        RETURN_IF_ERROR(Preserve(request, state));
      } else if (request.type == RequestType::kPreservationExtension) {
        RETURN_IF_ERROR(Extend(request, state));
      }
    }
    Schedule schedule;
    schedule.provider_zone = provider_zone_name_;
    schedule.extensions_so_far = state.extensions;
    schedule.preserved_until = state.expires;
    schedule.problems = state.problems;
    if (state.expires) {
      schedule.deadlines.push_back(
          Make(DeadlineKind::kPreservationExpires, state.expiry_rule_id, state.expiry_source,
               state.expiry_confidence,
               "the preservation ends: the data may be deleted unless legal process arrived",
               *state.expires, false, false));
      const PreservationRule* rule = Preservation();
      bool may_extend = !state.extension_refused && !(rule != nullptr && rule->max_extensions &&
                                                      state.extensions >= *rule->max_extensions);
      if (rule != nullptr && rule->extension_lead_days && may_extend) {
        schedule.deadlines.push_back(Make(
            DeadlineKind::kLatestExtension, ProviderRuleId("extension-lead"),
            rule->provenance.source, rule->provenance.confidence,
            base::StrCat("an extension must arrive at least ", *rule->extension_lead_days,
                         " days before the preservation ends"),
            AddDays(*state.expires, -*rule->extension_lead_days, provider_zone_), false, false));
      }
    }
    RETURN_IF_ERROR(TypeDeadlines(input_.chain.back(), schedule));
    std::stable_sort(
        schedule.deadlines.begin(), schedule.deadlines.end(),
        [](const Deadline& left, const Deadline& right) { return left.due < right.due; });
    return schedule;
  }

 private:
  const PreservationRule* Preservation() const {
    if (input_.provider == nullptr || !input_.provider->preservation) return nullptr;
    return &*input_.provider->preservation;
  }
  bool UsEntity() const { return input_.entity != nullptr && input_.entity->jurisdiction == "US"; }
  std::string ProviderRuleId(std::string_view what) const {
    return base::StrCat(input_.provider == nullptr ? "state" : input_.provider->id, "-", what);
  }

  absl::StatusOr<const LegalRule*> Rule(std::string_view id) const {
    const LegalRule* rule = directory_.FindRule(id);
    if (rule == nullptr) {
      return absl::FailedPreconditionError(
          base::StrCat("the directory has no legal rule \"", id, "\""));
    }
    return rule;
  }

  Deadline Make(DeadlineKind kind, std::string rule_id, std::string source, Confidence confidence,
                std::string text, base::Millis due, bool comparison_only, bool in_hours) const {
    Deadline deadline;
    deadline.kind = kind;
    deadline.rule_id = std::move(rule_id);
    deadline.source = std::move(source);
    deadline.confidence = confidence;
    deadline.text = std::move(text);
    deadline.due = due;
    deadline.comparison_only = comparison_only;
    deadline.in_hours = in_hours;
    deadline.user_local = Local(due, user_zone_, input_.user_zone);
    deadline.provider_local = Local(due, provider_zone_, provider_zone_name_);
    return deadline;
  }

  absl::Status Preserve(const RequestFacts& request, ChainState& state) {
    std::optional<base::Millis> start = request.preserved_at;
    if (!start) start = request.acknowledged_at;
    if (!start) start = request.sent_at;
    if (!start) return absl::OkStatus();  // a draft: nothing runs yet
    state.extensions = 0;
    state.extension_refused = false;
    const PreservationRule* rule = Preservation();
    if (request.preserved_until) {
      state.expires = request.preserved_until;
      state.expiry_rule_id = ProviderRuleId("stated-end");
      state.expiry_source = "the provider's acknowledgement";
      state.expiry_confidence = Confidence::kVerified;
      return absl::OkStatus();
    }
    if (rule != nullptr) {
      state.expires = AddDays(*start, rule->days, provider_zone_);
      state.expiry_rule_id = ProviderRuleId("preservation");
      state.expiry_source = rule->provenance.source;
      state.expiry_confidence = rule->provenance.confidence;
      return absl::OkStatus();
    }
    if (UsEntity()) {
      ASSIGN_OR_RETURN(const LegalRule* us, Rule(kUs2703f));
      state.expires = AddDays(*start, us->days.value_or(90), provider_zone_);
      state.expiry_rule_id = us->id;
      state.expiry_source = us->provenance.source;
      state.expiry_confidence = us->provenance.confidence;
      return absl::OkStatus();
    }
    state.expires.reset();
    state.problems.push_back(
        {"period_unknown", "", "",
         "the directory knows no preservation period for this provider: ask it to state the end "
         "date"});
    return absl::OkStatus();
  }

  absl::Status Extend(const RequestFacts& request, ChainState& state) {
    ++state.extensions;
    const PreservationRule* rule = Preservation();
    if (rule != nullptr && rule->max_extensions && state.extensions > *rule->max_extensions) {
      state.extension_refused = true;
      state.problems.push_back(
          {"extension_limit", ProviderRuleId("extension-limit"), rule->provenance.source,
           base::StrCat("the provider allows ", *rule->max_extensions,
                        " extension(s) only; this is extension ", state.extensions,
                        ": legal process (MLA) must arrive before the preservation ends")});
      return absl::OkStatus();
    }
    if (!request.sent_at || !state.expires) {
      if (request.preserved_until) state.expires = request.preserved_until;
      return absl::OkStatus();
    }
    if (*request.sent_at >= *state.expires) {
      state.extension_refused = true;
      state.problems.push_back(
          {"preservation_expired", state.expiry_rule_id, state.expiry_source,
           "the extension was sent after the preservation ended: send a new preservation "
           "request"});
      return absl::OkStatus();
    }
    if (rule != nullptr && rule->extension_lead_days &&
        *request.sent_at > AddDays(*state.expires, -*rule->extension_lead_days, provider_zone_)) {
      state.problems.push_back(
          {"extension_too_late", ProviderRuleId("extension-lead"), rule->provenance.source,
           base::StrCat("the provider wants an extension at least ", *rule->extension_lead_days,
                        " days before the preservation ends; this one was sent later")});
    }
    if (request.preserved_until) {
      state.expires = request.preserved_until;
      state.expiry_rule_id = ProviderRuleId("stated-end");
      state.expiry_source = "the provider's acknowledgement";
      state.expiry_confidence = Confidence::kVerified;
      return absl::OkStatus();
    }
    if (rule != nullptr && rule->extension_days) {
      state.expires = AddDays(*state.expires, *rule->extension_days, provider_zone_);
      state.expiry_rule_id = ProviderRuleId("extension");
      state.expiry_source = rule->provenance.source;
      state.expiry_confidence = rule->provenance.confidence;
    } else if (UsEntity()) {
      ASSIGN_OR_RETURN(const LegalRule* us, Rule(kUs2703f));
      state.expires = AddDays(*state.expires, us->extension_days.value_or(90), provider_zone_);
      state.expiry_rule_id = us->id;
      state.expiry_source = us->provenance.source;
      state.expiry_confidence = us->provenance.confidence;
    } else if (rule != nullptr) {
      state.expires = AddDays(*state.expires, rule->days, provider_zone_);
      state.expiry_rule_id = ProviderRuleId("preservation");
      state.expiry_source = rule->provenance.source;
      state.expiry_confidence = rule->provenance.confidence;
    }
    return absl::OkStatus();
  }

  absl::Status TypeDeadlines(const RequestFacts& request, Schedule& schedule) const {
    if (!request.sent_at) return absl::OkStatus();
    const base::Millis sent = *request.sent_at;
    switch (request.type) {
      case RequestType::kNetwork247: {
        ASSIGN_OR_RETURN(const LegalRule* rule, Rule(kBudapest29));
        base::Millis start = request.acknowledged_at.value_or(sent);
        schedule.deadlines.push_back(Make(
            DeadlineKind::kMlaBy, rule->id, rule->provenance.source, rule->provenance.confidence,
            base::StrCat("a party keeps data preserved on request for at least ",
                         rule->days.value_or(60), " days: the MLA request should arrive by then",
                         input_.requester_budapest_party
                             ? ""
                             : " (the requesting State is not a party: comparison only)"),
            AddDays(start, rule->days.value_or(60), provider_zone_),
            !input_.requester_budapest_party, false));
        break;
      }
      case RequestType::kProductionOrder:
      case RequestType::kMlaRequest:
      case RequestType::kVoluntaryDisclosure: {
        ASSIGN_OR_RETURN(const LegalRule* rule, Rule(kEuEpoc));
        schedule.deadlines.push_back(
            Make(DeadlineKind::kResponseDue, rule->id, rule->provenance.source,
                 rule->provenance.confidence,
                 base::StrCat("an EU production order is answered within ", rule->days.value_or(10),
                              " days (comparison only)"),
                 AddDays(sent, rule->days.value_or(10), provider_zone_), true, false));
        break;
      }
      case RequestType::kEmergencyDisclosure: {
        ASSIGN_OR_RETURN(const LegalRule* rule, Rule(kEuEpoc));
        ASSIGN_OR_RETURN(const LegalRule* validation, Rule(kEuValidation));
        schedule.deadlines.push_back(
            Make(DeadlineKind::kResponseDue, rule->id, rule->provenance.source,
                 rule->provenance.confidence,
                 base::StrCat("an EU production order in an emergency is answered within ",
                              rule->hours.value_or(8), " hours (comparison only)"),
                 sent + rule->hours.value_or(8) * kHour, true, true));
        schedule.deadlines.push_back(
            Make(DeadlineKind::kValidation, validation->id, validation->provenance.source,
                 validation->provenance.confidence,
                 base::StrCat("an EU emergency order without prior validation is validated within ",
                              validation->hours.value_or(48), " hours (comparison only)"),
                 sent + validation->hours.value_or(48) * kHour, true, true));
        break;
      }
      case RequestType::kPreservation:
      case RequestType::kPreservationExtension:
        break;
    }
    return absl::OkStatus();
  }

  const Directory& directory_;
  const DeadlineInput& input_;
  absl::TimeZone user_zone_;
  absl::TimeZone provider_zone_;
  std::string provider_zone_name_;
};

absl::Status CheckChain(const std::vector<RequestFacts>& chain) {
  if (chain.empty()) return base::InvalidField("chain", "is empty");
  if (chain.front().type == RequestType::kPreservationExtension) {
    return base::InvalidField("type", "an extension needs the preservation it extends");
  }
  std::optional<base::Millis> previous_sent;
  for (size_t index = 0; index < chain.size(); ++index) {
    const RequestFacts& request = chain[index];
    if (index > 0) {
      const RequestFacts& previous = chain[index - 1];
      if (request.previous_id != previous.id) {
        return base::InvalidField("previous_id",
                                  base::StrCat("request ", index, " does not name the one before"));
      }
      if (!MayFollow(previous.type, request.type)) {
        return base::InvalidField(
            "type", base::StrCat("a ", RequestTypeName(request.type), " request cannot follow a ",
                                 RequestTypeName(previous.type), " request"));
      }
    }
    if (request.sent_at) {
      if (previous_sent && *request.sent_at < *previous_sent) {
        return base::InvalidField("sent_at",
                                  "is before the previous request of the chain was sent");
      }
      previous_sent = request.sent_at;
      if (request.acknowledged_at && *request.acknowledged_at < *request.sent_at) {
        return base::InvalidField("acknowledged_at", "is before the request was sent");
      }
      if (request.preserved_at && *request.preserved_at < *request.sent_at) {
        return base::InvalidField("preserved_at", "is before the request was sent");
      }
    } else if (request.acknowledged_at || request.preserved_at) {
      return base::InvalidField("sent_at", "is missing while the request was acknowledged");
    }
    if (request.preserved_until) {
      std::optional<base::Millis> from = request.preserved_at;
      if (!from) from = request.sent_at;
      if (from && *request.preserved_until <= *from) {
        return base::InvalidField("preserved_until", "is not after the preservation began");
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view RequestTypeName(RequestType type) {
  for (const auto& [candidate, name] : kTypes) {
    if (candidate == type) return name;
  }
  return "";
}

std::optional<RequestType> ParseRequestType(std::string_view name) {
  for (const auto& [candidate, candidate_name] : kTypes) {
    if (candidate_name == name) return candidate;
  }
  return std::nullopt;
}

bool MayFollow(RequestType previous, RequestType next) {
  using enum RequestType;
  switch (next) {
    case kPreservationExtension:
      return previous == kPreservation || previous == kPreservationExtension;
    case kMlaRequest:
      return previous == kPreservation || previous == kPreservationExtension ||
             previous == kNetwork247 || previous == kEmergencyDisclosure ||
             previous == kVoluntaryDisclosure;
    case kProductionOrder:
      return previous != kProductionOrder;
    case kPreservation:
      return previous == kNetwork247 || previous == kEmergencyDisclosure;
    case kEmergencyDisclosure:
    case kVoluntaryDisclosure:
      return previous == kPreservation || previous == kPreservationExtension;
    case kNetwork247:
      return false;
  }
  return false;
}

std::string_view DeadlineKindName(DeadlineKind kind) {
  switch (kind) {
    case DeadlineKind::kPreservationExpires:
      return "preservation_expires";
    case DeadlineKind::kLatestExtension:
      return "latest_extension";
    case DeadlineKind::kMlaBy:
      return "mla_by";
    case DeadlineKind::kResponseDue:
      return "response_due";
    case DeadlineKind::kValidation:
      return "validation";
  }
  return "";
}

absl::StatusOr<Schedule> ComputeDeadlines(const Directory& directory, const DeadlineInput& input) {
  RETURN_IF_ERROR(CheckChain(input.chain));
  ASSIGN_OR_RETURN(absl::TimeZone user_zone, Zone(input.user_zone, "user_zone"));
  DeadlineInput resolved = input;
  if (resolved.provider != nullptr && resolved.entity == nullptr) {
    for (const LegalEntity& entity : resolved.provider->entities) {
      if (entity.applies_to.is_default) resolved.entity = &entity;
    }
  }
  std::string provider_zone_name(kUtc);
  if (resolved.entity != nullptr) provider_zone_name = resolved.entity->time_zone;
  ASSIGN_OR_RETURN(absl::TimeZone provider_zone, Zone(provider_zone_name, "entity.time_zone"));
  Engine engine(directory, resolved, user_zone, provider_zone, provider_zone_name);
  return engine.Run();
}

std::vector<Reminder> Reminders(const Deadline& deadline) {
  absl::TimeZone user_zone, provider_zone;
  if (!internal::LoadZone(deadline.user_local.zone, &user_zone)) user_zone = absl::UTCTimeZone();
  if (!internal::LoadZone(deadline.provider_local.zone, &provider_zone)) {
    provider_zone = absl::UTCTimeZone();
  }
  std::vector<std::pair<base::Millis, std::string>> instants;
  if (deadline.in_hours) {
    instants = {{deadline.due - kHour, "1_hour_before"}, {deadline.due, "at_deadline"}};
  } else {
    instants = {{AddDays(deadline.due, -14, user_zone), "14_days_before"},
                {AddDays(deadline.due, -7, user_zone), "7_days_before"},
                {deadline.due, "at_deadline"}};
  }
  std::vector<Reminder> reminders;
  for (auto& [at, label] : instants) {
    reminders.push_back(Reminder{at, std::move(label),
                                 Local(at, user_zone, deadline.user_local.zone),
                                 Local(at, provider_zone, deadline.provider_local.zone)});
  }
  return reminders;
}

absl::StatusOr<std::vector<RetentionWarning>> RetentionWarnings(
    const Directory& directory, const Provider* provider, std::string_view operator_country,
    std::string_view operator_kind, base::Millis event_at, base::Millis now,
    std::string_view user_zone) {
  ASSIGN_OR_RETURN(absl::TimeZone zone, Zone(user_zone, "user_zone"));
  std::string country;
  if (!operator_country.empty()) {
    absl::StatusOr<std::string> normalized = NormalizeCountry(operator_country);
    if (!normalized.ok()) {
      return base::InvalidField("operator_country",
                                "must be a two-letter ISO 3166-1 code such as \"RU\"");
    }
    country = *normalized;
  }
  std::vector<const RetentionPeriod*> periods;
  std::set<std::string> seen;
  if (provider != nullptr) {
    for (const std::string& id : provider->retention_ids) {
      const RetentionPeriod* period = directory.FindRetention(id);
      if (period != nullptr && seen.insert(period->id).second) periods.push_back(period);
    }
  }
  if (!country.empty()) {
    for (const RetentionPeriod& period : directory.retention_periods()) {
      bool in_country = std::find(period.countries.begin(), period.countries.end(), country) !=
                        period.countries.end();
      bool kind_matches = operator_kind.empty() || period.operator_kind == operator_kind;
      if (in_country && kind_matches && seen.insert(period.id).second) {
        periods.push_back(&period);
      }
    }
  }
  std::vector<RetentionWarning> warnings;
  for (const RetentionPeriod* period : periods) {
    RetentionWarning warning;
    warning.retention_id = period->id;
    warning.data = period->data;
    warning.source = period->provenance.source;
    warning.confidence = period->provenance.confidence;
    if (period->days) {
      base::Millis before = AddDays(event_at, *period->days, zone);
      warning.request_before = before;
      warning.user_local = Local(before, zone, user_zone);
      warning.already_gone = now >= before;
      warning.message =
          warning.already_gone
              ? base::StrCat(period->data, " data at this operator is kept ", *period->days,
                             " days: the period ended on ", warning.user_local->date,
                             "; the data may already be deleted")
              : base::StrCat(period->data, " data at this operator is kept ", *period->days,
                             " days: request before ", warning.user_local->date, " (", user_zone,
                             ")");
    } else {
      std::string_view text = period->text;
      while (!text.empty() && (text.back() == '.' || text.back() == ' ')) text.remove_suffix(1);
      warning.message = base::StrCat(text, ": request at once");
    }
    warnings.push_back(std::move(warning));
  }
  return warnings;
}

absl::StatusOr<LocalTime> ToLocal(base::Millis instant, std::string_view zone) {
  ASSIGN_OR_RETURN(absl::TimeZone loaded, Zone(zone, "zone"));
  return Local(instant, loaded, zone);
}

absl::StatusOr<base::Millis> AddCivilDays(base::Millis instant, int days, std::string_view zone) {
  ASSIGN_OR_RETURN(absl::TimeZone loaded, Zone(zone, "zone"));
  return AddDays(instant, days, loaded);
}

int64_t HoursBetween(base::Millis from, base::Millis to) { return (to - from) / kHour; }

}  // namespace threathub::requests
