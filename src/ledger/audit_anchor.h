// The audit trail in the ledger: every audit record becomes a leaf of kind "audit" whose ref is
// the record's id, in the transaction that appends the record; and verification compares the
// audit_log table with those leaves, so that a record edited or deleted there is caught.
//
//   ledger::AuditAnchor anchor(*ledger);
//   trail.SetAnchor(&anchor);
//   ASSIGN_OR_RETURN(int64_t late, anchor.AnchorExisting(trail));  // once, at start
//   ...
//   ledger::AuditRecordSource audit_records(trail);
//   ASSIGN_OR_RETURN(VerifyReport report, ledger->Verify({.sources = {&audit_records}}));
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "audit/audit.h"
#include "ledger/canonical_json.h"
#include "ledger/ledger.h"

namespace threathub::ledger {

// The canonical record of an audit record (docs/formats/ledger.md, kind "audit"): every field,
// ids and times as integers, a missing actor or agency as null, the outcome by name.
CanonicalObject AuditRecordObject(const audit::Record& record);

class AuditAnchor final : public audit::Anchor {
 public:
  explicit AuditAnchor(Ledger& ledger) : ledger_(ledger) {}

  // Appends the record's leaf in the record's own transaction.
  absl::Status OnAppend(store::Transaction& tx, const audit::Record& record) override;

  // Anchors, oldest first, the audit records that have no leaf yet: those written before the
  // ledger existed. Then appends a leaf of kind "ledger", ref "audit-backfill", recording how many
  // were anchored late; once that leaf exists this does nothing. Call at start, after SetAnchor
  // and before serving. Returns the number anchored.
  absl::StatusOr<int64_t> AnchorExisting(audit::AuditTrail& trail);

 private:
  absl::StatusOr<int64_t> AnchorExistingOnce(audit::AuditTrail& trail);

  Ledger& ledger_;
};

// The audit trail as a RecordSource for VerifyLedger. Reads through AuditTrail::Search.
class AuditRecordSource final : public RecordSource {
 public:
  explicit AuditRecordSource(audit::AuditTrail& trail) : trail_(trail) {}

  std::string_view kind() const override { return kAuditKind; }
  absl::Status ForEachRecord(
      absl::FunctionRef<absl::Status(std::string_view ref, std::string_view canonical_record)>
          visit) override;

 private:
  audit::AuditTrail& trail_;
};

}  // namespace threathub::ledger
