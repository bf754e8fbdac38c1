#include "auth/principal.h"
#include "base/strings.h"

#include <unistd.h>

#include <cstdlib>

namespace threathub::auth {

std::string_view SessionStageName(SessionStage stage) {
  switch (stage) {
    case SessionStage::kTotp:
      return "totp";
    case SessionStage::kEnroll:
      return "enroll";
    case SessionStage::kFull:
      return "full";
  }
  return "full";
}

Actor Actor::FromPrincipal(const Principal& principal, std::string client, std::string request_id) {
  Actor actor;
  actor.user_id = principal.user_id;
  actor.name = principal.username;
  actor.agency_id = principal.agency_id;
  actor.permissions = principal.permissions;
  actor.client = std::move(client);
  actor.request_id = std::move(request_id);
  return actor;
}

Actor Actor::CommandLine() {
  Actor actor;
  const char* login = std::getenv("USER");
  actor.name = base::StrCat("cli:", login != nullptr ? login : std::to_string(::getuid()));
  actor.permissions.set();
  actor.client = "local";
  return actor;
}

}  // namespace threathub::auth
