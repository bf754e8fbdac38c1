// Who is acting: a signed-in user (Principal) or the local operator at the command line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "auth/roles.h"
#include "base/clock.h"

namespace threathub::auth {

enum class SessionStage {
  kTotp,    // password accepted, TOTP code still to come (a sign-in challenge)
  kEnroll,  // signed in, but must enrol TOTP before anything else
  kFull,
};
std::string_view SessionStageName(SessionStage stage);

struct Principal {
  int64_t user_id = 0;
  std::string username;
  std::string display_name;
  int64_t agency_id = 0;
  std::string agency_name;
  bool national_agency = false;
  std::vector<Role> roles;
  PermissionSet permissions;
  std::string language;
  std::string time_zone;
  bool totp_enabled = false;
  int64_t session_id = 0;
  SessionStage stage = SessionStage::kFull;
  std::string csrf_token;
  base::Millis session_created_at = 0;
  base::Millis session_expires_at = 0;  // absolute end
};

// The actor of an operation, for permission scoping and the audit trail.
struct Actor {
  std::optional<int64_t> user_id;  // empty for the command-line operator
  std::string name;
  std::optional<int64_t> agency_id;
  PermissionSet permissions;
  std::string client;
  std::string request_id;

  bool Can(Permission permission) const { return Has(permissions, permission); }

  static Actor FromPrincipal(const Principal& principal, std::string client,
                             std::string request_id);
  // The operator at the server's command line: full rights, recorded as "cli:<login>".
  static Actor CommandLine();
};

}  // namespace threathub::auth
