// Demo data: the national cybercrime department and the cybercrime units of Almaty, Astana,
// Shymkent and Karaganda, with one account per role, and the head of the Almaty unit (a second
// supervisor, who gives the second approval of covert mandates).
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
    {"head", "Серик Абенов", auth::Role::kSupervisor, "almaty-cyber"},
    {"investigator", "Данияр Ахметов", auth::Role::kInvestigator, "almaty-cyber"},
    {"analyst", "Асель Касымова", auth::Role::kAnalyst, "almaty-cyber"},
    {"prosecutor", "Ерлан Сарсенбаев", auth::Role::kProsecutor, "almaty-cyber"},
    {"trainer", "Гульнара Омарова", auth::Role::kTrainer, "kz-cyber"},
    {"trainee", "Тимур Бекович", auth::Role::kTrainee, "astana-cyber"},
};

constexpr char kHeadUsername[] = "head";
constexpr char kHeadAgency[] = "almaty-cyber";

// The demo case's one item: the phishing e-mail a victim forwarded.
constexpr char kDemoEmail[] =
    "From: \"Kaspi Bank\" <security@kaspi-bank-support.example>\r\n"
    "To: victim@example.kz\r\n"
    "Subject: =?UTF-8?B?0JLQsNGIINGB0YfQtdGCINC30LDQsdC70L7QutC40YDQvtCy0LDQvQ==?=\r\n"
    "Date: Thu, 19 Nov 2026 08:14:03 +0500\r\n"
    "Content-Type: text/plain; charset=UTF-8\r\n"
    "\r\n"
    "Ваш счёт заблокирован. Для разблокировки перейдите по ссылке\r\n"
    "http://kaspi-bank-support.example/unlock и введите данные карты.\r\n";

}  // namespace

absl::Status App::SeedDemoCase() {
  ASSIGN_OR_RETURN(auth::Principal investigator, sessions_->PrincipalForUser("investigator"));
  ASSIGN_OR_RETURN(std::vector<cases::Case> existing, cases_->List(investigator, {}));
  if (!existing.empty()) return absl::OkStatus();
  cases::Origin origin{"demo-seed", ""};
  ASSIGN_OR_RETURN(
      cases::Case opened,
      cases_->Create(investigator, origin,
                     cases::NewCase{.title = "Фишинговая рассылка от имени банка",
                                    .description = "Рассылка писем со ссылкой на поддельный сайт "
                                                   "банка; похищены данные карт не менее 40 "
                                                   "клиентов.",
                                    .articles = {"190 ч.2", "213"}}));
  ASSIGN_OR_RETURN(auth::Principal prosecutor, sessions_->PrincipalForUser("prosecutor"));
  RETURN_IF_ERROR(cases_->Share(investigator, origin, opened.id, prosecutor.user_id).status());
  RETURN_IF_ERROR(cases_
                      ->AddNote(investigator, origin, opened.id,
                                "Запрос на сохранение данных регистратору домена подготовлен.")
                      .status());
  evidence::Metadata metadata;
  metadata.original_name = "phishing-email.eml";
  metadata.description = "Письмо, пересланное потерпевшим";
  metadata.source_type = "received";
  metadata.source_detail = "от потерпевшего по электронной почте";
  metadata.acquisition_method = "выгрузка из почтового клиента";
  metadata.examiner = investigator.display_name;
  metadata.legal_basis = "Заявление потерпевшего, КУИ № 1204 от 19.11.2026";
  metadata.categories = {"fraud"};
  ASSIGN_OR_RETURN(vault::PutResult put, blobs_->PutBytes(kDemoEmail));
  evidence::Origin evidence_origin{"demo-seed", "", "demo seed"};
  return evidence_->Ingest(investigator, evidence_origin, opened.id, metadata, put).status();
}

absl::Status App::SeedDemoDetection() {
  ASSIGN_OR_RETURN(std::vector<detect::IndicatorList> lists, detect_->ListLists());
  if (!lists.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(auth::Principal analyst, sessions_->PrincipalForUser("analyst"));
  detect::Origin origin{"demo-seed", ""};
  ASSIGN_OR_RETURN(detect::IndicatorList list,
                   detect_->CreateList(analyst, origin,
                                       {.name = "Демо: экстремизм",
                                        .description = "Пример списка индикаторов (рус., каз.)"}));
  constexpr std::string_view kCsv =
      "kind,pattern,language,category,severity,notes\n"
      "term,террор,ru,terrorism,high,\n"
      "term,теракт,ru,terrorism,critical,\n"
      "term,джихад,ru,extremism,high,\n"
      "phrase,священная война,ru,extremism,high,\n"
      "term,лаңкес,kk,terrorism,high,террорист (каз.)\n"
      "term,жиһад,kk,extremism,high,\n"
      "regex,взрывчатк[аиу],ru,explosives,critical,\n";
  RETURN_IF_ERROR(
      detect_->ImportIndicators(analyst, origin, list.id, kCsv, detect::IndicatorFormat::kCsv, {})
          .status());
  ASSIGN_OR_RETURN(
      detect::IndicatorList allow,
      detect_->CreateList(analyst, origin, {.name = "Демо: исключения", .kind = "allow"}));
  RETURN_IF_ERROR(detect_
                      ->AddIndicator(analyst, origin, allow.id,
                                     {.kind = "term", .pattern = "антитеррористический"})
                      .status());
  ASSIGN_OR_RETURN(
      detect::Bank bank,
      detect_->CreateBank(analyst, origin,
                          {.name = "Демо: PDQ", .algorithm = "pdq", .labels = {"demo"}}));
  return detect_
      ->ImportHashes(analyst, origin, bank.id,
                     "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22 demo\n")
      .status();
}

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
  // The head of the Almaty unit gives the second approval of covert mandates.
  ASSIGN_OR_RETURN(auth::Agency almaty, org_->FindAgency(kHeadAgency));
  ASSIGN_OR_RETURN(auth::User head, org_->FindUser(actor, kHeadUsername));
  if (almaty.head_user_id != head.id) {
    RETURN_IF_ERROR(
        org_->UpdateAgency(actor, almaty.id, auth::AgencyChanges{.head_user_id = head.id})
            .status());
  }
  RETURN_IF_ERROR(SeedDemoCase());
  RETURN_IF_ERROR(SeedDemoDetection());
  return accounts;
}

}  // namespace threathub::api
