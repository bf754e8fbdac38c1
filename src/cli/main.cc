// `threathub`: the server and its command-line tools. The subcommands are one table (name, help,
// options, handler), so help text and dispatch cannot drift apart.
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <iostream>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "api/app.h"
#include "base/config.h"
#include "base/file.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "http/server.h"
#include "store/migrations.h"

namespace threathub::cli {
namespace {

// Flags shared by every command that touches the database; each overrides the config file and
// the environment only when given.
struct CommonFlags {
  std::string config_file;
  std::string data_dir;
  std::string db;

  void AddTo(CLI::App& command) {
    command.add_option("--config", config_file, "TOML configuration file")
        ->envname("THREATHUB_CONFIG");
    command.add_option("--data", data_dir, "data directory (default ./var)");
    command.add_option("--db", db, "\"sqlite\" (default) or a postgresql:// URI");
  }

  absl::StatusOr<base::Config> Load() const {
    base::Config config;
    if (!config_file.empty()) RETURN_IF_ERROR(base::LoadConfigFile(config_file, config));
    RETURN_IF_ERROR(base::ApplyEnvironment(config));
    if (!data_dir.empty()) config.data_dir = data_dir;
    if (!db.empty()) config.db = db;
    return config;
  }
};

struct ServeFlags {
  std::string listen, tls_cert, tls_key, port_file, web_root;
  bool demo = false;
};

absl::Status Serve(const CommonFlags& common, const ServeFlags& flags) {
  ASSIGN_OR_RETURN(base::Config config, common.Load());
  if (!flags.listen.empty()) config.listen = flags.listen;
  if (!flags.tls_cert.empty()) config.tls_cert = flags.tls_cert;
  if (!flags.tls_key.empty()) config.tls_key = flags.tls_key;
  if (!flags.port_file.empty()) config.port_file = flags.port_file;
  if (!flags.web_root.empty()) config.web_root = flags.web_root;
  if (flags.demo) {
    config.demo = true;
  }
  RETURN_IF_ERROR(base::ValidateConfig(config));
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  ASSIGN_OR_RETURN(std::unique_ptr<api::App> app, api::App::Open(config));
  if (config.demo) {
    ASSIGN_OR_RETURN(std::vector<api::DemoAccount> accounts, app->SeedDemo());
    std::string listing = "Demo accounts (passwords are new at every start and shown only here):\n";
    for (const api::DemoAccount& account : accounts) {
      base::StrAppend(&listing, "  ", account.role, std::string(14 - account.role.size(), ' '),
                      account.username, std::string(14 - account.username.size(), ' '),
                      account.password, "\n");
    }
    std::fputs(listing.c_str(), stdout);
    // Also kept for the local browser tests; readable only by this user.
    RETURN_IF_ERROR(base::WriteFileDurably(config.data_dir + "/demo-accounts.txt", listing, 0600));
  }
  http::ServerOptions options;
  options.listen = config.listen;
  options.threads = static_cast<int>(config.worker_threads);
  options.max_header_bytes = config.max_header_bytes;
  options.request_timeout_seconds = config.request_timeout_seconds;
  options.tls_cert = config.tls_cert;
  options.tls_key = config.tls_key;
  http::Server server(app->dispatcher(), options);
  RETURN_IF_ERROR(server.Start());
  app->StartBackgroundJobs();
  if (!config.port_file.empty()) {
    RETURN_IF_ERROR(base::WriteFileDurably(config.port_file, std::to_string(server.port())));
  }
  std::printf("threathub %s listening on %s://%s:%d (database: %s)\n", THREATHUB_VERSION,
              config.tls_cert.empty() ? "http" : "https",
              config.listen.substr(0, config.listen.rfind(':')).c_str(), server.port(),
              config.db == "sqlite" ? (config.data_dir + "/threathub.db").c_str() : "postgresql");
  std::fflush(stdout);
  server.Run();
  return absl::OkStatus();
}

absl::Status Migrate(const CommonFlags& common) {
  ASSIGN_OR_RETURN(base::Config config, common.Load());
  RETURN_IF_ERROR(base::ValidateConfig(config));
  RETURN_IF_ERROR(base::MakeDirectories(config.data_dir));
  ASSIGN_OR_RETURN(std::unique_ptr<store::Database> database,
                   store::OpenDatabase(config.db, config.data_dir));
  ASSIGN_OR_RETURN(int before, store::CurrentSchemaVersion(*database));
  ASSIGN_OR_RETURN(int after, store::Migrate(*database));
  std::printf("schema version %d -> %d\n", before, after);
  return absl::OkStatus();
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"threathub: investigation hub for cybercrime and counter-extremism units"};
  app.require_subcommand(1);
  // Options of a command may also come after its subcommands: `admin user list --data DIR`.
  app.fallthrough();
  app.set_help_all_flag("--help-all", "all commands and options");

  CommonFlags common;
  ServeFlags serve_flags;
  std::function<absl::Status()> run_admin;
  std::function<absl::Status()> run_ledger;
  std::function<absl::Status()> run_evidence;
  std::function<absl::Status()> run_collect;
  std::function<absl::Status()> run_detect;
  std::function<absl::Status()> run_directory;
  std::function<absl::Status()> run_scan;
  std::function<absl::Status()> run_internal;
  std::function<absl::Status()> run_verify_bundle;

  struct Command {
    const char* name;
    const char* help;
    std::function<void(CLI::App&)> options;
    std::function<absl::Status()> run;
  };
  const Command commands[] = {
      {"serve", "run the HTTP server",
       [&](CLI::App& command) {
         common.AddTo(command);
         command.add_option("--listen", serve_flags.listen, "HOST:PORT (default 127.0.0.1:8080)");
         command.add_flag("--demo", serve_flags.demo, "create demo agencies and accounts");
         command.add_option("--tls-cert", serve_flags.tls_cert, "PEM certificate chain");
         command.add_option("--tls-key", serve_flags.tls_key, "PEM private key");
         command.add_option("--port-file", serve_flags.port_file,
                            "write the port listened on to this file");
         command.add_option("--web-root", serve_flags.web_root,
                            "the built web application (default web/dist)");
       },
       [&] { return Serve(common, serve_flags); }},
      {"migrate", "bring the database schema up to date",
       [&](CLI::App& command) { common.AddTo(command); }, [&] { return Migrate(common); }},
      {"admin", "manage regions, agencies and users",
       [&](CLI::App& command) {
         common.AddTo(command);
         run_admin = AddAdminCommands(command, [&] { return common.Load(); });
       },
       [&] { return run_admin(); }},
      {"ledger", "verify the Merkle log of audit and custody records; checkpoints and proofs",
       [&](CLI::App& command) {
         common.AddTo(command);
         run_ledger = AddLedgerCommands(command, [&] { return common.Load(); });
       },
       [&] { return run_ledger(); }},
      {"evidence", "add evidence files to a case, verify the stored files, list items",
       [&](CLI::App& command) {
         common.AddTo(command);
         run_evidence = AddEvidenceCommands(command, [&] { return common.Load(); });
       },
       [&] { return run_evidence(); }},
      {"collect", "import exports under a mandate, list sources, poll a feed, purge now",
       [&](CLI::App& command) {
         common.AddTo(command);
         run_collect = AddCollectCommands(command, [&] { return common.Load(); });
       },
       [&] { return run_collect(); }},
      {"detect", "start a rescan of collected items, show the scanner's progress",
       [&](CLI::App& command) {
         common.AddTo(command);
         run_detect = AddDetectCommands(command, [&] { return common.Load(); });
       },
       [&] { return run_detect(); }},
      {"directory", "export the service-provider directory as JSON, import edited entries",
       [&](CLI::App& command) {
         common.AddTo(command);
         run_directory = AddDirectoryCommands(command, [&] { return common.Load(); });
       },
       [&] { return run_directory(); }},
      {"scan", "match indicator lists and hash lists against files, folders and JSON Lines",
       [&](CLI::App& command) { run_scan = AddScanCommand(command); }, [&] { return run_scan(); }},
      {"internal", "helpers the server runs in child processes",
       [&](CLI::App& command) { run_internal = AddInternalCommands(command); },
       [&] { return run_internal(); }},
      {"verify-bundle", "check a disclosure bundle offline, with no database or configuration",
       [&](CLI::App& command) { run_verify_bundle = AddVerifyBundleCommand(command); },
       [&] { return run_verify_bundle(); }},
      {"version", "print the version", [](CLI::App&) {},
       [] {
         std::printf("threathub %s (schema version %d)\n", THREATHUB_VERSION,
                     store::LatestSchemaVersion());
         return absl::OkStatus();
       }},
  };
  std::vector<CLI::App*> subcommands;
  for (const Command& command : commands) {
    CLI::App* sub = app.add_subcommand(command.name, command.help);
    command.options(*sub);
    subcommands.push_back(sub);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    std::fprintf(stderr, "threathub: %s (try --help)\n", error.what());
    return 2;
  }
  std::function<absl::Status()> chosen;
  for (size_t command_idx = 0; command_idx < subcommands.size(); ++command_idx) {
    if (subcommands[command_idx]->parsed()) chosen = commands[command_idx].run;
  }
  absl::Status status = chosen();
  if (!status.ok()) {
    std::fprintf(stderr, "threathub: %s\n", std::string(status.message()).c_str());
    return 1;
  }
  return 0;
}

}  // namespace threathub::cli

int main(int argc, char** argv) { return threathub::cli::Main(argc, argv); }
