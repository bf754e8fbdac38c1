// Requests to service providers and States (issue 7): the provider directory as administrators
// edit it (versioned), requests drafted against it, their chains and lifecycle, frozen documents,
// deadlines, reminders (in the application and by e-mail) and outcome statistics.
//
// Tables (migration 11, "requests"):
//   provider_entries    one row per version of a provider's entry (JSON as ParseProvider reads
//                       it, its content hash, who changed it, when, a note); a seed
//                       provider is version 1 (changed_by NULL), inserted at Start when the
//                       table has no row of that provider.
//   provider_requests   one row per request (the draft's fields as JSON plus the columns the
//                       lifecycle and the statistics need); `version` counts its changes.
//   provider_request_events  append-only history: every step, who, when, from/to state, detail.
//   request_documents   the frozen, sent PDF (bytes, SHA-256, language), one per request.
//   request_reminders   one row per (request, deadline rule, deadline kind, reminder label):
//                       remind_at, due_at, the in-app state (dismissed_at) and the e-mail
//                       delivery state (email_state pending|sent|failed|none, attempts, error,
//                       next attempt, sent_at).
//   request_responses   data received from the provider: request id -> evidence item id.
//
// Lifecycle:
//   draft --Submit--> legal_review --Approve--> approved --MarkSent--> sent
//   legal_review --Return(reason)--> draft
//   sent --Acknowledge--> acknowledged; sent|acknowledged --MarkPreserved--> preserved
//   sent|acknowledged|preserved --RecordOutcome--> produced | partly_produced | refused (code)
//                                                  | expired
//   produced|partly_produced|refused|expired --Close--> closed
// Submit refuses (FailedPrecondition, reason "lint_errors") while the linter reports an error.
// Approve: a supervisor of the request's agency or a prosecutor who may read its case
// (requests.approve), never the one who drafted it (PermissionDenied, reason "two_person_rule";
// audited as denied). MarkSent renders the document in the chosen language with draft=false,
// stores it (request_documents) and keeps its SHA-256 — the proof of what was sent; the
// stored bytes are served as they are and checked against the hash on every read.
// Every step writes an event and an audit record ("request.<action>") in the same transaction
// as the change. Nothing is half-saved: a refused step changes nothing.
//
// Visibility: a request is visible to whoever may read its case (cases::CaseService); drafting
// and editing need requests.draft and write access to the case.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "audit/audit.h"
#include "auth/principal.h"
#include "base/clock.h"
#include "cases/cases.h"
#include "evidence/evidence.h"
#include "requests/directory.h"
#include "requests/document.h"
#include "requests/linter.h"
#include "requests/mailer.h"
#include "requests/rules.h"
#include "store/database.h"
#include "vault/blob_store.h"

namespace threathub::requests {

enum class State {
  kDraft,
  kLegalReview,
  kApproved,
  kSent,
  kAcknowledged,
  kPreserved,
  kProduced,
  kPartlyProduced,
  kRefused,
  kExpired,
  kClosed,
};
// draft, legal_review, approved, sent, acknowledged, preserved, produced, partly_produced,
// refused, expired, closed
std::string_view StateName(State state);
std::optional<State> ParseState(std::string_view name);

// Why a provider refused, coded for the statistics: one code per refusal reason of the
// reference (Directory::refusal_reasons(), in its order; docs/requests.md pairs them), then two:
// wrong_entity, no_legal_basis, no_offence, no_date_range, over_broad, invalid_identifier,
// no_data, needs_mla, data_public, not_translated, extension_too_late, not_emergency, other
const std::vector<std::string>& RefusalCodes();

// Largest file accepted as a provider's response (data received), and as one text field.
inline constexpr uint64_t kMaxResponseBytes = 2ull << 30;  // 2 GiB

// What a drafter writes. Dates are UTC milliseconds.
struct RequestFields {
  RequestType type = RequestType::kPreservation;
  int64_t case_id = 0;
  std::optional<int64_t> previous_id;  // the request before this one in its chain
  std::string provider;         // directory id ("tiktok"); "" for an MLA or 24/7 request to a State
  std::string entity_name;      // the provider's legal entity addressed
  std::string country;          // the requested State (MLA, 24/7): ISO code; else the entity's
  std::string user_country;     // where the target user lives (picks the entity)
  std::string language = "ru";  // of the request text: kk, ru, en
  bool english_translation = false;
  std::string legal_basis;
  std::string offence_article;
  std::string offence_summary;
  std::string necessity;
  std::string urgency;
  std::string prosecution_and_court;
  bool confidential = true;
  std::optional<base::Millis> range_from;
  std::optional<base::Millis> range_to;
  bool all_data = false;
  std::vector<DataCategory> categories;
  std::vector<Identifier> identifiers;
  std::map<std::string, std::string> emergency_fields;  // by EmergencyField::key, "criterion"
  std::string notes;                                    // internal, not in the document
};

// The fields as JSON, keys as in docs/api.md ("request fields"): how the database keeps a
// request's fields and how the API shows them.
nlohmann::json FieldsToJson(const RequestFields& fields);

struct Request {
  int64_t id = 0;
  std::string reference;  // "REQ-<id>"
  int64_t agency_id = 0;
  std::string case_number;
  int64_t chain_id = 0;  // the id of the chain's first request
  int version = 1;
  RequestFields fields;
  State state = State::kDraft;
  // The directory it was drafted against: the provider entry's content hash and the whole
  // directory's version when the draft was last saved.
  std::string provider_hash;
  std::string directory_version;
  cases::Person created_by;
  base::Millis created_at = 0;
  base::Millis updated_at = 0;
  std::optional<cases::Person> approved_by;
  std::optional<base::Millis> approved_at;
  std::string returned_reason;  // why legal review sent it back (kept until the next submit)
  std::optional<base::Millis> sent_at;
  std::string channel;  // portal, email, emergency, post, 24_7_network, central_authority
  std::string ticket;   // the provider's ticket / case number
  std::optional<base::Millis> acknowledged_at;
  std::optional<base::Millis> preserved_at;
  std::optional<base::Millis> preserved_until;  // as the provider stated it
  std::optional<base::Millis> first_answer_at;  // acknowledgement, preservation or outcome
  std::optional<base::Millis> outcome_at;
  std::string refusal_code;
  std::string outcome_text;
  std::optional<base::Millis> closed_at;
  // The frozen document (set by MarkSent).
  std::string document_sha256;
  std::string document_language;
  int64_t document_size = 0;
  std::vector<int64_t> response_evidence_ids;
};

struct Event {
  int64_t id = 0;
  int64_t request_id = 0;
  std::string action;  // create, update, submit, return, approve, send, acknowledge, preserve,
                       // outcome, close, response, expire
  std::string from_state;
  std::string to_state;
  std::optional<cases::Person> actor;  // empty: the system
  base::Millis at = 0;
  std::string detail;  // JSON
};

// What one person may do with a request now (the API's "can" object).
struct Actions {
  bool edit = false, submit = false, approve = false, send = false, acknowledge = false,
       preserve = false, outcome = false, close = false, add_response = false;
};

// A request with everything its page shows.
struct RequestView {
  Request request;
  Actions can;
  std::vector<Warning> warnings;  // the linter on the current fields and directory
  Schedule schedule;              // deadlines of the request in its chain
  std::vector<RetentionWarning> retention;
  // The provider's entry changed since the draft was saved: what changed.
  bool provider_changed = false;
  std::vector<EntryChange> provider_changes;
  std::vector<Request> chain;  // the whole chain, oldest first (this request included)
};

struct EntryVersion {
  std::string provider_id;
  int version = 0;
  std::string entry_json;  // canonical
  std::string content_hash;
  std::optional<cases::Person> changed_by;  // empty: the seed
  base::Millis changed_at = 0;
  std::string note;
  std::vector<EntryChange> changes;  // against the version before (empty for version 1)
};

struct LintReport {
  std::vector<Warning> warnings;
  std::optional<Schedule> schedule;  // when the fields allow computing deadlines
  std::vector<RetentionWarning> retention;
};

struct CalendarEntry {
  int64_t request_id = 0;
  std::string reference;
  std::string case_number;
  RequestType type = RequestType::kPreservation;
  State state = State::kDraft;
  std::string provider;  // directory id or ""
  std::string target;    // provider display name or country
  Deadline deadline;
};

struct ReminderView {
  int64_t id = 0;
  int64_t request_id = 0;
  std::string reference;
  std::string label;  // 14_days_before, 7_days_before, 1_hour_before, at_deadline
  std::string deadline_kind;
  std::string rule_id;
  base::Millis remind_at = 0;
  base::Millis due_at = 0;
  std::string email_state;  // pending, sent, failed, none (no address or no SMTP)
  std::optional<base::Millis> dismissed_at;
};

struct ProviderStats {
  std::string provider;  // directory id, "" for States
  std::string channel;
  int64_t requests = 0;  // sent (in any state after approved)
  int64_t answered = 0;  // with a first answer
  double share_answered = 0;
  std::optional<double> median_days_to_first_answer;
  std::map<std::string, int64_t> refusals;  // code -> count
  int64_t produced = 0, partly_produced = 0, refused = 0, expired = 0, waiting = 0;
};

// An identifier already known in a case: from its earlier requests and from the authors of
// collected items promoted to its evidence.
struct CaseIdentifier {
  Identifier identifier;
  std::string platform;  // telegram, vk, ... or ""
  std::string where;     // "REQ-12", "collected item 17"
};

struct Origin {
  std::string client;
  std::string request_id;
};

struct RequestFilter {
  std::optional<State> state;
  std::optional<int64_t> case_id;
  std::string provider;
  bool awaiting_my_approval = false;
  int limit = 200;
};

struct SendFields {
  std::string channel;
  base::Millis sent_at = 0;  // not in the future, not before the approval
  std::string ticket;
  std::string language;  // of the frozen document: kk, ru, en
};

struct Outcome {
  State state = State::kProduced;  // produced, partly_produced, refused, expired
  base::Millis at = 0;
  std::string refusal_code;  // refused: one of RefusalCodes()
  std::string text;
};

class RequestService {
 public:
  RequestService(store::Database& database, audit::AuditTrail& trail, cases::CaseService& cases,
                 evidence::EvidenceService& evidence, const base::Clock& clock);

  // Inserts the seed providers provider_entries does not hold yet and loads the current
  // directory.
  absl::Status Start();

  // ---- Directory ----
  // The current directory (immutable; replaced as a whole when an entry changes).
  std::shared_ptr<const Directory> directory() const;
  // An administrator's (directory.manage) new version of a provider's entry, or a new provider.
  // The entry is parsed and the whole directory reloaded with it before anything is written;
  // InvalidArgument naming the field otherwise. FailedPrecondition "unchanged" when the
  // content hash is the current one. Audited "directory.update".
  absl::StatusOr<EntryVersion> SaveProvider(const auth::Principal& who, const Origin& origin,
                                            std::string_view entry_json, std::string note);
  // Newest first. NotFound for an unknown provider.
  absl::StatusOr<std::vector<EntryVersion>> ProviderVersions(std::string_view provider_id);

  // ---- Drafting ----
  // The linter, the deadlines the request would have and the retention warnings, for the
  // wizard, without saving. `now` is the clock's.
  absl::StatusOr<LintReport> Lint(const auth::Principal& who, const RequestFields& fields);
  // InvalidArgument (field named, nothing saved) for: an unknown type, provider, entity or
  // country; a case that does not exist or that `who` may not change; a previous request of
  // another case or one this type may not follow (MayFollow); a reversed range or one starting
  // in the future; an identifier that is not of its kind (an e-mail without "@", a user id
  // that is not digits, a phone libphonenumber cannot parse, a URL that is not http(s)); a
  // language other than kk/ru/en; text that is not UTF-8 or longer than kMaxFieldBytes.
  absl::StatusOr<RequestView> Create(const auth::Principal& who, const Origin& origin,
                                     RequestFields fields);
  // Drafts only. `expected_version` guards against overwriting another's edit (Aborted,
  // reason "version_conflict").
  absl::StatusOr<RequestView> Update(const auth::Principal& who, const Origin& origin, int64_t id,
                                     int expected_version, RequestFields fields);

  // ---- Lifecycle ----
  absl::StatusOr<RequestView> Submit(const auth::Principal& who, const Origin& origin, int64_t id);
  absl::StatusOr<RequestView> Return(const auth::Principal& who, const Origin& origin, int64_t id,
                                     std::string reason);
  absl::StatusOr<RequestView> Approve(const auth::Principal& who, const Origin& origin, int64_t id);
  absl::StatusOr<RequestView> MarkSent(const auth::Principal& who, const Origin& origin, int64_t id,
                                       SendFields fields);
  absl::StatusOr<RequestView> Acknowledge(const auth::Principal& who, const Origin& origin,
                                          int64_t id, base::Millis at, std::string ticket);
  // `until`: the end the provider stated (optional; not before `at`).
  absl::StatusOr<RequestView> MarkPreserved(const auth::Principal& who, const Origin& origin,
                                            int64_t id, base::Millis at,
                                            std::optional<base::Millis> until);
  absl::StatusOr<RequestView> RecordOutcome(const auth::Principal& who, const Origin& origin,
                                            int64_t id, Outcome outcome);
  absl::StatusOr<RequestView> Close(const auth::Principal& who, const Origin& origin, int64_t id,
                                    std::string note);
  // Data received from the provider: checked before the upload starts (state sent or later and
  // not closed, `who` may add evidence to the case), then recorded as evidence of the request's
  // case through EvidenceService::IngestCollected with custody from `received_at` ("received
  // from <entity> in answer to REQ-n, ticket T"), linked to the request, and the first answer
  // noted. source_type "received".
  absl::Status CheckResponse(const auth::Principal& who, int64_t id,
                             const evidence::Metadata& metadata, base::Millis received_at);
  absl::StatusOr<evidence::Item> AddResponse(const auth::Principal& who, const Origin& origin,
                                             int64_t id, evidence::Metadata metadata,
                                             base::Millis received_at, const vault::PutResult& put);

  // ---- Reading ----
  absl::StatusOr<RequestView> Get(const auth::Principal& who, int64_t id);
  absl::StatusOr<std::vector<Request>> List(const auth::Principal& who,
                                            const RequestFilter& filter);
  absl::StatusOr<std::vector<Event>> Events(const auth::Principal& who, int64_t id);
  // The document: the frozen bytes once sent (any `language` argument ignored), else a draft
  // rendered now in `language` ("" -> the request's language).
  struct Document {
    std::string pdf;
    std::string sha256;
    bool frozen = false;
    std::string language;
  };
  absl::StatusOr<Document> GetDocument(const auth::Principal& who, int64_t id,
                                       std::string_view language);
  // Deadlines of visible requests (not closed) due in [from, to), comparison-only ones
  // included (marked), sorted by due.
  absl::StatusOr<std::vector<CalendarEntry>> Calendar(const auth::Principal& who, base::Millis from,
                                                      base::Millis to);
  absl::StatusOr<std::vector<CaseIdentifier>> CaseIdentifiers(const auth::Principal& who,
                                                              int64_t case_id);
  // Over the requests `who` may see; `provider` "" for all providers.
  absl::StatusOr<std::vector<ProviderStats>> Stats(const auth::Principal& who,
                                                   std::string_view provider);

  // ---- Reminders ----
  // Reminders due (remind_at <= now) and not dismissed, of visible requests.
  absl::StatusOr<std::vector<ReminderView>> DueReminders(const auth::Principal& who);
  absl::Status DismissReminder(const auth::Principal& who, int64_t reminder_id);
  // As the system: e-mails every due reminder whose e-mail is pending to the request's
  // drafter and approver (users.email; none: email_state "none"). A row is claimed (next
  // attempt pushed forward) in one transaction, sent, then marked in another, so a crash
  // sends at most one duplicate and never loses a reminder; failures retry with backoff
  // (1, 5, 30 minutes ...), after 10 attempts "failed". Returns how many were sent.
  absl::StatusOr<int64_t> DeliverReminders(Mailer& mailer, std::string_view public_url);
  // As the system: requests whose preservation ended (deadline passed) while they were sent,
  // acknowledged or preserved, with no later request of the chain sent, become expired.
  absl::StatusOr<int64_t> ExpireDue();

 private:
  store::Database& database_;
  audit::AuditTrail& trail_;
  cases::CaseService& cases_;
  evidence::EvidenceService& evidence_;
  const base::Clock& clock_;
  mutable std::mutex directory_mutex_;
  std::shared_ptr<const Directory> directory_;
};

}  // namespace threathub::requests
