// Regions, agencies and users.
#include "api/render.h"
#include "api/services.h"
#include "base/status_macros.h"

namespace threathub::api {
namespace {

using auth::Permission;
using http::Json;
using http::JsonObject;
using http::Method;
using http::Request;
using http::Response;

absl::StatusOr<int64_t> PathId(const Request& request) {
  return http::IntParam(request.path_params, "id");
}

absl::StatusOr<std::optional<std::vector<auth::Role>>> ReadRoles(JsonObject& body) {
  ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> names,
                   body.OptionalStringList("roles", 16));
  if (!names) return std::nullopt;
  ASSIGN_OR_RETURN(std::vector<auth::Role> roles, auth::ParseRoles(*names));
  return roles;
}

// A POST /api/v1/users/{id}/<verb> route with an empty body that changes one user.
void AddUserAction(http::Router& router, Services& services, std::string verb,
                   std::function<absl::StatusOr<auth::User>(const auth::Actor&, int64_t)> act) {
  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/users/{id}/" + verb,
              .permission = Permission::kUsersManage,
              .handler = [act](Request& request) -> absl::StatusOr<Response> {
                if (!request.body.empty()) {
                  ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                  RETURN_IF_ERROR(body.Finish());
                }
                ASSIGN_OR_RETURN(int64_t id, PathId(request));
                ASSIGN_OR_RETURN(auth::User user, act(ActorOf(request), id));
                return http::JsonResponse(RenderUser(user));
              }});
}

}  // namespace

void AddOrgRoutes(http::Router& router, Services& services) {
  auth::OrgService& org = services.org;

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/regions",
              .permission = Permission::kOrgRead,
              .handler = [&org](Request&) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(std::vector<auth::Region> regions, org.ListRegions());
                Json list = Json::array();
                for (const auth::Region& region : regions) list.push_back(RenderRegion(region));
                return http::JsonResponse(Json{{"regions", list}});
              }});

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/regions",
              .permission = Permission::kOrgManageAll,
              .handler = [&org](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                ASSIGN_OR_RETURN(std::string code, body.RequiredString("code", 40));
                ASSIGN_OR_RETURN(std::string name, body.RequiredString("name", 200));
                RETURN_IF_ERROR(body.Finish());
                ASSIGN_OR_RETURN(auth::Region region,
                                 org.CreateRegion(ActorOf(request), code, name));
                return http::JsonResponse(RenderRegion(region), 201);
              }});

  router.Add({.method = Method::kPatch,
              .pattern = "/api/v1/regions/{id}",
              .permission = Permission::kOrgManageAll,
              .handler = [&org](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, PathId(request));
                ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                ASSIGN_OR_RETURN(std::string name, body.RequiredString("name", 200));
                RETURN_IF_ERROR(body.Finish());
                ASSIGN_OR_RETURN(auth::Region region, org.RenameRegion(ActorOf(request), id, name));
                return http::JsonResponse(RenderRegion(region));
              }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/agencies",
              .permission = Permission::kOrgRead,
              .handler = [&org](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(std::optional<int64_t> region_id,
                                 http::OptionalIntParam(request.query, "region_id"));
                ASSIGN_OR_RETURN(std::vector<auth::Agency> agencies, org.ListAgencies(region_id));
                Json list = Json::array();
                for (const auth::Agency& agency : agencies) list.push_back(RenderAgency(agency));
                return http::JsonResponse(Json{{"agencies", list}});
              }});

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/agencies",
              .permission = Permission::kOrgManageAll,
              .handler = [&org](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                ASSIGN_OR_RETURN(int64_t region_id, body.RequiredInt("region_id"));
                ASSIGN_OR_RETURN(std::string code, body.RequiredString("code", 40));
                ASSIGN_OR_RETURN(std::string name, body.RequiredString("name", 200));
                ASSIGN_OR_RETURN(std::optional<bool> national, body.OptionalBool("national"));
                RETURN_IF_ERROR(body.Finish());
                ASSIGN_OR_RETURN(auth::Agency agency,
                                 org.CreateAgency(ActorOf(request), region_id, code, name,
                                                  national.value_or(false)));
                return http::JsonResponse(RenderAgency(agency), 201);
              }});

  router.Add({.method = Method::kPatch,
              .pattern = "/api/v1/agencies/{id}",
              .permission = Permission::kOrgManage,
              .handler = [&org](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, PathId(request));
                ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                auth::AgencyChanges changes;
                ASSIGN_OR_RETURN(changes.name, body.OptionalString("name", 200));
                ASSIGN_OR_RETURN(changes.disabled, body.OptionalBool("disabled"));
                if (body.Contains("head_user_id")) {  // null clears it
                  ASSIGN_OR_RETURN(changes.head_user_id, body.OptionalInt("head_user_id"));
                }
                RETURN_IF_ERROR(body.Finish());
                ASSIGN_OR_RETURN(auth::Agency agency,
                                 org.UpdateAgency(ActorOf(request), id, changes));
                return http::JsonResponse(RenderAgency(agency));
              }});

  router.Add(
      {.method = Method::kGet,
       .pattern = "/api/v1/users",
       .permission = Permission::kUsersRead,
       .handler = [&org](Request& request) -> absl::StatusOr<Response> {
         auth::UserFilter filter;
         ASSIGN_OR_RETURN(filter.agency_id, http::OptionalIntParam(request.query, "agency_id"));
         if (auto text = request.query.find("q"); text != request.query.end()) {
           filter.text = text->second.substr(0, 100);
         }
         ASSIGN_OR_RETURN(std::vector<auth::User> users, org.ListUsers(ActorOf(request), filter));
         Json list = Json::array();
         for (const auth::User& user : users) list.push_back(RenderUser(user));
         return http::JsonResponse(Json{{"users", list}});
       },
       .audit_action = "user.list",
       .audit_object_type = "user"});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/users/{id}",
              .permission = Permission::kUsersRead,
              .handler = [&org](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, PathId(request));
                ASSIGN_OR_RETURN(auth::User user, org.GetUser(ActorOf(request), id));
                return http::JsonResponse(RenderUser(user));
              },
              .audit_action = "user.read",
              .audit_object_type = "user"});

  router.Add(
      {.method = Method::kPost,
       .pattern = "/api/v1/users",
       .permission = Permission::kUsersManage,
       .handler = [&org](Request& request) -> absl::StatusOr<Response> {
         ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
         auth::NewUser user;
         ASSIGN_OR_RETURN(user.username, body.RequiredString("username", 64));
         ASSIGN_OR_RETURN(user.display_name, body.RequiredString("display_name", 200));
         ASSIGN_OR_RETURN(std::optional<std::string> email, body.OptionalString("email", 200));
         user.email = email.value_or("");
         ASSIGN_OR_RETURN(user.agency_id, body.RequiredInt("agency_id"));
         ASSIGN_OR_RETURN(std::optional<std::vector<auth::Role>> roles, ReadRoles(body));
         user.roles = roles.value_or(std::vector<auth::Role>{});
         ASSIGN_OR_RETURN(user.password, body.RequiredString("password", 4096));
         RETURN_IF_ERROR(body.Finish());
         ASSIGN_OR_RETURN(auth::User created, org.CreateUser(ActorOf(request), std::move(user)));
         return http::JsonResponse(RenderUser(created), 201);
       }});

  router.Add({.method = Method::kPatch,
              .pattern = "/api/v1/users/{id}",
              .permission = Permission::kUsersManage,
              .handler = [&org](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, PathId(request));
                ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                auth::UserChanges changes;
                ASSIGN_OR_RETURN(changes.display_name, body.OptionalString("display_name", 200));
                ASSIGN_OR_RETURN(changes.email, body.OptionalString("email", 200));
                ASSIGN_OR_RETURN(changes.roles, ReadRoles(body));
                ASSIGN_OR_RETURN(changes.agency_id, body.OptionalInt("agency_id"));
                RETURN_IF_ERROR(body.Finish());
                ASSIGN_OR_RETURN(auth::User user, org.UpdateUser(ActorOf(request), id, changes));
                return http::JsonResponse(RenderUser(user));
              }});

  AddUserAction(router, services, "disable", [&org](const auth::Actor& actor, int64_t id) {
    return org.SetDisabled(actor, id, true);
  });
  AddUserAction(router, services, "enable", [&org](const auth::Actor& actor, int64_t id) {
    return org.SetDisabled(actor, id, false);
  });
  AddUserAction(router, services, "unlock",
                [&org](const auth::Actor& actor, int64_t id) { return org.Unlock(actor, id); });

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/users/{id}/reset-password",
              .permission = Permission::kUsersManage,
              .handler = [&org](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, PathId(request));
                std::optional<std::string> password;
                if (!request.body.empty()) {
                  ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                  ASSIGN_OR_RETURN(password, body.OptionalString("password", 4096));
                  RETURN_IF_ERROR(body.Finish());
                }
                ASSIGN_OR_RETURN(std::string assigned,
                                 org.ResetPassword(ActorOf(request), id, password.value_or("")));
                return http::JsonResponse(Json{{"password", assigned}});
              }});
}

}  // namespace threathub::api
