// The store conformance suite: every test runs on SQLite (a temporary directory) and on
// PostgreSQL when THREATHUB_TEST_PG_URI names a throwaway database, for example:
//
//   tools/pg_temp.sh run -- build/src/store/store_test
//
// On PostgreSQL each test works in a schema of its own (made and dropped here, put first on the
// search path through the URI's options), so tests may run in parallel against one database.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "store/database.h"
#include "store/migrations.h"

namespace threathub::store {

// Names the engine in test listings ("GetParam() = Sqlite").
void PrintTo(Engine engine, std::ostream* out) {
  *out << (engine == Engine::kSqlite ? "Sqlite" : "Postgres");
}

namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

const absl::Status& GetStatus(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER_P(StatusIs, code, base::StrCat("has status code ", absl::StatusCodeToString(code))) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "the status is " << status;
  return status.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher,
           base::StrCat("has status code ", absl::StatusCodeToString(code))) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "the status is " << status;
  return status.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, std::string(status.message()),
                                       result_listener);
}

#define ASSERT_OK(expression)                                        \
  do {                                                               \
    const auto& assert_ok_value = (expression);                      \
    ASSERT_TRUE(assert_ok_value.ok()) << GetStatus(assert_ok_value); \
  } while (false)

#define EXPECT_OK(expression)                                        \
  do {                                                               \
    const auto& expect_ok_value = (expression);                      \
    EXPECT_TRUE(expect_ok_value.ok()) << GetStatus(expect_ok_value); \
  } while (false)

#define ASSERT_OK_AND_ASSIGN_IMPL(holder, lhs, expression) \
  auto holder = (expression);                              \
  ASSERT_TRUE(holder.ok()) << holder.status();             \
  lhs = std::move(holder).value()

#define ASSERT_OK_AND_ASSIGN(lhs, expression) \
  ASSERT_OK_AND_ASSIGN_IMPL(THREATHUB_CONCAT(assert_statusor_, __LINE__), lhs, expression)

constexpr char kPostgresUriVariable[] = "THREATHUB_TEST_PG_URI";

std::string EngineName(const ::testing::TestParamInfo<Engine>& info) {
  return ::testing::PrintToString(info.param);
}

std::string MakeTemporaryDirectory() {
  std::string pattern = ::testing::TempDir() + "/store_test.XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) return "";
  return pattern;
}

class StoreTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    if (GetParam() == Engine::kSqlite) {
      data_dir_ = MakeTemporaryDirectory();
      ASSERT_FALSE(data_dir_.empty());
      spec_ = "sqlite";
    } else {
      const char* uri = std::getenv(kPostgresUriVariable);
      if (uri == nullptr || *uri == '\0') {
        GTEST_SKIP() << "PostgreSQL not tested: set " << kPostgresUriVariable
                     << " to the URI of a throwaway database (tools/pg_temp.sh start DIR)";
      }
      static std::atomic<int> schema_counter{0};
      schema_ = base::StrCat("store_test_", ::getpid(), "_", schema_counter++);
      ASSERT_OK_AND_ASSIGN(admin_, OpenDatabase(uri, "", OpenOptions{.pool_size = 1}));
      ASSERT_OK(admin_->Execute(base::StrCat("DROP SCHEMA IF EXISTS ", schema_, " CASCADE")));
      ASSERT_OK(admin_->Execute(base::StrCat("CREATE SCHEMA ", schema_)));
      std::string base_uri = uri;
      spec_ = base::StrCat(base_uri, base_uri.find('?') == std::string::npos ? "?" : "&",
                           "options=-csearch_path%3D", schema_);
    }
    ASSERT_OK_AND_ASSIGN(database_, OpenDatabase(spec_, data_dir_));
  }

  void TearDown() override {
    database_.reset();
    if (admin_ != nullptr) {
      EXPECT_OK(admin_->Execute(base::StrCat("DROP SCHEMA IF EXISTS ", schema_, " CASCADE")));
    }
    if (!data_dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(data_dir_, ignored);
    }
  }

  Engine engine() const { return GetParam(); }
  Database& database() { return *database_; }
  std::string Sql(std::string_view sql) const { return TranslateSql(engine(), sql); }

  int64_t Count(const std::string& table) {
    absl::StatusOr<Result> result =
        database_->Execute(base::StrCat("SELECT COUNT(*) FROM ", table), {}, TxMode::kRead);
    EXPECT_TRUE(result.ok()) << result.status();
    if (!result.ok() || result->rows.empty()) return -1;
    return result->rows[0].Int(0);
  }

  // A region row for the tables of migration 1.
  absl::StatusOr<int64_t> InsertRegion(Transaction& transaction, const std::string& code) {
    ASSIGN_OR_RETURN(Result result,
                     transaction.Execute("INSERT INTO regions(code, name, created_at) "
                                         "VALUES ($1, $2, $3) RETURNING id",
                                         {code, "Астана", int64_t{1'767'225'600'000}}));
    return result.rows.at(0).Int(0);
  }

  std::string spec_;
  std::string data_dir_;
  std::string schema_;
  std::unique_ptr<Database> admin_;
  std::unique_ptr<Database> database_;
};

TEST_P(StoreTest, ReportsItsEngine) { EXPECT_EQ(database().engine(), engine()); }

TEST_P(StoreTest, MigrationsApplyAndAreIdempotent) {
  ASSERT_OK_AND_ASSIGN(int first, Migrate(database()));
  EXPECT_EQ(first, LatestSchemaVersion());
  ASSERT_OK_AND_ASSIGN(int second, Migrate(database()));
  EXPECT_EQ(second, LatestSchemaVersion());
  ASSERT_OK_AND_ASSIGN(int current, CurrentSchemaVersion(database()));
  EXPECT_EQ(current, LatestSchemaVersion());
  EXPECT_EQ(Count("schema_version"), static_cast<int64_t>(SchemaMigrations().size()));
  EXPECT_EQ(Count("regions"), 0);
  EXPECT_EQ(Count("audit_log"), 0);
}

std::vector<Migration> ProbeMigrations(int count) {
  std::vector<Migration> migrations;
  for (int version = 1; version <= count; ++version) {
    migrations.push_back({version, base::StrCat("probe ", version),
                          base::StrCat("CREATE TABLE probe_", version, " (id {{id}}, note TEXT)"),
                          "", ""});
  }
  return migrations;
}

TEST_P(StoreTest, OlderBinaryRefusesNewerSchema) {
  ASSERT_OK_AND_ASSIGN(int newer, Migrate(database(), ProbeMigrations(3)));
  ASSERT_EQ(newer, 3);
  EXPECT_THAT(Migrate(database(), ProbeMigrations(2)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("version 3"), HasSubstr("up to 2"))));
  ASSERT_OK_AND_ASSIGN(int current, CurrentSchemaVersion(database()));
  EXPECT_EQ(current, 3);
}

TEST_P(StoreTest, FailedMigrationLeavesNoTrace) {
  std::vector<Migration> migrations = ProbeMigrations(1);
  migrations.push_back(
      {2, "broken", "CREATE TABLE half_done (id {{id}}); CREATE TABLE oops (", "", ""});
  EXPECT_THAT(Migrate(database(), migrations),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("migration 2 (broken)")));
  ASSERT_OK_AND_ASSIGN(int current, CurrentSchemaVersion(database()));
  EXPECT_EQ(current, 1);
  EXPECT_THAT(database().Execute("SELECT COUNT(*) FROM half_done"),
              StatusIs(absl::StatusCode::kInternal));
}

struct RoundTripCase {
  Value integer;
  Value real;
  Value text;
  Value blob;
};

TEST_P(StoreTest, ValuesRoundTrip) {
  ASSERT_OK(database().Execute(
      Sql("CREATE TABLE kinds (id {{id}}, i BIGINT, d DOUBLE PRECISION, t TEXT, b {{blob}})")));
  std::string all_bytes;
  for (int byte = 0; byte < 256; ++byte) all_bytes.push_back(static_cast<char>(byte));
  const std::vector<RoundTripCase> cases = {
      {std::monostate(), std::monostate(), std::monostate(), std::monostate()},
      {std::numeric_limits<int64_t>::min(), 0.1, std::string("Қазақстан Республикасы"),
       Blob{std::string("\0\x01\xff\0", 4)}},
      {std::numeric_limits<int64_t>::max(), -1.5e300, std::string("Российская Федерация «ёж»"),
       Blob{all_bytes}},
      {int64_t{0}, std::numeric_limits<double>::denorm_min(), std::string(""), Blob{""}},
      {int64_t{-1}, 1.0 / 3.0, std::string("'; DROP TABLE kinds; -- \\ $1 🇰🇿"),
       Blob{std::string(100'000, '\0')}},
      {int64_t{1}, -std::numeric_limits<double>::infinity(), std::string("\t\n"), Blob{"\\x00"}},
  };
  for (const RoundTripCase& row : cases) {
    ASSERT_OK(database().Execute("INSERT INTO kinds(i, d, t, b) VALUES ($1, $2, $3, $4)",
                                 {row.integer, row.real, row.text, row.blob}));
  }
  ASSERT_OK_AND_ASSIGN(Result result, database().Execute("SELECT i, d, t, b FROM kinds ORDER BY id",
                                                         {}, TxMode::kRead));
  EXPECT_EQ(result.columns, (std::vector<std::string>{"i", "d", "t", "b"}));
  ASSERT_EQ(result.rows.size(), cases.size());
  for (size_t row_idx = 0; row_idx < cases.size(); ++row_idx) {
    SCOPED_TRACE(base::StrCat("row ", row_idx));
    const Row& row = result.rows[row_idx];
    ASSERT_EQ(row.size(), 4u);
    EXPECT_TRUE(row.At(0) == cases[row_idx].integer);
    EXPECT_TRUE(row.At(1) == cases[row_idx].real);
    EXPECT_TRUE(row.At(2) == cases[row_idx].text);
    EXPECT_TRUE(row.At(3) == cases[row_idx].blob);
  }
  EXPECT_TRUE(result.rows[0].IsNull(0));
  EXPECT_EQ(result.rows[0].Text(2), "");
  EXPECT_FALSE(result.rows[3].IsNull(2));
  EXPECT_FALSE(result.rows[3].IsNull(3));
  EXPECT_EQ(result.rows[1].Text(2), "Қазақстан Республикасы");
  EXPECT_EQ(result.rows[1].Text(3), std::string("\0\x01\xff\0", 4));
}

TEST_P(StoreTest, ParametersComeBackFromSelectUnchanged) {
  const std::vector<Value> params = {std::numeric_limits<int64_t>::min(), 2.5,
                                     std::string("Қазақстан"), Blob{std::string("\0z", 2)}};
  ASSERT_OK_AND_ASSIGN(Result result, database().Execute("SELECT $1, $2, $3, $4", params));
  ASSERT_EQ(result.rows.size(), 1u);
  for (size_t column = 0; column < params.size(); ++column) {
    EXPECT_TRUE(result.rows[0].At(column) == params[column]) << "column " << column;
  }
}

TEST_P(StoreTest, ParameterMayBeReadTwice) {
  ASSERT_OK_AND_ASSIGN(Result result,
                       database().Execute("SELECT $1 + $1, $2", {int64_t{21}, std::string("x")}));
  EXPECT_EQ(result.rows.at(0).Int(0), 42);
  EXPECT_EQ(result.rows.at(0).Text(1), "x");
}

TEST_P(StoreTest, ReturningGivesNewIdsAndCountsChangedRows) {
  ASSERT_OK(Migrate(database()));
  std::vector<int64_t> ids;
  ASSERT_OK(database().Transact(TxMode::kWrite, [&](Transaction& transaction) -> absl::Status {
    for (const char* code : {"KZ-AST", "KZ-ALA", "KZ-SHY"}) {
      ASSIGN_OR_RETURN(int64_t id, InsertRegion(transaction, code));
      ids.push_back(id);
    }
    return absl::OkStatus();
  }));
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_GT(ids[0], 0);
  EXPECT_LT(ids[0], ids[1]);
  EXPECT_LT(ids[1], ids[2]);

  ASSERT_OK_AND_ASSIGN(Result update,
                       database().Execute("UPDATE regions SET name = $1 WHERE id >= $2",
                                          {std::string("Алматы"), ids[1]}));
  EXPECT_EQ(update.affected_rows, 2);
  ASSERT_OK_AND_ASSIGN(Result none,
                       database().Execute("DELETE FROM regions WHERE id = $1", {int64_t{-7}}));
  EXPECT_EQ(none.affected_rows, 0);
  ASSERT_OK_AND_ASSIGN(Result select, database().Execute("SELECT id FROM regions"));
  EXPECT_EQ(select.rows.size(), 3u);
  EXPECT_EQ(select.affected_rows, 0);
}

TEST_P(StoreTest, UniqueViolationIsAlreadyExists) {
  ASSERT_OK(Migrate(database()));
  ASSERT_OK(database().Transact(TxMode::kWrite, [&](Transaction& transaction) {
    return InsertRegion(transaction, "KZ-AST").status();
  }));
  EXPECT_THAT(database().Transact(TxMode::kWrite,
                                  [&](Transaction& transaction) {
                                    return InsertRegion(transaction, "KZ-AST").status();
                                  }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(Count("regions"), 1);
}

TEST_P(StoreTest, ConstraintViolationsAreFailedPrecondition) {
  ASSERT_OK(Migrate(database()));
  EXPECT_THAT(database().Execute(
                  "INSERT INTO agencies(region_id, code, name, created_at) "
                  "VALUES ($1, $2, $3, $4)",
                  {int64_t{424242}, std::string("DEPT"), std::string("Department"), int64_t{0}}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(database().Execute("INSERT INTO regions(code, name, created_at) VALUES ($1, $2, $3)",
                                 {std::string("KZ-X"), std::monostate(), int64_t{0}}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK(database().Execute("CREATE TABLE positive (n BIGINT CHECK (n > 0))"));
  EXPECT_THAT(database().Execute("INSERT INTO positive(n) VALUES ($1)", {int64_t{-1}}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(Count("agencies"), 0);
  EXPECT_EQ(Count("regions"), 0);
  EXPECT_EQ(Count("positive"), 0);
}

TEST_P(StoreTest, BodyErrorRollsBackEverything) {
  ASSERT_OK(Migrate(database()));
  absl::Status status = database().Transact(TxMode::kWrite, [&](Transaction& transaction) {
    absl::Status inserted = InsertRegion(transaction, "KZ-AST").status();
    if (!inserted.ok()) return inserted;
    return absl::NotFoundError("the case went away");
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kNotFound, "the case went away"));
  EXPECT_EQ(Count("regions"), 0);
}

TEST_P(StoreTest, FailedStatementFailsTheWholeTransaction) {
  ASSERT_OK(Migrate(database()));
  ASSERT_OK(database().Transact(TxMode::kWrite, [&](Transaction& transaction) {
    return InsertRegion(transaction, "KZ-AST").status();
  }));
  absl::Status later;
  // The body ignores the duplicate and returns OK: the transaction must not commit anyway, since
  // PostgreSQL has already aborted it.
  absl::Status status = database().Transact(TxMode::kWrite, [&](Transaction& transaction) {
    EXPECT_OK(InsertRegion(transaction, "KZ-ALA"));
    EXPECT_THAT(InsertRegion(transaction, "KZ-AST"), StatusIs(absl::StatusCode::kAlreadyExists));
    later = InsertRegion(transaction, "KZ-SHY").status();
    return absl::OkStatus();
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(later, StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("earlier statement")));
  EXPECT_EQ(Count("regions"), 1);
}

TEST_P(StoreTest, AuditLogRefusesUpdateAndDelete) {
  ASSERT_OK(Migrate(database()));
  ASSERT_OK(database().Execute(
      "INSERT INTO audit_log(at_ms, actor_name, action, outcome) VALUES ($1, $2, $3, $4)",
      {int64_t{1'767'225'600'000}, std::string("ержан"), std::string("case.read"),
       std::string("ok")}));
  EXPECT_THAT(database().Execute("UPDATE audit_log SET outcome = $1", {std::string("denied")}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("append-only")));
  EXPECT_THAT(database().Execute("DELETE FROM audit_log"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("append-only")));
  if (engine() == Engine::kPostgres) {
    EXPECT_THAT(database().Execute("TRUNCATE audit_log"),
                StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("append-only")));
  }
  ASSERT_OK_AND_ASSIGN(Result rows, database().Execute("SELECT outcome FROM audit_log"));
  ASSERT_EQ(rows.rows.size(), 1u);
  EXPECT_EQ(rows.rows[0].Text(0), "ok");
}

TEST_P(StoreTest, ConcurrentWriteTransactionsAllLand) {
  constexpr int kThreads = 8;
  constexpr int kInsertsPerThread = 200;
  ASSERT_OK(database().Execute(Sql("CREATE TABLE events (id {{id}}, thread BIGINT, seq BIGINT)")));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
    threads.emplace_back([&, thread_idx] {
      for (int insert_idx = 0; insert_idx < kInsertsPerThread; ++insert_idx) {
        absl::Status status =
            database().Transact(TxMode::kWrite, [&](Transaction& transaction) -> absl::Status {
              return transaction
                  .Execute("INSERT INTO events(thread, seq) VALUES ($1, $2)",
                           {int64_t{thread_idx}, int64_t{insert_idx}})
                  .status();
            });
        if (!status.ok()) {
          ADD_FAILURE() << status;
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Count("events"), kThreads * kInsertsPerThread);
  ASSERT_OK_AND_ASSIGN(Result distinct,
                       database().Execute("SELECT COUNT(*) FROM (SELECT DISTINCT thread, seq "
                                          "FROM events) AS pairs"));
  EXPECT_EQ(distinct.rows.at(0).Int(0), kThreads * kInsertsPerThread);
}

TEST_P(StoreTest, SmallPoolServesMoreThreadsThanConnections) {
  constexpr int kThreads = 6;
  constexpr int kRounds = 25;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Database> small,
                       OpenDatabase(spec_, data_dir_, OpenOptions{.pool_size = 2}));
  ASSERT_OK(small->Execute(Sql("CREATE TABLE counters (id {{id}}, n BIGINT)")));
  std::vector<std::thread> threads;
  for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
    threads.emplace_back([&] {
      for (int round = 0; round < kRounds; ++round) {
        EXPECT_OK(small->Execute("INSERT INTO counters(n) VALUES ($1)", {int64_t{round}}));
        EXPECT_OK(small->Execute("SELECT COUNT(*) FROM counters", {}, TxMode::kRead));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_OK_AND_ASSIGN(Result count, small->Execute("SELECT COUNT(*) FROM counters"));
  EXPECT_EQ(count.rows.at(0).Int(0), kThreads * kRounds);
}

TEST_P(StoreTest, CheckIntegrityIsOk) {
  ASSERT_OK(Migrate(database()));
  ASSERT_OK(database().Transact(TxMode::kWrite, [&](Transaction& transaction) {
    return InsertRegion(transaction, "KZ-AST").status();
  }));
  EXPECT_OK(database().CheckIntegrity());
}

TEST_P(StoreTest, CheckIntegrityReportsBrokenReferences) {
  ASSERT_OK(database().Execute("CREATE TABLE parent (id BIGINT PRIMARY KEY)"));
  if (engine() == Engine::kSqlite) {
    ASSERT_OK(database().Execute("CREATE TABLE child (parent_id BIGINT REFERENCES parent(id))"));
    // Written behind the store's back, with foreign keys off, as an old tool or a bug might.
    sqlite3* handle = nullptr;
    ASSERT_EQ(sqlite3_open((data_dir_ + "/threathub.db").c_str(), &handle), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(handle, "PRAGMA foreign_keys=OFF; INSERT INTO child VALUES (5)", nullptr,
                           nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(handle);
  } else {
    ASSERT_OK(database().Execute("CREATE TABLE child (parent_id BIGINT)"));
    ASSERT_OK(database().Execute("INSERT INTO child VALUES (5)"));
    ASSERT_OK(
        database().Execute("ALTER TABLE child ADD CONSTRAINT child_parent "
                           "FOREIGN KEY (parent_id) REFERENCES parent(id) NOT VALID"));
  }
  EXPECT_THAT(database().CheckIntegrity(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("child")));
}

TEST_P(StoreTest, BadSqlIsInternal) {
  EXPECT_THAT(database().Execute("SELEKT 1"), StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(database().Execute("SELECT * FROM no_such_table"),
              StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(database().Execute("SELECT 1; SELECT 2"), StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(database().Execute("SELECT $1, $2", {int64_t{1}}),
              StatusIs(absl::StatusCode::kInternal));
}

TEST_P(StoreTest, TextWithNulByteIsRefused) {
  EXPECT_THAT(database().Execute("SELECT $1", {std::string("a\0b", 3)}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("$1")));
}

TEST_P(StoreTest, StatementCacheFollowsSchemaChanges) {
  ASSERT_OK(database().Execute("CREATE TABLE growing (a BIGINT)"));
  ASSERT_OK(database().Execute("INSERT INTO growing(a) VALUES ($1)", {int64_t{1}}));
  ASSERT_OK_AND_ASSIGN(Result before, database().Execute("SELECT * FROM growing"));
  EXPECT_EQ(before.columns, std::vector<std::string>{"a"});
  ASSERT_OK(database().Execute("ALTER TABLE growing ADD COLUMN b TEXT"));
  ASSERT_OK_AND_ASSIGN(Result after, database().Execute("SELECT * FROM growing"));
  EXPECT_EQ(after.columns, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(after.rows.size(), 1u);
  EXPECT_EQ(after.rows[0].size(), 2u);
  EXPECT_TRUE(after.rows[0].IsNull(1));
}

TEST_P(StoreTest, ScriptRunsSeveralStatementsInTheTransaction) {
  absl::Status status = database().Transact(TxMode::kWrite, [](Transaction& transaction) {
    absl::Status script = transaction.ExecuteScript(
        "CREATE TABLE scripted (n BIGINT); INSERT INTO scripted VALUES (1); "
        "INSERT INTO scripted VALUES (2);");
    if (!script.ok()) return script;
    return absl::AbortedError("changed my mind");
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(database().Execute("SELECT COUNT(*) FROM scripted"),
              StatusIs(absl::StatusCode::kInternal));
  ASSERT_OK(database().Transact(TxMode::kWrite, [](Transaction& transaction) {
    return transaction.ExecuteScript(
        "CREATE TABLE scripted (n BIGINT); INSERT INTO scripted VALUES (1);");
  }));
  EXPECT_EQ(Count("scripted"), 1);
}

TEST_P(StoreTest, ReopenedDatabaseKeepsCommittedData) {
  ASSERT_OK(Migrate(database()));
  ASSERT_OK(database().Transact(TxMode::kWrite, [&](Transaction& transaction) {
    return InsertRegion(transaction, "KZ-AST").status();
  }));
  database_.reset();
  ASSERT_OK_AND_ASSIGN(database_, OpenDatabase(spec_, data_dir_));
  EXPECT_EQ(Count("regions"), 1);
  ASSERT_OK_AND_ASSIGN(int version, Migrate(database()));
  EXPECT_EQ(version, LatestSchemaVersion());
}

TEST_P(StoreTest, DroppedConnectionIsMadeAgain) {
  if (engine() != Engine::kPostgres) GTEST_SKIP() << "SQLite has no server connection to lose";
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Database> single,
                       OpenDatabase(spec_, data_dir_, OpenOptions{.pool_size = 1}));
  ASSERT_OK_AND_ASSIGN(Result backend, single->Execute("SELECT pg_backend_pid()"));
  int64_t backend_pid = backend.rows.at(0).Int(0);
  ASSERT_OK_AND_ASSIGN(Result terminated,
                       admin_->Execute("SELECT pg_terminate_backend($1::integer)", {backend_pid}));
  ASSERT_EQ(terminated.rows.at(0).Int(0), 1);
  ASSERT_OK_AND_ASSIGN(Result again, single->Execute("SELECT pg_backend_pid()"));
  EXPECT_NE(again.rows.at(0).Int(0), backend_pid);
}

TEST_P(StoreTest, DeadlockedTransactionRunsAgain) {
  if (engine() != Engine::kPostgres) {
    GTEST_SKIP() << "SQLite serialises write transactions: they cannot deadlock";
  }
  ASSERT_OK(database().Execute("CREATE TABLE accounts (id BIGINT PRIMARY KEY, balance BIGINT)"));
  ASSERT_OK(database().Execute("INSERT INTO accounts VALUES (1, 100), (2, 100)"));
  std::atomic<int> attempts{0};
  absl::Notification first_locked;
  absl::Notification second_locked;
  // Each transaction locks one row, waits until the other has locked the other row, then wants
  // it: PostgreSQL breaks the deadlock by failing one of them (40P01), which must run again.
  auto transfer = [&](int64_t from, int64_t to, absl::Notification& mine,
                      absl::Notification& theirs) {
    return database().Transact(TxMode::kWrite, [&](Transaction& transaction) -> absl::Status {
      ++attempts;
      RETURN_IF_ERROR(
          transaction.Execute("UPDATE accounts SET balance = balance - 10 WHERE id = $1", {from})
              .status());
      if (!mine.HasBeenNotified()) mine.Notify();
      theirs.WaitForNotificationWithTimeout(absl::Seconds(10));
      return transaction.Execute("UPDATE accounts SET balance = balance + 10 WHERE id = $1", {to})
          .status();
    });
  };
  absl::Status first_status;
  absl::Status second_status;
  std::thread first([&] { first_status = transfer(1, 2, first_locked, second_locked); });
  std::thread second([&] { second_status = transfer(2, 1, second_locked, first_locked); });
  first.join();
  second.join();
  EXPECT_OK(first_status);
  EXPECT_OK(second_status);
  EXPECT_EQ(attempts.load(), 3);
  ASSERT_OK_AND_ASSIGN(Result balances,
                       database().Execute("SELECT balance FROM accounts ORDER BY id"));
  ASSERT_EQ(balances.rows.size(), 2u);
  EXPECT_EQ(balances.rows[0].Int(0), 100);
  EXPECT_EQ(balances.rows[1].Int(0), 100);
}

INSTANTIATE_TEST_SUITE_P(Engines, StoreTest, ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         EngineName);

TEST(OpenDatabaseTest, UnknownSpecIsInvalidArgument) {
  EXPECT_THAT(OpenDatabase("mysql://root:secret@localhost/x", "/nonexistent"),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::Not(HasSubstr("secret"))));
  EXPECT_THAT(OpenDatabase("sqlite", "/nonexistent", OpenOptions{.pool_size = 0}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(OpenDatabaseTest, BadPostgresUriIsInvalidArgument) {
  EXPECT_THAT(OpenDatabase("postgresql://host:notaport/db?nonsense=1", ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(OpenDatabaseTest, UnreachablePostgresIsUnavailable) {
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  EXPECT_THAT(OpenDatabase("postgresql://nobody@127.0.0.1:1/nothing", ""),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST(OpenDatabaseTest, SqliteCreatesTheDataDirectory) {
  std::string root = MakeTemporaryDirectory();
  ASSERT_FALSE(root.empty());
  std::string data_dir = root + "/var/data";
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Database> database, OpenDatabase("sqlite", data_dir));
    EXPECT_EQ(database->engine(), Engine::kSqlite);
    ASSERT_OK_AND_ASSIGN(Result mode, database->Execute("PRAGMA journal_mode"));
    EXPECT_EQ(mode.rows.at(0).Text(0), "wal");
    ASSERT_OK_AND_ASSIGN(Result keys, database->Execute("PRAGMA foreign_keys"));
    EXPECT_EQ(keys.rows.at(0).Int(0), 1);
    ASSERT_OK_AND_ASSIGN(Result sync, database->Execute("PRAGMA synchronous"));
    EXPECT_EQ(sync.rows.at(0).Int(0), 2);  // FULL
  }
  EXPECT_TRUE(std::filesystem::exists(data_dir + "/threathub.db"));
  std::filesystem::remove_all(root);
}

TEST(RowTest, AccessorsConvertAndDefault) {
  Row row({std::monostate(), int64_t{7}, 2.75, std::string("42"), Blob{"raw"},
           std::string("not a number")});
  EXPECT_TRUE(row.IsNull(0));
  EXPECT_FALSE(row.IsNull(1));
  EXPECT_TRUE(row.IsNull(99));
  EXPECT_EQ(row.Int(0), 0);
  EXPECT_EQ(row.Int(1), 7);
  EXPECT_EQ(row.Int(2), 2);
  EXPECT_EQ(row.Int(3), 42);
  EXPECT_EQ(row.Int(5), 0);
  EXPECT_DOUBLE_EQ(row.Double(1), 7.0);
  EXPECT_DOUBLE_EQ(row.Double(2), 2.75);
  EXPECT_DOUBLE_EQ(row.Double(3), 42.0);
  EXPECT_EQ(row.Text(0), "");
  EXPECT_EQ(row.Text(3), "42");
  EXPECT_EQ(row.Text(4), "raw");
  EXPECT_EQ(row.Text(99), "");
}

}  // namespace
}  // namespace threathub::store
