// Collection end to end, against the real server on both engines: a mandate requested and
// approved through the API; a feed polled over real HTTP from a local site (python3 -m
// http.server) until the mandate is revoked, after which nothing more is fetched or stored; a
// JSON Lines export streamed as the request body, with refusals, errors, duplicates, search,
// the original bytes and promotion to evidence; and kill -9 in the middle of a large import,
// after which every item is whole (row, original bytes, index entry) and a second import
// completes without duplicates.
#include <libpq-fe.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include <atomic>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "integration_test.h"

namespace threathub::integration {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kDaySeconds = 24 * 60 * 60;
constexpr char kChannel[] = "1712345678";
constexpr auto kPollWait = std::chrono::seconds(20);
constexpr auto kImportTimeout = std::chrono::seconds(300);

std::string UtcFromNow(int64_t offset_seconds) {
  std::time_t when = std::time(nullptr) + offset_seconds;
  std::tm parts{};
  gmtime_r(&when, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
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

// Rows of a query against the server's database (SQLite file or PostgreSQL), as text; an empty
// list and a failure when the query fails. Binary columns come back as their bytes.
std::vector<std::vector<std::string>> Query(const TestServer& server, const std::string& sql) {
  std::vector<std::vector<std::string>> rows;
  if (server.db() == "sqlite") {
    sqlite3* db = nullptr;
    std::string path = server.data_dir() + "/threathub.db";
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << path;
      sqlite3_close(db);
      return rows;
    }
    sqlite3_busy_timeout(db, 10'000);
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
    } else {
      int code;
      while ((code = sqlite3_step(statement)) == SQLITE_ROW) {
        std::vector<std::string> row;
        for (int column = 0; column < sqlite3_column_count(statement); ++column) {
          const void* bytes = sqlite3_column_blob(statement, column);
          int size = sqlite3_column_bytes(statement, column);
          row.emplace_back(bytes ? std::string(static_cast<const char*>(bytes), size) : "");
        }
        rows.push_back(std::move(row));
      }
      if (code != SQLITE_DONE) ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return rows;
  }
  PGconn* connection = PQconnectdb(server.db().c_str());
  if (PQstatus(connection) != CONNECTION_OK) {
    ADD_FAILURE() << "cannot connect: " << PQerrorMessage(connection);
    PQfinish(connection);
    return rows;
  }
  // Binary results, so that BYTEA columns come back as their bytes.
  PGresult* result =
      PQexecParams(connection, sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 1);
  if (PQresultStatus(result) != PGRES_TUPLES_OK && PQresultStatus(result) != PGRES_COMMAND_OK) {
    ADD_FAILURE() << sql << ": " << PQresultErrorMessage(result);
  } else {
    for (int row_idx = 0; row_idx < PQntuples(result); ++row_idx) {
      std::vector<std::string> row;
      for (int column = 0; column < PQnfields(result); ++column) {
        row.emplace_back(PQgetvalue(result, row_idx, column), PQgetlength(result, row_idx, column));
      }
      rows.push_back(std::move(row));
    }
  }
  PQclear(result);
  PQfinish(connection);
  return rows;
}

// COUNT(*) and friends: the first column of the first row as a number. On PostgreSQL, cast the
// value to TEXT in the query (binary results).
int64_t Number(const TestServer& server, const std::string& sql) {
  std::vector<std::vector<std::string>> rows = Query(server, sql);
  if (rows.empty() || rows[0].empty()) return -1;
  return std::strtoll(rows[0][0].c_str(), nullptr, 10);
}

// An RSS 2.0 feed of `count` entries on the local site.
std::string Rss(int port, int count) {
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>"
      "<title>Жаңалықтар</title><link>" +
      base + "/</link>";
  for (int entry = 1; entry <= count; ++entry) {
    std::string link = base + "/item/" + std::to_string(entry);
    xml += "<item><title>Новость " + std::to_string(entry) + "</title><link>" + link +
           "</link><guid>" + link + "</guid><description>Новость номер " + std::to_string(entry) +
           ": қауіпсіздік</description></item>";
  }
  return xml + "</channel></rss>\n";
}

// Writes `text` to `path` through a temporary name, so the site never serves half a file.
void WriteAtomically(const std::string& path, const std::string& text) {
  std::string temporary = path + ".tmp";
  std::ofstream(temporary, std::ios::binary) << text;
  fs::rename(temporary, path);
}

// A JSON Lines post of the mandate's Telegram channel.
std::string Post(int64_t id, const std::string& text) {
  return std::string("{\"platform\":\"telegram\",\"post_id\":\"") + std::to_string(id) +
         "\",\"channel_id\":\"" + kChannel + "\",\"author_id\":\"channel" + kChannel +
         "\",\"author_name\":\"Арна\",\"url\":\"https://t.me/arna/" + std::to_string(id) +
         "\",\"created_at\":\"2026-01-05T10:00:00Z\",\"text\":\"" + text + "\"}\n";
}

class CollectTest : public IntegrationTest {
 protected:
  struct Hub {
    TestServer* server = nullptr;
    int port = 0;
    Auth investigator, supervisor, trainee;
  };

  std::optional<Hub> OpenHub() {
    Hub hub;
    hub.server = StartServer();
    if (hub.server == nullptr) return std::nullopt;
    hub.port = hub.server->port();
    for (auto [name, auth] :
         {std::pair{"investigator", &hub.investigator}, std::pair{"supervisor", &hub.supervisor},
          std::pair{"trainee", &hub.trainee}}) {
      std::optional<SignedIn> signed_in = SignInDemo(*hub.server, name);
      if (!signed_in) return std::nullopt;
      *auth = Auth::Bearer(signed_in->token);
    }
    return hub;
  }

  // A mandate of the investigator's over `scope`, submitted and approved by the supervisor;
  // its id, or 0 and a failure.
  int64_t ApprovedMandate(const Hub& hub, const Json& scope, const std::string& mechanism) {
    Json request{{"purpose", "Мониторинг призывов к экстремизму"},
                 {"predicate", "ст. 174 УК РК"},
                 {"level", "overt"},
                 {"mechanism", mechanism},
                 {"scope", scope},
                 {"starts_at", UtcFromNow(-3600)},
                 {"ends_at", UtcFromNow(30 * kDaySeconds)},
                 {"storage_days", 90},
                 {"justification", "Рапорт № 17"}};
    HttpResponse created = Api(hub.port, "POST", "/api/v1/mandates", request, hub.investigator);
    if (created.status != 201) {
      ADD_FAILURE() << "cannot create a mandate: " << created.Describe();
      return 0;
    }
    int64_t id = created.JsonBody().value("id", int64_t{0});
    std::string path = "/api/v1/mandates/" + std::to_string(id);
    HttpResponse submitted =
        Api(hub.port, "POST", path + "/submit", std::nullopt, hub.investigator);
    HttpResponse approved = Api(hub.port, "POST", path + "/approve", std::nullopt, hub.supervisor);
    if (approved.status != 200 || approved.JsonBody().value("state", "") != "approved") {
      ADD_FAILURE() << "cannot approve: " << submitted.Describe() << " / " << approved.Describe();
      return 0;
    }
    return id;
  }

  int64_t AddSource(const Hub& hub, int64_t mandate_id, const Json& fields) {
    HttpResponse created =
        Api(hub.port, "POST", "/api/v1/mandates/" + std::to_string(mandate_id) + "/sources", fields,
            hub.investigator);
    if (created.status != 201) {
      ADD_FAILURE() << "cannot add a source: " << created.Describe();
      return 0;
    }
    return created.JsonBody().value("id", int64_t{0});
  }

  // The number of items of a source (GET /api/v1/collected), -1 when the call fails.
  int64_t Collected(const Hub& hub, int64_t source_id, const std::string& query = "") {
    HttpResponse listed =
        Api(hub.port, "GET", "/api/v1/collected?source_id=" + std::to_string(source_id) + query,
            std::nullopt, hub.investigator);
    if (listed.status != 200) {
      ADD_FAILURE() << listed.Describe();
      return -1;
    }
    return listed.JsonBody().value("total", int64_t{-1});
  }

  // The upload on a connection of its own with a long deadline: a large import is answered
  // only once it is stored.
  HttpResponse Import(const Hub& hub, int64_t source_id, const std::string& body) {
    HttpRequest request{.method = "POST",
                        .target = "/api/v1/sources/" + std::to_string(source_id) + "/import",
                        .headers = {{"Authorization", "Bearer " + hub.investigator.bearer},
                                    {"Content-Type", "application/x-ndjson"}},
                        .body = body,
                        .close = true};
    HttpConnection connection(hub.port, kImportTimeout);
    if (!connection.connected()) return HttpResponse{.error = connection.error()};
    return connection.Send(request);
  }
};
THREATHUB_INSTANTIATE_FOR_ENGINES(CollectTest);

// A local web site: python3 -m http.server on 127.0.0.1, an ephemeral port.
class LocalSite {
 public:
  explicit LocalSite(const std::string& root) : root_(root) {
    fs::create_directories(root);
    process_ = std::make_unique<Process>(
        std::vector<std::string>{"/usr/bin/python3", "-u", "-m", "http.server", "--bind",
                                 "127.0.0.1", "--directory", root, "0"},
        std::map<std::string, std::string>{}, root, root + "/../site.out", root + "/../site.err");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    std::regex serving("port ([0-9]+)");
    while (std::chrono::steady_clock::now() < deadline && port_ == 0) {
      std::ifstream out(root + "/../site.out");
      std::string text((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
      std::smatch match;
      if (std::regex_search(text, match, serving)) port_ = std::stoi(match[1]);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  int port() const { return port_; }
  // How many times `path` has been fetched (the server's access log).
  int Requests(const std::string& path) const {
    std::ifstream err(root_ + "/../site.err");
    std::string line;
    int count = 0;
    while (std::getline(err, line)) {
      if (line.find("\"GET " + path + " ") != std::string::npos) ++count;
    }
    return count;
  }

 private:
  std::string root_;
  std::unique_ptr<Process> process_;
  int port_ = 0;
};

TEST_P(CollectTest, AFeedIsPolledUntilItsMandateIsRevoked) {
  std::optional<Hub> hub = OpenHub();
  ASSERT_TRUE(hub);
  LocalSite site(temp() + "/site/www");
  ASSERT_NE(site.port(), 0) << "python3 -m http.server did not start";
  const std::string base = "http://127.0.0.1:" + std::to_string(site.port());
  WriteAtomically(temp() + "/site/www/feed.xml", Rss(site.port(), 2));

  int64_t mandate_id = ApprovedMandate(*hub,
                                       Json::array({{{"kind", "url_prefix"}, {"value", base + "/"}},
                                                    {{"kind", "platform"}, {"platform", "rss"}}}),
                                       "automated");
  ASSERT_NE(mandate_id, 0);
  int64_t source_id = AddSource(
      *hub, mandate_id,
      {{"kind", "feed"}, {"name", "Жаңалықтар"}, {"url", base + "/feed.xml"}, {"poll_minutes", 1}});
  ASSERT_NE(source_id, 0);
  const std::string source_path = "/api/v1/sources/" + std::to_string(source_id);

  // The server's poller fetches a new feed at once.
  auto deadline = std::chrono::steady_clock::now() + kPollWait;
  while (Collected(*hub, source_id) < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_EQ(Collected(*hub, source_id), 2);
  HttpResponse found = Api(hub->port, "GET", "/api/v1/collected?q=%D2%9B%D0%B0%D1%83%D1%96%D0%BF",
                           std::nullopt, hub->investigator);  // q=қауіп
  ASSERT_EQ(found.status, 200) << found.Describe();
  EXPECT_EQ(found.JsonBody()["total"], 2);
  EXPECT_NE(found.JsonBody()["items"][0].value("snippet", "").find("«"), std::string::npos)
      << found.Describe();

  // Polled now, by hand: the new entry only.
  WriteAtomically(temp() + "/site/www/feed.xml", Rss(site.port(), 3));
  HttpResponse polled =
      Api(hub->port, "POST", source_path + "/poll", std::nullopt, hub->investigator);
  ASSERT_EQ(polled.status, 200) << polled.Describe();
  EXPECT_EQ(polled.JsonBody()["import"]["stored"], 1);
  EXPECT_EQ(polled.JsonBody()["import"]["duplicates"], 2);
  Json source = Api(hub->port, "GET", source_path, std::nullopt, hub->investigator).JsonBody();
  EXPECT_EQ(source["counts"]["collected"], 3);
  EXPECT_FALSE(source["last_polled_at"].is_null());

  // The supervisor revokes the mandate: the poller stops at its next tick.
  HttpResponse revoked =
      Api(hub->port, "POST", "/api/v1/mandates/" + std::to_string(mandate_id) + "/revoke",
          Json{{"reason", "Проверка завершена"}}, hub->supervisor);
  ASSERT_EQ(revoked.status, 200) << revoked.Describe();
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    source = Api(hub->port, "GET", source_path, std::nullopt, hub->investigator).JsonBody();
    if (source.value("state", "") == "stopped") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(source["state"], "stopped");
  EXPECT_EQ(source["stop_reason"], "mandate_revoked");
  int fetched = site.Requests("/feed.xml");

  // The feed grows; nothing more is fetched or stored, by the poller or by hand.
  WriteAtomically(temp() + "/site/www/feed.xml", Rss(site.port(), 6));
  HttpResponse refused =
      Api(hub->port, "POST", source_path + "/poll", std::nullopt, hub->investigator);
  EXPECT_EQ(refused.status, 409) << refused.Describe();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_EQ(site.Requests("/feed.xml"), fetched);
  EXPECT_EQ(Collected(*hub, source_id), 3);
  EXPECT_EQ(
      Number(*hub->server, "SELECT CAST(COUNT(*) AS TEXT) FROM collected_items WHERE source_id = " +
                               std::to_string(source_id)),
      3);
}

TEST_P(CollectTest, AJsonLinesExportStreamedAsTheBodyIsImportedSearchedAndPromoted) {
  std::optional<Hub> hub = OpenHub();
  ASSERT_TRUE(hub);
  int64_t mandate_id = ApprovedMandate(
      *hub,
      Json::array({{{"kind", "account"}, {"platform", "telegram"}, {"value", kChannel}},
                   {{"kind", "domain"}, {"value", "example.kz"}}}),
      "manual");
  ASSERT_NE(mandate_id, 0);
  int64_t source_id = AddSource(*hub, mandate_id, {{"kind", "jsonl"}, {"name", "Выгрузка"}});
  ASSERT_NE(source_id, 0);

  std::string lines = Post(1, "Призывы к терроризму") + Post(2, "ҚАУІПСІЗДІК мәселесі") +
                      Post(3, "третий пост") +
                      "{\"platform\":\"telegram\",\"post_id\":\"9\",\"author_id\":\"user999\","
                      "\"text\":\"чужой\"}\n"
                      "{\"platform\":\"telegram\",\"text\":\"без post_id\"}\n";
  HttpResponse imported = Import(*hub, source_id, lines);
  ASSERT_EQ(imported.status, 200) << imported.Describe();
  Json report = imported.JsonBody()["import"];
  EXPECT_EQ(report["records"], 5);
  EXPECT_EQ(report["stored"], 3);
  EXPECT_EQ(report["refused"], Json({{"account_outside_mandate", 1}}));
  ASSERT_EQ(report["errors"].size(), 1u);
  EXPECT_EQ(report["errors"][0]["position"], "line 5");

  HttpResponse again = Import(*hub, source_id, lines);
  ASSERT_EQ(again.status, 200) << again.Describe();
  EXPECT_EQ(again.JsonBody()["import"]["stored"], 0);
  EXPECT_EQ(again.JsonBody()["import"]["duplicates"], 3);

  // Search in Russian and Kazakh, whatever the case.
  HttpResponse terror = Api(hub->port, "GET",
                            "/api/v1/collected?q=%D1%82%D0%B5%D1%80%D1%80%D0%BE%D1%80",  // террор
                            std::nullopt, hub->investigator);
  ASSERT_EQ(terror.status, 200) << terror.Describe();
  ASSERT_EQ(terror.JsonBody()["total"], 1) << terror.Describe();
  Json item = terror.JsonBody()["items"][0];
  EXPECT_EQ(item["post_id"], "1");
  EXPECT_NE(item.value("snippet", "").find("«"), std::string::npos) << item.dump();
  HttpResponse kazakh =
      Api(hub->port, "GET",
          "/api/v1/collected?q=%D2%9B%D0%B0%D1%83%D1%96%D0%BF%D1%81%D1%96%D0%B7%D0%B4%D1%96%D0%BA",
          std::nullopt, hub->investigator);  // қауіпсіздік
  ASSERT_EQ(kazakh.status, 200) << kazakh.Describe();
  EXPECT_EQ(kazakh.JsonBody()["total"], 1) << kazakh.Describe();

  // The item, its original bytes (hashed as recorded), and someone without monitoring.use.
  const std::string item_path = "/api/v1/collected/" + std::to_string(item.value("id", 0));
  HttpResponse single = Api(hub->port, "GET", item_path, std::nullopt, hub->investigator);
  ASSERT_EQ(single.status, 200) << single.Describe();
  EXPECT_NE(single.JsonBody().value("raw", "").find("Призывы"), std::string::npos);
  HttpResponse original =
      Api(hub->port, "GET", item_path + "/original", std::nullopt, hub->investigator);
  ASSERT_EQ(original.status, 200) << original.Describe();
  EXPECT_EQ(Sha256Hex(original.body), item["sha256"]);
  EXPECT_EQ(Api(hub->port, "GET", item_path, std::nullopt, hub->trainee).status, 403);

  // Promoted into a case: an evidence item whose custody starts at the collection.
  HttpResponse opened =
      Api(hub->port, "POST", "/api/v1/cases",
          Json{{"title", "Пропаганда терроризма"}, {"articles", {"256 ч.1"}}}, hub->investigator);
  ASSERT_EQ(opened.status, 201) << opened.Describe();
  HttpResponse promoted = Api(hub->port, "POST", item_path + "/promote",
                              Json{{"case_id", opened.JsonBody()["id"]},
                                   {"legal_basis", "Постановление № 5 от 05.01.2026"}},
                              hub->investigator);
  ASSERT_EQ(promoted.status, 201) << promoted.Describe();
  EXPECT_EQ(promoted.JsonBody()["sha256"], item["sha256"]);
  EXPECT_EQ(promoted.JsonBody()["source_type"], "captured_online");
  HttpResponse custody =
      Api(hub->port, "GET",
          "/api/v1/evidence/" + std::to_string(promoted.JsonBody().value("id", 0)) + "/custody",
          std::nullopt, hub->investigator);
  ASSERT_EQ(custody.status, 200) << custody.Describe();
  ASSERT_GE(custody.JsonBody()["events"].size(), 2u);
  EXPECT_EQ(custody.JsonBody()["events"][0]["action"], "collection");
  EXPECT_EQ(custody.JsonBody()["events"][1]["action"], "ingest");
  EXPECT_EQ(Api(hub->port, "GET", item_path, std::nullopt, hub->investigator)
                .JsonBody()["promoted_evidence_id"],
            promoted.JsonBody()["id"]);

  // The command line imports a file from the server's disk, and runs the purge now (nothing is
  // past its storage period yet).
  const std::string more = temp() + "/more.jsonl";
  std::ofstream(more) << Post(4, "четвёртый пост") << Post(1, "Призывы к терроризму");
  CommandResult cli = Cli(*hub->server, {"collect", "import", "--source", std::to_string(source_id),
                                         "--user", "investigator", more});
  EXPECT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_NE(cli.out.find("2 records, 1 stored, 1 duplicates, 0 refused"), std::string::npos)
      << cli.out;
  CommandResult purge = Cli(*hub->server, {"collect", "purge"});
  EXPECT_EQ(purge.exit_code, 0) << purge.err;
  EXPECT_NE(purge.out.find("purged 0 items"), std::string::npos) << purge.out;

  // Revoked: an upload is refused before its body is read.
  ASSERT_EQ(Api(hub->port, "POST", "/api/v1/mandates/" + std::to_string(mandate_id) + "/revoke",
                Json{{"reason", "Отозван"}}, hub->supervisor)
                .status,
            200);
  EXPECT_TRUE(
      IsError(Import(*hub, source_id, lines), 409, "failed_precondition", "mandate_revoked"));

  // The command line lists the mandate's sources with their counts.
  CommandResult listed = Cli(*hub->server, {"collect", "sources", "--mandate",
                                            std::to_string(mandate_id), "--user", "investigator"});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("account_outside_mandate 2"), std::string::npos) << listed.out;
}

TEST_P(CollectTest, Kill9DuringALargeImportLeavesOnlyWholeItemsAndAReimportCompletes) {
  std::optional<Hub> hub = OpenHub();
  ASSERT_TRUE(hub);
  int64_t mandate_id = ApprovedMandate(
      *hub, Json::array({{{"kind", "account"}, {"platform", "telegram"}, {"value", kChannel}}}),
      "manual");
  ASSERT_NE(mandate_id, 0);
  int64_t source_id = AddSource(*hub, mandate_id, {{"kind", "jsonl"}, {"name", "Большая"}});
  ASSERT_NE(source_id, 0);

  constexpr int kLines = 60'000;
  std::string lines;
  lines.reserve(kLines * 300);
  for (int line = 1; line <= kLines; ++line) {
    lines += Post(line, "общий текст сообщения номер " + std::to_string(line) +
                            " о безопасности и проверке устойчивости импорта к сбоям");
  }
  std::atomic<int> answered{-1};
  std::thread uploader([&] { answered = Import(*hub, source_id, lines).status; });
  // Killed once part of the file is stored.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  int64_t before_kill = 0;
  const std::string count_sql = "SELECT CAST(COUNT(*) AS TEXT) FROM collected_items";
  while (std::chrono::steady_clock::now() < deadline && answered == -1) {
    before_kill = Number(*hub->server, count_sql);
    if (before_kill >= 1000) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  hub->server->Kill(SIGKILL);
  uploader.join();
  if (answered == 200) {
    GTEST_LOG_(INFO) << "the import finished before the kill; the checks still apply";
  }
  std::string error;
  ASSERT_TRUE(hub->server->Start(error)) << error;
  std::optional<SignedIn> signed_in = SignInDemo(*hub->server, "investigator");
  ASSERT_TRUE(signed_in);
  hub->port = hub->server->port();
  hub->investigator = Auth::Bearer(signed_in->token);

  // Every item is whole: its original bytes (with their hash) and its index entry.
  int64_t stored = Number(*hub->server, count_sql);
  EXPECT_GE(stored, before_kill);
  EXPECT_LT(stored, kLines + 1);
  std::vector<std::vector<std::string>> raws =
      Query(*hub->server, "SELECT sha256, raw FROM collected_items");
  ASSERT_EQ(static_cast<int64_t>(raws.size()), stored);
  int64_t bad_hashes = 0;
  for (const auto& row : raws) bad_hashes += Sha256Hex(row[1]) != row[0];
  EXPECT_EQ(bad_hashes, 0);
  if (!postgres()) {
    EXPECT_EQ(
        Query(*hub->server, "INSERT INTO collected_fts(collected_fts) VALUES ('integrity-check')")
            .size(),
        0u);
  } else {
    EXPECT_EQ(Number(*hub->server,
                     "SELECT CAST(COUNT(*) AS TEXT) FROM collected_items WHERE "
                     "search IS NULL"),
              0);
  }
  EXPECT_EQ(Collected(*hub, source_id, "&q=%D0%BE%D0%B1%D1%89%D0%B8%D0%B9"), stored);  // общий

  // The same file again: what was stored is a duplicate, the rest is stored, once.
  HttpResponse again = Import(*hub, source_id, lines);
  ASSERT_EQ(again.status, 200) << again.Describe();
  EXPECT_EQ(again.JsonBody()["import"]["duplicates"], stored);
  EXPECT_EQ(again.JsonBody()["import"]["stored"], kLines - stored);
  EXPECT_EQ(Number(*hub->server, count_sql), kLines);
  EXPECT_EQ(Collected(*hub, source_id, "&q=%D0%BE%D0%B1%D1%89%D0%B8%D0%B9"), kLines);
}

}  // namespace
}  // namespace threathub::integration
