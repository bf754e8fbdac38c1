// Evidence items against a real SQLite database, a real evidence store and a real ledger:
// ingest and custody, need-to-know, integrity checks, the two-person disposal rule with its
// 7-day queue, retention, and the ledger catching an edited custody record.
#include "evidence/evidence.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "auth/org.h"
#include "auth/sessions.h"
#include "base/encoding.h"
#include "base/errors.h"
#include "base/status_macros.h"
#include "bundle/bundle.h"
#include "ledger/audit_anchor.h"
#include "store/migrations.h"

namespace threathub::evidence {
namespace {

constexpr char kPassword[] = "granite-steppe-eagle";

class EvidenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("threathub-evidence-" + base::HexEncode(base::RandomBytes(6)));
    std::filesystem::create_directories(directory_);
    database_ = store::OpenDatabase("sqlite", directory_).value();
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
    EvidenceOptions options;
    options.bundle_dir = (directory_ / "bundles").string();
    evidence_ = std::make_unique<EvidenceService>(*database_, *trail_, *ledger_, *cases_, *blobs_,
                                                  clock_, options);
    auth::Actor root = auth::Actor::CommandLine();
    int64_t region = org_->CreateRegion(root, "almaty", "Алматы").value().id;
    int64_t almaty = org_->CreateAgency(root, region, "almaty-cyber", "УПК", false).value().id;
    int64_t astana = org_->CreateAgency(root, region, "astana-cyber", "УПК", false).value().id;
    lead_ = Person("lead", almaty, {auth::Role::kInvestigator});
    boss_ = Person("boss", almaty, {auth::Role::kSupervisor});
    second_boss_ = Person("second-boss", almaty, {auth::Role::kSupervisor});
    outsider_ = Person("outsider", astana, {auth::Role::kSupervisor});
    prosecutor_ = Person("prosecutor", astana, {auth::Role::kProsecutor});
    case_ = cases_->Create(lead_, {"10.0.0.7", "r"}, cases::NewCase{.title = "Фишинг"}).value();
    ASSERT_TRUE(cases_->Share(lead_, {"10.0.0.7", "r"}, case_.id, prosecutor_.user_id).ok());
  }
  void TearDown() override {
    evidence_.reset();
    trail_->SetAnchor(nullptr);
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

  Metadata Meta(const std::string& name) {
    Metadata metadata;
    metadata.original_name = name;
    metadata.description = "Телефон подозреваемого";
    metadata.source_type = "seized";
    metadata.source_detail = "изъято у гр. А.";
    metadata.legal_basis = "Постановление о выемке № 12 от 20.11.2026";
    metadata.categories = {"fraud"};
    return metadata;
  }

  absl::StatusOr<Item> Add(const std::string& name, std::string_view content,
                           const auth::Principal* who = nullptr) {
    const auth::Principal& actor = who ? *who : lead_;
    Metadata metadata = Meta(name);
    RETURN_IF_ERROR(evidence_->CheckIngest(actor, case_.id, metadata));
    ASSIGN_OR_RETURN(vault::PutResult put, blobs_->PutBytes(content));
    return evidence_->Ingest(actor, origin_, case_.id, metadata, put);
  }

  std::vector<std::string> Actions(int64_t item_id) {
    std::vector<std::string> actions;
    std::vector<CustodyEvent> events = evidence_->Custody(lead_, item_id).value();
    for (const CustodyEvent& event : events) {
      actions.push_back(event.action);
    }
    return actions;
  }

  ledger::VerifyReport VerifyLedger() {
    ledger::AuditRecordSource audit(*trail_);
    CustodyRecordSource custody(*database_);
    return ledger_->Verify({.sources = {&audit, &custody}}).value();
  }

  void Corrupt(const std::string& sha256) {
    std::string path = blobs_->Path(sha256).value();
    ::chmod(path.c_str(), 0640);
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(3);
    char byte = 0;
    file.get(byte);
    file.seekp(3);
    file.put(static_cast<char>(byte ^ 0x01));
  }

  base::FakeClock clock_;
  std::filesystem::path directory_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<audit::AuditTrail> trail_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<ledger::AuditAnchor> anchor_;
  std::unique_ptr<auth::Authenticator> sessions_;
  std::unique_ptr<auth::OrgService> org_;
  std::unique_ptr<cases::CaseService> cases_;
  std::unique_ptr<vault::BlobStore> blobs_;
  std::unique_ptr<EvidenceService> evidence_;
  auth::Principal lead_, boss_, second_boss_, outsider_, prosecutor_;
  cases::Case case_;
  Origin origin_{"10.0.0.7", "req-1", "web 10.0.0.7"};
};

TEST_F(EvidenceTest, IngestRecordsHashesMetadataAndACustodyEventInTheLedger) {
  Item item = Add("chat-export.json", "{\"messages\":[]}\n").value();
  vault::Digests digests = vault::HashBytes("{\"messages\":[]}\n").value();
  EXPECT_EQ(item.sha256, digests.Sha256Hex());
  EXPECT_EQ(item.md5, digests.Md5Hex());
  EXPECT_EQ(item.sha1, digests.Sha1Hex());
  EXPECT_EQ(item.size, 16u);
  EXPECT_EQ(item.mime_type, "application/json");
  EXPECT_EQ(item.metadata.legal_basis, "Постановление о выемке № 12 от 20.11.2026");
  EXPECT_EQ(item.state, "active");
  EXPECT_EQ(item.case_number, case_.number);
  ASSERT_TRUE(item.retention_until.has_value());
  EXPECT_EQ(*item.retention_until, item.ingested_at + 3650 * kDayMillis);  // fraud: 10 years
  std::vector<CustodyEvent> events = evidence_->Custody(lead_, item.id).value();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].action, "ingest");
  EXPECT_EQ(events[0].hash_after, item.sha256);
  EXPECT_EQ(events[0].where, "web 10.0.0.7");
  ASSERT_TRUE(events[0].leaf_index.has_value());
  ledger::Leaf leaf = ledger_->GetLeaf(*events[0].leaf_index).value();
  EXPECT_EQ(leaf.kind, "custody");
  EXPECT_EQ(leaf.ref, std::to_string(events[0].id));
  EXPECT_NE(leaf.data.find(item.sha256), std::string::npos);
  ledger::VerifyReport report = VerifyLedger();
  EXPECT_TRUE(report.ok()) << (report.problems.empty() ? "" : report.problems[0]);
}

TEST_F(EvidenceTest, IdenticalContentIsStoredOnceAndDerivedItemsPointToTheirParent) {
  Item first = Add("a.bin", "same bytes").value();
  Metadata derived = Meta("a-carved.bin");
  derived.parent_id = first.id;
  vault::PutResult put = blobs_->PutBytes("same bytes").value();
  EXPECT_TRUE(put.already_present);
  Item second = evidence_->Ingest(lead_, origin_, case_.id, derived, put).value();
  EXPECT_EQ(second.sha256, first.sha256);
  EXPECT_EQ(blobs_->List()->size(), 1u);
  EXPECT_EQ(evidence_->Get(lead_, origin_, first.id, false)->children,
            std::vector<int64_t>{second.id});
  derived.parent_id = 999999;
  EXPECT_EQ(base::StatusField(evidence_->CheckIngest(lead_, case_.id, derived)), "parent_id");
}

TEST_F(EvidenceTest, BadMetadataIsRefusedNamingTheField) {
  Metadata metadata = Meta("ok.bin");
  metadata.legal_basis = "  ";
  EXPECT_EQ(base::StatusField(evidence_->CheckIngest(lead_, case_.id, metadata)), "legal_basis");
  metadata = Meta("../../etc/passwd");
  EXPECT_EQ(base::StatusField(evidence_->CheckIngest(lead_, case_.id, metadata)), "name");
  metadata = Meta(std::string("bad\xff\xfename"));
  EXPECT_EQ(base::StatusField(evidence_->CheckIngest(lead_, case_.id, metadata)), "name");
  metadata = Meta("x.bin");
  metadata.source_type = "found";
  EXPECT_EQ(base::StatusField(evidence_->CheckIngest(lead_, case_.id, metadata)), "source_type");
  metadata = Meta("x.bin");
  metadata.categories = {"unknown"};
  EXPECT_EQ(base::StatusField(evidence_->CheckIngest(lead_, case_.id, metadata)), "categories");
}

TEST_F(EvidenceTest, NeedToKnowFollowsTheCase) {
  Item item = Add("photo.jpg", "\xff\xd8\xff\xe0 not really a jpeg").value();
  EXPECT_EQ(evidence_->Get(outsider_, origin_, item.id, true).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(evidence_->Custody(outsider_, item.id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(evidence_->ListForCase(outsider_, case_.id).status().code(),
            absl::StatusCode::kNotFound);
  // The prosecutor the case is shared with reads and downloads, but adds nothing.
  EXPECT_TRUE(evidence_->Get(prosecutor_, origin_, item.id, true).ok());
  EXPECT_TRUE(evidence_->OpenContent(prosecutor_, origin_, item.id).ok());
  EXPECT_EQ(Add("more.bin", "x", &prosecutor_).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(evidence_->Seal(prosecutor_, origin_, item.id, "r", "1").status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Actions(item.id), (std::vector<std::string>{"ingest", "view", "download"}));
}

TEST_F(EvidenceTest, SealedItemsAreNotDownloadedAndTransfersAreRecorded) {
  Item item = Add("disk.img", "disk").value();
  ASSERT_TRUE(evidence_
                  ->Transfer(lead_, origin_, item.id, "Следователь Лидов", "Эксперт ЦСЭ",
                             "компьютерная экспертиза")
                  .ok());
  EXPECT_EQ(base::StatusField(evidence_->Transfer(lead_, origin_, item.id, "", "x", "y").status()),
            "from");
  ASSERT_TRUE(evidence_->Seal(lead_, origin_, item.id, "упаковано", "ПЛ-77").ok());
  EXPECT_EQ(evidence_->OpenContent(lead_, origin_, item.id).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(evidence_->Seal(lead_, origin_, item.id, "again", "").status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(evidence_->Unseal(lead_, origin_, item.id, "для экспертизы").ok());
  EXPECT_TRUE(evidence_->OpenContent(lead_, origin_, item.id).ok());
  std::vector<CustodyEvent> events = evidence_->Custody(lead_, item.id).value();
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[1].action, "transfer");
  EXPECT_EQ(events[1].from, "Следователь Лидов");
  EXPECT_EQ(events[1].to, "Эксперт ЦСЭ");
  EXPECT_EQ(events[1].why, "компьютерная экспертиза");
  EXPECT_EQ(events[2].action, "seal");
  EXPECT_EQ(events[2].result, "ПЛ-77");
  EXPECT_EQ(events[3].action, "unseal");
  EXPECT_EQ(events[4].action, "download");
}

TEST_F(EvidenceTest, AFlippedByteRaisesAnAlertForSupervisorsAndACustodyEvent) {
  Item item = Add("evidence.bin", std::string(100'000, 'e')).value();
  Item other = Add("other.bin", "untouched").value();
  EXPECT_EQ(evidence_->Verify(lead_, origin_, item.id)->result, "match");
  Corrupt(item.sha256);

  // The weekly job: not due at first, due a week later.
  ASSERT_TRUE(evidence_->RunScheduledJobs().ok());
  EXPECT_TRUE(evidence_->ListAlerts(boss_, "open")->empty());
  clock_.Advance(7 * kDayMillis + 1);
  ASSERT_TRUE(evidence_->RunScheduledJobs().ok());

  std::vector<Alert> alerts = evidence_->ListAlerts(boss_, "open").value();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].item_id, item.id);
  EXPECT_EQ(alerts[0].kind, "hash_mismatch");
  EXPECT_EQ(alerts[0].expected_sha256, item.sha256);
  EXPECT_NE(alerts[0].found_sha256, item.sha256);
  EXPECT_EQ(evidence_->ListAlerts(lead_, "open").status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(evidence_->ListAlerts(outsider_, "open")->empty());  // another agency's

  std::vector<CustodyEvent> events = evidence_->Custody(lead_, item.id).value();
  ASSERT_EQ(events.back().action, "verification");
  EXPECT_EQ(events.back().result, "mismatch");
  EXPECT_EQ(events.back().actor, "system");
  EXPECT_EQ(events.back().hash_before, item.sha256);
  EXPECT_EQ(events.back().hash_after, alerts[0].found_sha256);
  EXPECT_EQ(evidence_->Get(lead_, origin_, item.id, false)->last_verification, "mismatch");
  EXPECT_EQ(evidence_->Get(lead_, origin_, other.id, false)->last_verification, "match");

  Alert acknowledged = evidence_->AcknowledgeAlert(boss_, origin_, alerts[0].id).value();
  EXPECT_EQ(acknowledged.state, "acknowledged");
  EXPECT_TRUE(evidence_->ListAlerts(boss_, "open")->empty());
  // The job ran once in this period, and ran no second time.
  ASSERT_TRUE(evidence_->RunScheduledJobs().ok());
  EXPECT_EQ(evidence_->Custody(lead_, item.id)->size(), events.size());
}

TEST_F(EvidenceTest, AMissingFileIsReportedAsMissing) {
  Item item = Add("gone.bin", "soon gone").value();
  std::filesystem::remove(blobs_->Path(item.sha256).value());
  VerifyOutcome outcome = evidence_->Verify(lead_, origin_, item.id).value();
  EXPECT_EQ(outcome.result, "missing");
  ASSERT_EQ(evidence_->ListAlerts(boss_, "open")->size(), 1u);
  EXPECT_EQ(evidence_->ListAlerts(boss_, "open")->front().kind, "missing");
}

TEST_F(EvidenceTest, DisposalNeedsASecondPersonAndWaitsSevenDaysRecoverably) {
  Item item = Add("copy.bin", "duplicate copy").value();
  // A supervisor asking cannot approve their own request either.
  Disposal asked = evidence_->RequestDisposal(lead_, origin_, item.id, "дубликат").value();
  EXPECT_EQ(asked.state, "pending");
  EXPECT_EQ(evidence_->Get(lead_, origin_, item.id, false)->state, "disposal_pending");
  EXPECT_EQ(evidence_->RequestDisposal(lead_, origin_, item.id, "again").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(evidence_->ApproveDisposal(lead_, origin_, asked.id).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(evidence_->ApproveDisposal(outsider_, origin_, asked.id).status().code(),
            absl::StatusCode::kNotFound);

  Disposal approved = evidence_->ApproveDisposal(boss_, origin_, asked.id).value();
  EXPECT_EQ(approved.state, "approved");
  ASSERT_TRUE(approved.scheduled_for.has_value());
  EXPECT_EQ(*approved.scheduled_for, *approved.approved_at + kDisposalDelay);

  // Recovered from the queue, then asked and approved again.
  Disposal recovered = evidence_->CancelDisposal(lead_, origin_, asked.id).value();
  EXPECT_EQ(recovered.state, "cancelled");
  EXPECT_EQ(evidence_->Get(lead_, origin_, item.id, false)->state, "active");
  Disposal again = evidence_->RequestDisposal(boss_, origin_, item.id, "дубликат").value();
  absl::Status own = evidence_->ApproveDisposal(boss_, origin_, again.id).status();
  EXPECT_EQ(own.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(base::StatusReason(own), "two_person_rule");
  ASSERT_TRUE(evidence_->ApproveDisposal(second_boss_, origin_, again.id).ok());

  clock_.Advance(kDisposalDelay - 1000);
  EXPECT_EQ(evidence_->RunDueDisposals(origin_).value(), 0);
  EXPECT_TRUE(blobs_->Contains(item.sha256).value());
  clock_.Advance(2000);
  EXPECT_EQ(evidence_->RunDueDisposals(origin_).value(), 1);
  EXPECT_FALSE(blobs_->Contains(item.sha256).value());

  Item disposed = evidence_->Get(lead_, origin_, item.id, false).value();
  EXPECT_EQ(disposed.state, "disposed");
  EXPECT_EQ(disposed.sha256, item.sha256);  // the hashes stay
  EXPECT_EQ(evidence_->OpenContent(lead_, origin_, item.id).status().code(),
            absl::StatusCode::kFailedPrecondition);
  std::vector<CustodyEvent> events = evidence_->Custody(lead_, item.id).value();
  EXPECT_EQ(events.back().action, "disposal");
  EXPECT_EQ(events.back().hash_before, item.sha256);
  EXPECT_TRUE(VerifyLedger().ok());
}

TEST_F(EvidenceTest, DisposalKeepsAFileOtherItemsStillHold) {
  Item first = Add("one.bin", "shared content").value();
  Item second = Add("two.bin", "shared content").value();
  Disposal asked = evidence_->RequestDisposal(lead_, origin_, first.id, "дубликат").value();
  ASSERT_TRUE(evidence_->ApproveDisposal(boss_, origin_, asked.id).ok());
  clock_.Advance(kDisposalDelay + 1);
  EXPECT_EQ(evidence_->RunDueDisposals(origin_).value(), 1);
  EXPECT_TRUE(blobs_->Contains(second.sha256).value());
  EXPECT_TRUE(evidence_->OpenContent(lead_, origin_, second.id).ok());
}

TEST_F(EvidenceTest, RetentionProposesDisposalOnlyInClosedCases) {
  Item item = Add("old.bin", "old").value();
  clock_.Advance(3651 * kDayMillis);
  EXPECT_EQ(evidence_->ProposeRetentionDisposals(origin_).value(), 0);  // the case is open
  ASSERT_TRUE(cases_
                  ->Update(lead_, {"10.0.0.7", "r"}, case_.id,
                           cases::CaseChanges{.status = cases::CaseStatus::kClosed})
                  .ok());
  EXPECT_EQ(evidence_->ProposeRetentionDisposals(origin_).value(), 1);
  std::vector<Disposal> pending = evidence_->ListDisposals(boss_, "pending").value();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_FALSE(pending[0].requested_by.has_value());
  // Still needs a supervisor: nothing is deleted by the proposal itself.
  clock_.Advance(30 * kDayMillis);
  EXPECT_EQ(evidence_->RunDueDisposals(origin_).value(), 0);
  EXPECT_TRUE(blobs_->Contains(item.sha256).value());
}

TEST_F(EvidenceTest, TheLedgerCatchesAnEditedCustodyRecord) {
  Item item = Add("photo.png", "png bytes").value();
  ASSERT_TRUE(evidence_->Transfer(lead_, origin_, item.id, "A", "B", "экспертиза").ok());
  // The table refuses changes...
  EXPECT_FALSE(database_->Execute("UPDATE custody_events SET to_party = 'C'").ok());
  // ...and someone with the database file drops the trigger: verification names the record.
  ASSERT_TRUE(database_->Execute("DROP TRIGGER custody_events_no_update").ok());
  ASSERT_TRUE(
      database_->Execute("UPDATE custody_events SET to_party = 'C' WHERE action = 'transfer'")
          .ok());
  ledger::VerifyReport report = VerifyLedger();
  EXPECT_FALSE(report.ok());
  ASSERT_TRUE(report.first_bad.has_value());
  EXPECT_EQ(report.first_bad->kind, "custody");
}

TEST_F(EvidenceTest, ABundleOfChosenItemsVerifiesOffline) {
  Item first = Add("чат.json", "{\"a\":1}").value();
  Item second = Add("photo.jpg", std::string(5000, 'p')).value();
  Bundle bundle =
      evidence_->ExportBundle(lead_, origin_, case_.id, {first.id, second.id}, "в прокуратуру")
          .value();
  EXPECT_EQ(bundle.item_ids, (std::vector<int64_t>{first.id, second.id}));
  EXPECT_GT(bundle.size, 7000u);
  EXPECT_EQ(Actions(first.id), (std::vector<std::string>{"ingest", "export"}));
  bundle::BundleVerdict verdict = bundle::VerifyBundle(bundle.path).value();
  EXPECT_TRUE(verdict.ok) << (verdict.problems.empty() ? "" : verdict.problems[0]);
  EXPECT_EQ(verdict.items, 2u);
  EXPECT_EQ(verdict.events, 4u);
  EXPECT_EQ(evidence_->ListBundles(prosecutor_, case_.id)->size(), 1u);
  EXPECT_EQ(evidence_->OpenBundle(outsider_, origin_, bundle.id).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(base::StatusField(evidence_->ExportBundle(lead_, origin_, case_.id, {}, "x").status()),
            "item_ids");
  EXPECT_EQ(
      base::StatusField(evidence_->ExportBundle(lead_, origin_, case_.id, {first.id}, "").status()),
      "purpose");
}

}  // namespace
}  // namespace threathub::evidence
