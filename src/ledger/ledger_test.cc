// The ledger on SQLite, and on PostgreSQL when THREATHUB_TEST_PG_URI names a throwaway database
// (tools/pg_temp.sh run -- build/src/ledger/ledger_test). Each PostgreSQL test works in a schema
// of its own, as the store tests do.
#include "ledger/ledger.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <ostream>
#include <thread>

#include "audit/audit.h"
#include "base/encoding.h"
#include "base/file.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "ledger/audit_anchor.h"
#include "ledger/group_commit.h"
#include "store/migrations.h"

namespace threathub::store {
void PrintTo(Engine engine, std::ostream* out) {
  *out << (engine == Engine::kSqlite ? "Sqlite" : "Postgres");
}
}  // namespace threathub::store

namespace threathub::ledger {
namespace {

using ::testing::HasSubstr;

constexpr char kPostgresUriVariable[] = "THREATHUB_TEST_PG_URI";

#define ASSERT_OK(expression)                               \
  do {                                                      \
    const absl::Status assert_ok_status = (expression);     \
    ASSERT_TRUE(assert_ok_status.ok()) << assert_ok_status; \
  } while (false)

#define ASSERT_OK_AND_ASSIGN(lhs, expression)                       \
  auto THREATHUB_CONCAT(assert_statusor_, __LINE__) = (expression); \
  ASSERT_TRUE(THREATHUB_CONCAT(assert_statusor_, __LINE__).ok())    \
      << THREATHUB_CONCAT(assert_statusor_, __LINE__).status();     \
  lhs = std::move(THREATHUB_CONCAT(assert_statusor_, __LINE__)).value()

Entry SampleEntry(int number, std::string kind = "custody") {
  CanonicalObject record;
  record.Int("evidence_id", number)
      .String("event", "ingested")
      .String("sha256", "ab" + std::to_string(number));
  return Entry{.kind = std::move(kind), .ref = base::StrCat("e", number), .record = record};
}

class LedgerTest : public ::testing::TestWithParam<store::Engine> {
 protected:
  void SetUp() override {
    data_dir_ = std::filesystem::temp_directory_path() /
                ("threathub-ledger-" + base::HexEncode(base::RandomBytes(6)));
    std::filesystem::create_directories(data_dir_);
    std::string spec = "sqlite";
    if (GetParam() == store::Engine::kPostgres) {
      const char* uri = std::getenv(kPostgresUriVariable);
      if (uri == nullptr || *uri == '\0') {
        GTEST_SKIP() << "PostgreSQL not tested: set " << kPostgresUriVariable
                     << " to the URI of a throwaway database (tools/pg_temp.sh start DIR)";
      }
      static std::atomic<int> schema_counter{0};
      schema_ = base::StrCat("ledger_test_", ::getpid(), "_", schema_counter++);
      admin_ = store::OpenDatabase(uri, "", store::OpenOptions{.pool_size = 1}).value();
      ASSERT_OK(admin_->Execute(base::StrCat("CREATE SCHEMA ", schema_)).status());
      std::string base_uri = uri;
      spec = base::StrCat(base_uri, base_uri.find('?') == std::string::npos ? "?" : "&",
                          "options=-csearch_path%3D", schema_);
    }
    ASSERT_OK_AND_ASSIGN(database_, store::OpenDatabase(spec, data_dir_.string()));
    ASSERT_OK(store::Migrate(*database_).status());
    options_ = LedgerOptions::InDataDir(data_dir_.string());
    options_.checkpoint_interval_ms = 10'000;
    ASSERT_OK_AND_ASSIGN(ledger_, Ledger::Open(*database_, clock_, options_));
    trail_ = std::make_unique<audit::AuditTrail>(*database_, clock_);
    anchor_ = std::make_unique<AuditAnchor>(*ledger_);
    trail_->SetAnchor(anchor_.get());
    audit_source_ = std::make_unique<AuditRecordSource>(*trail_);
  }

  void TearDown() override {
    audit_source_.reset();
    trail_.reset();
    anchor_.reset();
    ledger_.reset();
    database_.reset();
    if (admin_ != nullptr) {
      EXPECT_TRUE(
          admin_->Execute(base::StrCat("DROP SCHEMA IF EXISTS ", schema_, " CASCADE")).ok());
    }
    std::filesystem::remove_all(data_dir_);
  }

  store::Engine engine() const { return GetParam(); }

  // Appends entries custody e<first>..e<first + count - 1>, each in its own transaction.
  void AppendCustody(int first, int count) {
    for (int number = first; number < first + count; ++number) {
      ASSERT_OK(database_->Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
        return ledger_->Append(tx, SampleEntry(number)).status();
      }));
    }
  }

  void AppendAudit(int count) {
    for (int record_idx = 0; record_idx < count; ++record_idx) {
      audit::Record record{.actor_id = 7,
                           .actor_name = "alice",
                           .action = "case.read",
                           .object_type = "case",
                           .object_id = std::to_string(record_idx)};
      ASSERT_OK(trail_->Append(record));
      clock_.Advance(1);
    }
  }

  StoredCheckpoint Checkpoint() {
    absl::StatusOr<std::optional<StoredCheckpoint>> made =
        ledger_->MakeCheckpoint(CheckpointPolicy::kWhenNewLeaves);
    EXPECT_TRUE(made.ok()) << made.status();
    EXPECT_TRUE(made.ok() && made->has_value());
    return made.ok() && made->has_value() ? **made : StoredCheckpoint();
  }

  VerifyReport Verify() {
    absl::StatusOr<VerifyReport> report = ledger_->Verify({.sources = {audit_source_.get()}});
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *report : VerifyReport();
  }

  // What someone with the database's owner rights can do: the append-only triggers go first.
  void DropProtection() {
    if (engine() == store::Engine::kSqlite) {
      for (const char* trigger :
           {"ledger_leaves_no_update", "ledger_leaves_no_delete", "ledger_checkpoints_no_update",
            "ledger_checkpoints_no_delete", "audit_log_no_update", "audit_log_no_delete"}) {
        ASSERT_OK(database_->Execute(base::StrCat("DROP TRIGGER ", trigger)).status());
      }
    } else {
      for (const char* table : {"ledger_leaves", "ledger_checkpoints", "audit_log"}) {
        ASSERT_OK(database_->Execute(base::StrCat("ALTER TABLE ", table, " DISABLE TRIGGER USER"))
                      .status());
      }
    }
  }

  void Sql(const std::string& sql, const std::vector<store::Value>& params = {}) {
    absl::StatusOr<store::Result> result = database_->Execute(sql, params);
    ASSERT_TRUE(result.ok()) << sql << ": " << result.status();
  }

  base::FakeClock clock_;
  std::filesystem::path data_dir_;
  std::string schema_;
  std::unique_ptr<store::Database> admin_;
  std::unique_ptr<store::Database> database_;
  LedgerOptions options_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<audit::AuditTrail> trail_;
  std::unique_ptr<AuditAnchor> anchor_;
  std::unique_ptr<AuditRecordSource> audit_source_;
};

TEST_P(LedgerTest, LeafIsTheCanonicalEnvelopeOfItsRecord) {
  AppendCustody(0, 2);
  ASSERT_OK_AND_ASSIGN(Leaf leaf, ledger_->GetLeaf(1));
  EXPECT_EQ(leaf.index, 1u);
  EXPECT_EQ(leaf.kind, "custody");
  EXPECT_EQ(leaf.ref, "e1");
  EXPECT_EQ(leaf.appended_at, clock_.NowMillis());
  EXPECT_EQ(leaf.data,
            base::StrCat("{\"appended_at\":", clock_.NowMillis(),
                         ",\"index\":1,\"kind\":\"custody\",\"record\":{\"event\":\"ingested\","
                         "\"evidence_id\":1,\"sha256\":\"ab1\"},\"ref\":\"e1\",\"v\":1}"));
  EXPECT_EQ(leaf.leaf_hash, LeafHash(leaf.data));
  ASSERT_OK_AND_ASSIGN(Leaf found, ledger_->FindLeaf("custody", "e1"));
  EXPECT_EQ(found.index, 1u);
  EXPECT_EQ(ledger_->GetLeaf(2).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ledger_->FindLeaf("custody", "e9").status().code(), absl::StatusCode::kNotFound);
}

TEST_P(LedgerTest, ProofsVerifyAgainstTheCheckpoint) {
  AppendCustody(0, 37);
  StoredCheckpoint checkpoint = Checkpoint();
  ASSERT_EQ(checkpoint.checkpoint.size, 37u);
  for (uint64_t index = 0; index < 37; ++index) {
    ASSERT_OK_AND_ASSIGN(LeafInclusion proof, ledger_->ProveInclusion(index, 37));
    EXPECT_EQ(proof.root, checkpoint.checkpoint.root);
    ASSERT_OK_AND_ASSIGN(Leaf leaf, ledger_->GetLeaf(index));
    EXPECT_TRUE(VerifyInclusion(HashBytes(LeafHash(leaf.data)), index, 37, ToBytes(proof.path),
                                HashBytes(checkpoint.checkpoint.root))
                    .ok());
  }
  AppendCustody(37, 20);
  StoredCheckpoint later = Checkpoint();
  ASSERT_OK_AND_ASSIGN(TreeConsistency consistency, ledger_->ProveConsistency(37, 57));
  EXPECT_EQ(consistency.old_root, checkpoint.checkpoint.root);
  EXPECT_EQ(consistency.new_root, later.checkpoint.root);
  EXPECT_TRUE(VerifyConsistency(37, 57, ToBytes(consistency.path),
                                HashBytes(checkpoint.checkpoint.root),
                                HashBytes(later.checkpoint.root))
                  .ok());
  EXPECT_EQ(ledger_->ProveInclusion(3, 58).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(ledger_->ProveInclusion(57, 57).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ledger_->ProveConsistency(0, 57).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(LedgerTest, RolledBackAppendLeavesNoLeafAndNoGap) {
  AppendCustody(0, 3);
  absl::Status status = database_->Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    RETURN_IF_ERROR(ledger_->Append(tx, SampleEntry(3)).status());
    return absl::AbortedError("the caller changed its mind");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(*ledger_->Size(), 3u);
  AppendCustody(4, 1);
  EXPECT_EQ(ledger_->FindLeaf("custody", "e4")->index, 3u);
  EXPECT_TRUE(Verify().ok());
}

TEST_P(LedgerTest, BadEntriesAreRefusedBeforeAnythingIsWritten) {
  for (const Entry& entry :
       {Entry{.kind = "Custody", .ref = "1"}, Entry{.kind = "", .ref = "1"},
        Entry{.kind = "custody", .ref = ""}, Entry{.kind = "custody", .ref = "a\nb"},
        Entry{.kind = "custody", .ref = std::string(257, 'r')}}) {
    absl::Status status = database_->Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
      return ledger_->Append(tx, entry).status();
    });
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << entry.kind << " " << entry.ref;
  }
  AppendCustody(0, 1);
  absl::Status duplicate = database_->Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    return ledger_->Append(tx, SampleEntry(0)).status();
  });
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(*ledger_->Size(), 1u);
}

TEST_P(LedgerTest, ConcurrentAppendsGetContiguousIndexesInCommitOrder) {
  constexpr int kThreads = 6;
  constexpr int kPerThread = 25;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
    threads.emplace_back([&, thread_idx] {
      for (int entry_idx = 0; entry_idx < kPerThread; ++entry_idx) {
        absl::Status status =
            database_->Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
              return ledger_->Append(tx, SampleEntry(thread_idx * 1000 + entry_idx)).status();
            });
        if (!status.ok()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(*ledger_->Size(), uint64_t{kThreads * kPerThread});
  Checkpoint();
  VerifyReport report = Verify();
  EXPECT_TRUE(report.ok()) << base::StrJoin(report.problems, "\n");
  EXPECT_EQ(report.leaves, uint64_t{kThreads * kPerThread});
}

TEST_P(LedgerTest, AppendBatchTakesConsecutiveIndexes) {
  AppendCustody(0, 2);
  std::vector<Entry> batch;
  for (int number = 2; number < 12; ++number) batch.push_back(SampleEntry(number));
  uint64_t first = 0;
  ASSERT_OK(database_->Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(first, ledger_->AppendBatch(tx, batch));
    return absl::OkStatus();
  }));
  EXPECT_EQ(first, 2u);
  EXPECT_EQ(ledger_->FindLeaf("custody", "e11")->index, 11u);
  EXPECT_TRUE(Verify().ok());
}

TEST_P(LedgerTest, GroupCommitCommitsEveryBodyAndFailsOnlyTheBadOne) {
  GroupCommitter committer(*database_);
  AppendCustody(0, 1);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  std::atomic<int> duplicates{0};
  for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
    threads.emplace_back([&, thread_idx] {
      for (int entry_idx = 0; entry_idx < kPerThread; ++entry_idx) {
        // One body in each thread repeats an anchored record: it alone must fail.
        int number = entry_idx == 7 ? 0 : 1 + thread_idx * 1000 + entry_idx;
        absl::Status status = committer.Transact([&](store::Transaction& tx) {
          return ledger_->Append(tx, SampleEntry(number)).status();
        });
        if (status.code() == absl::StatusCode::kAlreadyExists) {
          ++duplicates;
        } else if (!status.ok()) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(duplicates, kThreads);
  EXPECT_EQ(*ledger_->Size(), uint64_t{1 + kThreads * (kPerThread - 1)});
  Checkpoint();
  VerifyReport report = Verify();
  EXPECT_TRUE(report.ok()) << base::StrJoin(report.problems, "\n");
}

TEST_P(LedgerTest, CheckpointsFollowTheInterval) {
  EXPECT_FALSE(ledger_->MaybeCheckpoint()->has_value());  // no leaves yet
  AppendCustody(0, 3);
  absl::StatusOr<std::optional<StoredCheckpoint>> first = ledger_->MaybeCheckpoint();
  ASSERT_TRUE(first.ok() && first->has_value()) << first.status();
  EXPECT_EQ((*first)->sequence, 1);
  EXPECT_EQ((*first)->checkpoint.size, 3u);
  EXPECT_EQ((*first)->checkpoint.origin, "threathub/ledger");
  EXPECT_TRUE(base::StartsWith((*first)->note, "threathub/ledger\n3\n"));
  EXPECT_EQ(*base::ReadFile(options_.checkpoint_path), (*first)->note);

  clock_.Advance(20'000);
  EXPECT_FALSE(ledger_->MaybeCheckpoint()->has_value());  // no new leaves
  AppendCustody(3, 1);
  clock_.Advance(-19'000);                                // 1 s after the first
  EXPECT_FALSE(ledger_->MaybeCheckpoint()->has_value());  // not due yet
  clock_.Advance(9'000);
  absl::StatusOr<std::optional<StoredCheckpoint>> second = ledger_->MaybeCheckpoint();
  ASSERT_TRUE(second.ok() && second->has_value()) << second.status();
  EXPECT_EQ((*second)->sequence, 2);
  EXPECT_EQ((*second)->checkpoint.size, 4u);

  ASSERT_OK_AND_ASSIGN(std::optional<StoredCheckpoint> latest, ledger_->LatestCheckpoint());
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->note, (*second)->note);
  NoteVerifier verifier = *NoteVerifier::FromVerifierKey(ledger_->signer().VerifierKey());
  EXPECT_EQ(*OpenCheckpoint(*base::ReadFile(options_.checkpoint_path), {&verifier, 1}),
            (*second)->checkpoint);
}

TEST_P(LedgerTest, KeyAndTreeSurviveARestart) {
  AppendCustody(0, 5);
  StoredCheckpoint before = Checkpoint();
  std::string verifier_key = ledger_->signer().VerifierKey();
  anchor_.reset();
  trail_->SetAnchor(nullptr);
  ledger_.reset();
  options_.key_creation = KeyCreation::kRequireExisting;
  ASSERT_OK_AND_ASSIGN(ledger_, Ledger::Open(*database_, clock_, options_));
  anchor_ = std::make_unique<AuditAnchor>(*ledger_);
  trail_->SetAnchor(anchor_.get());
  EXPECT_EQ(ledger_->signer().VerifierKey(), verifier_key);
  ASSERT_OK_AND_ASSIGN(LeafInclusion proof, ledger_->ProveInclusion(2, 5));
  EXPECT_EQ(proof.root, before.checkpoint.root);
  AppendCustody(5, 2);
  StoredCheckpoint after = Checkpoint();
  EXPECT_EQ(after.sequence, 2);
  EXPECT_TRUE(Verify().ok());
}

TEST_P(LedgerTest, StoredLeavesAndCheckpointsAreAppendOnly) {
  AppendCustody(0, 2);
  Checkpoint();
  for (const char* sql :
       {"UPDATE ledger_leaves SET ref = 'x' WHERE idx = 0",
        "DELETE FROM ledger_leaves WHERE idx = 1", "UPDATE ledger_checkpoints SET tree_size = 1",
        "DELETE FROM ledger_checkpoints"}) {
    EXPECT_EQ(database_->Execute(sql).status().code(), absl::StatusCode::kFailedPrecondition)
        << sql;
  }
}

TEST_P(LedgerTest, IntactLedgerVerifies) {
  AppendCustody(0, 4);
  AppendAudit(6);
  Checkpoint();
  AppendCustody(4, 3);
  Checkpoint();
  AppendAudit(2);  // after the last checkpoint
  VerifyReport report = Verify();
  EXPECT_TRUE(report.ok()) << base::StrJoin(report.problems, "\n");
  EXPECT_EQ(report.leaves, 15u);
  EXPECT_EQ(report.checkpoints, 2u);
  EXPECT_EQ(report.records_compared, 8u);
  ASSERT_TRUE(report.latest_checkpoint);
  EXPECT_EQ(report.latest_checkpoint->size, 13u);
  EXPECT_FALSE(report.first_bad);
}

TEST_P(LedgerTest, EditedLeafIsNamed) {
  AppendCustody(0, 10);
  Checkpoint();
  DropProtection();
  ASSERT_OK_AND_ASSIGN(Leaf leaf, ledger_->GetLeaf(5));
  std::string edited = base::StrReplaceAll(leaf.data, {{"ingested", "destroyed"}});
  Sql("UPDATE ledger_leaves SET data = $1 WHERE idx = 5", {store::Blob{edited}});
  VerifyReport report = Verify();
  EXPECT_FALSE(report.ok());
  ASSERT_TRUE(report.first_bad);
  EXPECT_EQ(report.first_bad->index, 5u);
  EXPECT_EQ(report.first_bad->kind, "custody");
  EXPECT_EQ(report.first_bad->ref, "e5");
  EXPECT_THAT(report.first_bad->problem, HasSubstr("changed"));
}

TEST_P(LedgerTest, LeafRewrittenWithItsHashIsPlacedBetweenCheckpoints) {
  AppendCustody(0, 4);
  Checkpoint();
  AppendCustody(4, 4);
  Checkpoint();
  DropProtection();
  ASSERT_OK_AND_ASSIGN(Leaf leaf, ledger_->GetLeaf(5));
  std::string edited = base::StrReplaceAll(leaf.data, {{"ingested", "destroyed"}});
  Sql("UPDATE ledger_leaves SET data = $1, leaf_hash = $2 WHERE idx = 5",
      {store::Blob{edited}, store::Blob{std::string(HashBytes(LeafHash(edited)))}});
  VerifyReport report = Verify();
  EXPECT_FALSE(report.ok());
  ASSERT_TRUE(report.suspect_range);
  EXPECT_EQ(report.suspect_range->first, 4u);
  EXPECT_EQ(report.suspect_range->second, 8u);
  EXPECT_THAT(base::StrJoin(report.problems, "\n"), HasSubstr("checkpoint 2 (size 8)"));
}

TEST_P(LedgerTest, AuditRecordRewrittenInItsLeafIsNamedThroughItsTable) {
  AppendAudit(5);
  Checkpoint();
  DropProtection();
  ASSERT_OK_AND_ASSIGN(Leaf leaf, ledger_->GetLeaf(2));
  std::string edited = base::StrReplaceAll(leaf.data, {{"alice", "bob"}});
  Sql("UPDATE ledger_leaves SET data = $1, leaf_hash = $2 WHERE idx = 2",
      {store::Blob{edited}, store::Blob{std::string(HashBytes(LeafHash(edited)))}});
  VerifyReport report = Verify();
  ASSERT_TRUE(report.first_bad);
  EXPECT_EQ(report.first_bad->index, 2u);
  EXPECT_EQ(report.first_bad->kind, "audit");
  EXPECT_EQ(report.first_bad->ref, leaf.ref);
}

TEST_P(LedgerTest, EditedAuditRecordIsNamed) {
  AppendAudit(6);
  DropProtection();
  ASSERT_OK_AND_ASSIGN(Leaf leaf, ledger_->GetLeaf(3));
  Sql("UPDATE audit_log SET outcome = 'denied' WHERE id = $1",
      {static_cast<int64_t>(std::stoll(leaf.ref))});
  VerifyReport report = Verify();
  ASSERT_TRUE(report.first_bad);
  EXPECT_EQ(report.first_bad->index, 3u);
  EXPECT_EQ(report.first_bad->kind, "audit");
  EXPECT_THAT(report.first_bad->problem, HasSubstr("record was changed"));
}

TEST_P(LedgerTest, DeletedAuditRecordIsNamed) {
  AppendAudit(6);
  DropProtection();
  ASSERT_OK_AND_ASSIGN(Leaf leaf, ledger_->GetLeaf(4));
  Sql("DELETE FROM audit_log WHERE id = $1", {static_cast<int64_t>(std::stoll(leaf.ref))});
  VerifyReport report = Verify();
  ASSERT_TRUE(report.first_bad);
  EXPECT_EQ(report.first_bad->index, 4u);
  EXPECT_THAT(report.first_bad->problem, HasSubstr("deleted"));
}

TEST_P(LedgerTest, AuditRecordWrittenAroundTheLedgerIsReported) {
  AppendAudit(2);
  Sql("INSERT INTO audit_log(at_ms, action, outcome) VALUES (1, 'sneaky.write', 'success')");
  VerifyReport report = Verify();
  EXPECT_FALSE(report.ok());
  EXPECT_THAT(base::StrJoin(report.problems, "\n"), HasSubstr("has no leaf"));
}

TEST_P(LedgerTest, DeletedLeafIsNamed) {
  AppendCustody(0, 10);
  Checkpoint();
  DropProtection();
  Sql("DELETE FROM ledger_leaves WHERE idx = 5");
  VerifyReport report = Verify();
  ASSERT_TRUE(report.first_bad);
  EXPECT_EQ(report.first_bad->index, 5u);
  EXPECT_THAT(report.first_bad->problem, HasSubstr("missing"));
}

TEST_P(LedgerTest, SwappedLeavesAreNamed) {
  AppendCustody(0, 10);
  DropProtection();  // no checkpoint yet: the envelope alone catches it
  Sql("UPDATE ledger_leaves SET idx = -1 WHERE idx = 3");
  Sql("UPDATE ledger_leaves SET idx = 3 WHERE idx = 6");
  Sql("UPDATE ledger_leaves SET idx = 6 WHERE idx = -1");
  VerifyReport report = Verify();
  ASSERT_TRUE(report.first_bad);
  EXPECT_EQ(report.first_bad->index, 3u);
  EXPECT_EQ(report.first_bad->ref, "e6");
  EXPECT_THAT(report.first_bad->problem, HasSubstr("holds the data of leaf 6"));
}

TEST_P(LedgerTest, TruncatedLogIsDetected) {
  AppendCustody(0, 10);
  Checkpoint();
  DropProtection();
  Sql("DELETE FROM ledger_leaves WHERE idx >= 7");
  VerifyReport report = Verify();
  ASSERT_TRUE(report.first_bad);
  EXPECT_EQ(report.first_bad->index, 7u);
  EXPECT_THAT(report.first_bad->problem, HasSubstr("truncated"));
}

TEST_P(LedgerTest, TruncationCoveredUpInTheDatabaseIsCaughtByTheCheckpointFile) {
  AppendCustody(0, 10);
  Checkpoint();
  DropProtection();
  // Leaves, checkpoints and the head, all made to agree: only the file outside remembers.
  Sql("DELETE FROM ledger_leaves WHERE idx >= 7");
  Sql("DELETE FROM ledger_checkpoints");
  Sql("UPDATE ledger_head SET size = 7, checkpoints = 0");
  VerifyReport report = Verify();
  ASSERT_TRUE(report.first_bad);
  EXPECT_EQ(report.first_bad->index, 7u);
  EXPECT_THAT(base::StrJoin(report.problems, "\n"), HasSubstr("trusted checkpoint 1"));
}

TEST_P(LedgerTest, ForgedOrDeletedCheckpointsAreReported) {
  AppendCustody(0, 3);
  Checkpoint();
  AppendCustody(3, 3);
  Checkpoint();
  AppendCustody(6, 3);
  Checkpoint();
  DropProtection();
  ASSERT_OK_AND_ASSIGN(store::Result stored,
                       database_->Execute("SELECT note FROM ledger_checkpoints WHERE seq = 3"));
  std::string forged = stored.rows[0].Text(0);
  forged[forged.find('\n') + 1] = '8';  // "9" leaves becomes "8"
  Sql("UPDATE ledger_checkpoints SET note = $1 WHERE seq = 3", {forged});
  Sql("DELETE FROM ledger_checkpoints WHERE seq = 2");
  VerifyReport report = Verify();
  std::string problems = base::StrJoin(report.problems, "\n");
  EXPECT_THAT(problems, HasSubstr("checkpoint 3: the signature"));
  EXPECT_THAT(problems, HasSubstr("checkpoint 2 is missing"));
}

TEST_P(LedgerTest, ExistingAuditRecordsAreAnchoredOnce) {
  trail_->SetAnchor(nullptr);
  AppendAudit(4);  // written before the ledger
  trail_->SetAnchor(anchor_.get());
  ASSERT_OK_AND_ASSIGN(int64_t anchored, anchor_->AnchorExisting(*trail_));
  EXPECT_EQ(anchored, 4);
  AppendAudit(1);
  ASSERT_OK_AND_ASSIGN(int64_t again, anchor_->AnchorExisting(*trail_));
  EXPECT_EQ(again, 0);
  EXPECT_EQ(*ledger_->Size(), 6u);  // four late, the marker, one more
  ASSERT_OK_AND_ASSIGN(Leaf marker, ledger_->GetLeaf(4));
  EXPECT_EQ(marker.kind, "ledger");
  VerifyReport report = Verify();
  EXPECT_TRUE(report.ok()) << base::StrJoin(report.problems, "\n");
  EXPECT_EQ(report.records_compared, 5u);
}

INSTANTIATE_TEST_SUITE_P(Engines, LedgerTest,
                         ::testing::Values(store::Engine::kSqlite, store::Engine::kPostgres),
                         [](const ::testing::TestParamInfo<store::Engine>& info) {
                           return ::testing::PrintToString(info.param);
                         });

}  // namespace
}  // namespace threathub::ledger
