#include "cases/cases.h"

#include <algorithm>
#include <ctime>
#include <regex>

#include "base/encoding.h"
#include "base/errors.h"
#include "base/status_macros.h"
#include "base/strings.h"

namespace threathub::cases {
namespace {

constexpr size_t kMaxTitleBytes = 500;
constexpr size_t kMaxTextBytes = 20'000;
constexpr size_t kMaxArticles = 30;

constexpr char kCaseColumns[] =
    "SELECT c.id, c.agency_id, c.number, c.title, c.description, c.articles, c.status, "
    "c.lead_user_id, c.created_at, c.updated_at FROM cases c";

struct StatusInfo {
  CaseStatus status;
  std::string_view name;
};
constexpr StatusInfo kStatuses[] = {{CaseStatus::kOpen, "open"},
                                    {CaseStatus::kSuspended, "suspended"},
                                    {CaseStatus::kSentToCourt, "sent_to_court"},
                                    {CaseStatus::kClosed, "closed"}};

struct RoleInfo {
  MemberRole role;
  std::string_view name;
};
constexpr RoleInfo kMemberRoles[] = {
    {MemberRole::kLead, "lead"}, {MemberRole::kMember, "member"}, {MemberRole::kViewer, "viewer"}};

// Articles are stored as ";190 ч.2;205;" so that one LIKE finds an article in both engines.
std::string JoinArticles(const std::vector<std::string>& articles) {
  if (articles.empty()) return "";
  return base::StrCat(";", base::StrJoin(articles, ";"), ";");
}

std::vector<std::string> SplitArticles(std::string_view stored) {
  std::vector<std::string> articles;
  for (std::string_view part : base::StrSplit(stored, ';', /*skip_empty=*/true)) {
    articles.emplace_back(part);
  }
  return articles;
}

bool IsSupervisorOf(const auth::Principal& who, int64_t agency_id) {
  return who.agency_id == agency_id &&
         std::find(who.roles.begin(), who.roles.end(), auth::Role::kSupervisor) != who.roles.end();
}

absl::Status NotFound() { return absl::NotFoundError("case not found"); }

// Roles that work on cases from the inside (prosecutors are shared with, never members).
constexpr char kCaseWorkerRoles[] = "('investigator', 'analyst', 'supervisor')";
constexpr char kCaseLeadRoles[] = "('investigator', 'supervisor')";

// An active user of `agency_id` holding one of `roles` (an SQL list above).
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

std::string SearchText(std::string_view number, std::string_view title) {
  return base::Utf8ToLower(base::StrCat(number, " ", title));
}

// Escapes LIKE wildcards; used with ESCAPE '\'.
std::string LikeEscape(std::string_view text) {
  return base::StrReplaceAll(text, {{"\\", "\\\\"}, {"%", "\\%"}, {"_", "\\_"}});
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

absl::Status ValidateArticles(const std::vector<std::string>& articles) {
  if (articles.size() > kMaxArticles) return base::InvalidField("articles", "too many articles");
  for (const std::string& article : articles) RETURN_IF_ERROR(ValidateArticle(article));
  return absl::OkStatus();
}

Case CaseFromRow(const store::Row& row) {
  Case loaded;
  loaded.id = row.Int(0);
  loaded.agency_id = row.Int(1);
  loaded.number = row.Text(2);
  loaded.title = row.Text(3);
  loaded.description = row.Text(4);
  loaded.articles = SplitArticles(row.Text(5));
  loaded.status = ParseCaseStatus(row.Text(6)).value_or(CaseStatus::kOpen);
  loaded.lead_user_id = row.Int(7);
  loaded.created_at = row.Int(8);
  loaded.updated_at = row.Int(9);
  return loaded;
}

// "{code}-{year}-{seq}" -> "almaty-cyber-2026-00017".
std::string FormatCaseNumber(std::string_view format, std::string_view agency_code, int year,
                             int64_t sequence) {
  char padded[24];
  std::snprintf(padded, sizeof padded, "%05lld", static_cast<long long>(sequence));
  return base::StrReplaceAll(
      format, {{"{code}", agency_code}, {"{year}", std::to_string(year)}, {"{seq}", padded}});
}

}  // namespace

std::string_view CaseStatusName(CaseStatus status) {
  for (const StatusInfo& info : kStatuses) {
    if (info.status == status) return info.name;
  }
  return "open";
}

std::optional<CaseStatus> ParseCaseStatus(std::string_view name) {
  for (const StatusInfo& info : kStatuses) {
    if (info.name == name) return info.status;
  }
  return std::nullopt;
}

std::string_view MemberRoleName(MemberRole role) {
  for (const RoleInfo& info : kMemberRoles) {
    if (info.role == role) return info.name;
  }
  return "member";
}

std::optional<MemberRole> ParseMemberRole(std::string_view name) {
  for (const RoleInfo& info : kMemberRoles) {
    if (info.name == name) return info.role;
  }
  return std::nullopt;
}

absl::Status ValidateArticle(std::string_view article, std::string_view field) {
  // Article number (with an optional "-1" sub-article), then optional part and paragraph, in
  // Russian ("ч.2 п.3"), Kazakh ("2-б. 3-т.") or plain ("part 2") notation.
  static const std::regex kPattern(
      "^[0-9]{1,3}(-[0-9]{1,2})?"
      "( (ч\\.|part |[0-9]{1,2}-б\\.) ?[0-9]{0,2})?"
      "( (п\\.|para |[0-9]{1,2}-т\\.) ?[0-9]{0,2})?$");
  if (article.size() > 40 || !base::IsValidUtf8(article) ||
      !std::regex_match(article.begin(), article.end(), kPattern)) {
    return base::InvalidField(
        field, base::StrCat("\"", article.substr(0, 40),
                            "\" is not an article reference such as 205 or 190 ч.2"));
  }
  return absl::OkStatus();
}

auth::ObjectScope ScopeOf(const Case& opened) {
  auth::ObjectScope scope;
  scope.agency_id = opened.agency_id;
  for (const Member& member : opened.members) {
    // Viewers read, like prosecutors; leads and members also write.
    (member.role == MemberRole::kViewer ? scope.shared_with_user_ids : scope.member_user_ids)
        .push_back(member.person.user_id);
  }
  for (const Person& person : opened.shared_with)
    scope.shared_with_user_ids.push_back(person.user_id);
  return scope;
}

absl::StatusOr<Case> CaseService::Load(store::Transaction& tx, int64_t case_id) {
  ASSIGN_OR_RETURN(store::Result found,
                   tx.Execute(base::StrCat(kCaseColumns, " WHERE c.id = $1"), {case_id}));
  if (found.rows.empty()) return NotFound();
  Case loaded = CaseFromRow(found.rows[0]);
  ASSIGN_OR_RETURN(store::Result members,
                   tx.Execute("SELECT m.user_id, u.username, u.display_name, m.role "
                              "FROM case_members m JOIN users u ON u.id = m.user_id "
                              "WHERE m.case_id = $1 ORDER BY m.added_at, m.user_id",
                              {case_id}));
  for (const store::Row& row : members.rows) {
    loaded.members.push_back(Member{Person{row.Int(0), row.Text(1), row.Text(2)},
                                    ParseMemberRole(row.Text(3)).value_or(MemberRole::kMember)});
  }
  ASSIGN_OR_RETURN(store::Result shares,
                   tx.Execute("SELECT s.user_id, u.username, u.display_name "
                              "FROM case_shares s JOIN users u ON u.id = s.user_id "
                              "WHERE s.case_id = $1 ORDER BY s.added_at, s.user_id",
                              {case_id}));
  for (const store::Row& row : shares.rows) {
    loaded.shared_with.push_back(Person{row.Int(0), row.Text(1), row.Text(2)});
  }
  return loaded;
}

absl::StatusOr<Case> CaseService::LoadVisible(store::Transaction& tx, const auth::Principal& who,
                                              int64_t case_id, auth::AccessMode mode) {
  ASSIGN_OR_RETURN(Case loaded, Load(tx, case_id));
  if (!auth::CanAccess(who, ScopeOf(loaded), auth::AccessMode::kRead)) return NotFound();
  if (mode == auth::AccessMode::kWrite && !auth::CanAccess(who, ScopeOf(loaded), mode)) {
    return absl::PermissionDeniedError("you may read this case but not change it");
  }
  return loaded;
}

absl::Status CaseService::Touch(store::Transaction& tx, int64_t case_id) {
  return tx.Execute("UPDATE cases SET updated_at = $1 WHERE id = $2", {clock_.NowMillis(), case_id})
      .status();
}

absl::StatusOr<CaseService::Candidates> CaseService::ListCandidates(const auth::Principal& who,
                                                                    int64_t case_id) {
  Candidates candidates;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(Case loaded, LoadVisible(tx, who, case_id, auth::AccessMode::kRead));
        if (loaded.lead_user_id != who.user_id && !IsSupervisorOf(who, loaded.agency_id)) {
          return absl::PermissionDeniedError(
              "only the lead investigator or a supervisor may do this");
        }
        auto people = [&](std::string sql, std::vector<store::Value> params,
                          std::vector<Person>& out) -> absl::Status {
          ASSIGN_OR_RETURN(store::Result rows, tx.Execute(sql, params));
          for (const store::Row& row : rows.rows) {
            out.push_back(Person{row.Int(0), row.Text(1), row.Text(2)});
          }
          return absl::OkStatus();
        };
        RETURN_IF_ERROR(
            people(base::StrCat(
                       "SELECT u.id, u.username, u.display_name FROM users u WHERE u.disabled = 0 "
                       "AND u.agency_id = $1 AND EXISTS (SELECT 1 FROM user_roles r WHERE "
                       "r.user_id = u.id AND r.role IN ",
                       kCaseWorkerRoles, ") ORDER BY u.display_name"),
                   {loaded.agency_id}, candidates.members));
        return people(
            "SELECT u.id, u.username, u.display_name FROM users u WHERE u.disabled = 0 AND EXISTS "
            "(SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = 'prosecutor') "
            "ORDER BY u.display_name",
            {}, candidates.prosecutors);
      }));
  return candidates;
}

absl::Status CaseService::Record(store::Transaction& tx, const auth::Principal& who,
                                 const Origin& origin, std::string action, int64_t case_id,
                                 std::string detail) {
  audit::Record record{.actor_id = who.user_id,
                       .actor_name = who.username,
                       .agency_id = who.agency_id,
                       .action = std::move(action),
                       .object_type = "case",
                       .object_id = std::to_string(case_id),
                       .client = origin.client,
                       .request_id = origin.request_id,
                       .detail = std::move(detail)};
  return trail_.Append(tx, record);
}

absl::StatusOr<std::vector<Case>> CaseService::List(const auth::Principal& who,
                                                    const CaseFilter& filter) {
  if (filter.limit < 1 || filter.limit > 1000) return base::InvalidField("limit", "1..1000");
  std::string sql = base::StrCat(
      kCaseColumns,
      " WHERE (EXISTS (SELECT 1 FROM case_members m WHERE m.case_id = c.id AND m.user_id = $1)"
      " OR EXISTS (SELECT 1 FROM case_shares s WHERE s.case_id = c.id AND s.user_id = $1)"
      " OR (c.agency_id = $2 AND $3 = 1))");
  std::vector<store::Value> params = {who.user_id, who.agency_id,
                                      int64_t{IsSupervisorOf(who, who.agency_id)}};
  if (filter.status) {
    params.push_back(std::string(CaseStatusName(*filter.status)));
    base::StrAppend(&sql, " AND c.status = $", params.size());
  }
  if (!filter.text.empty()) {
    params.push_back(base::StrCat("%", LikeEscape(base::Utf8ToLower(filter.text)), "%"));
    base::StrAppend(&sql, " AND c.search_text LIKE $", params.size(), " ESCAPE '\\'");
  }
  if (!filter.article.empty()) {
    // "190" finds 190 and its parts ("190 ч.2"), not 190-1 or 19.
    RETURN_IF_ERROR(ValidateArticle(filter.article, "article"));
    params.push_back(base::StrCat("%;", filter.article, ";%"));
    params.push_back(base::StrCat("%;", filter.article, " %"));
    base::StrAppend(&sql, " AND (c.articles LIKE $", params.size() - 1, " OR c.articles LIKE $",
                    params.size(), ")");
  }
  base::StrAppend(&sql, " ORDER BY c.updated_at DESC, c.id DESC LIMIT ", filter.limit);
  std::vector<Case> found;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(store::Result result, tx.Execute(sql, params));
        for (const store::Row& row : result.rows) {
          ASSIGN_OR_RETURN(Case loaded, Load(tx, row.Int(0)));
          found.push_back(std::move(loaded));
        }
        return absl::OkStatus();
      }));
  return found;
}

absl::StatusOr<Case> CaseService::Get(const auth::Principal& who, int64_t case_id) {
  Case loaded;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(loaded, LoadVisible(tx, who, case_id, auth::AccessMode::kRead));
        return absl::OkStatus();
      }));
  return loaded;
}

absl::StatusOr<Case> CaseService::Create(const auth::Principal& who, const Origin& origin,
                                         NewCase fields) {
  if (!auth::Has(who.permissions, auth::Permission::kCasesCreate)) {
    return absl::PermissionDeniedError("your roles do not allow opening cases");
  }
  RETURN_IF_ERROR(ValidateText("title", fields.title, kMaxTitleBytes, true));
  RETURN_IF_ERROR(ValidateText("description", fields.description, kMaxTextBytes, false));
  RETURN_IF_ERROR(ValidateText("number", fields.number, 64, false));
  RETURN_IF_ERROR(ValidateArticles(fields.articles));
  int64_t lead = fields.lead_user_id.value_or(who.user_id);
  base::Millis now = clock_.NowMillis();
  int64_t case_id = 0;
  Case created;
  absl::Status status =
      database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(bool may_lead, IsActiveWithRole(tx, lead, who.agency_id, kCaseLeadRoles));
        if (!may_lead) {
          return base::InvalidField("lead_user_id",
                                    "the lead must be an active investigator or supervisor of your "
                                    "agency");
        }
        std::string number = fields.number;
        if (number.empty()) {
          std::time_t seconds = static_cast<std::time_t>(now / 1000);
          std::tm parts{};
          gmtime_r(&seconds, &parts);
          int year = parts.tm_year + 1900;
          RETURN_IF_ERROR(tx.Execute("INSERT INTO case_counters(agency_id, year, next_value) "
                                     "VALUES ($1, $2, 1) ON CONFLICT DO NOTHING",
                                     {who.agency_id, int64_t{year}})
                              .status());
          ASSIGN_OR_RETURN(store::Result counter,
                           tx.Execute("UPDATE case_counters SET next_value = next_value + 1 "
                                      "WHERE agency_id = $1 AND year = $2 RETURNING next_value - 1",
                                      {who.agency_id, int64_t{year}}));
          ASSIGN_OR_RETURN(store::Result agency,
                           tx.Execute("SELECT code, case_number_format FROM agencies WHERE id = $1",
                                      {who.agency_id}));
          number = FormatCaseNumber(agency.rows.at(0).Text(1), agency.rows.at(0).Text(0), year,
                                    counter.rows.at(0).Int(0));
        }
        ASSIGN_OR_RETURN(
            store::Result inserted,
            tx.Execute("INSERT INTO cases(agency_id, number, title, description, articles, "
                       "search_text, status, lead_user_id, created_by, created_at, updated_at) "
                       "VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9, $9) RETURNING id",
                       {who.agency_id, number, fields.title, fields.description,
                        JoinArticles(fields.articles), SearchText(number, fields.title), lead,
                        who.user_id, now}));
        case_id = inserted.rows.at(0).Int(0);
        RETURN_IF_ERROR(tx.Execute("INSERT INTO case_members(case_id, user_id, role, added_at) "
                                   "VALUES ($1, $2, 'lead', $3)",
                                   {case_id, lead, now})
                            .status());
        if (lead != who.user_id && !IsSupervisorOf(who, who.agency_id)) {
          // The creator keeps access to what they opened.
          RETURN_IF_ERROR(tx.Execute("INSERT INTO case_members(case_id, user_id, role, added_at) "
                                     "VALUES ($1, $2, 'member', $3)",
                                     {case_id, who.user_id, now})
                              .status());
        }
        RETURN_IF_ERROR(Record(tx, who, origin, "case.create", case_id, number));
        ASSIGN_OR_RETURN(created, Load(tx, case_id));
        return absl::OkStatus();
      });
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return base::FieldError(absl::StatusCode::kAlreadyExists, "number",
                            "your agency already has a case with this number");
  }
  RETURN_IF_ERROR(status);
  return created;
}

absl::StatusOr<Case> CaseService::Manage(
    const auth::Principal& who, const Origin& origin, int64_t case_id, std::string action,
    std::string detail, absl::FunctionRef<absl::Status(store::Transaction&, Case&)> change) {
  Case result;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(Case loaded, LoadVisible(tx, who, case_id, auth::AccessMode::kRead));
        bool manages = loaded.lead_user_id == who.user_id || IsSupervisorOf(who, loaded.agency_id);
        if (!manages) {
          return absl::PermissionDeniedError(
              "only the lead investigator or a supervisor may do this");
        }
        RETURN_IF_ERROR(change(tx, loaded));
        RETURN_IF_ERROR(tx.Execute("UPDATE cases SET updated_at = $1 WHERE id = $2",
                                   {clock_.NowMillis(), case_id})
                            .status());
        RETURN_IF_ERROR(Record(tx, who, origin, std::move(action), case_id, std::move(detail)));
        ASSIGN_OR_RETURN(result, Load(tx, case_id));
        return absl::OkStatus();
      }));
  return result;
}

absl::StatusOr<Case> CaseService::Update(const auth::Principal& who, const Origin& origin,
                                         int64_t case_id, const CaseChanges& changes) {
  if (changes.title) RETURN_IF_ERROR(ValidateText("title", *changes.title, kMaxTitleBytes, true));
  if (changes.description) {
    RETURN_IF_ERROR(ValidateText("description", *changes.description, kMaxTextBytes, false));
  }
  if (changes.articles) RETURN_IF_ERROR(ValidateArticles(*changes.articles));
  std::vector<std::string> changed;
  if (changes.title) changed.push_back("title");
  if (changes.description) changed.push_back("description");
  if (changes.articles) changed.push_back("articles");
  if (changes.status) changed.push_back(base::StrCat("status=", CaseStatusName(*changes.status)));
  if (changes.lead_user_id) changed.push_back(base::StrCat("lead=", *changes.lead_user_id));
  bool members_may_edit = !changes.status && !changes.lead_user_id;
  Case result;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        // Members edit the description and articles; status and lead belong to the lead and
        // supervisors.
        ASSIGN_OR_RETURN(Case loaded, LoadVisible(tx, who, case_id, auth::AccessMode::kRead));
        bool manages = loaded.lead_user_id == who.user_id || IsSupervisorOf(who, loaded.agency_id);
        bool writes = auth::CanAccess(who, ScopeOf(loaded), auth::AccessMode::kWrite);
        if (!(manages || (members_may_edit && writes))) {
          return absl::PermissionDeniedError(
              writes ? "only the lead investigator or a supervisor may change status or lead"
                     : "you may read this case but not change it");
        }
        if (changes.title) {
          RETURN_IF_ERROR(
              tx.Execute("UPDATE cases SET title = $1, search_text = $2 WHERE id = $3",
                         {*changes.title, SearchText(loaded.number, *changes.title), case_id})
                  .status());
        }
        if (changes.description) {
          RETURN_IF_ERROR(tx.Execute("UPDATE cases SET description = $1 WHERE id = $2",
                                     {*changes.description, case_id})
                              .status());
        }
        if (changes.articles) {
          RETURN_IF_ERROR(tx.Execute("UPDATE cases SET articles = $1 WHERE id = $2",
                                     {JoinArticles(*changes.articles), case_id})
                              .status());
        }
        if (changes.status) {
          RETURN_IF_ERROR(tx.Execute("UPDATE cases SET status = $1 WHERE id = $2",
                                     {std::string(CaseStatusName(*changes.status)), case_id})
                              .status());
        }
        if (changes.lead_user_id) {
          ASSIGN_OR_RETURN(bool may_lead, IsActiveWithRole(tx, *changes.lead_user_id,
                                                           loaded.agency_id, kCaseLeadRoles));
          if (!may_lead) {
            return base::InvalidField(
                "lead_user_id",
                "the lead must be an active investigator or supervisor of the "
                "case's agency");
          }
          base::Millis now = clock_.NowMillis();
          RETURN_IF_ERROR(tx.Execute("UPDATE case_members SET role = 'member' "
                                     "WHERE case_id = $1 AND role = 'lead'",
                                     {case_id})
                              .status());
          RETURN_IF_ERROR(tx.Execute("DELETE FROM case_members WHERE case_id = $1 AND user_id = $2",
                                     {case_id, *changes.lead_user_id})
                              .status());
          RETURN_IF_ERROR(tx.Execute("INSERT INTO case_members(case_id, user_id, role, added_at) "
                                     "VALUES ($1, $2, 'lead', $3)",
                                     {case_id, *changes.lead_user_id, now})
                              .status());
          RETURN_IF_ERROR(tx.Execute("UPDATE cases SET lead_user_id = $1 WHERE id = $2",
                                     {*changes.lead_user_id, case_id})
                              .status());
        }
        RETURN_IF_ERROR(tx.Execute("UPDATE cases SET updated_at = $1 WHERE id = $2",
                                   {clock_.NowMillis(), case_id})
                            .status());
        RETURN_IF_ERROR(
            Record(tx, who, origin, "case.update", case_id, base::StrJoin(changed, ",")));
        ASSIGN_OR_RETURN(result, Load(tx, case_id));
        return absl::OkStatus();
      }));
  return result;
}

absl::StatusOr<Case> CaseService::SetMember(const auth::Principal& who, const Origin& origin,
                                            int64_t case_id, int64_t user_id, MemberRole role) {
  if (role == MemberRole::kLead) {
    return base::InvalidField("role", "change the lead through the case itself (lead_user_id)");
  }
  return Manage(
      who, origin, case_id, "case.member_set",
      base::StrCat("user=", user_id, " role=", MemberRoleName(role)),
      [&](store::Transaction& tx, Case& loaded) -> absl::Status {
        if (user_id == loaded.lead_user_id) {
          return base::InvalidField("user_id", "this user leads the case");
        }
        ASSIGN_OR_RETURN(bool may_join,
                         IsActiveWithRole(tx, user_id, loaded.agency_id, kCaseWorkerRoles));
        if (!may_join) {
          return base::InvalidField(
              "user_id",
              "members must be active investigators, analysts or supervisors of the "
              "case's agency (prosecutors are shared with, not members)");
        }
        RETURN_IF_ERROR(tx.Execute("DELETE FROM case_members WHERE case_id = $1 AND user_id = $2",
                                   {case_id, user_id})
                            .status());
        return tx
            .Execute(
                "INSERT INTO case_members(case_id, user_id, role, added_at) "
                "VALUES ($1, $2, $3, $4)",
                {case_id, user_id, std::string(MemberRoleName(role)), clock_.NowMillis()})
            .status();
      });
}

absl::StatusOr<Case> CaseService::RemoveMember(const auth::Principal& who, const Origin& origin,
                                               int64_t case_id, int64_t user_id) {
  return Manage(who, origin, case_id, "case.member_remove", base::StrCat("user=", user_id),
                [&](store::Transaction& tx, Case& loaded) -> absl::Status {
                  if (user_id == loaded.lead_user_id) {
                    return base::InvalidField("user_id", "choose another lead first");
                  }
                  ASSIGN_OR_RETURN(
                      store::Result removed,
                      tx.Execute("DELETE FROM case_members WHERE case_id = $1 AND user_id = $2",
                                 {case_id, user_id}));
                  if (removed.affected_rows == 0) {
                    return absl::NotFoundError("this user is not a member of the case");
                  }
                  return absl::OkStatus();
                });
}

absl::StatusOr<Case> CaseService::Share(const auth::Principal& who, const Origin& origin,
                                        int64_t case_id, int64_t user_id) {
  return Manage(who, origin, case_id, "case.share", base::StrCat("user=", user_id),
                [&](store::Transaction& tx, Case&) -> absl::Status {
                  ASSIGN_OR_RETURN(store::Result role,
                                   tx.Execute("SELECT 1 FROM user_roles r JOIN users u ON "
                                              "u.id = r.user_id WHERE r.user_id = $1 AND "
                                              "r.role = 'prosecutor' AND u.disabled = 0",
                                              {user_id}));
                  if (role.rows.empty()) {
                    return base::InvalidField("user_id",
                                              "cases are shared with active prosecutors only");
                  }
                  return tx
                      .Execute(
                          "INSERT INTO case_shares(case_id, user_id, added_at) "
                          "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                          {case_id, user_id, clock_.NowMillis()})
                      .status();
                });
}

absl::StatusOr<Case> CaseService::Unshare(const auth::Principal& who, const Origin& origin,
                                          int64_t case_id, int64_t user_id) {
  return Manage(who, origin, case_id, "case.unshare", base::StrCat("user=", user_id),
                [&](store::Transaction& tx, Case&) -> absl::Status {
                  ASSIGN_OR_RETURN(
                      store::Result removed,
                      tx.Execute("DELETE FROM case_shares WHERE case_id = $1 AND user_id = $2",
                                 {case_id, user_id}));
                  if (removed.affected_rows == 0) {
                    return absl::NotFoundError("the case is not shared with this user");
                  }
                  return absl::OkStatus();
                });
}

absl::StatusOr<std::vector<Note>> CaseService::Notes(const auth::Principal& who, int64_t case_id) {
  std::vector<Note> notes;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
        RETURN_IF_ERROR(LoadVisible(tx, who, case_id, auth::AccessMode::kRead).status());
        ASSIGN_OR_RETURN(store::Result result,
                         tx.Execute("SELECT n.id, n.author_id, u.username, u.display_name, n.text, "
                                    "n.created_at FROM case_notes n JOIN users u ON u.id = "
                                    "n.author_id WHERE n.case_id = $1 ORDER BY n.id",
                                    {case_id}));
        for (const store::Row& row : result.rows) {
          notes.push_back(Note{row.Int(0), case_id, Person{row.Int(1), row.Text(2), row.Text(3)},
                               row.Text(4), row.Int(5)});
        }
        return absl::OkStatus();
      }));
  return notes;
}

absl::StatusOr<Note> CaseService::AddNote(const auth::Principal& who, const Origin& origin,
                                          int64_t case_id, std::string text) {
  RETURN_IF_ERROR(ValidateText("text", text, kMaxTextBytes, true));
  Note note;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        RETURN_IF_ERROR(LoadVisible(tx, who, case_id, auth::AccessMode::kWrite).status());
        base::Millis now = clock_.NowMillis();
        ASSIGN_OR_RETURN(store::Result inserted,
                         tx.Execute("INSERT INTO case_notes(case_id, author_id, text, created_at) "
                                    "VALUES ($1, $2, $3, $4) RETURNING id",
                                    {case_id, who.user_id, text, now}));
        note = Note{inserted.rows.at(0).Int(0), case_id,
                    Person{who.user_id, who.username, who.display_name}, text, now};
        RETURN_IF_ERROR(Touch(tx, case_id));
        return Record(tx, who, origin, "case.note_add", case_id, base::StrCat("note=", note.id));
      }));
  return note;
}

absl::StatusOr<std::vector<Task>> CaseService::Tasks(const auth::Principal& who, int64_t case_id) {
  std::vector<Task> tasks;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
        RETURN_IF_ERROR(LoadVisible(tx, who, case_id, auth::AccessMode::kRead).status());
        ASSIGN_OR_RETURN(store::Result result,
                         tx.Execute("SELECT t.id, t.title, t.assignee_id, u.username, "
                                    "u.display_name, t.due_at, t.done, t.created_at, t.updated_at "
                                    "FROM case_tasks t LEFT JOIN users u ON u.id = t.assignee_id "
                                    "WHERE t.case_id = $1 ORDER BY t.done, t.id",
                                    {case_id}));
        for (const store::Row& row : result.rows) {
          Task task;
          task.id = row.Int(0);
          task.case_id = case_id;
          task.title = row.Text(1);
          if (!row.IsNull(2)) task.assignee = Person{row.Int(2), row.Text(3), row.Text(4)};
          if (!row.IsNull(5)) task.due_at = row.Int(5);
          task.done = row.Int(6) != 0;
          task.created_at = row.Int(7);
          task.updated_at = row.Int(8);
          tasks.push_back(std::move(task));
        }
        return absl::OkStatus();
      }));
  return tasks;
}

absl::StatusOr<Task> CaseService::AddTask(const auth::Principal& who, const Origin& origin,
                                          int64_t case_id, NewTask fields) {
  RETURN_IF_ERROR(ValidateText("title", fields.title, kMaxTitleBytes, true));
  int64_t task_id = 0;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(Case loaded, LoadVisible(tx, who, case_id, auth::AccessMode::kWrite));
        if (fields.assignee_user_id) {
          auth::ObjectScope scope = ScopeOf(loaded);
          bool member = std::find(scope.member_user_ids.begin(), scope.member_user_ids.end(),
                                  *fields.assignee_user_id) != scope.member_user_ids.end();
          if (!member)
            return base::InvalidField("assignee_user_id", "assign tasks to case members");
        }
        base::Millis now = clock_.NowMillis();
        store::Value assignee = std::monostate{};
        if (fields.assignee_user_id) assignee = *fields.assignee_user_id;
        store::Value due = std::monostate{};
        if (fields.due_at) due = *fields.due_at;
        ASSIGN_OR_RETURN(store::Result inserted,
                         tx.Execute("INSERT INTO case_tasks(case_id, title, assignee_id, due_at, "
                                    "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) "
                                    "RETURNING id",
                                    {case_id, fields.title, assignee, due, now}));
        task_id = inserted.rows.at(0).Int(0);
        RETURN_IF_ERROR(Touch(tx, case_id));
        return Record(tx, who, origin, "case.task_add", case_id, base::StrCat("task=", task_id));
      }));
  ASSIGN_OR_RETURN(std::vector<Task> tasks, Tasks(who, case_id));
  for (Task& task : tasks) {
    if (task.id == task_id) return task;
  }
  return absl::InternalError("the new task vanished");
}

absl::StatusOr<Task> CaseService::UpdateTask(const auth::Principal& who, const Origin& origin,
                                             int64_t case_id, int64_t task_id,
                                             const TaskChanges& changes) {
  if (changes.title) RETURN_IF_ERROR(ValidateText("title", *changes.title, kMaxTitleBytes, true));
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(Case loaded, LoadVisible(tx, who, case_id, auth::AccessMode::kWrite));
        ASSIGN_OR_RETURN(store::Result found,
                         tx.Execute("SELECT id FROM case_tasks WHERE id = $1 AND case_id = $2",
                                    {task_id, case_id}));
        if (found.rows.empty()) return absl::NotFoundError("task not found");
        if (changes.title) {
          RETURN_IF_ERROR(tx.Execute("UPDATE case_tasks SET title = $1 WHERE id = $2",
                                     {*changes.title, task_id})
                              .status());
        }
        if (changes.assignee_user_id) {
          store::Value assignee = std::monostate{};
          if (*changes.assignee_user_id) {
            auth::ObjectScope scope = ScopeOf(loaded);
            if (std::find(scope.member_user_ids.begin(), scope.member_user_ids.end(),
                          **changes.assignee_user_id) == scope.member_user_ids.end()) {
              return base::InvalidField("assignee_user_id", "assign tasks to case members");
            }
            assignee = **changes.assignee_user_id;
          }
          RETURN_IF_ERROR(tx.Execute("UPDATE case_tasks SET assignee_id = $1 WHERE id = $2",
                                     {assignee, task_id})
                              .status());
        }
        if (changes.due_at) {
          store::Value due = std::monostate{};
          if (*changes.due_at) due = **changes.due_at;
          RETURN_IF_ERROR(
              tx.Execute("UPDATE case_tasks SET due_at = $1 WHERE id = $2", {due, task_id})
                  .status());
        }
        if (changes.done) {
          RETURN_IF_ERROR(tx.Execute("UPDATE case_tasks SET done = $1 WHERE id = $2",
                                     {int64_t{*changes.done}, task_id})
                              .status());
        }
        RETURN_IF_ERROR(tx.Execute("UPDATE case_tasks SET updated_at = $1 WHERE id = $2",
                                   {clock_.NowMillis(), task_id})
                            .status());
        RETURN_IF_ERROR(Touch(tx, case_id));
        return Record(tx, who, origin, "case.task_update", case_id, base::StrCat("task=", task_id));
      }));
  ASSIGN_OR_RETURN(std::vector<Task> tasks, Tasks(who, case_id));
  for (Task& task : tasks) {
    if (task.id == task_id) return task;
  }
  return absl::NotFoundError("task not found");
}

absl::StatusOr<auth::ObjectScope> CaseService::Scope(int64_t case_id) {
  Case loaded;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(loaded, Load(tx, case_id));
        return absl::OkStatus();
      }));
  return ScopeOf(loaded);
}

absl::Status CaseService::CheckAccess(const auth::Principal& who, int64_t case_id,
                                      auth::AccessMode mode) {
  absl::StatusOr<auth::ObjectScope> scope = Scope(case_id);
  if (!scope.ok())
    return scope.status().code() == absl::StatusCode::kNotFound ? NotFound() : scope.status();
  if (!auth::CanAccess(who, *scope, auth::AccessMode::kRead)) return NotFound();
  if (!auth::CanAccess(who, *scope, mode)) {
    return absl::PermissionDeniedError("you may read this case but not change it");
  }
  return absl::OkStatus();
}

}  // namespace threathub::cases
