// Monitoring mandates: the written authorization without which no online monitoring or
// collection happens, and the covert personas used under them.
//
// A mandate states purpose, case or predicate, level (overt, discreet, covert), mechanism
// (manual viewing, automated collection, an online persona that interacts with people), the
// sites, platforms, channels and accounts (as patterns), a time window, the storage period of
// what is collected, requester and justification. A supervisor of the requester's agency who is
// not the requester approves it; a covert mandate needs a second approval by the head of the
// agency (agencies.head_user_id), who is neither the requester nor the first approver.
// States: draft -> pending -> approved | rejected (with reason); approved -> expired (after the
// window's end, by the clock) | revoked. Every change makes a new version (mandate_versions) and
// an audit record. The written request exports as a PDF in kk, ru or en.
//
// Enforcement (collect module): Evaluate() says whether a mandate permits collecting one target
// at one moment, and why not; collection code calls it for every record.
//
//   ASSIGN_OR_RETURN(mandates::Mandate mandate, service.GetForCollection(mandate_id));
//   mandates::Refusal refusal = mandates::Evaluate(mandate, {"telegram", "1234", url, now});
//   if (refusal != mandates::Refusal::kNone) count(RefusalCode(refusal));
//
// Visibility: a mandate is visible to its requester, the supervisors and head of its agency,
// and the members of its case (when it names one). Personas are visible only to their
// controlling officer, the supervisors and the head of the agency.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "audit/audit.h"
#include "auth/principal.h"
#include "base/clock.h"
#include "cases/cases.h"
#include "store/database.h"

namespace threathub::mandates {

enum class Level { kOvert, kDiscreet, kCovert };
enum class Mechanism { kManual, kAutomated, kPersona };
enum class State { kDraft, kPending, kApproved, kRejected, kExpired, kRevoked };
std::string_view LevelName(Level level);          // overt, discreet, covert
std::string_view MechanismName(Mechanism value);  // manual, automated, persona
std::string_view StateName(State state);  // draft, pending, approved, rejected, expired, revoked
std::optional<Level> ParseLevel(std::string_view name);
std::optional<Mechanism> ParseMechanism(std::string_view name);
std::optional<State> ParseState(std::string_view name);

// One entry of a mandate's scope.
//   kind "domain":   value "example.kz" matches that host and its subdomains (any scheme/path)
//   kind "account":  platform "telegram" + value "1234567" (the platform's numeric id, or
//                    the channel/user name for platforms without one) matches that account
//   kind "url_prefix": value "https://vk.com/club123" matches URLs starting with it
//   kind "platform": platform "rss" matches anything of that platform (only for feeds whose
//                    URL is also listed as a url_prefix or domain)
struct ScopeEntry {
  std::string kind;
  std::string platform;  // telegram, vk, rss, web, x, tiktok, ... (lower case); "" for domain/url
  std::string value;
};

struct Mandate {
  int64_t id = 0;
  int64_t agency_id = 0;
  int version = 1;
  std::string purpose;
  std::optional<int64_t> case_id;
  std::string case_number;  // of case_id, as it was when the mandate named the case
  std::string predicate;    // the legal predicate when there is no case yet
  Level level = Level::kOvert;
  Mechanism mechanism = Mechanism::kManual;
  std::vector<ScopeEntry> scope;
  base::Millis starts_at = 0;  // the window is [starts_at, ends_at)
  base::Millis ends_at = 0;
  int storage_days = 0;  // what is collected is kept this long unless promoted to evidence
  std::string justification;
  cases::Person requester;
  State state = State::kDraft;
  std::optional<cases::Person> approved_by;  // the supervisor
  std::optional<base::Millis> approved_at;
  std::optional<cases::Person> head_approved_by;  // covert only: the head of the agency
  std::optional<base::Millis> head_approved_at;
  std::string rejection_reason;  // kept on the draft it goes back to, cleared by Submit
  std::string revocation_reason;
  base::Millis created_at = 0;
  base::Millis updated_at = 0;
  // What made this version (create, update, submit, approve, head_approve, reject, revoke,
  // expire) and who; no one for the system (expire).
  std::string last_action;
  std::optional<cases::Person> updated_by;
  // The head of the mandate's agency when it was loaded (not part of a version): the approval
  // rules and visibility depend on it.
  std::optional<int64_t> agency_head_user_id;
};

// A covert mandate that does not have the head's approval yet.
bool NeedsHeadApproval(const Mandate& mandate);

// What one person may do with a mandate now: the same rules the service enforces (the API's
// "can" object).
struct Actions {
  bool edit = false;
  bool submit = false;
  bool approve = false;
  bool reject = false;
  bool revoke = false;
};
Actions AllowedActions(const auth::Principal& who, const Mandate& mandate, base::Millis now);

// The state at `now`: an approved mandate whose window has ended is expired, whether or not
// ExpireDue has recorded it yet.
State EffectiveState(const Mandate& mandate, base::Millis now);

// What a collection would take.
struct Target {
  std::string platform;    // lower case
  std::string account_id;  // the author/channel id on that platform ("" when unknown)
  std::string url;         // the item's URL ("" when unknown)
  base::Millis at = 0;     // when it is collected (now)
};

// Why Evaluate refuses; kNone when it permits.
enum class Refusal {
  kNone,
  kNotApproved,   // draft, pending, rejected
  kBeforeWindow,  // before starts_at
  kAfterWindow,   // after ends_at (or state expired)
  kRevoked,
  kOutsideSites,     // URL/domain not in the scope
  kOutsideAccounts,  // platform account not in the scope
};
// "mandate_not_approved", "before_window", "after_window", "mandate_revoked",
// "site_outside_mandate", "account_outside_mandate"; "no_mandate" is the collect module's own.
std::string_view RefusalCode(Refusal refusal);

// Pure: whether `mandate` permits collecting `target` at target.at. A target is inside the
// scope when its URL matches a domain or url_prefix entry, or its platform+account_id matches an
// account entry; an account known to be outside gives kOutsideAccounts, otherwise
// kOutsideSites.
//   - state first: revoked -> kRevoked, expired -> kAfterWindow, draft/pending/rejected ->
//     kNotApproved; then the window [starts_at, ends_at): before -> kBeforeWindow, at or after
//     ends_at -> kAfterWindow;
//   - domain: the URL's host (lower case, port, user info and a final dot dropped) is the
//     domain or ends with "." + domain ("evil-example.kz" is not inside "example.kz"); IDN hosts
//     compare as written (punycode with punycode);
//   - url_prefix: string prefix of the URL after the scheme and host are lower-cased, a default
//     port dropped and an empty path made "/";
//   - account: platform equal and account_id exactly the entry's value;
//   - platform: any target of that platform (entries of this kind are for feeds, rss and atom,
//     and the collect module attaches only feeds whose URL the mandate lists).
// An account is "known to be outside" when target.account_id is not empty.
Refusal Evaluate(const Mandate& mandate, const Target& target);

// The URL as url_prefix entries and targets are compared: scheme and host lower case, default
// port dropped, "/" for an empty path. nullopt when it is not an http(s) URL with a host.
std::optional<std::string> NormalizeUrl(std::string_view url);

struct NewMandate {
  std::string purpose;
  std::optional<int64_t> case_id;
  std::string predicate;
  Level level = Level::kOvert;
  Mechanism mechanism = Mechanism::kManual;
  std::vector<ScopeEntry> scope;
  base::Millis starts_at = 0;
  base::Millis ends_at = 0;
  int storage_days = 0;
  std::string justification;
};

struct Persona {
  int64_t id = 0;
  int64_t agency_id = 0;
  std::string platform;
  std::string handle;
  std::string display_name;
  cases::Person controller;
  std::vector<int64_t> mandate_ids;
  std::string status;  // active, suspended, retired
  base::Millis created_at = 0;
  base::Millis updated_at = 0;
};

struct NewPersona {
  std::string platform;
  std::string handle;
  std::string display_name;
  std::optional<int64_t> controller_user_id;  // default: the creator
  std::vector<int64_t> mandate_ids;
};

struct Origin {
  std::string client;
  std::string request_id;
};

class MandateService {
 public:
  MandateService(store::Database& database, audit::AuditTrail& trail, cases::CaseService& cases,
                 const base::Clock& clock);

  // Drafts (requester: an investigator, analyst or supervisor of the agency). A draft needs a
  // purpose, a window and a storage period, and what it holds must be well formed; the scope,
  // the justification and the case or predicate may still be missing: Submit requires them.
  absl::StatusOr<Mandate> Create(const auth::Principal& who, const Origin& origin,
                                 NewMandate fields);
  // Only drafts (and rejected ones, which go back to draft) change; a new version each time.
  absl::StatusOr<Mandate> Update(const auth::Principal& who, const Origin& origin, int64_t id,
                                 NewMandate fields);
  absl::StatusOr<Mandate> Submit(const auth::Principal& who, const Origin& origin, int64_t id);
  // The supervisor's approval; for a covert mandate, then the head's. PermissionDenied with
  // reason "two_person_rule" for the requester (or the first approver approving again).
  absl::StatusOr<Mandate> Approve(const auth::Principal& who, const Origin& origin, int64_t id);
  absl::StatusOr<Mandate> Reject(const auth::Principal& who, const Origin& origin, int64_t id,
                                 std::string reason);
  absl::StatusOr<Mandate> Revoke(const auth::Principal& who, const Origin& origin, int64_t id,
                                 std::string reason);
  absl::StatusOr<Mandate> Get(const auth::Principal& who, int64_t id);
  struct Filter {
    std::optional<State> state;
    bool awaiting_my_approval = false;
    int limit = 200;
  };
  absl::StatusOr<std::vector<Mandate>> List(const auth::Principal& who, const Filter& filter);
  absl::StatusOr<std::vector<Mandate>> Versions(const auth::Principal& who, int64_t id);
  // The written request as a PDF (cairo + pango), language "kk", "ru" or "en".
  absl::StatusOr<std::string> RequestPdf(const auth::Principal& who, int64_t id,
                                         std::string_view language);
  // Marks approved mandates whose window has ended as expired (audited). Returns how many.
  absl::StatusOr<int64_t> ExpireDue();

  // For collection code, which acts as the system: the mandate with its current state (expired
  // computed from the clock even before ExpireDue runs). NotFound when there is none.
  absl::StatusOr<Mandate> GetForCollection(int64_t id);

  absl::StatusOr<Persona> CreatePersona(const auth::Principal& who, const Origin& origin,
                                        NewPersona fields);
  absl::StatusOr<Persona> UpdatePersona(const auth::Principal& who, const Origin& origin,
                                        int64_t id, NewPersona fields,
                                        std::optional<std::string> status);
  absl::StatusOr<std::vector<Persona>> ListPersonas(const auth::Principal& who);
  absl::StatusOr<Persona> GetPersona(const auth::Principal& who, int64_t id);

 private:
  absl::StatusOr<Mandate> Load(store::Transaction& tx, int64_t id);
  // Whether `who` may see `mandate` (requester, supervisors and head of its agency, and who may
  // read its case). Not inside a transaction: it asks the case service.
  absl::StatusOr<bool> CanSee(const auth::Principal& who, const Mandate& mandate);
  // What a draft must hold (well-formed values, a purpose, a window, a storage period, a case
  // `who` may change if one is named) and what a submission needs besides (a case or a
  // predicate, at least one scope entry, a justification).
  enum class Completeness { kDraft, kSubmission };
  // Validates and normalises a mandate's fields for `who`; `case_number` is the named case's.
  absl::Status Validate(const auth::Principal& who, NewMandate& fields, Completeness completeness,
                        std::string& case_number);
  // Writes `mandate` (a new one when id is 0) as its next version, with the version row and
  // the audit record "mandate.<last_action>", in `tx`. `who` is null for the system.
  absl::Status Save(store::Transaction& tx, const auth::Principal* who, const Origin& origin,
                    Mandate& mandate, std::string detail);
  // Checks that `who` may see mandate `id`, then runs `change` on it in a write transaction and
  // saves the result as the next version. `change` checks the rules and sets last_action; when
  // it refuses (PermissionDenied), "mandate.<attempt>" is audited as denied.
  absl::StatusOr<Mandate> Change(const auth::Principal& who, const Origin& origin, int64_t id,
                                 std::string_view attempt,
                                 absl::FunctionRef<absl::Status(Mandate&)> change);
  absl::StatusOr<Persona> LoadPersona(store::Transaction& tx, int64_t id);
  absl::Status ValidatePersona(const auth::Principal& who, NewPersona& fields);
  absl::Status RecordPersona(store::Transaction& tx, const auth::Principal& who,
                             const Origin& origin, std::string action, int64_t persona_id,
                             std::string detail);

  store::Database& database_;
  audit::AuditTrail& trail_;
  cases::CaseService& cases_;
  const base::Clock& clock_;
};

}  // namespace threathub::mandates
