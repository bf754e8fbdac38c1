// The organisation: regions -> agencies (units) -> users, and the accounts' roles.
//
// Every change is checked against the actor's scope (a national admin manages everything, an
// agency admin their own agency), validated field by field (errors name the field), and written
// together with its audit record in one transaction.
//
//   auth::OrgService org(db, trail, sessions, clock, cost);
//   ASSIGN_OR_RETURN(auth::User user, org.CreateUser(actor, new_user));
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audit.h"
#include "auth/password.h"
#include "auth/principal.h"
#include "auth/roles.h"
#include "base/clock.h"
#include "store/database.h"

namespace threathub::auth {

class Authenticator;

struct Region {
  int64_t id = 0;
  std::string code;
  std::string name;
  base::Millis created_at = 0;
};

struct Agency {
  int64_t id = 0;
  int64_t region_id = 0;
  std::string code;
  std::string name;
  bool national = false;
  bool disabled = false;
  base::Millis created_at = 0;
  // The head of the agency (a user of it): gives the second approval of covert monitoring
  // mandates (src/mandates). Empty when not set.
  std::optional<int64_t> head_user_id;
};

struct User {
  int64_t id = 0;
  int64_t agency_id = 0;
  std::string agency_name;
  std::string username;
  std::string display_name;
  std::string email;
  std::vector<Role> roles;
  bool disabled = false;
  bool locked = false;
  bool totp_enabled = false;
  bool totp_exempt = false;
  std::string language;
  std::string time_zone;
  base::Millis created_at = 0;
};

struct NewUser {
  int64_t agency_id = 0;
  std::string username;
  std::string display_name;
  std::string email;
  std::vector<Role> roles;
  std::string password;
  bool totp_exempt = false;  // demo accounts only
};

struct UserChanges {
  std::optional<std::string> display_name;
  std::optional<std::string> email;
  std::optional<std::vector<Role>> roles;
  std::optional<int64_t> agency_id;
};

struct AgencyChanges {
  std::optional<std::string> name;
  std::optional<bool> disabled;
  // Set (an active user of the agency), or cleared with nullopt inside.
  std::optional<std::optional<int64_t>> head_user_id;
};

struct UserFilter {
  std::optional<int64_t> agency_id;
  std::string text;  // matches username or display name
};

class OrgService {
 public:
  OrgService(store::Database& database, audit::AuditTrail& trail, Authenticator& sessions,
             const base::Clock& clock, Argon2Cost cost)
      : database_(database), trail_(trail), sessions_(sessions), clock_(clock), cost_(cost) {}

  absl::StatusOr<std::vector<Region>> ListRegions();
  absl::StatusOr<Region> CreateRegion(const Actor& actor, std::string code, std::string name);
  absl::StatusOr<Region> RenameRegion(const Actor& actor, int64_t id, std::string name);
  absl::StatusOr<Region> FindRegion(std::string_view id_or_code);

  absl::StatusOr<std::vector<Agency>> ListAgencies(std::optional<int64_t> region_id);
  absl::StatusOr<Agency> CreateAgency(const Actor& actor, int64_t region_id, std::string code,
                                      std::string name, bool national);
  absl::StatusOr<Agency> UpdateAgency(const Actor& actor, int64_t id, const AgencyChanges& changes);
  absl::StatusOr<Agency> GetAgency(int64_t id);
  absl::StatusOr<Agency> FindAgency(std::string_view id_or_code);

  absl::StatusOr<std::vector<User>> ListUsers(const Actor& actor, const UserFilter& filter);
  absl::StatusOr<User> GetUser(const Actor& actor, int64_t id);
  absl::StatusOr<User> FindUser(const Actor& actor, std::string_view id_or_username);
  absl::StatusOr<User> CreateUser(const Actor& actor, NewUser user);
  absl::StatusOr<User> UpdateUser(const Actor& actor, int64_t id, const UserChanges& changes);
  absl::StatusOr<User> SetDisabled(const Actor& actor, int64_t id, bool disabled);
  absl::StatusOr<User> Unlock(const Actor& actor, int64_t id);
  // Sets `password` (or a generated one when empty) and clears the TOTP enrolment; returns the
  // new password. Ends the user's sessions.
  absl::StatusOr<std::string> ResetPassword(const Actor& actor, int64_t id, std::string password);

 private:
  absl::StatusOr<User> LoadUser(store::Transaction& tx, int64_t id);
  absl::Status CheckAgencyScope(const Actor& actor, int64_t agency_id, Permission permission);
  absl::Status Record(store::Transaction& tx, const Actor& actor, std::string action,
                      std::string object_type, std::string object_id, std::string detail);
  // Runs `change` on user `id` inside a write transaction after the scope check, audits it and
  // returns the user as it is afterwards.
  absl::StatusOr<User> ChangeUser(
      const Actor& actor, int64_t id, std::string action,
      absl::FunctionRef<absl::Status(store::Transaction&, User&)> change);

  store::Database& database_;
  audit::AuditTrail& trail_;
  Authenticator& sessions_;
  const base::Clock& clock_;
  Argon2Cost cost_;
};

// Field checks shared by the API and the CLI.
absl::Status ValidateCode(std::string_view field, std::string_view code);
absl::Status ValidateName(std::string_view field, std::string_view name);
absl::Status ValidateUsername(std::string_view username);
absl::StatusOr<std::vector<Role>> ParseRoles(const std::vector<std::string>& names);

}  // namespace threathub::auth
