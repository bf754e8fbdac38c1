#include "cli/commands.h"
#include "base/strings.h"

#include <cstdio>
#include <memory>

#include "api/app.h"
#include "auth/password.h"
#include "base/status_macros.h"

namespace threathub::cli {
namespace {

struct AdminArguments {
  std::string target;  // the region, agency or user acted on: id, code or username
  std::string code, name, region, agency, username, email, password;
  std::vector<std::string> roles;
  bool national = false;
};

using AdminRun = std::function<absl::Status(api::App&, const AdminArguments&)>;

void PrintTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t column = 0; column < row.size(); ++column) {
      widths[column] = std::max(widths[column], row[column].size());
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t column = 0; column < row.size(); ++column) {
      base::StrAppend(&line, row[column]);
      if (column + 1 < row.size())
        line += std::string(widths[column] - row[column].size() + 2, ' ');
    }
    std::puts(line.c_str());
  }
}

std::string RolesText(const std::vector<auth::Role>& roles) {
  std::vector<std::string_view> names;
  for (auth::Role role : roles) names.push_back(auth::RoleName(role));
  return base::StrJoin(names, ",");
}

void PrintUser(const auth::User& user) {
  std::printf("user %lld %s (%s), agency %s, roles %s%s%s\n", static_cast<long long>(user.id),
              user.username.c_str(), user.display_name.c_str(), user.agency_name.c_str(),
              RolesText(user.roles).c_str(), user.disabled ? ", disabled" : "",
              user.locked ? ", locked" : "");
}

std::vector<std::string> SplitRoles(const std::vector<std::string>& values) {
  std::vector<std::string> roles;
  for (const std::string& value : values) {
    for (std::string_view part : base::StrSplit(value, ',', true)) {
      roles.emplace_back(part);
    }
  }
  return roles;
}

absl::Status UserAction(
    api::App& app, const AdminArguments& arguments,
    const std::function<absl::StatusOr<auth::User>(auth::OrgService&, const auth::Actor&, int64_t)>&
        act) {
  auth::Actor actor = auth::Actor::CommandLine();
  ASSIGN_OR_RETURN(auth::User user, app.org().FindUser(actor, arguments.target));
  ASSIGN_OR_RETURN(user, act(app.org(), actor, user.id));
  PrintUser(user);
  return absl::OkStatus();
}

struct AdminCommand {
  const char* group;
  const char* verb;
  const char* help;
  std::function<void(CLI::App&, AdminArguments&)> options;
  AdminRun run;
};

std::vector<AdminCommand> AdminCommands() {
  auto target = [](const char* what) {
    return [what](CLI::App& command, AdminArguments& arguments) {
      command.add_option("target", arguments.target, what)->required();
    };
  };
  return {
      {"region", "add", "add a region",
       [](CLI::App& command, AdminArguments& arguments) {
         command.add_option("--code", arguments.code, "short Latin code, e.g. almaty")->required();
         command.add_option("--name", arguments.name, "name")->required();
       },
       [](api::App& app, const AdminArguments& arguments) -> absl::Status {
         ASSIGN_OR_RETURN(
             auth::Region region,
             app.org().CreateRegion(auth::Actor::CommandLine(), arguments.code, arguments.name));
         std::printf("region %lld %s added\n", static_cast<long long>(region.id),
                     region.code.c_str());
         return absl::OkStatus();
       }},
      {"region", "list", "list regions", [](CLI::App&, AdminArguments&) {},
       [](api::App& app, const AdminArguments&) -> absl::Status {
         ASSIGN_OR_RETURN(std::vector<auth::Region> regions, app.org().ListRegions());
         std::vector<std::vector<std::string>> rows = {{"ID", "CODE", "NAME"}};
         for (const auth::Region& region : regions) {
           rows.push_back({std::to_string(region.id), region.code, region.name});
         }
         PrintTable(rows);
         return absl::OkStatus();
       }},
      {"agency", "add", "add an agency (unit)",
       [](CLI::App& command, AdminArguments& arguments) {
         command.add_option("--region", arguments.region, "region id or code")->required();
         command.add_option("--code", arguments.code, "short Latin code")->required();
         command.add_option("--name", arguments.name, "name")->required();
         command.add_flag("--national", arguments.national,
                          "a national agency: its admins manage everything");
       },
       [](api::App& app, const AdminArguments& arguments) -> absl::Status {
         ASSIGN_OR_RETURN(auth::Region region, app.org().FindRegion(arguments.region));
         ASSIGN_OR_RETURN(
             auth::Agency agency,
             app.org().CreateAgency(auth::Actor::CommandLine(), region.id, arguments.code,
                                    arguments.name, arguments.national));
         std::printf("agency %lld %s added\n", static_cast<long long>(agency.id),
                     agency.code.c_str());
         return absl::OkStatus();
       }},
      {"agency", "list", "list agencies",
       [](CLI::App& command, AdminArguments& arguments) {
         command.add_option("--region", arguments.region, "only this region (id or code)");
       },
       [](api::App& app, const AdminArguments& arguments) -> absl::Status {
         std::optional<int64_t> region_id;
         if (!arguments.region.empty()) {
           ASSIGN_OR_RETURN(auth::Region region, app.org().FindRegion(arguments.region));
           region_id = region.id;
         }
         ASSIGN_OR_RETURN(std::vector<auth::Agency> agencies, app.org().ListAgencies(region_id));
         std::vector<std::vector<std::string>> rows = {{"ID", "REGION", "CODE", "STATE", "NAME"}};
         for (const auth::Agency& agency : agencies) {
           rows.push_back({std::to_string(agency.id), std::to_string(agency.region_id), agency.code,
                           agency.disabled ? "disabled" : (agency.national ? "national" : "active"),
                           agency.name});
         }
         PrintTable(rows);
         return absl::OkStatus();
       }},
      {"agency", "disable", "disable an agency (its users cannot sign in)",
       target("agency id or code"),
       [](api::App& app, const AdminArguments& arguments) -> absl::Status {
         ASSIGN_OR_RETURN(auth::Agency agency, app.org().FindAgency(arguments.target));
         RETURN_IF_ERROR(app.org()
                             .UpdateAgency(auth::Actor::CommandLine(), agency.id,
                                           auth::AgencyChanges{.disabled = true})
                             .status());
         std::printf("agency %s disabled\n", agency.code.c_str());
         return absl::OkStatus();
       }},
      {"agency", "enable", "enable an agency", target("agency id or code"),
       [](api::App& app, const AdminArguments& arguments) -> absl::Status {
         ASSIGN_OR_RETURN(auth::Agency agency, app.org().FindAgency(arguments.target));
         RETURN_IF_ERROR(app.org()
                             .UpdateAgency(auth::Actor::CommandLine(), agency.id,
                                           auth::AgencyChanges{.disabled = false})
                             .status());
         std::printf("agency %s enabled\n", agency.code.c_str());
         return absl::OkStatus();
       }},
      {"agency", "set-head", "set the head of an agency (second approver of covert mandates)",
       [](CLI::App& command, AdminArguments& arguments) {
         command.add_option("target", arguments.target, "agency id or code")->required();
         command.add_option("username", arguments.username, "a user of that agency")->required();
       },
       [](api::App& app, const AdminArguments& arguments) -> absl::Status {
         auth::Actor actor = auth::Actor::CommandLine();
         ASSIGN_OR_RETURN(auth::Agency agency, app.org().FindAgency(arguments.target));
         ASSIGN_OR_RETURN(auth::User user, app.org().FindUser(actor, arguments.username));
         RETURN_IF_ERROR(
             app.org()
                 .UpdateAgency(actor, agency.id, auth::AgencyChanges{.head_user_id = user.id})
                 .status());
         std::printf("agency %s: head %s (%s)\n", agency.code.c_str(), user.username.c_str(),
                     user.display_name.c_str());
         return absl::OkStatus();
       }},
      {"user", "add", "add a user account",
       [](CLI::App& command, AdminArguments& arguments) {
         command.add_option("--agency", arguments.agency, "agency id or code")->required();
         command.add_option("--username", arguments.username, "sign-in name")->required();
         command.add_option("--name", arguments.name, "display name")->required();
         command.add_option("--email", arguments.email, "e-mail address");
         command.add_option("--roles", arguments.roles,
                            "roles: admin, supervisor, investigator, analyst, prosecutor, "
                            "trainer, trainee (comma-separated)");
         command.add_option("--password", arguments.password,
                            "initial password (default: generated and printed)");
       },
       [](api::App& app, const AdminArguments& arguments) -> absl::Status {
         ASSIGN_OR_RETURN(auth::Agency agency, app.org().FindAgency(arguments.agency));
         ASSIGN_OR_RETURN(std::vector<auth::Role> roles,
                          auth::ParseRoles(SplitRoles(arguments.roles)));
         std::string password =
             arguments.password.empty() ? auth::GeneratePassword() : arguments.password;
         ASSIGN_OR_RETURN(auth::User user,
                          app.org().CreateUser(auth::Actor::CommandLine(),
                                               auth::NewUser{.agency_id = agency.id,
                                                             .username = arguments.username,
                                                             .display_name = arguments.name,
                                                             .email = arguments.email,
                                                             .roles = roles,
                                                             .password = password}));
         PrintUser(user);
         if (arguments.password.empty()) std::printf("password: %s\n", password.c_str());
         return absl::OkStatus();
       }},
      {"user", "list", "list users",
       [](CLI::App& command, AdminArguments& arguments) {
         command.add_option("--agency", arguments.agency, "only this agency (id or code)");
       },
       [](api::App& app, const AdminArguments& arguments) -> absl::Status {
         auth::UserFilter filter;
         if (!arguments.agency.empty()) {
           ASSIGN_OR_RETURN(auth::Agency agency, app.org().FindAgency(arguments.agency));
           filter.agency_id = agency.id;
         }
         ASSIGN_OR_RETURN(std::vector<auth::User> users,
                          app.org().ListUsers(auth::Actor::CommandLine(), filter));
         std::vector<std::vector<std::string>> rows = {
             {"ID", "USERNAME", "AGENCY", "ROLES", "STATE", "NAME"}};
         for (const auth::User& user : users) {
           std::string state = user.disabled ? "disabled" : user.locked ? "locked" : "active";
           rows.push_back({std::to_string(user.id), user.username, std::to_string(user.agency_id),
                           RolesText(user.roles), state, user.display_name});
         }
         PrintTable(rows);
         return absl::OkStatus();
       }},
      {"user", "disable", "disable an account and end its sessions", target("user id or name"),
       [](api::App& app, const AdminArguments& arguments) {
         return UserAction(app, arguments,
                           [](auth::OrgService& org, const auth::Actor& actor, int64_t id) {
                             return org.SetDisabled(actor, id, true);
                           });
       }},
      {"user", "enable", "enable an account", target("user id or name"),
       [](api::App& app, const AdminArguments& arguments) {
         return UserAction(app, arguments,
                           [](auth::OrgService& org, const auth::Actor& actor, int64_t id) {
                             return org.SetDisabled(actor, id, false);
                           });
       }},
      {"user", "unlock", "unlock an account locked after failed sign-ins",
       target("user id or name"),
       [](api::App& app, const AdminArguments& arguments) {
         return UserAction(app, arguments,
                           [](auth::OrgService& org, const auth::Actor& actor, int64_t id) {
                             return org.Unlock(actor, id);
                           });
       }},
      {"user", "reset-password", "set a new password (and clear TOTP)",
       [](CLI::App& command, AdminArguments& arguments) {
         command.add_option("target", arguments.target, "user id or name")->required();
         command.add_option("--password", arguments.password,
                            "the new password (default: generated and printed)");
       },
       [](api::App& app, const AdminArguments& arguments) -> absl::Status {
         auth::Actor actor = auth::Actor::CommandLine();
         ASSIGN_OR_RETURN(auth::User user, app.org().FindUser(actor, arguments.target));
         ASSIGN_OR_RETURN(std::string password,
                          app.org().ResetPassword(actor, user.id, arguments.password));
         std::printf("password of %s reset\n", user.username.c_str());
         if (arguments.password.empty()) std::printf("password: %s\n", password.c_str());
         return absl::OkStatus();
       }},
      {"user", "set-roles", "replace the roles of a user",
       [](CLI::App& command, AdminArguments& arguments) {
         command.add_option("target", arguments.target, "user id or name")->required();
         command.add_option("roles", arguments.roles, "roles (space- or comma-separated)")
             ->required();
       },
       [](api::App& app, const AdminArguments& arguments) -> absl::Status {
         ASSIGN_OR_RETURN(std::vector<auth::Role> roles,
                          auth::ParseRoles(SplitRoles(arguments.roles)));
         return UserAction(app, arguments,
                           [&roles](auth::OrgService& org, const auth::Actor& actor, int64_t id) {
                             return org.UpdateUser(actor, id, auth::UserChanges{.roles = roles});
                           });
       }},
  };
}

}  // namespace

std::function<absl::Status()> AddAdminCommands(
    CLI::App& admin, std::function<absl::StatusOr<base::Config>()> load_config) {
  admin.require_subcommand(1);
  // Shared by the option bindings and the returned runner, which outlives this function.
  auto arguments = std::make_shared<AdminArguments>();
  auto table = std::make_shared<std::vector<AdminCommand>>(AdminCommands());
  auto parsed = std::make_shared<std::vector<std::pair<CLI::App*, size_t>>>();
  std::map<std::string, CLI::App*> groups;
  for (size_t command_idx = 0; command_idx < table->size(); ++command_idx) {
    const AdminCommand& command = (*table)[command_idx];
    CLI::App*& group = groups[command.group];
    if (group == nullptr) {
      group = admin.add_subcommand(command.group, base::StrCat("manage ", command.group, "s"));
      group->require_subcommand(1);
    }
    CLI::App* verb = group->add_subcommand(command.verb, command.help);
    command.options(*verb, *arguments);
    parsed->emplace_back(verb, command_idx);
  }
  return [arguments, table, parsed, load_config]() -> absl::Status {
    for (const auto& [verb, command_idx] : *parsed) {
      if (!verb->parsed()) continue;
      ASSIGN_OR_RETURN(base::Config config, load_config());
      RETURN_IF_ERROR(base::ValidateConfig(config));
      ASSIGN_OR_RETURN(std::unique_ptr<api::App> app, api::App::Open(config));
      return (*table)[command_idx].run(*app, *arguments);
    }
    return absl::InvalidArgumentError("choose an admin command (try --help)");
  };
}

}  // namespace threathub::cli
