// Cases, their members, shares, notes and tasks. Need-to-know is checked inside CaseService on
// every call; the route permission only says who may use cases at all.
#include "api/render.h"
#include "api/services.h"
#include "base/errors.h"
#include "base/status_macros.h"
#include "base/strings.h"

namespace threathub::api {
namespace {

using auth::Permission;
using http::Json;
using http::JsonObject;
using http::Method;
using http::Request;
using http::Response;

cases::Origin OriginOf(const Request& request) {
  return cases::Origin{request.client_address, request.request_id};
}

absl::StatusOr<int64_t> Param(const Request& request, const std::string& name) {
  return http::IntParam(request.path_params, name);
}

Json RenderCase(const cases::Case& opened) {
  Json members = Json::array();
  for (const cases::Member& member : opened.members) {
    Json item = RenderPerson(member.person);
    item["role"] = cases::MemberRoleName(member.role);
    members.push_back(item);
  }
  Json shared = Json::array();
  for (const cases::Person& person : opened.shared_with) shared.push_back(RenderPerson(person));
  return Json{{"id", opened.id},
              {"agency_id", opened.agency_id},
              {"number", opened.number},
              {"title", opened.title},
              {"description", opened.description},
              {"articles", opened.articles},
              {"status", cases::CaseStatusName(opened.status)},
              {"lead_user_id", opened.lead_user_id},
              {"members", members},
              {"shared_with", shared},
              {"created_at", base::FormatUtc(opened.created_at)},
              {"updated_at", base::FormatUtc(opened.updated_at)}};
}

Json RenderNote(const cases::Note& note) {
  return Json{{"id", note.id},
              {"case_id", note.case_id},
              {"author", RenderPerson(note.author)},
              {"text", note.text},
              {"created_at", base::FormatUtc(note.created_at)}};
}

Json RenderTask(const cases::Task& task) {
  return Json{{"id", task.id},
              {"case_id", task.case_id},
              {"title", task.title},
              {"assignee", task.assignee ? RenderPerson(*task.assignee) : Json(nullptr)},
              {"due_at", task.due_at ? Json(base::FormatUtc(*task.due_at)) : Json(nullptr)},
              {"done", task.done},
              {"created_at", base::FormatUtc(task.created_at)},
              {"updated_at", base::FormatUtc(task.updated_at)}};
}

absl::StatusOr<cases::CaseStatus> ReadStatus(std::string_view name, std::string_view field) {
  std::optional<cases::CaseStatus> status = cases::ParseCaseStatus(name);
  if (!status) {
    return base::InvalidField(field, "expected open, suspended, sent_to_court or closed");
  }
  return *status;
}

absl::StatusOr<std::optional<base::Millis>> ReadTime(JsonObject& body, const std::string& field) {
  ASSIGN_OR_RETURN(std::optional<std::string> text, body.OptionalString(field, 64));
  if (!text) return std::optional<base::Millis>();
  base::Millis millis = 0;
  if (!base::ParseUtc(*text, millis)) {
    return base::InvalidField(field, "expected a time such as 2026-12-01T09:00:00Z");
  }
  return std::optional<base::Millis>(millis);
}

// A route /api/v1/cases/{id}/<part>/{user_id} without a body that changes one person's place in
// a case and answers with the case.
void AddPersonRoute(http::Router& router, Method method, const std::string& part,
                    std::function<absl::StatusOr<cases::Case>(
                        const auth::Principal&, const cases::Origin&, int64_t, int64_t)>
                        change) {
  router.Add({.method = method,
              .pattern = "/api/v1/cases/{id}/" + part + "/{user_id}",
              .permission = Permission::kCasesRead,
              .handler = [change](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Param(request, "id"));
                ASSIGN_OR_RETURN(int64_t user_id, Param(request, "user_id"));
                ASSIGN_OR_RETURN(cases::Case updated,
                                 change(*request.principal, OriginOf(request), id, user_id));
                return http::JsonResponse(RenderCase(updated));
              }});
}

}  // namespace

void AddCaseRoutes(http::Router& router, Services& services) {
  cases::CaseService& cases = services.cases;

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/cases",
              .permission = Permission::kCasesRead,
              .handler = [&cases](Request& request) -> absl::StatusOr<Response> {
                cases::CaseFilter filter;
                for (const auto& [key, value] : request.query) {
                  if (key == "status") {
                    if (value.empty()) continue;
                    ASSIGN_OR_RETURN(filter.status, ReadStatus(value, "status"));
                  } else if (key == "q") {
                    filter.text = value.substr(0, 200);
                  } else if (key == "article") {
                    filter.article = value.substr(0, 40);
                  } else if (key == "limit") {
                    ASSIGN_OR_RETURN(int64_t limit, http::IntParam(request.query, "limit"));
                    filter.limit = static_cast<int>(std::clamp<int64_t>(limit, 0, 1001));
                  } else {
                    return base::InvalidField(key, "unknown parameter");
                  }
                }
                ASSIGN_OR_RETURN(std::vector<cases::Case> found,
                                 cases.List(*request.principal, filter));
                Json list = Json::array();
                for (const cases::Case& opened : found) list.push_back(RenderCase(opened));
                return http::JsonResponse(Json{{"cases", list}});
              },
              .audit_action = "case.list",
              .audit_object_type = "case"});

  router.Add(
      {.method = Method::kPost,
       .pattern = "/api/v1/cases",
       .permission = Permission::kCasesCreate,
       .handler = [&cases](Request& request) -> absl::StatusOr<Response> {
         ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
         cases::NewCase fields;
         ASSIGN_OR_RETURN(std::optional<std::string> number, body.OptionalString("number", 64));
         fields.number = number.value_or("");
         ASSIGN_OR_RETURN(fields.title, body.RequiredString("title", 500));
         ASSIGN_OR_RETURN(std::optional<std::string> description,
                          body.OptionalString("description", 20'000));
         fields.description = description.value_or("");
         ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> articles,
                          body.OptionalStringList("articles", 30));
         fields.articles = articles.value_or(std::vector<std::string>{});
         ASSIGN_OR_RETURN(fields.lead_user_id, body.OptionalInt("lead_user_id"));
         RETURN_IF_ERROR(body.Finish());
         ASSIGN_OR_RETURN(cases::Case created,
                          cases.Create(*request.principal, OriginOf(request), std::move(fields)));
         return http::JsonResponse(RenderCase(created), 201);
       }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/cases/{id}",
              .permission = Permission::kCasesRead,
              .handler = [&cases](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Param(request, "id"));
                ASSIGN_OR_RETURN(cases::Case opened, cases.Get(*request.principal, id));
                return http::JsonResponse(RenderCase(opened));
              },
              .audit_action = "case.read",
              .audit_object_type = "case"});

  router.Add({.method = Method::kPatch,
              .pattern = "/api/v1/cases/{id}",
              .permission = Permission::kCasesRead,
              .handler = [&cases](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Param(request, "id"));
                ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                cases::CaseChanges changes;
                ASSIGN_OR_RETURN(changes.title, body.OptionalString("title", 500));
                ASSIGN_OR_RETURN(changes.description, body.OptionalString("description", 20'000));
                ASSIGN_OR_RETURN(changes.articles, body.OptionalStringList("articles", 30));
                ASSIGN_OR_RETURN(std::optional<std::string> status,
                                 body.OptionalString("status", 20));
                if (status) {
                  ASSIGN_OR_RETURN(changes.status, ReadStatus(*status, "status"));
                }
                ASSIGN_OR_RETURN(changes.lead_user_id, body.OptionalInt("lead_user_id"));
                RETURN_IF_ERROR(body.Finish());
                ASSIGN_OR_RETURN(cases::Case updated,
                                 cases.Update(*request.principal, OriginOf(request), id, changes));
                return http::JsonResponse(RenderCase(updated));
              }});

  router.Add({.method = Method::kPut,
              .pattern = "/api/v1/cases/{id}/members/{user_id}",
              .permission = Permission::kCasesRead,
              .handler = [&cases](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Param(request, "id"));
                ASSIGN_OR_RETURN(int64_t user_id, Param(request, "user_id"));
                ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                ASSIGN_OR_RETURN(std::string role_name, body.RequiredString("role", 20));
                RETURN_IF_ERROR(body.Finish());
                std::optional<cases::MemberRole> role = cases::ParseMemberRole(role_name);
                if (!role) return base::InvalidField("role", "expected member or viewer");
                ASSIGN_OR_RETURN(
                    cases::Case updated,
                    cases.SetMember(*request.principal, OriginOf(request), id, user_id, *role));
                return http::JsonResponse(RenderCase(updated));
              }});

  AddPersonRoute(router, Method::kDelete, "members",
                 [&cases](const auto&... args) { return cases.RemoveMember(args...); });
  AddPersonRoute(router, Method::kPut, "shares",
                 [&cases](const auto&... args) { return cases.Share(args...); });
  AddPersonRoute(router, Method::kDelete, "shares",
                 [&cases](const auto&... args) { return cases.Unshare(args...); });

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/cases/{id}/notes",
              .permission = Permission::kCasesRead,
              .handler = [&cases](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Param(request, "id"));
                ASSIGN_OR_RETURN(std::vector<cases::Note> notes,
                                 cases.Notes(*request.principal, id));
                Json list = Json::array();
                for (const cases::Note& note : notes) list.push_back(RenderNote(note));
                return http::JsonResponse(Json{{"notes", list}});
              },
              .audit_action = "case.notes_read",
              .audit_object_type = "case"});

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/cases/{id}/notes",
              .permission = Permission::kCasesRead,
              .handler = [&cases](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Param(request, "id"));
                ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                ASSIGN_OR_RETURN(std::string text, body.RequiredString("text", 20'000));
                RETURN_IF_ERROR(body.Finish());
                ASSIGN_OR_RETURN(cases::Note note,
                                 cases.AddNote(*request.principal, OriginOf(request), id, text));
                return http::JsonResponse(RenderNote(note), 201);
              }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/cases/{id}/tasks",
              .permission = Permission::kCasesRead,
              .handler = [&cases](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Param(request, "id"));
                ASSIGN_OR_RETURN(std::vector<cases::Task> tasks,
                                 cases.Tasks(*request.principal, id));
                Json list = Json::array();
                for (const cases::Task& task : tasks) list.push_back(RenderTask(task));
                return http::JsonResponse(Json{{"tasks", list}});
              },
              .audit_action = "case.tasks_read",
              .audit_object_type = "case"});

  router.Add({.method = Method::kPost,
              .pattern = "/api/v1/cases/{id}/tasks",
              .permission = Permission::kCasesRead,
              .handler = [&cases](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Param(request, "id"));
                ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                cases::NewTask fields;
                ASSIGN_OR_RETURN(fields.title, body.RequiredString("title", 500));
                ASSIGN_OR_RETURN(fields.assignee_user_id, body.OptionalInt("assignee_user_id"));
                ASSIGN_OR_RETURN(fields.due_at, ReadTime(body, "due_at"));
                RETURN_IF_ERROR(body.Finish());
                ASSIGN_OR_RETURN(
                    cases::Task task,
                    cases.AddTask(*request.principal, OriginOf(request), id, std::move(fields)));
                return http::JsonResponse(RenderTask(task), 201);
              }});

  router.Add({.method = Method::kPatch,
              .pattern = "/api/v1/cases/{id}/tasks/{task_id}",
              .permission = Permission::kCasesRead,
              .handler = [&cases](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Param(request, "id"));
                ASSIGN_OR_RETURN(int64_t task_id, Param(request, "task_id"));
                ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
                cases::TaskChanges changes;
                ASSIGN_OR_RETURN(changes.title, body.OptionalString("title", 500));
                if (body.Contains("assignee_user_id")) {
                  ASSIGN_OR_RETURN(changes.assignee_user_id, body.OptionalInt("assignee_user_id"));
                }
                if (body.Contains("due_at")) {
                  ASSIGN_OR_RETURN(changes.due_at, ReadTime(body, "due_at"));
                }
                ASSIGN_OR_RETURN(changes.done, body.OptionalBool("done"));
                RETURN_IF_ERROR(body.Finish());
                ASSIGN_OR_RETURN(
                    cases::Task task,
                    cases.UpdateTask(*request.principal, OriginOf(request), id, task_id, changes));
                return http::JsonResponse(RenderTask(task));
              }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/cases/{id}/candidates",
              .permission = Permission::kCasesRead,
              .handler = [&cases](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t id, Param(request, "id"));
                ASSIGN_OR_RETURN(cases::CaseService::Candidates candidates,
                                 cases.ListCandidates(*request.principal, id));
                Json members = Json::array(), prosecutors = Json::array();
                for (const cases::Person& person : candidates.members) {
                  members.push_back(RenderPerson(person));
                }
                for (const cases::Person& person : candidates.prosecutors) {
                  prosecutors.push_back(RenderPerson(person));
                }
                return http::JsonResponse(Json{{"members", members}, {"prosecutors", prosecutors}});
              }});
}

}  // namespace threathub::api
