// Requests to service providers end to end, against the real server on both engines: a
// preservation request to TikTok goes from a draft the linter refuses to a closed request with
// a frozen document, data received as evidence and every step in its events; bad input is
// refused with a field and nothing saved; an administrator's directory edit makes a new version
// that an older draft notices; the command line exports and imports entries; deadline
// reminders reach a local SMTP server; an acknowledged step survives kill -9.
#include <openssl/evp.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "integration_test.h"

namespace threathub::integration {
namespace {

constexpr int64_t kDayMillis = int64_t{24} * 60 * 60 * 1000;

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int byte_idx = 0; byte_idx < length; ++byte_idx) {
    hex += kHex[digest[byte_idx] >> 4];
    hex += kHex[digest[byte_idx] & 15];
  }
  return hex;
}

std::string Path(int64_t id, const std::string& tail = "") {
  return "/api/v1/requests/" + std::to_string(id) + tail;
}

// Codes of the warnings in `list`.
std::set<std::string> Codes(const Json& list) {
  std::set<std::string> codes;
  for (const Json& warning : list) codes.insert(warning.value("code", ""));
  return codes;
}

bool HasErrors(const Json& warnings) {
  for (const Json& warning : warnings) {
    if (warning.value("severity", "") == "error") return true;
  }
  return false;
}

// Text of a PDF through poppler's pdftotext ("" when it is not installed).
std::string PdfText(const std::string& dir, const std::string& pdf) {
  if (std::system("command -v pdftotext > /dev/null 2>&1") != 0) return "";
  std::string path = dir + "/document.pdf";
  std::ofstream(path, std::ios::binary) << pdf;
  if (std::system(("pdftotext -enc UTF-8 '" + path + "' '" + path + ".txt'").c_str()) != 0) {
    return "";
  }
  std::stringstream text;
  text << std::ifstream(path + ".txt").rdbuf();
  return text.str();
}

class RequestsTest : public IntegrationTest {
 protected:
  struct Hub {
    TestServer* server = nullptr;
    int port = 0;
    Auth investigator, supervisor, head, admin;
    int64_t case_id = 0;
  };

  bool SignInAll(Hub& hub) {
    for (auto [name, auth] :
         {std::pair{"investigator", &hub.investigator}, std::pair{"supervisor", &hub.supervisor},
          std::pair{"head", &hub.head}, std::pair{"admin", &hub.admin}}) {
      std::optional<SignedIn> signed_in = SignInDemo(*hub.server, name);
      if (!signed_in) return false;
      *auth = Auth::Bearer(signed_in->token);
    }
    hub.port = hub.server->port();
    return true;
  }

  std::optional<Hub> OpenHub(ServerOptions options = {}) {
    Hub hub;
    hub.server = StartServer(std::move(options));
    if (hub.server == nullptr || !SignInAll(hub)) return std::nullopt;
    // The demo case of the investigator's (shared with the prosecutor; the supervisor sees it).
    HttpResponse cases = Api(hub.port, "GET", "/api/v1/cases", std::nullopt, hub.investigator);
    Json list = cases.JsonBody().value("cases", Json::array());
    if (cases.status != 200 || list.empty()) {
      ADD_FAILURE() << "no demo case: " << cases.Describe();
      return std::nullopt;
    }
    hub.case_id = list[0].value("id", int64_t{0});
    return hub;
  }

  // A preservation request to TikTok for a user in Kazakhstan, as the linter wants it.
  static Json GoodDraft(int64_t case_id) {
    int64_t now = NowMillis();
    return Json{{"type", "preservation"},
                {"case_id", case_id},
                {"provider", "tiktok"},
                {"entity_name", "TikTok Pte. Ltd."},
                {"user_country", "KZ"},
                {"language", "en"},
                {"legal_basis", "Art. 199 of the Criminal Procedure Code of Kazakhstan"},
                {"offence_article", "190 ч.2"},
                {"offence_summary", "Fraud: phishing messages in the name of a bank."},
                {"necessity", "The account distributed the phishing links."},
                {"range_from", now - 60 * kDayMillis},
                {"range_to", now - 1 * kDayMillis},
                {"categories", {"subscriber", "traffic"}},
                {"identifiers", {{{"kind", "username"}, {"value", "kaspi_support_kz"}}}},
                {"notes", "internal note"}};
  }

  // The same with the faults the linter refuses: the entity that serves US users, no legal
  // basis, Russian without an English translation.
  static Json FaultyDraft(int64_t case_id) {
    Json draft = GoodDraft(case_id);
    draft["entity_name"] = "TikTok Inc.";
    draft.erase("legal_basis");
    draft["language"] = "ru";
    return draft;
  }

  // Creates, submits, approves (as `approver`) and sends a request; its view, or a failure.
  std::optional<Json> SentRequest(const Hub& hub, const Json& draft, const Auth& approver) {
    HttpResponse created = Api(hub.port, "POST", "/api/v1/requests", draft, hub.investigator);
    if (created.status != 201) {
      ADD_FAILURE() << "create: " << created.Describe();
      return std::nullopt;
    }
    int64_t id = created.JsonBody()["request"].value("id", int64_t{0});
    HttpResponse submitted =
        Api(hub.port, "POST", Path(id, "/submit"), std::nullopt, hub.investigator);
    HttpResponse approved = Api(hub.port, "POST", Path(id, "/approve"), std::nullopt, approver);
    // Sent now: not in the future, not before the approval.
    const int64_t sent_at = NowMillis();
    HttpResponse sent = Api(
        hub.port, "POST", Path(id, "/send"),
        Json{{"channel", "portal"}, {"sent_at", sent_at}, {"ticket", "TT-1"}, {"language", "en"}},
        hub.investigator);
    if (submitted.status != 200 || approved.status != 200 || sent.status != 200) {
      ADD_FAILURE() << "submit: " << submitted.Describe() << "\napprove: " << approved.Describe()
                    << "\nsend: " << sent.Describe();
      return std::nullopt;
    }
    return sent.JsonBody();
  }

  int RequestCount(const Hub& hub) {
    HttpResponse listed = Api(hub.port, "GET", "/api/v1/requests", std::nullopt, hub.supervisor);
    EXPECT_EQ(listed.status, 200) << listed.Describe();
    return static_cast<int>(listed.JsonBody().value("requests", Json::array()).size());
  }
};
THREATHUB_INSTANTIATE_FOR_ENGINES(RequestsTest);

TEST_P(RequestsTest, APreservationRequestGoesFromDraftToClosedWithAFrozenDocument) {
  std::optional<Hub> hub = OpenHub();
  ASSERT_TRUE(hub);
  const int port = hub->port;

  // The wizard's linter: every fault with its reason, source and messages in three languages.
  HttpResponse lint =
      Api(port, "POST", "/api/v1/requests/lint", FaultyDraft(hub->case_id), hub->investigator);
  ASSERT_EQ(lint.status, 200) << lint.Describe();
  std::set<std::string> lint_codes = Codes(lint.JsonBody()["warnings"]);
  for (const char* code : {"wrong_entity", "no_legal_basis", "no_translation"}) {
    EXPECT_TRUE(lint_codes.count(code)) << code << " in " << lint.body;
  }
  const Json lint_warnings = lint.JsonBody()["warnings"];
  for (const Json& warning : lint_warnings) {
    for (const char* language : {"kk", "ru", "en"}) {
      EXPECT_FALSE(warning["message"].value(language, "").empty()) << warning.dump();
    }
    EXPECT_FALSE(warning.value("source", "").empty()) << warning.dump();
  }

  HttpResponse created =
      Api(port, "POST", "/api/v1/requests", FaultyDraft(hub->case_id), hub->investigator);
  ASSERT_EQ(created.status, 201) << created.Describe();
  Json view = created.JsonBody();
  const int64_t id = view["request"].value("id", int64_t{0});
  const std::string reference = view["request"].value("reference", "");
  EXPECT_EQ(reference, "REQ-" + std::to_string(id));
  EXPECT_EQ(view["request"]["state"], "draft");
  EXPECT_EQ(view["request"]["created_by"]["username"], "investigator");
  EXPECT_TRUE(Codes(view["warnings"]).count("wrong_entity")) << view.dump();
  EXPECT_TRUE(view["can"]["edit"].get<bool>());

  HttpResponse blocked = Api(port, "POST", Path(id, "/submit"), std::nullopt, hub->investigator);
  EXPECT_TRUE(IsError(blocked, 409, "failed_precondition", "lint_errors")) << blocked.body;
  EXPECT_TRUE(HasErrors(blocked.JsonBody().value("warnings", Json::array()))) << blocked.body;

  // The fix: the right entity, a legal basis, English.
  HttpResponse fixed =
      Api(port, "PATCH", Path(id),
          Json{{"version", view["request"]["version"]},
               {"entity_name", "TikTok Pte. Ltd."},
               {"legal_basis", "Art. 199 of the Criminal Procedure Code of Kazakhstan"},
               {"language", "en"}},
          hub->investigator);
  ASSERT_EQ(fixed.status, 200) << fixed.Describe();
  EXPECT_FALSE(HasErrors(fixed.JsonBody()["warnings"])) << fixed.body;
  EXPECT_EQ(fixed.JsonBody()["request"]["identifiers"][0]["value"], "kaspi_support_kz")
      << "PATCH keeps what it does not name";
  HttpResponse stale =
      Api(port, "PATCH", Path(id), Json{{"version", 1}, {"notes", "x"}}, hub->investigator);
  EXPECT_TRUE(IsError(stale, 409, "aborted", "version_conflict")) << stale.body;

  HttpResponse submitted = Api(port, "POST", Path(id, "/submit"), std::nullopt, hub->investigator);
  ASSERT_EQ(submitted.status, 200) << submitted.Describe();
  EXPECT_EQ(submitted.JsonBody()["request"]["state"], "legal_review");

  // The drafter may not approve (two-person rule), be it an investigator or a supervisor.
  HttpResponse by_drafter =
      Api(port, "POST", Path(id, "/approve"), std::nullopt, hub->investigator);
  EXPECT_TRUE(IsError(by_drafter, 403, "permission_denied", "two_person_rule")) << by_drafter.body;
  HttpResponse own =
      Api(port, "POST", "/api/v1/requests", GoodDraft(hub->case_id), hub->supervisor);
  ASSERT_EQ(own.status, 201) << own.Describe();
  int64_t own_id = own.JsonBody()["request"].value("id", int64_t{0});
  ASSERT_EQ(Api(port, "POST", Path(own_id, "/submit"), std::nullopt, hub->supervisor).status, 200);
  HttpResponse two_person =
      Api(port, "POST", Path(own_id, "/approve"), std::nullopt, hub->supervisor);
  EXPECT_TRUE(IsError(two_person, 403, "permission_denied", "two_person_rule")) << two_person.body;
  EXPECT_EQ(
      Api(port, "GET", Path(own_id), std::nullopt, hub->supervisor).JsonBody()["request"]["state"],
      "legal_review");

  HttpResponse approved = Api(port, "POST", Path(id, "/approve"), std::nullopt, hub->supervisor);
  ASSERT_EQ(approved.status, 200) << approved.Describe();
  EXPECT_EQ(approved.JsonBody()["request"]["state"], "approved");
  EXPECT_EQ(approved.JsonBody()["request"]["approved_by"]["username"], "supervisor");

  HttpResponse future =
      Api(port, "POST", Path(id, "/send"),
          Json{{"channel", "portal"}, {"sent_at", NowMillis() + kDayMillis}, {"language", "en"}},
          hub->investigator);
  EXPECT_TRUE(IsError(future, 400, "invalid_argument", "", "sent_at")) << future.body;

  const int64_t sent_at = NowMillis();  // not before the approval
  HttpResponse sent = Api(port, "POST", Path(id, "/send"),
                          Json{{"channel", "portal"},
                               {"sent_at", sent_at},
                               {"ticket", "TT-2026-0042"},
                               {"language", "en"}},
                          hub->investigator);
  ASSERT_EQ(sent.status, 200) << sent.Describe();
  Json sent_request = sent.JsonBody()["request"];
  EXPECT_EQ(sent_request["state"], "sent");
  EXPECT_EQ(sent_request["sent_at"], sent_at);
  const std::string document_sha256 = sent_request.value("document_sha256", "");
  EXPECT_EQ(document_sha256.size(), 64u);
  bool has_expiry = false;
  const Json sent_deadlines = sent.JsonBody()["deadlines"];
  for (const Json& deadline : sent_deadlines) {
    if (deadline["kind"] == "preservation_expires") {
      has_expiry = true;
      EXPECT_FALSE(deadline["user_local"].value("text", "").empty()) << deadline.dump();
      EXPECT_EQ(deadline["provider_local"]["zone"], "Asia/Singapore") << deadline.dump();
      EXPECT_FALSE(deadline["reminders"].empty()) << deadline.dump();
    }
  }
  EXPECT_TRUE(has_expiry) << sent.body;

  // The frozen document: the same bytes every time, whatever language is asked, hashing to the
  // recorded SHA-256.
  HttpResponse document = Api(port, "GET", Path(id, "/document"), std::nullopt, hub->investigator);
  ASSERT_EQ(document.status, 200) << document.Describe();
  EXPECT_EQ(document.Header("content-type"), "application/pdf");
  EXPECT_EQ(document.Header("x-document-frozen"), "1");
  EXPECT_EQ(document.Header("x-document-sha256"), document_sha256);
  EXPECT_EQ(Sha256Hex(document.body), document_sha256);
  HttpResponse again =
      Api(port, "GET", Path(id, "/document?lang=ru"), std::nullopt, hub->supervisor);
  ASSERT_EQ(again.status, 200) << again.Describe();
  EXPECT_EQ(again.body, document.body);
  std::string text = PdfText(temp(), document.body);
  if (!text.empty()) {
    for (const char* expected :
         {"TikTok Pte. Ltd.", "Case reference", "Identifiers", "Offence", "kaspi_support_kz"}) {
      EXPECT_NE(text.find(expected), std::string::npos) << expected << " in\n" << text;
    }
    EXPECT_EQ(text.find("DRAFT"), std::string::npos) << text;
  }
  HttpResponse frozen_edit =
      Api(port, "PATCH", Path(id), Json{{"version", sent_request["version"]}, {"notes", "x"}},
          hub->investigator);
  EXPECT_EQ(frozen_edit.status, 409) << frozen_edit.Describe();

  HttpResponse acknowledged =
      Api(port, "POST", Path(id, "/acknowledge"),
          Json{{"at", NowMillis()}, {"ticket", "TT-2026-0042"}}, hub->investigator);
  ASSERT_EQ(acknowledged.status, 200) << acknowledged.Describe();
  EXPECT_EQ(acknowledged.JsonBody()["request"]["state"], "acknowledged");
  HttpResponse preserved =
      Api(port, "POST", Path(id, "/preserve"), Json{{"at", NowMillis()}}, hub->investigator);
  ASSERT_EQ(preserved.status, 200) << preserved.Describe();
  EXPECT_EQ(preserved.JsonBody()["request"]["state"], "preserved");

  // The calendar and the statistics know it.
  HttpResponse calendar =
      Api(port, "GET", "/api/v1/requests-calendar", std::nullopt, hub->investigator);
  ASSERT_EQ(calendar.status, 200) << calendar.Describe();
  bool in_calendar = false;
  const Json calendar_entries = calendar.JsonBody()["entries"];
  for (const Json& entry : calendar_entries) {
    if (entry.value("request_id", int64_t{0}) == id) {
      in_calendar = true;
      EXPECT_EQ(entry["reference"], reference);
      EXPECT_EQ(entry["provider"], "tiktok");
      EXPECT_TRUE(entry["deadline"].contains("due"));
    }
  }
  EXPECT_TRUE(in_calendar) << calendar.body;
  HttpResponse too_long =
      Api(port, "GET", "/api/v1/requests-calendar?from=0&to=" + std::to_string(500 * kDayMillis),
          std::nullopt, hub->investigator);
  EXPECT_TRUE(IsError(too_long, 400, "invalid_argument", "", "to")) << too_long.body;
  HttpResponse stats =
      Api(port, "GET", "/api/v1/requests-stats?provider=tiktok", std::nullopt, hub->investigator);
  ASSERT_EQ(stats.status, 200) << stats.Describe();
  int64_t counted = 0;
  const Json stats_stats = stats.JsonBody()["stats"];
  for (const Json& row : stats_stats) counted += row.value("requests", int64_t{0});
  EXPECT_GE(counted, 1) << stats.body;

  // Data received: over the limit is refused before any byte is read; a file becomes evidence
  // whose custody starts when it was received.
  {
    HttpConnection connection(port);
    ASSERT_TRUE(connection.connected()) << connection.error();
    std::string head = "POST " + Path(id, "/responses?name=huge.zip") +
                       " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                       hub->investigator.bearer +
                       "\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                       std::to_string(3ull << 30) + "\r\n\r\n";
    ASSERT_TRUE(connection.SendRaw(head)) << connection.error();
    HttpResponse oversize = connection.ReadResponse();
    EXPECT_EQ(oversize.status, 413) << oversize.Describe();
    EXPECT_EQ(oversize.JsonBody()["error"]["code"], "resource_exhausted") << oversize.body;
  }
  const int64_t received_at = NowMillis();
  const std::string data = "user_id,username,registered\n6800000000000000001,kaspi_support_kz\n";
  HttpResponse response = ApiRaw(
      port, "POST",
      Path(id, "/responses?name=tiktok-production.csv&received_at=" + std::to_string(received_at) +
                   "&description=TikTok%20answer"),
      data, hub->investigator);
  ASSERT_EQ(response.status, 201) << response.Describe();
  Json item = response.JsonBody();
  const int64_t item_id = item.value("id", int64_t{0});
  EXPECT_EQ(item["sha256"], Sha256Hex(data));
  EXPECT_EQ(item["source_type"], "received");
  EXPECT_EQ(item["case_id"], hub->case_id);
  HttpResponse custody =
      Api(port, "GET", "/api/v1/evidence/" + std::to_string(item_id) + "/custody", std::nullopt,
          hub->investigator);
  ASSERT_EQ(custody.status, 200) << custody.Describe();
  Json events = custody.JsonBody()["events"];
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0]["action"], "collection") << custody.body;
  EXPECT_NE(events[0].dump().find(reference), std::string::npos) << custody.body;
  HttpResponse linked = Api(port, "GET", Path(id), std::nullopt, hub->investigator);
  EXPECT_EQ(linked.JsonBody()["request"]["response_evidence_ids"], Json::array({item_id}))
      << linked.body;

  HttpResponse no_code = Api(port, "POST", Path(id, "/outcome"),
                             Json{{"outcome", "refused"}, {"at", NowMillis()}}, hub->investigator);
  EXPECT_TRUE(IsError(no_code, 400, "invalid_argument", "", "refusal_code")) << no_code.body;
  HttpResponse produced = Api(port, "POST", Path(id, "/outcome"),
                              Json{{"outcome", "produced"},
                                   {"at", NowMillis()},
                                   {"text", "Subscriber and IP logs received."}},
                              hub->investigator);
  ASSERT_EQ(produced.status, 200) << produced.Describe();
  EXPECT_EQ(produced.JsonBody()["request"]["state"], "produced");
  HttpResponse closed =
      Api(port, "POST", Path(id, "/close"), Json{{"note", "done"}}, hub->investigator);
  ASSERT_EQ(closed.status, 200) << closed.Describe();
  EXPECT_EQ(closed.JsonBody()["request"]["state"], "closed");
  EXPECT_FALSE(closed.JsonBody()["can"]["edit"].get<bool>());

  HttpResponse history = Api(port, "GET", Path(id, "/events"), std::nullopt, hub->supervisor);
  ASSERT_EQ(history.status, 200) << history.Describe();
  std::vector<std::string> actions;
  const Json history_events = history.JsonBody()["events"];
  for (const Json& event : history_events) {
    actions.push_back(event.value("action", ""));
  }
  std::vector<std::string> expected = {"create",      "update",   "submit",   "approve", "send",
                                       "acknowledge", "preserve", "response", "outcome", "close"};
  EXPECT_EQ(actions, expected) << history.body;
  EXPECT_EQ(history.JsonBody()["events"][3]["actor"]["username"], "supervisor");
}

TEST_P(RequestsTest, BadInputIsRefusedNamingTheProblemAndNothingIsSaved) {
  std::optional<Hub> hub = OpenHub();
  ASSERT_TRUE(hub);
  const int port = hub->port;
  const int before = RequestCount(*hub);
  const int64_t now = NowMillis();

  struct Case {
    std::string name;
    std::function<void(Json&)> spoil;
    std::string field;  // "" when any field may be named
  };
  const std::vector<Case> cases = {
      {"unknown provider", [](Json& draft) { draft["provider"] = "myspace-ltd"; }, "provider"},
      {"reversed range",
       [now](Json& draft) {
         draft["range_from"] = now - kDayMillis;
         draft["range_to"] = now - 30 * kDayMillis;
       },
       ""},
      {"range in the future",
       [now](Json& draft) {
         draft["range_from"] = now + 10 * kDayMillis;
         draft["range_to"] = now + 20 * kDayMillis;
       },
       ""},
      {"identifier of the wrong kind",
       [](Json& draft) {
         draft["identifiers"] = {{{"kind", "email"}, {"value", "no-at-sign.example.kz"}}};
       },
       ""},
      {"unknown identifier kind",
       [](Json& draft) {
         draft["identifiers"] = {{{"kind", "icq"}, {"value", "123"}}};
       },
       "identifiers[0].kind"},
      {"unknown category", [](Json& draft) { draft["categories"] = {"everything"}; },
       "categories[0]"},
      {"unknown type", [](Json& draft) { draft["type"] = "subpoena"; }, "type"},
      {"unknown field", [](Json& draft) { draft["colour"] = "red"; }, "colour"},
      {"case id of the wrong type", [](Json& draft) { draft["case_id"] = "seven"; }, "case_id"},
      {"range as text", [](Json& draft) { draft["range_from"] = "2026-01-01"; }, "range_from"},
      {"identifiers not a list", [](Json& draft) { draft["identifiers"] = "x"; }, "identifiers"},
      {"unknown language", [](Json& draft) { draft["language"] = "de"; }, ""},
      {"a case that does not exist", [](Json& draft) { draft["case_id"] = 999999; }, ""},
  };
  for (const Case& test : cases) {
    Json draft = GoodDraft(hub->case_id);
    test.spoil(draft);
    HttpResponse refused = Api(port, "POST", "/api/v1/requests", draft, hub->investigator);
    EXPECT_GE(refused.status, 400) << test.name << ": " << refused.Describe();
    EXPECT_LT(refused.status, 500) << test.name << ": " << refused.Describe();
    Json error = refused.JsonBody().value("error", Json::object());
    EXPECT_FALSE(error.value("message", "").empty()) << test.name << ": " << refused.body;
    if (!test.field.empty()) {
      EXPECT_EQ(error.value("field", ""), test.field) << test.name << ": " << refused.body;
    } else if (refused.status == 400) {
      EXPECT_FALSE(error.value("field", "").empty()) << test.name << ": " << refused.body;
    }
  }
  for (const std::string& malformed : {std::string("{\"type\":"), std::string("[1,2]"),
                                       std::string("not json"), std::string("")}) {
    HttpResponse refused = ApiRaw(port, "POST", "/api/v1/requests", malformed, hub->investigator);
    EXPECT_EQ(refused.status, 400) << malformed << ": " << refused.Describe();
    EXPECT_EQ(refused.JsonBody()["error"]["code"], "invalid_argument") << refused.body;
  }
  EXPECT_EQ(RequestCount(*hub), before) << "a refused request saved something";

  // The linter never refuses content: the same faults are warnings.
  Json reversed = GoodDraft(hub->case_id);
  reversed["range_from"] = now - kDayMillis;
  reversed["range_to"] = now - 30 * kDayMillis;
  HttpResponse linted = Api(port, "POST", "/api/v1/requests/lint", reversed, hub->investigator);
  ASSERT_EQ(linted.status, 200) << linted.Describe();
  EXPECT_TRUE(Codes(linted.JsonBody()["warnings"]).count("reversed_range")) << linted.body;

  // Text in several scripts comes back as written.
  const std::string summary =
      "Алаяқтық: банк атынан жалған хаттар. Мошенничество. 詐欺 — احتيال — Betrug "
      "🙂";
  Json draft = GoodDraft(hub->case_id);
  draft["offence_summary"] = summary;
  draft["necessity"] = "Қажеттілік: шот жабылуы мүмкін.\nВторая строка.";
  draft["emergency_fields"] = {{"note", "Ғ Ү Ұ Қ Ө Һ І"}};
  HttpResponse created = Api(port, "POST", "/api/v1/requests", draft, hub->investigator);
  ASSERT_EQ(created.status, 201) << created.Describe();
  int64_t id = created.JsonBody()["request"].value("id", int64_t{0});
  HttpResponse read = Api(port, "GET", Path(id), std::nullopt, hub->investigator);
  ASSERT_EQ(read.status, 200) << read.Describe();
  EXPECT_EQ(read.JsonBody()["request"]["offence_summary"], summary);
  EXPECT_EQ(read.JsonBody()["request"]["necessity"], draft["necessity"]);
  EXPECT_EQ(read.JsonBody()["request"]["emergency_fields"]["note"], "Ғ Ү Ұ Қ Ө Һ І");
  EXPECT_EQ(RequestCount(*hub), before + 1);

  // A step with a malformed or unknown body changes nothing.
  HttpResponse bad_step =
      ApiRaw(port, "POST", Path(id, "/submit"), "{\"force\":true}", hub->investigator);
  EXPECT_TRUE(IsError(bad_step, 400, "invalid_argument", "", "force")) << bad_step.body;
  EXPECT_EQ(
      Api(port, "GET", Path(id), std::nullopt, hub->investigator).JsonBody()["request"]["state"],
      "draft");
  // Someone without the case sees nothing (404), and an unknown request is 404 too.
  HttpResponse missing = Api(port, "GET", Path(999999), std::nullopt, hub->investigator);
  EXPECT_TRUE(IsError(missing, 404, "not_found")) << missing.body;
}

TEST_P(RequestsTest, ADirectoryEditIsANewVersionThatOlderDraftsNotice) {
  std::optional<Hub> hub = OpenHub();
  ASSERT_TRUE(hub);
  const int port = hub->port;
  HttpResponse created =
      Api(port, "POST", "/api/v1/requests", GoodDraft(hub->case_id), hub->investigator);
  ASSERT_EQ(created.status, 201) << created.Describe();
  const int64_t id = created.JsonBody()["request"].value("id", int64_t{0});
  EXPECT_FALSE(created.JsonBody()["provider_changed"].get<bool>());

  HttpResponse directory = Api(port, "GET", "/api/v1/directory", std::nullopt, hub->investigator);
  ASSERT_EQ(directory.status, 200) << directory.Describe();
  const std::string version_before = directory.JsonBody().value("version", "");
  EXPECT_FALSE(directory.JsonBody()["providers"].empty());
  EXPECT_FALSE(directory.JsonBody()["countries"].empty());
  EXPECT_FALSE(directory.JsonBody()["template"]["fields"].empty());
  EXPECT_FALSE(directory.JsonBody()["refusal_codes"].empty());
  HttpResponse country =
      Api(port, "GET", "/api/v1/directory/countries/US", std::nullopt, hub->investigator);
  ASSERT_EQ(country.status, 200) << country.Describe();
  EXPECT_EQ(country.JsonBody()["code"], "US");

  HttpResponse provider =
      Api(port, "GET", "/api/v1/directory/providers/tiktok", std::nullopt, hub->admin);
  ASSERT_EQ(provider.status, 200) << provider.Describe();
  Json entry = provider.JsonBody();
  EXPECT_EQ(entry["entity_for_country"]["name"], "TikTok Pte. Ltd.");
  EXPECT_EQ(entry["versions"].size(), 1u);
  for (const char* extra : {"content_hash", "facts", "entity_for_country", "versions", "stats"}) {
    entry.erase(extra);
  }
  entry["preservation"]["days"] = 60;
  entry["preservation"]["text"] = "60 days (edited in a test)";

  HttpResponse not_admin = Api(port, "PUT", "/api/v1/directory/providers/tiktok",
                               Json{{"entry", entry}, {"note", "test"}}, hub->investigator);
  EXPECT_TRUE(IsError(not_admin, 403, "permission_denied")) << not_admin.body;
  HttpResponse mismatched = Api(port, "PUT", "/api/v1/directory/providers/meta",
                                Json{{"entry", entry}, {"note", "test"}}, hub->admin);
  EXPECT_TRUE(IsError(mismatched, 400, "invalid_argument", "", "entry.id")) << mismatched.body;
  Json broken = entry;
  broken["preservation"]["days"] = -1;
  HttpResponse invalid = Api(port, "PUT", "/api/v1/directory/providers/tiktok",
                             Json{{"entry", broken}, {"note", "test"}}, hub->admin);
  EXPECT_EQ(invalid.status, 400) << invalid.Describe();
  EXPECT_NE(invalid.body.find("preservation"), std::string::npos) << invalid.body;

  HttpResponse saved =
      Api(port, "PUT", "/api/v1/directory/providers/tiktok",
          Json{{"entry", entry}, {"note", "TikTok shortened its preservation period"}}, hub->admin);
  ASSERT_EQ(saved.status, 201) << saved.Describe();
  EXPECT_EQ(saved.JsonBody()["version"], 2);
  EXPECT_EQ(saved.JsonBody()["changed_by"]["username"], "admin");
  EXPECT_FALSE(saved.JsonBody()["changes"].empty());
  HttpResponse unchanged = Api(port, "PUT", "/api/v1/directory/providers/tiktok",
                               Json{{"entry", entry}, {"note", "again"}}, hub->admin);
  EXPECT_TRUE(IsError(unchanged, 409, "failed_precondition", "unchanged")) << unchanged.body;

  HttpResponse after = Api(port, "GET", Path(id), std::nullopt, hub->investigator);
  ASSERT_EQ(after.status, 200) << after.Describe();
  EXPECT_TRUE(after.JsonBody()["provider_changed"].get<bool>()) << after.body;
  bool days_changed = false;
  const Json after_provider_changes = after.JsonBody()["provider_changes"];
  for (const Json& change : after_provider_changes) {
    if (change.value("path", "") == "/preservation/days") {
      days_changed = true;
      EXPECT_EQ(change["before"], "90");
      EXPECT_EQ(change["after"], "60");
    }
  }
  EXPECT_TRUE(days_changed) << after.body;
  EXPECT_NE(Api(port, "GET", "/api/v1/directory", std::nullopt, hub->investigator)
                .JsonBody()
                .value("version", ""),
            version_before);

  // The command line: export the current entry, import an edited copy as a new version.
  CommandResult exported = Cli(*hub->server, {"directory", "export", "--provider", "tiktok"});
  ASSERT_EQ(exported.exit_code, 0) << exported.out << exported.err;
  Json listing = Json::parse(exported.out, nullptr, false);
  ASSERT_TRUE(listing.is_object()) << exported.out;
  ASSERT_EQ(listing["providers"].size(), 1u) << exported.out;
  EXPECT_EQ(listing["providers"][0]["preservation"]["days"], 60);
  listing["providers"][0]["preservation"]["days"] = 45;
  std::string file = temp() + "/providers.json";
  ASSERT_TRUE(WriteFile(file, listing.dump(2)));
  CommandResult imported = Cli(*hub->server, {"directory", "import", file, "--note",
                                              "from the command line", "--user", "admin"});
  ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
  HttpResponse versions =
      Api(port, "GET", "/api/v1/directory/providers/tiktok", std::nullopt, hub->investigator);
  ASSERT_EQ(versions.JsonBody()["versions"].size(), 3u) << versions.body;
  EXPECT_EQ(versions.JsonBody()["versions"][0]["note"], "from the command line");
  EXPECT_EQ(versions.JsonBody()["versions"][0]["changed_by"]["username"], "admin");
  CommandResult nobody = Cli(*hub->server, {"directory", "import", file, "--note", "x"});
  EXPECT_NE(nobody.exit_code, 0) << "--user is required";
  CommandResult again =
      Cli(*hub->server, {"directory", "import", file, "--note", "same again", "--user", "admin"});
  EXPECT_EQ(again.exit_code, 0) << "an unchanged entry is skipped: " << again.err;
  CommandResult all = Cli(*hub->server, {"directory", "export"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_GT(Json::parse(all.out, nullptr, false)["providers"].size(), 5u);
}

TEST_P(RequestsTest, DeadlineRemindersAreMailedThroughSmtp) {
  // A local SMTP server that keeps what it accepts.
  std::string sink_dir = temp() + "/mail";
  std::filesystem::create_directories(sink_dir);
  std::string port_file = temp() + "/smtp.port";
  std::string script = std::string(THREATHUB_SOURCE_DIR_PATH) + "/tools/smtp_sink.py";
  ASSERT_TRUE(std::filesystem::exists(script)) << script;
  Process sink({"/usr/bin/env", "python3", script, "--port", "0", "--port-file", port_file, "--dir",
                sink_dir},
               {}, temp(), temp() + "/smtp.out", temp() + "/smtp.err");
  ASSERT_TRUE(sink.started()) << sink.error();
  std::string smtp_port;
  for (int attempt = 0; attempt < 100 && smtp_port.empty(); ++attempt) {
    smtp_port = ReadFileOrEmpty(port_file);
    if (smtp_port.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  while (!smtp_port.empty() && (smtp_port.back() == '\n' || smtp_port.back() == ' ')) {
    smtp_port.pop_back();
  }
  ASSERT_FALSE(smtp_port.empty()) << ReadFileOrEmpty(temp() + "/smtp.err");

  ServerOptions options;
  options.env = {{"THREATHUB_SMTP_HOST", "127.0.0.1"},
                 {"THREATHUB_SMTP_PORT", smtp_port},
                 {"THREATHUB_SMTP_FROM", "threathub@demo.threathub.kz"},
                 {"THREATHUB_PUBLIC_URL", "https://hub.example.kz"},
                 {"THREATHUB_REMINDER_INTERVAL_SECONDS", "1"}};
  std::optional<Hub> hub = OpenHub(options);
  ASSERT_TRUE(hub);
  // Sent now and preserved until 14 days and 8 seconds from now, as the provider said: the
  // reminder 14 days before the end falls due 8 seconds later. (A sending date 80 days back is
  // refused, being before the approval, and a reminder already past when the deadline is set is
  // not queued.)
  std::optional<Json> sent = SentRequest(*hub, GoodDraft(hub->case_id), hub->supervisor);
  ASSERT_TRUE(sent);
  const int64_t id = (*sent)["request"].value("id", int64_t{0});
  const std::string reference = (*sent)["request"].value("reference", "");
  HttpResponse preserved =
      Api(hub->port, "POST", Path(id, "/preserve"),
          Json{{"at", NowMillis()}, {"until", NowMillis() + 14 * kDayMillis + 8000}},
          hub->investigator);
  ASSERT_EQ(preserved.status, 200) << preserved.Describe();

  // One message to the drafter (and one to the approver).
  Json mail;
  for (int attempt = 0; attempt < 300 && mail.is_null(); ++attempt) {
    for (const auto& file : std::filesystem::directory_iterator(sink_dir)) {
      if (file.path().extension() != ".json") continue;
      Json parsed = Json::parse(ReadFileOrEmpty(file.path().string()), nullptr, false);
      if (parsed.is_object() &&
          parsed["rcpt_to"].dump().find("investigator@demo.threathub.kz") != std::string::npos) {
        mail = parsed;
      }
    }
    if (mail.is_null()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_FALSE(mail.is_null()) << "no mail to the drafter arrived\n" << hub->server->Output();
  EXPECT_NE(mail.value("subject", "").find(reference), std::string::npos) << mail.dump();
  EXPECT_NE(mail.value("body", "").find(reference), std::string::npos) << mail.dump();
  EXPECT_NE(mail.value("body", "").find("https://hub.example.kz/requests/" + std::to_string(id)),
            std::string::npos)
      << mail.dump();
  EXPECT_EQ(mail["mail_from"], "threathub@demo.threathub.kz") << mail.dump();

  Json reminder;
  for (int attempt = 0; attempt < 50 && reminder.is_null(); ++attempt) {
    HttpResponse due = Api(hub->port, "GET", "/api/v1/reminders", std::nullopt, hub->investigator);
    ASSERT_EQ(due.status, 200) << due.Describe();
    const Json due_reminders = due.JsonBody()["reminders"];
    for (const Json& candidate : due_reminders) {
      if (candidate.value("request_id", int64_t{0}) == id &&
          candidate.value("email_state", "") == "sent") {
        reminder = candidate;
      }
    }
    if (reminder.is_null()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_FALSE(reminder.is_null()) << "no reminder with email_state sent";
  EXPECT_EQ(reminder["reference"], reference);
  EXPECT_EQ(reminder["label"], "14_days_before");
  HttpResponse dismissed =
      Api(hub->port, "POST",
          "/api/v1/reminders/" + std::to_string(reminder.value("id", int64_t{0})) + "/dismiss",
          std::nullopt, hub->investigator);
  EXPECT_EQ(dismissed.status, 204) << dismissed.Describe();
  HttpResponse after = Api(hub->port, "GET", "/api/v1/reminders", std::nullopt, hub->investigator);
  const Json after_reminders = after.JsonBody()["reminders"];
  for (const Json& candidate : after_reminders) {
    EXPECT_NE(candidate.value("id", int64_t{0}), reminder.value("id", int64_t{0})) << after.body;
  }
  sink.Kill(SIGTERM);
}

TEST_P(RequestsTest, AnAcknowledgedStepSurvivesKill9) {
  std::optional<Hub> hub = OpenHub();
  ASSERT_TRUE(hub);
  std::optional<Json> sent = SentRequest(*hub, GoodDraft(hub->case_id), hub->supervisor);
  ASSERT_TRUE(sent);
  const int64_t id = (*sent)["request"].value("id", int64_t{0});
  const std::string document_sha256 = (*sent)["request"].value("document_sha256", "");
  HttpResponse acknowledged = Api(hub->port, "POST", Path(id, "/acknowledge"),
                                  Json{{"at", NowMillis()}}, hub->investigator);
  ASSERT_EQ(acknowledged.status, 200) << acknowledged.Describe();

  hub->server->Kill(SIGKILL);
  std::string error;
  ASSERT_TRUE(hub->server->Start(error)) << "restart after kill -9: " << error;
  ASSERT_TRUE(SignInAll(*hub));
  HttpResponse read = Api(hub->port, "GET", Path(id), std::nullopt, hub->investigator);
  ASSERT_EQ(read.status, 200) << read.Describe();
  EXPECT_EQ(read.JsonBody()["request"]["state"], "acknowledged");
  HttpResponse document =
      Api(hub->port, "GET", Path(id, "/document"), std::nullopt, hub->investigator);
  ASSERT_EQ(document.status, 200) << document.Describe();
  EXPECT_EQ(Sha256Hex(document.body), document_sha256);
  HttpResponse history = Api(hub->port, "GET", Path(id, "/events"), std::nullopt, hub->supervisor);
  ASSERT_EQ(history.status, 200) << history.Describe();
  EXPECT_EQ(history.JsonBody()["events"].back()["action"], "acknowledge") << history.body;
}

}  // namespace
}  // namespace threathub::integration
