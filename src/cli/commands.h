// `threathub admin region|agency|user ...`: the organisation from the command line, acting as
// the local operator (recorded in the audit trail as cli:<login>).
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

#include "absl/status/statusor.h"
#include "base/config.h"

namespace threathub::cli {

// Adds the admin subcommands to `admin`; returns the function that runs whichever was chosen.
std::function<absl::Status()> AddAdminCommands(
    CLI::App& admin, std::function<absl::StatusOr<base::Config>()> load_config);

// Adds the ledger subcommands (verify, checkpoint, public-key, proof, consistency).
std::function<absl::Status()> AddLedgerCommands(
    CLI::App& group, std::function<absl::StatusOr<base::Config>()> load_config);

// Adds the evidence subcommands (add, verify, list).
std::function<absl::Status()> AddEvidenceCommands(
    CLI::App& group, std::function<absl::StatusOr<base::Config>()> load_config);

// Adds the collect subcommands (import, sources, poll, purge).
std::function<absl::Status()> AddCollectCommands(
    CLI::App& group, std::function<absl::StatusOr<base::Config>()> load_config);

// Adds the detect subcommands (rescan, status).
std::function<absl::Status()> AddDetectCommands(
    CLI::App& group, std::function<absl::StatusOr<base::Config>()> load_config);

// Adds the directory subcommands (export, import): the service-provider directory.
std::function<absl::Status()> AddDirectoryCommands(
    CLI::App& group, std::function<absl::StatusOr<base::Config>()> load_config);

// `scan --indicators FILE [--banks FILE...] PATH...`: detection on files alone, with no
// configuration or database (detect_commands.cc says what it prints).
std::function<absl::Status()> AddScanCommand(CLI::App& command);

// `internal ...`: helpers the server runs in child processes (ewf-report).
std::function<absl::Status()> AddInternalCommands(CLI::App& group);

// `verify-bundle FILE [--key KEY]`: checks a disclosure bundle offline, with no configuration,
// data directory or database. Exits by itself with 2 when FILE cannot be checked at all.
std::function<absl::Status()> AddVerifyBundleCommand(CLI::App& command);

}  // namespace threathub::cli
