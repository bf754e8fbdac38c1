// `threathub directory export [--provider ID]` and `threathub directory import FILE --note TEXT`:
// the service-provider directory from the command line.
//
// export prints the current entries as JSON, in the form of data/requests/providers.json:
//   {"version": "<directory version>", "providers": [entry, ...]}
// import reads the same form (or a bare list of entries, or one entry) and saves each entry
// that differs from the current one as a new version (an entry equal to the current one is
// reported and skipped), through the same checks as the web application's PUT, in the name of
// the administrator named by --user (the version's author, as evidence and collect commands act
// in the name of a named user). A running server reloads the directory from the database when
// an entry changed.
#include <unistd.h>

#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "api/app.h"
#include "base/errors.h"
#include "base/file.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "cli/commands.h"

namespace threathub::cli {
namespace {

using Json = nlohmann::json;

struct DirectoryArguments {
  std::string provider;
  std::string file;
  std::string note;
  std::string user;
};

std::string Login() { return getlogin() != nullptr ? getlogin() : "operator"; }

// The administrator acting (directory.manage), recorded as the version's author and in the
// audit trail, as the evidence and collect commands act in the name of a named user.
absl::StatusOr<auth::Principal> Acting(api::App& app, const DirectoryArguments& arguments) {
  if (arguments.user.empty()) {
    return absl::InvalidArgumentError("--user NAME: the administrator acting (recorded)");
  }
  return app.sessions().PrincipalForUser(arguments.user);
}

absl::Status Export(api::App& app, const DirectoryArguments& arguments) {
  std::shared_ptr<const requests::Directory> directory = app.requests().directory();
  Json providers = Json::array();
  for (const requests::Provider& provider : directory->providers()) {
    if (!arguments.provider.empty() && provider.id != arguments.provider) continue;
    providers.push_back(Json::parse(provider.canonical_json));
  }
  if (!arguments.provider.empty() && providers.empty()) {
    return absl::NotFoundError(base::StrCat("no provider \"", arguments.provider, "\""));
  }
  Json listing{{"version", directory->version()}, {"providers", providers}};
  std::printf("%s\n", listing.dump(2).c_str());
  return absl::OkStatus();
}

absl::Status Import(api::App& app, const DirectoryArguments& arguments) {
  if (arguments.note.empty()) return absl::InvalidArgumentError("--note: why the entries change");
  ASSIGN_OR_RETURN(std::string text, base::ReadFile(arguments.file));
  Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return absl::InvalidArgumentError(base::StrCat(arguments.file, ": not JSON"));
  }
  Json entries = parsed.is_object() && parsed.contains("providers") ? parsed["providers"]
                 : parsed.is_array()                                ? parsed
                                                                    : Json::array({parsed});
  if (!entries.is_array() || entries.empty()) {
    return absl::InvalidArgumentError(
        base::StrCat(arguments.file, ": expected {\"providers\":[entry...]}, a list or an entry"));
  }
  ASSIGN_OR_RETURN(auth::Principal who, Acting(app, arguments));
  requests::Origin origin{base::StrCat("cli:", Login()), ""};
  int saved = 0, unchanged = 0;
  for (const Json& entry : entries) {
    std::string id = entry.is_object() ? entry.value("id", "") : "";
    absl::StatusOr<requests::EntryVersion> version =
        app.requests().SaveProvider(who, origin, entry.dump(), arguments.note);
    if (!version.ok() && base::StatusReason(version.status()) == "unchanged") {
      std::printf("%s: unchanged\n", id.c_str());
      ++unchanged;
      continue;
    }
    if (!version.ok()) {
      return absl::Status(version.status().code(),
                          base::StrCat(arguments.file, ": ", id.empty() ? "an entry" : id, ": ",
                                       version.status().message()));
    }
    std::printf("%s: version %d (%zu changes)\n", version->provider_id.c_str(), version->version,
                version->changes.size());
    ++saved;
  }
  std::printf("%d saved, %d unchanged\n", saved, unchanged);
  return absl::OkStatus();
}

}  // namespace

std::function<absl::Status()> AddDirectoryCommands(
    CLI::App& group, std::function<absl::StatusOr<base::Config>()> load_config) {
  group.require_subcommand(1);
  auto arguments = std::make_shared<DirectoryArguments>();
  CLI::App* export_command =
      group.add_subcommand("export", "print the current provider entries as JSON");
  export_command->add_option("--provider", arguments->provider, "only this provider (its id)");
  CLI::App* import_command = group.add_subcommand(
      "import", "save each entry of a JSON file (as export prints it) as a new version");
  import_command->add_option("FILE", arguments->file, "the entries")
      ->required()
      ->check(CLI::ExistingFile);
  import_command->add_option("--note", arguments->note, "why they change (kept with each version)")
      ->required();
  import_command->add_option("--user", arguments->user, "the administrator acting (recorded)")
      ->required();
  return [arguments, export_command, import_command, load_config]() -> absl::Status {
    ASSIGN_OR_RETURN(base::Config config, load_config());
    RETURN_IF_ERROR(base::ValidateConfig(config));
    ASSIGN_OR_RETURN(std::unique_ptr<api::App> app, api::App::Open(config));
    if (export_command->parsed()) return Export(*app, *arguments);
    if (import_command->parsed()) return Import(*app, *arguments);
    return absl::InvalidArgumentError("choose a directory command (try --help)");
  };
}

}  // namespace threathub::cli
