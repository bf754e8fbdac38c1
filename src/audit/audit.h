// The audit trail: an append-only record of every sign-in attempt, account or permission change,
// and every call that reads or changes protected data.
//
// Appending is the only write this module offers (and the database refuses UPDATE and DELETE
// on the table through triggers). Each record is handed to an Anchor inside the same
// transaction, which is where the ledger (src/ledger) hangs every record into its Merkle tree.
//
//   audit::Record record{.action = "user.create", .object_type = "user", .object_id = "17"};
//   record.outcome = audit::Outcome::kSuccess;
//   RETURN_IF_ERROR(trail.Append(tx, record));   // inside the transaction that made the change
//
// Never put a password, token or TOTP secret in a record.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "store/database.h"

namespace threathub::audit {

enum class Outcome { kSuccess, kFailure, kDenied };
std::string_view OutcomeName(Outcome outcome);

struct Record {
  int64_t id = 0;       // set by Append
  base::Millis at = 0;  // set by Append (UTC milliseconds)
  std::optional<int64_t> actor_id;
  std::string actor_name;            // the username, or the name tried at a failed sign-in
  std::optional<int64_t> agency_id;  // the actor's agency, for supervisors' scoped search
  std::string action;                // "auth.login", "user.create", "audit.search", ...
  std::string object_type;           // "user", "agency", ...
  std::string object_id;
  std::string client;  // the client's address
  Outcome outcome = Outcome::kSuccess;
  std::string request_id;
  std::string detail;  // short, free text; no secrets
};

// The hook through which a later module anchors each record (the ledger). Called inside the
// appending transaction after the row is written; an error aborts the append.
class Anchor {
 public:
  virtual ~Anchor() = default;
  virtual absl::Status OnAppend(store::Transaction& tx, const Record& record) = 0;
};

struct Query {
  std::string actor;   // username, exact
  std::string action;  // exact, or a prefix ending in '.' ("user.")
  std::string object_type;
  std::string object_id;
  std::optional<base::Millis> from;  // inclusive
  std::optional<base::Millis> to;    // exclusive
  std::optional<int64_t> agency_id;  // restrict to records of this agency's actors
  std::optional<int64_t> before_id;  // pagination: records with id < before_id
  int limit = 50;                    // 1..1000
};

struct Page {
  std::vector<Record> records;  // newest first
  std::optional<int64_t> next_before_id;
};

class AuditTrail {
 public:
  AuditTrail(store::Database& database, const base::Clock& clock)
      : database_(database), clock_(clock) {}

  // Set once at start, before any Append. Not owned.
  void SetAnchor(Anchor* anchor) { anchor_ = anchor; }

  // Appends inside the caller's transaction, so the record commits with the change it records.
  absl::Status Append(store::Transaction& tx, Record& record);
  // Appends in a transaction of its own (reads, refusals, failed attempts).
  absl::Status Append(Record& record);

  absl::StatusOr<Page> Search(const Query& query);

 private:
  store::Database& database_;
  const base::Clock& clock_;
  Anchor* anchor_ = nullptr;
};

}  // namespace threathub::audit
