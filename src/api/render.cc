#include "api/render.h"
#include "base/strings.h"

namespace threathub::api {

using http::Json;

Json RenderRoles(const std::vector<auth::Role>& roles) {
  Json names = Json::array();
  for (auth::Role role : roles) names.push_back(auth::RoleName(role));
  return names;
}

Json RenderRegion(const auth::Region& region) {
  return Json{{"id", region.id},
              {"code", region.code},
              {"name", region.name},
              {"created_at", base::FormatUtc(region.created_at)}};
}

Json RenderAgency(const auth::Agency& agency) {
  return Json{{"id", agency.id},
              {"region_id", agency.region_id},
              {"code", agency.code},
              {"name", agency.name},
              {"national", agency.national},
              {"disabled", agency.disabled},
              {"created_at", base::FormatUtc(agency.created_at)}};
}

Json RenderUser(const auth::User& user) {
  return Json{{"id", user.id},
              {"username", user.username},
              {"display_name", user.display_name},
              {"email", user.email},
              {"agency_id", user.agency_id},
              {"agency_name", user.agency_name},
              {"roles", RenderRoles(user.roles)},
              {"disabled", user.disabled},
              {"locked", user.locked},
              {"totp_enabled", user.totp_enabled},
              {"language", user.language},
              {"time_zone", user.time_zone},
              {"created_at", base::FormatUtc(user.created_at)}};
}

Json RenderSession(const auth::Principal& principal, int64_t idle_timeout_seconds) {
  Json permissions = Json::array();
  for (size_t permission_idx = 0; permission_idx < static_cast<size_t>(auth::Permission::kCount);
       ++permission_idx) {
    auto permission = static_cast<auth::Permission>(permission_idx);
    if (auth::Has(principal.permissions, permission)) {
      permissions.push_back(auth::PermissionName(permission));
    }
  }
  Json user = {{"id", principal.user_id},
               {"username", principal.username},
               {"display_name", principal.display_name},
               {"agency_id", principal.agency_id},
               {"agency_name", principal.agency_name},
               {"national_agency", principal.national_agency},
               {"roles", RenderRoles(principal.roles)},
               {"permissions", permissions},
               {"language", principal.language},
               {"time_zone", principal.time_zone},
               {"totp_enabled", principal.totp_enabled}};
  return Json{{"user", user},
              {"csrf_token", principal.csrf_token},
              {"stage", auth::SessionStageName(principal.stage)},
              {"idle_timeout_seconds", idle_timeout_seconds},
              {"expires_at", base::FormatUtc(principal.session_expires_at)}};
}

Json RenderAuditRecord(const audit::Record& record) {
  return Json{{"id", record.id},
              {"at", base::FormatUtc(record.at)},
              {"actor_id", record.actor_id ? Json(*record.actor_id) : Json(nullptr)},
              {"actor_name", record.actor_name},
              {"agency_id", record.agency_id ? Json(*record.agency_id) : Json(nullptr)},
              {"action", record.action},
              {"object_type", record.object_type},
              {"object_id", record.object_id},
              {"client", record.client},
              {"outcome", audit::OutcomeName(record.outcome)},
              {"request_id", record.request_id},
              {"detail", record.detail}};
}

}  // namespace threathub::api
