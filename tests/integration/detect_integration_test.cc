// Detection end to end, against the real server on both engines: an indicator list imported
// over HTTP, JSON Lines with evasions imported under an approved mandate, alerts made by the
// server's scanner and decided over HTTP (confirm makes a case and evidence; dismiss needs a
// reason; a decided alert stays decided); kill -9 while the scanner works, after which every item
// has its alert exactly once; an image alert's photo added to a bank over HTTP becomes the bank
// hash's reference image; and `threathub scan` alone on a folder of files.
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <unistd.h>

#include "integration_test.h"

namespace threathub::integration {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kDaySeconds = 24 * 60 * 60;
constexpr char kChannel[] = "1712345678";
constexpr auto kScanWait = std::chrono::seconds(60);
constexpr char kBridgeHash[] = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22";

std::string UtcFromNow(int64_t offset_seconds) {
  std::time_t when = std::time(nullptr) + offset_seconds;
  std::tm parts{};
  gmtime_r(&when, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

std::string Post(int64_t id, const std::string& text) {
  return std::string("{\"platform\":\"telegram\",\"post_id\":\"") + std::to_string(id) +
         "\",\"channel_id\":\"" + kChannel + "\",\"author_id\":\"channel" + kChannel +
         "\",\"text\":\"" + text + "\"}\n";
}

std::string TestData(const std::string& name) {
  return std::string(THREATHUB_SOURCE_DIR_PATH) + "/../shared/testdata/" + name;
}

class DetectTest : public IntegrationTest {
 protected:
  struct Hub {
    TestServer* server = nullptr;
    int port = 0;
    Auth investigator, supervisor, analyst;
  };

  std::optional<Hub> OpenHub() {
    Hub hub;
    hub.server = StartServer();
    if (hub.server == nullptr) return std::nullopt;
    hub.port = hub.server->port();
    if (!SignInAll(hub)) return std::nullopt;
    return hub;
  }

  bool SignInAll(Hub& hub) {
    for (auto [name, auth] :
         {std::pair{"investigator", &hub.investigator}, std::pair{"supervisor", &hub.supervisor},
          std::pair{"analyst", &hub.analyst}}) {
      std::optional<SignedIn> signed_in = SignInDemo(*hub.server, name);
      if (!signed_in) return false;
      *auth = Auth::Bearer(signed_in->token);
    }
    return true;
  }

  // An approved mandate over the Telegram channel and a JSON Lines source under it.
  int64_t Source(const Hub& hub, const std::string& kind = "jsonl") {
    Json request{
        {"purpose", "Мониторинг призывов к экстремизму"},
        {"predicate", "ст. 174 УК РК"},
        {"level", "overt"},
        {"mechanism", "manual"},
        {"scope",
         Json::array({{{"kind", "account"}, {"platform", "telegram"}, {"value", kChannel}}})},
        {"starts_at", UtcFromNow(-3600)},
        {"ends_at", UtcFromNow(30 * kDaySeconds)},
        {"storage_days", 90},
        {"justification", "Рапорт № 17"}};
    HttpResponse created = Api(hub.port, "POST", "/api/v1/mandates", request, hub.investigator);
    if (created.status != 201) {
      ADD_FAILURE() << created.Describe();
      return 0;
    }
    std::string path = "/api/v1/mandates/" + std::to_string(created.JsonBody().value("id", 0));
    Api(hub.port, "POST", path + "/submit", std::nullopt, hub.investigator);
    HttpResponse approved = Api(hub.port, "POST", path + "/approve", std::nullopt, hub.supervisor);
    if (approved.status != 200) {
      ADD_FAILURE() << approved.Describe();
      return 0;
    }
    HttpResponse source = Api(hub.port, "POST", path + "/sources",
                              Json{{"kind", kind}, {"name", "канал"}}, hub.investigator);
    if (source.status != 201) {
      ADD_FAILURE() << source.Describe();
      return 0;
    }
    return source.JsonBody().value("id", int64_t{0});
  }

  HttpResponse Import(const Hub& hub, int64_t source_id, const std::string& body) {
    HttpRequest request{.method = "POST",
                        .target = "/api/v1/sources/" + std::to_string(source_id) + "/import",
                        .headers = {{"Authorization", "Bearer " + hub.investigator.bearer},
                                    {"Content-Type", "application/x-ndjson"}},
                        .body = body,
                        .close = true};
    HttpConnection connection(hub.port, std::chrono::seconds(300));
    if (!connection.connected()) return HttpResponse{.error = connection.error()};
    return connection.Send(request);
  }

  int64_t AlertTotal(const Hub& hub, const std::string& query) {
    HttpResponse listed =
        Api(hub.port, "GET", "/api/v1/alerts?limit=1&" + query, std::nullopt, hub.investigator);
    if (listed.status != 200) return -1;
    return listed.JsonBody().value("total", int64_t{-1});
  }

  // Waits until the scanner has caught up and `query` lists `count` alerts.
  bool WaitForAlerts(const Hub& hub, const std::string& query, int64_t count) {
    auto deadline = std::chrono::steady_clock::now() + kScanWait;
    while (std::chrono::steady_clock::now() < deadline) {
      if (AlertTotal(hub, query) >= count) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }
};
THREATHUB_INSTANTIATE_FOR_ENGINES(DetectTest);

TEST_P(DetectTest, ImportedIndicatorsFindEvasionsAndTheReviewQueueDecides) {
  std::optional<Hub> hub = OpenHub();
  ASSERT_TRUE(hub);
  HttpResponse list = Api(hub->port, "POST", "/api/v1/indicator-lists",
                          Json{{"name", "Вербовка"}, {"description", "тест"}}, hub->analyst);
  ASSERT_EQ(list.status, 201) << list.Describe();
  int64_t list_id = list.JsonBody().value("id", int64_t{0});
  const std::string list_path = "/api/v1/indicator-lists/" + std::to_string(list_id);
  // The investigator reads lists but does not edit them.
  EXPECT_EQ(Api(hub->port, "POST", list_path + "/indicators",
                Json{{"kind", "term"}, {"pattern", "x"}}, hub->investigator)
                .status,
            403);
  HttpResponse imported = ApiRaw(hub->port, "POST", list_path + "/import?format=csv&mode=append",
                                 "kind,pattern,language,category,severity,notes\n"
                                 "term,вербовка,ru,recruitment,high,\n"
                                 "term,x,ru,,extreme,\n"
                                 "regex,(,ru,,low,\n",
                                 hub->analyst);
  ASSERT_EQ(imported.status, 200) << imported.Describe();
  EXPECT_EQ(imported.JsonBody().value("added", 0), 2);
  ASSERT_EQ(imported.JsonBody()["errors"].size(), 1u);
  EXPECT_EQ(imported.JsonBody()["errors"][0].value("position", ""), "line 3");
  HttpResponse read = Api(hub->port, "GET", list_path, std::nullopt, hub->investigator);
  ASSERT_EQ(read.status, 200);
  ASSERT_EQ(read.JsonBody()["problems"].size(), 1u);
  EXPECT_EQ(read.JsonBody()["problems"][0].value("pattern", ""), "(");
  EXPECT_TRUE(IsError(Api(hub->port, "POST", list_path + "/indicators",
                          Json{{"kind", "regex"}, {"pattern", "а(б"}}, hub->analyst),
                      400, "invalid_argument", "pattern_invalid", "pattern"));

  int64_t source_id = Source(*hub);
  ASSERT_NE(source_id, 0);
  HttpResponse posts =
      Import(*hub, source_id,
             Post(1, "Идёт в.е.р.б.о.в.к.а в группу") + Post(2, "вeрбовка (латинская e)") +
                 Post(3, "ВЕРБОВКА!") + Post(4, "погода хорошая"));
  ASSERT_EQ(posts.status, 200) << posts.Describe();
  const std::string query = "list_id=" + std::to_string(list_id);
  ASSERT_TRUE(WaitForAlerts(*hub, query, 3)) << AlertTotal(*hub, query);
  HttpResponse alerts =
      Api(hub->port, "GET", "/api/v1/alerts?" + query, std::nullopt, hub->investigator);
  ASSERT_EQ(alerts.status, 200);
  Json queue = alerts.JsonBody()["alerts"];
  ASSERT_EQ(queue.size(), 3u);
  EXPECT_EQ(queue[0]["highlights"][0].value("text", ""), "в.е.р.б.о.в.к.а");
  EXPECT_EQ(queue[1]["highlights"][0].value("text", ""), "вeрбовка");
  int64_t first = queue[0].value("id", int64_t{0});
  HttpResponse one = Api(hub->port, "GET", "/api/v1/alerts/" + std::to_string(first), std::nullopt,
                         hub->investigator);
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.JsonBody()["item"].value("post_id", ""), "1");

  const std::string decide =
      "/api/v1/alerts/" + std::to_string(queue[1].value("id", 0)) + "/decision";
  EXPECT_TRUE(
      IsError(Api(hub->port, "POST", decide, Json{{"decision", "dismiss"}}, hub->investigator), 400,
              "invalid_argument", "", "reason"));
  HttpResponse confirmed =
      Api(hub->port, "POST", "/api/v1/alerts/" + std::to_string(first) + "/decision",
          Json{{"decision", "confirm"},
               {"new_case", {{"title", "Вербовка в Telegram"}}},
               {"legal_basis", "ст. 256 УК РК"}},
          hub->investigator);
  ASSERT_EQ(confirmed.status, 200) << confirmed.Describe();
  int64_t evidence_id = confirmed.JsonBody().value("evidence_id", int64_t{0});
  ASSERT_NE(evidence_id, 0);
  HttpResponse item =
      Api(hub->port, "GET",
          "/api/v1/collected/" + std::to_string(confirmed.JsonBody().value("item_id", int64_t{0})),
          std::nullopt, hub->investigator);
  EXPECT_EQ(item.JsonBody().value("promoted_evidence_id", int64_t{0}), evidence_id);
  EXPECT_TRUE(
      IsError(Api(hub->port, "POST", "/api/v1/alerts/" + std::to_string(first) + "/decision",
                  Json{{"decision", "dismiss"}, {"reason", "нет"}}, hub->investigator),
              409, "failed_precondition", "already_decided"));
  ASSERT_EQ(Api(hub->port, "POST", decide, Json{{"decision", "dismiss"}, {"reason", "цитата"}},
                hub->investigator)
                .status,
            200);
  HttpResponse metrics =
      Api(hub->port, "GET", "/api/v1/detect/metrics", std::nullopt, hub->investigator);
  ASSERT_EQ(metrics.status, 200);
  bool found = false;
  Json metric_lists = metrics.JsonBody()["lists"];
  for (const Json& row : metric_lists) {
    if (row.value("list_id", int64_t{0}) != list_id) continue;
    found = true;
    EXPECT_EQ(row.value("alerts", 0), 3);
    EXPECT_DOUBLE_EQ(row.value("precision", 0.0), 0.5);
  }
  EXPECT_TRUE(found) << metrics.body;
}

TEST_P(DetectTest, AnImageAlertsPhotoAddedToABankIsServedAsTheReferenceImage) {
  std::optional<Hub> hub = OpenHub();
  ASSERT_TRUE(hub);
  HttpResponse bank = Api(hub->port, "POST", "/api/v1/hash-banks",
                          Json{{"name", "Мосты"}, {"algorithm", "pdq"}}, hub->supervisor);
  ASSERT_EQ(bank.status, 201) << bank.Describe();
  int64_t bank_id = bank.JsonBody().value("id", int64_t{0});
  ASSERT_EQ(ApiRaw(hub->port, "POST", "/api/v1/hash-banks/" + std::to_string(bank_id) + "/import",
                   std::string(kBridgeHash) + " bridge\n", hub->supervisor)
                .status,
            200);
  // A Telegram Desktop export (.tar.gz made with tar) whose photo is the bridge turned by 90°.
  int64_t source_id = Source(*hub, "telegram");
  ASSERT_NE(source_id, 0);
  fs::path folder =
      fs::temp_directory_path() / ("threathub-add-to-bank-" + std::to_string(::getpid()));
  fs::remove_all(folder);
  fs::create_directories(folder / "ChatExport" / "photos");
  std::string photo_path = TestData("pdq/dih/bridge-2-rotate-90.jpg");
  std::ifstream photo_stream(photo_path, std::ios::binary);
  std::string photo((std::istreambuf_iterator<char>(photo_stream)), {});
  ASSERT_FALSE(photo.empty());
  fs::copy_file(photo_path, folder / "ChatExport" / "photos" / "photo_1.jpg");
  std::time_t posted = std::time(nullptr) - 600;
  Json message{{"id", 1},
               {"type", "message"},
               {"date", UtcFromNow(-600).substr(0, 19)},
               {"date_unixtime", std::to_string(posted)},
               {"from", "Канал"},
               {"from_id", std::string("channel") + kChannel},
               {"photo", "photos/photo_1.jpg"},
               {"width", 512},
               {"height", 512},
               {"text", "Мост ночью"}};
  std::ofstream(folder / "ChatExport" / "result.json") << Json{
      {"name", "Канал"},
      {"type", "public_channel"},
      {"id", std::stoll(kChannel)},
      {"messages", Json::array({message})}}.dump();
  std::string archive = (folder / "export.tar.gz").string();
  ASSERT_EQ(
      std::system(("tar -czf '" + archive + "' -C '" + folder.string() + "' ChatExport").c_str()),
      0);
  std::ifstream archive_stream(archive, std::ios::binary);
  std::string archive_bytes((std::istreambuf_iterator<char>(archive_stream)), {});
  fs::remove_all(folder);
  HttpResponse imported = Import(*hub, source_id, archive_bytes);
  ASSERT_EQ(imported.status, 200) << imported.Describe();
  const std::string query = "kind=image&bank_id=" + std::to_string(bank_id);
  ASSERT_TRUE(WaitForAlerts(*hub, query, 1)) << AlertTotal(*hub, query);
  HttpResponse listed =
      Api(hub->port, "GET", "/api/v1/alerts?" + query, std::nullopt, hub->supervisor);
  ASSERT_EQ(listed.status, 200) << listed.Describe();
  int64_t alert_id = listed.JsonBody()["alerts"][0].value("id", int64_t{0});
  const std::string add = "/api/v1/alerts/" + std::to_string(alert_id) + "/add-to-bank";

  HttpResponse second = Api(hub->port, "POST", "/api/v1/hash-banks",
                            Json{{"name", "Проверенные"}, {"algorithm", "pdq"}}, hub->supervisor);
  ASSERT_EQ(second.status, 201) << second.Describe();
  int64_t second_id = second.JsonBody().value("id", int64_t{0});
  // detect.manage: the investigator reviews alerts but does not edit banks.
  EXPECT_EQ(Api(hub->port, "POST", add, Json{{"bank_id", second_id}}, hub->investigator).status,
            403);
  HttpResponse added =
      Api(hub->port, "POST", add, Json{{"bank_id", second_id}, {"label", "мост"}}, hub->supervisor);
  ASSERT_EQ(added.status, 201) << added.Describe();
  EXPECT_EQ(added.JsonBody().value("label", ""), "мост");
  EXPECT_EQ(added.JsonBody().value("source", ""), "alert " + std::to_string(alert_id));
  EXPECT_TRUE(IsError(Api(hub->port, "POST", add, Json{{"bank_id", second_id}}, hub->supervisor),
                      409, "already_exists", "hash_in_bank"));
  HttpResponse image = Api(
      hub->port, "GET",
      "/api/v1/bank-hashes/" + std::to_string(added.JsonBody().value("id", int64_t{0})) + "/image",
      std::nullopt, hub->investigator);
  ASSERT_EQ(image.status, 200) << image.Describe();
  EXPECT_EQ(image.Header("content-type").substr(0, 6), "image/");
  EXPECT_TRUE(image.body == photo) << image.body.size() << " bytes, not the photo";
}

TEST_P(DetectTest, AfterKillNineEveryItemIsScannedExactlyOnce) {
  std::optional<Hub> hub = OpenHub();
  ASSERT_TRUE(hub);
  HttpResponse list =
      Api(hub->port, "POST", "/api/v1/indicator-lists", Json{{"name", "Крах"}}, hub->analyst);
  ASSERT_EQ(list.status, 201);
  int64_t list_id = list.JsonBody().value("id", int64_t{0});
  ASSERT_EQ(
      Api(hub->port, "POST", "/api/v1/indicator-lists/" + std::to_string(list_id) + "/indicators",
          Json{{"kind", "term"}, {"pattern", "маркер"}}, hub->analyst)
          .status,
      201);
  int64_t source_id = Source(*hub);
  ASSERT_NE(source_id, 0);
  constexpr int kPosts = 3000;
  std::string lines;
  for (int post = 1; post <= kPosts; ++post) {
    lines += Post(post, "пост " + std::to_string(post) + " м.а.р.к.е.р");
  }
  auto import_started = std::chrono::steady_clock::now();
  ASSERT_EQ(Import(*hub, source_id, lines).status, 200);
  std::fprintf(
      stderr, "TIMING import %.1f s\n",
      std::chrono::duration<double>(std::chrono::steady_clock::now() - import_started).count());
  const std::string query = "list_id=" + std::to_string(list_id);
  // Killed as soon as the scanner has started (or finished: the check is the same).
  auto deadline = std::chrono::steady_clock::now() + kScanWait;
  while (AlertTotal(*hub, query) < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  int64_t before = AlertTotal(*hub, query);
  auto killed_at = std::chrono::steady_clock::now();
  hub->server->Kill(SIGKILL);
  std::string error;
  ASSERT_TRUE(hub->server->Start(error)) << error;
  hub->port = hub->server->port();
  ASSERT_TRUE(SignInAll(*hub));
  auto restarted_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitForAlerts(*hub, query, kPosts)) << before << " then " << AlertTotal(*hub, query);
  std::fprintf(
      stderr, "TIMING killed at %lld alerts; restart %.1f s; caught up %.1f s\n",
      static_cast<long long>(before),
      std::chrono::duration<double>(restarted_at - killed_at).count(),
      std::chrono::duration<double>(std::chrono::steady_clock::now() - restarted_at).count());
  HttpResponse status =
      Api(hub->port, "GET", "/api/v1/detect/status", std::nullopt, hub->investigator);
  ASSERT_EQ(status.status, 200);
  EXPECT_EQ(status.JsonBody().value("pending_items", int64_t{-1}), 0);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(AlertTotal(*hub, query), kPosts) << "killed at " << before;
  // Each alert names a different item.
  std::set<int64_t> items;
  for (int offset = 0; offset < kPosts; offset += 500) {
    HttpResponse page = Api(
        hub->port, "GET", "/api/v1/alerts?limit=500&offset=" + std::to_string(offset) + "&" + query,
        std::nullopt, hub->investigator);
    Json listed = page.JsonBody()["alerts"];
    for (const Json& alert : listed) items.insert(alert.value("item_id", int64_t{0}));
  }
  EXPECT_EQ(items.size(), static_cast<size_t>(kPosts));
}

TEST_P(DetectTest, ScanWorksAloneOnFilesFoldersAndJsonLines) {
  if (postgres()) GTEST_SKIP() << "no database involved";
  const std::string folder = temp() + "/seized";
  fs::create_directories(folder + "/photos");
  ASSERT_TRUE(WriteFile(folder + "/chat.jsonl",
                        Post(1, "привет") + Post(2, "это т.е.р.р.о.р") + "not json\n"));
  ASSERT_TRUE(WriteFile(folder + "/note.txt", "заметка: тeррор\xff\xfe на площади\n"));
  fs::copy_file(TestData("pdq/dih/bridge-1-original.jpg"), folder + "/photos/bridge.jpg");
  bool rotated = std::system(("/usr/bin/convert '" + TestData("pdq/dih/bridge-1-original.jpg") +
                              "' -rotate 90 '" + folder + "/photos/rotated.png' 2>/dev/null")
                                 .c_str()) == 0;
  ASSERT_TRUE(
      WriteFile(folder + "/photos/corrupt.jpg", std::string("\xFF\xD8\xFF\xE0garbage", 11)));
  const std::string indicators = temp() + "/indicators.csv";
  ASSERT_TRUE(WriteFile(indicators, "kind,pattern,severity\nterm,террор,high\n"));
  const std::string bank = temp() + "/bank.txt";
  ASSERT_TRUE(WriteFile(bank, std::string(kBridgeHash) + " bridge\n"));

  CommandResult result = RunCommand(
      {binary(), "scan", "--indicators", indicators, "--banks", "pdq:" + bank, folder}, {});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::vector<Json> matches;
  std::istringstream out(result.out);
  for (std::string line; std::getline(out, line);) matches.push_back(Json::parse(line));
  int text = 0, image = 0;
  for (const Json& match : matches) {
    if (match.value("kind", "") == "text") {
      ++text;
      if (match.value("path", "").ends_with("chat.jsonl")) {
        EXPECT_EQ(match.value("line", 0), 2);
        EXPECT_EQ(match.value("match", ""), "т.е.р.р.о.р");
      } else {
        EXPECT_TRUE(match.value("path", "").ends_with("note.txt"));
        EXPECT_EQ(match.value("match", ""), "тeррор");
      }
    } else if (match.value("kind", "") == "image") {
      ++image;
      EXPECT_LE(match.value("distance", 999), 31);
      EXPECT_EQ(match["bank_hash"].value("label", ""), "bridge");
    }
  }
  EXPECT_EQ(text, 2) << result.out;
  EXPECT_EQ(image, rotated ? 2 : 1) << result.out;
  EXPECT_NE(result.err.find("corrupt.jpg"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("chat.jsonl:3"), std::string::npos) << result.err;

  // Exact hashes: MD5 and SHA-256 lists (as md5sum and sha256sum print them) name a file by
  // its content, whatever its name or kind; a hash of nothing in the folder finds nothing.
  auto digest = [](const std::string& tool, const std::string& path) {
    CommandResult printed = RunCommand({tool, path}, {});
    return printed.out.substr(0, printed.out.find(' '));
  };
  const std::string md5_list = temp() + "/md5.txt", sha256_list = temp() + "/sha256.csv";
  ASSERT_TRUE(WriteFile(md5_list, digest("/usr/bin/md5sum", folder + "/note.txt") + "\n" +
                                      std::string(32, 'a') + "\n"));
  ASSERT_TRUE(WriteFile(
      sha256_list, "hash,label\n" + digest("/usr/bin/sha256sum", folder + "/photos/bridge.jpg") +
                       ",bridge photo\n"));
  CommandResult exact = RunCommand({binary(), "scan", "--indicators", indicators, "--banks",
                                    "md5:" + md5_list, "--banks", "sha256:" + sha256_list, folder},
                                   {});
  ASSERT_EQ(exact.exit_code, 0) << exact.err;
  std::map<std::string, std::string> exact_hits;  // algorithm -> file name
  std::istringstream exact_out(exact.out);
  for (std::string line; std::getline(exact_out, line);) {
    Json match = Json::parse(line);
    if (match.value("kind", "") != "exact") continue;
    EXPECT_FALSE(exact_hits.contains(match.value("algorithm", ""))) << exact.out;
    exact_hits[match.value("algorithm", "")] =
        fs::path(match.value("path", "")).filename().string();
    if (match.value("algorithm", "") == "sha256") {
      EXPECT_EQ(match["bank_hash"].value("label", ""), "bridge photo");
    }
  }
  EXPECT_EQ(exact_hits,
            (std::map<std::string, std::string>{{"md5", "note.txt"}, {"sha256", "bridge.jpg"}}))
      << exact.out;

  CommandResult missing =
      RunCommand({binary(), "scan", "--indicators", temp() + "/none.csv", folder}, {});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("none.csv"), std::string::npos);
  CommandResult nothing = RunCommand({binary(), "scan", folder}, {});
  EXPECT_EQ(nothing.exit_code, 1);
}

}  // namespace
}  // namespace threathub::integration
