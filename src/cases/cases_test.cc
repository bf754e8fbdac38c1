// Cases against a real SQLite database: numbering, need-to-know on every read and write,
// members, shares, notes and tasks.
#include "cases/cases.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "auth/org.h"
#include "auth/sessions.h"
#include "base/encoding.h"
#include "base/errors.h"
#include "store/migrations.h"

namespace threathub::cases {
namespace {

constexpr char kPassword[] = "granite-steppe-eagle";

class CasesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("threathub-cases-" + base::HexEncode(base::RandomBytes(6)));
    std::filesystem::create_directories(directory_);
    database_ = store::OpenDatabase("sqlite", directory_).value();
    ASSERT_TRUE(store::Migrate(*database_).ok());
    trail_ = std::make_unique<audit::AuditTrail>(*database_, clock_);
    auth::SessionPolicy policy;
    policy.cost = auth::Argon2Cost{.ops = 1, .memory_bytes = 64 << 10};
    sessions_ = std::make_unique<auth::Authenticator>(*database_, *trail_, clock_, policy);
    org_ = std::make_unique<auth::OrgService>(*database_, *trail_, *sessions_, clock_, policy.cost);
    cases_ = std::make_unique<CaseService>(*database_, *trail_, clock_);
    auth::Actor root = auth::Actor::CommandLine();
    int64_t region = org_->CreateRegion(root, "almaty", "Алматы").value().id;
    almaty_ = org_->CreateAgency(root, region, "almaty-cyber", "УПК", false).value().id;
    astana_ = org_->CreateAgency(root, region, "astana-cyber", "УПК", false).value().id;
    lead_ = Person("lead", almaty_, {auth::Role::kInvestigator});
    colleague_ = Person("colleague", almaty_, {auth::Role::kInvestigator});
    boss_ = Person("boss", almaty_, {auth::Role::kSupervisor});
    admin_ = Person("admin", almaty_, {auth::Role::kAdmin});
    outsider_ = Person("outsider", astana_, {auth::Role::kSupervisor});
    prosecutor_ = Person("prosecutor", astana_, {auth::Role::kProsecutor});
  }
  void TearDown() override {
    cases_.reset();
    org_.reset();
    sessions_.reset();
    trail_.reset();
    database_.reset();
    std::filesystem::remove_all(directory_);
  }

  auth::Principal Person(const std::string& name, int64_t agency, std::vector<auth::Role> roles) {
    org_->CreateUser(auth::Actor::CommandLine(), auth::NewUser{.agency_id = agency,
                                                               .username = name,
                                                               .display_name = name,
                                                               .roles = std::move(roles),
                                                               .password = kPassword,
                                                               .totp_exempt = true})
        .value();
    std::string token = sessions_->Login(name, kPassword, true, {})->token;
    return sessions_->Authenticate(token).value();
  }

  Case Open(const std::string& title = "Фишинг от имени банка") {
    return cases_->Create(lead_, origin_, NewCase{.title = title, .articles = {"190 ч.2", "205"}})
        .value();
  }

  base::FakeClock clock_;
  std::filesystem::path directory_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<audit::AuditTrail> trail_;
  std::unique_ptr<auth::Authenticator> sessions_;
  std::unique_ptr<auth::OrgService> org_;
  std::unique_ptr<CaseService> cases_;
  int64_t almaty_ = 0, astana_ = 0;
  auth::Principal lead_, colleague_, boss_, admin_, outsider_, prosecutor_;
  Origin origin_{"10.0.0.7", "req-1"};
};

TEST_F(CasesTest, NumbersFollowTheAgencyFormatAndYear) {
  Case first = Open();
  Case second = Open("Второе дело");
  EXPECT_EQ(first.number, "almaty-cyber-2026-00001");
  EXPECT_EQ(second.number, "almaty-cyber-2026-00002");
  EXPECT_EQ(first.status, CaseStatus::kOpen);
  EXPECT_EQ(first.lead_user_id, lead_.user_id);
  ASSERT_EQ(first.members.size(), 1u);
  EXPECT_EQ(first.members[0].role, MemberRole::kLead);
  EXPECT_EQ(first.articles, (std::vector<std::string>{"190 ч.2", "205"}));
  absl::Status duplicate =
      cases_->Create(lead_, origin_, NewCase{.number = first.number, .title = "x"}).status();
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(base::StatusField(duplicate), "number");
}

TEST_F(CasesTest, NeedToKnowOnEveryRead) {
  Case opened = Open();
  EXPECT_TRUE(cases_->Get(lead_, opened.id).ok());
  EXPECT_TRUE(cases_->Get(boss_, opened.id).ok());
  for (const auth::Principal* stranger : {&colleague_, &outsider_, &prosecutor_, &admin_}) {
    EXPECT_EQ(cases_->Get(*stranger, opened.id).status().code(), absl::StatusCode::kNotFound)
        << stranger->username;
    EXPECT_EQ(cases_->Notes(*stranger, opened.id).status().code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(cases_->Tasks(*stranger, opened.id).status().code(), absl::StatusCode::kNotFound);
    EXPECT_TRUE(cases_->List(*stranger, {})->empty()) << stranger->username;
  }
  EXPECT_EQ(cases_->List(lead_, {})->size(), 1u);
  EXPECT_EQ(cases_->List(boss_, {})->size(), 1u);
}

TEST_F(CasesTest, MembersViewersAndProsecutors) {
  Case opened = Open();
  ASSERT_TRUE(
      cases_->SetMember(lead_, origin_, opened.id, colleague_.user_id, MemberRole::kViewer).ok());
  EXPECT_TRUE(cases_->Get(colleague_, opened.id).ok());
  // A viewer reads but does not write.
  EXPECT_EQ(cases_->AddNote(colleague_, origin_, opened.id, "заметка").status().code(),
            absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(
      cases_->SetMember(lead_, origin_, opened.id, colleague_.user_id, MemberRole::kMember).ok());
  EXPECT_TRUE(cases_->AddNote(colleague_, origin_, opened.id, "заметка").ok());
  // Members come from the case's agency; prosecutors are shared with, from anywhere.
  EXPECT_EQ(base::StatusField(
                cases_->SetMember(lead_, origin_, opened.id, outsider_.user_id, MemberRole::kMember)
                    .status()),
            "user_id");
  EXPECT_EQ(base::StatusField(cases_->Share(lead_, origin_, opened.id, outsider_.user_id).status()),
            "user_id");
  ASSERT_TRUE(cases_->Share(lead_, origin_, opened.id, prosecutor_.user_id).ok());
  EXPECT_TRUE(cases_->Get(prosecutor_, opened.id).ok());
  EXPECT_EQ(cases_->List(prosecutor_, {})->size(), 1u);
  EXPECT_EQ(cases_->AddNote(prosecutor_, origin_, opened.id, "x").status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(
      cases_->Update(prosecutor_, origin_, opened.id, CaseChanges{.title = "x"}).status().code(),
      absl::StatusCode::kPermissionDenied);
  // Only the lead or a supervisor manages membership.
  EXPECT_EQ(cases_->Share(colleague_, origin_, opened.id, prosecutor_.user_id).status().code(),
            absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(cases_->Unshare(boss_, origin_, opened.id, prosecutor_.user_id).ok());
  EXPECT_EQ(cases_->Get(prosecutor_, opened.id).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(CasesTest, StatusAndLeadBelongToLeadAndSupervisor) {
  Case opened = Open();
  ASSERT_TRUE(
      cases_->SetMember(lead_, origin_, opened.id, colleague_.user_id, MemberRole::kMember).ok());
  EXPECT_TRUE(
      cases_->Update(colleague_, origin_, opened.id, CaseChanges{.description = "подробности"})
          .ok());
  EXPECT_EQ(
      cases_->Update(colleague_, origin_, opened.id, CaseChanges{.status = CaseStatus::kClosed})
          .status()
          .code(),
      absl::StatusCode::kPermissionDenied);
  Case moved = cases_
                   ->Update(boss_, origin_, opened.id,
                            CaseChanges{.status = CaseStatus::kSentToCourt,
                                        .lead_user_id = colleague_.user_id})
                   .value();
  EXPECT_EQ(moved.status, CaseStatus::kSentToCourt);
  EXPECT_EQ(moved.lead_user_id, colleague_.user_id);
  // The old lead stays a member.
  EXPECT_TRUE(cases_->Get(lead_, opened.id).ok());
}

TEST_F(CasesTest, ValidatesArticlesAndText) {
  for (const char* good : {"205", "190 ч.2", "256 ч.1 п.3", "24-1", "190 part 2", "190 2-б. 3"}) {
    EXPECT_TRUE(ValidateArticle(good).ok()) << good;
  }
  for (const char* bad : {"", "abc", "1234", "190 ч.2; DROP TABLE", "190\n"}) {
    EXPECT_EQ(ValidateArticle(bad).code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(base::StatusField(
                cases_->Create(lead_, origin_, NewCase{.title = " ", .articles = {}}).status()),
            "title");
  EXPECT_EQ(base::StatusField(
                cases_->Create(lead_, origin_, NewCase{.title = "x", .articles = {"x"}}).status()),
            "articles");
  EXPECT_EQ(cases_->Create(admin_, origin_, NewCase{.title = "x"}).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(CasesTest, FiltersByStatusTextAndArticle) {
  Case phishing = Open("Фишинг");
  Open("Вымогательство");
  cases_->Update(lead_, origin_, phishing.id, CaseChanges{.status = CaseStatus::kSuspended})
      .value();
  EXPECT_EQ(cases_->List(lead_, CaseFilter{.status = CaseStatus::kSuspended})->size(), 1u);
  EXPECT_EQ(cases_->List(lead_, CaseFilter{.text = "Фишинг"})->size(), 1u);
  EXPECT_EQ(cases_->List(lead_, CaseFilter{.text = "00002"})->size(), 1u);
  EXPECT_EQ(cases_->List(lead_, CaseFilter{.article = "190"})->size(), 2u);
  EXPECT_EQ(cases_->List(lead_, CaseFilter{.article = "256"})->size(), 0u);
}

TEST_F(CasesTest, SearchIgnoresCaseInCyrillicAndArticlesMatchWhole) {
  Case fraud = Open("Мошенничество с картами");
  cases_
      ->Update(lead_, origin_, fraud.id, CaseChanges{.articles = std::vector<std::string>{"190-1"}})
      .value();
  Open("Қаржылық пирамида");
  EXPECT_EQ(cases_->List(lead_, CaseFilter{.text = "мошен"})->size(), 1u);
  EXPECT_EQ(cases_->List(lead_, CaseFilter{.text = "ҚАРЖЫЛЫҚ"})->size(), 1u);
  EXPECT_EQ(cases_->List(lead_, CaseFilter{.text = "%"})->size(), 0u);
  EXPECT_EQ(cases_->List(lead_, CaseFilter{.article = "19"})->size(), 0u);
  EXPECT_EQ(cases_->List(lead_, CaseFilter{.article = "190"})->size(), 1u);    // 190 ч.2
  EXPECT_EQ(cases_->List(lead_, CaseFilter{.article = "190-1"})->size(), 1u);  // only the first
  EXPECT_EQ(cases_->List(lead_, CaseFilter{.article = "%"}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(CasesTest, ProsecutorsAreSharedWithNeverMembers) {
  auth::Principal local_prosecutor = Person("local.prosecutor", almaty_, {auth::Role::kProsecutor});
  auth::Principal trainer = Person("trainer", almaty_, {auth::Role::kTrainer});
  Case opened = Open();
  for (const auth::Principal* wrong : {&local_prosecutor, &trainer}) {
    EXPECT_EQ(base::StatusField(
                  cases_->SetMember(lead_, origin_, opened.id, wrong->user_id, MemberRole::kMember)
                      .status()),
              "user_id");
  }
  EXPECT_EQ(
      base::StatusField(
          cases_->Create(boss_, origin_, NewCase{.title = "x", .lead_user_id = trainer.user_id})
              .status()),
      "lead_user_id");
  CaseService::Candidates candidates = cases_->ListCandidates(lead_, opened.id).value();
  for (const cases::Person& person : candidates.members) {
    EXPECT_NE(person.username, "local.prosecutor");
    EXPECT_NE(person.username, "trainer");
  }
  EXPECT_EQ(candidates.prosecutors.size(), 2u);
  ASSERT_TRUE(cases_->Share(lead_, origin_, opened.id, prosecutor_.user_id).ok());
  // A reader does not get the agency's staff list.
  EXPECT_EQ(cases_->ListCandidates(prosecutor_, opened.id).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(cases_->Unshare(lead_, origin_, opened.id, boss_.user_id).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(CasesTest, NotesAndTasksCountAsChanges) {
  Case opened = Open();
  clock_.Advance(60'000);
  cases_->AddNote(lead_, origin_, opened.id, "x").value();
  EXPECT_EQ(cases_->Get(lead_, opened.id)->updated_at, clock_.NowMillis());
}

TEST_F(CasesTest, NotesAndTasks) {
  Case opened = Open();
  ASSERT_TRUE(cases_->AddNote(lead_, origin_, opened.id, "Запрос в банк направлен").ok());
  std::vector<Note> notes = cases_->Notes(boss_, opened.id).value();
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].author.username, "lead");
  Task task = cases_
                  ->AddTask(lead_, origin_, opened.id,
                            NewTask{.title = "Сохранить данные у провайдера",
                                    .assignee_user_id = lead_.user_id,
                                    .due_at = clock_.NowMillis() + 86'400'000})
                  .value();
  EXPECT_FALSE(task.done);
  EXPECT_EQ(
      base::StatusField(cases_
                            ->AddTask(lead_, origin_, opened.id,
                                      NewTask{.title = "x", .assignee_user_id = outsider_.user_id})
                            .status()),
      "assignee_user_id");
  Task done =
      cases_
          ->UpdateTask(lead_, origin_, opened.id, task.id,
                       TaskChanges{.assignee_user_id = std::optional<int64_t>(), .done = true})
          .value();
  EXPECT_TRUE(done.done);
  EXPECT_FALSE(done.assignee);
  EXPECT_EQ(cases_->UpdateTask(lead_, origin_, opened.id, 9999, TaskChanges{.done = true})
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_F(CasesTest, ChangesAreAudited) {
  Case opened = Open();
  cases_->AddNote(lead_, origin_, opened.id, "x").value();
  audit::Query query{.object_type = "case", .object_id = std::to_string(opened.id)};
  std::vector<audit::Record> records = trail_->Search(query)->records;
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].action, "case.note_add");
  EXPECT_EQ(records[1].action, "case.create");
  EXPECT_EQ(records[1].client, "10.0.0.7");
}

}  // namespace
}  // namespace threathub::cases
