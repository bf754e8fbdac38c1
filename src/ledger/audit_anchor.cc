#include "ledger/audit_anchor.h"

#include <algorithm>
#include <string>
#include <vector>

#include "base/status_macros.h"

namespace threathub::ledger {
namespace {

// AuditTrail::Search returns at most this many records a page.
constexpr int kSearchPageSize = 1000;
// Late anchoring appends this many leaves a transaction.
constexpr size_t kBackfillBatchSize = 1000;
constexpr char kBackfillRef[] = "audit-backfill";

// Every stored audit record, newest first.
absl::Status ForEachAuditRecord(audit::AuditTrail& trail,
                                absl::FunctionRef<absl::Status(const audit::Record&)> visit) {
  audit::Query query{.limit = kSearchPageSize};
  while (true) {
    ASSIGN_OR_RETURN(audit::Page page, trail.Search(query));
    for (const audit::Record& record : page.records) RETURN_IF_ERROR(visit(record));
    if (!page.next_before_id) return absl::OkStatus();
    query.before_id = page.next_before_id;
  }
}

Entry AuditEntry(const audit::Record& record) {
  return Entry{.kind = std::string(kAuditKind),
               .ref = std::to_string(record.id),
               .record = AuditRecordObject(record)};
}

}  // namespace

CanonicalObject AuditRecordObject(const audit::Record& record) {
  CanonicalObject object;
  object.Int("id", record.id)
      .Int("at", record.at)
      .OptionalInt("actor_id", record.actor_id)
      .String("actor_name", record.actor_name)
      .OptionalInt("agency_id", record.agency_id)
      .String("action", record.action)
      .String("object_type", record.object_type)
      .String("object_id", record.object_id)
      .String("client", record.client)
      .String("outcome", audit::OutcomeName(record.outcome))
      .String("request_id", record.request_id)
      .String("detail", record.detail);
  return object;
}

absl::Status AuditAnchor::OnAppend(store::Transaction& tx, const audit::Record& record) {
  return ledger_.Append(tx, AuditEntry(record)).status();
}

absl::StatusOr<int64_t> AuditAnchor::AnchorExisting(audit::AuditTrail& trail) {
  // Another instance starting at the same moment may anchor some of the same records first
  // (AlreadyExists); the second pass then finds them anchored.
  absl::StatusOr<int64_t> anchored = AnchorExistingOnce(trail);
  if (anchored.status().code() != absl::StatusCode::kAlreadyExists) return anchored;
  return AnchorExistingOnce(trail);
}

absl::StatusOr<int64_t> AuditAnchor::AnchorExistingOnce(audit::AuditTrail& trail) {
  absl::StatusOr<Leaf> done = ledger_.FindLeaf(kLedgerKind, kBackfillRef);
  if (done.ok()) return 0;
  if (done.status().code() != absl::StatusCode::kNotFound) return done.status();

  // Records first, leaves second: a record committed in between then has its leaf already.
  std::vector<audit::Record> records;
  RETURN_IF_ERROR(ForEachAuditRecord(trail, [&](const audit::Record& record) {
    records.push_back(record);
    return absl::OkStatus();
  }));
  std::vector<Entry> missing;
  for (auto record = records.rbegin(); record != records.rend(); ++record) {
    absl::StatusOr<Leaf> leaf = ledger_.FindLeaf(kAuditKind, std::to_string(record->id));
    if (leaf.ok()) continue;
    if (leaf.status().code() != absl::StatusCode::kNotFound) return leaf.status();
    missing.push_back(AuditEntry(*record));
  }
  for (size_t begin = 0; begin < missing.size(); begin += kBackfillBatchSize) {
    std::span<const Entry> batch(missing.data() + begin,
                                 std::min(kBackfillBatchSize, missing.size() - begin));
    RETURN_IF_ERROR(ledger_.database().Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
      return ledger_.AppendBatch(tx, batch).status();
    }));
  }
  CanonicalObject note;
  note.String("event", "audit records written before the ledger anchored late")
      .Int("records", static_cast<int64_t>(missing.size()));
  Entry marker{.kind = std::string(kLedgerKind), .ref = kBackfillRef, .record = note};
  RETURN_IF_ERROR(ledger_.database().Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    return ledger_.Append(tx, marker).status();
  }));
  return static_cast<int64_t>(missing.size());
}

absl::Status AuditRecordSource::ForEachRecord(
    absl::FunctionRef<absl::Status(std::string_view ref, std::string_view canonical_record)>
        visit) {
  return ForEachAuditRecord(trail_, [&](const audit::Record& record) -> absl::Status {
    ASSIGN_OR_RETURN(std::string canonical, AuditRecordObject(record).Serialize());
    return visit(std::to_string(record.id), canonical);
  });
}

}  // namespace threathub::ledger
