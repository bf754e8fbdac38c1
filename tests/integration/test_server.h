// The real threathub binary, run on 127.0.0.1:0 for one test.
//
//   TestServer server(binary, "sqlite", data_dir, log_dir, ServerOptions{});
//   std::string error;
//   ASSERT_TRUE(server.Start(error)) << error;
//   Fetch(server.port(), {.target = "/healthz"});
//   server.Kill(SIGKILL);
//   ASSERT_TRUE(server.Start(error)) << error;   // the same data directory and database again
#pragma once

#include <signal.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "process.h"

namespace threathub::integration {

struct ServerOptions {
  bool demo = true;
  std::string web_root;  // empty: a directory that does not exist
  std::string tls_cert;
  std::string tls_key;
  // THREATHUB_<KEY> settings; added to (and overriding) CheapHashingEnvironment().
  std::map<std::string, std::string> env;
};

// Argon2 at its cheapest, so tests that create accounts stay fast.
std::map<std::string, std::string> CheapHashingEnvironment();

class TestServer {
 public:
  // `db` is "sqlite" (a file in `data_dir`) or a postgresql:// URI of an empty database. The
  // server's output goes to files in `log_dir`.
  TestServer(std::string binary, std::string db, std::string data_dir, std::string log_dir,
             ServerOptions options);
  ~TestServer();

  // Starts the server and waits until it has written its port file; false with `error` (which
  // includes the server's output) when it does not start in time.
  bool Start(std::string& error);
  // Sends `signal` and waits for the exit (SIGKILL after a grace period).
  void Kill(int signal = SIGKILL);
  bool Running();

  int port() const { return port_; }
  const std::string& db() const { return db_; }
  const std::string& data_dir() const { return data_dir_; }
  std::map<std::string, std::string> environment() const;
  // The demo account's password (from demo-accounts.txt), "" when unknown.
  std::string Password(const std::string& username) const;
  // `--data DIR --db DB`: the flags that point a CLI command at this server's database.
  std::vector<std::string> DatabaseFlags() const;
  // The end of the server's stdout and stderr, for failure messages.
  std::string Output() const;
  // All of the server's stdout and stderr so far.
  std::string Logs() const;

 private:
  std::string binary_;
  std::string db_;
  std::string data_dir_;
  std::string log_dir_;
  ServerOptions options_;
  std::unique_ptr<Process> process_;
  int port_ = 0;
  std::map<std::string, std::string> passwords_;
};

// A database of its own for each test on PostgreSQL, made from the base URI of a throwaway
// cluster (THREATHUB_TEST_PG_URI).
class PostgresDatabases {
 public:
  explicit PostgresDatabases(std::string base_uri) : base_uri_(std::move(base_uri)) {}
  // Drops every database made here (the servers using them must be stopped first).
  ~PostgresDatabases();

  // Creates an empty database; its URI, or "" with `error`.
  std::string Create(std::string& error);
  // Runs one SQL statement in the database at `uri`; false with `error` on failure.
  static bool Execute(const std::string& uri, const std::string& sql, std::string& error);

 private:
  std::string base_uri_;
  std::vector<std::string> names_;
};

// `uri` with its database name replaced by `name`.
std::string WithDatabaseName(const std::string& uri, const std::string& name);

}  // namespace threathub::integration
