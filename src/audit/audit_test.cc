#include "audit/audit.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "base/encoding.h"
#include "store/migrations.h"

namespace threathub::audit {
namespace {

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("threathub-audit-" + base::HexEncode(base::RandomBytes(6)));
    std::filesystem::create_directories(directory_);
    database_ = store::OpenDatabase("sqlite", directory_).value();
    ASSERT_TRUE(store::Migrate(*database_).ok());
    trail_ = std::make_unique<AuditTrail>(*database_, clock_);
  }
  void TearDown() override {
    trail_.reset();
    database_.reset();
    std::filesystem::remove_all(directory_);
  }

  Record Append(std::string actor, std::string action, int64_t agency = 1) {
    Record record{.actor_name = std::move(actor), .agency_id = agency, .action = std::move(action)};
    EXPECT_TRUE(trail_->Append(record).ok());
    clock_.Advance(1000);
    return record;
  }

  base::FakeClock clock_;
  std::filesystem::path directory_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<AuditTrail> trail_;
};

TEST_F(AuditTest, AppendSetsIdAndTime) {
  base::Millis before = clock_.NowMillis();
  Record record = Append("alice", "user.create");
  EXPECT_GT(record.id, 0);
  EXPECT_EQ(record.at, before);
}

TEST_F(AuditTest, SearchFiltersAndPagesNewestFirst) {
  for (int record_idx = 0; record_idx < 5; ++record_idx) Append("alice", "user.create");
  Append("bob", "user.disable", 2);
  Append("alice", "auth.login");

  Query by_actor{.actor = "bob"};
  Page page = trail_->Search(by_actor).value();
  ASSERT_EQ(page.records.size(), 1u);
  EXPECT_EQ(page.records[0].action, "user.disable");

  Query by_prefix{.action = "user."};
  EXPECT_EQ(trail_->Search(by_prefix)->records.size(), 6u);

  Query by_agency{.agency_id = 2};
  EXPECT_EQ(trail_->Search(by_agency)->records.size(), 1u);

  Query paged{.actor = "alice", .limit = 4};
  Page first = trail_->Search(paged).value();
  ASSERT_EQ(first.records.size(), 4u);
  EXPECT_EQ(first.records[0].action, "auth.login");  // newest first
  ASSERT_TRUE(first.next_before_id);
  paged.before_id = first.next_before_id;
  Page second = trail_->Search(paged).value();
  EXPECT_EQ(second.records.size(), 2u);
  EXPECT_FALSE(second.next_before_id);
}

TEST_F(AuditTest, TimeRangeIsHalfOpen) {
  Record first = Append("alice", "a");
  Record second = Append("alice", "b");
  Append("alice", "c");
  Query range{.from = first.at, .to = second.at + 1};
  Page page = trail_->Search(range).value();
  ASSERT_EQ(page.records.size(), 2u);
  EXPECT_EQ(page.records[0].action, "b");
}

TEST_F(AuditTest, StoredRecordsCannotBeChangedOrDeleted) {
  Append("alice", "user.create");
  EXPECT_EQ(database_->Execute("UPDATE audit_log SET actor_name = 'mallory'").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(database_->Execute("DELETE FROM audit_log").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(trail_->Search(Query{.actor = "alice"})->records.size(), 1u);
}

class RecordingAnchor : public Anchor {
 public:
  absl::Status OnAppend(store::Transaction&, const Record& record) override {
    if (fail) return absl::UnavailableError("ledger down");
    anchored.push_back(record.id);
    return absl::OkStatus();
  }
  bool fail = false;
  std::vector<int64_t> anchored;
};

TEST_F(AuditTest, EveryRecordPassesThroughTheAnchorInItsTransaction) {
  RecordingAnchor anchor;
  trail_->SetAnchor(&anchor);
  Record record = Append("alice", "user.create");
  ASSERT_EQ(anchor.anchored.size(), 1u);
  EXPECT_EQ(anchor.anchored[0], record.id);
  anchor.fail = true;
  Record refused{.actor_name = "alice", .action = "user.disable"};
  EXPECT_EQ(trail_->Append(refused).code(), absl::StatusCode::kUnavailable);
  // The record whose anchoring failed is not there.
  EXPECT_EQ(trail_->Search(Query{.action = "user.disable"})->records.size(), 0u);
}

TEST_F(AuditTest, RefusesBadLimits) {
  EXPECT_EQ(trail_->Search(Query{.limit = 0}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(trail_->Search(Query{.limit = 1001}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace threathub::audit
