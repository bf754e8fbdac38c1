// Monitoring mandates end to end, against the real server on both engines: a covert request
// goes from draft to pending, the requester cannot approve it (two-person rule), a supervisor
// approves it first and the head of the agency second, and its written request downloads as a
// PDF; the head is set through the API and the command line, and without one the second
// approval is refused.
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>

#include "integration_test.h"

namespace threathub::integration {
namespace {

constexpr int64_t kDaySeconds = 24 * 60 * 60;

// An RFC 3339 UTC time `offset_seconds` from now.
std::string UtcFromNow(int64_t offset_seconds) {
  std::time_t when = std::time(nullptr) + offset_seconds;
  std::tm parts{};
  gmtime_r(&when, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

class MandateTest : public IntegrationTest {
 protected:
  struct Hub {
    TestServer* server = nullptr;
    int port = 0;
    Auth investigator, supervisor, head, admin;
    int64_t case_id = 0;
  };

  std::optional<Hub> OpenHub() {
    Hub hub;
    hub.server = StartServer();
    if (hub.server == nullptr) return std::nullopt;
    hub.port = hub.server->port();
    for (auto [name, auth] :
         {std::pair{"investigator", &hub.investigator}, std::pair{"supervisor", &hub.supervisor},
          std::pair{"head", &hub.head}, std::pair{"admin", &hub.admin}}) {
      std::optional<SignedIn> signed_in = SignInDemo(*hub.server, name);
      if (!signed_in) return std::nullopt;
      *auth = Auth::Bearer(signed_in->token);
    }
    HttpResponse opened =
        Api(hub.port, "POST", "/api/v1/cases",
            Json{{"title", "Вербовка через Telegram-канал"}, {"articles", {"256 ч.1"}}},
            hub.investigator);
    if (opened.status != 201) {
      ADD_FAILURE() << "cannot open a case: " << opened.Describe();
      return std::nullopt;
    }
    hub.case_id = opened.JsonBody().value("id", int64_t{0});
    return hub;
  }

  Json CovertRequest(const Hub& hub) {
    return Json{{"purpose", "Выявление вербовщиков в канале t.me/example_recruit"},
                {"case_id", hub.case_id},
                {"level", "covert"},
                {"mechanism", "persona"},
                {"scope",
                 {{{"kind", "account"}, {"platform", "telegram"}, {"value", "1234567"}},
                  {{"kind", "domain"}, {"value", "example.kz"}},
                  {{"kind", "url_prefix"}, {"value", "https://vk.com/club123"}}}},
                {"starts_at", UtcFromNow(0)},
                {"ends_at", UtcFromNow(30 * kDaySeconds)},
                {"storage_days", 90},
                {"justification", "Рапорт № 17: канал публикует призывы к участию в ячейке."}};
  }

  // A submitted covert mandate of the investigator's; its id, 0 (and a failure) otherwise.
  int64_t SubmitCovert(const Hub& hub) {
    HttpResponse created =
        Api(hub.port, "POST", "/api/v1/mandates", CovertRequest(hub), hub.investigator);
    if (created.status != 201) {
      ADD_FAILURE() << "cannot create a mandate: " << created.Describe();
      return 0;
    }
    int64_t id = created.JsonBody().value("id", int64_t{0});
    HttpResponse submitted =
        Api(hub.port, "POST", Path(id, "/submit"), std::nullopt, hub.investigator);
    if (submitted.status != 200 || submitted.JsonBody().value("state", "") != "pending") {
      ADD_FAILURE() << "cannot submit: " << submitted.Describe();
      return 0;
    }
    return id;
  }

  static std::string Path(int64_t id, const std::string& tail = "") {
    return "/api/v1/mandates/" + std::to_string(id) + tail;
  }

  // The id of the demo agency almaty-cyber.
  int64_t AlmatyId(const Hub& hub) {
    HttpResponse agencies = Api(hub.port, "GET", "/api/v1/agencies", std::nullopt, hub.admin);
    for (const Json& agency : agencies.JsonBody().value("agencies", Json::array())) {
      if (agency.value("code", "") == "almaty-cyber") return agency.value("id", int64_t{0});
    }
    ADD_FAILURE() << "no almaty-cyber: " << agencies.Describe();
    return 0;
  }
};
THREATHUB_INSTANTIATE_FOR_ENGINES(MandateTest);

TEST_P(MandateTest, ACovertRequestNeedsASupervisorThenTheHeadAndPrintsAsAPdf) {
  std::optional<Hub> hub = OpenHub();
  ASSERT_TRUE(hub);
  HttpResponse created =
      Api(hub->port, "POST", "/api/v1/mandates", CovertRequest(*hub), hub->investigator);
  ASSERT_EQ(created.status, 201) << created.Describe();
  Json draft = created.JsonBody();
  const int64_t id = draft.value("id", int64_t{0});
  EXPECT_EQ(draft["state"], "draft");
  EXPECT_EQ(draft["version"], 1);
  EXPECT_EQ(draft["requester"]["username"], "investigator");
  EXPECT_TRUE(draft["needs_head_approval"].get<bool>());
  EXPECT_TRUE(draft["can"]["submit"].get<bool>());
  EXPECT_FALSE(draft["can"]["approve"].get<bool>());
  EXPECT_EQ(draft["scope"][1]["value"], "example.kz");

  HttpResponse submitted =
      Api(hub->port, "POST", Path(id, "/submit"), std::nullopt, hub->investigator);
  ASSERT_EQ(submitted.status, 200) << submitted.Describe();
  EXPECT_EQ(submitted.JsonBody()["state"], "pending");

  // The requester cannot approve their own request.
  HttpResponse own = Api(hub->port, "POST", Path(id, "/approve"), std::nullopt, hub->investigator);
  EXPECT_TRUE(IsError(own, 403, "permission_denied", "two_person_rule"));

  HttpResponse awaiting =
      Api(hub->port, "GET", "/api/v1/mandates?awaiting=me", std::nullopt, hub->supervisor);
  ASSERT_EQ(awaiting.status, 200) << awaiting.Describe();
  ASSERT_EQ(awaiting.JsonBody()["mandates"].size(), 1u) << awaiting.Describe();
  EXPECT_TRUE(awaiting.JsonBody()["mandates"][0]["can"]["approve"].get<bool>());

  HttpResponse first = Api(hub->port, "POST", Path(id, "/approve"), std::nullopt, hub->supervisor);
  ASSERT_EQ(first.status, 200) << first.Describe();
  EXPECT_EQ(first.JsonBody()["state"], "pending") << "covert: the head approves too";
  EXPECT_EQ(first.JsonBody()["approved_by"]["username"], "supervisor");
  EXPECT_TRUE(first.JsonBody()["needs_head_approval"].get<bool>());
  HttpResponse twice = Api(hub->port, "POST", Path(id, "/approve"), std::nullopt, hub->supervisor);
  EXPECT_TRUE(IsError(twice, 403, "permission_denied", "two_person_rule"));

  HttpResponse head_queue =
      Api(hub->port, "GET", "/api/v1/mandates?awaiting=me", std::nullopt, hub->head);
  ASSERT_EQ(head_queue.JsonBody()["mandates"].size(), 1u) << head_queue.Describe();
  HttpResponse second = Api(hub->port, "POST", Path(id, "/approve"), std::nullopt, hub->head);
  ASSERT_EQ(second.status, 200) << second.Describe();
  Json approved = second.JsonBody();
  EXPECT_EQ(approved["state"], "approved");
  EXPECT_EQ(approved["head_approved_by"]["username"], "head");
  EXPECT_FALSE(approved["needs_head_approval"].get<bool>());
  EXPECT_EQ(approved["version"], 4);

  HttpResponse versions =
      Api(hub->port, "GET", Path(id, "/versions"), std::nullopt, hub->investigator);
  ASSERT_EQ(versions.status, 200) << versions.Describe();
  ASSERT_EQ(versions.JsonBody()["versions"].size(), 4u);
  EXPECT_EQ(versions.JsonBody()["versions"][3]["last_action"], "head_approve");

  HttpResponse pdf =
      Api(hub->port, "GET", Path(id, "/request.pdf?lang=kk"), std::nullopt, hub->investigator);
  ASSERT_EQ(pdf.status, 200) << pdf.Describe();
  EXPECT_EQ(pdf.Header("content-type"), "application/pdf");
  EXPECT_NE(pdf.Header("content-disposition").find("attachment"), std::string::npos);
  EXPECT_EQ(pdf.body.rfind("%PDF-", 0), 0u);
  if (std::system("command -v pdftotext > /dev/null 2>&1") == 0) {
    std::string path = temp() + "/request.pdf";
    std::ofstream(path, std::ios::binary) << pdf.body;
    ASSERT_EQ(std::system(("pdftotext -enc UTF-8 '" + path + "' '" + path + ".txt'").c_str()), 0);
    std::stringstream text;
    text << std::ifstream(path + ".txt").rdbuf();
    EXPECT_NE(text.str().find("Онлайн мониторингке рұқсат беру"), std::string::npos) << text.str();
  }
  HttpResponse bad_language =
      Api(hub->port, "GET", Path(id, "/request.pdf?lang=de"), std::nullopt, hub->investigator);
  EXPECT_TRUE(IsError(bad_language, 400, "invalid_argument", "", "lang"));

  // Every step is in the audit trail.
  HttpResponse audit =
      Api(hub->port, "GET",
          "/api/v1/audit?object_type=mandate&object_id=" + std::to_string(id) + "&action=mandate.",
          std::nullopt, hub->supervisor);
  ASSERT_EQ(audit.status, 200) << audit.Describe();
  std::set<std::string> actions;
  Json records = audit.JsonBody()["records"];
  for (const Json& record : records) {
    actions.insert(record["action"].get<std::string>());
  }
  for (const char* action : {"mandate.create", "mandate.submit", "mandate.approve",
                             "mandate.head_approve", "mandate.request_pdf"}) {
    EXPECT_TRUE(actions.count(action)) << action << " in " << audit.body;
  }
}

TEST_P(MandateTest, WithoutAHeadTheSecondApprovalIsRefusedUntilOneIsSet) {
  std::optional<Hub> hub = OpenHub();
  ASSERT_TRUE(hub);
  const int64_t almaty = AlmatyId(*hub);
  ASSERT_NE(almaty, 0);
  const std::string agency = "/api/v1/agencies/" + std::to_string(almaty);

  HttpResponse cleared =
      Api(hub->port, "PATCH", agency, Json{{"head_user_id", nullptr}}, hub->admin);
  ASSERT_EQ(cleared.status, 200) << cleared.Describe();
  EXPECT_TRUE(cleared.JsonBody()["head_user_id"].is_null());

  int64_t id = SubmitCovert(*hub);
  ASSERT_NE(id, 0);
  ASSERT_EQ(Api(hub->port, "POST", Path(id, "/approve"), std::nullopt, hub->supervisor).status,
            200);
  HttpResponse no_head = Api(hub->port, "POST", Path(id, "/approve"), std::nullopt, hub->head);
  EXPECT_TRUE(IsError(no_head, 409, "failed_precondition")) << no_head.Describe();
  EXPECT_NE(no_head.body.find("no head"), std::string::npos) << no_head.body;

  // The head is a user of the agency: the trainee of Astana is not.
  HttpResponse users = Api(hub->port, "GET", "/api/v1/users?q=trainee", std::nullopt, hub->admin);
  ASSERT_EQ(users.status, 200) << users.Describe();
  ASSERT_FALSE(users.JsonBody()["users"].empty());
  int64_t trainee = users.JsonBody()["users"][0].value("id", int64_t{0});
  HttpResponse stranger =
      Api(hub->port, "PATCH", agency, Json{{"head_user_id", trainee}}, hub->admin);
  EXPECT_TRUE(IsError(stranger, 400, "invalid_argument", "", "head_user_id"));

  CommandResult set = Cli(*hub->server, {"admin", "agency", "set-head", "almaty-cyber", "head"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_NE(set.out.find("head"), std::string::npos) << set.out;
  HttpResponse second = Api(hub->port, "POST", Path(id, "/approve"), std::nullopt, hub->head);
  ASSERT_EQ(second.status, 200) << second.Describe();
  EXPECT_EQ(second.JsonBody()["state"], "approved");

  // Someone who may not see the mandate gets 404, and a role without monitoring.use 403.
  std::optional<SignedIn> prosecutor = SignInDemo(*hub->server, "prosecutor");
  ASSERT_TRUE(prosecutor);
  EXPECT_EQ(Api(hub->port, "GET", Path(id), std::nullopt, Auth::Bearer(prosecutor->token)).status,
            403);
  std::optional<SignedIn> analyst = SignInDemo(*hub->server, "analyst");
  ASSERT_TRUE(analyst);
  EXPECT_TRUE(IsError(Api(hub->port, "GET", Path(id), std::nullopt, Auth::Bearer(analyst->token)),
                      404, "not_found"));
}

}  // namespace
}  // namespace threathub::integration
