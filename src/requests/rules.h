// The deadline rule engine: given a request (its type, the provider and legal entity it goes to,
// its dates) and the chain of requests before it, the deadlines that follow, each naming the
// rule it comes from and that rule's source; reminder instants for a deadline; retention
// warnings ("traffic data at this operator is kept 30 days: request before <date>").
//
// Pure: no database, no clock (the caller passes instants). Times are UTC milliseconds; dates
// are counted in civil days of the zone that owns the deadline (the provider's entity zone for
// its preservation period, so 90 days across a DST change are 90 calendar days, not 2160
// hours), and every instant is also shown in the user's zone (default Asia/Almaty) and the
// provider's zone.
//
//   requests::RequestFacts preservation{.id = "1", .type = requests::RequestType::kPreservation,
//                                       .sent_at = sent, .acknowledged_at = acknowledged};
//   requests::DeadlineInput input{.provider = tiktok, .entity = entity,
//                                 .chain = {preservation}};
//   ASSIGN_OR_RETURN(requests::Schedule schedule, requests::ComputeDeadlines(directory, input));
//   for (const requests::Deadline& deadline : schedule.deadlines)
//     for (const requests::Reminder& reminder : requests::Reminders(deadline))
//       queue(reminder.at, deadline.rule_id);
//
// Chains: preservation -> preservation_extension (repeated) -> mla_request -> production_order;
// every request but the first names the one before it (previous_id). An emergency or voluntary
// request may start a chain or follow a preservation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "requests/directory.h"

namespace threathub::requests {

enum class RequestType {
  kPreservation,
  kPreservationExtension,
  kVoluntaryDisclosure,  // non-content data from a US provider, asked for directly
  kEmergencyDisclosure,
  kProductionOrder,  // a domestic production order
  kMlaRequest,
  kNetwork247,  // a request through the 24/7 network (Budapest Art. 35) to a State
};
// preservation, preservation_extension, voluntary_disclosure, emergency_disclosure,
// production_order, mla_request, network_24_7
std::string_view RequestTypeName(RequestType type);
std::optional<RequestType> ParseRequestType(std::string_view name);

// Whether `next` may follow `previous` in a chain: an extension follows a preservation or an
// extension; an MLA request follows a preservation, extension, 24/7 request, emergency or
// voluntary request; a production order follows anything but itself; a preservation follows a
// 24/7 or emergency request; an emergency or voluntary request follows a preservation or
// extension.
bool MayFollow(RequestType previous, RequestType next);

// What the engine needs of one request. Instants are UTC milliseconds.
struct RequestFacts {
  std::string id;           // any unique key (the database id as text)
  std::string previous_id;  // "" for the first request of a chain
  RequestType type = RequestType::kPreservation;
  std::optional<base::Millis> sent_at;
  std::optional<base::Millis> acknowledged_at;
  std::optional<base::Millis> preserved_at;     // when the provider says it preserved
  std::optional<base::Millis> preserved_until;  // an end the provider stated (wins over ours)
};

struct DeadlineInput {
  const Provider* provider = nullptr;   // nullptr: a request to a State (24/7, MLA)
  const LegalEntity* entity = nullptr;  // the provider's entity; nullptr: its default entity
  std::vector<RequestFacts> chain;      // oldest first; the request in question is the last
  std::string user_zone = "Asia/Almaty";
  // The requesting State is a Budapest party: Art. 29 then binds the requested party. Kazakhstan
  // is not (countries.json), so Art. 29's 60 days are shown for comparison.
  bool requester_budapest_party = false;
};

// A local rendering of an instant: "2026-12-01T23:30:00+05:00" in `zone`, and the civil date.
struct LocalTime {
  std::string zone;
  std::string date;  // "2026-12-01"
  std::string text;  // RFC 3339 with the zone's offset
};

enum class DeadlineKind {
  kPreservationExpires,  // the data may be deleted at this instant
  kLatestExtension,      // last moment to send an extension (the provider's lead time)
  kMlaBy,                // an MLA request should arrive by then (Budapest Art. 29)
  kResponseDue,          // an answer is due (comparison: EU EPOC)
  kValidation,           // an emergency order must be validated (comparison: EU)
};
// preservation_expires, latest_extension, mla_by, response_due, validation
std::string_view DeadlineKindName(DeadlineKind kind);

struct Deadline {
  DeadlineKind kind = DeadlineKind::kPreservationExpires;
  std::string rule_id;  // "us-2703f", "tiktok-preservation", "x-extension-lead", "eu-epoc", ...
  std::string source;   // "18 U.S.C. 2703(f)(2)", the provider's guideline, ...
  Confidence confidence = Confidence::kUnverified;
  std::string text;  // English, for logs and tests; the web and documents translate by kind
  base::Millis due = 0;
  bool comparison_only = false;  // shown for comparison (EU law, Art. 29 for a non-party)
  bool in_hours = false;         // counted in hours (emergencies): remind by the hour
  LocalTime user_local;
  LocalTime provider_local;  // in the entity's zone; UTC when there is no provider
};

// A rule broken by the chain, e.g. a second TikTok extension or an X extension sent later than
// 7 days before expiry. `code`: extension_limit, extension_too_late, preservation_expired,
// period_unknown.
struct Problem {
  std::string code;
  std::string rule_id;
  std::string source;
  std::string message;  // English
};

struct Schedule {
  std::vector<Deadline> deadlines;  // sorted by due, comparison-only ones included
  std::vector<Problem> problems;
  int extensions_so_far = 0;  // extensions in the chain, the request in question included
  std::optional<base::Millis> preserved_until;  // the preservation's end after this request
  std::string provider_zone;                    // the zone the provider's days were counted in
};

// Computes the deadlines of the chain's last request. InvalidArgument (with the field) when the
// chain is empty, a link does not name the request before it (field "previous_id"), a type
// may not follow the one before (field "type"), dates are reversed (acknowledged or preserved
// before sent; preserved_until before preserved_at), or a zone is unknown (field "user_zone").
// A request not yet sent has no deadlines of its own but keeps those of the chain before it.
// The legal rules are read from the directory (FailedPrecondition when one it needs is
// missing).
//
// Rules, in order:
//  - preservation: the provider's period (its preservation entry), else 90 days of 18 U.S.C.
//    2703(f) for a US entity, counted from preserved_at, else acknowledged_at, else sent_at,
//    in the entity's zone; a provider-stated preserved_until wins. A provider with a lead time
//    (X: 7 days) adds the latest instant to send an extension.
//  - preservation_extension: the count of extensions in the chain against the provider's
//    maximum (TikTok: 1; a second is the problem extension_limit); sent later than the lead
//    time (X) is extension_too_late, after the end preservation_expired; the end moves by the
//    provider's extension_days, else 90 days (2703(f)) for a US entity, else its period.
//  - any later request keeps the chain's preservation end as a deadline.
//  - network_24_7: Budapest Art. 29(7): at least 60 days, by which the MLA request should come.
//  - production_order, mla_request, voluntary_disclosure: EU EPOC 10 days, for comparison.
//  - emergency_disclosure: EU EPOC 8 hours and the 48-hour validation, for comparison, counted
//    in hours.
absl::StatusOr<Schedule> ComputeDeadlines(const Directory& directory, const DeadlineInput& input);

// When to remind about a deadline: 14 and 7 days before (civil days in the user's zone, so at
// the same wall-clock time) and at the deadline; for a deadline counted in hours, 1 hour before
// and at the deadline. Every reminder is returned, past ones too (the caller drops those before
// now).
struct Reminder {
  base::Millis at = 0;
  std::string label;  // "14_days_before", "7_days_before", "1_hour_before", "at_deadline"
  LocalTime user_local;
  LocalTime provider_local;
};
// The zones are those of the deadline's user_local and provider_local.
std::vector<Reminder> Reminders(const Deadline& deadline);

// Retention warnings for data about an event at `event_at`: the periods of the provider's entry
// (its retention ids) and those of operators of `operator_kind` in `operator_country` ("telecom"
// in "RU"; either may be ""), each with the last instant to ask (event + days, in civil days of
// the user's zone) and whether that is already past at `now`. A period without a number of
// days ("a very brief period") warns without a date.
struct RetentionWarning {
  std::string retention_id;
  std::string data;  // "traffic", "ip_logs", ...
  std::string source;
  Confidence confidence = Confidence::kUnverified;
  std::optional<base::Millis> request_before;
  std::optional<LocalTime> user_local;
  bool already_gone = false;
  std::string message;  // "traffic data at this operator is kept 30 days: request before ..."
};
absl::StatusOr<std::vector<RetentionWarning>> RetentionWarnings(
    const Directory& directory, const Provider* provider, std::string_view operator_country,
    std::string_view operator_kind, base::Millis event_at, base::Millis now,
    std::string_view user_zone = "Asia/Almaty");

// `instant` in `zone` (an IANA name); InvalidArgument for an unknown zone.
absl::StatusOr<LocalTime> ToLocal(base::Millis instant, std::string_view zone);

// `instant` moved by `days` civil days in `zone`, keeping the wall-clock time (a time that does
// not exist that day, in a DST gap, moves forward by the gap).
absl::StatusOr<base::Millis> AddCivilDays(base::Millis instant, int days, std::string_view zone);

// Whole hours from `from` to `to` (negative when `to` is earlier), for emergencies.
int64_t HoursBetween(base::Millis from, base::Millis to);

}  // namespace threathub::requests
