// Demo data: the national cybercrime department and the cybercrime units of Almaty, Astana,
// Shymkent and Karaganda, with one account per role.
#include "api/app.h"
#include "auth/password.h"
#include "base/status_macros.h"
#include "base/strings.h"

namespace threathub::api {
namespace {

struct DemoRegion {
  const char* code;
  const char* name;
  const char* agency_code;
  const char* agency_name;
  bool national;
};

constexpr DemoRegion kDemoRegions[] = {
    {"kz", "Республика Казахстан", "kz-cyber",
     "Департамент по противодействию киберпреступности МВД", true},
    {"almaty", "г. Алматы", "almaty-cyber",
     "Управление по противодействию киберпреступности ДП г. Алматы", false},
    {"astana", "г. Астана", "astana-cyber",
     "Управление по противодействию киберпреступности ДП г. Астаны", false},
    {"shymkent", "г. Шымкент", "shymkent-cyber",
     "Управление по противодействию киберпреступности ДП г. Шымкента", false},
    {"karaganda", "Карагандинская область", "karaganda-cyber",
     "Управление по противодействию киберпреступности ДП Карагандинской области", false},
};

struct DemoUser {
  const char* username;
  const char* display_name;
  auth::Role role;
  const char* agency_code;
};

constexpr DemoUser kDemoUsers[] = {
    {"admin", "Айгерим Сейткали", auth::Role::kAdmin, "kz-cyber"},
    {"supervisor", "Нурлан Жумабаев", auth::Role::kSupervisor, "almaty-cyber"},
    {"investigator", "Данияр Ахметов", auth::Role::kInvestigator, "almaty-cyber"},
    {"analyst", "Асель Касымова", auth::Role::kAnalyst, "almaty-cyber"},
    {"prosecutor", "Ерлан Сарсенбаев", auth::Role::kProsecutor, "almaty-cyber"},
    {"trainer", "Гульнара Омарова", auth::Role::kTrainer, "kz-cyber"},
    {"trainee", "Тимур Бекович", auth::Role::kTrainee, "astana-cyber"},
};

}  // namespace

absl::StatusOr<std::vector<DemoAccount>> App::SeedDemo() {
  auth::Actor actor = auth::Actor::CommandLine();
  actor.name = "demo-seed";
  for (const DemoRegion& demo : kDemoRegions) {
    absl::StatusOr<auth::Region> region = org_->FindRegion(demo.code);
    if (!region.ok()) {
      ASSIGN_OR_RETURN(region, org_->CreateRegion(actor, demo.code, demo.name));
    }
    if (!org_->FindAgency(demo.agency_code).ok()) {
      RETURN_IF_ERROR(
          org_->CreateAgency(actor, region->id, demo.agency_code, demo.agency_name, demo.national)
              .status());
    }
  }
  std::vector<DemoAccount> accounts;
  for (const DemoUser& demo : kDemoUsers) {
    std::string password = auth::GeneratePassword();
    absl::StatusOr<auth::User> existing = org_->FindUser(actor, demo.username);
    if (existing.ok()) {
      RETURN_IF_ERROR(org_->ResetPassword(actor, existing->id, password).status());
    } else {
      ASSIGN_OR_RETURN(auth::Agency agency, org_->FindAgency(demo.agency_code));
      auth::NewUser user{.agency_id = agency.id,
                         .username = demo.username,
                         .display_name = demo.display_name,
                         .email = base::StrCat(demo.username, "@demo.threathub.kz"),
                         .roles = {demo.role},
                         .password = password,
                         .totp_exempt = true};
      RETURN_IF_ERROR(org_->CreateUser(actor, std::move(user)).status());
    }
    accounts.push_back({demo.username, std::string(auth::RoleName(demo.role)), password});
  }
  return accounts;
}

}  // namespace threathub::api
