// `threathub ledger verify|checkpoint|public-key|proof|consistency`.
#include <cstdio>
#include <memory>

#include "api/app.h"
#include "base/encoding.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "ledger/audit_anchor.h"

namespace threathub::cli {
namespace {

struct LedgerArguments {
  uint64_t index = 0;
  uint64_t tree_size = 0;  // 0: the whole committed tree
  uint64_t old_size = 0;
};

std::string Base64(const ledger::Hash& hash) {
  return base::Base64Encode(
      std::string_view(reinterpret_cast<const char*>(hash.data()), hash.size()));
}

absl::Status Verify(api::App& app, const LedgerArguments&) {
  ledger::AuditRecordSource audit_records(app.trail());
  evidence::CustodyRecordSource custody_records(app.database());
  collect::PurgeRecordSource purge_records(app.database());
  ASSIGN_OR_RETURN(
      ledger::VerifyReport report,
      app.ledger().Verify({.sources = {&audit_records, &custody_records, &purge_records}}));
  std::printf(
      "leaves: %llu, checkpoints verified: %llu, audit, custody and purge records compared: %llu\n",
      static_cast<unsigned long long>(report.leaves),
      static_cast<unsigned long long>(report.checkpoints),
      static_cast<unsigned long long>(report.records_compared));
  if (report.latest_checkpoint) {
    std::printf("latest checkpoint: size %llu, root %s\n",
                static_cast<unsigned long long>(report.latest_checkpoint->size),
                Base64(report.latest_checkpoint->root).c_str());
  }
  if (report.ok()) {
    std::printf("ledger verified: OK\n");
    return absl::OkStatus();
  }
  for (const std::string& problem : report.problems) std::printf("problem: %s\n", problem.c_str());
  if (report.problems_not_listed > 0) {
    std::printf("... and %llu more problems\n",
                static_cast<unsigned long long>(report.problems_not_listed));
  }
  if (report.first_bad) {
    return absl::DataLossError(base::StrCat(
        "ledger verification FAILED: first bad record is leaf ", report.first_bad->index,
        report.first_bad->kind.empty()
            ? std::string()
            : base::StrCat(" (", report.first_bad->kind, " ", report.first_bad->ref, ")"),
        ": ", report.first_bad->problem));
  }
  return absl::DataLossError(base::StrCat("ledger verification FAILED: ", report.problems[0]));
}

absl::Status Checkpoint(api::App& app, const LedgerArguments&) {
  RETURN_IF_ERROR(app.ledger().MakeCheckpoint(ledger::CheckpointPolicy::kWhenNewLeaves).status());
  ASSIGN_OR_RETURN(std::optional<ledger::StoredCheckpoint> latest, app.ledger().LatestCheckpoint());
  if (!latest) return absl::NotFoundError("the ledger is empty; there is nothing to sign");
  std::fputs(latest->note.c_str(), stdout);
  return absl::OkStatus();
}

absl::Status PublicKey(api::App& app, const LedgerArguments&) {
  ASSIGN_OR_RETURN(std::string pem, app.ledger().signer().PublicKeyPem());
  std::printf("%s\n%s", app.ledger().signer().VerifierKey().c_str(), pem.c_str());
  return absl::OkStatus();
}

absl::Status Proof(api::App& app, const LedgerArguments& arguments) {
  uint64_t tree_size = arguments.tree_size;
  if (tree_size == 0) {
    ASSIGN_OR_RETURN(tree_size, app.ledger().Size());
  }
  ASSIGN_OR_RETURN(ledger::LeafInclusion proof,
                   app.ledger().ProveInclusion(arguments.index, tree_size));
  std::printf("index %llu\ntree size %llu\nleaf hash %s\nroot %s\n",
              static_cast<unsigned long long>(proof.index),
              static_cast<unsigned long long>(proof.tree_size), Base64(proof.leaf_hash).c_str(),
              Base64(proof.root).c_str());
  for (const ledger::Hash& hash : proof.path) std::printf("path %s\n", Base64(hash).c_str());
  return absl::OkStatus();
}

absl::Status Consistency(api::App& app, const LedgerArguments& arguments) {
  uint64_t tree_size = arguments.tree_size;
  if (tree_size == 0) {
    ASSIGN_OR_RETURN(tree_size, app.ledger().Size());
  }
  ASSIGN_OR_RETURN(ledger::TreeConsistency proof,
                   app.ledger().ProveConsistency(arguments.old_size, tree_size));
  std::printf("old size %llu\nnew size %llu\nold root %s\nnew root %s\n",
              static_cast<unsigned long long>(proof.old_size),
              static_cast<unsigned long long>(proof.new_size), Base64(proof.old_root).c_str(),
              Base64(proof.new_root).c_str());
  for (const ledger::Hash& hash : proof.path) std::printf("path %s\n", Base64(hash).c_str());
  return absl::OkStatus();
}

struct LedgerCommand {
  const char* name;
  const char* help;
  std::function<void(CLI::App&, LedgerArguments&)> options;
  std::function<absl::Status(api::App&, const LedgerArguments&)> run;
};

}  // namespace

std::function<absl::Status()> AddLedgerCommands(
    CLI::App& group, std::function<absl::StatusOr<base::Config>()> load_config) {
  group.require_subcommand(1);
  // Shared by the option bindings and the returned runner, which outlives this function.
  auto arguments = std::make_shared<LedgerArguments>();
  auto table = std::make_shared<std::vector<LedgerCommand>>(std::vector<LedgerCommand>{
      {"verify",
       "recompute the tree from the stored records, check every checkpoint, name the first bad "
       "record",
       [](CLI::App&, LedgerArguments&) {}, Verify},
      {"checkpoint", "sign a checkpoint now (when there are new leaves) and print the latest",
       [](CLI::App&, LedgerArguments&) {}, Checkpoint},
      {"public-key", "print the verifier key and the PEM public key of the checkpoints",
       [](CLI::App&, LedgerArguments&) {}, PublicKey},
      {"proof", "print the inclusion proof of a leaf",
       [](CLI::App& command, LedgerArguments& values) {
         command.add_option("--index", values.index, "leaf index")->required();
         command.add_option("--tree-size", values.tree_size, "tree size (default: all leaves)");
       },
       Proof},
      {"consistency", "print the consistency proof between two tree sizes",
       [](CLI::App& command, LedgerArguments& values) {
         command.add_option("--old-size", values.old_size, "the older tree size")->required();
         command.add_option("--tree-size", values.tree_size, "the newer size (default: all)");
       },
       Consistency},
  });
  auto parsed = std::make_shared<std::vector<std::pair<CLI::App*, size_t>>>();
  for (size_t command_idx = 0; command_idx < table->size(); ++command_idx) {
    const LedgerCommand& command = (*table)[command_idx];
    CLI::App* sub = group.add_subcommand(command.name, command.help);
    command.options(*sub, *arguments);
    parsed->emplace_back(sub, command_idx);
  }
  return [arguments, table, parsed, load_config]() -> absl::Status {
    for (const auto& [sub, command_idx] : *parsed) {
      if (!sub->parsed()) continue;
      ASSIGN_OR_RETURN(base::Config config, load_config());
      RETURN_IF_ERROR(base::ValidateConfig(config));
      ASSIGN_OR_RETURN(std::unique_ptr<api::App> app, api::App::Open(config));
      return (*table)[command_idx].run(*app, *arguments);
    }
    return absl::InvalidArgumentError("choose a ledger command (try --help)");
  };
}

}  // namespace threathub::cli
