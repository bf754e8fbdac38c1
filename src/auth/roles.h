// Roles and permissions. A user holds roles; roles grant permissions; every HTTP route declares
// the one permission it needs (deny by default). `admin` of a national agency also gets
// kOrgManageAll: they manage every region, agency and user.
#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace threathub::auth {

enum class Role { kAdmin, kSupervisor, kInvestigator, kAnalyst, kProsecutor, kTrainer, kTrainee };
inline constexpr Role kAllRoles[] = {Role::kAdmin,   Role::kSupervisor, Role::kInvestigator,
                                     Role::kAnalyst, Role::kProsecutor, Role::kTrainer,
                                     Role::kTrainee};

std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);

enum class Permission {
  kPublic,        // no sign-in needed
  kSignedIn,      // any signed-in user with a complete session
  kEnrolment,     // signed in, also during TOTP enrolment (session, TOTP set-up, sign-out)
  kOrgRead,       // see regions, agencies
  kOrgManage,     // edit one's own agency
  kOrgManageAll,  // create and edit regions and any agency
  kUsersRead,     // see the users of one's agency (all, with kOrgManageAll)
  kUsersManage,   // create, edit, disable, unlock users of one's agency (all, with kOrgManageAll)
  kAuditRead,     // search the audit trail of one's agency (all, with kOrgManageAll)
  kCasesRead,     // see cases (each one still subject to need-to-know)
  kCasesCreate,   // open cases in one's agency
  kEvidenceApprove,  // approve evidence disposal, see integrity alerts of one's agency
  kMonitoring,       // request monitoring mandates, use collection (each mandate: need-to-know)
  kDetectReview,     // see and decide detection alerts (each alert: its mandate's need-to-know)
  kDetectManage,     // edit indicator lists and hash banks, start rescans
  kRequestsDraft,    // draft and track requests to service providers (each one: its case)
  kRequestsApprove,  // approve requests to service providers after legal review
  kDirectoryManage,  // edit the service-provider directory
  kCount,
};

std::string_view PermissionName(Permission permission);

using PermissionSet = std::bitset<static_cast<size_t>(Permission::kCount)>;

PermissionSet PermissionsFor(const std::vector<Role>& roles, bool national_agency);

inline bool Has(const PermissionSet& set, Permission permission) {
  return set.test(static_cast<size_t>(permission));
}

}  // namespace threathub::auth
