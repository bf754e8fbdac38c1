// The SQLite engine: a pool of connections to one database file in WAL mode.
//
// Writers are serialised twice: inside the process by a gate (at most one kWrite transaction holds
// a connection at a time), and between processes by SQLite's own lock, taken at BEGIN IMMEDIATE.
// The gate lets writers of this process queue on a mutex instead of polling in SQLite's busy
// handler, which would otherwise sleep for milliseconds between attempts.
#include "store/internal/sqlite_database.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/cleanup/cleanup.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "store/internal/checked_transaction.h"

namespace threathub::store::internal {
namespace {

// Past this many distinct statements a connection's cache is emptied and starts again, so that
// SQL built at run time (IN lists of varying length, say) cannot grow it without bound.
constexpr size_t kMaxCachedStatements = 256;
// CheckIntegrity reports at most this many problems.
constexpr size_t kMaxReportedProblems = 20;
constexpr absl::Duration kFirstBeginPause = absl::Milliseconds(1);
constexpr absl::Duration kLongestBeginPause = absl::Milliseconds(50);

absl::Status StatusFromSqlite(int extended_code, std::string_view message) {
  switch (extended_code) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_ROWID:
      return absl::AlreadyExistsError(base::ToAbsl(message));
    default:
      break;
  }
  switch (extended_code & 0xff) {
    // FOREIGNKEY, CHECK, NOTNULL, and TRIGGER, whose message is the one given to RAISE(ABORT, ...).
    case SQLITE_CONSTRAINT:
      return absl::FailedPreconditionError(base::ToAbsl(message));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(base::ToAbsl(message));
    default:
      return absl::InternalError(base::StrCat("sqlite: ", message));
  }
}

// Parameters are written $1..$N; SQLite reads each distinct name as one parameter.
bool ParseParameterName(const char* name, int& number) {
  return name != nullptr && name[0] == '$' && name[1] != '\0' &&
         std::all_of(name + 1, name + std::strlen(name), absl::ascii_isdigit) &&
         base::SimpleAtoi(name + 1, &number) && number >= 1;
}

struct PreparedStatement {
  // Null when the SQL holds no statement (only white space or comments).
  sqlite3_stmt* statement = nullptr;
  // The statement reads parameters $1..$parameter_count, each at least once.
  int parameter_count = 0;
  // parameter_numbers[bind_index - 1] is N when SQLite's parameter bind_index is $N.
  std::vector<int> parameter_numbers;
};

// One connection with its statement cache. Used by one thread at a time (the pool hands it out).
class SqliteConnection {
 public:
  explicit SqliteConnection(sqlite3* handle) : handle_(handle) {}
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;
  ~SqliteConnection() {
    ClearStatements();
    sqlite3_close_v2(handle_);
  }

  static absl::StatusOr<std::unique_ptr<SqliteConnection>> Open(const std::string& path,
                                                                const OpenOptions& options) {
    sqlite3* handle = nullptr;
    int code = sqlite3_open_v2(
        path.c_str(), &handle,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
        nullptr);
    // sqlite3_open_v2 returns a handle even when it fails; the connection closes it.
    auto connection = std::make_unique<SqliteConnection>(handle);
    if (code != SQLITE_OK) {
      return StatusFromSqlite(code,
                              base::StrCat("cannot open ", path, ": ",
                                           handle ? sqlite3_errmsg(handle) : sqlite3_errstr(code)));
    }
    sqlite3_extended_result_codes(handle, 1);
    sqlite3_busy_timeout(handle, options.busy_timeout_ms);
    // The journal mode is stored in the file; the other settings belong to the connection.
    ASSIGN_OR_RETURN(Result journal, connection->Execute("PRAGMA journal_mode=WAL", {}));
    if (journal.rows.empty() || base::AsciiStrToLower(journal.rows[0].Text(0)) != "wal") {
      return absl::FailedPreconditionError(base::StrCat("cannot put ", path, " in WAL mode"));
    }
    RETURN_IF_ERROR(connection->ExecuteScript("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON"));
    return connection;
  }

  absl::StatusOr<Result> Execute(std::string_view sql, const std::vector<Value>& params) {
    ASSIGN_OR_RETURN(const PreparedStatement* prepared, Prepare(sql));
    Result result;
    if (prepared->statement == nullptr) {
      if (!params.empty()) return ParameterCountError(0, params.size());
      return result;
    }
    sqlite3_stmt* statement = prepared->statement;
    // A cached statement is reset at once, so that it holds no read lock between uses.
    absl::Cleanup reset = [statement] {
      sqlite3_reset(statement);
      sqlite3_clear_bindings(statement);
    };
    RETURN_IF_ERROR(Bind(*prepared, params));
    int64_t changes_before = sqlite3_total_changes64(handle_);
    while (true) {
      int code = sqlite3_step(statement);
      if (code == SQLITE_DONE) break;
      if (code != SQLITE_ROW) {
        return StatusFromSqlite(sqlite3_extended_errcode(handle_), sqlite3_errmsg(handle_));
      }
      result.rows.emplace_back(ReadRow(statement));
    }
    // Column names are read after stepping: a statement re-prepared after a schema change may
    // have other columns than before.
    int column_count = sqlite3_column_count(statement);
    result.columns.reserve(column_count);
    for (int column_idx = 0; column_idx < column_count; ++column_idx) {
      const char* name = sqlite3_column_name(statement, column_idx);
      result.columns.emplace_back(name ? name : "");
    }
    // sqlite3_changes64 keeps its value from the last INSERT, UPDATE or DELETE, so it counts
    // only when this statement changed something.
    if (sqlite3_total_changes64(handle_) != changes_before) {
      result.affected_rows = sqlite3_changes64(handle_);
    }
    return result;
  }

  absl::Status ExecuteScript(std::string_view sql) {
    std::string script(sql);
    char* error = nullptr;
    int code = sqlite3_exec(handle_, script.c_str(), nullptr, nullptr, &error);
    if (code == SQLITE_OK) return absl::OkStatus();
    std::string message = error ? error : sqlite3_errstr(code);
    sqlite3_free(error);
    return StatusFromSqlite(sqlite3_extended_errcode(handle_), message);
  }

  // kWrite takes SQLite's write lock at once (BEGIN IMMEDIATE), so that a write transaction never
  // fails half-way for want of it. SQLite's busy handler waits up to the busy timeout; when it
  // gives up early (it does not wait, for example, while another connection recovers the WAL)
  // BEGIN is tried again until that much time has passed.
  absl::Status Begin(TxMode mode, absl::Duration busy_timeout) {
    if (!sqlite3_get_autocommit(handle_)) Rollback();  // left open by a failed rollback
    const char* sql = mode == TxMode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN";
    absl::Time deadline = absl::Now() + busy_timeout;
    absl::Duration pause = kFirstBeginPause;
    while (true) {
      absl::Status status = Execute(sql, {}).status();
      if (status.ok() || status.code() != absl::StatusCode::kUnavailable) return status;
      if (absl::Now() + pause > deadline) return status;
      absl::SleepFor(pause);
      pause = std::min(pause * 2, kLongestBeginPause);
    }
  }

  absl::Status Commit() { return Execute("COMMIT", {}).status(); }

  void Rollback() {
    // A rollback fails only when no transaction is open (SQLite may already have rolled back
    // after an I/O error); either way the connection is then out of the transaction, and Begin
    // checks that again.
    Execute("ROLLBACK", {}).IgnoreError();
  }

 private:
  absl::StatusOr<const PreparedStatement*> Prepare(std::string_view sql) {
    auto found = statements_.find(base::ToAbsl(sql));
    if (found != statements_.end()) return &found->second;
    if (statements_.size() >= kMaxCachedStatements) ClearStatements();

    PreparedStatement prepared;
    const char* tail = nullptr;
    int code = sqlite3_prepare_v3(handle_, sql.data(), static_cast<int>(sql.size()),
                                  SQLITE_PREPARE_PERSISTENT, &prepared.statement, &tail);
    if (code != SQLITE_OK) {
      return StatusFromSqlite(sqlite3_extended_errcode(handle_), sqlite3_errmsg(handle_));
    }
    absl::Cleanup finalize = [&prepared] { sqlite3_finalize(prepared.statement); };

    const char* end = sql.data() + sql.size();
    if (prepared.statement != nullptr && tail != nullptr && tail < end) {
      sqlite3_stmt* next = nullptr;
      sqlite3_prepare_v2(handle_, tail, static_cast<int>(end - tail), &next, nullptr);
      if (next != nullptr) {
        sqlite3_finalize(next);
        return absl::InternalError(
            "Execute runs one statement; use ExecuteScript for several statements");
      }
    }

    if (prepared.statement != nullptr) {
      int bind_count = sqlite3_bind_parameter_count(prepared.statement);
      std::vector<bool> used;
      for (int bind_index = 1; bind_index <= bind_count; ++bind_index) {
        const char* name = sqlite3_bind_parameter_name(prepared.statement, bind_index);
        int number = 0;
        if (!ParseParameterName(name, number)) {
          return absl::InternalError(
              base::StrCat("parameter ", name ? name : "?", " is not written as $1..$N: ", sql));
        }
        prepared.parameter_numbers.push_back(number);
        if (static_cast<size_t>(number) >= used.size()) used.resize(number + 1, false);
        used[number] = true;
        prepared.parameter_count = std::max(prepared.parameter_count, number);
      }
      for (int number = 1; number <= prepared.parameter_count; ++number) {
        if (!used[number]) {
          return absl::InternalError(base::StrCat("the statement reads $", prepared.parameter_count,
                                                  " but not $", number, ": ", sql));
        }
      }
    }
    std::move(finalize).Cancel();
    auto [inserted, unused] = statements_.emplace(std::string(sql), std::move(prepared));
    return &inserted->second;
  }

  static absl::Status ParameterCountError(int expected, size_t given) {
    return absl::InternalError(
        base::StrCat("the statement reads ", expected, " parameters but ", given, " were given"));
  }

  absl::Status Bind(const PreparedStatement& prepared, const std::vector<Value>& params) {
    if (params.size() != static_cast<size_t>(prepared.parameter_count)) {
      return ParameterCountError(prepared.parameter_count, params.size());
    }
    sqlite3_stmt* statement = prepared.statement;
    for (size_t index = 0; index < prepared.parameter_numbers.size(); ++index) {
      int number = prepared.parameter_numbers[index];
      int bind_index = static_cast<int>(index) + 1;
      const Value& value = params[number - 1];
      int code = SQLITE_OK;
      // SQLITE_STATIC: the values outlive the statement's use; bindings are cleared after it.
      if (const auto* integer = std::get_if<int64_t>(&value)) {
        code = sqlite3_bind_int64(statement, bind_index, *integer);
      } else if (const auto* real = std::get_if<double>(&value)) {
        code = sqlite3_bind_double(statement, bind_index, *real);
      } else if (const auto* text = std::get_if<std::string>(&value)) {
        // PostgreSQL cannot store NUL in text; refuse it on both engines alike.
        if (text->find('\0') != std::string::npos) {
          return absl::InvalidArgumentError(
              base::StrCat("text parameter $", number, " contains a NUL byte"));
        }
        code = sqlite3_bind_text64(statement, bind_index, text->data(), text->size(), SQLITE_STATIC,
                                   SQLITE_UTF8);
      } else if (const auto* blob = std::get_if<Blob>(&value)) {
        // data() is never null, so an empty blob binds as an empty blob, not as NULL.
        code = sqlite3_bind_blob64(statement, bind_index, blob->bytes.data(), blob->bytes.size(),
                                   SQLITE_STATIC);
      } else {
        code = sqlite3_bind_null(statement, bind_index);
      }
      if (code != SQLITE_OK) {
        return StatusFromSqlite(sqlite3_extended_errcode(handle_), sqlite3_errmsg(handle_));
      }
    }
    return absl::OkStatus();
  }

  static Row ReadRow(sqlite3_stmt* statement) {
    int column_count = sqlite3_column_count(statement);
    std::vector<Value> values;
    values.reserve(column_count);
    for (int column_idx = 0; column_idx < column_count; ++column_idx) {
      switch (sqlite3_column_type(statement, column_idx)) {
        case SQLITE_INTEGER:
          values.emplace_back(static_cast<int64_t>(sqlite3_column_int64(statement, column_idx)));
          break;
        case SQLITE_FLOAT:
          values.emplace_back(sqlite3_column_double(statement, column_idx));
          break;
        case SQLITE_TEXT: {
          const unsigned char* text = sqlite3_column_text(statement, column_idx);
          int size = sqlite3_column_bytes(statement, column_idx);
          values.emplace_back(std::string(reinterpret_cast<const char*>(text), size));
          break;
        }
        case SQLITE_BLOB: {
          // A zero-length blob comes back as a null pointer.
          const void* bytes = sqlite3_column_blob(statement, column_idx);
          int size = sqlite3_column_bytes(statement, column_idx);
          values.emplace_back(
              Blob{bytes ? std::string(static_cast<const char*>(bytes), size) : std::string()});
          break;
        }
        default:
          values.emplace_back(std::monostate());
          break;
      }
    }
    return Row(std::move(values));
  }

  void ClearStatements() {
    for (auto& [sql, prepared] : statements_) sqlite3_finalize(prepared.statement);
    statements_.clear();
  }

  sqlite3* const handle_;
  absl::flat_hash_map<std::string, PreparedStatement> statements_;
};

class SqliteTransaction final : public CheckedTransaction {
 public:
  explicit SqliteTransaction(SqliteConnection& connection) : connection_(connection) {}

 protected:
  absl::StatusOr<Result> DoExecute(std::string_view sql,
                                   const std::vector<Value>& params) override {
    return connection_.Execute(sql, params);
  }
  absl::Status DoExecuteScript(std::string_view sql) override {
    return connection_.ExecuteScript(sql);
  }

 private:
  SqliteConnection& connection_;
};

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(std::vector<std::unique_ptr<SqliteConnection>> connections,
                 const OpenOptions& options)
      : pool_size_(static_cast<int>(connections.size())),
        busy_timeout_(absl::Milliseconds(options.busy_timeout_ms)),
        idle_(std::move(connections)) {}

  Engine engine() const override { return Engine::kSqlite; }

  absl::Status Transact(TxMode mode, absl::FunctionRef<absl::Status(Transaction&)> body) override {
    ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> connection, Checkout(mode));
    absl::Cleanup checkin = [&] { Checkin(std::move(connection), mode); };
    RETURN_IF_ERROR(connection->Begin(mode, busy_timeout_));
    SqliteTransaction transaction(*connection);
    absl::Status status = body(transaction);
    if (status.ok()) status = transaction.first_error();
    if (status.ok()) {
      // With synchronous=FULL the commit is on disk when COMMIT returns. Deferred constraints
      // are checked here and may still fail it.
      status = connection->Commit();
      if (status.ok()) return status;
    }
    connection->Rollback();
    return status;
  }

  absl::Status CheckIntegrity() override {
    return Transact(TxMode::kRead, [](Transaction& transaction) -> absl::Status {
      std::vector<std::string> problems;
      ASSIGN_OR_RETURN(Result integrity, transaction.Execute("PRAGMA integrity_check"));
      for (const Row& row : integrity.rows) {
        if (row.Text(0) != "ok") problems.push_back(row.Text(0));
      }
      // Columns: table, rowid, parent table, foreign key index.
      ASSIGN_OR_RETURN(Result foreign_keys, transaction.Execute("PRAGMA foreign_key_check"));
      for (const Row& row : foreign_keys.rows) {
        problems.push_back(base::StrCat("row ", row.Int(1), " of ", row.Text(0),
                                        " refers to a missing row of ", row.Text(2)));
      }
      if (problems.empty()) return absl::OkStatus();
      size_t total = problems.size();
      if (total > kMaxReportedProblems) problems.resize(kMaxReportedProblems);
      return absl::DataLossError(
          base::StrCat("the database failed its integrity check (", total,
                       total == 1 ? " problem): " : " problems): ", base::StrJoin(problems, "; ")));
    });
  }

 private:
  bool ConnectionIdle() const ABSL_SHARED_LOCKS_REQUIRED(mutex_) { return !idle_.empty(); }
  bool WriteSlotFree() const ABSL_SHARED_LOCKS_REQUIRED(mutex_) {
    return !idle_.empty() && !writer_active_;
  }

  absl::StatusOr<std::unique_ptr<SqliteConnection>> Checkout(TxMode mode) {
    absl::MutexLock lock(&mutex_);
    if (mode == TxMode::kWrite) {
      if (!mutex_.AwaitWithTimeout(absl::Condition(this, &SqliteDatabase::WriteSlotFree),
                                   busy_timeout_)) {
        return absl::UnavailableError(
            base::StrCat("the database stayed busy with other writes for ",
                         absl::FormatDuration(busy_timeout_)));
      }
      writer_active_ = true;
    } else if (!mutex_.AwaitWithTimeout(absl::Condition(this, &SqliteDatabase::ConnectionIdle),
                                        busy_timeout_)) {
      return absl::UnavailableError(base::StrCat("all ", pool_size_,
                                                 " database connections stayed busy for ",
                                                 absl::FormatDuration(busy_timeout_)));
    }
    std::unique_ptr<SqliteConnection> connection = std::move(idle_.back());
    idle_.pop_back();
    return connection;
  }

  void Checkin(std::unique_ptr<SqliteConnection> connection, TxMode mode) {
    absl::MutexLock lock(&mutex_);
    idle_.push_back(std::move(connection));
    if (mode == TxMode::kWrite) writer_active_ = false;
  }

  const int pool_size_;
  const absl::Duration busy_timeout_;
  absl::Mutex mutex_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_ ABSL_GUARDED_BY(mutex_);
  // True while a kWrite transaction of this process holds a connection.
  bool writer_active_ ABSL_GUARDED_BY(mutex_) = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> OpenSqliteDatabase(const std::string& path,
                                                             const OpenOptions& options) {
  std::vector<std::unique_ptr<SqliteConnection>> connections;
  connections.reserve(options.pool_size);
  for (int connection_idx = 0; connection_idx < options.pool_size; ++connection_idx) {
    ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> connection,
                     SqliteConnection::Open(path, options));
    connections.push_back(std::move(connection));
  }
  return std::make_unique<SqliteDatabase>(std::move(connections), options);
}

}  // namespace threathub::store::internal
