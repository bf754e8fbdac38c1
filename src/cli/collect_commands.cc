// `threathub collect import|sources|poll|purge`: collection from the command line, acting in the
// name of a named user (`--user`) with the same mandate checks, counts and audit records as the
// web application; `purge` runs the purge job now, as the system. The command line reaches the
// database and the vault directly, so an export on the server's own disk is imported without an
// upload.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "api/app.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "cli/commands.h"

namespace threathub::cli {
namespace {

namespace fs = std::filesystem;

struct CollectArguments {
  std::string user;
  int64_t source = 0;
  int64_t mandate = 0;
  std::vector<std::string> paths;
};

collect::Origin CliOrigin() {
  std::string login = getlogin() != nullptr ? getlogin() : "operator";
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "localhost");
  return collect::Origin{base::StrCat("cli:", login), "", base::StrCat("cli ", host)};
}

absl::StatusOr<auth::Principal> User(api::App& app, const CollectArguments& arguments) {
  if (arguments.user.empty()) {
    return absl::InvalidArgumentError("--user NAME: the person collecting (recorded in the audit)");
  }
  return app.sessions().PrincipalForUser(arguments.user);
}

std::string RefusalText(const std::map<std::string, int64_t>& refused) {
  std::vector<std::string> parts;
  for (const auto& [reason, count] : refused) parts.push_back(base::StrCat(reason, " ", count));
  return base::StrJoin(parts, ", ");
}

void PrintReport(const std::string& path, const collect::ImportReport& report) {
  int64_t refused = 0;
  for (const auto& [reason, count] : report.refused) refused += count;
  std::printf(
      "%s: import %lld (%s): %lld records, %lld stored, %lld duplicates, %lld refused%s%s%s, "
      "%lld errors\n",
      path.c_str(), static_cast<long long>(report.id), report.format.c_str(),
      static_cast<long long>(report.records), static_cast<long long>(report.stored),
      static_cast<long long>(report.duplicates), static_cast<long long>(refused),
      refused > 0 ? " (" : "", RefusalText(report.refused).c_str(), refused > 0 ? ")" : "",
      static_cast<long long>(report.errors));
  for (const collect::RecordError& error : report.error_sample) {
    std::printf("  %s: %s\n", error.position.empty() ? "input" : error.position.c_str(),
                error.error.c_str());
  }
  if (report.errors > static_cast<int64_t>(report.error_sample.size())) {
    std::printf(
        "  ... and %lld more errors\n",
        static_cast<long long>(report.errors - static_cast<int64_t>(report.error_sample.size())));
  }
}

absl::Status Import(api::App& app, const CollectArguments& arguments) {
  ASSIGN_OR_RETURN(auth::Principal who, User(app, arguments));
  ASSIGN_OR_RETURN(collect::Source source, app.collect().GetSource(who, arguments.source));
  // A folder is one Telegram export; for the other kinds, each of its files is one import.
  std::vector<std::string> files;
  for (const std::string& path : arguments.paths) {
    std::error_code error;
    if (fs::is_directory(path, error) && source.kind != collect::SourceKind::kTelegram) {
      std::vector<std::string> inside;
      for (fs::directory_iterator entry(path, error), end; !error && entry != end;
           entry.increment(error)) {
        if (entry->is_regular_file()) inside.push_back(entry->path().string());
      }
      std::sort(inside.begin(), inside.end());
      files.insert(files.end(), inside.begin(), inside.end());
    } else {
      files.push_back(path);
    }
  }
  int failures = 0;
  for (const std::string& file : files) {
    absl::StatusOr<collect::ImportReport> report =
        app.collect().ImportPath(who, CliOrigin(), source.id, file);
    if (!report.ok()) {
      ++failures;
      std::fprintf(stderr, "%s: NOT imported: %s\n", file.c_str(),
                   std::string(report.status().message()).c_str());
      continue;
    }
    PrintReport(file, *report);
  }
  if (failures > 0) {
    return absl::FailedPreconditionError(
        base::StrCat(failures, " of ", files.size(), " inputs were not imported"));
  }
  return absl::OkStatus();
}

absl::Status Sources(api::App& app, const CollectArguments& arguments) {
  ASSIGN_OR_RETURN(auth::Principal who, User(app, arguments));
  ASSIGN_OR_RETURN(std::vector<collect::Source> sources,
                   app.collect().ListSources(who, arguments.mandate));
  std::printf("id\tkind\tstate\tcollected\tduplicates\terrors\trefused\tname\n");
  for (const collect::Source& source : sources) {
    std::printf("%lld\t%s\t%s%s%s\t%lld\t%lld\t%lld\t%s\t%s%s%s\n",
                static_cast<long long>(source.id),
                std::string(collect::SourceKindName(source.kind)).c_str(), source.state.c_str(),
                source.stop_reason.empty() ? "" : " (", source.stop_reason.c_str(),
                static_cast<long long>(source.counts.collected),
                static_cast<long long>(source.counts.duplicates),
                static_cast<long long>(source.counts.errors),
                source.counts.refused.empty() ? "-" : RefusalText(source.counts.refused).c_str(),
                source.name.c_str(), source.url.empty() ? "" : " ", source.url.c_str());
  }
  return absl::OkStatus();
}

absl::Status Poll(api::App& app, const CollectArguments& arguments) {
  ASSIGN_OR_RETURN(auth::Principal who, User(app, arguments));
  ASSIGN_OR_RETURN(collect::ImportReport report,
                   app.collect().PollNow(who, CliOrigin(), arguments.source));
  PrintReport(base::StrCat("source ", arguments.source), report);
  return absl::OkStatus();
}

absl::Status Purge(api::App& app) {
  ASSIGN_OR_RETURN(collect::PurgeReport report, app.collect().PurgeDue(CliOrigin()));
  std::printf(
      "purged %lld items and %lld media entries; %lld files deleted, %lld kept (held by "
      "other items or evidence)\n",
      static_cast<long long>(report.items), static_cast<long long>(report.media),
      static_cast<long long>(report.files_deleted), static_cast<long long>(report.files_kept));
  for (int64_t id : report.purge_ids) {
    std::printf("  purge %lld: ledger leaf collect/purge-%lld\n", static_cast<long long>(id),
                static_cast<long long>(id));
  }
  return absl::OkStatus();
}

}  // namespace

std::function<absl::Status()> AddCollectCommands(
    CLI::App& group, std::function<absl::StatusOr<base::Config>()> load_config) {
  group.require_subcommand(1);
  auto arguments = std::make_shared<CollectArguments>();
  CollectArguments& values = *arguments;
  CLI::App* import = group.add_subcommand(
      "import", "import exports into a collection source (a folder is one Telegram export)");
  import->add_option("--source", values.source, "the collection source")->required();
  import->add_option("--user", values.user, "the person collecting")->required();
  import->add_option("PATH", values.paths, "files or folders to import")
      ->required()
      ->check(CLI::ExistingPath);
  CLI::App* sources = group.add_subcommand("sources", "list the sources of a mandate");
  sources->add_option("--mandate", values.mandate, "the mandate")->required();
  sources->add_option("--user", values.user, "the user acting")->required();
  CLI::App* poll = group.add_subcommand("poll", "poll a feed source now");
  poll->add_option("--source", values.source, "the feed source")->required();
  poll->add_option("--user", values.user, "the user acting")->required();
  CLI::App* purge = group.add_subcommand(
      "purge", "delete collected items past their mandate's storage period now (not promoted)");
  return [arguments, import, sources, poll, purge, load_config]() -> absl::Status {
    ASSIGN_OR_RETURN(base::Config config, load_config());
    RETURN_IF_ERROR(base::ValidateConfig(config));
    ASSIGN_OR_RETURN(std::unique_ptr<api::App> app, api::App::Open(config));
    if (import->parsed()) return Import(*app, *arguments);
    if (sources->parsed()) return Sources(*app, *arguments);
    if (poll->parsed()) return Poll(*app, *arguments);
    if (purge->parsed()) return Purge(*app);
    return absl::InvalidArgumentError("choose a collect command (try --help)");
  };
}

}  // namespace threathub::cli
