#include "auth/roles.h"

namespace threathub::auth {
namespace {

struct RoleInfo {
  Role role;
  std::string_view name;
  std::vector<Permission> grants;
};

// The one table of what each role may do.
const std::vector<RoleInfo>& RoleTable() {
  static const auto* table = new std::vector<RoleInfo>{
      {Role::kAdmin,
       "admin",
       {Permission::kOrgRead, Permission::kOrgManage, Permission::kUsersRead,
        Permission::kUsersManage, Permission::kAuditRead, Permission::kDirectoryManage}},
      {Role::kSupervisor,
       "supervisor",
       {Permission::kOrgRead, Permission::kUsersRead, Permission::kAuditRead,
        Permission::kCasesRead, Permission::kCasesCreate, Permission::kEvidenceApprove,
        Permission::kMonitoring, Permission::kDetectReview, Permission::kDetectManage,
        Permission::kRequestsDraft, Permission::kRequestsApprove}},
      {Role::kInvestigator,
       "investigator",
       {Permission::kOrgRead, Permission::kCasesRead, Permission::kCasesCreate,
        Permission::kMonitoring, Permission::kDetectReview, Permission::kRequestsDraft}},
      {Role::kAnalyst,
       "analyst",
       {Permission::kOrgRead, Permission::kCasesRead, Permission::kMonitoring,
        Permission::kDetectReview, Permission::kDetectManage, Permission::kRequestsDraft}},
      {Role::kProsecutor,
       "prosecutor",
       {Permission::kOrgRead, Permission::kCasesRead, Permission::kRequestsApprove}},
      {Role::kTrainer, "trainer", {Permission::kOrgRead}},
      {Role::kTrainee, "trainee", {}},
  };
  return *table;
}

}  // namespace

std::string_view RoleName(Role role) {
  for (const RoleInfo& info : RoleTable()) {
    if (info.role == role) return info.name;
  }
  return "";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (const RoleInfo& info : RoleTable()) {
    if (info.name == name) return info.role;
  }
  return std::nullopt;
}

std::string_view PermissionName(Permission permission) {
  switch (permission) {
    case Permission::kPublic:
      return "public";
    case Permission::kSignedIn:
      return "signed_in";
    case Permission::kEnrolment:
      return "enrolment";
    case Permission::kOrgRead:
      return "org.read";
    case Permission::kOrgManage:
      return "org.manage";
    case Permission::kOrgManageAll:
      return "org.manage_all";
    case Permission::kUsersRead:
      return "users.read";
    case Permission::kUsersManage:
      return "users.manage";
    case Permission::kAuditRead:
      return "audit.read";
    case Permission::kCasesRead:
      return "cases.read";
    case Permission::kCasesCreate:
      return "cases.create";
    case Permission::kEvidenceApprove:
      return "evidence.approve";
    case Permission::kMonitoring:
      return "monitoring.use";
    case Permission::kDetectReview:
      return "detect.review";
    case Permission::kDetectManage:
      return "detect.manage";
    case Permission::kRequestsDraft:
      return "requests.draft";
    case Permission::kRequestsApprove:
      return "requests.approve";
    case Permission::kDirectoryManage:
      return "directory.manage";
    case Permission::kCount:
      break;
  }
  return "";
}

PermissionSet PermissionsFor(const std::vector<Role>& roles, bool national_agency) {
  PermissionSet set;
  set.set(static_cast<size_t>(Permission::kPublic));
  set.set(static_cast<size_t>(Permission::kSignedIn));
  set.set(static_cast<size_t>(Permission::kEnrolment));
  for (Role role : roles) {
    for (const RoleInfo& info : RoleTable()) {
      if (info.role != role) continue;
      for (Permission permission : info.grants) set.set(static_cast<size_t>(permission));
    }
    if (role == Role::kAdmin && national_agency) {
      set.set(static_cast<size_t>(Permission::kOrgManageAll));
    }
  }
  return set;
}

}  // namespace threathub::auth
