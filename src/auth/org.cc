#include "auth/org.h"
#include "base/strings.h"

#include <algorithm>

#include "auth/sessions.h"
#include "base/encoding.h"
#include "base/errors.h"
#include "base/status_macros.h"

namespace threathub::auth {
namespace {

constexpr size_t kMaxNameBytes = 200;

constexpr char kUserColumns[] =
    "SELECT u.id, u.agency_id, a.name, u.username, u.display_name, u.email, u.disabled, "
    "u.locked, u.totp_enabled, u.totp_exempt, u.language, u.time_zone, u.created_at "
    "FROM users u JOIN agencies a ON a.id = u.agency_id";

User UserFromRow(const store::Row& row) {
  User user;
  user.id = row.Int(0);
  user.agency_id = row.Int(1);
  user.agency_name = row.Text(2);
  user.username = row.Text(3);
  user.display_name = row.Text(4);
  user.email = row.Text(5);
  user.disabled = row.Int(6) != 0;
  user.locked = row.Int(7) != 0;
  user.totp_enabled = row.Int(8) != 0;
  user.totp_exempt = row.Int(9) != 0;
  user.language = row.Text(10);
  user.time_zone = row.Text(11);
  user.created_at = row.Int(12);
  return user;
}

Region RegionFromRow(const store::Row& row) {
  return Region{row.Int(0), row.Text(1), row.Text(2), row.Int(3)};
}

Agency AgencyFromRow(const store::Row& row) {
  Agency agency{row.Int(0),      row.Int(1),      row.Text(2), row.Text(3),
                row.Int(4) != 0, row.Int(5) != 0, row.Int(6)};
  if (!row.IsNull(7)) agency.head_user_id = row.Int(7);
  return agency;
}

constexpr char kRegionColumns[] = "SELECT id, code, name, created_at FROM regions";
constexpr char kAgencyColumns[] =
    "SELECT id, region_id, code, name, national, disabled, created_at, head_user_id "
    "FROM agencies";

absl::Status LoadRoles(store::Transaction& tx, User& user) {
  ASSIGN_OR_RETURN(store::Result result,
                   tx.Execute("SELECT role FROM user_roles WHERE user_id = $1", {user.id}));
  user.roles.clear();
  for (const store::Row& row : result.rows) {
    if (auto role = ParseRole(row.Text(0))) user.roles.push_back(*role);
  }
  std::sort(user.roles.begin(), user.roles.end());
  return absl::OkStatus();
}

absl::Status WriteRoles(store::Transaction& tx, int64_t user_id, const std::vector<Role>& roles) {
  RETURN_IF_ERROR(tx.Execute("DELETE FROM user_roles WHERE user_id = $1", {user_id}).status());
  for (Role role : roles) {
    RETURN_IF_ERROR(tx.Execute("INSERT INTO user_roles(user_id, role) VALUES ($1, $2)",
                               {user_id, std::string(RoleName(role))})
                        .status());
  }
  return absl::OkStatus();
}

std::string RolesText(const std::vector<Role>& roles) {
  std::vector<std::string_view> names;
  for (Role role : roles) names.push_back(RoleName(role));
  return base::StrJoin(names, ",");
}

absl::Status NotFound(std::string_view what, std::string_view key) {
  return absl::NotFoundError(base::StrCat(what, " ", key, " not found"));
}

// Renames a unique-constraint error so that it names the field the user typed.
absl::Status Explain(absl::Status status, std::string_view field, std::string_view message) {
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return base::FieldError(absl::StatusCode::kAlreadyExists, field, message);
  }
  return status;
}

}  // namespace

absl::Status ValidateCode(std::string_view field, std::string_view code) {
  if (code.empty() || code.size() > 40) return base::InvalidField(field, "1 to 40 characters");
  for (char symbol : code) {
    if (!absl::ascii_isalnum(symbol) && symbol != '-' && symbol != '_' && symbol != '.') {
      return base::InvalidField(field, "only Latin letters, digits, '-', '_' and '.'");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateName(std::string_view field, std::string_view name) {
  if (!base::IsValidUtf8(name)) return base::InvalidField(field, "not valid UTF-8");
  if (base::StripAsciiWhitespace(name).empty()) return base::InvalidField(field, "required");
  if (name.size() > kMaxNameBytes) return base::InvalidField(field, "too long (200 bytes at most)");
  for (unsigned char symbol : name) {
    if (symbol < 0x20) return base::InvalidField(field, "control characters are not allowed");
  }
  return absl::OkStatus();
}

absl::Status ValidateUsername(std::string_view username) {
  if (username.size() < 3 || username.size() > 64) {
    return base::InvalidField("username", "3 to 64 characters");
  }
  for (char symbol : username) {
    if (!absl::ascii_islower(symbol) && !absl::ascii_isdigit(symbol) && symbol != '.' &&
        symbol != '_' && symbol != '-') {
      return base::InvalidField("username",
                                "only lower-case Latin letters, digits, '.', '_' and '-'");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Role>> ParseRoles(const std::vector<std::string>& names) {
  std::vector<Role> roles;
  for (const std::string& name : names) {
    std::optional<Role> role = ParseRole(name);
    if (!role) return base::InvalidField("roles", base::StrCat("unknown role \"", name, "\""));
    if (std::find(roles.begin(), roles.end(), *role) == roles.end()) roles.push_back(*role);
  }
  std::sort(roles.begin(), roles.end());
  return roles;
}

absl::Status OrgService::Record(store::Transaction& tx, const Actor& actor, std::string action,
                                std::string object_type, std::string object_id,
                                std::string detail) {
  audit::Record record;
  record.actor_id = actor.user_id;
  record.actor_name = actor.name;
  record.agency_id = actor.agency_id;
  record.action = std::move(action);
  record.object_type = std::move(object_type);
  record.object_id = std::move(object_id);
  record.client = actor.client;
  record.request_id = actor.request_id;
  record.detail = std::move(detail);
  return trail_.Append(tx, record);
}

absl::Status OrgService::CheckAgencyScope(const Actor& actor, int64_t agency_id,
                                          Permission permission) {
  if (!actor.Can(permission)) {
    return absl::PermissionDeniedError(
        base::StrCat("missing permission ", PermissionName(permission)));
  }
  if (actor.Can(Permission::kOrgManageAll)) return absl::OkStatus();
  if (actor.agency_id && *actor.agency_id == agency_id) return absl::OkStatus();
  return absl::PermissionDeniedError("this belongs to another agency");
}

// ---- regions ----

absl::StatusOr<std::vector<Region>> OrgService::ListRegions() {
  ASSIGN_OR_RETURN(
      store::Result result,
      database_.Execute(base::StrCat(kRegionColumns, " ORDER BY name"), {}, store::TxMode::kRead));
  std::vector<Region> regions;
  for (const store::Row& row : result.rows) regions.push_back(RegionFromRow(row));
  return regions;
}

absl::StatusOr<Region> OrgService::FindRegion(std::string_view id_or_code) {
  int64_t id = 0;
  std::string sql = base::StrCat(kRegionColumns, " WHERE code = $1 OR id = $2");
  if (!base::SimpleAtoi(id_or_code, &id)) id = -1;
  ASSIGN_OR_RETURN(store::Result result,
                   database_.Execute(sql, {std::string(id_or_code), id}, store::TxMode::kRead));
  if (result.rows.empty()) return NotFound("region", id_or_code);
  return RegionFromRow(result.rows[0]);
}

absl::StatusOr<Region> OrgService::CreateRegion(const Actor& actor, std::string code,
                                                std::string name) {
  if (!actor.Can(Permission::kOrgManageAll)) {
    return absl::PermissionDeniedError("only a national administrator creates regions");
  }
  RETURN_IF_ERROR(ValidateCode("code", code));
  RETURN_IF_ERROR(ValidateName("name", name));
  Region region{0, std::move(code), std::move(name), clock_.NowMillis()};
  absl::Status status = database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(store::Result result,
                     tx.Execute("INSERT INTO regions(code, name, created_at) VALUES ($1, $2, $3) "
                                "RETURNING id",
                                {region.code, region.name, region.created_at}));
    region.id = result.rows.at(0).Int(0);
    return Record(tx, actor, "region.create", "region", std::to_string(region.id), region.code);
  });
  if (!status.ok()) return Explain(status, "code", "a region with this code exists");
  return region;
}

absl::StatusOr<Region> OrgService::RenameRegion(const Actor& actor, int64_t id, std::string name) {
  if (!actor.Can(Permission::kOrgManageAll)) {
    return absl::PermissionDeniedError("only a national administrator edits regions");
  }
  RETURN_IF_ERROR(ValidateName("name", name));
  Region region;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(store::Result updated,
                         tx.Execute("UPDATE regions SET name = $1 WHERE id = $2", {name, id}));
        if (updated.affected_rows == 0) return NotFound("region", std::to_string(id));
        ASSIGN_OR_RETURN(store::Result result,
                         tx.Execute(base::StrCat(kRegionColumns, " WHERE id = $1"), {id}));
        region = RegionFromRow(result.rows.at(0));
        return Record(tx, actor, "region.update", "region", std::to_string(id), "name");
      }));
  return region;
}

// ---- agencies ----

absl::StatusOr<std::vector<Agency>> OrgService::ListAgencies(std::optional<int64_t> region_id) {
  std::string sql = kAgencyColumns;
  std::vector<store::Value> params;
  if (region_id) {
    sql += " WHERE region_id = $1";
    params.push_back(*region_id);
  }
  sql += " ORDER BY name";
  ASSIGN_OR_RETURN(store::Result result, database_.Execute(sql, params, store::TxMode::kRead));
  std::vector<Agency> agencies;
  for (const store::Row& row : result.rows) agencies.push_back(AgencyFromRow(row));
  return agencies;
}

absl::StatusOr<Agency> OrgService::GetAgency(int64_t id) {
  ASSIGN_OR_RETURN(store::Result result,
                   database_.Execute(base::StrCat(kAgencyColumns, " WHERE id = $1"), {id},
                                     store::TxMode::kRead));
  if (result.rows.empty()) return NotFound("agency", std::to_string(id));
  return AgencyFromRow(result.rows[0]);
}

absl::StatusOr<Agency> OrgService::FindAgency(std::string_view id_or_code) {
  int64_t id = 0;
  if (!base::SimpleAtoi(id_or_code, &id)) id = -1;
  ASSIGN_OR_RETURN(store::Result result,
                   database_.Execute(base::StrCat(kAgencyColumns, " WHERE code = $1 OR id = $2"),
                                     {std::string(id_or_code), id}, store::TxMode::kRead));
  if (result.rows.empty()) return NotFound("agency", id_or_code);
  return AgencyFromRow(result.rows[0]);
}

absl::StatusOr<Agency> OrgService::CreateAgency(const Actor& actor, int64_t region_id,
                                                std::string code, std::string name, bool national) {
  if (!actor.Can(Permission::kOrgManageAll)) {
    return absl::PermissionDeniedError("only a national administrator creates agencies");
  }
  RETURN_IF_ERROR(ValidateCode("code", code));
  RETURN_IF_ERROR(ValidateName("name", name));
  Agency agency{0,        region_id, std::move(code),   std::move(name),
                national, false,     clock_.NowMillis()};
  absl::Status status =
      database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(store::Result region,
                         tx.Execute("SELECT id FROM regions WHERE id = $1", {region_id}));
        if (region.rows.empty()) {
          return base::FieldError(absl::StatusCode::kNotFound, "region_id", "no such region");
        }
        ASSIGN_OR_RETURN(
            store::Result result,
            tx.Execute(
                "INSERT INTO agencies(region_id, code, name, national, created_at) "
                "VALUES ($1, $2, $3, $4, $5) RETURNING id",
                {region_id, agency.code, agency.name, int64_t{national}, agency.created_at}));
        agency.id = result.rows.at(0).Int(0);
        return Record(tx, actor, "agency.create", "agency", std::to_string(agency.id), agency.code);
      });
  if (!status.ok()) return Explain(status, "code", "an agency with this code exists");
  return agency;
}

absl::StatusOr<Agency> OrgService::UpdateAgency(const Actor& actor, int64_t id,
                                                const AgencyChanges& changes) {
  RETURN_IF_ERROR(CheckAgencyScope(actor, id, Permission::kOrgManage));
  if (changes.name) RETURN_IF_ERROR(ValidateName("name", *changes.name));
  Agency agency;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(store::Result found,
                         tx.Execute(base::StrCat(kAgencyColumns, " WHERE id = $1"), {id}));
        if (found.rows.empty()) return NotFound("agency", std::to_string(id));
        std::vector<std::string> changed;
        if (changes.name) {
          RETURN_IF_ERROR(
              tx.Execute("UPDATE agencies SET name = $1 WHERE id = $2", {*changes.name, id})
                  .status());
          changed.push_back("name");
        }
        if (changes.head_user_id) {
          store::Value head = std::monostate{};
          if (*changes.head_user_id) {
            ASSIGN_OR_RETURN(store::Result user,
                             tx.Execute("SELECT 1 FROM users WHERE id = $1 AND agency_id = $2 "
                                        "AND disabled = 0",
                                        {**changes.head_user_id, id}));
            if (user.rows.empty()) {
              return base::InvalidField("head_user_id",
                                        "the head must be an active user of this agency");
            }
            head = **changes.head_user_id;
          }
          RETURN_IF_ERROR(
              tx.Execute("UPDATE agencies SET head_user_id = $1 WHERE id = $2", {head, id})
                  .status());
          changed.push_back(*changes.head_user_id ? base::StrCat("head=", **changes.head_user_id)
                                                  : std::string("head=none"));
        }
        if (changes.disabled) {
          RETURN_IF_ERROR(tx.Execute("UPDATE agencies SET disabled = $1 WHERE id = $2",
                                     {int64_t{*changes.disabled}, id})
                              .status());
          changed.push_back(*changes.disabled ? "disabled" : "enabled");
          RETURN_IF_ERROR(Authenticator::BumpEpoch(tx));
        }
        ASSIGN_OR_RETURN(store::Result result,
                         tx.Execute(base::StrCat(kAgencyColumns, " WHERE id = $1"), {id}));
        agency = AgencyFromRow(result.rows.at(0));
        return Record(tx, actor, "agency.update", "agency", std::to_string(id),
                      base::StrJoin(changed, ","));
      }));
  if (changes.disabled && *changes.disabled) sessions_.ForgetAgency(id);
  return agency;
}

// ---- users ----

absl::StatusOr<User> OrgService::LoadUser(store::Transaction& tx, int64_t id) {
  ASSIGN_OR_RETURN(store::Result result,
                   tx.Execute(base::StrCat(kUserColumns, " WHERE u.id = $1"), {id}));
  if (result.rows.empty()) return NotFound("user", std::to_string(id));
  User user = UserFromRow(result.rows[0]);
  RETURN_IF_ERROR(LoadRoles(tx, user));
  return user;
}

absl::StatusOr<std::vector<User>> OrgService::ListUsers(const Actor& actor,
                                                        const UserFilter& filter) {
  if (!actor.Can(Permission::kUsersRead)) {
    return absl::PermissionDeniedError("missing permission users.read");
  }
  std::string sql = base::StrCat(kUserColumns, " WHERE 1 = 1");
  std::vector<store::Value> params;
  std::optional<int64_t> agency_id = filter.agency_id;
  if (!actor.Can(Permission::kOrgManageAll)) {
    if (agency_id && agency_id != actor.agency_id) {
      return absl::PermissionDeniedError("this belongs to another agency");
    }
    agency_id = actor.agency_id;
  }
  if (agency_id) {
    params.push_back(*agency_id);
    base::StrAppend(&sql, " AND u.agency_id = $", params.size());
  }
  if (!filter.text.empty()) {
    params.push_back(base::StrCat("%", base::AsciiStrToLower(filter.text), "%"));
    base::StrAppend(&sql, " AND (lower(u.username) LIKE $", params.size(),
                    " OR lower(u.display_name) LIKE $", params.size(), ")");
  }
  sql += " ORDER BY u.username LIMIT 1000";
  std::vector<User> users;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(store::Result result, tx.Execute(sql, params));
        for (const store::Row& row : result.rows) {
          User user = UserFromRow(row);
          RETURN_IF_ERROR(LoadRoles(tx, user));
          users.push_back(std::move(user));
        }
        return absl::OkStatus();
      }));
  return users;
}

absl::StatusOr<User> OrgService::GetUser(const Actor& actor, int64_t id) {
  User user;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(user, LoadUser(tx, id));
        return absl::OkStatus();
      }));
  RETURN_IF_ERROR(CheckAgencyScope(actor, user.agency_id, Permission::kUsersRead));
  return user;
}

absl::StatusOr<User> OrgService::FindUser(const Actor& actor, std::string_view id_or_username) {
  int64_t id = 0;
  if (!base::SimpleAtoi(id_or_username, &id)) {
    ASSIGN_OR_RETURN(store::Result result,
                     database_.Execute("SELECT id FROM users WHERE username = $1",
                                       {std::string(id_or_username)}, store::TxMode::kRead));
    if (result.rows.empty()) return NotFound("user", id_or_username);
    id = result.rows[0].Int(0);
  }
  return GetUser(actor, id);
}

absl::StatusOr<User> OrgService::CreateUser(const Actor& actor, NewUser fields) {
  RETURN_IF_ERROR(CheckAgencyScope(actor, fields.agency_id, Permission::kUsersManage));
  RETURN_IF_ERROR(ValidateUsername(fields.username));
  RETURN_IF_ERROR(ValidateName("display_name", fields.display_name));
  if (fields.email.size() > kMaxNameBytes || !base::IsValidUtf8(fields.email)) {
    return base::InvalidField("email", "not a valid address");
  }
  if (!fields.email.empty() && fields.email.find('@') == std::string::npos) {
    return base::InvalidField("email", "not a valid address");
  }
  RETURN_IF_ERROR(CheckPasswordPolicy(fields.password, fields.username));
  ASSIGN_OR_RETURN(std::string hash, HashPassword(fields.password, cost_));
  base::Millis now = clock_.NowMillis();
  int64_t id = 0;
  User user;
  absl::Status status =
      database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(
            store::Result agency,
            tx.Execute("SELECT disabled FROM agencies WHERE id = $1", {fields.agency_id}));
        if (agency.rows.empty()) {
          return base::FieldError(absl::StatusCode::kNotFound, "agency_id", "no such agency");
        }
        ASSIGN_OR_RETURN(
            store::Result result,
            tx.Execute(
                "INSERT INTO users(agency_id, username, display_name, email, password_hash, "
                "totp_exempt, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) "
                "RETURNING id",
                {fields.agency_id, fields.username, fields.display_name, fields.email, hash,
                 int64_t{fields.totp_exempt}, now}));
        id = result.rows.at(0).Int(0);
        RETURN_IF_ERROR(WriteRoles(tx, id, fields.roles));
        ASSIGN_OR_RETURN(user, LoadUser(tx, id));
        return Record(tx, actor, "user.create", "user", std::to_string(id),
                      base::StrCat(fields.username, " roles=", RolesText(fields.roles)));
      });
  if (!status.ok()) return Explain(status, "username", "this username is taken");
  return user;
}

absl::StatusOr<User> OrgService::ChangeUser(
    const Actor& actor, int64_t id, std::string action,
    absl::FunctionRef<absl::Status(store::Transaction&, User&)> change) {
  User user;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(user, LoadUser(tx, id));
        RETURN_IF_ERROR(CheckAgencyScope(actor, user.agency_id, Permission::kUsersManage));
        RETURN_IF_ERROR(change(tx, user));
        RETURN_IF_ERROR(Authenticator::BumpEpoch(tx));  // roles, state or agency may have changed
        RETURN_IF_ERROR(
            tx.Execute("UPDATE users SET updated_at = $1 WHERE id = $2", {clock_.NowMillis(), id})
                .status());
        std::string detail = user.username;
        ASSIGN_OR_RETURN(user, LoadUser(tx, id));
        return Record(tx, actor, std::move(action), "user", std::to_string(id), detail);
      }));
  sessions_.ForgetUser(id);
  return user;
}

absl::StatusOr<User> OrgService::UpdateUser(const Actor& actor, int64_t id,
                                            const UserChanges& changes) {
  if (changes.display_name) RETURN_IF_ERROR(ValidateName("display_name", *changes.display_name));
  if (changes.email && !changes.email->empty() &&
      (changes.email->find('@') == std::string::npos || changes.email->size() > kMaxNameBytes)) {
    return base::InvalidField("email", "not a valid address");
  }
  if (changes.agency_id) {
    RETURN_IF_ERROR(CheckAgencyScope(actor, *changes.agency_id, Permission::kUsersManage));
  }
  return ChangeUser(
      actor, id, "user.update", [&](store::Transaction& tx, User& user) -> absl::Status {
        if (changes.display_name) {
          RETURN_IF_ERROR(tx.Execute("UPDATE users SET display_name = $1 WHERE id = $2",
                                     {*changes.display_name, id})
                              .status());
        }
        if (changes.email) {
          RETURN_IF_ERROR(
              tx.Execute("UPDATE users SET email = $1 WHERE id = $2", {*changes.email, id})
                  .status());
        }
        if (changes.agency_id) {
          ASSIGN_OR_RETURN(store::Result agency, tx.Execute("SELECT id FROM agencies WHERE id = $1",
                                                            {*changes.agency_id}));
          if (agency.rows.empty()) {
            return base::FieldError(absl::StatusCode::kNotFound, "agency_id", "no such agency");
          }
          RETURN_IF_ERROR(
              tx.Execute("UPDATE users SET agency_id = $1 WHERE id = $2", {*changes.agency_id, id})
                  .status());
        }
        if (changes.roles) {
          if (actor.user_id == id &&
              std::find(changes.roles->begin(), changes.roles->end(), Role::kAdmin) ==
                  changes.roles->end() &&
              std::find(user.roles.begin(), user.roles.end(), Role::kAdmin) != user.roles.end()) {
            return base::FieldError(absl::StatusCode::kFailedPrecondition, "roles",
                                    "you cannot remove your own admin role");
          }
          RETURN_IF_ERROR(WriteRoles(tx, id, *changes.roles));
        }
        return absl::OkStatus();
      });
}

absl::StatusOr<User> OrgService::SetDisabled(const Actor& actor, int64_t id, bool disabled) {
  if (disabled && actor.user_id == id) {
    return absl::FailedPreconditionError("you cannot disable your own account");
  }
  ASSIGN_OR_RETURN(
      User user,
      ChangeUser(actor, id, disabled ? "user.disable" : "user.enable",
                 [&](store::Transaction& tx, User&) -> absl::Status {
                   RETURN_IF_ERROR(tx.Execute("UPDATE users SET disabled = $1 WHERE id = $2",
                                              {int64_t{disabled}, id})
                                       .status());
                   if (!disabled) return absl::OkStatus();
                   return Authenticator::RevokeUserSessions(tx, id);
                 }));
  return user;
}

absl::StatusOr<User> OrgService::Unlock(const Actor& actor, int64_t id) {
  return ChangeUser(actor, id, "user.unlock", [&](store::Transaction& tx, User&) {
    return tx
        .Execute(
            "UPDATE users SET locked = 0, failed_count = 0, first_failure_at = 0 "
            "WHERE id = $1",
            {id})
        .status();
  });
}

absl::StatusOr<std::string> OrgService::ResetPassword(const Actor& actor, int64_t id,
                                                      std::string password) {
  // The scope check comes first so that nobody learns anything about other agencies' users.
  ASSIGN_OR_RETURN(User before, GetUser(actor, id));
  RETURN_IF_ERROR(CheckAgencyScope(actor, before.agency_id, Permission::kUsersManage));
  if (password.empty()) password = GeneratePassword();
  RETURN_IF_ERROR(CheckPasswordPolicy(password, before.username));
  ASSIGN_OR_RETURN(std::string hash, HashPassword(password, cost_));
  RETURN_IF_ERROR(ChangeUser(actor, id, "user.reset_password",
                             [&](store::Transaction& tx, User&) -> absl::Status {
                               RETURN_IF_ERROR(
                                   tx.Execute("UPDATE users SET password_hash = $1, locked = 0, "
                                              "failed_count = 0, totp_enabled = 0, "
                                              "totp_secret = '', totp_last_step = 0 WHERE id = $2",
                                              {hash, id})
                                       .status());
                               return Authenticator::RevokeUserSessions(tx, id);
                             })
                      .status());
  return password;
}

}  // namespace threathub::auth
