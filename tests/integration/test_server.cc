#include "test_server.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <thread>

namespace threathub::integration {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(30);
constexpr size_t kOutputTail = 4000;

std::string Tail(const std::string& text) {
  return text.size() <= kOutputTail ? text : "..." + text.substr(text.size() - kOutputTail);
}

// "  role  username  password" lines after a heading.
std::map<std::string, std::string> ParseDemoAccounts(const std::string& text) {
  std::map<std::string, std::string> passwords;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] != ' ') continue;
    std::istringstream words(line);
    std::string role, username, password;
    if (words >> role >> username >> password) passwords[username] = password;
  }
  return passwords;
}

}  // namespace

std::map<std::string, std::string> CheapHashingEnvironment() {
  return {{"THREATHUB_ARGON2_MEMORY_BYTES", "65536"}, {"THREATHUB_ARGON2_OPS", "1"}};
}

TestServer::TestServer(std::string binary, std::string db, std::string data_dir,
                       std::string log_dir, ServerOptions options)
    : binary_(std::move(binary)),
      db_(std::move(db)),
      data_dir_(std::move(data_dir)),
      log_dir_(std::move(log_dir)),
      options_(std::move(options)) {}

TestServer::~TestServer() { Kill(SIGKILL); }

std::map<std::string, std::string> TestServer::environment() const {
  std::map<std::string, std::string> env = CheapHashingEnvironment();
  for (const auto& [name, value] : options_.env) env[name] = value;
  return env;
}

bool TestServer::Start(std::string& error) {
  Kill(SIGKILL);
  std::string port_file = log_dir_ + "/port";
  std::error_code ignored;
  std::filesystem::remove(port_file, ignored);
  std::filesystem::create_directories(log_dir_, ignored);
  std::vector<std::string> argv = {
      binary_,       "serve",
      "--data",      data_dir_,
      "--db",        db_,
      "--listen",    "127.0.0.1:0",
      "--port-file", port_file,
      "--web-root",  options_.web_root.empty() ? log_dir_ + "/no-web-root" : options_.web_root};
  if (options_.demo) argv.push_back("--demo");
  if (!options_.tls_cert.empty()) {
    argv.insert(argv.end(), {"--tls-cert", options_.tls_cert, "--tls-key", options_.tls_key});
  }
  process_ = std::make_unique<Process>(argv, environment(), log_dir_, log_dir_ + "/stdout",
                                       log_dir_ + "/stderr");
  if (!process_->started()) {
    error = "cannot start " + binary_ + ": " + process_->error();
    return false;
  }
  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (true) {
    std::string text = ReadFileOrEmpty(port_file);
    if (!text.empty()) {
      port_ = std::atoi(text.c_str());
      if (port_ > 0) break;
    }
    if (!process_->Running()) {
      error = "the server exited before listening; output:\n" + Output();
      return false;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      error = "the server did not write its port file in time; output:\n" + Output();
      Kill(SIGKILL);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (options_.demo) {
    passwords_ = ParseDemoAccounts(ReadFileOrEmpty(data_dir_ + "/demo-accounts.txt"));
    if (passwords_.empty()) {
      error = "no demo accounts in " + data_dir_ + "/demo-accounts.txt";
      return false;
    }
  }
  return true;
}

void TestServer::Kill(int signal) {
  if (process_) process_->Kill(signal);
}

bool TestServer::Running() { return process_ && process_->Running(); }

std::string TestServer::Password(const std::string& username) const {
  auto found = passwords_.find(username);
  return found == passwords_.end() ? "" : found->second;
}

std::vector<std::string> TestServer::DatabaseFlags() const {
  return {"--data", data_dir_, "--db", db_};
}

std::string TestServer::Output() const {
  return "--- stdout:\n" + Tail(ReadFileOrEmpty(log_dir_ + "/stdout")) + "\n--- stderr:\n" +
         Tail(ReadFileOrEmpty(log_dir_ + "/stderr"));
}

std::string TestServer::Logs() const {
  return ReadFileOrEmpty(log_dir_ + "/stdout") + ReadFileOrEmpty(log_dir_ + "/stderr");
}

std::string WithDatabaseName(const std::string& uri, const std::string& name) {
  size_t scheme = uri.find("://");
  size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  size_t query = uri.find('?', start);
  size_t slash = uri.find('/', start);
  if (slash == std::string::npos || (query != std::string::npos && slash > query)) {
    std::string result = uri;
    result.insert(query == std::string::npos ? result.size() : query, "/" + name);
    return result;
  }
  size_t end = query == std::string::npos ? uri.size() : query;
  std::string result = uri;
  result.replace(slash + 1, end - slash - 1, name);
  return result;
}

bool PostgresDatabases::Execute(const std::string& uri, const std::string& sql,
                                std::string& error) {
  PGconn* connection = PQconnectdb(uri.c_str());
  if (PQstatus(connection) != CONNECTION_OK) {
    error = std::string("cannot connect to ") + uri + ": " + PQerrorMessage(connection);
    PQfinish(connection);
    return false;
  }
  PGresult* result = PQexec(connection, sql.c_str());
  ExecStatusType status = PQresultStatus(result);
  bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
  if (!ok) error = sql + ": " + PQresultErrorMessage(result);
  PQclear(result);
  PQfinish(connection);
  return ok;
}

std::string PostgresDatabases::Create(std::string& error) {
  std::string name = "it_" + RandomHex(8);
  if (!Execute(base_uri_, "CREATE DATABASE " + name, error)) return "";
  names_.push_back(name);
  return WithDatabaseName(base_uri_, name);
}

PostgresDatabases::~PostgresDatabases() {
  for (const std::string& name : names_) {
    std::string ignored;
    Execute(base_uri_, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)", ignored);
  }
}

}  // namespace threathub::integration
