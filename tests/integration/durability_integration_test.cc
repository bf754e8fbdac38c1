// Crash safety (kill -9 in the middle of writes) and the command-line tools, against the real
// server and its database.
#include <sqlite3.h>

#include <atomic>
#include <regex>
#include <set>
#include <thread>

#include "integration_test.h"

namespace threathub::integration {
namespace {

class DurabilityTest : public IntegrationTest {};
THREATHUB_INSTANTIATE_FOR_ENGINES(DurabilityTest);

class CliTest : public IntegrationTest {};
THREATHUB_INSTANTIATE_FOR_ENGINES(CliTest);

constexpr auto kWriteFor = std::chrono::milliseconds(1500);
constexpr int kMaxAccounts = 400;
constexpr char kCrashPassword[] = "Durable-Battery-Staple-42";

// PRAGMA integrity_check of a SQLite file: "ok" or the problems found.
std::string SqliteIntegrity(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    std::string error = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return "cannot open " + path + ": " + error;
  }
  std::string result;
  char* error = nullptr;
  int status = sqlite3_exec(
      db, "PRAGMA integrity_check",
      [](void* out, int columns, char** values, char**) {
        auto* text = static_cast<std::string*>(out);
        if (!text->empty()) *text += "\n";
        *text += columns > 0 && values[0] != nullptr ? values[0] : "";
        return 0;
      },
      &result, &error);
  if (status != SQLITE_OK) result = std::string("integrity_check failed: ") + (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
  return result;
}

bool SqliteExecute(const std::string& path, const std::string& sql, std::string& error) {
  sqlite3* db = nullptr;
  bool ok = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK;
  char* message = nullptr;
  if (ok) ok = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) == SQLITE_OK;
  if (!ok) error = message != nullptr ? message : (db != nullptr ? sqlite3_errmsg(db) : "?");
  sqlite3_free(message);
  sqlite3_close(db);
  return ok;
}

std::set<std::string> Usernames(const Json& users) {
  std::set<std::string> names;
  for (const Json& user : users) names.insert(user.value("username", ""));
  return names;
}

TEST_P(DurabilityTest, AcknowledgedAccountsSurviveKill9) {
  TestServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  std::optional<SignedIn> admin = SignInDemo(*server, "admin");
  ASSERT_TRUE(admin);
  const int64_t agency_id = admin->answer["session"]["user"].value("agency_id", int64_t{0});
  const std::string token = admin->token;

  // A writer creates accounts one after another and records each one acknowledged with 201.
  std::vector<std::string> acknowledged;
  std::atomic<size_t> acknowledged_count{0};
  std::string unexpected;  // an answer other than 201 or a dead connection
  std::thread writer([&] {
    for (int account_idx = 0; account_idx < kMaxAccounts; ++account_idx) {
      std::string username = "crash-" + std::to_string(account_idx);
      HttpResponse response =
          Api(port, "POST", "/api/v1/users",
              Json{{"username", username},
                   {"display_name", "Crash Test " + std::to_string(account_idx)},
                   {"agency_id", agency_id},
                   {"roles", {"analyst"}},
                   {"password", kCrashPassword}},
              Auth::Bearer(token));
      if (response.status == 201) {
        acknowledged.push_back(username);
        acknowledged_count = acknowledged.size();
        continue;
      }
      if (response.status != 0) unexpected = username + ": " + response.Describe();
      return;  // the server is gone
    }
  });
  auto deadline = std::chrono::steady_clock::now() + kWriteFor;
  while (std::chrono::steady_clock::now() < deadline && acknowledged_count < kMaxAccounts / 2) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  server->Kill(SIGKILL);  // in the middle of the writes
  writer.join();
  RecordProperty("acknowledged_before_kill", static_cast<int>(acknowledged.size()));
  EXPECT_TRUE(unexpected.empty()) << unexpected;
  ASSERT_GE(acknowledged.size(), 5u) << "too few accounts were created to test anything";

  if (!postgres()) {
    EXPECT_EQ(SqliteIntegrity(server->data_dir() + "/threathub.db"), "ok");
  }

  std::string error;
  ASSERT_TRUE(server->Start(error)) << "restart after kill -9: " << error;
  std::optional<SignedIn> again = SignInDemo(*server, "admin");
  ASSERT_TRUE(again);
  HttpResponse listed = Api(server->port(), "GET", "/api/v1/users?q=crash-", std::nullopt,
                            Auth::Bearer(again->token));
  ASSERT_EQ(listed.status, 200) << listed.Describe();
  std::set<std::string> present = Usernames(listed.JsonBody()["users"]);
  for (const std::string& username : acknowledged) {
    EXPECT_TRUE(present.contains(username)) << username << " was acknowledged but is gone";
  }
  // Each creation has its audit record, written in the same transaction.
  HttpResponse audit = Api(server->port(), "GET", "/api/v1/audit?action=user.create&limit=1000",
                           std::nullopt, Auth::Bearer(again->token));
  ASSERT_EQ(audit.status, 200) << audit.Describe();
  std::set<std::string> audited;
  const Json records = audit.JsonBody()["records"];
  for (const Json& record : records) {
    std::string detail = record.value("detail", "");
    audited.insert(detail.substr(0, detail.find(' ')));
  }
  for (const std::string& username : acknowledged) {
    EXPECT_TRUE(audited.contains(username)) << "no user.create record for " << username;
  }
  // A created account signs in after the restart.
  HttpResponse login = Login(server->port(), acknowledged.back(), kCrashPassword);
  EXPECT_EQ(login.status, 200) << login.Describe();
}

TEST_P(DurabilityTest, ConcurrentWritesAreAllAcknowledgedAndKept) {
  TestServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  std::optional<SignedIn> admin = SignInDemo(*server, "admin");
  ASSERT_TRUE(admin);
  const int64_t agency_id = admin->answer["session"]["user"].value("agency_id", int64_t{0});
  const Auth as_admin = Auth::Bearer(admin->token);
  constexpr int kWriters = 4;
  constexpr int kAccountsPerWriter = 10;
  std::vector<std::string> failures(kWriters);
  std::vector<std::thread> writers;
  for (int writer_idx = 0; writer_idx < kWriters; ++writer_idx) {
    writers.emplace_back([&, writer_idx] {
      for (int account_idx = 0; account_idx < kAccountsPerWriter; ++account_idx) {
        std::string username =
            "writer-" + std::to_string(writer_idx) + "-" + std::to_string(account_idx);
        HttpResponse created = Api(port, "POST", "/api/v1/users",
                                   Json{{"username", username},
                                        {"display_name", "Concurrent " + username},
                                        {"agency_id", agency_id},
                                        {"roles", {"analyst"}},
                                        {"password", kCrashPassword}},
                                   as_admin);
        HttpResponse read = Api(port, "GET", "/api/v1/session", std::nullopt, as_admin);
        if (created.status != 201 || read.status != 200) {
          failures[writer_idx] = username + ": " + created.Describe() + " / " + read.Describe();
          return;
        }
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  for (const std::string& failure : failures) EXPECT_TRUE(failure.empty()) << failure;
  HttpResponse listed = Api(port, "GET", "/api/v1/users?q=writer-", std::nullopt, as_admin);
  ASSERT_EQ(listed.status, 200) << listed.Describe();
  EXPECT_EQ(listed.JsonBody()["users"].size(), static_cast<size_t>(kWriters * kAccountsPerWriter));
}

std::string FirstMatch(const std::string& text, const std::string& pattern) {
  std::smatch match;
  if (std::regex_search(text, match, std::regex(pattern)) && match.size() > 1) return match[1];
  return "";
}

TEST_P(CliTest, AdminCommandsManageAccountsOfARunningServer) {
  TestServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  const int port = server->port();

  CommandResult region = Cli(*server, {"admin", "region", "add", "--code", "x", "--name", "X"});
  ASSERT_EQ(region.exit_code, 0) << region.err;
  EXPECT_NE(region.out.find(" x added"), std::string::npos) << region.out;
  CommandResult agency = Cli(*server, {"admin", "agency", "add", "--region", "x", "--code",
                                       "x-unit", "--name", "X cyber unit"});
  ASSERT_EQ(agency.exit_code, 0) << agency.err;
  CommandResult user =
      Cli(*server, {"admin", "user", "add", "--agency", "x-unit", "--username", "cli-officer",
                    "--name", "CLI Officer", "--roles", "investigator"});
  ASSERT_EQ(user.exit_code, 0) << user.err;
  const std::string password = FirstMatch(user.out, R"(password: (\S+))");
  ASSERT_GE(password.size(), 12u) << "no generated password in: " << user.out;

  // The new account signs in over the API (TOTP enrolment comes first).
  HttpResponse login = Login(port, "cli-officer", password);
  ASSERT_EQ(login.status, 200) << login.Describe();
  EXPECT_EQ(login.JsonBody().value("status", ""), "totp_enrollment_required");
  const Auth as_officer = Auth::Bearer(login.JsonBody().value("token", ""));
  ASSERT_EQ(Api(port, "GET", "/api/v1/session", std::nullopt, as_officer).status, 200);

  CommandResult listed = Cli(*server, {"admin", "user", "list", "--agency", "x-unit"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("cli-officer"), std::string::npos) << listed.out;

  // Disabling ends the session at once: the very next call is refused.
  CommandResult disabled = Cli(*server, {"admin", "user", "disable", "cli-officer"});
  ASSERT_EQ(disabled.exit_code, 0) << disabled.err;
  EXPECT_TRUE(IsError(Api(port, "GET", "/api/v1/session", std::nullopt, as_officer), 401,
                      "unauthenticated"))
      << "a session of a disabled account still works right after `admin user disable`";
  EXPECT_TRUE(
      IsError(Login(port, "cli-officer", password), 401, "unauthenticated", "account_disabled"));
  CommandResult enabled = Cli(*server, {"admin", "user", "enable", "cli-officer"});
  ASSERT_EQ(enabled.exit_code, 0) << enabled.err;
  EXPECT_EQ(Login(port, "cli-officer", password).status, 200);
}

TEST_P(CliTest, BadInputIsOneLineOnStderrAndAFailingExit) {
  TestServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  struct Case {
    std::vector<std::string> args;
    std::string mentions;  // the line on stderr names this
  };
  const std::vector<Case> cases = {
      {{"admin", "user", "add", "--agency", "kz-cyber", "--username", "wizard-user", "--name",
        "Wizard", "--roles", "wizard"},
       "wizard"},
      {{"admin", "user", "add", "--agency", "kz-cyber", "--name", "Nameless"}, "--username"},
      {{"admin", "region", "add", "--code", "bad code!", "--name", "Bad"}, "code"},
      {{"admin", "user", "add", "--agency", "no-such-agency", "--username", "lost-user", "--name",
        "Lost"},
       "no-such-agency"},
      {{"admin", "user", "disable", "no-such-user"}, "no-such-user"},
      {{"admin", "frobnicate"}, ""},
  };
  for (const Case& bad : cases) {
    CommandResult result = Cli(*server, bad.args);
    std::string command;
    for (const std::string& arg : bad.args) command += arg + " ";
    EXPECT_GT(result.exit_code, 0) << command;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1)
        << command << "\nstderr: " << result.err;
    EXPECT_NE(result.err.find(bad.mentions), std::string::npos)
        << command << "\nstderr: " << result.err;
  }
  CommandResult unknown = RunCommand({binary(), "frobnicate"}, {});
  EXPECT_GT(unknown.exit_code, 0);
  EXPECT_EQ(std::count(unknown.err.begin(), unknown.err.end(), '\n'), 1) << unknown.err;
  // Nothing was created by the refused commands.
  CommandResult listed = Cli(*server, {"admin", "user", "list"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(listed.out.find("wizard-user"), std::string::npos);
  EXPECT_EQ(listed.out.find("lost-user"), std::string::npos);
}

TEST_P(CliTest, AnOlderBinaryRefusesANewerSchema) {
  TestServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  server->Kill(SIGTERM);

  CommandResult current = Cli(*server, {"migrate"});
  ASSERT_EQ(current.exit_code, 0) << current.err;
  EXPECT_NE(current.out.find("schema version"), std::string::npos) << current.out;

  const std::string future =
      "INSERT INTO schema_version(version, name, applied_at) VALUES (9999, 'from the future', 0)";
  std::string error;
  if (postgres()) {
    ASSERT_TRUE(PostgresDatabases::Execute(server->db(), future, error)) << error;
  } else {
    ASSERT_TRUE(SqliteExecute(server->data_dir() + "/threathub.db", future, error)) << error;
  }
  CommandResult refused = Cli(*server, {"migrate"});
  EXPECT_GT(refused.exit_code, 0) << refused.out;
  EXPECT_NE(refused.err.find("9999"), std::string::npos) << refused.err;
  EXPECT_EQ(std::count(refused.err.begin(), refused.err.end(), '\n'), 1) << refused.err;

  // The server refuses to start on it too.
  EXPECT_FALSE(server->Start(error));
  EXPECT_NE(error.find("9999"), std::string::npos) << error;

  CommandResult version = RunCommand({binary(), "version"}, {});
  EXPECT_EQ(version.exit_code, 0) << version.err;
  EXPECT_NE(version.out.find("schema version"), std::string::npos) << version.out;
}

}  // namespace
}  // namespace threathub::integration
