#include "auth/need_to_know.h"

#include <algorithm>

namespace threathub::auth {
namespace {

bool Contains(const std::vector<int64_t>& ids, int64_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

bool HasRole(const Principal& principal, Role role) {
  return std::find(principal.roles.begin(), principal.roles.end(), role) != principal.roles.end();
}

}  // namespace

bool CanAccess(const Principal& principal, const ObjectScope& scope, AccessMode mode) {
  if (principal.stage != SessionStage::kFull) return false;
  if (Contains(scope.member_user_ids, principal.user_id)) return true;
  bool same_agency = principal.agency_id == scope.agency_id;
  bool supervises = same_agency && HasRole(principal, Role::kSupervisor);
  if (mode == AccessMode::kWrite) return supervises;
  if (Contains(scope.shared_with_user_ids, principal.user_id)) return true;
  if (supervises) return true;
  return same_agency && scope.agency_wide;
}

absl::Status CheckAccess(const Principal& principal, const ObjectScope& scope, AccessMode mode) {
  if (CanAccess(principal, scope, mode)) return absl::OkStatus();
  return absl::NotFoundError("not found");
}

}  // namespace threathub::auth
