// Evidence items of a case: the records side of the vault. An item is one file in the
// content-addressed store (vault/blob_store.h) plus its metadata; everything that happens to it
// is a custody event, and every custody event is a ledger leaf of kind "custody" appended in the
// same transaction (docs/formats/ledger.md gives the record's canonical form), so a court can
// check the chain offline from a disclosure bundle (bundle/bundle.h).
//
//   evidence::EvidenceService evidence(db, trail, ledger, cases, blobs, clock, {});
//   RETURN_IF_ERROR(evidence.CheckIngest(who, case_id, metadata));      // before any byte
//   ASSIGN_OR_RETURN(std::unique_ptr<vault::BlobWriter> writer, blobs.Begin());
//   ... writer->Write(chunk) ...
//   ASSIGN_OR_RETURN(vault::PutResult put, writer->Commit());
//   ASSIGN_OR_RETURN(evidence::Item item, evidence.Ingest(who, origin, case_id, metadata, put));
//
// Access follows the case (cases::CaseService::CheckAccess): who may read the case sees its
// items and their custody, and each view or download is itself a custody event; who may change
// the case ingests, transfers, seals, verifies, exports and asks for disposal. Disposal needs a
// supervisor of the item's agency other than the requester (two-person rule), then waits
// kDisposalDelay in a queue from which it can be recovered; the file is deleted when no other
// item holds the same content, and the ledger keeps the item's hashes.
//
// Background work (RunScheduledJobs): weekly re-verification of every stored file (a mismatch
// raises an alert for the agency's supervisors and a custody event), disposals whose wait is
// over, and disposal proposals for items past retention in closed cases (never in open ones).
// Each job is claimed through the database, so several instances never run one twice.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audit.h"
#include "auth/principal.h"
#include "base/clock.h"
#include "cases/cases.h"
#include "ledger/ledger.h"
#include "store/database.h"
#include "vault/blob_store.h"

namespace threathub::evidence {

inline constexpr base::Millis kDayMillis = 24LL * 60 * 60 * 1000;
inline constexpr base::Millis kDisposalDelay = 7 * kDayMillis;

// Where an action comes from: the audit trail's client and request, and the custody event's
// "where" (e.g. "web 10.1.2.3", "cli host-name").
struct Origin {
  std::string client;
  std::string request_id;
  std::string where;
};

// An evidence category and how long its items are kept (the longest of an item's categories
// wins).
struct Category {
  std::string code;
  int retention_days = 0;
  std::string name_kk, name_ru, name_en;
};
const std::vector<Category>& Categories();

struct Metadata {
  std::string original_name;  // sanitised on ingest (vault/original_name.h)
  std::string description;
  std::string source_type = "seized";  // seized, received, captured_online
  std::string source_detail;           // seized from / received from / the URL
  std::string acquisition_method;
  std::string acquisition_tool;
  std::string examiner;
  std::optional<base::Millis> acquired_at;
  std::string acquired_place;
  std::string legal_basis;  // the decision or warrant; required
  std::optional<int64_t> parent_id;
  std::vector<std::string> categories;  // codes from Categories(); empty: "general"
};

// How an item collected online under a monitoring mandate (collect module) came to be held:
// its custody starts with a "collection" event at the time of collection, before the ingest.
struct Collection {
  base::Millis at = 0;  // when it was collected
  std::string where;    // "collect source 4 (feed)"
  std::string why;      // "online collection under mandate 12"
  std::string from;     // the URL (or platform, channel and post)
};

struct Item {
  int64_t id = 0;
  int64_t case_id = 0;
  std::string case_number;
  int64_t agency_id = 0;
  Metadata metadata;
  uint64_t size = 0;
  std::string mime_type;
  std::string md5, sha1, sha256;  // lower-case hex
  std::vector<int64_t> children;
  std::optional<base::Millis> retention_until;
  std::string state;  // active, disposal_pending, disposed
  bool sealed = false;
  std::string seal_number;
  cases::Person ingested_by;
  base::Millis ingested_at = 0;
  std::optional<base::Millis> last_verified_at;
  std::string last_verification;  // match, mismatch, missing, or ""
  std::string ewf_json;           // the E01 verification report as JSON, or ""
  std::optional<base::Millis> disposed_at;
};

struct CustodyEvent {
  int64_t id = 0;
  int64_t item_id = 0;
  int64_t case_id = 0;
  std::string case_number;
  std::string action;  // collection (before ingest, for items collected online), ingest, view,
                       // download, export, transfer, seal, unseal, verification,
                       // disposal_request, disposal_approval, disposal_rejection,
                       // disposal_cancel, disposal
  std::optional<int64_t> actor_id;  // empty: the system
  std::string actor;                // username, or "system"
  std::string actor_display_name;
  base::Millis at = 0;
  std::string where, why, from, to;
  std::string hash_before, hash_after;  // SHA-256 hex or ""
  std::string result;
  std::string item_sha256;  // the item's content hash (as ingested)
  std::optional<uint64_t> leaf_index;
};

// The canonical ledger record of a custody event (kind "custody", ref = the event id).
ledger::CanonicalObject CustodyRecordObject(const CustodyEvent& event);

struct VerifyOutcome {
  std::string result;  // match, mismatch, missing
  std::string found_sha256;
  Item item;
  CustodyEvent event;
};

struct Disposal {
  int64_t id = 0;
  int64_t item_id = 0;
  std::string item_name;
  int64_t case_id = 0;
  std::string case_number;
  int64_t agency_id = 0;
  std::string reason;
  std::string state;                          // pending, approved, done, rejected, cancelled
  std::optional<cases::Person> requested_by;  // empty: proposed by the retention job
  base::Millis requested_at = 0;
  std::optional<cases::Person> approved_by;
  std::optional<base::Millis> approved_at;
  std::optional<base::Millis> scheduled_for;
  std::string decided_reason;
  std::optional<base::Millis> done_at;
};

struct Alert {
  int64_t id = 0;
  int64_t item_id = 0;
  std::string item_name;
  int64_t case_id = 0;
  std::string case_number;
  std::string kind;  // hash_mismatch, missing
  std::string expected_sha256, found_sha256;
  base::Millis detected_at = 0;
  std::string state;  // open, acknowledged
  std::optional<cases::Person> acknowledged_by;
};

struct Bundle {
  int64_t id = 0;
  int64_t case_id = 0;
  std::string file_name;
  std::string path;
  uint64_t size = 0;
  std::string sha256;
  std::vector<int64_t> item_ids;
  std::string purpose;
  cases::Person created_by;
  base::Millis created_at = 0;
};

struct VerifyAllReport {
  int64_t items = 0;
  int64_t blobs = 0;
  int64_t mismatches = 0;
  int64_t missing = 0;
  uint64_t bytes = 0;
};

struct EvidenceOptions {
  // Where bundles are written (<data>/bundles).
  std::string bundle_dir;
  // The program run as `<binary> internal ewf-report FILE` to read E01 images in a separate
  // process (libewf is old C code reading outside input). Empty: E01 images are stored
  // without verification.
  std::string ewf_helper_binary;
  // How often every stored file is re-hashed.
  base::Millis verify_interval = 7 * kDayMillis;
  // How often the disposal queue and retention are looked at.
  base::Millis disposal_interval = 60 * 60 * 1000;
};

class EvidenceService {
 public:
  EvidenceService(store::Database& database, audit::AuditTrail& trail, ledger::Ledger& ledger,
                  cases::CaseService& cases, vault::BlobStore& blobs, const base::Clock& clock,
                  EvidenceOptions options);

  // Whether `who` may add an item with this metadata to the case (access, required fields,
  // parent), checked before the upload starts. Ingest checks again.
  absl::Status CheckIngest(const auth::Principal& who, int64_t case_id, const Metadata& metadata);
  // Records a stored blob as a new item, with its ingest custody event. The blob must be in the
  // store (put.sha256). E01 images are verified through libewf first (in a child process).
  absl::StatusOr<Item> Ingest(const auth::Principal& who, const Origin& origin, int64_t case_id,
                              Metadata metadata, const vault::PutResult& put);
  // The same for an item collected online (collect::CollectService::Promote): a "collection"
  // custody event (actor "system", at collection.at) and then the ingest event, in one
  // transaction, so custody runs from the moment of collection.
  absl::StatusOr<Item> IngestCollected(const auth::Principal& who, const Origin& origin,
                                       int64_t case_id, Metadata metadata,
                                       const vault::PutResult& put, const Collection& collection);
  // The same, and `also` runs in the same transaction once the item and its custody are
  // recorded (to link the item to what it came with, e.g. a provider's answer to a request); an
  // error from it rolls the whole ingest back, so there is never an item without its link.
  using AlsoInTransaction = absl::FunctionRef<absl::Status(store::Transaction&, int64_t item_id)>;
  absl::StatusOr<Item> IngestCollected(const auth::Principal& who, const Origin& origin,
                                       int64_t case_id, Metadata metadata,
                                       const vault::PutResult& put, const Collection& collection,
                                       AlsoInTransaction also);

  absl::StatusOr<std::vector<Item>> ListForCase(const auth::Principal& who, int64_t case_id);
  // Records a "view" custody event when record_view.
  absl::StatusOr<Item> Get(const auth::Principal& who, const Origin& origin, int64_t item_id,
                           bool record_view);
  absl::StatusOr<std::vector<CustodyEvent>> Custody(const auth::Principal& who, int64_t item_id);

  // The item's file for a download, recorded as a custody event. FailedPrecondition for a
  // sealed or disposed item.
  struct Content {
    Item item;
    std::string path;
  };
  absl::StatusOr<Content> OpenContent(const auth::Principal& who, const Origin& origin,
                                      int64_t item_id);

  // Re-hashes the item's file now.
  absl::StatusOr<VerifyOutcome> Verify(const auth::Principal& who, const Origin& origin,
                                       int64_t item_id);
  // Re-hashes every stored file (each content once) as the system; alerts on mismatches.
  absl::StatusOr<VerifyAllReport> VerifyAll(const Origin& origin);

  absl::StatusOr<CustodyEvent> Transfer(const auth::Principal& who, const Origin& origin,
                                        int64_t item_id, std::string from, std::string to,
                                        std::string purpose);
  absl::StatusOr<CustodyEvent> Seal(const auth::Principal& who, const Origin& origin,
                                    int64_t item_id, std::string reason, std::string seal_number);
  absl::StatusOr<CustodyEvent> Unseal(const auth::Principal& who, const Origin& origin,
                                      int64_t item_id, std::string reason);

  absl::StatusOr<Disposal> RequestDisposal(const auth::Principal& who, const Origin& origin,
                                           int64_t item_id, std::string reason);
  // Supervisors (evidence.approve) see their agency's disposals; others those they asked for.
  absl::StatusOr<std::vector<Disposal>> ListDisposals(const auth::Principal& who,
                                                      std::string_view state);
  absl::StatusOr<Disposal> ApproveDisposal(const auth::Principal& who, const Origin& origin,
                                           int64_t disposal_id);
  absl::StatusOr<Disposal> RejectDisposal(const auth::Principal& who, const Origin& origin,
                                          int64_t disposal_id, std::string reason);
  // Recovers an item from the queue (pending or approved, before it is carried out).
  absl::StatusOr<Disposal> CancelDisposal(const auth::Principal& who, const Origin& origin,
                                          int64_t disposal_id);
  // Carries out approved disposals whose wait is over. Returns how many.
  absl::StatusOr<int64_t> RunDueDisposals(const Origin& origin);
  // Proposes disposal (as the system, still needing a supervisor's approval) of items past
  // retention whose case is closed. Returns how many were proposed.
  absl::StatusOr<int64_t> ProposeRetentionDisposals(const Origin& origin);

  absl::StatusOr<std::vector<Alert>> ListAlerts(const auth::Principal& who, std::string_view state);
  absl::StatusOr<Alert> AcknowledgeAlert(const auth::Principal& who, const Origin& origin,
                                         int64_t alert_id);

  // Writes a disclosure bundle of the chosen items (an "export" custody event each, then a
  // checkpoint covering them, then the archive).
  absl::StatusOr<Bundle> ExportBundle(const auth::Principal& who, const Origin& origin,
                                      int64_t case_id, const std::vector<int64_t>& item_ids,
                                      std::string purpose);
  absl::StatusOr<std::vector<Bundle>> ListBundles(const auth::Principal& who, int64_t case_id);
  absl::StatusOr<Bundle> OpenBundle(const auth::Principal& who, const Origin& origin,
                                    int64_t bundle_id);

  // Runs the jobs that are due (claimed through the database). Called every few seconds.
  absl::Status RunScheduledJobs();

  vault::BlobStore& blobs() { return blobs_; }

 private:
  struct Access;
  absl::StatusOr<Item> IngestItem(const auth::Principal& who, const Origin& origin, int64_t case_id,
                                  Metadata metadata, const vault::PutResult& put,
                                  const Collection* collection, AlsoInTransaction also);
  absl::StatusOr<Item> LoadItem(store::Transaction& tx, int64_t item_id);
  absl::StatusOr<Item> LoadReadable(const auth::Principal& who, int64_t item_id,
                                    auth::AccessMode mode);
  absl::StatusOr<CustodyEvent> AppendEvent(store::Transaction& tx, CustodyEvent event);
  absl::Status Audit(store::Transaction& tx, const auth::Principal* who, const Origin& origin,
                     std::string action, std::string object_type, int64_t object_id,
                     std::string detail);
  absl::StatusOr<CustodyEvent> SimpleEvent(
      const auth::Principal& who, const Origin& origin, int64_t item_id, auth::AccessMode mode,
      CustodyEvent event, std::string audit_action,
      absl::FunctionRef<absl::Status(store::Transaction&, Item&)> change);
  // Records a verification's verdict: the custody event, the item's last verification, an
  // alert when the file changed or is gone, and the audit record. `who` null: the system.
  absl::StatusOr<CustodyEvent> RecordVerification(store::Transaction& tx,
                                                  const auth::Principal* who, const Origin& origin,
                                                  const Item& item, const std::string& result,
                                                  const std::string& found_sha256, std::string why);
  absl::StatusOr<Disposal> LoadDisposal(store::Transaction& tx, int64_t disposal_id);
  absl::StatusOr<Disposal> DecideDisposal(
      const auth::Principal& who, const Origin& origin, int64_t disposal_id,
      absl::FunctionRef<absl::Status(store::Transaction&, Disposal&, CustodyEvent&)> decide);
  absl::StatusOr<bool> ClaimJob(std::string_view name, base::Millis interval);
  absl::StatusOr<std::string> ReadEwfReport(const std::string& path);

  store::Database& database_;
  audit::AuditTrail& trail_;
  ledger::Ledger& ledger_;
  cases::CaseService& cases_;
  vault::BlobStore& blobs_;
  const base::Clock& clock_;
  EvidenceOptions options_;
};

// The custody_events table as a ledger RecordSource: `ledger verify` compares every stored
// event with its leaf.
class CustodyRecordSource final : public ledger::RecordSource {
 public:
  explicit CustodyRecordSource(store::Database& database) : database_(database) {}
  std::string_view kind() const override { return ledger::kCustodyKind; }
  absl::Status ForEachRecord(
      absl::FunctionRef<absl::Status(std::string_view ref, std::string_view canonical_record)>
          visit) override;

 private:
  store::Database& database_;
};

}  // namespace threathub::evidence
