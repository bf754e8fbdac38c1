// `threathub evidence add|verify|list` and `threathub internal ewf-report`: evidence from the
// command line, acting in the name of a named user (`--user`), with the same access checks,
// custody events and ledger leaves as the web application. The command line reaches the
// database and the evidence store directly, so it works on the server itself, e.g. to ingest a
// multi-gigabyte image from a local disk.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "api/app.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "evidence/ewf_child.h"
#include "vault/ewf_image.h"

namespace threathub::cli {
namespace {

struct EvidenceArguments {
  std::string case_ref;
  std::string user;
  std::vector<std::string> files;
  int64_t item = 0;
  evidence::Metadata metadata;
  std::string acquired_at;
  int64_t parent = 0;
};

std::string HostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

evidence::Origin CliOrigin() {
  std::string login = getlogin() != nullptr ? getlogin() : "operator";
  return evidence::Origin{base::StrCat("cli:", login), "", base::StrCat("cli ", HostName())};
}

// A case by id ("17") or by number ("ALM-CYB-2026-0001") among the cases the user sees.
absl::StatusOr<int64_t> ResolveCase(api::App& app, const auth::Principal& who,
                                    const std::string& ref) {
  int64_t id = 0;
  if (base::SimpleAtoi(ref, &id)) return id;
  cases::CaseFilter filter;
  filter.text = ref;
  ASSIGN_OR_RETURN(std::vector<cases::Case> found, app.cases().List(who, filter));
  for (const cases::Case& opened : found) {
    if (opened.number == ref) return opened.id;
  }
  return absl::NotFoundError(base::StrCat("no case \"", ref, "\" visible to ", who.username));
}

absl::StatusOr<auth::Principal> User(api::App& app, const EvidenceArguments& arguments) {
  if (arguments.user.empty()) {
    return absl::InvalidArgumentError("--user NAME: the investigator acting (recorded in custody)");
  }
  return app.sessions().PrincipalForUser(arguments.user);
}

absl::Status Add(api::App& app, EvidenceArguments& arguments) {
  ASSIGN_OR_RETURN(auth::Principal who, User(app, arguments));
  ASSIGN_OR_RETURN(int64_t case_id, ResolveCase(app, who, arguments.case_ref));
  evidence::Metadata base_metadata = arguments.metadata;
  if (!arguments.acquired_at.empty()) {
    base::Millis millis = 0;
    if (!base::ParseUtc(arguments.acquired_at, millis)) {
      return absl::InvalidArgumentError(
          "--acquired-at: expected a time such as 2026-11-20T09:30:00Z");
    }
    base_metadata.acquired_at = millis;
  }
  if (arguments.parent > 0) base_metadata.parent_id = arguments.parent;
  int failures = 0;
  for (const std::string& file : arguments.files) {
    evidence::Metadata metadata = base_metadata;
    size_t slash = file.find_last_of('/');
    metadata.original_name = slash == std::string::npos ? file : file.substr(slash + 1);
    // (A StatusOr must not be made from an OK status: that aborts.)
    absl::StatusOr<evidence::Item> item = [&]() -> absl::StatusOr<evidence::Item> {
      RETURN_IF_ERROR(app.evidence().CheckIngest(who, case_id, metadata));
      ASSIGN_OR_RETURN(vault::PutResult put, app.blobs().PutFile(file));
      return app.evidence().Ingest(who, CliOrigin(), case_id, metadata, put);
    }();
    if (!item.ok()) {
      ++failures;
      std::fprintf(stderr, "%s: NOT added: %s\n", file.c_str(),
                   std::string(item.status().message()).c_str());
      continue;
    }
    std::printf("item %lld  %s  %llu bytes  %s\n  md5 %s  sha1 %s\n",
                static_cast<long long>(item->id), item->sha256.c_str(),
                static_cast<unsigned long long>(item->size), file.c_str(), item->md5.c_str(),
                item->sha1.c_str());
    if (!item->ewf_json.empty()) std::printf("  E01: %s\n", item->ewf_json.c_str());
  }
  if (failures > 0) {
    return absl::FailedPreconditionError(
        base::StrCat(failures, " of ", arguments.files.size(), " files were not added"));
  }
  return absl::OkStatus();
}

absl::Status Verify(api::App& app, EvidenceArguments& arguments) {
  if (arguments.item > 0) {
    ASSIGN_OR_RETURN(auth::Principal who, User(app, arguments));
    ASSIGN_OR_RETURN(evidence::VerifyOutcome outcome,
                     app.evidence().Verify(who, CliOrigin(), arguments.item));
    std::printf("item %lld: %s (expected %s, found %s)\n", static_cast<long long>(arguments.item),
                outcome.result.c_str(), outcome.item.sha256.c_str(), outcome.found_sha256.c_str());
    if (outcome.result != "match") {
      return absl::DataLossError(base::StrCat("item ", arguments.item, ": ", outcome.result));
    }
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(evidence::VerifyAllReport report, app.evidence().VerifyAll(CliOrigin()));
  std::printf("verified %lld items in %lld files (%llu bytes): %lld mismatches, %lld missing\n",
              static_cast<long long>(report.items), static_cast<long long>(report.blobs),
              static_cast<unsigned long long>(report.bytes),
              static_cast<long long>(report.mismatches), static_cast<long long>(report.missing));
  if (report.mismatches > 0 || report.missing > 0) {
    return absl::DataLossError(
        "evidence verification FAILED: supervisors have been alerted (see the custody events)");
  }
  std::printf("evidence verified: OK\n");
  return absl::OkStatus();
}

absl::Status List(api::App& app, EvidenceArguments& arguments) {
  ASSIGN_OR_RETURN(auth::Principal who, User(app, arguments));
  ASSIGN_OR_RETURN(int64_t case_id, ResolveCase(app, who, arguments.case_ref));
  ASSIGN_OR_RETURN(std::vector<evidence::Item> items, app.evidence().ListForCase(who, case_id));
  for (const evidence::Item& item : items) {
    std::printf("%lld\t%s\t%llu\t%s\t%s\t%s\n", static_cast<long long>(item.id),
                item.sha256.c_str(), static_cast<unsigned long long>(item.size), item.state.c_str(),
                item.mime_type.c_str(), item.metadata.original_name.c_str());
  }
  return absl::OkStatus();
}

}  // namespace

std::function<absl::Status()> AddEvidenceCommands(
    CLI::App& group, std::function<absl::StatusOr<base::Config>()> load_config) {
  group.require_subcommand(1);
  auto arguments = std::make_shared<EvidenceArguments>();
  EvidenceArguments& values = *arguments;
  CLI::App* add = group.add_subcommand("add", "add files to a case as evidence items");
  add->add_option("--case", values.case_ref, "the case: its id or its number")->required();
  add->add_option("--user", values.user, "the investigator acting (a member of the case)")
      ->required();
  add->add_option("--legal-basis", values.metadata.legal_basis,
                  "the decision or warrant under which it was obtained")
      ->required();
  add->add_option("--description", values.metadata.description, "what it is");
  add->add_option("--source-type", values.metadata.source_type,
                  "seized, received or captured_online (default seized)");
  add->add_option("--source-detail", values.metadata.source_detail,
                  "seized from / received from / the URL");
  add->add_option("--method", values.metadata.acquisition_method, "acquisition method");
  add->add_option("--tool", values.metadata.acquisition_tool, "acquisition tool and version");
  add->add_option("--examiner", values.metadata.examiner, "who acquired it");
  add->add_option("--acquired-at", values.acquired_at, "when (UTC, 2026-11-20T09:30:00Z)");
  add->add_option("--place", values.metadata.acquired_place, "where it was acquired");
  add->add_option("--parent", values.parent, "the item it was derived from");
  // One value per occurrence: otherwise `--category fraud disk.E01` takes the file for a
  // category.
  add->add_option("--category", values.metadata.categories,
                  "evidence category (repeatable; retention: the longest wins)")
      ->allow_extra_args(false);
  add->add_option("FILE", values.files, "files to add")->required()->check(CLI::ExistingFile);
  CLI::App* verify = group.add_subcommand(
      "verify", "re-hash every stored file (or one item) and compare with the records");
  verify->add_option("--item", values.item, "only this item (needs --user)");
  verify->add_option("--user", values.user, "the user acting, for --item");
  CLI::App* list = group.add_subcommand("list", "list the items of a case");
  list->add_option("--case", values.case_ref, "the case: its id or its number")->required();
  list->add_option("--user", values.user, "the user acting")->required();
  return [arguments, add, verify, list, load_config]() -> absl::Status {
    ASSIGN_OR_RETURN(base::Config config, load_config());
    RETURN_IF_ERROR(base::ValidateConfig(config));
    ASSIGN_OR_RETURN(std::unique_ptr<api::App> app, api::App::Open(config));
    if (add->parsed()) return Add(*app, *arguments);
    if (verify->parsed()) return Verify(*app, *arguments);
    if (list->parsed()) return List(*app, *arguments);
    return absl::InvalidArgumentError("choose an evidence command (try --help)");
  };
}

std::function<absl::Status()> AddInternalCommands(CLI::App& group) {
  group.require_subcommand(1);
  auto path = std::make_shared<std::string>();
  CLI::App* ewf = group.add_subcommand(
      "ewf-report", "read an E01 image with libewf and print its verification report as JSON");
  ewf->add_option("FILE", *path, "the image's first segment")->required();
  return [path]() -> absl::Status {
    // The server passes a file of the vault, named by its hash: libewf's segment glob would
    // refuse it for want of an .E01 extension, so a file not named like a first segment is
    // opened as the one segment of the image.
    std::string extension = std::filesystem::path(*path).extension().string();
    bool first_segment = extension.size() == 4 && (extension[1] == 'E' || extension[1] == 'e') &&
                         extension.substr(2) == "01";
    absl::StatusOr<vault::EwfReport> report =
        first_segment ? vault::VerifyEwfImage(*path) : vault::VerifyEwfSegments({*path});
    if (!report.ok()) {
      std::printf("%s\n", evidence::EwfErrorJson(report.status()).c_str());
      return report.status();
    }
    std::printf("%s\n", evidence::EwfReportJson(*report).c_str());
    return absl::OkStatus();
  };
}

}  // namespace threathub::cli
