// Cases: number, title, offence articles of the Criminal Code of the Republic of Kazakhstan,
// status, owning agency, lead investigator, members (lead, member, viewer), prosecutors it is
// shared with (read only), notes and tasks.
//
// Need-to-know is enforced on every read and write: a case is visible to its members, to the
// supervisors of its agency and to the prosecutors it is shared with; it is changed by its lead
// and members (viewers and prosecutors read only) and by the agency's supervisors. A case that
// someone may not see answers kNotFound, so its existence is not revealed. Every change is
// audited in the same transaction.
//
//   cases::CaseService cases(db, trail, clock);
//   ASSIGN_OR_RETURN(cases::Case opened, cases.Create(principal, request_info, new_case));
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audit.h"
#include "auth/need_to_know.h"
#include "auth/principal.h"
#include "base/clock.h"
#include "store/database.h"

namespace threathub::cases {

enum class CaseStatus { kOpen, kSuspended, kSentToCourt, kClosed };
std::string_view CaseStatusName(CaseStatus status);
std::optional<CaseStatus> ParseCaseStatus(std::string_view name);

enum class MemberRole { kLead, kMember, kViewer };
std::string_view MemberRoleName(MemberRole role);
std::optional<MemberRole> ParseMemberRole(std::string_view name);

struct Person {
  int64_t user_id = 0;
  std::string username;
  std::string display_name;
};

struct Member {
  Person person;
  MemberRole role = MemberRole::kMember;
};

struct Case {
  int64_t id = 0;
  int64_t agency_id = 0;
  std::string number;
  std::string title;
  std::string description;
  std::vector<std::string> articles;  // "190 ч.2", "205", "256 ч.1"
  CaseStatus status = CaseStatus::kOpen;
  int64_t lead_user_id = 0;
  std::vector<Member> members;
  std::vector<Person> shared_with;  // prosecutors, read only
  base::Millis created_at = 0;
  base::Millis updated_at = 0;
};

struct NewCase {
  std::string number;  // empty: the next number in the agency's format
  std::string title;
  std::string description;
  std::vector<std::string> articles;
  std::optional<int64_t> lead_user_id;  // default: the creator
};

struct CaseChanges {
  std::optional<std::string> title;
  std::optional<std::string> description;
  std::optional<std::vector<std::string>> articles;
  std::optional<CaseStatus> status;
  std::optional<int64_t> lead_user_id;
};

struct CaseFilter {
  std::optional<CaseStatus> status;
  std::string text;     // in number or title
  std::string article;  // cases citing this article (prefix: "190" finds "190 ч.2")
  int limit = 200;
};

struct Note {
  int64_t id = 0;
  int64_t case_id = 0;
  Person author;
  std::string text;
  base::Millis created_at = 0;
};

struct Task {
  int64_t id = 0;
  int64_t case_id = 0;
  std::string title;
  std::optional<Person> assignee;
  std::optional<base::Millis> due_at;
  bool done = false;
  base::Millis created_at = 0;
  base::Millis updated_at = 0;
};

struct NewTask {
  std::string title;
  std::optional<int64_t> assignee_user_id;
  std::optional<base::Millis> due_at;
};

struct TaskChanges {
  std::optional<std::string> title;
  std::optional<std::optional<int64_t>> assignee_user_id;  // set, or cleared with nullopt inside
  std::optional<std::optional<base::Millis>> due_at;
  std::optional<bool> done;
};

// Where a request comes from, for the audit trail.
struct Origin {
  std::string client;
  std::string request_id;
};

class CaseService {
 public:
  CaseService(store::Database& database, audit::AuditTrail& trail, const base::Clock& clock)
      : database_(database), trail_(trail), clock_(clock) {}

  absl::StatusOr<std::vector<Case>> List(const auth::Principal& who, const CaseFilter& filter);
  absl::StatusOr<Case> Get(const auth::Principal& who, int64_t case_id);
  absl::StatusOr<Case> Create(const auth::Principal& who, const Origin& origin, NewCase fields);
  absl::StatusOr<Case> Update(const auth::Principal& who, const Origin& origin, int64_t case_id,
                              const CaseChanges& changes);

  // Members: the lead or a supervisor of the agency manages them; members come from the
  // case's agency.
  absl::StatusOr<Case> SetMember(const auth::Principal& who, const Origin& origin, int64_t case_id,
                                 int64_t user_id, MemberRole role);
  absl::StatusOr<Case> RemoveMember(const auth::Principal& who, const Origin& origin,
                                    int64_t case_id, int64_t user_id);
  // Shares with a prosecutor (any agency), read only.
  absl::StatusOr<Case> Share(const auth::Principal& who, const Origin& origin, int64_t case_id,
                             int64_t user_id);
  absl::StatusOr<Case> Unshare(const auth::Principal& who, const Origin& origin, int64_t case_id,
                               int64_t user_id);

  absl::StatusOr<std::vector<Note>> Notes(const auth::Principal& who, int64_t case_id);
  absl::StatusOr<Note> AddNote(const auth::Principal& who, const Origin& origin, int64_t case_id,
                               std::string text);

  absl::StatusOr<std::vector<Task>> Tasks(const auth::Principal& who, int64_t case_id);
  absl::StatusOr<Task> AddTask(const auth::Principal& who, const Origin& origin, int64_t case_id,
                               NewTask fields);
  absl::StatusOr<Task> UpdateTask(const auth::Principal& who, const Origin& origin, int64_t case_id,
                                  int64_t task_id, const TaskChanges& changes);

  // Who may be added (for the lead and the agency's supervisors): active investigators,
  // analysts and supervisors of the case's agency as members; active prosecutors as shares.
  struct Candidates {
    std::vector<Person> members;
    std::vector<Person> prosecutors;
  };
  absl::StatusOr<Candidates> ListCandidates(const auth::Principal& who, int64_t case_id);

  // For other modules (evidence, requests...): the case's need-to-know scope, and the check.
  absl::StatusOr<auth::ObjectScope> Scope(int64_t case_id);
  absl::Status CheckAccess(const auth::Principal& who, int64_t case_id, auth::AccessMode mode);

 private:
  absl::StatusOr<Case> Load(store::Transaction& tx, int64_t case_id);
  absl::StatusOr<Case> LoadVisible(store::Transaction& tx, const auth::Principal& who,
                                   int64_t case_id, auth::AccessMode mode);
  absl::Status Touch(store::Transaction& tx, int64_t case_id);
  absl::Status Record(store::Transaction& tx, const auth::Principal& who, const Origin& origin,
                      std::string action, int64_t case_id, std::string detail);
  // Runs `change` on a case the caller may manage (lead or supervisor), audits it, and returns
  // the case afterwards.
  absl::StatusOr<Case> Manage(const auth::Principal& who, const Origin& origin, int64_t case_id,
                              std::string action, std::string detail,
                              absl::FunctionRef<absl::Status(store::Transaction&, Case&)> change);

  store::Database& database_;
  audit::AuditTrail& trail_;
  const base::Clock& clock_;
};

// Criminal Code article references: "205", "190 ч.2", "256 ч.1 п.3", "24-1". InvalidArgument
// naming `field` otherwise.
absl::Status ValidateArticle(std::string_view article, std::string_view field = "articles");

auth::ObjectScope ScopeOf(const Case& opened);

}  // namespace threathub::cases
