// Database access: one interface, two engines (SQLite embedded, PostgreSQL 15 through libpq).
//
// SQL is written once, with $1..$N placeholders, in the subset both engines accept. Times are
// BIGINT milliseconds since the epoch (UTC); booleans are INTEGER 0/1; ids are BIGINT.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<Database> db, OpenDatabase("sqlite", "./var"));
//   RETURN_IF_ERROR(db->Transact(TxMode::kWrite, [&](Transaction& tx) -> absl::Status {
//     ASSIGN_OR_RETURN(Result result,
//                      tx.Execute("INSERT INTO regions(name) VALUES($1) RETURNING id", {name}));
//     id = result.rows[0].Int(0);
//     return absl::OkStatus();
//   }));
//
// Error codes: a unique-constraint violation is kAlreadyExists, a foreign-key or check
// violation kFailedPrecondition, a lost connection or a busy database that stays busy kUnavailable,
// bad SQL kInternal. Thread-safe: Database may be shared by all threads; a Transaction belongs to
// the thread that runs the Transact callback.
//
// More of the contract, the same on both engines (store_test.cc checks it on both):
// - Not-null violations and errors raised by triggers (SQLite RAISE(ABORT, msg), PostgreSQL RAISE
//   EXCEPTION msg) are kFailedPrecondition too, with the trigger's message. Bad values
//   (text holding a NUL byte; on PostgreSQL also SQLSTATE class 22, such as invalid UTF-8) are
//   kInvalidArgument. A serialization failure or deadlock that persists is kAborted.
// - Parameters are exactly $1..$N: each is read at least once, and params holds N values.
//   int64_t goes as BIGINT, double as DOUBLE PRECISION, Blob as BLOB/BYTEA, std::string as text
//   whose type PostgreSQL infers from the context. Write casts as CAST($1 AS TEXT), not $1::text.
// - One statement per Execute; several (migrations) go through ExecuteScript.
// - Once a statement fails, the transaction is spent: later statements fail with the same code,
//   and Transact rolls back and returns that first error even if the body returns OK. (PostgreSQL
//   aborts a transaction at its first error; SQLite is made to behave alike.) To go on after a
//   conflict, write it into the SQL (INSERT ... ON CONFLICT DO NOTHING) instead.
// - On PostgreSQL, Transact runs the body again (a few times) after a serialization failure or a
//   deadlock: keep the body free of effects outside the database.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace threathub::store {

enum class Engine { kSqlite, kPostgres };

// Raw bytes (BLOB in SQLite, BYTEA in PostgreSQL), as opposed to text.
struct Blob {
  std::string bytes;
  bool operator==(const Blob&) const = default;
};

// A parameter or a column value. Text is UTF-8.
using Value = std::variant<std::monostate, int64_t, double, std::string, Blob>;

class Row {
 public:
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
  size_t size() const { return values_.size(); }
  bool IsNull(size_t column) const;
  // Integer columns; a NULL reads as 0. Text holding an integer is converted.
  int64_t Int(size_t column) const;
  // An integer column that may be NULL.
  std::optional<int64_t> OptionalInt(size_t column) const;
  double Double(size_t column) const;
  // Text or blob columns; a NULL reads as "".
  const std::string& Text(size_t column) const;
  const Value& At(size_t column) const { return values_.at(column); }

 private:
  std::vector<Value> values_;
};

struct Result {
  std::vector<std::string> columns;
  std::vector<Row> rows;
  // Rows inserted, updated or deleted by the statement; 0 for other statements (SELECT).
  int64_t affected_rows = 0;
};

class Transaction {
 public:
  virtual ~Transaction() = default;
  virtual absl::StatusOr<Result> Execute(std::string_view sql,
                                         const std::vector<Value>& params = {}) = 0;
  // Runs a script of several statements without parameters (migrations).
  virtual absl::Status ExecuteScript(std::string_view sql) = 0;
};

enum class TxMode {
  kRead,   // may run concurrently with other reads and writes; a body that writes should use kWrite
  kWrite,  // serialised with other writes on SQLite (BEGIN IMMEDIATE)
};

class Database {
 public:
  virtual ~Database() = default;
  virtual Engine engine() const = 0;

  // Runs `body` in one transaction on a pooled connection. Commits when `body` returns OK
  // (the commit is durable when Transact returns OK), rolls back otherwise and returns
  // body's status. Safe to call from many threads at once; do not nest.
  virtual absl::Status Transact(TxMode mode,
                                absl::FunctionRef<absl::Status(Transaction&)> body) = 0;

  // Runs one statement in its own transaction.
  absl::StatusOr<Result> Execute(std::string_view sql, const std::vector<Value>& params = {},
                                 TxMode mode = TxMode::kWrite);

  // Engine-level consistency check (SQLite PRAGMA integrity_check and foreign_key_check;
  // PostgreSQL: the connection answers, the server is not a standby, and no index is invalid and
  // no constraint NOT VALID in the schemas of the search path). OK when the database is sound,
  // kDataLoss listing the problems otherwise.
  virtual absl::Status CheckIntegrity() = 0;
};

struct OpenOptions {
  // Connections in the pool; a Transact waits for a free one.
  int pool_size = 8;
  // How long a Transact waits for a free connection, for the write lock (SQLite) or to connect
  // (PostgreSQL) before it fails with kUnavailable.
  int busy_timeout_ms = 10'000;
};

// `spec` is "sqlite" (the file <data_dir>/threathub.db; data_dir is created when missing) or a
// libpq URI "postgresql://..." or "postgres://..." (data_dir unused; the server must answer now).
// A bad spec or URI is kInvalidArgument; a server that cannot be reached kUnavailable.
absl::StatusOr<std::unique_ptr<Database>> OpenDatabase(const std::string& spec,
                                                       const std::string& data_dir,
                                                       const OpenOptions& options = {});

}  // namespace threathub::store
