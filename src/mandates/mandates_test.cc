// Monitoring mandates against a real SQLite database and a fake clock: Evaluate's rules (sites,
// accounts, the time window, states), the approval rules (a supervisor, then the head for a
// covert mandate, never the requester twice), rejection and resubmission, revocation, expiry
// by the clock, versions with their audit records, who sees what (mandates and personas),
// field errors, and the written request as a PDF.
#include "mandates/mandates.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "auth/org.h"
#include "auth/sessions.h"
#include "base/encoding.h"
#include "base/errors.h"
#include "base/strings.h"
#include "store/migrations.h"

namespace threathub::mandates {
namespace {

constexpr char kPassword[] = "granite-steppe-eagle";
constexpr base::Millis kHour = 60LL * 60 * 1000;
constexpr base::Millis kDay = 24 * kHour;

// ---- Evaluate: pure ----

Mandate ApprovedMandate() {
  Mandate mandate;
  mandate.id = 7;
  mandate.state = State::kApproved;
  mandate.starts_at = 1'000'000;
  mandate.ends_at = 2'000'000;
  mandate.scope = {{"domain", "", "example.kz"},
                   {"domain", "", "xn--80ao21a.xn--p1ai"},
                   {"url_prefix", "", "https://vk.com/club123"},
                   {"account", "telegram", "1234567"},
                   {"account", "vk", "-55"}};
  return mandate;
}

struct EvaluateCase {
  const char* name;
  Target target;
  Refusal expected;
};

TEST(EvaluateTest, SitesAndAccountsInAndOutOfScope) {
  const base::Millis at = 1'500'000;
  const EvaluateCase cases[] = {
      {"the domain itself", {"web", "", "https://example.kz/news/1", at}, Refusal::kNone},
      {"a subdomain", {"web", "", "http://forum.example.kz/t/5", at}, Refusal::kNone},
      {"upper case and a final dot",
       {"web", "", "HTTPS://Forum.EXAMPLE.KZ./x", at},
       Refusal::kNone},
      {"port and user info", {"web", "", "https://user@example.kz:8443/p", at}, Refusal::kNone},
      {"not a label boundary", {"web", "", "https://evil-example.kz/", at}, Refusal::kOutsideSites},
      {"the domain as a label of another",
       {"web", "", "https://example.kz.evil.org/", at},
       Refusal::kOutsideSites},
      {"the domain as user info",
       {"web", "", "https://example.kz@evil.org/", at},
       Refusal::kOutsideSites},
      {"the domain in the path",
       {"web", "", "https://evil.org/example.kz", at},
       Refusal::kOutsideSites},
      {"punycode as punycode",
       {"web", "", "https://news.xn--80ao21a.xn--p1ai/a", at},
       Refusal::kNone},
      {"unicode host is not its punycode",
       {"web", "", "https://news.ааа.рф/a", at},
       Refusal::kOutsideSites},
      {"url prefix", {"vk", "", "https://vk.com/club123?w=wall-1", at}, Refusal::kNone},
      {"url prefix, scheme and host in upper case",
       {"vk", "", "HTTPS://VK.COM/club123/x", at},
       Refusal::kNone},
      {"url prefix, default port", {"vk", "", "https://vk.com:443/club123", at}, Refusal::kNone},
      {"url prefix, the path keeps its case",
       {"vk", "", "https://vk.com/CLUB123", at},
       Refusal::kOutsideSites},
      {"url prefix, another club", {"vk", "", "https://vk.com/club12", at}, Refusal::kOutsideSites},
      {"url prefix, http is another scheme",
       {"vk", "", "http://vk.com/club123", at},
       Refusal::kOutsideSites},
      {"account", {"telegram", "1234567", "", at}, Refusal::kNone},
      {"account, platform in upper case", {"Telegram", "1234567", "", at}, Refusal::kNone},
      {"account, negative vk id", {"vk", "-55", "https://vk.com/wall-55_1", at}, Refusal::kNone},
      {"another account", {"telegram", "7654321", "", at}, Refusal::kOutsideAccounts},
      {"the id on another platform", {"vk", "1234567", "", at}, Refusal::kOutsideAccounts},
      {"an account id is exact", {"telegram", "12345678", "", at}, Refusal::kOutsideAccounts},
      {"a known account outside, URL outside",
       {"telegram", "99", "https://t.me/other/1", at},
       Refusal::kOutsideAccounts},
      {"a listed URL whatever the account",
       {"telegram", "99", "https://example.kz/1", at},
       Refusal::kNone},
      {"nothing known", {"web", "", "", at}, Refusal::kOutsideSites},
      {"not a URL", {"web", "", "example.kz/news", at}, Refusal::kOutsideSites},
  };
  Mandate mandate = ApprovedMandate();
  for (const EvaluateCase& test : cases) {
    EXPECT_EQ(Evaluate(mandate, test.target), test.expected) << test.name;
  }
}

TEST(EvaluateTest, TheWindowIncludesItsStartAndExcludesItsEnd) {
  Mandate mandate = ApprovedMandate();
  auto at = [&](base::Millis millis) {
    return Evaluate(mandate, {"web", "", "https://example.kz/", millis});
  };
  EXPECT_EQ(at(mandate.starts_at - 1), Refusal::kBeforeWindow);
  EXPECT_EQ(at(mandate.starts_at), Refusal::kNone);
  EXPECT_EQ(at(mandate.ends_at - 1), Refusal::kNone);
  EXPECT_EQ(at(mandate.ends_at), Refusal::kAfterWindow);
  EXPECT_EQ(at(mandate.ends_at + kDay), Refusal::kAfterWindow);
}

TEST(EvaluateTest, OnlyAnApprovedMandatePermits) {
  const std::pair<State, Refusal> cases[] = {
      {State::kDraft, Refusal::kNotApproved},    {State::kPending, Refusal::kNotApproved},
      {State::kRejected, Refusal::kNotApproved}, {State::kExpired, Refusal::kAfterWindow},
      {State::kRevoked, Refusal::kRevoked},      {State::kApproved, Refusal::kNone},
  };
  for (const auto& [state, expected] : cases) {
    Mandate mandate = ApprovedMandate();
    mandate.state = state;
    EXPECT_EQ(Evaluate(mandate, {"web", "", "https://example.kz/", 1'500'000}), expected)
        << StateName(state);
  }
}

TEST(EvaluateTest, FeedPlatformEntriesAdmitTheirPlatform) {
  Mandate mandate = ApprovedMandate();
  mandate.scope = {{"url_prefix", "", "https://news.example.org/feed.xml"},
                   {"platform", "rss", "rss"}};
  EXPECT_EQ(Evaluate(mandate, {"rss", "", "https://news.example.org/2026/story", 1'500'000}),
            Refusal::kNone);
  EXPECT_EQ(Evaluate(mandate, {"web", "", "https://news.example.org/2026/story", 1'500'000}),
            Refusal::kOutsideSites);
}

TEST(EvaluateTest, RefusalCodesAreStable) {
  EXPECT_EQ(RefusalCode(Refusal::kNotApproved), "mandate_not_approved");
  EXPECT_EQ(RefusalCode(Refusal::kBeforeWindow), "before_window");
  EXPECT_EQ(RefusalCode(Refusal::kAfterWindow), "after_window");
  EXPECT_EQ(RefusalCode(Refusal::kRevoked), "mandate_revoked");
  EXPECT_EQ(RefusalCode(Refusal::kOutsideSites), "site_outside_mandate");
  EXPECT_EQ(RefusalCode(Refusal::kOutsideAccounts), "account_outside_mandate");
}

TEST(EvaluateTest, UrlsAreNormalisedForComparison) {
  EXPECT_EQ(NormalizeUrl("HTTPS://VK.com:443"), "https://vk.com/");
  EXPECT_EQ(NormalizeUrl("http://Example.KZ:8080/A?b=C"), "http://example.kz:8080/A?b=C");
  EXPECT_EQ(NormalizeUrl("https://example.kz?x=1"), "https://example.kz/?x=1");
  EXPECT_EQ(NormalizeUrl("ftp://example.kz/"), std::nullopt);
  EXPECT_EQ(NormalizeUrl("https:///path"), std::nullopt);
  EXPECT_EQ(NormalizeUrl("example.kz"), std::nullopt);
}

// ---- the service ----

constexpr char kPostgresUriVariable[] = "THREATHUB_TEST_PG_URI";

// On SQLite, and on PostgreSQL when THREATHUB_TEST_PG_URI names a throwaway database (a schema
// of its own for each test).
class MandateTest : public ::testing::TestWithParam<store::Engine> {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("threathub-mandates-" + base::HexEncode(base::RandomBytes(6)));
    std::filesystem::create_directories(directory_);
    std::string spec = "sqlite";
    if (GetParam() == store::Engine::kPostgres) {
      const char* uri = std::getenv(kPostgresUriVariable);
      if (uri == nullptr || *uri == '\0') {
        GTEST_SKIP() << "PostgreSQL not tested: set " << kPostgresUriVariable
                     << " (tools/pg_temp.sh run -- ...)";
      }
      schema_ =
          base::StrCat("mandates_test_", ::getpid(), "_", base::HexEncode(base::RandomBytes(4)));
      admin_ = store::OpenDatabase(uri, "", store::OpenOptions{.pool_size = 1}).value();
      ASSERT_TRUE(admin_->Execute(base::StrCat("CREATE SCHEMA ", schema_)).ok());
      std::string base_uri = uri;
      spec = base::StrCat(base_uri, base_uri.find('?') == std::string::npos ? "?" : "&",
                          "options=-csearch_path%3D", schema_);
    }
    database_ = store::OpenDatabase(spec, directory_.string()).value();
    ASSERT_TRUE(store::Migrate(*database_).ok());
    trail_ = std::make_unique<audit::AuditTrail>(*database_, clock_);
    auth::SessionPolicy policy;
    policy.cost = auth::Argon2Cost{.ops = 1, .memory_bytes = 64 << 10};
    sessions_ = std::make_unique<auth::Authenticator>(*database_, *trail_, clock_, policy);
    org_ = std::make_unique<auth::OrgService>(*database_, *trail_, *sessions_, clock_, policy.cost);
    cases_ = std::make_unique<cases::CaseService>(*database_, *trail_, clock_);
    mandates_ = std::make_unique<MandateService>(*database_, *trail_, *cases_, clock_);
    auth::Actor root = auth::Actor::CommandLine();
    int64_t region = org_->CreateRegion(root, "almaty", "Алматы").value().id;
    almaty_ = org_->CreateAgency(root, region, "almaty-cyber", "УПК г. Алматы", false).value().id;
    int64_t astana = org_->CreateAgency(root, region, "astana-cyber", "УПК", false).value().id;
    requester_ = Person("requester", almaty_, {auth::Role::kInvestigator});
    member_ = Person("member", almaty_, {auth::Role::kInvestigator});
    colleague_ = Person("colleague", almaty_, {auth::Role::kAnalyst});
    boss_ = Person("boss", almaty_, {auth::Role::kSupervisor});
    second_boss_ = Person("second-boss", almaty_, {auth::Role::kSupervisor});
    head_ = Person("head", almaty_, {auth::Role::kSupervisor});
    outsider_ = Person("outsider", astana, {auth::Role::kSupervisor});
    case_ = cases_->Create(requester_, case_origin_, cases::NewCase{.title = "Вербовка в Telegram"})
                .value();
    ASSERT_TRUE(cases_
                    ->SetMember(requester_, case_origin_, case_.id, member_.user_id,
                                cases::MemberRole::kMember)
                    .ok());
  }
  void TearDown() override {
    mandates_.reset();
    cases_.reset();
    org_.reset();
    sessions_.reset();
    trail_.reset();
    database_.reset();
    if (admin_ != nullptr) {
      EXPECT_TRUE(
          admin_->Execute(base::StrCat("DROP SCHEMA IF EXISTS ", schema_, " CASCADE")).ok());
    }
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
    return sessions_->PrincipalForUser(name).value();
  }

  void SetHead(const auth::Principal& head) {
    ASSERT_TRUE(org_->UpdateAgency(auth::Actor::CommandLine(), almaty_,
                                   auth::AgencyChanges{.head_user_id = head.user_id})
                    .ok());
  }

  NewMandate Fields(Level level = Level::kOvert) {
    NewMandate fields;
    fields.purpose = "Выявление вербовщиков в канале @example_channel";
    fields.case_id = case_.id;
    fields.level = level;
    fields.mechanism = level == Level::kCovert ? Mechanism::kPersona : Mechanism::kAutomated;
    fields.scope = {{"domain", "", "Example.KZ"},
                    {"account", "Telegram", "1234567"},
                    {"url_prefix", "", "HTTPS://VK.COM/club123"}};
    fields.starts_at = clock_.NowMillis();
    fields.ends_at = clock_.NowMillis() + 30 * kDay;
    fields.storage_days = 90;
    fields.justification = "Материалы проверки КУИ № 1204 указывают на вербовку через канал.";
    return fields;
  }

  Mandate Draft(Level level = Level::kOvert) {
    return mandates_->Create(requester_, origin_, Fields(level)).value();
  }

  Mandate Pending(Level level = Level::kOvert) {
    Mandate draft = Draft(level);
    return mandates_->Submit(requester_, origin_, draft.id).value();
  }

  Mandate Approved() {
    Mandate pending = Pending();
    return mandates_->Approve(boss_, origin_, pending.id).value();
  }

  // The audit actions on a mandate with this outcome, oldest first.
  std::vector<std::string> AuditActions(int64_t mandate_id,
                                        audit::Outcome outcome = audit::Outcome::kSuccess) {
    audit::Query query;
    query.object_type = "mandate";
    query.object_id = std::to_string(mandate_id);
    query.limit = 1000;
    audit::Page page = trail_->Search(query).value();
    std::vector<std::string> actions;
    for (const audit::Record& record : page.records) {
      if (record.outcome != outcome) continue;
      actions.insert(actions.begin(), record.action);  // newest first: reverse
    }
    return actions;
  }

  std::string Path(const std::string& name) const { return (directory_ / name).string(); }

  base::FakeClock clock_;
  std::filesystem::path directory_;
  std::string schema_;
  std::unique_ptr<store::Database> admin_;  // PostgreSQL: makes and drops the schema
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<audit::AuditTrail> trail_;
  std::unique_ptr<auth::Authenticator> sessions_;
  std::unique_ptr<auth::OrgService> org_;
  std::unique_ptr<cases::CaseService> cases_;
  std::unique_ptr<MandateService> mandates_;
  int64_t almaty_ = 0;
  auth::Principal requester_, member_, colleague_, boss_, second_boss_, head_, outsider_;
  cases::Case case_;
  Origin origin_{"10.0.0.7", "req-1"};
  cases::Origin case_origin_{"10.0.0.7", "req-0"};
};

INSTANTIATE_TEST_SUITE_P(Engines, MandateTest,
                         ::testing::Values(store::Engine::kSqlite, store::Engine::kPostgres),
                         [](const ::testing::TestParamInfo<store::Engine>& info) {
                           return info.param == store::Engine::kSqlite ? "sqlite" : "postgresql";
                         });

std::string FieldOf(const absl::Status& status) { return base::StatusField(status).value_or(""); }

std::string ReasonOf(const absl::Status& status) { return base::StatusReason(status).value_or(""); }

TEST_P(MandateTest, ADraftIsNormalisedVersionedAndAudited) {
  Mandate draft = Draft();
  EXPECT_EQ(draft.state, State::kDraft);
  EXPECT_EQ(draft.version, 1);
  EXPECT_EQ(draft.agency_id, almaty_);
  EXPECT_EQ(draft.requester.username, "requester");
  EXPECT_EQ(draft.case_number, case_.number);
  ASSERT_EQ(draft.scope.size(), 3u);
  EXPECT_EQ(draft.scope[0].value, "example.kz");
  EXPECT_EQ(draft.scope[1].platform, "telegram");
  EXPECT_EQ(draft.scope[2].value, "https://vk.com/club123");
  EXPECT_EQ(draft.last_action, "create");
  EXPECT_EQ(AuditActions(draft.id), std::vector<std::string>{"mandate.create"});
  EXPECT_EQ(mandates_->Versions(requester_, draft.id)->size(), 1u);
  EXPECT_FALSE(mandates_->Create(colleague_, origin_, Fields()).ok())
      << "an analyst who is not on the case may not name it";
}

TEST_P(MandateTest, ASupervisorApprovesAnOvertMandate) {
  Mandate pending = Pending();
  EXPECT_EQ(pending.state, State::kPending);

  absl::StatusOr<Mandate> own = mandates_->Approve(requester_, origin_, pending.id);
  EXPECT_EQ(own.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(own.status()), "two_person_rule");
  // A case member sees the mandate but does not approve it.
  EXPECT_EQ(mandates_->Approve(member_, origin_, pending.id).status().code(),
            absl::StatusCode::kPermissionDenied);

  Mandate approved = mandates_->Approve(boss_, origin_, pending.id).value();
  EXPECT_EQ(approved.state, State::kApproved);
  ASSERT_TRUE(approved.approved_by.has_value());
  EXPECT_EQ(approved.approved_by->username, "boss");
  EXPECT_EQ(approved.approved_at, clock_.NowMillis());
  EXPECT_FALSE(approved.head_approved_by.has_value());
  EXPECT_FALSE(NeedsHeadApproval(approved));
  EXPECT_EQ(Evaluate(mandates_->GetForCollection(approved.id).value(),
                     {"web", "", "https://news.example.kz/1", clock_.NowMillis()}),
            Refusal::kNone);
  EXPECT_EQ(mandates_->Approve(second_boss_, origin_, pending.id).status().code(),
            absl::StatusCode::kFailedPrecondition)
      << "approved once is approved";
}

TEST_P(MandateTest, ACovertMandateNeedsTheHeadAsASecondPerson) {
  Mandate pending = Pending(Level::kCovert);
  EXPECT_TRUE(NeedsHeadApproval(pending));

  Mandate first = mandates_->Approve(boss_, origin_, pending.id).value();
  EXPECT_EQ(first.state, State::kPending) << "one approval is not enough for covert";
  EXPECT_TRUE(NeedsHeadApproval(first));
  EXPECT_EQ(Evaluate(mandates_->GetForCollection(first.id).value(),
                     {"web", "", "https://example.kz/", clock_.NowMillis()}),
            Refusal::kNotApproved);

  // No head set: the second approval fails, saying so.
  absl::Status no_head = mandates_->Approve(head_, origin_, pending.id).status();
  EXPECT_EQ(no_head.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(base::StrContains(std::string(no_head.message()), "no head")) << no_head;

  SetHead(head_);
  absl::Status again = mandates_->Approve(boss_, origin_, pending.id).status();
  EXPECT_EQ(again.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(again), "two_person_rule");
  absl::Status own = mandates_->Approve(requester_, origin_, pending.id).status();
  EXPECT_EQ(ReasonOf(own), "two_person_rule");
  EXPECT_EQ(mandates_->Approve(second_boss_, origin_, pending.id).status().code(),
            absl::StatusCode::kPermissionDenied)
      << "another supervisor is not the head";
  EXPECT_TRUE(mandates_->List(head_, {.awaiting_my_approval = true}).value().size() == 1);
  EXPECT_TRUE(mandates_->List(boss_, {.awaiting_my_approval = true}).value().empty());

  Mandate approved = mandates_->Approve(head_, origin_, pending.id).value();
  EXPECT_EQ(approved.state, State::kApproved);
  ASSERT_TRUE(approved.head_approved_by.has_value());
  EXPECT_EQ(approved.head_approved_by->username, "head");
  EXPECT_FALSE(NeedsHeadApproval(approved));
  EXPECT_EQ(AuditActions(approved.id),
            (std::vector<std::string>{"mandate.create", "mandate.submit", "mandate.approve",
                                      "mandate.head_approve"}));
  // The refused attempts are on the record too.
  EXPECT_EQ(AuditActions(approved.id, audit::Outcome::kDenied).size(), 3u);
}

TEST_P(MandateTest, TheHeadDoesNotGiveTheFirstApprovalOfACovertMandate) {
  SetHead(head_);
  Mandate pending = Pending(Level::kCovert);
  absl::Status first = mandates_->Approve(head_, origin_, pending.id).status();
  EXPECT_EQ(first.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(first), "two_person_rule");
  // An overt one the head approves like any supervisor.
  Mandate overt = Pending();
  EXPECT_EQ(mandates_->Approve(head_, origin_, overt.id)->state, State::kApproved);
}

TEST_P(MandateTest, ARejectedMandateGoesBackToDraftAndIsSubmittedAgain) {
  Mandate pending = Pending();
  EXPECT_EQ(mandates_->Reject(requester_, origin_, pending.id, "нет").status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(FieldOf(mandates_->Reject(boss_, origin_, pending.id, " ").status()), "reason");
  Mandate rejected =
      mandates_->Reject(boss_, origin_, pending.id, "Не указан срок хранения").value();
  EXPECT_EQ(rejected.state, State::kRejected);
  EXPECT_EQ(rejected.rejection_reason, "Не указан срок хранения");
  EXPECT_EQ(mandates_->Submit(requester_, origin_, pending.id).status().code(),
            absl::StatusCode::kFailedPrecondition)
      << "a rejected mandate is changed before it is submitted again";
  EXPECT_EQ(mandates_->Update(boss_, origin_, pending.id, Fields()).status().code(),
            absl::StatusCode::kPermissionDenied)
      << "only the requester changes it";

  NewMandate changed = Fields();
  changed.storage_days = 30;
  Mandate draft = mandates_->Update(requester_, origin_, pending.id, changed).value();
  EXPECT_EQ(draft.state, State::kDraft);
  EXPECT_EQ(draft.storage_days, 30);
  Mandate resubmitted = mandates_->Submit(requester_, origin_, pending.id).value();
  EXPECT_EQ(resubmitted.state, State::kPending);
  EXPECT_TRUE(resubmitted.rejection_reason.empty());
  EXPECT_EQ(mandates_->Approve(boss_, origin_, pending.id)->state, State::kApproved);
  // Approved is final for its content.
  EXPECT_EQ(mandates_->Update(requester_, origin_, pending.id, changed).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_P(MandateTest, ARevokedMandateStopsCollection) {
  Mandate draft = Draft();
  EXPECT_EQ(mandates_->Revoke(boss_, origin_, draft.id, "не нужно").status().code(),
            absl::StatusCode::kFailedPrecondition);
  Mandate approved = Approved();
  EXPECT_EQ(mandates_->Revoke(colleague_, origin_, approved.id, "x").status().code(),
            absl::StatusCode::kNotFound);
  Mandate revoked = mandates_->Revoke(requester_, origin_, approved.id, "Цель достигнута").value();
  EXPECT_EQ(revoked.state, State::kRevoked);
  EXPECT_EQ(revoked.revocation_reason, "Цель достигнута");
  EXPECT_EQ(Evaluate(mandates_->GetForCollection(approved.id).value(),
                     {"web", "", "https://example.kz/", clock_.NowMillis()}),
            Refusal::kRevoked);
}

TEST_P(MandateTest, AMandateExpiresByTheClock) {
  Mandate approved = Approved();
  clock_.Advance(30 * kDay - 1);
  EXPECT_EQ(mandates_->GetForCollection(approved.id)->state, State::kApproved);
  EXPECT_EQ(mandates_->ExpireDue().value(), 0);
  clock_.Advance(1);
  // Expired for collection before the job has run.
  EXPECT_EQ(mandates_->GetForCollection(approved.id)->state, State::kExpired);
  EXPECT_EQ(mandates_->Get(requester_, approved.id)->state, State::kExpired);
  EXPECT_EQ(mandates_->Revoke(boss_, origin_, approved.id, "x").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(mandates_->ExpireDue().value(), 1);
  EXPECT_EQ(mandates_->ExpireDue().value(), 0);
  std::vector<Mandate> versions = mandates_->Versions(boss_, approved.id).value();
  ASSERT_FALSE(versions.empty());
  EXPECT_EQ(versions.back().state, State::kExpired);
  EXPECT_EQ(versions.back().last_action, "expire");
  EXPECT_FALSE(versions.back().updated_by.has_value()) << "the system expired it";
  EXPECT_EQ(AuditActions(approved.id).back(), "mandate.expire");
  EXPECT_EQ(mandates_->List(requester_, {.state = State::kExpired})->size(), 1u);
}

TEST_P(MandateTest, EveryChangeIsAVersionWithItsAuditRecord) {
  Mandate draft = Draft();
  NewMandate changed = Fields();
  changed.purpose = "Вторая редакция цели";
  ASSERT_TRUE(mandates_->Update(requester_, origin_, draft.id, changed).ok());
  ASSERT_TRUE(mandates_->Submit(requester_, origin_, draft.id).ok());
  clock_.Advance(kHour);
  Mandate approved = mandates_->Approve(boss_, origin_, draft.id).value();
  EXPECT_EQ(approved.version, 4);

  std::vector<Mandate> versions = mandates_->Versions(member_, draft.id).value();
  ASSERT_EQ(versions.size(), 4u);
  EXPECT_EQ(versions[0].purpose, Fields().purpose);
  EXPECT_EQ(versions[1].purpose, "Вторая редакция цели");
  const char* actions[] = {"create", "update", "submit", "approve"};
  const State states[] = {State::kDraft, State::kDraft, State::kPending, State::kApproved};
  for (size_t version_idx = 0; version_idx < versions.size(); ++version_idx) {
    EXPECT_EQ(versions[version_idx].version, static_cast<int>(version_idx) + 1);
    EXPECT_EQ(versions[version_idx].last_action, actions[version_idx]);
    EXPECT_EQ(versions[version_idx].state, states[version_idx]);
    EXPECT_EQ(versions[version_idx].scope.size(), 3u);
  }
  EXPECT_EQ(versions[3].updated_by->username, "boss");
  EXPECT_EQ(versions[3].updated_at, clock_.NowMillis());
  EXPECT_EQ(AuditActions(draft.id).size(), 4u);
  // Versions are append-only in the database too.
  EXPECT_FALSE(database_->Execute("UPDATE mandate_versions SET snapshot = '{}'").ok());
  EXPECT_FALSE(database_->Execute("DELETE FROM mandate_versions").ok());
}

TEST_P(MandateTest, OnlyThoseWhoMaySeeAMandateSeeIt) {
  Mandate draft = Draft();
  auto get = [&](const auth::Principal& who) { return mandates_->Get(who, draft.id).status(); };
  EXPECT_TRUE(get(requester_).ok());
  EXPECT_TRUE(get(member_).ok()) << "a member of its case";
  EXPECT_TRUE(get(boss_).ok()) << "a supervisor of its agency";
  EXPECT_EQ(get(colleague_).code(), absl::StatusCode::kNotFound) << "not on the case";
  EXPECT_EQ(get(outsider_).code(), absl::StatusCode::kNotFound);
  SetHead(head_);
  EXPECT_TRUE(get(head_).ok());
  // The same in lists, and for every other call.
  EXPECT_EQ(mandates_->List(member_, {})->size(), 1u);
  EXPECT_TRUE(mandates_->List(colleague_, {})->empty());
  EXPECT_TRUE(mandates_->List(outsider_, {})->empty());
  EXPECT_EQ(mandates_->Versions(outsider_, draft.id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(mandates_->RequestPdf(outsider_, draft.id, "ru").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(mandates_->Submit(outsider_, origin_, draft.id).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(mandates_->Update(outsider_, origin_, draft.id, NewMandate{}).status().code(),
            absl::StatusCode::kNotFound)
      << "not a field error: nothing about the mandate is revealed";
  EXPECT_EQ(mandates_->Get(requester_, 424242).status().code(), absl::StatusCode::kNotFound);

  // Without a case: the requester, the supervisors and the head.
  NewMandate fields = Fields();
  fields.case_id.reset();
  fields.predicate = "ст. 256 УК РК (пропаганда терроризма), проверка по рапорту";
  Mandate without_case = mandates_->Create(requester_, origin_, fields).value();
  EXPECT_EQ(mandates_->Get(member_, without_case.id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(mandates_->Get(boss_, without_case.id).ok());
}

TEST_P(MandateTest, WhatEachPersonMayDo) {
  SetHead(head_);
  base::Millis now = clock_.NowMillis();
  Mandate draft = Draft(Level::kCovert);
  Actions mine = AllowedActions(requester_, draft, now);
  EXPECT_TRUE(mine.edit && mine.submit);
  EXPECT_FALSE(mine.approve || mine.reject || mine.revoke);
  Mandate pending = mandates_->Submit(requester_, origin_, draft.id).value();
  EXPECT_FALSE(AllowedActions(requester_, pending, now).approve);
  EXPECT_TRUE(AllowedActions(boss_, pending, now).approve);
  EXPECT_TRUE(AllowedActions(boss_, pending, now).reject);
  EXPECT_FALSE(AllowedActions(head_, pending, now).approve) << "the head approves second";
  EXPECT_FALSE(AllowedActions(member_, pending, now).approve);
  Mandate first = mandates_->Approve(boss_, origin_, draft.id).value();
  EXPECT_TRUE(AllowedActions(head_, first, now).approve);
  EXPECT_FALSE(AllowedActions(boss_, first, now).approve);
  Mandate approved = mandates_->Approve(head_, origin_, draft.id).value();
  EXPECT_TRUE(AllowedActions(requester_, approved, now).revoke);
  EXPECT_TRUE(AllowedActions(boss_, approved, now).revoke);
  EXPECT_FALSE(AllowedActions(member_, approved, now).revoke);
}

TEST_P(MandateTest, BadFieldsAreRefusedNamingTheField) {
  struct BadCase {
    const char* field;
    std::function<void(NewMandate&)> spoil;
  };
  const BadCase cases[] = {
      {"purpose", [](NewMandate& fields) { fields.purpose = "  "; }},
      {"case_id", [](NewMandate& fields) { fields.case_id = 424242; }},
      {"scope", [](NewMandate& fields) { fields.scope.resize(201, fields.scope[0]); }},
      {"purpose", [](NewMandate& fields) { fields.purpose = "\xFF"; }},
      {"justification", [](NewMandate& fields) { fields.justification.assign(20'001, 'x'); }},
      {"scope[0].kind", [](NewMandate& fields) { fields.scope[0].kind = "keyword"; }},
      {"scope[0].value", [](NewMandate& fields) { fields.scope[0].value = "https://example.kz"; }},
      {"scope[0].value", [](NewMandate& fields) { fields.scope[0].value = "kz"; }},
      {"scope[0].value", [](NewMandate& fields) { fields.scope[0].value = "-bad-.kz"; }},
      {"scope[0].value", [](NewMandate& fields) { fields.scope[0].value = "exa mple.kz"; }},
      {"scope[0].platform", [](NewMandate& fields) { fields.scope[0].platform = "web"; }},
      {"scope[1].platform", [](NewMandate& fields) { fields.scope[1].platform.clear(); }},
      {"scope[1].value", [](NewMandate& fields) { fields.scope[1].value.clear(); }},
      {"scope[2].value", [](NewMandate& fields) { fields.scope[2].value = "ftp://vk.com/x"; }},
      {"scope[2].value", [](NewMandate& fields) { fields.scope[2].value = "vk.com/club123"; }},
      {"scope[2].value", [](NewMandate& fields) { fields.scope[2].value = "https:///club"; }},
      {"scope[0].platform",
       [](NewMandate& fields) {
         fields.scope[0] = ScopeEntry{"platform", "telegram", ""};
       }},
      {"starts_at", [](NewMandate& fields) { fields.starts_at = 0; }},
      {"ends_at", [](NewMandate& fields) { fields.ends_at = fields.starts_at; }},
      {"ends_at", [](NewMandate& fields) { fields.ends_at = fields.starts_at - kDay; }},
      {"ends_at", [](NewMandate& fields) { fields.ends_at = fields.starts_at + 367 * kDay; }},
      {"storage_days", [](NewMandate& fields) { fields.storage_days = 0; }},
      {"storage_days", [](NewMandate& fields) { fields.storage_days = 3651; }},
  };
  for (const BadCase& test : cases) {
    NewMandate fields = Fields();
    test.spoil(fields);
    absl::Status status = mandates_->Create(requester_, origin_, fields).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << test.field << ": " << status;
    EXPECT_EQ(FieldOf(status), test.field) << status;
  }
  // The edges that pass.
  NewMandate year = Fields();
  year.ends_at = year.starts_at + 366 * kDay;
  year.storage_days = 3650;
  EXPECT_TRUE(mandates_->Create(requester_, origin_, year).ok());
  NewMandate one_day = Fields();
  one_day.storage_days = 1;
  one_day.scope = {{"url_prefix", "", "https://news.example.org/feed.xml"},
                   {"platform", "RSS", ""}};
  EXPECT_TRUE(mandates_->Create(requester_, origin_, one_day).ok());
  // A window that has ended cannot be submitted.
  Mandate draft = Draft();
  clock_.Advance(31 * kDay);
  EXPECT_EQ(FieldOf(mandates_->Submit(requester_, origin_, draft.id).status()), "ends_at");
}

TEST_P(MandateTest, ADraftMayBeIncompleteButIsSubmittedOnlyWhole) {
  struct MissingCase {
    const char* field;
    std::function<void(NewMandate&)> leave_out;
  };
  const MissingCase cases[] = {
      {"justification", [](NewMandate& fields) { fields.justification = " "; }},
      {"predicate",
       [](NewMandate& fields) {
         fields.case_id.reset();
         fields.predicate.clear();
       }},
      {"scope", [](NewMandate& fields) { fields.scope.clear(); }},
      {"scope[1].platform",
       [](NewMandate& fields) {
         fields.scope = {{"account", "telegram", "1"}, {"platform", "rss", "rss"}};
       }},
  };
  for (const MissingCase& test : cases) {
    NewMandate fields = Fields();
    test.leave_out(fields);
    absl::StatusOr<Mandate> draft = mandates_->Create(requester_, origin_, fields);
    ASSERT_TRUE(draft.ok()) << test.field << ": " << draft.status();
    absl::Status submitted = mandates_->Submit(requester_, origin_, draft->id).status();
    EXPECT_EQ(submitted.code(), absl::StatusCode::kInvalidArgument) << test.field;
    EXPECT_EQ(FieldOf(submitted), test.field) << submitted;
    EXPECT_EQ(mandates_->Get(requester_, draft->id)->state, State::kDraft);
    // Completed, it goes.
    ASSERT_TRUE(mandates_->Update(requester_, origin_, draft->id, Fields()).ok());
    EXPECT_EQ(mandates_->Submit(requester_, origin_, draft->id)->state, State::kPending);
  }
}

TEST_P(MandateTest, PersonasAreSeenByTheirControllerTheSupervisorsAndTheHead) {
  Mandate covert = Draft(Level::kCovert);
  Persona persona = mandates_
                        ->CreatePersona(requester_, origin_,
                                        NewPersona{.platform = "Telegram",
                                                   .handle = "@aigerim_1999",
                                                   .display_name = "Айгерим",
                                                   .mandate_ids = {covert.id, covert.id}})
                        .value();
  EXPECT_EQ(persona.platform, "telegram");
  EXPECT_EQ(persona.controller.username, "requester");
  EXPECT_EQ(persona.status, "active");
  EXPECT_EQ(persona.mandate_ids, std::vector<int64_t>{covert.id});

  auto get = [&](const auth::Principal& who) {
    return mandates_->GetPersona(who, persona.id).status();
  };
  EXPECT_TRUE(get(requester_).ok());
  EXPECT_TRUE(get(boss_).ok());
  EXPECT_EQ(get(member_).code(), absl::StatusCode::kNotFound) << "case members do not";
  EXPECT_EQ(get(outsider_).code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(get(head_).ok()) << "a supervisor of the agency";
  EXPECT_EQ(mandates_->ListPersonas(requester_)->size(), 1u);
  EXPECT_TRUE(mandates_->ListPersonas(member_)->empty());
  EXPECT_TRUE(mandates_->ListPersonas(outsider_)->empty());

  // Handing it over is a supervisor's decision; then the new controller sees it.
  NewPersona handed{.platform = "telegram",
                    .handle = "@aigerim_1999",
                    .display_name = "Айгерим",
                    .controller_user_id = member_.user_id,
                    .mandate_ids = {covert.id}};
  EXPECT_EQ(mandates_->UpdatePersona(requester_, origin_, persona.id, handed, std::nullopt)
                .status()
                .code(),
            absl::StatusCode::kPermissionDenied);
  Persona moved = mandates_->UpdatePersona(boss_, origin_, persona.id, handed, "suspended").value();
  EXPECT_EQ(moved.controller.username, "member");
  EXPECT_EQ(moved.status, "suspended");
  EXPECT_TRUE(get(member_).ok());
  EXPECT_EQ(get(requester_).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(FieldOf(mandates_->UpdatePersona(boss_, origin_, persona.id, handed, "lost").status()),
            "status");

  // Personas are used only under mandates that allow one; handles are unique per platform.
  Mandate overt = Draft();
  absl::Status wrong_mandate = mandates_
                                   ->CreatePersona(requester_, origin_,
                                                   NewPersona{.platform = "vk",
                                                              .handle = "id1",
                                                              .display_name = "Марат",
                                                              .mandate_ids = {overt.id}})
                                   .status();
  EXPECT_EQ(FieldOf(wrong_mandate), "mandate_ids") << wrong_mandate;
  absl::Status duplicate = mandates_
                               ->CreatePersona(boss_, origin_,
                                               NewPersona{.platform = "telegram",
                                                          .handle = "@aigerim_1999",
                                                          .display_name = "Другая"})
                               .status();
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(FieldOf(duplicate), "handle");
  EXPECT_EQ(mandates_
                ->CreatePersona(requester_, origin_,
                                NewPersona{.platform = "vk",
                                           .handle = "id2",
                                           .display_name = "Марат",
                                           .controller_user_id = member_.user_id})
                .status()
                .code(),
            absl::StatusCode::kPermissionDenied)
      << "an investigator creates personas they control themselves";
  EXPECT_EQ(FieldOf(mandates_
                        ->CreatePersona(boss_, origin_,
                                        NewPersona{.platform = "vk",
                                                   .handle = "id3",
                                                   .display_name = "Марат",
                                                   .controller_user_id = outsider_.user_id})
                        .status()),
            "controller_user_id");
  audit::Query query;
  query.object_type = "persona";
  query.object_id = std::to_string(persona.id);
  std::vector<audit::Record> records = trail_->Search(query)->records;
  ASSERT_EQ(records.size(), 2u);
  for (const audit::Record& record : records) {
    EXPECT_FALSE(base::StrContains(record.detail, "aigerim")) << "the handle stays out";
  }
}

// The text of a PDF (pdftotext), white space as single spaces.
std::string PdfText(const std::string& pdf, const std::string& path) {
  std::ofstream(path, std::ios::binary).write(pdf.data(), pdf.size());
  std::string text_path = path + ".txt";
  if (std::system(base::StrCat("pdftotext -enc UTF-8 '", path, "' '", text_path, "'").c_str()) !=
      0) {
    return "";
  }
  std::ifstream file(text_path);
  std::stringstream raw;
  raw << file.rdbuf();
  std::string text;
  bool space = false;
  for (char symbol : raw.str()) {
    if (symbol == ' ' || symbol == '\n' || symbol == '\t' || symbol == '\f') {
      space = true;
      continue;
    }
    if (space && !text.empty()) text += ' ';
    space = false;
    text += symbol;
  }
  return text;
}

TEST_P(MandateTest, TheWrittenRequestIsAPdfInEachLanguage) {
  if (std::system("command -v pdftotext > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "pdftotext (poppler-utils) is not installed";
  }
  SetHead(head_);
  Mandate pending = Pending(Level::kCovert);
  ASSERT_TRUE(mandates_->Approve(boss_, origin_, pending.id).ok());

  std::string kk = mandates_->RequestPdf(member_, pending.id, "kk").value();
  EXPECT_TRUE(base::StartsWith(kk, "%PDF-"));
  std::string text = PdfText(kk, Path("kk.pdf"));
  EXPECT_TRUE(base::StrContains(text, "Онлайн мониторингке рұқсат беру туралы жазбаша сұрау"))
      << text;
  EXPECT_TRUE(base::StrContains(text, "Құпия (легендамен)")) << text;
  EXPECT_TRUE(base::StrContains(text, Fields().purpose)) << text;
  EXPECT_TRUE(base::StrContains(text, "https://vk.com/club123")) << text;
  EXPECT_TRUE(base::StrContains(text, "example.kz")) << text;
  EXPECT_TRUE(base::StrContains(text, case_.number)) << text;
  EXPECT_TRUE(base::StrContains(text, "boss")) << "the first approval";
  EXPECT_TRUE(base::StrContains(text, "Әлі жоқ")) << "the head's, still to come";
  EXPECT_TRUE(base::StrContains(text, "Нұсқасы 3")) << text;

  std::string ru = PdfText(mandates_->RequestPdf(boss_, pending.id, "ru").value(), Path("ru.pdf"));
  EXPECT_TRUE(base::StrContains(ru, "Письменный запрос на разрешение онлайн-мониторинга")) << ru;
  EXPECT_TRUE(base::StrContains(ru, "Негласный (под легендой)")) << ru;
  std::string en = PdfText(mandates_->RequestPdf(boss_, pending.id, "en").value(), Path("en.pdf"));
  EXPECT_TRUE(base::StrContains(en, "Written request for authorization of online monitoring"))
      << en;
  EXPECT_TRUE(base::StrContains(en, "90 days")) << en;

  EXPECT_EQ(FieldOf(mandates_->RequestPdf(boss_, pending.id, "de").status()), "lang");
}

}  // namespace
}  // namespace threathub::mandates
