// The requests service against a real database (SQLite, and PostgreSQL when
// THREATHUB_TEST_PG_URI names a throwaway database), a real vault, ledger and evidence service,
// and a fake clock: the lifecycle with its events and audit records, the linter gate, the
// two-person rule, the frozen document, refused input that leaves nothing behind, directory
// versions, chains and the TikTok extension limit, reminders and their e-mail (through a
// recording Mailer; the SMTP conversation itself is tested in mailer_test), expiry, statistics,
// the identifiers a case already knows, responses as evidence, and who sees what.
#include "requests/requests.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>

#include "auth/org.h"
#include "auth/sessions.h"
#include "base/encoding.h"
#include "base/errors.h"
#include "base/strings.h"
#include "ledger/audit_anchor.h"
#include "ledger/ledger.h"
#include "store/migrations.h"

namespace threathub::requests {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr char kPassword[] = "granite-steppe-eagle";
constexpr char kPostgresUriVariable[] = "THREATHUB_TEST_PG_URI";
constexpr base::Millis kMinute = 60LL * 1000;
constexpr base::Millis kHour = 60 * kMinute;
constexpr base::Millis kDay = 24 * kHour;

// Keeps every message instead of sending it; fails the next `fail_next` sends with `failure`.
class RecordingMailer : public Mailer {
 public:
  absl::Status Send(const Mail& mail) override {
    if (fail_next > 0) {
      --fail_next;
      return failure;
    }
    sent.push_back(mail);
    return absl::OkStatus();
  }
  std::vector<Mail> sent;
  int fail_next = 0;
  absl::Status failure = absl::UnavailableError("connection refused");
};

std::string FieldOf(const absl::Status& status) { return base::StatusField(status).value_or(""); }
std::string ReasonOf(const absl::Status& status) { return base::StatusReason(status).value_or(""); }

std::string Sha256Hex(std::string_view bytes) { return base::HexEncode(base::Sha256(bytes)); }

// The text of a PDF as poppler's pdftotext reads it, white space runs as one space.
std::string PdfText(const std::string& pdf) {
  fs::path path = fs::temp_directory_path() /
                  ("threathub-request-" + base::HexEncode(base::RandomBytes(6)) + ".pdf");
  std::ofstream(path, std::ios::binary).write(pdf.data(), static_cast<std::streamsize>(pdf.size()));
  std::string command = base::StrCat("pdftotext -enc UTF-8 '", path.string(), "' - 2>&1");
  std::string raw;
  if (FILE* pipe = ::popen(command.c_str(), "r"); pipe != nullptr) {
    char buffer[4096];
    size_t read = 0;
    while ((read = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) raw.append(buffer, read);
    EXPECT_EQ(::pclose(pipe), 0) << raw;
  }
  fs::remove(path);
  std::string text;
  for (char symbol : raw) {
    bool space = symbol == ' ' || symbol == '\n' || symbol == '\f' || symbol == '\t';
    if (space && (text.empty() || text.back() == ' ')) continue;
    text += space ? ' ' : symbol;
  }
  return text;
}

class RequestServiceTest : public ::testing::TestWithParam<store::Engine> {
 protected:
  void SetUp() override {
    directory_ =
        fs::temp_directory_path() / ("threathub-requests-" + base::HexEncode(base::RandomBytes(6)));
    fs::create_directories(directory_);
    std::string spec = "sqlite";
    if (GetParam() == store::Engine::kPostgres) {
      const char* uri = std::getenv(kPostgresUriVariable);
      if (uri == nullptr || *uri == '\0') {
        GTEST_SKIP() << "PostgreSQL not tested: set " << kPostgresUriVariable
                     << " (tools/pg_temp.sh run -- ...)";
      }
      schema_ =
          base::StrCat("requests_test_", ::getpid(), "_", base::HexEncode(base::RandomBytes(4)));
      admin_db_ = store::OpenDatabase(uri, "", store::OpenOptions{.pool_size = 1}).value();
      ASSERT_TRUE(admin_db_->Execute(base::StrCat("CREATE SCHEMA ", schema_)).ok());
      std::string base_uri = uri;
      spec = base::StrCat(base_uri, base_uri.find('?') == std::string::npos ? "?" : "&",
                          "options=-csearch_path%3D", schema_);
    }
    spec_ = spec;
    database_ = store::OpenDatabase(spec, directory_.string()).value();
    ASSERT_TRUE(store::Migrate(*database_).ok());
    trail_ = std::make_unique<audit::AuditTrail>(*database_, clock_);
    ledger_ = ledger::Ledger::Open(*database_, clock_,
                                   ledger::LedgerOptions::InDataDir(directory_.string()))
                  .value();
    anchor_ = std::make_unique<ledger::AuditAnchor>(*ledger_);
    trail_->SetAnchor(anchor_.get());
    auth::SessionPolicy policy;
    policy.cost = auth::Argon2Cost{.ops = 1, .memory_bytes = 64 << 10};
    sessions_ = std::make_unique<auth::Authenticator>(*database_, *trail_, clock_, policy);
    org_ = std::make_unique<auth::OrgService>(*database_, *trail_, *sessions_, clock_, policy.cost);
    cases_ = std::make_unique<cases::CaseService>(*database_, *trail_, clock_);
    blobs_ = vault::BlobStore::Create((directory_ / "vault").string()).value();
    evidence::EvidenceOptions evidence_options;
    evidence_options.bundle_dir = (directory_ / "bundles").string();
    evidence_ = std::make_unique<evidence::EvidenceService>(*database_, *trail_, *ledger_, *cases_,
                                                            *blobs_, clock_, evidence_options);
    service_ = std::make_unique<RequestService>(*database_, *trail_, *cases_, *evidence_, clock_);
    ASSERT_TRUE(service_->Start().ok());

    auth::Actor root = auth::Actor::CommandLine();
    int64_t region = org_->CreateRegion(root, "almaty", "Алматы").value().id;
    almaty_ =
        org_->CreateAgency(root, region, "almaty-cyber", "УПК ДП г. Алматы", false).value().id;
    int64_t astana = org_->CreateAgency(root, region, "astana-cyber", "УПК", false).value().id;
    drafter_ = Person("drafter", almaty_, {auth::Role::kInvestigator}, "drafter@police.kz");
    colleague_ = Person("colleague", almaty_, {auth::Role::kInvestigator}, "");
    boss_ = Person("boss", almaty_, {auth::Role::kSupervisor}, "boss@police.kz");
    second_boss_ = Person("second-boss", almaty_, {auth::Role::kSupervisor}, "");
    prosecutor_ = Person("prosecutor", astana, {auth::Role::kProsecutor}, "");
    outsider_ = Person("outsider", astana, {auth::Role::kInvestigator}, "");
    admin_ = Person("admin", almaty_, {auth::Role::kAdmin}, "");
    case_ =
        cases_->Create(drafter_, case_origin_, cases::NewCase{.title = "Мошенничество в TikTok"})
            .value();
    other_case_ =
        cases_->Create(drafter_, case_origin_, cases::NewCase{.title = "Другое дело"}).value();
    ASSERT_TRUE(cases_
                    ->SetMember(drafter_, case_origin_, case_.id, colleague_.user_id,
                                cases::MemberRole::kMember)
                    .ok());
  }

  void TearDown() override {
    service_.reset();
    evidence_.reset();
    if (trail_ != nullptr) trail_->SetAnchor(nullptr);
    database_.reset();
    if (admin_db_ != nullptr) {
      EXPECT_TRUE(
          admin_db_->Execute(base::StrCat("DROP SCHEMA IF EXISTS ", schema_, " CASCADE")).ok());
    }
    fs::remove_all(directory_);
  }

  auth::Principal Person(const std::string& name, int64_t agency, std::vector<auth::Role> roles,
                         const std::string& email) {
    org_->CreateUser(auth::Actor::CommandLine(), auth::NewUser{.agency_id = agency,
                                                               .username = name,
                                                               .display_name = name + " N.",
                                                               .email = email,
                                                               .roles = std::move(roles),
                                                               .password = kPassword,
                                                               .totp_exempt = true})
        .value();
    return sessions_->PrincipalForUser(name).value();
  }

  // A preservation request to TikTok for a user in Kazakhstan that the linter passes.
  RequestFields Good() {
    RequestFields fields;
    fields.type = RequestType::kPreservation;
    fields.case_id = case_.id;
    fields.provider = "tiktok";
    fields.entity_name = "TikTok Pte. Ltd.";
    fields.user_country = "KZ";
    fields.language = "en";
    fields.legal_basis = "Code of Criminal Procedure of the Republic of Kazakhstan, Art. 199";
    fields.offence_article = "Criminal Code of the Republic of Kazakhstan, Art. 190(2)";
    fields.offence_summary = "Fraud: a fake investment account, up to 7 years.";
    fields.necessity = "The account holder's data identifies the suspect.";
    fields.range_from = clock_.NowMillis() - 30 * kDay;
    fields.range_to = clock_.NowMillis() - kDay;
    fields.categories = {DataCategory::kSubscriber, DataCategory::kTraffic};
    fields.identifiers = {{IdentifierKind::kUserId, "6812345678901234567"}};
    return fields;
  }

  RequestView Draft(RequestFields fields, const auth::Principal& who) {
    absl::StatusOr<RequestView> view = service_->Create(who, origin_, std::move(fields));
    EXPECT_TRUE(view.ok()) << view.status();
    return view.value_or(RequestView{});
  }
  RequestView Draft() { return Draft(Good(), drafter_); }

  RequestView Approved(RequestFields fields, const auth::Principal& who,
                       const auth::Principal& approver) {
    RequestView draft = Draft(std::move(fields), who);
    absl::StatusOr<RequestView> submitted = service_->Submit(who, origin_, draft.request.id);
    EXPECT_TRUE(submitted.ok()) << submitted.status();
    absl::StatusOr<RequestView> approved = service_->Approve(approver, origin_, draft.request.id);
    EXPECT_TRUE(approved.ok()) << approved.status();
    return approved.value_or(RequestView{});
  }
  RequestView Approved() { return Approved(Good(), drafter_, boss_); }

  // Approved now, sent ten minutes later (the clock moves on by an hour).
  RequestView Sent(RequestFields fields, const auth::Principal& who,
                   const auth::Principal& approver) {
    RequestView approved = Approved(std::move(fields), who, approver);
    clock_.Advance(kHour);
    absl::StatusOr<RequestView> sent =
        service_->MarkSent(who, origin_, approved.request.id,
                           SendFields{.channel = "portal",
                                      .sent_at = clock_.NowMillis() - 50 * kMinute,
                                      .ticket = "",
                                      .language = "en"});
    EXPECT_TRUE(sent.ok()) << sent.status();
    return sent.value_or(RequestView{});
  }
  RequestView Sent() { return Sent(Good(), drafter_, boss_); }

  int64_t Count(const std::string& sql, const std::vector<store::Value>& params = {}) {
    return database_->Execute(sql, params).value().rows.at(0).Int(0);
  }

  // The audit actions on a request with this outcome, oldest first.
  std::vector<std::string> AuditActions(int64_t request_id,
                                        audit::Outcome outcome = audit::Outcome::kSuccess) {
    audit::Query query;
    query.object_type = "request";
    query.object_id = std::to_string(request_id);
    query.limit = 1000;
    audit::Page page = trail_->Search(query).value();
    std::vector<std::string> actions;
    for (const audit::Record& record : page.records) {
      if (record.outcome == outcome) actions.insert(actions.begin(), record.action);
    }
    return actions;
  }

  std::vector<std::string> EventActions(int64_t request_id) {
    std::vector<std::string> actions;
    std::vector<Event> events = service_->Events(drafter_, request_id).value();
    for (const Event& event : events) {
      actions.push_back(event.action);
    }
    return actions;
  }

  struct ReminderRow {
    std::string kind, label, email_state;
    base::Millis remind_at = 0, due_at = 0;
    int64_t attempts = 0;
  };
  std::vector<ReminderRow> Reminders(int64_t request_id) {
    store::Result result = database_
                               ->Execute(
                                   "SELECT deadline_kind, label, email_state, remind_at, due_at, "
                                   "email_attempts FROM request_reminders WHERE request_id = $1 "
                                   "ORDER BY remind_at",
                                   {request_id})
                               .value();
    std::vector<ReminderRow> rows;
    for (const store::Row& row : result.rows) {
      rows.push_back(
          ReminderRow{row.Text(0), row.Text(1), row.Text(2), row.Int(3), row.Int(4), row.Int(5)});
    }
    return rows;
  }

  // An edited TikTok entry: `change` applied to the current one.
  std::string EditedTikTok(const std::function<void(Json&)>& change) {
    Json entry = Json::parse(service_->directory()->FindProvider("tiktok")->canonical_json);
    change(entry);
    return entry.dump();
  }

  base::FakeClock clock_{1'780'000'000'000};  // 2026-05-28T20:26:40Z
  fs::path directory_;
  std::string schema_;
  std::string spec_;
  std::unique_ptr<store::Database> admin_db_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<audit::AuditTrail> trail_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<ledger::AuditAnchor> anchor_;
  std::unique_ptr<auth::Authenticator> sessions_;
  std::unique_ptr<auth::OrgService> org_;
  std::unique_ptr<cases::CaseService> cases_;
  std::unique_ptr<vault::BlobStore> blobs_;
  std::unique_ptr<evidence::EvidenceService> evidence_;
  std::unique_ptr<RequestService> service_;
  int64_t almaty_ = 0;
  auth::Principal drafter_, colleague_, boss_, second_boss_, prosecutor_, outsider_, admin_;
  cases::Case case_, other_case_;
  Origin origin_{"10.0.0.7", "req-1"};
  cases::Origin case_origin_{"10.0.0.7", "req-0"};
};

INSTANTIATE_TEST_SUITE_P(Engines, RequestServiceTest,
                         ::testing::Values(store::Engine::kSqlite, store::Engine::kPostgres),
                         [](const ::testing::TestParamInfo<store::Engine>& info) {
                           return info.param == store::Engine::kSqlite ? "sqlite" : "postgresql";
                         });

TEST(RequestNamesTest, StatesAndRefusalCodesAreStable) {
  const std::vector<std::string> states = {
      "draft",    "legal_review",    "approved", "sent",    "acknowledged", "preserved",
      "produced", "partly_produced", "refused",  "expired", "closed"};
  for (const std::string& name : states) {
    std::optional<State> state = ParseState(name);
    ASSERT_TRUE(state.has_value()) << name;
    EXPECT_EQ(StateName(*state), name);
  }
  EXPECT_FALSE(ParseState("pending").has_value());
  EXPECT_EQ(RefusalCodes().front(), "wrong_entity");
  EXPECT_EQ(RefusalCodes().back(), "other");
  EXPECT_EQ(RefusalCodes().size(), 13u);
}

TEST_P(RequestServiceTest, StartSeedsTheDirectoryOnce) {
  int64_t providers = static_cast<int64_t>(service_->directory()->providers().size());
  EXPECT_GT(providers, 5);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM provider_entries WHERE version = 1 AND changed_by IS NULL"),
            providers);
  ASSERT_TRUE(service_->Start().ok());  // a second start inserts nothing
  EXPECT_EQ(Count("SELECT COUNT(*) FROM provider_entries"), providers);
  std::vector<EntryVersion> versions = service_->ProviderVersions("tiktok").value();
  ASSERT_EQ(versions.size(), 1u);
  EXPECT_FALSE(versions[0].changed_by.has_value());
  EXPECT_EQ(versions[0].content_hash, service_->directory()->FindProvider("tiktok")->content_hash);
  EXPECT_EQ(service_->ProviderVersions("myspace").status().code(), absl::StatusCode::kNotFound);
}

TEST_P(RequestServiceTest, TheWholeLifecycleIsRecordedStepByStep) {
  RequestView draft = Draft();
  const int64_t id = draft.request.id;
  EXPECT_EQ(draft.request.reference, base::StrCat("REQ-", id));
  EXPECT_EQ(draft.request.state, State::kDraft);
  EXPECT_EQ(draft.request.version, 1);
  EXPECT_EQ(draft.request.case_number, case_.number);
  EXPECT_EQ(draft.request.agency_id, almaty_);
  EXPECT_EQ(draft.request.chain_id, id);
  EXPECT_EQ(draft.request.fields.country, "SG");  // the entity's
  EXPECT_EQ(draft.request.provider_hash,
            service_->directory()->FindProvider("tiktok")->content_hash);
  EXPECT_EQ(draft.request.directory_version, service_->directory()->version());
  EXPECT_TRUE(draft.warnings.empty());
  EXPECT_TRUE(draft.can.edit);
  EXPECT_TRUE(draft.can.submit);
  EXPECT_FALSE(draft.can.approve);
  ASSERT_EQ(draft.chain.size(), 1u);

  RequestView review = service_->Submit(drafter_, origin_, id).value();
  EXPECT_EQ(review.request.state, State::kLegalReview);
  EXPECT_FALSE(review.can.edit);
  EXPECT_TRUE(service_->Get(boss_, id).value().can.approve);

  RequestView approved = service_->Approve(boss_, origin_, id).value();
  EXPECT_EQ(approved.request.state, State::kApproved);
  ASSERT_TRUE(approved.request.approved_by.has_value());
  EXPECT_EQ(approved.request.approved_by->username, "boss");
  EXPECT_EQ(approved.request.approved_at, clock_.NowMillis());

  clock_.Advance(2 * kHour);
  base::Millis sent_at = clock_.NowMillis() - kHour;
  RequestView sent =
      service_
          ->MarkSent(drafter_, origin_, id,
                     {.channel = "portal", .sent_at = sent_at, .ticket = "", .language = "en"})
          .value();
  EXPECT_EQ(sent.request.state, State::kSent);
  EXPECT_EQ(sent.request.sent_at, sent_at);
  EXPECT_EQ(sent.request.channel, "portal");
  EXPECT_EQ(sent.request.document_language, "en");
  EXPECT_EQ(sent.request.document_sha256.size(), 64u);
  EXPECT_GT(sent.request.document_size, 1000);
  EXPECT_TRUE(sent.can.acknowledge);
  // The preservation runs 90 days in TikTok Pte. Ltd.'s zone from the sending.
  ASSERT_FALSE(sent.schedule.deadlines.empty());
  EXPECT_EQ(sent.schedule.preserved_until, sent_at + 90 * kDay);

  clock_.Advance(kDay);
  base::Millis acknowledged_at = clock_.NowMillis() - kHour;
  RequestView acknowledged =
      service_->Acknowledge(drafter_, origin_, id, acknowledged_at, "TT-2026-0042").value();
  EXPECT_EQ(acknowledged.request.state, State::kAcknowledged);
  EXPECT_EQ(acknowledged.request.ticket, "TT-2026-0042");
  EXPECT_EQ(acknowledged.request.first_answer_at, acknowledged_at);

  clock_.Advance(kDay);
  base::Millis preserved_at = clock_.NowMillis() - kHour;
  base::Millis until = preserved_at + 80 * kDay;
  RequestView preserved =
      service_->MarkPreserved(drafter_, origin_, id, preserved_at, until).value();
  EXPECT_EQ(preserved.request.state, State::kPreserved);
  EXPECT_EQ(preserved.request.preserved_until, until);
  EXPECT_EQ(preserved.schedule.preserved_until, until);  // the provider's end wins
  EXPECT_EQ(preserved.request.first_answer_at, acknowledged_at);

  clock_.Advance(10 * kDay);
  base::Millis produced_at = clock_.NowMillis() - kHour;
  RequestView produced =
      service_
          ->RecordOutcome(drafter_, origin_, id,
                          Outcome{.state = State::kProduced, .at = produced_at, .text = "CSV"})
          .value();
  EXPECT_EQ(produced.request.state, State::kProduced);
  EXPECT_EQ(produced.request.outcome_at, produced_at);
  EXPECT_TRUE(produced.can.close);

  RequestView closed = service_->Close(drafter_, origin_, id, "data received").value();
  EXPECT_EQ(closed.request.state, State::kClosed);
  EXPECT_EQ(closed.request.closed_at, clock_.NowMillis());
  EXPECT_EQ(closed.request.version, 8);
  EXPECT_FALSE(closed.can.close);
  EXPECT_FALSE(closed.can.add_response);

  EXPECT_EQ(EventActions(id),
            (std::vector<std::string>{"create", "submit", "approve", "send", "acknowledge",
                                      "preserve", "outcome", "close"}));
  std::vector<Event> events = service_->Events(drafter_, id).value();
  ASSERT_EQ(events.size(), 8u);
  EXPECT_EQ(events[0].from_state, "");
  EXPECT_EQ(events[0].to_state, "draft");
  EXPECT_EQ(events[2].from_state, "legal_review");
  EXPECT_EQ(events[2].to_state, "approved");
  ASSERT_TRUE(events[2].actor.has_value());
  EXPECT_EQ(events[2].actor->username, "boss");
  EXPECT_EQ(Json::parse(events[3].detail)["document_sha256"], sent.request.document_sha256);
  EXPECT_EQ(AuditActions(id),
            (std::vector<std::string>{"request.create", "request.submit", "request.approve",
                                      "request.send", "request.acknowledge", "request.preserve",
                                      "request.outcome", "request.close"}));
  // A closed request waits for nothing: no reminder left to send.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM request_reminders WHERE request_id = $1 AND "
                  "email_state <> 'sent'",
                  {id}),
            0);
  // Steps out of order are refused with the state named.
  absl::Status again = service_->Submit(drafter_, origin_, id).status();
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(again), "wrong_state");
}

TEST_P(RequestServiceTest, SubmitWaitsForTheLinterErrorsToBeFixed) {
  RequestFields fields = Good();
  fields.legal_basis = "";
  fields.identifiers = {{IdentifierKind::kPhone, "87012345678"}};  // valid, not E.164
  RequestView draft = Draft(fields, drafter_);  // saved: the findings are shown, not blocking
  std::set<std::string> codes;
  for (const Warning& warning : draft.warnings) codes.insert(warning.code);
  EXPECT_TRUE(codes.count("no_legal_basis"));
  EXPECT_TRUE(codes.count("phone_not_e164"));

  absl::Status refused = service_->Submit(drafter_, origin_, draft.request.id).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(refused), "lint_errors");
  EXPECT_TRUE(base::StrContains(base::FromAbsl(refused.message()), "no_legal_basis"));
  EXPECT_TRUE(base::StrContains(base::FromAbsl(refused.message()), "phone_not_e164"));
  EXPECT_EQ(service_->Get(drafter_, draft.request.id).value().request.state, State::kDraft);

  // A stale version is refused; the current one saves the fix.
  fields.legal_basis = "Code of Criminal Procedure of the Republic of Kazakhstan, Art. 199";
  fields.identifiers = {{IdentifierKind::kPhone, "+77012345678"}};
  absl::Status stale = service_->Update(drafter_, origin_, draft.request.id, 7, fields).status();
  EXPECT_EQ(stale.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(ReasonOf(stale), "version_conflict");
  RequestView fixed = service_->Update(colleague_, origin_, draft.request.id, 1, fields).value();
  EXPECT_EQ(fixed.request.version, 2);
  EXPECT_TRUE(fixed.warnings.empty());
  RequestView submitted = service_->Submit(colleague_, origin_, draft.request.id).value();
  EXPECT_EQ(submitted.request.state, State::kLegalReview);
  EXPECT_EQ(EventActions(draft.request.id),
            (std::vector<std::string>{"create", "update", "submit"}));
  // Only drafts are edited.
  absl::Status late = service_->Update(drafter_, origin_, draft.request.id, 3, fields).status();
  EXPECT_EQ(ReasonOf(late), "wrong_state");
}

TEST_P(RequestServiceTest, TheDrafterNeverApprovesTheirOwnRequest) {
  RequestView draft = Draft(Good(), boss_);  // a supervisor drafts
  ASSERT_TRUE(service_->Submit(boss_, origin_, draft.request.id).ok());
  EXPECT_FALSE(service_->Get(boss_, draft.request.id).value().can.approve);
  absl::Status own = service_->Approve(boss_, origin_, draft.request.id).status();
  EXPECT_EQ(own.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(own), "two_person_rule");
  EXPECT_EQ(AuditActions(draft.request.id, audit::Outcome::kDenied),
            (std::vector<std::string>{"request.approve"}));
  EXPECT_EQ(service_->Get(boss_, draft.request.id).value().request.state, State::kLegalReview);

  // An investigator may not approve; a prosecutor the case is shared with may.
  absl::Status investigator = service_->Approve(colleague_, origin_, draft.request.id).status();
  EXPECT_EQ(investigator.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(service_->Approve(prosecutor_, origin_, draft.request.id).status().code(),
            absl::StatusCode::kNotFound);  // not shared yet: the case is invisible
  ASSERT_TRUE(cases_->Share(drafter_, case_origin_, case_.id, prosecutor_.user_id).ok());
  RequestView approved = service_->Approve(prosecutor_, origin_, draft.request.id).value();
  EXPECT_EQ(approved.request.state, State::kApproved);
  EXPECT_EQ(approved.request.approved_by->username, "prosecutor");
}

TEST_P(RequestServiceTest, LegalReviewReturnsADraftWithItsReason) {
  RequestView draft = Draft();
  ASSERT_TRUE(service_->Submit(drafter_, origin_, draft.request.id).ok());
  EXPECT_EQ(FieldOf(service_->Return(boss_, origin_, draft.request.id, " ").status()), "reason");
  RequestView returned =
      service_->Return(boss_, origin_, draft.request.id, "Укажите номер постановления").value();
  EXPECT_EQ(returned.request.state, State::kDraft);
  EXPECT_EQ(returned.request.returned_reason, "Укажите номер постановления");
  EXPECT_TRUE(returned.can.edit);
  RequestView again = service_->Submit(drafter_, origin_, draft.request.id).value();
  EXPECT_EQ(again.request.returned_reason, "");
  EXPECT_EQ(EventActions(draft.request.id),
            (std::vector<std::string>{"create", "submit", "return", "submit"}));
  std::vector<Event> events = service_->Events(drafter_, draft.request.id).value();
  EXPECT_EQ(Json::parse(events[2].detail)["reason"], "Укажите номер постановления");
}

TEST_P(RequestServiceTest, SendingFreezesTheDocumentAndItsHash) {
  RequestView approved = Approved();
  const int64_t id = approved.request.id;
  RequestService::Document preview = service_->GetDocument(drafter_, id, "ru").value();
  EXPECT_FALSE(preview.frozen);
  EXPECT_EQ(preview.language, "ru");
  EXPECT_TRUE(base::StartsWith(preview.pdf, "%PDF"));
  EXPECT_EQ(service_->GetDocument(drafter_, id, "de").status().code(),
            absl::StatusCode::kInvalidArgument);

  clock_.Advance(kHour);
  RequestView sent = service_
                         ->MarkSent(drafter_, origin_, id,
                                    {.channel = "portal",
                                     .sent_at = clock_.NowMillis() - kMinute,
                                     .ticket = "",
                                     .language = "kk"})
                         .value();
  RequestService::Document frozen = service_->GetDocument(drafter_, id, "en").value();
  EXPECT_TRUE(frozen.frozen);
  EXPECT_EQ(frozen.language, "kk");  // the language asked for is ignored once sent
  EXPECT_EQ(frozen.sha256, sent.request.document_sha256);
  EXPECT_EQ(Sha256Hex(frozen.pdf), frozen.sha256);
  EXPECT_EQ(static_cast<int64_t>(frozen.pdf.size()), sent.request.document_size);

  // The directory changes: the sent document does not.
  ASSERT_TRUE(service_
                  ->SaveProvider(admin_, origin_, EditedTikTok([](Json& entry) {
                                   entry["preservation"]["days"] = 60;
                                 }),
                                 "TikTok shortened preservation")
                  .ok());
  clock_.Advance(kDay);
  RequestService::Document later = service_->GetDocument(drafter_, id, "").value();
  EXPECT_EQ(later.pdf, frozen.pdf);
  EXPECT_EQ(later.sha256, frozen.sha256);

  // The stored bytes are frozen by the database; forced past that, a change is detected.
  if (GetParam() == store::Engine::kSqlite) {
    ASSERT_TRUE(database_->Execute("DROP TRIGGER request_documents_no_update").ok());
  } else {
    ASSERT_TRUE(
        database_->Execute("DROP TRIGGER request_documents_no_change ON request_documents").ok());
  }
  std::string tampered = frozen.pdf;
  tampered[tampered.size() / 2] ^= 0x01;
  ASSERT_TRUE(database_
                  ->Execute("UPDATE request_documents SET pdf = $2 WHERE request_id = $1",
                            {id, store::Blob{tampered}})
                  .ok());
  EXPECT_EQ(service_->GetDocument(drafter_, id, "").status().code(), absl::StatusCode::kDataLoss);
}

TEST_P(RequestServiceTest, TheDatabaseRefusesToChangeASentDocument) {
  RequestView sent = Sent();
  absl::Status changed =
      database_
          ->Execute("UPDATE request_documents SET sha256 = 'x' WHERE request_id = $1",
                    {sent.request.id})
          .status();
  EXPECT_EQ(changed.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(database_->Execute("DELETE FROM provider_request_events").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

// A process killed (SIGKILL) at any moment of its work leaves whole steps only: each step is one
// transaction, so a request's version, its events, its audit records and its document agree.
TEST_P(RequestServiceTest, AKilledProcessLeavesNoHalfWrittenStep) {
  const std::vector<useconds_t> pauses = {150'000, 260'000, 370'000, 480'000, 590'000};
  for (useconds_t pause : pauses) {
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      // The child works on its own connections and services until it is killed.
      std::unique_ptr<store::Database> database = store::OpenDatabase(spec_, directory_).value();
      audit::AuditTrail trail(*database, clock_);
      std::unique_ptr<ledger::Ledger> ledger =
          ledger::Ledger::Open(*database, clock_,
                               ledger::LedgerOptions::InDataDir(directory_.string()))
              .value();
      ledger::AuditAnchor anchor(*ledger);
      trail.SetAnchor(&anchor);
      cases::CaseService cases(*database, trail, clock_);
      std::unique_ptr<vault::BlobStore> blobs =
          vault::BlobStore::Create((directory_ / "vault").string()).value();
      evidence::EvidenceService evidence(*database, trail, *ledger, cases, *blobs, clock_, {});
      RequestService service(*database, trail, cases, evidence, clock_);
      if (!service.Start().ok()) ::_exit(2);
      while (true) {
        absl::StatusOr<RequestView> draft = service.Create(drafter_, origin_, Good());
        if (!draft.ok()) ::_exit(3);
        int64_t id = draft->request.id;
        if (!service.Submit(drafter_, origin_, id).ok()) ::_exit(4);
        if (!service.Approve(boss_, origin_, id).ok()) ::_exit(5);
        SendFields send{
            .channel = "portal", .sent_at = clock_.NowMillis(), .ticket = "", .language = "ru"};
        if (!service.MarkSent(drafter_, origin_, id, send).ok()) ::_exit(6);
      }
    }
    ::usleep(pause);
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child stopped by itself: " << WEXITSTATUS(status);
  }
  store::Result requests =
      database_->Execute("SELECT id, version, state FROM provider_requests ORDER BY id").value();
  ASSERT_GT(requests.rows.size(), 0u);
  for (const store::Row& row : requests.rows) {
    int64_t id = row.Int(0);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM provider_request_events WHERE request_id = $1", {id}),
              row.Int(1))
        << "REQ-" << id;
    EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE object_type = 'request' AND "
                    "object_id = $1 AND outcome = 'success'",
                    {std::to_string(id)}),
              row.Int(1))
        << "REQ-" << id;
    EXPECT_EQ(Count("SELECT COUNT(*) FROM request_documents WHERE request_id = $1", {id}),
              row.Text(2) == "sent" ? 1 : 0)
        << "REQ-" << id << " " << row.Text(2);
  }
  // The survivors go on as usual.
  RequestView sent = Sent();
  EXPECT_EQ(sent.request.state, State::kSent);
}

TEST_P(RequestServiceTest, SendingDatesInTheFutureOrBeforeTheApprovalAreRefused) {
  RequestView approved = Approved();
  const int64_t id = approved.request.id;
  clock_.Advance(kHour);
  SendFields send{.channel = "portal", .sent_at = 0, .ticket = "", .language = "en"};
  send.sent_at = clock_.NowMillis() + kMinute;
  EXPECT_EQ(FieldOf(service_->MarkSent(drafter_, origin_, id, send).status()), "sent_at");
  send.sent_at = *approved.request.approved_at - kMinute;
  EXPECT_EQ(FieldOf(service_->MarkSent(drafter_, origin_, id, send).status()), "sent_at");
  send.sent_at = clock_.NowMillis();
  send.channel = "";
  EXPECT_EQ(FieldOf(service_->MarkSent(drafter_, origin_, id, send).status()), "channel");
  send.channel = "pigeon";
  EXPECT_EQ(FieldOf(service_->MarkSent(drafter_, origin_, id, send).status()), "channel");
  send.channel = "portal";
  send.language = "de";
  EXPECT_EQ(FieldOf(service_->MarkSent(drafter_, origin_, id, send).status()), "language");
  // Nothing of the refused attempts stayed.
  RequestView still = service_->Get(drafter_, id).value();
  EXPECT_EQ(still.request.state, State::kApproved);
  EXPECT_EQ(still.request.document_sha256, "");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM request_documents"), 0);
  EXPECT_EQ(EventActions(id), (std::vector<std::string>{"create", "submit", "approve"}));
  // An investigator who may not change the case does not send.
  EXPECT_EQ(service_->MarkSent(outsider_, origin_, id, send).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(RequestServiceTest, BadInputIsRefusedNamingTheFieldAndNothingIsSaved) {
  RequestView first = Draft();  // in case_
  RequestView other = Draft(
      [&] {
        RequestFields fields = Good();
        fields.case_id = other_case_.id;
        return fields;
      }(),
      drafter_);
  int64_t requests_before = Count("SELECT COUNT(*) FROM provider_requests");
  int64_t events_before = Count("SELECT COUNT(*) FROM provider_request_events");
  struct BadCase {
    std::string name;
    std::function<void(RequestFields&)> change;
    std::string field;
  };
  const base::Millis now = clock_.NowMillis();
  const std::vector<BadCase> cases = {
      {"unknown provider", [](RequestFields& f) { f.provider = "Одноклассники"; }, "provider"},
      {"no provider for a preservation", [](RequestFields& f) { f.provider = ""; }, "provider"},
      {"unknown entity", [](RequestFields& f) { f.entity_name = "TikTok ЖШС"; }, "entity_name"},
      {"unknown State",
       [](RequestFields& f) {
         f.type = RequestType::kMlaRequest;
         f.provider = "";
         f.entity_name = "";
         f.country = "ZZ";
       },
       "country"},
      {"bad user country", [](RequestFields& f) { f.user_country = "Казахстан"; }, "user_country"},
      {"reversed range",
       [&](RequestFields& f) {
         f.range_from = now - kDay;
         f.range_to = now - 10 * kDay;
       },
       "range_from"},
      {"range in the future",
       [&](RequestFields& f) {
         f.range_from = now + kDay;
         f.range_to = now + 2 * kDay;
       },
       "range_from"},
      {"e-mail without @",
       [](RequestFields& f) {
         f.identifiers = {{IdentifierKind::kEmail, "user.example.com"}};
       },
       "identifiers[0]"},
      {"user id not digits",
       [](RequestFields& f) {
         f.identifiers = {{IdentifierKind::kUserId, "6812"}, {IdentifierKind::kUserId, "abc"}};
       },
       "identifiers[1]"},
      {"phone that is no number",
       [](RequestFields& f) {
         f.identifiers = {{IdentifierKind::kPhone, "+7 000"}};
       },
       "identifiers[0]"},
      {"URL that is not http",
       [](RequestFields& f) {
         f.identifiers = {{IdentifierKind::kUrl, "ftp://example.com/x"}};
       },
       "identifiers[0]"},
      {"phone given as a username",
       [](RequestFields& f) {
         f.identifiers = {{IdentifierKind::kUsername, "+77012345678"}};
       },
       "identifiers[0]"},
      {"bad language", [](RequestFields& f) { f.language = "de"; }, "language"},
      {"oversized text",
       [](RequestFields& f) { f.necessity = std::string(kMaxFieldBytes + 1, 'x'); }, "necessity"},
      {"text not UTF-8", [](RequestFields& f) { f.offence_summary = "\xff\xfe"; },
       "offence_summary"},
      {"previous request of another case",
       [&](RequestFields& f) {
         f.type = RequestType::kPreservationExtension;
         f.previous_id = other.request.id;
       },
       "previous_id"},
      {"previous request that does not exist",
       [&](RequestFields& f) {
         f.type = RequestType::kPreservationExtension;
         f.previous_id = 987654;
       },
       "previous_id"},
      {"case of another agency", [&](RequestFields& f) { f.case_id = 424242; }, "case_id"},
  };
  for (const BadCase& bad : cases) {
    RequestFields fields = Good();
    bad.change(fields);
    absl::Status status = service_->Create(drafter_, origin_, fields).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad.name << ": " << status;
    EXPECT_EQ(FieldOf(status), bad.field) << bad.name << ": " << status;
  }
  // A production order may not follow a production order.
  RequestFields order = Good();
  order.type = RequestType::kProductionOrder;
  RequestView production = Draft(order, drafter_);
  order.previous_id = production.request.id;
  EXPECT_EQ(FieldOf(service_->Create(drafter_, origin_, order).status()), "type");
  // An outsider may not draft in the case at all.
  EXPECT_EQ(FieldOf(service_->Create(outsider_, origin_, Good()).status()), "case_id");
  // An update with bad input leaves the draft as it was.
  RequestFields bad = Good();
  bad.language = "fr";
  EXPECT_EQ(FieldOf(service_->Update(drafter_, origin_, first.request.id, 1, bad).status()),
            "language");
  EXPECT_EQ(service_->Get(drafter_, first.request.id).value().request.version, 1);

  EXPECT_EQ(Count("SELECT COUNT(*) FROM provider_requests"), requests_before + 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM provider_request_events"), events_before + 1);
}

TEST_P(RequestServiceTest, TextInAnyScriptIsKept) {
  RequestFields fields = Good();
  fields.offence_summary = "Алаяқтық: инвестициялық шот 💸, مرحبا";
  fields.notes = "Заметка\nвторая строка";
  RequestView draft = Draft(fields, drafter_);
  EXPECT_EQ(service_->Get(colleague_, draft.request.id).value().request.fields.offence_summary,
            fields.offence_summary);
  EXPECT_EQ(service_->Get(colleague_, draft.request.id).value().request.fields.notes, fields.notes);
}

TEST_P(RequestServiceTest, DirectoryEditsAreVersionedAndDraftsShowWhatChanged) {
  RequestView before = Draft();
  std::string original_hash = service_->directory()->FindProvider("tiktok")->content_hash;

  // Only administrators edit; a bad entry, or one that breaks the directory, is refused.
  std::string shorter = EditedTikTok([](Json& entry) { entry["preservation"]["days"] = 60; });
  EXPECT_EQ(service_->SaveProvider(drafter_, origin_, shorter, "").status().code(),
            absl::StatusCode::kPermissionDenied);
  absl::Status invalid =
      service_
          ->SaveProvider(admin_, origin_,
                         EditedTikTok([](Json& entry) { entry["preservation"]["days"] = 0; }), "")
          .status();
  EXPECT_EQ(invalid.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(base::StrContains(FieldOf(invalid), "preservation.days")) << invalid;
  absl::Status clash = service_
                           ->SaveProvider(admin_, origin_, EditedTikTok([](Json& entry) {
                                            entry["id"] = "tiktok-lite";
                                            entry["names"] = Json::array({"Facebook"});
                                          }),
                                          "")
                           .status();
  EXPECT_EQ(clash.code(), absl::StatusCode::kInvalidArgument) << clash;
  EXPECT_EQ(service_->ProviderVersions("tiktok").value().size(), 1u);

  clock_.Advance(kHour);
  EntryVersion saved = service_->SaveProvider(admin_, origin_, shorter, "new guideline").value();
  EXPECT_EQ(saved.version, 2);
  EXPECT_EQ(saved.note, "new guideline");
  ASSERT_TRUE(saved.changed_by.has_value());
  EXPECT_EQ(saved.changed_by->username, "admin");
  ASSERT_EQ(saved.changes.size(), 1u);
  EXPECT_EQ(saved.changes[0].path, "/preservation/days");
  EXPECT_EQ(saved.changes[0].before, "90");
  EXPECT_EQ(saved.changes[0].after, "60");
  EXPECT_NE(service_->directory()->FindProvider("tiktok")->content_hash, original_hash);
  absl::Status unchanged = service_->SaveProvider(admin_, origin_, shorter, "").status();
  EXPECT_EQ(unchanged.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(unchanged), "unchanged");

  std::vector<EntryVersion> versions = service_->ProviderVersions("tiktok").value();
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0].version, 2);  // newest first
  EXPECT_EQ(versions[0].changes.size(), 1u);
  EXPECT_EQ(versions[1].version, 1);
  EXPECT_TRUE(versions[1].changes.empty());
  audit::Query query;
  query.action = "directory.update";
  EXPECT_EQ(trail_->Search(query).value().records.size(), 1u);

  // The draft made before the edit says what changed; a new one does not.
  RequestView old_draft = service_->Get(drafter_, before.request.id).value();
  EXPECT_TRUE(old_draft.provider_changed);
  ASSERT_EQ(old_draft.provider_changes.size(), 1u);
  EXPECT_EQ(old_draft.provider_changes[0].path, "/preservation/days");
  EXPECT_EQ(old_draft.provider_changes[0].after, "60");
  RequestView new_draft = Draft();
  EXPECT_FALSE(new_draft.provider_changed);
  // Saving the old draft again draws it against the current entry.
  RequestView updated =
      service_->Update(drafter_, origin_, before.request.id, 1, before.request.fields).value();
  EXPECT_FALSE(updated.provider_changed);

  // Another instance over the same database sees the edit.
  RequestService second(*database_, *trail_, *cases_, *evidence_, clock_);
  ASSERT_TRUE(second.Start().ok());
  EXPECT_EQ(second.directory()->FindProvider("tiktok")->preservation->days, 60);
  // A new provider is version 1 of its own.
  EntryVersion added = service_
                           ->SaveProvider(admin_, origin_, EditedTikTok([](Json& entry) {
                                            entry["id"] = "tiktok-lite";
                                            entry["names"] = Json::array({"TikTok Lite"});
                                          }),
                                          "")
                           .value();
  EXPECT_EQ(added.version, 1);
  EXPECT_NE(second.Get(drafter_, new_draft.request.id).status().code(),
            absl::StatusCode::kInternal);
  EXPECT_NE(second.Lint(drafter_, Good()).status().code(), absl::StatusCode::kInternal);
  ASSERT_TRUE(second.Lint(drafter_, Good()).ok());
  EXPECT_NE(second.directory()->FindProvider("tiktok-lite"), nullptr);
}

TEST_P(RequestServiceTest, ChainsCarryPreservationAndTikTokAllowsOneExtension) {
  RequestView preservation = Sent();
  const base::Millis sent_at = *preservation.request.sent_at;
  clock_.Advance(kDay);
  ASSERT_TRUE(service_
                  ->Acknowledge(drafter_, origin_, preservation.request.id,
                                clock_.NowMillis() - 2 * kHour, "TT-7781")
                  .ok());
  RequestView preserved = service_
                              ->MarkPreserved(drafter_, origin_, preservation.request.id,
                                              clock_.NowMillis() - kHour, std::nullopt)
                              .value();
  base::Millis first_end = *preserved.schedule.preserved_until;
  EXPECT_GT(first_end, sent_at + 89 * kDay);

  clock_.Advance(60 * kDay);
  RequestFields extension = Good();
  extension.type = RequestType::kPreservationExtension;
  extension.previous_id = preservation.request.id;
  RequestView first_extension = Sent(extension, drafter_, boss_);
  EXPECT_EQ(first_extension.request.chain_id, preservation.request.id);
  ASSERT_EQ(first_extension.chain.size(), 2u);
  EXPECT_EQ(first_extension.schedule.extensions_so_far, 1);
  EXPECT_EQ(*first_extension.schedule.preserved_until, first_end + 90 * kDay);
  EXPECT_TRUE(first_extension.schedule.problems.empty());
  // The first request's reminders gave way to the extension's.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM request_reminders WHERE request_id = $1",
                  {preservation.request.id}),
            0);
  EXPECT_GT(Count("SELECT COUNT(*) FROM request_reminders WHERE request_id = $1",
                  {first_extension.request.id}),
            0);

  // The document of the extension names the request before it, the case, the agency, the
  // people and the entity.
  RequestService::Document document =
      service_->GetDocument(drafter_, first_extension.request.id, "").value();
  EXPECT_TRUE(document.frozen);
  std::string text = PdfText(document.pdf);
  for (const std::string& part :
       {preservation.request.reference, std::string("TT-7781"), case_.number,
        std::string("TikTok Pte. Ltd."), std::string("drafter N."), std::string("boss N.")}) {
    EXPECT_TRUE(base::StrContains(text, part)) << part << " in " << text;
  }
  EXPECT_FALSE(base::StrContains(text, "DRAFT")) << text;
  RequestFields mla = Good();
  mla.type = RequestType::kMlaRequest;
  mla.previous_id = first_extension.request.id;
  RequestView mla_draft = Draft(mla, drafter_);
  std::string preview =
      PdfText(service_->GetDocument(drafter_, mla_draft.request.id, "en").value().pdf);
  EXPECT_TRUE(base::StrContains(preview, "DRAFT")) << preview;
  EXPECT_TRUE(base::StrContains(preview, first_extension.request.reference)) << preview;

  clock_.Advance(30 * kDay);
  extension.previous_id = first_extension.request.id;
  RequestView second_extension = Draft(extension, drafter_);
  ASSERT_EQ(second_extension.chain.size(), 4u);  // the MLA draft is in the chain too
  bool limit_problem = false;
  for (const Problem& problem : second_extension.schedule.problems) {
    limit_problem |= problem.code == "extension_limit";
  }
  bool limit_warning = false;
  for (const Warning& warning : second_extension.warnings) {
    limit_warning |= warning.code == "extension_limit" && warning.severity == Severity::kError;
  }
  EXPECT_TRUE(limit_warning);
  absl::Status blocked = service_->Submit(drafter_, origin_, second_extension.request.id).status();
  EXPECT_EQ(ReasonOf(blocked), "lint_errors");
  EXPECT_TRUE(base::StrContains(base::FromAbsl(blocked.message()), "extension_limit"));
  // The engine reports the problem once the second extension goes out anyway.
  LintReport report = service_->Lint(drafter_, extension).value();
  bool lint_limit = false;
  for (const Warning& warning : report.warnings) lint_limit |= warning.code == "extension_limit";
  EXPECT_TRUE(lint_limit);
  EXPECT_TRUE(limit_problem);
}

TEST_P(RequestServiceTest, RemindersComeAt14And7DaysAndAtTheDeadlineByEMail) {
  RequestView sent = Sent();
  const int64_t id = sent.request.id;
  const base::Millis due = sent.request.sent_at.value() + 90 * kDay;  // Singapore: no DST
  std::vector<ReminderRow> rows = Reminders(id);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].label, "14_days_before");
  EXPECT_EQ(rows[0].remind_at, due - 14 * kDay);  // Almaty has no DST either
  EXPECT_EQ(rows[1].label, "7_days_before");
  EXPECT_EQ(rows[1].remind_at, due - 7 * kDay);
  EXPECT_EQ(rows[2].label, "at_deadline");
  EXPECT_EQ(rows[2].remind_at, due);
  for (const ReminderRow& row : rows) {
    EXPECT_EQ(row.kind, "preservation_expires");
    EXPECT_EQ(row.due_at, due);
    EXPECT_EQ(row.email_state, "pending");
  }
  RecordingMailer mailer;
  EXPECT_EQ(service_->DeliverReminders(mailer, "https://th.police.kz/").value(), 0);
  EXPECT_TRUE(service_->DueReminders(drafter_).value().empty());

  // 14 days before: in the application, and by e-mail to the drafter and the approver.
  clock_.Set(due - 14 * kDay);
  std::vector<ReminderView> due_now = service_->DueReminders(drafter_).value();
  ASSERT_EQ(due_now.size(), 1u);
  EXPECT_EQ(due_now[0].label, "14_days_before");
  EXPECT_EQ(due_now[0].reference, sent.request.reference);
  EXPECT_TRUE(service_->DueReminders(outsider_).value().empty());
  // Each recipient reads the reminder in their own language.
  ASSERT_TRUE(
      database_->Execute("UPDATE users SET language = 'kk' WHERE username = 'drafter'").ok());
  ASSERT_TRUE(database_->Execute("UPDATE users SET language = 'en' WHERE username = 'boss'").ok());
  mailer.fail_next = 1;  // the server is down once
  EXPECT_EQ(service_->DeliverReminders(mailer, "https://th.police.kz/").value(), 0);
  rows = Reminders(id);
  EXPECT_EQ(rows[0].email_state, "pending");
  EXPECT_EQ(rows[0].attempts, 1);
  EXPECT_EQ(service_->DeliverReminders(mailer, "https://th.police.kz/").value(), 0);  // backoff
  clock_.Advance(kMinute);
  EXPECT_EQ(service_->DeliverReminders(mailer, "https://th.police.kz/").value(), 1);
  ASSERT_EQ(mailer.sent.size(), 2u);
  std::set<std::string> to;
  for (const Mail& mail : mailer.sent) {
    ASSERT_EQ(mail.to.size(), 1u);
    to.insert(mail.to[0]);
    EXPECT_TRUE(base::StrContains(mail.subject, sent.request.reference)) << mail.subject;
    EXPECT_TRUE(base::StrContains(mail.subject, "TikTok")) << mail.subject;
    EXPECT_TRUE(base::StrContains(mail.body, base::StrCat("https://th.police.kz/requests/", id)))
        << mail.body;
    EXPECT_TRUE(base::StrContains(mail.body, "Asia/Almaty")) << mail.body;
    EXPECT_TRUE(base::StrContains(mail.body, "Asia/Singapore")) << mail.body;
    EXPECT_TRUE(base::StrContains(mail.body, "TikTok Pte. Ltd.")) << mail.body;
  }
  EXPECT_EQ(to, (std::set<std::string>{"drafter@police.kz", "boss@police.kz"}));
  for (const Mail& mail : mailer.sent) {
    if (mail.to[0] == "drafter@police.kz") {
      EXPECT_TRUE(base::StrContains(mail.subject, "деректерді сақтау мерзімі аяқталады"))
          << mail.subject;
      EXPECT_TRUE(base::StrContains(mail.subject, "14 күннен кейін")) << mail.subject;
    } else {
      EXPECT_TRUE(base::StrContains(mail.subject, "preservation expires in 14 days") ||
                  base::StrContains(mail.subject, "preservation expires — in 14 days"))
          << mail.subject;
    }
  }
  rows = Reminders(id);
  EXPECT_EQ(rows[0].email_state, "sent");
  EXPECT_EQ(rows[1].email_state, "pending");
  audit::Query query;
  query.action = "request.reminder_emailed";
  std::vector<audit::Record> records = trail_->Search(query).value().records;
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].actor_name, "system");
  EXPECT_EQ(records[0].object_id, std::to_string(id));
  EXPECT_EQ(service_->DeliverReminders(mailer, "https://th.police.kz").value(), 0);  // once

  // Dismissed in the application: no longer listed.
  ASSERT_TRUE(service_->DismissReminder(drafter_, due_now[0].id).ok());
  EXPECT_TRUE(service_->DueReminders(drafter_).value().empty());
  EXPECT_EQ(service_->DismissReminder(outsider_, due_now[0].id).code(),
            absl::StatusCode::kNotFound);

  // No SMTP server configured: the 7-day reminder stays in the application only.
  clock_.Set(due - 7 * kDay);
  mailer.fail_next = 1;
  mailer.failure = absl::FailedPreconditionError("e-mail is not configured (no SMTP host)");
  EXPECT_EQ(service_->DeliverReminders(mailer, "https://th.police.kz").value(), 0);
  EXPECT_EQ(Reminders(id)[1].email_state, "none");
  EXPECT_EQ(service_->DueReminders(drafter_).value().size(), 1u);
}

TEST_P(RequestServiceTest, AReminderWithoutAnAddressIsMarkedNone) {
  RequestView sent = Sent(Good(), colleague_, second_boss_);  // neither has an e-mail address
  std::vector<ReminderRow> rows = Reminders(sent.request.id);
  ASSERT_FALSE(rows.empty());
  clock_.Set(rows[0].remind_at);
  RecordingMailer mailer;
  EXPECT_EQ(service_->DeliverReminders(mailer, "https://th.police.kz").value(), 0);
  EXPECT_TRUE(mailer.sent.empty());
  EXPECT_EQ(Reminders(sent.request.id)[0].email_state, "none");
}

TEST_P(RequestServiceTest, ADisabledUserGetsNoReminder) {
  RequestView sent = Sent();
  ASSERT_TRUE(database_->Execute("UPDATE users SET disabled = 1 WHERE username = 'drafter'").ok());
  clock_.Set(Reminders(sent.request.id)[0].remind_at);
  RecordingMailer mailer;
  EXPECT_EQ(service_->DeliverReminders(mailer, "https://th.police.kz").value(), 1);
  ASSERT_EQ(mailer.sent.size(), 1u);
  EXPECT_EQ(mailer.sent[0].to, std::vector<std::string>{"boss@police.kz"});
}

TEST_P(RequestServiceTest, RemindersStopAfterTenFailures) {
  RequestView sent = Sent();
  std::vector<ReminderRow> rows = Reminders(sent.request.id);
  clock_.Set(rows[0].remind_at);
  RecordingMailer mailer;
  mailer.fail_next = 100;
  for (int attempt = 0; attempt < 12; ++attempt) {
    ASSERT_TRUE(service_->DeliverReminders(mailer, "https://th.police.kz").ok());
    clock_.Advance(kDay);
    // The next reminders come due too as the days pass: follow the first only.
    if (Reminders(sent.request.id)[0].email_state == "failed") break;
  }
  EXPECT_EQ(Reminders(sent.request.id)[0].email_state, "failed");
  EXPECT_EQ(Reminders(sent.request.id)[0].attempts, 10);
}

TEST_P(RequestServiceTest, PreservationsWithoutFollowUpExpire) {
  RequestView lone = Sent();
  RequestView followed = Sent();
  RequestFields extension = Good();
  extension.type = RequestType::kPreservationExtension;
  extension.previous_id = followed.request.id;
  clock_.Advance(30 * kDay);
  RequestView extension_sent = Sent(extension, drafter_, boss_);
  EXPECT_EQ(service_->ExpireDue().value(), 0);

  clock_.Set(*lone.request.sent_at + 90 * kDay + kMinute);
  EXPECT_EQ(service_->ExpireDue().value(), 1);  // the lone one; the followed one is extended
  RequestView expired = service_->Get(drafter_, lone.request.id).value();
  EXPECT_EQ(expired.request.state, State::kExpired);
  EXPECT_EQ(expired.request.outcome_at, *lone.request.sent_at + 90 * kDay);
  EXPECT_TRUE(expired.can.close);
  std::vector<Event> events = service_->Events(drafter_, lone.request.id).value();
  EXPECT_EQ(events.back().action, "expire");
  EXPECT_FALSE(events.back().actor.has_value());
  EXPECT_EQ(AuditActions(lone.request.id).back(), "request.expire");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM request_reminders WHERE request_id = $1 AND "
                  "email_state = 'pending'",
                  {lone.request.id}),
            0);
  EXPECT_EQ(service_->Get(drafter_, followed.request.id).value().request.state, State::kSent);
  EXPECT_EQ(service_->ExpireDue().value(), 0);  // once

  clock_.Set(*extension_sent.schedule.preserved_until + kMinute);
  EXPECT_EQ(service_->ExpireDue().value(), 1);
  EXPECT_EQ(service_->Get(drafter_, extension_sent.request.id).value().request.state,
            State::kExpired);
}

TEST_P(RequestServiceTest, StatisticsCountAnswersMediansAndRefusals) {
  RequestView acknowledged = Sent();
  RequestView refused = Sent();
  RequestView waiting = Sent();
  RequestFields meta = Good();
  meta.provider = "meta";
  meta.entity_name = "Meta Platforms, Inc.";
  RequestView to_meta = Sent(meta, drafter_, boss_);
  clock_.Advance(5 * kDay);
  ASSERT_TRUE(service_
                  ->Acknowledge(drafter_, origin_, acknowledged.request.id,
                                *acknowledged.request.sent_at + 2 * kDay, "")
                  .ok());
  ASSERT_TRUE(service_
                  ->RecordOutcome(drafter_, origin_, refused.request.id,
                                  Outcome{.state = State::kRefused,
                                          .at = *refused.request.sent_at + 4 * kDay,
                                          .refusal_code = "no_data",
                                          .text = "No account"})
                  .ok());
  ASSERT_TRUE(service_->Close(drafter_, origin_, refused.request.id, "").ok());
  EXPECT_EQ(FieldOf(service_
                        ->RecordOutcome(drafter_, origin_, waiting.request.id,
                                        Outcome{.state = State::kRefused,
                                                .at = clock_.NowMillis(),
                                                .refusal_code = "bored"})
                        .status()),
            "refusal_code");

  std::vector<ProviderStats> stats = service_->Stats(drafter_, "tiktok").value();
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].provider, "tiktok");
  EXPECT_EQ(stats[0].channel, "portal");
  EXPECT_EQ(stats[0].requests, 3);
  EXPECT_EQ(stats[0].answered, 2);
  EXPECT_DOUBLE_EQ(stats[0].share_answered, 2.0 / 3.0);
  ASSERT_TRUE(stats[0].median_days_to_first_answer.has_value());
  EXPECT_DOUBLE_EQ(*stats[0].median_days_to_first_answer, 3.0);
  EXPECT_EQ(stats[0].refusals, (std::map<std::string, int64_t>{{"no_data", 1}}));
  EXPECT_EQ(stats[0].refused, 1);  // closed since, still counted
  EXPECT_EQ(stats[0].waiting, 2);
  EXPECT_EQ(stats[0].produced, 0);

  std::vector<ProviderStats> all = service_->Stats(drafter_, "").value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].provider, "meta");
  EXPECT_EQ(all[0].requests, 1);
  EXPECT_FALSE(all[0].median_days_to_first_answer.has_value());
  EXPECT_TRUE(service_->Stats(outsider_, "").value().empty());
  (void)to_meta;
}

TEST_P(RequestServiceTest, CaseIdentifiersComeFromRequestsAndPromotedItems) {
  RequestFields fields = Good();
  fields.identifiers = {{IdentifierKind::kUserId, "6812345678901234567"},
                        {IdentifierKind::kUsername, "scam_invest_kz"}};
  RequestView draft = Draft(fields, drafter_);
  // Two collected items promoted to the case's evidence, one not promoted.
  vault::PutResult put = blobs_->PutBytes("{\"post\": 1}").value();
  evidence::Item item =
      evidence_
          ->Ingest(drafter_, evidence::Origin{"10.0.0.7", "r", "web"}, case_.id,
                   evidence::Metadata{.original_name = "post.json", .legal_basis = "Art. 199"}, put)
          .value();
  int64_t source = database_
                       ->Execute(
                           "INSERT INTO collect_sources(mandate_id, agency_id, kind, name, state, "
                           "created_by, created_at) VALUES (1, $1, 'telegram_export', 'export', "
                           "'active', $2, 0) RETURNING id",
                           {almaty_, drafter_.user_id})
                       .value()
                       .rows[0]
                       .Int(0);
  auto collected = [&](const std::string& post, const std::string& author, const std::string& url,
                       std::optional<int64_t> promoted) {
    return database_
        ->Execute(
            "INSERT INTO collected_items(mandate_id, source_id, platform, channel_id, "
            "post_id, author_id, author_name, url, text, collected_at, sha256, raw_size, "
            "purge_at, promoted_evidence_id) VALUES (1, $1, 'telegram', '-1001', $2, $3, "
            "'Автор', $4, 'текст', 0, 'x', 0, 0, $5) RETURNING id",
            {source, post, author, url,
             promoted ? store::Value(*promoted) : store::Value(std::monostate{})})
        .value()
        .rows[0]
        .Int(0);
  };
  int64_t numeric = collected("1", "5551234", "https://t.me/channel/1", item.id);
  int64_t named = collected("2", "scam_invest_kz", "", item.id);  // known from the request
  collected("3", "999", "https://t.me/channel/3", std::nullopt);

  std::vector<CaseIdentifier> identifiers = service_->CaseIdentifiers(colleague_, case_.id).value();
  ASSERT_EQ(identifiers.size(), 4u);
  EXPECT_EQ(identifiers[0].identifier.kind, IdentifierKind::kUserId);
  EXPECT_EQ(identifiers[0].identifier.value, "6812345678901234567");
  EXPECT_EQ(identifiers[0].where, draft.request.reference);
  EXPECT_EQ(identifiers[0].platform, "tiktok");
  EXPECT_EQ(identifiers[1].identifier.kind, IdentifierKind::kUsername);
  EXPECT_EQ(identifiers[2].identifier.kind, IdentifierKind::kUserId);
  EXPECT_EQ(identifiers[2].identifier.value, "5551234");
  EXPECT_EQ(identifiers[2].platform, "telegram");
  EXPECT_EQ(identifiers[2].where, base::StrCat("collected item ", numeric));
  EXPECT_EQ(identifiers[3].identifier.kind, IdentifierKind::kUrl);
  EXPECT_EQ(identifiers[3].identifier.value, "https://t.me/channel/1");
  (void)named;
  EXPECT_EQ(service_->CaseIdentifiers(outsider_, case_.id).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(service_->CaseIdentifiers(drafter_, other_case_.id).value().empty());
}

TEST_P(RequestServiceTest, AResponseBecomesEvidenceWithCustodyFromItsReceipt) {
  RequestView approved = Approved();
  vault::PutResult put = blobs_->PutBytes("user_id,ip\n6812345678901234567,203.0.113.7\n").value();
  evidence::Metadata metadata{.original_name = "tiktok-response.csv"};
  EXPECT_EQ(
      service_->CheckResponse(drafter_, approved.request.id, metadata, clock_.NowMillis()).code(),
      absl::StatusCode::kFailedPrecondition);  // not sent yet

  RequestView sent = Sent();
  clock_.Advance(3 * kDay);
  base::Millis received_at = clock_.NowMillis() - 2 * kHour;
  EXPECT_EQ(FieldOf(service_->CheckResponse(drafter_, sent.request.id, metadata,
                                            clock_.NowMillis() + kHour)),
            "received_at");
  EXPECT_EQ(service_->CheckResponse(outsider_, sent.request.id, metadata, received_at).code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(service_->CheckResponse(drafter_, sent.request.id, metadata, received_at).ok());
  evidence::Item item =
      service_->AddResponse(drafter_, origin_, sent.request.id, metadata, received_at, put).value();
  EXPECT_EQ(item.case_id, case_.id);
  EXPECT_EQ(item.metadata.source_type, "received");
  EXPECT_EQ(item.sha256, put.sha256);
  EXPECT_TRUE(base::StrContains(item.metadata.source_detail, "TikTok Pte. Ltd."));
  std::vector<evidence::CustodyEvent> custody = evidence_->Custody(drafter_, item.id).value();
  ASSERT_GE(custody.size(), 2u);
  EXPECT_EQ(custody[0].action, "collection");
  EXPECT_EQ(custody[0].at, received_at);
  EXPECT_EQ(custody[0].where, "received from TikTok Pte. Ltd.");
  EXPECT_TRUE(base::StrContains(custody[0].why, sent.request.reference)) << custody[0].why;
  EXPECT_TRUE(base::StrContains(custody[0].from, "TikTok")) << custody[0].from;
  EXPECT_EQ(custody[1].action, "ingest");

  RequestView after = service_->Get(drafter_, sent.request.id).value();
  EXPECT_EQ(after.request.response_evidence_ids, std::vector<int64_t>{item.id});
  EXPECT_EQ(after.request.first_answer_at, received_at);
  EXPECT_EQ(after.request.state, State::kSent);
  EXPECT_EQ(EventActions(sent.request.id).back(), "response");
  EXPECT_EQ(AuditActions(sent.request.id).back(), "request.response");
}

TEST_P(RequestServiceTest, OnlyThoseWhoMayReadTheCaseSeeItsRequests) {
  RequestView sent = Sent();
  RequestView draft = Draft();
  for (int64_t id : {sent.request.id, draft.request.id}) {
    EXPECT_EQ(service_->Get(outsider_, id).status().code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(service_->Events(outsider_, id).status().code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(service_->GetDocument(outsider_, id, "").status().code(),
              absl::StatusCode::kNotFound);
    EXPECT_EQ(service_->Submit(outsider_, origin_, id).status().code(),
              absl::StatusCode::kNotFound);
  }
  EXPECT_TRUE(service_->List(outsider_, {}).value().empty());
  EXPECT_EQ(service_->List(colleague_, {}).value().size(), 2u);
  EXPECT_EQ(service_->List(boss_, {}).value().size(), 2u);  // a supervisor of the agency
  std::vector<Request> drafts = service_->List(drafter_, {.state = State::kDraft}).value();
  ASSERT_EQ(drafts.size(), 1u);
  EXPECT_EQ(drafts[0].id, draft.request.id);
  EXPECT_EQ(service_->List(drafter_, {.case_id = other_case_.id}).value().size(), 0u);
  EXPECT_EQ(service_->List(drafter_, {.provider = "tiktok"}).value().size(), 2u);
  EXPECT_EQ(FieldOf(service_->List(drafter_, {.limit = 0}).status()), "limit");

  // A prosecutor the case is shared with reads it, and may not change it.
  ASSERT_TRUE(cases_->Share(drafter_, case_origin_, case_.id, prosecutor_.user_id).ok());
  RequestView read = service_->Get(prosecutor_, draft.request.id).value();
  EXPECT_FALSE(read.can.edit);
  EXPECT_EQ(service_->Submit(prosecutor_, origin_, draft.request.id).status().code(),
            absl::StatusCode::kPermissionDenied);

  // Awaiting my approval: what a reviewer may approve.
  ASSERT_TRUE(service_->Submit(drafter_, origin_, draft.request.id).ok());
  EXPECT_EQ(service_->List(boss_, {.awaiting_my_approval = true}).value().size(), 1u);
  EXPECT_EQ(service_->List(prosecutor_, {.awaiting_my_approval = true}).value().size(), 1u);
  EXPECT_TRUE(service_->List(drafter_, {.awaiting_my_approval = true}).value().empty());
}

TEST_P(RequestServiceTest, TheCalendarListsDeadlinesOnceSortedByDue) {
  RequestView sent = Sent();
  RequestFields emergency = Good();
  emergency.type = RequestType::kEmergencyDisclosure;
  emergency.emergency_fields = {{"criterion", "a threat to kill posted with a date"}};
  RequestView urgent = Sent(emergency, drafter_, boss_);
  std::vector<CalendarEntry> entries =
      service_->Calendar(drafter_, clock_.NowMillis() - kDay, clock_.NowMillis() + 100 * kDay)
          .value();
  ASSERT_GE(entries.size(), 2u);
  for (size_t index = 1; index < entries.size(); ++index) {
    EXPECT_LE(entries[index - 1].deadline.due, entries[index].deadline.due);
  }
  bool preservation = false, comparison = false;
  for (const CalendarEntry& entry : entries) {
    if (entry.request_id == sent.request.id &&
        entry.deadline.kind == DeadlineKind::kPreservationExpires) {
      preservation = true;
      EXPECT_EQ(entry.deadline.due, *sent.request.sent_at + 90 * kDay);
      EXPECT_EQ(entry.target, "TikTok");
      EXPECT_EQ(entry.case_number, case_.number);
    }
    if (entry.request_id == urgent.request.id) comparison |= entry.deadline.comparison_only;
  }
  EXPECT_TRUE(preservation);
  EXPECT_TRUE(comparison);
  EXPECT_TRUE(
      service_->Calendar(outsider_, clock_.NowMillis() - kDay, clock_.NowMillis() + 100 * kDay)
          .value()
          .empty());
  EXPECT_EQ(FieldOf(service_->Calendar(drafter_, 10, 5).status()), "to");
  EXPECT_EQ(FieldOf(service_->Calendar(drafter_, 0, 500 * kDay).status()), "to");
}

TEST_P(RequestServiceTest, RequestsToAStateUseItsProfile) {
  RequestFields mla = Good();
  mla.type = RequestType::kMlaRequest;
  mla.provider = "";
  mla.entity_name = "";
  mla.country = "us";
  RequestView draft = Draft(mla, drafter_);
  EXPECT_EQ(draft.request.fields.country, "US");
  EXPECT_EQ(draft.request.provider_hash, "");
  RequestService::Document preview = service_->GetDocument(drafter_, draft.request.id, "").value();
  EXPECT_EQ(preview.language, "en");
  EXPECT_FALSE(preview.frozen);
}

}  // namespace
}  // namespace threathub::requests
