// The PostgreSQL engine: a pool of libpq connections, each made when first needed and made again
// when the server has dropped it.
//
// Parameters travel as $1..$N through PQexecParams: integers, doubles and blobs in binary (typed
// int8, float8, bytea), text untyped so that the server infers its type from the context. Results
// come back in text format and are converted by column type.
#include "store/internal/postgres_database.h"

#include <libpq-fe.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/cleanup/cleanup.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/numbers.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "store/internal/checked_transaction.h"

namespace threathub::store::internal {
namespace {

// Type OIDs from PostgreSQL's catalog/pg_type.h (stable across versions).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kOidOid = 26;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

constexpr int kTextFormat = 0;
constexpr int kBinaryFormat = 1;

// A transaction that fails with a serialization failure or a deadlock runs again, up to this many
// times in all, after a pause that grows with each attempt.
constexpr int kMaxAttempts = 4;
constexpr absl::Duration kRetryPause = absl::Milliseconds(5);
constexpr size_t kMaxReportedProblems = 20;
// Statements run between these settings and the caller's SQL on every new connection.
constexpr char kSessionSettings[] =
    "SET TimeZone TO 'UTC'; SET extra_float_digits TO 3; SET bytea_output TO 'hex'";

using ResultHandle = std::unique_ptr<PGresult, decltype(&PQclear)>;

void IgnoreNotice(void* /*argument*/, const char* /*message*/) {}

std::string Trimmed(const char* message) {
  return std::string(base::StripAsciiWhitespace(message ? message : ""));
}

// SQLSTATE codes: PostgreSQL documentation, appendix A "PostgreSQL Error Codes".
absl::Status StatusFromSqlstate(std::string_view sqlstate, std::string_view message) {
  if (sqlstate == "23505") return absl::AlreadyExistsError(base::ToAbsl(message));
  // 23503 foreign key, 23514 check, 23502 not null, 23P01 exclusion; P0001 is RAISE EXCEPTION.
  if (base::StartsWith(sqlstate, "23") || sqlstate == "P0001") {
    return absl::FailedPreconditionError(base::ToAbsl(message));
  }
  if (sqlstate == "40001" || sqlstate == "40P01") return absl::AbortedError(base::ToAbsl(message));
  // 08P01 is a protocol violation, such as fewer parameter values than the statement reads.
  if (sqlstate == "08P01") {
    return absl::InternalError(base::StrCat("postgresql: ", message, " (SQLSTATE 08P01)"));
  }
  // 08: connection exceptions; 57P01-57P03: the server shuts down or starts; 53300: too many
  // connections; 55P03: a lock not available (NOWAIT, lock_timeout).
  if (base::StartsWith(sqlstate, "08") || base::StartsWith(sqlstate, "57P") ||
      sqlstate == "53300" || sqlstate == "55P03") {
    return absl::UnavailableError(base::ToAbsl(message));
  }
  // 22: data exceptions (a number out of range, bad UTF-8): the values given were bad.
  if (base::StartsWith(sqlstate, "22")) return absl::InvalidArgumentError(base::ToAbsl(message));
  return absl::InternalError(base::StrCat("postgresql: ", message, " (SQLSTATE ", sqlstate, ")"));
}

std::array<char, 8> BigEndian(uint64_t bits) {
  std::array<char, 8> bytes;
  for (size_t byte_idx = 0; byte_idx < bytes.size(); ++byte_idx) {
    bytes[byte_idx] = static_cast<char>(bits >> (56 - 8 * byte_idx));
  }
  return bytes;
}

double ParseDouble(std::string_view text) {
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "Infinity") return std::numeric_limits<double>::infinity();
  if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
  double value = 0;
  if (!absl::SimpleAtod(base::ToAbsl(text), &value)) return 0;
  return value;
}

Value ReadValue(Oid type, const char* text, int length) {
  std::string_view view(text, length);
  switch (type) {
    case kBoolOid:
      return int64_t{view == "t" ? 1 : 0};
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
    case kOidOid: {
      int64_t integer = 0;
      if (base::SimpleAtoi(view, &integer)) return integer;
      return std::string(view);
    }
    case kFloat4Oid:
    case kFloat8Oid:
    case kNumericOid:
      return ParseDouble(view);
    case kByteaOid: {
      size_t size = 0;
      unsigned char* bytes = PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &size);
      if (bytes == nullptr) return Blob{};
      Blob blob{std::string(reinterpret_cast<const char*>(bytes), size)};
      PQfreemem(bytes);
      return blob;
    }
    default:
      return std::string(view);
  }
}

// One connection; used by one thread at a time (the pool hands it out).
class PostgresConnection {
 public:
  PostgresConnection() = default;
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;
  ~PostgresConnection() { Close(); }

  bool Healthy() const { return handle_ != nullptr && PQstatus(handle_) == CONNECTION_OK; }

  absl::Status Connect(const std::string& uri, const std::string& connect_timeout_seconds) {
    Close();
    // With expand_dbname the URI stands in place of "dbname": keywords before it are defaults the
    // URI may override, keywords after it override the URI.
    const char* const keywords[] = {"fallback_application_name", "connect_timeout", "dbname",
                                    "client_encoding", nullptr};
    const char* const values[] = {"threathub", connect_timeout_seconds.c_str(), uri.c_str(), "UTF8",
                                  nullptr};
    handle_ = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
    if (handle_ == nullptr) return absl::ResourceExhaustedError("libpq is out of memory");
    if (PQstatus(handle_) != CONNECTION_OK) {
      std::string message = Trimmed(PQerrorMessage(handle_));
      Close();
      return absl::UnavailableError(base::StrCat("cannot connect to PostgreSQL: ", message));
    }
    PQsetNoticeProcessor(handle_, IgnoreNotice, nullptr);
    absl::Status settings = ExecuteScript(kSessionSettings);
    if (!settings.ok()) Close();
    return settings;
  }

  // Brings the connection back to "connected, no transaction open".
  absl::Status Ready(const std::string& uri, const std::string& connect_timeout_seconds) {
    if (Healthy()) {
      PGTransactionStatusType state = PQtransactionStatus(handle_);
      if (state == PQTRANS_IDLE) return absl::OkStatus();
      if (state == PQTRANS_INTRANS || state == PQTRANS_INERROR) {
        Rollback();
        if (Healthy() && PQtransactionStatus(handle_) == PQTRANS_IDLE) return absl::OkStatus();
      }
    }
    return Connect(uri, connect_timeout_seconds);
  }

  void Rollback() { ExecuteScript("ROLLBACK").IgnoreError(); }

  absl::StatusOr<Result> Execute(std::string_view sql, const std::vector<Value>& params) {
    if (handle_ == nullptr) return absl::UnavailableError("not connected to PostgreSQL");
    size_t count = params.size();
    absl::InlinedVector<Oid, 8> types(count, 0);
    absl::InlinedVector<const char*, 8> values(count, nullptr);
    absl::InlinedVector<int, 8> lengths(count, 0);
    absl::InlinedVector<int, 8> formats(count, kTextFormat);
    absl::InlinedVector<std::array<char, 8>, 8> numbers(count);
    for (size_t index = 0; index < count; ++index) {
      const Value& value = params[index];
      if (const auto* integer = std::get_if<int64_t>(&value)) {
        numbers[index] = BigEndian(static_cast<uint64_t>(*integer));
        types[index] = kInt8Oid;
        values[index] = numbers[index].data();
        lengths[index] = 8;
        formats[index] = kBinaryFormat;
      } else if (const auto* real = std::get_if<double>(&value)) {
        numbers[index] = BigEndian(std::bit_cast<uint64_t>(*real));
        types[index] = kFloat8Oid;
        values[index] = numbers[index].data();
        lengths[index] = 8;
        formats[index] = kBinaryFormat;
      } else if (const auto* text = std::get_if<std::string>(&value)) {
        // A text parameter ends at its first NUL byte: refuse rather than cut it short.
        if (text->find('\0') != std::string::npos) {
          return absl::InvalidArgumentError(
              base::StrCat("text parameter $", index + 1, " contains a NUL byte"));
        }
        values[index] = text->c_str();
      } else if (const auto* blob = std::get_if<Blob>(&value)) {
        // data() is never null, so an empty blob is sent as an empty bytea, not as NULL.
        types[index] = kByteaOid;
        values[index] = blob->bytes.data();
        lengths[index] = static_cast<int>(blob->bytes.size());
        formats[index] = kBinaryFormat;
      }
    }
    std::string statement(sql);  // libpq wants it NUL-terminated
    ResultHandle result(
        PQexecParams(handle_, statement.c_str(), static_cast<int>(count), types.data(),
                     values.data(), lengths.data(), formats.data(), kTextFormat),
        &PQclear);
    ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
      return ErrorStatus(result.get());
    }
    return ReadResult(result.get());
  }

  absl::Status ExecuteScript(std::string_view sql) {
    if (handle_ == nullptr) return absl::UnavailableError("not connected to PostgreSQL");
    std::string script(sql);
    ResultHandle result(PQexec(handle_, script.c_str()), &PQclear);
    ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
      return ErrorStatus(result.get());
    }
    return absl::OkStatus();
  }

 private:
  void Close() {
    if (handle_ != nullptr) PQfinish(handle_);
    handle_ = nullptr;
  }

  absl::Status ErrorStatus(const PGresult* result) const {
    const char* sqlstate = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    // The detail ("Key (username)=(...) already exists") is left out: it holds the row's values,
    // and messages end up in logs and API answers.
    std::string message = primary ? std::string(primary) : Trimmed(PQerrorMessage(handle_));
    if (sqlstate != nullptr) return StatusFromSqlstate(sqlstate, message);
    if (!Healthy()) {
      return absl::UnavailableError(base::StrCat("lost the connection to PostgreSQL: ", message));
    }
    return absl::InternalError(base::StrCat("postgresql: ", message));
  }

  static Result ReadResult(const PGresult* result) {
    Result output;
    int row_count = PQntuples(result);
    int column_count = PQnfields(result);
    absl::InlinedVector<Oid, 16> types(column_count);
    output.columns.reserve(column_count);
    for (int column_idx = 0; column_idx < column_count; ++column_idx) {
      output.columns.emplace_back(PQfname(result, column_idx));
      types[column_idx] = PQftype(result, column_idx);
    }
    output.rows.reserve(row_count);
    for (int row_idx = 0; row_idx < row_count; ++row_idx) {
      std::vector<Value> values;
      values.reserve(column_count);
      for (int column_idx = 0; column_idx < column_count; ++column_idx) {
        if (PQgetisnull(result, row_idx, column_idx)) {
          values.emplace_back(std::monostate());
        } else {
          values.push_back(ReadValue(types[column_idx], PQgetvalue(result, row_idx, column_idx),
                                     PQgetlength(result, row_idx, column_idx)));
        }
      }
      output.rows.emplace_back(std::move(values));
    }
    // PQcmdTuples also counts the rows of a SELECT; affected_rows counts changed rows only.
    std::string_view tag = PQcmdStatus(const_cast<PGresult*>(result));
    if (base::StartsWith(tag, "INSERT") || base::StartsWith(tag, "UPDATE") ||
        base::StartsWith(tag, "DELETE") || base::StartsWith(tag, "MERGE")) {
      int64_t affected = 0;
      if (base::SimpleAtoi(PQcmdTuples(const_cast<PGresult*>(result)), &affected)) {
        output.affected_rows = affected;
      }
    }
    return output;
  }

  PGconn* handle_ = nullptr;
};

class PostgresTransaction final : public CheckedTransaction {
 public:
  explicit PostgresTransaction(PostgresConnection& connection) : connection_(connection) {}

 protected:
  absl::StatusOr<Result> DoExecute(std::string_view sql,
                                   const std::vector<Value>& params) override {
    return connection_.Execute(sql, params);
  }
  absl::Status DoExecuteScript(std::string_view sql) override {
    return connection_.ExecuteScript(sql);
  }

 private:
  PostgresConnection& connection_;
};

class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(std::string uri, const OpenOptions& options)
      : uri_(std::move(uri)),
        connect_timeout_seconds_(base::StrCat(std::max(1, options.busy_timeout_ms / 1000))),
        pool_size_(options.pool_size),
        busy_timeout_(absl::Milliseconds(options.busy_timeout_ms)) {
    for (int connection_idx = 0; connection_idx < pool_size_; ++connection_idx) {
      idle_.push_back(std::make_unique<PostgresConnection>());
    }
  }

  // Connects one connection now, so that a wrong URI or a server that is down shows at start.
  absl::Status ConnectFirst() {
    absl::MutexLock lock(&mutex_);
    return idle_.back()->Connect(uri_, connect_timeout_seconds_);
  }

  Engine engine() const override { return Engine::kPostgres; }

  absl::Status Transact(TxMode mode, absl::FunctionRef<absl::Status(Transaction&)> body) override {
    // READ COMMITTED for both modes: writers wait on row locks, not on each other.
    ASSIGN_OR_RETURN(std::unique_ptr<PostgresConnection> connection, Checkout());
    absl::Cleanup checkin = [&] { Checkin(std::move(connection)); };
    for (int attempt = 1;; ++attempt) {
      bool retryable = false;
      absl::Status status = RunOnce(*connection, body, retryable);
      if (status.ok() || !retryable || attempt == kMaxAttempts) return status;
      absl::SleepFor(kRetryPause * attempt);
    }
  }

  // Checks, on the schemas of the search path: the connection answers; the server is not a
  // read-only standby; no index is invalid (as a failed CREATE INDEX CONCURRENTLY leaves one); no
  // constraint is NOT VALID (rows may break it). Table data is PostgreSQL's own business
  // (checksums, amcheck); it is not read here.
  absl::Status CheckIntegrity() override {
    return Transact(TxMode::kRead, [](Transaction& transaction) -> absl::Status {
      ASSIGN_OR_RETURN(Result alive, transaction.Execute("SELECT 1"));
      if (alive.rows.size() != 1 || alive.rows[0].Int(0) != 1) {
        return absl::InternalError("PostgreSQL answered SELECT 1 with something else");
      }
      ASSIGN_OR_RETURN(Result recovery, transaction.Execute("SELECT pg_is_in_recovery()"));
      if (recovery.rows.at(0).Int(0) != 0) {
        return absl::FailedPreconditionError("the PostgreSQL server is a read-only standby");
      }
      std::vector<std::string> problems;
      ASSIGN_OR_RETURN(Result indexes, transaction.Execute(R"sql(
SELECT n.nspname || '.' || c.relname
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY (current_schemas(false))
  AND NOT (i.indisvalid AND i.indisready AND i.indislive)
ORDER BY 1)sql"));
      for (const Row& row : indexes.rows) {
        problems.push_back(base::StrCat("index ", row.Text(0), " is invalid"));
      }
      ASSIGN_OR_RETURN(Result constraints, transaction.Execute(R"sql(
SELECT n.nspname || '.' || c.conname
FROM pg_catalog.pg_constraint c
JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace
WHERE n.nspname = ANY (current_schemas(false)) AND NOT c.convalidated
ORDER BY 1)sql"));
      for (const Row& row : constraints.rows) {
        problems.push_back(base::StrCat("constraint ", row.Text(0), " is not validated"));
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
  absl::Status Begin(PostgresConnection& connection) {
    RETURN_IF_ERROR(connection.Ready(uri_, connect_timeout_seconds_));
    absl::Status status = connection.ExecuteScript("BEGIN");
    if (status.ok() || connection.Healthy()) return status;
    // The server dropped the idle connection (a restart, an idle timeout). Nothing has run yet,
    // so connecting again and beginning once more is safe.
    RETURN_IF_ERROR(connection.Connect(uri_, connect_timeout_seconds_));
    return connection.ExecuteScript("BEGIN");
  }

  absl::Status RunOnce(PostgresConnection& connection,
                       absl::FunctionRef<absl::Status(Transaction&)> body, bool& retryable) {
    RETURN_IF_ERROR(Begin(connection));
    PostgresTransaction transaction(connection);
    absl::Status status = body(transaction);
    if (status.ok()) status = transaction.first_error();
    if (status.ok()) {
      // COMMIT returns after the WAL is flushed (synchronous_commit defaults to on). When it fails
      // the transaction has ended: rolled back, or, if the connection broke, unknown.
      status = connection.ExecuteScript("COMMIT");
      retryable = status.code() == absl::StatusCode::kAborted;
      return status;
    }
    // Retry only when the database failed the transaction for a serialization failure or a
    // deadlock, not when the body gave up on its own.
    retryable = transaction.first_error().code() == absl::StatusCode::kAborted;
    connection.Rollback();
    return status;
  }

  bool ConnectionIdle() const ABSL_SHARED_LOCKS_REQUIRED(mutex_) { return !idle_.empty(); }

  absl::StatusOr<std::unique_ptr<PostgresConnection>> Checkout() {
    absl::MutexLock lock(&mutex_);
    if (!mutex_.AwaitWithTimeout(absl::Condition(this, &PostgresDatabase::ConnectionIdle),
                                 busy_timeout_)) {
      return absl::UnavailableError(base::StrCat("all ", pool_size_,
                                                 " database connections stayed busy for ",
                                                 absl::FormatDuration(busy_timeout_)));
    }
    // The most recently used connection comes first, so the pool connects more only under load.
    std::unique_ptr<PostgresConnection> connection = std::move(idle_.back());
    idle_.pop_back();
    return connection;
  }

  void Checkin(std::unique_ptr<PostgresConnection> connection) {
    absl::MutexLock lock(&mutex_);
    idle_.push_back(std::move(connection));
  }

  const std::string uri_;
  const std::string connect_timeout_seconds_;
  const int pool_size_;
  const absl::Duration busy_timeout_;
  absl::Mutex mutex_;
  std::vector<std::unique_ptr<PostgresConnection>> idle_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> OpenPostgresDatabase(const std::string& uri,
                                                               const OpenOptions& options) {
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(uri.c_str(), &error);
  if (parsed == nullptr) {
    std::string message = error ? Trimmed(error) : "cannot parse it";
    PQfreemem(error);
    return absl::InvalidArgumentError(base::StrCat("bad PostgreSQL URI: ", message));
  }
  PQconninfoFree(parsed);
  auto database = std::make_unique<PostgresDatabase>(uri, options);
  RETURN_IF_ERROR(database->ConnectFirst());
  return database;
}

}  // namespace threathub::store::internal
